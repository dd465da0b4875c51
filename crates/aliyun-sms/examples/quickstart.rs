//! Send one verification code: `cargo run -p aliyun-sms --example quickstart -- config.json`.
use aliyun_sms::AliyunSmsConnector;
use connector_kit::{SmsConnector, SmsMessage, UsageType};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: quickstart CONFIG.json")?;
    let sms = AliyunSmsConnector::from_json(&std::fs::read_to_string(path)?)?; // every problem, with its JSON path
    let message =
        SmsMessage::verification_code("+86 138 0013 8000".parse()?, UsageType::SignIn, "123456");
    let receipt = sms.send(&message).await?; // receipt.message_id is Aliyun's BizId
    println!("sent: BizId {:?}", receipt.message_id);
    Ok(())
}
