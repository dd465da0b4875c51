//! Loading and checking configs: Logto's JSON, every problem with its path, env credentials.

mod common;

use std::collections::HashMap;
use std::error::Error as _;

use aliyun_sms::config::{
    DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_ENDPOINT, DEFAULT_MAX_ATTEMPTS, DEFAULT_REGION_ID,
    DEFAULT_TIMEOUT_MS,
};
use aliyun_sms::{
    AliyunSmsConfig, AliyunSmsConnector, ConfigError, LoadOptions, SecretString, SignatureVersion,
    TemplateCode, TemplateConfig,
};
use connector_kit::{ErrorKind, UsageType};
use serde_json::{Value, json};

fn no_env(_: &str) -> Option<String> {
    None
}

fn load(json: &str) -> Result<AliyunSmsConfig, ConfigError> {
    AliyunSmsConfig::from_json_with_env(json, no_env)
}

/// [`load`] in strict mode: what would be a warning is a problem too.
fn load_strict(json: &str) -> Result<AliyunSmsConfig, ConfigError> {
    AliyunSmsConfig::load_with_env(json, &LoadOptions::strict(), no_env).map(|loaded| loaded.config)
}

/// A valid config with `changes` applied (a `null` change removes the key).
fn with(changes: Value) -> String {
    let mut config = json!({
        "accessKeyId": "LTAI5tExample",
        "accessKeySecret": "example-secret",
        "signName": "Logto",
        "templates": common::templates(),
    });
    for (key, value) in changes.as_object().unwrap() {
        if value.is_null() {
            config.as_object_mut().unwrap().remove(key);
        } else {
            config[key] = value.clone();
        }
    }
    config.to_string()
}

/// The JSON of `shared/reference/logto-aliyun-sms.md`, completed with the two templates Logto
/// requires too.
const LOGTO_SAMPLE: &str = r#"{
  "accessKeyId": "LTAI...",
  "accessKeySecret": "...",
  "signName": "Logto",
  "templates": [
    { "usageType": "SignIn",   "templateCode": "SMS_123" },
    { "usageType": "Register", "templateCode": { "china": "SMS_456", "overseas": "SMS_789" } },
    { "usageType": "ForgotPassword", "templateCode": "SMS_321" },
    { "usageType": "Generic", "templateCode": "SMS_654" }
  ],
  "strictPhoneRegionNumberCheck": false
}"#;

#[test]
fn logtos_sample_loads_with_safe_defaults() {
    let config = load(LOGTO_SAMPLE).unwrap();
    assert_eq!(config.access_key_id, "LTAI...");
    assert_eq!(config.access_key_secret.expose_secret(), "...");
    assert_eq!(config.security_token, None);
    assert_eq!(config.sign_name, "Logto");
    assert_eq!(
        config.templates[1],
        TemplateConfig::new(
            UsageType::Register,
            TemplateCode::ByRegion {
                china: "SMS_456".into(),
                overseas: "SMS_789".into()
            }
        )
    );
    assert!(!config.strict_phone_region_number_check);
    assert_eq!(config.endpoint, DEFAULT_ENDPOINT);
    assert_eq!(config.region_id, DEFAULT_REGION_ID);
    assert_eq!(config.signature_version, SignatureVersion::V1);
    assert_eq!(config.connect_timeout_ms, DEFAULT_CONNECT_TIMEOUT_MS);
    assert_eq!(config.timeout_ms, DEFAULT_TIMEOUT_MS);
    assert_eq!(config.max_attempts, DEFAULT_MAX_ATTEMPTS);
    assert_eq!(
        (1000, 5000, 3),
        (
            DEFAULT_CONNECT_TIMEOUT_MS,
            DEFAULT_TIMEOUT_MS,
            DEFAULT_MAX_ATTEMPTS
        )
    );
    config.validate().unwrap();
}

#[test]
fn logtos_sample_as_published_lacks_two_required_templates_like_logto_says() {
    let published = r#"{
      "accessKeyId": "LTAI...",
      "accessKeySecret": "...",
      "signName": "Logto",
      "templates": [
        { "usageType": "SignIn",   "templateCode": "SMS_123" },
        { "usageType": "Register", "templateCode": { "china": "SMS_456", "overseas": "SMS_789" } }
      ],
      "strictPhoneRegionNumberCheck": false
    }"#;
    let err = load(published).unwrap_err();
    assert_eq!(
        err.to_string(),
        "templates: UsageType (ForgotPassword, Generic) should be provided in templates."
    );
}

