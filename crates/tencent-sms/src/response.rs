//! Reading Tencent Cloud's answer: HTTP status + body bytes → [`Receipt`] or a classified
//! [`ConnectorError`]. Pure: no I/O, tested without a server.
//!
//! Tencent Cloud answers API errors with HTTP 200 and `Response.Error` (the whole request
//! failed), and the outcome of each number in `Response.SendStatusSet` (one entry per number,
//! `Code` `Ok` or an error code). Each error code maps to an [`ErrorKind`] and the flags that
//! decide what a caller may do: `retryable` (refused before processing: safe to send again),
//! `outcome_unknown` (the message may have gone out: never resend it blindly), and
//! `retry_after` where the code names a window.

use std::borrow::Cow;
use std::time::Duration;

use connector_kit::{ConnectorError, ErrorKind, Receipt, Redactor};
use serde::Deserialize;

/// The most body bytes read from an answer; a longer body is not read whole.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What the classifier may know about the request beyond the answer itself.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ClassifyContext<'a> {
    /// The number as sent, to find its entry in `SendStatusSet`.
    pub(crate) phone_number: Option<&'a str>,
    /// The config path of the template ID used (`templates[2].templateCode.china`), named by
    /// template errors.
    pub(crate) template_field: Option<&'a str>,
    /// The request time (Unix seconds), from which a daily limit's window is counted.
    pub(crate) sent_at: Option<u64>,
    /// Secrets to cut from any text kept from the answer.
    pub(crate) redactor: Option<&'a Redactor>,
}

/// Classifies a `SendSms` answer (HTTP status + body) into a receipt or a typed error. Pure:
/// no I/O.
///
/// Only a 2xx whose `SendStatusSet` entry says `Ok` is a success (its `SerialNo` is the
/// receipt's message id). A request-level `Response.Error`, or the entry's own error code,
/// maps to an [`ErrorKind`] with `retryable` (refused before processing: safe to send again),
/// `outcome_unknown` (the message may have gone out: never resend it blindly) and, where the
/// code names a window, `retry_after`. A body longer than [`MAX_BODY_BYTES`] is refused without
/// being parsed.
///
/// ```
/// use std::time::Duration;
/// use connector_kit::ErrorKind;
/// use tencent_sms::classify;
///
/// let ok = br#"{"Response":{"SendStatusSet":[{"SerialNo":"2028:f825e6b16e23f73f4123","PhoneNumber":"+8613800138000","Fee":1,"SessionContext":"","Code":"Ok","Message":"send success","IsoCode":"CN"}],"RequestId":"a0aabda6-cf91-4f3e-a81f-9198114a2279"}}"#;
/// let receipt = classify(200, ok).unwrap();
/// assert_eq!(receipt.message_id.as_deref(), Some("2028:f825e6b16e23f73f4123"));
///
/// let limited = br#"{"Response":{"SendStatusSet":[{"SerialNo":"","PhoneNumber":"+8613800138000","Fee":0,"SessionContext":"","Code":"LimitExceeded.PhoneNumberThirtySecondLimit","Message":"the number's 30-second limit","IsoCode":"CN"}],"RequestId":"R1"}}"#;
/// let err = classify(200, limited).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::RateLimited);
/// assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
/// assert!(!err.is_retryable(), "a per-number limit: not before 30 s");
///
/// let throttled = br#"{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"too many requests"},"RequestId":"R2"}}"#;
/// let err = classify(200, throttled).unwrap_err();
/// assert!(err.is_retryable(), "refused before it was processed");
///
/// let timeout = br#"{"Response":{"Error":{"Code":"InternalError.Timeout","Message":"timeout"},"RequestId":"R3"}}"#;
/// let err = classify(200, timeout).unwrap_err();
/// assert!(err.outcome_unknown() && !err.is_retryable(), "it may have gone out");
/// ```
pub fn classify(status: u16, body: &[u8]) -> Result<Receipt, ConnectorError> {
    classify_with(status, body, &ClassifyContext::default())
}

