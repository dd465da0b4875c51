//! Failover: an ordered list of providers, moving to the next only when the error proves the
//! message was not sent and another provider could do better.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;

use crate::routing::settle::settle;
use crate::routing::{SettlePolicy, Settlement, Sleep, common_metadata};
use crate::{
    ConnectorError, ConnectorMetadata, DeliveryQuery, DeliveryReport, ErrorKind, LocalizedText,
    Receipt, SmsConnector, SmsMessage,
};

/// The metadata of a [`Failover`]; its capabilities are those every provider has.
pub const FAILOVER_METADATA: ConnectorMetadata = ConnectorMetadata::new(
    "failover",
    "failover",
    LocalizedText(&[("en", "Failover"), ("zh-CN", "故障转移")]),
    LocalizedText(&[
        (
            "en",
            "Sends through the first provider that can, never sending a message twice.",
        ),
        ("zh-CN", "依次尝试各服务商，绝不重复发送同一条消息。"),
    ]),
);

/// The length of the reference a [`Failover`] gives a message that has none.
pub const GENERATED_REFERENCE_LEN: usize = 32;

/// What a [`Failover`] does after a provider's error: the rules of
/// `docs/routing-and-failover.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AfterError {
    /// Return the error: the message is at fault (an invalid number or parameters, refused
    /// content) or a policy refused it; another provider would fail alike, or must not be asked.
    Stop,
    /// Nothing was sent and another provider may succeed
    /// ([`ConnectorError::may_succeed_elsewhere`]): try the next one.
    TryNext,
    /// The message may have gone out ([`ConnectorError::outcome_unknown`]): settle it by
    /// delivery lookup before anything else.
    Settle,
}

impl AfterError {
    /// The rule for `error`.
    ///
    /// ```
    /// use connector_kit::{AfterError, ConnectorError, ErrorKind};
    ///
    /// let refused = ConnectorError::new(ErrorKind::Transport, "connection refused").with_retryable(true);
    /// assert_eq!(AfterError::of(&refused), AfterError::TryNext);
    /// let timeout = ConnectorError::new(ErrorKind::Timeout, "no answer");
    /// assert_eq!(AfterError::of(&timeout), AfterError::Settle);
    /// let bad_number = ConnectorError::new(ErrorKind::InvalidRequest, "isv.MOBILE_NUMBER_ILLEGAL");
    /// assert_eq!(AfterError::of(&bad_number), AfterError::Stop);
    /// ```
    pub fn of(error: &ConnectorError) -> Self {
        if error.outcome_unknown() {
            AfterError::Settle
        } else if error.may_succeed_elsewhere() {
            AfterError::TryNext
        } else {
            AfterError::Stop
        }
    }
}

/// One provider's part in a send.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// The provider's name in the failover.
    pub provider: String,
    /// What it answered.
    pub result: Result<Receipt, ConnectorError>,
    /// What delivery lookup said, when the outcome was unknown.
    pub settlement: Option<Settlement>,
}

/// Everything about one send through a [`Failover`]: its result, and each provider's part.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FailoverReport {
    /// What [`SmsConnector::send`] returns.
    pub result: Result<Receipt, ConnectorError>,
    /// Each provider tried (or skipped), in order.
    pub attempts: Vec<Attempt>,
    /// The reference the message was sent with: the caller's, or one the failover generated
    /// to settle an unknown outcome exactly.
    pub reference: Option<String>,
}

#[derive(Debug, Clone)]
struct Member {
    name: String,
    connector: Arc<dyn SmsConnector>,
}

