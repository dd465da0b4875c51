//! The connector: the prepared request builder, the HTTP client, the retry loop.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use connector_http::{Exchange, Failure};
use connector_kit::{
    Backoff, Capabilities, ConnectorError, ConnectorMetadata, DeliveryQuery, DeliveryReport,
    LocalizedText, PhoneNumber, Receipt, Redactor, RetryPolicy, SmsConnector, SmsMessage,
    TemplateParamStyle,
};
use tokio::time::Instant;
use tracing::Instrument;

use crate::builder::TencentSmsConnectorBuilder;
use crate::config::TencentSmsConfig;
use crate::delivery;
use crate::request::{PULL_STATUS_ACTION, RequestBuilder, SEND_ACTION};
use crate::response::{ClassifyContext, MAX_BODY_BYTES, classify_status, classify_with};

/// What this connector is: Logto's id and target, so it can stand in for Logto's connector;
/// and what it can do: international numbers, delivery lookup
/// (`PullSmsSendStatusByPhoneNumber`), positional template parameters (`TemplateParamSet`, the
/// code first), references (`SessionContext`) up to 511 bytes, 200 numbers a `SendSms`
/// request.
pub const METADATA: ConnectorMetadata = ConnectorMetadata::new(
    "tencent-short-message-service",
    "tencent-sms",
    LocalizedText(&[
        ("en", "Tencent Short Message Service"),
        ("zh-CN", "腾讯云短信服务"),
        ("tr-TR", "Tencent SMS Servisi"),
        ("ko", "Tencent Short 메세지 서비스"),
    ]),
    LocalizedText(&[
        (
            "en",
            "Sends verification codes by SMS through Tencent Cloud Short Message Service.",
        ),
        ("zh-CN", "通过腾讯云短信服务发送短信验证码。"),
        (
            "tr-TR",
            "Doğrulama kodlarını Tencent Cloud Kısa Mesaj Servisi ile SMS olarak gönderir.",
        ),
        (
            "ko",
            "Tencent Cloud 단문 메시지 서비스로 인증 코드를 SMS로 보냅니다.",
        ),
    ]),
)
.with_capabilities(
    Capabilities::new()
        .with_international(true)
        .with_delivery_lookup(true)
        .with_template_params(TemplateParamStyle::Positional)
        .with_max_reference_len(511)
        .with_max_recipients(200),
);

/// The `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("tencent-sms-rs/", env!("CARGO_PKG_VERSION"));

/// What the errors of this connector call the provider.
const PROVIDER: &str = "Tencent Cloud";

/// Where a connector reads the time it stamps requests with (`X-TC-Timestamp`).
pub(crate) type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The Tencent Cloud SMS connector.
///
/// Build it once and share it (`Arc<dyn SmsConnector>`): it keeps its HTTP client (with its
/// pool of keep-alive connections) and a signer that derives its signing key once a day.
/// [`new`](Self::new) takes a config; [`builder`](Self::builder) also takes your own
/// `reqwest::Client`, clock or backoff.
///
/// Each [`send`](SmsConnector::send) takes at most `timeoutMs`, retries included. It is retried
/// only when Tencent Cloud refused the request before processing it (`RequestLimitExceeded`) or
/// the request was not sent (no connection could be made); an error whose
/// [`outcome_unknown`](ConnectorError::outcome_unknown) is true may have sent the message and
/// is never resent.
pub struct TencentSmsConnector {
    config: TencentSmsConfig,
    builder: RequestBuilder,
    client: reqwest::Client,
    redactor: Redactor,
    backoff: Backoff,
    clock: Clock,
}

impl fmt::Debug for TencentSmsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TencentSmsConnector")
            .field("config", &self.config)
            .field("backoff", &self.backoff)
            .finish_non_exhaustive()
    }
}

impl TencentSmsConnector {
    /// Checks the config and prepares the connector with the default HTTP client: no request
    /// is made. The short form of `TencentSmsConnector::builder(config).build()`.
    pub fn new(config: TencentSmsConfig) -> Result<Self, ConnectorError> {
        Self::builder(config).build()
    }

