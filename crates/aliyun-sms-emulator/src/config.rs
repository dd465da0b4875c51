//! What the emulator serves: the Aliyun account (keys, approved sign names and templates,
//! per-number limits), the Tencent account ([`TencentAccount`]), and what they share (clock,
//! inbox size).

use aliyun_sign::Credentials;

use crate::clock::Clock;
use crate::template::Template;
use crate::tencent::account::TencentAccount;

/// Access key id of the demo account ([`EmulatorConfig::demo`]). Not a real key.
pub const DEMO_ACCESS_KEY_ID: &str = "LTAI5tDemoEmulatorKey01";
/// Access key secret of the demo account. Not a real secret: it only opens the emulator.
pub const DEMO_ACCESS_KEY_SECRET: &str = "DemoSecretForTheLocalEmulatorOnly";
/// The demo account's approved sign name.
pub const DEMO_SIGN_NAME: &str = "Demo";
/// The demo account's verification-code templates: `(template code, content)`.
pub const DEMO_TEMPLATES: &[(&str, &str)] = &[
    (
        "SMS_DEMO_REGISTER",
        "您正在注册账号，验证码为${code}，5分钟内有效，请勿泄露于他人。",
    ),
    ("SMS_DEMO_SIGNIN", "您的登录验证码为${code}，5分钟内有效。"),
    (
        "SMS_DEMO_FORGOT_PASSWORD",
        "您正在重置密码，验证码为${code}，5分钟内有效。",
    ),
    ("SMS_DEMO_GENERIC", "您的验证码为${code}，5分钟内有效。"),
    (
        "SMS_DEMO_OVERSEAS",
        "Your verification code is ${code}. It expires in 5 minutes.",
    ),
];

/// The demo account's one international template (国际/港澳台消息); the others of
/// [`DEMO_TEMPLATES`] are mainland China templates.
pub const DEMO_OVERSEAS_TEMPLATE: &str = "SMS_DEMO_OVERSEAS";

/// The config of the `aliyun-sms` connector (Logto's JSON) for the demo account of an emulator
/// at `endpoint`: each of the four required usage types with its mainland template and
/// [`DEMO_OVERSEAS_TEMPLATE`] for numbers outside mainland China.
///
/// ```
/// let config = aliyun_sms_emulator::demo_connector_config("http://127.0.0.1:8787");
/// assert_eq!(config["templates"][1]["templateCode"]["china"], "SMS_DEMO_SIGNIN");
/// assert_eq!(config["endpoint"], "http://127.0.0.1:8787");
/// ```
pub fn demo_connector_config(endpoint: &str) -> serde_json::Value {
    let template = |usage: &str, china: &str| {
        serde_json::json!({
            "usageType": usage,
            "templateCode": { "china": china, "overseas": DEMO_OVERSEAS_TEMPLATE },
        })
    };
    serde_json::json!({
        "accessKeyId": DEMO_ACCESS_KEY_ID,
        "accessKeySecret": DEMO_ACCESS_KEY_SECRET,
        "signName": DEMO_SIGN_NAME,
        "templates": [
            template("Register", "SMS_DEMO_REGISTER"),
            template("SignIn", "SMS_DEMO_SIGNIN"),
            template("ForgotPassword", "SMS_DEMO_FORGOT_PASSWORD"),
            template("Generic", "SMS_DEMO_GENERIC"),
        ],
        "strictPhoneRegionNumberCheck": false,
        "endpoint": endpoint,
    })
}

/// Default number of delivered messages the inbox keeps (the oldest go first).
pub const DEFAULT_INBOX_CAPACITY: usize = 100_000;

/// Aliyun's per-number limits on verification-code templates (its defaults: 1 a minute,
/// 5 an hour, 10 a day). `None` means no limit. Windows slide: "a minute" is the last
/// 60 seconds of the emulator's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Sends allowed in any 60 seconds (`触发分钟级流控`).
    pub per_minute: Option<u32>,
    /// Sends allowed in any hour (`触发小时级流控`).
    pub per_hour: Option<u32>,
    /// Sends allowed in any 24 hours (`触发天级流控`).
    pub per_day: Option<u32>,
}

impl Limits {
    /// No per-number limits at all (load tests).
    pub const fn off() -> Self {
        Limits {
            per_minute: None,
            per_hour: None,
            per_day: None,
        }
    }

    /// Whether any limit is set.
    pub fn is_off(&self) -> bool {
        self.per_minute.is_none() && self.per_hour.is_none() && self.per_day.is_none()
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_minute: Some(1),
            per_hour: Some(5),
            per_day: Some(10),
        }
    }
}

