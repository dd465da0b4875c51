//! `aliyun-sms status`: what the provider knows of the messages sent to a number on a day, by the
//! connector's delivery lookup (the kit's `SmsConnector::lookup_delivery`).

use std::path::PathBuf;
use std::time::SystemTime;

use chrono::{FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use clap::Args;
use connector_kit::{DeliveryQuery, DeliveryRecord, DeliveryReport, DeliveryStatus};
use serde_json::json;

use crate::check::read_config_text;
use crate::output::{EXIT_OK, Origin, bad_input, report_error, report_failure};
use crate::providers;
use crate::send::parse_to;
use crate::wait::announced;

#[derive(Args)]
pub struct StatusArgs {
    /// The number the message went to, as people type it.
    #[arg(long)]
    to: String,
    /// The day it was sent, China time (UTC+8, as Aliyun and Tencent date messages), as
    /// 2024-05-01 or 20240501; Aliyun keeps 30 days and lists that day's messages, Tencent
    /// keeps 7 and lists those from that day on. Today in China when absent.
    #[arg(long)]
    date: Option<String>,
    /// Only the message with this id (what `send` printed: Aliyun's BizId, Tencent's
    /// SerialNo).
    #[arg(long, visible_alias = "biz-id")]
    message_id: Option<String>,
    /// Only the messages sent with this reference (`send --reference`: Aliyun's OutId,
    /// Tencent's SessionContext).
    #[arg(long)]
    reference: Option<String>,
    /// The connector config (the Logto JSON): your provider account's, or a served emulator's
    /// (`aliyun-sms emulator --print-config`).
    #[arg(long)]
    config: PathBuf,
    #[arg(long, help = providers::PROVIDER_HELP)]
    provider: Option<String>,
}

/// China Standard Time, the time zone of the providers' dates.
fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

fn parse_date(date: Option<&str>) -> Result<NaiveDate, connector_kit::ConnectorError> {
    let Some(date) = date else {
        return Ok(Utc::now().with_timezone(&china()).date_naive());
    };
    NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(date, "%Y%m%d"))
        .map_err(|_| {
            bad_input(
                "date",
                format!("--date must be a day such as 2024-05-01 or 20240501, not {date:?}"),
            )
        })
}

/// When the lookup says the message was sent: the start of the day (China time), so that
/// every message of the day is asked about (Aliyun's lookup asks for that day; Tencent's from a
/// little before that time to now).
fn sent_at(date: NaiveDate) -> SystemTime {
    let midnight = date.and_time(NaiveTime::MIN);
    china()
        .from_local_datetime(&midnight)
        .single()
        .map_or_else(|| Utc::now().into(), |at| at.with_timezone(&Utc).into())
}

pub async fn run(args: StatusArgs, json: bool) -> u8 {
    let to = match parse_to(&args.to) {
        Ok(to) => to,
        Err(error) => return report_error(&error, json, None),
    };
    let date = match parse_date(args.date.as_deref()) {
        Ok(date) => date,
        Err(error) => return report_error(&error, json, None),
    };
    let config = match read_config_text(&args.config) {
        Ok(text) => text,
        Err((message, exit)) => return report_failure(&message, json, exit),
    };
    let registry = providers::registry();
    let factory = match providers::choose(&registry, args.provider.as_deref(), &config) {
        Ok(factory) => factory,
        Err(error) => return report_error(&error, json, None),
    };
    let connector = match registry.build(factory.metadata().id, &config) {
        Ok(connector) => connector,
        Err(error) => return report_error(&error, json, None),
    };
    let (host, timeout_ms) = providers::endpoint(factory, &config);
    let waiting_for = match timeout_ms {
        Some(ms) => format!("{host} to answer the delivery lookup (at most {ms} ms)"),
        None => format!("{host} to answer the delivery lookup"),
    };
    let mut query = DeliveryQuery::new(to, sent_at(date));
    if let Some(id) = &args.message_id {
        query = query.with_message_id(id.clone());
    }
    if let Some(reference) = &args.reference {
        query = query.with_reference(reference.clone());
    }
    let report = match announced(&waiting_for, connector.lookup_delivery(&query)).await {
        Ok(report) => report,
        Err(error) => {
            let provider = providers::display_name(factory);
            return report_error(&error, json, Some(Origin::Endpoint(&host, &provider)));
        }
    };
    let asked = Asked {
        provider: factory.metadata().id,
        id_name: providers::message_id_name(factory),
        to: &args.to,
        date,
        message_id: args.message_id.as_deref(),
        reference: args.reference.as_deref(),
        host: &host,
    };
    if json {
        print_json(&asked, &report);
    } else {
        print_text(&asked, &report.records);
    }
    EXIT_OK
}

