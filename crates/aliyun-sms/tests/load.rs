//! Load through one connector to the emulator (limits off), loopback only: every call returns
//! a receipt or a typed error, the emulator's inbox holds exactly the successes (same BizIds,
//! numbers and codes), no BizId or request id twice, no nonce refused as reused, and the peak
//! memory of the process stays bounded. Then the same with 1 % injected faults: successes +
//! typed failures = sends, every fault fails exactly one send, and the inbox still equals the
//! successes.
//!
//! 1,000-send runs are part of `cargo test`; the 10,000-send runs are `#[ignore]`d:
//!
//! ```sh
//! cargo test -p aliyun-sms --test load -- --ignored --nocapture
//! cargo test --release -p aliyun-sms --test load -- --include-ignored --nocapture
//! ```
//!
//! Each run prints one `load:` line with its figures (see docs/reliability.md).

mod common;
#[path = "common/emulator.rs"]
mod emu;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aliyun_sms::AliyunSmsConnector;
use aliyun_sms_emulator::{Fault, Limits, ManualClock, start};
use connector_kit::{ConnectorError, ErrorKind, Receipt, SmsConnector, SmsMessage, UsageType};
use serde_json::json;

/// One run at a time in this process, so that each one's peak memory is its own.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `timeoutMs` under load.
const TIMEOUT_MS: u64 = 5_000;
/// Peak resident memory allowed for a 1,000-send run (debug build, emulator included): a
/// generous bound that a leak or an unbounded buffer would still break.
const PEAK_LIMIT_KIB: u64 = 256 * 1024;

fn number(i: usize) -> String {
    format!("+86139{i:08}")
}

fn code(i: usize) -> String {
    format!("{:06}", i % 1_000_000)
}

fn message(i: usize) -> SmsMessage {
    let usage = UsageType::ALL[i % UsageType::ALL.len()];
    SmsMessage::verification_code(number(i).parse().unwrap(), usage, code(i))
}

/// The faults of a run, in turn; none delivers anything.
fn fault_mix() -> Vec<Fault> {
    vec![
        Fault::Throttle,
        Fault::CloseConnection,
        Fault::respond(500, "text/html", "<html>500 Internal Server Error</html>"),
        Fault::respond(502, "text/html", "<html>502 Bad Gateway</html>"),
        Fault::respond(503, "text/html", "<html>503 Service Unavailable</html>"),
        Fault::MalformedJson,
        Fault::TruncatedJson,
        Fault::respond(
            200,
            "application/xml",
            "<SendSmsResponse><Code>OK</Code></SendSmsResponse>",
        ),
        Fault::respond(200, "application/json", vec![b' '; 1024 * 1024]),
        // Slower than the timeout: about 28 s for the whole answer.
        Fault::SlowBody {
            chunk: 4,
            interval: Duration::from_secs(1),
        },
    ]
}

#[derive(Debug)]
struct Report {
    sends: usize,
    concurrency: usize,
    successes: usize,
    failures: BTreeMap<&'static str, usize>,
    faults_injected: usize,
    throttles_injected: usize,
    requests_seen: u64,
    inbox: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
    max: Duration,
    peak_kib: u64,
    rss_before_kib: u64,
    rss_after_kib: u64,
    peak_reset: bool,
}

impl Report {
    fn print(&self) {
        let failures: Vec<String> = self
            .failures
            .iter()
            .map(|(kind, n)| format!("{kind}={n}"))
            .collect();
        println!(
            "load: sends={} concurrency={} faults={} (throttles {}) successes={} failures=[{}] \
             requests_seen={} inbox={} elapsed={:.2}s rate={:.0}/s latency p50={}ms p99={}ms \
             max={}ms peak_rss={:.1}MiB (reset={}) rss_before={:.1}MiB rss_after={:.1}MiB \
             build={}",
            self.sends,
            self.concurrency,
            self.faults_injected,
            self.throttles_injected,
            self.successes,
            failures.join(" "),
            self.requests_seen,
            self.inbox,
            self.elapsed.as_secs_f64(),
            self.sends as f64 / self.elapsed.as_secs_f64(),
            self.p50.as_millis(),
            self.p99.as_millis(),
            self.max.as_millis(),
            self.peak_kib as f64 / 1024.0,
            self.peak_reset,
            self.rss_before_kib as f64 / 1024.0,
            self.rss_after_kib as f64 / 1024.0,
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
        );
    }
}

type Sent = (usize, Result<Receipt, ConnectorError>, Duration);

