//! The Tencent Cloud SMS connector: Logto-compatible config, TC3-signed `SendSms` (API
//! 2021-01-11), typed errors, safe retries, delivery lookup.
//!
//! - [`TencentSmsConfig`]: the JSON of Logto's Tencent SMS connector as it is, plus what it
//!   lacks: a template ID per usage type given as `{"china": ..., "overseas": ...}`, the
//!   `Generic` fallback, the endpoint (regional or international), timeouts, attempts, a
//!   temporary-credentials token, credentials from the environment. Every problem is reported
//!   at once with its JSON path ([`ConfigError`]).
//! - [`TencentSmsConnector`]: the [`SmsConnector`](connector_kit::SmsConnector), on a
//!   `reqwest::Client` (its own, or yours through [`TencentSmsConnector::builder`]), timeouts
//!   always on, retries only where nothing was sent, and a delivery lookup
//!   (`PullSmsSendStatusByPhoneNumber`) that settles an unknown outcome.
//! - The pure parts of a send, for tests and tools: [`build_send_request`] and
//!   [`RequestBuilder`] (config + message + time → signed request, byte for byte what Logto's
//!   connector sends where Logto is right), [`classify`] (HTTP status + body →
//!   [`Receipt`](connector_kit::Receipt) or a [`ConnectorError`](connector_kit::ConnectorError)
//!   with its kind, Tencent's code and request id, whether it is retryable or its outcome
//!   unknown, and when to try again), [`e164`], [`positional_params`].
//! - [`TencentSmsFactory`]: the connector in a [`Registry`](connector_kit::Registry), by
//!   Logto's id `tencent-short-message-service`.
//!
//! ```
//! use connector_kit::{SmsConnector, SmsMessage, UsageType};
//! use tencent_sms::{TencentSmsConfig, TencentSmsConnector};
//! use wiremock::matchers::{body_string_contains, header, method, path};
//! use wiremock::{Mock, MockServer, ResponseTemplate};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A local stand-in for https://sms.tencentcloudapi.com.
//! let tencent = MockServer::start().await;
//! Mock::given(method("POST"))
//!     .and(path("/"))
//!     .and(header("x-tc-action", "SendSms"))
//!     .and(body_string_contains(r#""TemplateId":"100002""#))
//!     .respond_with(ResponseTemplate::new(200).set_body_string(
//!         r#"{"Response":{"SendStatusSet":[{"SerialNo":"2028:f825e6b16e23f73f4123","PhoneNumber":"+8613800138000","Fee":1,"SessionContext":"","Code":"Ok","Message":"send success","IsoCode":"CN"}],"RequestId":"a0aabda6-cf91-4f3e-a81f-9198114a2279"}}"#,
//!     ))
//!     .expect(1)
//!     .mount(&tencent)
//!     .await;
//!
//! // Logto's JSON, plus the endpoint.
//! let json = format!(r#"{{
//!     "accessKeyId": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
//!     "accessKeySecret": "example-secret-key",
//!     "signName": "腾讯云",
//!     "sdkAppId": "1400006666",
//!     "region": "ap-guangzhou",
//!     "templates": [
//!         {{ "usageType": "Register", "templateCode": "100001" }},
//!         {{ "usageType": "SignIn", "templateCode": {{ "china": "100002", "overseas": "200002" }} }},
//!         {{ "usageType": "ForgotPassword", "templateCode": "100003" }},
//!         {{ "usageType": "Generic", "templateCode": "100004" }}
//!     ],
//!     "endpoint": "{}"
//! }}"#, tencent.uri());
//! let sms = TencentSmsConnector::new(TencentSmsConfig::from_json(&json)?)?;
//!
//! let message = SmsMessage::verification_code("+86 138 0013 8000".parse()?, UsageType::SignIn, "123456");
//! let receipt = sms.send(&message).await?;
//! assert_eq!(receipt.message_id.as_deref(), Some("2028:f825e6b16e23f73f4123"));
//!
//! // A bad config names every problem with its path.
//! let err = TencentSmsConfig::from_json(r#"{"accessKeyId": "AKIDexample", "signName": "腾讯云", "templates": []}"#).unwrap_err();
//! assert!(err.to_string().contains("sdkAppId"), "{err}");
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub, missing_debug_implementations)]

mod builder;
mod config;
mod connector;
mod delivery;
mod factory;
mod request;
mod response;
mod validate;

/// The defaults and limits of the settings, and the environment variables the loader reads.
pub mod settings {
    pub use crate::config::{
        CONNECT_TIMEOUT_MS_RANGE, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_ENDPOINT,
        DEFAULT_MAX_ATTEMPTS, DEFAULT_REGION, DEFAULT_TIMEOUT_MS, ENV_SECRET_ID, ENV_SECRET_KEY,
        INTERNATIONAL_ENDPOINT, MAX_ATTEMPTS_RANGE, REGIONAL_HOSTS, TIMEOUT_MS_RANGE,
    };
}

pub use builder::TencentSmsConnectorBuilder;
pub use config::{
    ConfigError, ConfigProblem, ConfigWarnings, LoadOptions, Loaded, TemplateCode, TemplateConfig,
    TencentSmsConfig,
};
pub use connector::{METADATA, TencentSmsConnector, USER_AGENT};
pub use factory::TencentSmsFactory;
pub use request::{
    API_VERSION, CONTENT_TYPE, PULL_STATUS_ACTION, PULL_STATUS_LIMIT, RequestBuilder, SEND_ACTION,
    SERVICE, SendRequest, StatusRequest, build_send_request, e164, positional_params,
};
pub use response::{MAX_BODY_BYTES, classify};
