//! End to end: the connector against the local emulator (`aliyun-sms-emulator`), which checks
//! what Aliyun checks (V1 and V3 signatures, timestamps, nonces, STS tokens, sign names,
//! templates, parameters, per-number limits) with its own code, and keeps an inbox of what it
//! delivered. Loopback only.
//!
//! Injected faults (timeouts, dropped connections, HTML error pages, broken JSON, huge bodies,
//! throttling) are in `faults.rs`, the load runs in `load.rs`.
//!
//! Time: the connector stamps every request with the system clock (`Utc::now()`, not
//! injectable), and the emulator accepts a timestamp 15 minutes either side of its own clock.
//! So the emulator's `ManualClock` starts at the system time and is moved at most about 6
//! minutes ahead when the real connector sends (the minute and hour limits). The day limit
//! needs the clock to move a day: that test signs with the connector's own
//! [`RequestBuilder`](aliyun_sms::RequestBuilder) at the emulator's time (the builder takes the
//! time as an argument) and classifies the answer with the connector's own classifier; only
//! the HTTP client is the test's.

mod common;
#[path = "common/emulator.rs"]
mod emu;

use std::time::Duration;

use aliyun_sign::{Credentials, rpc};
use aliyun_sms_emulator::{Emulator, Limits};
use connector_kit::{ErrorKind, Receipt, SmsConnector, SmsMessage, UsageType};
use emu::{code_message, connector, emulator};
use serde_json::{Value, json};

const MINUTE: Duration = Duration::from_secs(61);

fn assert_delivered(emulator: &Emulator, receipt: &Receipt, to: &str, code: &str, value: &str) {
    let biz_id = receipt.message_id.as_deref().expect("a BizId");
    let inbox = emulator.inbox();
    let found: Vec<_> = inbox.iter().filter(|m| m.biz_id == biz_id).collect();
    assert_eq!(found.len(), 1, "{biz_id} delivered once: {inbox:#?}");
    let message = found[0];
    assert_eq!(message.phone_number, to);
    assert_eq!(message.template_code, code);
    assert_eq!(message.sign_name, emu::SIGN_NAME);
    assert_eq!(message.content, emu::delivered_text(code, value));
    assert_eq!(message.params.get("code").map(String::as_str), Some(value));
    assert_eq!(
        receipt.request_id.as_deref(),
        Some(message.request_id.as_str())
    );
}

#[tokio::test]
async fn every_usage_type_is_sent_with_its_own_template_v1_and_v3() {
    for version in ["v1", "v3"] {
        let (emulator, _) = emulator(Limits::off()).await;
        let sms = connector(&emulator, json!({"signatureVersion": version}));
        for (i, usage) in UsageType::ALL.into_iter().enumerate() {
            let to = format!("+8613800138{i:03}");
            let value = format!("{}", 100_000 + i);
            let receipt = sms
                .send(&code_message(&to, usage, &value))
                .await
                .unwrap_or_else(|e| panic!("{version} {usage}: {e}"));
            assert_delivered(&emulator, &receipt, &to, emu::own_code(usage), &value);
        }
        assert_eq!(emulator.inbox().len(), 9, "{version}");
        assert_eq!(emulator.requests_seen(), 9, "{version}: one request a send");
    }
}

#[tokio::test]
async fn usage_types_without_a_template_fall_back_to_generic() {
    for version in ["v1", "v3"] {
        let (emulator, _) = emulator(Limits::off()).await;
        let sms = connector(
            &emulator,
            json!({"signatureVersion": version, "templates": emu::required_templates()}),
        );
        for (i, usage) in UsageType::ALL.into_iter().enumerate() {
            let to = format!("+8613900139{i:03}");
            let value = format!("{}", 200_000 + i);
            let receipt = sms.send(&code_message(&to, usage, &value)).await.unwrap();
            let expected = if usage.is_required() {
                emu::own_code(usage)
            } else {
                emu::GENERIC
            };
            assert_delivered(&emulator, &receipt, &to, expected, &value);
        }
    }
}

