//! What the kit must not contain: no HTTP client, no async runtime, no Redis among its
//! dependencies (what `cargo tree -p connector-kit -e normal` shows), and nothing of Logto's or
//! a provider's own in its source.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Crates that would bring I/O into the kit.
const FORBIDDEN: [&str; 12] = [
    "reqwest",
    "hyper",
    "hyper-util",
    "h2",
    "tokio",
    "async-std",
    "smol",
    "redis",
    "ureq",
    "isahc",
    "curl",
    "mio",
];

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The names under `[dependencies]` of the kit's manifest.
fn normal_dependencies() -> Vec<String> {
    let manifest = std::fs::read_to_string(root().join("crates/connector-kit/Cargo.toml")).unwrap();
    manifest
        .lines()
        .skip_while(|line| line.trim() != "[dependencies]")
        .skip(1)
        .take_while(|line| !line.starts_with('['))
        .filter_map(|line| line.split(['.', '=', ' ']).next())
        .filter(|name| !name.is_empty() && !name.starts_with('#'))
        .map(String::from)
        .collect()
}

/// Every package of `Cargo.lock` with the names of its dependencies (all kinds, all platforms).
fn lock_graph() -> BTreeMap<String, Vec<String>> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
    let mut graph = BTreeMap::new();
    for package in lock.split("[[package]]").skip(1) {
        let name = package
            .lines()
            .find_map(|l| l.strip_prefix("name = "))
            .map(|n| n.trim_matches('"').to_owned())
            .unwrap();
        let dependencies = package
            .split_once("dependencies = [")
            .map(|(_, rest)| rest.split(']').next().unwrap_or(""))
            .unwrap_or("")
            .split(',')
            .filter_map(|d| d.trim().trim_matches('"').split(' ').next())
            .filter(|d| !d.is_empty())
            .map(String::from)
            .collect();
        graph.entry(name).or_insert(dependencies);
    }
    graph
}

#[test]
fn no_http_client_no_runtime_no_redis_among_the_dependencies() {
    let graph = lock_graph();
    let direct = normal_dependencies();
    assert!(direct.contains(&"serde".to_owned()), "{direct:?}");
    // Everything reachable from the kit's own dependencies: a superset of its normal tree
    // (Cargo.lock also lists build dependencies and other platforms' dependencies).
    let mut reached = BTreeSet::new();
    let mut next = direct;
    while let Some(name) = next.pop() {
        if reached.insert(name.clone()) {
            next.extend(graph.get(&name).cloned().unwrap_or_default());
        }
    }
    let found: Vec<_> = FORBIDDEN.iter().filter(|f| reached.contains(**f)).collect();
    assert!(found.is_empty(), "the kit depends on {found:?}");
    assert!(
        reached.contains("schemars") && reached.len() > 5,
        "{reached:?}"
    );
}

#[test]
fn nothing_of_logto_or_of_a_provider_in_the_source() {
    // Every file under src/, modules in folders (src/config/) included.
    let mut folders = vec![root().join("crates/connector-kit/src")];
    let mut files = Vec::new();
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    for nested in ["config/findings.rs", "routing/failover.rs"] {
        assert!(
            files.iter().any(|f| f.ends_with(nested)),
            "{nested}: {files:?}"
        );
    }
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for word in [
            "is_mainland_china",
            "logto_code",
            "LogtoErrorCode",
            "aliyun_sign",
        ] {
            assert!(!text.contains(word), "{} mentions {word}", path.display());
        }
    }
}
