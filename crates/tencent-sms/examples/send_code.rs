//! A sign-in service's send: `cargo run -p tencent-sms --example send_code -- config.json +8613800138000`.
use std::sync::Arc;

use connector_kit::{ConnectorError, PhoneNumber, Receipt, SmsConnector, SmsMessage, UsageType};
use tencent_sms::TencentSmsConnector;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(config), Some(to)) = (args.next(), args.next()) else {
        return Err("usage: send_code CONFIG.json PHONE-NUMBER".into());
    };
    // Once, at start-up: a bad config fails here, with every problem.
    let config_json = std::fs::read_to_string(config)?;
    let sms: Arc<dyn SmsConnector> = Arc::new(TencentSmsConnector::from_json(&config_json)?);

    // For each code: `to` parsed as people type it ("+86 138 0013 8000").
    let to: PhoneNumber = to.parse()?;
    let receipt = send_code(sms.as_ref(), to, "123456").await?;
    println!("sent: SerialNo {:?}", receipt.message_id);
    Ok(())
}

/// Sends a sign-in code to `to`; gives Tencent's receipt (SerialNo and RequestId).
pub async fn send_code(
    sms: &dyn SmsConnector,
    to: PhoneNumber,
    code: &str,
) -> Result<Receipt, ConnectorError> {
    let message =
        SmsMessage::verification_code(to, UsageType::SignIn, code).with_reference("login-7f3a"); // sent as SessionContext
    match sms.send(&message).await {
        Ok(receipt) => Ok(receipt),
        Err(e) if e.outcome_unknown() => {
            // The code may have been sent: do not send another one blindly (see Retries).
            Err(e)
        }
        // e.kind() says what to do: RateLimited (tell the user to wait e.retry_after()),
        // InvalidConfig (e.field() names the setting, e.g. templates[1].templateCode.overseas),
        // QuotaExceeded (the account must act), ...
        Err(e) => Err(e),
    }
}
