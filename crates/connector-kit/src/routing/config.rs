//! Reading a routing config: its structure checked, every problem at its JSON path, before any
//! provider is built. A format of our own: an unknown key or a key given twice is refused (a
//! misspelt route or breaker setting silently ignored would change where codes go).

use std::ops::RangeInclusive;
use std::time::Duration;

use schemars::SchemaGenerator;
use serde_json::Value;

use crate::Registry;
use crate::config::{Fields, Findings, ParsedJson, PathSegment, join, nullable, type_name};
use crate::routing::router::prefix_digits;
use crate::routing::{BreakerPolicy, SettlePolicy};

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

/// A config read and checked, before any provider is built.
pub(crate) struct Plan {
    pub(crate) providers: Vec<ProviderPlan>,
    pub(crate) routes: Vec<(Vec<String>, Vec<String>)>,
    pub(crate) default: Option<Vec<String>>,
    pub(crate) national_calling_code: Option<String>,
    pub(crate) breaker: BreakerPolicy,
    pub(crate) settle: SettlePolicy,
}

pub(crate) struct ProviderPlan {
    pub(crate) name: String,
    pub(crate) connector: String,
    /// Its config, as JSON text for the registry.
    pub(crate) config: String,
}

/// Reads the config's structure; every problem goes to `findings`.
pub(crate) fn read_plan(text: &str, registry: &Registry, findings: &mut Findings) -> Option<Plan> {
    let parsed = findings.parse_json(text)?;
    // Secrets first, the values repeated keys were given first included: nothing may echo
    // them from now on.
    add_provider_secrets(&parsed, registry, findings);
    findings.duplicate_keys(&parsed.duplicates, |_| true);
    let fields = &mut Fields::new(findings, "a provider's secret").refusing_unknown_keys();
    let root = fields.object(&parsed.value, "", &KEYS)?;

    let providers = match root.get("providers") {
        Some(value) => read_providers(fields, value, registry),
        None => fields.missing(
            "",
            "providers",
            "the list of providers, each `{\"name\", \"connector\", \"config\"}`",
        ),
    }
    .unwrap_or_default();
    let names: Vec<&str> = providers.iter().map(|p| p.name.as_str()).collect();
    let routes = fields.optional(root, "", "routes", None, |f, v, p| {
        nullable(v, |v| read_routes(f, v, p, &names))
    });
    let default = fields.optional(root, "", "default", None, |f, v, p| {
        read_names(f, v, p, &names).map(Some)
    });
    let no_routes =
        |routes: &Value| routes.is_null() || routes.as_array().is_some_and(Vec::is_empty);
    match (root.get("routes"), root.get("default")) {
        (None, None) => fields.error(
            "",
            "no route: give `default` (the providers of every number, in order), `routes` or both",
        ),
        (Some(routes), None) if no_routes(routes) => fields.error(
            "routes",
            format!(
                "no route: found {}, with no `default`: every number would be refused; give at \
                 least one route, or `default` (the providers of every number, in order)",
                if routes.is_null() {
                    "null"
                } else {
                    "an empty list"
                }
            ),
        ),
        _ => {}
    }
    let national_calling_code =
        fields.optional(root, "", "nationalCallingCode", None, |f, v, p| {
            nullable(v, |v| calling_code(f, v, p))
        });
    let breaker = fields.optional(root, "", "circuitBreaker", None, |f, v, p| {
        nullable(v, |v| read_breaker(f, v, p))
    });
    let settle = fields.optional(root, "", "settle", None, |f, v, p| {
        nullable(v, |v| read_settle(f, v, p))
    });
    if fields.findings().has_problems() {
        return None;
    }
    Some(Plan {
        providers,
        routes: routes?.unwrap_or_default(),
        default: default?,
        national_calling_code: national_calling_code?,
        breaker: breaker?.unwrap_or_default(),
        settle: settle?.unwrap_or_default(),
    })
}

