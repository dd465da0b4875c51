//! `post` against loopback servers that misbehave on purpose: each failure in its class, with
//! its cause, and whether anything was sent.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use connector_http::{Answer, Cause, Failure, default_client, post};
use reqwest::Url;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// A server on loopback that hands each accepted connection to `serve`; keeps what it read.
async fn server<F, Fut>(serve: F) -> (Url, Arc<Mutex<Vec<String>>>)
where
    F: Fn(TcpStream, Arc<Mutex<Vec<String>>>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap())
        .parse()
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(serve(socket, log.clone()));
        }
    });
    (url, seen)
}

/// Reads what the client wrote first (head and body: one small request) and keeps it.
async fn read_request(socket: &mut TcpStream, seen: &Mutex<Vec<String>>) {
    let mut buffer = vec![0u8; 16 * 1024];
    let n = socket.read(&mut buffer).await.unwrap_or(0);
    seen.lock()
        .unwrap()
        .push(String::from_utf8_lossy(&buffer[..n]).into_owned());
}

fn in_ms(ms: u64) -> Instant {
    Instant::now() + Duration::from_millis(ms)
}

async fn send(
    client: &reqwest::Client,
    url: &Url,
    max_body: usize,
    deadline: Instant,
) -> Result<Answer, Failure> {
    let headers = [("content-type", "text/plain"), ("host", "ignored.example")];
    post(client, url, headers, "hello", max_body, deadline).await
}

fn client(url: &Url) -> reqwest::Client {
    default_client(url, Duration::from_secs(1)).unwrap()
}

#[tokio::test]
async fn an_answer_is_read_up_to_the_cap_and_the_host_header_is_the_urls() {
    let (url, seen) = server(|mut socket, seen| async move {
        read_request(&mut socket, &seen).await;
        let body = "x".repeat(100);
        let answer = format!("HTTP/1.1 201 Created\r\ncontent-length: 100\r\n\r\n{body}");
        let _ = socket.write_all(answer.as_bytes()).await;
    })
    .await;
    let answer = send(&client(&url), &url, 10, in_ms(5000)).await.unwrap();
    assert_eq!(answer.status, 201);
    assert_eq!(
        answer.body,
        b"x".repeat(11),
        "max_body + 1 bytes: longer than wanted"
    );
    let request = seen.lock().unwrap()[0].to_ascii_lowercase();
    assert!(request.starts_with("post / http/1.1\r\n"), "{request}");
    assert!(
        request.contains(&format!("host: {}\r\n", url.authority())),
        "{request}"
    );
    assert!(!request.contains("ignored.example"), "{request}");
    assert!(
        request.contains("content-length: 5\r\n") && request.ends_with("hello"),
        "{request}"
    );
}

#[tokio::test]
async fn a_refused_connection_sent_nothing() {
    let url: Url = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/", listener.local_addr().unwrap())
            .parse()
            .unwrap()
    };
    let failure = send(&client(&url), &url, 1024, in_ms(5000))
        .await
        .unwrap_err();
    assert!(failure.nothing_sent(), "{failure}");
    assert!(
        matches!(
            &failure,
            Failure::NotSent {
                cause: Cause::Refused,
                source: Some(_)
            }
        ),
        "{failure:?}"
    );
    assert_eq!(failure.to_string(), "connection refused; nothing was sent");
}

/// A resolver that never answers: the deadline passes before anything is handed over.
struct Stalled;

