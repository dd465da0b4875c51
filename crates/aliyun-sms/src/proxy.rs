//! Which HTTP proxy, if any, connections to the endpoint go through: given, or read from the
//! environment as curl reads it, and checked before a byte goes anywhere.

use connector_kit::{ConnectorError, ErrorKind};
use http::{HeaderValue, Uri};
use hyper_util::client::proxy::matcher::Matcher;

use crate::endpoint::is_loopback;

/// Which HTTP proxy, if any, connections to an `https` endpoint go through.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proxy<'a> {
    /// The one the environment names (see [`from_environment`]). Not used for a loopback
    /// endpoint, and ignored with a warning when it cannot be used.
    FromEnvironment,
    /// None: connect to the endpoint directly.
    Direct,
    /// This proxy, e.g. `http://proxy.internal:3128` or `http://user:password@proxy:3128`.
    Url(&'a str),
}

impl std::fmt::Debug for Proxy<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Proxy::FromEnvironment => f.write_str("FromEnvironment"),
            Proxy::Direct => f.write_str("Direct"),
            // The URL may hold a password.
            Proxy::Url(_) => f.write_str("Url(** redacted **)"),
        }
    }
}

/// A proxy to connect through.
#[derive(Debug)]
pub(crate) struct Chosen {
    /// `http://host:port`, without credentials.
    pub uri: Uri,
    /// The `Proxy-Authorization` value, marked sensitive.
    pub authorization: Option<HeaderValue>,
    /// `host:port`, for messages.
    pub address: String,
}

/// The proxy for `endpoint`, if any. Only `https` endpoints go through one.
pub(crate) fn choose(proxy: Proxy<'_>, endpoint: &Uri) -> Result<Option<Chosen>, ConnectorError> {
    choose_with(proxy, endpoint, |name| std::env::var(name).ok())
}

fn choose_with(
    proxy: Proxy<'_>,
    endpoint: &Uri,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Chosen>, ConnectorError> {
    let https = endpoint.scheme() == Some(&http::uri::Scheme::HTTPS);
    let (url, no_proxy) = match proxy {
        Proxy::Direct => return Ok(None),
        Proxy::Url(raw) => {
            let url = checked_url(raw).map_err(|problem| {
                ConnectorError::new(
                    ErrorKind::InvalidConfig,
                    format!("the HTTP proxy given {problem}"),
                )
            })?;
            (url, None)
        }
        Proxy::FromEnvironment => {
            let loopback = endpoint.host().is_some_and(is_loopback);
            let Some((variable, raw)) = from_environment(&env).filter(|_| https && !loopback)
            else {
                return Ok(None);
            };
            match checked_url(&raw) {
                Ok(url) => (url, first_set(&env, &["no_proxy", "NO_PROXY"])),
                Err(problem) => {
                    tracing::warn!(
                        variable,
                        "the proxy in {variable} {problem}; connecting directly"
                    );
                    return Ok(None);
                }
            }
        }
    };
    if !https {
        return Ok(None);
    }
    let mut matcher = Matcher::builder().https(url);
    if let Some(no_proxy) = no_proxy {
        matcher = matcher.no(no_proxy);
    }
    let Some(intercept) = matcher.build().intercept(endpoint) else {
        return Ok(None);
    };
    let uri = intercept.uri().clone();
    let address = uri
        .authority()
        .map(|a| format!("{}:{}", a.host(), a.port_u16().unwrap_or(80)))
        .unwrap_or_default();
    Ok(Some(Chosen {
        uri,
        authorization: intercept.basic_auth().cloned(),
        address,
    }))
}

/// The proxy the environment names for an `https` destination, and the variable it came from:
/// `https_proxy`, then `HTTPS_PROXY`, then `all_proxy`, then `ALL_PROXY` (lower case first, as
/// curl reads them). An empty value counts as unset.
fn from_environment(env: &impl Fn(&str) -> Option<String>) -> Option<(&'static str, String)> {
    ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
        .into_iter()
        .find_map(|name| Some((name, env(name).filter(|v| !v.trim().is_empty())?)))
}

fn first_set(env: &impl Fn(&str) -> Option<String>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|name| env(name).filter(|v| !v.trim().is_empty()))
}

