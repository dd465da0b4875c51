//! The kit's delivery lookup, answered by `PullSmsSendStatusByPhoneNumber`: the time window to
//! ask about, and Tencent's records as the kit's. Pure; the connector makes the request.

use std::time::{Duration, SystemTime};

use connector_kit::{
    ConnectorError, DeliveryQuery, DeliveryRecord, DeliveryReport, DeliveryStatus, ErrorKind,
};

use crate::request::PULL_STATUS_LIMIT;
use crate::response::StatusRecord;

/// How far before the caller's `sent_at` Tencent may date the message (clocks differ).
const EARLY_SLACK: Duration = Duration::from_secs(5 * 60);
/// How far back Tencent lets a pull reach.
pub(crate) const MAX_LOOKBACK: Duration = Duration::from_secs(7 * 24 * 3600);

/// `BeginTime` and `EndTime` (Unix seconds) for a message sent at `sent_at`, asked at `now`:
/// from a little before the send (at most 7 days back) to now. A message sent more than 7 days
/// before `now` is out of Tencent's reach: an `Unsupported` error naming `sent_at`, never an
/// empty report (which would read as "not sent").
pub(crate) fn window(sent_at: SystemTime, now: SystemTime) -> Result<(u64, u64), ConnectorError> {
    if now
        .duration_since(sent_at)
        .is_ok_and(|age| age > MAX_LOOKBACK)
    {
        return Err(ConnectorError::new(
            ErrorKind::Unsupported,
            "the message was sent more than 7 days ago; Tencent's status pulls reach 7 days \
             back, so whether it was sent cannot be told",
        )
        .with_field("sent_at"));
    }
    Ok(unclamped_window(sent_at, now))
}

fn unclamped_window(sent_at: SystemTime, now: SystemTime) -> (u64, u64) {
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
/// else by `SessionContext` when it has a reference, else all. Tencent echoes `SessionContext`
/// in status pulls only where its SMS helper enabled it (empty by default), so a record without
/// one may be the message asked about: it is kept, with no reference, for the caller to judge
/// (the kit's failover counts it as sent, never sending a second code).
///
/// Tencent lists at most [`PULL_STATUS_LIMIT`] records and cannot page: a full page without
/// the message asked about cannot say it was not sent, so it is an `Unsupported` error, never
/// an empty report.
pub(crate) fn report(
    records: &[StatusRecord],
    request_id: Option<String>,
    query: &DeliveryQuery,
) -> Result<DeliveryReport, ConnectorError> {
    let message_id = query.message_id.as_deref().filter(|id| !id.is_empty());
    let reference = query.reference.as_deref().filter(|r| !r.is_empty());
    let matching: Vec<&StatusRecord> = records
        .iter()
        .filter(|record| match (message_id, reference) {
            (Some(id), _) => record.serial_no.as_deref() == Some(id),
            (None, Some(reference)) => match record.session_context.as_deref() {
                Some(context) if !context.is_empty() => context == reference,
                _ => true,
            },
            (None, None) => true,
        })
        .collect();
    if matching.is_empty() && records.len() >= PULL_STATUS_LIMIT as usize {
        let mut error = ConnectorError::new(
            ErrorKind::Unsupported,
            format!(
                "Tencent listed {} status records for the number in the window, the most one \
                 pull gives, and the message asked about is not among them; whether it was \
                 sent cannot be told",
                records.len()
            ),
        );
        if let Some(request_id) = request_id {
            error = error.with_request_id(request_id);
        }
        return Err(error);
    }
    let records = matching
        .into_iter()
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
    Ok(report)
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
            window(now - Duration::from_secs(60), now).unwrap(),
            (1_700_000_000 - 360, 1_700_000_000)
        );
        // Sent 7 days ago less a minute: the window starts 7 days back, not before.
        let (begin, _) = window(now - MAX_LOOKBACK + Duration::from_secs(60), now).unwrap();
        assert_eq!(begin, 1_700_000_000 - 7 * 24 * 3600);
        // Beyond Tencent's reach: an error naming `sent_at`, never a report that finds nothing.
        let error = window(now - Duration::from_secs(30 * 24 * 3600), now).unwrap_err();
        assert_eq!(
            (error.kind(), error.field()),
            (ErrorKind::Unsupported, Some("sent_at"))
        );
        // A send dated after now (clocks differ) still gives a valid window.
        let (begin, end) = window(now + Duration::from_secs(3600), now).unwrap();
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
            .unwrap()
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
        )
        .unwrap();
        assert_eq!(by_id.records.len(), 1);
        assert_eq!(by_id.records[0].reference.as_deref(), Some("login-2"));
        assert_eq!(by_id.request_id.as_deref(), Some("R"));
        // By reference: its own record, and the one that echoes no SessionContext (it may be
        // the message), never another reference's.
        let by_reference = report(&records, None, &all.clone().with_reference("login-1")).unwrap();
        let ids: Vec<_> = by_reference
            .records
            .iter()
            .map(|r| (r.message_id.as_deref(), r.reference.as_deref()))
            .collect();
        assert_eq!(ids, [(Some("S1"), Some("login-1")), (Some("S3"), None)]);
        let elsewhere = [record("S1", Some("SUCCESS"), "login-1")];
        assert!(
            !report(&elsewhere, None, &all.with_reference("never"))
                .unwrap()
                .was_sent()
        );
    }

    #[test]
    fn a_full_page_without_the_message_cannot_say_it_was_not_sent() {
        let page: Vec<_> = (0..PULL_STATUS_LIMIT)
            .map(|i| record(&format!("2019:{i}"), Some("SUCCESS"), ""))
            .collect();
        let to: connector_kit::PhoneNumber = "+8613800138000".parse().unwrap();
        let query = DeliveryQuery::new(to, SystemTime::now()).with_message_id("2019:asked");
        let error = report(&page, Some("R".into()), &query).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Unsupported);
        assert_eq!(error.request_id(), Some("R"));
        // One short of a full page, it is a report that finds nothing.
        assert!(!report(&page[1..], None, &query).unwrap().was_sent());
        // On a full page, the message found is found.
        let found = report(&page, None, &query.with_message_id("2019:7")).unwrap();
        assert!(found.was_sent());
    }
}