#[tokio::test]
async fn china_or_overseas_template_strict_and_non_strict() {
    // (number as typed, normalised by the emulator, template non-strict, template strict)
    let cases = [
        // A bare mainland mobile: mainland for Logto's default, overseas when strict.
        (
            "13800138000",
            "+8613800138000",
            emu::SIGN_IN_CN,
            emu::SIGN_IN_INTL,
        ),
        (
            "+86 138 0013 8001",
            "+8613800138001",
            emu::SIGN_IN_CN,
            emu::SIGN_IN_CN,
        ),
        (
            "0086 138 0013 8002",
            "+8613800138002",
            emu::SIGN_IN_CN,
            emu::SIGN_IN_CN,
        ),
        (
            "8613800138003",
            "+8613800138003",
            emu::SIGN_IN_CN,
            emu::SIGN_IN_CN,
        ),
        (
            "+852 6832 6366",
            "+85268326366",
            emu::SIGN_IN_INTL,
            emu::SIGN_IN_INTL,
        ),
        (
            "+44 7911 123456",
            "+447911123456",
            emu::SIGN_IN_INTL,
            emu::SIGN_IN_INTL,
        ),
    ];
    for strict in [false, true] {
        for version in ["v1", "v3"] {
            let (emulator, _) = emulator(Limits::off()).await;
            let sms = connector(
                &emulator,
                json!({"strictPhoneRegionNumberCheck": strict, "signatureVersion": version}),
            );
            for (typed, normalised, non_strict_code, strict_code) in cases {
                let receipt = sms
                    .send(&code_message(typed, UsageType::SignIn, "4321"))
                    .await
                    .unwrap_or_else(|e| panic!("{typed} strict={strict}: {e}"));
                let code = if strict { strict_code } else { non_strict_code };
                assert_delivered(&emulator, &receipt, normalised, code, "4321");
            }
        }
    }
}

#[tokio::test]
async fn sts_credentials_are_verified_by_the_emulator_in_v1_and_v3() {
    let token = "CAIS-sts-token+/=example";
    for version in ["v1", "v3"] {
        let clock = aliyun_sms_emulator::ManualClock::new(chrono::Utc::now());
        let account = emu::account(common::SECRET, Some(token), Limits::off(), &clock);
        let emulator = aliyun_sms_emulator::start(account).await.unwrap();

        let sms = connector(
            &emulator,
            json!({"signatureVersion": version, "securityToken": token}),
        );
        let receipt = sms
            .send(&code_message("+8613800138000", UsageType::SignIn, "5678"))
            .await
            .unwrap_or_else(|e| panic!("{version}: {e}"));
        assert_delivered(
            &emulator,
            &receipt,
            "+8613800138000",
            emu::SIGN_IN_CN,
            "5678",
        );

        // The same key with another token (an expired one, another session's), or none.
        for extra in [
            json!({"signatureVersion": version, "securityToken": "CAIS-another-session"}),
            json!({"signatureVersion": version}),
        ] {
            let sms = connector(&emulator, extra);
            let err = sms
                .send(&code_message("+8613800138000", UsageType::SignIn, "5678"))
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Credentials, "{version}: {err}");
            assert_eq!(
                err.provider_code(),
                Some("InvalidSecurityToken.MismatchWithAccessKey")
            );
            assert_eq!(err.field(), Some("securityToken"));
            assert_eq!(err.http_status(), Some(403));
            assert!(!err.is_retryable() && !err.outcome_unknown());
        }
        assert_eq!(emulator.inbox().len(), 1, "{version}");
    }
}

