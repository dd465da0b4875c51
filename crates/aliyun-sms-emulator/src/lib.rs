//! A local stand-in for Alibaba Cloud's SMS endpoint (`dysmsapi`, `Version=2017-05-25`).
//!
//! It is a real HTTP/1.1 server on 127.0.0.1 that checks what the service checks, in the
//! service's order, and answers in the service's shape (`RequestId`, `Code`, `Message`,
//! `Recommend`, HTTP status):
//!
//! 1. required common parameters (`Missing…`, 400), signature method and version;
//! 2. the access key (`InvalidAccessKeyId.NotFound`, 404);
//! 3. the timestamp, 15 minutes either side of the emulator's [`Clock`]
//!    (`InvalidTimeStamp.Format` / `.Expired`, 400);
//! 4. the signature, RPC V1 (`HMAC-SHA1`) or V3 (`ACS3-HMAC-SHA256`), rebuilt from the
//!    request as received with `aliyun-sign` (`SignatureDoesNotMatch`, 400, with the
//!    server's string to sign in the message, and for V3 its canonical request);
//! 5. the STS token of an STS account (`InvalidSecurityToken.MismatchWithAccessKey`, 403);
//! 6. the nonce (`SignatureNonceUsed`, 400);
//! 7. version and action (`InvalidVersion`, 400; `InvalidAction.NotFound`, 404);
//! 8. the action's parameters, then its business rules with HTTP 200: sign name, template,
//!    `TemplateParam`, numbers (`isv.MOBILE_NUMBER_ILLEGAL` for one that cannot be a number),
//!    the template's region (a mainland template to another number:
//!    `isv.SMS_TEMPLATE_ILLEGAL`; an international one to a mainland number:
//!    `isv.DOMESTIC_NUMBER_NOT_SUPPORTED`), per-number limits (`isv.*`). Their messages are
//!    Aliyun's, followed by `(aliyun-sms emulator: ...)` saying what the emulator saw.
//!
//! Actions: `SendSms`, `SendBatchSms`, `QuerySendDetails`. Accepted sends land in an inbox
//! ([`Emulator::inbox`], or `GET /_emulator/inbox`: a JSON array of [`DeliveredMessage`]
//! with its field names; `DELETE` clears it). [`Fault`]s make the next requests go wrong in
//! the ways a network and a gateway do. Per-number limits ([`Limits`]) apply to
//! verification-code templates, per sign name and normalised number
//! ([`normalize_phone_number`]).
//!
//! `aliyun-sms emulator` (the `aliyun-sms-cli` crate) serves the demo account from the command
//! line, with these knobs as options; [`demo_connector_config`] is the connector config for it.
//!
//! Answers are JSON, or XML when the request says `Format=XML`, and, as Aliyun does, for a
//! V1 request without `Format` (V3 requests default to JSON). Times in `QuerySendDetails`
//! are China time (UTC+8) as Aliyun shows them; `SendDate` is a China-time date.
//!
//! # Example
//!
//! ```
//! use aliyun_sign::{Credentials, rpc};
//! use aliyun_sms_emulator::{
//!     DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_SIGN_NAME, EmulatorConfig, start,
//! };
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = start(EmulatorConfig::demo()).await?;
//!
//! // Sign a SendSms request as any client would (time and nonce are the caller's).
//! let credentials = Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET);
//! let timestamp = emulator.clock().now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
//! let nonce = uuid::Uuid::new_v4().to_string();
//! let params = [
//!     ("Action", "SendSms"),
//!     ("Version", "2017-05-25"),
//!     ("Format", "JSON"),
//!     ("PhoneNumbers", "13800138000"),
//!     ("SignName", DEMO_SIGN_NAME),
//!     ("TemplateCode", "SMS_DEMO_SIGNIN"),
//!     ("TemplateParam", r#"{"code":"123456"}"#),
//! ];
//! let signed = rpc::sign("POST", &params, &credentials, &timestamp, &nonce);
//!
//! let response = reqwest::Client::new()
//!     .post(emulator.endpoint())
//!     .header("content-type", "application/x-www-form-urlencoded")
//!     .body(signed.to_form_body())
//!     .send()
//!     .await?;
//! let answer: serde_json::Value = serde_json::from_str(&response.text().await?)?;
//! assert_eq!(answer["Code"], "OK");
//!
//! let inbox = emulator.inbox();
//! assert_eq!(inbox[0].phone_number, "+8613800138000");
//! assert_eq!(inbox[0].content, "【Demo】您的登录验证码为123456，5分钟内有效。");
//! assert_eq!(inbox[0].params["code"], "123456");
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod clock;
mod config;
mod error;
mod faults;
mod inbox;
mod limits;
mod nonce;
mod phone;
mod request;
mod response;
mod server;
mod service;
mod sms;
mod template;
mod verify;

pub use clock::{Clock, ManualClock};
pub use config::{
    DEFAULT_INBOX_CAPACITY, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_OVERSEAS_TEMPLATE,
    DEMO_SIGN_NAME, DEMO_TEMPLATES, EmulatorConfig, Limits, demo_connector_config,
};
pub use faults::Fault;
pub use inbox::DeliveredMessage;
pub use phone::{normalize_international_phone_number, normalize_phone_number};
pub use server::{Emulator, start, start_on};
pub use template::{Template, TemplateKind, TemplateRegion};

/// The credentials type accounts are configured with (from `aliyun-sign`).
pub use aliyun_sign::Credentials;
/// The date-time crate of [`ManualClock`] and [`DeliveredMessage::sent_at`].
pub use chrono;

/// Lock a mutex, going on with the data if another thread panicked while holding it (every
/// critical section in this crate leaves its data consistent).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
