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
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::{Duration, Instant};

use connector_kit::config::{ConfigError, Fields, Findings, LoadOptions, Loaded};
use connector_kit::{
    Capabilities, ConnectorError, ConnectorFactory, ConnectorMetadata, DeliveryQuery,
    DeliveryRecord, DeliveryReport, DeliveryStatus, ErrorKind, LocalizedText, Receipt, Redactor,
    RetryPolicy, SecretString, SmsConnector, SmsMessage, TemplateParamStyle, TemplateSet,
    UsageType, async_trait,
};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use serde_json::Value;

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
#[derive(Debug, Clone, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AcmeConfig {
    /// The API key from Acme's console.
    pub api_key: SecretString,
    /// Acme's API, e.g. `https://api.acme.example`.
    pub endpoint: String,
    /// A template for each usage type; `Generic`'s is used for the others.
    pub templates: Vec<AcmeTemplate>,
    /// The most time one send may take, retries included (1000 to 60000 ms).
    #[serde(default = "default_timeout_ms")]
    #[schemars(range(min = 1000, max = 60000))]
    pub timeout_ms: u64,
}

/// One template of [`AcmeConfig`].
#[derive(Debug, Clone, JsonSchema)]
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

/// The values `timeoutMs` may take.
const TIMEOUT_MS: RangeInclusive<u64> = 1000..=60000;

impl AcmeConfig {
    /// Reads a config's JSON, with every problem at its JSON path (`templates[1].usageType`)
    /// and the warnings as data; no message ever shows the API key.
    ///
    /// ```
    /// use acme_sms::AcmeConfig;
    /// use connector_kit::config::LoadOptions;
    ///
    /// let json = r#"{"apiKey": "acme-key-5e1d", "endpoint": "https://api.acme.example",
    ///     "templates": [{"usageType": "Signin", "template": "acme-key-5e1d"}], "timeout": 5}"#;
    /// let err = AcmeConfig::load(json, &LoadOptions::default()).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "timeout: unknown field (did you mean `timeoutMs`?)\n\
    ///      templates[0].usageType: unknown usage type `Signin`; did you mean `SignIn`?\n\
    ///      templates[0].template: holds the API key, which would be sent in clear: check that the right value is in this field"
    /// );
    /// ```
    ///
    /// # Errors
    ///
    /// Every problem found.
    pub fn load(json: &str, options: &LoadOptions) -> Result<Loaded<AcmeConfig>, ConfigError> {
        let mut findings = Findings::new(options);
        let Some(parsed) = findings.parse_json(json) else {
            return findings.finish(None);
        };
        // The key first, every value it was given: from now on no message can show it.
        for key in parsed.values_of("apiKey") {
            findings.add_secrets_in(key);
        }
        // A key given twice is refused: which one is meant cannot be guessed.
        findings.duplicate_keys(&parsed.duplicates, |_| true);
        let fields = &mut Fields::new(&mut findings, "the API key").refusing_unknown_keys();
        let config = read_config(fields, &parsed.value);
        findings.finish(config)
    }
}

fn read_config(fields: &mut Fields<'_>, value: &Value) -> Option<AcmeConfig> {
    let keys = ["apiKey", "endpoint", "templates", "timeoutMs"];
    let object = fields.object(value, "", &keys)?;
    let api_key = fields.required(object, "", "apiKey", Fields::exact_string);
    let endpoint = fields.required(object, "", "endpoint", read_endpoint);
    let templates = fields.required(object, "", "templates", |f, v, p| {
        let list = f.list(v, p, "templates")?;
        f.items(list, p, read_template)
    });
    let timeout_ms = fields.optional(object, "", "timeoutMs", default_timeout_ms(), |f, v, p| {
        f.whole_number(v, p, TIMEOUT_MS)
    });
    Some(AcmeConfig {
        api_key: SecretString::new(api_key?),
        endpoint: endpoint?,
        templates: templates?,
        timeout_ms: timeout_ms?,
    })
}

fn read_endpoint(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<String> {
    let endpoint = fields.exact_string(value, path)?;
    if !fields.sent_in_clear(&endpoint, path) {
        return None;
    }
    if let Some(problem) = endpoint_problem(&endpoint) {
        fields.error(path, problem);
        return None;
    }
    Some(endpoint)
}

fn read_template(fields: &mut Fields<'_>, value: &Value, path: &str) -> Option<AcmeTemplate> {
    let object = fields.object(value, path, &["usageType", "template"])?;
    let usage_type = fields.required(object, path, "usageType", |f, v, p| {
        f.one_of(v, p, "usage type", &UsageType::ALL, UsageType::as_str)
    });
    let template = fields.required(object, path, "template", |f, v, p| {
        f.trimmed(v, p, "removed: Acme's template ids have none")
    });
    Some(AcmeTemplate {
        usage_type: usage_type?,
        template: template?,
    })
}

/// What is wrong with `endpoint`, if anything.
fn endpoint_problem(endpoint: &str) -> Option<&'static str> {
    let http = endpoint.starts_with("https://") || endpoint.starts_with("http://");
    (!http).then_some("must be an http(s) URL")
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
    /// Reads ([`AcmeConfig::load`]) and checks a config; no request is made. Warnings are
    /// logged.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`], naming every problem with its field, and never repeating
    /// the API key.
    pub fn from_json(json: &str) -> Result<Self, ConnectorError> {
        let loaded = AcmeConfig::load(json, &LoadOptions::default())?;
        Self::new(loaded.logged("Acme SMS config"))
    }

    /// Checks a config (one built in code, too); no request is made.
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
        if let Some(problem) = endpoint_problem(&config.endpoint) {
            return Err(ConnectorError::invalid_config("endpoint", problem));
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