#[tokio::test]
async fn a_wrong_secret_is_diagnosed_as_the_secret_v1_and_v3() {
    for version in ["v1", "v3"] {
        let (emulator, _) = emulator(Limits::off()).await;
        let sms = connector(
            &emulator,
            json!({"signatureVersion": version, "accessKeySecret": "not-the-secret"}),
        );
        let err = sms
            .send(&code_message("+8613800138000", UsageType::SignIn, "1234"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Credentials, "{version}: {err}");
        assert_eq!(err.provider_code(), Some("SignatureDoesNotMatch"));
        assert_eq!(err.field(), Some("accessKeySecret"));
        assert_eq!(err.http_status(), Some(400));
        assert!(
            err.message().contains(
                "Aliyun signed exactly what this connector signed, so the AccessKey secret is wrong"
            ),
            "{version}: {}",
            err.message()
        );
        assert!(err.request_id().is_some());
        assert!(!err.is_retryable() && !err.outcome_unknown());
        assert_eq!(emulator.requests_seen(), 1, "{version}: not retried");
        assert!(emulator.inbox().is_empty());
    }
}

#[tokio::test]
async fn each_refusal_of_the_emulator_maps_to_its_kind_and_field() {
    // (what is wrong, config changes, number, code, kind, Aliyun code, field)
    type Case = (
        &'static str,
        Value,
        &'static str,
        &'static str,
        ErrorKind,
        &'static str,
        Option<&'static str>,
    );
    let cases: [Case; 6] = [
        (
            "unknown AccessKey ID",
            json!({"accessKeyId": "LTAI-nobody"}),
            "+8613800138000",
            "1234",
            ErrorKind::Credentials,
            "InvalidAccessKeyId.NotFound",
            Some("accessKeyId"),
        ),
        (
            "sign name not approved",
            json!({"signName": "Unapproved"}),
            "+8613800138000",
            "1234",
            ErrorKind::InvalidConfig,
            "isv.SMS_SIGNATURE_ILLEGAL",
            Some("signName"),
        ),
        (
            "template not approved",
            json!({"templates": [
                {"usageType": "Register", "templateCode": "SMS_REGISTER"},
                {"usageType": "SignIn", "templateCode": {"china": "SMS_NOT_APPROVED", "overseas": "SMS_SIGNIN_INTL"}},
                {"usageType": "ForgotPassword", "templateCode": "SMS_FORGOT"},
                {"usageType": "Generic", "templateCode": "SMS_GENERIC"}
            ]}),
            "+8613800138000",
            "1234",
            ErrorKind::InvalidConfig,
            "isv.SMS_TEMPLATE_ILLEGAL",
            Some("templates[1].templateCode.china"),
        ),
        (
            "a code that is not 4-6 letters or digits",
            json!({}),
            "+8613800138000",
            "12",
            ErrorKind::InvalidRequest,
            "isv.TEMPLATE_PARAMS_ILLEGAL",
            Some("TemplateParam"),
        ),
        (
            "a +86 number that is not a mainland mobile",
            json!({}),
            "+86 12345",
            "1234",
            ErrorKind::InvalidRequest,
            "isv.MOBILE_NUMBER_ILLEGAL",
            Some("PhoneNumbers"),
        ),
        (
            "a code with a space",
            json!({}),
            "+8613800138000",
            "12 34",
            ErrorKind::InvalidRequest,
            "isv.TEMPLATE_PARAMS_ILLEGAL",
            Some("TemplateParam"),
        ),
    ];
    for version in ["v1", "v3"] {
        for (what, mut extra, to, value, kind, code, field) in cases.clone() {
            extra["signatureVersion"] = json!(version);
            let (emulator, _) = emulator(Limits::off()).await;
            let sms = connector(&emulator, extra);
            let err = sms
                .send(&code_message(to, UsageType::SignIn, value))
                .await
                .unwrap_err();
            assert_eq!(err.kind(), kind, "{version} {what}: {err}");
            assert_eq!(err.provider_code(), Some(code), "{version} {what}");
            assert_eq!(err.field(), field, "{version} {what}");
            assert!(err.request_id().is_some(), "{version} {what}");
            assert!(!err.is_retryable() && !err.outcome_unknown(), "{what}");
            assert_eq!(emulator.requests_seen(), 1, "{version} {what}: not retried");
            assert!(emulator.inbox().is_empty(), "{version} {what}");
        }
    }
}

#[tokio::test]
async fn a_second_code_within_a_minute_then_the_hourly_limit_are_rate_limited() {
    let (emulator, clock) = emulator(Limits::default()).await;
    let sms = connector(&emulator, json!({}));
    let send = |value: &'static str| {
        let sms = &sms;
        async move {
            sms.send(&code_message("+8613800138000", UsageType::SignIn, value))
                .await
        }
    };

    send("1001").await.unwrap();
    let err = send("1002").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert_eq!(err.provider_code(), Some("isv.BUSINESS_LIMIT_CONTROL"));
    assert!(err.message().contains("触发分钟级流控Permits:1"), "{err}");
    assert!(err.message().contains("do not retry now"), "{err}");
    assert!(!err.is_retryable() && !err.outcome_unknown());
    assert_eq!(emulator.requests_seen(), 2, "a number limit is not retried");

    // Another number, or the same one a minute later, goes through.
    sms.send(&code_message("+8613900139000", UsageType::SignIn, "2001"))
        .await
        .unwrap();
    for value in ["1003", "1004", "1005", "1006"] {
        clock.advance(MINUTE);
        send(value).await.unwrap();
    }
    // Five in the last hour: the sixth is refused by the hourly limit.
    clock.advance(MINUTE);
    let err = send("1007").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert!(err.message().contains("触发小时级流控Permits:5"), "{err}");
    assert!(!err.is_retryable());

    let to_first: Vec<_> = emulator
        .inbox()
        .into_iter()
        .filter(|m| m.phone_number == "+8613800138000")
        .map(|m| m.params["code"].clone())
        .collect();
    assert_eq!(to_first, ["1001", "1003", "1004", "1005", "1006"]);
    assert_eq!(emulator.requests_seen(), 8, "one request a send");
}

