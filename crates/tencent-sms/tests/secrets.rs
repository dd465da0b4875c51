//! No secret (the SecretKey, the temporary credentials' token) in any `Debug` of the config, the
//! builder, the connector, the request builder or a built request, nor in any error, whatever
//! the answer echoes.

mod common;

use aliyun_sms_emulator::TencentLimits;
use chrono::{TimeZone, Utc};
use common::*;
use connector_kit::{SmsConnector, SmsMessage, UsageType};
use serde_json::json;
use tencent_sms::{RequestBuilder, TencentSmsConfig, TencentSmsConnector, classify};

const CANARY_KEY: &str = "CanaryKey-4b1d-SecretKey";
const CANARY_TOKEN: &str = "CanaryToken-77aa-sts";

fn config() -> TencentSmsConfig {
    let json = json!({
        "accessKeyId": "AKIDexample", "accessKeySecret": CANARY_KEY, "securityToken": CANARY_TOKEN,
        "signName": "腾讯云", "sdkAppId": "1400006666",
        "templates": [
            {"usageType": "Register", "templateCode": "1"},
            {"usageType": "SignIn", "templateCode": "2"},
            {"usageType": "ForgotPassword", "templateCode": "3"},
            {"usageType": "Generic", "templateCode": "4"}
        ]
    });
    TencentSmsConfig::from_json_with_env(&json.to_string(), |_| None)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn assert_hidden(what: &str, shown: &str) {
    assert!(!shown.contains("Canary"), "{what} shows a secret: {shown}");
}

#[test]
fn no_debug_shows_a_secret() {
    let config = config();
    let builder = RequestBuilder::new(&config).unwrap();
    let message =
        SmsMessage::verification_code("+8613800138000".parse().unwrap(), UsageType::SignIn, "1");
    let request = builder
        .build(&message, Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap())
        .unwrap();
    let status = builder
        .build_pull_status(
            &message.to,
            1,
            2,
            Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap(),
        )
        .unwrap();
    assert_eq!(
        request.header("x-tc-token"),
        Some(CANARY_TOKEN),
        "sent, but never shown"
    );
    assert_hidden("the config", &format!("{config:?}"));
    assert_hidden("the request builder", &format!("{builder:?}"));
    assert_hidden("the signer", &format!("{:?}", builder.signer()));
    assert_hidden("a request", &format!("{request:?}"));
    assert_hidden("a status request", &format!("{status:?}"));
    assert_hidden(
        "the signature stages",
        &format!("{:?}", builder.signature_stages(&request)),
    );
    assert_hidden(
        "the connector builder",
        &format!("{:?}", TencentSmsConnector::builder(config.clone())),
    );
    assert_hidden(
        "the connector",
        &format!("{:?}", TencentSmsConnector::new(config).unwrap()),
    );
}

#[test]
fn a_config_error_never_repeats_a_secret() {
    // The secret also in a field that is shown.
    let json = json!({
        "accessKeyId": CANARY_KEY, "accessKeySecret": CANARY_KEY, "signName": "腾讯云",
        "sdkAppId": "1400006666", "templates": []
    });
    let error = TencentSmsConfig::from_json_with_env(&json.to_string(), |_| None).unwrap_err();
    assert_hidden("the error", &error.to_string());
    assert_hidden("the error's Debug", &format!("{error:?}"));
}

#[tokio::test]
async fn errors_from_any_answer_never_hold_a_secret() {
    let (emulator, clock) = emulator(TencentLimits::off()).await;
    // A wrong secret: the emulator explains the signature it expected.
    let sms = connector(&emulator, &clock, json!({"accessKeySecret": CANARY_KEY}));
    let message =
        SmsMessage::verification_code("+8613800138000".parse().unwrap(), UsageType::SignIn, "1");
    let error = sms.send(&message).await.unwrap_err();
    assert_hidden("a signature error", &format!("{error} {error:?}"));
    // An answer that echoes the secret.
    let echo = json!({"Response": {"Error": {"Code": "InvalidParameter", "Message": CANARY_KEY}}})
        .to_string();
    let error = classify(200, echo.as_bytes()).unwrap_err();
    assert!(
        error.message().contains("Canary"),
        "classify alone knows no secret"
    );
    let sms = connector(&emulator, &clock, json!({"accessKeySecret": CANARY_KEY}));
    emulator.inject(aliyun_sms_emulator::Fault::respond(
        200,
        "application/json",
        echo,
    ));
    let error = sms.send(&message).await.unwrap_err();
    assert_hidden("an echoed secret", &format!("{error} {error:?}"));
}