/// [`classify`] with what the connector knows of the request.
pub(crate) fn classify_with(
    status: u16,
    body: &[u8],
    context: &ClassifyContext<'_>,
) -> Result<Receipt, ConnectorError> {
    let response = parse::<SendResponse<'_>>(status, body, context)?;
    let Some(statuses) = response.send_status_set.filter(|set| !set.is_empty()) else {
        return Err(unreadable(
            status,
            body,
            "the answer lists no SendStatusSet entry, so the message may have been sent",
            context,
        ));
    };
    let entry = match find_entry(&statuses, context.phone_number) {
        Some(entry) => entry,
        None => {
            return Err(unreadable(
                status,
                body,
                "no SendStatusSet entry is for the number sent, so the message may have been sent",
                context,
            ));
        }
    };
    let code = entry.code.as_deref().unwrap_or("");
    let request_id = response.request_id.map(Cow::into_owned);
    if code.eq_ignore_ascii_case("ok") {
        let mut receipt = Receipt::new();
        receipt.message_id = entry
            .serial_no
            .clone()
            .map(Cow::into_owned)
            .filter(|s| !s.is_empty());
        receipt.request_id = request_id;
        return Ok(receipt);
    }
    if code.is_empty() {
        return Err(unreadable(
            status,
            body,
            "the SendStatusSet entry has no Code",
            context,
        ));
    }
    Err(error_of(
        code,
        entry.message.as_deref().unwrap_or(""),
        status,
        request_id,
        context,
    ))
}

/// An answer of `PullSmsSendStatusByPhoneNumber`.
pub(crate) fn classify_status(
    status: u16,
    body: &[u8],
    context: &ClassifyContext<'_>,
) -> Result<(Vec<StatusRecord>, Option<String>), ConnectorError> {
    let response = parse::<StatusResponse<'_>>(status, body, context)?;
    Ok((
        response.pull_sms_send_status_set.unwrap_or_default(),
        response.request_id,
    ))
}

/// One record of a status pull, as Tencent writes it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct StatusRecord {
    #[serde(rename = "SerialNo", default)]
    pub(crate) serial_no: Option<String>,
    #[serde(rename = "ReportStatus", default)]
    pub(crate) report_status: Option<String>,
    #[serde(rename = "Description", default)]
    pub(crate) description: Option<String>,
    #[serde(rename = "SessionContext", default)]
    pub(crate) session_context: Option<String>,
}

/// What every answer's `Response` carries, and what each action adds.
trait Answer<'a>: Deserialize<'a> {
    fn error(&mut self) -> Option<ApiError<'a>>;
    fn request_id(&self) -> Option<&str>;
}

#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(rename = "Response")]
    response: Option<T>,
}

#[derive(Deserialize)]
struct ApiError<'a> {
    #[serde(rename = "Code", default, borrow)]
    code: Option<Cow<'a, str>>,
    #[serde(rename = "Message", default, borrow)]
    message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct SendResponse<'a> {
    #[serde(rename = "Error", default, borrow)]
    error: Option<ApiError<'a>>,
    #[serde(rename = "SendStatusSet", default, borrow)]
    send_status_set: Option<Vec<SendStatus<'a>>>,
    #[serde(rename = "RequestId", default, borrow)]
    request_id: Option<Cow<'a, str>>,
}

impl<'a> Answer<'a> for SendResponse<'a> {
    fn error(&mut self) -> Option<ApiError<'a>> {
        self.error.take()
    }
    fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

#[derive(Deserialize)]
struct SendStatus<'a> {
    #[serde(rename = "SerialNo", default, borrow)]
    serial_no: Option<Cow<'a, str>>,
    #[serde(rename = "PhoneNumber", default, borrow)]
    phone_number: Option<Cow<'a, str>>,
    #[serde(rename = "Code", default, borrow)]
    code: Option<Cow<'a, str>>,
    #[serde(rename = "Message", default, borrow)]
    message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct StatusResponse<'a> {
    #[serde(rename = "Error", default, borrow)]
    error: Option<ApiError<'a>>,
    #[serde(rename = "PullSmsSendStatusSet", default)]
    pull_sms_send_status_set: Option<Vec<StatusRecord>>,
    #[serde(rename = "RequestId", default)]
    request_id: Option<String>,
}

impl<'a> Answer<'a> for StatusResponse<'a> {
    fn error(&mut self) -> Option<ApiError<'a>> {
        self.error.take()
    }
    fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

