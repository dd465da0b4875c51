//! Send one verification code: `cargo run -p tencent-sms --example quickstart -- config.json`.
use connector_kit::{SmsConnector, SmsMessage, UsageType};
use tencent_sms::TencentSmsConnector;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: quickstart CONFIG.json")?;
    let sms = TencentSmsConnector::from_json(&std::fs::read_to_string(path)?)?; // every problem, with its JSON path
    let message =
        SmsMessage::verification_code("+86 138 0013 8000".parse()?, UsageType::SignIn, "123456");
    let receipt = sms.send(&message).await?; // receipt.message_id is Tencent's SerialNo
    println!("sent: SerialNo {:?}", receipt.message_id);
    Ok(())
}
