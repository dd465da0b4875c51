//! A routing and failover setup from its JSON config, built by id through a [`Registry`]: each
//! provider is given by its own connector id and config, as the registry builds it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::routing::router::prefix_digits;
use crate::routing::{
    BreakerPolicy, BreakerState, CircuitBreaker, Failover, Router, SettlePolicy, Sleep,
    common_metadata,
};
use crate::{
    ConnectorError, ConnectorFactory, ConnectorMetadata, DeliveryQuery, DeliveryReport, ErrorKind,
    LocalizedText, REDACTED, Receipt, Registry, SmsConnector, SmsMessage,
};

/// The metadata of [`RoutingFactory`] and of the [`Routing`]s it builds; their capabilities
/// are those every provider has.
pub const ROUTING_METADATA: ConnectorMetadata = ConnectorMetadata::new(
    "sms-routing",
    "routing",
    LocalizedText(&[
        ("en", "SMS routing and failover"),
        ("zh-CN", "短信路由与故障转移"),
    ]),
    LocalizedText(&[
        (
            "en",
            "Routes each message by its destination through providers in order, failing over only when nothing was sent.",
        ),
        (
            "zh-CN",
            "按目的地号码选择服务商并依次尝试，仅在确认未发送时才转移到下一个服务商。",
        ),
    ]),
);

/// The largest config text read; a longer one is refused before it is parsed.
const MAX_CONFIG_BYTES: usize = 1024 * 1024;
/// How many problems a refused config lists; the rest are counted.
const MAX_PROBLEMS: usize = 20;
/// The longest a value is echoed in a message, in characters.
const MAX_ECHO_CHARS: usize = 64;
/// Secrets shorter than this are hidden only where a whole value equals them: cutting every
/// occurrence of a 2-letter string would garble the text around it.
const MIN_SECRET_CHARS: usize = 4;

const KEYS: [&str; 6] = [
    "providers",
    "routes",
    "default",
    "nationalCallingCode",
    "circuitBreaker",
    "settle",
];
const PROVIDER_KEYS: [&str; 3] = ["name", "connector", "config"];
const ROUTE_KEYS: [&str; 2] = ["prefixes", "providers"];
const BREAKER_KEYS: [&str; 2] = ["failureThreshold", "coolDownMs"];
const SETTLE_KEYS: [&str; 2] = ["waitMs", "intervalMs"];

/// Builds [`Routing`]s from their JSON config, by id (`sms-routing`) in a [`Registry`], so
/// that anything that builds connectors from JSON builds a routed setup the same way.
///
/// The config names each provider with the id of its connector in the registry this factory
/// was given, and that connector's own config:
///
/// ```json
/// {
///   "providers": [
///     { "name": "aliyun", "connector": "aliyun-short-message-service", "config": { "...": "Aliyun's config" } },
///     { "name": "tencent", "connector": "tencent-sms", "config": { "...": "Tencent's config" } }
///   ],
///   "routes": [{ "prefixes": ["86"], "providers": ["aliyun", "tencent"] }],
///   "default": ["tencent", "aliyun"],
///   "circuitBreaker": { "failureThreshold": 3, "coolDownMs": 30000 },
///   "settle": { "waitMs": 5000, "intervalMs": 1000 }
/// }
/// ```
///
/// - `providers` (required): each a `name` (letters, digits, `.`, `_`, `-`; unique), the
///   `connector` id and its `config`. One connector is built for each, with its own
///   [`CircuitBreaker`], shared by every route that names it.
/// - `routes`: rules in order; a number starting with one of the `prefixes` (country calling
///   codes such as `86`, or longer prefixes) is sent through the route's `providers`, in
///   order ([`Failover`]). `default`: the providers of every other number. At least one of the
///   two.
/// - `nationalCallingCode`: the country calling code of numbers written without `+` or `00`
///   ([`Router::with_national_calling_code`]).
/// - `circuitBreaker` ([`BreakerPolicy`]) and `settle` ([`SettlePolicy`]): optional, with
///   their defaults.
///
/// A config with problems is refused with [`ErrorKind::InvalidConfig`]: every problem with its
/// JSON path (`providers[1].connector`, `routes[0].providers[2]`; a provider's own errors under
/// `providers[i].config`), never a secret of any provider's config (the values of the fields
/// its schema marks `writeOnly`, wherever else they appear).
///
/// ```
/// use connector_kit::{ConnectorError, ConnectorFactory, ConnectorMetadata, RECORDING_METADATA,
///     RecordingConnector, Registry, RoutingFactory, SmsConnector};
/// use schemars::{Schema, SchemaGenerator, json_schema};
///
/// #[derive(Debug)]
/// struct RecordingFactory;
/// impl ConnectorFactory for RecordingFactory {
///     fn metadata(&self) -> &ConnectorMetadata { &RECORDING_METADATA }
///     fn config_schema(&self, _: &mut SchemaGenerator) -> Schema { json_schema!({ "type": "object" }) }
///     fn build(&self, _: &str) -> Result<std::sync::Arc<dyn SmsConnector>, ConnectorError> {
///         Ok(std::sync::Arc::new(RecordingConnector::new()))
///     }
/// }
///
/// let providers = Registry::new().with(RecordingFactory)?;
/// // The CLI (or any caller) registers the routing factory beside the providers.
/// let registry = providers.clone().with(RoutingFactory::new(providers))?;
/// let sms = registry.build("sms-routing", r#"{
///     "providers": [
///         { "name": "first", "connector": "recording", "config": {} },
///         { "name": "second", "connector": "recording", "config": {} }
///     ],
///     "routes": [{ "prefixes": ["86"], "providers": ["first", "second"] }],
///     "default": ["second"]
/// }"#)?;
/// assert_eq!(sms.metadata().id, "sms-routing");
///
/// let err = registry.build("sms-routing", r#"{"providers": [{"name": "a", "connector": "twilio", "config": {}}], "default": ["b"]}"#).unwrap_err();
/// assert_eq!(err.field(), Some("providers[0].connector"));
/// assert!(err.message().contains("default[0]: no provider is named `b`"), "{err}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RoutingFactory {
    registry: Registry,
    metadata: ConnectorMetadata,
    sleep: Sleep,
}

