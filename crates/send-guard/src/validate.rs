//! Loading a config with the kit's loader ([`Findings`]): one walk over the JSON that reports
//! every problem with its JSON path (unknown and repeated keys, missing keys, wrong types),
//! then [`check`], the rules that a config built in code must pass too. No message repeats the
//! hash secret, wherever in the input it appears.

use std::collections::HashSet;
use std::fmt::Display;
use std::hash::Hash;
use std::ops::RangeInclusive;
use std::str::FromStr;

use connector_kit::config::{ConfigError, Findings, LoadOptions, Loaded, type_name};
use connector_kit::{SecretString, UsageType};
use serde_json::{Map, Value};

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
    let config = Walk {
        findings: &mut findings,
    }
    .config(&parsed.value, env);
    if let Some(config) = &config {
        check(config, &mut findings);
    }
    findings.finish(config)
}

/// Checks a config built in code.
pub(crate) fn validate(config: &GuardConfig) -> Result<(), ConfigError> {
    let mut findings = Findings::new(&LoadOptions::default());
    findings.add_secrets_in(&Value::String(
        config.hash_secret.expose_secret().to_owned(),
    ));
    check(config, &mut findings);
    findings.finish(Some(())).map(drop)
}

/// The rules every config must pass, however it was built.
fn check(config: &GuardConfig, findings: &mut Findings) {
    let secret = config.hash_secret.expose_secret();
    if secret.chars().count() < MIN_HASH_SECRET_LEN {
        findings.error(
            "hashSecret",
            format!("must be at least {MIN_HASH_SECRET_LEN} characters long"),
        );
    } else if secret.trim() != secret {
        findings.error(
            "hashSecret",
            "has white space at the start or end; remove it",
        );
    }
    in_range(
        findings,
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
        findings.error(
            "keyPrefix",
            "must be 1 to 64 letters, digits, `.`, `_`, `-` or `:`",
        );
    }
    country(findings, "defaultRegion", &config.default_region);
    if let StoreFailure::LocalFallback { limit_percent } = config.on_store_failure {
        in_range(
            findings,
            "onStoreFailure.limitPercent",
            limit_percent,
            LIMIT_PERCENT,
        );
    }
    if let Some(rule) = &config.countries {
        list_rule(
            findings,
            "countries",
            &rule.allow,
            &rule.deny,
            |f, path, code| {
                country(f, path, code);
            },
        );
    }
    if let Some(rule) = &config.number_types {
        list_rule(
            findings,
            "numberTypes",
            &rule.allow,
            &rule.deny,
            |_, _, _| {},
        );
    }
    let mut names = HashSet::new();
    for (i, budget) in config.budgets.iter().enumerate() {
        check_budget(findings, &format!("budgets[{i}]"), budget, &mut names);
    }
}

/// The checks of one budget.
fn check_budget<'c>(
    findings: &mut Findings,
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
        findings.error(
            format!("{path}.name"),
            "must be 1 to 40 letters, digits, `-` or `_`",
        );
    } else if !names.insert(name) {
        let shown = findings.echo(name);
        findings.error(
            format!("{path}.name"),
            format!("{shown} names another budget already; names must be unique"),
        );
    }
    in_range(findings, &format!("{path}.limit"), budget.limit, LIMIT);
    in_range(
        findings,
        &format!("{path}.windowSeconds"),
        budget.window_seconds,
        WINDOW_SECONDS,
    );
    no_duplicates(findings, &format!("{path}.usageTypes"), &budget.usage_types);
    match (budget.scope, budget.drop_digits) {
        (Scope::NumberPrefix, Some(digits)) => {
            in_range(findings, &format!("{path}.dropDigits"), digits, DROP_DIGITS);
        }
        (_, None) => {}
        (scope, Some(_)) => findings.error(
            format!("{path}.dropDigits"),
            format!("only applies to the scope numberPrefix, not {scope}"),
        ),
    }
    match (budget.scope, budget.ipv6_prefix_length) {
        (Scope::Ip, Some(bits)) => {
            in_range(
                findings,
                &format!("{path}.ipv6PrefixLength"),
                bits,
                IPV6_PREFIX_LENGTH,
            );
        }
        (_, None) => {}
        (scope, Some(_)) => findings.error(
            format!("{path}.ipv6PrefixLength"),
            format!("only applies to the scope ip, not {scope}"),
        ),
    }
}

