//! The pure response classifier over Aliyun's whole error table and every malformed answer.

//! (The classifier with what the connector knows of the request, its snippet and redaction:
//! unit tests in `src/response.rs`.)

use aliyun_sms::{MAX_BODY_BYTES, SNIPPET_BYTES, classify};
use connector_kit::{ErrorKind, Receipt};
use serde_json::json;

fn body(code: &str, message: &str) -> Vec<u8> {
    json!({"Code": code, "Message": message, "RequestId": "8E4A4C2F-REQ"})
        .to_string()
        .into_bytes()
}

#[test]
fn ok_gives_a_receipt_on_a_2xx_with_json() {
    let receipt = classify(
        200,
        br#"{"Message":"OK","RequestId":"F655A8D5","Code":"OK","BizId":"900619746936498440^0"}"#,
    )
    .unwrap();
    assert_eq!(
        receipt,
        Receipt::new()
            .with_message_id("900619746936498440^0")
            .with_request_id("F655A8D5")
    );
    let receipt = classify(200, br#"{"Code":"OK","Extra":[1,2,{"a":null}]}"#).unwrap();
    assert_eq!(receipt, Receipt::default());
    // Escaped JSON strings are unescaped.
    let receipt = classify(200, br#"{"Code":"OK","BizId":"a\"b\u00e9"}"#).unwrap();
    assert_eq!(receipt.message_id.as_deref(), Some("a\"bé"));
}

#[test]
fn an_answer_that_is_not_2xx_is_never_a_success_whatever_its_body_says() {
    let ok = br#"{"Code":"OK","Message":"OK","BizId":"900619746936498440","RequestId":"R-1"}"#;
    assert!(classify(201, ok).is_ok(), "any 2xx");
    for (status, outcome_unknown) in [
        (100, false),
        (301, false),
        (302, false),
        (307, false),
        (308, false),
        (400, false),
        (404, false),
        (500, true),
        (502, true),
    ] {
        let err = classify(status, ok).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{status}: {err}");
        assert_eq!(err.http_status(), Some(status));
        assert_eq!(err.outcome_unknown(), outcome_unknown, "{status}: {err}");
        assert!(!err.is_retryable(), "{status}: {err}");
        assert!(
            err.message().contains(&format!(
                "the answer says OK, but with HTTP status {status}"
            )),
            "{err}"
        );
    }
}

use ErrorKind::*;

/// (code, HTTP status, kind, retryable, outcome unknown, field).
type Row = (
    &'static str,
    u16,
    ErrorKind,
    bool,
    bool,
    Option<&'static str>,
);

/// Every code of `shared/reference/aliyun-api.md`'s table, plus a few more, with the HTTP status
/// Aliyun uses.
const TABLE: &[Row] = &[
    ("Throttling.User", 400, RateLimited, true, false, None),
    ("Throttling.Api", 429, RateLimited, true, false, None),
    ("Throttling", 503, RateLimited, true, false, None),
    ("SignatureNonceUsed", 400, Rejected, true, false, None),
    (
        "InvalidTimeStamp.Expired",
        400,
        Credentials,
        false,
        false,
        None,
    ),
    (
        "InvalidTimeStamp.Format",
        400,
        Credentials,
        false,
        false,
        None,
    ),
    (
        "SignatureDoesNotMatch",
        400,
        Credentials,
        false,
        false,
        Some("accessKeySecret"),
    ),
    (
        "InvalidAccessKeyId.NotFound",
        404,
        Credentials,
        false,
        false,
        Some("accessKeyId"),
    ),
    (
        "InvalidAccessKeyId.Inactive",
        400,
        Credentials,
        false,
        false,
        Some("accessKeyId"),
    ),
    (
        "InvalidSecurityToken.Expired",
        400,
        Credentials,
        false,
        false,
        Some("securityToken"),
    ),
    (
        "Forbidden.RAM",
        403,
        Credentials,
        false,
        false,
        Some("accessKeyId"),
    ),
    (
        "isp.RAM_PERMISSION_DENY",
        200,
        Credentials,
        false,
        false,
        Some("accessKeyId"),
    ),
    (
        "isv.BUSINESS_LIMIT_CONTROL",
        200,
        RateLimited,
        false,
        false,
        None,
    ),
    (
        "isv.DAY_LIMIT_CONTROL",
        200,
        QuotaExceeded,
        false,
        false,
        None,
    ),
    (
        "isv.MONTH_LIMIT_CONTROL",
        200,
        QuotaExceeded,
        false,
        false,
        None,
    ),
    (
        "isv.MOBILE_NUMBER_ILLEGAL",
        200,
        InvalidRequest,
        false,
        false,
        Some("PhoneNumbers"),
    ),
    (
        "isv.MOBILE_COUNT_OVER_LIMIT",
        200,
        InvalidRequest,
        false,
        false,
        Some("PhoneNumbers"),
    ),
    (
        "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
        200,
        InvalidRequest,
        false,
        false,
        Some("PhoneNumbers"),
    ),
    (
        "isv.TEMPLATE_MISSING_PARAMETERS",
        200,
        InvalidRequest,
        false,
        false,
        Some("TemplateParam"),
    ),
    (
        "isv.INVALID_JSON_PARAM",
        200,
        InvalidRequest,
        false,
        false,
        Some("TemplateParam"),
    ),
    (
        "isv.PARAM_LENGTH_LIMIT",
        200,
        InvalidRequest,
        false,
        false,
        Some("TemplateParam"),
    ),
    (
        "isv.PARAM_NOT_SUPPORT_URL",
        200,
        InvalidRequest,
        false,
        false,
        Some("TemplateParam"),
    ),
    (
        "isv.TEMPLATE_PARAMS_ILLEGAL",
        200,
        InvalidRequest,
        false,
        false,
        Some("TemplateParam"),
    ),
    (
        "isv.INVALID_PARAMETERS",
        200,
        InvalidRequest,
        false,
        false,
        Some("TemplateParam"),
    ),
    (
        "isv.SMS_SIGNATURE_ILLEGAL",
        200,
        InvalidConfig,
        false,
        false,
        Some("signName"),
    ),
    (
        "isv.SIGN_STATE_ILLEGAL",
        200,
        InvalidConfig,
        false,
        false,
        Some("signName"),
    ),
    (
        "isv.SMS_SIGNATURE_SCENE_ILLEGAL",
        200,
        InvalidConfig,
        false,
        false,
        Some("signName"),
    ),
    (
        "isv.EXTEND_CODE_ERROR",
        200,
        InvalidConfig,
        false,
        false,
        Some("signName"),
    ),
    (
        "isv.SMS_TEMPLATE_ILLEGAL",
        200,
        InvalidConfig,
        false,
        false,
        Some("templates"),
    ),
    (
        "isv.AMOUNT_NOT_ENOUGH",
        200,
        QuotaExceeded,
        false,
        false,
        None,
    ),
    ("isv.OUT_OF_SERVICE", 200, QuotaExceeded, false, false, None),
    ("isv.PRODUCT_UN_SUBSCRIPT", 200, Account, false, false, None),
    ("isv.PRODUCT_UNSUBSCRIBE", 200, Account, false, false, None),
    ("isv.ACCOUNT_NOT_EXISTS", 200, Account, false, false, None),
    ("isv.ACCOUNT_ABNORMAL", 200, Account, false, false, None),
    (
        "isv.BLACK_KEY_CONTROL_LIMIT",
        200,
        Rejected,
        false,
        false,
        None,
    ),
    ("isv.SMS_CONTENT_ILLEGAL", 200, Rejected, false, false, None),
    ("isv.DENY_IP_RANGE", 200, Rejected, false, false, None),
    ("isp.SYSTEM_ERROR", 200, OutcomeUnknown, false, true, None),
    ("InternalError", 500, OutcomeUnknown, false, true, None),
    ("ServiceUnavailable", 503, OutcomeUnknown, false, true, None),
    // Codes this connector does not know: by status.
    ("isv.SOMETHING_NEW", 200, Rejected, false, false, None),
    ("Forbidden.Something", 403, Rejected, false, false, None),
    ("Gateway.Unknown", 502, OutcomeUnknown, false, true, None),
];

#[test]
fn every_code_of_the_table_maps_to_its_class() {
    for &(code, status, kind, retryable, unknown, field) in TABLE {
        let err = classify(status, &body(code, "what Aliyun said")).unwrap_err();
        assert_eq!(err.kind(), kind, "{code}");
        assert_eq!(err.is_retryable(), retryable, "{code} retryable");
        assert_eq!(err.outcome_unknown(), unknown, "{code} outcome unknown");
        assert_eq!(err.field(), field, "{code} field");
        assert_eq!(err.provider_code(), Some(code));
        assert_eq!(err.request_id(), Some("8E4A4C2F-REQ"), "{code}");
        assert_eq!(err.http_status(), Some(status), "{code}");
        if code != "SignatureDoesNotMatch" {
            assert!(
                err.message().ends_with("Aliyun said: what Aliyun said"),
                "{code}: {}",
                err.message()
            );
        }
        assert!(!err.message().is_empty());
    }
}

#[test]
fn advice_tells_what_to_do() {
    for (code, advice) in [
        ("InvalidTimeStamp.Expired", "check the clock"),
        ("Throttling.User", "safe to send again"),
        ("isv.BUSINESS_LIMIT_CONTROL", "do not retry now"),
        ("isv.SMS_TEMPLATE_ILLEGAL", "approved templates"),
        (
            "isp.SYSTEM_ERROR",
            "check delivery (QuerySendDetails) before sending again",
        ),
        ("Forbidden.RAM", "AliyunDysmsFullAccess"),
    ] {
        let err = classify(200, &body(code, "x")).unwrap_err();
        assert!(err.message().contains(advice), "{code}: {}", err.message());
    }
    let limited = classify(
        200,
        &body("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1"),
    )
    .unwrap_err();
    assert_eq!(
        logto_compat::LogtoErrorCode::of(&limited).as_str(),
        "rate_limit_exceeded"
    );
    assert!(limited.to_string().contains("触发分钟级流控Permits:1"));
    assert!(limited.to_string().ends_with(
        "(code isv.BUSINESS_LIMIT_CONTROL, HTTP 200, request id 8E4A4C2F-REQ, retry after 60s)"
    ));
    let quota = classify(200, &body("isv.DAY_LIMIT_CONTROL", "触发日发送限额")).unwrap_err();
    assert_eq!(
        logto_compat::LogtoErrorCode::of(&quota).as_str(),
        "usage_limit_exceeded"
    );
    let no_message = classify(200, br#"{"Code":"isv.OUT_OF_SERVICE"}"#).unwrap_err();
    assert!(!no_message.message().contains("Aliyun said"));
    assert_eq!(no_message.request_id(), None);
}

#[test]
fn answers_that_are_not_aliyuns_json() {
    // (status, body, part of the message, outcome unknown)
    let cases: &[(u16, &[u8], &str, bool)] = &[
        (
            200,
            b"<html>hello</html>",
            "not Aliyun's JSON; it starts with \"<html>hello</html>\"",
            true,
        ),
        (
            502,
            b"<html><body>Bad Gateway</body></html>",
            "not Aliyun's JSON",
            true,
        ),
        (503, b"", "the answer is empty", true),
        (500, b"  \n", "the answer is empty", true),
        (200, b"", "the answer is empty", true),
        (
            403,
            b"<html>Forbidden by proxy</html>",
            "not Aliyun's JSON",
            false,
        ),
        (404, b"Not Found", "not Aliyun's JSON", false),
        (302, b"", "the answer is empty", false),
        (
            200,
            br#"{"Code":"OK","BizId":"12"#,
            "not Aliyun's JSON",
            true,
        ),
        (200, br#"["Code","OK"]"#, "not Aliyun's JSON", true),
        (200, br#"{"Code":7}"#, "not Aliyun's JSON", true),
        (
            200,
            br#"{"Message":"OK","RequestId":"R1"}"#,
            "has no Code",
            true,
        ),
        (
            400,
            br#"{"Message":"bad","RequestId":"R1"}"#,
            "has no Code",
            false,
        ),
        (200, br#"{"Code":null}"#, "has no Code", true),
        (200, b"\xff\xfe\x00garbage", "not Aliyun's JSON", true),
    ];
    for &(status, body, part, unknown) in cases {
        let err = classify(status, body).unwrap_err();
        let name = String::from_utf8_lossy(body);
        assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{status} {name}");
        assert_eq!(err.http_status(), Some(status), "{name}");
        assert_eq!(err.outcome_unknown(), unknown, "{status} {name}");
        assert!(!err.is_retryable());
        assert!(
            err.message().contains(part),
            "{status} {name}: {}",
            err.message()
        );
    }
}

#[test]
fn oversized_bodies_are_refused_unparsed_with_a_512_byte_snippet() {
    let mut big = br#"{"Code":"OK","Message":""#.to_vec();
    big.resize(MAX_BODY_BYTES + 1, b'a');
    let err = classify(200, &big).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(
        err.message()
            .starts_with("the answer is larger than 64 KiB"),
        "{}",
        err.message()
    );
    assert!(err.outcome_unknown());
    assert!(
        err.message().len() < SNIPPET_BYTES + 100,
        "{}",
        err.message().len()
    );

    // Exactly at the cap is still read.
    let mut at_cap = br#"{"Code":"OK","Message":""#.to_vec();
    at_cap.resize(MAX_BODY_BYTES - 2, b'a');
    at_cap.extend_from_slice(br#""}"#);
    assert_eq!(at_cap.len(), MAX_BODY_BYTES);
    assert!(classify(200, &at_cap).is_ok());
}

#[test]
fn classify_never_panics_on_arbitrary_input() {
    use proptest::prelude::*;
    proptest!(ProptestConfig::with_cases(512), |(status in 0u16..1000, body in proptest::collection::vec(any::<u8>(), 0..700))| {
        let _ = classify(status, &body);
    });
    proptest!(ProptestConfig::with_cases(256), |(code in "\\PC{0,30}", message in "\\PC{0,60}", status in 100u16..600)| {
        let _ = classify(status, &body(&code, &message));
    });
}
