//! `check-config` and `send --config` on hostile input: capped reads (a file or `-`), bounded
//! reports, warnings printed, `--strict`, and no secret in any output.

use std::process::Output;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::{Value, json};

mod common;

use common::temp_file as file;

const BIN: &str = env!("CARGO_BIN_EXE_aliyun-sms");

/// The binary as the other CLI tests run it, with a guard against a hang: every command here
/// answers in well under a second.
fn aliyun_sms() -> Command {
    let mut command = common::aliyun_sms();
    command.timeout(Duration::from_secs(30));
    command
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn config(changes: Value) -> Value {
    let mut config = json!({
        "accessKeyId": "LTAI5tExample",
        "accessKeySecret": "example-secret",
        "signName": "Logto",
        "templates": [
            {"usageType": "Register", "templateCode": "SMS_1"},
            {"usageType": "SignIn", "templateCode": "SMS_2"},
            {"usageType": "ForgotPassword", "templateCode": "SMS_3"},
            {"usageType": "Generic", "templateCode": "SMS_4"}
        ],
        // Nothing listens on port 9: a send fails before anything leaves.
        "endpoint": "http://127.0.0.1:9",
        "maxAttempts": 1
    });
    for (key, value) in changes.as_object().unwrap() {
        config[key] = value.clone();
    }
    config
}

/// `/dev/zero` is endless: both commands stop after 1 MiB with a size error, at once, under a
/// 512 MiB address-space limit (reading it all would pass that limit and abort).
#[cfg(target_os = "linux")]
#[test]
fn dev_zero_is_refused_at_once_with_bounded_memory() {
    for args in [
        &["check-config", "/dev/zero"][..],
        &["--json", "check-config", "/dev/zero"],
        &["check-config", "--strict", "/dev/zero"],
        &["send", "--to", "+8613800138000", "--config", "/dev/zero"],
    ] {
        let started = Instant::now();
        let output = Command::new("sh")
            .arg("-c")
            .arg(r#"ulimit -v 524288 && exec "$0" "$@""#)
            .arg(BIN)
            .args(args)
            .env_remove("ALIBABA_CLOUD_ACCESS_KEY_ID")
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        let elapsed = started.elapsed();
        let said = text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {said}");
        assert!(
            said.contains("/dev/zero is larger than 1 MiB (1048576 bytes), the limit for a config"),
            "{args:?}: {said}"
        );
        assert!(elapsed < Duration::from_secs(1), "{args:?}: {elapsed:?}");
    }
}

/// The issue's 4.6 MB config of 200,000 unknown keys: refused by size, at once, in one line.
#[test]
fn two_hundred_thousand_keys_are_refused_at_once_in_one_line() {
    let mut big = config(json!({}));
    for i in 0..200_000 {
        big[format!("unknownKey{i:06}")] = json!(1);
    }
    let path = file("200k-keys.json", &big.to_string());
    for args in [
        &["check-config"][..],
        &["send", "--to", "+8613800138000", "--config"],
    ] {
        let started = Instant::now();
        let output = aliyun_sms().args(args).arg(&path).output().unwrap();
        let elapsed = started.elapsed();
        let said = text(&output);
        assert_eq!(output.status.code(), Some(2), "{said}");
        assert!(said.contains("is larger than 1 MiB"), "{said}");
        assert!(said.len() < 300, "{} bytes: {said}", said.len());
        assert!(elapsed < Duration::from_secs(1), "{args:?}: {elapsed:?}");
    }
}

/// As many unknown keys as fit in 1 MiB (about 80,000): loaded with a 20-line report.
#[test]
fn a_megabyte_of_unknown_keys_gives_a_short_report() {
    let mut json = config(json!({})).to_string();
    json.pop();
    let mut i = 0;
    while json.len() < (1 << 20) - 20 {
        json.push_str(&format!(",\"k{i}\":0"));
        i += 1;
    }
    json.push('}');
    let path = file("1mib-keys.json", &json);

    let output = aliyun_sms()
        .arg("check-config")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.ends_with(&format!(
            "valid, with {i} warning(s) (--strict refuses them)\n"
        )),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 21, "{stderr}");
    assert!(
        stderr.ends_with(&format!("  … and {} more warnings\n", i - 20)),
        "{stderr}"
    );

    let output = aliyun_sms()
        .args(["check-config", "--strict"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).len() < 8 * 1024);
}

#[test]
fn standard_input_is_read_with_the_same_cap() {
    let good = config(json!({})).to_string();
    let output = aliyun_sms()
        .args(["check-config", "-"])
        .write_stdin(good)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "standard input (aliyun-short-message-service): valid\n"
    );

    let output = aliyun_sms()
        .args(["check-config", "-"])
        .write_stdin(vec![b' '; 3 << 20])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("standard input is larger than 1 MiB"),
        "{}",
        text(&output)
    );

    let output = aliyun_sms()
        .args(["check-config", "-"])
        .write_stdin(b"{\"a\": \"\xff\"}".to_vec())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("standard input is not UTF-8 text (the byte at offset 7 is not)")
    );
}

