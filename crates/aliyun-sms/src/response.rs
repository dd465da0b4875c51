//! Reading Aliyun's answer: HTTP status + body bytes → [`Receipt`] or a classified
//! [`ConnectorError`]. Pure: no I/O, tested without a server.
//!
//! Aliyun answers business errors with HTTP 200 and gateway errors (signature, credentials,
//! throttling) with 4xx/5xx, all with the same JSON shape `{Code, Message, RequestId, BizId}`,
//! so the body is parsed on every status. Each error code of Aliyun's table maps to an
//! [`ErrorKind`] and the two flags that decide what a caller may do: `retryable` (Aliyun refused
//! the request before processing it, so it can be sent again without sending a code twice) and
//! `outcome_unknown` (the message may have gone out: never resend it blindly).

use std::borrow::Cow;
use std::time::Duration;

use connector_kit::{ConnectorError, ErrorKind, Receipt};
use serde::Deserialize;

use crate::diagnose;
use crate::secret::Redactor;

/// The most body bytes read from an answer; a longer body is not read whole.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The most body bytes kept in an [`ErrorKind::InvalidResponse`] error.
pub use connector_http::SNIPPET_BYTES;

/// What the classifier may know about the request beyond the answer itself.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ClassifyContext<'a> {
    /// The string-to-sign of the request, to explain a `SignatureDoesNotMatch`.
    pub(crate) string_to_sign: Option<&'a str>,
    /// The config path of the template code used (`templates[2].templateCode.china`), named by
    /// template errors.
    pub(crate) template_field: Option<&'a str>,
    /// Secrets to cut from any text kept from the answer.
    pub(crate) redactor: Option<&'a Redactor>,
}

/// Classifies a SendSms answer (HTTP status + body) into a receipt or a typed error. Pure: no
/// I/O.
///
/// Only a 2xx whose body is Aliyun's JSON with `"Code":"OK"` is a success. Aliyun's error
/// codes map to an [`ErrorKind`] and the two flags that decide what a caller may do:
/// `retryable` (refused before processing: safe to send again) and `outcome_unknown` (the
/// message may have gone out: never resend it blindly). A body longer than [`MAX_BODY_BYTES`]
/// is refused without being parsed; at most [`SNIPPET_BYTES`] of a body that is not Aliyun's
/// JSON are kept in the error.
///
/// ```
/// use aliyun_sms::classify;
/// use connector_kit::ErrorKind;
///
/// let receipt = classify(200, br#"{"Code":"OK","Message":"OK","BizId":"9006197469364984","RequestId":"F655A8D5"}"#).unwrap();
/// assert_eq!(receipt.message_id.as_deref(), Some("9006197469364984"));
///
/// let err = classify(400, br#"{"Code":"Throttling.User","Message":"Request was denied due to user flow control.","RequestId":"A1"}"#).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::RateLimited);
/// assert!(err.is_retryable());
///
/// // Not a 2xx: never a success, whatever the body says.
/// let err = classify(307, br#"{"Code":"OK","BizId":"1"}"#).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidResponse);
/// assert!(!err.outcome_unknown(), "a redirect refused the request");
///
/// let err = classify(502, b"<html>Bad Gateway</html>").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidResponse);
/// assert!(err.outcome_unknown(), "a 5xx may have come after the message went out");
/// ```
pub fn classify(status: u16, body: &[u8]) -> Result<Receipt, ConnectorError> {
    classify_with(status, body, &ClassifyContext::default())
}

