//! Every config Logto 1.5.5 accepts loads here: what Logto would do silently is done with a
//! warning that names the path, and strict mode refuses it. What can never work stays an error
//! in both modes.
//!
//! Logto's guard (connector-aliyun-sms `types.ts`): `usageType: z.string()`, `templateCode: a
//! string or {china, overseas}`, `type` one of 0/1/2/6/7, zod objects that drop unknown keys,
//! the four required usage types; a template is found with `templates.find(...)`, so the first
//! of a repeated usage type is used. The config itself is JSON, where a repeated key keeps its
//! last value.

use aliyun_sms::config::{ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN};
use aliyun_sms::{AliyunSmsConfig, LoadOptions, TemplateCode};
use connector_kit::UsageType;
use serde_json::{Value, json};

fn no_env(_: &str) -> Option<String> {
    None
}

fn required() -> Value {
    json!([
        {"usageType": "Register", "templateCode": "SMS_1"},
        {"usageType": "SignIn", "templateCode": "SMS_2"},
        {"usageType": "ForgotPassword", "templateCode": "SMS_3"},
        {"usageType": "Generic", "templateCode": "SMS_4"}
    ])
}

fn base() -> Value {
    json!({
        "accessKeyId": "LTAI5tExample",
        "accessKeySecret": "example-secret",
        "signName": "Logto",
        "templates": required(),
        "strictPhoneRegionNumberCheck": false
    })
}

/// The required templates with `extra` appended.
fn templates_plus(extra: Value) -> Value {
    let mut templates = required();
    templates.as_array_mut().unwrap().push(extra);
    templates
}

