//! The conformance suite's setup: the checks, what the stand-in shows, and what a connector's
//! test gives the suite.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use connector_kit::{ConnectorError, ConnectorFactory, PhoneNumber, SmsConnector, UsageType};

use crate::report::Report;

/// The checks of the suite, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Check {
    /// The metadata: an id of lower-case letters, digits and dashes, a target, English name and
    /// description, at least one recipient a request.
    Metadata,
    /// The factory ([`Conformance::factory`]): same metadata as the connector, builds a
    /// connector from the config, has an object schema, refuses a config that is not JSON with
    /// [`ErrorKind::InvalidConfig`](connector_kit::ErrorKind::InvalidConfig).
    Factory,
    /// A `SignIn` code is sent; the stand-in got exactly that message, with the code.
    Send,
    /// A usage type without a template of its own is sent with `Generic`'s
    /// ([`Conformance::fallback`]).
    TemplateFallback,
    /// A usage type without a template, with no `Generic` one, is refused with
    /// [`ErrorKind::TemplateNotFound`](connector_kit::ErrorKind::TemplateNotFound) and nothing is sent ([`Conformance::without_generic`]).
    TemplateNotFound,
    /// The caller's context (IP address, locale) does not reach the provider (needs
    /// [`Conformance::inbox`]).
    ContextNotSent,
    /// A reference of [`max_reference_len`](connector_kit::Capabilities::max_reference_len)
    /// bytes goes out and comes back (from the stand-in, and from a delivery lookup when the
    /// connector has one); one byte more is refused with [`ErrorKind::InvalidRequest`](connector_kit::ErrorKind::InvalidRequest) at field
    /// `reference`, and nothing is sent.
    Reference,
    /// The delivery lookup agrees with the capability: found by message id and not found for a
    /// reference never sent, or [`ErrorKind::Unsupported`](connector_kit::ErrorKind::Unsupported).
    DeliveryLookup,
    /// A send to a stand-in that received the request and does not answer returns within its
    /// deadline, with an unknown outcome ([`Conformance::stall`]).
    Deadline,
    /// Every error produced (by the checks above and by [`Conformance::error_case`]) is
    /// consistent: no [`ConnectorError::contradiction`], e.g. retryable with an unknown
    /// outcome.
    Errors,
    /// No secret ([`Conformance::secrets`]), raw or encoded, appears in the `Debug` of the
    /// connector, its config ([`Conformance::inspect`]), a receipt, a delivery report, nor in
    /// the `Display`, `Debug` or source chain of any error.
    Secrets,
}

impl Check {
    /// Every check, in the order they run.
    pub const ALL: [Check; 11] = [
        Check::Metadata,
        Check::Factory,
        Check::Send,
        Check::TemplateFallback,
        Check::TemplateNotFound,
        Check::ContextNotSent,
        Check::Reference,
        Check::DeliveryLookup,
        Check::Deadline,
        Check::Errors,
        Check::Secrets,
    ];

    /// The check's name, e.g. `template_fallback`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Check::Metadata => "metadata",
            Check::Factory => "factory",
            Check::Send => "send",
            Check::TemplateFallback => "template_fallback",
            Check::TemplateNotFound => "template_not_found",
            Check::ContextNotSent => "context_not_sent",
            Check::Reference => "reference",
            Check::DeliveryLookup => "delivery_lookup",
            Check::Deadline => "deadline",
            Check::Errors => "errors",
            Check::Secrets => "secrets",
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One message as the stand-in endpoint received it, for the checks that look at what went
/// out rather than at what the connector answered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Delivered {
    /// The recipient as the stand-in writes it (compared by its digits).
    pub to: String,
    /// Everything the provider got that could carry text: the rendered message, or the template
    /// parameters (e.g. as JSON).
    pub text: String,
    /// The template it was sent with, where the provider has templates.
    pub template: Option<String>,
    /// The caller's reference it was sent with.
    pub reference: Option<String>,
}