/// The secrets of the providers' configs: the values at the places each connector's schema
/// marks `writeOnly`, in the document and in what a repeated key held before.
fn add_provider_secrets(parsed: &ParsedJson, registry: &Registry, findings: &mut Findings) {
    let schema_of = |connector: Option<&Value>| {
        let factory = registry.get(connector?.as_str()?)?;
        Some(
            factory
                .config_schema(&mut SchemaGenerator::default())
                .to_value(),
        )
    };
    let add_in_entries = |findings: &mut Findings, providers: Option<&Value>| {
        for provider in providers.and_then(Value::as_array).into_iter().flatten() {
            if let (Some(schema), Some(config)) =
                (schema_of(provider.get("connector")), provider.get("config"))
            {
                findings.add_write_only_secrets(&schema, config);
            }
        }
    };
    add_in_entries(findings, parsed.value.get("providers"));
    let key = |k: &str| PathSegment::Key(k.to_owned());
    for duplicate in &parsed.duplicates {
        let earlier = &duplicate.earlier;
        match duplicate.path.as_slice() {
            [only] if *only == key("providers") => add_in_entries(findings, Some(earlier)),
            [providers, PathSegment::Index(i), rest @ ..] if *providers == key("providers") => {
                let entry = parsed.value.get("providers").and_then(|p| p.get(*i));
                let entry = entry.unwrap_or(&Value::Null);
                match rest {
                    // A connector named twice: its config is read with the schema of each.
                    [field] if *field == key("connector") => {
                        if let (Some(schema), Some(config)) =
                            (schema_of(Some(earlier)), entry.get("config"))
                        {
                            findings.add_write_only_secrets(&schema, config);
                        }
                    }
                    [field, inside @ ..] if *field == key("config") => {
                        if let Some(schema) = schema_of(entry.get("connector")) {
                            findings.add_write_only_secrets_at(&schema, inside, earlier);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

fn read_providers(
    fields: &mut Fields<'_>,
    value: &Value,
    registry: &Registry,
) -> Option<Vec<ProviderPlan>> {
    let list = fields.list(value, "providers", "providers")?;
    if list.is_empty() {
        fields.error("providers", "needs at least one provider");
        return None;
    }
    let mut providers: Vec<ProviderPlan> = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let at = format!("providers[{i}]");
        let Some(object) = fields.object(entry, &at, &PROVIDER_KEYS) else {
            continue;
        };
        let name = match object.get("name") {
            Some(value) => read_name(fields, value, &join(&at, "name"), &providers),
            None => fields.missing(&at, "name", "the name routes give the provider"),
        };
        let connector = match object.get("connector") {
            Some(value) => read_connector(fields, value, &join(&at, "connector"), registry),
            None => fields.missing(&at, "connector", "the id of the provider's connector"),
        };
        let config = match object.get("config") {
            Some(config @ Value::Object(_)) => Some(config.to_string()),
            Some(other) => {
                // Not an object: reported as such (its keys are the connector's to check).
                fields.object(other, &join(&at, "config"), &[]);
                None
            }
            None => fields.missing(&at, "config", "the connector's own config"),
        };
        if let (Some(name), Some(connector), Some(config)) = (name, connector, config) {
            providers.push(ProviderPlan {
                name,
                connector,
                config,
            });
        }
    }
    Some(providers)
}

/// A provider's name: well formed, and not another's.
fn read_name(
    fields: &mut Fields<'_>,
    value: &Value,
    path: &str,
    providers: &[ProviderPlan],
) -> Option<String> {
    let name = fields.string(value, path)?;
    let shown = fields.findings().echo(name);
    if !is_name(name) {
        fields.error(
            path,
            format!("must be 1 to 64 letters, digits, `.`, `_` or `-`, starting with a letter or digit, found {shown}"),
        );
        None
    } else if providers.iter().any(|p| p.name == name) {
        fields.error(path, format!("{shown} names another provider already"));
        None
    } else {
        Some(name.to_owned())
    }
}

/// The id of a connector of `registry`.
fn read_connector(
    fields: &mut Fields<'_>,
    value: &Value,
    path: &str,
    registry: &Registry,
) -> Option<String> {
    let id = fields.string(value, path)?;
    if registry.get(id).is_some() {
        return Some(id.to_owned());
    }
    let shown = fields.findings().echo(id);
    let known: Vec<&str> = registry.ids().collect();
    fields.error(
        path,
        format!(
            "unknown connector {shown} (known connectors: {})",
            known.join(", ")
        ),
    );
    None
}

fn is_name(name: &str) -> bool {
    let valid = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    (1..=64).contains(&name.len())
        && name.bytes().all(valid)
        && name.as_bytes()[0].is_ascii_alphanumeric()
}

/// A non-empty list of provider names at `path`, each defined and none twice.
fn read_names(
    fields: &mut Fields<'_>,
    value: &Value,
    path: &str,
    names: &[&str],
) -> Option<Vec<String>> {
    let list = fields.list(value, path, "provider names")?;
    if list.is_empty() {
        fields.error(path, "needs at least one provider name");
        return None;
    }
    let mut chosen: Vec<String> = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let path = format!("{path}[{i}]");
        let Some(name) = entry.as_str() else {
            fields.error(
                path,
                format!("expected a provider name, found {}", type_name(entry)),
            );
            continue;
        };
        let shown = fields.findings().echo(name);
        if chosen.iter().any(|c| c == name) {
            fields.error(
                path,
                format!(
                    "{shown} is listed twice: a message is sent through each provider at most once"
                ),
            );
        } else if names.contains(&name) {
            chosen.push(name.to_owned());
        } else {
            fields.error(
                path,
                format!(
                    "no provider is named {shown} (the providers: {})",
                    names.join(", ")
                ),
            );
        }
    }
    (chosen.len() == list.len()).then_some(chosen)
}

fn read_routes(
    fields: &mut Fields<'_>,
    value: &Value,
    path: &str,
    names: &[&str],
) -> Option<Vec<(Vec<String>, Vec<String>)>> {
    let list = fields.list(value, path, "routes")?;
    let mut routes = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let Some(object) = fields.object(entry, &at, &ROUTE_KEYS) else {
            continue;
        };
        let prefixes = match object.get("prefixes") {
            Some(value) => read_prefixes(fields, value, &join(&at, "prefixes")),
            None => fields.missing(
                &at,
                "prefixes",
                "the number prefixes (country calling codes such as \"86\") of the route",
            ),
        };
        let providers = match object.get("providers") {
            Some(value) => read_names(fields, value, &join(&at, "providers"), names),
            None => fields.missing(&at, "providers", "the route's providers, in order"),
        };
        if let (Some(prefixes), Some(providers)) = (prefixes, providers) {
            routes.push((prefixes, providers));
        }
    }
    Some(routes)
}

fn read_prefixes(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<Vec<String>> {
    let list = fields.list(value, path, "prefixes")?;
    if list.is_empty() {
        fields.error(path, "needs at least one prefix");
        return None;
    }
    fields.items(list, path, calling_code)
}

/// A country calling code or a longer prefix, as its digits: `"+86"` is `86`.
fn calling_code(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<String> {
    let Some(code) = value.as_str() else {
        fields.error(
            path,
            format!(
                "expected a string such as \"86\", found {}",
                type_name(value)
            ),
        );
        return None;
    };
    match prefix_digits(code) {
        Ok(digits) => Some(digits),
        Err(why) => {
            let shown = fields.findings().echo(code);
            fields.error(path, format!("{why}, found {shown}"));
            None
        }
    }
}

fn read_breaker(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<BreakerPolicy> {
    let default = BreakerPolicy::default();
    let object = fields.object(value, path, &BREAKER_KEYS)?;
    let threshold = fields.optional(object, path, "failureThreshold", None, |f, v, p| {
        nullable(v, |v| f.whole_number(v, p, 1..=1_000))
    });
    let cool_down = fields.optional(object, path, "coolDownMs", None, |f, v, p| {
        nullable(v, |v| {
            f.whole_number(v, p, 0..=86_400_000)
                .map(Duration::from_millis)
        })
    });
    Some(BreakerPolicy::new(
        threshold?.unwrap_or(default.failure_threshold),
        cool_down?.unwrap_or(default.cool_down),
    ))
}

fn read_settle(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<SettlePolicy> {
    let default = SettlePolicy::default();
    let object = fields.object(value, path, &SETTLE_KEYS)?;
    let millis = |range: RangeInclusive<u64>| {
        move |f: &mut Fields<'_>, v: &Value, p: &str| {
            nullable(v, |v| {
                f.whole_number(v, p, range).map(Duration::from_millis)
            })
        }
    };
    let wait = fields.optional(object, path, "waitMs", None, millis(0..=600_000));
    let interval = fields.optional(object, path, "intervalMs", None, millis(1..=60_000));
    Some(SettlePolicy::new(
        wait?.unwrap_or(default.wait),
        interval?.unwrap_or(default.interval),
    ))
}
