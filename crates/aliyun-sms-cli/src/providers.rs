//! The providers the command knows: the kit's [`Registry`] of connector factories, how the
//! provider of a config is chosen (`--provider`, or told from the config's keys), and what the
//! command says about a provider beyond the trait (its demo account in the emulator, the
//! template a message gets, the name of its message id).

use aliyun_sms::{AliyunSmsConnector, AliyunSmsFactory};
use aliyun_sms_emulator::{
    Provider as Emulated, demo_connector_config, demo_tencent_connector_config,
};
use connector_kit::{
    ConnectorError, ConnectorFactory, Registry, RoutingFactory, SmsMessage, UsageType,
};
use schemars::generate::SchemaSettings;
use serde_json::Value;
use tencent_sms::{TencentSmsConnector, TencentSmsFactory};

/// How `--help` explains the choice of provider.
pub const PROVIDER_HELP: &str = "The provider: its connector id, its target or the target's \
first word (aliyun, tencent). Without it, a config's provider is told from its keys: the \
provider whose config schema fits them best (fewest of its required keys missing plus keys it \
does not know; then the most keys it knows; then the first registered, Aliyun), so a sdkAppId \
makes a config Tencent's and a providers list a routed setup (sms-routing); without a config, \
the embedded emulator's Aliyun demo account.";

/// Every provider the command builds connectors for, in the order a tie is settled: Aliyun,
/// Tencent, then routed setups over them (`sms-routing`: a config naming each provider's
/// connector id and config, its routes and failover).
pub fn registry() -> Registry {
    let mut providers = Registry::new();
    let added = [
        providers.register(AliyunSmsFactory),
        providers.register(TencentSmsFactory),
    ];
    let mut registry = providers.clone();
    let routed = registry.register(RoutingFactory::new(providers));
    for result in added.into_iter().chain([routed]) {
        if let Err(duplicate) = result {
            unreachable!("each factory is registered once: {duplicate}");
        }
    }
    registry
}

/// The factory named by `--provider`: its id, its target (`aliyun-sms`), or the target's first
/// word (`aliyun`).
pub fn named<'r>(
    registry: &'r Registry,
    name: &str,
) -> Result<&'r dyn ConnectorFactory, ConnectorError> {
    let name = name.trim();
    let found = registry.factories().find(|factory| {
        let metadata = factory.metadata();
        metadata.id == name
            || metadata.target == name
            || metadata.target.split('-').next() == Some(name)
    });
    found.ok_or_else(|| {
        let known: Vec<String> = registry
            .factories()
            .map(|f| format!("{} ({})", short_name(f), f.metadata().id))
            .collect();
        ConnectorError::invalid_config(
            "provider",
            format!(
                "unknown provider `{name}`; known providers: {}",
                known.join(", ")
            ),
        )
    })
}

/// The first word of a provider's target: `aliyun`, `tencent`.
pub fn short_name(factory: &dyn ConnectorFactory) -> &'static str {
    let target = factory.metadata().target;
    target.split('-').next().unwrap_or(target)
}

/// The provider's name for people: `Aliyun`, `Tencent`.
pub fn display_name(factory: &dyn ConnectorFactory) -> String {
    let mut name = short_name(factory).to_owned();
    if let Some(first) = name.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    name
}

/// The provider of a config: `--provider` when given, else the one whose config schema fits
/// the config's keys best ([`PROVIDER_HELP`]).
pub fn choose<'r>(
    registry: &'r Registry,
    provider: Option<&str>,
    config: &str,
) -> Result<&'r dyn ConnectorFactory, ConnectorError> {
    if let Some(name) = provider {
        return named(registry, name);
    }
    let keys: Vec<String> = match serde_json::from_str::<Value>(config) {
        Ok(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    };
    if keys.is_empty() {
        // Nothing to tell it by (not an object, or an empty one): the first provider reports
        // what is wrong with it.
        return registry.factories().next().ok_or_else(|| {
            ConnectorError::invalid_config("provider", "no provider is registered")
        });
    }
    // Fewest misfits, then most keys known; the first registered wins a tie.
    registry
        .factories()
        .min_by_key(|factory| {
            let (misfits, known) = fit(*factory, &keys);
            (misfits, std::cmp::Reverse(known))
        })
        .ok_or_else(|| ConnectorError::invalid_config("provider", "no provider is registered"))
}

