//! Building a signed SendSms request: config + message + time + nonce → method, URL, headers,
//! body. Pure: no clock, no randomness, no I/O, so every request is reproducible in a test.

use std::fmt;

use aliyun_sign::rpc::{self, RpcSigner};
use aliyun_sign::{Credentials, v3};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use connector_kit::{ConnectorError, PhoneNumber, SmsMessage, TemplateSet, UsageType};
use url::Url;

use crate::config::{AliyunSmsConfig, ConfigError, ConfigProblem, SignatureVersion, TemplateCode};
use crate::endpoint::{self, Endpoint};
use crate::secret::REDACTED;

/// The `Action` of every request.
pub(crate) const ACTION: &str = "SendSms";
/// The API version of dysmsapi.
pub(crate) const API_VERSION: &str = "2017-05-25";
/// The `Format` parameter, lower case as Logto sends it.
pub(crate) const FORMAT: &str = "json";
/// The content type of every request body.
pub(crate) const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
/// The HTTP method of every request.
pub(crate) const METHOD: &str = "POST";
/// The `Action` that reports what happened to sent messages.
pub(crate) const QUERY_ACTION: &str = "QuerySendDetails";
/// The most messages one `QuerySendDetails` page holds.
const QUERY_PAGE_SIZE: &str = "50";

/// A signed request, as [`RequestBuilder::sign_action`] returns it.
struct Signed {
    headers: Vec<(String, String)>,
    body: String,
    params: Vec<(String, String)>,
    string_to_sign: String,
    signature: String,
}

/// A signed `QuerySendDetails` request ([`RequestBuilder::build_query_send_details`]).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueryRequest {
    /// The headers, as in [`SendRequest::headers`].
    pub headers: Vec<(String, String)>,
    /// The `application/x-www-form-urlencoded` body.
    pub body: String,
    /// What was signed, as in [`SendRequest::params`].
    pub params: Vec<(String, String)>,
    /// The string-to-sign.
    pub string_to_sign: String,
}

impl fmt::Debug for QueryRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueryRequest")
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Parameters and headers whose values never appear in `Debug`.
const SENSITIVE: [&str; 4] = [
    "SecurityToken",
    "x-acs-security-token",
    "authorization",
    "Signature",
];

/// One signed SendSms request, ready to send, with what was signed.
///
/// `Debug` hides the body, the signature, the security token and the phone number and template
/// parameters (printed as `** redacted **`).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SendRequest {
    /// Always `POST`.
    pub method: &'static str,
    /// The endpoint with path `/`, e.g. `https://dysmsapi.aliyuncs.com/`.
    pub url: String,
    /// The headers, names in lower case: `content-type` and `host` (V1), or every signed V3
    /// header with `authorization` last. The `host` value is the one the HTTP client derives
    /// from the URL.
    pub headers: Vec<(String, String)>,
    /// The `application/x-www-form-urlencoded` body.
    pub body: String,
    /// What was signed, sorted by name: every parameter (V1, `Signature` excluded) or the
    /// body's parameters (V3).
    pub params: Vec<(String, String)>,
    /// The string-to-sign: Aliyun sends its own back with a `SignatureDoesNotMatch`.
    pub string_to_sign: String,
    /// The signature: Base64 (V1) or lower-case hex (V3).
    pub signature: String,
    /// How it was signed.
    pub signature_version: SignatureVersion,
    /// The usage type whose template was used (the message's own, or `Generic`).
    pub template_usage: UsageType,
    /// The config path of the template code used, e.g. `templates[3].templateCode.overseas`.
    pub template_field: String,
}

impl SendRequest {
    /// The value of a signed parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of a header (name in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for SendRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Pairs<'a>(&'a [(String, String)]);
        impl fmt::Debug for Pairs<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.iter().map(|(name, value)| {
                        let hidden = SENSITIVE.contains(&name.as_str())
                            || matches!(name.as_str(), "PhoneNumbers" | "TemplateParam");
                        (name, if hidden { REDACTED } else { value.as_str() })
                    }))
                    .finish()
            }
        }
        f.debug_struct("SendRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &Pairs(&self.headers))
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .field("params", &Pairs(&self.params))
            .field("signature_version", &self.signature_version)
            .field("template_usage", &self.template_usage)
            .field("template_field", &self.template_field)
            .finish_non_exhaustive()
    }
}

/// Everything about the requests that does not change between sends, prepared once: the
/// parsed endpoint, the pre-keyed signer, the templates.
#[derive(Clone)]
pub struct RequestBuilder {
    endpoint: Endpoint,
    signer: RpcSigner,
    sign_name: String,
    region_id: String,
    signature_version: SignatureVersion,
    strict_phone_region_number_check: bool,
    /// Each template code with its index in `templates`, for error paths.
    templates: TemplateSet<(usize, TemplateCode)>,
}

impl fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("url", &self.endpoint.url.as_str())
            .field("access_key_id", &self.credentials().access_key_id())
            .field("signature_version", &self.signature_version)
            .finish_non_exhaustive()
    }
}