/// An ordered list of providers behind one [`SmsConnector`]: each message goes to the first
/// provider, and to the next only when the error proves nothing was sent and another provider
/// could do better ([`AfterError`]):
///
/// - a connection failure before the request was written, a throttle, a used-up quota, a
///   provider's outage answered before processing, its credentials, account or config (each
///   reported in the result, never hidden), a provider skipped by its
///   [`CircuitBreaker`](crate::CircuitBreaker): the next provider is tried;
/// - an invalid number or parameters, refused content, a policy's refusal: returned at once;
/// - an unknown outcome (a timeout after the request was written, a 5xx): settled first by
///   delivery lookup ([`SettlePolicy`]): found, the send succeeds with no resend; not found,
///   the next provider is tried; still unknown, the error is returned as it is, never resent.
///
/// A message without a reference is given one ([`GENERATED_REFERENCE_LEN`] random hex digits,
/// for providers that echo that many bytes), so that a lookup finds exactly this message.
///
/// The [`Receipt`] says which provider sent the message ([`Receipt::provider`]) and which
/// failed before it ([`Receipt::tried_before`]); an error names its provider and lists the
/// providers tried before; [`send_reporting`](Self::send_reporting) gives all of it as data.
///
/// ```
/// use std::sync::Arc;
/// use connector_kit::{
///     ConnectorError, ErrorKind, Failover, RecordingConnector, SmsConnector, SmsMessage, UsageType,
/// };
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let (first, second) = (Arc::new(RecordingConnector::new()), Arc::new(RecordingConnector::new()));
/// let sms = Failover::new().with_provider("first", first.clone()).with_provider("second", second.clone());
/// let message = SmsMessage::verification_code("+8613800138000".parse()?, UsageType::SignIn, "123456");
///
/// // Refused before anything was sent: the second provider sends it.
/// first.fail_next(ConnectorError::new(ErrorKind::Transport, "connection refused").with_retryable(true));
/// let receipt = sms.send(&message).await?;
/// assert_eq!(receipt.provider.as_deref(), Some("second"));
/// assert_eq!(receipt.tried_before[0].0, "first");
///
/// // A bad number is bad everywhere: not tried elsewhere.
/// first.fail_next(ConnectorError::new(ErrorKind::InvalidRequest, "invalid number"));
/// let err = sms.send(&message).await.unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidRequest);
/// assert_eq!(second.sent().len(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Failover {
    metadata: ConnectorMetadata,
    members: Vec<Member>,
    settle: SettlePolicy,
    sleep: Sleep,
}

impl fmt::Debug for Failover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Failover")
            .field("providers", &self.members)
            .field("settle", &self.settle)
            .finish_non_exhaustive()
    }
}

impl Default for Failover {
    fn default() -> Self {
        Self::new()
    }
}

impl Failover {
    /// No provider yet; [`SettlePolicy::default`]; [`Sleep::default`].
    pub fn new() -> Self {
        Failover {
            metadata: FAILOVER_METADATA,
            members: Vec::new(),
            settle: SettlePolicy::default(),
            sleep: Sleep::default(),
        }
    }

    /// Adds a provider after the others, named `name` in receipts, errors and reports.
    pub fn with_provider(
        mut self,
        name: impl Into<String>,
        connector: Arc<dyn SmsConnector>,
    ) -> Self {
        self.members.push(Member {
            name: name.into(),
            connector,
        });
        self.metadata = common_metadata(
            FAILOVER_METADATA,
            self.members.iter().map(|m| m.connector.metadata()),
        );
        self
    }

    /// How unknown outcomes are settled.
    pub fn with_settle(mut self, settle: SettlePolicy) -> Self {
        self.settle = settle;
        self
    }

    /// How to wait between delivery lookups, e.g. `Sleep::new(tokio::time::sleep)`.
    pub fn with_sleep(mut self, sleep: Sleep) -> Self {
        self.sleep = sleep;
        self
    }

