//! Reading a config's fields into typed values, reporting each problem at its path: the one
//! reading API of every loader, provider connectors' and the kit's own formats alike, so that
//! each value is read, and each problem worded, the same way everywhere.

use std::fmt::Display;
use std::ops::RangeInclusive;

use serde_json::{Map, Number, Value};

use super::{Findings, did_you_mean, escape, find_control_or_invisible, type_name};

/// Where a credential came from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The config's JSON.
    Json,
    /// This environment variable (the key was left out of the JSON).
    Env(&'static str),
}

/// What [`Fields::object`] does with a key it does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UnknownKeys {
    /// Ignored with a warning (a problem in strict mode): a format that must take stray keys,
    /// as Logto's configs.
    Warn,
    /// A problem: a format of our own, where a misspelt key would silently drop a setting.
    Refuse,
}

/// A loader's reader of the config's fields, over its [`Findings`]: each method reads one
/// value, records what is wrong with it (at `path`, the value's JSON path) and gives the value
/// when it is usable, so that one walk over the config reports every problem.
///
/// Reading a structure: [`object`](Self::object) (its unknown keys checked),
/// [`required`](Self::required) (or [`missing`](Self::missing), saying what for) and
/// [`optional`](Self::optional) keys, [`list`](Self::list)
/// and its [`items`](Self::items), [`nullable`] settings. Reading a value:
/// [`string`](Self::string), [`exact_string`](Self::exact_string) (a credential, used exactly
/// as given), [`credential`](Self::credential) (or from the environment),
/// [`trimmed`](Self::trimmed) (trimmed with a warning), [`whole_number`](Self::whole_number)
/// in a range (`1e3` included), [`boolean`](Self::boolean), [`one_of`](Self::one_of) (a name
/// among known ones); and never a secret in a value sent in clear
/// ([`sent_in_clear`](Self::sent_in_clear)).
///
/// ```
/// use connector_kit::config::{Fields, Findings, LoadOptions};
/// use serde_json::json;
///
/// let config = json!({"sender": " 10690 ", "retries": 1e1, "apiKey": "k-3f9a77"});
/// let mut findings = Findings::new(&LoadOptions::default());
/// findings.add_secrets_in(&config["apiKey"]);
/// let mut fields = Fields::new(&mut findings, "the API key");
/// let object = fields.object(&config, "", &["sender", "retries", "apiKey"]).unwrap();
/// let sender = fields.required(object, "", "sender", |f, v, p| f.trimmed(v, p, "removed"));
/// let retries = fields.optional(object, "", "retries", 3, |f, v, p| f.whole_number(v, p, 0..=10));
/// assert_eq!((sender.as_deref(), retries), (Some("10690"), Some(10)));
/// let loaded = findings.finish(Some(())).unwrap();
/// assert_eq!(loaded.warnings.to_string(), r"sender: white space around the value (`\u{20}` at the start and `\u{20}` at the end); removed");
/// ```
#[derive(Debug)]
pub struct Fields<'f> {
    findings: &'f mut Findings,
    /// How messages name the secrets, e.g. `the SecretKey or the token`.
    secrets_named: &'static str,
    unknown_keys: UnknownKeys,
}

impl<'f> Fields<'f> {
    /// A reader reporting to `findings`; `secrets_named` is how a message names the config's
    /// secrets (`the AccessKey secret or the STS token`). An unknown key is ignored with a
    /// warning, as Logto's configs need; see
    /// [`refusing_unknown_keys`](Self::refusing_unknown_keys).
    pub fn new(findings: &'f mut Findings, secrets_named: &'static str) -> Self {
        Fields {
            findings,
            secrets_named,
            unknown_keys: UnknownKeys::Warn,
        }
    }

    /// This reader, with an unknown key a problem, strict mode or not: for a format of its
    /// own, where a misspelt key silently ignored would drop a setting.
    ///
    /// ```
    /// use connector_kit::config::{Fields, Findings, LoadOptions};
    /// use serde_json::json;
    ///
    /// let mut findings = Findings::new(&LoadOptions::default());
    /// let mut fields = Fields::new(&mut findings, "the key").refusing_unknown_keys();
    /// fields.object(&json!({"limt": 5}), "budgets[0]", &["limit", "name"]);
    /// let err = findings.finish(Some(())).unwrap_err();
    /// assert_eq!(err.to_string(), "budgets[0].limt: unknown field (did you mean `limit`?)");
    /// ```
    pub fn refusing_unknown_keys(mut self) -> Self {
        self.unknown_keys = UnknownKeys::Refuse;
        self
    }

