//! Building a signed request: config + message + time → method, URL, headers, JSON body. Pure:
//! no clock, no I/O, so every request is reproducible in a test.

use std::fmt;

use chrono::{DateTime, Utc};
use connector_http::Endpoint;
use connector_kit::{
    CODE_PARAM, ConnectorError, ErrorKind, PhoneNumber, REDACTED, Receipt, Redactor, SmsMessage,
    TemplateParams, TemplateSet, UsageType,
};
use reqwest::Url;
use serde::Serialize;
use tencent_sign::tc3::{SignedTc3Request, Tc3Request};
use tencent_sign::{Tc3Signer, Timestamp};

use crate::config::{ConfigError, ConfigProblem, DEFAULT_ENDPOINT, TemplateCode, TencentSmsConfig};
use crate::response::{ClassifyContext, classify_with};

/// The service name of Tencent Cloud SMS: the first label of its host, and the credential
/// scope's middle part.
pub const SERVICE: &str = "sms";
/// The API version this connector speaks (`X-TC-Version`).
pub const API_VERSION: &str = "2021-01-11";
/// The content type of every request body, exactly as sent and signed (Logto's).
pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";
/// The action that sends messages.
pub const SEND_ACTION: &str = "SendSms";
/// The action that reports the delivery of the messages sent to one number.
pub const PULL_STATUS_ACTION: &str = "PullSmsSendStatusByPhoneNumber";
/// The most records one `PullSmsSendStatusByPhoneNumber` answer holds (Tencent's limit).
pub const PULL_STATUS_LIMIT: u32 = 100;

/// Headers whose values never appear in `Debug`.
const SENSITIVE_HEADERS: [&str; 2] = ["authorization", "x-tc-token"];

/// One signed `SendSms` request, ready to send.
///
/// `Debug` hides the `Authorization` and `X-TC-Token` values, the body and the phone number.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SendRequest {
    /// Always `POST`.
    pub method: &'static str,
    /// The endpoint with path `/`, e.g. `https://sms.tencentcloudapi.com/`.
    pub url: String,
    /// The headers, names in lower case, in the order Logto's connector sends them:
    /// `authorization`, `content-type`, `host`, `x-tc-action`, `x-tc-timestamp`,
    /// `x-tc-version`, `x-tc-region`, then `x-tc-token` for temporary credentials. The
    /// signature covers `content-type` and `host`.
    pub headers: Vec<(String, String)>,
    /// The compact JSON body, the exact bytes signed.
    pub body: String,
    /// The request time (`X-TC-Timestamp`), whose UTC date is in the credential scope.
    pub timestamp: Timestamp,
    /// The number as sent in `PhoneNumberSet`: E.164 with `+`.
    pub phone_number: String,
    /// The usage type whose template was used (the message's own, or `Generic`).
    pub template_usage: UsageType,
    /// The config path of the template ID used, e.g. `templates[3].templateCode.overseas`.
    pub template_field: String,
}

impl SendRequest {
    /// The value of a header (name in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// Classifies the answer to this request: [`classify`](crate::classify), knowing the
    /// number sent (to find its `SendStatusSet` entry), the template used (named by template
    /// errors) and the request time (from which a daily limit's window is counted).
    pub fn classify(&self, status: u16, body: &[u8]) -> Result<Receipt, ConnectorError> {
        classify_with(status, body, &self.classify_context(None))
    }

    pub(crate) fn classify_context<'a>(
        &'a self,
        redactor: Option<&'a Redactor>,
    ) -> ClassifyContext<'a> {
        ClassifyContext {
            phone_number: Some(&self.phone_number),
            template_field: Some(&self.template_field),
            sent_at: Some(self.timestamp.unix_seconds()),
            redactor,
        }
    }
}

impl fmt::Debug for SendRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &Headers(&self.headers))
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .field("timestamp", &self.timestamp)
            .field("phone_number", &REDACTED)
            .field("template_usage", &self.template_usage)
            .field("template_field", &self.template_field)
            .finish_non_exhaustive()
    }
}

/// One signed `PullSmsSendStatusByPhoneNumber` request.
///
/// `Debug` hides the `Authorization` and `X-TC-Token` values and the body.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusRequest {
    /// The headers, as in [`SendRequest::headers`].
    pub headers: Vec<(String, String)>,
    /// The compact JSON body.
    pub body: String,
}