    /// The providers' names, in order.
    pub fn providers(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|m| m.name.as_str())
    }

    /// Sends `message` as [`SmsConnector::send`] does, and reports each provider's part.
    pub async fn send_reporting(&self, message: &SmsMessage) -> FailoverReport {
        let generated = match message.reference.as_deref() {
            Some(reference) if !reference.is_empty() => None,
            _ => Some(generate_reference()),
        };
        let reference = generated.clone().or_else(|| message.reference.clone());
        // The caller's reference is one every provider echoes, or none gets it: which provider
        // is up must not decide whether a message is sent.
        if let Err(refused) = self.metadata.capabilities.check_message(message) {
            return report(Err(refused), Vec::new(), reference);
        }
        let mut attempts: Vec<Attempt> = Vec::with_capacity(self.members.len());
        for member in &self.members {
            let mut message = message.clone();
            if let Some(reference) = &generated {
                let echoes = member.connector.metadata().capabilities.max_reference_len;
                if echoes >= reference.len() {
                    message.reference = Some(reference.clone());
                }
            }
            let sent_at = SystemTime::now();
            let error = match member.connector.send(&message).await {
                Ok(receipt) => {
                    let receipt = sent_by(member, receipt, &attempts);
                    attempts.push(attempt(member, Ok(receipt.clone()), None));
                    return report(Ok(receipt), attempts, reference);
                }
                Err(error) => error,
            };
            let (error, settlement) = match AfterError::of(&error) {
                AfterError::Stop => {
                    attempts.push(attempt(member, Err(error), None));
                    return self.failed(attempts, reference);
                }
                AfterError::TryNext => (error, None),
                AfterError::Settle => {
                    let query = DeliveryQuery::for_message(&message, sent_at);
                    let settled =
                        settle(member.connector.as_ref(), &query, self.settle, &self.sleep).await;
                    tracing::warn!(
                        target: "connector_kit::failover",
                        provider = %member.name,
                        error = %error,
                        settled = %settled.describe(),
                        "a send of unknown outcome was looked up"
                    );
                    match settled {
                        Settlement::Sent(record) => {
                            let mut receipt = Receipt::new();
                            receipt.message_id = record.message_id.clone();
                            let receipt = sent_by(member, receipt, &attempts);
                            attempts.push(attempt(
                                member,
                                Err(error),
                                Some(Settlement::Sent(record)),
                            ));
                            return report(Ok(receipt), attempts, reference);
                        }
                        // Known now: nothing went out, and sending again may succeed.
                        Settlement::NotSent => (
                            error.with_outcome_unknown(false).with_retryable(true),
                            Some(Settlement::NotSent),
                        ),
                        unknown @ Settlement::Unknown(_) => {
                            attempts.push(attempt(member, Err(error), Some(unknown)));
                            return self.failed(attempts, reference);
                        }
                    }
                }
            };
            tracing::warn!(
                target: "connector_kit::failover",
                provider = %member.name,
                error = %error,
                "nothing was sent; the next provider, if any, is tried"
            );
            attempts.push(attempt(member, Err(error), settlement));
        }
        self.failed(attempts, reference)
    }

    /// The error of a send that sent nothing (or whose outcome stays unknown): the deciding
    /// provider's, named, with the providers tried before it.
    fn failed(&self, attempts: Vec<Attempt>, reference: Option<String>) -> FailoverReport {
        let errors: Vec<(&str, &ConnectorError, Option<&Settlement>)> = attempts
            .iter()
            .filter_map(|a| {
                Some((
                    a.provider.as_str(),
                    a.result.as_ref().err()?,
                    a.settlement.as_ref(),
                ))
            })
            .collect();
        // The last provider actually tried decides; one skipped by its breaker only when all were.
        let decisive = errors
            .iter()
            .rposition(|(_, e, _)| e.kind() != ErrorKind::Unavailable)
            .or(errors.len().checked_sub(1));
        let error = match decisive {
            None => ConnectorError::new(
                ErrorKind::InvalidConfig,
                "the failover has no provider to send through",
            ),
            Some(at) => {
                let (provider, error, settlement) = errors[at];
                let mut text = format!("`{provider}`: {}", error.message());
                if let Some(settlement) = settlement {
                    text.push_str(&format!("; {}", settlement.describe()));
                }
                let others: Vec<String> = errors
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != at)
                    .map(|(_, (p, e, _))| format!("`{p}`: {e}"))
                    .collect();
                if !others.is_empty() {
                    text.push_str(&format!(" (also tried: {})", others.join("; ")));
                }
                with_message(error, text)
            }
        };
        report(Err(error), attempts, reference)
    }
}

