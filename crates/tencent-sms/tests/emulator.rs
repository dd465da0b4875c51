//! The connector against the emulator's Tencent gateway, which checks what Tencent checks (the
//! TC3 signature with `tencent-sign`, the time window, the key, the application, sign name,
//! templates, parameters, numbers, per-number limits): every usage type and the fallback,
//! mainland and overseas templates in both modes, each refusal's kind, and delivery lookups.

mod common;

use std::time::{Duration, SystemTime};

use aliyun_sms_emulator::{Provider, TencentLimits};
use common::*;
use connector_kit::{
    DeliveryQuery, DeliveryStatus, ErrorKind, SmsConnector, SmsMessage, TemplateParams, UsageType,
};
use serde_json::json;

fn code_to(to: &str, usage: UsageType) -> SmsMessage {
    SmsMessage::verification_code(to.parse().unwrap(), usage, "246810")
}

#[tokio::test]
async fn every_usage_type_gets_its_template_or_generics() {
    let (emulator, clock) = emulator(TencentLimits::off()).await;
    let sms = connector(&emulator, &clock, json!({}));
    for usage in UsageType::ALL {
        emulator.clear_inbox();
        let receipt = sms
            .send(&code_to("+8613800138000", usage))
            .await
            .unwrap_or_else(|e| panic!("{usage}: {e}"));
        let inbox = emulator.inbox();
        assert_eq!(inbox.len(), 1, "{usage}");
        let expected = match usage {
            UsageType::Register => REGISTER,
            UsageType::SignIn => SIGN_IN,
            UsageType::ForgotPassword => FORGOT,
            _ => GENERIC,
        };
        assert_eq!(inbox[0].provider, Provider::Tencent);
        assert_eq!(inbox[0].template_code, expected, "{usage}");
        assert_eq!(inbox[0].params["1"], "246810", "{usage}");
        assert_eq!(inbox[0].sign_name, SIGN);
        assert_eq!(
            receipt.message_id.as_deref(),
            Some(inbox[0].biz_id.as_str())
        );
        assert_eq!(
            receipt.request_id.as_deref(),
            Some(inbox[0].request_id.as_str())
        );
    }
}

#[tokio::test]
async fn mainland_and_overseas_templates_in_both_modes() {
    let (emulator, clock) = emulator(TencentLimits::off()).await;
    for (strict, typed, template, number) in [
        (false, "13800138000", SIGN_IN, "+8613800138000"),
        (false, "8613800138000", SIGN_IN, "+8613800138000"),
        (false, "+85261234567", OVERSEAS, "+85261234567"),
        (false, "+1 415 555 0100", OVERSEAS, "+14155550100"),
        (true, "8613800138000", SIGN_IN, "+8613800138000"),
        (true, "+86 138 0013 8000", SIGN_IN, "+8613800138000"),
        (true, "85261234567", OVERSEAS, "+85261234567"),
        (true, "14155550100", OVERSEAS, "+14155550100"),
    ] {
        emulator.clear_inbox();
        let sms = connector(
            &emulator,
            &clock,
            json!({"strictPhoneRegionNumberCheck": strict}),
        );
        sms.send(&code_to(typed, UsageType::SignIn))
            .await
            .unwrap_or_else(|e| panic!("{typed} strict={strict}: {e}"));
        let inbox = emulator.inbox();
        assert_eq!(inbox[0].template_code, template, "{typed} strict={strict}");
        assert_eq!(inbox[0].phone_number, number, "{typed} strict={strict}");
    }

    // One template for every number: a mainland template sent abroad is refused by Tencent,
    // and the error names the template used.
    let single = json!({"templates": [
        {"usageType": "Register", "templateCode": REGISTER},
        {"usageType": "SignIn", "templateCode": SIGN_IN},
        {"usageType": "ForgotPassword", "templateCode": FORGOT},
        {"usageType": "Generic", "templateCode": GENERIC}
    ]});
    let sms = connector(&emulator, &clock, single);
    let error = sms
        .send(&code_to("+85261234567", UsageType::SignIn))
        .await
        .unwrap_err();
    assert_eq!(
        error.provider_code(),
        Some("UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone")
    );
    assert_eq!(
        (error.kind(), error.field()),
        (ErrorKind::InvalidConfig, Some("templates[1].templateCode"))
    );
}

