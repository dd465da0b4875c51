//! The connector's configuration: Logto's JSON, plus optional settings with safe defaults.

use std::fmt;
use std::time::Duration;

use connector_kit::UsageType;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use connector_kit::config::{ConfigError, ConfigProblem, ConfigWarnings, LoadOptions, Loaded};

pub use crate::secret::SecretString;
use crate::validate;
pub use crate::validate::endpoint_for_region;

/// The endpoint used when `endpoint` is left out: mainland China regions and `cn-hongkong`.
pub const DEFAULT_ENDPOINT: &str = "https://dysmsapi.aliyuncs.com";
/// The `RegionId` sent when `regionId` is left out.
pub const DEFAULT_REGION_ID: &str = "cn-hangzhou";
pub use connector_http::{
    CONNECT_TIMEOUT_MS_RANGE, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_MS,
    MAX_ATTEMPTS_RANGE, TIMEOUT_MS_RANGE,
};
/// The legacy `templates[].type` values Logto accepted (and never used).
pub const LEGACY_TEMPLATE_TYPES: [u8; 5] = [0, 1, 2, 6, 7];

/// Environment variable read when `accessKeyId` is left out (as Alibaba Cloud's SDKs do).
pub const ENV_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
/// Environment variable read when `accessKeySecret` is left out.
pub const ENV_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
/// Environment variable read for `securityToken` when it is left out and the AccessKey ID came
/// from the environment too.
pub const ENV_SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";

/// The schema `pattern` of every string setting: not empty, and no white space at either end
/// (a pasted value with a trailing space or line break is refused when loading).
const TRIMMED_PATTERN: &str = r"^\S(?:[\s\S]*\S)?$";
/// The schema `pattern` of `endpoint`: `https://` and a host (with an optional port), or
/// `http://` and a loopback host; no path, query, fragment, user name or password.
const ENDPOINT_PATTERN: &str = r"^(?:https://[^\s/?#@\\]+|http://(?:localhost|127(?:\.[0-9]{1,3}){3}|\[::1\])(?::[0-9]{1,5})?)/?$";
/// The schema `pattern` of `regionId`.
const REGION_ID_PATTERN: &str = "^[a-z0-9-]+$";
/// What the loader accepts as an AccessKey ID.
const ACCESS_KEY_ID_PATTERN: &str = "^[A-Za-z0-9._-]+$";
/// What the loader accepts as an STS token: visible ASCII only.
const VISIBLE_ASCII_PATTERN: &str = "^[!-~]+$";

