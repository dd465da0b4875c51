//! A connector's `endpoint` setting, parsed and checked once, when the config is loaded.

use reqwest::Url;
use reqwest::header::HeaderValue;

use crate::is_loopback;

/// A checked API endpoint: where requests go (`POST /`) and the `host` they carry (and sign).
///
/// ```
/// use connector_http::Endpoint;
///
/// let endpoint = Endpoint::parse("https://sms.tencentcloudapi.com", "https://sms.tencentcloudapi.com")?;
/// assert_eq!((endpoint.url.as_str(), endpoint.host.as_str()), ("https://sms.tencentcloudapi.com/", "sms.tencentcloudapi.com"));
///
/// let emulator = Endpoint::parse("http://127.0.0.1:8080", "https://sms.tencentcloudapi.com")?;
/// assert_eq!(emulator.host, "127.0.0.1:8080");
///
/// let err = Endpoint::parse("http://sms.tencentcloudapi.com", "https://sms.tencentcloudapi.com").unwrap_err();
/// assert!(err.starts_with("must use https"), "{err}");
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endpoint {
    /// `{scheme}://{host}[:{port}]/`: every request is a POST to `/`.
    pub url: Url,
    /// The `host` header: the host, plus `:port` when the port is not the scheme's default
    /// (exactly what the HTTP client derives from the URL).
    pub host: String,
}

impl Endpoint {
    /// Parses an endpoint such as `https://dysmsapi.aliyuncs.com`: `https://` and a host (with
    /// an optional port), or `http://` and a loopback host (a local emulator); no user name,
    /// password, path, query or fragment. The error is a message for the `endpoint` field,
    /// naming `example` as what is expected.
    pub fn parse(endpoint: &str, example: &str) -> Result<Endpoint, String> {
        let url = Url::parse(endpoint.trim())
            .map_err(|e| format!("is not a valid URL ({e}); expected e.g. {example}"))?;
        let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
            return Err(format!("has no host; expected e.g. {example}"));
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
            _ => return Err(format!("must start with https://, e.g. {example}")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not contain a user name or password".to_owned());
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "must be a scheme and host only (no path, query or fragment), e.g. {example}"
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

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = "https://dysmsapi.aliyuncs.com";

    #[test]
    fn accepts_https_hosts_and_loopback_http() {
        for (endpoint, url, host) in [
            (
                "https://dysmsapi.aliyuncs.com",
                "https://dysmsapi.aliyuncs.com/",
                "dysmsapi.aliyuncs.com",
            ),
            (
                "https://sms.ap-guangzhou.tencentcloudapi.com/",
                "https://sms.ap-guangzhou.tencentcloudapi.com/",
                "sms.ap-guangzhou.tencentcloudapi.com",
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
            let parsed =
                Endpoint::parse(endpoint, EXAMPLE).unwrap_or_else(|e| panic!("{endpoint}: {e}"));
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
            let err = Endpoint::parse(endpoint, EXAMPLE).expect_err(endpoint);
            assert!(err.contains(expected), "{endpoint}: {err}");
            assert!(!err.contains("pw@"), "{err}");
        }
    }

    #[test]
    fn messages_name_the_providers_example() {
        let err = Endpoint::parse("sms", "https://sms.tencentcloudapi.com").unwrap_err();
        assert!(
            err.ends_with("expected e.g. https://sms.tencentcloudapi.com"),
            "{err}"
        );
    }
}
