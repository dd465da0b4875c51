use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::UsageType;

/// What went wrong, in terms that decide what the caller does next.
///
/// [`ConnectorError`]'s predicates read the kind with the error's flags; their truth table is
/// in [`ConnectorError`]'s documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The connector's configuration is wrong; [`ConnectorError::field`] names the field.
    InvalidConfig,
    /// The message cannot be sent as it is: a bad number, a bad template parameter, a reference
    /// longer than the provider echoes.
    InvalidRequest,
    /// No template for the message's usage type, and no `Generic` one.
    TemplateNotFound,
    /// Too many messages in a short window: to this number, for this account, or right now (a
    /// throttle). [`ConnectorError::retry_after`] says when trying again may succeed, where the
    /// provider says so.
    RateLimited,
    /// A daily or monthly quota, or the account's balance, is used up (Logto's
    /// `UsageLimitExceeded`): no message goes out until the period ends or someone tops the
    /// account up. Unlike [`RateLimited`](Self::RateLimited), waiting a little does not help.
    QuotaExceeded,
    /// The provider refused the credentials, the signature or the permission.
    Credentials,
    /// The provider account cannot send: subscription, suspension, an account that does not
    /// exist.
    Account,
    /// The provider refused this message for good: content, sign name, template, source.
    Rejected,
    /// The caller's own policy (e.g. a send guard) refused the message before any provider saw
    /// it: nothing was sent, and sending it again as it is would be refused again (until
    /// [`ConnectorError::retry_after`], when the policy says).
    Blocked,
    /// The connector cannot do what was asked (e.g. a delivery lookup its provider does not
    /// offer); nothing was sent.
    Unsupported,
    /// The provider is not being tried for now: a circuit breaker took it out after repeated
    /// failures, until [`ConnectorError::retry_after`]. Nothing was sent.
    Unavailable,
    /// The provider's answer could not be understood.
    InvalidResponse,
    /// No answer in time. Unless said otherwise, the message may have been sent.
    Timeout,
    /// The network failed (refused connection, DNS, TLS).
    Transport,
    /// The provider may or may not have sent the message (an internal error after receiving
    /// it, a connection lost after the request was written).
    OutcomeUnknown,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 15] = [
        ErrorKind::InvalidConfig,
        ErrorKind::InvalidRequest,
        ErrorKind::TemplateNotFound,
        ErrorKind::RateLimited,
        ErrorKind::QuotaExceeded,
        ErrorKind::Credentials,
        ErrorKind::Account,
        ErrorKind::Rejected,
        ErrorKind::Blocked,
        ErrorKind::Unsupported,
        ErrorKind::Unavailable,
        ErrorKind::InvalidResponse,
        ErrorKind::Timeout,
        ErrorKind::Transport,
        ErrorKind::OutcomeUnknown,
    ];

    /// A short lower-case name, e.g. `rate_limited`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidConfig => "invalid_config",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::TemplateNotFound => "template_not_found",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::QuotaExceeded => "quota_exceeded",
            ErrorKind::Credentials => "credentials",
            ErrorKind::Account => "account",
            ErrorKind::Rejected => "rejected",
            ErrorKind::Blocked => "blocked",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::InvalidResponse => "invalid_response",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Transport => "transport",
            ErrorKind::OutcomeUnknown => "outcome_unknown",
        }
    }

    /// Whether an error of this kind always means nothing was sent: decided before any request
    /// (config, message, template, policy, capability), or refused by the provider without
    /// sending. Only [`InvalidResponse`](Self::InvalidResponse), [`Timeout`](Self::Timeout),
    /// [`Transport`](Self::Transport) and [`OutcomeUnknown`](Self::OutcomeUnknown) can leave the
    /// outcome unknown.
    pub const fn proves_nothing_sent(self) -> bool {
        !matches!(
            self,
            ErrorKind::InvalidResponse
                | ErrorKind::Timeout
                | ErrorKind::Transport
                | ErrorKind::OutcomeUnknown
        )
    }

    /// Whether sending the same request again can never succeed (so an error of this kind is
    /// never retryable): the config, the message, the template, a quota, the account, a policy
    /// or a missing capability must change first.
    pub const fn needs_change(self) -> bool {
        matches!(
            self,
            ErrorKind::InvalidConfig
                | ErrorKind::InvalidRequest
                | ErrorKind::TemplateNotFound
                | ErrorKind::QuotaExceeded
                | ErrorKind::Account
                | ErrorKind::Blocked
                | ErrorKind::Unsupported
        )
    }

    /// Whether an error of this kind is about the provider, or this connector's setup for it,
    /// rather than about the message or the caller's policy: its network, its limits and
    /// quotas, its account and credentials, its config and templates, its capabilities, its
    /// answers. Another provider may send the same message. Not for
    /// [`InvalidRequest`](Self::InvalidRequest) (a bad number or parameters are bad
    /// everywhere), [`Rejected`](Self::Rejected) (the content was refused) or
    /// [`Blocked`](Self::Blocked) (a policy said no: going around it defeats it).
    pub const fn is_provider_specific(self) -> bool {
        !matches!(
            self,
            ErrorKind::InvalidRequest | ErrorKind::Rejected | ErrorKind::Blocked
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The one error type of every SMS connector.
///
/// Carries an [`ErrorKind`], a message for people, what the provider said (its code, message
/// and request id), and what decides what a caller may do next: whether the request may be
/// sent again ([`is_retryable`](Self::is_retryable)), whether the message may have gone out
/// ([`outcome_unknown`](Self::outcome_unknown)), and when trying again may succeed
/// ([`retry_after`](Self::retry_after)). Never holds a secret.
///
/// # The predicates
///
/// - [`is_retryable`](Self::is_retryable): the provider did not process the request, so sending
///   it again (soon, with a fresh signature) cannot send the message twice and may succeed.
///   Set by the connector with [`with_retryable`](Self::with_retryable); never true when the
///   outcome is unknown.
/// - [`outcome_unknown`](Self::outcome_unknown): the message may have gone out. Never send it
///   again, here or through another provider, before checking delivery
///   ([`SmsConnector::lookup_delivery`](crate::SmsConnector::lookup_delivery)).
/// - [`is_transient`](Self::is_transient): the failure passes by itself, so the same message
///   may succeed later with nothing changed: retryable errors, throttles
///   ([`RateLimited`](ErrorKind::RateLimited)), a provider's cool-down
///   ([`Unavailable`](ErrorKind::Unavailable)), timeouts, network failures, and any error that
///   says when to try again ([`retry_after`](Self::retry_after)).
/// - [`is_permanent`](Self::is_permanent): nothing was sent and the message will not succeed
///   as it is: neither transient nor of unknown outcome. A quota, an account, a policy, the
///   config or the message must change first.
/// - [`may_succeed_elsewhere`](Self::may_succeed_elsewhere): nothing was sent and another
///   provider may send the message; what failover moves on by (`docs/routing-and-failover.md`
///   has its table).
///
/// Their truth table, for errors as connectors make them (`new(kind)` plus the flags in the
/// first column); `tests/error_predicates.rs` checks it row by row:
///
/// | error | `is_retryable` | `outcome_unknown` | `is_transient` | `is_permanent` |
/// |---|---|---|---|---|
/// | `InvalidConfig`, `InvalidRequest`, `TemplateNotFound` | no | no | no | yes |
/// | `Credentials`, `Account`, `Rejected`, `Unsupported` | no | no | no | yes |
/// | `QuotaExceeded`, `Blocked` | no | no | no | yes |
/// | `QuotaExceeded`, `Blocked` with `retry_after` | no | no | yes | no |
/// | `RateLimited` (a per-number or per-account limit) | no | no | yes | no |
/// | `RateLimited`, retryable (throttled before processing) | yes | no | yes | no |
/// | `Unavailable` (a circuit breaker's cool-down) | no | no | yes | no |
/// | `Rejected`, retryable (e.g. a reused nonce) | yes | no | yes | no |
/// | `Credentials`, retryable (e.g. a clock to re-sign with) | yes | no | yes | no |
/// | `Transport` | no | no | yes | no |
/// | `Transport`, retryable (nothing was sent) | yes | no | yes | no |
/// | `Timeout` | no | yes | yes | no |
/// | `Timeout`, outcome known (e.g. a lookup, or before connecting) | no | no | yes | no |
/// | `Timeout`, outcome known, retryable | yes | no | yes | no |
/// | `InvalidResponse`, outcome known (a 4xx) | no | no | no | yes |
/// | `InvalidResponse`, outcome unknown (a 2xx or 5xx) | no | yes | no | no |
/// | `OutcomeUnknown` | no | yes | no | no |
///
/// Whatever the flags: retryable implies transient and a known outcome; permanent implies
/// neither transient nor unknown. A connector that marks an error retryable while its outcome
/// is unknown has a bug that [`is_retryable`](Self::is_retryable) hides from callers and
/// [`contradiction`](Self::contradiction) reports (the conformance suite fails on it).
///
/// ```
/// use std::time::Duration;
/// use connector_kit::{ConnectorError, ErrorKind};
///
/// let throttled = ConnectorError::new(ErrorKind::RateLimited, "触发分钟级流控Permits:1")
///     .with_provider_code("isv.BUSINESS_LIMIT_CONTROL")
///     .with_retry_after(Duration::from_secs(60));
/// assert!(throttled.is_transient() && !throttled.is_retryable() && !throttled.outcome_unknown());
/// assert_eq!(throttled.retry_after(), Some(Duration::from_secs(60)));
///
/// let timeout = ConnectorError::new(ErrorKind::Timeout, "no answer within 5000 ms");
/// assert!(timeout.outcome_unknown() && !timeout.is_retryable() && !timeout.is_permanent());
/// ```
#[derive(Clone)]
pub struct ConnectorError(Box<Inner>);

/// Boxed, so that a `Result` with a `ConnectorError` stays small on the path that succeeds.
#[derive(Debug, Clone)]
struct Inner {
    kind: ErrorKind,
    message: String,
    field: Option<String>,
    provider_code: Option<String>,
    request_id: Option<String>,
    http_status: Option<u16>,
    retryable: bool,
    outcome_unknown: bool,
    retry_after: Option<Duration>,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl ConnectorError {
    /// An error of this kind. Timeouts and [`ErrorKind::OutcomeUnknown`] start with an unknown
    /// outcome; nothing starts retryable.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ConnectorError(Box::new(Inner {
            kind,
            message: message.into(),
            field: None,
            provider_code: None,
            request_id: None,
            http_status: None,
            retryable: false,
            outcome_unknown: matches!(kind, ErrorKind::Timeout | ErrorKind::OutcomeUnknown),
            retry_after: None,
            source: None,
        }))
    }

    /// A configuration error at a field path such as `templates[2].usageType`.
    pub fn invalid_config(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidConfig, message).with_field(field)
    }

    /// No template for this usage type (Logto's "Cannot find template for type: X").
    pub fn template_not_found(usage: UsageType) -> Self {
        Self::new(
            ErrorKind::TemplateNotFound,
            format!("Cannot find template for type: {usage}"),
        )
    }

    /// Names the field (a JSON path or a parameter name) the error is about.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.0.field = Some(field.into());
        self
    }

    /// Keeps the provider's error code (e.g. `isv.BUSINESS_LIMIT_CONTROL`).
    pub fn with_provider_code(mut self, code: impl Into<String>) -> Self {
        self.0.provider_code = Some(code.into());
        self
    }

    /// Keeps the provider's request id, for its support desk.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.0.request_id = Some(request_id.into());
        self
    }

    /// Keeps the HTTP status of the provider's answer.
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.0.http_status = Some(status);
        self
    }

    /// Marks whether the provider did not process the request, so that sending it again is
    /// safe and may succeed.
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.0.retryable = retryable;
        self
    }

    /// Marks whether the message may have been sent despite the error.
    pub fn with_outcome_unknown(mut self, outcome_unknown: bool) -> Self {
        self.0.outcome_unknown = outcome_unknown;
        self
    }

    /// Says how long until trying again may succeed: a throttle's window, a budget freeing up.
    pub fn with_retry_after(mut self, retry_after: Duration) -> Self {
        self.0.retry_after = Some(retry_after);
        self
    }

    /// Keeps the underlying error.
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.0.source = Some(Arc::new(source));
        self
    }

    /// Keeps an underlying error that is already boxed, as HTTP and TLS stacks return them.
    pub fn with_boxed_source(mut self, source: Box<dyn StdError + Send + Sync + 'static>) -> Self {
        self.0.source = Some(Arc::from(source));
        self
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The message for people (the provider's own message where it gave one).
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The field the error is about, if any.
    pub fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }

    /// The provider's error code, if it gave one.
    pub fn provider_code(&self) -> Option<&str> {
        self.0.provider_code.as_deref()
    }

    /// The provider's request id, if it gave one.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// The HTTP status of the provider's answer, if there was one.
    pub fn http_status(&self) -> Option<u16> {
        self.0.http_status
    }

    /// How long until trying again may succeed, where the provider or the policy said so.
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// Whether the provider did not process the request, so that sending it again (soon, with
    /// a fresh signature) cannot duplicate a message and may succeed. Never true when the
    /// outcome is unknown.
    pub fn is_retryable(&self) -> bool {
        self.0.retryable && !self.0.outcome_unknown
    }

    /// Whether the message may have been sent: never resend without checking delivery first.
    pub fn outcome_unknown(&self) -> bool {
        self.0.outcome_unknown
    }

    /// Whether the failure passes by itself, so that the same message may succeed later with
    /// nothing changed.
    pub fn is_transient(&self) -> bool {
        self.is_retryable()
            || self.0.retry_after.is_some()
            || matches!(
                self.0.kind,
                ErrorKind::RateLimited
                    | ErrorKind::Unavailable
                    | ErrorKind::Timeout
                    | ErrorKind::Transport
            )
    }

    /// Whether nothing was sent and the message will not succeed as it is.
    pub fn is_permanent(&self) -> bool {
        !self.is_transient() && !self.0.outcome_unknown
    }

    /// Whether another provider may send this message: nothing was sent (the outcome is
    /// known), and the cause lies with this provider ([`ErrorKind::is_provider_specific`]) or
    /// the provider refused the request before processing it ([`is_retryable`](Self::is_retryable)).
    /// What a [`Failover`](crate::Failover) moves to its next provider on; never true for an
    /// invalid number or parameters, refused content, a policy's refusal, or an unknown outcome.
    pub fn may_succeed_elsewhere(&self) -> bool {
        !self.0.outcome_unknown
            && (self.0.kind.is_provider_specific()
                || (self.is_retryable() && !self.0.kind.needs_change()))
    }

    /// What in this error contradicts itself, if anything: a bug of the connector that made it.
    ///
    /// - retryable while the outcome is unknown (a retry could send the message twice);
    /// - an unknown outcome on a kind that proves nothing was sent ([`ErrorKind::proves_nothing_sent`]);
    /// - retryable on a kind that no retry can fix ([`ErrorKind::needs_change`]).
    ///
    /// Callers need not check it ([`is_retryable`](Self::is_retryable) already refuses the
    /// first); connector tests and the conformance suite do.
    pub fn contradiction(&self) -> Option<&'static str> {
        if self.0.retryable && self.0.outcome_unknown {
            Some(
                "marked retryable although its outcome is unknown: a retry could send the message twice",
            )
        } else if self.0.outcome_unknown && self.0.kind.proves_nothing_sent() {
            Some("its outcome is marked unknown, but an error of this kind proves nothing was sent")
        } else if self.0.retryable && self.0.kind.needs_change() {
            Some(
                "marked retryable, but sending the same request again cannot succeed for this kind",
            )
        } else {
            None
        }
    }
}