/// Settings of the Aliyun SMS connector. The JSON that Logto's Aliyun SMS connector takes works
/// as it is; every other setting is optional.
///
/// Load it with [`AliyunSmsConfig::from_json`], which checks everything and reports every
/// problem with its JSON path. Plain `serde` deserialization checks types only;
/// [`AliyunSmsConnector::new`](crate::AliyunSmsConnector::new) checks the rest again.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(
    title = "Aliyun SMS connector",
    description = "Settings of the Aliyun SMS connector. The JSON of Logto's Aliyun SMS connector works as it is; every other setting is optional.",
    example = schema_example(),
    transform = adjust_schema
)]
#[non_exhaustive]
pub struct AliyunSmsConfig {
    /// The AccessKey ID of an Alibaba Cloud RAM user allowed to send SMS (AccessKey management in
    /// the Alibaba Cloud console). When left out, it is read from the
    /// `ALIBABA_CLOUD_ACCESS_KEY_ID` environment variable.
    #[schemars(
        title = "AccessKey ID",
        description = "The AccessKey ID of an Alibaba Cloud RAM user allowed to send SMS (AccessKey management in the Alibaba Cloud console).",
        length(min = 1),
        pattern(ACCESS_KEY_ID_PATTERN)
    )]
    #[schemars(example = &"LTAI5tExampleKeyId01")]
    pub access_key_id: String,

    /// The AccessKey secret that belongs to the AccessKey ID. Never shown in logs or errors. When
    /// left out, it is read from the `ALIBABA_CLOUD_ACCESS_KEY_SECRET` environment variable.
    #[schemars(
        title = "AccessKey secret",
        description = "The AccessKey secret that belongs to the AccessKey ID. Never shown in logs or errors.",
        length(min = 1),
        pattern(TRIMMED_PATTERN)
    )]
    pub access_key_secret: SecretString,

    /// An STS security token, only for temporary (STS) credentials. Leave it out for an
    /// ordinary AccessKey. When left out and the AccessKey ID comes from the environment, it is
    /// read from `ALIBABA_CLOUD_SECURITY_TOKEN`.
    #[serde(default)]
    #[schemars(
        title = "STS security token",
        description = "An STS security token, only for temporary (STS) credentials. Leave it out for an ordinary AccessKey.",
        length(min = 1),
        pattern(VISIBLE_ASCII_PATTERN)
    )]
    pub security_token: Option<SecretString>,

    /// The approved SMS signature name (签名名称) shown at the start of every message, e.g.
    /// `Logto`. All templates share it.
    #[schemars(title = "Signature name", length(min = 1), pattern(TRIMMED_PATTERN))]
    #[schemars(example = &"Logto")]
    pub sign_name: String,

    /// One template per usage type. `Register`, `SignIn`, `ForgotPassword` and `Generic` are
    /// required; `Generic` is also used for every usage type without a template of its own.
    #[schemars(title = "Templates")]
    pub templates: Vec<TemplateConfig>,

    /// How a template with separate mainland China and overseas codes tells the two apart.
    /// Off: a bare 11-digit number starting with 13–19 counts as mainland China too. On: only
    /// numbers with the country code 86 (`+86`, `0086`, `86`) count as mainland China.
    #[serde(default)]
    #[schemars(title = "Strict mainland China number check")]
    pub strict_phone_region_number_check: bool,

    /// The SendSms endpoint, e.g. `https://dysmsapi.aliyuncs.com` or a regional one such as
    /// `https://dysmsapi.ap-southeast-1.aliyuncs.com`. Left out, the one Alibaba Cloud's SDKs
    /// use for `regionId` (`https://dysmsapi.aliyuncs.com` for `cn-hangzhou` and most other
    /// regions). Scheme and host only; plain `http` is only allowed for a loopback host (a
    /// local emulator).
    #[serde(default = "default_endpoint")]
    #[schemars(title = "Endpoint", pattern(ENDPOINT_PATTERN))]
    #[schemars(example = &"https://dysmsapi.aliyuncs.com")]
    #[schemars(example = &"https://dysmsapi.ap-southeast-1.aliyuncs.com")]
    pub endpoint: String,

    /// The `RegionId` sent with each request, e.g. `cn-hangzhou` or `ap-southeast-1`; it also
    /// picks the endpoint when `endpoint` is left out.
    #[serde(default = "default_region_id")]
    #[schemars(title = "Region ID", pattern(REGION_ID_PATTERN))]
    #[schemars(example = &"cn-hangzhou", example = &"ap-southeast-1")]
    pub region_id: String,

    /// How requests are signed: `v1` (HMAC-SHA1, what Logto sends) or `v3`
    /// (ACS3-HMAC-SHA256, what Alibaba Cloud recommends for new integrations).
    #[serde(default)]
    #[schemars(title = "Signature version")]
    pub signature_version: SignatureVersion,

    /// How long to wait for a connection to Aliyun, in milliseconds (1000 to 60000, and not
    /// more than `timeoutMs`). A connection that fails this way sent nothing, so it is retried.
    #[serde(default = "default_connect_timeout_ms")]
    #[schemars(title = "Connect timeout (ms)", range(min = 1000, max = 60000))]
    pub connect_timeout_ms: u32,

    /// The most time one send may take, retries included, in milliseconds (1000 to 120000).
    /// When it runs out the message may or may not have been sent, and it is never resent.
    #[serde(default = "default_timeout_ms")]
    #[schemars(title = "Send timeout (ms)", range(min = 1000, max = 120000))]
    pub timeout_ms: u32,

    /// How many times one message may be tried (1 to 10). Only requests that Aliyun refused
    /// before processing them (throttling, a reused nonce, a connection that could not be
    /// made) are tried again, so no code is ever delivered twice.
    #[serde(default = "default_max_attempts")]
    #[schemars(title = "Maximum attempts", range(min = 1, max = 10))]
    pub max_attempts: u32,
}

/// The template used for one usage type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "Template")]
#[non_exhaustive]
pub struct TemplateConfig {
    /// What the template is for. Register, SignIn, ForgotPassword and Generic are required;
    /// the others fall back to Generic when left out.
    #[schemars(title = "Usage type")]
    pub usage_type: UsageType,

    /// The approved template code (模板 CODE), e.g. `SMS_123456789`; or one code for mainland
    /// China numbers and one for the rest of the world.
    #[schemars(title = "Template code", example = &"SMS_123456789")]
    #[schemars(example = json!({"china": "SMS_123456789", "overseas": "SMS_987654321"}))]
    pub template_code: TemplateCode,

