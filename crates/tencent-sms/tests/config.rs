//! The Tencent config loader, on the kit's config pieces (issue 17's rules): every config
//! Logto's Tencent connector accepts loads, with a warning for what Logto does silently, and is
//! refused in strict mode; every problem has its JSON path; hostile input is bounded; no secret
//! is ever repeated.

use std::time::Instant;

use connector_kit::config::LoadOptions;
use serde_json::{Value, json};
use tencent_sms::{TemplateCode, TencentSmsConfig};

fn logto() -> Value {
    json!({
        "accessKeyId": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "accessKeySecret": "example-secret-key",
        "signName": "腾讯云",
        "sdkAppId": "1400006666",
        "region": "ap-guangzhou",
        "templates": [
            {"usageType": "Register", "templateCode": "1001"},
            {"usageType": "SignIn", "templateCode": "1002"},
            {"usageType": "ForgotPassword", "templateCode": "1003"},
            {"usageType": "Generic", "templateCode": "1004"}
        ]
    })
}

fn load(
    text: &str,
    options: &LoadOptions,
) -> Result<tencent_sms::Loaded<TencentSmsConfig>, tencent_sms::ConfigError> {
    TencentSmsConfig::load_with_env(text, options, |_| None)
}

fn with(edit: impl FnOnce(&mut Value)) -> String {
    let mut config = logto();
    edit(&mut config);
    config.to_string()
}

#[test]
fn logtos_own_config_loads_without_a_warning() {
    let loaded =
        load(&logto().to_string(), &LoadOptions::strict()).unwrap_or_else(|e| panic!("{e}"));
    assert!(loaded.warnings.is_empty());
    assert_eq!(loaded.config.sdk_app_id, "1400006666");
    assert_eq!(loaded.config.templates.len(), 4);
}