impl RoutingFactory {
    /// A factory whose configs name providers of `registry`; settling waits with
    /// [`Sleep::default`].
    pub fn new(registry: Registry) -> Self {
        let metadata =
            common_metadata(ROUTING_METADATA, registry.factories().map(|f| f.metadata()));
        RoutingFactory {
            registry,
            metadata,
            sleep: Sleep::default(),
        }
    }

    /// How the failovers it builds wait between delivery lookups, e.g.
    /// `Sleep::new(tokio::time::sleep)`.
    pub fn with_sleep(mut self, sleep: Sleep) -> Self {
        self.sleep = sleep;
        self
    }

    /// The registry its configs' providers come from.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// A [`Routing`] from its config JSON: as [`ConnectorFactory::build`], with the type that
    /// reports each provider's health.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`], as described on [`RoutingFactory`].
    pub fn build_routing(&self, config: &str) -> Result<Routing, ConnectorError> {
        let mut findings = Findings::default();
        let plan = read_plan(config, &self.registry, &mut findings);
        let built = plan.and_then(|plan| self.assemble(plan, &mut findings));
        findings.finish(built)
    }

    /// Builds every provider (each of their errors is a problem), then the routes.
    fn assemble(&self, plan: Plan, findings: &mut Findings) -> Option<Routing> {
        let mut breakers = Vec::new();
        for (i, provider) in plan.providers.iter().enumerate() {
            match self.registry.build(&provider.connector, &provider.config) {
                Ok(connector) => breakers.push(Arc::new(CircuitBreaker::new(
                    provider.name.clone(),
                    connector,
                    plan.breaker,
                ))),
                Err(error) => {
                    let mut path = format!("providers[{i}].config");
                    if let Some(field) = error.field().filter(|f| !f.is_empty()) {
                        path = format!("{path}.{field}");
                    }
                    findings.error(
                        path,
                        format!(
                            "the `{}` connector refuses it: {}",
                            provider.connector,
                            error.message()
                        ),
                    );
                }
            }
        }
        if findings.has_problems() {
            return None;
        }
        let failover = |names: &[String]| -> Arc<dyn SmsConnector> {
            let mut failover = Failover::new()
                .with_settle(plan.settle)
                .with_sleep(self.sleep.clone());
            for name in names {
                let breaker = breakers.iter().find(|b| b.name() == name.as_str());
                if let Some(breaker) = breaker {
                    failover = failover.with_provider(name.clone(), breaker.clone());
                }
            }
            Arc::new(failover)
        };
        let mut router = Router::new();
        for (prefixes, names) in &plan.routes {
            let prefixes: Vec<&str> = prefixes.iter().map(String::as_str).collect();
            // The prefixes were checked when the plan was read.
            router = router.with_route(&prefixes, failover(names)).ok()?;
        }
        if let Some(names) = &plan.default {
            router = router.with_default(failover(names));
        }
        if let Some(code) = &plan.national_calling_code {
            router = router.with_national_calling_code(code).ok()?;
        }
        for breaker in &breakers {
            let used = plan
                .routes
                .iter()
                .map(|(_, names)| names)
                .chain(plan.default.as_ref())
                .any(|names| names.iter().any(|n| n == breaker.name()));
            if !used {
                tracing::warn!(
                    target: "connector_kit::routing",
                    provider = %breaker.name(),
                    "a provider of the routing config is in no route: it is never used"
                );
            }
        }
        let metadata = common_metadata(ROUTING_METADATA, breakers.iter().map(|b| b.metadata()));
        Some(Routing {
            metadata,
            router,
            breakers,
        })
    }
}