#[test]
fn warnings_are_printed_and_strict_refuses_them() {
    let mut logto = config(json!({"description": "prod", "signName": "Logto\n"}));
    logto["templates"]
        .as_array_mut()
        .unwrap()
        .push(json!({"usageType": "Test", "templateCode": "SMS_5"}));
    let path = file("logto-with-warnings.json", &logto.to_string());

    let output = aliyun_sms()
        .arg("check-config")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .ends_with("valid, with 3 warning(s) (--strict refuses them)\n")
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert!(
        lines[0].starts_with("  warning: description: unknown field"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with(
            r"  warning: signName: white space around the value (`\u{a}` at the end); removed"
        ),
        "{stderr}"
    );
    assert!(
        lines[2]
            .starts_with("  warning: templates[4].usageType: `Test` is a deprecated usage type"),
        "{stderr}"
    );

    let output = aliyun_sms()
        .args(["--json", "check-config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["warnings"].as_array().unwrap().len(), 3);
    assert_eq!(report["warnings"][2]["path"], "templates[4].usageType");

    for args in [
        &["check-config", "--strict"][..],
        &["--json", "check-config", "--strict"],
    ] {
        let output = aliyun_sms().args(args).arg(&path).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", text(&output));
        let said = text(&output);
        assert_eq!(said.matches("refused in strict mode").count(), 3, "{said}");
    }
}

#[test]
fn a_canary_secret_never_shows_in_any_output() {
    const CANARY: &str = "CanarySecret5e1d";
    let secret = json!({"accessKeySecret": CANARY});
    let mut as_key = config(secret.clone());
    as_key[CANARY] = json!(1);
    let mut as_usage = config(secret.clone());
    as_usage["templates"]
        .as_array_mut()
        .unwrap()
        .push(json!({"usageType": CANARY, "templateCode": "SMS_5"}));
    let mut in_sign_name = config(secret.clone());
    in_sign_name["signName"] = json!(format!("Logto {CANARY}"));
    let mut in_a_bad_config = as_key.clone();
    in_a_bad_config["templates"][0][CANARY] = json!(CANARY);
    in_a_bad_config["templates"][1]["usageType"] = json!(format!("Sign{CANARY}"));
    in_a_bad_config["accessKeyId"] = json!("");

    for (what, config) in [
        ("as a key", as_key),
        ("as a usage type", as_usage),
        ("in the sign name", in_sign_name),
        ("everywhere, in a bad config", in_a_bad_config),
    ] {
        let path = file("canary.json", &config.to_string());
        for args in [
            &["check-config"][..],
            &["check-config", "--strict"],
            &["--json", "check-config"],
            &["send", "--to", "+8613800138000", "--config"],
            &["--json", "send", "--to", "+8613800138000", "--config"],
        ] {
            let output = aliyun_sms().args(args).arg(&path).output().unwrap();
            let said = text(&output);
            assert!(!said.contains("Canary"), "{what}, {args:?}: {said}");
            assert!(
                output.status.code().is_some_and(|c| c <= 2),
                "{what}, {args:?}: {said}"
            );
        }
    }
}
