//! The guard's settings: what JSON users write, as Rust types. [`GuardConfig::from_json`]
//! checks a document and names every problem with its JSON path; the JSON Schema comes from
//! these types ([`config_schema`](crate::config_schema)).

use std::fmt;
use std::time::Duration;

pub use connector_kit::config::{ConfigError, ConfigProblem, ConfigWarnings, LoadOptions, Loaded};
use connector_kit::{SecretString, UsageType};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::validate;

/// The environment variable [`GuardConfig::from_json`] reads the hash secret from when the
/// JSON leaves `hashSecret` out.
pub const ENV_HASH_SECRET: &str = "SEND_GUARD_HASH_SECRET";
/// The fewest characters a hash secret may have.
pub const MIN_HASH_SECRET_LEN: usize = 16;
/// The most a budget's `limit` may be: a budget keeps one entry per unit in its window.
pub const MAX_LIMIT: u32 = 1_000_000;
/// The longest window, in seconds (31 days).
pub const MAX_WINDOW_SECONDS: u32 = 31 * 24 * 3600;
/// `storeTimeoutMs` when left out.
pub const DEFAULT_STORE_TIMEOUT_MS: u32 = 250;
/// `keyPrefix` when left out.
pub const DEFAULT_KEY_PREFIX: &str = "send-guard";
/// `defaultRegion` when left out.
pub const DEFAULT_REGION: &str = "CN";
/// A `numberPrefix` budget's `dropDigits` when left out.
pub const DEFAULT_DROP_DIGITS: u8 = 3;
/// An `ip` budget's `ipv6PrefixLength` when left out: a /64 is what one subscriber gets.
pub const DEFAULT_IPV6_PREFIX_LENGTH: u8 = 64;

/// Settings of the send guard, a shield against SMS pumping in front of any SMS connector.
///
/// Only `hashSecret` and `onStoreFailure` are required; a guard with no rules and no budgets
/// lets every message through.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(
    title = "Send guard",
    example = schema_example(),
    transform = secret_may_come_from_env
)]
#[non_exhaustive]
pub struct GuardConfig {
    /// The secret that keys the hashes of phone numbers and IP addresses in stored keys, so
    /// that the store never holds either in the clear. At least 16 characters; every instance
    /// that shares a store must have the same one. Left out, it is read from the
    /// SEND_GUARD_HASH_SECRET environment variable.
    #[schemars(title = "Hash secret", length(min = 16))]
    pub hash_secret: SecretString,

    /// What to do when the budget store (Redis) cannot be reached in `storeTimeoutMs`.
    #[schemars(title = "When the store fails")]
    pub on_store_failure: StoreFailure,

    /// How long one call to the store may take, in milliseconds (10 to 10000), so that a hung
    /// Redis cannot hang a send.
    #[serde(default = "default_store_timeout_ms")]
    #[schemars(title = "Store timeout (ms)", range(min = 10, max = 10000))]
    pub store_timeout_ms: u32,

    /// The start of every stored key, inside a Redis Cluster hash tag (`{send-guard}:...`), so
    /// that all the keys of one send live in one hash slot. Letters, digits, `-`, `_`, `.` and
    /// `:`; give each service that must not share budgets its own.
    #[serde(default = "default_key_prefix")]
    #[schemars(
        title = "Key prefix",
        length(min = 1, max = 64),
        regex(pattern = r"^[A-Za-z0-9._:-]+$")
    )]
    pub key_prefix: String,

    /// The country (ISO 3166-1 alpha-2, e.g. `CN`) of numbers written without a country code:
    /// a bare number that is a mobile number there is read as one (`13800138000` is
    /// +86 138 0013 8000); any other bare number is read as country code and number, as SMS
    /// providers read it.
    #[serde(default = "default_region")]
    #[schemars(title = "Default region", regex(pattern = "^[A-Z]{2}$"))]
    pub default_region: String,

    /// Countries that may or may not receive messages.
    #[serde(default)]
    #[schemars(title = "Countries")]
    pub countries: Option<CountryRule>,

    /// Number types (from libphonenumber's metadata) that may or may not receive messages.
    #[serde(default)]
    #[schemars(title = "Number types")]
    pub number_types: Option<NumberTypeRule>,

    /// Budgets: at most `limit` messages in any `windowSeconds`, counted per number, per
    /// number range, per country, per client IP or in total.
    #[serde(default)]
    #[schemars(title = "Budgets")]
    pub budgets: Vec<BudgetConfig>,
}

