//! Hostile or broken config input: no hang, no exhausted memory, no leaked secret, and nothing
//! that hides in a message.
//!
//! Timings are not asserted here (see the report in docs/aliyun-sms.md, "Limits"); what is
//! asserted is that the work and the messages are bounded.

mod common;

use aliyun_sms::config::{ENV_ACCESS_KEY_SECRET, endpoint_for_region};
use aliyun_sms::{AliyunSmsConfig, AliyunSmsConnector, ConfigError, LoadOptions};
use connector_kit::ConnectorError;
use connector_kit::config::{DEFAULT_MAX_BYTES, DEFAULT_MAX_PROBLEMS};
use serde_json::{Value, json};

fn no_env(_: &str) -> Option<String> {
    None
}

fn base() -> Value {
    json!({
        "accessKeyId": "LTAI5tExample",
        "accessKeySecret": "example-secret",
        "signName": "Logto",
        "templates": [
            {"usageType": "Register", "templateCode": "SMS_1"},
            {"usageType": "SignIn", "templateCode": "SMS_2"},
            {"usageType": "ForgotPassword", "templateCode": "SMS_3"},
            {"usageType": "Generic", "templateCode": "SMS_4"}
        ]
    })
}

/// The config of the issue: 200,000 unknown keys (4.6 MB).
fn two_hundred_thousand_keys() -> String {
    let mut config = base();
    let object = config.as_object_mut().unwrap();
    for i in 0..200_000 {
        object.insert(format!("unknownKey{i:06}"), json!(1));
    }
    config.to_string()
}

#[test]
fn input_over_the_size_limit_is_refused_before_it_is_parsed() {
    // Not even JSON: it is not parsed, so the size is what is said.
    let text = " ".repeat(DEFAULT_MAX_BYTES + 1);
    let err = AliyunSmsConfig::from_json_with_env(&text, no_env).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the config is 1048577 bytes, more than 1 MiB (1048576 bytes), the limit for a config; nothing was parsed"
    );
    // Exactly at the limit, it is parsed.
    let mut text = base().to_string();
    text.push_str(&" ".repeat(DEFAULT_MAX_BYTES - text.len()));
    AliyunSmsConfig::from_json_with_env(&text, no_env).unwrap();

    let text = two_hundred_thousand_keys();
    assert!(text.len() > 4_000_000);
    let err = AliyunSmsConfig::from_json_with_env(&text, no_env).unwrap_err();
    assert_eq!(err.problems.len(), 1);
    assert!(err.to_string().len() < 200, "{err}");
    let err = AliyunSmsConnector::from_json(&text).unwrap_err();
    assert!(err.message().len() < 200, "{}", err.message());
}

#[test]
fn two_hundred_thousand_unknown_keys_give_a_bounded_report() {
    let text = two_hundred_thousand_keys();
    let options = LoadOptions::default().with_max_bytes(8 << 20);
    let loaded = AliyunSmsConfig::load_with_env(&text, &options, no_env).unwrap();
    assert_eq!(loaded.warnings.count(), 200_000);
    assert_eq!(loaded.warnings.warnings.len(), DEFAULT_MAX_PROBLEMS);
    let shown = loaded.warnings.to_string();
    assert!(shown.ends_with("… and 199980 more warnings"), "{shown}");
    assert!(shown.len() < 8 * 1024, "{} bytes", shown.len());

    let err =
        AliyunSmsConfig::load_with_env(&text, &options.with_strict(true), no_env).unwrap_err();
    assert_eq!(err.problems.len(), DEFAULT_MAX_PROBLEMS);
    assert_eq!(err.omitted, 199_980);
    assert!(err.to_string().len() < 8 * 1024);
    let converted = ConnectorError::from(err);
    assert!(converted.message().len() < 8 * 1024);
    assert!(converted.message().ends_with("… and 199980 more problems"));
}