/// A case: its name, a JSON text Logto accepts, every (path, part of the warning) expected.
type Case = (&'static str, String, Vec<(&'static str, &'static str)>);

fn logto_accepted() -> Vec<Case> {
    let with = |key: &str, value: Value| {
        let mut config = base();
        config[key] = value;
        config.to_string()
    };
    let mut templates_with_padded_code = required();
    templates_with_padded_code[0]["templateCode"] = json!(" SMS_1\n");
    let mut templates_with_padded_pair = required();
    templates_with_padded_pair[1]["templateCode"] =
        json!({"china": "SMS_2 ", "overseas": "\tSMS_5"});
    let mut stray_in_template = required();
    stray_in_template[2]["description"] = json!("forgot password");
    let mut stray_in_pair = required();
    stray_in_pair[1]["templateCode"] =
        json!({"china": "SMS_2", "overseas": "SMS_5", "hk": "SMS_6"});
    let base_text = base().to_string();
    vec![
        (
            "a Test template (deprecated in connector-kit 5.1.1)",
            with(
                "templates",
                templates_plus(json!({"usageType": "Test", "templateCode": "SMS_9"})),
            ),
            vec![(
                "templates[4].usageType",
                "`Test` is a deprecated usage type",
            )],
        ),
        (
            "an unknown usage type",
            with(
                "templates",
                templates_plus(json!({"usageType": "Login", "templateCode": "SMS_9"})),
            ),
            vec![("templates[4].usageType", "unknown usage type `Login`")],
        ),
        (
            "a mis-cased usage type",
            with(
                "templates",
                templates_plus(json!({"usageType": "signIn", "templateCode": "SMS_9"})),
            ),
            vec![("templates[4].usageType", "did you mean `SignIn`?")],
        ),
        (
            "a padded usage type",
            with(
                "templates",
                templates_plus(json!({"usageType": "Generic\n", "templateCode": "SMS_9"})),
            ),
            vec![(
                "templates[4].usageType",
                r"unknown usage type `Generic\u{a}`; did you mean `Generic`?",
            )],
        ),
        (
            "an empty usage type",
            with(
                "templates",
                templates_plus(json!({"usageType": "", "templateCode": "SMS_9"})),
            ),
            vec![("templates[4].usageType", "unknown usage type ``")],
        ),
        (
            "a usage type given twice",
            with(
                "templates",
                templates_plus(json!({"usageType": "SignIn", "templateCode": "SMS_9"})),
            ),
            vec![(
                "templates[4].usageType",
                "SignIn already has a template (templates[1]); this one is ignored, as Logto uses the first",
            )],
        ),
        (
            "a stray key at the top level",
            with("description", json!("production")),
            vec![("description", "unknown field (expected one of: accessKeyId")],
        ),
        (
            "a misspelt optional key",
            with("strictPhoneRegionCheck", json!(true)),
            vec![(
                "strictPhoneRegionCheck",
                "did you mean `strictPhoneRegionNumberCheck`?",
            )],
        ),
        (
            "a stray key in a template",
            with("templates", stray_in_template),
            vec![(
                "templates[2].description",
                "unknown field (expected one of: usageType, templateCode, type); ignored",
            )],
        ),
        (
            "a stray key in a china/overseas pair",
            with("templates", stray_in_pair),
            vec![(
                "templates[1].templateCode.hk",
                "unknown field (expected one of: china, overseas); ignored",
            )],
        ),
        (
            "a sign name with surrounding spaces",
            with("signName", json!("  Logto ")),
            vec![(
                "signName",
                r"white space around the value (`\u{20}\u{20}` at the start and `\u{20}` at the end); removed",
            )],
        ),
        (
            "a sign name with a trailing newline",
            with("signName", json!("阿里云短信测试\n")),
            vec![("signName", r"(`\u{a}` at the end)")],
        ),
        (
            "a template code with surrounding white space",
            with("templates", templates_with_padded_code),
            vec![(
                "templates[0].templateCode",
                r"(`\u{20}` at the start and `\u{a}` at the end)",
            )],
        ),
        (
            "padded china and overseas codes",
            with("templates", templates_with_padded_pair),
            vec![
                ("templates[1].templateCode.china", r"`\u{20}` at the end"),
                (
                    "templates[1].templateCode.overseas",
                    r"`\u{9}` at the start",
                ),
            ],
        ),
        (
            "a key given twice (not a credential)",
            base_text.replacen(
                "\"signName\":\"Logto\"",
                "\"signName\":\"Old\",\"signName\":\"Logto\"",
                1,
            ),
            vec![(
                "signName",
                "is given 2 times; the last one is used, as JSON.parse does",
            )],
        ),
    ]
}

#[test]
fn every_config_logto_accepts_loads_with_its_warnings_and_strict_mode_refuses_it() {
    let cases = logto_accepted();
    assert!(cases.len() >= 14);
    for (case, text, expected) in cases {
        let loaded = AliyunSmsConfig::load_with_env(&text, &LoadOptions::default(), no_env)
            .unwrap_or_else(|e| panic!("{case}: refused:\n{e}"));
        let warnings: Vec<(&str, &str)> = loaded
            .warnings
            .iter()
            .map(|w| (w.path.as_str(), w.message.as_str()))
            .collect();
        assert_eq!(warnings.len(), expected.len(), "{case}: {warnings:#?}");
        for ((path, message), (expected_path, part)) in warnings.iter().zip(&expected) {
            assert_eq!(path, expected_path, "{case}");
            assert!(message.contains(part), "{case}: {message:?} lacks {part:?}");
        }
        // What Logto would send is what is sent.
        let config = &loaded.config;
        assert_eq!(config.templates.len(), 4, "{case}");
        assert_eq!(config.sign_name.trim(), config.sign_name, "{case}");
        assert_eq!(
            config.templates[1].template_code.for_region(true).0,
            "SMS_2",
            "{case}"
        );
        config.validate().unwrap_or_else(|e| panic!("{case}: {e}"));
        // Loading it from the JSON it gives back: no warning any more.
        let again = AliyunSmsConfig::load_with_env(
            &config.to_json_exposing_secrets(),
            &LoadOptions::strict(),
            no_env,
        )
        .unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(&again.config, config, "{case}");

        let err =
            AliyunSmsConfig::load_with_env(&text, &LoadOptions::strict(), no_env).expect_err(case);
        let problems: Vec<&str> = err.paths().collect();
        let expected_paths: Vec<&str> = expected.iter().map(|(p, _)| *p).collect();
        assert_eq!(problems, expected_paths, "{case}: {err}");
        for problem in &err.problems {
            assert!(
                problem.message.ends_with("; refused in strict mode"),
                "{case}: {err}"
            );
        }
        // The plain entry point loads it too.
        AliyunSmsConfig::from_json_with_env(&text, no_env)
            .unwrap_or_else(|e| panic!("{case}: {e}"));
    }
}

#[test]
fn the_first_of_a_repeated_usage_type_and_the_last_of_a_repeated_key_are_used() {
    let text = base().to_string().replacen(
        "\"templates\":[",
        "\"templates\":[{\"usageType\":\"SignIn\",\"templateCode\":\"SMS_FIRST\"},",
        1,
    );
    let config = AliyunSmsConfig::from_json_with_env(&text, no_env).unwrap();
    let sign_in: Vec<_> = config
        .templates
        .iter()
        .filter(|t| t.usage_type == UsageType::SignIn)
        .collect();
    assert_eq!(sign_in.len(), 1);
    assert_eq!(
        sign_in[0].template_code,
        TemplateCode::Single("SMS_FIRST".into())
    );

    let text = r#"{"accessKeyId":"LTAI5tExample","accessKeySecret":"example-secret","signName":"Old","signName":"New","templates":[
        {"usageType":"Register","templateCode":"SMS_1"},{"usageType":"SignIn","templateCode":"SMS_2"},
        {"usageType":"ForgotPassword","templateCode":"SMS_3"},{"usageType":"Generic","templateCode":"SMS_4"}]}"#;
    assert_eq!(
        AliyunSmsConfig::from_json_with_env(text, no_env)
            .unwrap()
            .sign_name,
        "New"
    );
}

