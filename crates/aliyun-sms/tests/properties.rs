//! Bad input, by property: the config loader, the phone parser, the template parameters, the
//! response classifier and the signer never panic on any input, and their errors name what is
//! wrong. Complements the properties already elsewhere: `classify.rs` (the classifier on random
//! bytes), `request.rs` (random template parameters signed and encoded), connector-kit's
//! `properties.rs` (phone parser and usage types never panic) and aliyun-sign's (signing never
//! panics, encoding is exact).
//!
//! Two properties go end to end through the emulator, an independent verifier: any template
//! parameters arrive exactly as given, and any credentials and sign name the config accepts
//! sign requests the emulator accepts.

mod common;
#[path = "common/emulator.rs"]
mod emu;

use std::collections::BTreeMap;

use aliyun_sign::{Credentials, rpc};
use aliyun_sms::classify;
use aliyun_sms::{AliyunSmsConfig, AliyunSmsConnector, LoadOptions};
use aliyun_sms_emulator::{EmulatorConfig, Limits, ManualClock, Template, start};
use chrono::{TimeZone, Utc};
use connector_kit::{
    ErrorKind, PhoneNumber, PhoneNumberError, SmsConnector, SmsMessage, TemplateParams, UsageType,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// The top-level keys of a config, read from its schema (`tests/config.rs` checks that they are
/// exactly the keys the loader knows).
fn fields() -> &'static [&'static str] {
    static FIELDS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| {
        let schema = serde_json::to_value(schemars::schema_for!(AliyunSmsConfig)).unwrap();
        let properties = schema["properties"].as_object().unwrap();
        properties
            .keys()
            .map(|key| &*Box::leak(key.clone().into_boxed_str()))
            .collect()
    })
}