/// The day limit needs the emulator's clock a day ahead, beyond the 15 minutes its timestamp
/// check allows around the connector's system-clock timestamps: the connector's own request
/// builder signs at the emulator's time, and the connector's classifier reads the answers.
#[tokio::test]
async fn the_daily_limit_with_the_clock_moved_through_a_day() {
    let (emulator, clock) = emulator(Limits::default()).await;
    // The connector stamps its requests with the emulator's clock.
    let stamp = clock.clone();
    let sms = emu::builder(&emulator, json!({}))
        .clock(move || stamp.now())
        .build()
        .unwrap();
    let send = |value: &'static str| {
        let message = code_message("+8613800138000", UsageType::SignIn, value);
        let sms = &sms;
        async move { sms.send(&message).await }
    };

    let values = [
        "2001", "2002", "2003", "2004", "2005", "2006", "2007", "2008", "2009", "2010",
    ];
    for (i, value) in values.into_iter().enumerate() {
        if i == 5 {
            // The hourly limit is full: two hours later.
            clock.advance(Duration::from_secs(2 * 3600));
        } else if i > 0 {
            clock.advance(MINUTE);
        }
        send(value)
            .await
            .unwrap_or_else(|e| panic!("send {i}: {e}"));
    }
    clock.advance(Duration::from_secs(3 * 3600));
    let err = send("2011").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert_eq!(err.provider_code(), Some("isv.BUSINESS_LIMIT_CONTROL"));
    assert!(err.message().contains("触发天级流控Permits:10"), "{err}");
    assert!(!err.is_retryable() && !err.outcome_unknown());

    // A day after the first send, one has left the window.
    clock.advance(Duration::from_secs(19 * 3600));
    send("2012").await.unwrap();
    assert_eq!(emulator.inbox().len(), 11);
}

#[tokio::test]
async fn a_clock_off_by_more_than_fifteen_minutes_is_refused_and_says_so() {
    let (emulator, clock) = emulator(Limits::off()).await;
    for (version, skew) in [("v1", 16 * 60), ("v3", -16 * 60)] {
        let now = clock.now() + chrono::Duration::seconds(skew);
        let sms = emu::builder(&emulator, json!({"signatureVersion": version}))
            .clock(move || now)
            .build()
            .unwrap();
        let err = sms
            .send(&code_message("+8613800138000", UsageType::SignIn, "1234"))
            .await
            .unwrap_err();
        assert_eq!(
            err.provider_code(),
            Some("InvalidTimeStamp.Expired"),
            "{version}: {err}"
        );
        assert_eq!(err.kind(), ErrorKind::Credentials, "{version}");
        assert!(err.message().contains("clock"), "{version}: {err}");
        assert!(!err.is_retryable() && !err.outcome_unknown());
    }
    assert!(emulator.inbox().is_empty());
}

/// Sends a signed `QuerySendDetails` (the connector only sends `SendSms`).
async fn query_send_details(emulator: &Emulator, extra: &[(&str, &str)]) -> Value {
    let mut params = vec![
        ("Action", "QuerySendDetails"),
        ("Version", "2017-05-25"),
        ("Format", "JSON"),
        ("PageSize", "10"),
        ("CurrentPage", "1"),
    ];
    params.extend_from_slice(extra);
    let credentials = Credentials::new(common::ID, common::SECRET);
    let timestamp = emulator
        .clock()
        .now()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let nonce = uuid::Uuid::new_v4().to_string();
    let signed = rpc::sign("POST", &params, &credentials, &timestamp, &nonce);
    let response = reqwest::Client::new()
        .post(emulator.endpoint())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(signed.to_form_body())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(answer["Code"], "OK", "{answer}");
    answer
}