/// [`classify`] with what the connector knows of the request. `body` may be cut short by the
/// reader: a body longer than [`MAX_BODY_BYTES`] is refused without being parsed.
pub(crate) fn classify_with(
    status: u16,
    body: &[u8],
    context: &ClassifyContext<'_>,
) -> Result<Receipt, ConnectorError> {
    let redact = |text: &str| -> String {
        match context.redactor {
            Some(redactor) => redactor.redact(text).into_owned(),
            None => text.to_owned(),
        }
    };
    if body.len() > MAX_BODY_BYTES {
        return Err(connector_http::invalid_answer(
            status,
            body,
            &format!("the answer is larger than {} KiB", MAX_BODY_BYTES / 1024),
            context.redactor,
        ));
    }
    // Only an object: serde would also read a struct from a JSON array.
    let is_object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let parsed = if is_object {
        serde_json::from_slice::<Answer<'_>>(body).ok()
    } else {
        None
    };
    let answer = match parsed {
        Some(answer) => answer,
        None if body.iter().all(u8::is_ascii_whitespace) => {
            return Err(connector_http::invalid_answer(
                status,
                body,
                "the answer is empty",
                context.redactor,
            ));
        }
        None => {
            return Err(connector_http::invalid_answer(
                status,
                body,
                "the answer is not Aliyun's JSON",
                context.redactor,
            ));
        }
    };
    let Some(code) = answer.code.as_deref() else {
        return Err(connector_http::invalid_answer(
            status,
            body,
            "the answer has no Code",
            context.redactor,
        ));
    };
    if code == "OK" && !(200..300).contains(&status) {
        let what = format!("the answer says OK, but with HTTP status {status}");
        return Err(connector_http::invalid_answer(
            status,
            body,
            &what,
            context.redactor,
        ));
    }
    if code == "OK" {
        let mut receipt = Receipt::new();
        receipt.message_id = answer.biz_id.map(Cow::into_owned);
        receipt.request_id = answer.request_id.map(Cow::into_owned);
        return Ok(receipt);
    }

    let aliyun_message = answer.message.as_deref().unwrap_or("");
    let class = class_of(code, status);
    let message = match class.special {
        Special::SignatureMismatch => redact(&diagnose::signature_mismatch(
            aliyun_message,
            context.string_to_sign,
        )),
        _ if aliyun_message.is_empty() => class.advice.to_owned(),
        _ => format!("{}. Aliyun said: {}", class.advice, redact(aliyun_message)),
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
    if let Some(window) = match class.special {
        Special::LimitWindow => limit_window(aliyun_message),
        _ => None,
    } {
        error = error.with_retry_after(window);
    }
    if let Some(field) = field {
        error = error.with_field(field);
    }
    if let Some(request_id) = answer.request_id {
        error = error.with_request_id(request_id);
    }
    Err(error)
}

/// Aliyun's answer; every other key is ignored.
#[derive(Deserialize)]
struct Answer<'a> {
    #[serde(rename = "Code", default, borrow)]
    code: Option<Cow<'a, str>>,
    #[serde(rename = "Message", default, borrow)]
    message: Option<Cow<'a, str>>,
    #[serde(rename = "BizId", default, borrow)]
    biz_id: Option<Cow<'a, str>>,
    #[serde(rename = "RequestId", default, borrow)]
    request_id: Option<Cow<'a, str>>,
}

/// How one error code is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Class {
    pub kind: ErrorKind,
    pub retryable: bool,
    pub outcome_unknown: bool,
    pub field: Field,
    pub special: Special,
    /// What it means and what to do, for people.
    pub advice: &'static str,
}

