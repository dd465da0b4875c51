//! Did a message go out? `cargo run -p tencent-sms --example check_delivery -- config.json +8613800138000 SERIAL-NO`.
use std::time::{Duration, SystemTime};

use connector_kit::{ConnectorError, DeliveryQuery, PhoneNumber, SmsConnector};
use tencent_sms::TencentSmsConnector;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(config), Some(to), Some(serial_no)) = (args.next(), args.next(), args.next()) else {
        return Err("usage: check_delivery CONFIG.json PHONE-NUMBER SERIAL-NO".into());
    };
    let sms = TencentSmsConnector::from_json(&std::fs::read_to_string(config)?)?;
    let sent_at = SystemTime::now() - Duration::from_secs(3600); // sent within the last hour
    let went_out = went_out(&sms, to.parse()?, sent_at, &serial_no).await?;
    println!(
        "{serial_no}: {}",
        if went_out { "went out" } else { "not found" }
    );
    Ok(())
}

/// Whether the message with Tencent's `serial_no` (a receipt's `message_id`), sent to `to`
/// around `sent_at`, went out.
pub async fn went_out(
    sms: &dyn SmsConnector,
    to: PhoneNumber,
    sent_at: SystemTime,
    serial_no: &str,
) -> Result<bool, ConnectorError> {
    let query = DeliveryQuery::new(to, sent_at).with_message_id(serial_no); // PullSmsSendStatusByPhoneNumber
    let report = sms.lookup_delivery(&query).await?;
    Ok(report.was_sent())
}
