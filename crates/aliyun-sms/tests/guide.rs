//! The Rust examples of the guides (`docs/aliyun-sms.md`, `docs/aliyun-sms.zh-CN.md`) are the
//! files of `examples/`, which `cargo test` compiles: each ```rust block of a guide must be one
//! of them, comments aside (the Chinese guide translates them), and each of them must be in
//! both guides. Two of them also run here, against the emulator.

#[path = "../examples/check_delivery.rs"]
#[allow(dead_code)]
mod check_delivery;
#[path = "../examples/send_code.rs"]
#[allow(dead_code)]
mod send_code;

use aliyun_sms::AliyunSmsConnector;
use aliyun_sms_emulator::{EmulatorConfig, Limits};

const EXAMPLES: [&str; 5] = [
    "quickstart.rs",
    "send_code.rs",
    "check_delivery.rs",
    "own_http_client.rs",
    "load_config.rs",
];
const GUIDES: [&str; 2] = ["aliyun-sms.md", "aliyun-sms.zh-CN.md"];

#[test]
fn every_rust_block_of_the_guides_is_a_compiled_example() {
    connector_kit_testing::guides::assert_guides_show_examples(
        env!("CARGO_MANIFEST_DIR"),
        &EXAMPLES,
        &GUIDES,
    );
}

/// The send example sends with a reference; the delivery example finds it by that reference.
#[tokio::test]
async fn the_examples_send_a_code_and_find_it_delivered() {
    let emulator = aliyun_sms_emulator::start(EmulatorConfig::demo().limits(Limits::off()))
        .await
        .unwrap();
    let config = aliyun_sms_emulator::demo_connector_config(&emulator.endpoint());
    let sms = AliyunSmsConnector::from_json(&config.to_string()).unwrap();
    let to: connector_kit::PhoneNumber = "+86 138 0013 8000".parse().unwrap();

    let biz_id = send_code::send_code(&sms, to.clone(), "123456")
        .await
        .unwrap();
    assert!(biz_id.is_some_and(|id| !id.is_empty()));
    assert!(
        check_delivery::went_out(&sms, &to, "login-7f3a")
            .await
            .unwrap()
    );
    assert!(
        !check_delivery::went_out(&sms, &to, "another")
            .await
            .unwrap()
    );
}