#[test]
fn logtos_console_default_with_every_usage_type_and_legacy_type_loads() {
    let templates: Vec<Value> = UsageType::ALL
        .iter()
        .zip([2, 2, 2, 2, 0, 1, 6, 7, 2])
        .map(|(usage, legacy)| json!({"type": legacy, "usageType": usage, "templateCode": "SMS_123"}))
        .collect();
    let config = load(&with(json!({"templates": templates}))).unwrap();
    assert_eq!(config.templates.len(), 9);
    assert_eq!(config.templates[6].legacy_type, Some(6));
}

/// Each bad config and every problem it must produce in strict mode (where what would be a
/// warning is a problem too): (path, part of the message).
#[test]
fn every_problem_is_reported_with_its_path() {
    let valid_names = UsageType::ALL.map(UsageType::as_str).join(", ");
    // (name, config, every (path, part of the message) expected)
    type Case<'a> = (&'a str, String, Vec<(&'a str, &'a str)>);
    let cases: Vec<Case> = vec![
        ("not JSON", "{".into(), vec![("", "not valid JSON")]),
        (
            "not an object",
            "[]".into(),
            vec![("", "must be an object, found a list")],
        ),
        (
            "misspelt key and so a missing one",
            with(json!({"accessKeyId": null, "accesKeyId": "LTAI"})),
            vec![
                ("accesKeyId", "unknown field (did you mean `accessKeyId`?)"),
                (
                    "accessKeyId",
                    "is required: set it here, or leave it out and set the ALIBABA_CLOUD_ACCESS_KEY_ID environment variable",
                ),
            ],
        ),
        (
            "unknown key far from any",
            with(json!({"color": "red"})),
            vec![(
                "color",
                "unknown field (expected one of: accessKeyId, accessKeySecret, securityToken",
            )],
        ),
        (
            "empty strings",
            with(
                json!({"accessKeyId": "", "accessKeySecret": "", "signName": " ", "securityToken": ""}),
            ),
            vec![
                ("accessKeyId", "must not be empty"),
                ("accessKeySecret", "must not be empty"),
                ("securityToken", "must not be empty"),
                ("signName", "must not be empty"),
            ],
        ),
        (
            "pasted with white space",
            with(json!({"accessKeyId": "LTAI ", "accessKeySecret": "\tsecret"})),
            vec![
                ("accessKeyId", "white space at the start or end"),
                ("accessKeySecret", "white space at the start or end"),
            ],
        ),
        (
            "credentials with characters that break a request",
            with(json!({"accessKeyId": "LTAI,5t=x", "securityToken": "line\nbreak"})),
            vec![
                ("accessKeyId", "must hold only letters, digits"),
                (
                    "securityToken",
                    "holds a control or invisible character; remove it",
                ),
            ],
        ),
        (
            "wrong types",
            with(json!({
                "accessKeySecret": 12345,
                "signName": false,
                "strictPhoneRegionNumberCheck": "yes",
                "signatureVersion": 3,
                "timeoutMs": "5000",
            })),
            vec![
                ("accessKeySecret", "expected a string, found a number"),
                ("signName", "expected a string, found a boolean"),
                (
                    "strictPhoneRegionNumberCheck",
                    "expected true or false, found a string",
                ),
                (
                    "signatureVersion",
                    "expected \"v1\" or \"v3\", found a number",
                ),
                (
                    "timeoutMs",
                    "expected a whole number from 1000 to 120000, found a string",
                ),
            ],
        ),
        (
            "null where a value is expected",
            LOGTO_SAMPLE.replace(
                r#""strictPhoneRegionNumberCheck": false"#,
                r#""strictPhoneRegionNumberCheck": null, "endpoint": null, "securityToken": null"#,
            ),
            vec![
                (
                    "strictPhoneRegionNumberCheck",
                    "expected true or false, found null",
                ),
                ("endpoint", "expected a string, found null"),
            ],
        ),
        (
            "templates not a list",
            with(json!({"templates": {}})),
            vec![("templates", "expected a list of templates, found an object")],
        ),
        (
            "no templates key",
            with(json!({"templates": null})),
            vec![("templates", "is required")],
        ),
        (
            "problems in several templates",
            with(json!({"templates": [
                {"usageType": "signin", "templateCode": "SMS_1"},
                {"usageType": "Register", "templateCode": ""},
                {"usageType": "ForgotPassword", "templateCode": {"china": "SMS_3"}},
                {"usageType": "Generic", "templatecode": "SMS_4"},
                "SMS_5",
                {"usageType": 7, "templateCode": {"china": "A", "overseas": "B", "hk": "C"}, "type": 3},
                {"templateCode": ["SMS_7"]}
            ]})),
            vec![
                (
                    "templates[0].usageType",
                    "unknown usage type `signin`; did you mean `SignIn`? (valid usage types: ",
                ),
                ("templates[0].usageType", &valid_names),
                ("templates[1].templateCode", "must not be empty"),
                (
                    "templates[2].templateCode.overseas",
                    "is required: give both a china and an overseas template code",
                ),
                (
                    "templates[3].templatecode",
                    "unknown field (did you mean `templateCode`?)",
                ),
                ("templates[3].templateCode", "is required"),
                ("templates[4]", "expected an object, found a string"),
                (
                    "templates[5].templateCode.hk",
                    "unknown field (expected one of: china, overseas)",
                ),
                (
                    "templates[5].usageType",
                    "expected a usage type name such as \"SignIn\", found a number",
                ),
                (
                    "templates[5].type",
                    "must be 0, 1, 2, 6 or 7 if given (a legacy Logto setting, ignored), found 3",
                ),
                ("templates[6].usageType", "is required"),
                (
                    "templates[6].templateCode",
                    "expected a template code such as \"SMS_123456789\" or {\"china\": ..., \"overseas\": ...}, found a list",
                ),
                (
                    "templates",
                    "UsageType (SignIn) should be provided in templates.",
                ),
            ],
        ),
        (
            "duplicates and missing",
            with(json!({"templates": [
                {"usageType": "SignIn", "templateCode": "SMS_1"},
                {"usageType": "Generic", "templateCode": "SMS_2"},
                {"usageType": "SignIn", "templateCode": "SMS_3"},
                {"usageType": "Generic", "templateCode": "SMS_4"}
            ]})),
            vec![
                (
                    "templates",
                    "UsageType (Register, ForgotPassword) should be provided in templates.",
                ),
                (
                    "templates[2].usageType",
                    "SignIn already has a template (templates[0]); refused in strict mode",
                ),
                (
                    "templates[3].usageType",
                    "Generic already has a template (templates[1])",
                ),
            ],
        ),
        (
            "empty template list",
            with(json!({"templates": []})),
            vec![(
                "templates",
                "UsageType (Register, SignIn, ForgotPassword, Generic) should be provided in templates.",
            )],
        ),
        (
            "plain http",
            with(json!({"endpoint": "http://dysmsapi.aliyuncs.com"})),
            vec![("endpoint", "must use https")],
        ),
        (
            "http to a private address",
            with(json!({"endpoint": "http://192.168.1.10:8080"})),
            vec![("endpoint", "must use https")],
        ),
        (
            "unparsable endpoint",
            with(json!({"endpoint": "dysmsapi.aliyuncs.com"})),
            vec![("endpoint", "is not a valid URL")],
        ),
        (
            "endpoint with a path",
            with(json!({"endpoint": "https://dysmsapi.aliyuncs.com/sms"})),
            vec![("endpoint", "no path, query or fragment")],
        ),
        (
            "bad region",
            with(json!({"regionId": "CN Hangzhou"})),
            vec![("regionId", "e.g. cn-hangzhou")],
        ),
        (
            "unknown signature version",
            with(json!({"signatureVersion": "v2"})),
            vec![("signatureVersion", "expected \"v1\" or \"v3\", found `v2`")],
        ),
        (
            "out of range",
            with(json!({"connectTimeoutMs": 999, "timeoutMs": 120001, "maxAttempts": 0})),
            vec![
                (
                    "connectTimeoutMs",
                    "must be a whole number from 1000 to 60000, found 999",
                ),
                (
                    "timeoutMs",
                    "must be a whole number from 1000 to 120000, found 120001",
                ),
                (
                    "maxAttempts",
                    "must be a whole number from 1 to 10, found 0",
                ),
            ],
        ),
        (
            "not whole or too big",
            with(json!({"maxAttempts": 2.5, "connectTimeoutMs": -1000, "timeoutMs": 1e20})),
            vec![
                ("connectTimeoutMs", "found -1000"),
                ("timeoutMs", "must be a whole number from 1000 to 120000"),
                ("maxAttempts", "found 2.5"),
            ],
        ),
        (
            "too many attempts",
            with(json!({"maxAttempts": 11})),
            vec![("maxAttempts", "from 1 to 10, found 11")],
        ),
        (
            "connect timeout beyond the total",
            with(json!({"connectTimeoutMs": 6000, "timeoutMs": 5000})),
            vec![("connectTimeoutMs", "must not be more than timeoutMs (5000)")],
        ),
    ];
    for (name, json, expected) in cases {
        let err = load_strict(&json).expect_err(name);
        let mut problems: Vec<(String, String)> = err
            .problems
            .iter()
            .map(|p| (p.path.clone(), p.message.clone()))
            .collect();
        for (path, part) in &expected {
            let found = problems
                .iter()
                .position(|(p, m)| p == path && m.contains(part));
            assert!(
                found.is_some(),
                "{name}: no problem at {path:?} containing {part:?} in\n{err}"
            );
        }
        problems.sort();
        problems.dedup_by(|a, b| a.0 == b.0);
        let mut paths: Vec<&str> = expected.iter().map(|(p, _)| *p).collect();
        paths.sort();
        paths.dedup();
        let found: Vec<&str> = problems.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(found, paths, "{name}: exactly these paths, in\n{err}");
    }
}

