//! Secrets on the paths the emulator drives (`secrets.rs` covers the wiremock ones): a canary
//! AccessKey secret and STS token go through success, a wrong secret (`SignatureDoesNotMatch`,
//! whose message quotes the server's string-to-sign, and for V3 its canonical request, both
//! holding the token), a token mismatch, an unknown key, throttling, the number limit,
//! refusals, every fault, an answer echoing the secrets back, a refused connection and a TLS
//! server the client must not trust. Every `Debug`, `Display` and error source chain, and all
//! `tracing` output of this test binary at TRACE level (one global subscriber), is searched
//! for the canaries.
//!
//! Also: `https` off loopback and certificate verification, and 1,000,000 nonces without a
//! duplicate.

mod common;
#[path = "common/emulator.rs"]
mod emu;
#[path = "common/tls.rs"]
mod tls;

use std::collections::HashSet;
use std::error::Error;
use std::sync::OnceLock;
use std::time::Duration;

use aliyun_sign::encode::percent_encode;
use aliyun_sms::AliyunSmsConnector;
use aliyun_sms_emulator::{Emulator, Fault, Limits, ManualClock, start};
use common::Capture;
use connector_kit::{ConnectorError, ErrorKind, SmsConnector, UsageType};
use serde_json::{Value, json};

const SECRET: &str = "CanarySecret/9f8e+7d6c==";
const TOKEN: &str = "CanaryToken+5a4b/3c2d==";
/// Any text holding a canary in any encoding holds one of these.
const NEEDLES: [&str; 2] = ["CanarySecret", "CanaryToken"];

/// Everything logged by this test binary, at TRACE level, every crate.
fn log() -> &'static Capture {
    static LOG: OnceLock<Capture> = OnceLock::new();
    LOG.get_or_init(|| {
        let capture = Capture::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(capture.clone())
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        capture
    })
}

fn assert_clean(what: &str, text: &str) {
    for needle in NEEDLES {
        assert!(!text.contains(needle), "{needle} leaked in {what}:\n{text}");
    }
}

