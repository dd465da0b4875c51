//! Why an exchange gave no answer, told apart by whether the request may have been sent, and
//! for a connection that could not be made, why.

use std::error::Error as StdError;
use std::fmt;

use reqwest::Url;

/// Why [`post`](crate::post) has no [`Answer`](crate::Answer), by what the caller may do next.
#[derive(Debug)]
#[non_exhaustive]
pub enum Failure {
    /// The request could not be built (e.g. a header value the HTTP stack refuses): nothing
    /// was sent, and sending it again would fail the same way.
    Invalid(reqwest::Error),
    /// Nothing was sent: the HTTP stack never took a byte of the body, so no server can have
    /// acted on the request. Sending it again is safe.
    NotSent {
        /// Why.
        cause: Cause,
        /// reqwest's error, when there was one (not when the deadline passed first).
        source: Option<reqwest::Error>,
    },
    /// The request was handed over, then the exchange failed before a status arrived: the
    /// server may have acted on it.
    AfterSend(reqwest::Error),
    /// The status arrived, then reading the body failed.
    Body {
        /// The HTTP status.
        status: u16,
        /// What went wrong.
        source: reqwest::Error,
    },
    /// The deadline passed after the request was handed over: the server may have acted on it.
    TimedOut {
        /// The HTTP status, when it had arrived.
        status: Option<u16>,
    },
    /// The client followed a redirect (a client handed in by a user may), so the answer is not
    /// the endpoint's. The endpoint answered the request with a redirect.
    Redirected {
        /// Where the answer came from.
        to: Url,
    },
}

impl Failure {
    /// Whether the request certainly did not reach the server in full: [`Failure::Invalid`]
    /// and [`Failure::NotSent`].
    pub fn nothing_sent(&self) -> bool {
        matches!(self, Failure::Invalid(_) | Failure::NotSent { .. })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Invalid(_) => f.write_str("the request could not be built; nothing was sent"),
            Failure::NotSent { cause, .. } => write!(f, "{cause}; nothing was sent"),
            Failure::AfterSend(_) => {
                f.write_str("the connection failed after the request was sent")
            }
            Failure::Body { status, .. } => {
                write!(
                    f,
                    "the answer (HTTP {status}) was cut off while it was read"
                )
            }
            Failure::TimedOut { status: None } => f.write_str("no answer before the deadline"),
            Failure::TimedOut {
                status: Some(status),
            } => {
                write!(
                    f,
                    "the answer (HTTP {status}) did not arrive in full before the deadline"
                )
            }
            Failure::Redirected { to } => write!(
                f,
                "the answer was redirected to {}",
                to.host_str().unwrap_or("another address")
            ),
        }
    }
}

impl StdError for Failure {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Failure::Invalid(source)
            | Failure::AfterSend(source)
            | Failure::Body { source, .. }
            | Failure::NotSent {
                source: Some(source),
                ..
            } => Some(source),
            _ => None,
        }
    }
}

/// Why nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cause {
    /// The host name could not be resolved.
    Dns,
    /// The server (or the proxy) refused the TCP connection: nobody listens there.
    Refused,
    /// The TLS handshake failed, with what went wrong (e.g. `the certificate is not trusted
    /// (unknown issuer)` for a certificate no trusted root vouches for).
    Tls(String),
    /// The proxy could not open a tunnel to the server, with what went wrong.
    Proxy(String),
    /// The proxy answered `407 Proxy Authentication Required`: its credentials are missing or
    /// wrong, and trying again with the same ones would not help.
    ProxyAuthentication,
    /// No connection was made within the connect timeout.
    ConnectTimeout,
    /// The deadline passed before the request was handed over (connecting, or waiting for a
    /// connection).
    Deadline,
    /// Something else failed before the request was handed over (e.g. the connection closed
    /// before it took the request).
    Other,
}

impl Cause {
    /// Whether trying again may help: every cause but [`Cause::ProxyAuthentication`].
    pub fn worth_retrying(&self) -> bool {
        !matches!(self, Cause::ProxyAuthentication)
    }

    /// The cause of a reqwest error raised before the request was handed over, read from its
    /// chain of sources.
    pub(crate) fn of(error: &reqwest::Error) -> Cause {
        let mut dns = false;
        let mut refused = false;
        for current in chain(error) {
            let text = current.to_string();
            // hyper-util's tunnel errors are not nameable outside it; their text says what
            // they are (`tests/post.rs` fails if that changes).
            if text.starts_with("tunnel error") {
                if text.contains("proxy authorization required") {
                    return Cause::ProxyAuthentication;
                }
                return Cause::Proxy(text);
            }
            if let Some(tls) = current.downcast_ref::<rustls::Error>() {
                return Cause::Tls(tls_problem(tls));
            }
            dns |= text.starts_with("dns error");
            refused |= current
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
        }
        if dns {
            Cause::Dns
        } else if refused {
            Cause::Refused
        } else if error.is_timeout() {
            Cause::ConnectTimeout
        } else {
            Cause::Other
        }
    }
}

/// What went wrong in a TLS handshake, in words: the certificate problems people meet most
/// (rustls's own text stays in the error's source chain).
fn tls_problem(error: &rustls::Error) -> String {
    use rustls::CertificateError as Certificate;
    let rustls::Error::InvalidCertificate(problem) = error else {
        return error.to_string();
    };
    match problem {
        Certificate::UnknownIssuer => "the certificate is not trusted (unknown issuer)".into(),
        Certificate::Expired | Certificate::ExpiredContext { .. } => {
            "the certificate has expired".into()
        }
        Certificate::NotValidYet | Certificate::NotValidYetContext { .. } => {
            "the certificate is not valid yet (check this machine's clock)".into()
        }
        Certificate::NotValidForName | Certificate::NotValidForNameContext { .. } => {
            "the certificate is not valid for this host name".into()
        }
        Certificate::Revoked => "the certificate was revoked".into(),
        other => format!("the certificate was refused ({other:?})"),
    }
}

/// `error` and every error under it: its sources, and the errors an `io::Error` wraps (whose
/// `source()` skips them; TLS stacks wrap rustls's error that way, sometimes twice).
fn chain<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut all = Vec::new();
    let mut next = Some(error);
    while let Some(current) = next {
        all.push(current);
        next = match current.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => current.source(),
        };
    }
    all
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Dns => f.write_str("DNS lookup failed"),
            Cause::Refused => f.write_str("connection refused"),
            Cause::Tls(what) => write!(f, "TLS handshake failed: {what}"),
            Cause::Proxy(what) => write!(f, "the proxy failed: {what}"),
            Cause::ProxyAuthentication => f.write_str(
                "the proxy answered 407 Proxy Authentication Required: its credentials are \
                 missing or wrong",
            ),
            Cause::ConnectTimeout => f.write_str("connect timed out"),
            Cause::Deadline => f.write_str("no connection was ready before the deadline"),
            Cause::Other => f.write_str("the connection failed before the request was sent"),
        }
    }
}