/// What the emulator serves: the Aliyun account (the fields `accounts` to `limits`), the Tencent
/// account ([`tencent`](Self::tencent)), the clock both read and the inbox both deliver to.
/// Build it with the chained methods or fill the fields.
///
/// ```
/// use aliyun_sms_emulator::{EmulatorConfig, Limits, ManualClock, Template};
/// use aliyun_sign::Credentials;
///
/// let clock = ManualClock::new("2024-01-05T06:07:08Z".parse().unwrap());
/// let config = EmulatorConfig::new()
///     .account(Credentials::new("testId", "testSecret"))
///     .sign_name("阿里云短信测试")
///     .template(Template::verification_code("SMS_154950909", "您的验证码为${code}。"))
///     .limits(Limits::off())
///     .clock(clock);
/// assert_eq!(config.templates.len(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// Aliyun's accepted keys. An account whose credentials carry a security token is an STS
    /// account: its requests must carry the same token.
    pub accounts: Vec<Credentials>,
    /// Aliyun's approved sign names (`SignName`).
    pub sign_names: Vec<String>,
    /// Aliyun's approved templates (`TemplateCode`).
    pub templates: Vec<Template>,
    /// Aliyun's per-number limits on verification-code templates.
    pub limits: Limits,
    /// The Tencent Cloud account (none by default: no key opens it).
    pub tencent: TencentAccount,
    /// Where "now" comes from.
    pub clock: Clock,
    /// How many delivered messages the inbox keeps before dropping the oldest.
    pub inbox_capacity: usize,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            accounts: Vec::new(),
            sign_names: Vec::new(),
            templates: Vec::new(),
            limits: Limits::default(),
            tencent: TencentAccount::new(),
            clock: Clock::System,
            inbox_capacity: DEFAULT_INBOX_CAPACITY,
        }
    }
}

impl EmulatorConfig {
    /// Accounts with no keys, sign names or templates; default limits; system clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// The demo accounts, the system clock. Aliyun's: [`DEMO_ACCESS_KEY_ID`] /
    /// [`DEMO_ACCESS_KEY_SECRET`], sign name [`DEMO_SIGN_NAME`], the verification-code
    /// templates of [`DEMO_TEMPLATES`] (mainland China templates, but
    /// [`DEMO_OVERSEAS_TEMPLATE`], an international one), Aliyun's default limits. Tencent's:
    /// [`TencentAccount::demo`].
    pub fn demo() -> Self {
        let config = EmulatorConfig::new()
            .tencent(TencentAccount::demo())
            .account(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET))
            .sign_name(DEMO_SIGN_NAME);
        DEMO_TEMPLATES
            .iter()
            .fold(config, |config, (code, content)| {
                let template = Template::verification_code(*code, *content);
                config.template(if *code == DEMO_OVERSEAS_TEMPLATE {
                    template.international()
                } else {
                    template.mainland()
                })
            })
    }

    /// Serve this Tencent Cloud account.
    pub fn tencent(mut self, account: TencentAccount) -> Self {
        self.tencent = account;
        self
    }

    /// Accept these Aliyun credentials (with a security token: an STS account).
    pub fn account(mut self, credentials: Credentials) -> Self {
        self.accounts.push(credentials);
        self
    }

    /// Approve an Aliyun sign name.
    pub fn sign_name(mut self, name: impl Into<String>) -> Self {
        self.sign_names.push(name.into());
        self
    }

    /// Approve an Aliyun template.
    pub fn template(mut self, template: Template) -> Self {
        self.templates.push(template);
        self
    }

    /// Set Aliyun's per-number limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Read time from `clock` (a [`ManualClock`](crate::ManualClock) converts into one).
    pub fn clock(mut self, clock: impl Into<Clock>) -> Self {
        self.clock = clock.into();
        self
    }

    /// Keep at most `capacity` delivered messages.
    pub fn inbox_capacity(mut self, capacity: usize) -> Self {
        self.inbox_capacity = capacity;
        self
    }

    pub(crate) fn find_account(&self, access_key_id: &str) -> Option<&Credentials> {
        self.accounts
            .iter()
            .find(|c| c.access_key_id() == access_key_id)
    }

    pub(crate) fn find_template(&self, code: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.code == code)
    }

    pub(crate) fn has_sign_name(&self, name: &str) -> bool {
        self.sign_names.iter().any(|n| n == name)
    }
}
