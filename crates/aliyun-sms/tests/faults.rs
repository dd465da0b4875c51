//! Faults injected by the emulator (loopback only), each against a fresh emulator and
//! connector: what the caller gets (error kind and flags), that the call returned within its
//! bound (`timeoutMs` + a margin for a loaded 2-core CI machine), that nothing panicked (each send
//! runs on its own task and a panic fails the test), how many requests the server saw (exactly
//! one wherever the outcome is unknown: never resent), and what was delivered.
//!
//! Then throttling for the next N requests: retried with backoff within `maxAttempts` and the
//! time budget, then surfaced as rate limited.

mod common;
#[path = "common/emulator.rs"]
mod emu;

use std::sync::Arc;
use std::time::Duration;

use aliyun_sms::AliyunSmsConnector;
use aliyun_sms_emulator::{Fault, Limits};
use connector_kit::{ErrorKind, SmsConnector, UsageType};
use emu::{code_message, send_on_task};
use serde_json::json;

/// `timeoutMs` of the connectors here (the smallest the config allows).
const TIMEOUT: Duration = Duration::from_millis(1000);
/// Slack for a loaded 2-core machine: a bound, never a speed claim.
const MARGIN: Duration = Duration::from_millis(1500);
const TEN_MIB: usize = 10 * 1024 * 1024;

/// What a fault must give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// A receipt.
    Receipt,
    /// An error of this kind, with these flags, naming this in its message.
    Error {
        kind: ErrorKind,
        outcome_unknown: bool,
        retryable: bool,
        says: &'static str,
        status: Option<u16>,
    },
}

struct Case {
    name: &'static str,
    faults: Vec<Fault>,
    expect: Expect,
    /// Requests the emulator saw for the one send.
    requests: u64,
    /// Messages in the inbox once the dust has settled.
    delivered: usize,
}

fn unknown(kind: ErrorKind, says: &'static str, status: Option<u16>) -> Expect {
    Expect::Error {
        kind,
        outcome_unknown: true,
        retryable: false,
        says,
        status,
    }
}

fn html(status: u16) -> Fault {
    Fault::respond(
        status,
        "text/html",
        format!(
            "<html><head><title>{status} Error</title></head><body><center><h1>{status}</h1></center><hr><center>Tengine</center></body></html>"
        ),
    )
}

