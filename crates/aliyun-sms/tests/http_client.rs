//! The HTTP client under the connector, on loopback: a client of the user's own (a CA it
//! trusts, a resolver), the default client's trusted roots (the system's, through
//! `SSL_CERT_FILE` in a child process) and HTTP/2, the cause of a connection that failed, a
//! pinned clock and nonce, and redirects.

mod common;
#[path = "common/tls.rs"]
mod tls;

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aliyun_sms::build_send_request;
use chrono::{TimeZone, Utc};
use common::{builder, connector, form, header, ok_body, param, received, sign_in_message};
use connector_kit::{ErrorKind, SmsConnector};
use serde_json::json;
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The acceptance case for users' own clients: the default client refuses a server whose CA
/// nobody trusts; a `reqwest::Client` built by the user to trust that CA gets through.
#[tokio::test]
async fn a_users_client_that_trusts_a_ca_reaches_a_server_the_default_client_refuses() {
    let (port, seen, server) = tls::start().await;
    let endpoint = format!("https://127.0.0.1:{port}");

    let refused = connector(&endpoint, json!({"maxAttempts": 1}));
    let err = refused.send(&sign_in_message()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(err.is_retryable() && !err.outcome_unknown(), "{err}");
    assert_eq!(
        err.message(),
        format!(
            "could not connect to 127.0.0.1:{port} (TLS handshake failed: the certificate \
             is not trusted (unknown issuer)); nothing was sent"
        )
    );
    assert!(
        common::chain(&err).contains("UnknownIssuer"),
        "{}",
        common::chain(&err)
    );
    assert_eq!(seen.get(), (1, 0, 0));

    let trusting = builder(&endpoint, json!({"maxAttempts": 1}))
        .http_client(tls::trusting_client())
        .build()
        .unwrap();
    let receipt = trusting.send(&sign_in_message()).await.unwrap();
    assert_eq!(receipt.message_id.as_deref(), Some("TLS-1"));
    assert_eq!(seen.get(), (2, 1, 1));
    server.abort();
}

/// An HTTP/2 server on loopback (TLS, ALPN `h2` only) that answers every request with
/// Aliyun's OK; counts the requests it served.
async fn h2_server() -> (u16, Arc<AtomicUsize>) {
    let acceptor = tls::acceptor(&[b"h2"]);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (acceptor, counter) = (acceptor.clone(), counter.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let Ok(mut connection) = h2::server::handshake(tls).await else {
                    return;
                };
                while let Some(Ok((request, mut respond))) = connection.accept().await {
                    let counter = counter.clone();
                    tokio::spawn(async move {
                        let mut body = request.into_body();
                        while let Some(Ok(chunk)) = body.data().await {
                            let _ = body.flow_control().release_capacity(chunk.len());
                        }
                        let response = http::Response::builder()
                            .status(200)
                            .header("content-type", "application/json")
                            .body(())
                            .unwrap();
                        let Ok(mut send) = respond.send_response(response, false) else {
                            return;
                        };
                        counter.fetch_add(1, Ordering::SeqCst);
                        let _ = send.send_data(bytes::Bytes::from(ok_body("H2-1")), true);
                    });
                }
            });
        }
    });
    (port, served)
}

/// The default client trusts the system's roots (here `SSL_CERT_FILE`, holding the test CA, as
/// a company CA installed on the host would be), speaks HTTP/2 to a server that offers it, and
/// HTTP/1.1 to one that does not.
#[tokio::test]
async fn the_default_client_trusts_the_systems_roots_and_speaks_http2_when_offered() {
    const NAME: &str = "the_default_client_trusts_the_systems_roots_and_speaks_http2_when_offered";
    if common::in_child(NAME) {
        for (variable, biz_id) in [("H2_ENDPOINT", "H2-1"), ("H1_ENDPOINT", "TLS-1")] {
            let endpoint = std::env::var(variable).unwrap();
            let sms = connector(&endpoint, json!({"maxAttempts": 1}));
            let receipt = sms.send(&sign_in_message()).await.unwrap();
            assert_eq!(receipt.message_id.as_deref(), Some(biz_id), "{endpoint}");
        }
        return;
    }
    let (h2_port, served) = h2_server().await;
    let (h1_port, seen, server) = tls::start().await;
    let ca = tls::ca_file();
    common::run_in_child(
        NAME,
        &[
            ("SSL_CERT_FILE", ca.to_str().unwrap()),
            ("H2_ENDPOINT", &format!("https://localhost:{h2_port}")),
            ("H1_ENDPOINT", &format!("https://localhost:{h1_port}")),
        ],
    )
    .await;
    server.abort();
    assert_eq!(served.load(Ordering::SeqCst), 1, "one HTTP/2 request");
    assert_eq!(seen.get(), (1, 1, 1), "one HTTP/1.1 request");
}

/// A resolver that knows no name, standing in for a DNS failure without asking any DNS.
struct NoDns;