/// Configs Logto's Tencent connector accepts (its zod guard: every value `z.string()`, the four
/// required usage types present): each loads with the warnings named, and strict mode refuses it
/// at the same paths.
#[test]
fn logto_accepted_configs_load_with_warnings_and_are_refused_in_strict_mode() {
    let templates = |extra: Value| with(|c| c["templates"].as_array_mut().unwrap().push(extra));
    let cases: Vec<(&str, String, &[&str], &str)> = vec![
        ("a Test template", templates(json!({"usageType": "Test", "templateCode": "1009"})),
            &["templates[4].usageType"], "`Test` is a deprecated usage type"),
        ("a mis-cased usage type", templates(json!({"usageType": "signin", "templateCode": "1009"})),
            &["templates[4].usageType"], "did you mean `SignIn`?"),
        ("an unknown usage type", templates(json!({"usageType": "Marketing", "templateCode": "1009"})),
            &["templates[4].usageType"], "unknown usage type `Marketing`"),
        ("a usage type given twice", templates(json!({"usageType": "SignIn", "templateCode": "1009"})),
            &["templates[4].usageType"], "SignIn already has a template (templates[1])"),
        ("a stray key", with(|c| c["sendr"] = json!("x")),
            &["sendr"], "unknown field"),
        ("a stray key in a template", with(|c| c["templates"][0]["note"] = json!("x")),
            &["templates[0].note"], "unknown field"),
        ("a padded sign name", with(|c| c["signName"] = json!(" 腾讯云\n")),
            &["signName"], "white space around the value"),
        ("a padded SDK App ID", with(|c| c["sdkAppId"] = json!("1400006666 ")),
            &["sdkAppId"], "white space around the value"),
        ("a padded template ID", with(|c| c["templates"][1]["templateCode"] = json!("1002\n")),
            &["templates[1].templateCode"], "white space around the value"),
        ("an empty region", with(|c| c["region"] = json!("")),
            &["region"], "an empty region"),
        ("a key given twice", r#"{"accessKeyId":"AKIDexample","accessKeySecret":"k","signName":"腾讯云","sdkAppId":"1400006666","region":"ap-guangzhou","region":"ap-beijing","templates":[{"usageType":"Register","templateCode":"1"},{"usageType":"SignIn","templateCode":"2"},{"usageType":"ForgotPassword","templateCode":"3"},{"usageType":"Generic","templateCode":"4"}]}"#.to_owned(),
            &["region"], "is given 2 times"),
    ];
    for (case, text, paths, says) in cases {
        let loaded = load(&text, &LoadOptions::default()).unwrap_or_else(|e| panic!("{case}: {e}"));
        let warned: Vec<&str> = loaded.warnings.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(warned, paths, "{case}: {}", loaded.warnings);
        assert!(
            loaded.warnings.to_string().contains(says),
            "{case}: {}",
            loaded.warnings
        );
        let err = load(&text, &LoadOptions::strict()).expect_err(case);
        assert_eq!(err.paths().collect::<Vec<_>>(), paths, "{case}: {err}");
        assert!(
            err.to_string().contains("refused in strict mode"),
            "{case}: {err}"
        );
    }
    // What was used: the first template of a usage type; the trimmed values; the default region.
    let loaded = load(
        &templates(json!({"usageType": "SignIn", "templateCode": "1009"})),
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(
        loaded.config.templates[1].template_code,
        TemplateCode::Single("1002".into())
    );
    let loaded = load(
        &with(|c| c["signName"] = json!(" 腾讯云\n")),
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(loaded.config.sign_name, "腾讯云");
    let loaded = load(&with(|c| c["region"] = json!("")), &LoadOptions::default()).unwrap();
    assert_eq!(loaded.config.region, "ap-guangzhou");
}

#[test]
fn every_problem_has_its_path() {
    let text = with(|c| {
        c["accessKeyId"] = json!(" AKID ");
        c["accessKeySecret"] = json!("");
        c["sdkAppId"] = json!("14000x");
        c["region"] = json!("AP-GUANGZHOU");
        c["endpoint"] = json!("http://sms.tencentcloudapi.com");
        c["timeoutMs"] = json!(500);
        c["templates"][1]["templateCode"] = json!({"china": "1002"});
        c["templates"].as_array_mut().unwrap().remove(3);
    });
    let err = load(&text, &LoadOptions::default()).unwrap_err();
    let paths: Vec<&str> = err.paths().collect();
    for path in [
        "accessKeyId",
        "accessKeySecret",
        "sdkAppId",
        "region",
        "templates",
        "templates[1].templateCode.overseas",
        "endpoint",
        "timeoutMs",
    ] {
        assert!(paths.contains(&path), "{path} missing in {err}");
    }
    assert!(
        err.to_string()
            .contains("UsageType (Generic) should be provided"),
        "{err}"
    );
}

#[test]
fn credentials_come_from_the_environment_as_tencents_sdks_read_them() {
    let text = with(|c| {
        let object = c.as_object_mut().unwrap();
        object.remove("accessKeyId");
        object.remove("accessKeySecret");
    });
    let env = |name: &str| match name {
        "TENCENTCLOUD_SECRET_ID" => Some("AKIDfromTheEnvironment".to_owned()),
        "TENCENTCLOUD_SECRET_KEY" => Some("key-from-the-environment".to_owned()),
        _ => None,
    };
    let loaded = TencentSmsConfig::load_with_env(&text, &LoadOptions::strict(), env).unwrap();
    assert_eq!(loaded.config.access_key_id, "AKIDfromTheEnvironment");
    assert_eq!(
        loaded.config.access_key_secret.expose_secret(),
        "key-from-the-environment"
    );
    let err = load(&text, &LoadOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("TENCENTCLOUD_SECRET_KEY environment variable"),
        "{err}"
    );
}

#[test]
fn hostile_input_is_bounded() {
    // Over the size limit: refused before parsing.
    let huge = format!("{{\"signName\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let started = Instant::now();
    let err = load(&huge, &LoadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("the limit for a config"), "{err}");
    // 200,000 stray keys (4 MB, so over the default limit: a larger one for this test):
    // reported in a bounded message.
    let mut config = logto();
    for i in 0..200_000 {
        config[format!("stray{i}")] = json!(i);
    }
    let text = config.to_string();
    let started_keys = Instant::now();
    let loaded = load(&text, &LoadOptions::default().with_max_bytes(8 << 20)).unwrap();
    assert!(
        started_keys.elapsed().as_secs_f64() < 5.0,
        "{:?}",
        started_keys.elapsed()
    );
    assert_eq!(loaded.warnings.count(), 200_000);
    assert!(loaded.warnings.to_string().len() < 10_000);
    assert!(started.elapsed().as_secs_f64() < 10.0);
    // Control characters in anything sent; look-alikes shown escaped; 1e3 as a whole number.
    let err = load(
        &with(|c| c["signName"] = json!("腾讯\u{0}云")),
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains(r"\u{0}"), "{err}");
    let err = load(
        &with(|c| c["sdkAppId"] = json!("140000666\u{200b}6")),
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains(r"\u{200b}"), "{err}");
    let loaded = load(
        &with(|c| c["timeoutMs"] = json!(1e4)),
        &LoadOptions::strict(),
    )
    .unwrap();
    assert_eq!(loaded.config.timeout_ms, 10_000);
    // A credential given twice: which one is meant is unclear.
    let twice = r#"{"accessKeyId":"AKIDexample","accessKeySecret":"a-secret","accessKeySecret":"b-secret","signName":"腾讯云","sdkAppId":"1400006666","templates":[{"usageType":"Register","templateCode":"1"},{"usageType":"SignIn","templateCode":"2"},{"usageType":"ForgotPassword","templateCode":"3"},{"usageType":"Generic","templateCode":"4"}]}"#;
    let err = load(twice, &LoadOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("accessKeySecret: is given 2 times"),
        "{err}"
    );
    assert!(!err.to_string().contains("-secret"), "{err}");
}

#[test]
fn a_canary_secret_never_shows_wherever_it_is_placed() {
    const CANARY: &str = "Canary7SecretKey";
    let text = with(|c| {
        c["accessKeySecret"] = json!(CANARY);
        c[CANARY] = json!(1);
        c["signName"] = json!(format!("x{CANARY}x"));
        c["templates"][0]["usageType"] = json!(CANARY);
        c["region"] = json!(CANARY);
    });
    for options in [LoadOptions::default(), LoadOptions::strict()] {
        let err = load(&text, &options).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("Canary7"), "{shown}");
        assert!(shown.contains("signName"), "{shown}");
    }
}
