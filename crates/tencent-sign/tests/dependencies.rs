//! The signer stays pure: `cargo tree -p tencent-sign -e normal` holds no async runtime, no HTTP
//! crate and no clock (chrono without its `clock` feature, which would pull in the system's
//! time zone through `iana-time-zone`).

use std::process::Command;

const FORBIDDEN: &[&str] = &[
    "tokio",
    "async-std",
    "futures",
    "mio",
    "hyper",
    "hyper-util",
    "reqwest",
    "http",
    "ureq",
    "curl",
    "iana-time-zone",
    "time",
];

#[test]
fn no_runtime_no_http_crate_no_clock_among_the_normal_dependencies() {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-p",
            "tencent-sign",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let names: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert!(
        names.contains(&"hmac") && names.contains(&"sha2") && names.contains(&"chrono"),
        "{tree}"
    );
    let found: Vec<&&str> = FORBIDDEN.iter().filter(|f| names.contains(f)).collect();
    assert!(
        found.is_empty(),
        "tencent-sign depends on {found:?}:\n{tree}"
    );
}
