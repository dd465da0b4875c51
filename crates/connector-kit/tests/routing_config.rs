//! A routing setup from its JSON config, through a registry: built by id, every problem with
//! its JSON path, no secret echoed, and a schema that agrees with the loader.

use std::sync::Arc;

use connector_kit::config::LoadOptions;
use connector_kit::{
    BreakerState, ConnectorError, ConnectorFactory, ConnectorMetadata, ErrorKind,
    RECORDING_METADATA, RecordingConnector, Registry, RoutingFactory, SecretString, SmsConnector,
    SmsMessage, UsageType,
};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;
use serde_json::{Value, json};

const CANARY: &str = "Canary-Secret-7f3a";

/// A provider whose config has a secret and a nested type (a definition in its schema).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct TestConfig {
    /// The provider's API key.
    api_key: SecretString,
    /// Where it sends from.
    #[serde(default)]
    sender: Option<Sender>,
}

/// A nested type, so that the schema has a definition to hoist.
#[derive(Debug, Deserialize, JsonSchema)]
#[allow(dead_code)]
struct Sender {
    /// The sender id.
    id: String,
}

#[derive(Debug)]
struct TestFactory;

impl ConnectorFactory for TestFactory {
    fn metadata(&self) -> &ConnectorMetadata {
        &RECORDING_METADATA
    }

    fn config_schema(&self, generator: &mut SchemaGenerator) -> Schema {
        generator.root_schema_for::<TestConfig>()
    }

    fn build(&self, config: &str) -> Result<Arc<dyn SmsConnector>, ConnectorError> {
        let config: TestConfig = serde_json::from_str(config).map_err(|e| {
            // serde names the field it misses, never a value it was given.
            let field = if e.to_string().contains("apiKey") {
                "apiKey"
            } else {
                ""
            };
            ConnectorError::invalid_config(field, format!("not a test config: {e}"))
        })?;
        if config.api_key.is_empty() {
            return Err(ConnectorError::invalid_config(
                "apiKey",
                "must not be empty",
            ));
        }
        Ok(Arc::new(RecordingConnector::new()))
    }
}

fn factory() -> RoutingFactory {
    RoutingFactory::new(Registry::new().with(TestFactory).unwrap())
}

fn provider(name: &str) -> Value {
    json!({"name": name, "connector": "recording", "config": {"apiKey": CANARY}})
}

fn refused(config: &Value) -> ConnectorError {
    match factory().build(&config.to_string()) {
        Ok(_) => panic!("accepted: {config}"),
        Err(error) => {
            assert_eq!(error.kind(), ErrorKind::InvalidConfig, "{error}");
            assert!(
                !error.to_string().contains("7f3a"),
                "a secret is echoed: {error}"
            );
            error
        }
    }
}

#[tokio::test]
async fn routes_by_prefix_through_providers_built_by_id() {
    let registry = Registry::new().with(TestFactory).unwrap();
    let registry = registry
        .clone()
        .with(RoutingFactory::new(registry))
        .unwrap();
    let config = json!({
        "providers": [provider("china"), provider("world")],
        "routes": [{"prefixes": ["+86"], "providers": ["china", "world"]}],
        "default": ["world"],
        "nationalCallingCode": "86",
        "circuitBreaker": {"failureThreshold": 2, "coolDownMs": 1e3},
        "settle": {"waitMs": 100, "intervalMs": 50},
    });
    let sms = registry.build("sms-routing", &config.to_string()).unwrap();
    assert_eq!(sms.metadata().id, "sms-routing");
    for (to, by) in [
        ("+86 138 0013 8000", "china"),
        ("13800138000", "china"),
        ("+852 6832 6366", "world"),
    ] {
        let message = SmsMessage::verification_code(to.parse().unwrap(), UsageType::SignIn, "1");
        let receipt = sms.send(&message).await.unwrap();
        assert_eq!(receipt.provider.as_deref(), Some(by), "{to}");
    }
    let routing = factory().build_routing(&config.to_string()).unwrap();
    assert_eq!(
        routing.health(),
        [
            ("china".to_owned(), BreakerState::Closed { failures: 0 }),
            ("world".to_owned(), BreakerState::Closed { failures: 0 }),
        ]
    );
    assert_eq!(routing.providers()[0].policy().failure_threshold, 2);
    assert!(!format!("{routing:?}").contains("7f3a"));
}

