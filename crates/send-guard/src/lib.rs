//! A send guard against SMS pumping and runaway cost, in front of any
//! [`SmsConnector`](connector_kit::SmsConnector).
//!
//! Bots that request verification codes to premium-rate or foreign number ranges make the
//! operator pay per message (toll fraud). [`SendGuard`] wraps any connector (a provider, or a
//! routing or failover setup) and, before each send:
//!
//! - refuses countries outside an allow list or inside a deny list, and number types such as
//!   premium rate, both read from libphonenumber's metadata;
//! - reserves one unit, atomically, in every budget the message falls under: per number, per
//!   number range (the number without its last digits), per country, per client IP (from the
//!   message's [`context`](connector_kit::MessageContext)) and in total, each with its own
//!   limit, sliding window and usage types;
//! - refuses with an [`ErrorKind::Blocked`](connector_kit::ErrorKind::Blocked) error that says
//!   which budget, its limit and window, and when it frees up
//!   ([`retry_after`](connector_kit::ConnectorError::retry_after)); [`GuardRefusal::of`] gives
//!   the typed detail. The wrapped connector never sees a refused message.
//!
//! After the send, the reservation is refunded when the error says nothing was sent, and kept
//! otherwise (an unknown outcome may have cost money). Every rule can run in monitor mode: it
//! logs and counts what it would have refused, and lets the message through.
//!
//! Budgets live in a [`Store`]: [`MemoryStore`] for one process, [`RedisStore`] for a service
//! with several instances (an in-process counter gives each instance the whole limit). What
//! happens when Redis cannot be reached is a required choice ([`StoreFailure`]). Stored keys
//! never hold a phone number or an IP address in the clear, and expire with their window.
//!
//! The config is JSON ([`GuardConfig::from_json`], every problem with its JSON path, read with
//! the kit's [`connector_kit::config`] loader: capped, repeated and unknown keys refused, the
//! secret never echoed) with a JSON Schema ([`config_schema`]).
//!
//! The guard runs on Tokio, with timers enabled (`enable_time` or `enable_all` on the runtime
//! builder; `#[tokio::main]` does it): every store call is bounded by `storeTimeoutMs`.
//!
//! ```
//! use std::sync::Arc;
//! use connector_kit::{ErrorKind, RecordingConnector, SmsConnector, SmsMessage, UsageType};
//! use send_guard::{GuardConfig, GuardRefusal, SendGuard};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = GuardConfig::from_json(r#"{
//!     "hashSecret": "change me: a long random secret",
//!     "onStoreFailure": { "action": "failClosed" },
//!     "countries": { "allow": ["CN", "HK"] },
//!     "numberTypes": { "deny": ["premiumRate", "sharedCost"] },
//!     "budgets": [
//!         { "name": "per-number", "scope": "number", "limit": 2, "windowSeconds": 600 },
//!         { "name": "per-ip", "scope": "ip", "limit": 20, "windowSeconds": 3600 },
//!         { "name": "daily-cap", "scope": "global", "limit": 10000, "windowSeconds": 86400 }
//!     ]
//! }"#)?;
//! let provider = Arc::new(RecordingConnector::new());
//! let sms = SendGuard::in_memory(config, provider.clone())?;
//!
//! let message = SmsMessage::verification_code("+86 138 0013 8000".parse()?, UsageType::SignIn, "123456")
//!     .with_ip("203.0.113.7".parse()?);
//! sms.send(&message).await?;
//! sms.send(&message).await?;
//!
//! // The third code to that number within 10 minutes is refused before the provider sees it.
//! let refused = sms.send(&message).await.unwrap_err();
//! assert_eq!(refused.kind(), ErrorKind::Blocked);
//! assert!(refused.retry_after().is_some());
//! let Some(GuardRefusal::Budgets(full)) = GuardRefusal::of(&refused) else { unreachable!() };
//! assert_eq!((full[0].budget.as_str(), full[0].limit), ("per-number", 2));
//! assert_eq!(provider.sent().len(), 2);
//!
//! // Countries outside the allow list never reach the provider either.
//! let abroad = SmsMessage::verification_code("+44 7400 123456".parse()?, UsageType::SignIn, "1");
//! assert!(matches!(
//!     GuardRefusal::of(&sms.send(&abroad).await.unwrap_err()),
//!     Some(GuardRefusal::Country { country: Some(code) }) if code == "GB"
//! ));
//! assert_eq!(sms.metrics().rule("budget:per-number").refused, 1);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub, missing_debug_implementations)]

mod config;
mod guard;
mod keys;
mod metrics;
mod number;
mod refusal;
mod schema;
mod store;
mod validate;

pub use config::{
    BudgetConfig, ConfigError, ConfigProblem, ConfigWarnings, CountryRule, DEFAULT_DROP_DIGITS,
    DEFAULT_IPV6_PREFIX_LENGTH, DEFAULT_KEY_PREFIX, DEFAULT_REGION, DEFAULT_STORE_TIMEOUT_MS,
    ENV_HASH_SECRET, GuardConfig, LoadOptions, Loaded, MAX_LIMIT, MAX_WINDOW_SECONDS,
    MIN_HASH_SECRET_LEN, Mode, NumberType, NumberTypeRule, Scope, StoreFailure,
};
pub use guard::SendGuard;
pub use metrics::{COUNTRIES_RULE, GuardMetrics, NUMBER_TYPES_RULE, RuleCounts};
pub use refusal::{BudgetRefusal, GuardRefusal};
pub use schema::{SCHEMA_PATH, config_schema, config_schema_file};
pub use store::{
    BudgetKey, FullBudget, MemoryStore, RedisStore, Reservation, Reserved, Store, StoreError,
};

/// The Redis client crate the [`RedisStore`] is built on, for
/// [`RedisStore::with_connection`].
pub use redis;