impl fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.kind)?;
        if let Some(field) = &self.0.field {
            write!(f, " at `{field}`")?;
        }
        write!(f, ": {}", self.0.message)?;
        let mut details = Vec::new();
        if let Some(code) = &self.0.provider_code {
            details.push(format!("code {code}"));
        }
        if let Some(status) = self.0.http_status {
            details.push(format!("HTTP {status}"));
        }
        if let Some(id) = &self.0.request_id {
            details.push(format!("request id {id}"));
        }
        if let Some(after) = self.0.retry_after {
            details.push(format!("retry after {after:?}"));
        }
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}

impl fmt::Debug for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Inner {
            kind,
            message,
            field,
            provider_code,
            request_id,
            http_status,
            retryable,
            outcome_unknown,
            retry_after,
            source,
        } = &*self.0;
        f.debug_struct("ConnectorError")
            .field("kind", kind)
            .field("message", message)
            .field("field", field)
            .field("provider_code", provider_code)
            .field("request_id", request_id)
            .field("http_status", http_status)
            .field("retryable", retryable)
            .field("outcome_unknown", outcome_unknown)
            .field("retry_after", retry_after)
            .field("source", source)
            .finish()
    }
}

impl StdError for ConnectorError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

impl PartialEq for ConnectorError {
    /// Equal when everything but the source is equal.
    fn eq(&self, other: &Self) -> bool {
        self.0.kind == other.0.kind
            && self.0.message == other.0.message
            && self.0.field == other.0.field
            && self.0.provider_code == other.0.provider_code
            && self.0.request_id == other.0.request_id
            && self.0.http_status == other.0.http_status
            && self.0.retryable == other.0.retryable
            && self.0.outcome_unknown == other.0.outcome_unknown
            && self.0.retry_after == other.0.retry_after
    }
}