#[tokio::test]
async fn a_wrong_secret_is_diagnosed_and_nothing_is_sent() {
    let (emulator, clock) = emulator(TencentLimits::off()).await;
    let sms = connector(
        &emulator,
        &clock,
        json!({"accessKeySecret": "not-the-secret-key"}),
    );
    let error = sms
        .send(&code_to("+8613800138000", UsageType::SignIn))
        .await
        .unwrap_err();
    assert_eq!(error.provider_code(), Some("AuthFailure.SignatureFailure"));
    assert_eq!(
        (error.kind(), error.field()),
        (ErrorKind::Credentials, Some("accessKeySecret"))
    );
    assert!(error.message().contains("SecretKey"), "{error}");
    assert!(!error.to_string().contains("not-the-secret-key"), "{error}");
    assert!(!error.is_retryable() && !error.outcome_unknown());
    assert!(emulator.inbox().is_empty());
}

#[tokio::test]
async fn each_refusal_has_its_kind_and_field() {
    let (emulator, clock) = emulator(TencentLimits::off()).await;
    let mainland = code_to("+8613800138000", UsageType::SignIn);
    let cases = [
        (
            "an unknown SecretId",
            json!({"accessKeyId": "AKIDnobodyKnowsThisOne"}),
            mainland.clone(),
            "AuthFailure.SecretIdNotFound",
            ErrorKind::Credentials,
            Some("accessKeyId"),
        ),
        (
            "a temporary key without its token",
            json!({"accessKeyId": STS_ID, "accessKeySecret": STS_KEY}),
            mainland.clone(),
            "AuthFailure.TokenFailure",
            ErrorKind::Credentials,
            Some("securityToken"),
        ),
        (
            "another application",
            json!({"sdkAppId": "1400000001"}),
            mainland.clone(),
            "InvalidParameterValue.SdkAppIdNotExist",
            ErrorKind::InvalidConfig,
            Some("sdkAppId"),
        ),
        (
            "a region SMS does not serve",
            json!({"region": "xx-nowhere"}),
            mainland.clone(),
            "UnsupportedRegion",
            ErrorKind::InvalidConfig,
            Some("region"),
        ),
        (
            "a sign name never approved",
            json!({"signName": "未审核"}),
            mainland.clone(),
            "FailedOperation.SignatureIncorrectOrUnapproved",
            ErrorKind::InvalidConfig,
            Some("signName"),
        ),
        (
            "a template never approved",
            json!({"templates": [
                {"usageType": "Register", "templateCode": REGISTER},
                {"usageType": "SignIn", "templateCode": {"china": "999999", "overseas": OVERSEAS}},
                {"usageType": "ForgotPassword", "templateCode": FORGOT},
                {"usageType": "Generic", "templateCode": GENERIC}
            ]}),
            mainland.clone(),
            "FailedOperation.TemplateIncorrectOrUnapproved",
            ErrorKind::InvalidConfig,
            Some("templates[1].templateCode.china"),
        ),
        (
            "two parameters for a one-variable template",
            json!({}),
            SmsMessage::new(
                "+8613800138000".parse().unwrap(),
                UsageType::SignIn,
                TemplateParams::code("246810").with("minutes", "5"),
            ),
            "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
            ErrorKind::InvalidRequest,
            Some("TemplateParamSet"),
        ),
        (
            "a code that is not digits",
            json!({}),
            SmsMessage::verification_code(
                "+8613800138000".parse().unwrap(),
                UsageType::SignIn,
                "12ab",
            ),
            "InvalidParameterValue.TemplateParameterFormatError",
            ErrorKind::InvalidRequest,
            Some("TemplateParamSet"),
        ),
    ];
    for (case, extra, message, code, kind, field) in cases {
        let sms = connector(&emulator, &clock, extra);
        let error = sms.send(&message).await.expect_err(case);
        assert_eq!(error.provider_code(), Some(code), "{case}: {error}");
        assert_eq!(
            (error.kind(), error.field()),
            (kind, field),
            "{case}: {error}"
        );
        assert!(!error.is_retryable() && !error.outcome_unknown(), "{case}");
        assert!(error.request_id().is_some(), "{case}");
        assert_eq!(error.contradiction(), None, "{case}");
    }
    assert!(emulator.inbox().is_empty(), "no refusal sent anything");
}

#[tokio::test]
async fn a_clock_off_by_more_than_five_minutes_is_refused_and_named() {
    let (emulator, clock) = emulator(TencentLimits::off()).await;
    let sms = connector(&emulator, &clock, json!({}));
    // The emulator's clock runs 6 minutes ahead of the connector's.
    let late = aliyun_sms_emulator::ManualClock::new(clock.now() - chrono_minutes(6));
    let behind = connector_on(&config_json(&emulator, json!({})), &late);
    let error = behind
        .send(&code_to("+8613800138000", UsageType::SignIn))
        .await
        .unwrap_err();
    assert_eq!(error.provider_code(), Some("AuthFailure.SignatureExpire"));
    assert_eq!(error.kind(), ErrorKind::Credentials);
    assert!(error.message().contains("clock"), "{error}");
    // Within the window, it goes.
    sms.send(&code_to("+8613800138000", UsageType::SignIn))
        .await
        .unwrap();
}

