//! The connector's configuration: the JSON of Logto's Tencent SMS connector, plus optional
//! settings with safe defaults.

use std::time::Duration;

use connector_kit::{SecretString, UsageType};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use connector_kit::config::{ConfigError, ConfigProblem, ConfigWarnings, LoadOptions, Loaded};

use crate::validate;

/// The endpoint used when `endpoint` is left out: Tencent Cloud's nearest-region host.
pub const DEFAULT_ENDPOINT: &str = "https://sms.tencentcloudapi.com";
/// The endpoint of Tencent Cloud's international site (tencentcloud.com accounts).
pub const INTERNATIONAL_ENDPOINT: &str = "https://sms.intl.tencentcloudapi.com";
/// The regions with an SMS host of their own, `https://sms.<region>.tencentcloudapi.com`.
pub const REGIONAL_HOSTS: [&str; 14] = [
    "ap-guangzhou",
    "ap-shanghai",
    "ap-beijing",
    "ap-chengdu",
    "ap-chongqing",
    "ap-hongkong",
    "ap-singapore",
    "ap-bangkok",
    "ap-mumbai",
    "ap-seoul",
    "ap-tokyo",
    "na-ashburn",
    "na-siliconvalley",
    "eu-frankfurt",
];
/// The `X-TC-Region` sent when `region` is left out (the region of Tencent's SMS demo).
pub const DEFAULT_REGION: &str = "ap-guangzhou";
pub use connector_http::{
    CONNECT_TIMEOUT_MS_RANGE, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_MS,
    MAX_ATTEMPTS_RANGE, TIMEOUT_MS_RANGE,
};

/// Environment variable read when `accessKeyId` (the SecretId) is left out, as Tencent Cloud's
/// SDKs read it.
pub const ENV_SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
/// Environment variable read when `accessKeySecret` (the SecretKey) is left out.
pub const ENV_SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";

/// The schema `pattern` of a string that must not be empty nor start or end with white space.
const TRIMMED_PATTERN: &str = r"^\S(?:[\s\S]*\S)?$";
/// The schema `pattern` of `endpoint`: `https://` and a host (with an optional port), or
/// `http://` and a loopback host; no path, query, fragment, user name or password.
const ENDPOINT_PATTERN: &str = r"^(?:https://[^\s/?#@\\]+|http://(?:localhost|127(?:\.[0-9]{1,3}){3}|\[::1\])(?::[0-9]{1,5})?)/?$";
/// The schema `pattern` of `region`.
const REGION_PATTERN: &str = "^[a-z0-9-]+$";
/// What the loader accepts as a SecretId.
const SECRET_ID_PATTERN: &str = "^[A-Za-z0-9._-]+$";
/// What the loader accepts as an SDK App ID: digits.
const SDK_APP_ID_PATTERN: &str = "^[0-9]+$";
/// What the loader accepts as a temporary credentials token: visible ASCII only.
const VISIBLE_ASCII_PATTERN: &str = "^[!-~]+$";