/// The field an error names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    None,
    /// A config path or a SendSms parameter name.
    Named(&'static str),
    /// The config path of the template code used.
    Template,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Special {
    None,
    SignatureMismatch,
    /// The message names the limit's window (`触发分钟级流控Permits:1`): the error's
    /// `retry_after`.
    LimitWindow,
}

/// The window of a per-number limit, from the words of Aliyun's message: minute-level
/// (`分钟级`), hour-level (`小时级`) or day-level (`天级`/`日级`, a rolling 24 hours) flow
/// control, in Chinese or English. `None` when it names none.
pub(crate) fn limit_window(message: &str) -> Option<Duration> {
    const WINDOWS: [(&[&str], u64); 3] = [
        (&["分钟级", "minute"], 60),
        (&["小时级", "hour"], 3600),
        (&["天级", "日级", "day"], 24 * 3600),
    ];
    let lower = message.to_ascii_lowercase();
    WINDOWS
        .iter()
        .find(|(words, _)| words.iter().any(|w| lower.contains(w)))
        .map(|(_, seconds)| Duration::from_secs(*seconds))
}

const fn class(kind: ErrorKind, field: Field, advice: &'static str) -> Class {
    Class {
        kind,
        retryable: false,
        outcome_unknown: matches!(kind, ErrorKind::OutcomeUnknown),
        field,
        special: Special::None,
        advice,
    }
}

const THROTTLED: Class = Class {
    retryable: true,
    ..class(
        ErrorKind::RateLimited,
        Field::None,
        "Aliyun throttled the request before processing it (API rate over quota); it is safe to send again after a pause",
    )
};
const NONCE_USED: Class = Class {
    retryable: true,
    ..class(
        ErrorKind::Rejected,
        Field::None,
        "Aliyun refused a reused signature nonce before processing the request; it is safe to send again with a fresh nonce",
    )
};
const CLOCK: Class = class(
    ErrorKind::Credentials,
    Field::None,
    "Aliyun refused the request timestamp: check the clock of this machine (it must be within 15 minutes of UTC, e.g. run NTP)",
);
const SIGNATURE: Class = Class {
    special: Special::SignatureMismatch,
    ..class(
        ErrorKind::Credentials,
        Field::Named("accessKeySecret"),
        "the signature does not match",
    )
};
const ACCESS_KEY: Class = class(
    ErrorKind::Credentials,
    Field::Named("accessKeyId"),
    "Aliyun does not know this AccessKey ID or it is disabled: check accessKeyId in the RAM console",
);
const SECURITY_TOKEN: Class = class(
    ErrorKind::Credentials,
    Field::Named("securityToken"),
    "Aliyun refused the STS security token (expired or malformed): get fresh STS credentials",
);
const PERMISSION: Class = class(
    ErrorKind::Credentials,
    Field::Named("accessKeyId"),
    "the RAM user of this AccessKey may not send SMS: grant it AliyunDysmsFullAccess or a policy allowing dysms:SendSms",
);
const NUMBER_LIMIT: Class = Class {
    special: Special::LimitWindow,
    ..class(
        ErrorKind::RateLimited,
        Field::None,
        "Aliyun's per-number sending limit was reached; do not retry now (default limits per number: 1 a minute, 5 an hour, 10 a day)",
    )
};
const QUOTA: Class = class(
    ErrorKind::QuotaExceeded,
    Field::None,
    "the account's daily or monthly sending quota, set in the SMS console, is used up: raise it there or wait for the next day or month",
);
const BALANCE: Class = class(
    ErrorKind::QuotaExceeded,
    Field::None,
    "the Aliyun account's balance is used up (or its SMS service is stopped for arrears): the account owner must top it up",
);
const BAD_NUMBER: Class = class(
    ErrorKind::InvalidRequest,
    Field::Named("PhoneNumbers"),
    "Aliyun refused the phone number",
);
const BAD_PARAMS: Class = class(
    ErrorKind::InvalidRequest,
    Field::Named("TemplateParam"),
    "Aliyun refused the template parameters: they must match the template's variables (verification-code templates take digits and letters only)",
);
const SIGN_NAME: Class = class(
    ErrorKind::InvalidConfig,
    Field::Named("signName"),
    "Aliyun refused the sign name: check signName against the approved signatures in the SMS console (verification-code scenario)",
);
const TEMPLATE: Class = class(
    ErrorKind::InvalidConfig,
    Field::Template,
    "Aliyun refused the template code: check it against the approved templates in the SMS console (mainland and international templates differ)",
);
const ACCOUNT: Class = class(
    ErrorKind::Account,
    Field::None,
    "the Aliyun account cannot send SMS (subscription or account state): the account owner must act in the console",
);
const REFUSED: Class = class(
    ErrorKind::Rejected,
    Field::None,
    "Aliyun refused the message for good (content, or the request's source address)",
);
const UNKNOWN_OUTCOME: Class = class(
    ErrorKind::OutcomeUnknown,
    Field::None,
    "Aliyun failed internally: the message may or may not have been sent; check delivery (QuerySendDetails) before sending again",
);

/// Aliyun's error codes. A code ending in `.` matches every code with that prefix, and the prefix
/// without the dot.
pub(crate) const CODES: &[(&str, Class)] = &[
    ("Throttling.", THROTTLED),
    ("SignatureNonceUsed", NONCE_USED),
    ("InvalidTimeStamp.", CLOCK),
    ("SignatureDoesNotMatch", SIGNATURE),
    ("IncompleteSignature", SIGNATURE),
    ("InvalidAccessKeyId.", ACCESS_KEY),
    ("InvalidSecurityToken.", SECURITY_TOKEN),
    ("Forbidden.RAM", PERMISSION),
    ("isp.RAM_PERMISSION_DENY", PERMISSION),
    ("isv.BUSINESS_LIMIT_CONTROL", NUMBER_LIMIT),
    ("isv.DAY_LIMIT_CONTROL", QUOTA),
    ("isv.MONTH_LIMIT_CONTROL", QUOTA),
    ("isv.MOBILE_NUMBER_ILLEGAL", BAD_NUMBER),
    ("isv.MOBILE_COUNT_OVER_LIMIT", BAD_NUMBER),
    ("isv.DOMESTIC_NUMBER_NOT_SUPPORTED", BAD_NUMBER),
    ("isv.TEMPLATE_MISSING_PARAMETERS", BAD_PARAMS),
    ("isv.INVALID_JSON_PARAM", BAD_PARAMS),
    ("isv.PARAM_LENGTH_LIMIT", BAD_PARAMS),
    ("isv.PARAM_NOT_SUPPORT_URL", BAD_PARAMS),
    ("isv.TEMPLATE_PARAMS_ILLEGAL", BAD_PARAMS),
    ("isv.INVALID_PARAMETERS", BAD_PARAMS),
    ("isv.SMS_SIGNATURE_ILLEGAL", SIGN_NAME),
    ("isv.SIGN_STATE_ILLEGAL", SIGN_NAME),
    ("isv.SMS_SIGNATURE_SCENE_ILLEGAL", SIGN_NAME),
    ("isv.EXTEND_CODE_ERROR", SIGN_NAME),
    ("isv.SMS_TEMPLATE_ILLEGAL", TEMPLATE),
    ("isv.AMOUNT_NOT_ENOUGH", BALANCE),
    ("isv.OUT_OF_SERVICE", BALANCE),
    ("isv.PRODUCT_UN_SUBSCRIPT", ACCOUNT),
    ("isv.PRODUCT_UNSUBSCRIBE", ACCOUNT),
    ("isv.ACCOUNT_NOT_EXISTS", ACCOUNT),
    ("isv.ACCOUNT_ABNORMAL", ACCOUNT),
    ("isv.BLACK_KEY_CONTROL_LIMIT", REFUSED),
    ("isv.SMS_CONTENT_ILLEGAL", REFUSED),
    ("isv.DENY_IP_RANGE", REFUSED),
    ("isp.SYSTEM_ERROR", UNKNOWN_OUTCOME),
    ("InternalError", UNKNOWN_OUTCOME),
    ("ServiceUnavailable", UNKNOWN_OUTCOME),
];

/// The class of an error code at an HTTP status; unknown codes by status (5xx: outcome
/// unknown; anything else: refused).
pub(crate) fn class_of(code: &str, status: u16) -> Class {
    let known = CODES
        .iter()
        .find(|(pattern, _)| match pattern.strip_suffix('.') {
            Some(prefix) => {
                code == prefix || (code.starts_with(pattern) && code.len() > pattern.len())
            }
            None => code == *pattern,
        });
    match known {
        Some((_, class)) => *class,
        None if status >= 500 => UNKNOWN_OUTCOME,
        None => class(
            ErrorKind::Rejected,
            Field::None,
            "Aliyun refused the request with a code this connector does not know",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Redactor;

    fn body(code: &str, message: &str) -> Vec<u8> {
        serde_json::json!({"Code": code, "Message": message, "RequestId": "8E4A4C2F-REQ"})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn template_errors_name_the_template_used() {
        let context = ClassifyContext {
            template_field: Some("templates[1].templateCode.overseas"),
            ..Default::default()
        };
        let err = classify_with(200, &body("isv.SMS_TEMPLATE_ILLEGAL", "x"), &context).unwrap_err();
        assert_eq!(err.field(), Some("templates[1].templateCode.overseas"));
    }

    #[test]
    fn the_snippet_is_at_most_512_bytes_cut_at_a_character_boundary() {
        let html = format!("<html>{}</html>", "错误".repeat(300));
        let cut = connector_http::snippet(html.as_bytes());
        assert!(
            cut.len() <= SNIPPET_BYTES && cut.len() >= SNIPPET_BYTES - 3,
            "{}",
            cut.len()
        );
        assert!(!cut.contains('\u{fffd}'));
        assert!(html.starts_with(cut.as_ref()));
        let err = classify(502, html.as_bytes()).unwrap_err();
        assert!(err.message().contains(&format!("{cut:?}")));
    }

    fn string_to_sign(params: &[(&str, &str)]) -> String {
        let cqs = aliyun_sign::rpc::canonicalized_query_string(params);
        aliyun_sign::rpc::string_to_sign("POST", &cqs)
    }

    #[test]
    fn signature_mismatch_says_whether_the_secret_or_the_request_is_wrong() {
        let ours = string_to_sign(&[
            ("AccessKeyId", "testid"),
            ("PhoneNumbers", "8613800138000"),
            ("SecurityToken", "CanaryToken77"),
            ("SignName", "Logto"),
            ("TemplateCode", "SMS_1"),
        ]);
        let redactor = Redactor::new(["CanaryToken77"]);
        let context = ClassifyContext {
            string_to_sign: Some(&ours),
            template_field: None,
            redactor: Some(&redactor),
        };
        let answer = |server: &str| {
            body(
                "SignatureDoesNotMatch",
                &format!(
                    "Specified signature is not matched with our calculation. server string to sign is:{server}"
                ),
            )
        };

        let err = classify_with(400, &answer(&ours), &context).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Credentials);
        assert_eq!(err.field(), Some("accessKeySecret"));
        assert!(
            err.message().contains("the AccessKey secret is wrong"),
            "{}",
            err.message()
        );
        assert!(!err.message().contains("CanaryToken77"));

        let changed = string_to_sign(&[
            ("AccessKeyId", "testid"),
            ("PhoneNumbers", "8613800138000"),
            ("SecurityToken", "CanaryToken77"),
            ("SignName", "Logto Ltd"),
            ("X-Forwarded", "1"),
        ]);
        let err = classify_with(400, &answer(&changed), &context).unwrap_err();
        let message = err.message();
        assert!(message.contains("changed it on the way"), "{message}");
        assert!(
            message.contains("changed: SignName (ours `Logto`, Aliyun's `Logto Ltd`)"),
            "{message}"
        );
        assert!(
            message.contains("missing at Aliyun: TemplateCode"),
            "{message}"
        );
        assert!(
            message.contains("added on the way: X-Forwarded"),
            "{message}"
        );
        assert!(
            !message.contains("CanaryToken77") && !message.contains("13800138000"),
            "{message}"
        );
        assert_eq!(err.request_id(), Some("8E4A4C2F-REQ"));
    }

    #[test]
    fn text_kept_from_an_answer_is_redacted() {
        let redactor = Redactor::new(["Canary/Secret+1"]);
        let context = ClassifyContext {
            redactor: Some(&redactor),
            ..Default::default()
        };
        let echo = b"<html>you sent AccessKeySecret=Canary%2FSecret%2B1 and Canary/Secret+1</html>";
        let err = classify_with(502, echo, &context).unwrap_err();
        assert!(!err.message().contains("Canary"), "{}", err.message());
        assert!(err.message().contains("** redacted **"));
        let err = classify_with(
            200,
            &body("isv.INVALID_PARAMETERS", "bad Canary/Secret+1"),
            &context,
        )
        .unwrap_err();
        assert!(!err.message().contains("Canary"), "{}", err.message());
    }

    /// What the fuzz target `response_classifier` checked before the context went
    /// crate-private: whatever an answer says, and however it encodes the secret or the token,
    /// no error message keeps them.
    #[test]
    fn no_text_kept_from_any_answer_holds_a_secret() {
        use aliyun_sign::encode::percent_encode;
        use proptest::prelude::*;
        const SECRET: &str = "Kx9Secret/Canary+42";
        const TOKEN: &str = "Kx9TokenCanary77";
        let redactor = Redactor::new([SECRET, TOKEN]);
        let context = ClassifyContext {
            string_to_sign: Some("POST&%2F&AccessKeyId%3Dtestid"),
            template_field: Some("templates[3].templateCode.china"),
            redactor: Some(&redactor),
        };
        let needles: Vec<String> = [SECRET, TOKEN]
            .into_iter()
            .flat_map(|s| {
                [
                    s.to_owned(),
                    percent_encode(s),
                    percent_encode(&percent_encode(s)),
                ]
            })
            .collect();
        let codes = [
            "isv.INVALID_PARAMETERS",
            "SignatureDoesNotMatch",
            "Throttling.User",
            "NoSuchCode",
            "OK",
        ];
        proptest!(ProptestConfig::with_cases(512), |(
            status in 100u16..600,
            before in "\\PC{0,40}",
            after in "\\PC{0,40}",
            which in 0..needles.len(),
            code in prop::option::of(0..codes.len()),
            marker in any::<bool>(),
        )| {
            let marker = if marker { "server string to sign is:" } else { "" };
            let text = format!("{before}{marker}{}{after}", needles[which]);
            let body = match code {
                Some(code) => serde_json::json!({"Code": codes[code], "Message": text}).to_string(),
                None => text,
            };
            if let Err(error) = classify_with(status, body.as_bytes(), &context) {
                prop_assert!(!error.message().contains("Canary"), "{}", error.message());
            }
        });
    }

    #[test]
    fn limit_windows_come_from_the_message() {
        for (message, seconds) in [
            ("触发分钟级流控Permits:1", Some(60)),
            ("触发小时级流控Permits:5", Some(3600)),
            ("触发天级流控Permits:10", Some(86_400)),
            ("触发日级流控Permits:40", Some(86_400)),
            ("Triggered minute-level flow control Permits:1", Some(60)),
            ("Triggered Hour-level flow control", Some(3600)),
            ("触发流控", None),
            ("", None),
        ] {
            assert_eq!(
                limit_window(message),
                seconds.map(Duration::from_secs),
                "{message}"
            );
        }
    }

    #[test]
    fn prefixes_match_whole_segments() {
        assert_eq!(class_of("Throttling", 400), THROTTLED);
        assert_eq!(class_of("Throttling.User", 400), THROTTLED);
        assert_eq!(class_of("Throttling.", 400).kind, ErrorKind::Rejected);
        assert_eq!(class_of("ThrottlingX", 400).kind, ErrorKind::Rejected);
        assert_eq!(class_of("Whatever", 503), UNKNOWN_OUTCOME);
    }
}