/// Reads `Response` of any answer: a request-level error or an answer that is not Tencent's
/// JSON becomes the error; a non-2xx without an error code too.
fn parse<'a, T: Answer<'a>>(
    status: u16,
    body: &'a [u8],
    context: &ClassifyContext<'_>,
) -> Result<T, ConnectorError> {
    if body.len() > MAX_BODY_BYTES {
        let what = format!("the answer is larger than {} KiB", MAX_BODY_BYTES / 1024);
        return Err(unreadable(status, body, &what, context));
    }
    // Only an object: serde would also read a struct from a JSON array.
    let is_object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let parsed = match is_object {
        true => serde_json::from_slice::<Envelope<T>>(body).ok(),
        false => None,
    };
    let mut response = match parsed {
        Some(Envelope {
            response: Some(response),
        }) => response,
        _ if body.iter().all(u8::is_ascii_whitespace) => {
            return Err(unreadable(status, body, "the answer is empty", context));
        }
        _ => {
            return Err(unreadable(
                status,
                body,
                "the answer is not Tencent Cloud's JSON",
                context,
            ));
        }
    };
    if let Some(error) = response.error() {
        let code = error.code.as_deref().unwrap_or("");
        if code.is_empty() {
            return Err(unreadable(
                status,
                body,
                "the answer's Error has no Code",
                context,
            ));
        }
        let request_id = response.request_id().map(str::to_owned);
        let message = error.message.as_deref().unwrap_or("");
        return Err(error_of(code, message, status, request_id, context));
    }
    if !(200..300).contains(&status) {
        let what = format!("the answer has HTTP status {status} and no error code");
        return Err(unreadable(status, body, &what, context));
    }
    Ok(response)
}

/// The entry of the number sent: the one whose digits are the number's (or its national
/// digits, should Tencent leave the country code out). A lone entry is taken as it is only when
/// it names no number, or when the number sent is not known (the public [`classify`]): an
/// entry for another number is never this send's (its `SerialNo` would make a receipt for
/// someone else's message).
fn find_entry<'s, 'a>(
    statuses: &'s [SendStatus<'a>],
    phone_number: Option<&str>,
) -> Option<&'s SendStatus<'a>> {
    let digits = |text: &str| -> String { text.chars().filter(char::is_ascii_digit).collect() };
    let wanted = phone_number.map(digits);
    let named = |entry: &SendStatus<'_>| {
        entry
            .phone_number
            .as_deref()
            .map(digits)
            .filter(|given| !given.is_empty())
    };
    let exact = statuses.iter().find(|entry| match (&wanted, named(entry)) {
        (Some(wanted), Some(given)) => {
            *wanted == given || (given.len() >= 7 && wanted.ends_with(&given))
        }
        _ => false,
    });
    match (exact, statuses) {
        (Some(entry), _) => Some(entry),
        (None, [only]) if wanted.is_none() || named(only).is_none() => Some(only),
        (None, _) => None,
    }
}

fn unreadable(
    status: u16,
    body: &[u8],
    what: &str,
    context: &ClassifyContext<'_>,
) -> ConnectorError {
    connector_http::invalid_answer(status, body, what, context.redactor)
}

/// The error of one Tencent error code.
fn error_of(
    code: &str,
    tencent_message: &str,
    status: u16,
    request_id: Option<String>,
    context: &ClassifyContext<'_>,
) -> ConnectorError {
    let class = class_of(code, status);
    let said = match context.redactor {
        Some(redactor) => redactor.redact(tencent_message),
        None => Cow::Borrowed(tencent_message),
    };
    let message = match said.is_empty() {
        true => class.advice.to_owned(),
        false => format!("{}. Tencent Cloud said: {said}", class.advice),
    };
    let mut error = ConnectorError::new(class.kind, message)
        .with_provider_code(code)
        .with_http_status(status)
        .with_retryable(class.retryable)
        .with_outcome_unknown(class.outcome_unknown);
    let field = match class.field {
        Field::None => None,
        Field::Named(name) => Some(name),
        Field::Template => Some(context.template_field.unwrap_or("templates")),
    };
    if let Some(field) = field {
        error = error.with_field(field);
    }
    if let Some(window) = class.window.duration(context.sent_at) {
        error = error.with_retry_after(window);
    }
    if let Some(request_id) = request_id {
        error = error.with_request_id(request_id);
    }
    error
}

/// How one error code is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Class {
    pub(crate) kind: ErrorKind,
    pub(crate) retryable: bool,
    pub(crate) outcome_unknown: bool,
    pub(crate) field: Field,
    pub(crate) window: Window,
    /// What it means and what to do, for people.
    pub(crate) advice: &'static str,
}

