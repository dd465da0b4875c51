//! Loading a config: one walk over the JSON that builds the typed config and reports every
//! problem, and every warning, with its JSON path (a `serde` error stops at the first one and
//! says little about where it is).
//!
//! What Logto accepts loads: what Logto would do silently is done with a warning (a stray key
//! ignored, a `Test` template ignored, white space around the sign name removed). In strict
//! mode each warning is a problem instead. Values that can never work (an empty or padded
//! credential, a control character in anything sent) are problems either way.
//!
//! Messages never repeat a secret, wherever in the input it appears: the secret fields are read
//! first, and [`Findings`] cuts their values out of every path and message.

use std::ops::RangeInclusive;

use connector_kit::UsageType;
use connector_kit::config::{
    ConfigError, Findings, LoadOptions, Loaded, PathSegment, escape, find_control_or_invisible,
    type_name,
};
use serde_json::{Map, Value};

use crate::SecretString;
use crate::config::{
    AliyunSmsConfig, CONNECT_TIMEOUT_MS_RANGE, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_MAX_ATTEMPTS,
    DEFAULT_REGION_ID, DEFAULT_TIMEOUT_MS, ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET,
    ENV_SECURITY_TOKEN, LEGACY_TEMPLATE_TYPES, MAX_ATTEMPTS_RANGE, SignatureVersion,
    TIMEOUT_MS_RANGE, TemplateCode, TemplateConfig,
};
use crate::endpoint;
use crate::logto_templates::{self, Usage};

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
/// The keys whose values are secrets.
const SECRET_FIELDS: [&str; 2] = ["accessKeySecret", "securityToken"];
/// The keys that may not be given twice, anywhere under them: which credential or which
/// template list is meant cannot be guessed. Any other repeated key is a warning (the last
/// value is used, as `JSON.parse` and so Logto use it).
const NOT_TWICE: [&str; 4] = [
    "accessKeyId",
    "accessKeySecret",
    "securityToken",
    "templates",
];

/// The SendSms endpoint that Alibaba Cloud's SDKs pick for a region when no endpoint is set
/// (the `endpointMap` of their Dysmsapi 2017-05-25 clients; every other region uses the central
/// `dysmsapi.aliyuncs.com`).
///
/// ```
/// use aliyun_sms::config::endpoint_for_region;
///
/// assert_eq!(endpoint_for_region("ap-southeast-1"), "https://dysmsapi.ap-southeast-1.aliyuncs.com");
/// assert_eq!(endpoint_for_region("cn-hongkong"), "https://dysmsapi-xman.cn-hongkong.aliyuncs.com");
/// assert_eq!(endpoint_for_region("cn-hangzhou"), "https://dysmsapi.aliyuncs.com");
/// ```
pub fn endpoint_for_region(region_id: &str) -> String {
    match region_id {
        "ap-southeast-1" | "ap-southeast-5" | "eu-central-1" | "us-east-1" => {
            format!("https://dysmsapi.{region_id}.aliyuncs.com")
        }
        "cn-beijing" => "https://dysmsapi-proxy.cn-beijing.aliyuncs.com".to_owned(),
        "cn-hongkong" => "https://dysmsapi-xman.cn-hongkong.aliyuncs.com".to_owned(),
        _ => "https://dysmsapi.aliyuncs.com".to_owned(),
    }
}

impl AliyunSmsConfig {
    /// Loads and checks a config, with the warnings as data; credentials left out are read from
    /// the process environment (see [`from_json`](Self::from_json)).
    ///
    /// `options` sets strict mode (every warning a problem), the size limit (1 MiB by default:
    /// a longer text is refused before it is parsed) and how many problems are listed.
    ///
    /// ```
    /// use aliyun_sms::AliyunSmsConfig;
    /// use connector_kit::config::LoadOptions;
    ///
    /// let json = r#"{
    ///     "accessKeyId": "LTAI5tExample", "accessKeySecret": "example-secret", "signName": "Logto",
    ///     "templates": [
    ///         { "usageType": "Register", "templateCode": "SMS_1" },
    ///         { "usageType": "SignIn", "templateCode": "SMS_2" },
    ///         { "usageType": "ForgotPassword", "templateCode": "SMS_3" },
    ///         { "usageType": "Generic", "templateCode": "SMS_4" },
    ///         { "usageType": "Test", "templateCode": "SMS_5" }
    ///     ]
    /// }"#;
    /// let loaded = AliyunSmsConfig::load(json, &LoadOptions::default())?;
    /// assert_eq!(loaded.config.templates.len(), 4);
    /// assert!(loaded.warnings.to_string().starts_with("templates[4].usageType: `Test` is a deprecated usage type"));
    ///
    /// let err = AliyunSmsConfig::load(json, &LoadOptions::strict()).unwrap_err();
    /// assert_eq!(err.paths().collect::<Vec<_>>(), ["templates[4].usageType"]);
    /// # Ok::<(), aliyun_sms::ConfigError>(())
    /// ```
    pub fn load(json: &str, options: &LoadOptions) -> Result<Loaded<AliyunSmsConfig>, ConfigError> {
        Self::load_with_env(json, options, |name| std::env::var(name).ok())
    }