impl StatusRequest {
    /// The value of a header (name in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

impl fmt::Debug for StatusRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatusRequest")
            .field("headers", &Headers(&self.headers))
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Headers, with the sensitive values redacted.
struct Headers<'a>(&'a [(String, String)]);

impl fmt::Debug for Headers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(name, value)| {
                let hidden = SENSITIVE_HEADERS.contains(&name.as_str());
                (name, if hidden { REDACTED } else { value.as_str() })
            }))
            .finish()
    }
}

/// The `SendSms` body: Logto's fields in Logto's order, then `SessionContext` when the message
/// has a reference.
#[derive(Serialize)]
struct SendSmsBody<'a> {
    #[serde(rename = "SmsSdkAppId")]
    sdk_app_id: &'a str,
    #[serde(rename = "SignName")]
    sign_name: &'a str,
    #[serde(rename = "TemplateId")]
    template_id: &'a str,
    #[serde(rename = "TemplateParamSet")]
    template_params: Vec<&'a str>,
    #[serde(rename = "PhoneNumberSet")]
    phone_numbers: [&'a str; 1],
    #[serde(rename = "SessionContext", skip_serializing_if = "Option::is_none")]
    session_context: Option<&'a str>,
}

/// The `PullSmsSendStatusByPhoneNumber` body.
#[derive(Serialize)]
struct PullStatusBody<'a> {
    #[serde(rename = "BeginTime")]
    begin_time: u64,
    #[serde(rename = "EndTime")]
    end_time: u64,
    #[serde(rename = "Offset")]
    offset: u32,
    #[serde(rename = "Limit")]
    limit: u32,
    #[serde(rename = "PhoneNumber")]
    phone_number: &'a str,
    #[serde(rename = "SmsSdkAppId")]
    sdk_app_id: &'a str,
}

/// Everything about the requests that does not change between sends, prepared once: the
/// parsed endpoint, the signer (which keeps the day's signing key), the templates.
#[derive(Clone)]
pub struct RequestBuilder {
    endpoint: Endpoint,
    signer: Tc3Signer,
    sdk_app_id: String,
    sign_name: String,
    region: String,
    strict_phone_region_number_check: bool,
    /// Each template ID with its index in `templates`, for error paths.
    templates: TemplateSet<(usize, TemplateCode)>,
}

