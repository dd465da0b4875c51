//! End to end against a local wiremock server: what is sent, what comes back, what is retried.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aliyun_sms::{AliyunSmsConnector, METADATA, USER_AGENT};
use common::{
    Capture, SignatureMismatch, connector, error_body, form, header, ok_body, param, received,
    server_answering, verify_v1, verify_v3,
};
use connector_kit::{ErrorKind, SmsConnector, SmsMessage, UsageType};
use serde_json::json;
use tokio::io::AsyncReadExt;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn message(to: &str, usage: UsageType) -> SmsMessage {
    SmsMessage::verification_code(to.parse().unwrap(), usage, "123456")
}

async fn ok_server() -> MockServer {
    server_answering(ResponseTemplate::new(200).set_body_string(ok_body("900619746936498440")))
        .await
}

#[tokio::test]
async fn each_usage_type_uses_its_template_or_generics() {
    let server = ok_server().await;
    let sms = connector(&server.uri(), json!({}));
    let expected = [
        (UsageType::Register, "SMS_REGISTER"),
        (UsageType::SignIn, "SMS_SIGNIN_CN"),
        (UsageType::ForgotPassword, "SMS_FORGOT"),
        (UsageType::Generic, "SMS_GENERIC"),
        (UsageType::OrganizationInvitation, "SMS_GENERIC"),
        (UsageType::UserPermissionValidation, "SMS_GENERIC"),
        (UsageType::BindNewIdentifier, "SMS_GENERIC"),
        (UsageType::MfaVerification, "SMS_MFA"),
        (UsageType::BindMfa, "SMS_GENERIC"),
    ];
    for (usage, _) in expected {
        let receipt = sms.send(&message("+8613800138000", usage)).await.unwrap();
        assert_eq!(receipt.message_id.as_deref(), Some("900619746936498440"));
        assert_eq!(
            receipt.request_id.as_deref(),
            Some("req-900619746936498440")
        );
    }
    let requests = received(&server).await;
    assert_eq!(requests.len(), expected.len());
    for (request, (usage, code)) in requests.iter().zip(expected) {
        let params = form(&request.body);
        assert_eq!(param(&params, "TemplateCode"), Some(code), "{usage}");
        assert!(verify_v1(request, common::SECRET), "{usage}");
    }
}

#[tokio::test]
async fn china_or_overseas_template_in_both_modes() {
    let server = ok_server().await;
    let lenient = connector(&server.uri(), json!({}));
    let strict = connector(&server.uri(), json!({"strictPhoneRegionNumberCheck": true}));
    let cases = [
        (&lenient, "13800138000", "SMS_SIGNIN_CN"),
        (&lenient, "8613800138000", "SMS_SIGNIN_CN"),
        (&lenient, "+18624017194", "SMS_SIGNIN_INTL"),
        (&lenient, "85268326366", "SMS_SIGNIN_INTL"),
        (&strict, "13800138000", "SMS_SIGNIN_INTL"),
        (&strict, "+8613800138000", "SMS_SIGNIN_CN"),
        (&strict, "4915112345678", "SMS_SIGNIN_INTL"),
    ];
    for (sms, to, _) in cases {
        sms.send(&message(to, UsageType::SignIn)).await.unwrap();
    }
    let requests = received(&server).await;
    for (request, (_, to, code)) in requests.iter().zip(cases) {
        let params = form(&request.body);
        assert_eq!(param(&params, "TemplateCode"), Some(code), "{to}");
    }
}

