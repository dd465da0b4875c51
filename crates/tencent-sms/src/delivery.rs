//! The kit's delivery lookup, answered by `PullSmsSendStatusByPhoneNumber`: the time window to
//! ask about, and Tencent's records as the kit's. Pure; the connector makes the request.

use std::time::{Duration, SystemTime};

use connector_kit::{DeliveryQuery, DeliveryRecord, DeliveryReport, DeliveryStatus};

use crate::response::StatusRecord;

/// How far before the caller's `sent_at` Tencent may date the message (clocks differ).
const EARLY_SLACK: Duration = Duration::from_secs(5 * 60);
/// How far back Tencent lets a pull reach.
pub(crate) const MAX_LOOKBACK: Duration = Duration::from_secs(7 * 24 * 3600);

/// `BeginTime` and `EndTime` (Unix seconds) for a message sent at `sent_at`, asked at `now`:
/// from a little before the send (at most 7 days back) to now.
pub(crate) fn window(sent_at: SystemTime, now: SystemTime) -> (u64, u64) {
    let unix = |t: SystemTime| {
        t.duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    };
    let earliest = now
        .checked_sub(MAX_LOOKBACK)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let begin = sent_at
        .checked_sub(EARLY_SLACK)
        .unwrap_or(SystemTime::UNIX_EPOCH)
        .max(earliest);
    (unix(begin), unix(now).max(unix(begin)))
}

/// The records of a pull that match `query`: by `SerialNo` when the query has a message id,
/// else by `SessionContext` when it has a reference (Tencent echoes `SessionContext` in status
/// pulls only where its SMS helper enabled it: query by message id otherwise), else all.
pub(crate) fn report(
    records: &[StatusRecord],
    request_id: Option<String>,
    query: &DeliveryQuery,
) -> DeliveryReport {
    let message_id = query.message_id.as_deref().filter(|id| !id.is_empty());
    let reference = query.reference.as_deref().filter(|r| !r.is_empty());
    let matching = records
        .iter()
        .filter(|record| match (message_id, reference) {
            (Some(id), _) => record.serial_no.as_deref() == Some(id),
            (None, Some(reference)) => record.session_context.as_deref() == Some(reference),
            (None, None) => true,
        });
    let records = matching
        .map(|record| {
            let status = match record.report_status.as_deref() {
                Some(s) if s.eq_ignore_ascii_case("SUCCESS") => DeliveryStatus::Delivered,
                Some(s) if s.eq_ignore_ascii_case("FAIL") => DeliveryStatus::Failed,
                // Listed, so sent: no report from the carrier yet.
                _ => DeliveryStatus::Pending,
            };
            let mut kit = DeliveryRecord::new(status);
            kit.message_id = record.serial_no.clone().filter(|s| !s.is_empty());
            kit.reference = record.session_context.clone().filter(|s| !s.is_empty());
            kit.provider_status = record
                .description
                .clone()
                .filter(|s| !s.is_empty())
                .or_else(|| record.report_status.clone());
            kit
        })
        .collect();
    let mut report = DeliveryReport::new(records);
    report.request_id = request_id;
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(serial: &str, status: Option<&str>, context: &str) -> StatusRecord {
        StatusRecord {
            serial_no: Some(serial.into()),
            report_status: status.map(String::from),
            description: Some("DELIVRD".into()),
            session_context: Some(context.into()),
        }
    }

    #[test]
    fn the_window_starts_before_the_send_and_reaches_at_most_7_days_back() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            window(now - Duration::from_secs(60), now),
            (1_700_000_000 - 360, 1_700_000_000)
        );
        let (begin, _) = window(now - Duration::from_secs(30 * 24 * 3600), now);
        assert_eq!(begin, 1_700_000_000 - 7 * 24 * 3600);
        // A send dated after now (clocks differ) still gives a valid window.
        let (begin, end) = window(now + Duration::from_secs(3600), now);
        assert!(begin <= end);
    }

    #[test]
    fn records_match_the_message_id_or_the_reference() {
        let records = [
            record("S1", Some("SUCCESS"), "login-1"),
            record("S2", Some("FAIL"), "login-2"),
            record("S3", None, ""),
        ];
        let to = "+8613800138000".parse().unwrap();
        let all = DeliveryQuery::new(to, SystemTime::now());
        let statuses: Vec<_> = report(&records, None, &all)
            .records
            .iter()
            .map(|r| r.status)
            .collect();
        assert_eq!(
            statuses,
            [
                DeliveryStatus::Delivered,
                DeliveryStatus::Failed,
                DeliveryStatus::Pending
            ]
        );
        let by_id = report(
            &records,
            Some("R".into()),
            &all.clone().with_message_id("S2"),
        );
        assert_eq!(by_id.records.len(), 1);
        assert_eq!(by_id.records[0].reference.as_deref(), Some("login-2"));
        assert_eq!(by_id.request_id.as_deref(), Some("R"));
        let by_reference = report(&records, None, &all.clone().with_reference("login-1"));
        assert_eq!(by_reference.records[0].message_id.as_deref(), Some("S1"));
        assert!(!report(&records, None, &all.with_reference("never")).was_sent());
    }
}
