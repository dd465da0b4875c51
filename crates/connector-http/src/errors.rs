//! A failed exchange as the kit's [`ConnectorError`], with the flags that decide what a caller
//! may do next; and the error for an answer that cannot be read. What every connector on
//! [`post`](crate::post) says the same way, in its provider's words.

use std::borrow::Cow;

use connector_kit::{ConnectorError, ErrorKind, Redactor};

use crate::{Cause, Failure};

/// The most body bytes of an unreadable answer kept in its error ([`invalid_answer`]).
pub const SNIPPET_BYTES: usize = 512;

/// The exchange that failed, as an error message names it.
///
/// ```
/// use connector_http::{Exchange, Failure};
/// use connector_kit::ErrorKind;
///
/// let exchange = Exchange::new("Tencent Cloud", "SendSms", "sms.tencentcloudapi.com", 5000)
///     .with_lookup("PullSmsSendStatusByPhoneNumber");
/// let error = Failure::TimedOut { status: None }.send_error(&exchange);
/// assert_eq!(error.kind(), ErrorKind::Timeout);
/// assert!(error.outcome_unknown() && !error.is_retryable());
/// assert_eq!(
///     error.message(),
///     "no answer from sms.tencentcloudapi.com within 5000 ms: the message may have been sent; \
///      check delivery (PullSmsSendStatusByPhoneNumber) before sending it again"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Exchange<'a> {
    /// The provider, e.g. `Aliyun`.
    pub provider: &'a str,
    /// The API action, e.g. `SendSms`.
    pub action: &'a str,
    /// The endpoint's host (and port).
    pub host: &'a str,
    /// The deadline the exchange had, in milliseconds.
    pub timeout_ms: u32,
    /// The API that tells whether a message went out (e.g. `QuerySendDetails`), named in the
    /// advice of an unknown outcome.
    pub lookup: &'a str,
}

impl<'a> Exchange<'a> {
    /// `action` on `provider`'s `host` within `timeout_ms`; the lookup named is "a delivery
    /// lookup" until [`with_lookup`](Self::with_lookup).
    pub fn new(provider: &'a str, action: &'a str, host: &'a str, timeout_ms: u32) -> Self {
        Exchange {
            provider,
            action,
            host,
            timeout_ms,
            lookup: "a delivery lookup",
        }
    }

    /// Names the API that settles an unknown outcome.
    pub fn with_lookup(mut self, lookup: &'a str) -> Self {
        self.lookup = lookup;
        self
    }

    fn check_delivery(&self) -> String {
        format!(
            "the message may have been sent; check delivery ({}) before sending it again",
            self.lookup
        )
    }
}

impl Failure {
    /// The error of a send (a request that is not idempotent) that failed this way:
    /// retryable only when nothing was sent (and trying again may help); an unknown outcome
    /// whenever the request may have reached the server.
    pub fn send_error(self, exchange: &Exchange<'_>) -> ConnectorError {
        let host = exchange.host;
        match self {
            Failure::Invalid(source) => ConnectorError::new(
                ErrorKind::InvalidRequest,
                "the HTTP request could not be built; nothing was sent",
            )
            .with_source(source),
            Failure::NotSent { cause, source } => {
                let message = match cause {
                    Cause::Deadline => format!(
                        "no connection to {host} was ready within {} ms; nothing was sent",
                        exchange.timeout_ms
                    ),
                    _ => format!("could not connect to {host} ({cause}); nothing was sent"),
                };
                let error = ConnectorError::new(ErrorKind::Transport, message)
                    .with_retryable(cause.worth_retrying());
                match source {
                    Some(source) => error.with_source(source),
                    None => error,
                }
            }
            Failure::AfterSend(source) => ConnectorError::new(
                ErrorKind::OutcomeUnknown,
                format!(
                    "the connection to {host} failed after the request was sent: {}",
                    exchange.check_delivery()
                ),
            )
            .with_source(source),
            Failure::Body { status, source } => {
                let refused = (300..500).contains(&status);
                let (kind, what) = if refused {
                    (ErrorKind::InvalidResponse, "the request was refused".into())
                } else {
                    (ErrorKind::OutcomeUnknown, exchange.check_delivery())
                };
                ConnectorError::new(
                    kind,
                    format!("the answer was cut off while it was read: {what}"),
                )
                .with_http_status(status)
                .with_outcome_unknown(!refused)
                .with_source(source)
            }
            Failure::TimedOut { status } => {
                let error = ConnectorError::new(
                    ErrorKind::Timeout,
                    format!(
                        "no answer from {host} within {} ms: {}",
                        exchange.timeout_ms,
                        exchange.check_delivery()
                    ),
                );
                match status {
                    Some(status) => error.with_http_status(status),
                    None => error,
                }
            }
            // Only a client handed in by the user follows redirects.
            Failure::Redirected { to } => ConnectorError::new(
                ErrorKind::InvalidResponse,
                format!(
                    "{host} answered with a redirect (to {}), which the HTTP client followed: \
                     {} does not redirect {}, so the request was refused; check the endpoint \
                     and the client's redirect policy",
                    to.host_str().unwrap_or("another address"),
                    exchange.provider,
                    exchange.action,
                ),
            ),
        }
    }

    /// The error of a query (a request that changes nothing) that failed this way: an answer
    /// that did not come is only a failed read, so it is retryable and its outcome known.
    pub fn query_error(self, exchange: &Exchange<'_>) -> ConnectorError {
        let failed = |kind, what: String| {
            ConnectorError::new(
                kind,
                format!("{} to {}: {what}", exchange.action, exchange.host),
            )
            .with_outcome_unknown(false)
            .with_retryable(true)
        };
        match self {
            Failure::AfterSend(source) | Failure::Body { source, .. } => failed(
                ErrorKind::Transport,
                "the connection failed before the answer was read".into(),
            )
            .with_source(source),
            Failure::TimedOut { .. } => failed(
                ErrorKind::Timeout,
                format!("no answer within {} ms", exchange.timeout_ms),
            ),
            other => other.send_error(exchange),
        }
    }
}