#[tokio::test]
async fn sends_exactly_logtos_parameters_with_a_signature_that_verifies() {
    let server = ok_server().await;
    let sms = connector(&server.uri(), json!({}));
    let before = chrono::Utc::now() - chrono::Duration::seconds(2);
    let message = message("+86 138 0013 8000", UsageType::SignIn)
        .with_locale("zh-CN")
        .with_reference("order-42");
    sms.send(&message).await.unwrap();

    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/");
    assert_eq!(request.url.query(), None);
    assert_eq!(
        header(request, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(header(request, "user-agent"), Some(USER_AGENT));
    assert_eq!(
        USER_AGENT,
        concat!("aliyun-sms-rs/", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        header(request, "host"),
        Some(server.uri().trim_start_matches("http://"))
    );

    let mut params = form(&request.body);
    params.sort();
    let names: Vec<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "AccessKeyId",
            "Action",
            "Format",
            "OutId",
            "PhoneNumbers",
            "RegionId",
            "SignName",
            "Signature",
            "SignatureMethod",
            "SignatureNonce",
            "SignatureVersion",
            "TemplateCode",
            "TemplateParam",
            "Timestamp",
            "Version",
        ]
    );
    for (name, value) in [
        ("AccessKeyId", common::ID),
        ("Action", "SendSms"),
        ("Format", "json"),
        ("OutId", "order-42"),
        ("PhoneNumbers", "8613800138000"),
        ("RegionId", "cn-hangzhou"),
        ("SignName", "Logto"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("TemplateCode", "SMS_SIGNIN_CN"),
        ("TemplateParam", r#"{"code":"123456"}"#),
        ("Version", "2017-05-25"),
    ] {
        assert_eq!(param(&params, name), Some(value), "{name}");
    }
    let nonce = param(&params, "SignatureNonce").unwrap();
    assert!(
        uuid::Uuid::parse_str(nonce).is_ok_and(|u| u.get_version_num() == 4),
        "{nonce}"
    );
    let timestamp = param(&params, "Timestamp").unwrap();
    let sent_at = chrono::DateTime::parse_from_rfc3339(timestamp).unwrap();
    assert!(
        timestamp.ends_with('Z') && timestamp.len() == 20,
        "{timestamp}"
    );
    assert!(
        sent_at >= before && sent_at <= chrono::Utc::now(),
        "{timestamp}"
    );

    assert!(verify_v1(request, common::SECRET));
    assert!(!verify_v1(request, "another-secret"));
}

#[tokio::test]
async fn sts_token_travels_as_security_token_in_v1() {
    let server = ok_server().await;
    let sms = connector(&server.uri(), json!({"securityToken": "CAIS+sts/token=="}));
    sms.send(&message("8613800138000", UsageType::SignIn))
        .await
        .unwrap();
    let requests = received(&server).await;
    let params = form(&requests[0].body);
    assert_eq!(param(&params, "SecurityToken"), Some("CAIS+sts/token=="));
    assert!(verify_v1(&requests[0], common::SECRET));
}

#[tokio::test]
async fn v3_sends_signed_headers_that_verify() {
    let server = ok_server().await;
    let sms = connector(
        &server.uri(),
        json!({"signatureVersion": "v3", "securityToken": "CAIS+sts/token=="}),
    );
    sms.send(&message("8613800138000", UsageType::SignIn).with_reference("r-1"))
        .await
        .unwrap();
    let requests = received(&server).await;
    let request = &requests[0];
    assert_eq!(header(request, "x-acs-action"), Some("SendSms"));
    assert_eq!(header(request, "x-acs-version"), Some("2017-05-25"));
    assert_eq!(
        header(request, "x-acs-security-token"),
        Some("CAIS+sts/token==")
    );
    assert!(header(request, "x-acs-date").is_some_and(|d| d.ends_with('Z')));
    assert!(header(request, "x-acs-signature-nonce").is_some());
    assert!(header(request, "authorization").is_some_and(|a| a.contains("x-acs-security-token")));
    assert!(verify_v3(request, common::ID, common::SECRET));
    assert!(!verify_v3(request, common::ID, "another-secret"));
    assert_eq!(
        form(&request.body),
        [
            ("OutId", "r-1"),
            ("PhoneNumbers", "8613800138000"),
            ("SignName", "Logto"),
            ("TemplateCode", "SMS_SIGNIN_CN"),
            ("TemplateParam", r#"{"code":"123456"}"#),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
}

/// One send against a server that answers `status` + `body`; returns the error and how many
/// requests the server saw.
async fn fail_with(status: u16, body: &str) -> (connector_kit::ConnectorError, usize) {
    let server = server_answering(ResponseTemplate::new(status).set_body_string(body)).await;
    let sms = connector(&server.uri(), json!({}));
    let err = sms
        .send(&message("8613800138000", UsageType::SignIn))
        .await
        .unwrap_err();
    (err, received(&server).await.len())
}

#[tokio::test]
async fn every_error_class_end_to_end() {
    use ErrorKind::*;
    // (code, status, kind, field); none is retried.
    let cases = [
        ("InvalidTimeStamp.Expired", 400, Credentials, None),
        (
            "InvalidAccessKeyId.NotFound",
            404,
            Credentials,
            Some("accessKeyId"),
        ),
        ("Forbidden.RAM", 403, Credentials, Some("accessKeyId")),
        ("isv.BUSINESS_LIMIT_CONTROL", 200, RateLimited, None),
        ("isv.DAY_LIMIT_CONTROL", 200, QuotaExceeded, None),
        (
            "isv.MOBILE_NUMBER_ILLEGAL",
            200,
            InvalidRequest,
            Some("PhoneNumbers"),
        ),
        (
            "isv.TEMPLATE_PARAMS_ILLEGAL",
            200,
            InvalidRequest,
            Some("TemplateParam"),
        ),
        (
            "isv.SMS_SIGNATURE_ILLEGAL",
            200,
            InvalidConfig,
            Some("signName"),
        ),
        (
            "isv.SMS_TEMPLATE_ILLEGAL",
            200,
            InvalidConfig,
            Some("templates[1].templateCode.china"),
        ),
        ("isv.AMOUNT_NOT_ENOUGH", 200, QuotaExceeded, None),
        ("isv.SMS_CONTENT_ILLEGAL", 200, Rejected, None),
        ("isv.DENY_IP_RANGE", 200, Rejected, None),
        ("isv.SOMETHING_NEW", 200, Rejected, None),
        ("isp.SYSTEM_ERROR", 200, OutcomeUnknown, None),
        ("InternalError", 500, OutcomeUnknown, None),
        ("ServiceUnavailable", 503, OutcomeUnknown, None),
    ];
    for (code, status, kind, field) in cases {
        let (err, requests) = fail_with(status, &error_body(code, "said")).await;
        assert_eq!(requests, 1, "{code} is never resent");
        assert_eq!(err.kind(), kind, "{code}");
        assert_eq!(err.field(), field, "{code}");
        assert_eq!(err.provider_code(), Some(code));
        assert_eq!(err.request_id(), Some("REQ-ERR-1"));
        assert_eq!(err.http_status(), Some(status));
        assert!(!err.is_retryable(), "{code}");
        assert_eq!(err.outcome_unknown(), kind == OutcomeUnknown, "{code}");
    }
}

#[tokio::test]
async fn signature_mismatch_end_to_end_both_ways() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(SignatureMismatch { tamper: |_| {} })
        .mount(&server)
        .await;
    let sms = connector(&server.uri(), json!({}));
    let err = sms
        .send(&message("8613800138000", UsageType::SignIn))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.field()),
        (ErrorKind::Credentials, Some("accessKeySecret"))
    );
    assert!(
        err.message().contains("the AccessKey secret is wrong"),
        "{}",
        err.message()
    );
    assert_eq!(received(&server).await.len(), 1);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(SignatureMismatch {
            tamper: |params| {
                params.retain(|(name, _)| name != "OutId");
                for (name, value) in params.iter_mut() {
                    if name == "TemplateParam" {
                        *value = r#"{"code":"000000"}"#.to_owned();
                    }
                }
            },
        })
        .mount(&server)
        .await;
    let sms = connector(&server.uri(), json!({}));
    let err = sms
        .send(&message("8613800138000", UsageType::SignIn).with_reference("o-9"))
        .await
        .unwrap_err();
    let text = err.message();
    assert!(text.contains("changed it on the way"), "{text}");
    assert!(text.contains("changed: TemplateParam"), "{text}");
    assert!(text.contains("missing at Aliyun: OutId"), "{text}");
    assert!(
        !text.contains("123456") && !text.contains("000000"),
        "{text}"
    );
}

#[tokio::test]
async fn a_slow_server_times_out_within_the_bound_and_is_not_resent() {
    let server = server_answering(
        ResponseTemplate::new(200)
            .set_body_string(ok_body("late"))
            .set_delay(Duration::from_secs(5)),
    )
    .await;
    let sms = connector(&server.uri(), json!({"timeoutMs": 1000, "maxAttempts": 5}));
    let started = Instant::now();
    let err = sms
        .send(&message("8613800138000", UsageType::SignIn))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.outcome_unknown() && !err.is_retryable());
    assert!(
        err.message().contains("within 1000 ms"),
        "{}",
        err.message()
    );
    assert!(
        elapsed >= Duration::from_millis(950) && elapsed < Duration::from_millis(1500),
        "{elapsed:?}"
    );
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn throttling_is_retried_with_fresh_nonces_then_succeeds() {
    for (code, status) in [
        ("Throttling.User", 400),
        ("Throttling.Api", 429),
        ("SignatureNonceUsed", 400),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/"))
            .respond_with(
                ResponseTemplate::new(status).set_body_string(error_body(code, "slow down")),
            )
            .up_to_n_times(2)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_string(ok_body("after-retry")))
            .with_priority(2)
            .mount(&server)
            .await;
        let sms = connector(&server.uri(), json!({"maxAttempts": 3}));
        let receipt = sms
            .send(&message("8613800138000", UsageType::SignIn))
            .await
            .unwrap();
        assert_eq!(receipt.message_id.as_deref(), Some("after-retry"), "{code}");

        let requests = received(&server).await;
        assert_eq!(requests.len(), 3, "{code}: two refusals + one success");
        let mut nonces: Vec<String> = requests
            .iter()
            .map(|r| param(&form(&r.body), "SignatureNonce").unwrap().to_owned())
            .collect();
        nonces.sort();
        nonces.dedup();
        assert_eq!(nonces.len(), 3, "{code}: every attempt has its own nonce");
        assert!(
            requests.iter().all(|r| verify_v1(r, common::SECRET)),
            "{code}: every attempt re-signed"
        );
    }
}

#[tokio::test]
async fn throttled_on_every_attempt_surfaces_rate_limited() {
    let server = server_answering(
        ResponseTemplate::new(400).set_body_string(error_body("Throttling.User", "slow down")),
    )
    .await;
    let sms = connector(&server.uri(), json!({"maxAttempts": 4}));
    let err = sms
        .send(&message("8613800138000", UsageType::SignIn))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert!(err.is_retryable() && !err.outcome_unknown());
    assert_eq!(err.provider_code(), Some("Throttling.User"));
    assert_eq!(received(&server).await.len(), 4);

    let server = server_answering(
        ResponseTemplate::new(400).set_body_string(error_body("Throttling.User", "slow down")),
    )
    .await;
    let sms = connector(&server.uri(), json!({"maxAttempts": 1}));
    assert!(
        sms.send(&message("8613800138000", UsageType::SignIn))
            .await
            .is_err()
    );
    assert_eq!(received(&server).await.len(), 1, "maxAttempts 1: no retry");
}

#[tokio::test]
async fn ambiguous_answers_are_sent_exactly_once() {
    let oversized = format!(r#"{{"Code":"OK","Message":"{}"}}"#, "a".repeat(100 * 1024));
    let cases: [(u16, &str, ErrorKind, &str); 7] = [
        (
            500,
            "<html>Internal Server Error</html>",
            ErrorKind::InvalidResponse,
            "not Aliyun's JSON",
        ),
        (
            502,
            "<html><head><title>502 Bad Gateway</title></head></html>",
            ErrorKind::InvalidResponse,
            "502 Bad Gateway",
        ),
        (503, "", ErrorKind::InvalidResponse, "empty"),
        (200, "", ErrorKind::InvalidResponse, "empty"),
        (
            200,
            r#"{"Code":"OK","BizId":"9006"#,
            ErrorKind::InvalidResponse,
            "not Aliyun's JSON",
        ),
        (
            200,
            &oversized,
            ErrorKind::InvalidResponse,
            "larger than 64 KiB",
        ),
        (
            504,
            &error_body("GatewayTimeout", "upstream"),
            ErrorKind::OutcomeUnknown,
            "upstream",
        ),
    ];
    for (status, body, kind, part) in cases {
        let (err, requests) = fail_with(status, body).await;
        assert_eq!(requests, 1, "{status} {part}: exactly one request");
        assert_eq!(err.kind(), kind, "{status} {part}");
        assert!(err.outcome_unknown(), "{status} {part}");
        assert!(!err.is_retryable());
        assert_eq!(err.http_status(), Some(status));
        assert!(err.message().contains(part), "{status}: {}", err.message());
        assert!(
            err.message().len() < 1024,
            "{status}: a snippet, not the body"
        );
    }
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = server_answering(
        ResponseTemplate::new(302).insert_header("location", "http://127.0.0.1:9/elsewhere"),
    )
    .await;
    let sms = connector(&server.uri(), json!({}));
    let err = sms
        .send(&message("8613800138000", UsageType::SignIn))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.http_status()),
        (ErrorKind::InvalidResponse, Some(302))
    );
    assert!(!err.outcome_unknown());
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_retried_because_nothing_was_sent() {
    let capture = Capture::default();
    let _guard = capture.install();
    let endpoint = format!("http://127.0.0.1:{}", common::closed_port());
    let sms = connector(&endpoint, json!({"maxAttempts": 3}));
    let err = sms
        .send(&message("8613800138000", UsageType::SignIn))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert!(err.is_retryable() && !err.outcome_unknown());
    assert!(
        err.message().contains("nothing was sent"),
        "{}",
        err.message()
    );
    let log = capture.text();
    assert_eq!(log.matches("SendSms attempt failed").count(), 3, "{log}");
    assert!(log.contains("attempt=3"), "{log}");
}

#[tokio::test]
async fn a_connection_dropped_after_the_request_was_written_is_not_resent() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    let server = tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buffer = [0u8; 4096];
            // Read the request, then hang up without a byte of answer.
            let _ = socket.read(&mut buffer).await;
            drop(socket);
        }
    });
    let sms = connector(
        &format!("http://127.0.0.1:{port}"),
        json!({"maxAttempts": 5}),
    );
    let err = sms
        .send(&message("8613800138000", UsageType::SignIn))
        .await
        .unwrap_err();
    server.abort();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
    assert!(err.outcome_unknown() && !err.is_retryable());
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn one_client_serves_many_sends_and_the_connector_is_shareable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("TemplateCode=SMS_SIGNIN_CN"))
        .respond_with(ResponseTemplate::new(200).set_body_string(ok_body("many")))
        .expect(20)
        .mount(&server)
        .await;
    let sms: Arc<dyn SmsConnector> = Arc::new(connector(&server.uri(), json!({})));
    let mut tasks = Vec::new();
    for i in 0..20 {
        let sms = sms.clone();
        tasks.push(tokio::spawn(async move {
            let to = format!("86138001380{i:02}");
            sms.send(&message(&to, UsageType::SignIn)).await
        }));
    }
    for task in tasks {
        assert!(task.await.unwrap().is_ok());
    }
    assert_eq!(sms.metadata().id, "aliyun-short-message-service");
}

#[test]
fn metadata_matches_logtos_connector() {
    assert_eq!(METADATA.id, "aliyun-short-message-service");
    assert_eq!(METADATA.target, "aliyun-sms");
    assert_eq!(METADATA.platform, None);
    assert_eq!(METADATA.name.get("en"), "Aliyun Short Message Service");
    assert_eq!(METADATA.name.get("zh-CN"), "阿里云短信服务");
    for locale in ["en", "zh-CN", "tr-TR", "ko"] {
        assert!(!METADATA.description.get(locale).is_empty());
    }
    assert_ne!(
        METADATA.description.get("ko"),
        METADATA.description.get("en")
    );
    let sms = AliyunSmsConnector::new(common::config("https://dysmsapi.aliyuncs.com", json!({})))
        .unwrap();
    assert_eq!(sms.metadata(), &METADATA);
}
