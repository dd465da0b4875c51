//! Reading a config's fields into typed values, reporting each problem at its path: what
//! every connector's loader does with its JSON, the same way.

use std::ops::RangeInclusive;

use serde_json::{Map, Value};

use super::{Findings, escape, find_control_or_invisible, type_name};

/// Where a credential came from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The config's JSON.
    Json,
    /// This environment variable (the key was left out of the JSON).
    Env(&'static str),
}

/// A loader's reader of the config's fields, over its [`Findings`]: each method reads one
/// value, records what is wrong with it (at `path`) and gives the value when it is usable.
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
/// let sender = fields.required(object, "sender", |f, v, p| f.trimmed(v, p, "removed"));
/// let retries = fields.optional(object, "retries", 3, |f, v, p| f.number(v, p, 0..=10));
/// assert_eq!((sender.as_deref(), retries), (Some("10690"), Some(10)));
/// let loaded = findings.finish(Some(())).unwrap();
/// assert_eq!(loaded.warnings.to_string(), r"sender: white space around the value (`\u{20}` at the start and `\u{20}` at the end); removed");
/// ```
#[derive(Debug)]
pub struct Fields<'f> {
    findings: &'f mut Findings,
    /// How messages name the secrets, e.g. `the SecretKey or the token`.
    secrets_named: &'static str,
}

impl<'f> Fields<'f> {
    /// A reader reporting to `findings`; `secrets_named` is how a message names the config's
    /// secrets (`the AccessKey secret or the STS token`).
    pub fn new(findings: &'f mut Findings, secrets_named: &'static str) -> Self {
        Fields {
            findings,
            secrets_named,
        }
    }

    /// The findings, for what the reader has no method for.
    pub fn findings(&mut self) -> &mut Findings {
        self.findings
    }

    /// Records a problem.
    pub fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.findings.error(path, message);
    }

    /// An object at `path` (empty: the config itself); each key not in `fields` is ignored
    /// with a warning.
    pub fn object<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        fields: &[&str],
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
        self.findings.unknown_keys(object, path, fields);
        Some(object)
    }

    /// `object[key]` read by `parse`, or a problem when it is missing.
    pub fn required<T>(
        &mut self,
        object: &Map<String, Value>,
        key: &str,
        parse: impl FnOnce(&mut Self, &Value, &str) -> Option<T>,
    ) -> Option<T> {
        match object.get(key) {
            Some(value) => parse(self, value, key),
            None => {
                self.error(key, "is required");
                None
            }
        }
    }

    /// `object[key]` read by `parse`, or `default` when it is missing.
    pub fn optional<T>(
        &mut self,
        object: &Map<String, Value>,
        key: &str,
        default: T,
        parse: impl FnOnce(&mut Self, &Value, &str) -> Option<T>,
    ) -> Option<T> {
        match object.get(key) {
            Some(value) => parse(self, value, key),
            None => Some(default),
        }
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
        match value {
            Value::String(s) if self.exact_text(s, path, Source::Json) => Some(s.clone()),
            Value::String(_) => None,
            other => {
                self.error(
                    path,
                    format!("expected a string, found {}", type_name(other)),
                );
                None
            }
        }
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
        let Value::String(text) = value else {
            self.error(
                path,
                format!("expected a string, found {}", type_name(value)),
            );
            return None;
        };
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

    /// A whole number in `range`; one written `1e3` or `1000.0` is the whole number 1000, as it
    /// is to JSON Schema and JavaScript.
    pub fn number(&mut self, value: &Value, path: &str, range: RangeInclusive<u32>) -> Option<u32> {
        let (min, max) = (range.start(), range.end());
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
        let whole = number.as_u64().or_else(|| {
            number
                .as_f64()
                .filter(|f| f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(f))
                .map(|f| f as u64)
        });
        let found = whole
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| range.contains(n));
        if found.is_none() {
            let shown = match number.as_f64() {
                Some(f) if number.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => {
                    format!("{f:.0}")
                }
                _ => number.to_string(),
            };
            self.error(
                path,
                format!("must be a whole number from {min} to {max}, found {shown}"),
            );
        }
        found
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

    #[test]
    fn white_space_is_shown_as_code_points() {
        assert_eq!(code_points(" \n\u{3000}"), r"\u{20}\u{a}\u{3000}");
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
    fn values_sent_in_clear_never_hold_a_secret_and_numbers_are_whole() {
        let mut findings = Findings::new(&LoadOptions::default());
        findings.add_secret("CanarySecret1");
        let mut fields = Fields::new(&mut findings, "the key");
        assert_eq!(
            fields.trimmed(&json!("xCanarySecret1x"), "name", "removed"),
            None
        );
        assert_eq!(fields.trimmed(&json!("a\u{0}b"), "name2", "removed"), None);
        assert_eq!(fields.trimmed(&json!(""), "name3", "removed"), None);
        assert_eq!(fields.number(&json!(1e3), "n", 1..=2000), Some(1000));
        assert_eq!(fields.number(&json!(2.5), "m", 1..=2000), None);
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
            text.contains("m: must be a whole number from 1 to 2000, found 2.5"),
            "{text}"
        );
        assert!(
            text.contains("b: expected true or false, found a string"),
            "{text}"
        );
    }
}
