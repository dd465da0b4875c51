use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use crate::{
    Capabilities, ConnectorError, ConnectorMetadata, DeliveryQuery, DeliveryRecord, DeliveryReport,
    DeliveryStatus, LocalizedText, Receipt, SmsConnector, SmsMessage, TemplateParamStyle,
};

/// A connector that sends nothing and remembers everything: for your own tests.
///
/// It checks messages against its capabilities as a real connector does (a reference longer
/// than 256 bytes is refused), and answers delivery lookups from what it accepted: every
/// accepted message is `Delivered`, with the message id its receipt gave.
///
/// ```
/// use connector_kit::{ConnectorError, ErrorKind, RecordingConnector, SmsConnector, SmsMessage, UsageType};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let sms = RecordingConnector::new();
/// let to = "+8613800138000".parse().unwrap();
/// let message = SmsMessage::verification_code(to, UsageType::SignIn, "123456");
///
/// sms.send(&message).await.unwrap();
/// assert_eq!(sms.sent(), [message.clone()]);
///
/// sms.fail_next(ConnectorError::new(ErrorKind::RateLimited, "slow down"));
/// assert_eq!(sms.send(&message).await.unwrap_err().kind(), ErrorKind::RateLimited);
/// assert_eq!(sms.attempts().len(), 2);
/// # }
/// ```
#[derive(Debug)]
pub struct RecordingConnector {
    metadata: ConnectorMetadata,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    attempts: Vec<(SmsMessage, Result<Receipt, ConnectorError>)>,
    next_failures: VecDeque<ConnectorError>,
    always_fail: Option<ConnectorError>,
}

/// The recording connector's metadata: international, delivery lookup, named parameters,
/// references up to 256 bytes, one recipient a request.
pub const RECORDING_METADATA: ConnectorMetadata = ConnectorMetadata::new(
    "recording",
    "recording",
    LocalizedText(&[("en", "Recording connector"), ("zh-CN", "记录连接器")]),
    LocalizedText(&[
        ("en", "Records messages instead of sending them, for tests."),
        ("zh-CN", "只记录消息而不发送，用于测试。"),
    ]),
)
.with_capabilities(
    Capabilities::new()
        .with_international(true)
        .with_delivery_lookup(true)
        .with_template_params(TemplateParamStyle::Named)
        .with_max_reference_len(256),
);

impl Default for RecordingConnector {
    fn default() -> Self {
        Self::new()
    }
}

impl RecordingConnector {
    /// A connector that accepts every message.
    pub fn new() -> Self {
        Self::with_metadata(RECORDING_METADATA)
    }

    /// The same, presenting other metadata (to stand in for a given provider).
    pub fn with_metadata(metadata: ConnectorMetadata) -> Self {
        RecordingConnector {
            metadata,
            state: Mutex::default(),
        }
    }

    /// The next send fails with this error (queued: call again for the one after).
    pub fn fail_next(&self, error: ConnectorError) {
        self.state().next_failures.push_back(error);
    }

    /// Every send fails with this error from now on (`None` stops that).
    pub fn fail_always(&self, error: Option<ConnectorError>) {
        self.state().always_fail = error;
    }

    /// The messages accepted, in order.
    pub fn sent(&self) -> Vec<SmsMessage> {
        self.state()
            .attempts
            .iter()
            .filter(|(_, outcome)| outcome.is_ok())
            .map(|(message, _)| message.clone())
            .collect()
    }

    /// Every message it was asked to send, with what it answered.
    pub fn attempts(&self) -> Vec<(SmsMessage, Result<Receipt, ConnectorError>)> {
        self.state().attempts.clone()
    }

    /// Forgets every message and every planned failure.
    pub fn clear(&self) {
        *self.state() = State::default();
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic in another test thread must not hide what was recorded.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl SmsConnector for RecordingConnector {
    fn metadata(&self) -> &ConnectorMetadata {
        &self.metadata
    }

    async fn send(&self, message: &SmsMessage) -> Result<Receipt, ConnectorError> {
        let mut state = self.state();
        let planned = state
            .next_failures
            .pop_front()
            .or(state.always_fail.clone());
        let outcome = match planned {
            Some(error) => Err(error),
            None => self.metadata.capabilities.check_message(message).map(|()| {
                Receipt::new().with_message_id(format!("recorded-{}", state.attempts.len() + 1))
            }),
        };
        state.attempts.push((message.clone(), outcome.clone()));
        outcome
    }

    /// The accepted messages to the query's number (with its reference and message id, when
    /// it names them), whenever they were sent.
    async fn lookup_delivery(
        &self,
        query: &DeliveryQuery,
    ) -> Result<DeliveryReport, ConnectorError> {
        let records = self
            .state()
            .attempts
            .iter()
            .filter_map(|(message, outcome)| Some((message, outcome.as_ref().ok()?)))
            .filter(|(message, receipt)| {
                message.to == query.to
                    && (query.reference.is_none() || message.reference == query.reference)
                    && (query.message_id.is_none() || receipt.message_id == query.message_id)
            })
            .map(|(message, receipt)| DeliveryRecord {
                message_id: receipt.message_id.clone(),
                reference: message.reference.clone(),
                ..DeliveryRecord::new(DeliveryStatus::Delivered)
            })
            .collect();
        Ok(DeliveryReport::new(records))
    }
}