fn cases() -> Vec<Case> {
    let ok_json = r#"{"RequestId":"F655A8D5-B967-440B-8683-DAD6FF8DE990","Code":"OK","Message":"OK","BizId":"900619746936498440^0"}"#;
    let mut huge_json = br#"{"Code":"OK","Message":""#.to_vec();
    huge_json.resize(TEN_MIB, b'x');
    huge_json.extend_from_slice(br#"","BizId":"1"}"#);
    vec![
        Case {
            name: "server delay beyond the timeout",
            faults: vec![Fault::Delay(TIMEOUT + Duration::from_millis(1500))],
            expect: unknown(ErrorKind::Timeout, "no answer from", None),
            requests: 1,
            // The emulator stops handling a request whose client hung up, so nothing is
            // delivered here (checked after the delay has run out); Aliyun may have sent it,
            // which is why a timeout is an unknown outcome and never resent.
            delivered: 0,
        },
        Case {
            name: "slow body (1 byte every 50 ms)",
            faults: vec![Fault::SlowBody {
                chunk: 1,
                interval: Duration::from_millis(50),
            }],
            // The status line had arrived: the error carries it.
            expect: unknown(ErrorKind::Timeout, "no answer from", Some(200)),
            requests: 1,
            delivered: 0,
        },
        Case {
            name: "connection closed before the answer",
            faults: vec![Fault::CloseConnection],
            expect: unknown(
                ErrorKind::OutcomeUnknown,
                "failed after the request was sent",
                None,
            ),
            requests: 1,
            delivered: 0,
        },
        Case {
            name: "HTTP 500 with HTML",
            faults: vec![html(500)],
            expect: unknown(ErrorKind::InvalidResponse, "not Aliyun's JSON", Some(500)),
            requests: 1,
            delivered: 0,
        },
        Case {
            name: "HTTP 502 with HTML",
            faults: vec![html(502)],
            expect: unknown(ErrorKind::InvalidResponse, "not Aliyun's JSON", Some(502)),
            requests: 1,
            delivered: 0,
        },
        Case {
            name: "HTTP 503 with HTML",
            faults: vec![html(503)],
            expect: unknown(ErrorKind::InvalidResponse, "not Aliyun's JSON", Some(503)),
            requests: 1,
            delivered: 0,
        },
        Case {
            name: "HTTP 503 with Aliyun's ServiceUnavailable",
            faults: vec![Fault::respond(
                503,
                "application/json",
                r#"{"RequestId":"R-503","Code":"ServiceUnavailable","Message":"The request has failed due to a temporary failure of the server."}"#,
            )],
            expect: unknown(
                ErrorKind::OutcomeUnknown,
                "Aliyun failed internally",
                Some(503),
            ),
            requests: 1,
            delivered: 0,
        },
        Case {
            name: "truncated JSON",
            faults: vec![Fault::TruncatedJson],
            expect: unknown(ErrorKind::InvalidResponse, "not Aliyun's JSON", Some(200)),
            requests: 1,
            delivered: 0,
        },
        Case {
            name: "malformed JSON",
            faults: vec![Fault::MalformedJson],
            expect: unknown(ErrorKind::InvalidResponse, "not Aliyun's JSON", Some(200)),
            requests: 1,
            delivered: 0,
        },
        Case {
            name: "a 10 MiB JSON body",
            faults: vec![Fault::respond(200, "application/json", huge_json)],
            expect: unknown(ErrorKind::InvalidResponse, "larger than 64 KiB", Some(200)),
            requests: 1,
            delivered: 0,
        },
        Case {
            name: "a 10 MiB HTML body with HTTP 502",
            faults: vec![Fault::respond(502, "text/html", vec![b'<'; TEN_MIB])],
            expect: unknown(ErrorKind::InvalidResponse, "larger than 64 KiB", Some(502)),
            requests: 1,
            delivered: 0,
        },
        Case {
            name: "wrong content type (XML) on HTTP 200",
            faults: vec![Fault::respond(
                200,
                "application/xml",
                "<?xml version='1.0' encoding='UTF-8'?><SendSmsResponse><Code>OK</Code></SendSmsResponse>",
            )],
            expect: unknown(ErrorKind::InvalidResponse, "not Aliyun's JSON", Some(200)),
            requests: 1,
            delivered: 0,
        },
        Case {
            name: "no content type, HTML on HTTP 200",
            faults: vec![Fault::respond(200, "", "<html>maintenance</html>")],
            expect: unknown(ErrorKind::InvalidResponse, "not Aliyun's JSON", Some(200)),
            requests: 1,
            delivered: 0,
        },
        Case {
            // The body decides, not the header: Aliyun's own JSON under a wrong content type
            // is read. (The emulator's fault answers without delivering, so the inbox is empty.)
            name: "wrong content type (text/html) on Aliyun's JSON",
            faults: vec![Fault::respond(200, "text/html", ok_json)],
            expect: Expect::Receipt,
            requests: 1,
            delivered: 0,
        },
        Case {
            name: "throttled once",
            faults: vec![Fault::Throttle],
            expect: Expect::Receipt,
            requests: 2,
            delivered: 1,
        },
    ]
}

fn connector_to(endpoint: &str, extra: serde_json::Value) -> Arc<AliyunSmsConnector> {
    let mut config = json!({"timeoutMs": TIMEOUT.as_millis() as u64, "maxAttempts": 3});
    for (key, value) in extra.as_object().unwrap() {
        config[key] = value.clone();
    }
    Arc::new(common::connector(endpoint, config))
}

#[tokio::test]
async fn every_fault_gives_a_typed_error_within_its_bound_and_is_never_resent() {
    for version in ["v1", "v3"] {
        for case in cases() {
            let what = format!("{version}, {}", case.name);
            let (emulator, _) = emu::emulator(Limits::off()).await;
            for fault in case.faults {
                emulator.inject(fault);
            }
            let sms = connector_to(&emulator.endpoint(), json!({"signatureVersion": version}));
            let message = code_message("+8613800138000", UsageType::SignIn, "4711");
            let outcome = send_on_task(sms, message).await;

            assert!(
                outcome.elapsed <= TIMEOUT + MARGIN,
                "{what}: returned after {:?}",
                outcome.elapsed
            );
            match (case.expect, &outcome.result) {
                (Expect::Receipt, Ok(receipt)) => {
                    assert!(receipt.message_id.is_some(), "{what}");
                }
                (
                    Expect::Error {
                        kind,
                        outcome_unknown,
                        retryable,
                        says,
                        status,
                    },
                    Err(err),
                ) => {
                    assert_eq!(err.kind(), kind, "{what}: {err}");
                    assert_eq!(err.outcome_unknown(), outcome_unknown, "{what}: {err}");
                    assert_eq!(err.is_retryable(), retryable, "{what}: {err}");
                    assert!(err.message().contains(says), "{what}: {err}");
                    assert_eq!(err.http_status(), status, "{what}: {err}");
                    assert!(err.message().len() < 1024, "{what}: a snippet at most");
                }
                (expected, got) => panic!("{what}: expected {expected:?}, got {got:?}"),
            }
            let seen = emulator.requests_seen();
            println!(
                "| {what} | {} | {} ms | {seen} |",
                match &outcome.result {
                    Ok(_) => "receipt".to_owned(),
                    Err(e) => format!(
                        "`{}` (outcome_unknown={}, retryable={})",
                        e.kind(),
                        e.outcome_unknown(),
                        e.is_retryable()
                    ),
                },
                outcome.elapsed.as_millis(),
            );
            assert_eq!(seen, case.requests, "{what}: requests seen");
            if outcome.result.as_ref().is_err_and(|e| e.outcome_unknown()) {
                assert_eq!(seen, 1, "{what}: an unknown outcome is never resent");
            }
            if case.name.starts_with("server delay") {
                // Nothing turns up late either.
                tokio::time::sleep(Duration::from_millis(1500)).await;
            }
            assert_eq!(emulator.inbox().len(), case.delivered, "{what}: delivered");
            emulator.shutdown().await;
        }
    }
}

#[tokio::test]
async fn a_refused_connection_is_retried_within_the_bound_and_nothing_is_sent() {
    let endpoint = format!("http://127.0.0.1:{}", common::closed_port());
    let json = common::config_json(&endpoint, json!({"timeoutMs": 1000, "maxAttempts": 3}));
    // The default backoff: three attempts take at least the two shortest pauses.
    let sms = Arc::new(AliyunSmsConnector::from_json(&json).unwrap());
    let backoff = aliyun_sms::Backoff::default();
    let least_pause = backoff.delay(1, 0.0) + backoff.delay(2, 0.0);
    let outcome = send_on_task(
        sms,
        code_message("+8613800138000", UsageType::SignIn, "4711"),
    )
    .await;
    assert!(outcome.elapsed <= TIMEOUT + MARGIN, "{:?}", outcome.elapsed);
    assert!(
        outcome.elapsed >= least_pause,
        "retried with backoff: {:?}",
        outcome.elapsed
    );
    let err = outcome.result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(err.is_retryable() && !err.outcome_unknown(), "{err}");
    assert!(err.message().contains("nothing was sent"), "{err}");
    assert_eq!(err.http_status(), None);
}

/// Default backoff (100 ms doubling, jittered in the upper half of each step).
fn default_backoff_connector(
    emulator: &aliyun_sms_emulator::Emulator,
    timeout_ms: u64,
    max_attempts: u32,
) -> Arc<AliyunSmsConnector> {
    let json = emu::config_json(
        emulator,
        json!({"timeoutMs": timeout_ms, "maxAttempts": max_attempts}),
    );
    Arc::new(AliyunSmsConnector::from_json(&json).unwrap())
}

#[tokio::test]
async fn throttling_for_the_next_n_requests_is_retried_with_backoff_then_surfaces() {
    let backoff = aliyun_sms::Backoff::default();
    // The shortest the pauses before retries 1..=3 can be.
    let least_pause: Duration = (1..=3).map(|retry| backoff.delay(retry, 0.0)).sum();
    let message = || code_message("+8613800138000", UsageType::SignIn, "4711");

    // Three throttled requests, four attempts: the fourth goes through.
    let (emulator, _) = emu::emulator(Limits::off()).await;
    emulator.inject_times(Fault::Throttle, 3);
    let sms = default_backoff_connector(&emulator, 5000, 4);
    let outcome = send_on_task(sms, message()).await;
    println!(
        "throttled 3 times, maxAttempts 4: {:?} after {} ms, {} requests",
        outcome.result.as_ref().map(|_| "receipt"),
        outcome.elapsed.as_millis(),
        emulator.requests_seen()
    );
    let receipt = outcome.result.expect("the fourth attempt succeeds");
    assert_eq!(emulator.requests_seen(), 4);
    assert_eq!(emulator.inbox().len(), 1);
    assert_eq!(
        emulator.inbox()[0].biz_id,
        receipt.message_id.unwrap(),
        "delivered once"
    );
    assert!(
        outcome.elapsed >= least_pause,
        "backoff: {:?} < {least_pause:?}",
        outcome.elapsed
    );
    assert!(outcome.elapsed <= Duration::from_millis(5000) + MARGIN);

    // Throttled on every attempt: rate limited, retryable, nothing delivered.
    let (emulator, _) = emu::emulator(Limits::off()).await;
    emulator.inject_times(Fault::Throttle, 4);
    let sms = default_backoff_connector(&emulator, 5000, 4);
    let outcome = send_on_task(sms, message()).await;
    println!(
        "throttled 4 times, maxAttempts 4: {} after {} ms, {} requests",
        outcome
            .result
            .as_ref()
            .map_or_else(|e| e.kind().as_str(), |_| "receipt"),
        outcome.elapsed.as_millis(),
        emulator.requests_seen()
    );
    let err = outcome.result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert_eq!(err.provider_code(), Some("Throttling.User"));
    assert_eq!(err.http_status(), Some(400));
    assert!(err.is_retryable() && !err.outcome_unknown());
    assert!(err.request_id().is_some());
    assert_eq!(emulator.requests_seen(), 4, "exactly maxAttempts");
    assert!(emulator.inbox().is_empty());
    assert!(outcome.elapsed >= least_pause, "{:?}", outcome.elapsed);
    assert!(outcome.elapsed <= Duration::from_millis(5000) + MARGIN);

    // More attempts allowed than the time budget holds: it stops in time, before maxAttempts.
    let (emulator, _) = emu::emulator(Limits::off()).await;
    emulator.inject_times(Fault::Throttle, 10);
    let sms = default_backoff_connector(&emulator, 1000, 10);
    let outcome = send_on_task(sms, message()).await;
    println!(
        "throttled 10 times, maxAttempts 10, timeoutMs 1000: {} after {} ms, {} requests",
        outcome
            .result
            .as_ref()
            .map_or_else(|e| e.kind().as_str(), |_| "receipt"),
        outcome.elapsed.as_millis(),
        emulator.requests_seen()
    );
    let err = outcome.result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    let seen = emulator.requests_seen();
    assert!((2..10).contains(&seen), "{seen} attempts in 1 s");
    assert!(outcome.elapsed <= TIMEOUT + MARGIN, "{:?}", outcome.elapsed);
    assert!(emulator.inbox().is_empty());
}

#[tokio::test]
async fn a_fault_on_one_send_does_not_touch_the_next() {
    // The pooled connection a fault closed is not reused; the next send goes through.
    let (emulator, _) = emu::emulator(Limits::off()).await;
    let sms = connector_to(&emulator.endpoint(), json!({}));
    for fault in [
        Fault::CloseConnection,
        Fault::TruncatedJson,
        Fault::SlowBody {
            chunk: 1,
            interval: Duration::from_millis(50),
        },
        html(502),
    ] {
        emulator.inject(fault.clone());
        let failed = send_on_task(
            sms.clone(),
            code_message("+8613800138000", UsageType::SignIn, "1111"),
        )
        .await;
        assert!(failed.result.is_err(), "{fault:?}");
        let next = send_on_task(
            sms.clone(),
            code_message("+8613900139000", UsageType::SignIn, "2222"),
        )
        .await;
        assert!(next.result.is_ok(), "after {fault:?}: {:?}", next.result);
    }
    assert_eq!(emulator.requests_seen(), 8);
    assert_eq!(emulator.inbox().len(), 4);
}

/// Not an emulator fault: the headers promise a longer body than comes before the connection
/// closes. After a 2xx (or 5xx) that is an unknown outcome; after a 4xx, a refusal.
#[tokio::test]
async fn an_answer_cut_off_mid_body_is_an_unknown_outcome_unless_refused() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    for (status, kind, unknown) in [
        (200, ErrorKind::OutcomeUnknown, true),
        (503, ErrorKind::OutcomeUnknown, true),
        (400, ErrorKind::InvalidResponse, false),
    ] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        let server = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let mut buffer = vec![0u8; 16 * 1024];
                let _ = socket.read(&mut buffer).await;
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{\"Code\":\"OK\""
                );
                let _ = socket.write_all(head.as_bytes()).await;
                // Hang up 87 bytes short.
            }
        });
        let sms = connector_to(&format!("http://127.0.0.1:{port}"), json!({}));
        let outcome = send_on_task(
            sms,
            code_message("+8613800138000", UsageType::SignIn, "4711"),
        )
        .await;
        server.abort();
        assert!(outcome.elapsed <= TIMEOUT + MARGIN, "{:?}", outcome.elapsed);
        let err = outcome.result.unwrap_err();
        assert_eq!(err.kind(), kind, "{status}: {err}");
        assert_eq!(err.outcome_unknown(), unknown, "{status}: {err}");
        assert!(!err.is_retryable(), "{status}: {err}");
        assert!(err.message().contains("cut off"), "{status}: {err}");
        assert_eq!(err.http_status(), Some(status));
        assert_eq!(accepted.load(Ordering::SeqCst), 1, "{status}: sent once");
    }
}