impl ConnectorFactory for RoutingFactory {
    /// [`ROUTING_METADATA`], with the capabilities every provider of its registry has (a
    /// routing built from it has at least these).
    fn metadata(&self) -> &ConnectorMetadata {
        &self.metadata
    }

    /// The config's schema, each provider entry a choice among the registry's connectors
    /// (`oneOf`, each with `connector` a `const` and `config` that connector's own schema).
    fn config_schema(&self, generator: &mut SchemaGenerator) -> Schema {
        config_schema(&self.registry, generator)
    }

    fn build(&self, config: &str) -> Result<Arc<dyn SmsConnector>, ConnectorError> {
        Ok(Arc::new(self.build_routing(config)?))
    }
}

/// A routing and failover setup built from its config by [`RoutingFactory`]: a [`Router`]
/// whose routes are [`Failover`]s over the providers, each behind its [`CircuitBreaker`].
pub struct Routing {
    metadata: ConnectorMetadata,
    router: Router,
    breakers: Vec<Arc<CircuitBreaker>>,
}

impl fmt::Debug for Routing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Routing")
            .field("router", &self.router)
            .finish_non_exhaustive()
    }
}

impl Routing {
    /// Each provider's name and the state of its circuit breaker, in the config's order.
    pub fn health(&self) -> Vec<(String, BreakerState)> {
        self.breakers
            .iter()
            .map(|b| (b.name().to_owned(), b.state()))
            .collect()
    }

    /// The providers, each behind its circuit breaker, in the config's order.
    pub fn providers(&self) -> &[Arc<CircuitBreaker>] {
        &self.breakers
    }

    /// The router.
    pub fn router(&self) -> &Router {
        &self.router
    }
}

#[async_trait]
impl SmsConnector for Routing {
    fn metadata(&self) -> &ConnectorMetadata {
        &self.metadata
    }

    async fn send(&self, message: &SmsMessage) -> Result<Receipt, ConnectorError> {
        self.router.send(message).await
    }

    async fn lookup_delivery(
        &self,
        query: &DeliveryQuery,
    ) -> Result<DeliveryReport, ConnectorError> {
        self.router.lookup_delivery(query).await
    }
}

/// A config read and checked, before any provider is built.
struct Plan {
    providers: Vec<ProviderPlan>,
    routes: Vec<(Vec<String>, Vec<String>)>,
    default: Option<Vec<String>>,
    national_calling_code: Option<String>,
    breaker: BreakerPolicy,
    settle: SettlePolicy,
}

struct ProviderPlan {
    name: String,
    connector: String,
    /// Its config, as JSON text for the registry.
    config: String,
}

/// Reads the config's structure; every problem goes to `findings`.
fn read_plan(text: &str, registry: &Registry, findings: &mut Findings) -> Option<Plan> {
    if text.len() > MAX_CONFIG_BYTES {
        findings.error(
            "",
            format!(
                "the config is {} bytes, more than {MAX_CONFIG_BYTES} bytes, the limit for a config; nothing was parsed",
                text.len()
            ),
        );
        return None;
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(error) => {
            // serde_json's message names the line and column, never the text.
            findings.error("", format!("the config is not valid JSON: {error}"));
            return None;
        }
    };
    let Some(root) = value.as_object() else {
        findings.error(
            "",
            format!("the config must be an object, found {}", type_name(&value)),
        );
        return None;
    };
    // Secrets first: nothing may echo them from now on.
    if let Some(Value::Array(providers)) = root.get("providers") {
        for provider in providers {
            let connector = provider.get("connector").and_then(Value::as_str);
            let factory = connector.and_then(|id| registry.get(id));
            if let (Some(factory), Some(config)) = (factory, provider.get("config")) {
                let schema = factory.config_schema(&mut SchemaGenerator::default());
                findings.add_secrets(&schema.to_value(), config);
            }
        }
    }
    findings.unknown_keys(root, "", &KEYS);

    let providers = read_providers(root.get("providers"), registry, findings);
    let names: Vec<&str> = providers.iter().map(|p| p.name.as_str()).collect();
    let routes = read_routes(root.get("routes"), &names, findings);
    let default = root
        .get("default")
        .and_then(|v| read_names(v, "default", &names, findings));
    if root.get("routes").is_none() && root.get("default").is_none() {
        findings.error(
            "",
            "no route: give `default` (the providers of every number, in order), `routes` or both",
        );
    }
    let national_calling_code = match root.get("nationalCallingCode") {
        None | Some(Value::Null) => None,
        Some(Value::String(code)) => match prefix_digits(code) {
            Ok(code) => Some(code),
            Err(why) => {
                let shown = findings.echo(code);
                findings.error("nationalCallingCode", format!("{why}, found {shown}"));
                None
            }
        },
        Some(other) => {
            findings.error(
                "nationalCallingCode",
                format!(
                    "expected a string such as \"86\", found {}",
                    type_name(other)
                ),
            );
            None
        }
    };
    let breaker = read_breaker(root.get("circuitBreaker"), findings);
    let settle = read_settle(root.get("settle"), findings);
    if findings.has_problems() {
        return None;
    }
    Some(Plan {
        providers,
        routes: routes?,
        default,
        national_calling_code,
        breaker: breaker?,
        settle: settle?,
    })
}

