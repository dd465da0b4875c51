use std::net::IpAddr;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::{PhoneNumber, UsageType};

/// The name of the parameter that carries the verification code.
pub const CODE_PARAM: &str = "code";

/// Named template parameters, kept in insertion order; a name appears at most once.
///
/// Serializes as a JSON object (`{"code":"123456"}`), which is what template-based providers
/// expect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateParams(Vec<(String, String)>);

impl TemplateParams {
    /// No parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the verification code, under [`CODE_PARAM`].
    pub fn code(code: impl Into<String>) -> Self {
        Self::new().with(CODE_PARAM, code)
    }

    /// Sets a parameter (replacing an earlier value of the same name), builder style.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.insert(name, value);
        self
    }

    /// Sets a parameter, replacing an earlier value of the same name in place.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let (name, value) = (name.into(), value.into());
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }

    /// The value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The verification code, if there is one.
    pub fn verification_code(&self) -> Option<&str> {
        self.get(CODE_PARAM)
    }

    /// The parameters in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// How many parameters there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The parameters as a JSON object, in insertion order.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a map of strings always serializes")
    }
}

impl Serialize for TemplateParams {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// The caller's context of a message, as Logto passes it: who asked for it and in which
/// language. For policies (a send guard's per-IP budget, a provider's template language),
/// never sent to the provider unless a template asks for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MessageContext {
    /// The end user's IP address, as the sign-in service saw it.
    pub ip: Option<IpAddr>,
    /// The end user's locale (e.g. `zh-CN`).
    pub locale: Option<String>,
}

impl MessageContext {
    /// No context.
    pub fn new() -> Self {
        Self::default()
    }
}

/// One SMS to send: who gets it, why, what fills the template, and the caller's context.
///
/// Built with [`new`](Self::new) or [`verification_code`](Self::verification_code) and the
/// `with_*` methods; its fields can be read (and set) directly.
///
/// ```
/// use connector_kit::{SmsMessage, UsageType};
///
/// let message = SmsMessage::verification_code("+86 138 0013 8000".parse()?, UsageType::SignIn, "123456")
///     .with_ip("203.0.113.7".parse()?)
///     .with_locale("zh-CN")
///     .with_reference("login-42");
/// assert_eq!(message.params.to_json(), r#"{"code":"123456"}"#);
/// assert_eq!(message.context.locale.as_deref(), Some("zh-CN"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SmsMessage {
    /// The recipient.
    pub to: PhoneNumber,
    /// Why it is sent; chooses the template.
    pub usage: UsageType,
    /// The template's parameters, the code among them.
    pub params: TemplateParams,
    /// The caller's context (IP address, locale); never a template parameter.
    pub context: MessageContext,
    /// The caller's own reference for this message (Aliyun's `OutId`, Tencent's
    /// `SessionContext`), echoed back by delivery lookups; at most
    /// [`Capabilities::max_reference_len`](crate::Capabilities::max_reference_len) bytes.
    pub reference: Option<String>,
}

impl SmsMessage {
    /// A message with the given parameters.
    pub fn new(to: PhoneNumber, usage: UsageType, params: TemplateParams) -> Self {
        SmsMessage {
            to,
            usage,
            params,
            context: MessageContext::default(),
            reference: None,
        }
    }

    /// A verification-code message: the only parameter is `code`.
    pub fn verification_code(to: PhoneNumber, usage: UsageType, code: impl Into<String>) -> Self {
        Self::new(to, usage, TemplateParams::code(code))
    }

    /// Adds or replaces a template parameter.
    pub fn with_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.insert(name, value);
        self
    }

    /// Sets the end user's IP address.
    pub fn with_ip(mut self, ip: IpAddr) -> Self {
        self.context.ip = Some(ip);
        self
    }

    /// Sets the end user's locale.
    pub fn with_locale(mut self, locale: impl Into<String>) -> Self {
        self.context.locale = Some(locale.into());
        self
    }

    /// Sets the caller's reference.
    pub fn with_reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_keep_order_replace_in_place_and_serialize_as_an_object() {
        let params = TemplateParams::code("123456")
            .with("product", "Logto \"Cloud\"")
            .with("code", "654321");
        assert_eq!(params.len(), 2);
        assert_eq!(params.verification_code(), Some("654321"));
        assert_eq!(
            params.to_json(),
            r#"{"code":"654321","product":"Logto \"Cloud\""}"#
        );
        assert_eq!(TemplateParams::new().to_json(), "{}");
    }

    #[test]
    fn context_and_reference_stay_out_of_the_parameters() {
        let to = "+8613800138000".parse().unwrap();
        let ip: IpAddr = "2001:db8::7".parse().unwrap();
        let message = SmsMessage::verification_code(to, UsageType::SignIn, "123456")
            .with_ip(ip)
            .with_locale("zh-CN")
            .with_reference("order-42");
        assert_eq!(message.params.to_json(), r#"{"code":"123456"}"#);
        assert_eq!(message.context.locale.as_deref(), Some("zh-CN"));
        assert_eq!(message.context.ip, Some(ip));
        assert_eq!(message.reference.as_deref(), Some("order-42"));
    }
}