/// How well `keys` fit a factory's config schema: (its required keys missing plus keys it does
/// not know, keys it knows).
fn fit(factory: &dyn ConnectorFactory, keys: &[String]) -> (usize, usize) {
    let mut generator = SchemaSettings::draft07().into_generator();
    let schema = factory.config_schema(&mut generator).to_value();
    let names = |field: &str| -> Vec<String> {
        match &schema[field] {
            Value::Object(map) => map.keys().cloned().collect(),
            Value::Array(items) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    };
    let missing = names("required")
        .iter()
        .filter(|key| !keys.contains(key))
        .count();
    let properties = names("properties");
    let known = keys.iter().filter(|key| properties.contains(key)).count();
    (missing + keys.len() - known, known)
}

/// What the emulator serves for a provider: its gateway, the connector config of its demo
/// account, and what the provider calls a message id.
#[derive(Clone, Copy)]
pub struct Emulation {
    pub provider: Emulated,
    pub demo_config: fn(&str) -> Value,
}

/// The emulator's gateway for this provider, if it has one.
pub fn emulation(factory: &dyn ConnectorFactory) -> Option<Emulation> {
    match factory.metadata().target {
        "aliyun-sms" => Some(Emulation {
            provider: Emulated::Aliyun,
            demo_config: demo_connector_config,
        }),
        "tencent-sms" => Some(Emulation {
            provider: Emulated::Tencent,
            demo_config: demo_tencent_connector_config,
        }),
        _ => None,
    }
}

/// What a provider calls the id of a sent message.
pub fn message_id_name(factory: &dyn ConnectorFactory) -> &'static str {
    match factory.metadata().target {
        "aliyun-sms" => "BizId",
        "tencent-sms" => "SerialNo",
        _ => "message id",
    }
}

/// The template a message is sent with, as the connector chooses it.
pub struct ChosenTemplate {
    /// The template code, e.g. `SMS_DEMO_SIGNIN`.
    pub code: String,
    /// Its place in the config, e.g. `templates[1].templateCode.overseas`.
    pub field: String,
    /// The usage type whose template it is (the message's own, or `Generic`).
    pub usage: UsageType,
}

impl ChosenTemplate {
    /// `china`, `overseas`, or `any`, from the config field it came from.
    pub fn region(&self) -> &'static str {
        if self.field.ends_with(".overseas") {
            "overseas"
        } else if self.field.ends_with(".china") {
            "china"
        } else {
            "any"
        }
    }
}

/// What the command says before a send: where it goes, how long it may wait, which template.
pub struct Preview {
    /// The endpoint's host (and port).
    pub host: String,
    /// The connector's per-request timeout, when it says.
    pub timeout_ms: Option<u64>,
    /// The template chosen, where the provider's crate lets the command see it.
    pub template: Option<ChosenTemplate>,
}

/// A preview of sending `message` with `config` (already built once, so valid): the request
/// is built, not sent. A provider the command knows no more of gets no template.
pub fn preview(
    factory: &dyn ConnectorFactory,
    config: &str,
    message: &SmsMessage,
) -> Result<Preview, ConnectorError> {
    let (host, timeout_ms) = endpoint(factory, config);
    let now = chrono::Utc::now();
    let template = match factory.metadata().target {
        "aliyun-sms" => {
            let connector = AliyunSmsConnector::from_json(config)?;
            let request = connector
                .request_builder()
                .build(message, now, "template-preview")?;
            Some(ChosenTemplate {
                code: request.param("TemplateCode").unwrap_or_default().to_owned(),
                field: request.template_field,
                usage: request.template_usage,
            })
        }
        "tencent-sms" => {
            let connector = TencentSmsConnector::from_json(config)?;
            let request = connector.request_builder().build(message, now)?;
            let body: Value = serde_json::from_str(&request.body).unwrap_or_default();
            Some(ChosenTemplate {
                code: body["TemplateId"].as_str().unwrap_or_default().to_owned(),
                field: request.template_field,
                usage: request.template_usage,
            })
        }
        _ => None,
    };
    Ok(Preview {
        host,
        timeout_ms,
        template,
    })
}