fn read_providers(
    value: Option<&Value>,
    registry: &Registry,
    findings: &mut Findings,
) -> Vec<ProviderPlan> {
    let list = match value {
        Some(Value::Array(list)) if !list.is_empty() => list,
        Some(Value::Array(_)) => {
            findings.error("providers", "needs at least one provider");
            return Vec::new();
        }
        None => {
            findings.error(
                "providers",
                "is required: the list of providers, each `{\"name\", \"connector\", \"config\"}`",
            );
            return Vec::new();
        }
        Some(other) => {
            findings.error(
                "providers",
                format!("expected a list, found {}", type_name(other)),
            );
            return Vec::new();
        }
    };
    let mut providers: Vec<ProviderPlan> = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let at = format!("providers[{i}]");
        let Some(object) = entry.as_object() else {
            findings.error(
                at,
                format!("expected an object, found {}", type_name(entry)),
            );
            continue;
        };
        findings.unknown_keys(object, &at, &PROVIDER_KEYS);
        let name = match object.get("name") {
            Some(Value::String(name)) if is_name(name) => {
                if providers.iter().any(|p| p.name == *name) {
                    let shown = findings.echo(name);
                    findings.error(
                        format!("{at}.name"),
                        format!("{shown} names another provider already"),
                    );
                    None
                } else {
                    Some(name.clone())
                }
            }
            Some(Value::String(name)) => {
                let shown = findings.echo(name);
                findings.error(
                    format!("{at}.name"),
                    format!("must be 1 to 64 letters, digits, `.`, `_` or `-`, starting with a letter or digit, found {shown}"),
                );
                None
            }
            None => {
                findings.error(
                    format!("{at}.name"),
                    "is required: the name routes give the provider",
                );
                None
            }
            Some(other) => {
                findings.error(
                    format!("{at}.name"),
                    format!("expected a string, found {}", type_name(other)),
                );
                None
            }
        };
        let connector = match object.get("connector") {
            Some(Value::String(id)) if registry.get(id).is_some() => Some(id.clone()),
            Some(Value::String(id)) => {
                let shown = findings.echo(id);
                let known: Vec<&str> = registry.ids().collect();
                findings.error(
                    format!("{at}.connector"),
                    format!(
                        "unknown connector {shown} (known connectors: {})",
                        known.join(", ")
                    ),
                );
                None
            }
            None => {
                findings.error(
                    format!("{at}.connector"),
                    "is required: the id of the provider's connector",
                );
                None
            }
            Some(other) => {
                findings.error(
                    format!("{at}.connector"),
                    format!("expected a string, found {}", type_name(other)),
                );
                None
            }
        };
        let config = match object.get("config") {
            Some(config @ Value::Object(_)) => Some(config.to_string()),
            None => {
                findings.error(
                    format!("{at}.config"),
                    "is required: the connector's own config",
                );
                None
            }
            Some(other) => {
                findings.error(
                    format!("{at}.config"),
                    format!("expected an object, found {}", type_name(other)),
                );
                None
            }
        };
        if let (Some(name), Some(connector), Some(config)) = (name, connector, config) {
            providers.push(ProviderPlan {
                name,
                connector,
                config,
            });
        }
    }
    providers
}

fn is_name(name: &str) -> bool {
    let valid = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    (1..=64).contains(&name.len())
        && name.bytes().all(valid)
        && name.as_bytes()[0].is_ascii_alphanumeric()
}

/// A non-empty list of provider names at `at`, each defined and none twice.
fn read_names(
    value: &Value,
    at: &str,
    names: &[&str],
    findings: &mut Findings,
) -> Option<Vec<String>> {
    let list = match value {
        Value::Array(list) if !list.is_empty() => list,
        Value::Array(_) => {
            findings.error(at, "needs at least one provider name");
            return None;
        }
        other => {
            findings.error(
                at,
                format!(
                    "expected a list of provider names, found {}",
                    type_name(other)
                ),
            );
            return None;
        }
    };
    let mut chosen: Vec<String> = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let path = format!("{at}[{i}]");
        match entry {
            Value::String(name) if chosen.contains(name) => {
                let shown = findings.echo(name);
                findings.error(path, format!("{shown} is listed twice: a message is sent through each provider at most once"));
            }
            Value::String(name) if names.contains(&name.as_str()) => chosen.push(name.clone()),
            Value::String(name) => {
                let shown = findings.echo(name);
                findings.error(
                    path,
                    format!(
                        "no provider is named {shown} (the providers: {})",
                        names.join(", ")
                    ),
                );
            }
            other => findings.error(
                path,
                format!("expected a provider name, found {}", type_name(other)),
            ),
        }
    }
    (chosen.len() == list.len()).then_some(chosen)
}