/// What was asked, to say it back.
struct Asked<'a> {
    provider: &'a str,
    id_name: &'a str,
    to: &'a str,
    date: NaiveDate,
    message_id: Option<&'a str>,
    reference: Option<&'a str>,
    host: &'a str,
}

fn status_name(status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Pending => "waiting",
        DeliveryStatus::Failed => "failed",
        DeliveryStatus::Delivered => "delivered",
        // DeliveryStatus is non_exhaustive: a status a later version names.
        _ => "unknown",
    }
}

fn print_json(asked: &Asked<'_>, report: &DeliveryReport) {
    let messages: Vec<_> = report
        .records
        .iter()
        .map(|record| {
            json!({
                "status": status_name(record.status),
                "providerStatus": record.provider_status,
                "messageId": record.message_id,
                "reference": record.reference,
            })
        })
        .collect();
    println!(
        "{}",
        json!({
            "ok": true,
            "found": !messages.is_empty(),
            "provider": asked.provider,
            "to": asked.to,
            "date": asked.date.to_string(),
            "messageId": asked.message_id,
            "reference": asked.reference,
            "host": asked.host,
            "messages": messages,
            "requestId": report.request_id,
        })
    );
}

fn print_text(asked: &Asked<'_>, found: &[DeliveryRecord]) {
    let mut which = String::new();
    if let Some(id) = asked.message_id {
        which.push_str(&format!(" with {} {id}", asked.id_name));
    }
    if let Some(reference) = asked.reference {
        which.push_str(&format!(" with reference {reference}"));
    }
    let day = format!("{} (China time)", asked.date);
    if found.is_empty() {
        println!(
            "Not found: no message{which} to {} on {day} at {}.",
            asked.to, asked.host
        );
        println!(
            "  A provider may take a few seconds to list a message it has just accepted; a send \
             refused with an error was never listed."
        );
        return;
    }
    println!(
        "{} message(s){which} to {} on {day} at {}, newest first:",
        found.len(),
        asked.to,
        asked.host
    );
    for record in found {
        let status = status_name(record.status);
        match (record.status, record.provider_status.as_deref()) {
            (DeliveryStatus::Failed, Some(code)) => println!("- {status} (carrier: {code})"),
            (_, Some(code)) => println!("- {status} ({code})"),
            _ => println!("- {status}"),
        }
        let rows = [
            (asked.id_name, record.message_id.as_deref()),
            ("reference", record.reference.as_deref()),
        ];
        for (label, value) in rows {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                println!("    {label:<10} {value}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_both_forms_or_today_in_china() {
        let day = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        assert_eq!(parse_date(Some("2024-05-01")).unwrap(), day);
        assert_eq!(parse_date(Some("20240501")).unwrap(), day);
        let today = Utc::now().with_timezone(&china()).date_naive();
        assert_eq!(parse_date(None).unwrap(), today);
        let error = parse_date(Some("01/05/2024")).unwrap_err();
        assert_eq!(error.field(), Some("date"));
    }

    #[test]
    fn a_day_is_asked_about_from_its_start_in_china() {
        let day = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        let at: chrono::DateTime<Utc> = sent_at(day).into();
        assert_eq!(at.to_rfc3339(), "2024-04-30T16:00:00+00:00");
    }
}
