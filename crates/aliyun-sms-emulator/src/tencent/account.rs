//! The emulated Tencent Cloud account: API keys, SMS applications (`SdkAppId`), approved sign
//! names and templates, per-number limits; and the demo account.

use tencent_sign::Credentials;

use crate::template::Template;

/// SecretId of the demo Tencent account ([`TencentAccount::demo`]). Not a real key.
pub const DEMO_TENCENT_SECRET_ID: &str = "AKIDDemoEmulatorSecretId0000000001";
/// SecretKey of the demo Tencent account. Not a real secret: it only opens the emulator.
pub const DEMO_TENCENT_SECRET_KEY: &str = "DemoTencentKeyForTheLocalEmulatorOnly";
/// The demo Tencent account's SMS application (`SmsSdkAppId`).
pub const DEMO_TENCENT_SDK_APP_ID: &str = "1400787878";
/// The demo Tencent account's approved sign name.
pub const DEMO_TENCENT_SIGN_NAME: &str = "Demo";
/// The region the demo connector config names (`X-TC-Region`).
pub const DEMO_TENCENT_REGION: &str = "ap-guangzhou";
/// The demo Tencent account's verification-code templates: `(TemplateId, content)`, each with
/// one positional parameter `{1}`.
pub const DEMO_TENCENT_TEMPLATES: &[(&str, &str)] = &[
    (
        "100001",
        "您正在注册账号，验证码为{1}，5分钟内有效，请勿泄露于他人。",
    ),
    ("100002", "您的登录验证码为{1}，5分钟内有效。"),
    ("100003", "您正在重置密码，验证码为{1}，5分钟内有效。"),
    ("100004", "您的验证码为{1}，5分钟内有效。"),
    (
        "200001",
        "Your verification code is {1}. It expires in 5 minutes.",
    ),
];
/// The demo Tencent account's one international template (国际/港澳台短信); the others of
/// [`DEMO_TENCENT_TEMPLATES`] are mainland China templates.
pub const DEMO_TENCENT_OVERSEAS_TEMPLATE: &str = "200001";

/// Regions `X-TC-Region` may name (the SMS regional hosts of Tencent's endpoint list, and
/// `ap-nanjing`); another is answered `UnsupportedRegion`.
pub const TENCENT_REGIONS: &[&str] = &[
    "ap-guangzhou",
    "ap-shanghai",
    "ap-beijing",
    "ap-nanjing",
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

/// The config of the `tencent-sms` connector (Logto's JSON, with `templateCode` by region) for
/// the demo Tencent account of an emulator at `endpoint`: each of the four required usage
/// types with its mainland template and [`DEMO_TENCENT_OVERSEAS_TEMPLATE`] for numbers outside
/// mainland China.
///
/// ```
/// let config = aliyun_sms_emulator::demo_tencent_connector_config("http://127.0.0.1:8787");
/// assert_eq!(config["sdkAppId"], "1400787878");
/// assert_eq!(config["templates"][1]["templateCode"]["china"], "100002");
/// assert_eq!(config["endpoint"], "http://127.0.0.1:8787");
/// ```
pub fn demo_tencent_connector_config(endpoint: &str) -> serde_json::Value {
    let template = |usage: &str, china: &str| {
        serde_json::json!({
            "usageType": usage,
            "templateCode": { "china": china, "overseas": DEMO_TENCENT_OVERSEAS_TEMPLATE },
        })
    };
    serde_json::json!({
        "accessKeyId": DEMO_TENCENT_SECRET_ID,
        "accessKeySecret": DEMO_TENCENT_SECRET_KEY,
        "signName": DEMO_TENCENT_SIGN_NAME,
        "sdkAppId": DEMO_TENCENT_SDK_APP_ID,
        "region": DEMO_TENCENT_REGION,
        "templates": [
            template("Register", "100001"),
            template("SignIn", "100002"),
            template("ForgotPassword", "100003"),
            template("Generic", "100004"),
        ],
        "endpoint": endpoint,
    })
}

/// Tencent's per-number limits on verification codes (its console's defaults: 1 in 30 seconds,
/// 5 an hour, 10 a day), per `SdkAppId` and number. `None` means no limit. Windows slide over
/// the emulator's clock (Tencent's daily limit counts the calendar day; a sliding 24 hours is
/// the emulator's simplification).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TencentLimits {
    /// Sends allowed in any 30 seconds (`LimitExceeded.PhoneNumberThirtySecondLimit`).
    pub per_thirty_seconds: Option<u32>,
    /// Sends allowed in any hour (`LimitExceeded.PhoneNumberOneHourLimit`).
    pub per_hour: Option<u32>,
    /// Sends allowed in any 24 hours (`LimitExceeded.PhoneNumberDailyLimit`).
    pub per_day: Option<u32>,
}