fn read_routes(
    value: Option<&Value>,
    names: &[&str],
    findings: &mut Findings,
) -> Option<Vec<(Vec<String>, Vec<String>)>> {
    let list = match value {
        None | Some(Value::Null) => return Some(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(other) => {
            findings.error(
                "routes",
                format!("expected a list of routes, found {}", type_name(other)),
            );
            return None;
        }
    };
    let mut routes = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let at = format!("routes[{i}]");
        let Some(object) = entry.as_object() else {
            findings.error(
                at,
                format!("expected an object, found {}", type_name(entry)),
            );
            continue;
        };
        findings.unknown_keys(object, &at, &ROUTE_KEYS);
        let prefixes = read_prefixes(object.get("prefixes"), &format!("{at}.prefixes"), findings);
        let providers = match object.get("providers") {
            Some(value) => read_names(value, &format!("{at}.providers"), names, findings),
            None => {
                findings.error(
                    format!("{at}.providers"),
                    "is required: the route's providers, in order",
                );
                None
            }
        };
        if let (Some(prefixes), Some(providers)) = (prefixes, providers) {
            routes.push((prefixes, providers));
        }
    }
    Some(routes)
}

fn read_prefixes(value: Option<&Value>, at: &str, findings: &mut Findings) -> Option<Vec<String>> {
    let list = match value {
        Some(Value::Array(list)) if !list.is_empty() => list,
        None => {
            findings.error(at, "is required: the number prefixes (country calling codes such as \"86\") of the route");
            return None;
        }
        Some(Value::Array(_)) => {
            findings.error(at, "needs at least one prefix");
            return None;
        }
        Some(other) => {
            findings.error(
                at,
                format!("expected a list of prefixes, found {}", type_name(other)),
            );
            return None;
        }
    };
    let mut prefixes = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let path = format!("{at}[{i}]");
        match entry {
            Value::String(prefix) => match prefix_digits(prefix) {
                Ok(digits) => prefixes.push(digits),
                Err(why) => {
                    let shown = findings.echo(prefix);
                    findings.error(path, format!("{why}, found {shown}"));
                }
            },
            other => findings.error(
                path,
                format!(
                    "expected a string such as \"86\", found {}",
                    type_name(other)
                ),
            ),
        }
    }
    (prefixes.len() == list.len()).then_some(prefixes)
}

fn read_breaker(value: Option<&Value>, findings: &mut Findings) -> Option<BreakerPolicy> {
    let default = BreakerPolicy::default();
    let Some(object) = read_section(value, "circuitBreaker", &BREAKER_KEYS, findings)? else {
        return Some(default);
    };
    let threshold = read_integer(
        object,
        "circuitBreaker",
        "failureThreshold",
        1,
        1_000,
        findings,
    )
    .map(|n| n.map_or(default.failure_threshold, |n| n as u32));
    let cool_down = read_integer(
        object,
        "circuitBreaker",
        "coolDownMs",
        0,
        86_400_000,
        findings,
    )
    .map(|n| n.map_or(default.cool_down, Duration::from_millis));
    Some(BreakerPolicy::new(threshold?, cool_down?))
}

fn read_settle(value: Option<&Value>, findings: &mut Findings) -> Option<SettlePolicy> {
    let default = SettlePolicy::default();
    let Some(object) = read_section(value, "settle", &SETTLE_KEYS, findings)? else {
        return Some(default);
    };
    let wait = read_integer(object, "settle", "waitMs", 0, 600_000, findings)
        .map(|n| n.map_or(default.wait, Duration::from_millis));
    let interval = read_integer(object, "settle", "intervalMs", 1, 60_000, findings)
        .map(|n| n.map_or(default.interval, Duration::from_millis));
    Some(SettlePolicy::new(wait?, interval?))
}

/// An optional object section: `Some(None)` when absent, `None` after a problem.
fn read_section<'v>(
    value: Option<&'v Value>,
    at: &str,
    keys: &[&str],
    findings: &mut Findings,
) -> Option<Option<&'v Map<String, Value>>> {
    match value {
        None | Some(Value::Null) => Some(None),
        Some(Value::Object(object)) => {
            findings.unknown_keys(object, at, keys);
            Some(Some(object))
        }
        Some(other) => {
            findings.error(
                at,
                format!("expected an object, found {}", type_name(other)),
            );
            None
        }
    }
}