/// What the guard does when its store cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub enum StoreFailure {
    /// Refuse every message until the store answers again: no money is at risk, but nobody
    /// gets a code while it is down.
    FailClosed,
    /// Send every message that the guard's other rules allow, and log and count each store
    /// error: codes keep flowing, but no budget holds while the store is down.
    FailOpen,
    /// Count in this process instead, with each budget's limit cut to `limitPercent` percent
    /// (at least 1): codes keep flowing and a budget still holds, though every instance counts
    /// on its own.
    #[serde(rename_all = "camelCase")]
    LocalFallback {
        /// Each budget's limit in this process while the store is down, in percent of its
        /// limit (1 to 100).
        #[schemars(range(min = 1, max = 100))]
        limit_percent: u8,
    },
}

/// Whether a rule refuses messages or only says it would.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    /// Refuse what the rule does not allow.
    #[default]
    Enforce,
    /// Let everything through, but log and count what the rule would have refused, to tune it
    /// before enforcing it.
    Monitor,
}

impl Mode {
    /// Every mode.
    pub const ALL: [Mode; 2] = [Mode::Enforce, Mode::Monitor];

    /// The name as the config writes it, e.g. `monitor`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Monitor => "monitor",
        }
    }
}

/// Countries (ISO 3166-1 alpha-2 codes, from the number's country code by libphonenumber's
/// metadata) that may or may not receive messages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct CountryRule {
    /// Only these countries, when not empty. A number with no country (the non-geographic
    /// codes +800, +808, +870, +878, +881, +882, +883, +888, +979, or an unknown code) is
    /// then refused.
    #[serde(default)]
    #[schemars(title = "Allowed countries", inner(regex(pattern = "^[A-Z]{2}$")))]
    pub allow: Vec<String>,
    /// Never these countries.
    #[serde(default)]
    #[schemars(title = "Denied countries", inner(regex(pattern = "^[A-Z]{2}$")))]
    pub deny: Vec<String>,
    /// Enforce the rule, or only monitor it.
    #[serde(default)]
    #[schemars(title = "Mode")]
    pub mode: Mode,
}

/// Number types that may or may not receive messages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct NumberTypeRule {
    /// Only these types, when not empty.
    #[serde(default)]
    #[schemars(title = "Allowed number types")]
    pub allow: Vec<NumberType>,
    /// Never these types.
    #[serde(default)]
    #[schemars(title = "Denied number types")]
    pub deny: Vec<NumberType>,
    /// Enforce the rule, or only monitor it.
    #[serde(default)]
    #[schemars(title = "Mode")]
    pub mode: Mode,
}

/// What kind of line a number is, by libphonenumber's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum NumberType {
    /// A mobile number.
    Mobile,
    /// A fixed-line (landline) number.
    FixedLine,
    /// Either: some countries (the USA) do not tell them apart by number.
    FixedLineOrMobile,
    /// A freephone number.
    TollFree,
    /// A premium-rate number: the favourite target of SMS pumping.
    PremiumRate,
    /// A shared-cost number.
    SharedCost,
    /// A personal number, routed to another line.
    PersonalNumber,
    /// A voice-over-IP number.
    Voip,
    /// A pager.
    Pager,
    /// A universal access ("company") number.
    Uan,
    /// A voicemail access number.
    Voicemail,
    /// A number that fits no known pattern of its country: unassigned, mistyped, or newer than
    /// the metadata.
    Unknown,
}

impl NumberType {
    /// Every number type.
    pub const ALL: [NumberType; 12] = [
        NumberType::Mobile,
        NumberType::FixedLine,
        NumberType::FixedLineOrMobile,
        NumberType::TollFree,
        NumberType::PremiumRate,
        NumberType::SharedCost,
        NumberType::PersonalNumber,
        NumberType::Voip,
        NumberType::Pager,
        NumberType::Uan,
        NumberType::Voicemail,
        NumberType::Unknown,
    ];

