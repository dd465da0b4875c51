//! The default client: what a connector builds when its user hands in no client of their own.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use reqwest::Url;

/// How long an idle connection is kept. hyper-util's pool never hands out a connection idle
/// for longer, and closes such connections in the background on a timer that runs every
/// `IDLE_TIMEOUT`, so an idle connection is closed between one and two idle timeouts after its
/// last use: 7 s keeps even the latest close under the 15 s after which Alibaba Cloud's load
/// balancers (SLB) drop idle connections, so the client, not the server, ends them.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(7);

/// The client a connector uses unless its user hands in one: rustls with ring; HTTP/2 where
/// the server offers it (ALPN), HTTP/1.1 otherwise; the system's trusted roots (so a company CA
/// installed on the host works) beside the bundled Mozilla roots; idle connections closed in
/// the background after [`IDLE_TIMEOUT`]; `connect_timeout` for each connection (DNS, TCP,
/// TLS); no redirect followed (an API answer that redirects is an answer, not a new request).
///
/// Proxies come from the environment as reqwest reads it when the client is built
/// (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`, upper or lower case), except for a
/// loopback `endpoint` (a local emulator), which is always reached directly.
///
/// # Errors
///
/// What reqwest reports when it cannot build the client (the TLS setup, or a system root
/// store whose every certificate is unreadable).
pub fn default_client(
    endpoint: &Url,
    connect_timeout: Duration,
) -> Result<reqwest::Client, reqwest::Error> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .connect_timeout(connect_timeout)
        .pool_idle_timeout(IDLE_TIMEOUT)
        .tcp_nodelay(true)
        .redirect(reqwest::redirect::Policy::none());
    if endpoint.host_str().is_some_and(is_loopback) {
        builder = builder.no_proxy();
    }
    builder.build()
}

/// Whether `host` (as a URL writes it: lower case, IPv6 in brackets) is `localhost`,
/// 127.0.0.0/8 or `[::1]`.
///
/// ```
/// use connector_http::is_loopback;
///
/// assert!(is_loopback("127.0.0.1") && is_loopback("[::1]") && is_loopback("localhost"));
/// assert!(!is_loopback("10.0.0.1") && !is_loopback("localhost.example.com"));
/// ```
pub fn is_loopback(host: &str) -> bool {
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback());
    }
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}
