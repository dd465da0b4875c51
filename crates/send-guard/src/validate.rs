//! Loading a config: one walk over the JSON that reports every problem with its JSON path
//! (unknown keys with a suggestion, missing keys, wrong types), then [`check`], the rules that
//! a config built in code must pass too. No message repeats the hash secret.

use std::collections::HashSet;
use std::hash::Hash;
use std::ops::RangeInclusive;
use std::str::FromStr;

use connector_kit::SecretString;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::config::{
    BudgetConfig, ConfigError, ConfigProblem, CountryRule, DEFAULT_KEY_PREFIX, DEFAULT_REGION,
    DEFAULT_STORE_TIMEOUT_MS, ENV_HASH_SECRET, GuardConfig, MAX_LIMIT, MAX_WINDOW_SECONDS,
    MIN_HASH_SECRET_LEN, Mode, NumberTypeRule, Scope, StoreFailure,
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

const STORE_TIMEOUT_MS: RangeInclusive<u64> = 10..=10_000;
const LIMIT_PERCENT: RangeInclusive<u64> = 1..=100;
const DROP_DIGITS: RangeInclusive<u64> = 1..=8;
const IPV6_PREFIX_LENGTH: RangeInclusive<u64> = 16..=128;

/// Builds and checks a config from JSON; `env` supplies a left-out hash secret.
pub(crate) fn load(
    value: &Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<GuardConfig, ConfigError> {
    let mut walk = Walk::default();
    let config = walk.config(value, env);
    if let Some(config) = &config {
        walk.problems.extend(check(config));
    }
    match config {
        Some(config) if walk.problems.is_empty() => Ok(config),
        _ => {
            if walk.problems.is_empty() {
                walk.problem("", "the config is incomplete");
            }
            Err(ConfigError {
                problems: walk.problems,
            })
        }
    }
}

/// The rules every config must pass, however it was built.
pub(crate) fn check(config: &GuardConfig) -> Vec<ConfigProblem> {
    let mut walk = Walk::default();
    let secret = config.hash_secret.expose_secret();
    if secret.chars().count() < MIN_HASH_SECRET_LEN {
        walk.problem(
            "hashSecret",
            format!("must be at least {MIN_HASH_SECRET_LEN} characters long"),
        );
    } else if secret.trim() != secret {
        walk.problem(
            "hashSecret",
            "has white space at the start or end; remove it",
        );
    }
    walk.range(
        "storeTimeoutMs",
        config.store_timeout_ms.into(),
        STORE_TIMEOUT_MS,
    );
    let prefix = &config.key_prefix;
    if prefix.is_empty()
        || prefix.len() > 64
        || !prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':'))
    {
        walk.problem(
            "keyPrefix",
            "must be 1 to 64 letters, digits, `.`, `_`, `-` or `:`",
        );
    }
    walk.country("defaultRegion", &config.default_region);
    if let StoreFailure::LocalFallback { limit_percent } = config.on_store_failure {
        walk.range(
            "onStoreFailure.limitPercent",
            limit_percent.into(),
            LIMIT_PERCENT,
        );
    }
    if let Some(rule) = &config.countries {
        walk.list_rule("countries", &rule.allow, &rule.deny, |walk, path, code| {
            walk.country(path, code)
        });
    }
    if let Some(rule) = &config.number_types {
        walk.list_rule("numberTypes", &rule.allow, &rule.deny, |_, _, _| {});
    }
    let mut names = HashSet::new();
    for (i, budget) in config.budgets.iter().enumerate() {
        walk.budget(&format!("budgets[{i}]"), budget, &mut names);
    }
    walk.problems
}

#[derive(Default)]
struct Walk {
    problems: Vec<ConfigProblem>,
}

