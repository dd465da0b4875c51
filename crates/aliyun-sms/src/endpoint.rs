//! The `endpoint` setting: [`connector_http::Endpoint`], with Aliyun's example in its messages.

pub(crate) use connector_http::Endpoint;

/// The example an `endpoint` problem names.
const DEFAULT_EXAMPLE: &str = "https://dysmsapi.aliyuncs.com";

/// Parses an endpoint such as `https://dysmsapi.aliyuncs.com`; the error is a message for the
/// `endpoint` field.
pub(crate) fn parse(endpoint: &str) -> Result<Endpoint, String> {
    Endpoint::parse(endpoint, DEFAULT_EXAMPLE)
}
