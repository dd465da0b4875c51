//! [`TencentSmsConnectorBuilder`]: a connector with the user's own HTTP client, clock or
//! backoff.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use connector_kit::{Backoff, ConnectorError, ErrorKind};

use crate::config::TencentSmsConfig;
use crate::connector::{Clock, TencentSmsConnector};
use crate::request::RequestBuilder;

/// Builds a [`TencentSmsConnector`]; made by [`TencentSmsConnector::builder`].
///
/// ```
/// use std::time::Duration;
/// use chrono::{TimeZone, Utc};
/// use connector_kit::Backoff;
/// use tencent_sms::{TencentSmsConfig, TencentSmsConnector};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = TencentSmsConfig::from_json_with_env(r#"{
///     "accessKeyId": "AKIDexample", "accessKeySecret": "example-key",
///     "signName": "腾讯云", "sdkAppId": "1400006666", "region": "ap-guangzhou",
///     "templates": [
///         {"usageType": "Register", "templateCode": "100001"},
///         {"usageType": "SignIn", "templateCode": "100002"},
///         {"usageType": "ForgotPassword", "templateCode": "100003"},
///         {"usageType": "Generic", "templateCode": "100004"}
///     ]
/// }"#, |_| None)?;
/// // Your own client: its proxies, trusted roots, resolver, local address, timeouts.
/// let client = reqwest::Client::builder().connect_timeout(Duration::from_secs(2)).build()?;
/// let sms = TencentSmsConnector::builder(config)
///     .http_client(client)
///     .clock(|| Utc.with_ymd_and_hms(2023, 11, 14, 22, 13, 20).unwrap())
///     .backoff(Backoff::new(Duration::from_millis(10), Duration::from_millis(50)))
///     .build()?;
/// # drop(sms);
/// # Ok(())
/// # }
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct TencentSmsConnectorBuilder {
    config: TencentSmsConfig,
    http_client: Option<reqwest::Client>,
    clock: Option<Clock>,
    backoff: Backoff,
}

impl fmt::Debug for TencentSmsConnectorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TencentSmsConnectorBuilder")
            .field("config", &self.config)
            .field("http_client", &self.http_client.as_ref().map(|_| "given"))
            .field("clock", &self.clock.as_ref().map(|_| "given"))
            .field("backoff", &self.backoff)
            .finish()
    }
}

impl TencentSmsConnectorBuilder {
    pub(crate) fn new(config: TencentSmsConfig) -> Self {
        TencentSmsConnectorBuilder {
            config,
            http_client: None,
            clock: None,
            backoff: Backoff::default(),
        }
    }

    /// Sends through `client` (reqwest 0.12) instead of a client of the connector's own: with
    /// your proxies, trusted roots (e.g. a company CA), DNS resolver, local address.
    ///
    /// The connector still ends every send within `timeoutMs` and reads at most 64 KiB of an
    /// answer; `connectTimeoutMs` and the proxy environment variables are then the client's
    /// business. A redirect the client follows is refused as an answer.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Stamps each request (`X-TC-Timestamp`, and the date of the signature's credential
    /// scope) with `clock` instead of the system clock: tests, or an emulator's clock. Also
    /// the "now" of delivery lookups.
    pub fn clock(mut self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
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
    /// if the default HTTP client cannot be set up.
    pub fn build(self) -> Result<TencentSmsConnector, ConnectorError> {
        let builder = RequestBuilder::new(&self.config)?;
        let client = match self.http_client {
            Some(client) => client,
            None => connector_http::default_client(builder.url(), self.config.connect_timeout())
                .map_err(|error| {
                    ConnectorError::new(ErrorKind::Transport, "could not set up the HTTP client")
                        .with_source(error)
                })?,
        };
        Ok(TencentSmsConnector::assemble(
            self.config,
            builder,
            client,
            self.backoff,
            self.clock.unwrap_or_else(|| Arc::new(Utc::now)),
        ))
    }
}
