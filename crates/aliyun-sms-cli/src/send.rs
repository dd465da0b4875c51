//! `aliyun-sms send`: one verification code, through the real connector.

use std::path::PathBuf;

use aliyun_sms::AliyunSmsConnector;
use aliyun_sms_emulator::{EmulatorConfig, demo_connector_config};
use connector_kit::{ConnectorError, PhoneNumber, Receipt, SmsConnector, SmsMessage, UsageType};
use serde_json::json;

use crate::output::{EXIT_INTERNAL, EXIT_OK, Origin, bad_input, report_error, report_failure};
use crate::wait::announced;

pub struct SendArgs {
    pub to: String,
    pub usage: UsageType,
    pub code: Option<String>,
    pub config: Option<PathBuf>,
    pub reference: Option<String>,
    pub json: bool,
}

/// A random 6-digit code from the OS random source.
fn random_code() -> String {
    format!("{:06}", uuid::Uuid::new_v4().as_u128() % 1_000_000)
}

/// `--code` as Aliyun takes a verification-code template's variable: 4 to 6 ASCII letters or
/// digits.
fn check_code(code: &str) -> Result<(), ConnectorError> {
    let length = code.chars().count();
    if (4..=6).contains(&length) && code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(());
    }
    let shown: String = code.chars().take(16).collect();
    Err(bad_input(
        "code",
        format!(
            "--code must be 4 to 6 letters or digits (Aliyun refuses anything else in a \
             verification-code template), not {shown:?}"
        ),
    ))
}

/// `--to` as a phone number, or the error naming it.
pub fn parse_to(to: &str) -> Result<PhoneNumber, ConnectorError> {
    PhoneNumber::parse(to).map_err(|error| bad_input("to", format!("--to: {error}")))
}

pub async fn run(args: SendArgs) -> u8 {
    let json = args.json;
    let to = match parse_to(&args.to) {
        Ok(to) => to,
        Err(error) => return report_error(&error, json, None),
    };
    let code = args.code.unwrap_or_else(random_code);
    if let Err(error) = check_code(&code) {
        return report_error(&error, json, None);
    }
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
        Err(error) => return report_error(&error, json, None),
    };
    let template = match Template::chosen(&connector, &message) {
        Ok(template) => template,
        Err(error) => return report_error(&error, json, None),
    };
    let host = connector.request_builder().host();
    let waiting_for = format!(
        "{host} to answer SendSms (at most {} ms)",
        connector.config().timeout_ms
    );
    match announced(&waiting_for, connector.send(&message)).await {
        Ok(receipt) => {
            print_receipt(
                &message,
                &code,
                &receipt,
                &template,
                Via::Endpoint(host),
                json,
            );
            EXIT_OK
        }
        Err(error) => report_error(&error, json, Some(Origin::Endpoint(host))),
    }
}

/// The template a message is sent with, as the connector chooses it.
pub struct Template {
    /// The template code, e.g. `SMS_DEMO_SIGNIN`.
    code: String,
    /// Its place in the config, e.g. `templates[1].templateCode.overseas`.
    field: String,
    /// The usage type whose template it is (the message's own, or `Generic`).
    usage: UsageType,
}

impl Template {
    /// Builds the request without sending it, to read which template it carries.
    fn chosen(
        connector: &AliyunSmsConnector,
        message: &SmsMessage,
    ) -> Result<Self, ConnectorError> {
        let request =
            connector
                .request_builder()
                .build(message, chrono::Utc::now(), "template-preview")?;
        Ok(Template {
            code: request.param("TemplateCode").unwrap_or_default().to_owned(),
            field: request.template_field,
            usage: request.template_usage,
        })
    }

    fn region(&self) -> &'static str {
        if self.field.ends_with(".overseas") {
            "overseas"
        } else if self.field.ends_with(".china") {
            "china"
        } else {
            "any"
        }
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
    let endpoint = emulator.endpoint();
    let connector =
        match AliyunSmsConnector::from_json(&demo_connector_config(&endpoint).to_string()) {
            Ok(connector) => connector,
            Err(error) => return report_error(&error, json, None),
        };
    let template = match Template::chosen(&connector, message) {
        Ok(template) => template,
        Err(error) => return report_error(&error, json, None),
    };
    match connector.send(message).await {
        Ok(receipt) => {
            let delivered: Vec<_> = emulator
                .inbox()
                .into_iter()
                .filter(|m| Some(&m.biz_id) == receipt.message_id.as_ref())
                .map(|m| (m.phone_number, m.content))
                .collect();
            print_receipt(
                message,
                code,
                &receipt,
                &template,
                Via::Emulator(&endpoint, delivered),
                json,
            );
            EXIT_OK
        }
        Err(error) => report_error(&error, json, Some(Origin::EmbeddedEmulator(&endpoint))),
    }
}

/// Where a message went.
enum Via<'a> {
    /// The embedded emulator at this endpoint, with the numbers and texts its inbox shows.
    Emulator(&'a str, Vec<(String, String)>),
    /// The configured endpoint's host.
    Endpoint(&'a str),
}

fn print_receipt(
    message: &SmsMessage,
    code: &str,
    receipt: &Receipt,
    template: &Template,
    via: Via<'_>,
    json: bool,
) {
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
                "template": {
                    "code": template.code,
                    "field": template.field,
                    "usageType": template.usage,
                    "region": template.region(),
                },
                "reference": message.reference,
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
    let numbers = match template.region() {
        "china" => "for mainland China numbers",
        "overseas" => "for numbers outside mainland China",
        _ => "for every number",
    };
    println!(
        "  Template   {} ({}: {}'s template {numbers})",
        template.code, template.field, template.usage
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
