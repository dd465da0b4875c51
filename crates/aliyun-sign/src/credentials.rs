//! Access key credentials, with a `Debug` that never prints the secret or the token.

use std::fmt;

/// An Alibaba Cloud access key: an AccessKey pair, or STS credentials when a security token is
/// set.
///
/// `Debug` shows the AccessKey ID and prints `** redacted **` for the secret and the token.
///
/// ```
/// use aliyun_sign::Credentials;
///
/// let credentials = Credentials::new("testid", "testsecret").with_security_token("sts-token");
/// let printed = format!("{credentials:?}");
/// assert!(printed.contains("testid"));
/// assert!(!printed.contains("testsecret") && !printed.contains("sts-token"));
/// ```
#[derive(Clone)]
pub struct Credentials {
    access_key_id: String,
    access_key_secret: String,
    security_token: Option<String>,
}

impl Credentials {
    /// Credentials from an AccessKey ID and its secret.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: None,
        }
    }

    /// Adds an STS security token (signed as `SecurityToken` in V1, `x-acs-security-token` in V3).
    #[must_use]
    pub fn with_security_token(self, token: impl Into<String>) -> Self {
        Self {
            security_token: Some(token.into()),
            ..self
        }
    }

    /// The AccessKey ID.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The AccessKey secret.
    pub fn access_key_secret(&self) -> &str {
        &self.access_key_secret
    }

    /// The STS security token, if any.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &Redact)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| Redact),
            )
            .finish()
    }
}

/// `text` with the security token, as it is and percent-encoded once and twice (the forms it
/// takes in a query string and a V1 string to sign), replaced by the redaction marker.
pub(crate) fn without_token(text: &str, token: Option<&str>) -> String {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return text.to_owned();
    };
    let once = crate::encode::percent_encode(token);
    let twice = crate::encode::percent_encode(&once);
    // Longest first, so a shorter form never cuts into a longer one.
    [twice.as_str(), once.as_str(), token]
        .iter()
        .fold(text.to_owned(), |text, form| text.replace(form, REDACTED))
}

const REDACTED: &str = "** redacted **";

/// Stands in for a secret in hand-written `Debug` output.
#[derive(Clone, Copy)]
pub(crate) struct Redact;

impl fmt::Debug for Redact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}
