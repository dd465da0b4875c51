//! Answers that could mislead the connector into a wrong outcome or a leak: a status pull that
//! echoes no `SessionContext` (Tencent's default), a `SendStatusSet` entry for another number, a
//! secret echoed across the cut of an error's snippet, a full page of status records.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{TimeZone, Utc};
use connector_kit::{
    DeliveryQuery, Failover, RecordingConnector, SettlePolicy, Sleep, SmsConnector, SmsMessage,
    UsageType,
};
use serde_json::json;
use tencent_sms::{TencentSmsConfig, TencentSmsConnector, build_send_request};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLEkey";

fn config_json(endpoint: &str) -> String {
    json!({
        "accessKeyId": "AKIDexample", "accessKeySecret": SECRET_KEY,
        "signName": "腾讯云", "sdkAppId": "1400006666", "region": "ap-guangzhou",
        "templates": [
            {"usageType": "Register", "templateCode": "100001"},
            {"usageType": "SignIn", "templateCode": "100002"},
            {"usageType": "ForgotPassword", "templateCode": "100003"},
            {"usageType": "Generic", "templateCode": "100004"}
        ],
        "endpoint": endpoint, "timeoutMs": 1000, "maxAttempts": 1
    })
    .to_string()
}

fn connector(endpoint: &str) -> TencentSmsConnector {
    TencentSmsConnector::new(
        TencentSmsConfig::from_json_with_env(&config_json(endpoint), |_| None).unwrap(),
    )
    .unwrap()
}

fn message() -> SmsMessage {
    SmsMessage::verification_code(
        "+8613800138000".parse().unwrap(),
        UsageType::SignIn,
        "123456",
    )
}

/// Tencent leaves `SessionContext` empty in status pulls unless its SMS helper enabled it
/// (reference §6): a record without one may be the message asked about by reference, so a
/// send of unknown outcome is settled as sent, and the failover sends no second code.
#[tokio::test]
async fn an_unknown_outcome_is_not_settled_as_not_sent_when_session_context_is_not_echoed() {
    let tencent = MockServer::start().await;
    // The message did go out: Tencent lists it, with SessionContext empty (the default).
    let now = Utc::now().timestamp();
    Mock::given(method("POST"))
        .and(header("x-tc-action", "PullSmsSendStatusByPhoneNumber"))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!(
            r#"{{"Response":{{"PullSmsSendStatusSet":[{{"UserReceiveTime":{now},"CountryCode":"86","SubscriberNumber":"13800138000","PhoneNumber":"+8613800138000","SerialNo":"2019:123","ReportStatus":"SUCCESS","Description":"DELIVRD","SessionContext":""}}],"RequestId":"R2"}}}}"#
        )))
        .mount(&tencent)
        .await;

    // Directly: a lookup by reference says "nothing was sent".
    let sms = connector(&tencent.uri());
    let query = DeliveryQuery::new(message().to, SystemTime::now()).with_reference("login-42");
    let report = sms.lookup_delivery(&query).await.unwrap();
    assert!(
        report.was_sent(),
        "Tencent lists a message to this number in the window, yet the report says nothing was sent: {report:?}"
    );
}

#[tokio::test]
async fn failover_does_not_send_twice_after_tencent_sent_it() {
    let tencent = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("x-tc-action", "SendSms"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"Response":{"Error":{"Code":"InternalError.Timeout","Message":"timeout"},"RequestId":"R1"}}"#,
        ))
        .mount(&tencent)
        .await;
    let now = Utc::now().timestamp();
    Mock::given(method("POST"))
        .and(header("x-tc-action", "PullSmsSendStatusByPhoneNumber"))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!(
            r#"{{"Response":{{"PullSmsSendStatusSet":[{{"UserReceiveTime":{now},"PhoneNumber":"+8613800138000","SerialNo":"2019:123","ReportStatus":"SUCCESS","Description":"DELIVRD","SessionContext":""}}],"RequestId":"R2"}}}}"#
        )))
        .mount(&tencent)
        .await;
    let backup = Arc::new(RecordingConnector::new());
    let failover = Failover::new()
        .with_provider("tencent", Arc::new(connector(&tencent.uri())))
        .with_provider("backup", backup.clone())
        .with_settle(SettlePolicy::new(
            Duration::from_millis(300),
            Duration::from_millis(100),
        ))
        .with_sleep(Sleep::new(tokio::time::sleep));
    let _ = failover.send(&message()).await;
    assert_eq!(
        backup.sent().len(),
        0,
        "Tencent sent the code (its status pull lists it), and the backup sent it a second time"
    );
}

/// A `SendStatusSet` whose only entry is for another number is not this number's result: no
/// receipt with another message's SerialNo.
#[test]
fn an_entry_for_another_number_is_not_a_receipt() {
    let config = TencentSmsConfig::from_json_with_env(
        &config_json("https://sms.tencentcloudapi.com"),
        |_| None,
    )
    .unwrap();
    let time = Utc.with_ymd_and_hms(2023, 11, 14, 22, 13, 20).unwrap();
    let request = build_send_request(&config, &message(), time).unwrap();
    let other = br#"{"Response":{"SendStatusSet":[{"SerialNo":"2028:other","PhoneNumber":"+8613900000000","Fee":1,"SessionContext":"","Code":"Ok","Message":"send success","IsoCode":"CN"}],"RequestId":"R"}}"#;
    let result = request.classify(200, other);
    assert!(
        result.is_err(),
        "an answer about +8613900000000 became the receipt of +8613800138000: {result:?}"
    );
}

/// An unreadable answer's snippet is cut at 512 bytes after the body is redacted: a SecretKey
/// echoed across the cut leaves none of its characters in the error.
#[tokio::test]
async fn a_secret_echoed_across_the_snippet_cut_is_not_partly_shown() {
    let tencent = MockServer::start().await;
    let body = format!(
        "{}{SECRET_KEY} echoed by a debugging proxy",
        "x".repeat(500)
    );
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502).set_body_string(body))
        .mount(&tencent)
        .await;
    let error = connector(&tencent.uri())
        .send(&message())
        .await
        .unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(
        !shown.contains(&SECRET_KEY[..12]),
        "the first 12 characters of the SecretKey are in the error: {shown}"
    );
}

/// A pull answers at most 100 records (Offset is fixed at 0). A full page without the message
/// asked about cannot say it was not sent: an error, never a report that finds nothing.
#[tokio::test]
async fn a_full_page_without_the_message_is_not_reported_as_not_sent() {
    let tencent = MockServer::start().await;
    let now = Utc::now().timestamp();
    let records: Vec<_> = (0..100)
        .map(|i| json!({"UserReceiveTime": now, "PhoneNumber": "+8613800138000", "SerialNo": format!("2019:{i}"), "ReportStatus": "SUCCESS", "Description": "DELIVRD", "SessionContext": ""}))
        .collect();
    Mock::given(method("POST"))
        .and(header("x-tc-action", "PullSmsSendStatusByPhoneNumber"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            json!({"Response": {"PullSmsSendStatusSet": records, "RequestId": "R"}}).to_string(),
        ))
        .mount(&tencent)
        .await;
    let query = DeliveryQuery::new(message().to, SystemTime::now() - Duration::from_secs(3600))
        .with_message_id("2019:the-one-asked-about");
    let result = connector(&tencent.uri()).lookup_delivery(&query).await;
    assert!(
        result.as_ref().map_or(true, |report| report.was_sent()),
        "a full page of 100 records without the message is reported as nothing sent: {:?}",
        result.map(|r| r.records.len())
    );
}
