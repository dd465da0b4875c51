//! `send --guard FILE [--redis URL]`: the send guard in front of the connector refuses before the
//! provider sees a message (exit code 4, the budget named), in memory or in a Redis that several
//! processes share.

mod common;

#[path = "../../send-guard/tests/common/redis_server.rs"]
mod redis_server;

use common::{aliyun_sms, stderr, temp_file};
use serde_json::Value;

/// A guard with one budget: one code per number in 10 minutes.
fn guard_file(name: &str) -> std::path::PathBuf {
    temp_file(
        name,
        r#"{
          "hashSecret": "a long random secret for the CLI's guard test",
          "onStoreFailure": { "action": "failClosed" },
          "budgets": [
            { "name": "one-per-number", "scope": "number", "limit": 1, "windowSeconds": 600 }
          ]
        }"#,
    )
}

fn json_lines(output: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// A `--json` error: the guard's refusal, naming the budget.
fn assert_refused_by_the_budget(error: &Value) {
    assert_eq!(error["kind"], "blocked", "{error}");
    assert_eq!(error["from"], "guard", "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("budget `one-per-number`"), "{error}");
}

#[test]
fn the_memory_store_refuses_the_second_code_and_names_the_budget() {
    let guard = guard_file("guard-memory.json");
    for provider in ["aliyun", "tencent"] {
        let output = aliyun_sms()
            .args([
                "send",
                "--provider",
                provider,
                "--to",
                "+8613800138000",
                "--repeat",
                "2",
                "--guard",
            ])
            .arg(&guard)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(4), "{provider}: {output:?}");
        let sent = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            sent.matches("Sent SignIn code").count(),
            1,
            "{provider}: {sent}"
        );
        let said = stderr(&output);
        assert!(
            said.contains("error: send guard: budget `one-per-number` (number) allows 1 per 600 s"),
            "{provider}: {said}"
        );
        assert!(said.contains("kind        blocked"), "{said}");
        assert!(
            said.contains("from        the send guard (--guard), before any provider"),
            "{said}"
        );
    }

    let output = aliyun_sms()
        .args([
            "--json",
            "send",
            "--to",
            "13800138000",
            "--repeat",
            "3",
            "--guard",
        ])
        .arg(&guard)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{output:?}");
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 2, "it stops at the first refusal: {lines:?}");
    assert_eq!(lines[0]["ok"], true);
    let error = &lines[1]["error"];
    assert_refused_by_the_budget(error);
    assert_eq!(error["code"], Value::Null, "no provider answered");
    assert_eq!(lines[1]["exitCode"], 4);
}

#[test]
fn a_bad_guard_config_is_bad_input_with_its_paths() {
    let guard = temp_file(
        "guard-bad.json",
        r#"{"hashSecret": "short", "budgets": [{"name": "x", "scope": "planet", "limit": 0, "windowSeconds": 60}]}"#,
    );
    let output = aliyun_sms()
        .args(["send", "--to", "13800138000", "--guard"])
        .arg(&guard)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let said = stderr(&output);
    for path in ["onStoreFailure", "budgets[0].scope", "budgets[0].limit"] {
        assert!(said.contains(&format!("{path}: ")), "{path}: {said}");
    }
    assert!(
        !said.contains("short"),
        "the hash secret is never printed: {said}"
    );

    let missing = aliyun_sms()
        .args([
            "send",
            "--to",
            "13800138000",
            "--guard",
            "/nonexistent/guard.json",
        ])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(3), "{missing:?}");
    let redis_alone = aliyun_sms()
        .args([
            "send",
            "--to",
            "13800138000",
            "--redis",
            "redis://127.0.0.1:1/",
        ])
        .output()
        .unwrap();
    assert_eq!(redis_alone.status.code(), Some(2), "--redis needs --guard");
}

/// Two processes, one Redis: the budget the first one used refuses the second one's code.
#[test]
fn a_redis_store_shares_the_budget_between_processes() {
    let Some(redis) = redis_server::RedisServer::start() else {
        return;
    };
    let guard = guard_file("guard-redis.json");
    let url = redis.url();
    let send = || {
        aliyun_sms()
            .args([
                "--json",
                "send",
                "--to",
                "+8613800138000",
                "--redis",
                &url,
                "--guard",
            ])
            .arg(&guard)
            .output()
            .unwrap()
    };
    let first = send();
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    let second = send();
    assert_eq!(second.status.code(), Some(4), "{second:?}");
    assert_refused_by_the_budget(&json_lines(&second)[0]["error"]);

    // With Redis gone, the guard fails closed as its config says: nothing is sent.
    drop(redis);
    let closed = send();
    assert_eq!(closed.status.code(), Some(4), "{closed:?}");
    assert_eq!(json_lines(&closed)[0]["error"]["from"], "guard");
}
