//! A canary secret and a canary STS token go through every error path (config, every Aliyun
//! code, answers echoing the request, signature mismatches, timeouts, network failures) with a
//! TRACE-level subscriber capturing all log output: neither ever appears in a `Debug`,
//! `Display`, error source chain or log line, in any encoding. Nor do the signature, the code or
//! the body in the logs.

mod common;

use std::error::Error;
use std::time::Duration;

use aliyun_sms::{AliyunSmsConfig, AliyunSmsConnector, LoadOptions};
use common::{Capture, SignatureMismatch, error_body, form, ok_body, param, received};
use connector_kit::{ConnectorError, SmsConnector, SmsMessage, UsageType};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const SECRET: &str = "CanarySecret/9f8e+7d6c==";
const TOKEN: &str = "CanaryToken+5a4b/3c2d==";
const CODE: &str = "918273";

/// What must never be printed: any text containing these (every encoding of the canaries keeps
/// them).
const NEEDLES: [&str; 2] = ["CanarySecret", "CanaryToken"];

fn assert_clean(what: &str, text: &str) {
    for needle in NEEDLES {
        assert!(!text.contains(needle), "{needle} leaked in {what}:\n{text}");
    }
}

/// Display, Debug and the whole `source` chain of an error.
fn assert_error_clean(what: &str, error: &(dyn Error + 'static)) {
    let mut current: Option<&(dyn Error + 'static)> = Some(error);
    let mut depth = 0;
    while let Some(e) = current {
        assert_clean(what, &format!("{e}\n{e:?}\n{e:#?}"));
        current = e.source();
        depth += 1;
        assert!(depth < 20);
    }
}

fn canary_config(endpoint: &str, extra: Value) -> String {
    let mut config = json!({
        "accessKeyId": "LTAI5tCanaryId",
        "accessKeySecret": SECRET,
        "securityToken": TOKEN,
        "signName": "Logto",
        "templates": common::templates(),
        "endpoint": endpoint,
        "timeoutMs": 1000,
    });
    for (key, value) in extra.as_object().unwrap() {
        config[key] = value.clone();
    }
    config.to_string()
}

fn canary_connector(endpoint: &str, extra: Value) -> AliyunSmsConnector {
    let config = AliyunSmsConfig::from_json_with_env(&canary_config(endpoint, extra), |_| None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_clean("config Debug", &format!("{config:?} {config:#?}"));
    let connector = AliyunSmsConnector::builder(config)
        .backoff(common::fast_backoff())
        .build()
        .unwrap();
    assert_clean("connector Debug", &format!("{connector:?} {connector:#?}"));
    connector
}

fn message() -> SmsMessage {
    SmsMessage::verification_code("8613800138000".parse().unwrap(), UsageType::SignIn, CODE)
        .with_reference("order-1")
}

/// Answers with everything it received: body, headers, all of it.
struct Echo {
    status: u16,
    json: bool,
}

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body = String::from_utf8_lossy(&request.body);
        let headers = format!("{:?}", request.headers);
        let text = if self.json {
            json!({"Code": "isv.INVALID_PARAMETERS", "Message": format!("you sent {body} {headers}"), "RequestId": "R"}).to_string()
        } else {
            format!("<html>you sent {body} with {headers}</html>")
        };
        ResponseTemplate::new(self.status).set_body_string(text)
    }
}

#[test]
fn config_errors_never_show_the_secret() {
    for (key, value) in [
        ("accessKeySecret", json!(format!(" {SECRET} "))),
        ("accessKeySecret", json!({ SECRET: TOKEN })),
        ("accessKeySecret", json!([SECRET])),
        ("securityToken", json!(format!("{TOKEN}\n"))),
        ("securityToken", json!(7)),
        ("signName", json!("")),
        (SECRET, json!(TOKEN)),
    ] {
        let mut config: Value =
            serde_json::from_str(&canary_config("https://dysmsapi.aliyuncs.com", json!({})))
                .unwrap();
        config[key] = value;
        let json = config.to_string();
        // Refused (or, for the canary as a key, loaded with a warning about it), in every mode
        // and from every entry point: the canaries never show, not even as a key's name.
        for options in [LoadOptions::default(), LoadOptions::strict()] {
            match AliyunSmsConfig::load_with_env(&json, &options, |_| None) {
                Ok(loaded) => {
                    assert_eq!(key, SECRET, "{json}");
                    assert_clean(key, &format!("{} {:?}", loaded.warnings, loaded.warnings));
                }
                Err(err) => assert_error_clean(key, &err),
            }
        }
        if let Err(err) = AliyunSmsConnector::from_json(&json) {
            assert_error_clean(key, &err);
        }
    }
    // From the environment too.
    let json = canary_config("https://dysmsapi.aliyuncs.com", json!({}));
    let mut config: Value = serde_json::from_str(&json).unwrap();
    config.as_object_mut().unwrap().remove("accessKeySecret");
    let err = AliyunSmsConfig::from_json_with_env(&config.to_string(), |name| {
        (name == "ALIBABA_CLOUD_ACCESS_KEY_SECRET").then(|| format!("{SECRET} "))
    })
    .unwrap_err();
    assert_error_clean("env secret", &err);
}

async fn send_and_check(sms: &AliyunSmsConnector, what: &str) -> Option<ConnectorError> {
    let result = sms.send(&message()).await;
    match result {
        Ok(receipt) => {
            assert_clean(what, &format!("{receipt:?}"));
            None
        }
        Err(error) => {
            assert_error_clean(what, &error);
            Some(error)
        }
    }
}

#[tokio::test]
async fn no_error_path_and_no_log_line_shows_the_secret_or_the_token() {
    let capture = Capture::default();
    let guard = capture.install();
    let mut signatures = Vec::new();

    for version in ["v1", "v3"] {
        let extra = json!({"signatureVersion": version, "maxAttempts": 2});

        // Every code Aliyun may answer, and success.
        let codes = [
            "Throttling.User",
            "SignatureNonceUsed",
            "InvalidTimeStamp.Expired",
            "InvalidAccessKeyId.NotFound",
            "InvalidSecurityToken.Expired",
            "Forbidden.RAM",
            "isp.RAM_PERMISSION_DENY",
            "isv.BUSINESS_LIMIT_CONTROL",
            "isv.MOBILE_NUMBER_ILLEGAL",
            "isv.TEMPLATE_PARAMS_ILLEGAL",
            "isv.SMS_SIGNATURE_ILLEGAL",
            "isv.SMS_TEMPLATE_ILLEGAL",
            "isv.AMOUNT_NOT_ENOUGH",
            "isv.SMS_CONTENT_ILLEGAL",
            "isp.SYSTEM_ERROR",
            "InternalError",
            "ServiceUnavailable",
            "Unknown.Code",
        ];
        for code in codes {
            let server = common::server_answering(
                ResponseTemplate::new(400).set_body_string(error_body(code, "refused")),
            )
            .await;
            let sms = canary_connector(&server.uri(), extra.clone());
            assert!(send_and_check(&sms, code).await.is_some());
            for request in received(&server).await {
                signatures.push(signature_of(&request));
            }
        }
        let server =
            common::server_answering(ResponseTemplate::new(200).set_body_string(ok_body("1")))
                .await;
        let sms = canary_connector(&server.uri(), extra.clone());
        assert!(send_and_check(&sms, "success").await.is_none());
        for request in received(&server).await {
            signatures.push(signature_of(&request));
        }

        // Answers that echo the request back: the body holds the token (V1) or a header does (V3).
        for (status, json) in [
            (502, false),
            (400, false),
            (200, false),
            (400, true),
            (200, true),
        ] {
            let server = MockServer::start().await;
            Mock::given(method("POST"))
                .respond_with(Echo { status, json })
                .mount(&server)
                .await;
            let sms = canary_connector(&server.uri(), extra.clone());
            let error = send_and_check(&sms, &format!("echo {status} {json}")).await;
            assert!(
                error.is_some_and(|e| e.message().contains("** redacted **")),
                "echo {status} {json}"
            );
        }

        // A signature mismatch quoting the server's string-to-sign (it holds the token in V1).
        for tamper in [
            (|_: &mut Vec<(String, String)>| {}) as fn(&mut Vec<(String, String)>),
            |params| {
                for (name, value) in params.iter_mut() {
                    if name == "SecurityToken" {
                        value.push_str("-changed");
                    }
                }
            },
        ] {
            let server = MockServer::start().await;
            Mock::given(method("POST"))
                .respond_with(SignatureMismatch { tamper })
                .mount(&server)
                .await;
            let sms = canary_connector(&server.uri(), extra.clone());
            assert!(send_and_check(&sms, "signature mismatch").await.is_some());
        }

        // Slow, refused, dropped.
        let server = common::server_answering(
            ResponseTemplate::new(200)
                .set_body_string(ok_body("late"))
                .set_delay(Duration::from_secs(3)),
        )
        .await;
        let sms = canary_connector(&server.uri(), extra.clone());
        assert!(send_and_check(&sms, "timeout").await.is_some());

        let sms = canary_connector(
            &format!("http://127.0.0.1:{}", common::closed_port()),
            extra.clone(),
        );
        assert!(send_and_check(&sms, "refused").await.is_some());

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let dropper = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buffer = [0u8; 8192];
                let _ = socket.read(&mut buffer).await;
            }
        });
        let sms = canary_connector(&format!("http://127.0.0.1:{port}"), extra.clone());
        assert!(send_and_check(&sms, "dropped").await.is_some());
        dropper.abort();
    }

    drop(guard);
    let log = capture.text();
    assert!(
        log.contains("SendSms attempt failed") && log.contains("SendSms accepted"),
        "{log}"
    );
    assert!(
        log.contains("aliyun_sms.send") && log.contains("usage=SignIn"),
        "{log}"
    );
    assert_clean("the log", &log);
    // Text from an answer is kept in errors (and so in the log, secrets cut out): the echo
    // servers above put our own body there. Everything else must hold neither code nor body.
    for line in log.lines().filter(|line| !line.contains("you sent")) {
        assert!(
            !line.contains(CODE),
            "the verification code is in the log: {line}"
        );
        assert!(!line.contains("order-1"), "the body is in the log: {line}");
    }
    assert!(!signatures.is_empty());
    for signature in signatures {
        assert!(
            !log.contains(&signature),
            "signature {signature} is in the log"
        );
    }
}

fn signature_of(request: &Request) -> String {
    match param(&form(&request.body), "Signature") {
        Some(signature) => signature.to_owned(),
        None => common::header(request, "authorization")
            .and_then(|a| a.rsplit("Signature=").next())
            .unwrap_or_default()
            .to_owned(),
    }
}