impl fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("url", &self.endpoint.url.as_str())
            .field("secret_id", &self.signer.credentials().secret_id())
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl RequestBuilder {
    /// Checks the config ([`TencentSmsConfig::validate`]) and prepares it.
    pub fn new(config: &TencentSmsConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let endpoint = Endpoint::parse(&config.endpoint, DEFAULT_ENDPOINT)
            .map_err(|message| ConfigProblem::new("endpoint", message))?;
        let templates = TemplateSet::new(
            config
                .templates
                .iter()
                .enumerate()
                .map(|(index, t)| (t.usage_type, (index, t.template_code.clone()))),
            &UsageType::REQUIRED,
        )
        .map_err(|e| ConfigProblem::new("templates", e.to_string()))?;
        Ok(RequestBuilder {
            endpoint,
            signer: Tc3Signer::new(config.credentials(), SERVICE),
            sdk_app_id: config.sdk_app_id.clone(),
            sign_name: config.sign_name.clone(),
            region: config.region.clone(),
            strict_phone_region_number_check: config.strict_phone_region_number_check,
            templates,
        })
    }

    /// Where requests go: the endpoint with path `/`.
    pub fn url(&self) -> &Url {
        &self.endpoint.url
    }

    /// The `host` header (signed): host, plus `:port` when not the default.
    pub fn host(&self) -> &str {
        &self.endpoint.host
    }

    /// The signer, with the credentials requests are signed with.
    pub fn signer(&self) -> &Tc3Signer {
        &self.signer
    }

    /// Builds and signs the `SendSms` request for `message` at `time`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::TemplateNotFound`] if no template fits (which a checked config rules out);
    /// [`ErrorKind::InvalidRequest`] for a time Tencent cannot be told (before 1970).
    pub fn build(
        &self,
        message: &SmsMessage,
        time: DateTime<Utc>,
    ) -> Result<SendRequest, ConnectorError> {
        let (template_usage, (index, code)) = self
            .templates
            .select(message.usage)
            .ok_or_else(|| ConnectorError::template_not_found(message.usage))?;
        let strict = self.strict_phone_region_number_check;
        let mainland = logto_compat::is_mainland_china(&message.to, strict);
        let (template_id, suffix) = code.for_region(mainland);
        let phone_number = e164(&message.to, strict);
        let body = SendSmsBody {
            sdk_app_id: &self.sdk_app_id,
            sign_name: &self.sign_name,
            template_id,
            template_params: positional_params(&message.params),
            phone_numbers: [&phone_number],
            session_context: message.reference.as_deref().filter(|r| !r.is_empty()),
        };
        let body = serde_json::to_string(&body).expect("strings always serialize");
        let timestamp = timestamp(time)?;
        let headers = self.signed_headers(SEND_ACTION, &body, timestamp);
        Ok(SendRequest {
            method: "POST",
            url: self.endpoint.url.as_str().to_owned(),
            headers,
            body,
            timestamp,
            phone_number,
            template_usage,
            template_field: format!("templates[{index}].templateCode{suffix}"),
        })
    }

    /// Builds and signs a `PullSmsSendStatusByPhoneNumber` request at `time`: the delivery of
    /// the messages sent to `to` between `begin` and `end` (Unix seconds; at most 7 days back),
    /// the first [`PULL_STATUS_LIMIT`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`] for a time Tencent cannot be told (before 1970).
    pub fn build_pull_status(
        &self,
        to: &PhoneNumber,
        begin: u64,
        end: u64,
        time: DateTime<Utc>,
    ) -> Result<StatusRequest, ConnectorError> {
        let phone_number = e164(to, self.strict_phone_region_number_check);
        let body = PullStatusBody {
            begin_time: begin,
            end_time: end,
            offset: 0,
            limit: PULL_STATUS_LIMIT,
            phone_number: &phone_number,
            sdk_app_id: &self.sdk_app_id,
        };
        let body = serde_json::to_string(&body).expect("numbers and strings always serialize");
        let headers = self.signed_headers(PULL_STATUS_ACTION, &body, timestamp(time)?);
        Ok(StatusRequest { headers, body })
    }

    /// Every stage of the signature of `request` (canonical request, string to sign, ...), to
    /// explain it.
    pub fn signature_stages(&self, request: &SendRequest) -> SignedTc3Request {
        self.signer.sign(
            &Tc3Request::post(&self.signed_pairs(), request.body.as_bytes()),
            request.timestamp,
        )
    }

    /// The signed headers (`content-type` and `host`, as Tencent's SDKs and Logto sign them).
    fn signed_pairs(&self) -> [(&str, &str); 2] {
        [
            ("content-type", CONTENT_TYPE),
            ("host", self.endpoint.host.as_str()),
        ]
    }

    /// The headers of `action` with `body` at `timestamp`, in Logto's order.
    fn signed_headers(
        &self,
        action: &str,
        body: &str,
        timestamp: Timestamp,
    ) -> Vec<(String, String)> {
        let authorization = self.signer.authorization(
            &Tc3Request::post(&self.signed_pairs(), body.as_bytes()),
            timestamp,
        );
        let mut headers = vec![
            ("authorization".to_owned(), authorization),
            ("content-type".to_owned(), CONTENT_TYPE.to_owned()),
            ("host".to_owned(), self.endpoint.host.clone()),
            ("x-tc-action".to_owned(), action.to_owned()),
            ("x-tc-timestamp".to_owned(), timestamp.to_string()),
            ("x-tc-version".to_owned(), API_VERSION.to_owned()),
            ("x-tc-region".to_owned(), self.region.clone()),
        ];
        if let Some(token) = self.signer.credentials().token() {
            headers.push(("x-tc-token".to_owned(), token.to_owned()));
        }
        headers
    }
}

/// The request time as Tencent takes it.
fn timestamp(time: DateTime<Utc>) -> Result<Timestamp, ConnectorError> {
    u64::try_from(time.timestamp())
        .ok()
        .and_then(|seconds| Timestamp::from_unix_seconds(seconds).ok())
        .ok_or_else(|| {
            ConnectorError::new(
                ErrorKind::InvalidRequest,
                format!("the clock says {time}, which a request cannot carry: check the clock"),
            )
        })
}

