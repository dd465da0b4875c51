use std::fmt;

use async_trait::async_trait;

use crate::{ConnectorError, DeliveryQuery, DeliveryReport, ErrorKind, SmsMessage};

/// Text in several languages, looked up by locale with English as the fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalizedText(pub &'static [(&'static str, &'static str)]);

impl LocalizedText {
    /// The text for a locale (`zh-CN`), else for its language (`zh`), else English, else the
    /// first one.
    pub fn get(&self, locale: &str) -> &'static str {
        let language = locale.split(['-', '_']).next().unwrap_or(locale);
        let find = |wanted: &str| {
            self.0
                .iter()
                .find(|(l, _)| l.eq_ignore_ascii_case(wanted))
                .map(|(_, t)| *t)
        };
        find(locale)
            .or_else(|| find(language))
            .or_else(|| {
                self.0
                    .iter()
                    .find(|(l, _)| l.split('-').next() == Some(language))
                    .map(|(_, t)| *t)
            })
            .or_else(|| find("en"))
            .or_else(|| self.0.first().map(|(_, t)| *t))
            .unwrap_or("")
    }
}

/// How a provider's templates take their parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TemplateParamStyle {
    /// By name, as a JSON object (`{"code":"123456"}`): Aliyun.
    Named,
    /// By position, as a list in the template's order (`["123456"]`): Tencent. The connector's
    /// config says which parameter name goes where.
    Positional,
    /// No provider-side parameters: the connector renders the text itself (`{{code}}` replaced
    /// locally), as Twilio-style content templates do.
    Rendered,
}

/// What a connector can do, for callers and policies that work with any provider (routing,
/// failover, a send guard, an admin console).
///
/// Built in `const` context, from conservative defaults:
///
/// ```
/// use connector_kit::{Capabilities, TemplateParamStyle};
///
/// const CAPABILITIES: Capabilities = Capabilities::new()
///     .with_international(true)
///     .with_delivery_lookup(true)
///     .with_template_params(TemplateParamStyle::Positional)
///     .with_max_reference_len(511)
///     .with_max_recipients(200);
/// assert!(CAPABILITIES.delivery_lookup);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Capabilities {
    /// Sends to numbers outside the provider's home country.
    pub international: bool,
    /// Answers [`SmsConnector::lookup_delivery`] (else that says
    /// [`ErrorKind::Unsupported`]).
    pub delivery_lookup: bool,
    /// How templates take their parameters.
    pub template_params: TemplateParamStyle,
    /// The longest [`SmsMessage::reference`] the provider echoes back, in bytes (UTF-8); 0 when
    /// it echoes none. A longer reference is refused ([`check_message`](Self::check_message)),
    /// never cut.
    pub max_reference_len: usize,
    /// The most recipients the provider takes in one request.
    pub max_recipients: usize,
}

impl Default for Capabilities {
    fn default() -> Self {
        Self::new()
    }
}

impl Capabilities {
    /// Nothing beyond sending: domestic only, no delivery lookup, named parameters, no
    /// reference, one recipient a request.
    pub const fn new() -> Self {
        Capabilities {
            international: false,
            delivery_lookup: false,
            template_params: TemplateParamStyle::Named,
            max_reference_len: 0,
            max_recipients: 1,
        }
    }

    /// Sets [`international`](Self::international).
    pub const fn with_international(mut self, international: bool) -> Self {
        self.international = international;
        self
    }

    /// Sets [`delivery_lookup`](Self::delivery_lookup).
    pub const fn with_delivery_lookup(mut self, delivery_lookup: bool) -> Self {
        self.delivery_lookup = delivery_lookup;
        self
    }

    /// Sets [`template_params`](Self::template_params).
    pub const fn with_template_params(mut self, style: TemplateParamStyle) -> Self {
        self.template_params = style;
        self
    }

    /// Sets [`max_reference_len`](Self::max_reference_len).
    pub const fn with_max_reference_len(mut self, bytes: usize) -> Self {
        self.max_reference_len = bytes;
        self
    }

    /// Sets [`max_recipients`](Self::max_recipients).
    pub const fn with_max_recipients(mut self, recipients: usize) -> Self {
        self.max_recipients = recipients;
        self
    }

    /// Refuses a message these capabilities cannot carry, before anything is sent: a reference
    /// longer than [`max_reference_len`](Self::max_reference_len) gives
    /// [`ErrorKind::InvalidRequest`] at field `reference` (an empty reference counts as none).
    /// Connectors call it first thing in [`SmsConnector::send`].
    ///
    /// ```
    /// use connector_kit::{Capabilities, ErrorKind, SmsMessage, UsageType};
    ///
    /// let capabilities = Capabilities::new().with_max_reference_len(8);
    /// let message = SmsMessage::verification_code("13800138000".parse()?, UsageType::SignIn, "1234");
    /// assert!(capabilities.check_message(&message.clone().with_reference("12345678")).is_ok());
    /// let err = capabilities.check_message(&message.with_reference("123456789")).unwrap_err();
    /// assert_eq!((err.kind(), err.field()), (ErrorKind::InvalidRequest, Some("reference")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_message(&self, message: &SmsMessage) -> Result<(), ConnectorError> {
        let len = message.reference.as_deref().map_or(0, str::len);
        if len <= self.max_reference_len {
            return Ok(());
        }
        let message = match self.max_reference_len {
            0 => "this provider echoes no reference: send the message without one".to_owned(),
            max => format!(
                "the reference is {len} bytes; this provider echoes at most {max}, and a cut \
                 reference could not be matched"
            ),
        };
        Err(ConnectorError::new(ErrorKind::InvalidRequest, message).with_field("reference"))
    }
}

