//! Settling a send whose outcome is unknown: did the message go out? Asked of the provider by
//! delivery lookup, within a bounded time, before anything else happens.

use std::time::{Duration, Instant};

use crate::routing::Sleep;
use crate::{ConnectorError, DeliveryQuery, DeliveryRecord, ErrorKind, SmsConnector};

/// How long a [`Failover`](crate::Failover) looks a send of unknown outcome up, and how often.
///
/// The message is taken as not sent only when lookups made for [`wait`](Self::wait) list
/// nothing, the last one after `wait` has passed: set it above the time the provider may take
/// to process a request and list the message (Aliyun lists a message a few seconds after
/// accepting it). A longer wait makes the caller wait longer after a timeout; a shorter one
/// risks a message listed late, and so a second code through the next provider. A wait too
/// long to add to the clock (such as [`Duration::MAX`]) means "look until it is found".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SettlePolicy {
    /// How long lookups may list nothing before the message counts as not sent.
    pub wait: Duration,
    /// The pause between lookups.
    pub interval: Duration,
}

impl Default for SettlePolicy {
    /// 5 s, a lookup every second.
    fn default() -> Self {
        SettlePolicy::new(Duration::from_secs(5), Duration::from_secs(1))
    }
}

impl SettlePolicy {
    /// Lookups for `wait`, `interval` apart (a zero interval counts as `wait`: two lookups).
    pub const fn new(wait: Duration, interval: Duration) -> Self {
        SettlePolicy {
            wait,
            interval: if interval.is_zero() { wait } else { interval },
        }
    }
}

/// What delivery lookup said about a send whose outcome was unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Settlement {
    /// The provider lists the message: it went out (delivered, or on its way). It is not sent
    /// again; the send succeeds with this record's message id.
    Sent(DeliveryRecord),
    /// Lookups listed nothing for the [`SettlePolicy::wait`]: it did not go out, and the next
    /// provider may send it.
    NotSent,
    /// Still unknown (the provider cannot look delivery up, or its lookups failed): the error
    /// goes back to the caller with its unknown outcome, and nothing is sent again.
    Unknown(ConnectorError),
}

impl Settlement {
    /// `delivered`, `not delivered` or `still unknown`.
    pub fn describe(&self) -> String {
        match self {
            Settlement::Sent(_) => "delivery lookup found it sent".to_owned(),
            Settlement::NotSent => "delivery lookup found it not sent".to_owned(),
            Settlement::Unknown(why) => format!("still unknown ({why})"),
        }
    }
}

/// Looks `query` up on `connector` until it is found or `policy.wait` has passed.
pub(crate) async fn settle(
    connector: &dyn SmsConnector,
    query: &DeliveryQuery,
    policy: SettlePolicy,
    sleep: &Sleep,
) -> Settlement {
    if !connector.metadata().capabilities.delivery_lookup {
        return Settlement::Unknown(ConnectorError::new(
            ErrorKind::Unsupported,
            format!("`{}` cannot look delivery up", connector.metadata().id),
        ));
    }
    // `None`: a wait too long to end, looked up until found.
    let deadline = Instant::now().checked_add(policy.wait);
    loop {
        let failed = match connector.lookup_delivery(query).await {
            Ok(report) => match found(&report.records, query) {
                Some(record) => return Settlement::Sent(record.clone()),
                None => None,
            },
            Err(error) if error.kind() == ErrorKind::Unsupported => {
                return Settlement::Unknown(error);
            }
            Err(error) => Some(error),
        };
        let now = Instant::now();
        let pause = match deadline {
            Some(deadline) if now >= deadline => {
                return match failed {
                    None => Settlement::NotSent,
                    Some(error) => Settlement::Unknown(error),
                };
            }
            Some(deadline) => policy.interval.min(deadline - now),
            None => policy.interval,
        };
        sleep.sleep(pause).await;
    }
}

/// The record of the message asked about: one with its reference, or any when the provider
/// does not echo references (a record without one may be it).
fn found<'r>(records: &'r [DeliveryRecord], query: &DeliveryQuery) -> Option<&'r DeliveryRecord> {
    records.iter().find(|record| {
        query.reference.is_none()
            || record.reference.is_none()
            || record.reference == query.reference
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::SystemTime;

    use super::*;
    use crate::{DeliveryReport, DeliveryStatus, RecordingConnector, SmsMessage, UsageType};

    fn query(reference: &str) -> DeliveryQuery {
        DeliveryQuery::new("+8613800138000".parse().unwrap(), SystemTime::now())
            .with_reference(reference)
    }

    fn fast() -> SettlePolicy {
        SettlePolicy::new(Duration::from_millis(40), Duration::from_millis(10))
    }

    #[tokio::test]
    async fn found_at_once_or_not_sent_after_the_wait() {
        let sms = RecordingConnector::new();
        let message = SmsMessage::verification_code(
            "+8613800138000".parse().unwrap(),
            UsageType::SignIn,
            "1",
        )
        .with_reference("r-1");
        crate::SmsConnector::send(&sms, &message).await.unwrap();
        let sleep = Sleep::new(tokio::time::sleep);
        let settled = settle(&sms, &query("r-1"), fast(), &sleep).await;
        assert!(matches!(&settled, Settlement::Sent(r) if r.status == DeliveryStatus::Delivered));

        let started = Instant::now();
        let settled = settle(&sms, &query("r-2"), fast(), &sleep).await;
        assert_eq!(settled, Settlement::NotSent);
        assert!(
            started.elapsed() >= Duration::from_millis(40),
            "looked for the whole wait"
        );
    }

    #[tokio::test]
    async fn unknown_without_lookup_or_when_lookups_fail() {
        let sleep = Sleep::new(tokio::time::sleep);
        let metadata = crate::ConnectorMetadata {
            capabilities: crate::Capabilities::new(),
            ..crate::RECORDING_METADATA
        };
        let blind = RecordingConnector::with_metadata(metadata);
        let settled = settle(&blind, &query("r"), fast(), &sleep).await;
        assert!(matches!(settled, Settlement::Unknown(e) if e.kind() == ErrorKind::Unsupported));

        #[derive(Debug)]
        struct Failing;
        #[async_trait::async_trait]
        impl SmsConnector for Failing {
            fn metadata(&self) -> &crate::ConnectorMetadata {
                &crate::RECORDING_METADATA
            }
            async fn send(&self, _: &SmsMessage) -> Result<crate::Receipt, ConnectorError> {
                unreachable!()
            }
            async fn lookup_delivery(
                &self,
                _: &DeliveryQuery,
            ) -> Result<DeliveryReport, ConnectorError> {
                Err(ConnectorError::new(ErrorKind::Timeout, "lookup").with_outcome_unknown(false))
            }
        }
        let settled = settle(&Failing, &query("r"), fast(), &sleep).await;
        assert!(matches!(settled, Settlement::Unknown(e) if e.kind() == ErrorKind::Timeout));
        let _ = Arc::new(Failing);
    }

    #[test]
    fn a_record_is_matched_by_reference_or_taken_when_the_provider_echoes_none() {
        let with = |r: Option<&str>| DeliveryRecord {
            reference: r.map(String::from),
            ..DeliveryRecord::new(DeliveryStatus::Pending)
        };
        assert!(found(&[with(Some("other"))], &query("mine")).is_none());
        assert!(found(&[with(Some("other")), with(Some("mine"))], &query("mine")).is_some());
        assert!(found(&[with(None)], &query("mine")).is_some());
        let any = DeliveryQuery::new("+8613800138000".parse().unwrap(), SystemTime::now());
        assert!(found(&[with(Some("other"))], &any).is_some());
    }
}
