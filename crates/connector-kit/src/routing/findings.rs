//! The problems of loading a routing config, with every secret of its providers' configs cut
//! out. Shaped like issue 17's `connector_kit::config::Findings`, which replaces it once it lands.

use serde_json::{Map, Value};

use crate::routing::config::did_you_mean;
use crate::{ConnectorError, ErrorKind, REDACTED};

/// How many problems a refused config lists; the rest are counted.
const MAX_PROBLEMS: usize = 20;
/// The longest a value is echoed in a message, in characters.
const MAX_ECHO_CHARS: usize = 64;
/// Secrets shorter than this are hidden only where a whole value equals them: cutting every
/// occurrence of a 2-letter string would garble the text around it.
const MIN_SECRET_CHARS: usize = 4;

/// The problems of one load, each at a JSON path, bounded in number, with every known secret
/// cut out. Shaped like issue 17's `connector_kit::config::Findings` (`error`, `echo`,
/// `unknown_keys`, `finish`), which replaces it once it lands.
#[derive(Default)]
pub(crate) struct Findings {
    problems: Vec<(String, String)>,
    omitted: usize,
    secrets: Vec<String>,
}

impl Findings {
    pub(crate) fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        if self.problems.len() >= MAX_PROBLEMS {
            self.omitted += 1;
        } else {
            self.problems.push((path.into(), message.into()));
        }
    }

    pub(crate) fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }

    /// Every key of `object` (at `at`) that is not in `known` is a problem, with a "did you
    /// mean" for a near miss: a typo must not silently drop a setting.
    pub(crate) fn unknown_keys(&mut self, object: &Map<String, Value>, at: &str, known: &[&str]) {
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
    pub(crate) fn add_secrets(&mut self, schema: &Value, instance: &Value) {
        collect_secrets(schema, schema, instance, false, 0, &mut self.secrets);
        self.secrets.retain(|s| !s.is_empty());
    }

    /// The path of `key` in the object at `at`, the key escaped as [`echo`](Self::echo) does.
    pub(crate) fn key_path(&self, at: &str, key: &str) -> String {
        let shown = self.echo(key);
        let shown = shown.trim_start_matches('`').trim_end_matches('`');
        match at {
            "" => shown.to_owned(),
            at => format!("{at}.{shown}"),
        }
    }

    /// `value` as a message shows it: quoted, escaped so that invisible and look-alike
    /// characters show, cut at [`MAX_ECHO_CHARS`]; [`REDACTED`] if it holds a secret.
    pub(crate) fn echo(&self, value: &str) -> String {
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
    pub(crate) fn finish<T>(self, built: Option<T>) -> Result<T, ConnectorError> {
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
