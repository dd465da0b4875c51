//! What SMS connectors share to behave as Logto's connectors do, kept out of the
//! provider-neutral `connector-kit`:
//!
//! - [`is_mainland_china`]: the test behind Logto's `{china, overseas}` template split and its
//!   `strictPhoneRegionNumberCheck` (Aliyun's and Tencent's connectors);
//! - [`LogtoErrorCode`]: the Logto connector error code of a `ConnectorError`, for services
//!   that report errors the way Logto does;
//! - [`templates`]: what Logto does with a connector's `templates` list (a `Test`, unknown or
//!   repeated usage type ignored, the required ones named), for config loaders.
//!
//! ```
//! use connector_kit::{ConnectorError, ErrorKind, PhoneNumber};
//! use logto_compat::{LogtoErrorCode, is_mainland_china};
//!
//! let bare: PhoneNumber = "13800138000".parse()?;
//! assert!(is_mainland_china(&bare, false));
//! assert!(!is_mainland_china(&bare, true), "strict mode wants the country code");
//!
//! let quota = ConnectorError::new(ErrorKind::QuotaExceeded, "daily quota used up");
//! assert_eq!(LogtoErrorCode::of(&quota).as_str(), "usage_limit_exceeded");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub, missing_debug_implementations)]

mod error_code;
mod region;
pub mod templates;

pub use error_code::LogtoErrorCode;
pub use region::is_mainland_china;