impl reqwest::dns::Resolve for NoDns {
    fn resolve(&self, _: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async {
            let error = std::io::Error::new(std::io::ErrorKind::NotFound, "no such host");
            Err(Box::new(error) as Box<dyn Error + Send + Sync>)
        })
    }
}

/// What a user reads tells a DNS failure from a refused connection, and neither was sent.
#[tokio::test]
async fn a_failed_connection_names_its_cause() {
    let client = reqwest::Client::builder()
        .dns_resolver(Arc::new(NoDns))
        .build()
        .unwrap();
    let sms = builder("https://sms.example.test", json!({"maxAttempts": 1}))
        .http_client(client)
        .build()
        .unwrap();
    let err = sms.send(&sign_in_message()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(err.is_retryable() && !err.outcome_unknown(), "{err}");
    assert_eq!(
        err.message(),
        "could not connect to sms.example.test (DNS lookup failed); nothing was sent"
    );
    assert!(
        common::chain(&err).contains("no such host"),
        "{}",
        common::chain(&err)
    );

    let port = common::closed_port();
    let sms = connector(
        &format!("http://127.0.0.1:{port}"),
        json!({"maxAttempts": 1}),
    );
    let err = sms.send(&sign_in_message()).await.unwrap_err();
    assert_eq!(
        err.message(),
        format!("could not connect to 127.0.0.1:{port} (connection refused); nothing was sent")
    );
    assert!(err.is_retryable() && !err.outcome_unknown(), "{err}");
}

/// A test pins the nonce as it pins the time: the request sent is exactly the pure builder's.
#[tokio::test]
async fn a_pinned_clock_and_nonce_give_exactly_the_request_the_pure_builder_signs() {
    const NONCE: &str = "c1b2c332-4cfb-4a0f-b8cc-ebe622aa0a5c";
    let time = Utc.with_ymd_and_hms(2024, 5, 1, 8, 9, 10).unwrap();
    for version in ["v1", "v3"] {
        let server =
            common::server_answering(ResponseTemplate::new(200).set_body_string(ok_body("PINNED")))
                .await;
        let extra = json!({"signatureVersion": version});
        let sms = builder(&server.uri(), extra.clone())
            .clock(move || time)
            .nonce(|| NONCE.to_owned())
            .build()
            .unwrap();
        sms.send(&sign_in_message()).await.unwrap();
        let expected = build_send_request(
            &common::config(&server.uri(), extra),
            &sign_in_message(),
            time,
            NONCE,
        )
        .unwrap();
        let requests = received(&server).await;
        assert_eq!(requests.len(), 1, "{version}");
        let request = &requests[0];
        assert_eq!(
            std::str::from_utf8(&request.body).unwrap(),
            expected.body,
            "{version}"
        );
        match version {
            "v1" => {
                let params = form(&request.body);
                assert_eq!(param(&params, "SignatureNonce"), Some(NONCE));
                assert_eq!(param(&params, "Timestamp"), Some("2024-05-01T08:09:10Z"));
                assert_eq!(
                    param(&params, "Signature"),
                    Some(expected.signature.as_str())
                );
            }
            _ => {
                assert_eq!(header(request, "x-acs-signature-nonce"), Some(NONCE));
                assert_eq!(header(request, "x-acs-date"), Some("2024-05-01T08:09:10Z"));
                assert_eq!(
                    header(request, "authorization"),
                    expected.header("authorization")
                );
            }
        }
    }
}

/// Aliyun never redirects SendSms. The default client follows no redirect, and an answer that
/// is not 2xx is never a success, whatever its body says; a user's client that follows one
/// gives an answer that is not the endpoint's, which is refused too.
#[tokio::test]
async fn a_redirect_is_never_a_success() {
    let server = MockServer::start().await;
    let ok = ok_body("REDIRECTED");
    Mock::given(method("POST"))
        .and(path("/"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", "/elsewhere")
                .set_body_string(ok.clone()),
        )
        .mount(&server)
        .await;
    Mock::given(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200).set_body_string(ok))
        .mount(&server)
        .await;

    let sms = connector(&server.uri(), json!({}));
    let err = sms.send(&sign_in_message()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err}");
    assert_eq!(err.http_status(), Some(302));
    assert!(!err.outcome_unknown() && !err.is_retryable(), "{err}");
    assert_eq!(received(&server).await.len(), 1, "not followed");

    let following = builder(&server.uri(), json!({}))
        .http_client(reqwest::Client::new())
        .build()
        .unwrap();
    let err = following.send(&sign_in_message()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err}");
    assert!(
        err.message()
            .contains("answered with a redirect (to 127.0.0.1)"),
        "{err}"
    );
    assert!(!err.outcome_unknown() && !err.is_retryable(), "{err}");
    let requests = received(&server).await;
    assert_eq!(
        requests.len(),
        3,
        "the POST, then the client's GET of /elsewhere"
    );
    assert_eq!(requests[2].url.path(), "/elsewhere");
}
