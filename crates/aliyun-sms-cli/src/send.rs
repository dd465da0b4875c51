//! `aliyun-sms send`: one verification code, through the real connector.

use std::path::PathBuf;

use aliyun_sms::AliyunSmsConnector;
use aliyun_sms_emulator::{
    DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_SIGN_NAME, EmulatorConfig,
};
use connector_kit::{
    ConnectorError, ErrorKind, PhoneNumber, Receipt, SmsConnector, SmsMessage, UsageType,
};
use serde_json::json;

use crate::output::{EXIT_INTERNAL, EXIT_OK, report_error, report_failure};

pub struct SendArgs {
    pub to: String,
    pub usage: UsageType,
    pub code: Option<String>,
    pub config: Option<PathBuf>,
    pub reference: Option<String>,
    pub json: bool,
}

/// The demo connector config: the Logto JSON pointed at the embedded emulator.
pub fn demo_config(endpoint: &str) -> String {
    let template = |usage: &str, china: &str| json!({ "usageType": usage, "templateCode": { "china": china, "overseas": "SMS_DEMO_OVERSEAS" } });
    json!({
        "accessKeyId": DEMO_ACCESS_KEY_ID,
        "accessKeySecret": DEMO_ACCESS_KEY_SECRET,
        "signName": DEMO_SIGN_NAME,
        "templates": [
            template("Register", "SMS_DEMO_REGISTER"),
            template("SignIn", "SMS_DEMO_SIGNIN"),
            template("ForgotPassword", "SMS_DEMO_FORGOT_PASSWORD"),
            template("Generic", "SMS_DEMO_GENERIC"),
        ],
        "strictPhoneRegionNumberCheck": false,
        "endpoint": endpoint,
    })
    .to_string()
}

/// A random 6-digit code from the OS random source.
fn random_code() -> String {
    format!("{:06}", uuid::Uuid::new_v4().as_u128() % 1_000_000)
}

pub async fn run(args: SendArgs) -> u8 {
    let json = args.json;
    let to = match PhoneNumber::parse(&args.to) {
        Ok(to) => to,
        Err(error) => {
            let error =
                ConnectorError::new(ErrorKind::InvalidRequest, error.to_string()).with_field("to");
            return report_error(&error, json);
        }
    };
    let code = args.code.unwrap_or_else(random_code);
    let mut message = SmsMessage::verification_code(to, args.usage, code.as_str());
    if let Some(reference) = args.reference {
        message = message.with_reference(reference);
    }

    let Some(path) = args.config else {
        return send_to_emulator(&message, &code, json).await;
    };
    let config = match crate::check::read_config_text(&path) {
        Ok(text) => text,
        Err((message, exit)) => return report_failure(&message, json, exit),
    };
    let connector = match AliyunSmsConnector::from_json(&config) {
        Ok(connector) => connector,
        Err(error) => return report_error(&error, json),
    };
    match connector.send(&message).await {
        Ok(receipt) => {
            let via = Via::Endpoint(connector.request_builder().host());
            print_receipt(&message, &code, &receipt, via, json);
            EXIT_OK
        }
        Err(error) => report_error(&error, json),
    }
}

async fn send_to_emulator(message: &SmsMessage, code: &str, json: bool) -> u8 {
    let emulator = match aliyun_sms_emulator::start(EmulatorConfig::demo()).await {
        Ok(emulator) => emulator,
        Err(error) => {
            let message = format!("cannot start the embedded emulator: {error}");
            return report_failure(&message, json, EXIT_INTERNAL);
        }
    };
    let connector = match AliyunSmsConnector::from_json(&demo_config(&emulator.endpoint())) {
        Ok(connector) => connector,
        Err(error) => return report_error(&error, json),
    };
    match connector.send(message).await {
        Ok(receipt) => {
            let delivered: Vec<_> = emulator
                .inbox()
                .into_iter()
                .filter(|m| Some(&m.biz_id) == receipt.message_id.as_ref())
                .map(|m| (m.phone_number, m.content))
                .collect();
            let endpoint = emulator.endpoint();
            print_receipt(
                message,
                code,
                &receipt,
                Via::Emulator(&endpoint, delivered),
                json,
            );
            EXIT_OK
        }
        Err(error) => report_error(&error, json),
    }
}

/// Where a message went.
enum Via<'a> {
    /// The embedded emulator at this endpoint, with the numbers and texts its inbox shows.
    Emulator(&'a str, Vec<(String, String)>),
    /// The configured endpoint's host.
    Endpoint(&'a str),
}

fn print_receipt(message: &SmsMessage, code: &str, receipt: &Receipt, via: Via<'_>, json: bool) {
    if json {
        let (emulator, delivered, host) = match &via {
            Via::Emulator(endpoint, delivered) => (Some(*endpoint), Some(delivered), None),
            Via::Endpoint(host) => (None, None, Some(*host)),
        };
        let shown: Option<Vec<&String>> = delivered.map(|d| d.iter().map(|(_, t)| t).collect());
        let delivered_to: Option<Vec<&String>> =
            delivered.map(|d| d.iter().map(|(n, _)| n).collect());
        println!(
            "{}",
            json!({
                "ok": true,
                "to": message.to.digits(),
                "usageType": message.usage,
                "code": code,
                "bizId": receipt.message_id,
                "requestId": receipt.request_id,
                "emulator": emulator,
                "host": host,
                "phoneShows": shown,
                "deliveredTo": delivered_to,
            })
        );
        return;
    }
    let through = match &via {
        Via::Emulator(endpoint, _) => format!("the embedded emulator at {endpoint}"),
        Via::Endpoint(host) => (*host).to_owned(),
    };
    println!(
        "Sent {} code {code} to {} through {through}",
        message.usage, message.to
    );
    println!(
        "  BizId      {}",
        receipt.message_id.as_deref().unwrap_or("-")
    );
    println!(
        "  RequestId  {}",
        receipt.request_id.as_deref().unwrap_or("-")
    );
    if let Via::Emulator(_, delivered) = via {
        for (number, text) in delivered {
            println!("The phone {number} shows:");
            println!("  {text}");
        }
    }
}