/// An optional whole number in `min..=max` (`1e3` is 1000): `Some(None)` when absent, `None`
/// after a problem.
fn read_integer(
    object: &Map<String, Value>,
    at: &str,
    key: &str,
    min: u64,
    max: u64,
    findings: &mut Findings,
) -> Option<Option<u64>> {
    let path = format!("{at}.{key}");
    let value = match object.get(key) {
        None | Some(Value::Null) => return Some(None),
        Some(Value::Number(number)) => number,
        Some(other) => {
            findings.error(
                path,
                format!("expected a whole number, found {}", type_name(other)),
            );
            return None;
        }
    };
    let whole = value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= u64::MAX as f64)
            .map(|f| f as u64)
    });
    match whole {
        Some(n) if (min..=max).contains(&n) => Some(Some(n)),
        Some(n) => {
            findings.error(path, format!("must be from {min} to {max}, found {n}"));
            None
        }
        None => {
            findings.error(
                path,
                format!("must be a whole number from {min} to {max}, found {value}"),
            );
            None
        }
    }
}

/// The known key `key` is likely a typo of: one that differs only in case, or by at most two
/// edits. Bounded by the known keys, whatever the input.
fn did_you_mean<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    if key.chars().count() > 64 {
        return None;
    }
    known
        .iter()
        .map(|k| (edit_distance(&key.to_lowercase(), &k.to_lowercase()), *k))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The problems of one load, each at a JSON path, bounded in number, with every known secret
/// cut out. Shaped like issue 17's `connector_kit::config::Findings` (`error`, `echo`,
/// `unknown_keys`, `finish`), which replaces it once it lands.
#[derive(Default)]
struct Findings {
    problems: Vec<(String, String)>,
    omitted: usize,
    secrets: Vec<String>,
}

impl Findings {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        if self.problems.len() >= MAX_PROBLEMS {
            self.omitted += 1;
        } else {
            self.problems.push((path.into(), message.into()));
        }
    }

    fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }

    /// Every key of `object` (at `at`) that is not in `known` is a problem, with a "did you
    /// mean" for a near miss: a typo must not silently drop a setting.
    fn unknown_keys(&mut self, object: &Map<String, Value>, at: &str, known: &[&str]) {
        for key in object.keys().filter(|k| !known.contains(&k.as_str())) {
            if self.problems.len() >= MAX_PROBLEMS {
                self.omitted += 1;
                continue;
            }
            let hint = match did_you_mean(key, known) {
                Some(meant) => format!("did you mean `{meant}`?"),
                None => format!("expected one of: {}", known.join(", ")),
            };
            let path = self.key_path(at, key);
            self.error(path, format!("unknown field ({hint})"));
        }
    }

    /// The secrets in `instance` (a provider's config): the strings at the places its
    /// `schema` marks `writeOnly`.
    fn add_secrets(&mut self, schema: &Value, instance: &Value) {
        collect_secrets(schema, schema, instance, false, 0, &mut self.secrets);
        self.secrets.retain(|s| !s.is_empty());
    }

    /// The path of `key` in the object at `at`, the key escaped as [`echo`](Self::echo) does.
    fn key_path(&self, at: &str, key: &str) -> String {
        let shown = self.echo(key);
        let shown = shown.trim_start_matches('`').trim_end_matches('`');
        match at {
            "" => shown.to_owned(),
            at => format!("{at}.{shown}"),
        }
    }

    /// `value` as a message shows it: quoted, escaped so that invisible and look-alike
    /// characters show, cut at [`MAX_ECHO_CHARS`]; [`REDACTED`] if it holds a secret.
    fn echo(&self, value: &str) -> String {
        let holds = |secret: &String| {
            *secret == value
                || (secret.chars().count() >= MIN_SECRET_CHARS && value.contains(secret.as_str()))
        };
        if self.secrets.iter().any(holds) {
            return REDACTED.to_owned();
        }
        let mut shown: String = value
            .chars()
            .take(MAX_ECHO_CHARS)
            .map(|c| {
                if c.is_ascii_graphic() || c == ' ' {
                    c.to_string()
                } else {
                    c.escape_unicode().to_string()
                }
            })
            .collect();
        if value.chars().count() > MAX_ECHO_CHARS {
            shown.push('…');
        }
        format!("`{shown}`")
    }

    /// The built value, or every problem as one [`ErrorKind::InvalidConfig`] error (at the
    /// first problem's path, each problem `path: message`, `; `-separated), secrets cut out.
    fn finish<T>(self, built: Option<T>) -> Result<T, ConnectorError> {
        let problems = match built {
            Some(built) if self.problems.is_empty() => return Ok(built),
            _ if self.problems.is_empty() => {
                vec![(String::new(), "the config is incomplete".to_owned())]
            }
            _ => self.problems,
        };
        let mut needles: Vec<&str> = self
            .secrets
            .iter()
            .filter(|s| s.chars().count() >= MIN_SECRET_CHARS)
            .map(String::as_str)
            .collect();
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        let cut = |text: &str| {
            needles.iter().fold(text.to_owned(), |text, needle| {
                text.replace(needle, REDACTED)
            })
        };
        let mut lines: Vec<String> = problems
            .iter()
            .map(|(path, message)| match path.as_str() {
                "" => cut(message),
                path => format!("{}: {}", cut(path), cut(message)),
            })
            .collect();
        if self.omitted > 0 {
            lines.push(format!("… and {} more problems", self.omitted));
        }
        let error = ConnectorError::new(ErrorKind::InvalidConfig, lines.join("; "));
        match problems.first().map(|(path, _)| cut(path)) {
            Some(path) if !path.is_empty() => Err(error.with_field(path)),
            _ => Err(error),
        }
    }
}