impl RequestBuilder {
    /// Checks the config ([`AliyunSmsConfig::validate`]) and prepares it.
    pub fn new(config: &AliyunSmsConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let endpoint = endpoint::parse(&config.endpoint)
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
            signer: RpcSigner::new(&config.credentials()),
            sign_name: config.sign_name.clone(),
            region_id: config.region_id.clone(),
            signature_version: config.signature_version,
            strict_phone_region_number_check: config.strict_phone_region_number_check,
            templates,
        })
    }

    /// Where requests go: the endpoint with path `/`.
    pub fn url(&self) -> &Url {
        &self.endpoint.url
    }

    /// The `host` header (and V3 signed host): host, plus `:port` when not the default.
    pub fn host(&self) -> &str {
        &self.endpoint.host
    }

    /// The credentials requests are signed with.
    pub fn credentials(&self) -> &Credentials {
        self.signer.credentials()
    }

    /// Builds and signs the request for `message` at `time` with `nonce` (a fresh UUID for
    /// every request, retries included).
    ///
    /// Fails with [`ErrorKind::TemplateNotFound`](connector_kit::ErrorKind::TemplateNotFound)
    /// only if no template fits, which a checked config rules out.
    pub fn build(
        &self,
        message: &SmsMessage,
        time: DateTime<Utc>,
        nonce: &str,
    ) -> Result<SendRequest, ConnectorError> {
        self.assemble(message, time, nonce, true)
    }

    /// [`build`](Self::build) for sending: `params` is left empty, which spares V1 signing
    /// the owned copy of every parameter (the connector's hot path).
    pub(crate) fn build_to_send(
        &self,
        message: &SmsMessage,
        time: DateTime<Utc>,
        nonce: &str,
    ) -> Result<SendRequest, ConnectorError> {
        self.assemble(message, time, nonce, false)
    }

    fn assemble(
        &self,
        message: &SmsMessage,
        time: DateTime<Utc>,
        nonce: &str,
        with_params: bool,
    ) -> Result<SendRequest, ConnectorError> {
        let (template_usage, (index, code)) = self
            .templates
            .select(message.usage)
            .ok_or_else(|| ConnectorError::template_not_found(message.usage))?;
        let mainland =
            logto_compat::is_mainland_china(&message.to, self.strict_phone_region_number_check);
        let (template_code, suffix) = code.for_region(mainland);
        let template_field = format!("templates[{index}].templateCode{suffix}");
        let template_param = message.params.to_json();
        let reference = message.reference.as_deref().filter(|r| !r.is_empty());
        let timestamp = format_timestamp(time);

        // Sorted by name, as the V3 canonical form keeps them.
        let mut business = [
            ("OutId", ""),
            ("PhoneNumbers", message.to.digits()),
            ("SignName", self.sign_name.as_str()),
            ("TemplateCode", template_code),
            ("TemplateParam", template_param.as_str()),
        ];
        let business: &[(&str, &str)] = match reference {
            Some(reference) => {
                business[0].1 = reference;
                &business
            }
            None => &business[1..],
        };
        let Signed {
            headers,
            body,
            params,
            string_to_sign,
            signature,
        } = self.sign_action(ACTION, business, &timestamp, nonce, with_params);
        Ok(SendRequest {
            method: METHOD,
            url: self.endpoint.url.as_str().to_owned(),
            headers,
            body,
            params,
            string_to_sign,
            signature,
            signature_version: self.signature_version,
            template_usage,
            template_field,
        })
    }

    /// Builds and signs a `QuerySendDetails` request: the messages sent to `to` on `send_date`
    /// (China time, within the last 30 days), only the one with `biz_id` if given, 50 at most
    /// (Aliyun's page size limit; the default daily limit is 10 codes a number).
    pub fn build_query_send_details(
        &self,
        to: &PhoneNumber,
        send_date: NaiveDate,
        biz_id: Option<&str>,
        time: DateTime<Utc>,
        nonce: &str,
    ) -> QueryRequest {
        let send_date = send_date.format("%Y%m%d").to_string();
        let mut business = [
            ("BizId", ""),
            ("CurrentPage", "1"),
            ("PageSize", QUERY_PAGE_SIZE),
            ("PhoneNumber", to.digits()),
            ("SendDate", send_date.as_str()),
        ];
        let business: &[(&str, &str)] = match biz_id.filter(|id| !id.is_empty()) {
            Some(biz_id) => {
                business[0].1 = biz_id;
                &business
            }
            None => &business[1..],
        };
        let timestamp = format_timestamp(time);
        let Signed {
            headers,
            body,
            params,
            string_to_sign,
            ..
        } = self.sign_action(QUERY_ACTION, business, &timestamp, nonce, true);
        QueryRequest {
            headers,
            body,
            params,
            string_to_sign,
        }
    }

    /// Signs one dysmsapi action with the configured version: V1 puts every parameter and the
    /// signature in the form body; V3 puts the `business` parameters in the body and signs the
    /// headers. `business` is sorted by name. `params` is left empty unless `with_params`.
    fn sign_action(
        &self,
        action: &str,
        business: &[(&str, &str)],
        timestamp: &str,
        nonce: &str,
        with_params: bool,
    ) -> Signed {
        match self.signature_version {
            SignatureVersion::V1 => {
                const COMMON: usize = 4;
                // SendSms and QuerySendDetails carry at most 5 business parameters each; a
                // stack array spares the hot path an allocation.
                const MAX_BUSINESS: usize = 5;
                debug_assert!(
                    business.len() <= MAX_BUSINESS,
                    "{action}: too many parameters"
                );
                let mut all = [("", ""); COMMON + MAX_BUSINESS];
                all[..COMMON].copy_from_slice(&[
                    ("Action", action),
                    ("Format", FORMAT),
                    ("RegionId", self.region_id.as_str()),
                    ("Version", API_VERSION),
                ]);
                let count = COMMON + business.len().min(all.len() - COMMON);
                all[COMMON..count].copy_from_slice(&business[..count - COMMON]);
                let action_params = &all[..count];
                let headers = vec![
                    ("content-type".to_owned(), FORM_CONTENT_TYPE.to_owned()),
                    ("host".to_owned(), self.endpoint.host.clone()),
                ];
                if with_params {
                    let signed = self.signer.sign(METHOD, action_params, timestamp, nonce);
                    let body = signed.to_form_body();
                    let rpc::SignedRpcRequest {
                        params,
                        string_to_sign,
                        signature,
                        ..
                    } = signed;
                    Signed {
                        headers,
                        body,
                        params,
                        string_to_sign,
                        signature,
                    }
                } else {
                    let signed = self
                        .signer
                        .sign_form(METHOD, action_params, timestamp, nonce);
                    Signed {
                        headers,
                        body: signed.to_form_body(),
                        params: Vec::new(),
                        string_to_sign: signed.string_to_sign,
                        signature: signed.signature,
                    }
                }
            }
            SignatureVersion::V3 => {
                let body = v3::canonical_query_string(business);
                let request = v3::V3Request {
                    method: METHOD,
                    host: &self.endpoint.host,
                    canonical_uri: "/",
                    action,
                    version: API_VERSION,
                    query: &[],
                    body: body.as_bytes(),
                    content_type: Some(FORM_CONTENT_TYPE),
                };
                let signed = v3::sign(&request, self.credentials(), timestamp, nonce);
                let params = match with_params {
                    true => business
                        .iter()
                        .map(|&(k, v)| (k.to_owned(), v.to_owned()))
                        .collect(),
                    false => Vec::new(),
                };
                Signed {
                    headers: signed.headers,
                    body,
                    params,
                    string_to_sign: signed.string_to_sign,
                    signature: signed.signature,
                }
            }
        }
    }
}