impl reqwest::dns::Resolve for Stalled {
    fn resolve(&self, _: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn a_deadline_that_passes_before_the_request_is_handed_over_sent_nothing() {
    let client = reqwest::Client::builder()
        .dns_resolver(Arc::new(Stalled))
        .build()
        .unwrap();
    let url: Url = "http://sms.example.test/".parse().unwrap();
    let failure = send(&client, &url, 1024, in_ms(200)).await.unwrap_err();
    assert!(
        matches!(
            failure,
            Failure::NotSent {
                cause: Cause::Deadline,
                source: None
            }
        ),
        "{failure:?}"
    );
}

#[tokio::test]
async fn a_deadline_that_passes_after_the_request_was_sent_leaves_the_outcome_unknown() {
    let (url, seen) = server(|mut socket, seen| async move {
        read_request(&mut socket, &seen).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let failure = send(&client(&url), &url, 1024, in_ms(300))
        .await
        .unwrap_err();
    assert!(
        matches!(failure, Failure::TimedOut { status: None }),
        "{failure:?}"
    );
    assert!(!failure.nothing_sent());
    assert!(
        seen.lock().unwrap()[0].ends_with("hello"),
        "the body went out"
    );
}

#[tokio::test]
async fn a_connection_lost_after_the_request_or_during_the_body() {
    let (url, _) = server(|mut socket, seen| async move {
        read_request(&mut socket, &seen).await;
    })
    .await;
    let failure = send(&client(&url), &url, 1024, in_ms(5000))
        .await
        .unwrap_err();
    assert!(matches!(failure, Failure::AfterSend(_)), "{failure:?}");

    let (url, _) = server(|mut socket, seen| async move {
        read_request(&mut socket, &seen).await;
        let _ = socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"Code\"")
            .await;
    })
    .await;
    let failure = send(&client(&url), &url, 1024, in_ms(5000))
        .await
        .unwrap_err();
    assert!(
        matches!(failure, Failure::Body { status: 200, .. }),
        "{failure:?}"
    );
    assert_eq!(
        failure.to_string(),
        "the answer (HTTP 200) was cut off while it was read"
    );
}

/// A proxy on loopback that answers every `CONNECT` with `status`.
async fn proxy(status: &'static str) -> Url {
    let (url, _) = server(move |mut socket, seen| async move {
        read_request(&mut socket, &seen).await;
        let _ = socket
            .write_all(format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n").as_bytes())
            .await;
    })
    .await;
    url
}

#[tokio::test]
async fn a_proxy_that_refuses_the_tunnel_or_the_credentials_is_named() {
    let endpoint: Url = "https://sms.example.test/".parse().unwrap();
    for (status, expected) in [
        (
            "407 Proxy Authentication Required",
            Cause::ProxyAuthentication,
        ),
        (
            "502 Bad Gateway",
            Cause::Proxy("tunnel error: unsuccessful".to_owned()),
        ),
    ] {
        let client = reqwest::Client::builder()
            .proxy(reqwest::Proxy::all(proxy(status).await.as_str()).unwrap())
            .build()
            .unwrap();
        let failure = send(&client, &endpoint, 1024, in_ms(5000))
            .await
            .unwrap_err();
        match failure {
            Failure::NotSent { cause, .. } => {
                assert_eq!(cause, expected, "{status}");
                assert_eq!(cause.worth_retrying(), status.starts_with('5'), "{status}");
            }
            other => panic!("{status}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_redirect_the_client_followed_is_not_an_answer() {
    let (url, _) = server(|mut socket, seen| async move {
        loop {
            read_request(&mut socket, &seen).await;
            let last = seen.lock().unwrap().last().cloned().unwrap_or_default();
            let answer: &[u8] = if last.starts_with("POST / ") {
                b"HTTP/1.1 302 Found\r\nlocation: /elsewhere\r\ncontent-length: 0\r\n\r\n"
            } else {
                b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
            };
            if socket.write_all(answer).await.is_err() {
                return;
            }
        }
    })
    .await;
    let failure = send(&reqwest::Client::new(), &url, 1024, in_ms(5000))
        .await
        .unwrap_err();
    assert!(
        matches!(&failure, Failure::Redirected { to } if to.path() == "/elsewhere"),
        "{failure:?}"
    );
    assert_eq!(
        failure.to_string(),
        "the answer was redirected to 127.0.0.1"
    );

    // The default client follows none: the 302 is the answer.
    let answer = send(&client(&url), &url, 1024, in_ms(5000)).await.unwrap();
    assert_eq!(answer.status, 302);
}