/// Display, Debug (plain and pretty) of an error and of each error in its source chain.
fn assert_error_clean(what: &str, error: &ConnectorError) {
    let mut current: Option<&(dyn Error + 'static)> = Some(error);
    let mut depth = 0;
    while let Some(e) = current {
        assert_clean(what, &format!("{e}\n{e:?}\n{e:#?}"));
        current = e.source();
        depth += 1;
        assert!(depth < 32, "{what}: a source chain that does not end");
    }
}

fn canary_connector(endpoint: &str, extra: Value) -> AliyunSmsConnector {
    let mut config = json!({
        "accessKeySecret": SECRET,
        "securityToken": TOKEN,
        "templates": emu::all_templates(),
        "timeoutMs": 1000,
        "maxAttempts": 2,
    });
    for (key, value) in extra.as_object().unwrap() {
        config[key] = value.clone();
    }
    let json = common::config_json(endpoint, config);
    let config = aliyun_sms::AliyunSmsConfig::from_json_with_env(&json, |_| None).unwrap();
    assert_clean("config Debug", &format!("{config:?} {config:#?}"));
    let sms = AliyunSmsConnector::builder(config)
        .backoff(common::fast_backoff())
        .build()
        .unwrap();
    assert_clean(
        "connector Debug",
        &format!("{sms:?} {sms:#?} {:?}", sms.request_builder()),
    );
    sms
}

/// An emulator whose account has `secret` and `token` (and `common::ID`).
async fn emulator_with(secret: &str, token: Option<&str>, limits: Limits) -> Emulator {
    let clock = ManualClock::new(chrono::Utc::now());
    start(emu::account(secret, token, limits, &clock))
        .await
        .unwrap()
}

/// Sends one code; checks the receipt or the error (and its chain) for canaries.
async fn send_clean(sms: &AliyunSmsConnector, what: &str) -> Result<(), ConnectorError> {
    let message = emu::code_message("+8613800138000", UsageType::SignIn, "9182");
    match sms.send(&message).await {
        Ok(receipt) => {
            assert_clean(what, &format!("{receipt:?}"));
            Ok(())
        }
        Err(error) => {
            assert_error_clean(what, &error);
            Err(error)
        }
    }
}

/// A body that repeats both canaries as they are, and as a form body and a V1
/// string-to-sign encode them.
fn echo_text() -> String {
    let mut text = String::from("you sent");
    for canary in [SECRET, TOKEN] {
        let once = percent_encode(canary);
        let twice = percent_encode(&once);
        text.push_str(&format!(" {canary} {once} {twice}"));
    }
    text
}

#[tokio::test]
async fn no_emulator_path_shows_the_secret_or_the_token() {
    let log = log();
    for version in ["v1", "v3"] {
        let extra = || json!({"signatureVersion": version});

        // Success.
        let emulator = emulator_with(SECRET, Some(TOKEN), Limits::off()).await;
        let sms = canary_connector(&emulator.endpoint(), extra());
        send_clean(&sms, "success").await.unwrap();
        assert_eq!(emulator.inbox().len(), 1);

        // The Aliyun answers: (what, emulator secret, emulator token, config changes, code).
        let refusals = [
            (
                "wrong secret",
                "AnotherSecret",
                Some(TOKEN),
                json!({}),
                "SignatureDoesNotMatch",
            ),
            (
                "another STS token",
                SECRET,
                Some("another-token"),
                json!({}),
                "InvalidSecurityToken.MismatchWithAccessKey",
            ),
            (
                "a token where none is expected",
                SECRET,
                None,
                json!({}),
                "InvalidSecurityToken.MismatchWithAccessKey",
            ),
            (
                "unknown AccessKey ID",
                SECRET,
                Some(TOKEN),
                json!({"accessKeyId": "LTAI5tUnknown"}),
                "InvalidAccessKeyId.NotFound",
            ),
            (
                "sign name not approved",
                SECRET,
                Some(TOKEN),
                json!({"signName": "Unapproved"}),
                "isv.SMS_SIGNATURE_ILLEGAL",
            ),
        ];
        for (what, secret, token, mut changes, code) in refusals {
            changes["signatureVersion"] = json!(version);
            let emulator = emulator_with(secret, token, Limits::off()).await;
            let sms = canary_connector(&emulator.endpoint(), changes);
            let err = send_clean(&sms, what).await.unwrap_err();
            assert_eq!(err.provider_code(), Some(code), "{version} {what}: {err}");
            if code == "SignatureDoesNotMatch" {
                assert!(
                    err.message().contains("the AccessKey secret is wrong"),
                    "{version}: {err}"
                );
            }
        }

        // Throttled on every attempt; then the per-number limit.
        let emulator = emulator_with(SECRET, Some(TOKEN), Limits::default()).await;
        emulator.inject_times(Fault::Throttle, 2);
        let sms = canary_connector(&emulator.endpoint(), extra());
        let err = send_clean(&sms, "throttled").await.unwrap_err();
        assert_eq!(err.provider_code(), Some("Throttling.User"));
        send_clean(&sms, "first code").await.unwrap();
        let err = send_clean(&sms, "number limit").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::RateLimited);

        // Every fault, and answers that echo the secrets back.
        let faults = [
            Fault::CloseConnection,
            Fault::respond(502, "text/html", "<html>502 Bad Gateway</html>"),
            Fault::MalformedJson,
            Fault::TruncatedJson,
            Fault::SlowBody {
                chunk: 1,
                interval: Duration::from_millis(100),
            },
            Fault::Delay(Duration::from_millis(1500)),
            Fault::respond(200, "application/json", vec![b'x'; 10 * 1024 * 1024]),
            Fault::respond(
                400,
                "application/json",
                json!({"Code": "isv.INVALID_PARAMETERS", "Message": echo_text(), "RequestId": "R-ECHO"})
                    .to_string(),
            ),
            Fault::respond(502, "text/html", format!("<html>{}</html>", echo_text())),
            Fault::respond(200, "text/plain", echo_text()),
        ];
        for fault in faults {
            let what = format!("{version} {fault:?}")
                .chars()
                .take(120)
                .collect::<String>();
            let emulator = emulator_with(SECRET, Some(TOKEN), Limits::off()).await;
            emulator.inject(fault);
            let sms = canary_connector(&emulator.endpoint(), extra());
            let err = send_clean(&sms, &what).await.unwrap_err();
            if what.contains("you sent") {
                assert!(err.message().contains("** redacted **"), "{what}: {err}");
            }
            emulator.shutdown().await;
        }

        // Nobody listening.
        let endpoint = format!("http://127.0.0.1:{}", common::closed_port());
        let sms = canary_connector(&endpoint, extra());
        let err = send_clean(&sms, "refused").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Transport);
    }

    let text = log.text();
    assert_clean("the log", &text);
    // The log has what an operator needs: the span with usage type and endpoint, and events
    // with status, Aliyun's code and request id.
    for expected in [
        "aliyun_sms.send",
        "usage=SignIn",
        "host=127.0.0.1:",
        "SendSms accepted",
        "SendSms attempt failed",
        "status=400",
        "status=403",
        "code=\"SignatureDoesNotMatch\"",
        "code=\"InvalidSecurityToken.MismatchWithAccessKey\"",
        "code=\"Throttling.User\"",
        "code=\"isv.BUSINESS_LIMIT_CONTROL\"",
        "request_id=\"",
        "kind=timeout",
        "kind=transport",
    ] {
        assert!(text.contains(expected), "the log lacks {expected}:\n{text}");
    }
}