/// The field an error names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    None,
    /// A config path or a `SendSms` parameter name.
    Named(&'static str),
    /// The config path of the template ID used.
    Template,
}

/// When trying again may succeed, as the code names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Window {
    None,
    Seconds(u64),
    /// Until the next day in China time (UTC+8), when daily limits start again.
    NextChinaDay,
}

impl Window {
    /// The wait from `sent_at` (Unix seconds); a daily window without a time is a whole day.
    pub(crate) fn duration(self, sent_at: Option<u64>) -> Option<Duration> {
        const DAY: u64 = 24 * 3600;
        match self {
            Window::None => None,
            Window::Seconds(seconds) => Some(Duration::from_secs(seconds)),
            Window::NextChinaDay => Some(Duration::from_secs(match sent_at {
                Some(at) => DAY - (at + 8 * 3600) % DAY,
                None => DAY,
            })),
        }
    }
}

const fn class(kind: ErrorKind, field: Field, advice: &'static str) -> Class {
    Class {
        kind,
        retryable: false,
        outcome_unknown: matches!(kind, ErrorKind::OutcomeUnknown),
        field,
        window: Window::None,
        advice,
    }
}

const fn per_number(window: Window, advice: &'static str) -> Class {
    Class {
        window,
        ..class(ErrorKind::RateLimited, Field::None, advice)
    }
}

const THROTTLED: Class = Class {
    retryable: true,
    ..class(
        ErrorKind::RateLimited,
        Field::None,
        "Tencent Cloud throttled the API call before processing it (request frequency limit); it is safe to send again after a pause",
    )
};
const SIGNATURE: Class = class(
    ErrorKind::Credentials,
    Field::Named("accessKeySecret"),
    "the signature does not match: the SecretKey (accessKeySecret) is not the one that belongs to the SecretId, or something between this machine and Tencent Cloud changed the request",
);
const AUTH: Class = class(
    ErrorKind::Credentials,
    Field::None,
    "Tencent Cloud refused the credentials: check accessKeyId and accessKeySecret (an API key of the account that owns the SDK App ID)",
);
const CLOCK: Class = class(
    ErrorKind::Credentials,
    Field::None,
    "Tencent Cloud refused the request time: check the clock of this machine (it must be within 5 minutes of UTC, e.g. run NTP)",
);
const SECRET_ID: Class = class(
    ErrorKind::Credentials,
    Field::Named("accessKeyId"),
    "Tencent Cloud does not know this SecretId, or it is disabled or not an API key: check accessKeyId in Access management > API keys",
);
const MALFORMED_AUTH: Class = class(
    ErrorKind::Credentials,
    Field::None,
    "Tencent Cloud could not read the Authorization header (a proxy may have changed it)",
);
const TOKEN: Class = class(
    ErrorKind::Credentials,
    Field::Named("securityToken"),
    "Tencent Cloud refused the token of the temporary credentials (expired or not theirs): get fresh temporary credentials",
);
const PERMISSION: Class = class(
    ErrorKind::Credentials,
    Field::Named("accessKeyId"),
    "the CAM user of this API key may not send SMS: grant it QcloudSMSFullAccess or a policy allowing sms:SendSms",
);
const APP_ID: Class = class(
    ErrorKind::InvalidConfig,
    Field::Named("sdkAppId"),
    "Tencent Cloud does not know this SDK App ID for the API key's account: check sdkAppId in SMS console > Application management",
);
const REGION: Class = class(
    ErrorKind::InvalidConfig,
    Field::Named("region"),
    "Tencent Cloud SMS does not serve this region: set region to one it does, e.g. ap-guangzhou",
);
const SIGN_NAME: Class = class(
    ErrorKind::InvalidConfig,
    Field::Named("signName"),
    "Tencent Cloud refused the signature: signName must be the content (not the ID) of an approved signature of this SDK App ID (2 to 12 Chinese characters, letters or digits)",
);
const TEMPLATE: Class = class(
    ErrorKind::InvalidConfig,
    Field::Template,
    "Tencent Cloud refused the template: check the template ID against the approved templates of this SDK App ID in the SMS console",
);
const TEMPLATE_REGION: Class = class(
    ErrorKind::InvalidConfig,
    Field::Template,
    "this template cannot be sent to this number: mainland China templates go to mainland numbers only and international templates to the others; give templateCode as {\"china\": ..., \"overseas\": ...}",
);
const PARAMS: Class = class(
    ErrorKind::InvalidRequest,
    Field::Named("TemplateParamSet"),
    "Tencent Cloud refused the template parameters: their number must match the template's variables, and verification-code templates take at most 6 digits each",
);
const BAD_NUMBER: Class = class(
    ErrorKind::InvalidRequest,
    Field::Named("PhoneNumberSet"),
    "Tencent Cloud refused the phone number (not a valid E.164 number)",
);
const OPTED_OUT: Class = class(
    ErrorKind::Rejected,
    Field::Named("PhoneNumberSet"),
    "the number is on the do-not-disturb list (the user opted out, or the carrier blocks it): messages to it are refused",
);
const CONTENT: Class = class(
    ErrorKind::Rejected,
    Field::None,
    "Tencent Cloud refused the message's content (too long, a sensitive word, a URL in a parameter)",
);
const COUNTRY: Class = class(
    ErrorKind::Rejected,
    Field::None,
    "Tencent Cloud does not send to this country or region for this application: allow it in SMS console > Application management > Basic configuration",
);
const SOURCE_IP: Class = class(
    ErrorKind::Rejected,
    Field::None,
    "Tencent Cloud refused the request's source IP address, which is not on the application's allow list",
);
const MALFORMED: Class = class(
    ErrorKind::Rejected,
    Field::None,
    "Tencent Cloud could not process the request as it was sent (a request this connector should not make: report it)",
);
const ACCOUNT: Class = class(
    ErrorKind::Account,
    Field::None,
    "the SMS application or account cannot send (disabled, or without the permission): the account owner must act in the console or ask Tencent Cloud",
);
const QUOTA: Class = class(
    ErrorKind::QuotaExceeded,
    Field::None,
    "the application's daily sending quota, set in the SMS console, is used up: raise it there or wait for the next day",
);
const BALANCE: Class = class(
    ErrorKind::QuotaExceeded,
    Field::None,
    "the SMS package balance is used up, or the account is in arrears: the account owner must buy a package or top it up",
);
const SENDING_RATE: Class = class(
    ErrorKind::RateLimited,
    Field::None,
    "Tencent Cloud's sending rate limit was reached; try again later",
);
const UNKNOWN_OUTCOME: Class = class(
    ErrorKind::OutcomeUnknown,
    Field::None,
    "Tencent Cloud failed while sending: the message may or may not have been sent; check delivery (PullSmsSendStatusByPhoneNumber) before sending it again",
);

