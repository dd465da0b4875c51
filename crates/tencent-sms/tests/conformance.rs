//! The kit's conformance suite, run against the emulator's Tencent gateway: the Tencent
//! connector behaves as every connector on the kit must. And the registry builds it from Logto's
//! JSON by id, next to Aliyun's.

mod common;

use std::time::Duration;

use aliyun_sms_emulator::{Emulator, Fault, TencentLimits};
use common::*;
use connector_kit::{ErrorKind, Registry, SmsMessage, UsageType};
use connector_kit_testing::{Check, Conformance, Delivered};
use serde_json::json;
use tencent_sms::{TencentSmsConnector, TencentSmsFactory};

const WRONG_SECRET: &str = "a-wrong-secret-key-value";

/// What the emulator delivered, as the suite reads it: the text the phone shows and the
/// parameters Tencent got.
fn inbox(emulator: &Emulator) -> Vec<Delivered> {
    emulator
        .inbox()
        .into_iter()
        .map(|m| {
            let params = serde_json::to_string(&m.params).expect("strings serialize");
            let delivered = Delivered::new(m.phone_number, format!("{} {params}", m.content))
                .with_template(m.template_code);
            match m.out_id {
                Some(reference) => delivered.with_reference(reference),
                None => delivered,
            }
        })
        .collect()
}

/// Makes the emulator answer the next request (only) with `fault`.
fn next_request(emulator: &Emulator, fault: Fault) -> impl FnOnce() + Send + 'static {
    let emulator = emulator.clone();
    move || {
        emulator.clear_faults();
        emulator.inject(fault);
    }
}

fn number_error(code: &str, message: &str) -> Fault {
    let body = json!({"Response": {"SendStatusSet": [{
        "SerialNo": "", "PhoneNumber": "+8613800138000", "Fee": 0, "SessionContext": "",
        "Code": code, "Message": message, "IsoCode": "CN"
    }], "RequestId": "CONFORMANCE-1"}});
    Fault::respond(200, "application/json", body.to_string())
}

#[tokio::test]
async fn the_tencent_connector_conforms() {
    let (emulator, clock) = emulator(TencentLimits::off()).await;
    let extra = json!({"accessKeyId": STS_ID, "accessKeySecret": STS_KEY, "securityToken": STS_TOKEN, "maxAttempts": 2});
    let json = config_json(&emulator, extra.clone());
    let sms = connector_on(&json, &clock);
    let shown = emulator.clone();
    let throttled = emulator.clone();
    let stalled = emulator.clone();
    let with = |more: serde_json::Value| {
        let mut all = extra.clone();
        for (key, value) in more.as_object().unwrap() {
            all[key] = value.clone();
        }
        connector_on(&config_json(&emulator, all), &clock)
    };
    let bad_config = TencentSmsConnector::from_json(&config_json(
        &emulator,
        json!({"sdkAppId": "", "accesKeySecret": SECRET_KEY}),
    ))
    .expect_err("an empty sdkAppId and a misspelt key are refused");

    let report = Conformance::new(sms, "+86 138 0013 8000".parse().unwrap())
        .secrets([SECRET_KEY, STS_KEY, STS_TOKEN, WRONG_SECRET])
        .inspect("the config", &connector_on(&json, &clock).config().clone())
        .inbox(move || inbox(&shown))
        .fallback(UsageType::MfaVerification, Some(GENERIC))
        .not_applicable(
            Check::TemplateNotFound,
            "Logto's config requires a Generic template (checked when it is loaded): every usage type has one",
        )
        .factory(TencentSmsFactory, &json)
        .error_case("throttled on every attempt (RequestLimitExceeded)", move || {
            throttled.clear_faults();
            throttled.inject_times(Fault::Throttle, 2);
        })
        .error_case(
            "a per-number limit (LimitExceeded.PhoneNumberThirtySecondLimit)",
            next_request(&emulator, number_error("LimitExceeded.PhoneNumberThirtySecondLimit", "30 s")),
        )
        .error_case(
            "a daily quota (LimitExceeded.AppDailyLimit)",
            next_request(&emulator, number_error("LimitExceeded.AppDailyLimit", "daily cap")),
        )
        .error_case(
            "no package balance (FailedOperation.InsufficientBalanceInSmsPackage)",
            next_request(&emulator, number_error("FailedOperation.InsufficientBalanceInSmsPackage", "套餐包余量不足")),
        )
        .error_case("an internal error (InternalError)", next_request(&emulator, Fault::InternalError))
        .error_case(
            "a timeout while sending (InternalError.Timeout)",
            next_request(&emulator, number_error("InternalError.Timeout", "timeout")),
        )
        .error_case(
            "a gateway's HTML 502",
            next_request(&emulator, Fault::respond(502, "text/html", "<html>Bad Gateway</html>")),
        )
        .error_case("JSON that is not JSON", next_request(&emulator, Fault::MalformedJson))
        .error_case("JSON cut in half", next_request(&emulator, Fault::TruncatedJson))
        .error_case(
            "the connection closed after the request",
            next_request(&emulator, Fault::CloseConnection),
        )
        .error_case_with(
            "a wrong SecretKey (AuthFailure.SignatureFailure)",
            with(json!({"accessKeySecret": WRONG_SECRET})),
        )
        .error_case_with("a sign name Tencent has not approved", with(json!({"signName": "未审核"})))
        .error("a config with an empty sdkAppId and a misspelt key", bad_config)
        .stall(Duration::from_millis(TIMEOUT_MS), move || {
            stalled.clear_faults();
            stalled.inject(Fault::Delay(Duration::from_secs(10)));
        })
        .run()
        .await;
    println!("{report}");
    report.assert_passed();

    // The errors the suite saw are the ones Tencent's codes call for.
    let kind_of = |case: &str| {
        report
            .errors()
            .iter()
            .find(|(c, _)| c.starts_with(case))
            .map(|(_, e)| {
                (
                    e.kind(),
                    e.is_retryable(),
                    e.outcome_unknown(),
                    e.retry_after(),
                )
            })
            .unwrap_or_else(|| panic!("no error for {case}"))
    };
    use ErrorKind::*;
    assert_eq!(kind_of("throttled"), (RateLimited, true, false, None));
    assert_eq!(
        kind_of("a per-number limit"),
        (RateLimited, false, false, Some(Duration::from_secs(30)))
    );
    assert_eq!(
        kind_of("a daily quota"),
        (QuotaExceeded, false, false, None)
    );
    assert_eq!(
        kind_of("no package balance"),
        (QuotaExceeded, false, false, None)
    );
    assert_eq!(
        kind_of("an internal error"),
        (OutcomeUnknown, false, true, None)
    );
    assert_eq!(
        kind_of("a timeout while sending"),
        (OutcomeUnknown, false, true, None)
    );
    assert_eq!(
        kind_of("the connection closed"),
        (OutcomeUnknown, false, true, None)
    );
    assert_eq!(
        kind_of("a wrong SecretKey"),
        (Credentials, false, false, None)
    );
    assert_eq!(kind_of("a sign name"), (InvalidConfig, false, false, None));
    assert_eq!(kind_of("deadline"), (Timeout, false, true, None));
}

