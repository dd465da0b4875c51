//! The connector over HTTP against wiremock: what goes out, what is retried (only what Tencent
//! refused before processing, or what was never sent), what never is (an unknown outcome), the
//! deadline, and the delivery lookup.

use std::time::{Duration, SystemTime};

use connector_kit::{
    Backoff, DeliveryQuery, DeliveryStatus, ErrorKind, SmsConnector, SmsMessage, UsageType,
};
use serde_json::{Value, json};
use tencent_sms::{TencentSmsConfig, TencentSmsConnector};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SECRET_KEY: &str = "Canary-SecretKey-7f3a";

fn config(endpoint: &str, extra: Value) -> TencentSmsConfig {
    let mut all = json!({
        "accessKeyId": "AKIDexample",
        "accessKeySecret": SECRET_KEY,
        "signName": "腾讯云",
        "sdkAppId": "1400006666",
        "region": "ap-guangzhou",
        "templates": [
            {"usageType": "Register", "templateCode": "100001"},
            {"usageType": "SignIn", "templateCode": "100002"},
            {"usageType": "ForgotPassword", "templateCode": "100003"},
            {"usageType": "Generic", "templateCode": "100004"}
        ],
        "endpoint": endpoint,
        "timeoutMs": 1500,
        "maxAttempts": 3,
    });
    for (key, value) in extra.as_object().unwrap() {
        all[key] = value.clone();
    }
    TencentSmsConfig::from_json_with_env(&all.to_string(), |_| None)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn connector(config: TencentSmsConfig) -> TencentSmsConnector {
    TencentSmsConnector::builder(config)
        .backoff(Backoff::new(
            Duration::from_millis(5),
            Duration::from_millis(20),
        ))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn message() -> SmsMessage {
    SmsMessage::verification_code(
        "+8613800138000".parse().unwrap(),
        UsageType::SignIn,
        "123456",
    )
}

fn sent(serial: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"Response": {"SendStatusSet": [{
        "SerialNo": serial, "PhoneNumber": "+8613800138000", "Fee": 1, "SessionContext": "",
        "Code": "Ok", "Message": "send success", "IsoCode": "CN"
    }], "RequestId": "REQ-OK"}}))
}

fn api_error(code: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(
        json!({"Response": {"Error": {"Code": code, "Message": "x"}, "RequestId": "REQ-ERR"}}),
    )
}

#[tokio::test]
async fn a_code_goes_out_signed_with_the_headers_tencent_reads() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header("content-type", "application/json; charset=utf-8"))
        .and(header("x-tc-action", "SendSms"))
        .and(header("x-tc-version", "2021-01-11"))
        .and(header("x-tc-region", "ap-guangzhou"))
        .and(header("user-agent", tencent_sms::USER_AGENT))
        .and(body_string_contains(
            r#""PhoneNumberSet":["+8613800138000"]"#,
        ))
        .respond_with(sent("SERIAL-1"))
        .expect(1)
        .mount(&server)
        .await;
    let sms = connector(config(&server.uri(), json!({})));
    let receipt = sms.send(&message()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(receipt.message_id.as_deref(), Some("SERIAL-1"));
    assert_eq!(receipt.request_id.as_deref(), Some("REQ-OK"));
    let request = &server.received_requests().await.unwrap()[0];
    let authorization = request
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(authorization.starts_with("TC3-HMAC-SHA256 Credential=AKIDexample/"));
    assert!(request.headers.get("x-tc-token").is_none());
}

#[tokio::test]
async fn a_throttled_request_is_sent_again_and_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(api_error("RequestLimitExceeded"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(sent("SERIAL-3"))
        .expect(1)
        .mount(&server)
        .await;
    let sms = connector(config(&server.uri(), json!({})));
    let receipt = sms.send(&message()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(receipt.message_id.as_deref(), Some("SERIAL-3"));
    // Each attempt is signed anew.
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
}

#[tokio::test]
async fn what_may_have_been_sent_is_never_sent_again() {
    for answer in [
        api_error("InternalError.Timeout"),
        api_error("InternalError.SendAndRecvFail"),
        ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"),
        ResponseTemplate::new(200).set_body_string("{\"Response\": {"),
        ResponseTemplate::new(200).set_body_json(json!({"Response": {"SendStatusSet": []}})),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(answer)
            .expect(1)
            .mount(&server)
            .await;
        let sms = connector(config(&server.uri(), json!({})));
        let error = sms.send(&message()).await.unwrap_err();
        assert!(error.outcome_unknown() && !error.is_retryable(), "{error}");
    }
}

#[tokio::test]
async fn refusals_are_not_retried_and_say_what_to_fix() {
    for (code, kind, field) in [
        (
            "AuthFailure.SignatureFailure",
            ErrorKind::Credentials,
            Some("accessKeySecret"),
        ),
        (
            "AuthFailure.SecretIdNotFound",
            ErrorKind::Credentials,
            Some("accessKeyId"),
        ),
        (
            "FailedOperation.SignatureIncorrectOrUnapproved",
            ErrorKind::InvalidConfig,
            Some("signName"),
        ),
        (
            "FailedOperation.TemplateIncorrectOrUnapproved",
            ErrorKind::InvalidConfig,
            Some("templates[1].templateCode"),
        ),
        (
            "LimitExceeded.PhoneNumberOneHourLimit",
            ErrorKind::RateLimited,
            None,
        ),
        (
            "LimitExceeded.AppDailyLimit",
            ErrorKind::QuotaExceeded,
            None,
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(api_error(code))
            .expect(1)
            .mount(&server)
            .await;
        let sms = connector(config(&server.uri(), json!({})));
        let error = sms.send(&message()).await.unwrap_err();
        assert_eq!(
            (error.kind(), error.field()),
            (kind, field),
            "{code}: {error}"
        );
        assert!(!error.is_retryable() && !error.outcome_unknown(), "{code}");
        assert_eq!(error.request_id(), Some("REQ-ERR"));
    }
}

#[tokio::test]
async fn no_connection_is_tried_again_and_says_nothing_was_sent() {
    // A port nobody listens on.
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", unused.local_addr().unwrap());
    drop(unused);
    let sms = connector(config(&endpoint, json!({})));
    let error = sms.send(&message()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert!(error.is_retryable() && !error.outcome_unknown(), "{error}");
    assert!(error.message().contains("nothing was sent"), "{error}");
}

#[tokio::test]
async fn a_silent_server_ends_the_send_at_its_deadline_with_an_unknown_outcome() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(sent("LATE").set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    let sms = connector(config(&server.uri(), json!({"timeoutMs": 1000})));
    let started = std::time::Instant::now();
    let error = sms.send(&message()).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(1600),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(error.outcome_unknown() && !error.is_retryable());
    assert!(
        error.message().contains("PullSmsSendStatusByPhoneNumber"),
        "{error}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_secret_never_shows_even_when_the_answer_echoes_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"Response": {
                "Error": {"Code": "InvalidParameter", "Message": format!("bad key {SECRET_KEY}")},
                "RequestId": "R"
            }})),
        )
        .mount(&server)
        .await;
    let config = config(&server.uri(), json!({"securityToken": "Canary-Token-19"}));
    let sms = connector(config.clone());
    let error = sms.send(&message()).await.unwrap_err();
    for shown in [
        error.to_string(),
        format!("{error:?}"),
        format!("{sms:?}"),
        format!("{config:?}"),
    ] {
        assert!(!shown.contains("Canary"), "{shown}");
    }
}