/// Collects the strings of `instance` at the places `schema` marks `writeOnly` (following
/// `$ref`s into `root`, `properties`, `additionalProperties`, `items` and the combinators).
fn collect_secrets(
    root: &Value,
    schema: &Value,
    instance: &Value,
    secret: bool,
    depth: usize,
    out: &mut Vec<String>,
) {
    if depth > 32 {
        return;
    }
    let secret = secret || schema.get("writeOnly") == Some(&Value::Bool(true));
    if secret {
        collect_strings(instance, out);
        return;
    }
    if let Some(target) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|pointer| root.pointer(pointer))
    {
        collect_secrets(root, target, instance, secret, depth + 1, out);
    }
    for combinator in ["allOf", "anyOf", "oneOf"] {
        for branch in schema
            .get(combinator)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect_secrets(root, branch, instance, secret, depth + 1, out);
        }
    }
    match instance {
        Value::Object(fields) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            for (key, value) in fields {
                let sub = properties
                    .and_then(|p| p.get(key))
                    .or_else(|| schema.get("additionalProperties").filter(|s| s.is_object()));
                if let Some(sub) = sub {
                    collect_secrets(root, sub, value, secret, depth + 1, out);
                }
            }
        }
        Value::Array(items) => {
            if let Some(sub) = schema.get("items").filter(|s| s.is_object()) {
                for item in items {
                    collect_secrets(root, sub, item, secret, depth + 1, out);
                }
            }
        }
        _ => {}
    }
}

fn collect_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(fields) => fields.iter().for_each(|(k, v)| {
            out.push(k.clone());
            collect_strings(v, out);
        }),
        _ => {}
    }
}

/// The schema of the config: see [`RoutingFactory`].
fn config_schema(registry: &Registry, generator: &mut SchemaGenerator) -> Schema {
    let pointer = generator
        .settings()
        .definitions_path
        .trim_start_matches('#')
        .trim_end_matches('/')
        .to_owned();
    let meta_schema = generator.settings().meta_schema.clone();
    let name = json!({
        "type": "string",
        "title": "Name",
        "description": "The provider's name in routes, receipts and errors: letters, digits, `.`, `_` or `-`.",
        "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
    });
    let mut definitions = Map::new();
    let mut choices = Vec::new();
    for factory in registry.factories() {
        let metadata = factory.metadata();
        let mut schema = factory.config_schema(generator).to_value();
        if let Some(object) = schema.as_object_mut() {
            object.remove("$schema");
            hoist_definitions(object, &pointer, metadata.id, &mut definitions);
        }
        choices.push(json!({
            "title": metadata.name.get("en"),
            "description": metadata.description.get("en"),
            "type": "object",
            "properties": {
                "name": name,
                "connector": {
                    "title": "Connector",
                    "description": "The connector's id.",
                    "const": metadata.id,
                    "default": metadata.id,
                },
                "config": schema,
            },
            "required": ["name", "connector", "config"],
            "additionalProperties": false,
        }));
    }
    let names = json!({
        "type": "array",
        "items": { "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$" },
        "minItems": 1,
        "uniqueItems": true,
    });
    let whole = |title: &str, description: &str, min: u64, max: u64, default: u64| {
        json!({
            "title": title,
            "description": description,
            "type": "integer",
            "minimum": min,
            "maximum": max,
            "default": default,
        })
    };
    let breaker = BreakerPolicy::default();
    let settle = SettlePolicy::default();
    let mut root = json!({
        "title": "RoutingConfig",
        "description": "Routes each message by its destination through providers in order, failing over only when nothing was sent (docs/routing-and-failover.md).",
        "type": "object",
        "properties": {
            "providers": {
                "title": "Providers",
                "description": "Each provider: a name, the id of its connector, and that connector's own config.",
                "type": "array",
                "items": { "oneOf": choices },
                "minItems": 1,
            },
            "routes": {
                "title": "Routes",
                "description": "Rules in order: numbers starting with one of the prefixes go through the route's providers, in order.",
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "prefixes": {
                            "title": "Prefixes",
                            "description": "Country calling codes such as `86`, or longer prefixes (`1876`).",
                            "type": "array",
                            "items": { "type": "string", "pattern": "^\\+?(00)?[1-9][0-9]{0,14}$" },
                            "minItems": 1,
                        },
                        "providers": merge(&names, json!({
                            "title": "Providers",
                            "description": "The route's providers by name, tried in this order.",
                        })),
                    },
                    "required": ["prefixes", "providers"],
                    "additionalProperties": false,
                },
            },
            "default": merge(&names, json!({
                "title": "Default route",
                "description": "The providers of numbers no route matches, by name, tried in this order.",
            })),
            "nationalCallingCode": {
                "title": "National calling code",
                "description": "The country calling code of numbers written without `+` or `00`; without it, such numbers are read as starting with their country code, as Logto stores them.",
                "type": "string",
                "pattern": "^\\+?(00)?[1-9][0-9]{0,14}$",
            },
            "circuitBreaker": {
                "title": "Circuit breaker",
                "description": "A provider that fails this many sends in a row is skipped for the cool-down.",
                "type": "object",
                "properties": {
                    "failureThreshold": whole("Failures in a row", "Failures in a row that take the provider out.", 1, 1_000, u64::from(breaker.failure_threshold)),
                    "coolDownMs": whole("Cool-down (ms)", "How long the provider is skipped before one send probes it.", 0, 86_400_000, breaker.cool_down.as_millis() as u64),
                },
                "additionalProperties": false,
            },
            "settle": {
                "title": "Settling unknown outcomes",
                "description": "How long delivery lookups may find nothing before a send of unknown outcome counts as not sent.",
                "type": "object",
                "properties": {
                    "waitMs": whole("Wait (ms)", "How long lookups may find nothing before the message counts as not sent.", 0, 600_000, settle.wait.as_millis() as u64),
                    "intervalMs": whole("Interval (ms)", "The pause between lookups.", 1, 60_000, settle.interval.as_millis() as u64),
                },
                "additionalProperties": false,
            },
        },
        "required": ["providers"],
        "anyOf": [{ "required": ["routes"] }, { "required": ["default"] }],
        "additionalProperties": false,
    });
    if let Some(object) = root.as_object_mut() {
        if let Some(meta_schema) = meta_schema {
            object.insert("$schema".into(), Value::String(meta_schema.into_owned()));
        }
        if !definitions.is_empty() {
            insert_at(object, &pointer, definitions);
        }
    }
    Schema::try_from(root).unwrap_or_default()
}

