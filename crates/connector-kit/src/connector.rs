use async_trait::async_trait;

use crate::{ConnectorError, SmsMessage};

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

/// What a connector is, for registries and admin consoles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectorMetadata {
    /// A stable identifier, e.g. `aliyun-short-message-service`.
    pub id: &'static str,
    /// The provider it talks to, e.g. `aliyun-sms`.
    pub target: &'static str,
    /// The platform it is limited to, if any (`None` for any platform).
    pub platform: Option<&'static str>,
    /// Display name, at least in `en` and `zh-CN`.
    pub name: LocalizedText,
    /// One-line description, at least in `en` and `zh-CN`.
    pub description: LocalizedText,
}

/// What a provider returned for an accepted message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Receipt {
    /// The provider's id for the message (Aliyun's `BizId`), for delivery queries.
    pub message_id: Option<String>,
    /// The provider's id for the request, for its support desk.
    pub request_id: Option<String>,
}

/// An SMS provider.
///
/// Object-safe, so a service can hold several providers as `Arc<dyn SmsConnector>`.
#[async_trait]
pub trait SmsConnector: Send + Sync {
    /// What this connector is.
    fn metadata(&self) -> &ConnectorMetadata;

    /// Sends one message. On an error whose [`ConnectorError::outcome_unknown`] is true the
    /// message may have gone out: do not resend it blindly.
    async fn send(&self, message: &SmsMessage) -> Result<Receipt, ConnectorError>;
}

/// Fails to compile if a change makes [`SmsConnector`] unusable as a trait object.
const _: fn(&dyn SmsConnector) = |_| {};