/// The same wrong secret with the canary as the secret and no STS token: the answer quotes the
/// server's string-to-sign, and for V3 its canonical request.
#[tokio::test]
async fn a_signature_mismatch_without_a_token_shows_no_secret() {
    let _ = log();
    for version in ["v1", "v3"] {
        let emulator = emulator_with("AnotherSecret", None, Limits::off()).await;
        let json = common::config_json(
            &emulator.endpoint(),
            json!({"accessKeySecret": SECRET, "templates": emu::all_templates(), "signatureVersion": version}),
        );
        let sms = AliyunSmsConnector::from_json(&json).unwrap();
        let err = send_clean(&sms, "mismatch without token")
            .await
            .unwrap_err();
        assert_eq!(err.field(), Some("accessKeySecret"));
    }
    assert_clean("the log", &log().text());
}

#[tokio::test]
async fn https_is_required_off_loopback_and_certificates_are_verified() {
    let _ = log();
    // Plain http only to a loopback host, checked when the config is loaded.
    for endpoint in [
        "http://dysmsapi.aliyuncs.com",
        "http://10.0.0.1:8080",
        "http://localhost.example.com",
        "http://[::ffff:10.0.0.1]",
    ] {
        let json = common::config_json(endpoint, json!({"accessKeySecret": SECRET}));
        let err = AliyunSmsConnector::from_json(&json).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{endpoint}");
        assert_eq!(err.field(), Some("endpoint"), "{endpoint}");
        assert!(
            err.message().contains("must use https"),
            "{endpoint}: {err}"
        );
        assert_error_clean(endpoint, &err);
    }

    // A TLS server on loopback with a certificate nobody vouches for: refused before a single
    // byte of the request is written, so it is retried, and never an unknown outcome.
    let (port, seen, server) = tls::start().await;
    let endpoint = format!("https://127.0.0.1:{port}");
    let sms = canary_connector(&endpoint, json!({"maxAttempts": 2}));
    let err = send_clean(&sms, "self-signed certificate")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(err.message().contains("nothing was sent"), "{err}");
    assert!(err.is_retryable() && !err.outcome_unknown());
    let mut chain = String::new();
    let mut source = err.source();
    while let Some(e) = source {
        chain.push_str(&format!("{e}\n"));
        source = e.source();
    }
    assert!(
        chain.to_lowercase().contains("certificate"),
        "the cause is the certificate: {chain}"
    );
    let (connections, handshakes, requests) = seen.get();
    assert_eq!(connections, 2, "one connection an attempt");
    assert_eq!((handshakes, requests), (0, 0), "no handshake completed");

    // The control: a client that trusts this certificate gets through to the same server.
    let answer = tls::trusting_client()
        .post(format!("{endpoint}/"))
        .body("Action=SendSms")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(seen.get().2, 1);
    server.abort();

    // No code path turns verification off: the HTTP client is built (here and in
    // connector-http) without any `danger_accept_invalid_*` or custom verifier, and with the
    // built-in roots.
    let sources = [
        concat!(env!("CARGO_MANIFEST_DIR"), "/src"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../connector-http/src"),
    ];
    let files = sources
        .into_iter()
        .flat_map(|dir| std::fs::read_dir(dir).unwrap())
        .map(|entry| entry.unwrap().path())
        .collect::<Vec<_>>();
    assert!(files.iter().any(|p| p.ends_with("client.rs")), "{files:?}");
    for path in files {
        let code = std::fs::read_to_string(&path).unwrap();
        for forbidden in [
            "danger_accept_invalid",
            "tls_built_in_root_certs(false)",
            "dangerous()",
            "ServerCertVerifier",
            "use_preconfigured_tls",
        ] {
            assert!(
                !code.contains(forbidden),
                "{} contains {forbidden}",
                path.display()
            );
        }
    }
}

/// The nonce of every attempt is `uuid::Uuid::new_v4()` (in `connector.rs`, not a public
/// function): with uuid's `fast-rng` feature, each UUID's 122 random bits come from `rand`'s
/// thread-local ChaCha generator, seeded and reseeded from the OS (a system call per send
/// saved, and still unpredictable).
#[test]
fn a_million_nonces_have_no_duplicate() {
    let connector = include_str!("../src/connector.rs");
    assert!(
        connector.contains("uuid::Uuid::new_v4()"),
        "the nonce source changed: update this test"
    );
    const COUNT: usize = 1_000_000;
    let mut seen: HashSet<u128> = HashSet::with_capacity(COUNT);
    for _ in 0..COUNT {
        let nonce = uuid::Uuid::new_v4();
        assert_eq!(nonce.get_version_num(), 4);
        assert_eq!(nonce.get_variant(), uuid::Variant::RFC4122);
        assert!(seen.insert(nonce.as_u128()), "duplicate nonce {nonce}");
    }
    assert_eq!(seen.len(), COUNT);
}
