//! A Tencent Cloud API key, with a `Debug` that never prints the SecretKey or the token.

use std::fmt;

/// A Tencent Cloud API key: a SecretId and its SecretKey, plus a token for temporary (STS)
/// credentials.
///
/// The token is not part of the signature: it travels unsigned in the `X-TC-Token` header, as
/// Tencent's SDKs send it. `Debug` shows the SecretId and prints `** redacted **` for the
/// SecretKey and the token.
///
/// ```
/// use tencent_sign::Credentials;
///
/// let credentials = Credentials::new("AKIDexample", "secret-key").with_token("sts-token");
/// let printed = format!("{credentials:?}");
/// assert!(printed.contains("AKIDexample"));
/// assert!(!printed.contains("secret-key") && !printed.contains("sts-token"));
/// ```
#[derive(Clone)]
pub struct Credentials {
    secret_id: String,
    secret_key: String,
    token: Option<String>,
}

impl Credentials {
    /// Credentials from a SecretId and its SecretKey.
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            secret_id: secret_id.into(),
            secret_key: secret_key.into(),
            token: None,
        }
    }

    /// Adds the token of temporary credentials (sent as `X-TC-Token`, not signed).
    #[must_use]
    pub fn with_token(self, token: impl Into<String>) -> Self {
        Self {
            token: Some(token.into()),
            ..self
        }
    }

    /// The SecretId (public: it is sent in every `Authorization` header).
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The SecretKey.
    pub fn secret_key(&self) -> &str {
        &self.secret_key
    }

    /// The temporary credentials' token, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &Redact)
            .field("token", &self.token.as_ref().map(|_| Redact))
            .finish()
    }
}

/// Stands in for a secret in hand-written `Debug` output.
#[derive(Clone, Copy)]
pub(crate) struct Redact;

impl fmt::Debug for Redact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}
