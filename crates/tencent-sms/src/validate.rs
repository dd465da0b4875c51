//! Loading a config: one walk over the JSON that builds the typed config and reports every
//! problem, and every warning, with its JSON path, on the kit's config pieces
//! ([`connector_kit::config`]) and Logto's templates list ([`logto_compat::templates`]), as
//! aliyun-sms's loader does.
//!
//! What Logto accepts loads: what Logto would do silently is done with a warning (a stray key
//! ignored, a `Test` or unknown usage type ignored, a repeated one using the first, white space
//! around the sign name, SDK App ID or a template ID removed, an empty region replaced by the
//! default). In strict mode each warning is a problem instead. Values that can never work (an
//! empty or padded credential, an SDK App ID that is not digits, a control character in
//! anything sent) are problems either way.
//!
//! Messages never repeat a secret, wherever in the input it appears.

use connector_kit::SecretString;
use connector_kit::UsageType;
use connector_kit::config::{
    ConfigError, Fields, Findings, LoadOptions, Loaded, PathSegment, join, type_name,
};
use logto_compat::templates;
use serde_json::{Map, Value};

use crate::config::{
    DEFAULT_ENDPOINT, DEFAULT_REGION, ENV_SECRET_ID, ENV_SECRET_KEY, TemplateCode, TemplateConfig,
    TencentSmsConfig,
};
use connector_http::ExchangeSettings;

/// The config's keys, as written in JSON.
pub(crate) const FIELDS: [&str; 12] = [
    "accessKeyId",
    "accessKeySecret",
    "securityToken",
    "signName",
    "sdkAppId",
    "region",
    "templates",
    "strictPhoneRegionNumberCheck",
    "endpoint",
    "connectTimeoutMs",
    "timeoutMs",
    "maxAttempts",
];
/// A template's keys.
const TEMPLATE_FIELDS: [&str; 2] = ["usageType", "templateCode"];
/// The keys of a `{china, overseas}` template ID.
const REGIONAL_CODE_FIELDS: [&str; 2] = ["china", "overseas"];
/// The keys whose values are secrets.
const SECRET_FIELDS: [&str; 2] = ["accessKeySecret", "securityToken"];
/// The keys that may not be given twice, anywhere under them.
const NOT_TWICE: [&str; 4] = [
    "accessKeyId",
    "accessKeySecret",
    "securityToken",
    "templates",
];
/// How messages name this config's secrets.
const SECRETS: &str = "the SecretKey or the temporary credentials' token";
/// Why trimming a sign name, SDK App ID or template ID is safe.
const TRIMMED: &str =
    "removed, since Tencent's signatures, SDK App IDs and template IDs never contain any";

