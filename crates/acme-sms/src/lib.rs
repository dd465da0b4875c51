//! An SMS connector for Acme SMS, a made-up provider: the example of
//! `docs/writing-a-connector.md`, which shows this file whole.
//!
//! Acme's API: `POST {endpoint}/v1/messages` with a bearer API key and
//! `{"to", "template", "params", "reference"}` answers `{"id"}`, or an error
//! `{"error": {"code", "message"}}`; `GET {endpoint}/v1/messages?to=&reference=&id=` lists what
//! was sent.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub, missing_debug_implementations)]

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use connector_kit::{
    Capabilities, ConnectorError, ConnectorFactory, ConnectorMetadata, DeliveryQuery,
    DeliveryRecord, DeliveryReport, DeliveryStatus, ErrorKind, LocalizedText, Receipt, Redactor,
    RetryPolicy, SecretString, SmsConnector, SmsMessage, TemplateParamStyle, TemplateSet,
    UsageType, async_trait,
};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};

/// What Acme SMS is and can do.
pub const METADATA: ConnectorMetadata = ConnectorMetadata::new(
    "acme-sms",
    "acme",
    LocalizedText(&[("en", "Acme SMS"), ("zh-CN", "Acme 短信")]),
    LocalizedText(&[
        ("en", "Sends verification codes through Acme SMS."),
        ("zh-CN", "通过 Acme 短信发送验证码。"),
    ]),
)
.with_capabilities(
    Capabilities::new()
        .with_international(true)
        .with_delivery_lookup(true)
        .with_template_params(TemplateParamStyle::Named)
        .with_max_reference_len(64),
);

/// The config, as JSON: `{"apiKey", "endpoint", "templates": [{"usageType", "template"}],
/// "timeoutMs"}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AcmeConfig {
    /// The API key from Acme's console.
    pub api_key: SecretString,
    /// Acme's API, e.g. `https://api.acme.example`.
    pub endpoint: String,
    /// A template for each usage type; `Generic`'s is used for the others.
    pub templates: Vec<AcmeTemplate>,
    /// The most time one send may take, retries included.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

/// One template of [`AcmeConfig`].
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AcmeTemplate {
    /// The usage type it is for.
    pub usage_type: UsageType,
    /// Acme's template id.
    pub template: String,
}

fn default_timeout_ms() -> u64 {
    5000
}

/// The Acme SMS connector. Build it once and share it (`Arc<dyn SmsConnector>`).
pub struct AcmeSmsConnector {
    api_key: SecretString,
    endpoint: String,
    templates: TemplateSet<String>,
    timeout: Duration,
    retry: RetryPolicy,
    redactor: Redactor,
    http: reqwest::Client,
}

impl fmt::Debug for AcmeSmsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcmeSmsConnector")
            .field("api_key", &self.api_key) // prints `** redacted **`
            .field("endpoint", &self.endpoint)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl AcmeSmsConnector {
    /// Reads and checks a config; no request is made.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`], naming the field, and never repeating the API key.
    pub fn from_json(json: &str) -> Result<Self, ConnectorError> {
        let config: AcmeConfig = serde_json::from_str(json).map_err(|e| {
            // serde quotes the values it cannot use: cut the key out if it is one of them.
            let key = serde_json::from_str::<serde_json::Value>(json)
                .ok()
                .and_then(|v| v.get("apiKey")?.as_str().map(String::from));
            let message = format!("not an Acme SMS config: {e}");
            let message = Redactor::new(key.as_deref()).redact(&message).into_owned();
            ConnectorError::new(ErrorKind::InvalidConfig, message)
        })?;
        Self::new(config)
    }

    /// Checks a config; no request is made.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`] naming the field.
    pub fn new(config: AcmeConfig) -> Result<Self, ConnectorError> {
        if config.api_key.is_empty() {
            return Err(ConnectorError::invalid_config(
                "apiKey",
                "must not be empty",
            ));
        }
        if !config.endpoint.starts_with("https://") && !config.endpoint.starts_with("http://") {
            return Err(ConnectorError::invalid_config(
                "endpoint",
                "must be an http(s) URL",
            ));
        }
        let entries = config
            .templates
            .into_iter()
            .map(|t| (t.usage_type, t.template));
        let templates = TemplateSet::new(entries, &[])
            .map_err(|e| ConnectorError::invalid_config("templates", e.to_string()))?;
        let timeout = Duration::from_millis(config.timeout_ms);
        Ok(AcmeSmsConnector {
            redactor: Redactor::new([config.api_key.expose_secret()]),
            api_key: config.api_key,
            endpoint: config.endpoint.trim_end_matches('/').to_owned(),
            templates,
            timeout,
            // A retry must leave time for an answer: one that times out turns "not sent" into
            // "maybe sent".
            retry: RetryPolicy::new(3).with_min_attempt_time(timeout / 4),
            http: reqwest::Client::new(),
        })
    }
}