#[test]
fn every_problem_is_named_with_its_path() {
    let error = refused(&json!({
        "providers": [
            provider("a"),
            {"name": "a", "connector": "twilio", "config": []},
            {"name": "bad name!", "connector": "recording"},
            {"name": "c", "connector": "recording", "config": {}, "weight": 2},
        ],
        "routes": [
            {"prefixes": ["86", "0", "8x"], "providers": ["a", "b", "a"]},
            {"prefixes": [], "providers": []},
            "everything",
        ],
        "default": "a",
        "nationalCallingCode": 86,
        "circuitBreaker": {"failureThreshold": 0, "coolDownMs": 1.5},
        "settle": {"waitMs": 900000, "intervalMs": "1000"},
        "setle": {},
    }));
    let problems: Vec<&str> = error.message().split("; ").collect();
    assert_eq!(error.field(), Some("setle"), "{error}");
    let expected = [
        "setle: unknown field (did you mean `settle`?)",
        "providers[1].name: `a` names another provider already",
        "providers[1].connector: unknown connector `twilio` (known connectors: recording)",
        "providers[1].config: expected an object, found a list",
        "providers[2].name: must be 1 to 64 letters, digits, `.`, `_` or `-`, starting with a letter or digit, found `bad name!`",
        "providers[2].config: is required: the connector's own config",
        "providers[3].weight: unknown field (expected one of: name, connector, config)",
        "routes[0].prefixes[1]: a country calling code cannot start with 0, found `0`",
        "routes[0].prefixes[2]: must be 1 to 15 digits, e.g. `86` (with or without `+`), found `8x`",
        "routes[0].providers[1]: no provider is named `b` (the providers: a, c)",
        "routes[0].providers[2]: `a` is listed twice: a message is sent through each provider at most once",
        "routes[1].prefixes: needs at least one prefix",
        "routes[1].providers: needs at least one provider name",
        "routes[2]: expected an object, found a string",
        "default: expected a list of provider names, found a string",
        "nationalCallingCode: expected a string such as \"86\", found a number",
        "circuitBreaker.failureThreshold: must be a whole number from 1 to 1000, found 0",
        "circuitBreaker.coolDownMs: must be a whole number from 0 to 86400000, found 1.5",
        "settle.waitMs: must be a whole number from 0 to 600000, found 900000",
        "settle.intervalMs: expected a whole number from 1 to 60000, found a string",
    ];
    assert_eq!(problems, expected, "{error}");
}

#[test]
fn a_providers_own_config_errors_come_under_its_config() {
    let error = refused(&json!({
        "providers": [provider("a"), {"name": "b", "connector": "recording", "config": {"apiKey": ""}}],
        "default": ["a", "b"],
    }));
    assert_eq!(error.field(), Some("providers[1].config.apiKey"));
    assert_eq!(
        error.message(),
        "providers[1].config.apiKey: the `recording` connector refuses it: must not be empty"
    );
}

#[test]
fn the_document_itself_what_is_missing_and_limits() {
    for (config, expected) in [
        (
            "{ not json",
            "the config is not valid JSON: key must be a string at line 1 column 3",
        ),
        ("[]", "the config must be an object, found a list"),
        (
            "{}",
            "providers: is required: the list of providers, each `{\"name\", \"connector\", \"config\"}`; no route: give `default` (the providers of every number, in order), `routes` or both",
        ),
        (
            r#"{"providers": []}"#,
            "providers: needs at least one provider; no route: give `default` (the providers of every number, in order), `routes` or both",
        ),
    ] {
        let error = factory().build(config).unwrap_err();
        assert_eq!(error.message(), expected, "{config}");
    }
    let huge = format!("{{\"x\": \"{}\"}}", "a".repeat(2 << 20));
    let error = factory().build(&huge).unwrap_err();
    assert!(
        error.message().contains("more than 1 MiB (1048576 bytes)"),
        "{error}"
    );

    let many: serde_json::Map<String, Value> =
        (0..500).map(|i| (format!("k{i}"), json!(i))).collect();
    let error = factory()
        .build(&Value::Object(many).to_string())
        .unwrap_err();
    assert_eq!(
        error.message().split("; ").count(),
        21,
        "20 listed, then a count"
    );
    assert!(
        error.message().ends_with("… and 482 more problems"),
        "{error}"
    );
}

#[test]
fn no_secret_is_echoed_wherever_it_appears() {
    let error = refused(&json!({
        "providers": [
            provider("a"),
            {"name": CANARY, "connector": CANARY, "config": {"apiKey": CANARY, CANARY: 1}},
        ],
        "routes": [{"prefixes": [CANARY], "providers": [CANARY]}],
        "default": ["a"],
        "nationalCallingCode": CANARY,
        CANARY: true,
    }));
    let text = format!("{error} {error:?}");
    assert!(text.contains("** redacted **"), "{text}");
    assert!(!text.contains(CANARY) && !text.contains("7f3a"), "{text}");
}

#[test]
fn look_alike_and_invisible_characters_show_in_messages() {
    let error = refused(&json!({
        "providers": [provider("a")],
        "default": ["a\u{200b}"],
    }));
    assert!(error.message().contains(r"`a\u{200b}`"), "{error}");
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_ignore_unknown_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("not a valid schema: {e}\n{schema:#}"))
}

