use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::UsageType;

/// What went wrong, in terms that decide what the caller does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The connector's configuration is wrong; [`ConnectorError::field`] names the field.
    InvalidConfig,
    /// The message cannot be sent as it is: a bad number, a bad template parameter.
    InvalidRequest,
    /// No template for the message's usage type, and no `Generic` one.
    TemplateNotFound,
    /// Too many messages: to this number, for this account, or right now.
    RateLimited,
    /// The provider refused the credentials, the signature or the permission.
    Credentials,
    /// The provider account cannot send: balance, subscription, suspension.
    Account,
    /// The provider refused this message for good: content, sign name, template, source.
    Rejected,
    /// The provider's answer could not be understood.
    InvalidResponse,
    /// No answer in time. Unless said otherwise, the message may have been sent.
    Timeout,
    /// The network failed (refused connection, DNS, TLS).
    Transport,
    /// The provider may or may not have sent the message (an internal error after receiving
    /// it, a connection lost after the request was written).
    OutcomeUnknown,
    /// A daily or monthly quota, or the account's balance, is used up (Logto's
    /// `UsageLimitExceeded`); distinct from [`RateLimited`](Self::RateLimited).
    QuotaExceeded,
    /// The caller's own policy (e.g. a send guard) refused the message before any provider saw
    /// it: nothing was sent, and it is not retryable as it is.
    Blocked,
}

impl ErrorKind {
    /// A short lower-case name, e.g. `rate_limited`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidConfig => "invalid_config",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::TemplateNotFound => "template_not_found",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Credentials => "credentials",
            ErrorKind::Account => "account",
            ErrorKind::Rejected => "rejected",
            ErrorKind::InvalidResponse => "invalid_response",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Transport => "transport",
            ErrorKind::OutcomeUnknown => "outcome_unknown",
            ErrorKind::QuotaExceeded => "quota_exceeded",
            ErrorKind::Blocked => "blocked",
        }
    }

    /// The Logto connector error code this kind corresponds to, for users moving from Logto.
    pub const fn logto_code(self) -> &'static str {
        match self {
            ErrorKind::InvalidConfig => "invalid_config",
            ErrorKind::InvalidRequest => "invalid_request_parameters",
            ErrorKind::TemplateNotFound => "template_not_found",
            ErrorKind::RateLimited => "rate_limit_exceeded",
            ErrorKind::InvalidResponse => "invalid_response",
            ErrorKind::QuotaExceeded
            | ErrorKind::Blocked
            | ErrorKind::Credentials
            | ErrorKind::Account
            | ErrorKind::Rejected
            | ErrorKind::Timeout
            | ErrorKind::Transport
            | ErrorKind::OutcomeUnknown => "general",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The one error type of every SMS connector.
///
/// Carries a [`ErrorKind`], a message for people, and what the provider said (its code,
/// message and request id), plus two flags that decide what a caller may do:
/// [`is_retryable`](Self::is_retryable) (the provider did not process the request, so sending
/// it again cannot duplicate a message) and [`outcome_unknown`](Self::outcome_unknown) (the
/// message may have gone out: check delivery before sending again). Never holds a secret.
#[derive(Debug, Clone)]
pub struct ConnectorError {
    kind: ErrorKind,
    message: String,
    // Boxed strings keep the error within clippy's `result_large_err` threshold.
    field: Option<Box<str>>,
    provider_code: Option<Box<str>>,
    request_id: Option<Box<str>>,
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
        ConnectorError {
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
        }
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
        self.field = Some(field.into().into_boxed_str());
        self
    }

    /// Keeps the provider's error code (e.g. `isv.BUSINESS_LIMIT_CONTROL`).
    pub fn with_provider_code(mut self, code: impl Into<String>) -> Self {
        self.provider_code = Some(code.into().into_boxed_str());
        self
    }

    /// Keeps the provider's request id, for its support desk.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into().into_boxed_str());
        self
    }

    /// Keeps the HTTP status of the provider's answer.
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    /// Marks whether sending the same message again is safe and may succeed.
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }

    /// Marks whether the message may have been sent despite the error.
    pub fn with_outcome_unknown(mut self, outcome_unknown: bool) -> Self {
        self.outcome_unknown = outcome_unknown;
        self
    }

    /// Says how long until trying again may succeed (a throttle's window, a budget freeing up).
    pub fn with_retry_after(mut self, retry_after: Duration) -> Self {
        self.retry_after = Some(retry_after);
        self
    }

    /// Keeps the underlying error.
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// Keeps an underlying error that is already boxed, as HTTP and TLS stacks return them.
    pub fn with_boxed_source(mut self, source: Box<dyn StdError + Send + Sync + 'static>) -> Self {
        self.source = Some(Arc::from(source));
        self
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message for people (the provider's own message where it gave one).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The field the error is about, if any.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// The provider's error code, if it gave one.
    pub fn provider_code(&self) -> Option<&str> {
        self.provider_code.as_deref()
    }

    /// The provider's request id, if it gave one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The HTTP status of the provider's answer, if there was one.
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }

    /// How long until trying again may succeed, when that is known.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// Whether the provider did not process the request, so that sending it again (later, with
    /// a fresh signature) cannot duplicate a message.
    pub fn is_retryable(&self) -> bool {
        self.retryable && !self.outcome_unknown
    }

    /// Whether the message may have been sent: never resend without checking delivery first.
    pub fn outcome_unknown(&self) -> bool {
        self.outcome_unknown
    }

    /// Whether the same message may succeed later without any change.
    pub fn is_transient(&self) -> bool {
        self.is_retryable()
            || matches!(
                self.kind,
                ErrorKind::RateLimited | ErrorKind::Timeout | ErrorKind::Transport
            )
    }

    /// Whether the message will never succeed as it is.
    pub fn is_permanent(&self) -> bool {
        !self.is_transient() && !self.outcome_unknown
    }

    /// The Logto connector error code, for users moving from Logto.
    pub fn logto_code(&self) -> &'static str {
        self.kind.logto_code()
    }
}

