//! `aliyun-sms status`: what the provider knows of the messages sent to a number on a day.

use std::path::PathBuf;

use aliyun_sms::{AliyunSmsConnector, DeliveryStatus, SendDetails, SentMessage};
use chrono::{FixedOffset, NaiveDate, Utc};
use clap::Args;
use serde_json::json;

use crate::output::{EXIT_OK, Origin, bad_input, report_error, report_failure};
use crate::send::parse_to;
use crate::wait::announced;

#[derive(Args)]
pub struct StatusArgs {
    /// The number the message went to, as people type it.
    #[arg(long)]
    to: String,
    /// The day it was sent, China time (UTC+8), as 2024-05-01 or 20240501; Aliyun keeps 30
    /// days. Today in China when absent.
    #[arg(long)]
    date: Option<String>,
    /// Only the message with this BizId (what `send` printed).
    #[arg(long, conflicts_with = "reference")]
    biz_id: Option<String>,
    /// Only the messages sent with this reference (`send --reference`, Aliyun's OutId).
    #[arg(long)]
    reference: Option<String>,
    /// The connector config (the Logto JSON): your Aliyun account's, or a served emulator's
    /// (`aliyun-sms emulator --print-config`).
    #[arg(long)]
    config: PathBuf,
}

/// China Standard Time, the time zone of Aliyun's dates.
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

pub async fn run(args: StatusArgs, json: bool) -> u8 {
    let to = match parse_to(&args.to) {
        Ok(to) => to,
        Err(error) => return report_error(&error, json, None),
    };
    let date = match parse_date(args.date.as_deref()) {
        Ok(date) => date,
        Err(error) => return report_error(&error, json, None),
    };
    let config = match crate::check::read_config_text(&args.config) {
        Ok(text) => text,
        Err((message, exit)) => return report_failure(&message, json, exit),
    };
    let connector = match AliyunSmsConnector::from_json(&config) {
        Ok(connector) => connector,
        Err(error) => return report_error(&error, json, None),
    };
    let host = connector.request_builder().host();
    let waiting_for = format!(
        "{host} to answer QuerySendDetails (at most {} ms)",
        connector.config().timeout_ms
    );
    let lookup = connector.query_send_details(&to, date, args.biz_id.as_deref());
    let details = match announced(&waiting_for, lookup).await {
        Ok(details) => details,
        Err(error) => return report_error(&error, json, Some(Origin::Endpoint(host))),
    };
    let found: Vec<&SentMessage> = details
        .messages
        .iter()
        .filter(|m| {
            args.reference
                .as_deref()
                .is_none_or(|r| m.out_id.as_deref() == Some(r))
        })
        .collect();
    let asked = Asked {
        to: &args.to,
        date,
        biz_id: args.biz_id.as_deref(),
        reference: args.reference.as_deref(),
        host,
    };
    if json {
        print_json(&asked, &details, &found);
    } else {
        print_text(&asked, &found);
    }
    EXIT_OK
}

/// What was asked, to say it back.
struct Asked<'a> {
    to: &'a str,
    date: NaiveDate,
    biz_id: Option<&'a str>,
    reference: Option<&'a str>,
    host: &'a str,
}

fn status_name(status: DeliveryStatus) -> String {
    match status {
        DeliveryStatus::Waiting => "waiting".into(),
        DeliveryStatus::Failed => "failed".into(),
        DeliveryStatus::Delivered => "delivered".into(),
        DeliveryStatus::Other(code) => format!("unknown status {code}"),
        // DeliveryStatus is non_exhaustive: a status a later version names.
        other => format!("{other:?}").to_lowercase(),
    }
}

fn print_json(asked: &Asked<'_>, details: &SendDetails, found: &[&SentMessage]) {
    let messages: Vec<_> = found
        .iter()
        .map(|m| {
            json!({
                "status": status_name(m.status),
                "errorCode": m.error_code,
                "to": m.phone_number,
                "templateCode": m.template_code,
                "content": m.content,
                "sendDate": m.send_date,
                "receiveDate": m.receive_date,
                "reference": m.out_id,
            })
        })
        .collect();
    println!(
        "{}",
        json!({
            "ok": true,
            "found": !messages.is_empty(),
            "to": asked.to,
            "date": asked.date.to_string(),
            "bizId": asked.biz_id,
            "reference": asked.reference,
            "host": asked.host,
            "totalCount": details.total_count,
            "messages": messages,
            "requestId": details.request_id,
        })
    );
}

fn print_text(asked: &Asked<'_>, found: &[&SentMessage]) {
    let mut which = String::new();
    if let Some(id) = asked.biz_id {
        which.push_str(&format!(" with BizId {id}"));
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
            "  Aliyun may take a few seconds to list a message it has just accepted; a send \
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
    for message in found {
        let status = status_name(message.status);
        match (message.status, message.error_code.as_deref()) {
            (DeliveryStatus::Failed, Some(code)) => println!("- {status} (carrier: {code})"),
            _ => println!("- {status}"),
        }
        let rows = [
            ("to", Some(message.phone_number.as_str())),
            ("template", message.template_code.as_deref()),
            ("sent", message.send_date.as_deref()),
            ("received", message.receive_date.as_deref()),
            ("reference", message.out_id.as_deref()),
            ("text", message.content.as_deref()),
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
}