/// A hostile server that answers with an endless stream of `HTTP/1.1 100 Continue` heads: the
/// send ends with a timeout (an unknown outcome: the request was sent) within `timeoutMs` plus
/// the margin, on a runtime whose other tasks keep running meanwhile, and long before a
/// caller's own 3 s timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_stream_of_100_continue_ends_in_a_timeout_and_the_runtime_stays_responsive() {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicBool, Ordering};

    // The server runs on a thread of its own, so it does not share the runtime under test.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let flooding = Arc::new(AtomicBool::new(false));
    let flag = flooding.clone();
    let server = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut request = [0u8; 16 * 1024];
        let _ = socket.read(&mut request);
        flag.store(true, Ordering::SeqCst);
        let heads = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(512);
        let started = std::time::Instant::now();
        // Until the client hangs up (bounded, whatever happens).
        while started.elapsed() < Duration::from_secs(30) {
            if socket.write_all(&heads).is_err() {
                break;
            }
        }
    });

    // A ticker on the same runtime: the longest gap between its ticks shows whether the
    // runtime stayed responsive during the send.
    let longest_gap = Arc::new(std::sync::Mutex::new(Duration::ZERO));
    let gap = longest_gap.clone();
    let ticker = tokio::spawn(async move {
        let mut last = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let now = tokio::time::Instant::now();
            let mut longest = gap.lock().unwrap();
            *longest = (*longest).max(now - last);
            last = now;
        }
    });

    let sms = connector_to(&format!("http://127.0.0.1:{port}"), json!({}));
    let message = code_message("+8613800138000", UsageType::SignIn, "4711");
    let started = std::time::Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(3), sms.send(&message)).await;
    let elapsed = started.elapsed();
    ticker.abort();
    drop(sms);
    server.join().unwrap();

    println!(
        "100 Continue flood: {:?} after {elapsed:?}, longest runtime gap {:?}",
        result.as_ref().map(|r| r.as_ref().map_err(|e| e.kind())),
        longest_gap.lock().unwrap()
    );
    assert!(flooding.load(Ordering::SeqCst), "the flood ran");
    let err = result
        .expect("the send ended before the caller's own 3 s timeout")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.outcome_unknown() && !err.is_retryable(), "{err}");
    assert!(elapsed >= TIMEOUT, "{elapsed:?}");
    assert!(elapsed <= TIMEOUT + MARGIN, "{elapsed:?}");
    let gap = *longest_gap.lock().unwrap();
    assert!(
        gap < Duration::from_millis(500),
        "the runtime stalled for {gap:?}"
    );
}
