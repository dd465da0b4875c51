//! `aliyun-sms send`: verification codes through a connector the registry builds, to the
//! embedded emulator or where a config points, optionally behind a send guard.

use std::path::PathBuf;
use std::sync::Arc;

use aliyun_sms_emulator::{Emulator, EmulatorConfig};
use connector_kit::{
    ConnectorError, ConnectorFactory, PhoneNumber, Receipt, SmsConnector, SmsMessage, UsageType,
};
use serde_json::json;

use crate::guard;
use crate::output::{
    EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, Origin, bad_input, report_error, report_failure,
};
use crate::providers::{self, Emulation, Preview};
use crate::wait::announced;

pub struct SendArgs {
    pub to: String,
    pub usage: UsageType,
    pub code: Option<String>,
    pub config: Option<PathBuf>,
    pub provider: Option<String>,
    pub reference: Option<String>,
    pub guard: Option<PathBuf>,
    pub redis: Option<String>,
    pub repeat: u32,
    pub json: bool,
}

/// A random 6-digit code from the OS random source.
fn random_code() -> String {
    format!("{:06}", uuid::Uuid::new_v4().as_u128() % 1_000_000)
}

/// `--code` as the providers take a verification code: 4 to 6 ASCII letters or digits (Tencent
/// takes digits only; its refusal says so).
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

/// Where the messages go.
struct Route<'r> {
    factory: &'r dyn ConnectorFactory,
    connector: Arc<dyn SmsConnector>,
    /// The config the connector was built from.
    config: String,
    /// The embedded emulator, when no config was given.
    emulator: Option<(Emulator, Emulation)>,
    /// Whether a send guard is in front of the connector.
    guarded: bool,
}

pub async fn run(args: SendArgs) -> u8 {
    let json = args.json;
    let to = match parse_to(&args.to) {
        Ok(to) => to,
        Err(error) => return report_error(&error, json, None),
    };
    if let Some(code) = &args.code {
        if let Err(error) = check_code(code) {
            return report_error(&error, json, None);
        }
    }
    let registry = providers::registry();
    let route = match route(&registry, &args).await {
        Ok(route) => route,
        Err(exit) => return exit,
    };
    for _ in 0..args.repeat.max(1) {
        let code = args.code.clone().unwrap_or_else(random_code);
        let mut message = SmsMessage::verification_code(to.clone(), args.usage, code.as_str());
        if let Some(reference) = &args.reference {
            message = message.with_reference(reference.clone());
        }
        let exit = send_one(&route, &message, &code, json).await;
        if exit != EXIT_OK {
            return exit;
        }
    }
    EXIT_OK
}

/// The provider, its connector (behind the guard when asked) and, without a config, the
/// embedded emulator; or the exit code of what went wrong, reported.
async fn route<'r>(
    registry: &'r connector_kit::Registry,
    args: &SendArgs,
) -> Result<Route<'r>, u8> {
    let json = args.json;
    let (factory, config, emulator) = match &args.config {
        Some(path) => {
            let config = crate::check::read_config_text(path)
                .map_err(|(message, exit)| report_failure(&message, json, exit))?;
            let factory = providers::choose(registry, args.provider.as_deref(), &config)
                .map_err(|error| report_error(&error, json, None))?;
            (factory, config, None)
        }
        None => {
            let factory = match &args.provider {
                Some(name) => providers::named(registry, name),
                None => providers::choose(registry, None, "{}"),
            }
            .map_err(|error| report_error(&error, json, None))?;
            let Some(emulation) = providers::emulation(factory) else {
                let message = format!(
                    "the embedded emulator serves Aliyun and Tencent, not {}: give --config",
                    factory.metadata().id
                );
                return Err(report_failure(&message, json, EXIT_BAD_INPUT));
            };
            let emulator = aliyun_sms_emulator::start(EmulatorConfig::demo())
                .await
                .map_err(|error| {
                    let message = format!("cannot start the embedded emulator: {error}");
                    report_failure(&message, json, EXIT_INTERNAL)
                })?;
            let config = (emulation.demo_config)(&emulator.endpoint()).to_string();
            (factory, config, Some((emulator, emulation)))
        }
    };
    let connector = registry
        .build(factory.metadata().id, &config)
        .map_err(|error| report_error(&error, json, None))?;
    let guarded = args.guard.is_some();
    let connector = match &args.guard {
        Some(path) => guard::wrap(path, args.redis.as_deref(), connector)
            .map_err(|(message, exit)| report_failure(&message, json, exit))?,
        None => connector,
    };
    Ok(Route {
        factory,
        connector,
        config,
        emulator,
        guarded,
    })
}

