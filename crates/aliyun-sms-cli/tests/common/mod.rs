//! Shared by the CLI tests: the binary as a user runs it, its JSON, temporary files, and an
//! emulator served by `aliyun-sms emulator` in a child process.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Lines};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Stdio};

use assert_cmd::Command;
use serde_json::Value;

/// The binary, without the environment that would change what it does: credentials, proxies,
/// log filters.
pub fn aliyun_sms() -> Command {
    let mut command = Command::cargo_bin("aliyun-sms").expect("the binary is built");
    for name in [
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
        "RUST_LOG",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        command.env_remove(name);
    }
    command
}

pub fn stdout_json(output: &std::process::Output) -> Value {
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn temp_file(name: &str, contents: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// `aliyun-sms --json emulator --port 0 ARGS` (or `ARGS`' own `--port`) in a child process,
/// killed when dropped.
pub struct Served {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    /// The banner: endpoint, account, templates, limits, clock, fault, and a ready `config`.
    pub banner: Value,
}

impl Served {
    pub fn start(args: &[&str]) -> Served {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("aliyun-sms"))
            .args(["--json", "emulator"])
            .args(if args.contains(&"--port") {
                &[][..]
            } else {
                &["--port", "0"][..]
            })
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the emulator starts");
        let stdout = child.stdout.take().expect("a stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().expect("a banner").expect("the banner is text");
        let banner = serde_json::from_str(&first).unwrap_or_else(|e| panic!("{e}: {first}"));
        Served {
            child,
            lines,
            banner,
        }
    }

    pub fn endpoint(&self) -> &str {
        self.banner["endpoint"].as_str().expect("an endpoint")
    }

    /// The banner's config with `extra` keys set, written to `name` in the temp folder.
    pub fn config(&self, name: &str, extra: Value) -> PathBuf {
        let mut config = self.banner["config"].clone();
        for (key, value) in extra.as_object().expect("an object") {
            config[key] = value.clone();
        }
        temp_file(name, &config.to_string())
    }

    /// The next message the emulator reports delivered (blocks until one is).
    pub fn next_delivery(&mut self) -> Value {
        let line = self
            .lines
            .next()
            .expect("the emulator is running")
            .expect("a line");
        let report: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        report["delivered"].clone()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `send --config CONFIG --to TO` with more arguments, as JSON.
pub fn send_json(config: &PathBuf, to: &str, more: &[&str]) -> (Option<i32>, Value) {
    let output = aliyun_sms()
        .args(["--json", "send", "--to", to, "--config"])
        .arg(config)
        .args(more)
        .output()
        .unwrap();
    (output.status.code(), stdout_json(&output))
}