/// Tencent Cloud's error codes: the common ones and SMS's, as documented. A code ending in `.`
/// matches every code with that prefix (and the prefix alone), after the exact codes.
pub(crate) const CODES: &[(&str, Class)] = &[
    // The API call's frequency: refused before processing.
    ("RequestLimitExceeded", THROTTLED),
    ("RequestLimitExceeded.UinLimitExceeded", THROTTLED),
    (
        "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
        THROTTLED,
    ),
    ("RequestLimitExceeded.IPLimitExceeded", THROTTLED),
    // Credentials, signature, clock.
    ("AuthFailure.SignatureFailure", SIGNATURE),
    ("InternalError.SigVerificationFail", SIGNATURE),
    ("AuthFailure.SignatureExpire", CLOCK),
    ("InternalError.RequestTimeException", CLOCK),
    ("AuthFailure.SecretIdNotFound", SECRET_ID),
    ("AuthFailure.InvalidSecretId", SECRET_ID),
    ("AuthFailure.InvalidAuthorization", MALFORMED_AUTH),
    ("AuthFailure.TokenFailure", TOKEN),
    ("AuthFailure.UnauthorizedOperation", PERMISSION),
    ("AuthFailure.MFAFailure", PERMISSION),
    ("UnauthorizedOperation", PERMISSION),
    ("UnauthorizedOperation.RequestPermissionDeny", PERMISSION),
    // The application and the account.
    ("InvalidParameterValue.SdkAppIdNotExist", APP_ID),
    ("UnauthorizedOperation.SmsSdkAppIdVerifyFail", APP_ID),
    ("InvalidParameter.AppidAndBizId", APP_ID),
    ("UnsupportedRegion", REGION),
    ("UnauthorizedOperation.SdkAppIdIsDisabled", ACCOUNT),
    (
        "UnauthorizedOperation.IndividualUserMarketingSmsPermissionDeny",
        ACCOUNT,
    ),
    ("UnauthorizedOperation.RequestIpNotInWhitelist", SOURCE_IP),
    ("IpInBlacklist", SOURCE_IP),
    ("IpNotInWhitelist", SOURCE_IP),
    // Signature name and templates.
    ("FailedOperation.SignatureIncorrectOrUnapproved", SIGN_NAME),
    ("FailedOperation.MissingSignatureList", SIGN_NAME),
    ("FailedOperation.TemplateIncorrectOrUnapproved", TEMPLATE),
    ("FailedOperation.TemplateUnapprovedOrNotExist", TEMPLATE),
    ("FailedOperation.MissingTemplateList", TEMPLATE),
    (
        "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone",
        TEMPLATE_REGION,
    ),
    (
        "UnsupportedOperation.GlobalTemplateToChineseMainlandPhone",
        TEMPLATE_REGION,
    ),
    (
        "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
        TEMPLATE_REGION,
    ),
    (
        "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
        PARAMS,
    ),
    ("InvalidParameterValue.TemplateParameterFormatError", PARAMS),
    ("InvalidParameterValue.TemplateParameterLengthLimit", PARAMS),
    (
        "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
        CONTENT,
    ),
    ("InvalidParameterValue.ContentLengthLimit", CONTENT),
    ("FailedOperation.ContainSensitiveWord", CONTENT),
    ("InvalidParameter.DirtyWordFound", CONTENT),
    // The number.
    ("InvalidParameterValue.IncorrectPhoneNumber", BAD_NUMBER),
    ("FailedOperation.PhoneNumberParseFail", BAD_NUMBER),
    ("MissingParameter.EmptyPhoneNumberSet", BAD_NUMBER),
    ("LimitExceeded.PhoneNumberCountLimit", BAD_NUMBER),
    ("FailedOperation.PhoneNumberInBlacklist", OPTED_OUT),
    ("LimitExceeded.AppCountryOrRegionInBlacklist", COUNTRY),
    ("UnsupportedOperation.UnsupportedRegion", COUNTRY),
    // Per-number frequency limits: this number, for a while.
    (
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        per_number(
            Window::Seconds(30),
            "the number's 30-second sending limit (set in the SMS console) was reached; do not send to it again for 30 s",
        ),
    ),
    (
        "LimitExceeded.PhoneNumberOneHourLimit",
        per_number(
            Window::Seconds(3600),
            "the number's hourly sending limit (set in the SMS console) was reached; do not send to it again within the hour",
        ),
    ),
    (
        "LimitExceeded.PhoneNumberDailyLimit",
        per_number(
            Window::NextChinaDay,
            "the number's daily sending limit (set in the SMS console) was reached; do not send to it again before the next day (China time)",
        ),
    ),
    (
        "LimitExceeded.PhoneNumberSameContentDailyLimit",
        per_number(
            Window::NextChinaDay,
            "the number got the same content too often today; do not send it again before the next day (China time)",
        ),
    ),
    (
        "LimitExceeded.DeliveryFrequencyLimit",
        per_number(
            Window::None,
            "the sending frequency policy set in the SMS console was hit for this number; try again later",
        ),
    ),
    ("LimitExceeded.GlobalSmsSendingRateLimit", SENDING_RATE),
    (
        "FailedOperation.MarketingSendTimeConstraint",
        per_number(
            Window::None,
            "marketing messages may only be sent from 08:00 to 22:00 (China time); try again then",
        ),
    ),
    // Quotas and money: nothing goes out until someone acts or the day ends.
    ("LimitExceeded.AppDailyLimit", QUOTA),
    ("LimitExceeded.AppMainlandChinaDailyLimit", QUOTA),
    ("LimitExceeded.AppGlobalDailyLimit", QUOTA),
    ("LimitExceeded.AppCountryOrRegionDailyLimit", QUOTA),
    ("LimitExceeded.DailyLimit", QUOTA),
    ("LimitExceeded", QUOTA),
    ("FailedOperation.InsufficientBalanceInSmsPackage", BALANCE),
    ("UnauthorizedOperation.ServiceSuspendDueToArrears", BALANCE),
    // Tencent failed while sending: it may have gone out.
    ("InternalError", UNKNOWN_OUTCOME),
    ("InternalError.Timeout", UNKNOWN_OUTCOME),
    ("InternalError.SendAndRecvFail", UNKNOWN_OUTCOME),
    ("InternalError.ParseBackendResponseFail", UNKNOWN_OUTCOME),
    ("InternalError.OtherError", UNKNOWN_OUTCOME),
    ("InternalError.UnknownError", UNKNOWN_OUTCOME),
    ("FailedOperation.OtherError", UNKNOWN_OUTCOME),
    ("FailedOperation.ParametersOtherError", UNKNOWN_OUTCOME),
    ("ServiceUnavailable", UNKNOWN_OUTCOME),
    // Requests this connector does not make.
    ("InternalError.SigFieldMissing", MALFORMED),
    ("InternalError.JsonParseFail", MALFORMED),
    ("InternalError.RestApiInterfaceNotExist", MALFORMED),
    ("FailedOperation.JsonParseFail", MALFORMED),
    ("FailedOperation.FailResolvePacket", MALFORMED),
    ("InvalidAction", MALFORMED),
    ("InvalidParameter", MALFORMED),
    ("InvalidParameterValue", MALFORMED),
    ("MissingParameter", MALFORMED),
    ("UnknownParameter", MALFORMED),
    ("NoSuchVersion", MALFORMED),
    ("UnsupportedProtocol", MALFORMED),
    ("RequestSizeLimitExceeded", MALFORMED),
    ("InvalidRequest", MALFORMED),
    // By prefix, for codes Tencent adds later.
    ("AuthFailure.", AUTH),
    ("RequestLimitExceeded.", THROTTLED),
    ("InternalError.", UNKNOWN_OUTCOME),
    ("InvalidParameter.", MALFORMED),
    ("InvalidParameterValue.", MALFORMED),
    ("MissingParameter.", MALFORMED),
    ("UnauthorizedOperation.", PERMISSION),
    (
        "LimitExceeded.",
        per_number(
            Window::None,
            "a Tencent Cloud sending limit was reached; try again later",
        ),
    ),
];

