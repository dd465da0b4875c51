//! The guard's config: every problem with its JSON path, no secret echoed, and the JSON Schema
//! (checked in at docs/schema/send-guard-config.schema.json) in step with the loader.

use std::sync::Arc;

use connector_kit::{RecordingConnector, SecretString, UsageType};
use send_guard::{
    BudgetConfig, GuardConfig, LoadOptions, Mode, NumberType, Scope, SendGuard, StoreFailure,
};
use serde_json::{Value, json};

const SECRET: &str = "correct-horse-battery-staple";
/// A hash secret that the tests look for in every message.
const CANARY: &str = "Canary-Secret-9d2e-long";

/// The text of an error, `Display` and `Debug`, with no trace of [`CANARY`].
fn without_canary(error: &send_guard::ConfigError) -> String {
    let text = format!("{error}\n{error:?}");
    assert!(!text.contains(CANARY) && !text.contains("9d2e"), "{text}");
    text
}

fn load(config: &Value) -> Result<GuardConfig, send_guard::ConfigError> {
    GuardConfig::from_json_with_env(&config.to_string(), |_| None)
}

fn problems(config: &Value) -> Vec<String> {
    let error = load(config).expect_err("the config is refused");
    error.problems.iter().map(ToString::to_string).collect()
}

/// Each of `expected` starts one of `found`, and there is nothing else.
fn assert_problems(found: &[String], expected: &[&str]) {
    for line in expected {
        assert!(
            found.iter().any(|f| f.starts_with(line)),
            "missing {line:?} in:\n{}",
            found.join("\n")
        );
    }
    assert_eq!(found.len(), expected.len(), "{}", found.join("\n"));
}

#[test]
fn a_full_config_loads_with_its_defaults() {
    let config = load(&json!({
        "hashSecret": SECRET,
        "onStoreFailure": {"action": "localFallback", "limitPercent": 25},
        "countries": {"allow": ["CN", "HK"], "mode": "monitor"},
        "numberTypes": {"deny": ["premiumRate"]},
        "budgets": [
            {"name": "per-number", "scope": "number", "limit": 5, "windowSeconds": 600,
             "usageTypes": ["Register", "SignIn"]},
            {"name": "range", "scope": "numberPrefix", "limit": 50, "windowSeconds": 3600, "dropDigits": 4},
            {"name": "ip", "scope": "ip", "limit": 20, "windowSeconds": 3600, "ipv6PrefixLength": 56}
        ]
    }))
    .unwrap();
    assert_eq!(
        config.on_store_failure,
        StoreFailure::LocalFallback { limit_percent: 25 }
    );
    assert_eq!(
        config.store_timeout_ms,
        send_guard::DEFAULT_STORE_TIMEOUT_MS
    );
    assert_eq!(config.key_prefix, "send-guard");
    assert_eq!(config.default_region, "CN");
    assert_eq!(config.countries.as_ref().unwrap().mode, Mode::Monitor);
    assert_eq!(
        config.number_types.as_ref().unwrap().deny,
        [NumberType::PremiumRate]
    );
    assert_eq!(
        config.budgets[0].usage_types,
        [UsageType::Register, UsageType::SignIn]
    );
    assert_eq!(config.budgets[1].drop_digits, Some(4));
    assert_eq!(config.budgets[2].scope, Scope::Ip);
}