/// The ```json and ```jsonc blocks of both guides, with the line of each.
fn guide_blocks(fence: &str) -> Vec<(String, String)> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/");
    let mut blocks = Vec::new();
    for guide in ["aliyun-sms.md", "aliyun-sms.zh-CN.md"] {
        let text = std::fs::read_to_string(format!("{root}{guide}")).unwrap();
        let mut block: Option<String> = None;
        for (line, content) in text.lines().enumerate() {
            match (&mut block, content.trim()) {
                (None, opening) if opening == fence => block = Some(String::new()),
                (Some(json), "```") => {
                    blocks.push((format!("{guide}:{line}"), std::mem::take(json)));
                    block = None;
                }
                (Some(json), _) => {
                    json.push_str(content);
                    json.push('\n');
                }
                (None, _) => {}
            }
        }
    }
    blocks
}

/// The guides' examples of configs that load with warnings (```jsonc) do, and strict mode
/// refuses them.
#[test]
fn the_guides_configs_with_warnings_load_and_strict_mode_refuses_them() {
    let blocks = guide_blocks("```jsonc");
    assert_eq!(blocks.len(), 2, "one in each guide");
    for (at, json) in blocks {
        let loaded = AliyunSmsConfig::load_with_env(&json, &LoadOptions::default(), no_env)
            .unwrap_or_else(|e| panic!("{at}: {e}"));
        assert_eq!(loaded.warnings.count(), 5, "{at}: {}", loaded.warnings);
        assert_eq!(loaded.config.sign_name, "Logto");
        let err =
            AliyunSmsConfig::load_with_env(&json, &LoadOptions::strict(), no_env).unwrap_err();
        assert_eq!(err.problems.len(), 5, "{at}: {err}");
    }
}

/// The configs of the guides (every ```json block, English and Chinese), the schema's example,
/// Logto's console default and the demo config of the CLI and the emulator load with no warning
/// at all.
#[test]
fn the_example_configs_load_with_no_warning() {
    let env = |name: &str| match name {
        ENV_ACCESS_KEY_ID => Some("LTAI5tFromTheEnvironment".to_owned()),
        ENV_ACCESS_KEY_SECRET => Some("secret-from-the-environment".to_owned()),
        ENV_SECURITY_TOKEN => Some("token-from-the-environment".to_owned()),
        _ => None,
    };
    let mut configs = guide_blocks("```json");
    assert!(configs.len() >= 6, "{configs:?}");
    let schema = serde_json::to_value(schemars::schema_for!(AliyunSmsConfig)).unwrap();
    for example in schema["examples"].as_array().unwrap() {
        configs.push(("the schema's example".into(), example.to_string()));
    }
    let every_usage_type: Vec<Value> = UsageType::ALL
        .iter()
        .zip([2, 2, 2, 2, 0, 1, 6, 7, 2])
        .map(|(usage, legacy)| json!({"type": legacy, "usageType": usage, "templateCode": "SMS_123"}))
        .collect();
    let mut console_default = base();
    console_default["templates"] = json!(every_usage_type);
    configs.push((
        "Logto's console default".into(),
        console_default.to_string(),
    ));
    let demo = aliyun_sms_emulator::demo_connector_config("http://127.0.0.1:8787");
    configs.push(("the CLI's demo config".into(), demo.to_string()));

    for (what, json) in configs {
        let loaded = AliyunSmsConfig::load_with_env(&json, &LoadOptions::default(), env)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(loaded.warnings.is_empty(), "{what}: {}", loaded.warnings);
        AliyunSmsConfig::load_with_env(&json, &LoadOptions::strict(), env)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
    }
}