fn chrono_minutes(minutes: i64) -> aliyun_sms_emulator::chrono::TimeDelta {
    aliyun_sms_emulator::chrono::TimeDelta::minutes(minutes)
}

#[tokio::test]
async fn per_number_limits_are_rate_limits_with_their_window_not_quotas() {
    let (emulator, clock) = emulator(TencentLimits::default()).await;
    let sms = connector(&emulator, &clock, json!({}));
    let message = code_to("+8613800138000", UsageType::SignIn);
    sms.send(&message).await.unwrap();

    let error = sms.send(&message).await.unwrap_err();
    assert_eq!(
        error.provider_code(),
        Some("LimitExceeded.PhoneNumberThirtySecondLimit")
    );
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(30)));
    assert!(!error.is_retryable() && error.is_transient());
    assert_eq!(
        emulator.inbox().len(),
        1,
        "the limited send was not retried"
    );

    // 5 an hour: four more, 31 s apart, then the hourly limit.
    for _ in 0..4 {
        clock.advance(Duration::from_secs(31));
        sms.send(&message).await.unwrap();
    }
    clock.advance(Duration::from_secs(31));
    let error = sms.send(&message).await.unwrap_err();
    assert_eq!(
        error.provider_code(),
        Some("LimitExceeded.PhoneNumberOneHourLimit")
    );
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3600)));

    // 10 a day: five more an hour later, then, another hour later, the daily limit.
    clock.advance(Duration::from_secs(3600));
    for _ in 0..5 {
        sms.send(&message).await.unwrap();
        clock.advance(Duration::from_secs(31));
    }
    clock.advance(Duration::from_secs(3600));
    let error = sms.send(&message).await.unwrap_err();
    assert_eq!(
        error.provider_code(),
        Some("LimitExceeded.PhoneNumberDailyLimit")
    );
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    let left = error.retry_after().unwrap();
    assert!(
        left > Duration::ZERO && left <= Duration::from_secs(24 * 3600),
        "{left:?}"
    );

    // Another number is not limited.
    sms.send(&code_to("+8613900139000", UsageType::SignIn))
        .await
        .unwrap();
}

#[tokio::test]
async fn temporary_credentials_send_their_token() {
    let (emulator, clock) = emulator(TencentLimits::off()).await;
    let sms = connector(
        &emulator,
        &clock,
        json!({"accessKeyId": STS_ID, "accessKeySecret": STS_KEY, "securityToken": STS_TOKEN}),
    );
    sms.send(&code_to("+8613800138000", UsageType::SignIn))
        .await
        .unwrap();
    assert_eq!(emulator.inbox().len(), 1);
}

#[tokio::test]
async fn a_delivery_lookup_finds_the_message_by_serial_no_and_by_reference() {
    let (emulator, clock) = emulator(TencentLimits::off()).await;
    let sms = connector(&emulator, &clock, json!({}));
    let sent_at = SystemTime::from(clock.now());
    let message = code_to("+8613800138000", UsageType::SignIn).with_reference("login-42");
    let receipt = sms.send(&message).await.unwrap();
    let serial_no = receipt.message_id.clone().unwrap();
    clock.advance(Duration::from_secs(5));

    let by_id = DeliveryQuery::new(message.to.clone(), sent_at).with_message_id(serial_no.clone());
    let report = sms
        .lookup_delivery(&by_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.was_sent(), "{report:?}");
    assert_eq!(
        report.records[0].message_id.as_deref(),
        Some(serial_no.as_str())
    );
    assert!(matches!(
        report.records[0].status,
        DeliveryStatus::Delivered | DeliveryStatus::Pending
    ));

    let by_reference = DeliveryQuery::for_message(&message, sent_at);
    let report = sms.lookup_delivery(&by_reference).await.unwrap();
    assert_eq!(report.records.len(), 1, "{report:?}");
    assert_eq!(report.records[0].reference.as_deref(), Some("login-42"));

    let never = DeliveryQuery::new(message.to.clone(), sent_at).with_reference("never-sent");
    assert!(!sms.lookup_delivery(&never).await.unwrap().was_sent());
    let elsewhere = DeliveryQuery::new("+8613900139000".parse().unwrap(), sent_at);
    assert!(!sms.lookup_delivery(&elsewhere).await.unwrap().was_sent());
}