/// The checks of an allow/deny rule: not empty, each entry valid (by `entry`), none twice,
/// none in both lists.
fn list_rule<T: Eq + Hash + Display>(
    findings: &mut Findings,
    path: &str,
    allow: &[T],
    deny: &[T],
    entry: impl Fn(&mut Findings, &str, &T),
) {
    if allow.is_empty() && deny.is_empty() {
        findings.error(
            path,
            "give `allow` or `deny` (or leave the rule out): an empty rule does nothing",
        );
    }
    for (list, items) in [("allow", allow), ("deny", deny)] {
        for (i, item) in items.iter().enumerate() {
            entry(findings, &format!("{path}.{list}[{i}]"), item);
        }
        no_duplicates(findings, &format!("{path}.{list}"), items);
    }
    for (i, item) in deny.iter().enumerate() {
        if allow.contains(item) {
            let shown = findings.echo(&item.to_string());
            findings.error(
                format!("{path}.deny[{i}]"),
                format!("{shown} is in `allow` too; keep it in one list"),
            );
        }
    }
}

fn country(findings: &mut Findings, path: &str, code: &str) {
    let known = code.len() == 2
        && code.bytes().all(|b| b.is_ascii_uppercase())
        && phonenumber::country::Id::from_str(code).is_ok();
    if !known {
        let shown = findings.echo(code);
        findings.error(
            path,
            format!(
                "{shown} is not a country code libphonenumber knows; expected an upper-case \
                 ISO 3166-1 alpha-2 code such as `CN` or `US`"
            ),
        );
    }
}

fn no_duplicates<T: Eq + Hash + Display>(findings: &mut Findings, path: &str, items: &[T]) {
    let mut seen = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        if !seen.insert(item) {
            let shown = findings.echo(&item.to_string());
            findings.error(format!("{path}[{i}]"), format!("{shown} is listed twice"));
        }
    }
}

/// A problem, worded as the loader words it, when a value set in code is out of `range`.
fn in_range<T>(findings: &mut Findings, path: &str, value: T, range: RangeInclusive<T>)
where
    T: Copy + PartialOrd + Display + TryFrom<u64> + Into<u64>,
{
    findings.whole_number(&Value::from(value.into()), path, range);
}

/// The walk over the JSON: every problem recorded, the config built when there is none.
struct Walk<'f> {
    findings: &'f mut Findings,
}

