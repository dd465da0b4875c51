//! Loading a config with the kit's loader ([`Findings`], read with [`Fields`]): one walk over
//! the JSON that reports every problem with its JSON path (unknown and repeated keys, missing
//! keys, wrong types), then [`check`], the rules that a config built in code must pass too. No
//! message repeats the hash secret, wherever in the input it appears.

use std::collections::HashSet;
use std::fmt::Display;
use std::hash::Hash;
use std::ops::RangeInclusive;
use std::str::FromStr;

use connector_kit::config::{ConfigError, Fields, Findings, LoadOptions, Loaded, nullable};
use connector_kit::{SecretString, UsageType};
use serde_json::Value;

use crate::config::{
    BudgetConfig, CountryRule, DEFAULT_KEY_PREFIX, DEFAULT_REGION, DEFAULT_STORE_TIMEOUT_MS,
    ENV_HASH_SECRET, GuardConfig, MAX_LIMIT, MAX_WINDOW_SECONDS, MIN_HASH_SECRET_LEN, Mode,
    NumberType, NumberTypeRule, Scope, StoreFailure,
};

const FIELDS: [&str; 8] = [
    "hashSecret",
    "onStoreFailure",
    "storeTimeoutMs",
    "keyPrefix",
    "defaultRegion",
    "countries",
    "numberTypes",
    "budgets",
];
const STORE_FAILURE_FIELDS: [&str; 2] = ["action", "limitPercent"];
const STORE_FAILURE_ACTIONS: [&str; 3] = ["failClosed", "failOpen", "localFallback"];
const LIST_RULE_FIELDS: [&str; 3] = ["allow", "deny", "mode"];
const BUDGET_FIELDS: [&str; 8] = [
    "name",
    "scope",
    "limit",
    "windowSeconds",
    "usageTypes",
    "mode",
    "dropDigits",
    "ipv6PrefixLength",
];

const STORE_TIMEOUT_MS: RangeInclusive<u32> = 10..=10_000;
const LIMIT_PERCENT: RangeInclusive<u8> = 1..=100;
const LIMIT: RangeInclusive<u32> = 1..=MAX_LIMIT;
const WINDOW_SECONDS: RangeInclusive<u32> = 1..=MAX_WINDOW_SECONDS;
const DROP_DIGITS: RangeInclusive<u8> = 1..=8;
const IPV6_PREFIX_LENGTH: RangeInclusive<u8> = 16..=128;
/// How messages name the config's secret.
const SECRET: &str = "the hash secret";

/// Builds and checks a config from JSON text; `env` supplies a left-out hash secret.
pub(crate) fn load(
    json: &str,
    options: &LoadOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded<GuardConfig>, ConfigError> {
    let mut findings = Findings::new(options);
    let Some(parsed) = findings.parse_json(json) else {
        return findings.finish(None);
    };
    // The secret first, every value it was given, and the environment's: nothing may echo it
    // from now on.
    for secret in parsed.values_of("hashSecret") {
        findings.add_secrets_in(secret);
    }
    if parsed.value.get("hashSecret").is_none() {
        if let Some(secret) = env(ENV_HASH_SECRET) {
            findings.add_secrets_in(&Value::String(secret));
        }
    }
    // A format of our own: a key given twice is refused, wherever it is.
    findings.duplicate_keys(&parsed.duplicates, |_| true);
    let fields = &mut Fields::new(&mut findings, SECRET).refusing_unknown_keys();
    let config = read_config(fields, &parsed.value, env);
    if let Some(config) = &config {
        check(config, fields);
    }
    findings.finish(config)
}

/// Checks a config built in code.
pub(crate) fn validate(config: &GuardConfig) -> Result<(), ConfigError> {
    let mut findings = Findings::new(&LoadOptions::default());
    findings.add_secrets_in(&Value::String(
        config.hash_secret.expose_secret().to_owned(),
    ));
    check(config, &mut Fields::new(&mut findings, SECRET));
    findings.finish(Some(())).map(drop)
}

/// The rules every config must pass, however it was built.
fn check(config: &GuardConfig, fields: &mut Fields<'_>) {
    let secret = config.hash_secret.expose_secret();
    if secret.chars().count() < MIN_HASH_SECRET_LEN {
        fields.error(
            "hashSecret",
            format!("must be at least {MIN_HASH_SECRET_LEN} characters long"),
        );
    } else if secret.trim() != secret {
        fields.error(
            "hashSecret",
            "has white space at the start or end; remove it",
        );
    }
    in_range(
        fields,
        "storeTimeoutMs",
        config.store_timeout_ms,
        STORE_TIMEOUT_MS,
    );
    let prefix = &config.key_prefix;
    if prefix.is_empty()
        || prefix.len() > 64
        || !prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':'))
    {
        fields.error(
            "keyPrefix",
            "must be 1 to 64 letters, digits, `.`, `_`, `-` or `:`",
        );
    }
    country(fields, "defaultRegion", &config.default_region);
    if let StoreFailure::LocalFallback { limit_percent } = config.on_store_failure {
        in_range(
            fields,
            "onStoreFailure.limitPercent",
            limit_percent,
            LIMIT_PERCENT,
        );
    }
    if let Some(rule) = &config.countries {
        list_rule(
            fields,
            "countries",
            &rule.allow,
            &rule.deny,
            |f, path, code| {
                country(f, path, code);
            },
        );
    }
    if let Some(rule) = &config.number_types {
        list_rule(fields, "numberTypes", &rule.allow, &rule.deny, |_, _, _| {});
    }
    let mut names = HashSet::new();
    for (i, budget) in config.budgets.iter().enumerate() {
        check_budget(fields, &format!("budgets[{i}]"), budget, &mut names);
    }
}

