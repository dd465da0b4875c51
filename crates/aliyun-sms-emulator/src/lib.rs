//! A local stand-in for the SMS endpoints of Alibaba Cloud (`dysmsapi`, `Version=2017-05-25`)
//! and Tencent Cloud (SMS API 2021-01-11): one server, one inbox, one clock and one fault queue,
//! and a gateway per provider that checks what that provider checks and answers in its shape.
//!
//! It is a real HTTP/1.1 server on 127.0.0.1. A request carrying Tencent's headers
//! (`X-TC-Action`, or an `Authorization: TC3-HMAC-SHA256 ...`) goes to Tencent's gateway; any
//! other to Aliyun's. So one endpoint serves a config of either provider.
//!
//! # Aliyun's gateway
//!
//! Checks in the service's order, answers in its shape (`RequestId`, `Code`, `Message`,
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
//! Actions: `SendSms`, `SendBatchSms`, `QuerySendDetails`. Answers are JSON, or XML when the
//! request says `Format=XML`, and, as Aliyun does, for a V1 request without `Format` (V3
//! requests default to JSON). Times in `QuerySendDetails` are China time (UTC+8) as Aliyun
//! shows them; `SendDate` is a China-time date.
//!
//! # Tencent's gateway
//!
//! Every answer is HTTP 200 with `{"Response":{...,"RequestId":...}}`; a request refused as a
//! whole has `Response.Error` (`Code`, `Message`), a send has one `SendStatusSet` entry per
//! number, whose `Code` is `Ok` or why that number was refused. In order:
//!
//! 1. `POST /` (`UnsupportedOperation`, `InvalidAction`); the `Authorization` header, read with
//!    [`tencent_sign::Authorization::parse`] (`AuthFailure.InvalidAuthorization`);
//! 2. `X-TC-Timestamp`, 5 minutes either side of the emulator's [`Clock`]
//!    (`AuthFailure.SignatureExpire`);
//! 3. the SecretId (`AuthFailure.SecretIdNotFound`);
//! 4. the credential scope (the timestamp's UTC date, service `sms`), `content-type` and `host`
//!    signed, and the TC3 signature, rebuilt from the request as received and checked with
//!    [`tencent_sign::Tc3Signer::verify`] (`AuthFailure.SignatureFailure`, with the canonical
//!    request and string to sign the emulator computed);
//! 5. a temporary key's `X-TC-Token` (`AuthFailure.TokenFailure`);
//! 6. `X-TC-Version` 2021-01-11 (`NoSuchVersion`), `X-TC-Action` (`InvalidAction`),
//!    `X-TC-Region` (`UnsupportedRegion`, `MissingParameter`), a JSON body;
//! 7. the action's fields (`MissingParameter`, `InvalidParameter`, `UnknownParameter`), then
//!    its rules: `SmsSdkAppId` (`InvalidParameterValue.SdkAppIdNotExist`), `TemplateId`
//!    (`FailedOperation.TemplateIncorrectOrUnapproved`), `SignName`
//!    (`FailedOperation.SignatureIncorrectOrUnapproved`, `.MissingSignatureList`),
//!    `TemplateParamSet` (`FailedOperation.TemplateParamSetNotMatchApprovedTemplate`,
//!    `InvalidParameterValue.TemplateParameterFormatError`), the number list
//!    (`MissingParameter.EmptyPhoneNumberSet`, `LimitExceeded.PhoneNumberCountLimit`,
//!    `UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber`); and per number:
//!    `InvalidParameterValue.IncorrectPhoneNumber`,
//!    `UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone` and
//!    `.GlobalTemplateToChineseMainlandPhone`, and the per-number limits
//!    `LimitExceeded.PhoneNumberThirtySecondLimit`, `.PhoneNumberOneHourLimit`,
//!    `.PhoneNumberDailyLimit` ([`TencentLimits`]).
//!
//! Actions: `SendSms` and `PullSmsSendStatusByPhoneNumber`. Messages end with
//! `(aliyun-sms emulator...)`, so that none is taken for Tencent's.
//!
//! # Shared
//!
//! Accepted sends of both land in one inbox ([`Emulator::inbox`], or `GET /_emulator/inbox`:
//! a JSON array of [`DeliveredMessage`], each saying which [`Provider`] delivered it; `DELETE`
//! clears it). [`Fault`]s make the next requests, whichever provider they are for, go wrong in
//! the ways a network and a gateway do, in the shape of that provider's answers. Per-number
//! limits apply to verification-code templates, per normalised number
//! ([`normalize_phone_number`]) and Aliyun sign name or Tencent `SdkAppId`.
//!
//! `aliyun-sms emulator` (the `aliyun-sms-cli` crate) serves the demo accounts from the command
//! line, with these knobs as options; [`demo_connector_config`] and
//! [`demo_tencent_connector_config`] are the connector configs for them.
//!
//! # Example
//!
//! An Aliyun RPC V1 request:
//!
//! ```
//! use aliyun_sign::{Credentials, rpc};
//! use aliyun_sms_emulator::{
//!     DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_SIGN_NAME, EmulatorConfig, Provider, start,
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
//! assert_eq!(inbox[0].provider, Provider::Aliyun);
//! assert_eq!(inbox[0].phone_number, "+8613800138000");
//! assert_eq!(inbox[0].content, "【Demo】您的登录验证码为123456，5分钟内有效。");
//! assert_eq!(inbox[0].params["code"], "123456");
//! # Ok(())
//! # }
//! ```
//!
//! A Tencent `SendSms`, signed with `tencent-sign`:
//!
//! ```
//! use aliyun_sms_emulator::{
//!     DEMO_TENCENT_SDK_APP_ID, DEMO_TENCENT_SECRET_ID, DEMO_TENCENT_SECRET_KEY, EmulatorConfig,
//!     Provider, start,
//! };
//! use tencent_sign::{Credentials, Tc3Signer, Timestamp, tc3::Tc3Request};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = start(EmulatorConfig::demo()).await?;
//!
//! let body = serde_json::json!({
//!     "PhoneNumberSet": ["+8613800138000"],
//!     "SmsSdkAppId": DEMO_TENCENT_SDK_APP_ID,
//!     "SignName": "Demo",
//!     "TemplateId": "100002",
//!     "TemplateParamSet": ["123456"],
//! })
//! .to_string();
//! let host = emulator.addr().to_string();
//! let headers = [("content-type", "application/json"), ("host", host.as_str())];
//! let timestamp = Timestamp::from_unix_seconds(emulator.clock().now().timestamp() as u64)?;
//! let signer = Tc3Signer::new(Credentials::new(DEMO_TENCENT_SECRET_ID, DEMO_TENCENT_SECRET_KEY), "sms");
//! let authorization = signer.authorization(&Tc3Request::post(&headers, body.as_bytes()), timestamp);
//!
//! let response = reqwest::Client::new()
//!     .post(emulator.endpoint())
//!     .header("content-type", "application/json")
//!     .header("authorization", authorization)
//!     .header("x-tc-action", "SendSms")
//!     .header("x-tc-version", "2021-01-11")
//!     .header("x-tc-timestamp", timestamp.to_string())
//!     .header("x-tc-region", "ap-guangzhou")
//!     .body(body)
//!     .send()
//!     .await?;
//! let answer: serde_json::Value = serde_json::from_str(&response.text().await?)?;
//! let status = &answer["Response"]["SendStatusSet"][0];
//! assert_eq!(status["Code"], "Ok");
//!
//! let inbox = emulator.inbox();
//! assert_eq!(inbox[0].provider, Provider::Tencent);
//! assert_eq!(inbox[0].content, "【Demo】您的登录验证码为123456，5分钟内有效。");
//! assert_eq!(inbox[0].biz_id, status["SerialNo"]);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod aliyun;
mod clock;
mod config;
mod faults;
mod inbox;
mod limits;
mod phone;
mod server;
mod template;
mod tencent;

