//! Causes made visible: a DNS failure and a TLS failure named as such, in text and `--json`;
//! `-v` and `RUST_LOG` show the connector's log.

mod common;

use std::io::BufReader;
use std::sync::Arc;

use common::{aliyun_sms, stderr, stdout_json, temp_file};
use serde_json::json;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

fn config_for(name: &str, endpoint: &str) -> std::path::PathBuf {
    let config = json!({
        "accessKeyId": "LTAI5tExample",
        "accessKeySecret": "canary-secret-do-not-print",
        "signName": "Demo",
        "templates": [
            {"usageType": "Register", "templateCode": "SMS_1"},
            {"usageType": "SignIn", "templateCode": "SMS_2"},
            {"usageType": "ForgotPassword", "templateCode": "SMS_3"},
            {"usageType": "Generic", "templateCode": "SMS_4"}
        ],
        "endpoint": endpoint,
        "maxAttempts": 1
    });
    temp_file(name, &config.to_string())
}

/// The error's message and causes, lower case, from `--json`.
fn error_text(report: &serde_json::Value) -> String {
    let error = &report["error"];
    let mut text = error["message"].as_str().unwrap_or_default().to_owned();
    for cause in error["causes"].as_array().expect("causes") {
        text.push('\n');
        text.push_str(cause.as_str().unwrap());
    }
    text.to_lowercase()
}

/// The lookup must fail without a query leaving the machine. `RES_OPTIONS=attempts:0` tells
/// glibc's resolver (which `getaddrinfo`, and so the connector, uses) to try each name server
/// zero times: the lookup fails at once with "Temporary failure in name resolution" and no
/// packet is sent (checked with strace: no socket to port 53 is opened). The name is under
/// `.invalid` (RFC 6761), which no resolver may answer, should a resolver that ignores
/// `RES_OPTIONS` ever be in use. A label over 63 bytes would also fail locally, but rustls
/// refuses it as a server name before any lookup, which would test the wrong thing.
#[test]
fn a_dns_failure_is_named_as_such() {
    let config = config_for("dns.json", "https://dysmsapi.invalid");
    let output = aliyun_sms()
        .env("RES_OPTIONS", "attempts:0")
        .args(["--json", "send", "--to", "13800138000", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report = stdout_json(&output);
    assert_eq!(report["error"]["kind"], "transport");
    assert_eq!(report["error"]["outcomeUnknown"], false);
    let text = error_text(&report);
    assert!(text.contains("dns"), "the cause names DNS: {text}");
    assert!(text.contains("name resolution"), "{text}");

    let output = aliyun_sms()
        .env("RES_OPTIONS", "attempts:0")
        .args(["send", "--to", "13800138000", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let said = stderr(&output);
    assert!(said.to_lowercase().contains("  cause       dns"), "{said}");
    assert!(!said.contains("canary-secret"), "{said}");
}

/// A TLS server on loopback whose certificate (self-signed, made for this test only) no root
/// vouches for: the handshake fails, and the cause says it is the certificate.
#[test]
fn a_tls_failure_names_the_certificate_problem() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = acceptor();
    runtime.spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            // The client gives up on the certificate: the handshake error is expected.
            tokio::spawn(async move { acceptor.accept(stream).await.map(drop) });
        }
    });

    let config = config_for("tls.json", &format!("https://127.0.0.1:{port}"));
    let output = aliyun_sms()
        .args(["--json", "send", "--to", "13800138000", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report = stdout_json(&output);
    assert_eq!(report["error"]["kind"], "transport");
    let text = error_text(&report);
    assert!(
        text.contains("certificate"),
        "the cause names the certificate: {text}"
    );

    let output = aliyun_sms()
        .args(["send", "--to", "13800138000", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let said = stderr(&output);
    assert!(
        said.lines()
            .any(|l| l.starts_with("  cause") && l.contains("certificate")),
        "{said}"
    );
}

fn acceptor() -> TlsAcceptor {
    let cert = include_bytes!("common/untrusted-cert.pem");
    let key = include_bytes!("common/untrusted-key.pem");
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_reader_iter(&mut BufReader::new(&cert[..]))
            .collect::<Result<_, _>>()
            .expect("the test certificate parses");
    let key = PrivateKeyDer::from_pem_slice(key).expect("the test key parses");
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS 1.2 and 1.3")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("a usable certificate");
    TlsAcceptor::from(Arc::new(config))
}

#[test]
fn verbose_and_rust_log_show_the_connectors_log() {
    let quiet = aliyun_sms()
        .args(["send", "--to", "13800138000"])
        .output()
        .unwrap();
    assert!(quiet.status.success());
    assert!(!stderr(&quiet).contains("SendSms accepted"), "{quiet:?}");

    let verbose = aliyun_sms()
        .args(["-v", "send", "--to", "13800138000"])
        .output()
        .unwrap();
    assert!(verbose.status.success());
    let log = stderr(&verbose);
    assert!(
        log.contains("SendSms accepted") && log.contains("aliyun_sms.send"),
        "{log}"
    );

    let from_environment = aliyun_sms()
        .env("RUST_LOG", "aliyun_sms=info")
        .args(["send", "--to", "13800138000"])
        .output()
        .unwrap();
    assert!(
        stderr(&from_environment).contains("SendSms accepted"),
        "{from_environment:?}"
    );
    // The log goes to stderr: --json output stays one JSON document.
    let json = aliyun_sms()
        .args(["-v", "--json", "send", "--to", "13800138000"])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&json)["ok"], true);
}