#[tokio::test]
async fn the_registry_builds_both_connectors_from_logtos_json_by_id() {
    let (emulator, _) = emulator(TencentLimits::off()).await;
    let registry = Registry::new()
        .with(TencentSmsFactory)
        .unwrap()
        .with(aliyun_sms::AliyunSmsFactory)
        .unwrap();
    // Logto's JSON as its admin console stores it (plus the emulator's endpoint).
    let logto = json!({
        "accessKeyId": SECRET_ID,
        "accessKeySecret": SECRET_KEY,
        "signName": SIGN,
        "sdkAppId": APP,
        "region": "ap-guangzhou",
        "templates": [
            {"usageType": "Register", "templateCode": REGISTER},
            {"usageType": "SignIn", "templateCode": SIGN_IN},
            {"usageType": "ForgotPassword", "templateCode": FORGOT},
            {"usageType": "Generic", "templateCode": GENERIC}
        ],
        "endpoint": emulator.endpoint(),
    })
    .to_string();
    let sms = registry
        .build("tencent-short-message-service", &logto)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sms.metadata().target, "tencent-sms");
    let message =
        SmsMessage::verification_code("13800138000".parse().unwrap(), UsageType::SignIn, "2468");
    let receipt = sms.send(&message).await.unwrap_or_else(|e| panic!("{e}"));
    let delivered = emulator.inbox();
    assert_eq!(delivered.len(), 1);
    assert_eq!(Some(&delivered[0].biz_id), receipt.message_id.as_ref());
    assert_eq!(delivered[0].template_code, SIGN_IN);
    assert_eq!(delivered[0].phone_number, "+8613800138000");

    // The provider's own config errors, field and all.
    let err = registry
        .build("tencent-short-message-service", r#"{"signName": "腾讯云"}"#)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert!(!err.to_string().contains(SECRET_KEY));

    // An id that is neither names the known ones.
    let err = registry.build("tencent", &logto).unwrap_err();
    assert!(
        err.message().contains("tencent-short-message-service"),
        "{err}"
    );
}