pub(crate) fn load(
    json: &str,
    options: &LoadOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded<TencentSmsConfig>, ConfigError> {
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
    if parsed
        .value
        .get("accessKeySecret")
        .is_none_or(Value::is_null)
    {
        if let Some(secret) = env(ENV_SECRET_KEY) {
            findings.add_secrets_in(&Value::String(secret));
        }
    }
    findings.duplicate_keys(&parsed.duplicates, |path| {
        matches!(path.first(), Some(PathSegment::Key(key)) if NOT_TWICE.contains(&key.as_str()))
    });
    let config = config(&mut Fields::new(&mut findings, SECRETS), &parsed.value, env);
    findings.finish(config)
}

fn config(
    fields: &mut Fields<'_>,
    value: &Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<TencentSmsConfig> {
    let object = fields.object(value, "", &FIELDS)?;
    let (secret_id, _) = fields.credential(object, "accessKeyId", ENV_SECRET_ID, env);
    let (secret_key, _) = fields.credential(object, "accessKeySecret", ENV_SECRET_KEY, env);
    let security_token = match object.get("securityToken") {
        None | Some(Value::Null) => Some(None),
        Some(value) => fields.exact_string(value, "securityToken").map(Some),
    };
    if let Some(id) = &secret_id {
        fields.sent_in_clear(id, "accessKeyId");
        fields.charset(
            id,
            "accessKeyId",
            |b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'),
            "must hold only letters, digits, `.`, `_` and `-`, as SecretIds do (AKID…)",
        );
    }
    if let Some(Some(token)) = &security_token {
        fields.charset(
            token,
            "securityToken",
            |b| b.is_ascii_graphic(),
            "must hold only visible ASCII characters, as tokens do (no spaces or line breaks)",
        );
    }
    let sign_name = fields.required(object, "", "signName", |f, v, p| f.trimmed(v, p, TRIMMED));
    let sdk_app_id = fields.required(object, "", "sdkAppId", sdk_app_id);
    let region = fields.optional(object, "", "region", DEFAULT_REGION.to_owned(), region);
    let templates = fields.required(object, "", "templates", templates);
    let strict_phone_region_number_check = fields.optional(
        object,
        "",
        "strictPhoneRegionNumberCheck",
        false,
        Fields::boolean,
    );
    let endpoint = fields.optional(
        object,
        "",
        "endpoint",
        DEFAULT_ENDPOINT.to_owned(),
        endpoint,
    );
    let exchange = ExchangeSettings::read(fields, object);
    Some(TencentSmsConfig {
        access_key_id: secret_id?,
        access_key_secret: SecretString::from(secret_key?),
        security_token: security_token?.map(SecretString::from),
        sign_name: sign_name?,
        sdk_app_id: sdk_app_id?,
        region: region?,
        templates: templates?,
        strict_phone_region_number_check: strict_phone_region_number_check?,
        endpoint: endpoint?,
        connect_timeout_ms: exchange?.connect_timeout_ms,
        timeout_ms: exchange?.timeout_ms,
        max_attempts: exchange?.max_attempts,
    })
}

/// The SDK App ID: digits (`1400006666`), trimmed with a warning.
fn sdk_app_id(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<String> {
    let id = fields.trimmed(value, path, TRIMMED)?;
    if id.bytes().all(|b| b.is_ascii_digit()) {
        Some(id)
    } else {
        let shown = fields.findings().echo(&id);
        fields.error(
            path,
            format!("must be the SDK App ID's digits, e.g. 1400006666, found {shown}"),
        );
        None
    }
}

/// The region: lower-case letters, digits and dashes; empty (which Logto accepts) is the
/// default region, with a warning.
fn region(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<String> {
    if value.as_str().is_some_and(|s| s.trim().is_empty()) {
        fields.findings().warn(
            path,
            "an empty region",
            &format!("{DEFAULT_REGION} is sent as X-TC-Region"),
        );
        return Some(DEFAULT_REGION.to_owned());
    }
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
            "must be a region in lower-case letters, digits and dashes, e.g. ap-guangzhou",
        );
        None
    }
}

fn endpoint(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<String> {
    let endpoint = fields.exact_string(value, path)?;
    if !fields.sent_in_clear(&endpoint, path) {
        return None;
    }
    match connector_http::Endpoint::parse(&endpoint, DEFAULT_ENDPOINT) {
        Ok(_) => Some(endpoint),
        Err(message) => {
            fields.error(path, message);
            None
        }
    }
}

/// The templates Logto would use ([`logto_compat::templates::read`]).
fn templates(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<Vec<TemplateConfig>> {
    templates::read(fields, value, path, template)
}

/// One template whose usage type was read already (`None`: it is wrong, and reported).
fn template(
    fields: &mut Fields<'_>,
    value: &Value,
    path: &str,
    usage_type: Option<UsageType>,
) -> Option<TemplateConfig> {
    let object = fields.object(value, path, &TEMPLATE_FIELDS)?;
    let template_code = fields.required(object, path, "templateCode", template_code);
    Some(TemplateConfig {
        usage_type: usage_type?,
        template_code: template_code?,
    })
}

fn template_code(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<TemplateCode> {
    match value {
        Value::String(_) => fields
            .trimmed(value, path, TRIMMED)
            .map(TemplateCode::Single),
        Value::Object(_) => {
            let object: &Map<String, Value> = fields.object(value, path, &REGIONAL_CODE_FIELDS)?;
            let mut code = |key: &str| match object.get(key) {
                Some(value) => fields.trimmed(value, &join(path, key), TRIMMED),
                None => fields.missing(path, key, "give both a china and an overseas template ID"),
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
                    "expected a template ID such as \"1234567\" or {{\"china\": ..., \"overseas\": ...}}, found {}",
                    type_name(other)
                ),
            );
            None
        }
    }
}