#[tokio::test]
async fn a_delivery_lookup_pulls_the_numbers_status_and_matches_the_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("x-tc-action", "SendSms"))
        .respond_with(sent("SERIAL-7"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(header("x-tc-action", "PullSmsSendStatusByPhoneNumber"))
        .and(body_string_contains(r#""PhoneNumber":"+8613800138000","SmsSdkAppId":"1400006666""#))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"Response": {
            "PullSmsSendStatusSet": [
                {"UserReceiveTime": 1700000010, "CountryCode": "86", "SubscriberNumber": "13800138000",
                 "PhoneNumber": "+8613800138000", "SerialNo": "SERIAL-6", "ReportStatus": "FAIL",
                 "Description": "MK:0001", "SessionContext": "login-6"},
                {"UserReceiveTime": 1700000020, "CountryCode": "86", "SubscriberNumber": "13800138000",
                 "PhoneNumber": "+8613800138000", "SerialNo": "SERIAL-7", "ReportStatus": "SUCCESS",
                 "Description": "DELIVRD", "SessionContext": "login-7"}
            ],
            "RequestId": "REQ-PULL"
        }})))
        .mount(&server)
        .await;
    let sms = connector(config(&server.uri(), json!({})));
    let sent_at = SystemTime::now();
    let receipt = sms
        .send(&message().with_reference("login-7"))
        .await
        .unwrap();

    let by_id = DeliveryQuery::new(message().to, sent_at)
        .with_message_id(receipt.message_id.clone().unwrap());
    let report = sms
        .lookup_delivery(&by_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.records.len(), 1);
    assert_eq!(report.records[0].status, DeliveryStatus::Delivered);
    assert_eq!(report.records[0].reference.as_deref(), Some("login-7"));
    assert_eq!(report.request_id.as_deref(), Some("REQ-PULL"));

    let by_reference = DeliveryQuery::for_message(&message().with_reference("login-6"), sent_at);
    let report = sms.lookup_delivery(&by_reference).await.unwrap();
    assert_eq!(report.records[0].status, DeliveryStatus::Failed);
    assert_eq!(
        report.records[0].provider_status.as_deref(),
        Some("MK:0001")
    );

    let never = DeliveryQuery::new(message().to, sent_at).with_reference("never-sent");
    assert!(!sms.lookup_delivery(&never).await.unwrap().was_sent());

    // The window: from a little before the send to now.
    let pulls: Vec<Request> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.headers.get("x-tc-action").unwrap() == "PullSmsSendStatusByPhoneNumber")
        .collect();
    let body: Value = serde_json::from_slice(&pulls[0].body).unwrap();
    let sent_unix = sent_at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert_eq!(body["BeginTime"].as_u64(), Some(sent_unix - 300));
    assert!(body["EndTime"].as_u64().unwrap() >= sent_unix);
    assert_eq!(
        (body["Offset"].as_u64(), body["Limit"].as_u64()),
        (Some(0), Some(100))
    );
}

#[tokio::test]
async fn a_lookup_is_asked_again_after_an_internal_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(api_error("InternalError"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"Response": {"PullSmsSendStatusSet": [], "RequestId": "R2"}}),
            ),
        )
        .mount(&server)
        .await;
    let sms = connector(config(&server.uri(), json!({})));
    let report = sms
        .lookup_delivery(&DeliveryQuery::new(message().to, SystemTime::now()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!report.was_sent());
    assert_eq!(report.request_id.as_deref(), Some("R2"));
}
