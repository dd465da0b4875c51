//! The kit's conformance suite, run against the emulator: the Aliyun connector behaves as every
//! connector on the kit must. And the registry builds it from Logto's JSON by id.

mod common;
#[path = "common/emulator.rs"]
mod emu;

use std::time::Duration;

use aliyun_sms::{AliyunSmsConnector, AliyunSmsFactory};
use aliyun_sms_emulator::{Emulator, Fault, Limits, ManualClock, start};
use connector_kit::{ErrorKind, Registry, SmsMessage, UsageType};
use connector_kit_testing::{Check, Conformance, Delivered};
use serde_json::{Value, json};

const TOKEN: &str = "sts-token-for-conformance";
const WRONG_SECRET: &str = "a-wrong-secret-value";
/// The connector's `timeoutMs`: the deadline of one send, retries included.
const TIMEOUT_MS: u64 = 1500;

/// An STS account (secret and token) with every template, no per-number limits.
async fn emulator() -> Emulator {
    let clock = ManualClock::new(aliyun_sms_emulator::chrono::Utc::now());
    start(emu::account(
        common::SECRET,
        Some(TOKEN),
        Limits::off(),
        &clock,
    ))
    .await
    .expect("the emulator starts on loopback")
}

/// Logto's JSON with the four required templates, pointed at `emulator`, `extra` merged in.
fn config(emulator: &Emulator, extra: Value) -> String {
    let mut all = json!({
        "templates": emu::required_templates(),
        "securityToken": TOKEN,
        "timeoutMs": TIMEOUT_MS,
        "maxAttempts": 2,
    });
    for (key, value) in extra.as_object().expect("an object") {
        all[key] = value.clone();
    }
    common::config_json(&emulator.endpoint(), all)
}

