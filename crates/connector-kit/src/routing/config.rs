//! Reading a routing config: its structure checked, every problem at its JSON path, before any
//! provider is built.

use std::time::Duration;

use schemars::SchemaGenerator;
use serde_json::{Map, Value};

use crate::Registry;
use crate::routing::findings::Findings;
use crate::routing::router::prefix_digits;
use crate::routing::{BreakerPolicy, SettlePolicy};

/// The largest config text read; a longer one is refused before it is parsed.
const MAX_CONFIG_BYTES: usize = 1024 * 1024;

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
pub(crate) fn did_you_mean<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
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

pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