    /// The findings, for what the reader has no method for.
    pub fn findings(&mut self) -> &mut Findings {
        self.findings
    }

    /// Records a problem.
    pub fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.findings.error(path, message);
    }

    /// `value` as an object, or a problem at `path`: `expected an object, found a list` (for
    /// the document itself, at the empty path: `the config must be an object, found a list`).
    /// Each key not in `known` is reported, with a "did you mean": ignored with a warning, or
    /// refused ([`refusing_unknown_keys`](Self::refusing_unknown_keys)).
    pub fn object<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        known: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Some(object) = value.as_object() else {
            let subject = match path.is_empty() {
                true => "the config must be",
                false => "expected",
            };
            self.error(
                path,
                format!("{subject} an object, found {}", type_name(value)),
            );
            return None;
        };
        self.findings
            .unknown_keys(object, path, known, self.unknown_keys);
        Some(object)
    }

    /// `object[key]` (the object standing at `path`) read by `read` at `path.key`, or a
    /// problem there when it is missing: `is required`.
    pub fn required<T>(
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
                self.error(path, "is required");
                None
            }
        }
    }

    /// Records that `path.key` is missing and what it is for: `is required: {why}`. For a key
    /// whose absence deserves more than [`required`](Self::required)'s `is required`:
    ///
    /// ```
    /// use connector_kit::config::{Fields, Findings, LoadOptions};
    /// use serde_json::json;
    ///
    /// let mut findings = Findings::new(&LoadOptions::default());
    /// let mut fields = Fields::new(&mut findings, "the key");
    /// let config = json!({"templateCode": {"china": "SMS_1"}});
    /// let code = &config["templateCode"];
    /// let overseas: Option<String> = match code.get("overseas") {
    ///     Some(value) => fields.exact_string(value, "templateCode.overseas"),
    ///     None => fields.missing("templateCode", "overseas", "give both a china and an overseas code"),
    /// };
    /// assert_eq!(overseas, None);
    /// assert_eq!(
    ///     findings.finish(Some(())).unwrap_err().to_string(),
    ///     "templateCode.overseas: is required: give both a china and an overseas code"
    /// );
    /// ```
    pub fn missing<T>(&mut self, path: &str, key: &str, why: &str) -> Option<T> {
        self.error(join(path, key), format!("is required: {why}"));
        None
    }

    /// `object[key]` (the object standing at `path`) read by `read` at `path.key`, or
    /// `default` when it is missing.
    pub fn optional<T>(
        &mut self,
        object: &Map<String, Value>,
        path: &str,
        key: &str,
        default: T,
        read: impl FnOnce(&mut Self, &Value, &str) -> Option<T>,
    ) -> Option<T> {
        match object.get(key) {
            Some(value) => read(self, value, &join(path, key)),
            None => Some(default),
        }
    }

    /// `value` as a list, or a problem at `path` that says of what: `expected a list of
    /// templates, found a string`.
    pub fn list<'v>(&mut self, value: &'v Value, path: &str, of: &str) -> Option<&'v [Value]> {
        let list = value.as_array().map(Vec::as_slice);
        if list.is_none() {
            self.error(
                path,
                format!("expected a list of {of}, found {}", type_name(value)),
            );
        }
        list
    }

    /// Every item of `list` (standing at `path`) read by `read`, at `path[i]`: all of them,
    /// or `None` when any is wrong (each reported).
    pub fn items<T>(
        &mut self,
        list: &[Value],
        path: &str,
        mut read: impl FnMut(&mut Self, &Value, &str) -> Option<T>,
    ) -> Option<Vec<T>> {
        let read: Vec<Option<T>> = list
            .iter()
            .enumerate()
            .map(|(i, item)| read(self, item, &format!("{path}[{i}]")))
            .collect();
        read.into_iter().collect()
    }

    /// `value` as a string, or a problem at `path`: `expected a string, found a number`.
    pub fn string<'v>(&mut self, value: &'v Value, path: &str) -> Option<&'v str> {
        let text = value.as_str();
        if text.is_none() {
            self.error(
                path,
                format!("expected a string, found {}", type_name(value)),
            );
        }
        text
    }

    /// A credential from the JSON, or from the environment `variable` when `key` is left out;
    /// used exactly as it is ([`exact_string`](Self::exact_string)).
    pub fn credential(
        &mut self,
        object: &Map<String, Value>,
        key: &str,
        variable: &'static str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> (Option<String>, Source) {
        if let Some(value) = object.get(key) {
            return (self.exact_string(value, key), Source::Json);
        }
        let source = Source::Env(variable);
        match env(variable).filter(|v| !v.is_empty()) {
            Some(v) => {
                let ok = self.exact_text(&v, key, source);
                (ok.then_some(v), source)
            }
            None => {
                self.error(
                    key,
                    format!("is required: set it here, or leave it out and set the {variable} environment variable"),
                );
                (None, source)
            }
        }
    }

    /// A string used exactly as it is (a credential). The message never shows the value.
    pub fn exact_string(&mut self, value: &Value, path: &str) -> Option<String> {
        let text = self.string(value, path)?;
        self.exact_text(text, path, Source::Json)
            .then(|| text.to_owned())
    }

    /// Whether `text` is usable exactly as it is; records why not. Surrounding white space is
    /// a problem, not trimmed: it would be signed as part of the value, and the provider
    /// answers with a signature mismatch that says nothing of it.
    pub fn exact_text(&mut self, text: &str, path: &str, source: Source) -> bool {
        let from = match source {
            Source::Json => String::new(),
            Source::Env(variable) => format!(" (from the {variable} environment variable)"),
        };
        if text.trim().is_empty() {
            self.error(path, format!("must not be empty{from}"));
            false
        } else if text.trim() != text {
            self.error(
                path,
                format!("has white space at the start or end{from}; remove it"),
            );
            false
        } else if find_control_or_invisible(text).is_some() {
            self.error(
                path,
                format!("holds a control or invisible character{from}; remove it"),
            );
            false
        } else {
            true
        }
    }

    /// A string the provider never pads (a sign name, a template id): trimmed with a warning
    /// whose `done` says why it is safe, and refused when empty, when it holds a secret
    /// ([`sent_in_clear`](Self::sent_in_clear)) or a control or invisible character.
    pub fn trimmed(&mut self, value: &Value, path: &str, done: &str) -> Option<String> {
        let text = self.string(value, path)?;
        let trimmed = text.trim();
        if trimmed.is_empty() {
            self.error(path, "must not be empty");
            return None;
        }
        if !self.sent_in_clear(trimmed, path) {
            return None;
        }
        if let Some((at, c)) = find_control_or_invisible(trimmed) {
            self.error(
                path,
                format!(
                    "holds `{}` (character {}): control and invisible characters cannot be sent",
                    escape(&c.to_string()),
                    at + 1
                ),
            );
            return None;
        }
        if trimmed.len() < text.len() {
            let start = &text[..text.len() - text.trim_start().len()];
            let end = &text[text.trim_end().len()..];
            let removed = match (start.is_empty(), end.is_empty()) {
                (false, true) => format!("`{}` at the start", code_points(start)),
                (true, false) => format!("`{}` at the end", code_points(end)),
                _ => format!(
                    "`{}` at the start and `{}` at the end",
                    code_points(start),
                    code_points(end)
                ),
            };
            self.findings.warn(
                path,
                format!("white space around the value ({removed})"),
                done,
            );
        }
        Some(trimmed.to_owned())
    }

    /// Whether `text`, which requests carry in clear, holds no secret; records a problem when
    /// it does: a value pasted into the wrong field would send the secret in clear (and into
    /// any log of the request) and could never work.
    pub fn sent_in_clear(&mut self, text: &str, path: &str) -> bool {
        if self.findings.holds_secret(text) {
            self.error(
                path,
                format!(
                    "holds {}, which would be sent in clear: check that the right value is in this field",
                    self.secrets_named
                ),
            );
            return false;
        }
        true
    }

    /// Records `message` when a byte of `text` is not `allowed`. Never shows the text.
    pub fn charset(&mut self, text: &str, path: &str, allowed: fn(u8) -> bool, message: &str) {
        if !text.bytes().all(allowed) {
            self.error(path, message);
        }
    }

    /// `true` or `false`.
    pub fn boolean(&mut self, value: &Value, path: &str) -> Option<bool> {
        value.as_bool().or_else(|| {
            self.error(
                path,
                format!("expected true or false, found {}", type_name(value)),
            );
            None
        })
    }

    /// `value` as a whole number in `range`, or a problem at `path`. A number written `1e3` or
    /// `1000.0` is the whole number 1000, as it is to JSON Schema and JavaScript, and messages
    /// speak of whole numbers, never of floats.
    ///
    /// ```
    /// use connector_kit::config::{Fields, Findings, LoadOptions};
    /// use serde_json::json;
    ///
    /// let mut findings = Findings::new(&LoadOptions::default());
    /// let mut fields = Fields::new(&mut findings, "the key");
    /// assert_eq!(fields.whole_number(&json!(1e3), "timeoutMs", 1u32..=5000), Some(1000));
    /// assert_eq!(fields.whole_number(&json!(1e4), "timeoutMs", 1u32..=5000), None);
    /// assert_eq!(fields.whole_number(&json!(2.5), "maxAttempts", 1u8..=5), None);
    /// assert_eq!(fields.whole_number(&json!("3"), "maxAttempts", 1u8..=5), None);
    /// assert_eq!(
    ///     findings.finish(Some(())).unwrap_err().to_string(),
    ///     "timeoutMs: must be a whole number from 1 to 5000, found 10000\n\
    ///      maxAttempts: must be a whole number from 1 to 5, found 2.5\n\
    ///      maxAttempts: expected a whole number from 1 to 5, found a string"
    /// );
    /// ```
    pub fn whole_number<T>(
        &mut self,
        value: &Value,
        path: &str,
        range: RangeInclusive<T>,
    ) -> Option<T>
    where
        T: Copy + PartialOrd + Display + TryFrom<u64>,
    {
        let (min, max) = (*range.start(), *range.end());
        let Value::Number(number) = value else {
            self.error(
                path,
                format!(
                    "expected a whole number from {min} to {max}, found {}",
                    type_name(value)
                ),
            );
            return None;
        };
        let found = whole(number)
            .and_then(|n| T::try_from(n).ok())
            .filter(|n| range.contains(n));
        if found.is_none() {
            self.error(
                path,
                format!(
                    "must be a whole number from {min} to {max}, found {}",
                    shown(number)
                ),
            );
        }
        found
    }

    /// The one of `all` whose `name` is the string `value`, or a problem at `path` that calls
    /// the value a `what` and shows it [escaped](Findings::echo), with a "did you mean" for a
    /// near miss or else the list of names.
    ///
    /// ```
    /// use connector_kit::UsageType;
    /// use connector_kit::config::{Fields, Findings, LoadOptions};
    /// use serde_json::json;
    ///
    /// let scopes = ["number", "country", "global"];
    /// let mut findings = Findings::new(&LoadOptions::default());
    /// let mut fields = Fields::new(&mut findings, "the key");
    /// let usage = fields.one_of(&json!("SignIn"), "usageType", "usage type", &UsageType::ALL, UsageType::as_str);
    /// assert_eq!(usage, Some(UsageType::SignIn));
    /// assert_eq!(fields.one_of(&json!("country"), "scope", "scope", &scopes, |s| s), Some("country"));
    /// assert_eq!(fields.one_of(&json!("planet"), "scope", "scope", &scopes, |s| s), None);
    /// assert_eq!(fields.one_of(&json!("Nu\u{200b}mber"), "scope", "scope", &scopes, |s| s), None);
    /// assert_eq!(fields.one_of(&json!(1), "scope", "scope", &scopes, |s| s), None);
    /// assert_eq!(
    ///     findings.finish(Some(())).unwrap_err().to_string(),
    ///     "scope: unknown scope `planet`; expected one of: number, country, global\n\
    ///      scope: unknown scope `Nu\\u{200b}mber`; did you mean `number`?\n\
    ///      scope: expected a string, one of: number, country, global; found a number"
    /// );
    /// ```
    pub fn one_of<T: Copy>(
        &mut self,
        value: &Value,
        path: &str,
        what: &str,
        all: &[T],
        name: impl Fn(T) -> &'static str,
    ) -> Option<T> {
        let names: Vec<&str> = all.iter().map(|&item| name(item)).collect();
        let Value::String(given) = value else {
            self.error(
                path,
                format!(
                    "expected a string, one of: {}; found {}",
                    names.join(", "),
                    type_name(value)
                ),
            );
            return None;
        };
        if let Some(at) = names.iter().position(|n| n == given) {
            return Some(all[at]);
        }
        let hint = match did_you_mean(given, &names).filter(|_| !self.findings.holds_secret(given))
        {
            Some(meant) => format!("did you mean `{meant}`?"),
            None => format!("expected one of: {}", names.join(", ")),
        };
        let shown = self.findings.echo(given);
        self.error(path, format!("unknown {what} {shown}; {hint}"));
        None
    }
}