    /// Accepted for compatibility with old Logto configs (0, 1, 2, 6 or 7) and ignored.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        title = "Legacy type (deprecated)",
        extend("enum" = [0, 1, 2, 6, 7, null], "deprecated" = true)
    )]
    pub legacy_type: Option<u8>,
}

/// A template code, the same for every number or chosen by where the number is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
#[schemars(title = "Template code")]
pub enum TemplateCode {
    /// One template code for every number, e.g. `SMS_123456789`.
    #[schemars(title = "One code for every number")]
    Single(#[schemars(length(min = 1), pattern(TRIMMED_PATTERN))] String),
    /// One template code for mainland China numbers and one for all others (Aliyun approves
    /// mainland and international templates separately).
    #[schemars(title = "Mainland China and overseas codes")]
    ByRegion {
        /// The template code for mainland China numbers (国内消息).
        #[schemars(title = "Mainland China template code")]
        #[schemars(length(min = 1), pattern(TRIMMED_PATTERN))]
        china: String,
        /// The template code for numbers outside mainland China (国际/港澳台消息).
        #[schemars(title = "Overseas template code")]
        #[schemars(length(min = 1), pattern(TRIMMED_PATTERN))]
        overseas: String,
    },
}

impl TemplateConfig {
    /// The template `template_code` for `usage_type` (no legacy `type`).
    pub fn new(usage_type: UsageType, template_code: TemplateCode) -> Self {
        TemplateConfig {
            usage_type,
            template_code,
            legacy_type: None,
        }
    }
}

impl TemplateCode {
    /// The code for a recipient, and the config path suffix that names it (`""`, `".china"` or
    /// `".overseas"`).
    pub fn for_region(&self, mainland_china: bool) -> (&str, &'static str) {
        match self {
            TemplateCode::Single(code) => (code, ""),
            TemplateCode::ByRegion { china, .. } if mainland_china => (china, ".china"),
            TemplateCode::ByRegion { overseas, .. } => (overseas, ".overseas"),
        }
    }
}

/// The request signature scheme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SignatureVersion {
    /// RPC signature V1 (HMAC-SHA1), as Logto's connector signs: every parameter in the form
    /// body.
    #[default]
    #[schemars(title = "V1 (HMAC-SHA1)")]
    V1,
    /// Signature V3 (ACS3-HMAC-SHA256): the parameters in the form body, the signature in the
    /// `Authorization` header.
    #[schemars(title = "V3 (ACS3-HMAC-SHA256)")]
    V3,
}

impl SignatureVersion {
    /// `v1` or `v3`, as written in the config.
    pub const fn as_str(self) -> &'static str {
        match self {
            SignatureVersion::V1 => "v1",
            SignatureVersion::V3 => "v3",
        }
    }
}

impl fmt::Display for SignatureVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The schema does not require the AccessKey: [`AliyunSmsConfig::from_json`] reads it from the
/// environment when it is left out. (Plain `serde`, which reads no environment, requires it.)
/// The schema for admin forms that `cargo xtask schema` writes requires it again: a console
/// form stores the AccessKey, it has no environment to fall back on.
/// The AccessKey may come from the environment, so it is not required; `endpoint` has no
/// default in the schema, because a form that saved one would override the endpoint of the
/// `regionId` chosen beside it.
fn adjust_schema(schema: &mut schemars::Schema) {
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.retain(|name| name != "accessKeyId" && name != "accessKeySecret");
    }
    if let Some(Value::Object(endpoint)) = schema
        .get_mut("properties")
        .and_then(|properties| properties.get_mut("endpoint"))
    {
        endpoint.remove("default");
    }
}

/// The schema's example: the JSON of Logto's connector with the four required templates.
fn schema_example() -> Value {
    json!({
        "accessKeyId": "LTAI5tExampleKeyId01",
        "accessKeySecret": "example-secret",
        "signName": "Logto",
        "templates": [
            { "usageType": "Register", "templateCode": "SMS_123456001" },
            { "usageType": "SignIn", "templateCode": { "china": "SMS_123456002", "overseas": "SMS_123456003" } },
            { "usageType": "ForgotPassword", "templateCode": "SMS_123456004" },
            { "usageType": "Generic", "templateCode": "SMS_123456005" }
        ],
        "strictPhoneRegionNumberCheck": false
    })
}

fn default_endpoint() -> String {
    DEFAULT_ENDPOINT.to_owned()
}

fn default_region_id() -> String {
    DEFAULT_REGION_ID.to_owned()
}