    /// A builder, to hand in your own `reqwest::Client` (reqwest 0.12), clock or backoff before
    /// [`build`](TencentSmsConnectorBuilder::build).
    ///
    /// Without a client of your own, the connector builds one
    /// ([`connector_http::default_client`]): rustls, HTTP/2 where the endpoint offers it, idle
    /// connections closed after a few seconds, `connectTimeoutMs` for each connection, the
    /// system's trusted roots beside the bundled Mozilla roots, no redirect followed, and the
    /// proxy of `HTTPS_PROXY`/`ALL_PROXY` (unless `NO_PROXY` excludes the endpoint; a loopback
    /// endpoint is always reached directly).
    pub fn builder(config: TencentSmsConfig) -> TencentSmsConnectorBuilder {
        TencentSmsConnectorBuilder::new(config)
    }

    /// [`TencentSmsConfig::from_json`] then [`new`](Self::new). A bad config gives
    /// [`ErrorKind::InvalidConfig`](connector_kit::ErrorKind::InvalidConfig) with the first
    /// problem's path as the field, every problem in the message, and the
    /// [`ConfigError`](crate::ConfigError) as the source. The config's warnings are logged
    /// once, here.
    pub fn from_json(json: &str) -> Result<Self, ConnectorError> {
        Self::new(TencentSmsConfig::from_json(json)?)
    }

    /// The connector from what [`TencentSmsConnectorBuilder::build`] gathered.
    pub(crate) fn assemble(
        config: TencentSmsConfig,
        builder: RequestBuilder,
        client: reqwest::Client,
        backoff: Backoff,
        clock: Clock,
    ) -> Self {
        let redactor = Redactor::new(
            std::iter::once(config.access_key_secret.expose_secret())
                .chain(config.security_token.as_ref().map(|t| t.expose_secret())),
        );
        TencentSmsConnector {
            config,
            builder,
            client,
            redactor,
            backoff,
            clock,
        }
    }

    /// The checked config.
    pub fn config(&self) -> &TencentSmsConfig {
        &self.config
    }

    /// The prepared request builder, e.g. to show what would be sent.
    pub fn request_builder(&self) -> &RequestBuilder {
        &self.builder
    }

    /// Runs `attempt` until it succeeds, fails for good, or `maxAttempts` or `timeoutMs` are
    /// used up, inside `span`.
    async fn with_retries<T, Fut>(
        &self,
        span: tracing::Span,
        attempt: impl FnMut(u32, Duration) -> Fut,
    ) -> Result<T, ConnectorError>
    where
        Fut: std::future::Future<Output = Result<T, ConnectorError>>,
    {
        let deadline = Instant::now() + self.config.timeout();
        RetryPolicy::new(self.config.max_attempts)
            .with_backoff(self.backoff)
            // A retry needs time to be answered: one that would time out could turn a message
            // known not to be sent into one whose outcome is unknown.
            .with_min_attempt_time(self.config.timeout() / 4)
            .run(deadline.into_std(), attempt, tokio::time::sleep)
            .instrument(span)
            .await
    }