#[test]
fn every_problem_is_named_with_its_json_path() {
    let found = problems(&json!({
        "hashSecret": SECRET,
        "onStoreFailure": {"action": "failSoftly"},
        "storeTimeoutMs": 0,
        "keyPrefix": "{bad}",
        "defaultRegion": "XX",
        "countries": {"allow": ["CN", "cn", "CN"], "deny": ["CN"], "mood": "monitor"},
        "numberTypes": {"allow": ["mobile", "satellite"]},
        "budget": [],
        "budgets": [
            {"name": "n", "scope": "number", "limit": 0, "windowSeconds": 600, "dropDigits": 3},
            {"name": "n", "scope": "planet", "limit": 5, "windowSeconds": 99999999},
            {"name": "ip", "scope": "ip", "limit": 5, "windowSeconds": 60, "ipv6PrefixLength": 8,
             "usageTypes": ["SignIn", "SignIn"]},
            {"scope": "global", "limit": "10", "windowSeconds": 60},
            "oops"
        ]
    }));
    let expected = [
        "budget: unknown field (did you mean `budgets`?)",
        "onStoreFailure.action: unknown action `failSoftly`; expected one of: failClosed, failOpen, localFallback",
        "storeTimeoutMs: must be a whole number from 10 to 10000, found 0",
        "countries.mood: unknown field (did you mean `mode`?)",
        "numberTypes.allow[1]: unknown number type `satellite`",
        "budgets[0].limit: must be a whole number from 1 to 1000000, found 0",
        "budgets[1].scope: unknown scope `planet`",
        "budgets[1].windowSeconds: must be a whole number from 1 to 2678400, found 99999999",
        "budgets[2].ipv6PrefixLength: must be a whole number from 16 to 128, found 8",
        "budgets[3].name: is required",
        "budgets[3].limit: expected a whole number from 1 to 1000000, found a string",
        "budgets[4]: expected an object, found a string",
    ];
    assert_problems(&found, &expected);

    // The rules that need the whole shape: reported once it loads.
    let found = problems(&json!({
        "hashSecret": SECRET,
        "onStoreFailure": {"action": "failOpen"},
        "keyPrefix": "{bad}",
        "defaultRegion": "XX",
        "countries": {"allow": ["CN", "cn", "CN"], "deny": ["CN"]},
        "numberTypes": {},
        "budgets": [
            {"name": "n", "scope": "number", "limit": 5, "windowSeconds": 600, "dropDigits": 3},
            {"name": "n", "scope": "ip", "limit": 5, "windowSeconds": 60, "usageTypes": ["SignIn", "SignIn"]},
            {"name": "has space", "scope": "global", "limit": 5, "windowSeconds": 60}
        ]
    }));
    let expected = [
        "keyPrefix: must be 1 to 64 letters, digits",
        "defaultRegion: `XX` is not a country code",
        "countries.allow[1]: `cn` is not a country code",
        "countries.allow[2]: `CN` is listed twice",
        "countries.deny[0]: `CN` is in `allow` too",
        "numberTypes: give `allow` or `deny`",
        "budgets[0].dropDigits: only applies to the scope numberPrefix, not number",
        "budgets[1].name: `n` names another budget already",
        "budgets[1].usageTypes[1]: `SignIn` is listed twice",
        "budgets[2].name: must be 1 to 40 letters",
    ];
    assert_problems(&found, &expected);
}

#[test]
fn the_store_failure_choice_is_required_and_complete() {
    let found = problems(&json!({"hashSecret": SECRET}));
    assert!(
        found[0].starts_with(
            "onStoreFailure: is required: choose failClosed, failOpen or localFallback"
        ),
        "{found:?}"
    );
    let found =
        problems(&json!({"hashSecret": SECRET, "onStoreFailure": {"action": "localFallback"}}));
    assert!(
        found[0].starts_with("onStoreFailure.limitPercent: is required for localFallback"),
        "{found:?}"
    );
    let found = problems(
        &json!({"hashSecret": SECRET, "onStoreFailure": {"action": "failOpen", "limitPercent": 5}}),
    );
    assert!(
        found[0]
            .starts_with("onStoreFailure.limitPercent: only applies to the action localFallback"),
        "{found:?}"
    );
    let found = problems(&json!({"hashSecret": SECRET, "onStoreFailure": "failClosed"}));
    assert_eq!(
        found,
        ["onStoreFailure: expected an object, found a string"]
    );
}

#[test]
fn the_secret_is_never_echoed() {
    for secret in [
        json!("hunter2-short"),
        json!(" hunter2-with-spaces-around "),
        json!(12345678901234567u64),
    ] {
        let config = json!({"hashSecret": secret, "onStoreFailure": {"action": "failClosed"}});
        let text = load(&config).unwrap_err().to_string();
        assert!(text.starts_with("hashSecret: "), "{text}");
        assert!(
            !text.contains("hunter2") && !text.contains("1234567890"),
            "{text}"
        );
    }
    let config =
        load(&json!({"hashSecret": SECRET, "onStoreFailure": {"action": "failClosed"}})).unwrap();
    let debug = format!("{config:?}");
    assert!(
        !debug.contains(SECRET) && debug.contains("** redacted **"),
        "{debug}"
    );
    let guard = SendGuard::in_memory(config, Arc::new(RecordingConnector::new())).unwrap();
    assert!(!format!("{guard:?}").contains(SECRET));
}