/// The body of `POST /v1/messages`.
#[derive(Serialize)]
struct SendBody<'a> {
    to: String,
    template: &'a str,
    params: &'a connector_kit::TemplateParams,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<&'a str>,
}

#[async_trait]
impl SmsConnector for AcmeSmsConnector {
    fn metadata(&self) -> &ConnectorMetadata {
        &METADATA
    }

    async fn send(&self, message: &SmsMessage) -> Result<Receipt, ConnectorError> {
        METADATA.capabilities.check_message(message)?;
        let (_, template) = self
            .templates
            .select(message.usage)
            .ok_or_else(|| ConnectorError::template_not_found(message.usage))?;
        // Only the template's parameters go out: never `message.context`.
        let body = SendBody {
            to: message.to.to_string(),
            template,
            params: &message.params,
            reference: message.reference.as_deref().filter(|r| !r.is_empty()),
        };
        let body = serde_json::to_vec(&body).expect("strings always serialize");
        let deadline = Instant::now() + self.timeout;
        self.retry
            .run(
                deadline,
                |_attempt, time_left| self.post(body.clone(), time_left),
                tokio::time::sleep,
            )
            .await
    }

    async fn lookup_delivery(
        &self,
        query: &DeliveryQuery,
    ) -> Result<DeliveryReport, ConnectorError> {
        let mut params = vec![("to", query.to.to_string())];
        params.extend(query.reference.clone().map(|r| ("reference", r)));
        params.extend(query.message_id.clone().map(|id| ("id", id)));
        let request = self
            .http
            .get(format!("{}/v1/messages", self.endpoint))
            .bearer_auth(self.api_key.expose_secret())
            .query(&params)
            .timeout(self.timeout);
        // A lookup changes nothing: whatever fails, nothing was sent.
        let known = |e: ConnectorError| e.with_outcome_unknown(false);
        let response = request
            .send()
            .await
            .map_err(|e| known(transport_error(e)))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| known(transport_error(e)))?;
        if status != 200 {
            return Err(known(
                classify(status, &body, None, &self.redactor).unwrap_err(),
            ));
        }
        let listed: Listed = serde_json::from_slice(&body).map_err(|e| {
            ConnectorError::new(ErrorKind::InvalidResponse, format!("not Acme's list: {e}"))
        })?;
        let records = listed.messages.into_iter().map(Listed::record).collect();
        Ok(DeliveryReport::new(records))
    }
}

impl AcmeSmsConnector {
    /// One attempt: the request, within what is left of the deadline, and its answer.
    async fn post(&self, body: Vec<u8>, time_left: Duration) -> Result<Receipt, ConnectorError> {
        let response = self
            .http
            .post(format!("{}/v1/messages", self.endpoint))
            .bearer_auth(self.api_key.expose_secret())
            .header("content-type", "application/json")
            .body(body)
            .timeout(time_left)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(transport_error)?;
        classify(status, &body, retry_after, &self.redactor)
    }
}