    /// [`load`](Self::load) with the environment given as a function, for tests and for
    /// services that keep secrets elsewhere.
    pub fn load_with_env(
        json: &str,
        options: &LoadOptions,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Loaded<AliyunSmsConfig>, ConfigError> {
        let mut findings = Findings::new(options);
        let Some(parsed) = findings.parse_json(json) else {
            return findings.finish(None);
        };
        // Every secret is known before anything is reported, a repeated key included.
        for key in SECRET_FIELDS {
            parsed
                .values_of(key)
                .for_each(|value| findings.add_secrets_in(value));
        }
        add_secrets_from_env(&mut findings, &parsed.value, &env);
        findings.duplicate_keys(&parsed.duplicates, |path| {
            matches!(path.first(), Some(PathSegment::Key(key)) if NOT_TWICE.contains(&key.as_str()))
        });
        walk(&parsed.value, findings, &env)
    }
}

/// Loads a config that is already parsed (so repeated keys are gone already).
pub(crate) fn load_value(
    value: &Value,
    options: &LoadOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded<AliyunSmsConfig>, ConfigError> {
    let mut findings = Findings::new(options);
    for key in SECRET_FIELDS {
        if let Some(value) = value.get(key) {
            findings.add_secrets_in(value);
        }
    }
    add_secrets_from_env(&mut findings, value, env);
    walk(value, findings, env)
}

/// The secret and token the environment supplies where the JSON leaves them out are secrets
/// too (read whether or not they will be used: hiding one more value costs nothing).
fn add_secrets_from_env(
    findings: &mut Findings,
    value: &Value,
    env: &dyn Fn(&str) -> Option<String>,
) {
    for (key, variable) in [
        ("accessKeySecret", ENV_ACCESS_KEY_SECRET),
        ("securityToken", ENV_SECURITY_TOKEN),
    ] {
        if value.get(key).is_none_or(Value::is_null) {
            if let Some(secret) = env(variable) {
                findings.add_secrets_in(&Value::String(secret));
            }
        }
    }
}

fn walk(
    value: &Value,
    mut findings: Findings,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded<AliyunSmsConfig>, ConfigError> {
    let config = Walk {
        findings: &mut findings,
    }
    .config(value, env);
    findings.finish(config)
}

/// The config of a loader that returns no warnings: each is logged (`tracing`, WARN) once.
pub(crate) fn logged(loaded: Loaded<AliyunSmsConfig>) -> AliyunSmsConfig {
    for warning in loaded.warnings.iter() {
        tracing::warn!(path = %warning.path, "Aliyun SMS config: {}", warning.message);
    }
    if loaded.warnings.omitted > 0 {
        tracing::warn!(
            "Aliyun SMS config: … and {} more warnings",
            loaded.warnings.omitted
        );
    }
    loaded.config
}

struct Walk<'f> {
    findings: &'f mut Findings,
}

/// Where a credential came from, for messages.
enum Source {
    Json,
    Env(&'static str),
}

impl Walk<'_> {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.findings.error(path, message);
    }

    fn config(
        &mut self,
        value: &Value,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Option<AliyunSmsConfig> {
        let Some(object) = value.as_object() else {
            self.problem(
                "",
                format!("the config must be an object, found {}", type_name(value)),
            );
            return None;
        };
        self.findings.unknown_keys(object, "", &FIELDS);

        let (access_key_id, id_source) =
            self.credential(object, "accessKeyId", ENV_ACCESS_KEY_ID, env);
        let (access_key_secret, _) =
            self.credential(object, "accessKeySecret", ENV_ACCESS_KEY_SECRET, env);
        let security_token = match (object.get("securityToken"), id_source) {
            (None | Some(Value::Null), Source::Env(_)) => env(ENV_SECURITY_TOKEN)
                .filter(|t| !t.is_empty())
                .and_then(|t| {
                    self.exact_text(&t, "securityToken", &Source::Env(ENV_SECURITY_TOKEN))
                        .then_some(t)
                })
                .map(SecretString::from),
            (None | Some(Value::Null), Source::Json) => None,
            (Some(v), _) => self
                .exact_string(v, "securityToken")
                .map(SecretString::from),
        };
        if let Some(id) = &access_key_id {
            self.sent_in_clear(id, "accessKeyId");
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
        let sign_name = self.required(object, "signName", Self::trimmed);
        let templates = self.required(object, "templates", Self::templates);
        let strict_phone_region_number_check =
            self.optional(object, "strictPhoneRegionNumberCheck", false, Self::boolean);
        let region_id = self.optional(
            object,
            "regionId",
            DEFAULT_REGION_ID.to_owned(),
            Self::region_id,
        );
        // Left out, the endpoint is the one Alibaba's SDKs use for the region.
        let endpoint = match object.get("endpoint") {
            Some(value) => self.endpoint(value, "endpoint"),
            None => region_id.as_deref().map(endpoint_for_region),
        }
        // Also the one picked for the region, as `validate` checks it (found by the fuzzer: a
        // token that is part of a regional host name).
        .filter(|endpoint| self.sent_in_clear(endpoint, "endpoint"));
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

    /// An object; each key not in `fields` is ignored with a warning.
    fn object<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        fields: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Some(object) = value.as_object() else {
            self.problem(
                path,
                format!("expected an object, found {}", type_name(value)),
            );
            return None;
        };
        self.findings.unknown_keys(object, path, fields);
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
            return (self.exact_string(value, key), Source::Json);
        }
        let source = Source::Env(variable);
        match env(variable).filter(|v| !v.is_empty()) {
            Some(v) => {
                let ok = self.exact_text(&v, key, &source);
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

    /// A credential: a string, used exactly as it is. The message never shows the value.
    fn exact_string(&mut self, value: &Value, path: &str) -> Option<String> {
        match value {
            Value::String(s) if self.exact_text(s, path, &Source::Json) => Some(s.clone()),
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

    /// Whether `text` is usable as a credential; records why not. Surrounding white space is
    /// an error, not trimmed: it would be signed as part of the value, and Aliyun answers with
    /// a signature mismatch that says nothing of it.
    fn exact_text(&mut self, text: &str, path: &str, source: &Source) -> bool {
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
        } else if find_control_or_invisible(text).is_some() {
            self.problem(
                path,
                format!("holds a control or invisible character{from}; remove it"),
            );
            false
        } else {
            true
        }
    }

    /// A sign name or template code: a string, trimmed with a warning (Aliyun's sign names
    /// and template codes never hold white space, so a padded one is a pasting slip), and
    /// refused when empty or when it holds a control or invisible character.
    fn trimmed(&mut self, value: &Value, path: &str) -> Option<String> {
        let Value::String(text) = value else {
            self.problem(
                path,
                format!("expected a string, found {}", type_name(value)),
            );
            return None;
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            self.problem(path, "must not be empty");
            return None;
        }
        if !self.sent_in_clear(trimmed, path) {
            return None;
        }
        if let Some((at, c)) = find_control_or_invisible(trimmed) {
            self.problem(
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
                "removed, since Aliyun's sign names and template codes never contain any",
            );
        }
        Some(trimmed.to_owned())
    }

    /// Records a problem when `text`, which requests carry in clear, holds a secret: a value
    /// pasted into the wrong field would send the secret to Aliyun (and into any log of the
    /// request) and could never work.
    fn sent_in_clear(&mut self, text: &str, path: &str) -> bool {
        if self.findings.holds_secret(text) {
            self.problem(
                path,
                "holds the AccessKey secret or the STS token, which would be sent in clear: check that the right value is in this field",
            );
            return false;
        }
        true
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

    /// A whole number in `range`; one written `1e3` or `1000.0` is the whole number 1000, as it
    /// is to JSON Schema and JavaScript.
    fn number(&mut self, value: &Value, path: &str, range: RangeInclusive<u32>) -> Option<u32> {
        let (min, max) = (range.start(), range.end());
        let Value::Number(number) = value else {
            self.problem(
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
            self.problem(
                path,
                format!("must be a whole number from {min} to {max}, found {shown}"),
            );
        }
        found
    }

    fn endpoint(&mut self, value: &Value, path: &str) -> Option<String> {
        let endpoint = self.exact_string(value, path)?;
        match endpoint::parse(&endpoint) {
            Ok(_) => Some(endpoint),
            Err(message) => {
                self.problem(path, message);
                None
            }
        }
    }

    fn region_id(&mut self, value: &Value, path: &str) -> Option<String> {
        let region = self.exact_string(value, path)?;
        if !self.sent_in_clear(&region, path) {
            return None;
        }
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
                    Value::String(s) => self.findings.echo(s),
                    other => type_name(other).to_owned(),
                };
                self.problem(path, format!("expected \"v1\" or \"v3\", found {found}"));
                None
            }
        }
    }

    /// The templates Logto would use: an entry it would ignore is left out, with a warning
    /// ([`logto_templates`]).
    fn templates(&mut self, value: &Value, path: &str) -> Option<Vec<TemplateConfig>> {
        let Some(items) = value.as_array() else {
            self.problem(
                path,
                format!("expected a list of templates, found {}", type_name(value)),
            );
            return None;
        };
        let usages = logto_templates::usage_types(items, path, self.findings);
        let mut templates = Vec::with_capacity(items.len());
        let mut complete = true;
        for (index, (item, usage)) in items.iter().zip(usages).enumerate() {
            let usage = match usage {
                Usage::Ignored => continue,
                Usage::Use(usage) => Some(usage),
                Usage::Invalid => None,
            };
            match self.template(item, &format!("{path}[{index}]"), usage) {
                Some(template) => templates.push(template),
                None => complete = false,
            }
        }
        complete.then_some(templates)
    }

    /// One template whose usage type was read already (`None`: it is wrong, and reported);
    /// the rest is checked either way, so that every problem is found at once.
    fn template(
        &mut self,
        value: &Value,
        path: &str,
        usage_type: Option<UsageType>,
    ) -> Option<TemplateConfig> {
        let object = self.object(value, path, &TEMPLATE_FIELDS)?;
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
        Some(TemplateConfig {
            usage_type: usage_type?,
            template_code: template_code?,
            legacy_type: legacy_type?,
        })
    }

    fn template_code(&mut self, value: &Value, path: &str) -> Option<TemplateCode> {
        match value {
            Value::String(_) => self.trimmed(value, path).map(TemplateCode::Single),
            Value::Object(_) => {
                let object = self.object(value, path, &REGIONAL_CODE_FIELDS)?;
                let mut code = |key: &str| match object.get(key) {
                    Some(value) => self.trimmed(value, &join(path, key)),
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

/// White space written as code points, `\u{20}\u{a}`: the only way to show it.
fn code_points(text: &str) -> String {
    text.chars()
        .map(|c| format!("\\u{{{:x}}}", u32::from(c)))
        .collect()
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

    #[test]
    fn endpoints_by_region_are_the_sdks() {
        for (region, endpoint) in [
            (
                "ap-southeast-1",
                "https://dysmsapi.ap-southeast-1.aliyuncs.com",
            ),
            (
                "ap-southeast-5",
                "https://dysmsapi.ap-southeast-5.aliyuncs.com",
            ),
            ("eu-central-1", "https://dysmsapi.eu-central-1.aliyuncs.com"),
            ("us-east-1", "https://dysmsapi.us-east-1.aliyuncs.com"),
            (
                "cn-beijing",
                "https://dysmsapi-proxy.cn-beijing.aliyuncs.com",
            ),
            (
                "cn-hongkong",
                "https://dysmsapi-xman.cn-hongkong.aliyuncs.com",
            ),
            ("cn-hangzhou", "https://dysmsapi.aliyuncs.com"),
            ("cn-shanghai", "https://dysmsapi.aliyuncs.com"),
            ("ap-northeast-1", "https://dysmsapi.aliyuncs.com"),
        ] {
            assert_eq!(endpoint_for_region(region), endpoint, "{region}");
            assert!(endpoint::parse(endpoint).is_ok());
        }
    }

    #[test]
    fn white_space_is_shown_as_code_points() {
        assert_eq!(code_points(" \n\u{3000}"), r"\u{20}\u{a}\u{3000}");
    }
}