/// The error of an answer that cannot be read (`what` says why): [`ErrorKind::InvalidResponse`]
/// with the status and the first [`SNIPPET_BYTES`] of the body, passed through `redactor`.
/// A 2xx or 5xx may come after the message went out (outcome unknown); a 3xx or 4xx refused it.
///
/// The whole body is redacted before the snippet is cut, so that a secret echoed across the
/// cut leaves none of its characters in the message.
pub fn invalid_answer(
    status: u16,
    body: &[u8],
    what: &str,
    redactor: Option<&Redactor>,
) -> ConnectorError {
    let message = if body.is_empty() {
        what.to_owned()
    } else {
        let text = String::from_utf8_lossy(body);
        let redacted = match redactor {
            Some(redactor) => redactor.redact(&text),
            None => text,
        };
        let shown = snippet(redacted.as_bytes());
        format!("{what}; it starts with {shown:?}")
    };
    let outcome_unknown = (200..300).contains(&status) || status >= 500;
    ConnectorError::new(ErrorKind::InvalidResponse, message)
        .with_http_status(status)
        .with_outcome_unknown(outcome_unknown)
}

/// The first [`SNIPPET_BYTES`] of `body` as text (lossy), cut at a character boundary.
pub fn snippet(body: &[u8]) -> Cow<'_, str> {
    let mut end = body.len().min(SNIPPET_BYTES);
    if end < body.len() {
        // Step back over at most three continuation bytes so as not to split a character.
        let mut back = 0;
        while back < 3 && end > 0 && body[end] & 0b1100_0000 == 0b1000_0000 {
            end -= 1;
            back += 1;
        }
    }
    String::from_utf8_lossy(&body[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXCHANGE: Exchange<'static> = Exchange {
        provider: "Aliyun",
        action: "SendSms",
        host: "dysmsapi.aliyuncs.com",
        timeout_ms: 5000,
        lookup: "QuerySendDetails",
    };

    #[test]
    fn a_send_is_retried_only_when_nothing_was_sent() {
        let not_sent = Failure::NotSent {
            cause: Cause::Refused,
            source: None,
        }
        .send_error(&EXCHANGE);
        assert_eq!(not_sent.kind(), ErrorKind::Transport);
        assert!(not_sent.is_retryable() && !not_sent.outcome_unknown());
        assert_eq!(
            not_sent.message(),
            "could not connect to dysmsapi.aliyuncs.com (connection refused); nothing was sent"
        );

        let proxy = Failure::NotSent {
            cause: Cause::ProxyAuthentication,
            source: None,
        }
        .send_error(&EXCHANGE);
        assert!(!proxy.is_retryable() && !proxy.outcome_unknown());

        let deadline = Failure::NotSent {
            cause: Cause::Deadline,
            source: None,
        }
        .send_error(&EXCHANGE);
        assert!(
            deadline
                .message()
                .contains("within 5000 ms; nothing was sent")
        );

        for (status, kind, unknown) in [
            (None, ErrorKind::Timeout, true),
            (Some(200), ErrorKind::Timeout, true),
        ] {
            let error = Failure::TimedOut { status }.send_error(&EXCHANGE);
            assert_eq!((error.kind(), error.outcome_unknown()), (kind, unknown));
            assert_eq!(error.http_status(), status);
            assert!(!error.is_retryable());
            assert!(
                error
                    .message()
                    .contains("check delivery (QuerySendDetails)")
            );
        }
    }

    #[test]
    fn a_query_is_retried_after_any_failed_read() {
        let query = Exchange {
            action: "QuerySendDetails",
            ..EXCHANGE
        };
        let error = Failure::TimedOut { status: None }.query_error(&query);
        assert_eq!(error.kind(), ErrorKind::Timeout);
        assert!(error.is_retryable() && !error.outcome_unknown());
        assert_eq!(
            error.message(),
            "QuerySendDetails to dysmsapi.aliyuncs.com: no answer within 5000 ms"
        );
    }

    #[test]
    fn an_unreadable_answer_keeps_a_redacted_snippet() {
        let redactor = Redactor::new(["Canary/Secret"]);
        let error = invalid_answer(
            502,
            b"<html>Canary/Secret</html>",
            "not JSON",
            Some(&redactor),
        );
        assert!(error.outcome_unknown());
        assert!(!error.message().contains("Canary"), "{}", error.message());
        assert!(error.message().starts_with("not JSON; it starts with"));
        // Echoed across the snippet's cut: no part of it shows.
        let across = format!("{}Canary/Secret and more", "x".repeat(SNIPPET_BYTES - 6));
        let error = invalid_answer(502, across.as_bytes(), "not JSON", Some(&redactor));
        assert!(!error.message().contains("Canary"), "{}", error.message());
        let refused = invalid_answer(404, b"", "the answer is empty", None);
        assert!(!refused.outcome_unknown());
        assert_eq!(refused.message(), "the answer is empty");
    }

    #[test]
    fn snippet_cuts_at_a_character_boundary() {
        let body = "短".repeat(200); // 3 bytes each: 512 falls inside a character
        let cut = snippet(body.as_bytes());
        assert_eq!(cut.len(), 510);
        assert!(!cut.contains('\u{fffd}'));
        assert_eq!(snippet(b"short"), "short");
        assert_eq!(snippet(&[b'a'; 600]).len(), 512);
        assert_eq!(snippet(&[0xff; 600]).chars().count(), 512, "lossy");
    }
}
