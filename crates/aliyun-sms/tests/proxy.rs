//! HTTP proxies (`with_proxy`; `HTTPS_PROXY` takes the same path): a `CONNECT` tunnel on
//! loopback, TLS end to end through it, credentials only in `Proxy-Authorization`.

mod common;
#[path = "common/tls.rs"]
mod tls;

use std::error::Error;
use std::sync::{Arc, Mutex};

use aliyun_sms::AliyunSmsConnector;
use common::{connector, ok_body, server_answering};
use connector_kit::{ConnectorError, ErrorKind, SmsConnector, SmsMessage, UsageType};
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
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let heads = Arc::new(Heads::default());
    let seen = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let seen = seen.clone();
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

fn message() -> SmsMessage {
    SmsMessage::verification_code(
        "+8613800138000".parse().unwrap(),
        UsageType::SignIn,
        "123456",
    )
}

fn chain(error: &ConnectorError) -> String {
    let mut text = format!("{error}\n{error:?}\n");
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(&format!("{e}\n{e:?}\n"));
        source = e.source();
    }
    text
}

#[tokio::test]
async fn through_the_proxy_tls_still_checks_the_endpoint_certificate() {
    let (tls_port, seen, server) = tls::start().await;
    let (proxy_port, heads) = proxy(true).await;
    let sms = connector(
        &format!("https://127.0.0.1:{tls_port}"),
        json!({"maxAttempts": 1}),
    )
    .with_proxy(Some(&format!("http://127.0.0.1:{proxy_port}")))
    .unwrap();

    let err = sms.send(&message()).await.unwrap_err();
    server.abort();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(err.is_retryable() && !err.outcome_unknown(), "{err}");
    assert!(
        err.message().contains(&format!(
            "through the proxy 127.0.0.1:{proxy_port}; nothing was sent"
        )),
        "{err}"
    );
    assert!(
        chain(&err).to_lowercase().contains("certificate"),
        "{}",
        chain(&err)
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
    let sms = connector("https://dysmsapi.aliyuncs.com", json!({"maxAttempts": 3}))
        .with_proxy(Some(&format!(
            "http://aladdin:{PASSWORD}@127.0.0.1:{proxy_port}"
        )))
        .unwrap();

    let err = sms.send(&message()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(
        err.message().contains(&format!(
            "the proxy 127.0.0.1:{proxy_port} answered 407 Proxy Authentication Required"
        )),
        "{err}"
    );
    assert!(err.message().contains("nothing was sent"), "{err}");
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
    for (what, text) in [("error", chain(&err)), ("connector", format!("{sms:?}"))] {
        assert!(!text.contains(PASSWORD), "{what}: {text}");
        assert!(!text.contains("aladdin"), "{what}: {text}");
    }
}

#[tokio::test]
async fn unusable_proxies_are_refused_when_the_connector_is_built() {
    // Whatever the endpoint: a proxy given is checked even where it would not be used.
    for endpoint in ["https://dysmsapi.aliyuncs.com", "http://127.0.0.1:9"] {
        for (proxy, says) in [
            ("socks5://user:pw-canary@127.0.0.1:1080", "uses socks5://"),
            ("https://user:pw-canary@127.0.0.1:8443", "uses https://"),
            // An unencoded `/` in the password would make `user` the proxy's host.
            (
                "http://user-canary:8080/pw-canary@127.0.0.1:3128",
                "has a path",
            ),
            ("not a proxy", "is not a proxy URL"),
        ] {
            let err = connector(endpoint, json!({}))
                .with_proxy(Some(proxy))
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{proxy}: {err}");
            assert!(err.message().contains(says), "{proxy}: {err}");
            assert!(!chain(&err).contains("canary"), "{proxy}: {err}");
        }
    }
}

#[tokio::test]
async fn a_loopback_http_endpoint_never_goes_through_the_proxy() {
    let server =
        server_answering(ResponseTemplate::new(200).set_body_string(ok_body("direct"))).await;
    let (proxy_port, heads) = proxy(true).await;
    let sms: AliyunSmsConnector = connector(&server.uri(), json!({}))
        .with_proxy(Some(&format!("http://127.0.0.1:{proxy_port}")))
        .unwrap();
    let receipt = sms.send(&message()).await.unwrap();
    assert_eq!(receipt.message_id.as_deref(), Some("direct"));
    assert!(heads.all().is_empty());
}
