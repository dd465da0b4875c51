//! The connector: the endpoint's connections, the prepared request builder, the retry loop.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use connector_kit::{
    ConnectorError, ConnectorMetadata, ErrorKind, LocalizedText, PhoneNumber, Receipt,
    SmsConnector, SmsMessage,
};
use tokio::time::Instant;
use tracing::Instrument;

use crate::config::AliyunSmsConfig;
use crate::delivery::{SendDetails, classify_send_details};
use crate::proxy::Proxy;
use crate::request::{QueryRequest, RequestBuilder, SendRequest};
use crate::response::{ClassifyContext, MAX_BODY_BYTES, classify_with};
use crate::retry::{self, Backoff};
use crate::secret::Redactor;
use crate::transport::{Transport, TransportError};

/// What this connector is: Logto's id and target, so it can stand in for Logto's connector.
pub const METADATA: ConnectorMetadata = ConnectorMetadata {
    id: "aliyun-short-message-service",
    target: "aliyun-sms",
    platform: None,
    name: LocalizedText(&[
        ("en", "Aliyun Short Message Service"),
        ("zh-CN", "阿里云短信服务"),
        ("tr-TR", "Aliyun Kısa Mesaj Servisi"),
        ("ko", "Aliyun 단문 메시지 서비스"),
    ]),
    description: LocalizedText(&[
        (
            "en",
            "Sends verification codes by SMS through Alibaba Cloud (Aliyun) Short Message Service.",
        ),
        ("zh-CN", "通过阿里云短信服务发送短信验证码。"),
        (
            "tr-TR",
            "Doğrulama kodlarını Alibaba Cloud (Aliyun) Kısa Mesaj Servisi ile SMS olarak gönderir.",
        ),
        (
            "ko",
            "Alibaba Cloud(Aliyun) 단문 메시지 서비스로 인증 코드를 SMS로 보냅니다.",
        ),
    ]),
};

/// The `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("aliyun-sms-rs/", env!("CARGO_PKG_VERSION"));

/// Where a connector reads the time it stamps requests with (`Timestamp`, `x-acs-date`).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The Aliyun SMS connector.
///
/// Build it once and share it (`Arc<dyn SmsConnector>`): it keeps a pool of keep-alive
/// connections (never more than the sends in flight at once) and a signer keyed once.
///
/// Each [`send`](SmsConnector::send) takes at most `timeoutMs`, retries included. It is retried
/// only when Aliyun refused the request before processing it or no connection could be made;
/// an error whose [`outcome_unknown`](ConnectorError::outcome_unknown) is true may have sent the
/// message and is never resent.
pub struct AliyunSmsConnector {
    config: AliyunSmsConfig,
    builder: RequestBuilder,
    transport: Transport,
    redactor: Redactor,
    backoff: Backoff,
    clock: Clock,
}

impl fmt::Debug for AliyunSmsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AliyunSmsConnector")
            .field("config", &self.config)
            .field("backoff", &self.backoff)
            .finish_non_exhaustive()
    }
}

impl AliyunSmsConnector {
    /// Checks the config and prepares the connector: no request is made.
    ///
    /// Connections to an `https` endpoint go through the HTTP proxy that `https_proxy`,
    /// `HTTPS_PROXY`, `all_proxy` or `ALL_PROXY` names, unless `no_proxy`/`NO_PROXY` excludes
    /// the endpoint (read here, once; an unusable one is ignored with a warning in the log).
    /// [`with_proxy`](Self::with_proxy) sets another, or none.
    pub fn new(config: AliyunSmsConfig) -> Result<Self, ConnectorError> {
        let builder = RequestBuilder::new(&config)?;
        let transport = Transport::new(
            builder.url().as_str(),
            builder.host(),
            config.connect_timeout(),
            Proxy::FromEnvironment,
        )?;
        let redactor = Redactor::new(
            std::iter::once(config.access_key_secret.expose_secret())
                .chain(config.security_token.as_ref().map(|t| t.expose_secret())),
        );
        Ok(AliyunSmsConnector {
            config,
            builder,
            transport,
            redactor,
            backoff: Backoff::default(),
            clock: Arc::new(Utc::now),
        })
    }

    /// [`AliyunSmsConfig::from_json`] then [`new`](Self::new). A bad config gives
    /// [`ErrorKind::InvalidConfig`] with the first problem's path as the field, every problem
    /// in the message, and the [`ConfigError`](crate::ConfigError) as the source. What Logto
    /// accepts loads: each warning (a stray key ignored, a `Test` template ignored) is logged
    /// once, at WARN, as the connector is built; [`AliyunSmsConfig::load`] returns them as data
    /// instead, and has a strict mode.
    pub fn from_json(json: &str) -> Result<Self, ConnectorError> {
        Self::new(AliyunSmsConfig::from_json(json)?)
    }