fn default_connect_timeout_ms() -> u32 {
    DEFAULT_CONNECT_TIMEOUT_MS
}

fn default_timeout_ms() -> u32 {
    DEFAULT_TIMEOUT_MS
}

fn default_max_attempts() -> u32 {
    DEFAULT_MAX_ATTEMPTS
}

impl AliyunSmsConfig {
    /// A config with these credentials, sign name and templates, and every optional setting at
    /// its default. Not checked until [`validate`](Self::validate) or
    /// [`AliyunSmsConnector::new`](crate::AliyunSmsConnector::new).
    pub fn new(
        access_key_id: impl Into<String>,
        access_key_secret: impl Into<SecretString>,
        sign_name: impl Into<String>,
        templates: Vec<TemplateConfig>,
    ) -> Self {
        AliyunSmsConfig {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: None,
            sign_name: sign_name.into(),
            templates,
            strict_phone_region_number_check: false,
            endpoint: default_endpoint(),
            region_id: default_region_id(),
            signature_version: SignatureVersion::V1,
            connect_timeout_ms: DEFAULT_CONNECT_TIMEOUT_MS,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// Loads and checks a config; credentials left out are read from the process environment
    /// (`ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET`,
    /// `ALIBABA_CLOUD_SECURITY_TOKEN`). The error lists every problem with its JSON path.
    ///
    /// What Logto accepts loads: what it would do silently (ignore a stray key or a `Test`
    /// template, trim a padded sign name) is done with a warning, logged (`tracing`, WARN)
    /// once here. [`load`](Self::load) returns the warnings as data instead, and has a strict
    /// mode that refuses them.
    pub fn from_json(json: &str) -> Result<AliyunSmsConfig, ConfigError> {
        Self::from_json_with_env(json, |name| std::env::var(name).ok())
    }

    /// [`from_json`](Self::from_json) with the environment given as a function, for tests and
    /// for services that keep secrets elsewhere.
    pub fn from_json_with_env(
        json: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<AliyunSmsConfig, ConfigError> {
        Self::load_with_env(json, &LoadOptions::default(), env)
            .map(|loaded| loaded.logged("Aliyun SMS config"))
    }

    /// [`from_json_with_env`](Self::from_json_with_env) for JSON that is already parsed (so a
    /// key given twice cannot be seen any more).
    pub fn from_value_with_env(
        value: &Value,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<AliyunSmsConfig, ConfigError> {
        validate::load_value(value, &LoadOptions::default(), &env)
            .map(|loaded| loaded.logged("Aliyun SMS config"))
    }

    /// Checks a config built in code (or deserialized with plain `serde`) as
    /// [`load`](Self::load) would in strict mode, without reading the environment: a value
    /// the loader would change (a padded sign name, a usage type given twice) is a problem,
    /// since it would be sent as it is.
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate::load_value(
            &self.to_value_exposing_secrets(),
            &LoadOptions::strict(),
            &|_| None,
        )
        .map(drop)
    }

    /// The config as JSON, secrets included: for storing it again, never for showing it. This
    /// is the only way to serialize a config.
    pub fn to_json_exposing_secrets(&self) -> String {
        self.to_value_exposing_secrets().to_string()
    }

    fn to_value_exposing_secrets(&self) -> Value {
        let mut value = json!({
            "accessKeyId": self.access_key_id,
            "accessKeySecret": self.access_key_secret.expose_secret(),
            "signName": self.sign_name,
            "templates": self.templates,
            "strictPhoneRegionNumberCheck": self.strict_phone_region_number_check,
            "endpoint": self.endpoint,
            "regionId": self.region_id,
            "signatureVersion": self.signature_version,
            "connectTimeoutMs": self.connect_timeout_ms,
            "timeoutMs": self.timeout_ms,
            "maxAttempts": self.max_attempts,
        });
        if let (Some(token), Some(object)) = (&self.security_token, value.as_object_mut()) {
            object.insert("securityToken".into(), token.expose_secret().into());
        }
        value
    }

    /// The signing credentials (with the STS token when there is one).
    pub fn credentials(&self) -> aliyun_sign::Credentials {
        let credentials = aliyun_sign::Credentials::new(
            self.access_key_id.as_str(),
            self.access_key_secret.expose_secret(),
        );
        match &self.security_token {
            Some(token) => credentials.with_security_token(token.expose_secret()),
            None => credentials,
        }
    }

    /// `connectTimeoutMs` as a duration.
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(u64::from(self.connect_timeout_ms))
    }

    /// `timeoutMs` as a duration.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(u64::from(self.timeout_ms))
    }
}
