//! Faults injected by the emulator, as for Aliyun: what the caller gets (kind, flags, status),
//! within its bound (`timeoutMs` plus a margin for a loaded 2-core machine), how many requests
//! the server saw (exactly one wherever the outcome may be known only to Tencent: never resent),
//! and what was delivered. Then an answer lost after the message went out, settled by a
//! delivery lookup.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aliyun_sms_emulator::{Fault, TencentLimits};
use common::*;
use connector_kit::{DeliveryQuery, ErrorKind, SmsConnector, SmsMessage, UsageType};
use serde_json::json;

/// `timeoutMs` of the connectors here (the smallest the config allows).
const TIMEOUT: Duration = Duration::from_millis(1000);
/// Slack for a loaded 2-core machine: a bound, never a speed claim.
const MARGIN: Duration = Duration::from_millis(1500);
const TEN_MIB: usize = 10 * 1024 * 1024;

/// Kind, outcome unknown, retryable, what the message says, the HTTP status; `None` for a
/// receipt.
type Expected = Option<(ErrorKind, bool, bool, &'static str, Option<u16>)>;

fn message() -> SmsMessage {
    SmsMessage::verification_code("+8613800138000".parse().unwrap(), UsageType::SignIn, "4711")
}

#[tokio::test]
async fn every_fault_gives_a_typed_error_within_its_bound_and_is_never_resent() {
    use ErrorKind::*;
    let ok = r#"{"Response":{"SendStatusSet":[{"SerialNo":"S-1","PhoneNumber":"+8613800138000","Fee":1,"SessionContext":"","Code":"Ok","Message":"send success","IsoCode":"CN"}],"RequestId":"R-1"}}"#;
    let html = |status: u16| {
        Fault::respond(
            status,
            "text/html",
            format!("<html><h1>{status}</h1></html>"),
        )
    };
    #[rustfmt::skip]
    let cases: Vec<(&str, Vec<Fault>, Expected, u64, usize)> = vec![
        ("server delay beyond the timeout", vec![Fault::Delay(TIMEOUT + Duration::from_millis(1500))],
            Some((Timeout, true, false, "no answer from", None)), 1, 0),
        ("slow body (1 byte every 50 ms)", vec![Fault::SlowBody { chunk: 1, interval: Duration::from_millis(50) }],
            Some((Timeout, true, false, "no answer from", Some(200))), 1, 0),
        ("connection closed before the answer", vec![Fault::CloseConnection],
            Some((OutcomeUnknown, true, false, "failed after the request was sent", None)), 1, 0),
        ("Tencent's InternalError", vec![Fault::InternalError],
            Some((OutcomeUnknown, true, false, "may or may not have been sent", Some(200))), 1, 0),
        ("HTTP 502 with HTML", vec![html(502)],
            Some((InvalidResponse, true, false, "not Tencent Cloud's JSON", Some(502))), 1, 0),
        ("HTTP 503 with HTML", vec![html(503)],
            Some((InvalidResponse, true, false, "not Tencent Cloud's JSON", Some(503))), 1, 0),
        ("HTTP 404 with HTML", vec![html(404)],
            Some((InvalidResponse, false, false, "not Tencent Cloud's JSON", Some(404))), 1, 0),
        ("truncated JSON", vec![Fault::TruncatedJson],
            Some((InvalidResponse, true, false, "not Tencent Cloud's JSON", Some(200))), 1, 0),
        ("malformed JSON", vec![Fault::MalformedJson],
            Some((InvalidResponse, true, false, "not Tencent Cloud's JSON", Some(200))), 1, 0),
        ("a 10 MiB body", vec![Fault::respond(200, "application/json", vec![b' '; TEN_MIB])],
            Some((InvalidResponse, true, false, "larger than 64 KiB", Some(200))), 1, 0),
        ("no SendStatusSet", vec![Fault::respond(200, "application/json", r#"{"Response":{"RequestId":"R"}}"#)],
            Some((InvalidResponse, true, false, "no SendStatusSet entry", Some(200))), 1, 0),
        ("Tencent's JSON under a wrong content type", vec![Fault::respond(200, "text/html", ok)],
            None, 1, 0),
        ("throttled once", vec![Fault::Throttle], None, 2, 1),
        ("throttled on every attempt", vec![Fault::Throttle, Fault::Throttle, Fault::Throttle],
            Some((RateLimited, false, true, "throttled", Some(200))), 3, 0),
    ];
    for (name, faults, expected, requests, delivered) in cases {
        let (emulator, clock) = emulator(TencentLimits::off()).await;
        for fault in faults {
            emulator.inject(fault);
        }
        let sms = Arc::new(connector(
            &emulator,
            &clock,
            json!({"timeoutMs": 1000, "maxAttempts": 3}),
        ));
        let started = Instant::now();
        let result = tokio::spawn(async move { sms.send(&message()).await })
            .await
            .unwrap_or_else(|e| panic!("{name}: the connector panicked: {e}"));
        let elapsed = started.elapsed();
        assert!(
            elapsed <= TIMEOUT + MARGIN,
            "{name}: returned after {elapsed:?}"
        );
        match (expected, &result) {
            (None, Ok(receipt)) => assert!(receipt.message_id.is_some(), "{name}"),
            (Some((kind, unknown, retryable, says, status)), Err(error)) => {
                assert_eq!(error.kind(), kind, "{name}: {error}");
                assert_eq!(error.outcome_unknown(), unknown, "{name}: {error}");
                assert_eq!(error.is_retryable(), retryable, "{name}: {error}");
                assert!(error.message().contains(says), "{name}: {error}");
                assert_eq!(error.http_status(), status, "{name}: {error}");
                assert!(error.message().len() < 1024, "{name}: a snippet at most");
                assert_eq!(error.contradiction(), None, "{name}");
            }
            (expected, got) => panic!("{name}: expected {expected:?}, got {got:?}"),
        }
        let seen = emulator.requests_seen();
        assert_eq!(seen, requests, "{name}: requests seen");
        if result.as_ref().is_err_and(|e| e.outcome_unknown()) {
            assert_eq!(seen, 1, "{name}: an unknown outcome is never resent");
        }
        if name.starts_with("server delay") {
            tokio::time::sleep(Duration::from_millis(1500)).await;
        }
        assert_eq!(emulator.inbox().len(), delivered, "{name}: delivered");
    }
}

#[tokio::test]
async fn a_lost_answer_is_not_resent_and_a_delivery_lookup_settles_it() {
    let (emulator, clock) = emulator(TencentLimits::off()).await;
    let sms = connector(&emulator, &clock, json!({"timeoutMs": 1000}));
    let message = message().with_reference("login-lost-answer");
    let sent_at = SystemTime::from(clock.now());
    // Tencent sends the message, and its answer never arrives in time.
    emulator.inject(Fault::LateAnswer(Duration::from_secs(3)));
    let error = sms.send(&message).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(error.outcome_unknown() && !error.is_retryable());
    assert_eq!(emulator.requests_seen(), 1, "never resent");
    assert_eq!(emulator.inbox().len(), 1, "it did go out");

    let report = sms
        .lookup_delivery(&DeliveryQuery::for_message(&message, sent_at))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.was_sent(), "the lookup finds it: {report:?}");
    assert_eq!(
        report.records[0].message_id.as_deref(),
        Some(emulator.inbox()[0].biz_id.as_str())
    );
}

#[tokio::test]
async fn a_refused_connection_is_retried_and_nothing_is_sent() {
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", unused.local_addr().unwrap());
    drop(unused);
    let json = json!({
        "accessKeyId": SECRET_ID, "accessKeySecret": SECRET_KEY, "signName": SIGN, "sdkAppId": APP,
        "templates": [
            {"usageType": "Register", "templateCode": REGISTER},
            {"usageType": "SignIn", "templateCode": SIGN_IN},
            {"usageType": "ForgotPassword", "templateCode": FORGOT},
            {"usageType": "Generic", "templateCode": GENERIC}
        ],
        "endpoint": endpoint, "timeoutMs": 1000, "maxAttempts": 3,
    });
    let sms = tencent_sms::TencentSmsConnector::from_json(&json.to_string()).unwrap();
    let started = Instant::now();
    let error = sms.send(&message()).await.unwrap_err();
    assert!(started.elapsed() <= TIMEOUT + MARGIN);
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    assert!(error.is_retryable() && !error.outcome_unknown(), "{error}");
    assert!(error.message().contains("nothing was sent"), "{error}");
}