/// The checks of one budget.
fn check_budget<'c>(
    fields: &mut Fields<'_>,
    path: &str,
    budget: &'c BudgetConfig,
    names: &mut HashSet<&'c str>,
) {
    let name = &budget.name;
    if name.is_empty()
        || name.len() > 40
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
    {
        fields.error(
            format!("{path}.name"),
            "must be 1 to 40 letters, digits, `-` or `_`",
        );
    } else if !names.insert(name) {
        let shown = fields.findings().echo(name);
        fields.error(
            format!("{path}.name"),
            format!("{shown} names another budget already; names must be unique"),
        );
    }
    in_range(fields, &format!("{path}.limit"), budget.limit, LIMIT);
    in_range(
        fields,
        &format!("{path}.windowSeconds"),
        budget.window_seconds,
        WINDOW_SECONDS,
    );
    no_duplicates(fields, &format!("{path}.usageTypes"), &budget.usage_types);
    match (budget.scope, budget.drop_digits) {
        (Scope::NumberPrefix, Some(digits)) => {
            in_range(fields, &format!("{path}.dropDigits"), digits, DROP_DIGITS);
        }
        (_, None) => {}
        (scope, Some(_)) => fields.error(
            format!("{path}.dropDigits"),
            format!("only applies to the scope numberPrefix, not {scope}"),
        ),
    }
    match (budget.scope, budget.ipv6_prefix_length) {
        (Scope::Ip, Some(bits)) => {
            in_range(
                fields,
                &format!("{path}.ipv6PrefixLength"),
                bits,
                IPV6_PREFIX_LENGTH,
            );
        }
        (_, None) => {}
        (scope, Some(_)) => fields.error(
            format!("{path}.ipv6PrefixLength"),
            format!("only applies to the scope ip, not {scope}"),
        ),
    }
}

/// The checks of an allow/deny rule: not empty, each entry valid (by `entry`), none twice,
/// none in both lists.
fn list_rule<T: Eq + Hash + Display>(
    fields: &mut Fields<'_>,
    path: &str,
    allow: &[T],
    deny: &[T],
    entry: impl Fn(&mut Fields<'_>, &str, &T),
) {
    if allow.is_empty() && deny.is_empty() {
        fields.error(
            path,
            "give `allow` or `deny` (or leave the rule out): an empty rule does nothing",
        );
    }
    for (list, items) in [("allow", allow), ("deny", deny)] {
        for (i, item) in items.iter().enumerate() {
            entry(fields, &format!("{path}.{list}[{i}]"), item);
        }
        no_duplicates(fields, &format!("{path}.{list}"), items);
    }
    for (i, item) in deny.iter().enumerate() {
        if allow.contains(item) {
            let shown = fields.findings().echo(&item.to_string());
            fields.error(
                format!("{path}.deny[{i}]"),
                format!("{shown} is in `allow` too; keep it in one list"),
            );
        }
    }
}

fn country(fields: &mut Fields<'_>, path: &str, code: &str) {
    let known = code.len() == 2
        && code.bytes().all(|b| b.is_ascii_uppercase())
        && phonenumber::country::Id::from_str(code).is_ok();
    if !known {
        let shown = fields.findings().echo(code);
        fields.error(
            path,
            format!(
                "{shown} is not a country code libphonenumber knows; expected an upper-case \
                 ISO 3166-1 alpha-2 code such as `CN` or `US`"
            ),
        );
    }
}

fn no_duplicates<T: Eq + Hash + Display>(fields: &mut Fields<'_>, path: &str, items: &[T]) {
    let mut seen = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        if !seen.insert(item) {
            let shown = fields.findings().echo(&item.to_string());
            fields.error(format!("{path}[{i}]"), format!("{shown} is listed twice"));
        }
    }
}