#[test]
fn display_lists_every_problem_one_per_line() {
    let err =
        load_strict(&with(json!({"signName": "", "maxAttempts": 0, "extra": 1}))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "extra: unknown field (expected one of: accessKeyId, accessKeySecret, securityToken, signName, templates, strictPhoneRegionNumberCheck, endpoint, regionId, signatureVersion, connectTimeoutMs, timeoutMs, maxAttempts); refused in strict mode\n\
         signName: must not be empty\n\
         maxAttempts: must be a whole number from 1 to 10, found 0"
    );
    assert_eq!(
        err.paths().collect::<Vec<_>>(),
        ["extra", "signName", "maxAttempts"]
    );
}

#[test]
fn the_connector_reports_a_bad_config_as_invalid_config_with_every_problem() {
    let err = AliyunSmsConnector::from_json(&with(json!({"signName": "", "maxAttempts": 0})))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert_eq!(err.field(), Some("signName"));
    assert_eq!(
        err.message(),
        "signName: must not be empty; maxAttempts: must be a whole number from 1 to 10, found 0"
    );
    let source = err.source().unwrap().downcast_ref::<ConfigError>().unwrap();
    assert_eq!(source.problems.len(), 2);

    let err = AliyunSmsConnector::from_json("nope").unwrap_err();
    assert_eq!((err.kind(), err.field()), (ErrorKind::InvalidConfig, None));
}

