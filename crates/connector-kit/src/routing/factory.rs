//! A routing and failover setup from its JSON config, built by id through a [`Registry`]: each
//! provider is given by its own connector id and config, as the registry builds it.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use schemars::{Schema, SchemaGenerator};

use crate::config::{ConfigError, Findings, LoadOptions, Loaded, REDACTED};
use crate::routing::config::{Plan, read_plan};
use crate::routing::schema::config_schema;
use crate::routing::{BreakerState, CircuitBreaker, Failover, Router, Sleep, common_metadata};
use crate::{
    ConnectorError, ConnectorFactory, ConnectorMetadata, DeliveryQuery, DeliveryReport,
    LocalizedText, Receipt, Registry, SmsConnector, SmsMessage,
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
/// - `circuitBreaker` ([`BreakerPolicy`](crate::BreakerPolicy)) and `settle` ([`SettlePolicy`](crate::SettlePolicy)): optional, with
///   their defaults.
///
/// A config with problems is refused with [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig): every problem with its
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
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig), as described on [`RoutingFactory`].
    pub fn build_routing(&self, config: &str) -> Result<Routing, ConnectorError> {
        Ok(self
            .load(config, &LoadOptions::default())?
            .logged("routing config"))
    }

    /// A [`Routing`] from its config JSON, with every problem as data
    /// ([`ConfigError::problems`], each at its JSON path) and the loader's warnings, and
    /// `options` for the size limit, the number of problems listed and strict mode. Unknown and
    /// repeated keys are problems in any mode: a misspelt route or setting silently ignored
    /// would change where codes go.
    ///
    /// # Errors
    ///
    /// Every problem found, as described on [`RoutingFactory`]; a provider's own errors at
    /// `providers[i].config`.
    pub fn load(
        &self,
        config: &str,
        options: &LoadOptions,
    ) -> Result<Loaded<Routing>, ConfigError> {
        let mut findings = Findings::new(options);
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
                        // The provider's loader hides its own secrets, not the others'.
                        let field = if findings.holds_secret(field) {
                            REDACTED
                        } else {
                            field
                        };
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
