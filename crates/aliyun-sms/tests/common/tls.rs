//! A TLS server on 127.0.0.1 with a self-signed certificate (for `127.0.0.1` and `localhost`,
//! valid 2000–2099), to show that the connector verifies certificates. Include with
//! `#[path = "common/tls.rs"] mod tls;`.
//!
//! The key below opens nothing: it was made for these tests only (P-256, self-signed, no CA).
#![allow(dead_code, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub const CERT_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBmzCCAUKgAwIBAgIUQ7q0Fxz1wkhLjL0oLLY3/h7RGmowCgYIKoZIzj0EAwIw
NjE0MDIGA1UEAwwrYWxpeXVuLXNtcyB0ZXN0OiBzZWxmLXNpZ25lZCwgbG9vcGJh
Y2sgb25seTAgFw0wMDAxMDEwMDAwMDBaGA8yMDk5MTIzMTAwMDAwMFowNjE0MDIG
A1UEAwwrYWxpeXVuLXNtcyB0ZXN0OiBzZWxmLXNpZ25lZCwgbG9vcGJhY2sgb25s
eTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABLG6vwTTmhEj57HJzfZRe12WtMlX
kTUnaqV7G3H2JvwFbtrFVlHHIyJwosjrYHiOpZql/kSUkd4JuSeXgO4p4NejLDAq
MBoGA1UdEQQTMBGHBH8AAAGCCWxvY2FsaG9zdDAMBgNVHRMBAf8EAjAAMAoGCCqG
SM49BAMCA0cAMEQCIHsAqWMskz+OGdIUNHV2aizPofgok72PawL0hy15A5uXAiBI
EZAvpg7eXyyosEkVcOPC1amaCHaLkvrlIxr/UL23vw==
-----END CERTIFICATE-----
";

const KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgqVGQwebMsF69SYYM
lkCOVB+JOClf4A6PFOetuyvCIkGhRANCAASxur8E05oRI+exyc32UXtdlrTJV5E1
J2qlextx9ib8BW7axVZRxyMicKLI62B4jqWapf5ElJHeCbknl4DuKeDX
-----END PRIVATE KEY-----
";

/// What the server saw.
#[derive(Default)]
pub struct Seen {
    /// TCP connections accepted.
    pub connections: AtomicUsize,
    /// TLS handshakes completed.
    pub handshakes: AtomicUsize,
    /// HTTP requests read after a handshake.
    pub requests: AtomicUsize,
}

impl Seen {
    pub fn get(&self) -> (usize, usize, usize) {
        (
            self.connections.load(Ordering::SeqCst),
            self.handshakes.load(Ordering::SeqCst),
            self.requests.load(Ordering::SeqCst),
        )
    }
}

/// Starts the server; it answers every request with Aliyun's `OK` (so a client that trusted
/// the certificate would succeed). Returns its port and what it saw.
pub async fn start() -> (u16, Arc<Seen>, tokio::task::JoinHandle<()>) {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(CERT_PEM.as_bytes())
        .collect::<Result<_, _>>()
        .expect("the test certificate parses");
    let key = PrivateKeyDer::from_pem_slice(KEY_PEM.as_bytes()).expect("the test key parses");
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS 1.2 and 1.3")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("a usable certificate");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Seen::default());
    let counters = seen.clone();
    let server = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counters.connections.fetch_add(1, Ordering::SeqCst);
            let (acceptor, counters) = (acceptor.clone(), counters.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                counters.handshakes.fetch_add(1, Ordering::SeqCst);
                let mut buffer = vec![0u8; 64 * 1024];
                match tls.read(&mut buffer).await {
                    Ok(n) if n > 0 => {}
                    _ => return,
                }
                counters.requests.fetch_add(1, Ordering::SeqCst);
                let body = r#"{"Code":"OK","Message":"OK","BizId":"TLS-1","RequestId":"TLS-REQ"}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, seen, server)
}