#[test]
fn secret_values_never_appear_in_problems() {
    for secret_value in [
        json!(" CanarySecret9 "),
        json!({"CanarySecret9": 1}),
        json!(["CanarySecret9"]),
        json!(""),
    ] {
        let json =
            with(json!({"accessKeySecret": secret_value.clone(), "securityToken": secret_value}));
        let err = load(&json).unwrap_err();
        let printed = format!("{err}\n{err:?}");
        assert!(!printed.contains("CanarySecret9"), "{printed}");
        assert_eq!(
            err.paths().collect::<Vec<_>>(),
            ["accessKeySecret", "securityToken"]
        );
    }
}

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| vars.get(name).cloned()
}

#[test]
fn credentials_left_out_come_from_the_environment_like_alibabas_sdks() {
    let json = with(json!({"accessKeyId": null, "accessKeySecret": null}));
    let config = AliyunSmsConfig::from_json_with_env(
        &json,
        env(&[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.envid"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token"),
        ]),
    )
    .unwrap();
    assert_eq!(config.access_key_id, "STS.envid");
    assert_eq!(config.access_key_secret.expose_secret(), "env-secret");
    assert_eq!(config.security_token, Some(SecretString::new("env-token")));
    assert_eq!(config.credentials().security_token(), Some("env-token"));

    // Nowhere: a problem at each path, naming the variable.
    let err =
        AliyunSmsConfig::from_json_with_env(&json, env(&[("ALIBABA_CLOUD_ACCESS_KEY_ID", "")]))
            .unwrap_err();
    assert_eq!(
        err.paths().collect::<Vec<_>>(),
        ["accessKeyId", "accessKeySecret"]
    );
    assert!(
        err.problems[1]
            .message
            .contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    );

    // An environment value must be usable too, and is never shown.
    let err = AliyunSmsConfig::from_json_with_env(
        &json,
        env(&[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "envid"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret\n"),
        ]),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "accessKeySecret: has white space at the start or end (from the ALIBABA_CLOUD_ACCESS_KEY_SECRET environment variable); remove it"
    );

    // Present in the JSON: used, even if empty (an error), and the env token is not mixed in.
    let full_env = env(&[
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "envid"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret"),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token"),
    ]);
    let config =
        AliyunSmsConfig::from_json_with_env(&with(json!({"accessKeySecret": null})), &full_env)
            .unwrap();
    assert_eq!(config.access_key_id, "LTAI5tExample");
    assert_eq!(config.access_key_secret.expose_secret(), "env-secret");
    assert_eq!(config.security_token, None);
    let err = AliyunSmsConfig::from_json_with_env(&with(json!({"accessKeyId": ""})), &full_env)
        .unwrap_err();
    assert_eq!(err.to_string(), "accessKeyId: must not be empty");
}

