//! The circuit breaker against the emulator: with the first provider dead, 100 sends cost a
//! handful of attempts on it, every code still goes out once, and the provider is tried again
//! after its cool-down.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use connector_kit::{
    BreakerPolicy, BreakerState, CircuitBreaker, ConnectorError, ConnectorMetadata, ErrorKind,
    Failover, Receipt, SettlePolicy, Sleep, SmsConnector, SmsMessage, UsageType, async_trait,
};
use routing_acceptance::{Pair, TO, Trouble, for_each_pair, providers};
use serde_json::json;

const SENDS: usize = 100;

fn message(n: usize) -> SmsMessage {
    SmsMessage::verification_code(TO.parse().unwrap(), UsageType::SignIn, format!("{n:06}"))
}

/// Counts the sends that reach the connector it wraps.
#[derive(Debug)]
struct Counting {
    inner: Arc<dyn SmsConnector>,
    sends: AtomicUsize,
}

#[async_trait]
impl SmsConnector for Counting {
    fn metadata(&self) -> &ConnectorMetadata {
        self.inner.metadata()
    }

    async fn send(&self, message: &SmsMessage) -> Result<Receipt, ConnectorError> {
        self.sends.fetch_add(1, Ordering::SeqCst);
        self.inner.send(message).await
    }
}

/// The first provider refuses connections (nothing listens): 3 sends reach it, then its
/// breaker skips it, and the second provider sends all 100 codes, once each.
#[tokio::test]
async fn a_refusing_first_provider_costs_three_attempts_for_100_sends() {
    for_each_pair(|kinds| async move {
        let pair = Pair::start(kinds, (Some(Trouble::Refused), None), json!({})).await;
        let build = |gateway: &dyn routing_acceptance::Gateway, trouble| {
            providers()
                .build(gateway.connector_id(), &gateway.config(trouble).to_string())
                .unwrap()
        };
        let dead = Arc::new(Counting {
            inner: build(pair.a.as_ref(), Some(Trouble::Refused)),
            sends: AtomicUsize::new(0),
        });
        let policy = BreakerPolicy::new(3, Duration::from_secs(600));
        let sms = Failover::new()
            .with_provider(
                "a",
                Arc::new(CircuitBreaker::new("a", dead.clone(), policy)),
            )
            .with_provider("b", build(pair.b.as_ref(), None))
            .with_settle(SettlePolicy::new(
                Duration::from_millis(300),
                Duration::from_millis(100),
            ))
            .with_sleep(Sleep::new(tokio::time::sleep));

        let started = Instant::now();
        for n in 0..SENDS {
            let receipt = sms.send(&message(n)).await.unwrap();
            assert_eq!(receipt.provider.as_deref(), Some("b"));
        }
        let elapsed = started.elapsed();
        let attempts = dead.sends.load(Ordering::SeqCst);
        println!(
            "{}+{}: {SENDS} sends with the first provider refusing connections: {attempts} attempts on it, {elapsed:?}",
            kinds.0.name(),
            kinds.1.name()
        );
        assert_eq!(attempts, 3);
        let deliveries = pair.b.deliveries();
        assert_eq!(deliveries.len(), SENDS);
        for n in 0..SENDS {
            assert_eq!(pair.delivered(TO, &format!("{n:06}")), (0, 1));
        }
    })
    .await;
}

/// The first provider takes every request and never answers: each of the first sends is a
/// timeout whose outcome stays unknown (its lookups time out too), so it is returned as such,
/// never sent elsewhere; after 3, the breaker skips the provider and the rest go to the second.
/// Counted at the emulator: sends and lookups together.
#[tokio::test]
async fn a_hanging_first_provider_costs_a_handful_of_requests_for_100_sends() {
    for_each_pair(|kinds| async move {
        let pair = Pair::start(
            kinds,
            (None, None),
            json!({"circuitBreaker": {"failureThreshold": 3, "coolDownMs": 600000}}),
        )
        .await;
        pair.a.inject(Trouble::Hangs);

        let started = Instant::now();
        let mut unknown = 0;
        for n in 0..SENDS {
            match pair.routing.send(&message(n)).await {
                Ok(receipt) => assert_eq!(receipt.provider.as_deref(), Some("b")),
                Err(error) => {
                    assert!(
                        error.outcome_unknown() && error.kind() == ErrorKind::Timeout,
                        "{error}"
                    );
                    unknown += 1;
                }
            }
        }
        let elapsed = started.elapsed();
        let requests = pair.a.requests_seen();
        println!(
            "{}+{}: {SENDS} sends with the first provider hanging: {requests} requests to it \
             ({unknown} sends returned with an unknown outcome), {elapsed:?}",
            kinds.0.name(),
            kinds.1.name()
        );
        assert_eq!(unknown, 3, "the sends before the breaker opened");
        assert!(requests <= 6, "{requests} requests to the dead provider");
        assert!(matches!(
            pair.routing.health()[0],
            (ref name, BreakerState::Open { .. }) if name == "a"
        ));
        assert_eq!(pair.b.deliveries().len(), SENDS - 3);
        for n in 0..SENDS {
            let (by_a, by_b) = pair.delivered(TO, &format!("{n:06}"));
            assert!(by_a + by_b <= 1);
        }
    })
    .await;
}

/// After the cool-down, one send probes the first provider again; it answers, and the circuit
/// closes.
#[tokio::test]
async fn the_first_provider_is_used_again_after_its_cool_down() {
    for_each_pair(|kinds| async move {
        let pair = Pair::start(
            kinds,
            (None, None),
            json!({"circuitBreaker": {"failureThreshold": 2, "coolDownMs": 2000}}),
        )
        .await;
        for _ in 0..2 {
            pair.a.inject(Trouble::Throttled);
        }
        for n in 0..3 {
            let receipt = pair.routing.send(&message(n)).await.unwrap();
            assert_eq!(receipt.provider.as_deref(), Some("b"));
        }
        let health = pair.routing.health();
        assert!(
            matches!(health[0].1, BreakerState::Open { .. }),
            "{health:?}"
        );
        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert_eq!(pair.routing.health()[0].1, BreakerState::HalfOpen);
        let receipt = pair.routing.send(&message(9)).await.unwrap();
        assert_eq!(receipt.provider.as_deref(), Some("a"));
        assert_eq!(
            pair.routing.health()[0].1,
            BreakerState::Closed { failures: 0 }
        );
    })
    .await;
}
