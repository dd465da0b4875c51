//! Loading a config: one walk over the JSON that builds the typed config and reports every
//! problem with its JSON path (a `serde` error stops at the first one and says little about
//! where it is).
//!
//! Messages never repeat the value of a secret field, whatever its type.

use std::ops::RangeInclusive;

use connector_kit::{TemplateSet, UsageType};
use serde_json::{Map, Value};

use crate::SecretString;
use crate::config::{
    AliyunSmsConfig, CONNECT_TIMEOUT_MS_RANGE, ConfigError, ConfigProblem,
    DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_ENDPOINT, DEFAULT_MAX_ATTEMPTS, DEFAULT_REGION_ID,
    DEFAULT_TIMEOUT_MS, ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN,
    LEGACY_TEMPLATE_TYPES, MAX_ATTEMPTS_RANGE, SignatureVersion, TIMEOUT_MS_RANGE, TemplateCode,
    TemplateConfig,
};
use crate::endpoint;

/// The config's keys, as written in JSON.
pub(crate) const FIELDS: [&str; 12] = [
    "accessKeyId",
    "accessKeySecret",
    "securityToken",
    "signName",
    "templates",
    "strictPhoneRegionNumberCheck",
    "endpoint",
    "regionId",
    "signatureVersion",
    "connectTimeoutMs",
    "timeoutMs",
    "maxAttempts",
];
/// A template's keys.
pub(crate) const TEMPLATE_FIELDS: [&str; 3] = ["usageType", "templateCode", "type"];
/// The keys of a `{china, overseas}` template code.
pub(crate) const REGIONAL_CODE_FIELDS: [&str; 2] = ["china", "overseas"];