/// What a connector is, for registries and admin consoles.
///
/// Built in `const` context:
///
/// ```
/// use connector_kit::{Capabilities, ConnectorMetadata, LocalizedText};
///
/// pub const METADATA: ConnectorMetadata = ConnectorMetadata::new(
///     "example-sms",
///     "example",
///     LocalizedText(&[("en", "Example SMS"), ("zh-CN", "示例短信")]),
///     LocalizedText(&[("en", "Sends codes through Example."), ("zh-CN", "通过 Example 发送验证码。")]),
/// )
/// .with_capabilities(Capabilities::new().with_max_reference_len(64));
/// assert_eq!(METADATA.platform, None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectorMetadata {
    /// A stable identifier, e.g. `aliyun-short-message-service`: what a
    /// [`Registry`](crate::Registry) finds the connector by.
    pub id: &'static str,
    /// The provider it talks to, e.g. `aliyun-sms`.
    pub target: &'static str,
    /// The platform it is limited to, if any (`None` for any platform).
    pub platform: Option<&'static str>,
    /// Display name, at least in `en` and `zh-CN`.
    pub name: LocalizedText,
    /// One-line description, at least in `en` and `zh-CN`.
    pub description: LocalizedText,
    /// What it can do.
    pub capabilities: Capabilities,
}

impl ConnectorMetadata {
    /// Metadata for any platform, with [`Capabilities::new`].
    pub const fn new(
        id: &'static str,
        target: &'static str,
        name: LocalizedText,
        description: LocalizedText,
    ) -> Self {
        ConnectorMetadata {
            id,
            target,
            platform: None,
            name,
            description,
            capabilities: Capabilities::new(),
        }
    }

    /// Limits it to a platform.
    pub const fn with_platform(mut self, platform: &'static str) -> Self {
        self.platform = Some(platform);
        self
    }

    /// Sets what it can do.
    pub const fn with_capabilities(mut self, capabilities: Capabilities) -> Self {
        self.capabilities = capabilities;
        self
    }
}

/// What a provider returned for an accepted message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Receipt {
    /// The provider's id for the message (Aliyun's `BizId`, Tencent's `SerialNo`), for
    /// delivery lookups.
    pub message_id: Option<String>,
    /// The provider's id for the request, for its support desk.
    pub request_id: Option<String>,
    /// Which provider sent it, when a [`Failover`](crate::Failover) or a
    /// [`Router`](crate::Router) chose among several: the name it has there.
    pub provider: Option<String>,
    /// The providers a [`Failover`](crate::Failover) tried before the one that sent it, each
    /// with its error, in order (none of them sent the message).
    pub tried_before: Vec<(String, ConnectorError)>,
}

impl Receipt {
    /// A receipt with no ids.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the provider's id for the message.
    pub fn with_message_id(mut self, message_id: impl Into<String>) -> Self {
        self.message_id = Some(message_id.into());
        self
    }

    /// Sets the provider's id for the request.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Sets which provider sent it.
    pub fn with_provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = Some(provider.into());
        self
    }
}

/// An SMS provider.
///
/// Dyn-compatible, so a service can hold several providers as `Arc<dyn SmsConnector>`; every
/// future it returns is `Send`. Implement it with [`async_trait`](crate::async_trait) (re-exported
/// here, so no extra dependency is needed); `docs/writing-a-connector.md` walks through a whole
/// connector, and `connector-kit-testing` has the conformance suite every connector runs.
#[async_trait]
pub trait SmsConnector: fmt::Debug + Send + Sync {
    /// What this connector is and can do.
    fn metadata(&self) -> &ConnectorMetadata;

    /// Sends one message. On an error whose [`ConnectorError::outcome_unknown`] is true the
    /// message may have gone out: do not send it again, here or elsewhere, before
    /// [`lookup_delivery`](Self::lookup_delivery) says it did not.
    async fn send(&self, message: &SmsMessage) -> Result<Receipt, ConnectorError>;

    /// What happened to messages sent earlier: the way to settle an unknown outcome without
    /// knowing the provider. Only connectors whose
    /// [`Capabilities::delivery_lookup`] is true answer; the default says
    /// [`ErrorKind::Unsupported`].
    async fn lookup_delivery(
        &self,
        query: &DeliveryQuery,
    ) -> Result<DeliveryReport, ConnectorError> {
        let _ = query;
        Err(ConnectorError::new(
            ErrorKind::Unsupported,
            format!("connector `{}` cannot look up delivery", self.metadata().id),
        ))
    }
}

/// Fails to compile if a change makes [`SmsConnector`] unusable as a trait object.
const _: fn(&dyn SmsConnector) = |_| {};