#[test]
fn the_secret_may_come_from_the_environment() {
    let json = r#"{"onStoreFailure": {"action": "failClosed"}}"#;
    let config = GuardConfig::from_json_with_env(json, |name| {
        (name == send_guard::ENV_HASH_SECRET).then(|| SECRET.to_owned())
    })
    .unwrap();
    assert_eq!(config.hash_secret.expose_secret(), SECRET);
    let error = GuardConfig::from_json_with_env(json, |_| None).unwrap_err();
    assert!(
        error.to_string().contains("SEND_GUARD_HASH_SECRET"),
        "{error}"
    );
    // Read as the connectors read their credentials: used exactly as given, never echoed.
    let padded = format!("{CANARY}\n");
    let error = GuardConfig::from_json_with_env(json, |_| Some(padded.clone())).unwrap_err();
    assert_eq!(
        without_canary(&error).lines().next(),
        Some(
            "hashSecret: has white space at the start or end (from the SEND_GUARD_HASH_SECRET \
             environment variable); remove it"
        )
    );
}

#[test]
fn a_list_that_is_not_one_says_of_what() {
    let found = problems(&json!({
        "hashSecret": SECRET,
        "onStoreFailure": {"action": "failClosed"},
        "countries": {"allow": "CN"},
        "numberTypes": {"deny": {"premiumRate": true}},
        "budgets": [{"name": "n", "scope": "number", "limit": 5, "windowSeconds": 60, "usageTypes": "SignIn"}],
    }));
    assert_eq!(
        found,
        [
            "countries.allow: expected a list of country codes, found a string",
            "numberTypes.deny: expected a list of number types, found an object",
            "budgets[0].usageTypes: expected a list of usage types, found a string",
        ]
    );
    let found = problems(
        &json!({"hashSecret": SECRET, "onStoreFailure": {"action": "failClosed"}, "budgets": {}}),
    );
    assert_eq!(
        found,
        ["budgets: expected a list of budgets, found an object"]
    );
}

#[test]
fn not_json_is_one_clear_problem() {
    let error = GuardConfig::from_json_with_env("{nope", |_| None).unwrap_err();
    assert_eq!(error.problems.len(), 1);
    assert!(
        error.problems[0]
            .message
            .starts_with("the config is not valid JSON")
    );
}

#[test]
fn configs_built_in_code_are_checked_too() {
    let config =
        GuardConfig::new(SecretString::new("short"), StoreFailure::FailClosed).with_budget(
            BudgetConfig::new("n", Scope::Number, 0, std::time::Duration::from_secs(60)),
        );
    let error = SendGuard::in_memory(config, Arc::new(RecordingConnector::new())).unwrap_err();
    let paths: Vec<&str> = error.paths().collect();
    assert_eq!(paths, ["hashSecret", "budgets[0].limit"]);
}

#[test]
fn the_schema_agrees_with_the_loader() {
    let schema = send_guard::config_schema();
    jsonschema::draft7::meta::validate(&schema).unwrap();
    let validator = jsonschema::draft7::options()
        .should_ignore_unknown_formats(true)
        .build(&schema)
        .unwrap();
    assert_eq!(schema["title"], "Send guard");
    assert_eq!(schema["properties"]["hashSecret"]["writeOnly"], true);
    assert!(
        !schema["required"]
            .as_array()
            .unwrap()
            .contains(&json!("hashSecret"))
    );

    let mut good = vec![
        json!({"hashSecret": SECRET, "onStoreFailure": {"action": "failClosed"}}),
        json!({"onStoreFailure": {"action": "localFallback", "limitPercent": 20},
               "budgets": [{"name": "n", "scope": "numberPrefix", "limit": 3, "windowSeconds": 60, "dropDigits": 2}]}),
    ];
    good.extend(schema["examples"].as_array().unwrap().iter().cloned());
    for config in &good {
        assert!(validator.is_valid(config), "the schema refuses {config}");
        GuardConfig::from_json_with_env(&config.to_string(), |_| Some(SECRET.to_owned()))
            .unwrap_or_else(|e| panic!("the loader refuses {config}: {e}"));
    }
    for bad in [
        json!({"hashSecret": SECRET}),
        json!({"hashSecret": "short", "onStoreFailure": {"action": "failClosed"}}),
        json!({"hashSecret": SECRET, "onStoreFailure": {"action": "failSoftly"}}),
        json!({"hashSecret": SECRET, "onStoreFailure": {"action": "failOpen"}, "extra": 1}),
        json!({"hashSecret": SECRET, "onStoreFailure": {"action": "failOpen"},
               "budgets": [{"name": "n", "scope": "planet", "limit": 3, "windowSeconds": 60}]}),
        json!({"hashSecret": SECRET, "onStoreFailure": {"action": "failOpen"},
               "budgets": [{"name": "n", "scope": "number", "limit": 0, "windowSeconds": 60}]}),
        json!({"hashSecret": SECRET, "onStoreFailure": {"action": "failOpen"},
               "countries": {"allow": ["cn"]}}),
    ] {
        assert!(!validator.is_valid(&bad), "the schema accepts {bad}");
        assert!(load(&bad).is_err(), "the loader accepts {bad}");
    }
}

