//! The Rust examples of the guides (`docs/tencent-sms.md`, `docs/tencent-sms.zh-CN.md`) are the
//! files of `examples/`, which `cargo test` compiles: each ```rust block of a guide must be one
//! of them, comments aside (the Chinese guide translates them), and each of them must be in
//! both guides. Two of them also run here, against a stand-in for Tencent Cloud.

#[path = "../examples/check_delivery.rs"]
#[allow(dead_code)]
mod check_delivery;
#[path = "../examples/send_code.rs"]
#[allow(dead_code)]
mod send_code;

use std::time::SystemTime;

use serde_json::json;
use tencent_sms::TencentSmsConnector;
use wiremock::matchers::{body_string_contains, header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const EXAMPLES: [&str; 3] = ["quickstart.rs", "send_code.rs", "check_delivery.rs"];
const GUIDES: [&str; 2] = ["tencent-sms.md", "tencent-sms.zh-CN.md"];

#[test]
fn every_rust_block_of_the_guides_is_a_compiled_example() {
    connector_kit_testing::guides::assert_guides_show_examples(
        env!("CARGO_MANIFEST_DIR"),
        &EXAMPLES,
        &GUIDES,
    );
}

/// The send example sends; the delivery example finds it by Tencent's SerialNo.
#[tokio::test]
async fn the_examples_send_a_code_and_find_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("x-tc-action", "SendSms"))
        .and(body_string_contains(r#""SessionContext":"login-7f3a""#))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"Response": {
            "SendStatusSet": [{"SerialNo": "2028:guide", "PhoneNumber": "+8613800138000",
                "Fee": 1, "SessionContext": "login-7f3a", "Code": "Ok", "Message": "send success",
                "IsoCode": "CN"}],
            "RequestId": "R-SEND"}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(header("x-tc-action", "PullSmsSendStatusByPhoneNumber"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"Response": {
            "PullSmsSendStatusSet": [{"SerialNo": "2028:guide", "PhoneNumber": "+8613800138000",
                "ReportStatus": "SUCCESS", "Description": "DELIVRD", "SessionContext": "login-7f3a"}],
            "RequestId": "R-PULL"}})))
        .mount(&server)
        .await;
    let config = json!({
        "accessKeyId": "AKIDexample", "accessKeySecret": "example-key",
        "signName": "腾讯云", "sdkAppId": "1400006666", "region": "ap-guangzhou",
        "templates": [
            {"usageType": "Register", "templateCode": "100001"},
            {"usageType": "SignIn", "templateCode": "100002"},
            {"usageType": "ForgotPassword", "templateCode": "100003"},
            {"usageType": "Generic", "templateCode": "100004"}
        ],
        "endpoint": server.uri(),
    });
    let sms = TencentSmsConnector::from_json(&config.to_string()).unwrap();
    let to: connector_kit::PhoneNumber = "+86 138 0013 8000".parse().unwrap();
    let sent_at = SystemTime::now();

    let receipt = send_code::send_code(&sms, to.clone(), "123456")
        .await
        .unwrap();
    let serial_no = receipt.message_id.unwrap();
    assert!(
        check_delivery::went_out(&sms, to.clone(), sent_at, &serial_no)
            .await
            .unwrap()
    );
    assert!(
        !check_delivery::went_out(&sms, to, sent_at, "another")
            .await
            .unwrap()
    );
}