impl Walk<'_> {
    fn config(
        &mut self,
        value: &Value,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Option<GuardConfig> {
        let object = self.object(value, "", &FIELDS)?;
        let hash_secret = match object.get("hashSecret") {
            Some(value) => self
                .findings
                .string(value, "hashSecret")
                .map(SecretString::new),
            None => match env(ENV_HASH_SECRET).filter(|s| !s.is_empty()) {
                Some(secret) => Some(SecretString::new(secret)),
                None => {
                    self.findings.error(
                        "hashSecret",
                        format!(
                            "is required: set it here, or leave it out and set the \
                             {ENV_HASH_SECRET} environment variable"
                        ),
                    );
                    None
                }
            },
        };
        let on_store_failure = match object.get("onStoreFailure") {
            Some(value) => self.store_failure(value),
            None => {
                self.findings.error(
                    "onStoreFailure",
                    "is required: choose failClosed, failOpen or localFallback \
                     (e.g. {\"action\": \"failClosed\"})",
                );
                None
            }
        };
        let store_timeout_ms = self.optional(
            object,
            "",
            "storeTimeoutMs",
            DEFAULT_STORE_TIMEOUT_MS,
            |w, v, p| w.findings.whole_number(v, p, STORE_TIMEOUT_MS),
        );
        let key_prefix = self.optional(
            object,
            "",
            "keyPrefix",
            DEFAULT_KEY_PREFIX.to_owned(),
            Self::string,
        );
        let default_region = self.optional(
            object,
            "",
            "defaultRegion",
            DEFAULT_REGION.to_owned(),
            Self::string,
        );
        let countries = self.optional(object, "", "countries", None, |w, v, p| {
            nullable(v, |v| w.country_rule(v, p))
        });
        let number_types = self.optional(object, "", "numberTypes", None, |w, v, p| {
            nullable(v, |v| w.number_type_rule(v, p))
        });
        let budgets = self.optional(object, "", "budgets", Vec::new(), |w, v, p| {
            w.list(v, p, Self::budget)
        });
        Some(GuardConfig {
            hash_secret: hash_secret?,
            on_store_failure: on_store_failure?,
            store_timeout_ms: store_timeout_ms?,
            key_prefix: key_prefix?,
            default_region: default_region?,
            countries: countries?,
            number_types: number_types?,
            budgets: budgets?,
        })
    }

    fn store_failure(&mut self, value: &Value) -> Option<StoreFailure> {
        let path = "onStoreFailure";
        let object = self.object(value, path, &STORE_FAILURE_FIELDS)?;
        let action = self.required(object, path, "action", |w, v, p| {
            w.findings.one_of(v, p, "action", &STORE_FAILURE_ACTIONS)
        });
        let percent = object.get("limitPercent");
        match STORE_FAILURE_ACTIONS[action?] {
            "localFallback" => {
                let Some(percent) = percent else {
                    self.findings.error(
                        "onStoreFailure.limitPercent",
                        "is required for localFallback: each budget's limit in percent \
                         while the store is down (1 to 100)",
                    );
                    return None;
                };
                let limit_percent = self.findings.whole_number(
                    percent,
                    "onStoreFailure.limitPercent",
                    LIMIT_PERCENT,
                )?;
                Some(StoreFailure::LocalFallback { limit_percent })
            }
            _ if percent.is_some() => {
                self.findings.error(
                    "onStoreFailure.limitPercent",
                    "only applies to the action localFallback",
                );
                None
            }
            "failOpen" => Some(StoreFailure::FailOpen),
            _ => Some(StoreFailure::FailClosed),
        }
    }

    fn country_rule(&mut self, value: &Value, path: &str) -> Option<CountryRule> {
        let object = self.object(value, path, &LIST_RULE_FIELDS)?;
        let list = |w: &mut Self, v: &Value, p: &str| w.list(v, p, Self::string);
        let allow = self.optional(object, path, "allow", Vec::new(), list);
        let deny = self.optional(object, path, "deny", Vec::new(), list);
        let mode = self.optional(object, path, "mode", Mode::Enforce, Self::mode);
        Some(CountryRule {
            allow: allow?,
            deny: deny?,
            mode: mode?,
        })
    }

    fn number_type_rule(&mut self, value: &Value, path: &str) -> Option<NumberTypeRule> {
        let object = self.object(value, path, &LIST_RULE_FIELDS)?;
        let list = |w: &mut Self, v: &Value, p: &str| w.list(v, p, Self::number_type);
        let allow = self.optional(object, path, "allow", Vec::new(), list);
        let deny = self.optional(object, path, "deny", Vec::new(), list);
        let mode = self.optional(object, path, "mode", Mode::Enforce, Self::mode);
        Some(NumberTypeRule {
            allow: allow?,
            deny: deny?,
            mode: mode?,
        })
    }

    fn budget(&mut self, value: &Value, path: &str) -> Option<BudgetConfig> {
        let object = self.object(value, path, &BUDGET_FIELDS)?;
        let name = self.required(object, path, "name", Self::string);
        let scope = self.required(object, path, "scope", Self::scope);
        let limit = self.required(object, path, "limit", |w, v, p| {
            w.findings.whole_number(v, p, LIMIT)
        });
        let window_seconds = self.required(object, path, "windowSeconds", |w, v, p| {
            w.findings.whole_number(v, p, WINDOW_SECONDS)
        });
        let usage_types = self.optional(object, path, "usageTypes", Vec::new(), |w, v, p| {
            w.list(v, p, Self::usage_type)
        });
        let mode = self.optional(object, path, "mode", Mode::Enforce, Self::mode);
        let drop_digits = self.optional(object, path, "dropDigits", None, |w, v, p| {
            nullable(v, |v| w.findings.whole_number(v, p, DROP_DIGITS))
        });
        let ipv6_prefix_length =
            self.optional(object, path, "ipv6PrefixLength", None, |w, v, p| {
                nullable(v, |v| w.findings.whole_number(v, p, IPV6_PREFIX_LENGTH))
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

    /// An object, with a problem for each key not in `fields`.
    fn object<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        fields: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let object = self.findings.object(value, path)?;
        self.findings.refuse_unknown_keys(object, path, fields);
        Some(object)
    }

    fn required<T>(
        &mut self,
        object: &Map<String, Value>,
        path: &str,
        key: &str,
        read: impl FnOnce(&mut Self, &Value, &str) -> Option<T>,
    ) -> Option<T> {
        let path = join(path, key);
        match object.get(key) {
            Some(value) => read(self, value, &path),
            None => {
                self.findings.error(path, "is required");
                None
            }
        }
    }

    /// The value at `key`, or `default` when it is left out.
    fn optional<T>(
        &mut self,
        object: &Map<String, Value>,
        path: &str,
        key: &str,
        default: T,
        read: impl FnOnce(&mut Self, &Value, &str) -> Option<T>,
    ) -> Option<T> {
        match object.get(key) {
            None => Some(default),
            Some(value) => read(self, value, &join(path, key)),
        }
    }

    /// A list, each item read by `read` (at `path[i]`).
    fn list<T>(
        &mut self,
        value: &Value,
        path: &str,
        mut read: impl FnMut(&mut Self, &Value, &str) -> Option<T>,
    ) -> Option<Vec<T>> {
        let Value::Array(items) = value else {
            self.findings
                .error(path, format!("expected a list, found {}", type_name(value)));
            return None;
        };
        let read: Vec<Option<T>> = items
            .iter()
            .enumerate()
            .map(|(i, item)| read(self, item, &format!("{path}[{i}]")))
            .collect();
        read.into_iter().collect()
    }

    fn string(&mut self, value: &Value, path: &str) -> Option<String> {
        self.findings.string(value, path).map(str::to_owned)
    }

    fn mode(&mut self, value: &Value, path: &str) -> Option<Mode> {
        let names = Mode::ALL.map(Mode::as_str);
        let at = self.findings.one_of(value, path, "mode", &names)?;
        Some(Mode::ALL[at])
    }

    fn scope(&mut self, value: &Value, path: &str) -> Option<Scope> {
        let names = Scope::ALL.map(Scope::as_str);
        let at = self.findings.one_of(value, path, "scope", &names)?;
        Some(Scope::ALL[at])
    }

    fn number_type(&mut self, value: &Value, path: &str) -> Option<NumberType> {
        let names = NumberType::ALL.map(NumberType::as_str);
        let at = self.findings.one_of(value, path, "number type", &names)?;
        Some(NumberType::ALL[at])
    }

    fn usage_type(&mut self, value: &Value, path: &str) -> Option<UsageType> {
        let names = UsageType::ALL.map(UsageType::as_str);
        let at = self.findings.one_of(value, path, "usage type", &names)?;
        Some(UsageType::ALL[at])
    }
}

/// A setting that may be `null` (an `Option` in the config, so in its schema): `Some(None)`
/// for `null`, else what `read` makes of the value.
fn nullable<T>(value: &Value, read: impl FnOnce(&Value) -> Option<T>) -> Option<Option<T>> {
    match value {
        Value::Null => Some(None),
        value => read(value).map(Some),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
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