#[test]
fn a_key_given_twice_is_refused_and_its_first_value_stays_hidden() {
    // JSON readers keep the last `hashSecret`; the first one, the canary, comes back as a
    // country code, which a message echoes.
    let json = format!(
        r#"{{"hashSecret": "{CANARY}", "hashSecret": "{SECRET}",
            "onStoreFailure": {{"action": "failClosed"}},
            "countries": {{"allow": ["{CANARY}"]}},
            "budgets": [{{"name": "n", "scope": "number", "limit": 5, "limit": 500, "windowSeconds": 60}}]}}"#
    );
    let error = GuardConfig::from_json_with_env(&json, |_| None).unwrap_err();
    without_canary(&error);
    let found: Vec<String> = error.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        found,
        [
            "hashSecret: is given 2 times; which one is meant is unclear, so the config is refused: keep one",
            "budgets[0].limit: is given 2 times; which one is meant is unclear, so the config is refused: keep one",
            "countries.allow[0]: ** redacted ** is not a country code libphonenumber knows; expected an upper-case ISO 3166-1 alpha-2 code such as `CN` or `US`",
        ]
    );
}

#[test]
fn oversized_input_is_refused_before_it_is_parsed() {
    let config = json!({"hashSecret": SECRET, "onStoreFailure": {"action": "failClosed"}});
    let padded = format!(
        "{config}{}",
        " ".repeat((1 << 20) + 1 - config.to_string().len())
    );
    let error = GuardConfig::from_json_with_env(&padded, |_| None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the config is 1048577 bytes, more than 1 MiB (1048576 bytes), the limit for a config; nothing was parsed"
    );
    let small = LoadOptions::default().with_max_bytes(64);
    let error = GuardConfig::load_with_env(&config.to_string(), &small, |_| None).unwrap_err();
    assert!(
        error
            .to_string()
            .ends_with("bytes, more than 64 bytes, the limit for a config; nothing was parsed"),
        "{error}"
    );

    // Just under the limit, about 90,000 unknown keys: 20 problems listed, the rest counted.
    let mut text =
        format!(r#"{{"hashSecret": "{SECRET}", "onStoreFailure": {{"action": "failClosed"}}"#);
    let mut keys = 0;
    while text.len() < (1 << 20) - 32 {
        text.push_str(&format!(r#", "budget{keys}": 1"#));
        keys += 1;
    }
    text.push('}');
    let error = GuardConfig::from_json_with_env(&text, |_| None).unwrap_err();
    assert_eq!(error.problems.len(), 20);
    assert_eq!(error.omitted, keys - 20);
    assert_eq!(
        error.problems[0].to_string(),
        "budget0: unknown field (did you mean `budgets`?)"
    );
    assert!(
        error.to_string().len() < 4096,
        "{}",
        error.to_string().len()
    );
}

#[test]
fn invisible_and_look_alike_characters_are_escaped_in_messages() {
    let found = problems(&json!({
        "hashSecret": SECRET,
        "onStoreFailure": {"action": "fail\u{200b}Open"},
        "budgets": [{"name": "n", "scope": "num\u{200b}ber", "limit": 5, "windowSeconds": 60,
                     "mode": "m\u{43e}nitor"}],
        "store\u{202e}TimeoutMs": 100,
    }));
    assert_eq!(
        found,
        [
            "store\\u{202e}TimeoutMs: unknown field (did you mean `storeTimeoutMs`?)",
            "onStoreFailure.action: unknown action `fail\\u{200b}Open`; did you mean `failOpen`?",
            "budgets[0].scope: unknown scope `num\\u{200b}ber`; did you mean `number`?",
            "budgets[0].mode: unknown mode `m\\u{43e}nitor`; did you mean `monitor`?",
        ]
    );
    let found = problems(&json!({
        "hashSecret": SECRET,
        "onStoreFailure": {"action": "failOpen"},
        "countries": {"deny": ["\u{202e}NC", "С\u{41d}"]},
    }));
    assert!(
        found[0].starts_with("countries.deny[0]: `\\u{202e}NC` is not a country code"),
        "{found:?}"
    );
    assert!(
        found[1].starts_with("countries.deny[1]: `\\u{421}\\u{41d}` is not a country code"),
        "{found:?}"
    );
}

#[test]
fn a_canary_secret_is_never_echoed_wherever_it_appears() {
    let config = json!({
        "hashSecret": CANARY,
        "onStoreFailure": {"action": CANARY, CANARY: 1},
        "budgets": [{"name": CANARY, "scope": CANARY, "limit": CANARY, "windowSeconds": 60,
                     "usageTypes": [CANARY, format!("x{CANARY}x")], CANARY: true}],
        CANARY: {CANARY: CANARY},
    });
    let error = load(&config).unwrap_err();
    let text = without_canary(&error);
    assert!(text.contains("** redacted **"), "{text}");
    let paths: Vec<&str> = error.paths().collect();
    assert_eq!(
        paths,
        [
            "** redacted **",
            "onStoreFailure.** redacted **",
            "onStoreFailure.action",
            "budgets[0].** redacted **",
            "budgets[0].scope",
            "budgets[0].limit",
            "budgets[0].usageTypes[0]",
            "budgets[0].usageTypes[1]",
        ]
    );

    // The secret from the environment is hidden too; the checks of a whole config echo values.
    let config = json!({
        "onStoreFailure": {"action": "failClosed"},
        "defaultRegion": CANARY,
        "countries": {"allow": ["CN", CANARY], "deny": [CANARY]},
        "budgets": [
            {"name": "n", "scope": "number", "limit": 5, "windowSeconds": 60},
            {"name": "n", "scope": "global", "limit": 5, "windowSeconds": 60}
        ],
    });
    let error = GuardConfig::from_json_with_env(&config.to_string(), |_| Some(CANARY.to_owned()))
        .unwrap_err();
    let text = without_canary(&error);
    assert_eq!(text.matches("** redacted **").count(), 2 * 4, "{text}");
}

#[test]
fn a_whole_number_may_be_written_with_an_exponent() {
    let config = load(&json!({
        "hashSecret": SECRET,
        "onStoreFailure": {"action": "localFallback", "limitPercent": 2.5e1},
        "storeTimeoutMs": 1e3,
        "budgets": [{"name": "n", "scope": "number", "limit": 5.0, "windowSeconds": 6e2}],
    }))
    .unwrap();
    assert_eq!(config.store_timeout_ms, 1000);
    assert_eq!(
        config.on_store_failure,
        StoreFailure::LocalFallback { limit_percent: 25 }
    );
    assert_eq!(
        (config.budgets[0].limit, config.budgets[0].window_seconds),
        (5, 600)
    );
    let found = problems(&json!({
        "hashSecret": SECRET,
        "onStoreFailure": {"action": "failClosed"},
        "storeTimeoutMs": 1e5,
        "budgets": [{"name": "n", "scope": "number", "limit": 2.5, "windowSeconds": 60}],
    }));
    assert_eq!(
        found,
        [
            "storeTimeoutMs: must be a whole number from 10 to 10000, found 100000",
            "budgets[0].limit: must be a whole number from 1 to 1000000, found 2.5",
        ]
    );
}

#[test]
fn warnings_come_back_as_data_and_strict_mode_refuses_them() {
    // A byte order mark is the one thing the loader skips with a warning.
    let json = format!(
        "\u{feff}{}",
        json!({"hashSecret": SECRET, "onStoreFailure": {"action": "failClosed"}})
    );
    let loaded = GuardConfig::load_with_env(&json, &LoadOptions::default(), |_| None).unwrap();
    assert_eq!(
        loaded.warnings.to_string(),
        "a byte order mark (U+FEFF) at the start; skipped"
    );
    GuardConfig::from_json_with_env(&json, |_| None).unwrap();
    let error = GuardConfig::load_with_env(&json, &LoadOptions::strict(), |_| None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "a byte order mark (U+FEFF) at the start; refused in strict mode"
    );
}

/// `{"hashSecret": [..90k strings..]}` (under 1 MiB), some also given as countries: the
/// secret field is refused for its type and no string of it is echoed. Registering and
/// checking that many secrets used to take 88 s (every secret compared with every other, and
/// every echoed value searched for each).
#[test]
fn a_secret_field_given_as_a_long_list_is_refused_without_echoing_any_of_it() {
    let secrets: Vec<String> = (0..90_000).map(|i| format!("k{i:06}")).collect();
    let text = json!({
        "hashSecret": secrets,
        "onStoreFailure": {"action": "failClosed"},
        "countries": {"allow": secrets[..30]},
        "budgets": [],
    })
    .to_string();
    assert!(text.len() <= 1 << 20, "{} bytes", text.len());
    let error = GuardConfig::from_json_with_env(&text, |_| None).unwrap_err();
    let shown = format!("{error}\n{error:?}");
    assert!(!shown.contains("k0"), "{shown}");
    assert_eq!(
        error.problems[0].to_string(),
        "hashSecret: expected a string, found a list"
    );
}
