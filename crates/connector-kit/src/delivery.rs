//! Delivery lookups: what happened to a message sent earlier, asked the same way of every
//! provider, so that a caller (failover, a send guard) can settle an unknown outcome.

use std::time::SystemTime;

use crate::{PhoneNumber, SmsMessage};

/// Which messages a delivery lookup asks about: those sent to `to` around `sent_at`, narrowed
/// to the provider's message id and the caller's reference when given.
///
/// ```
/// use std::time::SystemTime;
/// use connector_kit::{DeliveryQuery, DeliveryStatus, RecordingConnector, SmsConnector, SmsMessage, UsageType};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let sms = RecordingConnector::new();
/// let message = SmsMessage::verification_code("+8613800138000".parse()?, UsageType::SignIn, "123456")
///     .with_reference("login-42");
/// let sent_at = SystemTime::now();
/// sms.send(&message).await?;
///
/// // Later, e.g. after a send whose outcome was unknown: did it go out?
/// let report = sms.lookup_delivery(&DeliveryQuery::for_message(&message, sent_at)).await?;
/// assert!(report.was_sent());
/// assert_eq!(report.records[0].reference.as_deref(), Some("login-42"));
/// assert_eq!(report.records[0].status, DeliveryStatus::Delivered);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryQuery {
    /// The recipient.
    pub to: PhoneNumber,
    /// When the message was sent (about: providers search the day or a window around it).
    pub sent_at: SystemTime,
    /// The provider's id for the message ([`Receipt::message_id`](crate::Receipt::message_id)),
    /// when the send returned one.
    pub message_id: Option<String>,
    /// The caller's reference the message was sent with ([`SmsMessage::reference`]).
    pub reference: Option<String>,
}

impl DeliveryQuery {
    /// Every message sent to `to` around `sent_at`.
    pub fn new(to: PhoneNumber, sent_at: SystemTime) -> Self {
        DeliveryQuery {
            to,
            sent_at,
            message_id: None,
            reference: None,
        }
    }

    /// The messages sent as `message` (same recipient, same reference) around `sent_at`: the
    /// query that settles a send whose outcome is unknown.
    pub fn for_message(message: &SmsMessage, sent_at: SystemTime) -> Self {
        DeliveryQuery {
            reference: message.reference.clone(),
            ..Self::new(message.to.clone(), sent_at)
        }
    }

    /// Only the message with this provider id.
    pub fn with_message_id(mut self, message_id: impl Into<String>) -> Self {
        self.message_id = Some(message_id.into());
        self
    }

    /// Only messages sent with this reference.
    pub fn with_reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }
}

/// Where a message the provider sent is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeliveryStatus {
    /// Sent; the carrier has not reported yet.
    Pending,
    /// The carrier reported it delivered to the phone.
    Delivered,
    /// The carrier reported a failure (the message still went out, and may be billed).
    Failed,
}

/// One message the provider sent, as a delivery lookup reports it. Holds no phone number and
/// no text (they carry the code).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryRecord {
    /// Where it is.
    pub status: DeliveryStatus,
    /// The provider's id for the message, when the provider reports it.
    pub message_id: Option<String>,
    /// The caller's reference it was sent with.
    pub reference: Option<String>,
    /// The provider's or carrier's own status code (e.g. `DELIVERED`, or why it failed).
    pub provider_status: Option<String>,
}

impl DeliveryRecord {
    /// A record with this status and nothing else.
    pub fn new(status: DeliveryStatus) -> Self {
        DeliveryRecord {
            status,
            message_id: None,
            reference: None,
            provider_status: None,
        }
    }

    /// Sets the provider's id for the message.
    pub fn with_message_id(mut self, message_id: impl Into<String>) -> Self {
        self.message_id = Some(message_id.into());
        self
    }

    /// Sets the caller's reference.
    pub fn with_reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }

    /// Sets the provider's status code.
    pub fn with_provider_status(mut self, status: impl Into<String>) -> Self {
        self.provider_status = Some(status.into());
        self
    }
}

/// What a delivery lookup found: every message matching the query that the provider lists.
///
/// A record means the message went out. No record means the provider lists none *yet*:
/// providers list a message a few seconds after accepting it, so look again a little later
/// before concluding that a send with an unknown outcome sent nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DeliveryReport {
    /// The messages found, as the provider lists them.
    pub records: Vec<DeliveryRecord>,
    /// The provider's id for the lookup request, for its support desk.
    pub request_id: Option<String>,
}

impl DeliveryReport {
    /// A report of these records.
    pub fn new(records: Vec<DeliveryRecord>) -> Self {
        DeliveryReport {
            records,
            request_id: None,
        }
    }

    /// Sets the provider's id for the lookup request.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Whether any matching message went out (whatever the carrier reported since).
    pub fn was_sent(&self) -> bool {
        !self.records.is_empty()
    }

    /// Whether any matching message was reported delivered.
    pub fn is_delivered(&self) -> bool {
        self.records
            .iter()
            .any(|r| r.status == DeliveryStatus::Delivered)
    }
}
