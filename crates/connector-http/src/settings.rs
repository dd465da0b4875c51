//! The settings of the exchange that every connector's config has (`connectTimeoutMs`,
//! `timeoutMs`, `maxAttempts`), with one meaning, default and range for every provider.

use std::ops::RangeInclusive;

use connector_kit::config::Fields;
use serde_json::{Map, Value};

/// `connectTimeoutMs` when left out.
pub const DEFAULT_CONNECT_TIMEOUT_MS: u32 = 1_000;
/// The values `connectTimeoutMs` may take.
pub const CONNECT_TIMEOUT_MS_RANGE: RangeInclusive<u32> = 1_000..=60_000;
/// `timeoutMs` when left out.
pub const DEFAULT_TIMEOUT_MS: u32 = 5_000;
/// The values `timeoutMs` may take (at least one second, as the providers ask).
pub const TIMEOUT_MS_RANGE: RangeInclusive<u32> = 1_000..=120_000;
/// `maxAttempts` when left out.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// The values `maxAttempts` may take.
pub const MAX_ATTEMPTS_RANGE: RangeInclusive<u32> = 1..=10;

/// A config's `connectTimeoutMs`, `timeoutMs` and `maxAttempts`, read at the top of its object.
///
/// ```
/// use connector_http::ExchangeSettings;
/// use connector_kit::config::{Fields, Findings, LoadOptions};
/// use serde_json::json;
///
/// let config = json!({"timeoutMs": 3e3, "connectTimeoutMs": 4000});
/// let mut findings = Findings::new(&LoadOptions::default());
/// let mut fields = Fields::new(&mut findings, "the API key");
/// let object = config.as_object().unwrap();
/// assert_eq!(ExchangeSettings::read(&mut fields, object), None);
/// let error = findings.finish(Some(())).unwrap_err();
/// assert!(error.to_string().contains("connectTimeoutMs: must not be more than timeoutMs (3000)"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExchangeSettings {
    /// How long to wait for a connection, in milliseconds.
    pub connect_timeout_ms: u32,
    /// The most time one send may take, retries included, in milliseconds.
    pub timeout_ms: u32,
    /// How many times a request that was not sent may be tried.
    pub max_attempts: u32,
}

impl ExchangeSettings {
    /// Reads the three settings of `object` (defaults where left out), reporting to `fields`
    /// each value out of its range and a `connectTimeoutMs` above `timeoutMs`; `None` when any
    /// is wrong.
    pub fn read(fields: &mut Fields<'_>, object: &Map<String, Value>) -> Option<Self> {
        let connect_timeout_ms = fields.optional(
            object,
            "",
            "connectTimeoutMs",
            DEFAULT_CONNECT_TIMEOUT_MS,
            |f, v, p| f.whole_number(v, p, CONNECT_TIMEOUT_MS_RANGE),
        );
        let timeout_ms = fields.optional(object, "", "timeoutMs", DEFAULT_TIMEOUT_MS, |f, v, p| {
            f.whole_number(v, p, TIMEOUT_MS_RANGE)
        });
        let max_attempts = fields.optional(
            object,
            "",
            "maxAttempts",
            DEFAULT_MAX_ATTEMPTS,
            |f, v, p| f.whole_number(v, p, MAX_ATTEMPTS_RANGE),
        );
        if let (Some(connect), Some(total)) = (connect_timeout_ms, timeout_ms) {
            if connect > total {
                fields.error(
                    "connectTimeoutMs",
                    format!("must not be more than timeoutMs ({total})"),
                );
                return None;
            }
        }
        Some(ExchangeSettings {
            connect_timeout_ms: connect_timeout_ms?,
            timeout_ms: timeout_ms?,
            max_attempts: max_attempts?,
        })
    }
}
