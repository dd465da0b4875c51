//! A TLS server on 127.0.0.1 whose certificate (for `127.0.0.1`, `localhost` and
//! `sms.example.test`, valid 2000–2099) is signed by a test CA that no system trusts: to show
//! that the connector verifies certificates, and that a client (or a system store) trusting
//! the CA gets through. Include with `#[path = "common/tls.rs"] mod tls;`.
//!
//! The keys open nothing: they were made for these tests only (P-256; the CA's key was
//! discarded).
#![allow(dead_code, missing_docs)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The test CA: `CA:TRUE`, self-signed.
pub const CA_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBkDCCATWgAwIBAgICEAAwCgYIKoZIzj0EAwIwLDEqMCgGA1UEAwwhYWxpeXVu
LXNtcyB0ZXN0IENBOiBsb29wYmFjayBvbmx5MCAXDTAwMDEwMTAwMDAwMFoYDzIw
OTkxMjMxMDAwMDAwWjAsMSowKAYDVQQDDCFhbGl5dW4tc21zIHRlc3QgQ0E6IGxv
b3BiYWNrIG9ubHkwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATcFbhPtw//g+pz
Cc45aRQNCpypOlBXv4LJ6nsYQIl9Ah9Bvin5km4XZLn18Vo5TAPikASXBU14x1ks
CWrT727ho0UwQzASBgNVHRMBAf8ECDAGAQH/AgEAMA4GA1UdDwEB/wQEAwIBBjAd
BgNVHQ4EFgQUsWB1e0VTFFJ7IH+qnqNPwByx/uwwCgYIKoZIzj0EAwIDSQAwRgIh
AJjcm7nVT9p3LYbwkgsl9q9e/zLC3lu8HxvdFrDlimYVAiEAmvScYhAUjY114nm6
SBm+E7P7JG1r97CWSHl8dGdSW/w=
-----END CERTIFICATE-----
";

/// The server's certificate, signed by [`CA_PEM`].
const SERVER_CERT_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIB9DCCAZmgAwIBAgICEAEwCgYIKoZIzj0EAwIwLDEqMCgGA1UEAwwhYWxpeXVu
LXNtcyB0ZXN0IENBOiBsb29wYmFjayBvbmx5MCAXDTAwMDEwMTAwMDAwMFoYDzIw
OTkxMjMxMDAwMDAwWjAwMS4wLAYDVQQDDCVhbGl5dW4tc21zIHRlc3Qgc2VydmVy
OiBsb29wYmFjayBvbmx5MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEICzKKSgg
x7pPChfWVswIZkN2sOJxdh8IdxJuW0Qryj1XY2kh/HNgRX2Oi5kpSNX8tOvwrJkp
/Ya5kDOllKsmFqOBpDCBoTAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDAT
BgNVHSUEDDAKBggrBgEFBQcDATAsBgNVHREEJTAjhwR/AAABgglsb2NhbGhvc3SC
EHNtcy5leGFtcGxlLnRlc3QwHwYDVR0jBBgwFoAUsWB1e0VTFFJ7IH+qnqNPwByx
/uwwHQYDVR0OBBYEFMLreYwhvP6tPksbzbGGEsUDFwDzMAoGCCqGSM49BAMCA0kA
MEYCIQCbDyrfgP+w6EXvQrc0ytLVFtjhNxDTw0EybSgPBhYY4wIhAKhfZkSqZBV3
1873/gSaswPbxfkAy/nbtSbrDHY1faQF
-----END CERTIFICATE-----
";

const KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg6YdLa0SBFQZ+tgHn
VfUbhebNWf3jI/MO68Zm1TPlE96hRANCAAQgLMopKCDHuk8KF9ZWzAhmQ3aw4nF2
Hwh3Em5bRCvKPVdjaSH8c2BFfY6LmSlI1fy06/CsmSn9hrmQM6WUqyYW
-----END PRIVATE KEY-----
";

/// A TLS acceptor presenting the server certificate, offering `alpn` (e.g. `h2`).
pub fn acceptor(alpn: &[&[u8]]) -> TlsAcceptor {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(SERVER_CERT_PEM.as_bytes())
            .collect::<Result<_, _>>()
            .expect("the test certificate parses");
    let key = PrivateKeyDer::from_pem_slice(KEY_PEM.as_bytes()).expect("the test key parses");
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS 1.2 and 1.3")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("a usable certificate");
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    TlsAcceptor::from(Arc::new(config))
}

/// The test CA in a PEM file (for `SSL_CERT_FILE`: the system store of a child process), in
/// Cargo's scratch directory for tests, so that runs leave nothing in the system's `/tmp`.
pub fn ca_file() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("aliyun-sms-test-ca-{}.pem", std::process::id()));
    std::fs::write(&path, CA_PEM).expect("a temporary file");
    path
}

/// A `reqwest::Client` that trusts the test CA (and the usual roots).
pub fn trusting_client() -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(CA_PEM.as_bytes()).unwrap())
        .build()
        .unwrap()
}

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
    let acceptor = acceptor(&[]);
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
