//! HTTP proxies, through a `CONNECT` tunnel on loopback, TLS end to end through it: a proxy of
//! the user's own `reqwest::Client`, and the one the environment names for the default
//! client (read by reqwest when the connector is built; in a child process, since the
//! environment belongs to the whole process). Credentials go only in `Proxy-Authorization`.

mod common;
#[path = "common/tls.rs"]
mod tls;

use std::sync::{Arc, Mutex};

use aliyun_sms::AliyunSmsConnector;
use common::{builder, connector, ok_body, server_answering, sign_in_message};
use connector_kit::{ErrorKind, SmsConnector};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::ResponseTemplate;

/// What the proxy received: each request head, as text.
#[derive(Default)]
struct Heads(Mutex<Vec<String>>);

impl Heads {
    fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// A proxy on loopback that either tunnels (`CONNECT` answered 200, then bytes relayed both
/// ways) or asks for credentials (407).
async fn proxy(tunnel: bool) -> (u16, Arc<Heads>) {
    proxy_to(tunnel, None).await
}

/// [`proxy`], tunnelling every `CONNECT` to `upstream` (`127.0.0.1:port`) if given, whatever
/// host it names: a name that no DNS knows can then stand for the endpoint.
async fn proxy_to(tunnel: bool, upstream: Option<String>) -> (u16, Arc<Heads>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let heads = Arc::new(Heads::default());
    let seen = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let (seen, upstream) = (seen.clone(), upstream.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let target = head
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                seen.0.lock().unwrap().push(head);
                if !tunnel {
                    let _ = client
                        .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n")
                        .await;
                    return;
                }
                let target = upstream.unwrap_or(target);
                let Ok(mut upstream) = TcpStream::connect(&target).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                let _ = client
                    .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    .await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (port, heads)
}

/// A client of the user's own that goes through `proxy` for every request.
fn proxied_client(proxy: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .proxy(reqwest::Proxy::all(proxy).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn through_the_proxy_tls_still_checks_the_endpoint_certificate() {
    let (tls_port, seen, server) = tls::start().await;
    let (proxy_port, heads) = proxy(true).await;
    let sms = builder(
        &format!("https://127.0.0.1:{tls_port}"),
        json!({"maxAttempts": 1}),
    )
    .http_client(proxied_client(&format!("http://127.0.0.1:{proxy_port}")))
    .build()
    .unwrap();

    let err = sms.send(&sign_in_message()).await.unwrap_err();
    server.abort();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(err.is_retryable() && !err.outcome_unknown(), "{err}");
    assert!(
        err.message().contains(&format!(
            "could not connect to 127.0.0.1:{tls_port} (TLS handshake failed: the certificate \
             is not trusted (unknown issuer)); nothing was sent"
        )),
        "{err}"
    );
    // The tunnel was asked for the endpoint and reached it; the handshake then failed.
    let heads = heads.all();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(
        heads[0].starts_with(&format!("CONNECT 127.0.0.1:{tls_port} HTTP/1.1\r\n")),
        "{heads:?}"
    );
    assert_eq!(
        seen.get(),
        (1, 0, 0),
        "one connection, no handshake, no request"
    );
}

#[tokio::test]
async fn proxy_credentials_go_in_proxy_authorization_and_nowhere_else() {
    const PASSWORD: &str = "opensesame-canary";
    let (proxy_port, heads) = proxy(false).await;
    let sms = builder("https://dysmsapi.aliyuncs.com", json!({"maxAttempts": 3}))
        .http_client(proxied_client(&format!(
            "http://aladdin:{PASSWORD}@127.0.0.1:{proxy_port}"
        )))
        .build()
        .unwrap();

    let err = sms.send(&sign_in_message()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(
        err.message().contains(
            "could not connect to dysmsapi.aliyuncs.com (the proxy answered 407 Proxy \
             Authentication Required: its credentials are missing or wrong); nothing was sent"
        ),
        "{err}"
    );
    assert!(!err.is_retryable() && !err.outcome_unknown(), "{err}");
    // Refused credentials are not offered again, whatever maxAttempts says.
    let heads = heads.all();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(
        heads[0].starts_with("CONNECT dysmsapi.aliyuncs.com:443 HTTP/1.1\r\n"),
        "{heads:?}"
    );
    // base64("aladdin:opensesame-canary")
    assert!(
        heads[0]
            .to_ascii_lowercase()
            .contains("proxy-authorization: basic ywxhzgrpbjpvcgvuc2vzyw1llwnhbmfyeq=="),
        "{heads:?}"
    );
    for (what, text) in [
        ("error", common::chain(&err)),
        ("connector", format!("{sms:?}")),
    ] {
        assert!(!text.contains(PASSWORD), "{what}: {text}");
        assert!(!text.contains("aladdin"), "{what}: {text}");
    }
}

#[tokio::test]
async fn a_proxy_that_cannot_open_the_tunnel_is_named() {
    // The proxy answers CONNECT with 502: nothing was sent, and the cause is the proxy.
    let (proxy_port, heads) =
        proxy_to(true, Some(format!("127.0.0.1:{}", common::closed_port()))).await;
    let sms = builder("https://sms.example.test", json!({"maxAttempts": 1}))
        .http_client(proxied_client(&format!("http://127.0.0.1:{proxy_port}")))
        .build()
        .unwrap();
    let err = sms.send(&sign_in_message()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(err.is_retryable() && !err.outcome_unknown(), "{err}");
    assert!(
        err.message()
            .contains("could not connect to sms.example.test (the proxy failed: tunnel error"),
        "{err}"
    );
    assert_eq!(heads.all().len(), 1);
}

/// The default client goes through the proxy that `HTTPS_PROXY` names (read by reqwest when
/// the connector is built); TLS runs end to end through the tunnel, against the system's roots
/// (`SSL_CERT_FILE`, holding the test CA). The endpoint's name resolves nowhere: only the
/// proxy can reach it.
#[tokio::test]
async fn the_default_client_takes_the_proxy_from_the_environment() {
    const NAME: &str = "the_default_client_takes_the_proxy_from_the_environment";
    if common::in_child(NAME) {
        let sms = connector("https://sms.example.test", json!({"maxAttempts": 1}));
        let receipt = sms.send(&sign_in_message()).await.unwrap();
        assert_eq!(receipt.message_id.as_deref(), Some("TLS-1"));
        return;
    }
    let (tls_port, seen, server) = tls::start().await;
    let (proxy_port, heads) = proxy_to(true, Some(format!("127.0.0.1:{tls_port}"))).await;
    let ca = tls::ca_file();
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    common::run_in_child(
        NAME,
        &[
            ("HTTPS_PROXY", &proxy),
            ("SSL_CERT_FILE", ca.to_str().unwrap()),
        ],
    )
    .await;
    server.abort();
    let heads = heads.all();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(
        heads[0].starts_with("CONNECT sms.example.test:443 HTTP/1.1\r\n"),
        "{heads:?}"
    );
    assert_eq!(seen.get(), (1, 1, 1), "one connection, handshake, request");
}

/// A loopback endpoint (a local emulator) is reached directly whatever proxy the environment
/// names.
#[tokio::test]
async fn a_loopback_endpoint_never_goes_through_the_environments_proxy() {
    const NAME: &str = "a_loopback_endpoint_never_goes_through_the_environments_proxy";
    if common::in_child(NAME) {
        let endpoint = std::env::var("LOOPBACK_ENDPOINT").unwrap();
        let sms: AliyunSmsConnector = connector(&endpoint, json!({"maxAttempts": 1}));
        let receipt = sms.send(&sign_in_message()).await.unwrap();
        assert_eq!(receipt.message_id.as_deref(), Some("direct"));
        return;
    }
    let server =
        server_answering(ResponseTemplate::new(200).set_body_string(ok_body("direct"))).await;
    let (proxy_port, heads) = proxy(true).await;
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    common::run_in_child(
        NAME,
        &[
            ("LOOPBACK_ENDPOINT", &server.uri()),
            ("HTTP_PROXY", &proxy),
            ("HTTPS_PROXY", &proxy),
            ("ALL_PROXY", &proxy),
        ],
    )
    .await;
    assert!(heads.all().is_empty(), "{:?}", heads.all());
    assert_eq!(common::received(&server).await.len(), 1);
}