async fn send_one(route: &Route<'_>, message: &SmsMessage, code: &str, json: bool) -> u8 {
    let preview = match providers::preview(route.factory, &route.config, message) {
        Ok(preview) => preview,
        Err(error) => return report_error(&error, json, None),
    };
    let endpoint = route
        .emulator
        .as_ref()
        .map(|(emulator, _)| emulator.endpoint());
    let provider = providers::display_name(route.factory);
    let origin = match &endpoint {
        Some(endpoint) => Origin::EmbeddedEmulator(endpoint, &provider),
        None => Origin::Endpoint(&preview.host, &provider),
    };
    let waiting_for = match preview.timeout_ms {
        Some(ms) => format!("{} to answer (at most {ms} ms)", preview.host),
        None => format!("{} to answer", preview.host),
    };
    let receipt = match announced(&waiting_for, route.connector.send(message)).await {
        Ok(receipt) => receipt,
        Err(error) => {
            let origin = if route.guarded && send_guard::GuardRefusal::of(&error).is_some() {
                Origin::Guard
            } else {
                origin
            };
            return report_error(&error, json, Some(origin));
        }
    };
    let via = match &route.emulator {
        Some((emulator, emulation)) => {
            let delivered = emulator
                .inbox()
                .into_iter()
                .filter(|m| {
                    m.provider == emulation.provider
                        && Some(&m.biz_id) == receipt.message_id.as_ref()
                })
                .map(|m| (m.phone_number, m.content))
                .collect();
            Via::Emulator(endpoint.as_deref().unwrap_or_default(), delivered)
        }
        None => Via::Endpoint(&preview.host),
    };
    print_receipt(route.factory, message, code, &receipt, &preview, via, json);
    EXIT_OK
}

/// Where a message went.
enum Via<'a> {
    /// The embedded emulator at this endpoint, with the numbers and texts its inbox shows.
    Emulator(&'a str, Vec<(String, String)>),
    /// The configured endpoint's host.
    Endpoint(&'a str),
}

fn print_receipt(
    factory: &dyn ConnectorFactory,
    message: &SmsMessage,
    code: &str,
    receipt: &Receipt,
    preview: &Preview,
    via: Via<'_>,
    json: bool,
) {
    let template = preview.template.as_ref();
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
                "provider": factory.metadata().id,
                "to": message.to.digits(),
                "usageType": message.usage,
                "code": code,
                "template": template.map(|t| json!({
                    "code": t.code,
                    "field": t.field,
                    "usageType": t.usage,
                    "region": t.region(),
                })),
                "reference": message.reference,
                "messageId": receipt.message_id,
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
        Via::Emulator(endpoint, _) => format!(
            "the embedded emulator at {endpoint} ({})",
            providers::short_name(factory)
        ),
        Via::Endpoint(host) => (*host).to_owned(),
    };
    println!(
        "Sent {} code {code} to {} through {through}",
        message.usage, message.to
    );
    if let Some(template) = template {
        let numbers = match template.region() {
            "china" => "for mainland China numbers",
            "overseas" => "for numbers outside mainland China",
            _ => "for every number",
        };
        println!(
            "  Template   {} ({}: {}'s template {numbers})",
            template.code, template.field, template.usage
        );
    }
    println!(
        "  {:<10} {}",
        providers::message_id_name(factory),
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