fn connector(json: &str) -> AliyunSmsConnector {
    let config = aliyun_sms::AliyunSmsConfig::from_json(json).unwrap_or_else(|e| panic!("{e}"));
    AliyunSmsConnector::builder(config)
        .backoff(common::fast_backoff())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// What the emulator delivered, as the suite reads it: the text the phone shows and the
/// parameters Aliyun got.
fn inbox(emulator: &Emulator) -> Vec<Delivered> {
    emulator
        .inbox()
        .into_iter()
        .map(|m| {
            let params = serde_json::to_string(&m.params).expect("strings serialize");
            let delivered = Delivered::new(m.phone_number, format!("{} {params}", m.content))
                .with_template(m.template_code);
            match m.out_id {
                Some(out_id) => delivered.with_reference(out_id),
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

fn business_error(code: &str, message: &str) -> Fault {
    let body = json!({"Code": code, "Message": message, "RequestId": "CONFORMANCE-1"});
    Fault::respond(200, "application/json", body.to_string())
}

#[tokio::test]
async fn the_aliyun_connector_conforms() {
    let emulator = emulator().await;
    let json = config(&emulator, json!({}));
    let sms = connector(&json);
    let shown = emulator.clone();
    let throttled = emulator.clone();
    let stalled = emulator.clone();
    let bad_config = AliyunSmsConnector::from_json(&config(
        &emulator,
        json!({"signName": "", "accesKeySecret": common::SECRET}),
    ))
    .expect_err("an empty signName and a misspelt key are refused");

    let report = Conformance::new(sms, "+86 138 0013 8000".parse().unwrap())
        .secrets([common::SECRET, TOKEN, WRONG_SECRET])
        .inspect("the config", &AliyunSmsConnector::from_json(&json).unwrap().config())
        .inbox(move || inbox(&shown))
        .fallback(UsageType::MfaVerification, Some(emu::GENERIC))
        .not_applicable(
            Check::TemplateNotFound,
            "Logto's config requires a Generic template (checked when it is loaded): every usage type has one",
        )
        .factory(AliyunSmsFactory, &json)
        .error_case("throttled on every attempt (Throttling.User)", move || {
            throttled.clear_faults();
            throttled.inject_times(Fault::Throttle, 2);
        })
        .error_case(
            "a per-number limit (isv.BUSINESS_LIMIT_CONTROL)",
            next_request(&emulator, business_error("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")),
        )
        .error_case(
            "a daily quota (isv.DAY_LIMIT_CONTROL)",
            next_request(&emulator, business_error("isv.DAY_LIMIT_CONTROL", "触发日发送限额")),
        )
        .error_case(
            "no balance (isv.AMOUNT_NOT_ENOUGH)",
            next_request(&emulator, business_error("isv.AMOUNT_NOT_ENOUGH", "账户余额不足")),
        )
        .error_case(
            "an internal error (isp.SYSTEM_ERROR)",
            next_request(&emulator, business_error("isp.SYSTEM_ERROR", "system error")),
        )
        .error_case(
            "HTTP 500 with Aliyun's InternalError",
            next_request(
                &emulator,
                Fault::respond(500, "application/json", r#"{"Code":"InternalError","Message":"x","RequestId":"R"}"#),
            ),
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
            "a wrong AccessKey secret (SignatureDoesNotMatch)",
            connector(&config(&emulator, json!({"accessKeySecret": WRONG_SECRET}))),
        )
        .error_case_with(
            "a sign name Aliyun has not approved",
            connector(&config(&emulator, json!({"signName": "NotApproved"}))),
        )
        .error("a config with an empty signName and a misspelt key", bad_config)
        .stall(Duration::from_millis(TIMEOUT_MS), move || {
            stalled.clear_faults();
            stalled.inject(Fault::Delay(Duration::from_secs(10)));
        })
        .run()
        .await;
    println!("{report}");
    report.assert_passed();

    // The errors the suite saw are the ones Aliyun's codes call for.
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
        (RateLimited, false, false, Some(Duration::from_secs(60)))
    );
    assert_eq!(
        kind_of("a daily quota"),
        (QuotaExceeded, false, false, None)
    );
    assert_eq!(kind_of("no balance"), (QuotaExceeded, false, false, None));
    assert_eq!(
        kind_of("an internal error"),
        (OutcomeUnknown, false, true, None)
    );
    assert_eq!(
        kind_of("the connection closed"),
        (OutcomeUnknown, false, true, None)
    );
    assert_eq!(
        kind_of("a wrong AccessKey"),
        (Credentials, false, false, None)
    );
    assert_eq!(kind_of("deadline"), (Timeout, false, true, None));
}

#[tokio::test]
async fn the_registry_builds_the_connector_from_logtos_json_by_id() {
    let emulator = emulator().await;
    let registry = Registry::new().with(AliyunSmsFactory).unwrap();
    // Logto's JSON as its admin console stores it (plus the emulator's endpoint).
    let logto = json!({
        "accessKeyId": common::ID,
        "accessKeySecret": common::SECRET,
        "securityToken": TOKEN,
        "signName": emu::SIGN_NAME,
        "templates": [
            {"usageType": "Register", "templateCode": emu::REGISTER},
            {"usageType": "SignIn", "templateCode": emu::SIGN_IN_CN},
            {"usageType": "ForgotPassword", "templateCode": emu::FORGOT},
            {"usageType": "Generic", "templateCode": emu::GENERIC}
        ],
        "strictPhoneRegionNumberCheck": false,
        "endpoint": emulator.endpoint(),
    })
    .to_string();
    let sms = registry
        .build("aliyun-short-message-service", &logto)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sms.metadata().target, "aliyun-sms");
    let message =
        SmsMessage::verification_code("13800138000".parse().unwrap(), UsageType::SignIn, "2468");
    let receipt = sms.send(&message).await.unwrap_or_else(|e| panic!("{e}"));
    let delivered = emulator.inbox();
    assert_eq!(delivered.len(), 1);
    assert_eq!(Some(&delivered[0].biz_id), receipt.message_id.as_ref());
    assert_eq!(delivered[0].template_code, emu::SIGN_IN_CN);

    // The provider's own config errors, field and all.
    let err = registry
        .build("aliyun-short-message-service", r#"{"signName": "Logto"}"#)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert!(err.to_string().contains("templates"), "{err}");

    // An unknown id is refused, naming the known ones (and the one meant, for a target).
    let err = registry.build("tencent-sms", &logto).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert_eq!(
        err.message(),
        "unknown connector `tencent-sms`; known connectors: aliyun-short-message-service"
    );
    let err = registry.build("aliyun-sms", &logto).unwrap_err();
    assert!(
        err.message().ends_with(
            "did you mean `aliyun-short-message-service` (whose target is `aliyun-sms`)?"
        ),
        "{err}"
    );
    assert!(!err.to_string().contains(common::SECRET));

    // The schema of the config, for admin consoles.
    let schema = registry
        .factory("aliyun-short-message-service")
        .unwrap()
        .config_schema(&mut schemars::SchemaGenerator::default());
    assert!(
        schema
            .get("properties")
            .and_then(|p| p.get("accessKeySecret"))
            .is_some()
    );
}