/// A setting that may be `null` (an `Option` in the config, so in its schema): `Some(None)`
/// for `null`, else what `read` makes of the value.
///
/// ```
/// use connector_kit::config::nullable;
/// use serde_json::json;
///
/// assert_eq!(nullable(&json!(null), |v| v.as_u64()), Some(None));
/// assert_eq!(nullable(&json!(7), |v| v.as_u64()), Some(Some(7)));
/// assert_eq!(nullable(&json!("7"), |v| v.as_u64()), None);
/// ```
pub fn nullable<T>(value: &Value, read: impl FnOnce(&Value) -> Option<T>) -> Option<Option<T>> {
    match value {
        Value::Null => Some(None),
        value => read(value).map(Some),
    }
}

/// `path.key`, or `key` at the top.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// `number` as a whole number, if it is one (`1e3` and `1000.0` are).
fn whole(number: &Number) -> Option<u64> {
    number.as_u64().or_else(|| {
        number
            .as_f64()
            // 2^64 (what `u64::MAX as f64` rounds to) is one past the largest u64.
            .filter(|f| f.fract() == 0.0 && (0.0..u64::MAX as f64).contains(f))
            .map(|f| f as u64)
    })
}

/// `number` as a message shows it: a whole one without a fraction (`1e3` as `1000`).
fn shown(number: &Number) -> String {
    match number.as_f64() {
        Some(f) if number.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        _ => number.to_string(),
    }
}

