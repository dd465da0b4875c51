//! The Alibaba Cloud (Aliyun) SMS connector: Logto-compatible config, signed `SendSms`, typed
//! errors, safe retries.
//!
//! - [`AliyunSmsConfig`]: the JSON of Logto's Aliyun SMS connector as it is, plus optional
//!   settings (endpoint, region, signature version, timeouts, attempts, STS token); every
//!   problem is reported at once with its JSON path ([`ConfigError`]). What Logto accepts
//!   loads, with warnings for what it would do silently; [`AliyunSmsConfig::load`] returns
//!   them as data and has a strict mode.
//! - [`AliyunSmsConnector`]: the [`SmsConnector`](connector_kit::SmsConnector), on a
//!   `reqwest::Client` (its own, or yours through [`AliyunSmsConnector::builder`]), timeouts
//!   always on, and retries only where nothing was sent;
//!   [`query_send_details`](AliyunSmsConnector::query_send_details) settles an unknown outcome.
//! - The pure parts of a send, for tests and tools: [`build_send_request`] and
//!   [`RequestBuilder`] (config + message + time + nonce → signed request), [`classify`]
//!   (HTTP status + body → [`Receipt`](connector_kit::Receipt) or a
//!   [`ConnectorError`](connector_kit::ConnectorError) with its kind, Aliyun's code and request
//!   id, and whether it is retryable or its outcome unknown), [`classify_send_details`],
//!   [`signature_mismatch`].
//!
//! ```
//! use aliyun_sms::{AliyunSmsConnector, AliyunSmsConfig};
//! use connector_kit::{SmsConnector, SmsMessage, UsageType};
//! use wiremock::matchers::{body_string_contains, method, path};
//! use wiremock::{Mock, MockServer, ResponseTemplate};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A local stand-in for https://dysmsapi.aliyuncs.com.
//! let aliyun = MockServer::start().await;
//! Mock::given(method("POST"))
//!     .and(path("/"))
//!     .and(body_string_contains("TemplateCode=SMS_SIGN_IN"))
//!     .respond_with(ResponseTemplate::new(200).set_body_string(
//!         r#"{"Code":"OK","Message":"OK","BizId":"900619746936498440","RequestId":"F655A8D5-B967-440B-8683-DAD6FF8DE990"}"#,
//!     ))
//!     .expect(1)
//!     .mount(&aliyun)
//!     .await;
//!
//! // Logto's JSON, plus the endpoint.
//! let json = format!(r#"{{
//!     "accessKeyId": "LTAI5tExample",
//!     "accessKeySecret": "example-secret",
//!     "signName": "Logto",
//!     "templates": [
//!         {{ "usageType": "Register", "templateCode": "SMS_REGISTER" }},
//!         {{ "usageType": "SignIn", "templateCode": "SMS_SIGN_IN" }},
//!         {{ "usageType": "ForgotPassword", "templateCode": "SMS_FORGOT" }},
//!         {{ "usageType": "Generic", "templateCode": {{ "china": "SMS_CN", "overseas": "SMS_INTL" }} }}
//!     ],
//!     "strictPhoneRegionNumberCheck": false,
//!     "endpoint": "{}"
//! }}"#, aliyun.uri());
//! let sms = AliyunSmsConnector::new(AliyunSmsConfig::from_json(&json)?)?;
//!
//! let message = SmsMessage::verification_code("+86 138 0013 8000".parse()?, UsageType::SignIn, "123456");
//! let receipt = sms.send(&message).await?;
//! assert_eq!(receipt.message_id.as_deref(), Some("900619746936498440"));
//!
//! // A bad config names every problem with its path, and the warnings that explain them.
//! let err = AliyunSmsConfig::from_json(r#"{"accesKeyId": "x", "signName": "", "templates": []}"#).unwrap_err();
//! assert!(err.to_string().contains("signName: must not be empty"));
//! assert!(err.to_string().contains("warning: accesKeyId: unknown field (did you mean `accessKeyId`?); ignored"));
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub, missing_debug_implementations)]

mod builder;
pub mod config;
mod connector;
mod delivery;
mod diagnose;
mod endpoint;
mod factory;
mod lookup;
mod request;
mod response;
mod retry;
mod secret;
mod validate;

pub use builder::AliyunSmsConnectorBuilder;
pub use config::{
    AliyunSmsConfig, ConfigError, ConfigProblem, ConfigWarnings, LoadOptions, Loaded,
    SignatureVersion, TemplateCode, TemplateConfig,
};
pub use connector::{AliyunSmsConnector, METADATA, USER_AGENT};
pub use delivery::{DeliveryStatus, SendDetails, SentMessage, classify_send_details};
pub use diagnose::signature_mismatch;
pub use factory::AliyunSmsFactory;
pub use request::{
    QueryRequest, RequestBuilder, SendRequest, build_send_request, format_timestamp,
};
pub use response::{MAX_BODY_BYTES, SNIPPET_BYTES, classify};
pub use retry::Backoff;
pub use secret::{REDACTED, Redactor, SecretString};
