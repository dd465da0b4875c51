//! The `aliyun-sms` binary, run as a user runs it.

mod common;

use common::{aliyun_sms, stderr, stdout_json, temp_file};

#[test]
fn send_delivers_a_code_through_the_embedded_emulator() {
    let output = aliyun_sms()
        .args(["send", "--to", "+86 138 0013 8000", "--code", "482910"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("Sent SignIn code 482910 to +8613800138000"),
        "{text}"
    );
    assert!(text.contains("【Demo】您的登录验证码为482910"), "{text}");
    assert!(
        text.contains("BizId") && text.contains("RequestId"),
        "{text}"
    );
}

#[test]
fn send_json_picks_the_overseas_template_and_a_random_six_digit_code() {
    let output = aliyun_sms()
        .args([
            "--json",
            "send",
            "--to",
            "+1 862 401 7194",
            "--usage",
            "Register",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let report = stdout_json(&output);
    assert_eq!(report["ok"], true);
    assert_eq!(report["usageType"], "Register");
    let code = report["code"].as_str().unwrap();
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "{code}"
    );
    let shown = report["phoneShows"][0].as_str().unwrap();
    assert!(
        shown.starts_with("【Demo】Your verification code is") && shown.contains(code),
        "{shown}"
    );
    assert!(report["bizId"].as_str().is_some_and(|id| !id.is_empty()));
    // The overseas template is an international one: 18624017194 is +1, not +86.
    assert_eq!(report["deliveredTo"][0], "+18624017194");
}

#[test]
fn send_refuses_a_bad_number_with_the_field_and_exit_code_2() {
    let output = aliyun_sms()
        .args(["--json", "send", "--to", "12ab"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let report = stdout_json(&output);
    assert_eq!(report["error"]["kind"], "invalid_request");
    assert_eq!(report["error"]["field"], "to");
}

/// `12345` parses as a number (5 digits), goes out with the overseas template as `+1 2345`,
/// and the emulator refuses it as Aliyun does: no such number can exist.
#[test]
fn send_reports_the_emulators_refusal_of_a_number_that_cannot_be_one() {
    let output = aliyun_sms()
        .args(["--json", "send", "--to", "12345"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{output:?}");
    let report = stdout_json(&output);
    assert_eq!(report["error"]["code"], "isv.MOBILE_NUMBER_ILLEGAL");
    assert_eq!(report["error"]["from"], "emulator");
    let message = report["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("(aliyun-sms emulator: \"12345\" cannot be a phone number)"),
        "{message}"
    );
    assert!(
        report["error"]["requestId"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );

    let text = aliyun_sms()
        .args(["send", "--to", "12345"])
        .output()
        .unwrap();
    let said = stderr(&text);
    assert!(
        said.contains("from        the embedded emulator at http://127.0.0.1:"),
        "{said}"
    );
    assert!(said.contains("not Aliyun"), "{said}");
}

#[test]
fn send_checks_the_code_before_sending_it() {
    for bad in ["1234567", "123", "12 34", "１２３４"] {
        let output = aliyun_sms()
            .args(["--json", "send", "--to", "13800138000", "--code", bad])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad}: {output:?}");
        let report = stdout_json(&output);
        assert_eq!(report["error"]["field"], "code", "{bad}");
        assert!(
            report["error"]["code"].is_null(),
            "nothing was sent: {report}"
        );
    }
}

#[test]
fn send_accepts_a_country_code_in_parentheses_and_names_the_template_it_chose() {
    let output = aliyun_sms()
        .args([
            "send",
            "--to",
            "(+86) 13800138000",
            "--usage",
            "ForgotPassword",
            "--code",
            "2468",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("to +8613800138000"), "{text}");
    assert!(
        text.contains("Template   SMS_DEMO_FORGOT_PASSWORD (templates[2].templateCode.china: ForgotPassword's template for mainland China numbers)"),
        "{text}"
    );

    let output = aliyun_sms()
        .args([
            "--json",
            "send",
            "--to",
            "+65 9876 5432",
            "--usage",
            "MfaVerification",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let report = stdout_json(&output);
    // No MfaVerification template in the demo config: the Generic one, overseas.
    assert_eq!(report["template"]["code"], "SMS_DEMO_OVERSEAS");
    assert_eq!(report["template"]["usageType"], "Generic");
    assert_eq!(report["template"]["region"], "overseas");
    assert_eq!(
        report["template"]["field"],
        "templates[3].templateCode.overseas"
    );
}

#[test]
fn send_help_lists_the_usage_types_and_the_exit_codes() {
    let output = aliyun_sms().args(["send", "--help"]).output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(
        help.contains("[possible values: Register, SignIn, ForgotPassword, Generic, OrganizationInvitation, UserPermissionValidation, BindNewIdentifier, MfaVerification, BindMfa]"),
        "{help}"
    );
    for line in [
        "Exit codes:",
        "  1  the request failed",
        "  2  bad input here",
        "  3  a local failure",
        "  4  refused by the provider",
    ] {
        assert!(help.contains(line), "{line}: {help}");
    }
    let top = aliyun_sms().arg("--help").output().unwrap();
    assert!(
        String::from_utf8(top.stdout)
            .unwrap()
            .contains("Exit codes:")
    );
}

/// One exit code per class of outcome: done, failed or unknown, bad input here, local
/// failure, refused by the provider.
#[test]
fn each_exit_code_means_one_thing() {
    let refused_connection = temp_file(
        "exit-codes-refused.json",
        r#"{"accessKeyId":"id","accessKeySecret":"s","signName":"Demo",
            "templates":[{"usageType":"Register","templateCode":"SMS_1"},{"usageType":"SignIn","templateCode":"SMS_2"},
                         {"usageType":"ForgotPassword","templateCode":"SMS_3"},{"usageType":"Generic","templateCode":"SMS_4"}],
            "endpoint":"http://127.0.0.1:9","maxAttempts":1}"#,
    );
    let refused_connection = refused_connection.to_str().unwrap();
    let cases: [(&[&str], i32); 6] = [
        (&["send", "--to", "13800138000"], 0),
        (
            &[
                "send",
                "--to",
                "13800138000",
                "--config",
                refused_connection,
            ],
            1,
        ),
        (&["send", "--to", "12ab"], 2),
        (&["send", "--to", "13800138000", "--usage", "Login"], 2),
        (
            &[
                "send",
                "--to",
                "13800138000",
                "--config",
                "/nonexistent/config.json",
            ],
            3,
        ),
        (&["send", "--to", "12345"], 4),
    ];
    for (args, expected) in cases {
        let output = aliyun_sms().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(expected), "{args:?}: {output:?}");
        if expected != 0 && !args.contains(&"Login") {
            let json = aliyun_sms().arg("--json").args(args).output().unwrap();
            assert_eq!(stdout_json(&json)["exitCode"], expected, "{args:?}");
        }
    }
}

#[test]
fn send_with_a_config_uses_its_endpoint_and_reports_failures() {
    // Port 9 on loopback: nothing listens, so the connection is refused before anything is
    // sent; with one attempt the error is a transport error, safe to retry.
    let config = temp_file(
        "refused.json",
        r#"{"accessKeyId":"id","accessKeySecret":"canary-secret-do-not-print","signName":"Demo",
            "templates":[{"usageType":"Register","templateCode":"SMS_1"},{"usageType":"SignIn","templateCode":"SMS_2"},
                         {"usageType":"ForgotPassword","templateCode":"SMS_3"},{"usageType":"Generic","templateCode":"SMS_4"}],
            "endpoint":"http://127.0.0.1:9","maxAttempts":1}"#,
    );
    let output = aliyun_sms()
        .args(["send", "--to", "13800138000", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("kind        transport"), "{stderr}");
    assert!(
        stderr.contains("  cause       "),
        "the cause is shown: {stderr}"
    );
    assert!(
        stderr.to_lowercase().contains("connection refused"),
        "{stderr}"
    );
    assert!(!stderr.contains("canary-secret"), "{stderr}");
}

#[test]
fn check_config_accepts_the_logto_sample() {
    let config = temp_file(
        "good.json",
        r#"{
          "accessKeyId": "LTAI5tExample",
          "accessKeySecret": "secret",
          "signName": "Logto",
          "templates": [
            { "usageType": "SignIn", "templateCode": "SMS_123" },
            { "usageType": "Register", "templateCode": { "china": "SMS_456", "overseas": "SMS_789" } },
            { "usageType": "ForgotPassword", "templateCode": "SMS_234", "type": 2 },
            { "usageType": "Generic", "templateCode": "SMS_345" }
          ],
          "strictPhoneRegionNumberCheck": false
        }"#,
    );
    let output = aliyun_sms()
        .arg("check-config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .ends_with("valid\n")
    );
}

#[test]
fn check_config_prints_every_problem_with_its_path() {
    let config = temp_file(
        "bad.json",
        r#"{
          "accesKeyId": "typo",
          "accessKeySecret": "",
          "signName": "Logto",
          "templates": [
            { "usageType": "SignIn", "templateCode": "SMS_123" },
            { "usageType": "Signin", "templateCode": "SMS_456" },
            { "usageType": "SignIn", "templateCode": "" }
          ],
          "endpoint": "http://dysmsapi.aliyuncs.com"
        }"#,
    );
    let output = aliyun_sms()
        .args(["--json", "check-config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let report = stdout_json(&output);
    let paths = |list: &str| -> Vec<String> {
        report[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["path"].as_str().unwrap().to_owned())
            .collect()
    };
    // What Logto ignores (a stray key, an unknown usage type, a repeated one) is a warning,
    // listed with the problems it explains.
    assert_eq!(
        paths("problems"),
        ["accessKeyId", "accessKeySecret", "templates", "endpoint"],
        "{report}"
    );
    assert_eq!(
        paths("warnings"),
        [
            "accesKeyId",
            "templates[1].usageType",
            "templates[2].usageType"
        ],
        "{report}"
    );

    let text = aliyun_sms()
        .arg("check-config")
        .arg(&config)
        .output()
        .unwrap();
    let stderr = String::from_utf8(text.stderr).unwrap();
    assert!(stderr.contains("templates[1].usageType: "), "{stderr}");
    assert!(
        stderr.contains("SignIn, ForgotPassword"),
        "lists the valid usage types: {stderr}"
    );
}

#[test]
fn check_config_reports_an_unreadable_file() {
    let output = aliyun_sms()
        .args(["check-config", "/nonexistent/config.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("cannot read")
    );
}

/// The published SMS example of Alibaba's docs (`doc-sms-sendsms-get` in the shared vectors).
#[test]
fn sign_explains_the_published_example() {
    let params = [
        "AccessKeyId=testId",
        "Action=SendSms",
        "Format=XML",
        "OutId=123",
        "PhoneNumbers=15300000001",
        "RegionId=cn-hangzhou",
        "SignName=阿里云短信测试专用",
        "SignatureMethod=HMAC-SHA1",
        "SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion=1.0",
        "TemplateCode=SMS_71390007",
        r#"TemplateParam={"customer":"test"}"#,
        "Timestamp=2017-07-12T02:42:19Z",
        "Version=2017-05-25",
    ];
    let mut command = aliyun_sms();
    command.args([
        "--json",
        "sign",
        "--method",
        "GET",
        "--secret",
        "testSecret",
    ]);
    for param in params {
        command.args(["--param", param]);
    }
    let output = command.output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let report = stdout_json(&output);
    assert_eq!(report["signature"], "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
    assert!(
        report["stringToSign"]
            .as_str()
            .unwrap()
            .starts_with("GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms")
    );
    assert!(
        report["signedQueryString"]
            .as_str()
            .unwrap()
            .ends_with("&Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D")
    );
}

/// The captured Logto request of `shared/reference/logto-aliyun-sms.md`, with the common
/// parameters added by `--access-key-id`, `--timestamp` and `--nonce`.
#[test]
fn sign_adds_the_common_parameters_and_matches_logto() {
    let output = aliyun_sms()
        .args([
            "sign",
            "--secret",
            "testsecret",
            "--access-key-id",
            "testid",
        ])
        .args([
            "--timestamp",
            "2024-05-01T08:09:10Z",
            "--nonce",
            "c1b2c332-4cfb-4a0f-b8cc-ebe622aa0a5c",
        ])
        .args([
            "--param",
            "Action=SendSms",
            "--param",
            "Format=json",
            "--param",
            "RegionId=cn-hangzhou",
        ])
        .args([
            "--param",
            "Version=2017-05-25",
            "--param",
            "PhoneNumbers=8613800138000",
        ])
        .args([
            "--param",
            "SignName=Logto",
            "--param",
            "TemplateCode=SMS_SignIn",
        ])
        .args(["--param", r#"TemplateParam={"code":"123456"}"#])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("EU0Gt3+E/Gtmps8TGPjSQaKcVl8="), "{text}");
    assert!(
        !text.contains("testsecret"),
        "the secret is never printed: {text}"
    );
}

#[test]
fn sign_rejects_a_parameter_without_a_name() {
    let output = aliyun_sms()
        .args(["sign", "--secret", "s", "--param", "=value"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn bench_reports_every_figure_and_bounds_the_connections() {
    for (client, runtime) in [
        ("connector", "multi"),
        ("connector", "current"),
        ("raw", "multi"),
    ] {
        let output = aliyun_sms()
            .args([
                "--json",
                "bench",
                "--messages",
                "200",
                "--concurrency",
                "8",
                "--runtime",
                runtime,
                "--client",
                client,
            ])
            .output()
            .unwrap();
        assert!(output.status.success(), "{client} {runtime}: {output:?}");
        let report = stdout_json(&output);
        let what = format!("{client} {runtime}: {report}");
        assert_eq!(report["failures"], 0, "{what}");
        assert_eq!(report["client"], client, "{what}");
        let connections = report["connectionsOpened"].as_u64().expect(&what);
        // The raw floor keeps one connection per worker. The connector's reqwest pool may open
        // a few more than the sends in flight (hyper-util starts a connection while another is
        // on its way back, seanmonstar/reqwest#2424), and reuses them.
        let most = if client == "raw" { 8 } else { 16 };
        assert!((1..=most).contains(&connections), "{what}");
        for key in ["sendsPerSecond", "p50Ms", "p99Ms", "peakRssMib"] {
            assert!(
                report[key].as_f64().is_some_and(|v| v > 0.0),
                "{key}: {what}"
            );
        }
        // Counted in 10 ms ticks: a run this short may well cost none.
        assert!(
            report["cpuSecondsPer10k"]
                .as_f64()
                .is_some_and(|v| v >= 0.0),
            "{what}"
        );
    }
}
