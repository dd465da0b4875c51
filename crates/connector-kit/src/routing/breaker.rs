//! A circuit breaker: a provider that keeps failing is skipped for a cool-down, so that a dead
//! provider costs a few failed sends, not one per send.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::{
    ConnectorError, ConnectorMetadata, DeliveryQuery, DeliveryReport, ErrorKind, Receipt,
    SmsConnector, SmsMessage,
};

/// When a [`CircuitBreaker`] takes its provider out, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BreakerPolicy {
    /// Failures in a row ([`CircuitBreaker::is_failure`]) that open the circuit; at least 1.
    pub failure_threshold: u32,
    /// How long an open circuit skips the provider before one send probes it again. One too
    /// long to add to the clock (such as [`Duration::MAX`]) means "until the breaker is built
    /// again".
    pub cool_down: Duration,
}

impl Default for BreakerPolicy {
    /// 3 failures in a row, 30 s.
    fn default() -> Self {
        BreakerPolicy::new(3, Duration::from_secs(30))
    }
}

impl BreakerPolicy {
    /// Opens after `failure_threshold` failures in a row (0 counts as 1), for `cool_down`.
    pub const fn new(failure_threshold: u32, cool_down: Duration) -> Self {
        BreakerPolicy {
            failure_threshold: if failure_threshold == 0 {
                1
            } else {
                failure_threshold
            },
            cool_down,
        }
    }
}

/// Where a [`CircuitBreaker`] is, as [`CircuitBreaker::state`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BreakerState {
    /// Sends go through; `failures` in a row so far.
    Closed {
        /// Failures in a row since the last send that was not one.
        failures: u32,
    },
    /// Sends are refused with [`ErrorKind::Unavailable`] for `retry_in` more.
    Open {
        /// Until one send probes the provider again; [`Duration::MAX`] for a cool-down too long
        /// to end.
        retry_in: Duration,
    },
    /// The cool-down is over: the next send probes the provider, one probe at a time; its
    /// outcome closes the circuit or opens it again.
    HalfOpen,
}

impl fmt::Display for BreakerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BreakerState::Closed { failures: 0 } => f.write_str("closed"),
            BreakerState::Closed { failures } => write!(f, "closed ({failures} failures in a row)"),
            BreakerState::Open { retry_in } => {
                write!(f, "open (probed again in {} ms)", retry_in.as_millis())
            }
            BreakerState::HalfOpen => f.write_str("half-open (probing)"),
        }
    }
}

/// What a breaker reads the time from (tests pass a clock they move).
type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// A connector that skips its provider for a cool-down after repeated failures.
///
/// After [`BreakerPolicy::failure_threshold`] sends in a row fail in a way that says the
/// provider is in trouble ([`is_failure`](Self::is_failure): network failures, timeouts,
/// unknown outcomes, throttles, quotas, credentials, account or config errors), the circuit
/// opens: sends fail at once with [`ErrorKind::Unavailable`], nothing sent, with
/// [`retry_after`](ConnectorError::retry_after) the time left. After
/// [`BreakerPolicy::cool_down`], one send at a time probes the provider: success (or an error
/// that is the message's, such as an invalid number) closes the circuit, a failure opens it
/// again, and so does a probe dropped before it answered. Delivery lookups always go through.
///
/// Concurrent sends count too: after a failure, until the provider answers with a success
/// again, at most `failure_threshold - failures` sends are in flight at once, and the others
/// are refused with [`ErrorKind::Unavailable`], nothing sent, so that a
/// [`Failover`](crate::Failover) moves on: a provider that hangs costs a handful of sends, not
/// every send made while the first ones wait for their timeouts. Before any failure, sends pass
/// freely (a burst at start-up must not be refused by a provider that works): the sends already
/// out when a provider starts hanging cannot be held back by any breaker.
///
/// Each change is a `tracing` event (target `connector_kit::breaker`: opened at `warn`,
/// half-open and closed at `info`), and [`state`](Self::state) reports it.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use connector_kit::{
///     BreakerPolicy, BreakerState, CircuitBreaker, ConnectorError, ErrorKind, RecordingConnector,
///     SmsConnector, SmsMessage, UsageType,
/// };
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let provider = Arc::new(RecordingConnector::new());
/// provider.fail_always(Some(ConnectorError::new(ErrorKind::Transport, "refused").with_retryable(true)));
/// let breaker = CircuitBreaker::new("primary", provider.clone(), BreakerPolicy::new(2, Duration::from_secs(30)));
/// let message = SmsMessage::verification_code("+8613800138000".parse()?, UsageType::SignIn, "123456");
///
/// for _ in 0..10 {
///     let _ = breaker.send(&message).await;
/// }
/// assert_eq!(provider.attempts().len(), 2, "two failures, then skipped");
/// assert!(matches!(breaker.state(), BreakerState::Open { .. }));
/// let skipped = breaker.send(&message).await.unwrap_err();
/// assert_eq!(skipped.kind(), ErrorKind::Unavailable);
/// assert!(skipped.retry_after().is_some() && !skipped.outcome_unknown());
/// # Ok(())
/// # }
/// ```
pub struct CircuitBreaker {
    name: String,
    inner: Arc<dyn SmsConnector>,
    policy: BreakerPolicy,
    clock: Clock,
    state: Mutex<State>,
}

