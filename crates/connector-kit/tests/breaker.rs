//! The circuit breaker under concurrency and with extreme policies: a dead or hanging provider
//! costs a handful of sends however many are made at once, one probe at a time however long it
//! hangs, and no cool-down panics.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use connector_kit::{
    BreakerPolicy, BreakerState, CircuitBreaker, ConnectorError, ConnectorMetadata, DeliveryQuery,
    DeliveryReport, ErrorKind, RECORDING_METADATA, Receipt, RecordingConnector, SmsConnector,
    SmsMessage, UsageType, async_trait,
};

fn message() -> SmsMessage {
    SmsMessage::verification_code(
        "+8613800138000".parse().unwrap(),
        UsageType::SignIn,
        "123456",
    )
}

/// Takes requests and never answers: each send times out after 200 ms, nothing sent.
#[derive(Debug, Default)]
struct Hanging {
    attempts: AtomicUsize,
}

#[async_trait]
impl SmsConnector for Hanging {
    fn metadata(&self) -> &ConnectorMetadata {
        &RECORDING_METADATA
    }

    async fn send(&self, _: &SmsMessage) -> Result<Receipt, ConnectorError> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(200)).await;
        Err(
            ConnectorError::new(ErrorKind::Timeout, "no connection in time")
                .with_outcome_unknown(false),
        )
    }

    async fn lookup_delivery(&self, _: &DeliveryQuery) -> Result<DeliveryReport, ConnectorError> {
        Ok(DeliveryReport::new(Vec::new()))
    }
}

/// Once the provider has failed, 100 sends made while the next ones still wait for their
/// timeouts: only as many reach it as may fail before the circuit opens (threshold 3, one
/// failure seen: two more); the others are skipped, nothing sent. (Before any failure, sends
/// pass freely: a burst at start-up is never refused by a provider that works.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_provider_costs_a_handful_of_attempts_under_concurrency() {
    let dead = Arc::new(Hanging::default());
    let breaker = Arc::new(CircuitBreaker::new(
        "dead",
        dead.clone(),
        BreakerPolicy::new(3, Duration::from_secs(30)),
    ));
    // The provider has just died: one send found it out.
    let first = breaker.send(&message()).await.unwrap_err();
    assert_eq!(first.kind(), ErrorKind::Timeout);
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let breaker = breaker.clone();
        tasks.push(tokio::spawn(async move { breaker.send(&message()).await }));
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let mut skipped = 0;
    for task in tasks {
        let error = task.await.unwrap().unwrap_err();
        if error.kind() == ErrorKind::Unavailable {
            assert!(
                error.may_succeed_elsewhere() && !error.outcome_unknown(),
                "{error}"
            );
            skipped += 1;
        }
    }
    let attempts = dead.attempts.load(Ordering::SeqCst);
    assert_eq!(
        attempts, 3,
        "the dead provider was tried {attempts} times (1 before the burst)"
    );
    assert_eq!(skipped + attempts - 1, 100);
    assert!(matches!(breaker.state(), BreakerState::Open { .. }));
}

/// Half-open lets one probe through, and no other while it is out, however long it hangs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_lets_one_probe_at_a_time_through() {
    let dead = Arc::new(Hanging::default());
    let breaker = Arc::new(CircuitBreaker::new(
        "dead",
        dead.clone(),
        BreakerPolicy::new(1, Duration::from_millis(20)),
    ));
    let _ = breaker.send(&message()).await; // opens (200 ms)
    tokio::time::sleep(Duration::from_millis(25)).await;
    let before = dead.attempts.load(Ordering::SeqCst);
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let breaker = breaker.clone();
        tasks.push(tokio::spawn(async move { breaker.send(&message()).await }));
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    for task in tasks {
        let _ = task.await;
    }
    let probes = dead.attempts.load(Ordering::SeqCst) - before;
    assert!(
        probes <= 2,
        "{probes} probes went through while the first was still out"
    );
}

/// A cool-down meant as "until restarted" opens the circuit for good, without a panic.
#[tokio::test]
async fn a_long_cool_down_does_not_panic() {
    let provider = Arc::new(RecordingConnector::new());
    provider.fail_always(Some(
        ConnectorError::new(ErrorKind::Transport, "refused").with_retryable(true),
    ));
    let breaker = Arc::new(CircuitBreaker::new(
        "a",
        provider.clone(),
        BreakerPolicy::new(1, Duration::MAX),
    ));
    let sending = breaker.clone();
    let outcome = tokio::spawn(async move { sending.send(&message()).await }).await;
    assert!(outcome.is_ok(), "the send panicked: {outcome:?}");
    assert_eq!(
        breaker.state(),
        BreakerState::Open {
            retry_in: Duration::MAX
        }
    );
    let skipped = breaker.send(&message()).await.unwrap_err();
    assert_eq!(skipped.kind(), ErrorKind::Unavailable);
    assert!(
        skipped
            .message()
            .contains("until the breaker is built again"),
        "{skipped}"
    );
    assert_eq!(provider.attempts().len(), 1);
}
