//! [`AliyunSmsConnectorBuilder`]: a connector with the user's own HTTP client, clock, nonce
//! source or backoff.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use connector_kit::{ConnectorError, ErrorKind};

use crate::config::AliyunSmsConfig;
use crate::connector::{AliyunSmsConnector, Clock, Nonce};
use crate::request::RequestBuilder;
use crate::retry::Backoff;

/// Builds an [`AliyunSmsConnector`]; made by [`AliyunSmsConnector::builder`].
///
/// ```
/// use std::time::Duration;
/// use aliyun_sms::{AliyunSmsConfig, AliyunSmsConnector, Backoff};
/// use chrono::{TimeZone, Utc};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = AliyunSmsConfig::from_json_with_env(r#"{
///     "accessKeyId": "LTAI5tExample", "accessKeySecret": "example-secret", "signName": "Logto",
///     "templates": [
///         {"usageType": "Register", "templateCode": "SMS_1"},
///         {"usageType": "SignIn", "templateCode": "SMS_2"},
///         {"usageType": "ForgotPassword", "templateCode": "SMS_3"},
///         {"usageType": "Generic", "templateCode": "SMS_4"}
///     ]
/// }"#, |_| None)?;
/// // Your own client: its proxies, trusted roots, resolver, local address, timeouts.
/// let client = reqwest::Client::builder()
///     .connect_timeout(Duration::from_secs(2))
///     .build()?;
/// let sms = AliyunSmsConnector::builder(config)
///     .http_client(client)
///     .clock(|| Utc.with_ymd_and_hms(2024, 5, 1, 8, 9, 10).unwrap())
///     .nonce(|| "c1b2c332-4cfb-4a0f-b8cc-ebe622aa0a5c".to_owned())
///     .backoff(Backoff { base: Duration::from_millis(10), cap: Duration::from_millis(50) })
///     .build()?;
/// # drop(sms);
/// # Ok(())
/// # }
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct AliyunSmsConnectorBuilder {
    config: AliyunSmsConfig,
    http_client: Option<reqwest::Client>,
    clock: Option<Clock>,
    nonce: Option<Nonce>,
    backoff: Backoff,
}

impl fmt::Debug for AliyunSmsConnectorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AliyunSmsConnectorBuilder")
            .field("config", &self.config)
            .field("http_client", &self.http_client.as_ref().map(|_| "given"))
            .field("clock", &self.clock.as_ref().map(|_| "given"))
            .field("nonce", &self.nonce.as_ref().map(|_| "given"))
            .field("backoff", &self.backoff)
            .finish()
    }
}

impl AliyunSmsConnectorBuilder {
    pub(crate) fn new(config: AliyunSmsConfig) -> Self {
        AliyunSmsConnectorBuilder {
            config,
            http_client: None,
            clock: None,
            nonce: None,
            backoff: Backoff::default(),
        }
    }

    /// Sends through `client` (reqwest 0.12) instead of a client of the connector's own: with
    /// your proxies, trusted roots (e.g. a company CA), DNS resolver, local address.
    ///
    /// The connector still ends every send within `timeoutMs` and reads at most 64 KiB of an
    /// answer; `connectTimeoutMs` and the proxy environment variables are then the client's
    /// business. A redirect the client follows is refused as an answer (Aliyun never redirects
    /// SendSms).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Stamps each request (`Timestamp`, `x-acs-date`) with `clock` instead of the system
    /// clock: tests, or an emulator's clock.
    pub fn clock(mut self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Takes the `SignatureNonce` (`x-acs-signature-nonce` in V3) of each request from `nonce`
    /// instead of a random UUID, so a test can pin it as it pins the time. It is called once
    /// per attempt: Aliyun refuses a nonce it has seen in the last 15 minutes
    /// (`SignatureNonceUsed`), so outside tests each call must return a new one.
    pub fn nonce(mut self, nonce: impl Fn() -> String + Send + Sync + 'static) -> Self {
        self.nonce = Some(Arc::new(nonce));
        self
    }

    /// Replaces the pause between attempts (tests use a short one).
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Checks the config and builds the connector (and, unless one was handed in, its HTTP
    /// client, which reads the proxy environment variables then, once). No request is made.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`] naming the field of a bad config; [`ErrorKind::Transport`]
    /// if the default HTTP client cannot be set up (e.g. a system root store whose every
    /// certificate is unreadable).
    pub fn build(self) -> Result<AliyunSmsConnector, ConnectorError> {
        let builder = RequestBuilder::new(&self.config)?;
        let client = match self.http_client {
            Some(client) => client,
            None => connector_http::default_client(builder.url(), self.config.connect_timeout())
                .map_err(|error| {
                    ConnectorError::new(ErrorKind::Transport, "could not set up the HTTP client")
                        .with_source(error)
                })?,
        };
        Ok(AliyunSmsConnector::assemble(
            self.config,
            builder,
            client,
            self.backoff,
            self.clock.unwrap_or_else(|| Arc::new(Utc::now)),
            self.nonce,
        ))
    }
}