pub use clock::{Clock, ManualClock};
pub use config::{
    DEFAULT_INBOX_CAPACITY, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_OVERSEAS_TEMPLATE,
    DEMO_SIGN_NAME, DEMO_TEMPLATES, EmulatorConfig, Limits, demo_connector_config,
};
pub use faults::Fault;
pub use inbox::{DeliveredMessage, Provider};
pub use phone::{normalize_international_phone_number, normalize_phone_number};
pub use server::{Emulator, start, start_on};
pub use template::{Template, TemplateKind, TemplateRegion};
pub use tencent::account::{
    DEMO_TENCENT_OVERSEAS_TEMPLATE, DEMO_TENCENT_REGION, DEMO_TENCENT_SDK_APP_ID,
    DEMO_TENCENT_SECRET_ID, DEMO_TENCENT_SECRET_KEY, DEMO_TENCENT_SIGN_NAME,
    DEMO_TENCENT_TEMPLATES, TENCENT_REGIONS, TencentAccount, TencentLimits,
    demo_tencent_connector_config,
};

/// The credentials type Aliyun accounts are configured with (from `aliyun-sign`).
pub use aliyun_sign::Credentials;
/// The date-time crate of [`ManualClock`] and [`DeliveredMessage::sent_at`].
pub use chrono;
/// The credentials type of [`TencentAccount`] keys (from `tencent-sign`).
pub use tencent_sign::Credentials as TencentCredentials;

/// Lock a mutex, going on with the data if another thread panicked while holding it (every
/// critical section in this crate leaves its data consistent).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