    fn exchange(&self, action: &'static str) -> Exchange<'_> {
        Exchange::new(
            PROVIDER,
            action,
            self.builder.host(),
            self.config.timeout_ms,
        )
        .with_lookup(PULL_STATUS_ACTION)
    }

    /// One HTTP exchange with the endpoint, before `deadline`.
    async fn post(
        &self,
        headers: &[(String, String)],
        body: String,
        deadline: Instant,
    ) -> Result<connector_http::Answer, Failure> {
        let headers = headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .chain([("user-agent", USER_AGENT), ("accept", "application/json")]);
        connector_http::post(
            &self.client,
            self.builder.url(),
            headers,
            body,
            MAX_BODY_BYTES,
            deadline,
        )
        .await
    }

    /// One attempt: a fresh timestamp and signature, one HTTP exchange, the answer classified.
    async fn attempt(
        &self,
        message: &SmsMessage,
        attempt: u32,
        time_left: Duration,
    ) -> Result<Receipt, ConnectorError> {
        let started = Instant::now();
        let mut request = self.builder.build(message, (self.clock)())?;
        let body = std::mem::take(&mut request.body);
        let exchanged = self
            .post(&request.headers, body, started + time_left)
            .await
            .map_err(|failure| failure.send_error(&self.exchange(SEND_ACTION)));
        let status = exchanged.as_ref().ok().map(|answer| answer.status);
        let result = exchanged.and_then(|answer| {
            let context = request.classify_context(Some(&self.redactor));
            classify_with(answer.status, &answer.body, &context)
        });

        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match &result {
            Ok(receipt) => tracing::info!(
                attempt,
                status,
                code = "Ok",
                request_id = receipt.request_id.as_deref(),
                elapsed_ms,
                "SendSms accepted"
            ),
            Err(error) => tracing::warn!(
                attempt,
                status = error.http_status().or(status),
                code = error.provider_code(),
                request_id = error.request_id(),
                kind = %error.kind(),
                retryable = error.is_retryable(),
                outcome_unknown = error.outcome_unknown(),
                elapsed_ms,
                error = %error,
                "SendSms attempt failed"
            ),
        }
        result
    }

    /// What Tencent Cloud reports of the messages sent to `to` since `since` (at most 7 days
    /// back, including a few minutes before it): `PullSmsSendStatusByPhoneNumber`, matched to
    /// `query`'s message id (`SerialNo`) or reference (`SessionContext`).
    ///
    /// A lookup changes nothing, so unlike a send it is retried (up to `maxAttempts`, within
    /// `timeoutMs`) after timeouts, lost connections and internal errors too.
    async fn pull_status(&self, query: &DeliveryQuery) -> Result<DeliveryReport, ConnectorError> {
        let span = tracing::info_span!("tencent_sms.lookup_delivery", host = %self.builder.host());
        self.with_retries(span, |attempt, time_left| {
            self.pull_attempt(&query.to, query, attempt, time_left)
        })
        .await
    }

    async fn pull_attempt(
        &self,
        to: &PhoneNumber,
        query: &DeliveryQuery,
        attempt: u32,
        time_left: Duration,
    ) -> Result<DeliveryReport, ConnectorError> {
        let started = Instant::now();
        let now = (self.clock)();
        let (begin, end) = delivery::window(query.sent_at, SystemTime::from(now))?;
        let request = self.builder.build_pull_status(to, begin, end, now)?;
        let result = match self
            .post(&request.headers, request.body, started + time_left)
            .await
        {
            Ok(answer) => {
                let context = ClassifyContext {
                    redactor: Some(&self.redactor),
                    ..ClassifyContext::default()
                };
                classify_status(answer.status, &answer.body, &context)
                    .and_then(|(records, request_id)| delivery::report(&records, request_id, query))
                    // A lookup changes nothing: asking again is always safe.
                    .map_err(|error| match error.outcome_unknown() {
                        true => error.with_outcome_unknown(false).with_retryable(true),
                        false => error,
                    })
            }
            Err(failure) => Err(failure.query_error(&self.exchange(PULL_STATUS_ACTION))),
        };
        if let Err(error) = &result {
            tracing::warn!(
                attempt,
                code = error.provider_code(),
                request_id = error.request_id(),
                kind = %error.kind(),
                error = %error,
                "PullSmsSendStatusByPhoneNumber attempt failed"
            );
        }
        result
    }
}

#[async_trait]
impl SmsConnector for TencentSmsConnector {
    fn metadata(&self) -> &ConnectorMetadata {
        &METADATA
    }

    async fn send(&self, message: &SmsMessage) -> Result<Receipt, ConnectorError> {
        METADATA.capabilities.check_message(message)?;
        let span = tracing::info_span!(
            "tencent_sms.send",
            usage = %message.usage,
            host = %self.builder.host(),
        );
        self.with_retries(span, |attempt, time_left| {
            self.attempt(message, attempt, time_left)
        })
        .await
    }

    /// `PullSmsSendStatusByPhoneNumber` from a few minutes before `sent_at` (at most 7 days
    /// back) to now, the records with the query's message id (`SerialNo`) when it has one,
    /// else those with its reference (`SessionContext`).
    ///
    /// Tencent Cloud echoes `SessionContext` in status pulls only where its SMS helper enabled
    /// it: without that, look up by message id ([`Receipt::message_id`]).
    async fn lookup_delivery(
        &self,
        query: &DeliveryQuery,
    ) -> Result<DeliveryReport, ConnectorError> {
        self.pull_status(query).await
    }
}