/// Settings of the Tencent Cloud SMS connector. The JSON that Logto's Tencent SMS connector
/// takes works as it is; every other setting is optional.
///
/// Load it with [`TencentSmsConfig::from_json`], which checks everything and reports every
/// problem with its JSON path (and warnings for what it ignores, as Logto would). Plain `serde`
/// deserialization checks types only;
/// [`TencentSmsConnector::new`](crate::TencentSmsConnector::new) checks the rest again.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(
    title = "Tencent Cloud SMS connector",
    description = "Settings of the Tencent Cloud SMS connector. The JSON of Logto's Tencent SMS connector works as it is; every other setting is optional.",
    example = schema_example(),
    transform = credentials_may_come_from_env
)]
#[non_exhaustive]
pub struct TencentSmsConfig {
    /// The SecretId of a Tencent Cloud API key allowed to send SMS (Access management (CAM) >
    /// API keys in the Tencent Cloud console). When left out, it is read from the
    /// `TENCENTCLOUD_SECRET_ID` environment variable.
    #[schemars(
        title = "SecretId",
        description = "The SecretId of a Tencent Cloud API key allowed to send SMS (Access management > API keys in the Tencent Cloud console).",
        length(min = 1),
        pattern(SECRET_ID_PATTERN)
    )]
    #[schemars(example = &"AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE")]
    pub access_key_id: String,

    /// The SecretKey that belongs to the SecretId. Never shown in logs or errors. When left
    /// out, it is read from the `TENCENTCLOUD_SECRET_KEY` environment variable.
    #[schemars(
        title = "SecretKey",
        description = "The SecretKey that belongs to the SecretId. Never shown in logs or errors.",
        length(min = 1),
        pattern(TRIMMED_PATTERN)
    )]
    pub access_key_secret: SecretString,

    /// The token of temporary credentials (STS), sent as `X-TC-Token`. Leave it out for an
    /// ordinary API key.
    #[serde(default)]
    #[schemars(
        title = "Temporary credentials token",
        description = "The token of temporary credentials (STS), sent as X-TC-Token. Leave it out for an ordinary API key.",
        length(min = 1),
        pattern(VISIBLE_ASCII_PATTERN)
    )]
    pub security_token: Option<SecretString>,

    /// The approved signature content (签名内容, not its ID) shown at the start of every
    /// message, e.g. `腾讯云`.
    #[schemars(title = "Signature", length(min = 1), pattern(TRIMMED_PATTERN))]
    #[schemars(example = &"腾讯云")]
    pub sign_name: String,

    /// The SMS application's SDK App ID (SmsSdkAppId), e.g. `1400006666` (SMS console >
    /// Application management).
    #[schemars(title = "SDK App ID", length(min = 1), pattern(SDK_APP_ID_PATTERN))]
    #[schemars(example = &"1400006666")]
    pub sdk_app_id: String,

    /// The region sent as `X-TC-Region`, e.g. `ap-guangzhou`, `ap-beijing` or `ap-singapore`.
    #[serde(default = "default_region")]
    #[schemars(title = "Region", pattern(REGION_PATTERN))]
    #[schemars(example = &"ap-guangzhou")]
    pub region: String,

    /// One template per usage type. `Register`, `SignIn`, `ForgotPassword` and `Generic` are
    /// required; `Generic` is also used for every usage type without a template of its own.
    #[schemars(title = "Templates")]
    pub templates: Vec<TemplateConfig>,

    /// How a template with separate mainland China and overseas IDs tells the two apart, and
    /// which country a number without one is in. Off: a bare 11-digit number starting with
    /// 13–19 is a mainland China number (sent as +86). On: only numbers with the country code
    /// 86 (`+86`, `0086`, `86`) are, and every number must carry its country code.
    #[serde(default)]
    #[schemars(title = "Strict mainland China number check")]
    pub strict_phone_region_number_check: bool,

    /// The API endpoint: `https://sms.tencentcloudapi.com` (nearest region),
    /// `https://sms.intl.tencentcloudapi.com` (international site), or a regional one such as
    /// `https://sms.ap-guangzhou.tencentcloudapi.com`. Scheme and host only; plain `http` is only
    /// allowed for a loopback host (a local emulator).
    #[serde(default = "default_endpoint")]
    #[schemars(title = "Endpoint", pattern(ENDPOINT_PATTERN))]
    #[schemars(example = &"https://sms.tencentcloudapi.com")]
    #[schemars(example = &"https://sms.ap-guangzhou.tencentcloudapi.com")]
    pub endpoint: String,

    /// How long to wait for a connection to Tencent Cloud, in milliseconds (1000 to 60000, and
    /// not more than `timeoutMs`). A connection that fails this way sent nothing, so it is
    /// retried.
    #[serde(default = "default_connect_timeout_ms")]
    #[schemars(title = "Connect timeout (ms)", range(min = 1000, max = 60000))]
    pub connect_timeout_ms: u32,

    /// The most time one send may take, retries included, in milliseconds (1000 to 120000).
    /// When it runs out the message may or may not have been sent, and it is never resent.
    #[serde(default = "default_timeout_ms")]
    #[schemars(title = "Send timeout (ms)", range(min = 1000, max = 120000))]
    pub timeout_ms: u32,

    /// How many times one message may be tried (1 to 10). Only requests that Tencent Cloud
    /// refused before processing them (`RequestLimitExceeded`, a connection that could not be
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

    /// The approved template ID (模板 ID), e.g. `1234567`; or one ID for mainland China numbers
    /// and one for the rest of the world.
    #[schemars(title = "Template ID", example = &"1234567")]
    #[schemars(example = json!({"china": "1234567", "overseas": "7654321"}))]
    pub template_code: TemplateCode,
}

