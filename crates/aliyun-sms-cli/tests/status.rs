//! `aliyun-sms status` against an emulator served by `aliyun-sms emulator`: a delivered
//! message, one not found, and one whose send timed out although it was delivered.

mod common;

use common::{Served, aliyun_sms, send_json, stderr, stdout_json};
use serde_json::{Value, json};

fn status_json(config: &std::path::Path, to: &str, more: &[&str]) -> (Option<i32>, Value) {
    let output = aliyun_sms()
        .args(["--json", "status", "--to", to, "--config"])
        .arg(config)
        .args(more)
        .output()
        .unwrap();
    (output.status.code(), stdout_json(&output))
}

#[test]
fn status_shows_a_delivered_message_by_reference_and_by_biz_id() {
    let served = Served::start(&["--limits", "off"]);
    let config = served.config("status-delivered.json", json!({}));
    let (code, sent) = send_json(
        &config,
        "+86 138 0013 8000",
        &["--reference", "login-42", "--code", "4242"],
    );
    assert_eq!(code, Some(0), "{sent}");
    let biz_id = sent["bizId"].as_str().unwrap();

    let (code, found) = status_json(&config, "13800138000", &["--reference", "login-42"]);
    assert_eq!(code, Some(0), "{found}");
    assert_eq!(found["found"], true, "{found}");
    let message = &found["messages"][0];
    assert_eq!(message["status"], "delivered", "{found}");
    assert_eq!(message["reference"], "login-42");
    assert_eq!(message["providerStatus"], "DELIVERED");
    assert_eq!(found["provider"], "aliyun-short-message-service");
    // Neither the text nor the code is shown: a delivery record holds neither.
    assert!(!found.to_string().contains("4242"), "{found}");

    let (_, by_id) = status_json(&config, "+8613800138000", &["--biz-id", biz_id]);
    assert_eq!(by_id["messages"].as_array().unwrap().len(), 1, "{by_id}");
    assert_eq!(by_id["messages"][0]["messageId"], biz_id);
    let (_, other_id) = status_json(&config, "+8613800138000", &["--message-id", "1^0"]);
    assert_eq!(other_id["messages"], json!([]), "{other_id}");

    let text = aliyun_sms()
        .args([
            "status",
            "--to",
            "+8613800138000",
            "--reference",
            "login-42",
            "--config",
        ])
        .arg(&config)
        .output()
        .unwrap();
    assert!(text.status.success(), "{text:?}");
    let shown = String::from_utf8(text.stdout).unwrap();
    assert!(
        shown.contains("1 message(s) with reference login-42 to +8613800138000"),
        "{shown}"
    );
    assert!(shown.contains("- delivered"), "{shown}");
    assert!(shown.contains("reference  login-42"), "{shown}");
}

#[test]
fn status_says_what_it_did_not_find() {
    let served = Served::start(&[]);
    let config = served.config("status-not-found.json", json!({}));
    let (code, sent) = send_json(&config, "13800138000", &["--reference", "mine"]);
    assert_eq!(code, Some(0), "{sent}");

    for (to, more) in [
        ("13900139000", &[][..]),
        ("13800138000", &["--reference", "someone-else"][..]),
        ("13800138000", &["--date", "2000-01-01"][..]),
    ] {
        let output = aliyun_sms()
            .args(["--json", "status", "--to", to, "--config"])
            .arg(&config)
            .args(more)
            .output()
            .unwrap();
        if more.contains(&"2000-01-01") {
            // Beyond Aliyun's 30 days: refused, as Aliyun refuses it.
            assert_eq!(output.status.code(), Some(4), "{output:?}");
            assert_eq!(
                stdout_json(&output)["error"]["code"],
                "isv.INVALID_PARAMETERS"
            );
            continue;
        }
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        let report = stdout_json(&output);
        assert_eq!(report["found"], false, "{to} {more:?}: {report}");
        assert_eq!(report["messages"], json!([]));
    }

    let text = aliyun_sms()
        .args(["status", "--to", "13900139000", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let shown = String::from_utf8(text.stdout).unwrap();
    assert!(
        shown.starts_with("Not found: no message to 13900139000 on "),
        "{shown}"
    );

    let bad_date = aliyun_sms()
        .args([
            "status",
            "--to",
            "13900139000",
            "--date",
            "May 1st",
            "--config",
        ])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(bad_date.status.code(), Some(2), "{bad_date:?}");
    assert!(stderr(&bad_date).contains("field       date"));
}

/// The emulator delivers at once and answers 3 s late; the connector gives up after 1 s. The
/// send's outcome is unknown (exit 1, `status` recommended), and `status` shows the message
/// went out.
#[test]
fn after_a_timeout_status_shows_the_message_was_delivered() {
    let mut served = Served::start(&["--fault", "late-answer=3s"]);
    assert_eq!(
        served.banner["fault"],
        "LateAnswer(3s) for the next 1 request(s)"
    );
    let config = served.config(
        "status-timeout.json",
        json!({"timeoutMs": 1000, "connectTimeoutMs": 1000, "maxAttempts": 1}),
    );
    let output = aliyun_sms()
        .args([
            "send",
            "--to",
            "13800138000",
            "--reference",
            "late-1",
            "--config",
        ])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let said = stderr(&output);
    assert!(said.contains("kind        timeout"), "{said}");
    assert!(
        said.contains("check delivery (aliyun-sms status) before sending it again"),
        "{said}"
    );
    assert_eq!(served.next_delivery()["out_id"], "late-1");

    let (code, found) = status_json(&config, "13800138000", &["--reference", "late-1"]);
    assert_eq!(code, Some(0), "{found}");
    assert_eq!(found["found"], true, "{found}");
    assert_eq!(found["messages"][0]["status"], "delivered", "{found}");
}
