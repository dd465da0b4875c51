//! Did a message whose send timed out go out? `cargo run -p aliyun-sms --example check_delivery -- config.json +8613800138000 login-42`.
use aliyun_sms::{AliyunSmsConnector, DeliveryStatus};
use chrono::{FixedOffset, Utc};
use connector_kit::PhoneNumber;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(config), Some(to), Some(reference)) = (args.next(), args.next(), args.next()) else {
        return Err("usage: check_delivery CONFIG.json PHONE-NUMBER REFERENCE".into());
    };
    let sms = AliyunSmsConnector::from_json(&std::fs::read_to_string(config)?)?;
    let to: PhoneNumber = to.parse()?;
    let went_out = went_out(&sms, &to, &reference).await?;
    println!(
        "{reference}: {}",
        if went_out { "went out" } else { "not found" }
    );
    Ok(())
}

/// Whether the message sent to `to` today with `.with_reference(reference)` went out.
pub async fn went_out(
    sms: &AliyunSmsConnector,
    to: &PhoneNumber,
    reference: &str,
) -> Result<bool, connector_kit::ConnectorError> {
    let china = FixedOffset::east_opt(8 * 3600).expect("UTC+8"); // Aliyun's dates are China time
    let today = Utc::now().with_timezone(&china).date_naive();
    let found = sms.query_send_details(to, today, None).await?;
    Ok(found.messages.iter().any(|m| {
        m.out_id.as_deref() == Some(reference)
            && matches!(
                m.status,
                DeliveryStatus::Delivered | DeliveryStatus::Waiting
            )
    }))
}