/// `cases` cases, and no regression files written into the tree.
fn cases(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn no_env(_: &str) -> Option<String> {
    None
}

/// Any JSON value, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u32>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,12}".prop_map(Value::from),
        prop::sample::select(fields()).prop_map(Value::from),
        prop::sample::select(
            &[
                "Register",
                "SignIn",
                "Generic",
                "v1",
                "v3",
                "http://127.0.0.1:1"
            ][..]
        )
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        "\\PC{0,10}",
                        prop::sample::select(
                            &["usageType", "templateCode", "type", "china", "overseas"][..]
                        )
                        .prop_map(String::from),
                        prop::sample::select(fields()).prop_map(String::from),
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A config that loads.
fn valid_config() -> Value {
    json!({
        "accessKeyId": "LTAI5tExample",
        "accessKeySecret": "example-secret",
        "signName": "Logto",
        "templates": emu::required_templates(),
    })
}

/// Every problem has a message; its path is the document (`""`) or starts at a key of it.
fn assert_problems_are_named(
    error: &aliyun_sms::ConfigError,
    input: &Value,
) -> Result<(), TestCaseError> {
    prop_assert!(!error.problems.is_empty());
    for problem in &error.problems {
        prop_assert!(!problem.message.trim().is_empty(), "{error}");
        if problem.path.is_empty() {
            continue;
        }
        let top = problem
            .path
            .split(['.', '['])
            .next()
            .unwrap_or(&problem.path);
        // A key is named as it is, even one with `.` or `[` in it.
        let in_input = input
            .as_object()
            .is_some_and(|o| o.keys().any(|key| problem.path.starts_with(key.as_str())));
        prop_assert!(
            in_input || fields().contains(&top),
            "{} names neither a key of the input nor a config field",
            problem.path
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(cases(256))]

    /// Any JSON document: no panic; each problem has a message and a path into the document.
    #[test]
    fn config_loader_never_panics_on_any_json(value in any_json()) {
        if let Err(error) = AliyunSmsConfig::from_value_with_env(&value, no_env) {
            assert_problems_are_named(&error, &value)?;
            if !value.is_object() {
                prop_assert_eq!(error.problems.len(), 1);
                prop_assert!(error.problems[0].message.contains("must be an object"), "{}", error);
            }
        }
    }

    /// Any text: no panic; text that is not JSON is one problem at the document saying so.
    #[test]
    fn config_loader_never_panics_on_any_text(text in "\\PC{0,64}|\\{.{0,64}") {
        match AliyunSmsConfig::from_json_with_env(&text, no_env) {
            Ok(_) => prop_assert!(false, "{text:?} loaded"),
            Err(error) => {
                if serde_json::from_str::<Value>(&text).is_err() {
                    prop_assert_eq!(error.problems.len(), 1);
                    prop_assert_eq!(error.problems[0].path.as_str(), "");
                    prop_assert!(error.to_string().starts_with("the config is not valid JSON"), "{}", error);
                }
            }
        }
    }

    /// One field of a good config set to anything: it loads, or every problem is at that field
    /// (a bad `timeoutMs` may also make `connectTimeoutMs` too long for it).
    #[test]
    fn a_field_set_to_anything_is_the_field_named(
        field in prop::sample::select(fields()),
        value in any_json(),
    ) {
        let mut config = valid_config();
        config[field] = value.clone();
        if let Err(error) = AliyunSmsConfig::from_value_with_env(&config, no_env) {
            for problem in &error.problems {
                let at_field = problem.path == field
                    || problem.path.starts_with(&format!("{field}."))
                    || problem.path.starts_with(&format!("{field}["));
                let cross_check = field == "timeoutMs" && problem.path == "connectTimeoutMs";
                prop_assert!(at_field || cross_check, "{field} = {value}: {error}");
            }
            // The connector says the same, as one InvalidConfig at the first problem's path.
            let err = AliyunSmsConnector::from_json(&config.to_string()).unwrap_err();
            prop_assert_eq!(err.kind(), ErrorKind::InvalidConfig);
            prop_assert_eq!(err.field(), Some(error.problems[0].path.as_str()));
        }
    }

    /// A secret or token that the loader refuses is never repeated in the error.
    #[test]
    fn refused_secrets_are_never_shown(
        field in prop::sample::select(&["accessKeySecret", "securityToken"][..]),
        secret in "CANARY\\PC{0,16}",
        shape in 0..5usize,
    ) {
        let value = match shape {
            0 => json!(format!(" {secret}")),
            1 => json!(format!("{secret}\n")),
            2 => json!([secret]),
            3 => json!({ secret.clone(): secret }),
            _ => json!({ "x": [secret] }),
        };
        let mut config = valid_config();
        config[field] = value;
        let error = AliyunSmsConfig::from_value_with_env(&config, no_env).unwrap_err();
        let printed = format!("{error}\n{error:?}");
        prop_assert!(!printed.contains("CANARY"), "{printed}");
        prop_assert_eq!(error.paths().collect::<Vec<_>>(), vec![field]);
    }

    /// The phone parser's errors say what is wrong, exactly: the character and its position,
    /// the number of digits.
    #[test]
    fn phone_errors_point_at_what_is_wrong(
        input in prop_oneof![
            "\\PC{0,24}",
            "[ +]?[0-9 ()\\-.]{0,22}",
            "(00|\\+)?[0-9]{0,18}",
            "[+0-9]{0,8}[a-z#*+]?[0-9]{0,8}",
        ],
    ) {
        let trimmed = input.trim();
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        match PhoneNumber::parse(&input) {
            Ok(number) => {
                let expected = if trimmed.starts_with('+') {
                    digits.clone()
                } else {
                    digits.strip_prefix("00").unwrap_or(&digits).to_owned()
                };
                prop_assert_eq!(number.digits(), expected.as_str());
            }
            Err(PhoneNumberError::InvalidCharacter { character, position }) => {
                prop_assert_eq!(trimmed.chars().nth(position), Some(character));
                prop_assert!(!character.is_ascii_digit());
                // Every character before it was allowed.
                for (at, before) in trimmed.chars().take(position).enumerate() {
                    prop_assert!(before.is_ascii_digit() || " -.()".contains(before) || (before == '+' && at == 0));
                }
                let text = PhoneNumber::parse(&input).unwrap_err().to_string();
                prop_assert!(text.contains(&format!("{character:?}")) && text.contains(&format!("position {position}")), "{}", text);
            }
            Err(PhoneNumberError::TooShort { digits: n }) => {
                prop_assert!(n < connector_kit::MIN_DIGITS && n > 0);
                prop_assert!(n == digits.len() || n + 2 == digits.len());
            }
            Err(PhoneNumberError::TooLong { digits: n }) => {
                prop_assert!(n > connector_kit::MAX_DIGITS);
                prop_assert!(n == digits.len() || n + 2 == digits.len());
            }
            Err(PhoneNumberError::Empty) => {
                prop_assert!(digits.is_empty() || digits == "00");
            }
            Err(PhoneNumberError::InvalidCountryCode) => {
                let national = if trimmed.starts_with('+') { &digits[..] } else { &digits[2..] };
                prop_assert!(national.starts_with('0'));
            }
            Err(other) => prop_assert!(false, "an error this test does not know: {other}"),
        }
    }

    /// Any answer shaped like Aliyun's: a receipt exactly when `Code` is `OK` and the status
    /// is 2xx; `OK` on another status is an invalid response (never a success); otherwise the
    /// error carries Aliyun's code, request id and HTTP status, and its flags agree.
    #[test]
    fn the_classifier_names_aliyuns_code_and_request_id(
        status in prop_oneof![Just(200u16), Just(400u16), Just(403u16), Just(404u16), Just(500u16), Just(503u16), 100u16..600],
        code in prop::option::of(prop_oneof![
            Just("OK".to_owned()),
            prop::sample::select(&[
                "Throttling.User", "SignatureDoesNotMatch", "isv.BUSINESS_LIMIT_CONTROL",
                "isv.MOBILE_NUMBER_ILLEGAL", "isp.SYSTEM_ERROR", "InvalidAccessKeyId.NotFound",
            ][..]).prop_map(String::from),
            "\\PC{1,24}",
        ]),
        message in prop::option::of("\\PC{0,40}"),
        request_id in prop::option::of("[A-F0-9-]{1,36}"),
        biz_id in prop::option::of("[0-9^]{1,24}"),
    ) {
        let mut body = Map::new();
        for (key, value) in [("Code", &code), ("Message", &message), ("RequestId", &request_id), ("BizId", &biz_id)] {
            if let Some(value) = value {
                body.insert(key.to_owned(), json!(value));
            }
        }
        let bytes = serde_json::to_vec(&Value::Object(body)).unwrap();
        match (classify(status, &bytes), code.as_deref()) {
            (Ok(receipt), Some("OK")) if (200..300).contains(&status) => {
                prop_assert_eq!(receipt.message_id, biz_id);
                prop_assert_eq!(receipt.request_id, request_id);
            }
            (Err(err), Some("OK")) => {
                prop_assert!(!(200..300).contains(&status), "{err}");
                prop_assert_eq!(err.kind(), ErrorKind::InvalidResponse);
                prop_assert_eq!(err.provider_code(), None);
                prop_assert_eq!(err.http_status(), Some(status));
                prop_assert_eq!(err.outcome_unknown(), status >= 500, "{}", err);
                prop_assert!(!err.is_retryable());
            }
            (Ok(receipt), code) => prop_assert!(false, "{code:?} gave {receipt:?}"),
            (Err(err), None) => {
                prop_assert_eq!(err.kind(), ErrorKind::InvalidResponse);
                prop_assert!(err.message().contains("no Code"), "{}", err);
                prop_assert_eq!(err.http_status(), Some(status));
            }
            (Err(err), Some(code)) => {
                prop_assert_ne!(code, "OK");
                prop_assert_eq!(err.provider_code(), Some(code));
                prop_assert_eq!(err.request_id(), request_id.as_deref());
                prop_assert_eq!(err.http_status(), Some(status));
                prop_assert!(!err.message().trim().is_empty());
                prop_assert!(!(err.is_retryable() && err.outcome_unknown()));
                prop_assert!(err.to_string().contains(code), "{}", err);
                if status >= 500 && err.kind() == ErrorKind::Rejected {
                    prop_assert!(false, "an unknown code on a 5xx must be an unknown outcome: {err}");
                }
            }
        }
    }
}

/// A string that survives the config loader: not empty, no white space at the ends.
fn setting() -> impl Strategy<Value = String> {
    "\\PC{1,20}".prop_filter("trimmed, not empty", |s| {
        !s.trim().is_empty() && s.trim() == s.as_str()
    })
}

/// Any template parameters and reference, sent through the connector to the emulator (V1 and
/// V3): the emulator verifies the signature with its own code and delivers exactly them.
#[test]
fn any_template_parameters_arrive_exactly_as_given() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (emulator, _clock) = runtime.block_on(emu::emulator(Limits::off()));
    let connectors = [
        emu::connector(&emulator, json!({"signatureVersion": "v1"})),
        emu::connector(&emulator, json!({"signatureVersion": "v3"})),
    ];
    let sent = std::sync::atomic::AtomicUsize::new(0);
    proptest!(cases(96), |(
        extra in prop::collection::vec((any::<String>(), any::<String>()), 0..5),
        // At most the 64 bytes a reference may have (`METADATA.capabilities`).
        reference in prop::option::of(any::<String>().prop_map(|mut r| {
            while r.len() > 64 {
                r.pop();
            }
            r
        })),
        v3 in any::<bool>(),
    )| {
        let mut params = TemplateParams::code("8888");
        for (name, value) in &extra {
            if name != "code" {
                params.insert(name.clone(), value.clone());
            }
        }
        let expected: BTreeMap<String, String> = params
            .iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        let n = sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let to = format!("+86137{n:08}");
        let mut message = SmsMessage::new(to.parse().unwrap(), UsageType::SignIn, params);
        message.reference = reference.clone();
        let receipt = runtime
            .block_on(connectors[usize::from(v3)].send(&message))
            .map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let inbox = emulator.inbox();
        let delivered = inbox
            .iter()
            .find(|m| Some(&m.biz_id) == receipt.message_id.as_ref())
            .ok_or_else(|| TestCaseError::fail("not delivered"))?;
        prop_assert_eq!(&delivered.params, &expected);
        prop_assert_eq!(&delivered.phone_number, &to);
        let out_id = reference.filter(|r| !r.is_empty());
        prop_assert_eq!(&delivered.out_id, &out_id);
    });
}

/// Any AccessKey ID, secret, STS token and sign name the loader accepts: the connector's
/// requests (V1 and V3) are accepted by an emulator account with exactly those.
#[test]
fn any_accepted_credentials_and_sign_name_sign_requests_the_emulator_accepts() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    proptest!(cases(48), |(
        // The loader's alphabets: AccessKey IDs as Aliyun writes them (`LTAI…`, `STS.…`), STS
        // tokens in visible ASCII; both travel in V3's headers.
        id in "[A-Za-z0-9._-]{1,24}",
        secret in setting(),
        token in prop::option::of("[!-~]{1,40}"),
        sign_name in setting(),
        v3 in any::<bool>(),
    )| {
        let clock = ManualClock::new(Utc::now());
        let credentials = Credentials::new(id.as_str(), secret.as_str());
        let credentials = match &token {
            Some(token) => credentials.with_security_token(token.as_str()),
            None => credentials,
        };
        let account = EmulatorConfig::new()
            .account(credentials)
            .sign_name(sign_name.as_str())
            .template(Template::verification_code(emu::SIGN_IN_CN, emu::content_of(emu::SIGN_IN_CN)))
            .limits(Limits::off())
            .clock(clock);
        let emulator = runtime.block_on(start(account)).unwrap();
        let mut config = json!({
            "accessKeyId": id,
            "accessKeySecret": secret,
            "signName": sign_name,
            "templates": emu::required_templates(),
            "endpoint": emulator.endpoint(),
            "signatureVersion": if v3 { "v3" } else { "v1" },
        });
        if let Some(token) = &token {
            config["securityToken"] = json!(token);
        }
        let sms = AliyunSmsConnector::from_json(&config.to_string())
            .map_err(|e| TestCaseError::fail(format!("a config of settings refused: {e}")))?;
        let message = emu::code_message("+8613800138000", UsageType::SignIn, "2468");
        let receipt = runtime
            .block_on(sms.send(&message))
            .map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
        prop_assert!(receipt.message_id.is_some());
        prop_assert_eq!(emulator.inbox().len(), 1);
        prop_assert_eq!(&emulator.inbox()[0].sign_name, &sign_name);
        // The signature of the same request verifies with the secret, by aliyun-sign's own
        // verifier, for V1.
        if !v3 {
            let time = Utc.with_ymd_and_hms(2024, 5, 1, 8, 9, 10).unwrap();
            let request = sms.request_builder().build(&message, time, "nonce-1").unwrap();
            let received = common::form(request.body.as_bytes());
            let cqs = rpc::canonicalized_query_string(&received);
            prop_assert!(rpc::verify_signature(&secret, &rpc::string_to_sign("POST", &cqs), &request.signature));
        }
    });
}