    /// Sets the HTTP proxy that connections to an `https` endpoint go through, instead of the
    /// one the environment names (`HTTPS_PROXY` or `ALL_PROXY`, unless `NO_PROXY` excludes the
    /// endpoint's host): `Some("http://proxy.internal:3128")` (credentials as
    /// `http://user:password@host:port`), or `None` to connect directly.
    ///
    /// The proxy only relays the bytes: TLS runs end to end with the endpoint, certificate
    /// checks included. Only `http://` proxies (HTTP `CONNECT`) are supported.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`] for a proxy that cannot be used: another scheme than
    /// `http://`, a path, query or fragment (characters such as `/` or `@` in the credentials
    /// must be percent-encoded), or not a URL. The message never repeats the URL.
    pub fn with_proxy(mut self, proxy: Option<&str>) -> Result<Self, ConnectorError> {
        self.transport = Transport::new(
            self.builder.url().as_str(),
            self.builder.host(),
            self.config.connect_timeout(),
            proxy.map_or(Proxy::Direct, Proxy::Url),
        )?;
        Ok(self)
    }

    /// Replaces the pause between attempts (tests use a short one).
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Replaces the system clock that stamps each request (tests, or an emulator's clock).
    pub fn with_clock(mut self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The checked config.
    pub fn config(&self) -> &AliyunSmsConfig {
        &self.config
    }

    /// The prepared request builder, e.g. to show what would be sent.
    pub fn request_builder(&self) -> &RequestBuilder {
        &self.builder
    }

    /// What happened to the messages sent to `to` on `send_date` (China time, within the
    /// last 30 days): Aliyun's `QuerySendDetails`, only the message with `biz_id` (a
    /// [`Receipt::message_id`]) if given, the first 50 at most.
    ///
    /// The way to settle an error whose [`outcome_unknown`](ConnectorError::outcome_unknown)
    /// is true before sending the code again: a message found `Delivered` or `Waiting` went
    /// out (match it by [`SentMessage::out_id`](crate::SentMessage::out_id) when the message
    /// had a reference). Aliyun may take a few seconds to list a message it accepted.
    ///
    /// A query changes nothing, so unlike a send it is retried (up to `maxAttempts`, within
    /// `timeoutMs`) after timeouts, lost connections and 5xx answers too.
    pub async fn query_send_details(
        &self,
        to: &PhoneNumber,
        send_date: NaiveDate,
        biz_id: Option<&str>,
    ) -> Result<SendDetails, ConnectorError> {
        let span =
            tracing::info_span!("aliyun_sms.query_send_details", host = %self.builder.host());
        self.with_retries(span, |attempt, time_left| {
            self.query_attempt(to, send_date, biz_id, attempt, time_left)
        })
        .await
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
        retry::run(
            self.config.max_attempts,
            self.backoff,
            deadline,
            // A retry needs time to be answered: one that would time out could turn a message
            // known not to be sent into one whose outcome is unknown.
            self.config.timeout() / 4,
            attempt,
        )
        .instrument(span)
        .await
    }

    async fn query_attempt(
        &self,
        to: &PhoneNumber,
        send_date: NaiveDate,
        biz_id: Option<&str>,
        attempt: u32,
        time_left: Duration,
    ) -> Result<SendDetails, ConnectorError> {
        let started = Instant::now();
        let nonce = uuid::Uuid::new_v4().to_string();
        let QueryRequest {
            headers,
            body,
            string_to_sign,
            ..
        } = self
            .builder
            .build_query_send_details(to, send_date, biz_id, (self.clock)(), &nonce);
        let result = match self
            .transport
            .post(&headers, body, MAX_BODY_BYTES, started + time_left)
            .await
        {
            Ok(answer) => {
                let context = ClassifyContext {
                    string_to_sign: Some(&string_to_sign),
                    template_field: None,
                    redactor: Some(&self.redactor),
                };
                classify_send_details(answer.status, &answer.body, &context)
            }
            Err(error) => Err(self.query_transport_error(error)),
        };
        if let Err(error) = &result {
            tracing::warn!(
                attempt,
                code = error.provider_code(),
                request_id = error.request_id(),
                kind = %error.kind(),
                error = %error,
                "QuerySendDetails attempt failed"
            );
        }
        result
    }

    /// A query changes nothing: an answer that did not come is only a failed read, retryable.
    fn query_transport_error(&self, error: TransportError) -> ConnectorError {
        let host = self.builder.host();
        let failed = |kind, what: String| {
            ConnectorError::new(kind, format!("QuerySendDetails to {host}: {what}"))
                .with_outcome_unknown(false)
                .with_retryable(true)
        };
        match error {
            TransportError::AfterSend(source) | TransportError::Body { error: source, .. } => {
                failed(
                    ErrorKind::Transport,
                    "the connection failed before the answer was read".into(),
                )
                .with_boxed_source(source)
            }
            TransportError::TimedOut { .. } | TransportError::Expired => failed(
                ErrorKind::Timeout,
                format!("no answer within {} ms", self.config.timeout_ms),
            ),
            other => self.transport_error(other),
        }
    }

    /// One attempt: a fresh timestamp and nonce, one HTTP exchange, the answer classified.
    async fn attempt(
        &self,
        message: &SmsMessage,
        attempt: u32,
        time_left: Duration,
    ) -> Result<Receipt, ConnectorError> {
        let started = Instant::now();
        let mut nonce = uuid::Uuid::encode_buffer();
        let nonce = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut nonce);
        let SendRequest {
            headers,
            body,
            string_to_sign,
            template_field,
            ..
        } = self.builder.build_to_send(message, (self.clock)(), nonce)?;

        let exchanged = self
            .transport
            .post(&headers, body, MAX_BODY_BYTES, started + time_left)
            .await
            .map(|answer| (answer.status, answer.body))
            .map_err(|e| self.transport_error(e));
        let status = exchanged.as_ref().ok().map(|(status, _)| *status);
        let result = exchanged.and_then(|(status, body)| {
            let context = ClassifyContext {
                string_to_sign: Some(&string_to_sign),
                template_field: Some(&template_field),
                redactor: Some(&self.redactor),
            };
            classify_with(status, &body, &context)
        });

        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match &result {
            Ok(receipt) => tracing::info!(
                attempt,
                status,
                code = "OK",
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

    fn transport_error(&self, error: TransportError) -> ConnectorError {
        let host = self.builder.host();
        match error {
            TransportError::Invalid(source) => ConnectorError::new(
                ErrorKind::InvalidRequest,
                "the HTTP request could not be built; nothing was sent",
            )
            .with_boxed_source(source),
            TransportError::NotSent(source) => ConnectorError::new(
                ErrorKind::Transport,
                match self.transport.proxy() {
                    Some(proxy) => {
                        format!("could not connect to {host} through the proxy {proxy}; nothing was sent")
                    }
                    None => format!("could not connect to {host}; nothing was sent"),
                },
            )
            .with_retryable(true)
            .with_boxed_source(source),
            TransportError::ProxyAuthentication(source) => ConnectorError::new(
                ErrorKind::Transport,
                format!(
                    "the proxy {} answered 407 Proxy Authentication Required: its credentials \
                     are missing or wrong; nothing was sent",
                    self.transport.proxy().unwrap_or("in use")
                ),
            )
            .with_boxed_source(source),
            TransportError::AfterSend(source) => ConnectorError::new(
                ErrorKind::OutcomeUnknown,
                format!(
                    "the connection to {host} failed after the request was sent: the message may \
                     have been sent; check delivery (QuerySendDetails) before sending it again"
                ),
            )
            .with_boxed_source(source),
            TransportError::Body { status, error } => {
                let refused = (300..500).contains(&status);
                let (kind, what) = if refused {
                    (ErrorKind::InvalidResponse, "the request was refused")
                } else {
                    (
                        ErrorKind::OutcomeUnknown,
                        "the message may have been sent; check delivery (QuerySendDetails) \
                         before sending it again",
                    )
                };
                ConnectorError::new(
                    kind,
                    format!("the answer was cut off while it was read: {what}"),
                )
                .with_http_status(status)
                .with_outcome_unknown(!refused)
                .with_boxed_source(error)
            }
            // Like a connect timeout: the request never left.
            TransportError::Expired => ConnectorError::new(
                ErrorKind::Transport,
                format!(
                    "no connection to {host} was ready within {} ms; nothing was sent",
                    self.config.timeout_ms
                ),
            )
            .with_retryable(true),
            TransportError::TimedOut { status: None } => self.timeout_error(),
            TransportError::TimedOut {
                status: Some(status),
            } => self.timeout_error().with_http_status(status),
        }
    }

    fn timeout_error(&self) -> ConnectorError {
        ConnectorError::new(
            ErrorKind::Timeout,
            format!(
                "no answer from {} within {} ms: the message may have been sent; check delivery \
                 (QuerySendDetails) before sending it again",
                self.builder.host(),
                self.config.timeout_ms
            ),
        )
    }
}

#[async_trait]
impl SmsConnector for AliyunSmsConnector {
    fn metadata(&self) -> &ConnectorMetadata {
        &METADATA
    }

    async fn send(&self, message: &SmsMessage) -> Result<Receipt, ConnectorError> {
        let span = tracing::info_span!(
            "aliyun_sms.send",
            usage = %message.usage,
            host = %self.builder.host(),
        );
        self.with_retries(span, |attempt, time_left| {
            self.attempt(message, attempt, time_left)
        })
        .await
    }
}