/// The number in E.164 with `+`, as `PhoneNumberSet` takes it: the digits as typed (they start
/// with the country code), except a bare mainland China mobile number (13x–19x, no country
/// code; only outside strict mode), which gets `+86`, as Tencent itself reads it.
///
/// ```
/// use tencent_sms::e164;
///
/// assert_eq!(e164(&"13800138000".parse()?, false), "+8613800138000");
/// assert_eq!(e164(&"8613800138000".parse()?, false), "+8613800138000");
/// assert_eq!(e164(&"+1 415 555 0100".parse()?, false), "+14155550100");
/// // Strict mode: every number carries its country code.
/// assert_eq!(e164(&"13800138000".parse()?, true), "+13800138000");
/// # Ok::<(), connector_kit::PhoneNumberError>(())
/// ```
pub fn e164(number: &PhoneNumber, strict: bool) -> String {
    let digits = number.digits();
    let bare_mainland = !number.has_international_prefix()
        && digits.len() == 11
        && logto_compat::is_mainland_china(number, strict);
    match bare_mainland {
        true => format!("+86{digits}"),
        false => format!("+{digits}"),
    }
}

/// `TemplateParamSet`: the message's parameters by position, the code first, then the others
/// in the order they were set. The caller's context (locale, IP) is never among them.
///
/// ```
/// use connector_kit::TemplateParams;
/// use tencent_sms::positional_params;
///
/// let params = TemplateParams::new().with("minutes", "5").with("code", "123456");
/// assert_eq!(positional_params(&params), ["123456", "5"]);
/// ```
pub fn positional_params(params: &TemplateParams) -> Vec<&str> {
    let code = params.verification_code();
    code.into_iter()
        .chain(
            params
                .iter()
                .filter(|(name, _)| *name != CODE_PARAM)
                .map(|(_, value)| value),
        )
        .collect()
}

/// Builds and signs one `SendSms` request from a config, a message and a time. Pure (no clock,
/// no randomness, no I/O), so every request is reproducible; [`RequestBuilder::new`] then
/// [`RequestBuilder::build`]. Keep a [`RequestBuilder`] to build many.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use connector_kit::{SmsMessage, UsageType};
/// use tencent_sms::{TencentSmsConfig, build_send_request};
///
/// let config = TencentSmsConfig::from_json_with_env(r#"{
///     "accessKeyId": "AKIDexample", "accessKeySecret": "example-key",
///     "signName": "腾讯云", "sdkAppId": "1400006666", "region": "ap-guangzhou",
///     "templates": [
///         {"usageType": "Register", "templateCode": "100001"},
///         {"usageType": "SignIn", "templateCode": "100002"},
///         {"usageType": "ForgotPassword", "templateCode": "100003"},
///         {"usageType": "Generic", "templateCode": "100004"}
///     ]
/// }"#, |_| None)?;
/// let message = SmsMessage::verification_code("+8613800138000".parse()?, UsageType::SignIn, "123456");
/// let time = Utc.with_ymd_and_hms(2023, 11, 14, 22, 13, 20).unwrap();
/// let request = build_send_request(&config, &message, time)?;
///
/// assert_eq!(request.url, "https://sms.tencentcloudapi.com/");
/// assert_eq!(
///     request.body,
///     r#"{"SmsSdkAppId":"1400006666","SignName":"腾讯云","TemplateId":"100002","TemplateParamSet":["123456"],"PhoneNumberSet":["+8613800138000"]}"#
/// );
/// assert_eq!(request.header("x-tc-timestamp"), Some("1700000000"));
/// assert!(request.header("authorization").unwrap().starts_with(
///     "TC3-HMAC-SHA256 Credential=AKIDexample/2023-11-14/sms/tc3_request, SignedHeaders=content-type;host, Signature="
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn build_send_request(
    config: &TencentSmsConfig,
    message: &SmsMessage,
    time: DateTime<Utc>,
) -> Result<SendRequest, ConnectorError> {
    RequestBuilder::new(config)?.build(message, time)
}