fn report(
    result: Result<Receipt, ConnectorError>,
    attempts: Vec<Attempt>,
    reference: Option<String>,
) -> FailoverReport {
    FailoverReport {
        result,
        attempts,
        reference,
    }
}

/// `receipt` as `member` sent it, after the providers of `before` failed.
fn sent_by(member: &Member, mut receipt: Receipt, before: &[Attempt]) -> Receipt {
    receipt.provider.get_or_insert_with(|| member.name.clone());
    receipt.tried_before = before
        .iter()
        .filter_map(|a| Some((a.provider.clone(), a.result.clone().err()?)))
        .collect();
    receipt
}

fn attempt(
    member: &Member,
    result: Result<Receipt, ConnectorError>,
    settlement: Option<Settlement>,
) -> Attempt {
    Attempt {
        provider: member.name.clone(),
        result,
        settlement,
    }
}

/// `error` with another message, everything else kept.
fn with_message(error: &ConnectorError, message: String) -> ConnectorError {
    let mut copy = ConnectorError::new(error.kind(), message)
        .with_retryable(error.is_retryable())
        .with_outcome_unknown(error.outcome_unknown());
    if let Some(field) = error.field() {
        copy = copy.with_field(field);
    }
    if let Some(code) = error.provider_code() {
        copy = copy.with_provider_code(code);
    }
    if let Some(id) = error.request_id() {
        copy = copy.with_request_id(id);
    }
    if let Some(status) = error.http_status() {
        copy = copy.with_http_status(status);
    }
    if let Some(after) = error.retry_after() {
        copy = copy.with_retry_after(after);
    }
    copy.with_source(error.clone())
}

/// 32 random hex digits.
fn generate_reference() -> String {
    format!(
        "{:016x}{:016x}",
        crate::retry::random_u64(),
        crate::retry::random_u64()
    )
}

#[async_trait]
impl SmsConnector for Failover {
    fn metadata(&self) -> &ConnectorMetadata {
        &self.metadata
    }

    async fn send(&self, message: &SmsMessage) -> Result<Receipt, ConnectorError> {
        self.send_reporting(message).await.result
    }

    /// Every provider is asked (the message may have gone out through any of them). A record
    /// found is the answer, with the records of every provider that answered. Otherwise
    /// "nothing found" holds only if every provider answered: when one's lookup failed, its
    /// error (named) is returned, and when one cannot look delivery up,
    /// [`ErrorKind::Unsupported`], never an empty report that would let the message be sent
    /// again.
    async fn lookup_delivery(
        &self,
        query: &DeliveryQuery,
    ) -> Result<DeliveryReport, ConnectorError> {
        let mut records = Vec::new();
        let mut failure = None;
        let mut blind = Vec::new();
        for member in &self.members {
            if !member.connector.metadata().capabilities.delivery_lookup {
                blind.push(format!("`{}`", member.name));
                continue;
            }
            match member.connector.lookup_delivery(query).await {
                Ok(report) => records.extend(report.records),
                Err(error) => {
                    failure.get_or_insert_with(|| {
                        with_message(&error, format!("`{}`: {}", member.name, error.message()))
                    });
                }
            }
        }
        if !records.is_empty()
            || (failure.is_none() && blind.is_empty() && !self.members.is_empty())
        {
            return Ok(DeliveryReport::new(records));
        }
        Err(failure.unwrap_or_else(|| {
            let why = if blind.is_empty() {
                "the failover has no provider to look delivery up with".to_owned()
            } else {
                format!(
                    "nothing found, but {} cannot look delivery up, and the message may have \
                     gone out through it",
                    blind.join(", ")
                )
            };
            ConnectorError::new(ErrorKind::Unsupported, why)
        }))
    }
}