/// A problem, worded as the loader words it, when a value set in code is out of `range`.
fn in_range<T>(fields: &mut Fields<'_>, path: &str, value: T, range: RangeInclusive<T>)
where
    T: Copy + PartialOrd + Display + TryFrom<u64> + Into<u64>,
{
    fields.whole_number(&Value::from(value.into()), path, range);
}

fn read_config(
    fields: &mut Fields<'_>,
    value: &Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<GuardConfig> {
    let object = fields.object(value, "", &FIELDS)?;
    let (hash_secret, _) = fields.credential(object, "hashSecret", ENV_HASH_SECRET, env);
    let on_store_failure = match object.get("onStoreFailure") {
        Some(value) => store_failure(fields, value, "onStoreFailure"),
        None => fields.missing(
            "",
            "onStoreFailure",
            "choose failClosed, failOpen or localFallback (e.g. {\"action\": \"failClosed\"})",
        ),
    };
    let store_timeout_ms = fields.optional(
        object,
        "",
        "storeTimeoutMs",
        DEFAULT_STORE_TIMEOUT_MS,
        |f, v, p| f.whole_number(v, p, STORE_TIMEOUT_MS),
    );
    let key_prefix = fields.optional(
        object,
        "",
        "keyPrefix",
        DEFAULT_KEY_PREFIX.to_owned(),
        string,
    );
    let default_region = fields.optional(
        object,
        "",
        "defaultRegion",
        DEFAULT_REGION.to_owned(),
        string,
    );
    let countries = fields.optional(object, "", "countries", None, |f, v, p| {
        nullable(v, |v| country_rule(f, v, p))
    });
    let number_types = fields.optional(object, "", "numberTypes", None, |f, v, p| {
        nullable(v, |v| number_type_rule(f, v, p))
    });
    let budgets = fields.optional(object, "", "budgets", Vec::new(), |f, v, p| {
        let list = f.list(v, p, "budgets")?;
        f.items(list, p, budget)
    });
    Some(GuardConfig {
        hash_secret: SecretString::new(hash_secret?),
        on_store_failure: on_store_failure?,
        store_timeout_ms: store_timeout_ms?,
        key_prefix: key_prefix?,
        default_region: default_region?,
        countries: countries?,
        number_types: number_types?,
        budgets: budgets?,
    })
}

fn store_failure(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<StoreFailure> {
    let object = fields.object(value, path, &STORE_FAILURE_FIELDS)?;
    let action = fields.required(object, path, "action", |f, v, p| {
        f.one_of(v, p, "action", &STORE_FAILURE_ACTIONS, |a| a)
    });
    let percent = object.get("limitPercent");
    match action? {
        "localFallback" => {
            let Some(percent) = percent else {
                fields.error(
                    "onStoreFailure.limitPercent",
                    "is required for localFallback: each budget's limit in percent \
                     while the store is down (1 to 100)",
                );
                return None;
            };
            let limit_percent =
                fields.whole_number(percent, "onStoreFailure.limitPercent", LIMIT_PERCENT)?;
            Some(StoreFailure::LocalFallback { limit_percent })
        }
        _ if percent.is_some() => {
            fields.error(
                "onStoreFailure.limitPercent",
                "only applies to the action localFallback",
            );
            None
        }
        "failOpen" => Some(StoreFailure::FailOpen),
        _ => Some(StoreFailure::FailClosed),
    }
}

fn country_rule(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<CountryRule> {
    let (allow, deny, mode) = list_rule_lists(fields, value, path, "country codes", string)?;
    Some(CountryRule { allow, deny, mode })
}

fn number_type_rule(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<NumberTypeRule> {
    let (allow, deny, mode) = list_rule_lists(fields, value, path, "number types", |f, v, p| {
        f.one_of(v, p, "number type", &NumberType::ALL, NumberType::as_str)
    })?;
    Some(NumberTypeRule { allow, deny, mode })
}

/// An allow/deny rule's `allow` and `deny` lists (of `of`, each item read by `item`) and mode.
fn list_rule_lists<T>(
    fields: &mut Fields<'_>,
    value: &Value,
    path: &str,
    of: &str,
    item: fn(&mut Fields<'_>, &Value, &str) -> Option<T>,
) -> Option<(Vec<T>, Vec<T>, Mode)> {
    let object = fields.object(value, path, &LIST_RULE_FIELDS)?;
    let list = |f: &mut Fields<'_>, v: &Value, p: &str| {
        let list = f.list(v, p, of)?;
        f.items(list, p, item)
    };
    let allow = fields.optional(object, path, "allow", Vec::new(), list);
    let deny = fields.optional(object, path, "deny", Vec::new(), list);
    let mode = fields.optional(object, path, "mode", Mode::Enforce, mode);
    Some((allow?, deny?, mode?))
}

fn budget(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<BudgetConfig> {
    let object = fields.object(value, path, &BUDGET_FIELDS)?;
    let name = fields.required(object, path, "name", string);
    let scope = fields.required(object, path, "scope", |f, v, p| {
        f.one_of(v, p, "scope", &Scope::ALL, Scope::as_str)
    });
    let limit = fields.required(object, path, "limit", |f, v, p| f.whole_number(v, p, LIMIT));
    let window_seconds = fields.required(object, path, "windowSeconds", |f, v, p| {
        f.whole_number(v, p, WINDOW_SECONDS)
    });
    let usage_types = fields.optional(object, path, "usageTypes", Vec::new(), |f, v, p| {
        let list = f.list(v, p, "usage types")?;
        f.items(list, p, |f, v, p| {
            f.one_of(v, p, "usage type", &UsageType::ALL, UsageType::as_str)
        })
    });
    let mode = fields.optional(object, path, "mode", Mode::Enforce, mode);
    let drop_digits = fields.optional(object, path, "dropDigits", None, |f, v, p| {
        nullable(v, |v| f.whole_number(v, p, DROP_DIGITS))
    });
    let ipv6_prefix_length = fields.optional(object, path, "ipv6PrefixLength", None, |f, v, p| {
        nullable(v, |v| f.whole_number(v, p, IPV6_PREFIX_LENGTH))
    });
    Some(BudgetConfig {
        name: name?,
        scope: scope?,
        limit: limit?,
        window_seconds: window_seconds?,
        usage_types: usage_types?,
        mode: mode?,
        drop_digits: drop_digits?,
        ipv6_prefix_length: ipv6_prefix_length?,
    })
}

fn string(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<String> {
    fields.string(value, path).map(str::to_owned)
}

fn mode(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<Mode> {
    fields.one_of(value, path, "mode", &Mode::ALL, Mode::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names the loader reads are the names serde (and so the schema) gives.
    #[test]
    fn names_are_serdes() {
        fn same<T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
            all: &[T],
            name: impl Fn(&T) -> &'static str,
        ) {
            for item in all {
                let read: T = serde_json::from_value(Value::from(name(item))).unwrap();
                assert_eq!(&read, item);
            }
        }
        same(&Mode::ALL, |m| m.as_str());
        same(&Scope::ALL, |s| s.as_str());
        same(&NumberType::ALL, |t| t.as_str());
        assert_eq!(
            serde_json::from_value::<StoreFailure>(serde_json::json!({"action": "failOpen"}))
                .unwrap(),
            StoreFailure::FailOpen
        );
        for action in STORE_FAILURE_ACTIONS {
            let json = serde_json::json!({"action": action, "limitPercent": 5});
            let json = if action == "localFallback" {
                json
            } else {
                serde_json::json!({"action": action})
            };
            serde_json::from_value::<StoreFailure>(json).unwrap();
        }
    }
}