    /// The name as the config writes it, e.g. `premiumRate`.
    pub const fn as_str(self) -> &'static str {
        match self {
            NumberType::Mobile => "mobile",
            NumberType::FixedLine => "fixedLine",
            NumberType::FixedLineOrMobile => "fixedLineOrMobile",
            NumberType::TollFree => "tollFree",
            NumberType::PremiumRate => "premiumRate",
            NumberType::SharedCost => "sharedCost",
            NumberType::PersonalNumber => "personalNumber",
            NumberType::Voip => "voip",
            NumberType::Pager => "pager",
            NumberType::Uan => "uan",
            NumberType::Voicemail => "voicemail",
            NumberType::Unknown => "unknown",
        }
    }
}

impl fmt::Display for NumberType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a budget counts messages per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Scope {
    /// Each phone number.
    Number,
    /// Each number range: the number without its last `dropDigits` digits (pumping hits
    /// ranges of numbers).
    NumberPrefix,
    /// Each destination country.
    Country,
    /// Each client IP address (an IPv6 address by its first `ipv6PrefixLength` bits), from the
    /// message's context; a message without one is not counted.
    Ip,
    /// All messages together: a cap on sends, and so on money.
    Global,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 5] = [
        Scope::Number,
        Scope::NumberPrefix,
        Scope::Country,
        Scope::Ip,
        Scope::Global,
    ];

    /// The name as the config writes it, e.g. `numberPrefix`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Number => "number",
            Scope::NumberPrefix => "numberPrefix",
            Scope::Country => "country",
            Scope::Ip => "ip",
            Scope::Global => "global",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// At most `limit` messages in any `windowSeconds` (a sliding window), per `scope`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "Budget")]
#[non_exhaustive]
pub struct BudgetConfig {
    /// A name for refusals, logs and metrics, unique in the config: letters, digits, `-` and
    /// `_` (e.g. `per-number-10m`).
    #[schemars(
        title = "Name",
        length(min = 1, max = 40),
        regex(pattern = "^[A-Za-z0-9_-]+$")
    )]
    pub name: String,
    /// What the budget counts messages per.
    #[schemars(title = "Scope")]
    pub scope: Scope,
    /// The most messages in any window (1 to 1000000).
    #[schemars(title = "Limit", range(min = 1, max = 1_000_000))]
    pub limit: u32,
    /// The window's length in seconds (1 to 2678400, 31 days).
    #[schemars(title = "Window (seconds)", range(min = 1, max = 2_678_400))]
    pub window_seconds: u32,
    /// The usage types the budget counts; empty or left out for every usage type.
    #[serde(default)]
    #[schemars(title = "Usage types")]
    pub usage_types: Vec<UsageType>,
    /// Enforce the budget, or only monitor it.
    #[serde(default)]
    #[schemars(title = "Mode")]
    pub mode: Mode,
    /// For `numberPrefix`: how many last digits to drop (1 to 8; 3 when left out).
    #[serde(default)]
    #[schemars(title = "Digits dropped", range(min = 1, max = 8))]
    pub drop_digits: Option<u8>,
    /// For `ip`: how many leading bits of an IPv6 address identify a client (16 to 128; 64
    /// when left out). IPv4 addresses are counted whole.
    #[serde(default)]
    #[schemars(title = "IPv6 prefix length", range(min = 16, max = 128))]
    pub ipv6_prefix_length: Option<u8>,
}

impl BudgetConfig {
    /// An enforced budget for every usage type.
    pub fn new(name: impl Into<String>, scope: Scope, limit: u32, window: Duration) -> Self {
        BudgetConfig {
            name: name.into(),
            scope,
            limit,
            window_seconds: u32::try_from(window.as_secs()).unwrap_or(u32::MAX),
            usage_types: Vec::new(),
            mode: Mode::Enforce,
            drop_digits: None,
            ipv6_prefix_length: None,
        }
    }

    /// Counts only these usage types.
    pub fn for_usage_types(mut self, usage_types: impl IntoIterator<Item = UsageType>) -> Self {
        self.usage_types = usage_types.into_iter().collect();
        self
    }

    /// Sets the mode.
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// The window as a duration.
    pub fn window(&self) -> Duration {
        Duration::from_secs(u64::from(self.window_seconds))
    }
}

impl GuardConfig {
    /// A guard with no rules and no budgets yet; add them to the public fields.
    pub fn new(hash_secret: SecretString, on_store_failure: StoreFailure) -> Self {
        GuardConfig {
            hash_secret,
            on_store_failure,
            store_timeout_ms: DEFAULT_STORE_TIMEOUT_MS,
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            default_region: DEFAULT_REGION.to_owned(),
            countries: None,
            number_types: None,
            budgets: Vec::new(),
        }
    }