#[test]
fn the_schema_agrees_with_the_loader_in_both_drafts() {
    let valid = json!({
        "providers": [provider("a"), {"name": "b", "connector": "recording", "config": {"apiKey": "k", "sender": {"id": "s"}}}],
        "routes": [{"prefixes": ["86", "+852"], "providers": ["a", "b"]}],
        "default": ["b"],
        "circuitBreaker": {"failureThreshold": 3},
        "settle": {"waitMs": 0, "intervalMs": 1},
    });
    let invalid = [
        json!({"default": ["a"]}),
        json!({"providers": [provider("a")]}),
        json!({"providers": [provider("a")], "default": ["a"], "extra": 1}),
        json!({"providers": [{"name": "a", "connector": "twilio", "config": {}}], "default": ["a"]}),
        json!({"providers": [{"name": "a", "connector": "recording", "config": {"sender": {"id": "s"}}}], "default": ["a"]}),
        json!({"providers": [{"name": "a", "connector": "recording", "config": {"apiKey": "k", "sender": {"id": 1}}}], "default": ["a"]}),
        json!({"providers": [provider("a")], "routes": [{"prefixes": ["0"], "providers": ["a"]}]}),
        json!({"providers": [provider("a")], "routes": []}),
        json!({"providers": [provider("a")], "default": ["a"], "settle": {"waitMs": 900000}}),
    ];
    for settings in [SchemaSettings::draft07(), SchemaSettings::draft2020_12()] {
        let schema = factory()
            .config_schema(&mut settings.into_generator())
            .to_value();
        let validator = validator(&schema);
        assert!(validator.is_valid(&valid), "{schema:#}");
        factory().build(&valid.to_string()).unwrap();
        for config in &invalid {
            assert!(!validator.is_valid(config), "the schema accepts {config}");
            assert!(
                factory().build(&config.to_string()).is_err(),
                "the loader accepts {config}"
            );
        }
        // The provider's definitions moved to the root, where its references point.
        let defs = if schema.get("definitions").is_some() {
            "definitions"
        } else {
            "$defs"
        };
        assert!(schema[defs]["Sender"].is_object(), "{schema:#}");
        let choice = &schema["properties"]["providers"]["items"]["oneOf"][0];
        assert_eq!(choice["properties"]["connector"]["const"], "recording");
        assert_eq!(
            choice["properties"]["config"]["properties"]["apiKey"]["writeOnly"],
            true
        );
        assert!(choice["properties"]["config"].get(defs).is_none());
    }
}

#[test]
fn a_key_given_twice_is_refused_and_what_it_held_first_stays_hidden() {
    // The first `apiKey` is the canary; the last one is what a JSON reader keeps. The canary
    // then comes back as a route's provider name, which a message echoes.
    let text = format!(
        r#"{{
            "providers": [{{"name": "a", "connector": "recording", "config": {{"apiKey": "{CANARY}", "apiKey": "k-2"}}}}],
            "routes": [{{"prefixes": ["86"], "providers": ["{CANARY}"]}}],
            "default": ["a"],
            "default": ["a"]
        }}"#
    );
    let error = factory().build(&text).unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(
        !shown.contains(CANARY) && !shown.contains("7f3a"),
        "{shown}"
    );
    // The problems as data, from `load`.
    let error = factory().load(&text, &LoadOptions::default()).unwrap_err();
    let problems: Vec<String> = error.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            "providers[0].config.apiKey: is given 2 times; which one is meant is unclear, so the config is refused: keep one",
            "default: is given 2 times; which one is meant is unclear, so the config is refused: keep one",
            "routes[0].providers[0]: no provider is named ** redacted ** (the providers: a)",
        ]
    );

    // A whole provider list given twice: the secrets of the first one are hidden too.
    let text = format!(
        r#"{{"providers": [{{"name": "x", "connector": "recording", "config": {{"apiKey": "{CANARY}"}}}}],
            "providers": [{}], "default": ["{CANARY}"]}}"#,
        provider("a").to_string().replace(CANARY, "k-3")
    );
    let error = factory().build(&text).unwrap_err();
    assert_eq!(
        error.message(),
        "providers: is given 2 times; which one is meant is unclear, so the config is refused: keep one; \
         default[0]: no provider is named ** redacted ** (the providers: a)"
    );
}