/// Builds and checks a config from JSON; `env` supplies credentials left out of it.
pub(crate) fn load(
    value: &Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<AliyunSmsConfig, ConfigError> {
    let mut walk = Walk::default();
    let config = walk.config(value, env);
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

#[derive(Default)]
struct Walk {
    problems: Vec<ConfigProblem>,
}

/// Where a credential came from, for messages.
enum Source {
    Json,
    Env(&'static str),
}

impl Walk {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(ConfigProblem::new(path, message));
    }

    fn config(
        &mut self,
        value: &Value,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Option<AliyunSmsConfig> {
        let object = self.object(value, "", &FIELDS)?;

        let (access_key_id, id_source) =
            self.credential(object, "accessKeyId", ENV_ACCESS_KEY_ID, env);
        let (access_key_secret, _) =
            self.credential(object, "accessKeySecret", ENV_ACCESS_KEY_SECRET, env);
        let security_token = match (object.get("securityToken"), id_source) {
            (None | Some(Value::Null), Source::Env(_)) => env(ENV_SECURITY_TOKEN)
                .filter(|t| !t.is_empty())
                .and_then(|t| {
                    self.text(&t, "securityToken", &Source::Env(ENV_SECURITY_TOKEN))
                        .then_some(t)
                })
                .map(SecretString::from),
            (None | Some(Value::Null), Source::Json) => None,
            (Some(v), _) => self.string(v, "securityToken").map(SecretString::from),
        };
        if let Some(id) = &access_key_id {
            self.charset(
                id,
                "accessKeyId",
                |b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'),
                "must hold only letters, digits, `.`, `_` and `-`, as AccessKey IDs do (LTAI… or STS.…)",
            );
        }
        if let Some(token) = &security_token {
            self.charset(
                token.expose_secret(),
                "securityToken",
                |b| b.is_ascii_graphic(),
                "must hold only visible ASCII characters, as STS tokens do (no spaces or line breaks)",
            );
        }
        let sign_name = self.required(object, "signName", Self::string);
        let templates = self.required(object, "templates", Self::templates);
        let strict_phone_region_number_check =
            self.optional(object, "strictPhoneRegionNumberCheck", false, Self::boolean);
        let endpoint = self.optional(
            object,
            "endpoint",
            DEFAULT_ENDPOINT.to_owned(),
            Self::endpoint,
        );
        let region_id = self.optional(
            object,
            "regionId",
            DEFAULT_REGION_ID.to_owned(),
            Self::region_id,
        );
        let signature_version = self.optional(
            object,
            "signatureVersion",
            SignatureVersion::V1,
            Self::signature_version,
        );
        let connect_timeout_ms = self.optional(
            object,
            "connectTimeoutMs",
            DEFAULT_CONNECT_TIMEOUT_MS,
            |w, v, p| w.number(v, p, CONNECT_TIMEOUT_MS_RANGE),
        );
        let timeout_ms = self.optional(object, "timeoutMs", DEFAULT_TIMEOUT_MS, |w, v, p| {
            w.number(v, p, TIMEOUT_MS_RANGE)
        });
        let max_attempts = self.optional(object, "maxAttempts", DEFAULT_MAX_ATTEMPTS, |w, v, p| {
            w.number(v, p, MAX_ATTEMPTS_RANGE)
        });
        if let (Some(connect), Some(total)) = (connect_timeout_ms, timeout_ms) {
            if connect > total {
                self.problem(
                    "connectTimeoutMs",
                    format!("must not be more than timeoutMs ({total})"),
                );
            }
        }

        Some(AliyunSmsConfig {
            access_key_id: access_key_id?,
            access_key_secret: SecretString::from(access_key_secret?),
            security_token,
            sign_name: sign_name?,
            templates: templates?,
            strict_phone_region_number_check: strict_phone_region_number_check?,
            endpoint: endpoint?,
            region_id: region_id?,
            signature_version: signature_version?,
            connect_timeout_ms: connect_timeout_ms?,
            timeout_ms: timeout_ms?,
            max_attempts: max_attempts?,
        })
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

    fn required<T>(
        &mut self,
        object: &Map<String, Value>,
        key: &str,
        parse: impl FnOnce(&mut Self, &Value, &str) -> Option<T>,
    ) -> Option<T> {
        match object.get(key) {
            Some(value) => parse(self, value, key),
            None => {
                self.problem(key, "is required");
                None
            }
        }
    }

    fn optional<T>(
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

    /// A credential from the JSON, or from the environment when the key is left out.
    fn credential(
        &mut self,
        object: &Map<String, Value>,
        key: &str,
        variable: &'static str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> (Option<String>, Source) {
        if let Some(value) = object.get(key) {
            return (self.string(value, key), Source::Json);
        }
        let source = Source::Env(variable);
        match env(variable).filter(|v| !v.is_empty()) {
            Some(v) => {
                let ok = self.text(&v, key, &source);
                (ok.then_some(v), source)
            }
            None => {
                self.problem(
                    key,
                    format!("is required: set it here, or leave it out and set the {variable} environment variable"),
                );
                (None, source)
            }
        }
    }

    /// A non-empty string without surrounding white space. The message never shows the value.
    fn string(&mut self, value: &Value, path: &str) -> Option<String> {
        match value {
            Value::String(s) if self.text(s, path, &Source::Json) => Some(s.clone()),
            Value::String(_) => None,
            other => {
                self.problem(
                    path,
                    format!("expected a string, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// Whether `text` is usable as a setting; records why not.
    fn text(&mut self, text: &str, path: &str, source: &Source) -> bool {
        let from = match source {
            Source::Json => String::new(),
            Source::Env(variable) => format!(" (from the {variable} environment variable)"),
        };
        if text.trim().is_empty() {
            self.problem(path, format!("must not be empty{from}"));
            false
        } else if text.trim() != text {
            self.problem(
                path,
                format!("has white space at the start or end{from}; remove it"),
            );
            false
        } else {
            true
        }
    }

    /// Records `message` when a byte of `text` is not `allowed`. Never shows the text.
    fn charset(&mut self, text: &str, path: &str, allowed: fn(u8) -> bool, message: &str) {
        if !text.bytes().all(allowed) {
            self.problem(path, message);
        }
    }

    fn boolean(&mut self, value: &Value, path: &str) -> Option<bool> {
        value.as_bool().or_else(|| {
            self.problem(
                path,
                format!("expected true or false, found {}", type_name(value)),
            );
            None
        })
    }

    fn number(&mut self, value: &Value, path: &str, range: RangeInclusive<u32>) -> Option<u32> {
        let (min, max) = (range.start(), range.end());
        if !value.is_number() {
            self.problem(
                path,
                format!(
                    "expected a whole number from {min} to {max}, found {}",
                    type_name(value)
                ),
            );
            return None;
        }
        let number = value
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| range.contains(n));
        if number.is_none() {
            self.problem(
                path,
                format!("must be a whole number from {min} to {max}, found {value}"),
            );
        }
        number
    }

    fn endpoint(&mut self, value: &Value, path: &str) -> Option<String> {
        let endpoint = self.string(value, path)?;
        match endpoint::parse(&endpoint) {
            Ok(_) => Some(endpoint),
            Err(message) => {
                self.problem(path, message);
                None
            }
        }
    }

    fn region_id(&mut self, value: &Value, path: &str) -> Option<String> {
        let region = self.string(value, path)?;
        let well_formed = region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if well_formed {
            Some(region)
        } else {
            self.problem(
                path,
                "must be a region id in lower-case letters, digits and dashes, e.g. cn-hangzhou",
            );
            None
        }
    }

    fn signature_version(&mut self, value: &Value, path: &str) -> Option<SignatureVersion> {
        match value.as_str() {
            Some("v1") => Some(SignatureVersion::V1),
            Some("v3") => Some(SignatureVersion::V3),
            _ => {
                let found = match value {
                    Value::String(s) => format!("`{s}`"),
                    other => type_name(other).to_owned(),
                };
                self.problem(path, format!("expected \"v1\" or \"v3\", found {found}"));
                None
            }
        }
    }

    fn templates(&mut self, value: &Value, path: &str) -> Option<Vec<TemplateConfig>> {
        let Some(items) = value.as_array() else {
            self.problem(
                path,
                format!("expected a list of templates, found {}", type_name(value)),
            );
            return None;
        };
        let mut templates = Vec::with_capacity(items.len());
        let mut all_valid = true;
        // (index in `items`, usage type) of every entry whose usage type could be read.
        let mut usages: Vec<(usize, UsageType)> = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let (usage, template) = self.template(item, &format!("{path}[{index}]"));
            if let Some(usage) = usage {
                usages.push((index, usage));
            }
            match template {
                Some(template) => templates.push(template),
                None => all_valid = false,
            }
        }

        let problems =
            TemplateSet::<()>::check(usages.iter().map(|&(_, u)| u), &UsageType::REQUIRED);
        if !problems.missing.is_empty() {
            let names: Vec<_> = problems.missing.iter().map(|u| u.as_str()).collect();
            self.problem(
                path,
                format!(
                    "UsageType ({}) should be provided in templates.",
                    names.join(", ")
                ),
            );
        }
        for duplicate in problems.duplicates {
            let (Some(&(first, _)), Some(&(again, _))) =
                (usages.get(duplicate.first), usages.get(duplicate.again))
            else {
                continue;
            };
            self.problem(
                format!("{path}[{again}].usageType"),
                format!(
                    "{} already has a template ({path}[{first}]); each usage type may have only one",
                    duplicate.usage_type
                ),
            );
        }
        all_valid.then_some(templates)
    }

    /// One template; its usage type is returned even when another key is wrong, so that
    /// duplicates and missing usage types are still found.
    fn template(
        &mut self,
        value: &Value,
        path: &str,
    ) -> (Option<UsageType>, Option<TemplateConfig>) {
        let Some(object) = self.object(value, path, &TEMPLATE_FIELDS) else {
            return (None, None);
        };
        let usage_path = join(path, "usageType");
        let usage_type = match object.get("usageType") {
            None => {
                self.problem(usage_path, "is required");
                None
            }
            Some(Value::String(name)) => match name.parse::<UsageType>() {
                Ok(usage) => Some(usage),
                Err(e) => {
                    self.problem(usage_path, e.to_string());
                    None
                }
            },
            Some(other) => {
                self.problem(
                    usage_path,
                    format!(
                        "expected a usage type name such as \"SignIn\", found {}",
                        type_name(other)
                    ),
                );
                None
            }
        };
        let code_path = join(path, "templateCode");
        let template_code = match object.get("templateCode") {
            None => {
                self.problem(code_path, "is required");
                None
            }
            Some(value) => self.template_code(value, &code_path),
        };
        let legacy_type = match object.get("type") {
            None | Some(Value::Null) => Some(None),
            Some(value) => {
                let known = value
                    .as_u64()
                    .and_then(|n| u8::try_from(n).ok())
                    .filter(|n| LEGACY_TEMPLATE_TYPES.contains(n));
                if known.is_none() {
                    self.problem(
                        join(path, "type"),
                        format!(
                            "must be 0, 1, 2, 6 or 7 if given (a legacy Logto setting, ignored), found {value}"
                        ),
                    );
                }
                known.map(Some)
            }
        };
        let template = match (usage_type, template_code, legacy_type) {
            (Some(usage_type), Some(template_code), Some(legacy_type)) => Some(TemplateConfig {
                usage_type,
                template_code,
                legacy_type,
            }),
            _ => None,
        };
        (usage_type, template)
    }

    fn template_code(&mut self, value: &Value, path: &str) -> Option<TemplateCode> {
        match value {
            Value::String(_) => self.string(value, path).map(TemplateCode::Single),
            Value::Object(_) => {
                let object = self.object(value, path, &REGIONAL_CODE_FIELDS)?;
                let mut code = |key: &str| match object.get(key) {
                    Some(value) => self.string(value, &join(path, key)),
                    None => {
                        self.problem(
                            join(path, key),
                            "is required: give both a china and an overseas template code",
                        );
                        None
                    }
                };
                let china = code("china");
                let overseas = code("overseas");
                Some(TemplateCode::ByRegion {
                    china: china?,
                    overseas: overseas?,
                })
            }
            other => {
                self.problem(
                    path,
                    format!(
                        "expected a template code such as \"SMS_123456789\" or {{\"china\": ..., \"overseas\": ...}}, found {}",
                        type_name(other)
                    ),
                );
                None
            }
        }
    }
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

/// `unknown field; did you mean `accessKeyId`?`, or the list of valid names.
fn unknown_field(key: &str, fields: &[&str]) -> String {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = squash(key);
    let suggestion = fields
        .iter()
        .map(|field| (edit_distance(&wanted, &squash(field)), field))
        .filter(|&(distance, field)| distance <= 2.max(field.len() / 4))
        .min_by_key(|&(distance, _)| distance);
    match suggestion {
        Some((_, field)) => format!("unknown field; did you mean `{field}`?"),
        None => format!("unknown field; expected one of: {}", fields.join(", ")),
    }
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_for_misspelt_keys() {
        for (key, expected) in [
            ("accesKeyId", "did you mean `accessKeyId`?"),
            ("access_key_secret", "did you mean `accessKeySecret`?"),
            ("SignName", "did you mean `signName`?"),
            ("template", "did you mean `templates`?"),
            ("timeout", "did you mean `timeoutMs`?"),
            (
                "strictPhoneRegionCheck",
                "did you mean `strictPhoneRegionNumberCheck`?",
            ),
            ("foo", "expected one of: accessKeyId, accessKeySecret"),
        ] {
            let message = unknown_field(key, &FIELDS);
            assert!(message.contains(expected), "{key}: {message}");
        }
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("短信", "短信"), 0);
    }
}