/// A template ID, the same for every number or chosen by where the number is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
#[schemars(title = "Template ID")]
pub enum TemplateCode {
    /// One template ID for every number, e.g. `1234567`.
    #[schemars(title = "One ID for every number")]
    Single(#[schemars(length(min = 1), pattern(TRIMMED_PATTERN))] String),
    /// One template ID for mainland China numbers and one for all others (Tencent Cloud
    /// approves mainland and international/Hong Kong, Macao and Taiwan templates separately).
    #[schemars(title = "Mainland China and overseas IDs")]
    ByRegion {
        /// The template ID for mainland China numbers (国内短信).
        #[schemars(title = "Mainland China template ID")]
        #[schemars(length(min = 1), pattern(TRIMMED_PATTERN))]
        china: String,
        /// The template ID for numbers outside mainland China (国际/港澳台短信).
        #[schemars(title = "Overseas template ID")]
        #[schemars(length(min = 1), pattern(TRIMMED_PATTERN))]
        overseas: String,
    },
}

impl TemplateConfig {
    /// The template `template_code` for `usage_type`.
    pub fn new(usage_type: UsageType, template_code: TemplateCode) -> Self {
        TemplateConfig {
            usage_type,
            template_code,
        }
    }
}

impl TemplateCode {
    /// The ID for a recipient, and the config path suffix that names it (`""`, `".china"` or
    /// `".overseas"`).
    pub fn for_region(&self, mainland_china: bool) -> (&str, &'static str) {
        match self {
            TemplateCode::Single(code) => (code, ""),
            TemplateCode::ByRegion { china, .. } if mainland_china => (china, ".china"),
            TemplateCode::ByRegion { overseas, .. } => (overseas, ".overseas"),
        }
    }
}

/// The schema does not require the API key: [`TencentSmsConfig::from_json`] reads it from the
/// environment when it is left out. The schema for admin forms that `cargo xtask schema` writes
/// requires it again.
fn credentials_may_come_from_env(schema: &mut schemars::Schema) {
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.retain(|name| name != "accessKeyId" && name != "accessKeySecret");
    }
}

/// The schema's example: the JSON of Logto's connector with the four required templates.
fn schema_example() -> Value {
    json!({
        "accessKeyId": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "accessKeySecret": "example-secret-key",
        "signName": "腾讯云",
        "sdkAppId": "1400006666",
        "region": "ap-guangzhou",
        "templates": [
            { "usageType": "Register", "templateCode": "1234561" },
            { "usageType": "SignIn", "templateCode": { "china": "1234562", "overseas": "1234563" } },
            { "usageType": "ForgotPassword", "templateCode": "1234564" },
            { "usageType": "Generic", "templateCode": "1234565" }
        ]
    })
}

fn default_endpoint() -> String {
    DEFAULT_ENDPOINT.to_owned()
}