/// The class of an error code at an HTTP status; unknown codes by status (5xx: outcome
/// unknown; anything else: refused).
pub(crate) fn class_of(code: &str, status: u16) -> Class {
    let exact = CODES
        .iter()
        .find(|(pattern, _)| *pattern == code && !pattern.ends_with('.'));
    let prefixed = || {
        CODES.iter().find(|(pattern, _)| {
            pattern.ends_with('.') && code.starts_with(pattern) && code.len() > pattern.len()
        })
    };
    match exact.or_else(prefixed) {
        Some((_, class)) => *class,
        None if status >= 500 => UNKNOWN_OUTCOME,
        None => class(
            ErrorKind::Rejected,
            Field::None,
            "Tencent Cloud refused the message with a code this connector does not know",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_whole_segments_after_the_exact_codes() {
        assert_eq!(class_of("AuthFailure.Whatever", 200), AUTH);
        assert_eq!(class_of("AuthFailure.SecretIdNotFound", 200), SECRET_ID);
        assert_eq!(class_of("AuthFailure.", 200).kind, ErrorKind::Rejected);
        assert_eq!(class_of("AuthFailureX", 200).kind, ErrorKind::Rejected);
        assert_eq!(class_of("Whatever", 503), UNKNOWN_OUTCOME);
    }

    #[test]
    fn daily_windows_end_at_midnight_china_time() {
        // 1700000000 is 2023-11-14 22:13:20 UTC, 06:13:20 on the 15th in China.
        let left = Window::NextChinaDay.duration(Some(1_700_000_000)).unwrap();
        assert_eq!(
            left,
            Duration::from_secs(24 * 3600 - (6 * 3600 + 13 * 60 + 20))
        );
        assert_eq!(
            Window::NextChinaDay.duration(None),
            Some(Duration::from_secs(86_400))
        );
        assert_eq!(Window::None.duration(Some(1)), None);
    }

    #[test]
    fn no_code_is_listed_twice() {
        for (i, (code, _)) in CODES.iter().enumerate() {
            assert!(
                !CODES[..i].iter().any(|(other, _)| other == code),
                "{code} is listed twice"
            );
        }
    }
}