impl TencentLimits {
    /// No per-number limits at all.
    pub const fn off() -> Self {
        TencentLimits {
            per_thirty_seconds: None,
            per_hour: None,
            per_day: None,
        }
    }

    /// Whether every limit is off.
    pub fn is_off(&self) -> bool {
        self.per_thirty_seconds.is_none() && self.per_hour.is_none() && self.per_day.is_none()
    }
}

impl Default for TencentLimits {
    fn default() -> Self {
        TencentLimits {
            per_thirty_seconds: Some(1),
            per_hour: Some(5),
            per_day: Some(10),
        }
    }
}

/// The emulated Tencent Cloud account. Build it with the chained methods.
///
/// Templates are [`Template`]s whose content has Tencent's positional placeholders (`{1}`,
/// `{2}`, ...); their [`region`](Template::region) says mainland (国内短信) or international
/// (国际/港澳台短信).
///
/// ```
/// use aliyun_sms_emulator::{
///     EmulatorConfig, Template, TencentAccount, TencentCredentials, TencentLimits,
/// };
///
/// let tencent = TencentAccount::new()
///     .key(TencentCredentials::new("AKIDtest", "test-key"))
///     .sdk_app_id("1400006666")
///     .sign_name("腾讯云")
///     .template(Template::verification_code("449739", "验证码{1}，{2}分钟内有效。").mainland())
///     .limits(TencentLimits::off());
/// let config = EmulatorConfig::new().tencent(tencent);
/// assert_eq!(config.tencent.templates.len(), 1);
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct TencentAccount {
    /// The account's API keys. A key with a token is a temporary (STS) key: its requests must
    /// carry the same token in `X-TC-Token`.
    pub keys: Vec<Credentials>,
    /// Its SMS applications (`SmsSdkAppId`).
    pub sdk_app_ids: Vec<String>,
    /// Approved sign names (`SignName`, the signature's content).
    pub sign_names: Vec<String>,
    /// Approved templates (`TemplateId`).
    pub templates: Vec<Template>,
    /// Per-number limits on verification-code templates.
    pub limits: TencentLimits,
}

impl TencentAccount {
    /// An account with no keys, applications, sign names or templates, and Tencent's default
    /// limits: every request to it is refused with `AuthFailure.SecretIdNotFound`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The demo account: [`DEMO_TENCENT_SECRET_ID`] / [`DEMO_TENCENT_SECRET_KEY`], application
    /// [`DEMO_TENCENT_SDK_APP_ID`], sign name [`DEMO_TENCENT_SIGN_NAME`], the
    /// verification-code templates of [`DEMO_TENCENT_TEMPLATES`] (mainland China templates,
    /// but [`DEMO_TENCENT_OVERSEAS_TEMPLATE`], an international one), Tencent's default limits.
    pub fn demo() -> Self {
        let account = TencentAccount::new()
            .key(Credentials::new(
                DEMO_TENCENT_SECRET_ID,
                DEMO_TENCENT_SECRET_KEY,
            ))
            .sdk_app_id(DEMO_TENCENT_SDK_APP_ID)
            .sign_name(DEMO_TENCENT_SIGN_NAME);
        DEMO_TENCENT_TEMPLATES
            .iter()
            .fold(account, |account, (id, content)| {
                let template = Template::verification_code(*id, *content);
                account.template(if *id == DEMO_TENCENT_OVERSEAS_TEMPLATE {
                    template.international()
                } else {
                    template.mainland()
                })
            })
    }

    /// Accept this key (with a token: a temporary key).
    pub fn key(mut self, credentials: Credentials) -> Self {
        self.keys.push(credentials);
        self
    }

    /// Add an SMS application.
    pub fn sdk_app_id(mut self, sdk_app_id: impl Into<String>) -> Self {
        self.sdk_app_ids.push(sdk_app_id.into());
        self
    }

    /// Approve a sign name.
    pub fn sign_name(mut self, name: impl Into<String>) -> Self {
        self.sign_names.push(name.into());
        self
    }

    /// Approve a template.
    pub fn template(mut self, template: Template) -> Self {
        self.templates.push(template);
        self
    }

    /// Set the per-number limits.
    pub fn limits(mut self, limits: TencentLimits) -> Self {
        self.limits = limits;
        self
    }

    pub(crate) fn find_template(&self, id: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.code == id)
    }

    pub(crate) fn has_sdk_app_id(&self, id: &str) -> bool {
        self.sdk_app_ids.iter().any(|a| a == id)
    }

    pub(crate) fn has_sign_name(&self, name: &str) -> bool {
        self.sign_names.iter().any(|n| n == name)
    }
}