/// White space written as code points, `\u{20}\u{a}`: the only way to show it.
fn code_points(text: &str) -> String {
    text.chars()
        .map(|c| format!("\\u{{{:x}}}", u32::from(c)))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::LoadOptions;

    fn problems(read: impl FnOnce(&mut Fields<'_>)) -> Vec<String> {
        let mut findings = Findings::new(&LoadOptions::default());
        read(&mut Fields::new(&mut findings, "the key"));
        match findings.finish(Some(())) {
            Ok(_) => Vec::new(),
            Err(error) => error.problems.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn white_space_is_shown_as_code_points() {
        assert_eq!(code_points(" \n\u{3000}"), r"\u{20}\u{a}\u{3000}");
    }

    #[test]
    fn shapes_name_what_they_found() {
        let found = problems(|f| {
            assert!(f.object(&json!({}), "", &[]).is_some());
            assert!(f.object(&json!([]), "", &[]).is_none());
            assert!(f.object(&json!("x"), "a[0]", &[]).is_none());
            assert_eq!(f.string(&json!("x"), "b"), Some("x"));
            assert_eq!(f.string(&json!(null), "b"), None);
            assert_eq!(f.list(&json!([1]), "c", "numbers"), Some(&[json!(1)][..]));
            assert_eq!(f.list(&json!({}), "c", "numbers"), None);
            let object = json!({"d": 1});
            let object = object.as_object().unwrap();
            let read = |_: &mut Fields<'_>, v: &Value, _: &str| Some(v.clone());
            assert_eq!(f.required(object, "", "d", read), Some(json!(1)));
            assert_eq!(f.required(object, "", "e", read), None);
            assert_eq!(f.required(object, "x[0]", "e", read), None);
            assert_eq!(
                f.optional(object, "x[0]", "e", json!(2), read),
                Some(json!(2))
            );
            let items = [json!(1), json!("2"), json!(3)];
            let number = |f: &mut Fields<'_>, v: &Value, p: &str| f.whole_number(v, p, 0u8..=9);
            assert_eq!(f.items(&items[..1], "g", number), Some(vec![1]));
            assert_eq!(f.items(&items, "g", number), None);
        });
        assert_eq!(
            found,
            [
                "the config must be an object, found a list",
                "a[0]: expected an object, found a string",
                "b: expected a string, found null",
                "c: expected a list of numbers, found an object",
                "e: is required",
                "x[0].e: is required",
                "g[1]: expected a whole number from 0 to 9, found a string",
            ]
        );
    }

    #[test]
    fn unknown_keys_are_warnings_or_refused() {
        let object = json!({"sendr": 1, "sender": 2});
        let mut findings = Findings::new(&LoadOptions::default());
        Fields::new(&mut findings, "the key").object(&object, "", &["sender"]);
        let loaded = findings.finish(Some(())).unwrap();
        assert_eq!(
            loaded.warnings.to_string(),
            "sendr: unknown field (did you mean `sender`?); ignored"
        );
        let found = problems(|f| {
            let mut refusing = Fields::new(f.findings(), "the key").refusing_unknown_keys();
            refusing.object(&object, "t[0]", &["sender"]);
        });
        assert_eq!(
            found,
            ["t[0].sendr: unknown field (did you mean `sender`?)"]
        );
    }

    #[test]
    fn credentials_are_used_exactly_and_come_from_the_environment_when_left_out() {
        let mut findings = Findings::new(&LoadOptions::default());
        let mut fields = Fields::new(&mut findings, "the key");
        let object = json!({"id": " padded", "other": 7});
        let object = object.as_object().unwrap();
        assert_eq!(fields.credential(object, "id", "ID_VAR", &|_| None).0, None);
        assert_eq!(
            fields.credential(object, "other", "OTHER_VAR", &|_| None).0,
            None
        );
        let env = |name: &str| (name == "KEY_VAR").then(|| "from-env".to_owned());
        assert_eq!(
            fields.credential(object, "key", "KEY_VAR", &env),
            (Some("from-env".to_owned()), Source::Env("KEY_VAR"))
        );
        assert_eq!(
            fields.credential(object, "gone", "GONE_VAR", &|_| None).0,
            None
        );
        let err = findings.finish(Some(())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "id: has white space at the start or end; remove it\n\
             other: expected a string, found a number\n\
             gone: is required: set it here, or leave it out and set the GONE_VAR environment variable"
        );
    }

    #[test]
    fn values_sent_in_clear_never_hold_a_secret_and_booleans_are_booleans() {
        let mut findings = Findings::new(&LoadOptions::default());
        findings.add_secret("CanarySecret1");
        let mut fields = Fields::new(&mut findings, "the key");
        assert_eq!(
            fields.trimmed(&json!("xCanarySecret1x"), "name", "removed"),
            None
        );
        assert_eq!(fields.trimmed(&json!("a\u{0}b"), "name2", "removed"), None);
        assert_eq!(fields.trimmed(&json!(""), "name3", "removed"), None);
        assert_eq!(fields.boolean(&json!("yes"), "b"), None);
        let err = findings.finish(Some(())).unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("Canary"), "{text}");
        assert!(
            text.contains("name: holds the key, which would be sent in clear"),
            "{text}"
        );
        assert!(
            text.contains(r"name2: holds `\u{0}` (character 2)"),
            "{text}"
        );
        assert!(text.contains("name3: must not be empty"), "{text}");
        assert!(
            text.contains("b: expected true or false, found a string"),
            "{text}"
        );
    }

    #[test]
    fn whole_numbers_in_every_spelling() {
        let found = problems(|f| {
            for (value, expected) in [
                (json!(7), Some(7)),
                (json!(7.0), Some(7)),
                (json!(7e0), Some(7)),
                (json!(0), Some(0)),
                (json!(-0.0), Some(0)),
                (json!(255), Some(255)),
                (json!(256), None),
                (json!(-1), None),
                (json!(1e20), None),
                (json!(0.5), None),
                (json!(true), None),
            ] {
                assert_eq!(f.whole_number(&value, "n", 0u8..=255), expected, "{value}");
            }
            assert_eq!(
                f.whole_number(&json!(u64::MAX), "big", 0..=u64::MAX),
                Some(u64::MAX)
            );
            assert_eq!(
                f.whole_number(&json!(1.8446744073709552e19), "big", 0..=u64::MAX),
                None
            );
        });
        assert_eq!(
            found,
            [
                "n: must be a whole number from 0 to 255, found 256",
                "n: must be a whole number from 0 to 255, found -1",
                "n: must be a whole number from 0 to 255, found 1e+20",
                "n: must be a whole number from 0 to 255, found 0.5",
                "n: expected a whole number from 0 to 255, found a boolean",
                "big: must be a whole number from 0 to 18446744073709551615, found 1.8446744073709552e+19",
            ]
        );
    }

    #[test]
    fn a_choice_never_shows_a_secret_nor_suggests_from_one() {
        let mut findings = Findings::new(&LoadOptions::default());
        findings.add_secret("monitor-secret-1");
        let mut fields = Fields::new(&mut findings, "the key");
        let modes = ["enforce", "monitor"];
        assert_eq!(
            fields.one_of(&json!("monitor-secret-1"), "mode", "mode", &modes, |m| m),
            None
        );
        let err = findings.finish(Some(())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "mode: unknown mode ** redacted **; expected one of: enforce, monitor"
        );
    }
}