async fn run(sends: usize, concurrency: usize, fault_every: Option<usize>) -> Report {
    let _serial = SERIAL.lock().await;
    let peak_reset = emu::reset_peak_memory();
    let (_, rss_before_kib) = emu::memory_kib();

    // The emulator's clock follows the system clock (the connector's timestamps do).
    let clock = ManualClock::new(chrono::Utc::now());
    let ticker = {
        let clock = clock.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                clock.set(chrono::Utc::now());
            }
        })
    };
    let emulator = start(emu::account(common::SECRET, None, Limits::off(), &clock))
        .await
        .unwrap();

    let mut faults_injected = 0;
    let mut throttles_injected = 0;
    if let Some(every) = fault_every {
        // One fault every `every` requests; `Delay(0)` is a request served normally.
        let mix = fault_mix();
        for slot in 0..sends / every {
            emulator.inject_times(Fault::Delay(Duration::ZERO), every - 1);
            let fault = mix[slot % mix.len()].clone();
            if fault == Fault::Throttle {
                throttles_injected += 1;
            }
            emulator.inject(fault);
            faults_injected += 1;
        }
    }

    let json = emu::config_json(
        &emulator,
        json!({"timeoutMs": TIMEOUT_MS, "maxAttempts": 3}),
    );
    let sms = Arc::new(AliyunSmsConnector::from_json(&json).unwrap());
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (sms, next) = (sms.clone(), next.clone());
        workers.spawn(async move {
            let mut sent: Vec<Sent> = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= sends {
                    return sent;
                }
                let began = Instant::now();
                let result = sms.send(&message(i)).await;
                sent.push((i, result, began.elapsed()));
            }
        });
    }
    let mut results: Vec<Sent> = Vec::with_capacity(sends);
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(sent) => results.extend(sent),
            Err(error) => panic!("a send task failed (panic?): {error}"),
        }
    }
    let elapsed = started.elapsed();
    ticker.abort();
    let (peak_kib, rss_after_kib) = emu::memory_kib();

    // Every send returned, once.
    assert_eq!(results.len(), sends, "every call returned");
    results.sort_by_key(|(i, _, _)| *i);
    assert!(results.iter().enumerate().all(|(n, (i, _, _))| n == *i));

    let mut latencies: Vec<Duration> = results.iter().map(|(_, _, d)| *d).collect();
    latencies.sort();
    let percentile = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];

    let mut failures: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut receipts: HashMap<String, usize> = HashMap::new();
    let mut request_ids: HashSet<String> = HashSet::new();
    for (i, result, _) in &results {
        match result {
            Ok(receipt) => {
                let biz_id = receipt.message_id.clone().expect("a BizId");
                assert!(
                    receipts.insert(biz_id.clone(), *i).is_none(),
                    "BizId {biz_id} twice"
                );
                let request_id = receipt.request_id.clone().expect("a request id");
                assert!(request_ids.insert(request_id), "a request id twice");
            }
            Err(err) => {
                *failures.entry(err.kind().as_str()).or_default() += 1;
                assert_ne!(
                    err.provider_code(),
                    Some("SignatureNonceUsed"),
                    "a nonce was reused: {err}"
                );
            }
        }
    }
    let successes = receipts.len();
    let failed: usize = failures.values().sum();
    assert_eq!(successes + failed, sends, "successes + typed failures");

    // The inbox holds exactly the successes: same BizIds, each to its number with its code.
    let inbox = emulator.inbox();
    assert_eq!(inbox.len(), successes, "inbox = successes");
    for delivered in &inbox {
        let i = *receipts
            .get(&delivered.biz_id)
            .unwrap_or_else(|| panic!("{} delivered but not a success", delivered.biz_id));
        assert_eq!(delivered.phone_number, number(i));
        assert_eq!(delivered.params["code"], code(i));
    }

    let requests_seen = emulator.requests_seen();
    let report = Report {
        sends,
        concurrency,
        successes,
        failures,
        faults_injected,
        throttles_injected,
        requests_seen,
        inbox: inbox.len(),
        elapsed,
        p50: percentile(50),
        p99: percentile(99),
        max: *latencies.last().unwrap(),
        peak_kib,
        rss_before_kib,
        rss_after_kib,
        peak_reset,
    };
    report.print();
    emulator.shutdown().await;
    report
}

fn check_clean(report: &Report) {
    assert!(
        report.failures.is_empty(),
        "no faults, limits off: every send succeeds: {report:?}"
    );
    // One request a send: nothing was retried, so no nonce was refused as reused either.
    assert_eq!(report.requests_seen, report.sends as u64, "{report:?}");
}

fn check_faulty(report: &Report) {
    let allowed = [
        ErrorKind::OutcomeUnknown.as_str(),
        ErrorKind::InvalidResponse.as_str(),
        ErrorKind::Timeout.as_str(),
    ];
    for kind in report.failures.keys() {
        assert!(allowed.contains(kind), "unexpected {kind}: {report:?}");
    }
    // A throttled attempt is retried (and then succeeds); every other fault fails exactly the
    // one send it hit, and is not resent.
    let failed: usize = report.failures.values().sum();
    assert_eq!(
        failed,
        report.faults_injected - report.throttles_injected,
        "{report:?}"
    );
    assert_eq!(
        report.requests_seen,
        (report.sends + report.throttles_injected) as u64,
        "{report:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_1000_sends_at_concurrency_256() {
    let report = run(1_000, 256, None).await;
    check_clean(&report);
    assert!(
        !report.peak_reset || report.peak_kib < PEAK_LIMIT_KIB,
        "peak memory {} KiB: {report:?}",
        report.peak_kib
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_1000_sends_with_1_percent_faults() {
    let report = run(1_000, 256, Some(100)).await;
    assert_eq!(report.faults_injected, 10);
    check_faulty(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "long: 10,000 sends; see docs/reliability.md"]
async fn load_10000_sends_at_concurrency_256() {
    let report = run(10_000, 256, None).await;
    check_clean(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "long: 10,000 sends; see docs/reliability.md"]
async fn load_10000_sends_with_1_percent_faults() {
    let report = run(10_000, 256, Some(100)).await;
    assert_eq!(report.faults_injected, 100);
    check_faulty(&report);
}