impl Eq for ConnectorError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_kind_field_code_status_request_id_and_window() {
        let err = ConnectorError::new(ErrorKind::RateLimited, "触发分钟级流控Permits:1")
            .with_provider_code("isv.BUSINESS_LIMIT_CONTROL")
            .with_http_status(200)
            .with_request_id("A1B2")
            .with_retry_after(Duration::from_secs(60));
        assert_eq!(
            err.to_string(),
            "rate_limited: 触发分钟级流控Permits:1 (code isv.BUSINESS_LIMIT_CONTROL, HTTP 200, request id A1B2, retry after 60s)"
        );
        let err = ConnectorError::invalid_config("templates[1].usageType", "unknown usage type");
        assert_eq!(
            err.to_string(),
            "invalid_config at `templates[1].usageType`: unknown usage type"
        );
        assert_eq!(err.field(), Some("templates[1].usageType"));
        assert_eq!(
            ConnectorError::template_not_found(UsageType::BindMfa).message(),
            "Cannot find template for type: BindMfa"
        );
    }

    #[test]
    fn kinds_have_distinct_names_and_all_lists_each_once() {
        let mut names: Vec<_> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorKind::ALL.len());
        assert_eq!(ErrorKind::QuotaExceeded.as_str(), "quota_exceeded");
        assert_eq!(ErrorKind::Blocked.as_str(), "blocked");
    }

    #[test]
    fn contradictions_are_named() {
        let retried_unknown = ConnectorError::new(ErrorKind::Timeout, "x").with_retryable(true);
        assert!(!retried_unknown.is_retryable(), "callers are protected");
        assert!(
            retried_unknown
                .contradiction()
                .is_some_and(|c| c.contains("retryable"))
        );
        let unknown_config = ConnectorError::invalid_config("a", "x").with_outcome_unknown(true);
        assert!(unknown_config.contradiction().is_some());
        let retried_blocked = ConnectorError::new(ErrorKind::Blocked, "x").with_retryable(true);
        assert!(retried_blocked.contradiction().is_some());
        for kind in ErrorKind::ALL {
            assert_eq!(
                ConnectorError::new(kind, "x").contradiction(),
                None,
                "{kind}"
            );
        }
    }

    #[test]
    fn source_is_kept_in_the_chain() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let err = ConnectorError::new(ErrorKind::Transport, "connect").with_source(io);
        assert_eq!(err.source().unwrap().to_string(), "refused");
    }
}
