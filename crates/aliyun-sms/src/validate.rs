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
//! first, and [`Findings`] cuts their values out of every path and message. The fields are read
//! with the kit's [`Fields`], as every connector's loader reads them.

use connector_kit::UsageType;
use connector_kit::config::{
    ConfigError, Fields, Findings, LoadOptions, Loaded, PathSegment, Source, join, type_name,
};
use serde_json::Value;

use crate::SecretString;
use crate::config::{
    AliyunSmsConfig, DEFAULT_REGION_ID, ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET,
    ENV_SECURITY_TOKEN, LEGACY_TEMPLATE_TYPES, SignatureVersion, TemplateCode, TemplateConfig,
};
use crate::endpoint;
use connector_http::ExchangeSettings;
use logto_compat::templates as logto_templates;

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
/// How messages name this config's secrets.
const SECRETS: &str = "the AccessKey secret or the STS token";
/// Why a padded sign name or template code is trimmed.
const TRIMMED: &str = "removed, since Aliyun's sign names and template codes never contain any";
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
    let config = config(&mut Fields::new(&mut findings, SECRETS), value, env);
    findings.finish(config)
}

fn config(
    fields: &mut Fields<'_>,
    value: &Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<AliyunSmsConfig> {
    let object = fields.object(value, "", &FIELDS)?;

    let (access_key_id, id_source) =
        fields.credential(object, "accessKeyId", ENV_ACCESS_KEY_ID, env);
    let (access_key_secret, _) =
        fields.credential(object, "accessKeySecret", ENV_ACCESS_KEY_SECRET, env);
    let security_token = match (object.get("securityToken"), id_source) {
        (None | Some(Value::Null), Source::Env(_)) => env(ENV_SECURITY_TOKEN)
            .filter(|t| !t.is_empty())
            .and_then(|t| {
                fields
                    .exact_text(&t, "securityToken", Source::Env(ENV_SECURITY_TOKEN))
                    .then_some(t)
            })
            .map(SecretString::from),
        (None | Some(Value::Null), Source::Json) => None,
        (Some(v), _) => fields
            .exact_string(v, "securityToken")
            .map(SecretString::from),
    };
    if let Some(id) = &access_key_id {
        fields.sent_in_clear(id, "accessKeyId");
        fields.charset(
            id,
            "accessKeyId",
            |b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'),
            "must hold only letters, digits, `.`, `_` and `-`, as AccessKey IDs do (LTAI… or STS.…)",
        );
    }
    if let Some(token) = &security_token {
        fields.charset(
            token.expose_secret(),
            "securityToken",
            |b| b.is_ascii_graphic(),
            "must hold only visible ASCII characters, as STS tokens do (no spaces or line breaks)",
        );
    }
    let sign_name = fields.required(object, "", "signName", |f, v, p| f.trimmed(v, p, TRIMMED));
    let templates = fields.required(object, "", "templates", read_templates);
    let strict_phone_region_number_check = fields.optional(
        object,
        "",
        "strictPhoneRegionNumberCheck",
        false,
        Fields::boolean,
    );
    let region_id = fields.optional(
        object,
        "",
        "regionId",
        DEFAULT_REGION_ID.to_owned(),
        read_region_id,
    );
    // Left out, the endpoint is the one Alibaba's SDKs use for the region.
    let endpoint = match object.get("endpoint") {
        Some(value) => read_endpoint(fields, value, "endpoint"),
        None => region_id.as_deref().map(endpoint_for_region),
    }
    // Also the one picked for the region, as `validate` checks it (found by the fuzzer: a
    // token that is part of a regional host name).
    .filter(|endpoint| fields.sent_in_clear(endpoint, "endpoint"));
    let signature_version = fields.optional(
        object,
        "",
        "signatureVersion",
        SignatureVersion::V1,
        read_signature_version,
    );
    let exchange = ExchangeSettings::read(fields, object);

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
        connect_timeout_ms: exchange?.connect_timeout_ms,
        timeout_ms: exchange?.timeout_ms,
        max_attempts: exchange?.max_attempts,
    })
}

fn read_endpoint(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<String> {
    let endpoint = fields.exact_string(value, path)?;
    match endpoint::parse(&endpoint) {
        Ok(_) => Some(endpoint),
        Err(message) => {
            fields.error(path, message);
            None
        }
    }
}

fn read_region_id(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<String> {
    let region = fields.exact_string(value, path)?;
    if !fields.sent_in_clear(&region, path) {
        return None;
    }
    let well_formed = region
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if well_formed {
        Some(region)
    } else {
        fields.error(
            path,
            "must be a region id in lower-case letters, digits and dashes, e.g. cn-hangzhou",
        );
        None
    }
}

fn read_signature_version(
    fields: &mut Fields<'_>,
    value: &Value,
    path: &str,
) -> Option<SignatureVersion> {
    match value.as_str() {
        Some("v1") => Some(SignatureVersion::V1),
        Some("v3") => Some(SignatureVersion::V3),
        _ => {
            let found = match value {
                Value::String(s) => fields.findings().echo(s),
                other => type_name(other).to_owned(),
            };
            fields.error(path, format!("expected \"v1\" or \"v3\", found {found}"));
            None
        }
    }
}

/// The templates Logto would use ([`logto_compat::templates::read`]).
fn read_templates(
    fields: &mut Fields<'_>,
    value: &Value,
    path: &str,
) -> Option<Vec<TemplateConfig>> {
    logto_templates::read(fields, value, path, template)
}

/// One template whose usage type was read already (`None`: it is wrong, and reported);
/// the rest is checked either way, so that every problem is found at once.
fn template(
    fields: &mut Fields<'_>,
    value: &Value,
    path: &str,
    usage_type: Option<UsageType>,
) -> Option<TemplateConfig> {
    let object = fields.object(value, path, &TEMPLATE_FIELDS)?;
    let template_code = fields.required(object, path, "templateCode", template_code);
    let legacy_type = match object.get("type") {
        None | Some(Value::Null) => Some(None),
        Some(value) => {
            let known = value
                .as_u64()
                .and_then(|n| u8::try_from(n).ok())
                .filter(|n| LEGACY_TEMPLATE_TYPES.contains(n));
            if known.is_none() {
                fields.error(
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

fn template_code(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<TemplateCode> {
    match value {
        Value::String(_) => fields
            .trimmed(value, path, TRIMMED)
            .map(TemplateCode::Single),
        Value::Object(_) => {
            let object = fields.object(value, path, &REGIONAL_CODE_FIELDS)?;
            let mut code = |key: &str| match object.get(key) {
                Some(value) => fields.trimmed(value, &join(path, key), TRIMMED),
                None => {
                    fields.missing(path, key, "give both a china and an overseas template code")
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
            fields.error(
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
}