fn merge(base: &Value, extra: Value) -> Value {
    let mut merged = base.clone();
    if let (Some(merged), Value::Object(extra)) = (merged.as_object_mut(), extra) {
        merged.extend(extra);
    }
    merged
}

/// Moves the definitions of a provider's root schema to `definitions`; a name already taken
/// by another schema is renamed `{id}.{name}`, with the references to it.
fn hoist_definitions(
    schema: &mut Map<String, Value>,
    pointer: &str,
    id: &str,
    definitions: &mut Map<String, Value>,
) {
    let Some(own) = take_at(schema, pointer) else {
        return;
    };
    let mut renames = Vec::new();
    for (name, definition) in own {
        match definitions.get(&name) {
            Some(existing) if *existing != definition => {
                let renamed = format!("{id}.{name}");
                renames.push((
                    format!("#{pointer}/{name}"),
                    format!("#{pointer}/{renamed}"),
                ));
                definitions.insert(renamed, definition);
            }
            _ => {
                definitions.insert(name, definition);
            }
        }
    }
    for (from, to) in &renames {
        let mut value = Value::Object(std::mem::take(schema));
        rename_refs(&mut value, from, to);
        for (_, definition) in definitions.iter_mut() {
            rename_refs(definition, from, to);
        }
        if let Value::Object(object) = value {
            *schema = object;
        }
    }
}

fn rename_refs(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Object(object) => {
            for (key, child) in object.iter_mut() {
                match child {
                    Value::String(target) if key == "$ref" && target == from => {
                        *target = to.to_owned();
                    }
                    child => rename_refs(child, from, to),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_refs(v, from, to)),
        _ => {}
    }
}

/// Removes and returns the object at a JSON pointer such as `/$defs`.
fn take_at(object: &mut Map<String, Value>, pointer: &str) -> Option<Map<String, Value>> {
    let mut keys: Vec<&str> = pointer.split('/').filter(|k| !k.is_empty()).collect();
    let last = keys.pop()?;
    let mut current = object;
    for key in keys {
        current = current.get_mut(key)?.as_object_mut()?;
    }
    match current.remove(last)? {
        Value::Object(taken) => Some(taken),
        _ => None,
    }
}

fn insert_at(object: &mut Map<String, Value>, pointer: &str, value: Map<String, Value>) {
    let mut keys: Vec<&str> = pointer.split('/').filter(|k| !k.is_empty()).collect();
    let Some(last) = keys.pop() else {
        return;
    };
    let mut current = object;
    for key in keys {
        let entry = current
            .entry(key.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        let Some(next) = entry.as_object_mut() else {
            return;
        };
        current = next;
    }
    current.insert(last.to_owned(), Value::Object(value));
}