/// Values that can never work are errors in both modes, with the same words.
#[test]
fn what_can_never_work_is_refused_in_both_modes() {
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "empty secret",
            json!({"accessKeySecret": ""}),
            "accessKeySecret",
            "must not be empty",
        ),
        (
            "empty key id",
            json!({"accessKeyId": " "}),
            "accessKeyId",
            "must not be empty",
        ),
        (
            "empty sign name",
            json!({"signName": " \n"}),
            "signName",
            "must not be empty",
        ),
        (
            "padded secret",
            json!({"accessKeySecret": "example-secret\n"}),
            "accessKeySecret",
            "has white space at the start or end; remove it",
        ),
        (
            "padded key id",
            json!({"accessKeyId": " LTAI5tExample"}),
            "accessKeyId",
            "has white space at the start or end; remove it",
        ),
        (
            "NUL in the sign name",
            json!({"signName": "Log\u{0}to"}),
            "signName",
            r"holds `\u{0}` (character 4): control and invisible characters cannot be sent",
        ),
        (
            "CR LF in the sign name",
            json!({"signName": "Logto\r\nX-Injected: 1"}),
            "signName",
            r"holds `\u{d}` (character 6)",
        ),
        (
            "a zero-width space in the sign name",
            json!({"signName": "Log\u{200b}to"}),
            "signName",
            r"holds `\u{200b}` (character 4)",
        ),
        (
            "ESC in the secret",
            json!({"accessKeySecret": "exam\u{1b}ple"}),
            "accessKeySecret",
            "holds a control or invisible character; remove it",
        ),
        (
            "the secret pasted into the sign name",
            json!({"signName": "example-secret"}),
            "signName",
            "holds the AccessKey secret or the STS token, which would be sent in clear",
        ),
        (
            "the secret pasted into the AccessKey ID",
            json!({"accessKeyId": "example-secret"}),
            "accessKeyId",
            "holds the AccessKey secret or the STS token, which would be sent in clear",
        ),
        (
            "a line break inside the endpoint",
            json!({"endpoint": "https://dysms\napi.aliyuncs.com"}),
            "endpoint",
            "holds a control or invisible character",
        ),
    ];
    for (case, change, path, says) in cases {
        let mut config = base();
        for (key, value) in change.as_object().unwrap() {
            config[key] = value.clone();
        }
        for options in [LoadOptions::default(), LoadOptions::strict()] {
            let err = AliyunSmsConfig::load_with_env(&config.to_string(), &options, no_env)
                .expect_err(case);
            assert_eq!(err.paths().collect::<Vec<_>>(), [path], "{case}: {err}");
            assert!(err.problems[0].message.contains(says), "{case}: {err}");
        }
    }

    // Control characters in every template code, single or paired.
    for (code, path) in [
        (json!("SMS_1\u{0}"), "templates[0].templateCode"),
        (json!("SMS\n_1"), "templates[0].templateCode"),
        (
            json!({"china": "SMS_\u{7f}1", "overseas": "SMS_2"}),
            "templates[0].templateCode.china",
        ),
        (
            json!({"china": "SMS_1", "overseas": "SMS_\u{85}2"}),
            "templates[0].templateCode.overseas",
        ),
    ] {
        let mut config = base();
        config["templates"][0]["templateCode"] = code;
        let err =
            AliyunSmsConfig::load_with_env(&config.to_string(), &LoadOptions::default(), no_env)
                .unwrap_err();
        assert_eq!(err.paths().collect::<Vec<_>>(), [path], "{err}");
    }
}
