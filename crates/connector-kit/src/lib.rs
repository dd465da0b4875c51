//! The provider-neutral model of an SMS verification-code connector.
//!
//! Every SMS provider (Aliyun, Tencent, Twilio, ...) shares these pieces: [`UsageType`]s that
//! say why a message is sent, [`PhoneNumber`]s checked as people type them, the
//! [`SmsMessage`], a [`TemplateSet`] that picks a template by usage type with a `Generic`
//! fallback, one [`ConnectorError`] whose kind and flags decide what to do next, and the
//! [`SmsConnector`] trait. [`RecordingConnector`] is a test double for your own tests.
//!
//! No HTTP and nothing provider-specific lives here.
//!
//! ```
//! use std::sync::Arc;
//! use connector_kit::{RecordingConnector, SmsConnector, SmsMessage, TemplateSet, UsageType};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Checked once, when the config is loaded: every required usage type, none twice.
//! let templates = TemplateSet::new(
//!     [
//!         (UsageType::Register, "SMS_REGISTER"),
//!         (UsageType::SignIn, "SMS_SIGN_IN"),
//!         (UsageType::ForgotPassword, "SMS_FORGOT"),
//!         (UsageType::Generic, "SMS_GENERIC"),
//!     ],
//!     &UsageType::REQUIRED,
//! )?;
//! // MFA has no template of its own: Generic's is used.
//! assert_eq!(templates.select(UsageType::MfaVerification), Some((UsageType::Generic, &"SMS_GENERIC")));
//!
//! let sms: Arc<dyn SmsConnector> = Arc::new(RecordingConnector::new());
//! let message = SmsMessage::verification_code("+86 138 0013 8000".parse()?, UsageType::SignIn, "123456");
//! let receipt = sms.send(&message).await?;
//! assert!(receipt.message_id.is_some());
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
mod connector;
mod error;
mod message;
mod phone;
mod recording;
mod template;
mod usage;

pub use connector::{ConnectorMetadata, LocalizedText, Receipt, SmsConnector};
pub use error::{ConnectorError, ErrorKind};
pub use message::{CODE_PARAM, SmsMessage, TemplateParams};
pub use phone::{MAX_DIGITS, MIN_DIGITS, PhoneNumber, PhoneNumberError};
pub use recording::{RECORDING_METADATA, RecordingConnector};
pub use template::{DuplicateUsageType, TemplateSet, TemplateSetError};
pub use usage::{UnknownUsageType, UsageType};