/// Where a config's requests go (host and port) and the connector's per-request timeout, when
/// the command can tell; else the config's `endpoint`, or the provider's target.
pub fn endpoint(factory: &dyn ConnectorFactory, config: &str) -> (String, Option<u64>) {
    match factory.metadata().target {
        "aliyun-sms" => {
            if let Ok(connector) = AliyunSmsConnector::from_json(config) {
                let host = connector.request_builder().host().to_owned();
                return (host, Some(u64::from(connector.config().timeout_ms)));
            }
        }
        "tencent-sms" => {
            if let Ok(connector) = TencentSmsConnector::from_json(config) {
                let host = connector.request_builder().host().to_owned();
                return (host, Some(u64::from(connector.config().timeout_ms)));
            }
        }
        _ => {}
    }
    let host = endpoint_host(config).unwrap_or_else(|| factory.metadata().target.to_owned());
    (host, None)
}

/// The host (and port) of a config's `endpoint`, if it has one.
fn endpoint_host(config: &str) -> Option<String> {
    let value: Value = serde_json::from_str(config).ok()?;
    let endpoint = value["endpoint"].as_str()?;
    let rest = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest);
    rest.split(['/', '?']).next().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_is_named_by_id_target_or_first_word() {
        let registry = registry();
        for name in ["aliyun-short-message-service", "aliyun-sms", "aliyun"] {
            assert_eq!(
                named(&registry, name).unwrap().metadata().id,
                "aliyun-short-message-service"
            );
        }
        for name in ["tencent-short-message-service", "tencent-sms", "tencent"] {
            assert_eq!(
                named(&registry, name).unwrap().metadata().id,
                "tencent-short-message-service"
            );
        }
        let error = named(&registry, "twilio").unwrap_err();
        assert_eq!(error.field(), Some("provider"));
        assert!(
            error.message().contains(
                "known providers: aliyun (aliyun-short-message-service), tencent \
                 (tencent-short-message-service), routing (sms-routing)"
            ),
            "{error}"
        );
    }

    #[test]
    fn a_configs_provider_is_told_from_its_keys() {
        let registry = registry();
        let id = |config: &str| choose(&registry, None, config).unwrap().metadata().id;
        let aliyun = demo_connector_config("http://127.0.0.1:1");
        let tencent = demo_tencent_connector_config("http://127.0.0.1:1");
        assert_eq!(id(&aliyun.to_string()), "aliyun-short-message-service");
        assert_eq!(id(&tencent.to_string()), "tencent-short-message-service");
        // Logto's minimal configs: the four keys both share, and Tencent's two more.
        let shared = r#"{"accessKeyId":"a","accessKeySecret":"s","signName":"n","templates":[]}"#;
        assert_eq!(id(shared), "aliyun-short-message-service");
        let mut minimal: Value = serde_json::from_str(shared).unwrap();
        minimal["sdkAppId"] = "1400006666".into();
        minimal["region"] = "ap-guangzhou".into();
        assert_eq!(id(&minimal.to_string()), "tencent-short-message-service");
        // A misspelt key does not change it; nor does text that is not an object.
        let object = minimal.as_object_mut().unwrap();
        let app = object.remove("sdkAppId").unwrap();
        object.insert("sdkAppID".into(), app);
        assert_eq!(id(&minimal.to_string()), "tencent-short-message-service");
        let mut aliyun = aliyun;
        let object = aliyun.as_object_mut().unwrap();
        let key = object.remove("accessKeyId").unwrap();
        object.insert("accesKeyId".into(), key);
        assert_eq!(id(&aliyun.to_string()), "aliyun-short-message-service");
        assert_eq!(id("not json"), "aliyun-short-message-service");
        assert_eq!(id("{}"), "aliyun-short-message-service");
        assert_eq!(id(r#"{"providers":[]}"#), "sms-routing");
        // --provider wins.
        let chosen = choose(&registry, Some("tencent"), shared).unwrap();
        assert_eq!(chosen.metadata().id, "tencent-short-message-service");
    }

    #[test]
    fn endpoint_hosts() {
        assert_eq!(
            endpoint_host(r#"{"endpoint":"http://127.0.0.1:8787"}"#).as_deref(),
            Some("127.0.0.1:8787")
        );
        assert_eq!(
            endpoint_host(r#"{"endpoint":"https://sms.tencentcloudapi.com/"}"#).as_deref(),
            Some("sms.tencentcloudapi.com")
        );
        assert_eq!(endpoint_host("{}"), None);
    }
}