#[derive(Debug)]
enum Phase {
    Closed,
    /// `until` is `None` when the cool-down is too long to end.
    Open {
        until: Option<Instant>,
    },
    /// A probe is out.
    HalfOpen,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    failures: u32,
    last_failure: Option<ConnectorError>,
    /// Whether no failure has come since the provider's last success (or since the start):
    /// sends then pass freely.
    healthy: bool,
    /// Sends let through while closed that have not reported yet.
    in_flight: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PassKind {
    Send,
    Probe,
}

/// A send let through; it holds its place (one of the sends in flight, or the one probe) until
/// it reports, or until it is dropped unreported: a dropped send frees its place, a dropped
/// probe opens the circuit again.
struct Pass<'b> {
    breaker: &'b CircuitBreaker,
    kind: PassKind,
    reported: bool,
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        if !self.reported {
            self.breaker.abandon(self.kind);
        }
    }
}

impl fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("name", &self.name)
            .field("inner", &self.inner)
            .field("policy", &self.policy)
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

impl CircuitBreaker {
    /// A breaker named `name` (in its events, errors and [`Receipt::provider`]-style reports)
    /// around `inner`, on the system's monotonic clock.
    pub fn new(
        name: impl Into<String>,
        inner: Arc<dyn SmsConnector>,
        policy: BreakerPolicy,
    ) -> Self {
        CircuitBreaker {
            name: name.into(),
            inner,
            policy,
            clock: Arc::new(Instant::now),
            state: Mutex::new(State {
                phase: Phase::Closed,
                failures: 0,
                last_failure: None,
                healthy: true,
                in_flight: 0,
            }),
        }
    }