impl Delivered {
    /// A message to `to` carrying `text`.
    pub fn new(to: impl Into<String>, text: impl Into<String>) -> Self {
        Delivered {
            to: to.into(),
            text: text.into(),
            ..Delivered::default()
        }
    }

    /// Sets the template.
    pub fn with_template(mut self, template: impl Into<String>) -> Self {
        self.template = Some(template.into());
        self
    }

    /// Sets the reference.
    pub fn with_reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }
}

pub(crate) type Inbox = Box<dyn Fn() -> Vec<Delivered> + Send + Sync>;
pub(crate) type Prepare = Box<dyn FnOnce() + Send>;

pub(crate) enum ErrorSource {
    /// Runs, then the standard message is sent through the connector under test.
    Prepare(Prepare),
    /// The standard message is sent through this connector.
    Connector(Arc<dyn SmsConnector>),
    /// An error made elsewhere (a config error).
    Made(ConnectorError),
}

/// The conformance suite, set up for one connector and its stand-in endpoint.
///
/// Every send and lookup runs on its own tokio task through an `Arc<dyn SmsConnector>` (so the
/// connector is used as a trait object, its futures must be `Send`, and a panic is reported as
/// a failure), bounded by [`send_timeout`](Self::send_timeout). Run it inside a tokio runtime.
///
/// A check whose setup was not given is [`Outcome::Skipped`](crate::Outcome::Skipped), and
/// [`Report::assert_passed`] fails on it: a connector declares a check that cannot apply to it
/// with [`not_applicable`](Self::not_applicable) and the reason.
///
/// The connector must be configured with templates for [`UsageType::REQUIRED`](connector_kit::UsageType::REQUIRED) (`SignIn` is
/// sent), a recipient the stand-in accepts, and per-number limits off in the stand-in (the
/// suite sends several messages to it).
pub struct Conformance {
    pub(crate) connector: Arc<dyn SmsConnector>,
    pub(crate) recipient: PhoneNumber,
    pub(crate) secrets: Vec<String>,
    pub(crate) inbox: Option<Inbox>,
    pub(crate) fallback: Option<(UsageType, Option<String>)>,
    pub(crate) without_generic: Option<(Arc<dyn SmsConnector>, UsageType)>,
    pub(crate) factory: Option<(Arc<dyn ConnectorFactory>, String)>,
    pub(crate) inspected: Vec<(String, String)>,
    pub(crate) error_cases: Vec<(String, ErrorSource)>,
    pub(crate) stall: Option<(Duration, Prepare)>,
    pub(crate) not_applicable: Vec<(Check, String)>,
    pub(crate) send_timeout: Duration,
}

impl fmt::Debug for Conformance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conformance")
            .field("connector", &self.connector.metadata().id)
            .field("recipient", &self.recipient)
            .field("secrets", &self.secrets.len())
            .field("inbox", &self.inbox.is_some())
            .field("error_cases", &self.error_cases.len())
            .finish_non_exhaustive()
    }
}

impl Conformance {
    /// The suite for `connector`, sending to `recipient`.
    pub fn new(connector: impl SmsConnector + 'static, recipient: PhoneNumber) -> Self {
        Self::from_arc(Arc::new(connector), recipient)
    }

    /// The same, for a connector already behind an `Arc`.
    pub fn from_arc(connector: Arc<dyn SmsConnector>, recipient: PhoneNumber) -> Self {
        Conformance {
            connector,
            recipient,
            secrets: Vec::new(),
            inbox: None,
            fallback: None,
            without_generic: None,
            factory: None,
            inspected: Vec::new(),
            error_cases: Vec::new(),
            stall: None,
            not_applicable: Vec::new(),
            send_timeout: Duration::from_secs(30),
        }
    }