/// A config with every setting away from its default.
fn everything() -> String {
    with(json!({
        "securityToken": "sts-token",
        "strictPhoneRegionNumberCheck": true,
        "endpoint": "https://dysmsapi.ap-southeast-1.aliyuncs.com",
        "regionId": "ap-southeast-1",
        "signatureVersion": "v3",
        "connectTimeoutMs": 2000,
        "timeoutMs": 9000,
        "maxAttempts": 5,
    }))
}

#[test]
fn round_trips_only_through_the_explicit_method() {
    for json in [everything(), with(json!({}))] {
        let config = load(&json).unwrap();
        let exposed = config.to_json_exposing_secrets();
        assert_eq!(load(&exposed).unwrap(), config);
        assert!(exposed.contains("example-secret"));
        assert!(!format!("{config:?}").contains("example-secret"));
    }
}

#[test]
fn plain_serde_reads_the_same_config_and_validate_checks_it() {
    for json in [everything(), with(json!({})), LOGTO_SAMPLE.to_owned()] {
        let by_serde: AliyunSmsConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(by_serde, load(&json).unwrap());
    }
    let mut config: AliyunSmsConfig = serde_json::from_str(&everything()).unwrap();
    config.sign_name = String::new();
    config.max_attempts = 0;
    config.endpoint = "http://example.com".into();
    let err = config.validate().unwrap_err();
    assert_eq!(
        err.paths().collect::<Vec<_>>(),
        ["signName", "endpoint", "maxAttempts"]
    );

    let built = AliyunSmsConfig::new(
        "LTAI5tExample",
        "example-secret",
        "Logto",
        serde_json::from_value(common::templates()).unwrap(),
    );
    assert_eq!(built, load(&with(json!({}))).unwrap());
}

#[test]
fn schema_describes_every_field_with_defaults_and_ranges() {
    let schema = serde_json::to_value(schemars::schema_for!(AliyunSmsConfig)).unwrap();
    let properties = schema["properties"].as_object().unwrap();
    let names: Vec<&str> = properties.keys().map(String::as_str).collect();
    let mut expected = vec![
        "accessKeyId",
        "accessKeySecret",
        "securityToken",
        "signName",
        "templates",
        "strictPhoneRegionNumberCheck",
        "endpoint",
        "regionId",
        "signatureVersion",
        "connectTimeoutMs",
        "timeoutMs",
        "maxAttempts",
    ];
    let mut sorted_names = names.clone();
    sorted_names.sort();
    expected.sort();
    assert_eq!(sorted_names, expected);
    for (name, property) in properties {
        assert!(
            property["description"]
                .as_str()
                .is_some_and(|d| d.len() > 20),
            "{name} has no description: {property}"
        );
    }
    // The AccessKey may come from the environment instead.
    assert_eq!(schema["required"], json!(["signName", "templates"]));
    assert_eq!(schema["additionalProperties"], json!(false));
    // Left out, the endpoint follows `regionId`: a form must not save one.
    assert_eq!(properties["endpoint"].get("default"), None);
    assert_eq!(properties["regionId"]["default"], DEFAULT_REGION_ID);
    assert_eq!(properties["signatureVersion"]["default"], "v1");
    assert_eq!(properties["strictPhoneRegionNumberCheck"]["default"], false);
    for (name, default, min, max) in [
        ("connectTimeoutMs", 1000, 1000, 60000),
        ("timeoutMs", 5000, 1000, 120000),
        ("maxAttempts", 3, 1, 10),
    ] {
        assert_eq!(properties[name]["default"], default, "{name}");
        assert_eq!(properties[name]["minimum"], min, "{name}");
        assert_eq!(properties[name]["maximum"], max, "{name}");
    }
    assert_eq!(properties["accessKeySecret"]["writeOnly"], true);

    let text = schema.to_string();
    for described in [
        "One template code for every number",
        "The template code for mainland China numbers",
        "RPC signature V1",
        "Signature V3",
        "Accepted for compatibility with old Logto configs",
        "A code that signs an existing user in",
    ] {
        assert!(
            text.contains(described),
            "{described} missing from the schema"
        );
    }
    // Every `{china, overseas}` key is required and nothing else is allowed.
    let defs = schema["$defs"].as_object().unwrap();
    let code = defs["TemplateCode"]["anyOf"].as_array().unwrap();
    assert_eq!(code[1]["required"], json!(["china", "overseas"]));
    assert_eq!(code[1]["additionalProperties"], json!(false));
}