    /// Reads the time from `clock` instead of [`Instant::now`] (tests move their own).
    pub fn with_clock(mut self, clock: impl Fn() -> Instant + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The connector it guards.
    pub fn inner(&self) -> &Arc<dyn SmsConnector> {
        &self.inner
    }

    /// Its policy.
    pub fn policy(&self) -> BreakerPolicy {
        self.policy
    }

    /// Where it is now.
    pub fn state(&self) -> BreakerState {
        let now = (self.clock)();
        let state = self.lock();
        match state.phase {
            Phase::Closed => BreakerState::Closed {
                failures: state.failures,
            },
            Phase::Open { until: None } => BreakerState::Open {
                retry_in: Duration::MAX,
            },
            Phase::Open { until: Some(until) } if now < until => BreakerState::Open {
                retry_in: until - now,
            },
            Phase::Open { .. } | Phase::HalfOpen => BreakerState::HalfOpen,
        }
    }

    /// The last failure that counted, if any since the circuit last closed.
    pub fn last_failure(&self) -> Option<ConnectorError> {
        self.lock().last_failure.clone()
    }

    /// Whether `error` counts against the provider's health: it says the provider (or this
    /// connector's setup for it) is in trouble whatever the message. An unknown outcome, a
    /// network failure, a timeout, an unreadable answer, a throttle before processing, a used-up
    /// quota, refused credentials, an account or config error, an unavailable provider. Not an
    /// error that is the message's (invalid number or parameters, refused content, a missing
    /// template for one usage type), a policy's, a capability the provider lacks, or a
    /// per-number limit: such an answer shows the provider is up.
    pub fn is_failure(error: &ConnectorError) -> bool {
        error.outcome_unknown()
            || matches!(
                error.kind(),
                ErrorKind::Transport
                    | ErrorKind::Timeout
                    | ErrorKind::InvalidResponse
                    | ErrorKind::QuotaExceeded
                    | ErrorKind::Credentials
                    | ErrorKind::Account
                    | ErrorKind::InvalidConfig
                    | ErrorKind::Unavailable
            )
            || (error.kind() == ErrorKind::RateLimited && error.is_retryable())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every critical section leaves the state consistent: go on after a panic elsewhere.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether a send may go now; an open circuit's error otherwise.
    fn admit(&self) -> Result<Pass<'_>, ConnectorError> {
        let now = (self.clock)();
        let mut state = self.lock();
        let kind = match state.phase {
            Phase::Closed => {
                let allowed = self.policy.failure_threshold.saturating_sub(state.failures);
                if !state.healthy && state.in_flight >= allowed {
                    return Err(self.skipped(&state, Skip::Busy));
                }
                state.in_flight = state.in_flight.saturating_add(1);
                PassKind::Send
            }
            Phase::Open { until: None } => return Err(self.skipped(&state, Skip::Open(None))),
            Phase::Open { until: Some(until) } if now < until => {
                return Err(self.skipped(&state, Skip::Open(Some(until - now))));
            }
            Phase::HalfOpen => return Err(self.skipped(&state, Skip::Probing)),
            Phase::Open { .. } => {
                state.phase = Phase::HalfOpen;
                tracing::info!(
                    target: "connector_kit::breaker",
                    provider = %self.name,
                    "circuit half-open: one send probes the provider"
                );
                PassKind::Probe
            }
        };
        Ok(Pass {
            breaker: self,
            kind,
            reported: false,
        })
    }

    fn skipped(&self, state: &State, why: Skip) -> ConnectorError {
        let last = state
            .last_failure
            .as_ref()
            .map_or_else(String::new, |e| format!("; the last: {e}"));
        let (text, retry_in) = match why {
            Skip::Open(Some(retry_in)) => (
                format!(
                    "`{}` is skipped for {} ms more after {} failures in a row{last}; nothing was sent",
                    self.name,
                    retry_in.as_millis(),
                    state.failures,
                ),
                Some(retry_in),
            ),
            Skip::Open(None) => (
                format!(
                    "`{}` is skipped until the breaker is built again after {} failures in a \
                     row{last}; nothing was sent",
                    self.name, state.failures,
                ),
                None,
            ),
            Skip::Probing => (
                format!(
                    "`{}` is skipped while one send probes it after {} failures in a row{last}; \
                     nothing was sent",
                    self.name, state.failures,
                ),
                Some(self.policy.cool_down),
            ),
            Skip::Busy => (
                format!(
                    "`{}` is skipped: {} sends are already out to it and none has come back a \
                     success yet ({} failures in a row{last}); nothing was sent",
                    self.name, state.in_flight, state.failures,
                ),
                None,
            ),
        };
        let error = ConnectorError::new(ErrorKind::Unavailable, text);
        match retry_in {
            Some(retry_in) => error.with_retry_after(retry_in),
            None => error,
        }
    }

    /// Records how a send that was let through ended.
    fn record(&self, mut pass: Pass<'_>, result: &Result<Receipt, ConnectorError>) {
        pass.reported = true;
        let failure = result.as_ref().err().filter(|e| Self::is_failure(e));
        let now = (self.clock)();
        let mut state = self.lock();
        if pass.kind == PassKind::Send {
            state.in_flight = state.in_flight.saturating_sub(1);
        }
        match failure {
            None => {
                let was_open = !matches!(state.phase, Phase::Closed);
                state.phase = Phase::Closed;
                state.failures = 0;
                state.last_failure = None;
                state.healthy = true;
                if was_open {
                    tracing::info!(
                        target: "connector_kit::breaker",
                        provider = %self.name,
                        "circuit closed: the provider answered"
                    );
                }
            }
            Some(error) => {
                state.failures = state.failures.saturating_add(1);
                state.last_failure = Some(error.clone());
                state.healthy = false;
                let opens = match state.phase {
                    Phase::Closed => state.failures >= self.policy.failure_threshold,
                    Phase::HalfOpen => pass.kind == PassKind::Probe,
                    Phase::Open { .. } => false,
                };
                if opens {
                    self.open(&mut state, now, error);
                }
            }
        }
    }

    /// A send let through was dropped before it answered: its place is free; a probe's
    /// provider is still not known to work, so the circuit opens again.
    fn abandon(&self, kind: PassKind) {
        let now = (self.clock)();
        let mut state = self.lock();
        match kind {
            PassKind::Send => state.in_flight = state.in_flight.saturating_sub(1),
            PassKind::Probe => {
                if matches!(state.phase, Phase::HalfOpen) {
                    let error = ConnectorError::new(
                        ErrorKind::OutcomeUnknown,
                        "the probe was dropped before the provider answered",
                    );
                    self.open(&mut state, now, &error);
                }
            }
        }
    }

    fn open(&self, state: &mut State, now: Instant, error: &ConnectorError) {
        state.phase = Phase::Open {
            until: now.checked_add(self.policy.cool_down),
        };
        tracing::warn!(
            target: "connector_kit::breaker",
            provider = %self.name,
            failures = state.failures,
            cool_down_ms = u64::try_from(self.policy.cool_down.as_millis()).unwrap_or(u64::MAX),
            error = %error,
            "circuit opened: the provider is skipped for the cool-down"
        );
    }
}

/// Why a send is refused.
enum Skip {
    /// The circuit is open for this long (`None`: until the breaker is built again).
    Open(Option<Duration>),
    /// Half-open, and the one probe is out.
    Probing,
    /// Closed after a failure, and as many sends out as may fail.
    Busy,
}

#[async_trait]
impl SmsConnector for CircuitBreaker {
    fn metadata(&self) -> &ConnectorMetadata {
        self.inner.metadata()
    }