impl fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(field) = &self.field {
            write!(f, " at `{field}`")?;
        }
        write!(f, ": {}", self.message)?;
        let mut details = Vec::new();
        if let Some(code) = &self.provider_code {
            details.push(format!("code {code}"));
        }
        if let Some(status) = self.http_status {
            details.push(format!("HTTP {status}"));
        }
        if let Some(id) = &self.request_id {
            details.push(format!("request id {id}"));
        }
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}

impl StdError for ConnectorError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

impl PartialEq for ConnectorError {
    /// Equal when everything but the source is equal.
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.message == other.message
            && self.field == other.field
            && self.provider_code == other.provider_code
            && self.request_id == other.request_id
            && self.http_status == other.http_status
            && self.retryable == other.retryable
            && self.outcome_unknown == other.outcome_unknown
            && self.retry_after == other.retry_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_kind_field_code_status_and_request_id() {
        let err = ConnectorError::new(ErrorKind::RateLimited, "触发分钟级流控Permits:1")
            .with_provider_code("isv.BUSINESS_LIMIT_CONTROL")
            .with_http_status(200)
            .with_request_id("A1B2");
        assert_eq!(
            err.to_string(),
            "rate_limited: 触发分钟级流控Permits:1 (code isv.BUSINESS_LIMIT_CONTROL, HTTP 200, request id A1B2)"
        );
        let err = ConnectorError::invalid_config("templates[1].usageType", "unknown usage type");
        assert_eq!(
            err.to_string(),
            "invalid_config at `templates[1].usageType`: unknown usage type"
        );
        assert_eq!(err.field(), Some("templates[1].usageType"));
    }

    #[test]
    fn retry_classes() {
        let throttled = ConnectorError::new(ErrorKind::RateLimited, "x").with_retryable(true);
        assert!(throttled.is_retryable() && throttled.is_transient() && !throttled.is_permanent());

        let limited = ConnectorError::new(ErrorKind::RateLimited, "x");
        assert!(!limited.is_retryable() && limited.is_transient());

        let timeout = ConnectorError::new(ErrorKind::Timeout, "x").with_retryable(true);
        assert!(timeout.outcome_unknown(), "a timeout may have been sent");
        assert!(
            !timeout.is_retryable(),
            "an unknown outcome is never retryable"
        );
        assert!(!timeout.is_permanent());

        let refused = ConnectorError::new(ErrorKind::Transport, "refused").with_retryable(true);
        assert!(refused.is_retryable() && !refused.outcome_unknown());

        let unknown = ConnectorError::new(ErrorKind::OutcomeUnknown, "500");
        assert!(unknown.outcome_unknown() && !unknown.is_permanent());

        for kind in [
            ErrorKind::Credentials,
            ErrorKind::Account,
            ErrorKind::Rejected,
        ] {
            let err = ConnectorError::new(kind, "x");
            assert!(err.is_permanent() && !err.is_retryable(), "{kind}");
        }
    }

    #[test]
    fn logto_codes() {
        for (kind, code) in [
            (ErrorKind::InvalidConfig, "invalid_config"),
            (ErrorKind::InvalidRequest, "invalid_request_parameters"),
            (ErrorKind::TemplateNotFound, "template_not_found"),
            (ErrorKind::RateLimited, "rate_limit_exceeded"),
            (ErrorKind::InvalidResponse, "invalid_response"),
            (ErrorKind::Credentials, "general"),
            (ErrorKind::OutcomeUnknown, "general"),
        ] {
            assert_eq!(ConnectorError::new(kind, "").logto_code(), code);
        }
        assert_eq!(
            ConnectorError::template_not_found(UsageType::BindMfa).message(),
            "Cannot find template for type: BindMfa"
        );
    }

    #[test]
    fn blocked_and_quota_exceeded_are_known_outcomes_with_a_retry_after() {
        assert_eq!(ErrorKind::Blocked.as_str(), "blocked");
        assert_eq!(ErrorKind::QuotaExceeded.as_str(), "quota_exceeded");
        let blocked = ConnectorError::new(ErrorKind::Blocked, "budget per-number: 5 per 600 s")
            .with_retry_after(Duration::from_secs(42));
        assert!(!blocked.outcome_unknown() && !blocked.is_retryable());
        assert_eq!(blocked.retry_after(), Some(Duration::from_secs(42)));
        assert_eq!(
            ConnectorError::new(ErrorKind::QuotaExceeded, "x").retry_after(),
            None
        );
        assert_ne!(
            blocked,
            blocked.clone().with_retry_after(Duration::from_secs(1))
        );
    }

    #[test]
    fn source_is_kept_in_the_chain() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let err = ConnectorError::new(ErrorKind::Transport, "connect").with_source(io);
        assert_eq!(err.source().unwrap().to_string(), "refused");
    }
}