/// The proxy URL, normalised (credentials percent-encoded), or what is wrong with it. The
/// problem never repeats the value, which may hold a password.
fn checked_url(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    // Without a scheme (`proxy.internal:3128`) curl takes an http proxy, and so does this.
    let parsed = match raw.contains("://") {
        true => url::Url::parse(raw),
        false => url::Url::parse(&format!("http://{raw}")),
    }
    .map_err(|_| "is not a proxy URL; expected e.g. http://proxy.internal:3128".to_owned())?;
    if parsed.scheme() != "http" {
        return Err(format!(
            "uses {}://, which this connector does not support; use an http:// proxy (HTTP \
             CONNECT), or none",
            parsed.scheme()
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("has no host; expected e.g. http://proxy.internal:3128".to_owned());
    }
    if parsed.path() != "/" || parsed.query().is_some() || parsed.fragment().is_some() {
        return Err("has a path, a query or a fragment: a proxy URL is \
                    http://[user:password@]host[:port], with `/`, `?`, `#` and `@` in the user \
                    name and password percent-encoded"
            .to_owned());
    }
    Ok(parsed.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENDPOINT: &str = "https://dysmsapi.aliyuncs.com/";

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn chosen_from_env(endpoint: &str, pairs: &[(&str, &str)]) -> Option<String> {
        choose_with(
            Proxy::FromEnvironment,
            &endpoint.parse().unwrap(),
            env(pairs),
        )
        .unwrap()
        .map(|chosen| chosen.address)
    }

    #[test]
    fn the_environment_is_read_as_curl_reads_it() {
        type Env<'a> = &'a [(&'a str, &'a str)];
        let cases: [(Env, Option<&str>); 9] = [
            (&[], None),
            (&[("HTTPS_PROXY", "http://upper:3128")], Some("upper:3128")),
            (
                &[
                    ("https_proxy", "http://lower:3128"),
                    ("HTTPS_PROXY", "http://upper:3128"),
                ],
                Some("lower:3128"),
            ),
            (
                &[("https_proxy", " "), ("HTTPS_PROXY", "http://upper:3128")],
                Some("upper:3128"),
            ),
            (
                &[
                    ("ALL_PROXY", "http://all:1"),
                    ("HTTPS_PROXY", "http://https:2"),
                ],
                Some("https:2"),
            ),
            (
                &[("ALL_PROXY", "proxy.internal:3128")],
                Some("proxy.internal:3128"),
            ),
            (&[("HTTP_PROXY", "http://plain-http-only:3128")], None),
            (
                &[("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", ".aliyuncs.com")],
                None,
            ),
            (
                &[("HTTPS_PROXY", "http://p"), ("no_proxy", "example.com")],
                Some("p:80"),
            ),
        ];
        for (pairs, expected) in cases {
            assert_eq!(
                chosen_from_env(ENDPOINT, pairs).as_deref(),
                expected,
                "{pairs:?}"
            );
        }
    }

    #[test]
    fn the_environment_is_not_used_for_loopback_or_plain_http_endpoints() {
        let proxy = &[("HTTPS_PROXY", "http://p:1")];
        for endpoint in [
            "https://127.0.0.1:8443/",
            "https://[::1]/",
            "https://localhost/",
            "http://127.0.0.1:8080/",
        ] {
            assert_eq!(chosen_from_env(endpoint, proxy), None, "{endpoint}");
        }
    }

    #[test]
    fn an_unusable_proxy_in_the_environment_is_ignored_not_fatal() {
        for value in [
            "socks5h://127.0.0.1:1080",
            "https://p:1",
            "http://a:b/c@p:1",
            "http:// bad",
        ] {
            assert_eq!(
                chosen_from_env(ENDPOINT, &[("ALL_PROXY", value)]),
                None,
                "{value}"
            );
        }
    }

    #[test]
    fn credentials_are_taken_apart_as_a_url_parser_does() {
        let endpoint: Uri = ENDPOINT.parse().unwrap();
        // An `@` in the password: the last `@` ends the credentials.
        let chosen = choose_with(Proxy::Url("http://user:p@ss@proxy:3128"), &endpoint, |_| {
            None
        })
        .unwrap()
        .unwrap();
        assert_eq!(chosen.address, "proxy:3128");
        let authorization = chosen.authorization.unwrap();
        assert!(authorization.is_sensitive());
        // base64("user:p@ss")
        assert_eq!(authorization.to_str().unwrap(), "Basic dXNlcjpwQHNz");
        let uri = format!("{:?}", chosen.uri);
        assert!(!uri.contains("user") && !uri.contains('@'), "{uri}");
        assert_eq!(
            format!("{:?}", Proxy::Url("http://user:p@ss@proxy:3128")),
            "Url(** redacted **)"
        );
    }

    #[test]
    fn a_proxy_url_that_would_misread_its_credentials_is_refused_without_repeating_them() {
        for (raw, says) in [
            ("http://aladdin:8080/secret@127.0.0.1:3128", "has a path"),
            // `user` as the host, `pw` as a port:
            ("http://user:pw?canary@proxy:3128", "is not a proxy URL"),
            ("http://user:pw#canary@proxy:3128", "is not a proxy URL"),
            ("socks5://user:canary@proxy:1080", "uses socks5://"),
            ("https://user:canary@proxy:443", "uses https://"),
            ("http://", "is not a proxy URL"),
        ] {
            let problem = checked_url(raw).unwrap_err();
            assert!(problem.contains(says), "{raw}: {problem}");
            assert!(
                !problem.contains("canary") && !problem.contains("secret"),
                "{problem}"
            );
        }
    }
}