    /// Adds a budget, builder style.
    pub fn with_budget(mut self, budget: BudgetConfig) -> Self {
        self.budgets.push(budget);
        self
    }

    /// Loads and checks a config; a left-out `hashSecret` is read from the
    /// [`ENV_HASH_SECRET`] environment variable. The error lists every problem with its JSON
    /// path and never repeats the secret, wherever in the input it appears; the loader's
    /// warnings are logged (`tracing`, WARN) once.
    ///
    /// Unknown keys and keys given twice are problems: a misspelt budget or rule silently
    /// ignored would turn a protection off. The text is refused over 1 MiB, before it is
    /// parsed; [`load`](Self::load) takes other limits, and returns the warnings as data.
    pub fn from_json(json: &str) -> Result<GuardConfig, ConfigError> {
        Self::from_json_with_env(json, |name| std::env::var(name).ok())
    }

    /// [`from_json`](Self::from_json) with the environment given as a function.
    pub fn from_json_with_env(
        json: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<GuardConfig, ConfigError> {
        Ok(Self::load_with_env(json, &LoadOptions::default(), env)?.logged("send guard config"))
    }

    /// Loads and checks a config as [`from_json`](Self::from_json) does, with `options` (the
    /// size limit, how many problems are listed, strict mode: every warning a problem), and
    /// the warnings as data.
    ///
    /// ```
    /// use send_guard::{GuardConfig, LoadOptions};
    ///
    /// let json = r#"{"hashSecret": "change me: a long random secret",
    ///                "onStoreFailure": {"action": "failClosed"},
    ///                "budgets": [{"name": "n", "scope": "number", "limit": 5, "limit": 50, "windowSeconds": 600}]}"#;
    /// let err = GuardConfig::load(json, &LoadOptions::default()).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "budgets[0].limit: is given 2 times; which one is meant is unclear, so the config is refused: keep one"
    /// );
    /// ```
    pub fn load(json: &str, options: &LoadOptions) -> Result<Loaded<GuardConfig>, ConfigError> {
        Self::load_with_env(json, options, |name| std::env::var(name).ok())
    }

    /// [`load`](Self::load) with the environment given as a function.
    pub fn load_with_env(
        json: &str,
        options: &LoadOptions,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Loaded<GuardConfig>, ConfigError> {
        validate::load(json, options, &env)
    }

    /// Checks a config built in code (or deserialized with plain `serde`) as
    /// [`from_json`](Self::from_json) would.
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate::validate(self)
    }

    /// `storeTimeoutMs` as a duration.
    pub fn store_timeout(&self) -> Duration {
        Duration::from_millis(u64::from(self.store_timeout_ms))
    }
}

/// The schema's example: the settings docs/send-guard.md recommends for a sign-in service.
fn schema_example() -> serde_json::Value {
    serde_json::json!({
        "hashSecret": "a long random secret, the same on every instance",
        "onStoreFailure": {"action": "localFallback", "limitPercent": 20},
        "countries": {"allow": ["CN", "HK", "MO", "TW"]},
        "numberTypes": {"deny": ["premiumRate", "sharedCost", "tollFree", "uan", "voicemail", "pager"]},
        "budgets": [
            {"name": "per-number-10m", "scope": "number", "limit": 3, "windowSeconds": 600},
            {"name": "per-number-day", "scope": "number", "limit": 10, "windowSeconds": 86400},
            {"name": "per-range-hour", "scope": "numberPrefix", "limit": 20, "windowSeconds": 3600},
            {"name": "per-ip-hour", "scope": "ip", "limit": 20, "windowSeconds": 3600},
            {"name": "daily-cap", "scope": "global", "limit": 20000, "windowSeconds": 86400}
        ]
    })
}

/// `hashSecret` may come from the environment: the schema does not require it.
fn secret_may_come_from_env(schema: &mut schemars::Schema) {
    if let Some(serde_json::Value::Array(required)) = schema.get_mut("required") {
        required.retain(|name| name != "hashSecret");
    }
}

fn default_store_timeout_ms() -> u32 {
    DEFAULT_STORE_TIMEOUT_MS
}

fn default_key_prefix() -> String {
    DEFAULT_KEY_PREFIX.to_owned()
}

fn default_region() -> String {
    DEFAULT_REGION.to_owned()
}