    async fn send(&self, message: &SmsMessage) -> Result<Receipt, ConnectorError> {
        let pass = self.admit()?;
        let result = self.inner.send(message).await;
        self.record(pass, &result);
        result
    }

    async fn lookup_delivery(
        &self,
        query: &DeliveryQuery,
    ) -> Result<DeliveryReport, ConnectorError> {
        self.inner.lookup_delivery(query).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RecordingConnector, UsageType};

    /// A clock the test moves.
    fn clock() -> (
        Arc<Mutex<Instant>>,
        impl Fn() -> Instant + Send + Sync + 'static,
    ) {
        let now = Arc::new(Mutex::new(Instant::now()));
        let read = Arc::clone(&now);
        (now, move || *read.lock().unwrap())
    }

    fn message() -> SmsMessage {
        SmsMessage::verification_code(
            "+8613800138000".parse().unwrap(),
            UsageType::SignIn,
            "123456",
        )
    }

    fn refused() -> ConnectorError {
        ConnectorError::new(ErrorKind::Transport, "connection refused").with_retryable(true)
    }

    #[tokio::test]
    async fn opens_after_the_threshold_probes_after_the_cool_down_and_closes_on_success() {
        let provider = Arc::new(RecordingConnector::new());
        let (now, read) = clock();
        let policy = BreakerPolicy::new(3, Duration::from_secs(30));
        let breaker = CircuitBreaker::new("a", provider.clone(), policy).with_clock(read);
        provider.fail_always(Some(refused()));

        for failures in 1..=2 {
            assert_eq!(
                breaker.send(&message()).await.unwrap_err().kind(),
                ErrorKind::Transport
            );
            assert_eq!(breaker.state(), BreakerState::Closed { failures });
        }
        breaker.send(&message()).await.unwrap_err();
        assert_eq!(
            breaker.state(),
            BreakerState::Open {
                retry_in: Duration::from_secs(30)
            }
        );
        *now.lock().unwrap() += Duration::from_secs(10);
        let skipped = breaker.send(&message()).await.unwrap_err();
        assert_eq!(skipped.kind(), ErrorKind::Unavailable);
        assert_eq!(skipped.retry_after(), Some(Duration::from_secs(20)));
        assert!(skipped.may_succeed_elsewhere() && !skipped.outcome_unknown());
        assert!(
            skipped
                .message()
                .contains("3 failures in a row; the last: transport"),
            "{skipped}"
        );
        assert_eq!(
            provider.attempts().len(),
            3,
            "the skipped send reached nobody"
        );

        // The cool-down is over: one probe fails, and the circuit opens again.
        *now.lock().unwrap() += Duration::from_secs(20);
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        breaker.send(&message()).await.unwrap_err();
        assert_eq!(provider.attempts().len(), 4);
        assert!(matches!(breaker.state(), BreakerState::Open { .. }));

        // The next probe succeeds: closed, the count starts again.
        *now.lock().unwrap() += Duration::from_secs(30);
        provider.fail_always(None);
        breaker.send(&message()).await.unwrap();
        assert_eq!(breaker.state(), BreakerState::Closed { failures: 0 });
        assert_eq!(breaker.last_failure(), None);
    }