fn default_region() -> String {
    DEFAULT_REGION.to_owned()
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

impl TencentSmsConfig {
    /// A config with these credentials, signature, SDK App ID and templates, and every optional
    /// setting at its default. Not checked until [`validate`](Self::validate) or
    /// [`TencentSmsConnector::new`](crate::TencentSmsConnector::new).
    pub fn new(
        secret_id: impl Into<String>,
        secret_key: impl Into<SecretString>,
        sign_name: impl Into<String>,
        sdk_app_id: impl Into<String>,
        templates: Vec<TemplateConfig>,
    ) -> Self {
        TencentSmsConfig {
            access_key_id: secret_id.into(),
            access_key_secret: secret_key.into(),
            security_token: None,
            sign_name: sign_name.into(),
            sdk_app_id: sdk_app_id.into(),
            region: default_region(),
            templates,
            strict_phone_region_number_check: false,
            endpoint: default_endpoint(),
            connect_timeout_ms: DEFAULT_CONNECT_TIMEOUT_MS,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// Loads and checks a config; credentials left out are read from the process environment
    /// (`TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY`). The error lists every problem
    /// with its JSON path; warnings (what is ignored, as Logto ignores it) are logged once
    /// (`tracing`, WARN): use [`load`](Self::load) to have them as data.
    pub fn from_json(json: &str) -> Result<TencentSmsConfig, ConfigError> {
        Self::from_json_with_env(json, |name| std::env::var(name).ok())
    }

    /// [`from_json`](Self::from_json) with the environment given as a function, for tests and
    /// for services that keep secrets elsewhere.
    pub fn from_json_with_env(
        json: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<TencentSmsConfig, ConfigError> {
        Self::load_with_env(json, &LoadOptions::default(), env)
            .map(|loaded| loaded.logged("Tencent SMS config"))
    }

    /// Loads and checks a config with `options` (e.g. [`LoadOptions::strict`], where every
    /// warning is a problem), credentials left out read from the process environment: the
    /// config and its warnings, or every problem.
    pub fn load(
        json: &str,
        options: &LoadOptions,
    ) -> Result<Loaded<TencentSmsConfig>, ConfigError> {
        Self::load_with_env(json, options, |name| std::env::var(name).ok())
    }

    /// [`load`](Self::load) with the environment given as a function.
    pub fn load_with_env(
        json: &str,
        options: &LoadOptions,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Loaded<TencentSmsConfig>, ConfigError> {
        validate::load(json, options, &env)
    }

    /// Checks a config built in code (or deserialized with plain `serde`) as
    /// [`from_json`](Self::from_json) would, without reading the environment.
    pub fn validate(&self) -> Result<(), ConfigError> {
        Self::load_with_env(
            &self.to_json_exposing_secrets(),
            &LoadOptions::default(),
            |_| None,
        )
        .map(drop)
    }

    /// The config as JSON, secrets included: for storing it again, never for showing it. This
    /// is the only way to serialize a config.
    pub fn to_json_exposing_secrets(&self) -> String {
        let mut value = json!({
            "accessKeyId": self.access_key_id,
            "accessKeySecret": self.access_key_secret.expose_secret(),
            "signName": self.sign_name,
            "sdkAppId": self.sdk_app_id,
            "region": self.region,
            "templates": self.templates,
            "strictPhoneRegionNumberCheck": self.strict_phone_region_number_check,
            "endpoint": self.endpoint,
            "connectTimeoutMs": self.connect_timeout_ms,
            "timeoutMs": self.timeout_ms,
            "maxAttempts": self.max_attempts,
        });
        if let (Some(token), Some(object)) = (&self.security_token, value.as_object_mut()) {
            object.insert("securityToken".into(), token.expose_secret().into());
        }
        value.to_string()
    }

    /// The signing credentials (with the token of temporary credentials when there is one).
    pub fn credentials(&self) -> tencent_sign::Credentials {
        let credentials = tencent_sign::Credentials::new(
            self.access_key_id.as_str(),
            self.access_key_secret.expose_secret(),
        );
        match &self.security_token {
            Some(token) => credentials.with_token(token.expose_secret()),
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
