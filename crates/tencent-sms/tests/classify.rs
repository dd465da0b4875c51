//! Every error code of Tencent Cloud's SendSms documentation (`shared/reference/tencent-sms.md`
//! section 5, and the common codes) classified as the kit's rules ask: retried only where
//! nothing was processed, an unknown outcome never retried, per-number limits (`RateLimited`)
//! told apart from quotas (`QuotaExceeded`), and `retry_after` where the code names a window.
//! Each code is checked both as the whole request's `Response.Error` and as the number's own
//! `SendStatusSet` entry.

use std::time::Duration;

use connector_kit::ErrorKind::{self, *};
use serde_json::json;
use tencent_sms::classify;

/// How a code must be classified: kind, retryable, outcome unknown, retry after (s), field.
type Expected = (ErrorKind, bool, bool, Option<u64>, Option<&'static str>);

const DAY: u64 = 24 * 3600;

#[rustfmt::skip]
const TABLE: &[(&str, Expected)] = &[
    // Request frequency: refused before processing, so retried.
    ("RequestLimitExceeded", (RateLimited, true, false, None, None)),
    ("RequestLimitExceeded.UinLimitExceeded", (RateLimited, true, false, None, None)),
    ("RequestLimitExceeded.GlobalRegionUinLimitExceeded", (RateLimited, true, false, None, None)),
    ("RequestLimitExceeded.IPLimitExceeded", (RateLimited, true, false, None, None)),
    // Credentials: the field to fix.
    ("AuthFailure.SignatureFailure", (Credentials, false, false, None, Some("accessKeySecret"))),
    ("AuthFailure.SignatureExpire", (Credentials, false, false, None, None)),
    ("AuthFailure.SecretIdNotFound", (Credentials, false, false, None, Some("accessKeyId"))),
    ("AuthFailure.InvalidSecretId", (Credentials, false, false, None, Some("accessKeyId"))),
    ("AuthFailure.InvalidAuthorization", (Credentials, false, false, None, None)),
    ("AuthFailure.TokenFailure", (Credentials, false, false, None, Some("securityToken"))),
    ("AuthFailure.UnauthorizedOperation", (Credentials, false, false, None, Some("accessKeyId"))),
    ("InternalError.RequestTimeException", (Credentials, false, false, None, None)),
    ("InternalError.SigVerificationFail", (Credentials, false, false, None, Some("accessKeySecret"))),
    // Tencent failed while sending: may have gone out, never resent.
    ("InternalError", (OutcomeUnknown, false, true, None, None)),
    ("InternalError.Timeout", (OutcomeUnknown, false, true, None, None)),
    ("InternalError.SendAndRecvFail", (OutcomeUnknown, false, true, None, None)),
    ("InternalError.ParseBackendResponseFail", (OutcomeUnknown, false, true, None, None)),
    ("InternalError.OtherError", (OutcomeUnknown, false, true, None, None)),
    ("InternalError.UnknownError", (OutcomeUnknown, false, true, None, None)),
    // Requests this connector never makes.
    ("InternalError.SigFieldMissing", (Rejected, false, false, None, None)),
    ("InternalError.JsonParseFail", (Rejected, false, false, None, None)),
    ("InternalError.RestApiInterfaceNotExist", (Rejected, false, false, None, None)),
    // Per-number frequency limits: this number, for a while (not retried now).
    ("LimitExceeded.PhoneNumberThirtySecondLimit", (RateLimited, false, false, Some(30), None)),
    ("LimitExceeded.PhoneNumberOneHourLimit", (RateLimited, false, false, Some(3600), None)),
    ("LimitExceeded.PhoneNumberDailyLimit", (RateLimited, false, false, Some(DAY - 6 * 3600 - 13 * 60 - 20), None)),
    ("LimitExceeded.PhoneNumberSameContentDailyLimit", (RateLimited, false, false, Some(DAY - 6 * 3600 - 13 * 60 - 20), None)),
    ("LimitExceeded.DeliveryFrequencyLimit", (RateLimited, false, false, None, None)),
    ("LimitExceeded.GlobalSmsSendingRateLimit", (RateLimited, false, false, None, None)),
    ("FailedOperation.MarketingSendTimeConstraint", (RateLimited, false, false, None, None)),
    // Quotas and money: nothing goes out until someone acts (or the day ends).
    ("LimitExceeded.AppDailyLimit", (QuotaExceeded, false, false, None, None)),
    ("LimitExceeded.AppMainlandChinaDailyLimit", (QuotaExceeded, false, false, None, None)),
    ("LimitExceeded.AppGlobalDailyLimit", (QuotaExceeded, false, false, None, None)),
    ("LimitExceeded.AppCountryOrRegionDailyLimit", (QuotaExceeded, false, false, None, None)),
    ("LimitExceeded.DailyLimit", (QuotaExceeded, false, false, None, None)),
    ("FailedOperation.InsufficientBalanceInSmsPackage", (QuotaExceeded, false, false, None, None)),
    ("UnauthorizedOperation.ServiceSuspendDueToArrears", (QuotaExceeded, false, false, None, None)),
    // The number and the message.
    ("LimitExceeded.PhoneNumberCountLimit", (InvalidRequest, false, false, None, Some("PhoneNumberSet"))),
    ("InvalidParameterValue.IncorrectPhoneNumber", (InvalidRequest, false, false, None, Some("PhoneNumberSet"))),
    ("FailedOperation.PhoneNumberParseFail", (InvalidRequest, false, false, None, Some("PhoneNumberSet"))),
    ("MissingParameter.EmptyPhoneNumberSet", (InvalidRequest, false, false, None, Some("PhoneNumberSet"))),
    ("FailedOperation.PhoneNumberInBlacklist", (Rejected, false, false, None, Some("PhoneNumberSet"))),
    ("FailedOperation.TemplateParamSetNotMatchApprovedTemplate", (InvalidRequest, false, false, None, Some("TemplateParamSet"))),
    ("InvalidParameterValue.TemplateParameterFormatError", (InvalidRequest, false, false, None, Some("TemplateParamSet"))),
    ("InvalidParameterValue.TemplateParameterLengthLimit", (InvalidRequest, false, false, None, Some("TemplateParamSet"))),
    ("InvalidParameterValue.ProhibitedUseUrlInTemplateParameter", (Rejected, false, false, None, None)),
    ("InvalidParameterValue.ContentLengthLimit", (Rejected, false, false, None, None)),
    ("FailedOperation.ContainSensitiveWord", (Rejected, false, false, None, None)),
    // Configuration: signature, templates, application, region.
    ("FailedOperation.SignatureIncorrectOrUnapproved", (InvalidConfig, false, false, None, Some("signName"))),
    ("FailedOperation.MissingSignatureList", (InvalidConfig, false, false, None, Some("signName"))),
    ("FailedOperation.TemplateIncorrectOrUnapproved", (InvalidConfig, false, false, None, Some("templates[1].templateCode.china"))),
    ("FailedOperation.TemplateUnapprovedOrNotExist", (InvalidConfig, false, false, None, Some("templates[1].templateCode.china"))),
    ("FailedOperation.MissingTemplateList", (InvalidConfig, false, false, None, Some("templates[1].templateCode.china"))),
    ("UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone", (InvalidConfig, false, false, None, Some("templates[1].templateCode.china"))),
    ("UnsupportedOperation.GlobalTemplateToChineseMainlandPhone", (InvalidConfig, false, false, None, Some("templates[1].templateCode.china"))),
    ("UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber", (InvalidConfig, false, false, None, Some("templates[1].templateCode.china"))),
    ("InvalidParameterValue.SdkAppIdNotExist", (InvalidConfig, false, false, None, Some("sdkAppId"))),
    ("UnauthorizedOperation.SmsSdkAppIdVerifyFail", (InvalidConfig, false, false, None, Some("sdkAppId"))),
    ("UnsupportedRegion", (InvalidConfig, false, false, None, Some("region"))),
    ("UnauthorizedOperation.SdkAppIdIsDisabled", (Account, false, false, None, None)),
    ("UnauthorizedOperation.RequestIpNotInWhitelist", (Rejected, false, false, None, None)),
    ("LimitExceeded.AppCountryOrRegionInBlacklist", (Rejected, false, false, None, None)),
    ("UnsupportedOperation.UnsupportedRegion", (Rejected, false, false, None, None)),
    // Codes Tencent may add: by their family.
    ("AuthFailure.SomethingNew", (Credentials, false, false, None, None)),
    ("RequestLimitExceeded.SomethingNew", (RateLimited, true, false, None, None)),
    ("InternalError.SomethingNew", (OutcomeUnknown, false, true, None, None)),
    ("LimitExceeded.SomethingNew", (RateLimited, false, false, None, None)),
    ("FailedOperation.SomethingNew", (Rejected, false, false, None, None)),
];

/// 2023-11-14 22:13:20 UTC, 06:13:20 in China: the daily windows end 17 h 46 min 40 s later.
const SENT_AT: u64 = 1_700_000_000;

fn request_error(code: &str) -> Vec<u8> {
    json!({"Response": {"Error": {"Code": code, "Message": format!("about {code}")}, "RequestId": "REQ-1"}})
        .to_string()
        .into_bytes()
}

fn number_error(code: &str) -> Vec<u8> {
    json!({"Response": {"SendStatusSet": [{
        "SerialNo": "", "PhoneNumber": "+8613800138000", "Fee": 0, "SessionContext": "",
        "Code": code, "Message": format!("about {code}"), "IsoCode": "CN"
    }], "RequestId": "REQ-2"}})
    .to_string()
    .into_bytes()
}

#[test]
fn every_documented_code_has_its_kind_flags_window_and_field() {
    let builder = support::builder();
    for (code, (kind, retryable, unknown, after, field)) in TABLE {
        for (shape, body) in [
            ("Error", request_error(code)),
            ("SendStatusSet", number_error(code)),
        ] {
            let error = support::classify_sent(&builder, 200, &body, SENT_AT).expect_err(code);
            let seen = (
                error.kind(),
                error.is_retryable(),
                error.outcome_unknown(),
                error.retry_after().map(|d| d.as_secs()),
                error.field(),
            );
            assert_eq!(
                seen,
                (*kind, *retryable, *unknown, *after, *field),
                "{code} in {shape}"
            );
            assert_eq!(error.provider_code(), Some(*code), "{code}");
            assert!(
                error.request_id().is_some_and(|id| id.starts_with("REQ-")),
                "{code}"
            );
            assert!(
                error.message().contains(&format!("about {code}")),
                "{code}: {error}"
            );
            assert_eq!(error.contradiction(), None, "{code}: {error}");
        }
    }
}

#[test]
fn per_number_limits_and_quotas_are_told_apart() {
    for (code, (kind, ..)) in TABLE {
        let per_number = code.starts_with("LimitExceeded.PhoneNumber")
            && *code != "LimitExceeded.PhoneNumberCountLimit"
            || *code == "LimitExceeded.DeliveryFrequencyLimit";
        if per_number {
            assert_eq!(*kind, RateLimited, "{code}");
        }
        if code.contains("DailyLimit") && !code.contains("PhoneNumber") {
            assert_eq!(*kind, QuotaExceeded, "{code}");
        }
    }
}

#[test]
fn without_the_request_time_a_daily_window_is_a_whole_day() {
    let error = classify(200, &number_error("LimitExceeded.PhoneNumberDailyLimit")).unwrap_err();
    assert_eq!(error.retry_after(), Some(Duration::from_secs(DAY)));
}

#[test]
fn the_numbers_own_entry_decides() {
    let body = json!({"Response": {"SendStatusSet": [
        {"SerialNo": "S-other", "PhoneNumber": "+14155550100", "Code": "LimitExceeded.PhoneNumberDailyLimit", "Message": "x"},
        {"SerialNo": "S-ours", "PhoneNumber": "+8613800138000", "Code": "Ok", "Message": "send success"}
    ], "RequestId": "REQ-3"}});
    let builder = support::builder();
    let receipt =
        support::classify_sent(&builder, 200, body.to_string().as_bytes(), SENT_AT).unwrap();
    assert_eq!(receipt.message_id.as_deref(), Some("S-ours"));
    assert_eq!(receipt.request_id.as_deref(), Some("REQ-3"));

    // "ok" in any case, as Logto reads it; a number spelt otherwise is still its only entry.
    let body = json!({"Response": {"SendStatusSet": [
        {"SerialNo": "S-1", "PhoneNumber": "8613800138000", "Code": "OK"}
    ], "RequestId": "REQ-4"}});
    let receipt =
        support::classify_sent(&builder, 200, body.to_string().as_bytes(), SENT_AT).unwrap();
    assert_eq!(receipt.message_id.as_deref(), Some("S-1"));
}

#[test]
fn answers_that_say_nothing_of_the_number_leave_the_outcome_unknown() {
    let builder = support::builder();
    for (status, body, unknown) in [
        (
            200,
            json!({"Response": {"SendStatusSet": [], "RequestId": "R"}}).to_string(),
            true,
        ),
        (
            200,
            json!({"Response": {"RequestId": "R"}}).to_string(),
            true,
        ),
        (
            200,
            json!({"Response": {"SendStatusSet": [
                {"PhoneNumber": "+1", "Code": "Ok"}, {"PhoneNumber": "+2", "Code": "Ok"}
            ]}})
            .to_string(),
            true,
        ),
        (200, "{\"Response\": {\"SendStatusSet\": [".to_owned(), true),
        (200, "<html>ok</html>".to_owned(), true),
        (200, String::new(), true),
        (502, "<html>Bad Gateway</html>".to_owned(), true),
        (404, "not found".to_owned(), false),
        (
            403,
            json!({"Response": {"RequestId": "R"}}).to_string(),
            false,
        ),
    ] {
        let error =
            support::classify_sent(&builder, status, body.as_bytes(), SENT_AT).expect_err(&body);
        assert_eq!(error.kind(), InvalidResponse, "{status} {body}");
        assert_eq!(error.outcome_unknown(), unknown, "{status} {body}");
        assert!(!error.is_retryable(), "{status} {body}");
    }
    // A body larger than the connector reads is not parsed.
    let huge = vec![b' '; tencent_sms::MAX_BODY_BYTES + 1];
    assert_eq!(classify(200, &huge).unwrap_err().kind(), InvalidResponse);
}

#[test]
fn an_error_with_a_non_2xx_status_is_still_read_by_its_code() {
    let error = classify(503, &request_error("RequestLimitExceeded")).unwrap_err();
    assert_eq!(
        (error.kind(), error.http_status()),
        (RateLimited, Some(503))
    );
    let error = classify(500, &request_error("NoSuchCodeAnywhere")).unwrap_err();
    assert!(
        error.outcome_unknown(),
        "an unknown code at 5xx may have sent"
    );
    let error = classify(200, &request_error("NoSuchCodeAnywhere")).unwrap_err();
    assert_eq!((error.kind(), error.outcome_unknown()), (Rejected, false));
}

mod support {
    //! The classifier as the connector runs it (the number sent, the template used, the time),
    //! through a wiremock-free path: a request built for a known message.
    use chrono::{TimeZone, Utc};
    use connector_kit::{ConnectorError, Receipt, SmsMessage, UsageType};
    use tencent_sms::{RequestBuilder, TencentSmsConfig};

    pub(super) fn builder() -> RequestBuilder {
        let config = TencentSmsConfig::from_json_with_env(
            r#"{
                "accessKeyId": "AKIDexample", "accessKeySecret": "example-key",
                "signName": "腾讯云", "sdkAppId": "1400006666", "region": "ap-guangzhou",
                "templates": [
                    {"usageType": "Register", "templateCode": "100001"},
                    {"usageType": "SignIn", "templateCode": {"china": "100002", "overseas": "200002"}},
                    {"usageType": "ForgotPassword", "templateCode": "100003"},
                    {"usageType": "Generic", "templateCode": "100004"}
                ]
            }"#,
            |_| None,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        RequestBuilder::new(&config).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The answer to a SignIn code to +86 138 0013 8000 sent at `sent_at`.
    pub(super) fn classify_sent(
        builder: &RequestBuilder,
        status: u16,
        body: &[u8],
        sent_at: u64,
    ) -> Result<Receipt, ConnectorError> {
        let message = SmsMessage::verification_code(
            "+8613800138000".parse().unwrap(),
            UsageType::SignIn,
            "123456",
        );
        let time = Utc
            .timestamp_opt(i64::try_from(sent_at).unwrap(), 0)
            .unwrap();
        let request = builder.build(&message, time)?;
        request.classify(status, body)
    }
}