    #[tokio::test]
    async fn an_error_of_the_message_is_not_a_failure_and_resets_the_count() {
        let provider = Arc::new(RecordingConnector::new());
        let breaker = CircuitBreaker::new(
            "a",
            provider.clone(),
            BreakerPolicy::new(2, Duration::from_secs(30)),
        );
        provider.fail_next(refused());
        provider.fail_next(ConnectorError::new(ErrorKind::InvalidRequest, "bad number"));
        provider.fail_next(refused());
        for _ in 0..3 {
            breaker.send(&message()).await.unwrap_err();
        }
        assert_eq!(breaker.state(), BreakerState::Closed { failures: 1 });
    }

    #[tokio::test]
    async fn one_probe_at_a_time_and_a_lost_probe_opens_the_circuit_again() {
        let provider = Arc::new(RecordingConnector::new());
        let (now, read) = clock();
        let breaker = CircuitBreaker::new(
            "a",
            provider.clone(),
            BreakerPolicy::new(1, Duration::from_secs(5)),
        )
        .with_clock(read);
        provider.fail_next(refused());
        breaker.send(&message()).await.unwrap_err();
        *now.lock().unwrap() += Duration::from_secs(5);
        // A probe is let through; however long it takes, no other send goes.
        let probe = breaker.admit().unwrap();
        assert_eq!(probe.kind, PassKind::Probe);
        *now.lock().unwrap() += Duration::from_secs(60);
        let second = breaker.admit().err().unwrap();
        assert_eq!(second.kind(), ErrorKind::Unavailable);
        assert!(
            second.message().contains("while one send probes it"),
            "{second}"
        );
        // Its send is dropped before it answered: open again for a cool-down, then one probe.
        drop(probe);
        assert_eq!(
            breaker.state(),
            BreakerState::Open {
                retry_in: Duration::from_secs(5)
            }
        );
        assert!(breaker.admit().is_err());
        *now.lock().unwrap() += Duration::from_secs(5);
        assert_eq!(breaker.admit().unwrap().kind, PassKind::Probe);
    }

    #[tokio::test]
    async fn after_a_failure_at_most_the_failures_left_are_in_flight_until_a_success() {
        let provider = Arc::new(RecordingConnector::new());
        let breaker = CircuitBreaker::new(
            "a",
            provider.clone(),
            BreakerPolicy::new(3, Duration::from_secs(5)),
        );
        // Before any failure: a burst passes freely.
        let out: Vec<_> = (0..50).map(|_| breaker.admit().unwrap()).collect();
        drop(out);
        // One failure: two may be out at once.
        provider.fail_next(refused());
        breaker.send(&message()).await.unwrap_err();
        let out: Vec<_> = (0..2).map(|_| breaker.admit().unwrap()).collect();
        let busy = breaker.admit().err().unwrap();
        assert_eq!(busy.kind(), ErrorKind::Unavailable);
        assert!(busy.may_succeed_elsewhere() && !busy.outcome_unknown());
        drop(out);
        // A success: sends pass freely again.
        breaker.send(&message()).await.unwrap();
        let out: Vec<_> = (0..50).map(|_| breaker.admit().unwrap()).collect();
        assert_eq!(out.len(), 50);
    }

    #[test]
    fn failures_are_the_providers_troubles() {
        let failure = |e: ConnectorError| CircuitBreaker::is_failure(&e);
        for kind in [
            ErrorKind::Transport,
            ErrorKind::Timeout,
            ErrorKind::InvalidResponse,
            ErrorKind::QuotaExceeded,
            ErrorKind::Credentials,
            ErrorKind::Account,
            ErrorKind::InvalidConfig,
            ErrorKind::Unavailable,
            ErrorKind::OutcomeUnknown,
        ] {
            assert!(failure(ConnectorError::new(kind, "x")), "{kind}");
        }
        assert!(failure(
            ConnectorError::new(ErrorKind::RateLimited, "x").with_retryable(true)
        ));
        for kind in [
            ErrorKind::InvalidRequest,
            ErrorKind::TemplateNotFound,
            ErrorKind::RateLimited,
            ErrorKind::Rejected,
            ErrorKind::Blocked,
            ErrorKind::Unsupported,
        ] {
            assert!(!failure(ConnectorError::new(kind, "x")), "{kind}");
        }
    }
}
