//! Replays every committed seed and regression input through its target's checks, on stable
//! Rust and without libFuzzer: `cargo test --manifest-path fuzz/Cargo.toml`. A regression input
//! stays here after its fix, so the bug it found cannot come back unnoticed.

use std::path::Path;

use fuzz_support::targets;

fn replay(target: &str, run: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for kind in ["seeds", "regressions"] {
        let dir = root.join(kind).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).unwrap();
            if std::panic::catch_unwind(|| run(&data)).is_err() {
                panic!("{} fails its checks", path.display());
            }
            count += 1;
        }
    }
    assert!(count > 0, "no seeds for {target}");
}

#[test]
fn config_loader() {
    replay("config_loader", targets::config_loader::run);
}

#[test]
fn phone_parser() {
    replay("phone_parser", targets::phone_parser::run);
}

#[test]
fn template_params() {
    replay("template_params", targets::template_params::run);
}

#[test]
fn response_classifier() {
    replay("response_classifier", targets::response_classifier::run);
}

#[test]
fn signer() {
    replay("signer", targets::signer::run);
}