impl Walk {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(ConfigProblem::new(path, message));
    }

    fn config(
        &mut self,
        value: &Value,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Option<GuardConfig> {
        let object = self.object(value, "", &FIELDS)?;
        let hash_secret = match object.get("hashSecret") {
            Some(Value::String(secret)) => Some(SecretString::new(secret.as_str())),
            Some(other) => {
                self.problem(
                    "hashSecret",
                    format!("expected a string, found {}", type_name(other)),
                );
                None
            }
            None => match env(ENV_HASH_SECRET).filter(|s| !s.is_empty()) {
                Some(secret) => Some(SecretString::new(secret)),
                None => {
                    self.problem(
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
                self.problem(
                    "onStoreFailure",
                    "is required: choose failClosed, failOpen or localFallback \
                     (e.g. {\"action\": \"failClosed\"})",
                );
                None
            }
        };
        let store_timeout_ms = match object.get("storeTimeoutMs") {
            Some(value) => self.whole(value, "storeTimeoutMs", STORE_TIMEOUT_MS),
            None => Some(DEFAULT_STORE_TIMEOUT_MS),
        };
        let key_prefix = self.optional(object, "", "keyPrefix", DEFAULT_KEY_PREFIX.to_owned());
        let default_region = self.optional(object, "", "defaultRegion", DEFAULT_REGION.to_owned());
        let countries = match object.get("countries") {
            None | Some(Value::Null) => Some(None),
            Some(value) => self.country_rule(value).map(Some),
        };
        let number_types = match object.get("numberTypes") {
            None | Some(Value::Null) => Some(None),
            Some(value) => self.number_type_rule(value).map(Some),
        };
        let budgets = match object.get("budgets") {
            None => Some(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| self.budget_json(item, &format!("budgets[{i}]")))
                .collect::<Vec<_>>()
                .into_iter()
                .collect(),
            Some(other) => {
                self.problem(
                    "budgets",
                    format!("expected a list, found {}", type_name(other)),
                );
                None
            }
        };
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
        let object = self.object(value, "onStoreFailure", &STORE_FAILURE_FIELDS)?;
        let action: Option<String> = self.required(object, "onStoreFailure", "action");
        let percent = object.get("limitPercent");
        match action.as_deref()? {
            "failClosed" | "failOpen" if percent.is_some() => {
                self.problem(
                    "onStoreFailure.limitPercent",
                    "only applies to the action localFallback",
                );
                None
            }
            "failClosed" => Some(StoreFailure::FailClosed),
            "failOpen" => Some(StoreFailure::FailOpen),
            "localFallback" => {
                let Some(percent) = percent else {
                    self.problem(
                        "onStoreFailure.limitPercent",
                        "is required for localFallback: each budget's limit in percent \
                         while the store is down (1 to 100)",
                    );
                    return None;
                };
                let limit_percent =
                    self.whole(percent, "onStoreFailure.limitPercent", LIMIT_PERCENT)?;
                Some(StoreFailure::LocalFallback { limit_percent })
            }
            other => {
                self.problem(
                    "onStoreFailure.action",
                    format!(
                        "unknown action `{other}`; expected one of: failClosed, failOpen, \
                         localFallback"
                    ),
                );
                None
            }
        }
    }

    fn country_rule(&mut self, value: &Value) -> Option<CountryRule> {
        let object = self.object(value, "countries", &LIST_RULE_FIELDS)?;
        Some(CountryRule {
            allow: self.optional(object, "countries", "allow", Vec::new())?,
            deny: self.optional(object, "countries", "deny", Vec::new())?,
            mode: self.optional(object, "countries", "mode", Mode::Enforce)?,
        })
    }

    fn number_type_rule(&mut self, value: &Value) -> Option<NumberTypeRule> {
        let object = self.object(value, "numberTypes", &LIST_RULE_FIELDS)?;
        let allow = self.optional(object, "numberTypes", "allow", Vec::new());
        let deny = self.optional(object, "numberTypes", "deny", Vec::new());
        let mode = self.optional(object, "numberTypes", "mode", Mode::Enforce);
        Some(NumberTypeRule {
            allow: allow?,
            deny: deny?,
            mode: mode?,
        })
    }

    fn budget_json(&mut self, value: &Value, path: &str) -> Option<BudgetConfig> {
        let object = self.object(value, path, &BUDGET_FIELDS)?;
        let name = self.required(object, path, "name");
        let scope = self.required(object, path, "scope");
        let limit = self.required_whole(object, path, "limit", 1..=u64::from(MAX_LIMIT));
        let window_seconds = self.required_whole(
            object,
            path,
            "windowSeconds",
            1..=u64::from(MAX_WINDOW_SECONDS),
        );
        let usage_types = self.optional(object, path, "usageTypes", Vec::new());
        let mode = self.optional(object, path, "mode", Mode::Enforce);
        let drop_digits = self.optional_whole(object, path, "dropDigits", DROP_DIGITS);
        let ipv6_prefix_length =
            self.optional_whole(object, path, "ipv6PrefixLength", IPV6_PREFIX_LENGTH);
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

    /// The checks of one budget, for [`check`].
    fn budget<'c>(&mut self, path: &str, budget: &'c BudgetConfig, names: &mut HashSet<&'c str>) {
        let name = &budget.name;
        if name.is_empty()
            || name.len() > 40
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        {
            self.problem(
                format!("{path}.name"),
                "must be 1 to 40 letters, digits, `-` or `_`",
            );
        } else if !names.insert(name) {
            self.problem(
                format!("{path}.name"),
                format!("`{name}` names another budget already; names must be unique"),
            );
        }
        self.range(
            &format!("{path}.limit"),
            budget.limit.into(),
            1..=u64::from(MAX_LIMIT),
        );
        self.range(
            &format!("{path}.windowSeconds"),
            budget.window_seconds.into(),
            1..=u64::from(MAX_WINDOW_SECONDS),
        );
        self.no_duplicates(&format!("{path}.usageTypes"), &budget.usage_types);
        match (budget.scope, budget.drop_digits) {
            (Scope::NumberPrefix, Some(digits)) => {
                self.range(&format!("{path}.dropDigits"), digits.into(), DROP_DIGITS);
            }
            (_, None) => {}
            (scope, Some(_)) => self.problem(
                format!("{path}.dropDigits"),
                format!("only applies to the scope numberPrefix, not {scope}"),
            ),
        }
        match (budget.scope, budget.ipv6_prefix_length) {
            (Scope::Ip, Some(bits)) => {
                self.range(
                    &format!("{path}.ipv6PrefixLength"),
                    bits.into(),
                    IPV6_PREFIX_LENGTH,
                );
            }
            (_, None) => {}
            (scope, Some(_)) => self.problem(
                format!("{path}.ipv6PrefixLength"),
                format!("only applies to the scope ip, not {scope}"),
            ),
        }
    }

    /// The checks of an allow/deny rule: not empty, each entry valid (by `entry`), none twice,
    /// none in both lists.
    fn list_rule<T: Eq + Hash + std::fmt::Debug>(
        &mut self,
        path: &str,
        allow: &[T],
        deny: &[T],
        mut entry: impl FnMut(&mut Self, &str, &T),
    ) {
        if allow.is_empty() && deny.is_empty() {
            self.problem(
                path,
                "give `allow` or `deny` (or leave the rule out): an empty rule does nothing",
            );
        }
        for (list, items) in [("allow", allow), ("deny", deny)] {
            for (i, item) in items.iter().enumerate() {
                entry(self, &format!("{path}.{list}[{i}]"), item);
            }
            self.no_duplicates(&format!("{path}.{list}"), items);
        }
        for (i, item) in deny.iter().enumerate() {
            if allow.contains(item) {
                self.problem(
                    format!("{path}.deny[{i}]"),
                    format!("{item:?} is in `allow` too; keep it in one list"),
                );
            }
        }
    }

    fn country(&mut self, path: &str, code: &str) {
        let known = code.len() == 2
            && code.bytes().all(|b| b.is_ascii_uppercase())
            && phonenumber::country::Id::from_str(code).is_ok();
        if !known {
            self.problem(
                path,
                format!(
                    "`{code}` is not a country code libphonenumber knows; expected an upper-case \
                     ISO 3166-1 alpha-2 code such as `CN` or `US`"
                ),
            );
        }
    }

    fn no_duplicates<T: Eq + Hash + std::fmt::Debug>(&mut self, path: &str, items: &[T]) {
        let mut seen = HashSet::new();
        for (i, item) in items.iter().enumerate() {
            if !seen.insert(item) {
                self.problem(format!("{path}[{i}]"), format!("{item:?} is listed twice"));
            }
        }
    }

    fn range(&mut self, path: &str, value: u64, range: RangeInclusive<u64>) {
        if !range.contains(&value) {
            self.problem(path, out_of_range(&range, &value.to_string()));
        }
    }

    /// An object, with a problem for each key not in `fields`.
    fn object<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        fields: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Some(object) = value.as_object() else {
            let subject = if path.is_empty() {
                "the config must be"
            } else {
                "expected"
            };
            self.problem(
                path,
                format!("{subject} an object, found {}", type_name(value)),
            );
            return None;
        };
        for key in object.keys() {
            if !fields.contains(&key.as_str()) {
                self.problem(join(path, key), unknown_field(key, fields));
            }
        }
        Some(object)
    }

    fn required<T: DeserializeOwned>(
        &mut self,
        object: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Option<T> {
        match object.get(key) {
            Some(value) => self.typed(value, &join(path, key)),
            None => {
                self.problem(join(path, key), "is required");
                None
            }
        }
    }

    fn optional<T: DeserializeOwned>(
        &mut self,
        object: &Map<String, Value>,
        path: &str,
        key: &str,
        default: T,
    ) -> Option<T> {
        match object.get(key) {
            Some(value) => self.typed(value, &join(path, key)),
            None => Some(default),
        }
    }

    /// A value of a type that serde reads, with serde's message (none of these is a secret).
    fn typed<T: DeserializeOwned>(&mut self, value: &Value, path: &str) -> Option<T> {
        serde_json::from_value(value.clone())
            .map_err(|e| self.problem(path, e.to_string()))
            .ok()
    }

    fn required_whole<T: TryFrom<u64>>(
        &mut self,
        object: &Map<String, Value>,
        path: &str,
        key: &str,
        range: RangeInclusive<u64>,
    ) -> Option<T> {
        match object.get(key) {
            Some(value) => self.whole(value, &join(path, key), range),
            None => {
                self.problem(join(path, key), "is required");
                None
            }
        }
    }

    fn optional_whole<T: TryFrom<u64>>(
        &mut self,
        object: &Map<String, Value>,
        path: &str,
        key: &str,
        range: RangeInclusive<u64>,
    ) -> Option<Option<T>> {
        match object.get(key) {
            None | Some(Value::Null) => Some(None),
            Some(value) => self.whole(value, &join(path, key), range).map(Some),
        }
    }

    /// A whole number in `range`.
    fn whole<T: TryFrom<u64>>(
        &mut self,
        value: &Value,
        path: &str,
        range: RangeInclusive<u64>,
    ) -> Option<T> {
        let number = value
            .as_u64()
            .filter(|n| range.contains(n))
            .and_then(|n| T::try_from(n).ok());
        if number.is_none() {
            let found = match value {
                Value::Number(n) => n.to_string(),
                other => type_name(other).to_owned(),
            };
            self.problem(path, out_of_range(&range, &found));
        }
        number
    }
}

fn out_of_range(range: &RangeInclusive<u64>, found: &str) -> String {
    format!(
        "must be a whole number from {} to {}, found {found}",
        range.start(),
        range.end()
    )
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
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

/// `unknown field; did you mean `budgets`?`, or the list of valid names.
fn unknown_field(key: &str, fields: &[&str]) -> String {
    let wanted = key.to_lowercase().replace(['_', '-'], "");
    let suggestion = fields
        .iter()
        .map(|field| (strsim::levenshtein(&wanted, &field.to_lowercase()), field))
        .filter(|&(distance, field)| distance <= 2.max(field.len() / 4))
        .min_by_key(|&(distance, _)| distance);
    match suggestion {
        Some((_, field)) => format!("unknown field; did you mean `{field}`?"),
        None => format!("unknown field; expected one of: {}", fields.join(", ")),
    }
}
