//! `aliyun-sms emulator --port N`

use aliyun_sms_emulator::{DEMO_ACCESS_KEY_ID, DEMO_SIGN_NAME, EmulatorConfig};
use serde_json::json;

use crate::output::{EXIT_INTERNAL, EXIT_OK, report_failure};

pub async fn run(port: u16, json: bool) -> u8 {
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let emulator = match aliyun_sms_emulator::start_on(EmulatorConfig::demo(), address).await {
        Ok(emulator) => emulator,
        Err(error) => {
            let message = format!("cannot serve on {address}: {error}");
            return report_failure(&message, json, EXIT_INTERNAL);
        }
    };
    if json {
        println!(
            "{}",
            json!({ "endpoint": emulator.endpoint(), "accessKeyId": DEMO_ACCESS_KEY_ID, "signName": DEMO_SIGN_NAME })
        );
    } else {
        println!("Aliyun SMS emulator on {}", emulator.endpoint());
        println!("  demo access key id {DEMO_ACCESS_KEY_ID}, sign name {DEMO_SIGN_NAME}");
        println!("  inbox: GET {}/_emulator/inbox", emulator.endpoint());
        println!("Press Ctrl-C to stop.");
    }
    let _ = tokio::signal::ctrl_c().await;
    EXIT_OK
}
