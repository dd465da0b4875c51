//! Reading a routing config: its structure checked, every problem at its JSON path, before any
//! provider is built. A format of our own: an unknown key or a key given twice is refused (a
//! misspelt route or breaker setting silently ignored would change where codes go).

use std::time::Duration;

use schemars::SchemaGenerator;
use serde_json::{Map, Value};

use crate::Registry;
use crate::config::{Findings, ParsedJson, PathSegment, type_name};
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
    let root = findings.object(&parsed.value, "")?;
    findings.refuse_unknown_keys(root, "", &KEYS);

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
        let Some(object) = findings.object(entry, &at) else {
            continue;
        };
        findings.refuse_unknown_keys(object, &at, &PROVIDER_KEYS);
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
                findings.object(other, &format!("{at}.config"));
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
        let Some(object) = findings.object(entry, &at) else {
            continue;
        };
        findings.refuse_unknown_keys(object, &at, &ROUTE_KEYS);
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
    let threshold = read_whole(
        object,
        "circuitBreaker.failureThreshold",
        1..=1_000,
        findings,
    )
    .map(|n| n.unwrap_or(default.failure_threshold));
    let cool_down = read_whole(
        object,
        "circuitBreaker.coolDownMs",
        0..=86_400_000,
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
    let wait = read_whole(object, "settle.waitMs", 0..=600_000, findings)
        .map(|n| n.map_or(default.wait, Duration::from_millis));
    let interval = read_whole(object, "settle.intervalMs", 1..=60_000, findings)
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
        Some(value) => {
            let object = findings.object(value, at)?;
            findings.refuse_unknown_keys(object, at, keys);
            Some(Some(object))
        }
    }
}

/// The optional whole number at `path` (its last key in `object`): `Some(None)` when absent,
/// `None` after a problem.
fn read_whole<T>(
    object: &Map<String, Value>,
    path: &str,
    range: std::ops::RangeInclusive<T>,
    findings: &mut Findings,
) -> Option<Option<T>>
where
    T: Copy + PartialOrd + std::fmt::Display + TryFrom<u64>,
{
    let key = path.rsplit('.').next().unwrap_or(path);
    match object.get(key) {
        None | Some(Value::Null) => Some(None),
        Some(value) => findings.whole_number(value, path, range).map(Some),
    }
}