/// Every bad input of the table in docs/reliability.md, and what the user gets: each row is
/// checked here (the kind, the field, a part of the message), and printed as a table row with
/// `--nocapture`.
#[test]
fn bad_inputs_and_what_the_user_gets() {
    fn row(input: &str, got: &str) {
        let cell = |s: &str| s.replace('|', "\\|").replace('\n', "<br>");
        println!("| `{}` | {} |", cell(input), cell(got));
    }

    // Configs: (change to a good config, a path, a part of its message).
    let configs: [(&str, Value, &str, &str); 18] = [
        (
            "accessKeyId left out",
            json!({"accessKeyId": null}),
            "accessKeyId",
            "is required",
        ),
        (
            "accessKeySecret: \" secret \"",
            json!({"accessKeySecret": " secret "}),
            "accessKeySecret",
            "white space at the start or end",
        ),
        (
            "accessKeySecret: 42",
            json!({"accessKeySecret": 42}),
            "accessKeySecret",
            "expected a string, found",
        ),
        (
            "securityToken: \"\"",
            json!({"securityToken": ""}),
            "securityToken",
            "must not be empty",
        ),
        (
            "signName: \"\"",
            json!({"signName": ""}),
            "signName",
            "must not be empty",
        ),
        (
            "accesKeyId (a typo)",
            json!({"accesKeyId": "x"}),
            "accesKeyId",
            "did you mean `accessKeyId`",
        ),
        (
            "templates: {}",
            json!({"templates": {}}),
            "templates",
            "expected a list of templates",
        ),
        (
            "templates without Generic",
            json!({"templates": [
            {"usageType": "Register", "templateCode": "A"},
            {"usageType": "SignIn", "templateCode": "B"},
            {"usageType": "ForgotPassword", "templateCode": "C"}]}),
            "templates",
            "UsageType (Generic) should be provided",
        ),
        (
            "SignIn twice",
            json!({"templates": [
            {"usageType": "Register", "templateCode": "A"},
            {"usageType": "SignIn", "templateCode": "B"},
            {"usageType": "ForgotPassword", "templateCode": "C"},
            {"usageType": "Generic", "templateCode": "D"},
            {"usageType": "SignIn", "templateCode": "E"}]}),
            "templates[4].usageType",
            "already has a template",
        ),
        (
            "usageType: \"signin\"",
            json!({"templates": [
            {"usageType": "Register", "templateCode": "A"},
            {"usageType": "signin", "templateCode": "B"},
            {"usageType": "ForgotPassword", "templateCode": "C"},
            {"usageType": "Generic", "templateCode": "D"}]}),
            "templates[1].usageType",
            "unknown usage type `signin`",
        ),
        (
            "templateCode: {\"china\": \"A\"}",
            json!({"templates": [
            {"usageType": "Register", "templateCode": {"china": "A"}},
            {"usageType": "SignIn", "templateCode": "B"},
            {"usageType": "ForgotPassword", "templateCode": "C"},
            {"usageType": "Generic", "templateCode": "D"}]}),
            "templates[0].templateCode.overseas",
            "is required",
        ),
        (
            "endpoint: \"http://dysmsapi.aliyuncs.com\"",
            json!({"endpoint": "http://dysmsapi.aliyuncs.com"}),
            "endpoint",
            "must use https",
        ),
        (
            "endpoint: \"https://dysmsapi.aliyuncs.com/api\"",
            json!({"endpoint": "https://dysmsapi.aliyuncs.com/api"}),
            "endpoint",
            "no path",
        ),
        (
            "regionId: \"CN_Hangzhou\"",
            json!({"regionId": "CN_Hangzhou"}),
            "regionId",
            "lower-case letters",
        ),
        (
            "signatureVersion: \"v2\"",
            json!({"signatureVersion": "v2"}),
            "signatureVersion",
            "expected \"v1\" or \"v3\"",
        ),
        (
            "timeoutMs: 100",
            json!({"timeoutMs": 100}),
            "timeoutMs",
            "from 1000 to 120000",
        ),
        (
            "connectTimeoutMs: 6000 (timeoutMs 5000)",
            json!({"connectTimeoutMs": 6000}),
            "connectTimeoutMs",
            "must not be more than timeoutMs",
        ),
        (
            "maxAttempts: \"3\"",
            json!({"maxAttempts": "3"}),
            "maxAttempts",
            "expected a whole number from 1 to 10",
        ),
    ];
    println!("\n| config | what the user gets (`ConfigError`, one line a problem) |\n|---|---|");
    for (what, change, path, says) in configs {
        let mut config = valid_config();
        for (key, value) in change.as_object().unwrap() {
            if value.is_null() {
                config.as_object_mut().unwrap().remove(key);
            } else {
                config[key] = value.clone();
            }
        }
        // What Logto accepts loads, with a warning; the rest is refused, with the warnings
        // that explain it.
        let loaded =
            AliyunSmsConfig::load_with_env(&config.to_string(), &LoadOptions::default(), no_env);
        let (findings, shown) = match loaded {
            Ok(loaded) => (
                loaded.warnings.warnings.clone(),
                format!("loads; warning: {}", loaded.warnings),
            ),
            Err(err) => {
                let mut all = err.problems.clone();
                all.extend(err.warnings.warnings.iter().cloned());
                (all, err.to_string())
            }
        };
        let finding = findings
            .iter()
            .find(|p| p.path == path)
            .unwrap_or_else(|| panic!("{what}: nothing at {path}: {shown}"));
        assert!(finding.message.contains(says), "{what}: {shown}");
        row(what, &shown);
    }
    for (what, text, says) in [
        (
            "not JSON",
            "{accessKeyId: 1}",
            "the config is not valid JSON",
        ),
        ("a list", "[]", "the config must be an object"),
    ] {
        let err = AliyunSmsConfig::from_json_with_env(text, no_env).unwrap_err();
        assert!(err.to_string().contains(says), "{what}: {err}");
        row(what, &err.to_string());
    }

    println!("\n| number | what the user gets (`PhoneNumberError`) |\n|---|---|");
    for (input, says) in [
        ("", "empty"),
        ("+", "empty"),
        ("138-0013-800a", "invalid character 'a' at position 12"),
        (
            "１３８００１３８０００",
            "invalid character '１' at position 0",
        ),
        ("86+13800138000", "invalid character '+' at position 2"),
        ("1234", "4 digits; at least 5"),
        ("1234567890123456", "16 digits; at most 15"),
        ("+0123456789", "country code cannot start with 0"),
    ] {
        let err = PhoneNumber::parse(input).unwrap_err();
        assert!(err.to_string().contains(says), "{input:?}: {err}");
        row(input, &err.to_string());
    }

    println!("\n| answer (HTTP status, body) | what the user gets (`ConnectorError`) |\n|---|---|");
    for (status, body, kind, unknown, says) in [
        (
            502,
            "<html>502 Bad Gateway</html>",
            ErrorKind::InvalidResponse,
            true,
            "not Aliyun's JSON",
        ),
        (
            400,
            "<html>400</html>",
            ErrorKind::InvalidResponse,
            false,
            "not Aliyun's JSON",
        ),
        (
            200,
            "",
            ErrorKind::InvalidResponse,
            true,
            "the answer is empty",
        ),
        (
            200,
            "[{\"Code\":\"OK\"}]",
            ErrorKind::InvalidResponse,
            true,
            "not Aliyun's JSON",
        ),
        (
            200,
            "{\"Message\":\"OK\"}",
            ErrorKind::InvalidResponse,
            true,
            "no Code",
        ),
        (
            200,
            "{\"Code\":\"OK\",\"BizId\":\"9",
            ErrorKind::InvalidResponse,
            true,
            "not Aliyun's JSON",
        ),
        (
            200,
            "{\"Code\":7}",
            ErrorKind::InvalidResponse,
            true,
            "not Aliyun's JSON",
        ),
        (
            200,
            "<SendSmsResponse><Code>OK</Code></SendSmsResponse>",
            ErrorKind::InvalidResponse,
            true,
            "not Aliyun's JSON",
        ),
        (
            400,
            "{\"Code\":\"Some.NewCode\",\"Message\":\"?\"}",
            ErrorKind::Rejected,
            false,
            "does not know",
        ),
        (
            503,
            "{\"Code\":\"Some.NewCode\",\"Message\":\"?\"}",
            ErrorKind::OutcomeUnknown,
            true,
            "may or may not have been sent",
        ),
        (
            200,
            "{\"Code\":\"isv.BUSINESS_LIMIT_CONTROL\",\"Message\":\"触发分钟级流控Permits:1\"}",
            ErrorKind::RateLimited,
            false,
            "do not retry now",
        ),
    ] {
        let err = classify(status, body.as_bytes()).unwrap_err();
        assert_eq!(err.kind(), kind, "{status} {body}: {err}");
        assert_eq!(err.outcome_unknown(), unknown, "{status} {body}: {err}");
        assert!(err.message().contains(says), "{status} {body}: {err}");
        row(
            &format!("{status} {body}"),
            &format!(
                "{err} [outcome_unknown={unknown}, retryable={}]",
                err.is_retryable()
            ),
        );
    }
    let huge = format!(
        "{{\"Code\":\"OK\",\"Message\":\"{}\"}}",
        "x".repeat(70 * 1024)
    );
    let err = classify(200, huge.as_bytes()).unwrap_err();
    assert!(err.message().contains("larger than 64 KiB"), "{err}");
    assert!(err.message().len() < 1024);
}