#[test]
fn a_flood_of_bad_templates_gives_a_bounded_report() {
    // 300,000 empty templates, each missing two keys, in under 1 MiB.
    let mut text = base().to_string();
    let flood = vec!["{}"; 300_000].join(",");
    text = text.replacen("\"templates\":[", &format!("\"templates\":[{flood},"), 1);
    assert!(text.len() < DEFAULT_MAX_BYTES);
    let err = AliyunSmsConfig::from_json_with_env(&text, no_env).unwrap_err();
    assert_eq!(err.problems.len(), DEFAULT_MAX_PROBLEMS);
    assert_eq!(err.omitted, 600_000 - DEFAULT_MAX_PROBLEMS);
    assert!(err.to_string().len() < 4 * 1024);

    // Nested deeper than serde_json's limit: a problem, not a stack overflow.
    let deep = format!("{{\"x\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    let err = AliyunSmsConfig::from_json_with_env(&deep, no_env).unwrap_err();
    assert!(
        err.to_string().contains("recursion limit exceeded"),
        "{err}"
    );
}

#[test]
fn a_key_given_twice_is_an_error_for_credentials_and_templates_and_a_warning_otherwise() {
    let text = base().to_string();
    for (key, again) in [
        ("accessKeyId", r#""accessKeyId":"LTAI5tOther","#),
        ("accessKeySecret", r#""accessKeySecret":"other-secret","#),
        (
            "securityToken",
            r#""securityToken":"a","securityToken":"b","#,
        ),
        ("templates", r#""templates":[],"#),
    ] {
        let twice = text.replacen('{', &format!("{{{again}"), 1);
        for options in [LoadOptions::default(), LoadOptions::strict()] {
            let err = AliyunSmsConfig::load_with_env(&twice, &options, no_env).unwrap_err();
            assert_eq!(err.paths().collect::<Vec<_>>(), [key], "{err}");
            assert_eq!(
                err.problems[0].message,
                "is given 2 times; which one is meant is unclear, so the config is refused: keep one"
            );
        }
    }
    // Inside a template too.
    let twice = text.replacen(
        r#""templateCode":"SMS_2""#,
        r#""templateCode":"SMS_2","templateCode":"SMS_9""#,
        1,
    );
    let err = AliyunSmsConfig::from_json_with_env(&twice, no_env).unwrap_err();
    assert_eq!(
        err.paths().collect::<Vec<_>>(),
        ["templates[1].templateCode"]
    );

    // Elsewhere: the last value, with a warning; refused in strict mode.
    let twice = text.replacen('{', r#"{"regionId":"cn-beijing","timeoutMs":9000,"#, 1);
    let twice = format!(
        "{},\"regionId\":\"ap-southeast-1\"}}",
        twice.strip_suffix('}').unwrap()
    );
    let loaded = AliyunSmsConfig::load_with_env(&twice, &LoadOptions::default(), no_env).unwrap();
    assert_eq!(loaded.config.region_id, "ap-southeast-1");
    assert_eq!(
        loaded.warnings.to_string(),
        "regionId: is given 2 times; the last one is used, as JSON.parse does"
    );
    AliyunSmsConfig::load_with_env(&twice, &LoadOptions::strict(), no_env).unwrap_err();
}

#[test]
fn a_byte_order_mark_is_skipped_with_a_warning() {
    let text = format!("\u{feff}{}", base());
    let loaded = AliyunSmsConfig::load_with_env(&text, &LoadOptions::default(), no_env).unwrap();
    assert_eq!(
        loaded.warnings.to_string(),
        "a byte order mark (U+FEFF) at the start; skipped"
    );
    let err = AliyunSmsConfig::load_with_env(&text, &LoadOptions::strict(), no_env).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a byte order mark (U+FEFF) at the start; refused in strict mode"
    );
}

const CANARY: &str = "CanarySecret7f3a9";

/// Every text a config input can produce: errors and warnings in both modes (Display and
/// Debug), the connector's error with its source chain, and the log lines of building a
/// connector.
fn everything_said_about(text: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut said = String::new();
    for options in [LoadOptions::default(), LoadOptions::strict()] {
        match AliyunSmsConfig::load_with_env(text, &options, env) {
            Ok(loaded) => {
                said += &format!(
                    "{}\n{:?}\n{:?}\n",
                    loaded.warnings, loaded.warnings, loaded.config
                )
            }
            Err(err) => said += &format!("{err}\n{err:?}\n"),
        }
    }
    let capture = common::Capture::default();
    {
        let _guard = capture.install();
        if let Err(err) = AliyunSmsConfig::from_json_with_env(text, env) {
            let converted = ConnectorError::from(err);
            said += &format!("{converted}\n{converted:?}\n");
            let mut source = std::error::Error::source(&converted);
            while let Some(error) = source {
                said += &format!("{error}\n{error:?}\n");
                source = error.source();
            }
        }
    }
    said + &capture.text()
}

#[test]
fn a_canary_secret_never_shows_wherever_it_is_placed() {
    let mut cases: Vec<(&str, String)> = Vec::new();
    let mut with = |what: &'static str, change: &dyn Fn(&mut Value)| {
        let mut config = base();
        config["accessKeySecret"] = json!(CANARY);
        change(&mut config);
        cases.push((what, config.to_string()));
    };
    with("as a key name", &|c| c[CANARY] = json!(1));
    with("as a key name close to a field", &|c| {
        c[format!("{CANARY}signName")] = json!(1)
    });
    with("as a key in a template", &|c| {
        c["templates"][0][CANARY] = json!(1)
    });
    with("as a key in a code pair", &|c| {
        c["templates"][0]["templateCode"] = json!({"china": "A", "overseas": "B", CANARY: "C"})
    });
    with("as a usageType value", &|c| {
        c["templates"]
            .as_array_mut()
            .unwrap()
            .push(json!({"usageType": CANARY, "templateCode": "SMS_9"}))
    });
    with("as a usageType close to a valid one", &|c| {
        c["templates"]
            .as_array_mut()
            .unwrap()
            .push(json!({"usageType": format!("SignIn{CANARY}"), "templateCode": "SMS_9"}))
    });
    with("inside signName", &|c| {
        c["signName"] = json!(format!("Logto {CANARY}"))
    });
    with("inside a padded signName", &|c| {
        c["signName"] = json!(format!(" Logto{CANARY}\n"))
    });
    with("inside signName with a control character", &|c| {
        c["signName"] = json!(format!("{CANARY}\u{0}"))
    });
    with("inside a template code", &|c| {
        c["templates"][1]["templateCode"] = json!(format!("{CANARY}\r"))
    });
    with("as the signature version", &|c| {
        c["signatureVersion"] = json!(CANARY)
    });
    with("as the region", &|c| c["regionId"] = json!(CANARY));
    with("as the endpoint", &|c| {
        c["endpoint"] = json!(format!("https://{CANARY}/x"))
    });
    with("as the token too, with a key", &|c| {
        c["securityToken"] = json!(CANARY);
        c[format!("x{CANARY}")] = json!({CANARY: CANARY});
    });
    with("as a number-typed secret's neighbour", &|c| {
        c["maxAttempts"] = json!(CANARY)
    });
    // A secret given twice: the first value is known too (an error, and a key elsewhere).
    let mut twice = base();
    twice[CANARY] = json!(1);
    let twice = twice
        .to_string()
        .replacen('{', &format!("{{\"accessKeySecret\":\"{CANARY}\","), 1);
    cases.push(("a secret given twice, the first as a key elsewhere", twice));
    // A secret as an object, with a repeated key inside.
    let text = base().to_string().replacen(
        "\"accessKeySecret\":\"example-secret\"",
        &format!("\"accessKeySecret\":{{\"{CANARY}\":1,\"{CANARY}\":2}}"),
        1,
    );
    cases.push(("a secret object with a repeated key", text));

    for (what, text) in &cases {
        assert!(text.contains(CANARY));
        let said = everything_said_about(text, &no_env);
        assert!(
            !said.contains(CANARY),
            "{what}: the canary shows in:\n{said}"
        );
        assert!(
            !said.contains("Canary"),
            "{what}: part of the canary shows in:\n{said}"
        );
    }

    // A secret from the environment, placed in the JSON as a key and a usage type.
    let mut config = base();
    config.as_object_mut().unwrap().remove("accessKeySecret");
    config[CANARY] = json!(1);
    config["templates"]
        .as_array_mut()
        .unwrap()
        .push(json!({"usageType": CANARY, "templateCode": "X"}));
    let env = |name: &str| (name == ENV_ACCESS_KEY_SECRET).then(|| CANARY.to_owned());
    let said = everything_said_about(&config.to_string(), &env);
    assert!(!said.contains("Canary"), "from the environment:\n{said}");
    assert!(said.contains("** redacted **"), "{said}");
    // ... and as a key given twice, reported before the rest is read (found by the fuzzer).
    let text = format!(
        "{{\"{CANARY}\":1,\"{CANARY}\":2,{}",
        &config.to_string()[1..]
    );
    let said = everything_said_about(&text, &env);
    assert!(
        !said.contains("Canary"),
        "a repeated key from the environment:\n{said}"
    );
    assert!(said.contains("** redacted **: is given 3 times"), "{said}");
}

#[test]
fn echoed_values_show_invisible_and_look_alike_characters() {
    for (usage, shown) in [
        (
            "Sign\u{200b}In",
            r"unknown usage type `Sign\u{200b}In`; did you mean `SignIn`?",
        ),
        (
            "SіgnIn",
            r"unknown usage type `S\u{456}gnIn`; did you mean `SignIn`?",
        ),
        ("\u{202e}nIngiS", r"unknown usage type `\u{202e}nIngiS`"),
        (
            "Register\u{0}",
            r"unknown usage type `Register\u{0}`; did you mean `Register`?",
        ),
        ("`Generic`", r"unknown usage type `\u{60}Generic\u{60}`"),
    ] {
        let mut config = base();
        config["templates"]
            .as_array_mut()
            .unwrap()
            .push(json!({"usageType": usage, "templateCode": "SMS_9"}));
        let loaded =
            AliyunSmsConfig::load_with_env(&config.to_string(), &LoadOptions::default(), no_env)
                .unwrap();
        let warning = &loaded.warnings.warnings[0];
        assert_eq!(warning.path, "templates[4].usageType");
        assert!(
            warning.message.starts_with(shown),
            "{usage:?}: {}",
            warning.message
        );
    }
    let mut config = base();
    config["signatureVersion"] = json!("v\u{200b}1");
    config["ѕignName"] = json!("Logto");
    let err = AliyunSmsConfig::load_with_env(&config.to_string(), &LoadOptions::default(), no_env)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "signatureVersion: expected \"v1\" or \"v3\", found `v\\u{200b}1`\n\
         warning: \\u{455}ignName: unknown field (did you mean `signName`?); ignored"
    );
    // A long value is cut, with its length.
    config["signatureVersion"] = json!("v".repeat(10_000));
    let err = AliyunSmsConfig::from_json_with_env(&config.to_string(), no_env).unwrap_err();
    assert!(err.to_string().contains("… (10000 characters)`"), "{err}");
    assert!(err.to_string().len() < 512);
}

#[test]
fn a_whole_number_written_with_an_exponent_or_a_fraction_is_a_whole_number() {
    for (written, value) in [
        ("1e3", 1000),
        ("5000.0", 5000),
        ("1.5e3", 1500),
        ("2E3", 2000),
    ] {
        let text =
            base()
                .to_string()
                .replacen('{', &format!("{{\"connectTimeoutMs\":{written},"), 1);
        let config = AliyunSmsConfig::from_json_with_env(&text, no_env).unwrap();
        assert_eq!(config.connect_timeout_ms, value, "{written}");
    }
    for (written, found) in [
        ("2.5", "found 2.5"),
        ("1e20", "found 1e+20"),
        ("-1e3", "found -1000"),
        ("1e5", "found 100000"),
    ] {
        let text = base()
            .to_string()
            .replacen('{', &format!("{{\"maxAttempts\":{written},"), 1);
        let err: ConfigError = AliyunSmsConfig::from_json_with_env(&text, no_env).unwrap_err();
        let message = &err.problems[0].message;
        assert!(
            message.starts_with("must be a whole number from 1 to 10, "),
            "{written}: {message}"
        );
        assert!(message.ends_with(found), "{written}: {message}");
        assert!(!message.contains(".0"), "{written}: {message}");
    }
}

#[test]
fn a_region_without_an_endpoint_reaches_that_region() {
    for region in [
        "ap-southeast-1",
        "ap-southeast-5",
        "eu-central-1",
        "us-east-1",
        "cn-beijing",
        "cn-hongkong",
        "cn-shanghai",
    ] {
        let mut config = base();
        config["regionId"] = json!(region);
        let config = AliyunSmsConfig::from_json_with_env(&config.to_string(), no_env).unwrap();
        assert_eq!(config.endpoint, endpoint_for_region(region));
        let connector = AliyunSmsConnector::new(config).unwrap();
        let expected_host = endpoint_for_region(region).replace("https://", "");
        assert_eq!(connector.request_builder().host(), expected_host);
    }
    let mut config = base();
    config["regionId"] = json!("ap-southeast-1");
    config["endpoint"] = json!("https://dysmsapi.aliyuncs.com");
    let config = AliyunSmsConfig::from_json_with_env(&config.to_string(), no_env).unwrap();
    assert_eq!(
        config.endpoint, "https://dysmsapi.aliyuncs.com",
        "an explicit endpoint wins"
    );
    let config = AliyunSmsConfig::from_json_with_env(&base().to_string(), no_env).unwrap();
    assert_eq!(config.endpoint, "https://dysmsapi.aliyuncs.com");
}

#[test]
fn warnings_are_logged_once_when_a_connector_is_built() {
    let mut config = base();
    config["templates"]
        .as_array_mut()
        .unwrap()
        .push(json!({"usageType": "Test", "templateCode": "SMS_9"}));
    config["note"] = json!("x");
    let capture = common::Capture::default();
    {
        let _guard = capture.install();
        AliyunSmsConnector::from_json(&config.to_string()).unwrap();
    }
    let log = capture.text();
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("Aliyun SMS config"))
        .collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines.iter().all(|l| l.contains("WARN")), "{log}");
    assert!(
        lines[0].contains("path=note") && lines[0].contains("unknown field"),
        "{log}"
    );
    assert!(
        lines[1].contains("path=templates[4].usageType")
            && lines[1].contains("`Test` is a deprecated usage type"),
        "{log}"
    );

    // Returned as data, they are not logged.
    let capture = common::Capture::default();
    {
        let _guard = capture.install();
        let loaded =
            AliyunSmsConfig::load_with_env(&config.to_string(), &LoadOptions::default(), no_env)
                .unwrap();
        assert_eq!(loaded.warnings.count(), 2);
        AliyunSmsConnector::new(loaded.config).unwrap();
    }
    assert!(
        !capture.text().contains("Aliyun SMS config"),
        "{}",
        capture.text()
    );
}
