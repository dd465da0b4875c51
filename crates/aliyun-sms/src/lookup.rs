//! The kit's delivery lookup, answered by `QuerySendDetails`: which China-time days to ask
//! about, and Aliyun's records as the kit's. Pure; the connector makes the queries.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use connector_kit::{DeliveryQuery, DeliveryRecord, DeliveryReport, DeliveryStatus as KitStatus};

use crate::delivery::{DeliveryStatus, SendDetails};

/// How long after the caller's `sent_at` Aliyun may date the message: a send started just
/// before midnight (China time) can be listed under the next day.
const DATING_SLACK: Duration = Duration::from_secs(5 * 60);

/// The China-time days to query for a message sent at `sent_at`: its day, and the next one
/// when the message may be dated after midnight and that day has begun by `now`.
pub(crate) fn send_dates(sent_at: SystemTime, now: DateTime<Utc>) -> Vec<NaiveDate> {
    let first = china_date(sent_at.into());
    let latest = china_date(DateTime::<Utc>::from(sent_at + DATING_SLACK).min(now));
    if latest > first {
        vec![first, latest]
    } else {
        vec![first]
    }
}

fn china_date(at: DateTime<Utc>) -> NaiveDate {
    let china = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    at.with_timezone(&china).date_naive()
}

/// The messages of `details` that match `query` (its reference, when it has one), as the kit's
/// records. Aliyun lists no `BizId`: a query by message id gets that id on its records.
pub(crate) fn records(details: &SendDetails, query: &DeliveryQuery) -> Vec<DeliveryRecord> {
    let wanted = query.reference.as_deref().filter(|r| !r.is_empty());
    details
        .messages
        .iter()
        .filter(|m| wanted.is_none() || m.out_id.as_deref() == wanted)
        .map(|m| {
            let mut record = DeliveryRecord::new(match m.status {
                DeliveryStatus::Delivered => KitStatus::Delivered,
                DeliveryStatus::Failed => KitStatus::Failed,
                // Listed, so sent: no final report yet, or one this version cannot read.
                DeliveryStatus::Waiting | DeliveryStatus::Other(_) => KitStatus::Pending,
            });
            record.message_id = query.message_id.clone();
            record.reference = m.out_id.clone();
            record.provider_status = m.error_code.clone();
            record
        })
        .collect()
}

/// A report of `records`, with the request id of the last query.
pub(crate) fn report(records: Vec<DeliveryRecord>, request_id: Option<String>) -> DeliveryReport {
    let mut report = DeliveryReport::new(records);
    report.request_id = request_id;
    report
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::delivery::SentMessage;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_day_is_china_time_and_the_next_one_is_asked_near_midnight() {
        // 10:00 UTC is 18:00 in China.
        let sent = at(2026, 5, 1, 10, 0);
        assert_eq!(send_dates(sent.into(), sent), [date(2026, 5, 1)]);
        // 15:30 UTC is 23:30 in China: still the same day.
        let sent = at(2026, 5, 1, 15, 30);
        assert_eq!(
            send_dates(sent.into(), at(2026, 5, 2, 3, 0)),
            [date(2026, 5, 1)]
        );
        // 15:58 UTC is 23:58 in China: Aliyun may date it 00:0x the next day...
        let sent = at(2026, 5, 1, 15, 58);
        assert_eq!(
            send_dates(sent.into(), at(2026, 5, 1, 16, 10)),
            [date(2026, 5, 1), date(2026, 5, 2)]
        );
        // ... unless that day has not begun yet.
        assert_eq!(
            send_dates(sent.into(), at(2026, 5, 1, 15, 59)),
            [date(2026, 5, 1)]
        );
    }

    fn sent(status: DeliveryStatus, out_id: Option<&str>) -> SentMessage {
        SentMessage {
            phone_number: "13800138000".into(),
            status,
            error_code: Some("DELIVERED".into()),
            template_code: Some("SMS_1".into()),
            content: Some("【Demo】123456".into()),
            send_date: None,
            receive_date: None,
            out_id: out_id.map(String::from),
        }
    }

    #[test]
    fn records_keep_the_reference_asked_for_and_map_the_status() {
        let details = SendDetails {
            total_count: 3,
            messages: vec![
                sent(DeliveryStatus::Delivered, Some("login-1")),
                sent(DeliveryStatus::Waiting, Some("login-2")),
                sent(DeliveryStatus::Other(9), None),
            ],
            request_id: Some("R1".into()),
        };
        let to = "13800138000".parse().unwrap();
        let all = DeliveryQuery::new(to, SystemTime::now());
        let statuses: Vec<_> = records(&details, &all).iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            [KitStatus::Delivered, KitStatus::Pending, KitStatus::Pending]
        );

        let one = all.with_reference("login-2").with_message_id("900619");
        let found = records(&details, &one);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].reference.as_deref(), Some("login-2"));
        assert_eq!(found[0].message_id.as_deref(), Some("900619"));
        assert_eq!(found[0].provider_status.as_deref(), Some("DELIVERED"));
    }
}