#[tokio::test]
async fn query_send_details_finds_a_delivered_message_by_number_and_date() {
    let (emulator, clock) = emulator(Limits::default()).await;
    let sms = connector(&emulator, json!({}));
    let message = SmsMessage::verification_code(
        "13800138000".parse().unwrap(),
        UsageType::ForgotPassword,
        "8642",
    )
    .with_reference("reset-77");
    let receipt = sms.send(&message).await.unwrap();
    let biz_id = receipt.message_id.clone().unwrap();
    sms.send(&code_message("+8613900139000", UsageType::SignIn, "1357"))
        .await
        .unwrap();

    let today = emu::china_date(clock.now());
    for extra in [
        vec![("PhoneNumber", "13800138000"), ("SendDate", today.as_str())],
        vec![
            ("PhoneNumber", "+8613800138000"),
            ("SendDate", today.as_str()),
            ("BizId", biz_id.as_str()),
        ],
    ] {
        let answer = query_send_details(&emulator, &extra).await;
        assert_eq!(answer["TotalCount"], 1, "{answer}");
        let found = &answer["SmsSendDetailDTOs"]["SmsSendDetailDTO"][0];
        assert_eq!(found["PhoneNum"], "+8613800138000");
        assert_eq!(found["SendStatus"], 3, "delivered");
        assert_eq!(found["ErrCode"], "DELIVERED");
        assert_eq!(found["TemplateCode"], emu::FORGOT);
        assert_eq!(found["Content"], emu::delivered_text(emu::FORGOT, "8642"));
        assert_eq!(found["OutId"], "reset-77");
    }

    // Another day, or another send's BizId: nothing.
    let yesterday = emu::china_date(clock.now() - chrono::Duration::days(1));
    let answer = query_send_details(
        &emulator,
        &[("PhoneNumber", "13800138000"), ("SendDate", &yesterday)],
    )
    .await;
    assert_eq!(answer["TotalCount"], 0, "{answer}");
    let answer = query_send_details(
        &emulator,
        &[
            ("PhoneNumber", "13900139000"),
            ("SendDate", &today),
            ("BizId", &biz_id),
        ],
    )
    .await;
    assert_eq!(answer["TotalCount"], 0, "{answer}");
}

#[tokio::test]
async fn the_connector_queries_what_it_sent_v1_and_v3() {
    use aliyun_sms::DeliveryStatus;
    use aliyun_sms_emulator::Fault;
    use chrono::NaiveDate;

    for version in ["v1", "v3"] {
        let (emulator, clock) = emulator(Limits::default()).await;
        let sms = connector(&emulator, json!({"signatureVersion": version}));
        let to: connector_kit::PhoneNumber = "+86 138 0013 8000".parse().unwrap();
        let message = SmsMessage::verification_code(to.clone(), UsageType::SignIn, "246810")
            .with_reference("login-42");
        let receipt = sms.send(&message).await.unwrap();
        let biz_id = receipt.message_id.clone().unwrap();
        let today = NaiveDate::parse_from_str(&emu::china_date(clock.now()), "%Y%m%d").unwrap();

        let found = sms.query_send_details(&to, today, None).await.unwrap();
        assert_eq!(found.total_count, 1, "{version}");
        let sent = &found.messages[0];
        assert_eq!(sent.status, DeliveryStatus::Delivered, "{version}");
        assert_eq!(sent.out_id.as_deref(), Some("login-42"), "{version}");
        assert_eq!(sent.error_code.as_deref(), Some("DELIVERED"));
        assert!(sent.content.as_deref().unwrap().contains("246810"));
        assert!(found.request_id.is_some());

        let by_id = sms
            .query_send_details(&to, today, Some(&biz_id))
            .await
            .unwrap();
        assert_eq!(by_id.total_count, 1, "{version}");
        let yesterday = today.pred_opt().unwrap();
        let none = sms.query_send_details(&to, yesterday, None).await.unwrap();
        assert_eq!((none.total_count, none.messages.len()), (0, 0), "{version}");

        // A query changes nothing, so a 503 is asked again (a send would not be).
        let before = emulator.requests_seen();
        emulator.inject(Fault::Respond {
            status: 503,
            content_type: "text/html".into(),
            body: b"<html>busy</html>".to_vec(),
        });
        let again = sms.query_send_details(&to, today, None).await.unwrap();
        assert_eq!(again.total_count, 1, "{version}");
        assert_eq!(
            emulator.requests_seen() - before,
            2,
            "{version}: retried once"
        );

        // Aliyun's refusal keeps its code: a date older than 30 days.
        let old = today - chrono::Duration::days(40);
        let err = sms.query_send_details(&to, old, None).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{version}: {err}");
        assert!(!err.outcome_unknown(), "{err}");
        emulator.shutdown().await;
    }
}