/// A failed exchange. Only a connection never made is sure to have sent nothing; once the
/// request may have been written, the outcome is unknown.
fn transport_error(error: reqwest::Error) -> ConnectorError {
    if error.is_connect() {
        ConnectorError::new(
            ErrorKind::Transport,
            "could not connect to Acme; nothing was sent",
        )
        .with_retryable(true)
        .with_source(error)
    } else if error.is_timeout() {
        ConnectorError::new(
            ErrorKind::Timeout,
            "no answer from Acme in time: the message may have been sent",
        )
        .with_source(error)
    } else {
        ConnectorError::new(
            ErrorKind::OutcomeUnknown,
            "the exchange with Acme failed: the message may have been sent",
        )
        .with_source(error)
    }
}

/// Acme's error body.
#[derive(Deserialize)]
struct ErrorBody {
    error: AcmeError,
}

#[derive(Deserialize)]
struct AcmeError {
    code: String,
    message: String,
}

/// Acme's answer to a send, classified: pure, so every case is tested without a server.
pub fn classify(
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
    redactor: &Redactor,
) -> Result<Receipt, ConnectorError> {
    #[derive(Deserialize)]
    struct Sent {
        id: String,
    }
    if status == 200 {
        return match serde_json::from_slice::<Sent>(body) {
            Ok(sent) => Ok(Receipt::new().with_message_id(sent.id)),
            // Acme took the request, then said something we cannot read: it may have sent.
            Err(_) => Err(ConnectorError::new(
                ErrorKind::InvalidResponse,
                "Acme's answer is not JSON",
            )
            .with_http_status(status)
            .with_outcome_unknown(true)),
        };
    }
    if status >= 500 {
        return Err(ConnectorError::new(
            ErrorKind::OutcomeUnknown,
            "Acme failed: the message may have been sent",
        )
        .with_http_status(status));
    }
    let Ok(ErrorBody { error }) = serde_json::from_slice(body) else {
        return Err(
            ConnectorError::new(ErrorKind::InvalidResponse, "Acme's error is not JSON")
                .with_http_status(status),
        );
    };
    let (kind, retryable, field) = match error.code.as_str() {
        "unauthorized" => (ErrorKind::Credentials, false, Some("apiKey")),
        "invalid_number" => (ErrorKind::InvalidRequest, false, Some("to")),
        "unknown_template" => (ErrorKind::InvalidConfig, false, Some("templates")),
        // Refused before processing: safe to send again after the pause Acme asks for.
        "rate_limited" => (ErrorKind::RateLimited, true, None),
        "quota_exceeded" => (ErrorKind::QuotaExceeded, false, None),
        _ => (ErrorKind::Rejected, false, None),
    };
    let mut classified = ConnectorError::new(kind, redactor.redact(&error.message))
        .with_provider_code(error.code)
        .with_http_status(status)
        .with_retryable(retryable);
    if let Some(field) = field {
        classified = classified.with_field(field);
    }
    if let Some(after) = retry_after {
        classified = classified.with_retry_after(after);
    }
    Err(classified)
}

/// Acme's answer to a lookup.
#[derive(Deserialize)]
struct Listed {
    messages: Vec<ListedMessage>,
}

#[derive(Deserialize)]
struct ListedMessage {
    id: String,
    status: String,
    reference: Option<String>,
}

impl Listed {
    fn record(message: ListedMessage) -> DeliveryRecord {
        let status = match message.status.as_str() {
            "delivered" => DeliveryStatus::Delivered,
            "failed" => DeliveryStatus::Failed,
            _ => DeliveryStatus::Pending,
        };
        let mut record = DeliveryRecord::new(status)
            .with_message_id(message.id)
            .with_provider_status(message.status);
        record.reference = message.reference;
        record
    }
}

/// Acme SMS in a [`Registry`](connector_kit::Registry): id `acme-sms`, config [`AcmeConfig`].
#[derive(Debug, Clone, Copy, Default)]
pub struct AcmeSmsFactory;

impl ConnectorFactory for AcmeSmsFactory {
    fn metadata(&self) -> &ConnectorMetadata {
        &METADATA
    }

    fn config_schema(&self, generator: &mut SchemaGenerator) -> Schema {
        generator.root_schema_for::<AcmeConfig>()
    }

    fn build(&self, config: &str) -> Result<Arc<dyn SmsConnector>, ConnectorError> {
        Ok(Arc::new(AcmeSmsConnector::from_json(config)?))
    }
}
