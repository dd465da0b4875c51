//! The `endpoint` setting: parsed and checked once, when the config is loaded.

use connector_http::is_loopback;
use reqwest::header::HeaderValue;
use url::Url;

/// A checked endpoint: where requests go and the `host` they carry (and sign, in V3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// `{scheme}://{host}[:{port}]/`: every SendSms request is a POST to `/`.
    pub url: Url,
    /// The `host` header: the host, plus `:port` when the port is not the scheme's default
    /// (exactly what the HTTP client derives from the URL).
    pub host: String,
}

impl Endpoint {
    /// Parses an endpoint such as `https://dysmsapi.aliyuncs.com`; the error is a message for
    /// the `endpoint` field.
    pub(crate) fn parse(endpoint: &str) -> Result<Endpoint, String> {
        let url = Url::parse(endpoint.trim())
            .map_err(|e| format!("is not a valid URL ({e}); expected e.g. {DEFAULT_EXAMPLE}"))?;
        let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
            return Err(format!("has no host; expected e.g. {DEFAULT_EXAMPLE}"));
        };
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(host) => {}
            "http" => {
                return Err(
                    "must use https: plain http is only allowed for a loopback host \
                     (127.0.0.1, ::1, localhost), e.g. a local emulator"
                        .to_owned(),
                );
            }
            _ => return Err(format!("must start with https://, e.g. {DEFAULT_EXAMPLE}")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not contain a user name or password".to_owned());
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "must be a scheme and host only (no path, query or fragment), e.g. {DEFAULT_EXAMPLE}"
            ));
        }
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        if HeaderValue::from_str(&host).is_err() {
            return Err("has a host that cannot be sent in a header".to_owned());
        }
        Ok(Endpoint { url, host })
    }
}

const DEFAULT_EXAMPLE: &str = "https://dysmsapi.aliyuncs.com";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_aliyun_endpoints_and_loopback_http() {
        for (endpoint, url, host) in [
            (
                "https://dysmsapi.aliyuncs.com",
                "https://dysmsapi.aliyuncs.com/",
                "dysmsapi.aliyuncs.com",
            ),
            (
                "https://dysmsapi.ap-southeast-1.aliyuncs.com/",
                "https://dysmsapi.ap-southeast-1.aliyuncs.com/",
                "dysmsapi.ap-southeast-1.aliyuncs.com",
            ),
            (
                "https://DYSMSAPI.aliyuncs.com:443",
                "https://dysmsapi.aliyuncs.com/",
                "dysmsapi.aliyuncs.com",
            ),
            (
                "https://proxy.example.com:8443",
                "https://proxy.example.com:8443/",
                "proxy.example.com:8443",
            ),
            (
                "http://127.0.0.1:8080",
                "http://127.0.0.1:8080/",
                "127.0.0.1:8080",
            ),
            ("http://127.9.9.9", "http://127.9.9.9/", "127.9.9.9"),
            ("http://[::1]:9000", "http://[::1]:9000/", "[::1]:9000"),
            (
                "http://localhost:9000",
                "http://localhost:9000/",
                "localhost:9000",
            ),
        ] {
            let parsed = Endpoint::parse(endpoint).unwrap_or_else(|e| panic!("{endpoint}: {e}"));
            assert_eq!(parsed.url.as_str(), url, "{endpoint}");
            assert_eq!(parsed.host, host, "{endpoint}");
        }
    }

    #[test]
    fn refuses_what_would_leak_or_misroute() {
        for (endpoint, expected) in [
            ("http://dysmsapi.aliyuncs.com", "must use https"),
            ("http://10.0.0.1", "must use https"),
            ("http://localhost.example.com", "must use https"),
            ("ftp://dysmsapi.aliyuncs.com", "must start with https://"),
            ("dysmsapi.aliyuncs.com", "is not a valid URL"),
            ("", "is not a valid URL"),
            ("https://", "is not a valid URL"),
            ("https://dysmsapi.aliyuncs.com:99999", "is not a valid URL"),
            (
                "https://user:pw@dysmsapi.aliyuncs.com",
                "user name or password",
            ),
            ("https://dysmsapi.aliyuncs.com/api", "no path"),
            ("https://dysmsapi.aliyuncs.com/?a=b", "no path"),
            ("https://dysmsapi.aliyuncs.com/#x", "no path"),
        ] {
            let err = Endpoint::parse(endpoint).expect_err(endpoint);
            assert!(err.contains(expected), "{endpoint}: {err}");
            assert!(!err.contains("pw@"), "{err}");
        }
    }
}