    /// Every secret of the connector's config (keys, tokens): none may appear anywhere
    /// ([`Check::Secrets`]). Secrets shorter than 4 characters cannot be told from other text
    /// and are ignored.
    pub fn secrets<S: Into<String>>(mut self, secrets: impl IntoIterator<Item = S>) -> Self {
        self.secrets.extend(secrets.into_iter().map(Into::into));
        self
    }

    /// What the stand-in endpoint received so far, oldest first (it must only grow during the
    /// run). Lets the checks verify what went out.
    pub fn inbox(mut self, inbox: impl Fn() -> Vec<Delivered> + Send + Sync + 'static) -> Self {
        self.inbox = Some(Box::new(inbox));
        self
    }

    /// A usage type that has no template of its own in the connector's config, and the
    /// template the stand-in should see it sent with (`Generic`'s), if the inbox shows
    /// templates.
    pub fn fallback(mut self, usage: UsageType, generic_template: Option<&str>) -> Self {
        self.fallback = Some((usage, generic_template.map(String::from)));
        self
    }

    /// The connector configured with no `Generic` template and none for `usage`, against the
    /// same stand-in. A connector whose config requires `Generic` declares
    /// [`Check::TemplateNotFound`] not applicable instead.
    pub fn without_generic(
        mut self,
        connector: impl SmsConnector + 'static,
        usage: UsageType,
    ) -> Self {
        self.without_generic = Some((Arc::new(connector), usage));
        self
    }

    /// The connector's factory, and the config JSON the connector under test was built from.
    pub fn factory(mut self, factory: impl ConnectorFactory + 'static, config: &str) -> Self {
        self.factory = Some((Arc::new(factory), config.to_owned()));
        self
    }

    /// A value whose `Debug` must show no secret (the connector's config type, a request
    /// builder, ...).
    pub fn inspect(mut self, name: &str, value: &dyn fmt::Debug) -> Self {
        self.inspected
            .push((name.to_owned(), format!("{value:?} {value:#?}")));
        self
    }

    /// An error case: `prepare` sets the stand-in up (e.g. injects a fault; it runs right
    /// before, and must leave nothing behind for the next case), then a `SignIn` code is sent
    /// and must fail. The error joins [`Check::Errors`] and [`Check::Secrets`].
    pub fn error_case(mut self, name: &str, prepare: impl FnOnce() + Send + 'static) -> Self {
        self.error_cases
            .push((name.to_owned(), ErrorSource::Prepare(Box::new(prepare))));
        self
    }

    /// An error case sent through another connector (e.g. one with wrong credentials, against
    /// the same stand-in): the send must fail.
    pub fn error_case_with(mut self, name: &str, connector: impl SmsConnector + 'static) -> Self {
        self.error_cases
            .push((name.to_owned(), ErrorSource::Connector(Arc::new(connector))));
        self
    }

    /// An error made outside a send (e.g. a config the loader refuses): it joins
    /// [`Check::Errors`] and [`Check::Secrets`].
    pub fn error(mut self, name: &str, error: ConnectorError) -> Self {
        self.error_cases
            .push((name.to_owned(), ErrorSource::Made(error)));
        self
    }

    /// The deadline check: `prepare` makes the stand-in receive the next request and not
    /// answer for longer than `deadline`, the connector's bound on one send (retries included).
    pub fn stall(mut self, deadline: Duration, prepare: impl FnOnce() + Send + 'static) -> Self {
        self.stall = Some((deadline, Box::new(prepare)));
        self
    }

    /// Declares that `check` does not apply to this connector, and why.
    pub fn not_applicable(mut self, check: Check, reason: &str) -> Self {
        self.not_applicable.push((check, reason.to_owned()));
        self
    }

    /// The longest any one send or lookup may take before the suite gives up on it
    /// (default 30 s).
    pub fn send_timeout(mut self, limit: Duration) -> Self {
        self.send_timeout = limit;
        self
    }

    /// Runs every check.
    pub async fn run(self) -> Report {
        crate::checks::run(self).await
    }
}