#[test]
fn a_megabyte_of_unknown_keys_gives_a_bounded_message() {
    // Just under the 1 MiB limit: about 90,000 keys, each a near miss of a known one.
    let mut text = String::from(r#"{"providers": [], "default": ["a"]"#);
    let mut keys = 0;
    while text.len() < (1 << 20) - 32 {
        text.push_str(&format!(r#", "setle{keys}": 1"#));
        keys += 1;
    }
    text.push('}');
    let error = factory().build(&text).unwrap_err();
    let problems: Vec<&str> = error.message().split("; ").collect();
    assert_eq!(problems.len(), 21, "20 listed, then a count");
    assert_eq!(
        problems[0],
        "setle0: unknown field (did you mean `settle`?)"
    );
    assert_eq!(
        problems[20],
        format!("… and {} more problems", keys + 2 - 20),
        "the keys, the empty provider list and the unknown default provider"
    );
    assert!(error.message().len() < 4096, "{}", error.message().len());

    let over = format!("{text}{}", " ".repeat((1 << 20) + 1 - text.len()));
    let error = factory().build(&over).unwrap_err();
    assert_eq!(
        error.message(),
        "the config is 1048577 bytes, more than 1 MiB (1048576 bytes), the limit for a config; nothing was parsed"
    );
}

#[test]
fn invisible_characters_in_keys_and_values_are_escaped() {
    let error = refused(&json!({
        "providers": [{"name": "a", "connector": "recording\u{200b}", "config": {}}],
        "default": ["a"],
        "settle\u{202e}": {},
    }));
    assert_eq!(
        error.message(),
        "settle\\u{202e}: unknown field (did you mean `settle`?); \
         providers[0].connector: unknown connector `recording\\u{200b}` (known connectors: recording); \
         default[0]: no provider is named `a` (the providers: )"
    );
    assert_eq!(error.field(), Some("settle\\u{202e}"));
}

/// A provider whose config names the field its error is about: `{"field": "..."}`.
#[derive(Debug)]
struct FieldEchoFactory;

const FIELD_ECHO_METADATA: ConnectorMetadata = ConnectorMetadata::new(
    "field-echo",
    "test",
    connector_kit::LocalizedText(&[("en", "Field echo")]),
    connector_kit::LocalizedText(&[("en", "Refuses every config at the field it names.")]),
);

impl ConnectorFactory for FieldEchoFactory {
    fn metadata(&self) -> &ConnectorMetadata {
        &FIELD_ECHO_METADATA
    }

    fn config_schema(&self, generator: &mut SchemaGenerator) -> Schema {
        generator.root_schema_for::<TestConfig>()
    }

    fn build(&self, config: &str) -> Result<Arc<dyn SmsConnector>, ConnectorError> {
        let config: Value = serde_json::from_str(config).unwrap();
        let field = config["field"].as_str().unwrap_or_default().to_owned();
        Err(ConnectorError::invalid_config(field, "refused"))
    }
}

#[test]
fn a_secret_as_a_key_name_is_hidden_in_paths_from_anywhere() {
    let registry = Registry::new()
        .with(TestFactory)
        .unwrap()
        .with(FieldEchoFactory)
        .unwrap();
    let config = json!({
        "providers": [
            provider("a"),
            // Another provider's loader knows nothing of the canary: it names it as a field.
            {"name": "b", "connector": "field-echo", "config": {"field": CANARY}},
        ],
        "routes": [{"prefixes": ["86"], "providers": ["a"], CANARY: 1}],
        "default": ["a"],
    });
    let error = RoutingFactory::new(registry)
        .build(&config.to_string())
        .unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(!text.contains(CANARY) && !text.contains("7f3a"), "{text}");
    assert_eq!(
        error.message(),
        "routes[0].** redacted **: unknown field (expected one of: prefixes, providers)"
    );
    let config = json!({
        "providers": [provider("a"), {"name": "b", "connector": "field-echo", "config": {"field": CANARY}}],
        "default": ["a", "b"],
    });
    let error = RoutingFactory::new(
        Registry::new()
            .with(TestFactory)
            .unwrap()
            .with(FieldEchoFactory)
            .unwrap(),
    )
    .build(&config.to_string())
    .unwrap_err();
    assert_eq!(error.field(), Some("providers[1].config.** redacted **"));
    assert_eq!(
        error.message(),
        "providers[1].config.** redacted **: the `field-echo` connector refuses it: refused"
    );
}

/// "One of `routes`, `default`" means a route: an empty or null `routes` with no `default`
/// would build a setup that refuses every number.
#[test]
fn a_config_with_no_route_at_all_is_refused() {
    for (routes, found) in [("null", "null"), ("[]", "an empty list")] {
        let config: Value = serde_json::from_str(&format!(
            r#"{{"providers": [{}], "routes": {routes}}}"#,
            provider("a")
        ))
        .unwrap();
        let error = refused(&config);
        assert!(
            error.message().contains(&format!(
                "routes: no route: found {found}, with no `default`"
            )),
            "{error}"
        );
    }
    // With a default, an empty list of routes is fine: every number takes the default.
    let config = json!({"providers": [provider("a")], "routes": [], "default": ["a"]});
    factory().build(&config.to_string()).unwrap();
}
