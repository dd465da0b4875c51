//! The command with Tencent: a code sent offline through the embedded emulator's Tencent
//! endpoint, a served emulator's Tencent config (its provider told from its keys) through send,
//! status and check-config, and `sign tc3` against the official SDK's vectors.

mod common;

use common::{Served, aliyun_sms, send_json, stderr, stdout_json, temp_file};
use serde_json::{Value, json};

#[test]
fn send_provider_tencent_delivers_a_code_through_the_embedded_emulator() {
    let output = aliyun_sms()
        .args([
            "send",
            "--provider",
            "tencent",
            "--to",
            "+86 138 0013 8000",
            "--code",
            "482910",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("Sent SignIn code 482910 to +8613800138000 through the embedded emulator at http://127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("(tencent)"), "{text}");
    assert!(
        text.contains("Template   100002 (templates[1].templateCode.china: SignIn's template for mainland China numbers)"),
        "{text}"
    );
    assert!(text.contains("SerialNo   2019:"), "{text}");
    assert!(
        text.contains("【Demo】您的登录验证码为482910，5分钟内有效。"),
        "{text}"
    );

    let output = aliyun_sms()
        .args([
            "--json",
            "send",
            "--provider",
            "tencent-sms",
            "--to",
            "+1 862 401 7194",
            "--usage",
            "Register",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let report = stdout_json(&output);
    assert_eq!(report["provider"], "tencent-short-message-service");
    assert_eq!(report["template"]["code"], "200001", "{report}");
    assert_eq!(report["template"]["region"], "overseas");
    assert_eq!(report["deliveredTo"][0], "+18624017194");
    assert!(
        report["messageId"]
            .as_str()
            .is_some_and(|id| id.starts_with("2019:"))
    );
    let code = report["code"].as_str().unwrap();
    assert_eq!(
        report["phoneShows"][0],
        format!("【Demo】Your verification code is {code}. It expires in 5 minutes.")
    );
}

#[test]
fn tencents_refusals_through_the_embedded_emulator_exit_4() {
    // Tencent's verification-code templates take digits only.
    let output = aliyun_sms()
        .args([
            "--json",
            "send",
            "--provider",
            "tencent",
            "--to",
            "13800138000",
            "--code",
            "12ab",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{output:?}");
    let error = &stdout_json(&output)["error"];
    assert_eq!(
        error["code"],
        "InvalidParameterValue.TemplateParameterFormatError"
    );
    assert_eq!(error["from"], "emulator");

    let output = aliyun_sms()
        .args(["send", "--provider", "twilio", "--to", "13800138000"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        stderr(&output).contains(
            "known providers: aliyun (aliyun-short-message-service), tencent \
             (tencent-short-message-service), routing (sms-routing)"
        ),
        "{}",
        stderr(&output)
    );
}

/// `emulator --print-config tencent` writes a config whose provider `send`, `status` and
/// `check-config` tell from its keys.
#[test]
fn a_served_emulators_tencent_config_sends_looks_up_and_checks() {
    let mut served = Served::start(&["--limits", "off"]);
    let config = served.banner["tencent"]["config"].clone();
    assert_eq!(config["endpoint"], served.endpoint());
    let path = temp_file("tencent-served.json", &config.to_string());

    let (code, sent) = send_json(
        &path,
        "+8613800138000",
        &["--reference", "login-7", "--code", "7777"],
    );
    assert_eq!(code, Some(0), "{sent}");
    assert_eq!(sent["provider"], "tencent-short-message-service");
    let serial = sent["messageId"].as_str().unwrap().to_owned();
    let delivered = served.next_delivery();
    assert_eq!(delivered["provider"], "tencent");
    assert_eq!(delivered["biz_id"], serial.as_str());
    assert_eq!(delivered["out_id"], "login-7");

    let status = |more: &[&str]| {
        let output = aliyun_sms()
            .args(["--json", "status", "--to", "13800138000", "--config"])
            .arg(&path)
            .args(more)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        stdout_json(&output)
    };
    let found = status(&["--message-id", &serial]);
    assert_eq!(found["provider"], "tencent-short-message-service");
    assert_eq!(found["found"], true, "{found}");
    assert_eq!(found["messages"][0]["status"], "delivered");
    assert_eq!(found["messages"][0]["messageId"], serial.as_str());
    let by_reference = status(&["--reference", "login-7"]);
    assert_eq!(
        by_reference["messages"].as_array().unwrap().len(),
        1,
        "{by_reference}"
    );
    let none = status(&["--reference", "someone-else"]);
    assert_eq!(none["found"], false, "{none}");

    let text = aliyun_sms()
        .args([
            "status",
            "--to",
            "13800138000",
            "--message-id",
            &serial,
            "--config",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let shown = String::from_utf8(text.stdout).unwrap();
    assert!(
        shown.contains(&format!(
            "1 message(s) with SerialNo {serial} to 13800138000"
        )),
        "{shown}"
    );
    assert!(shown.contains("- delivered"), "{shown}");

    let check = aliyun_sms()
        .arg("check-config")
        .arg(&path)
        .output()
        .unwrap();
    assert!(check.status.success(), "{check:?}");
    let said = String::from_utf8(check.stdout).unwrap();
    assert!(
        said.ends_with("(tencent-short-message-service): valid\n"),
        "{said}"
    );
}

#[test]
fn check_config_lists_every_problem_of_a_tencent_config() {
    let config = temp_file(
        "tencent-bad.json",
        r#"{"accessKeyId":"","accessKeySecret":"s","signName":"Demo","sdkAppId":"1400006666",
            "templates":[{"usageType":"SignIn","templateCode":"1"}]}"#,
    );
    let output = aliyun_sms()
        .args(["--json", "check-config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let report = stdout_json(&output);
    assert_eq!(report["provider"], "tencent-short-message-service");
    let paths: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["accessKeyId", "templates"], "{report}");

    // The same file as an Aliyun config: Aliyun's own problems.
    let output = aliyun_sms()
        .args(["check-config", "--provider", "aliyun"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("as a config of aliyun-short-message-service"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("sdkAppId: unknown field"),
        "{}",
        stderr(&output)
    );
}

fn vector(id: &str) -> Value {
    let data: Value =
        serde_json::from_str(include_str!("../../tencent-sign/tests/data/tc3-v3.json")).unwrap();
    data["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no vector {id}"))
}

fn sign_tc3(vector: &Value, json: bool) -> std::process::Output {
    let inputs = &vector["inputs"];
    let mut command = aliyun_sms();
    if json {
        command.arg("--json");
    }
    command
        .args(["sign", "tc3", "--secret-id"])
        .arg(inputs["secret_id"].as_str().unwrap())
        .arg("--timestamp")
        .arg(inputs["timestamp"].to_string())
        .arg("--host")
        .arg(inputs["host"].as_str().unwrap())
        .arg("--content-type")
        .arg(inputs["content_type"].as_str().unwrap())
        .arg("--body")
        .arg(inputs["payload"].as_str().unwrap())
        .env(
            "TENCENTCLOUD_SECRET_KEY",
            inputs["secret_key"].as_str().unwrap(),
        );
    if inputs["signed_headers"] == "content-type;host;x-tc-action" {
        command.arg("--sign-action");
    }
    command.output().unwrap()
}

/// `sign tc3` prints every stage of the official SDK's signature (shared vectors).
#[test]
fn sign_tc3_explains_every_stage_of_the_official_vectors() {
    for id in [
        "sms-basic-sdk",
        "sms-x-tc-action-signed",
        "sms-odd-key-many-params-sdk",
    ] {
        let vector = vector(id);
        let expected = &vector["outputs"];
        let output = sign_tc3(&vector, true);
        assert!(output.status.success(), "{id}: {output:?}");
        let stages = stdout_json(&output);
        for (ours, theirs) in [
            ("hashedPayload", "hashed_payload"),
            ("canonicalHeaders", "canonical_headers"),
            ("canonicalRequest", "canonical_request"),
            ("hashedCanonicalRequest", "hashed_canonical_request"),
            ("credentialScope", "credential_scope"),
            ("stringToSign", "string_to_sign"),
            ("signature", "signature"),
            ("authorization", "authorization"),
        ] {
            assert_eq!(stages[ours], expected[theirs], "{id}: {ours}");
        }
        assert_eq!(
            stages["headers"]["X-TC-Timestamp"],
            vector["inputs"]["timestamp"].to_string()
        );

        let text = sign_tc3(&vector, false);
        let shown = String::from_utf8(text.stdout).unwrap();
        let secret = vector["inputs"]["secret_key"].as_str().unwrap();
        assert!(
            !shown.contains(secret),
            "{id}: the SecretKey is never printed"
        );
        assert!(
            shown.contains(&format!(
                "credential scope (the timestamp's UTC date):\n  {}",
                expected["credential_scope"].as_str().unwrap()
            )),
            "{shown}"
        );
        assert!(
            shown.contains(&format!(
                "  Authorization: {}",
                expected["authorization"].as_str().unwrap()
            )),
            "{shown}"
        );
        // The canonical request, line by line (its empty line kept).
        let canonical = expected["canonical_request"]
            .as_str()
            .unwrap()
            .replace('\n', "\n  ");
        assert!(shown.contains(&canonical), "{shown}");
    }
    let bad = aliyun_sms()
        .args([
            "sign",
            "tc3",
            "--secret-id",
            "AKID",
            "--secret-key",
            "k",
            "--timestamp",
            "yesterday",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
}

#[test]
fn the_banner_shows_the_tencent_account_and_print_config_writes_its_config() {
    let served = Served::start(&["--limits", "2/30s,5/hour"]);
    let tencent = &served.banner["tencent"];
    assert_eq!(tencent["secretId"], "AKIDDemoEmulatorSecretId0000000001");
    assert_eq!(
        tencent["secretKey"],
        "DemoTencentKeyForTheLocalEmulatorOnly"
    );
    assert_eq!(tencent["sdkAppId"], "1400787878");
    assert_eq!(tencent["signName"], "Demo");
    assert_eq!(tencent["region"], "ap-guangzhou");
    let templates = tencent["templates"].as_array().unwrap();
    assert!(templates.contains(&json!({"code": "100002", "region": "mainland", "content": "您的登录验证码为{1}，5分钟内有效。"})), "{tencent}");
    assert!(
        templates
            .iter()
            .any(|t| t["code"] == "200001" && t["region"] == "international")
    );
    assert_eq!(
        tencent["limits"],
        "2 in 30 seconds, 5 an hour per SdkAppId and number (--limits on restores Tencent's)"
    );
    assert_eq!(
        served.banner["limits"],
        "5 an hour per sign name and number (--limits on restores Aliyun's)"
    );

    let printed = aliyun_sms()
        .args(["emulator", "--port", "8787", "--print-config", "tencent"])
        .output()
        .unwrap();
    assert!(printed.status.success(), "{printed:?}");
    let config = stdout_json(&printed);
    assert_eq!(config["endpoint"], "http://127.0.0.1:8787");
    assert_eq!(config["sdkAppId"], "1400787878");
    assert_eq!(config["templates"][3]["templateCode"]["china"], "100004");

    let text = aliyun_sms()
        .args(["emulator", "--port", "0"])
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(text.stdout).unwrap();
    assert!(help.contains("--print-config [<PROVIDER>]"), "{help}");
}

#[test]
fn a_fault_applies_to_tencent_requests_in_tencents_shape() {
    let served = Served::start(&["--fault", "internal-error", "--fault-times", "1"]);
    let path = temp_file(
        "tencent-fault.json",
        &served.banner["tencent"]["config"].to_string(),
    );
    let output = aliyun_sms()
        .args(["--json", "send", "--to", "13800138000", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    // Tencent's InternalError: the message may have been sent.
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let error = &stdout_json(&output)["error"];
    assert_eq!(error["code"], "InternalError", "{error}");
    assert_eq!(error["outcomeUnknown"], true);
    assert_eq!(error["from"], "local endpoint");
}

#[test]
fn help_explains_how_the_provider_is_chosen() {
    for command in ["send", "status", "check-config"] {
        let output = aliyun_sms().args([command, "--help"]).output().unwrap();
        let help = String::from_utf8(output.stdout).unwrap();
        assert!(help.contains("--provider <PROVIDER>"), "{command}: {help}");
        assert!(help.contains("told from its keys"), "{command}: {help}");
        assert!(
            help.contains("a sdkAppId makes a config Tencent's"),
            "{command}: {help}"
        );
    }
    let output = aliyun_sms().args(["sign", "--help"]).output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.contains("tc3"), "{help}");
}

/// A routed setup (issue 15's `sms-routing`) over a served emulator's two accounts: its
/// provider told from its keys, the message sent by the first provider of its route, and its
/// problems listed by `check-config`.
#[test]
fn a_routing_config_sends_through_its_first_provider() {
    let mut served = Served::start(&["--limits", "off"]);
    let routing = json!({
        "providers": [
            { "name": "aliyun", "connector": "aliyun-short-message-service", "config": served.banner["config"] },
            { "name": "tencent", "connector": "tencent-short-message-service", "config": served.banner["tencent"]["config"] },
        ],
        "routes": [{ "prefixes": ["86"], "providers": ["tencent", "aliyun"] }],
        "default": ["aliyun", "tencent"],
    });
    let path = temp_file("routing.json", &routing.to_string());
    let (code, sent) = send_json(&path, "+8613800138000", &["--code", "1234"]);
    assert_eq!(code, Some(0), "{sent}");
    assert_eq!(sent["provider"], "sms-routing");
    assert_eq!(served.next_delivery()["provider"], "tencent");
    let (code, sent) = send_json(&path, "+1 862 401 7194", &["--code", "1234"]);
    assert_eq!(code, Some(0), "{sent}");
    assert_eq!(served.next_delivery()["provider"], "aliyun");

    let check = aliyun_sms()
        .arg("check-config")
        .arg(&path)
        .output()
        .unwrap();
    assert!(check.status.success(), "{check:?}");
    let mut broken = routing.clone();
    broken["default"] = json!(["nobody"]);
    let path = temp_file("routing-broken.json", &broken.to_string());
    let output = aliyun_sms()
        .args(["--json", "check-config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let report = stdout_json(&output);
    assert_eq!(report["provider"], "sms-routing");
    assert_eq!(report["problems"][0]["path"], "default[0]", "{report}");
}