/// Builds and signs one SendSms request from a config, a message, a time and a nonce: method,
/// URL, headers, form body, and what was signed. Pure (no clock, no randomness, no I/O), so
/// every request is reproducible; [`RequestBuilder::new`] then [`RequestBuilder::build`]. Keep
/// a [`RequestBuilder`] to build many.
///
/// ```
/// use aliyun_sms::AliyunSmsConfig;
/// use aliyun_sms::build_send_request;
/// use chrono::{TimeZone, Utc};
/// use connector_kit::{SmsMessage, UsageType};
///
/// let config = AliyunSmsConfig::from_json_with_env(r#"{
///     "accessKeyId": "testid", "accessKeySecret": "testsecret", "signName": "Logto",
///     "templates": [
///         {"usageType": "Register", "templateCode": "SMS_Register"},
///         {"usageType": "SignIn", "templateCode": "SMS_SignIn"},
///         {"usageType": "ForgotPassword", "templateCode": "SMS_ForgotPassword"},
///         {"usageType": "Generic", "templateCode": "SMS_Generic"}
///     ]
/// }"#, |_| None)?;
/// let message = SmsMessage::verification_code("8613800138000".parse()?, UsageType::SignIn, "123456");
/// let time = Utc.with_ymd_and_hms(2024, 5, 1, 8, 9, 10).unwrap();
/// let request = build_send_request(&config, &message, time, "c1b2c332-4cfb-4a0f-b8cc-ebe622aa0a5c")?;
///
/// assert_eq!(request.method, "POST");
/// assert_eq!(request.url, "https://dysmsapi.aliyuncs.com/");
/// assert_eq!(request.signature, "EU0Gt3+E/Gtmps8TGPjSQaKcVl8="); // what Logto's connector sends
/// assert_eq!(request.param("TemplateParam"), Some(r#"{"code":"123456"}"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn build_send_request(
    config: &AliyunSmsConfig,
    message: &SmsMessage,
    time: DateTime<Utc>,
    nonce: &str,
) -> Result<SendRequest, ConnectorError> {
    RequestBuilder::new(config)?.build(message, time, nonce)
}

/// UTC `yyyy-MM-ddTHH:mm:ssZ`, the timestamp format of both signature versions.
pub fn format_timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}
