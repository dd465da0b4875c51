//! The connector: the prepared request builder, the HTTP client, the retry loop.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use connector_http::{Exchange, Failure};
use connector_kit::{
    Capabilities, ConnectorError, ConnectorMetadata, DeliveryQuery, DeliveryReport, LocalizedText,
    PhoneNumber, Receipt, SmsConnector, SmsMessage, TemplateParamStyle,
};
use tokio::time::Instant;
use tracing::Instrument;

use crate::builder::AliyunSmsConnectorBuilder;
use crate::config::AliyunSmsConfig;
use crate::delivery::{SendDetails, classify_send_details_with};
use crate::lookup;
use crate::request::{ACTION, QUERY_ACTION, QueryRequest, RequestBuilder, SendRequest};
use crate::response::{ClassifyContext, MAX_BODY_BYTES, classify_with};
use crate::retry::{self, Backoff};
use crate::secret::Redactor;

/// What this connector is: Logto's id and target, so it can stand in for Logto's connector;
/// and what it can do: international numbers, delivery lookup (`QuerySendDetails`), named
/// template parameters (`TemplateParam` is a JSON object), references (`OutId`) up to 64 bytes,
/// 1,000 numbers a `SendSms` request.
///
/// Aliyun documents no length for `OutId`; 64 bytes is the longest this connector promises to
/// round-trip (a UUID takes 36).
pub const METADATA: ConnectorMetadata = ConnectorMetadata::new(
    "aliyun-short-message-service",
    "aliyun-sms",
    LocalizedText(&[
        ("en", "Aliyun Short Message Service"),
        ("zh-CN", "阿里云短信服务"),
        ("tr-TR", "Aliyun Kısa Mesaj Servisi"),
        ("ko", "Aliyun 단문 메시지 서비스"),
    ]),
    LocalizedText(&[
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
)
.with_capabilities(
    Capabilities::new()
        .with_international(true)
        .with_delivery_lookup(true)
        .with_template_params(TemplateParamStyle::Named)
        .with_max_reference_len(64)
        .with_max_recipients(1000),
);

/// The `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("aliyun-sms-rs/", env!("CARGO_PKG_VERSION"));

/// Where a connector reads the time it stamps requests with (`Timestamp`, `x-acs-date`).
pub(crate) type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;
/// Where a connector takes the `SignatureNonce` of each request from.
pub(crate) type Nonce = Arc<dyn Fn() -> String + Send + Sync>;

/// The Aliyun SMS connector.
///
/// Build it once and share it (`Arc<dyn SmsConnector>`): it keeps its HTTP client (with its
/// pool of keep-alive connections) and a signer keyed once. [`new`](Self::new) takes a config;
/// [`builder`](Self::builder) also takes your own `reqwest::Client`, clock, nonce source or
/// backoff.
///
/// Each [`send`](SmsConnector::send) takes at most `timeoutMs`, retries included. It is retried
/// only when Aliyun refused the request before processing it or the request was not sent (no
/// connection could be made); an error whose
/// [`outcome_unknown`](ConnectorError::outcome_unknown) is true may have sent the message and
/// is never resent.
pub struct AliyunSmsConnector {
    config: AliyunSmsConfig,
    builder: RequestBuilder,
    client: reqwest::Client,
    redactor: Redactor,
    backoff: Backoff,
    clock: Clock,
    nonce: Option<Nonce>,
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
    /// Checks the config and prepares the connector with the default HTTP client: no request
    /// is made. The short form of `AliyunSmsConnector::builder(config).build()`.
    ///
    /// The default client (see [`builder`](Self::builder)) reads the proxy environment
    /// variables here, once.
    pub fn new(config: AliyunSmsConfig) -> Result<Self, ConnectorError> {
        Self::builder(config).build()
    }

    /// A builder, to hand in your own `reqwest::Client` (reqwest 0.12), clock, nonce source or
    /// backoff before [`build`](AliyunSmsConnectorBuilder::build).
    ///
    /// Without a client of your own, the connector builds one ([`connector_http::default_client`]):
    /// rustls, HTTP/2 where the endpoint offers it, idle connections closed in the background
    /// after 7 s (below the 15 s of Alibaba Cloud's load balancers), `connectTimeoutMs` for each
    /// connection, the system's trusted roots beside the bundled Mozilla roots, no redirect
    /// followed, and the proxy that `HTTPS_PROXY`/`ALL_PROXY` name (unless `NO_PROXY` excludes
    /// the endpoint; a loopback endpoint is always reached directly).
    pub fn builder(config: AliyunSmsConfig) -> AliyunSmsConnectorBuilder {
        AliyunSmsConnectorBuilder::new(config)
    }

    /// [`AliyunSmsConfig::from_json`] then [`new`](Self::new). A bad config gives
    /// [`ErrorKind::InvalidConfig`](connector_kit::ErrorKind::InvalidConfig) with the first problem's path as the field, every problem
    /// in the message, and the [`ConfigError`](crate::ConfigError) as the source. What Logto
    /// accepts loads: each warning (a stray key ignored, a `Test` template ignored) is logged
    /// once, at WARN, as the connector is built; [`AliyunSmsConfig::load`] returns them as data
    /// instead, and has a strict mode.
    pub fn from_json(json: &str) -> Result<Self, ConnectorError> {
        Self::new(AliyunSmsConfig::from_json(json)?)
    }

    /// The connector from what [`AliyunSmsConnectorBuilder::build`] gathered.
    pub(crate) fn assemble(
        config: AliyunSmsConfig,
        builder: RequestBuilder,
        client: reqwest::Client,
        backoff: Backoff,
        clock: Clock,
        nonce: Option<Nonce>,
    ) -> Self {
        let redactor = Redactor::new(
            std::iter::once(config.access_key_secret.expose_secret())
                .chain(config.security_token.as_ref().map(|t| t.expose_secret())),
        );
        AliyunSmsConnector {
            config,
            builder,
            client,
            redactor,
            backoff,
            clock,
            nonce,
        }
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
        let QueryRequest {
            headers,
            body,
            string_to_sign,
            ..
        } = self.with_nonce(|nonce| {
            self.builder
                .build_query_send_details(to, send_date, biz_id, (self.clock)(), nonce)
        });
        let result = match self.post(&headers, body, started + time_left).await {
            Ok(answer) => {
                let context = ClassifyContext {
                    string_to_sign: Some(&string_to_sign),
                    template_field: None,
                    redactor: Some(&self.redactor),
                };
                classify_send_details_with(answer.status, &answer.body, &context)
            }
            Err(failure) => Err(failure.query_error(&self.exchange(QUERY_ACTION))),
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

    /// Runs `build` with the nonce of one request: the builder's nonce source if one was
    /// given, else a fresh random UUID (formatted on the stack).
    fn with_nonce<R>(&self, build: impl FnOnce(&str) -> R) -> R {
        match &self.nonce {
            Some(next) => build(&next()),
            None => {
                let mut buffer = uuid::Uuid::encode_buffer();
                build(uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buffer))
            }
        }
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

    /// One attempt: a fresh timestamp and nonce, one HTTP exchange, the answer classified.
    async fn attempt(
        &self,
        message: &SmsMessage,
        attempt: u32,
        time_left: Duration,
    ) -> Result<Receipt, ConnectorError> {
        let started = Instant::now();
        let SendRequest {
            headers,
            body,
            string_to_sign,
            template_field,
            ..
        } = self.with_nonce(|nonce| self.builder.build_to_send(message, (self.clock)(), nonce))?;

        let exchanged = self
            .post(&headers, body, started + time_left)
            .await
            .map(|answer| (answer.status, answer.body))
            .map_err(|failure| failure.send_error(&self.exchange(ACTION)));
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

    /// The exchange `action` makes, as its errors name it.
    fn exchange(&self, action: &'static str) -> Exchange<'_> {
        Exchange::new(
            "Aliyun",
            action,
            self.builder.host(),
            self.config.timeout_ms,
        )
        .with_lookup(QUERY_ACTION)
    }
}

#[async_trait]
impl SmsConnector for AliyunSmsConnector {
    fn metadata(&self) -> &ConnectorMetadata {
        &METADATA
    }

    async fn send(&self, message: &SmsMessage) -> Result<Receipt, ConnectorError> {
        METADATA.capabilities.check_message(message)?;
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

    /// [`query_send_details`](AliyunSmsConnector::query_send_details) for the China-time day of
    /// `sent_at` (and the next day when the send was within minutes of midnight), by `BizId`
    /// when the query has a message id; only the messages with the query's reference
    /// (`OutId`) when it has one.
    async fn lookup_delivery(
        &self,
        query: &DeliveryQuery,
    ) -> Result<DeliveryReport, ConnectorError> {
        let mut records = Vec::new();
        let mut request_id = None;
        for date in lookup::send_dates(query.sent_at, (self.clock)()) {
            let details = self
                .query_send_details(&query.to, date, query.message_id.as_deref())
                .await?;
            records.extend(lookup::records(&details, query));
            request_id = details.request_id;
        }
        Ok(lookup::report(records, request_id))
    }
}
