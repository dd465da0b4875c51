//! When and how soon a failed attempt is tried again, for any connector and any async runtime.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::ConnectorError;

/// Exponential backoff with jitter between attempts.
///
/// The pause before retry `n` (1 = the first retry) is drawn uniformly from the upper half of
/// `min(cap, base × 2^(n−1))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The pause before the first retry, before jitter.
    pub base: Duration,
    /// The longest pause.
    pub cap: Duration,
}

impl Default for Backoff {
    /// 100 ms, doubling, at most 2 s.
    fn default() -> Self {
        Backoff::new(Duration::from_millis(100), Duration::from_secs(2))
    }
}

impl Backoff {
    /// Pauses from `base`, doubling, at most `cap`.
    pub const fn new(base: Duration, cap: Duration) -> Self {
        Backoff { base, cap }
    }

    /// The pause before retry `retry` (from 1), with `jitter` in `0.0..=1.0` choosing within
    /// the upper half of the exponential step (a value outside is clamped, NaN counts as 0).
    pub fn delay(&self, retry: u32, jitter: f64) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        let step = self.base.saturating_mul(factor).min(self.cap);
        let half = step / 2;
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        half + half.mul_f64(jitter)
    }
}

/// How many attempts a send gets, how long it pauses between them, and how much time an
/// attempt needs.
///
/// Only errors that are [`ConnectorError::is_retryable`] are tried again: the provider refused
/// the request before processing it (throttling, a reused nonce) or no connection could be
/// made, so nothing was sent. A timeout, a connection lost after the request was written, or a
/// 5xx may have sent the message: those have an unknown outcome and are never tried again
/// (SendSms-like APIs are not idempotent). Every attempt and every pause fits within the send's
/// deadline, and a provider's own "try again after" ([`ConnectorError::retry_after`]) is
/// honoured.
///
/// The kit has no runtime: [`pause_after`](Self::pause_after) is the pure decision (tested with
/// any jitter and time left), and [`run`](Self::run) is the loop around it, sleeping with the
/// sleep function its caller passes (`tokio::time::sleep`, `async_io::Timer::after`, ...).
///
/// ```
/// use std::time::Duration;
/// use connector_kit::{Backoff, ConnectorError, ErrorKind, RetryPolicy};
///
/// let policy = RetryPolicy::new(3)
///     .with_backoff(Backoff::new(Duration::from_millis(100), Duration::from_secs(2)))
///     .with_min_attempt_time(Duration::from_millis(250));
/// let throttled = ConnectorError::new(ErrorKind::RateLimited, "throttled").with_retryable(true);
/// let timeout = ConnectorError::new(ErrorKind::Timeout, "no answer");
/// let left = Duration::from_secs(5);
///
/// // After the first attempt: a pause of 50 to 100 ms (jitter 0.0 to 1.0).
/// assert_eq!(policy.pause_after(1, &throttled, left, 1.0), Some(Duration::from_millis(100)));
/// // Never after an unknown outcome, never past the attempts or the deadline.
/// assert_eq!(policy.pause_after(1, &timeout, left, 1.0), None);
/// assert_eq!(policy.pause_after(3, &throttled, left, 1.0), None);
/// assert_eq!(policy.pause_after(1, &throttled, Duration::from_millis(300), 1.0), None);
/// // The provider's own window wins over the backoff, if it fits.
/// let wait = throttled.clone().with_retry_after(Duration::from_secs(1));
/// assert_eq!(policy.pause_after(1, &wait, left, 1.0), Some(Duration::from_secs(1)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    backoff: Backoff,
    min_attempt_time: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, [`Backoff::default`], no minimum attempt time.
    fn default() -> Self {
        RetryPolicy::new(3)
    }
}

impl RetryPolicy {
    /// At most `max_attempts` attempts (0 counts as 1), with [`Backoff::default`] and no
    /// minimum attempt time.
    pub const fn new(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts: if max_attempts == 0 { 1 } else { max_attempts },
            backoff: Backoff::new(Duration::from_millis(100), Duration::from_secs(2)),
            min_attempt_time: Duration::ZERO,
        }
    }

    /// Replaces the pauses between attempts.
    pub const fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// A retry is made only if, after its pause, at least this much time is left before the
    /// deadline: a retry that would time out could turn a message known not to be sent into one
    /// whose outcome is unknown.
    pub const fn with_min_attempt_time(mut self, min_attempt_time: Duration) -> Self {
        self.min_attempt_time = min_attempt_time;
        self
    }

    /// The most attempts, the first one included.
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The pauses between attempts.
    pub const fn backoff(&self) -> Backoff {
        self.backoff
    }

    /// The time a retry needs left after its pause.
    pub const fn min_attempt_time(&self) -> Duration {
        self.min_attempt_time
    }

    /// After attempt `attempt` (from 1) failed with `error`, with `time_left` before the send's
    /// deadline: the pause before the next attempt, or `None` to give up and return `error`.
    ///
    /// Gives up unless the error [`is_retryable`](ConnectorError::is_retryable) and attempts
    /// are left. The pause is the backoff's (with `jitter` in `0.0..=1.0`), or the error's
    /// [`retry_after`](ConnectorError::retry_after) if longer; it must leave
    /// [`min_attempt_time`](Self::min_attempt_time) before the deadline.
    pub fn pause_after(
        &self,
        attempt: u32,
        error: &ConnectorError,
        time_left: Duration,
        jitter: f64,
    ) -> Option<Duration> {
        if !error.is_retryable() || attempt >= self.max_attempts {
            return None;
        }
        let pause = self
            .backoff
            .delay(attempt, jitter)
            .max(error.retry_after().unwrap_or(Duration::ZERO));
        (pause.saturating_add(self.min_attempt_time) <= time_left).then_some(pause)
    }

    /// Runs `attempt(n, time_left)` for n = 1, 2, ... until it succeeds or
    /// [`pause_after`](Self::pause_after) gives up, sleeping each pause with `sleep`; returns
    /// the last result. `time_left` is what remains before `deadline` when the attempt starts
    /// (the attempt must not take longer).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use connector_kit::{Backoff, ConnectorError, ErrorKind, RetryPolicy};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let policy = RetryPolicy::new(3).with_backoff(Backoff::new(Duration::from_millis(1), Duration::from_millis(5)));
    /// let deadline = Instant::now() + Duration::from_secs(5);
    /// let mut calls = 0;
    /// let result = policy
    ///     .run(
    ///         deadline,
    ///         |attempt, _time_left| {
    ///             calls += 1;
    ///             async move {
    ///                 match attempt {
    ///                     1 => Err(ConnectorError::new(ErrorKind::RateLimited, "throttled").with_retryable(true)),
    ///                     _ => Ok("sent"),
    ///                 }
    ///             }
    ///         },
    ///         tokio::time::sleep,
    ///     )
    ///     .await;
    /// assert_eq!((result.unwrap(), calls), ("sent", 2));
    /// # }
    /// ```
    pub async fn run<T, A, AttemptFuture, S, SleepFuture>(
        &self,
        deadline: Instant,
        mut attempt: A,
        mut sleep: S,
    ) -> Result<T, ConnectorError>
    where
        A: FnMut(u32, Duration) -> AttemptFuture,
        AttemptFuture: Future<Output = Result<T, ConnectorError>>,
        S: FnMut(Duration) -> SleepFuture,
        SleepFuture: Future<Output = ()>,
    {
        let mut number = 1;
        loop {
            let time_left = deadline.saturating_duration_since(Instant::now());
            let error = match attempt(number, time_left).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let time_left = deadline.saturating_duration_since(Instant::now());
            match self.pause_after(number, &error, time_left, jitter()) {
                Some(pause) => sleep(pause).await,
                None => return Err(error),
            }
            number += 1;
        }
    }
}

/// A uniform draw from `0.0..1.0`, from the standard library's randomly keyed hasher (keys
/// from the OS random source, a fresh key for every draw): no random-number crate needed for
/// spreading retries.
fn jitter() -> f64 {
    let bits = random_u64() >> 11;
    bits as f64 / (1u64 << 53) as f64
}

/// 64 random bits from the standard library's randomly keyed hasher (a fresh key for every
/// draw): for jitter, and for the references a failover gives messages without one.
pub(crate) fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use crate::ErrorKind;

    use super::*;

    #[test]
    fn delays_grow_exponentially_within_the_cap() {
        let backoff = Backoff::default();
        assert_eq!(backoff.delay(1, 0.0), Duration::from_millis(50));
        assert_eq!(backoff.delay(1, 1.0), Duration::from_millis(100));
        assert_eq!(backoff.delay(2, 1.0), Duration::from_millis(200));
        assert_eq!(backoff.delay(3, 0.5), Duration::from_millis(300));
        assert_eq!(backoff.delay(10, 1.0), Duration::from_secs(2));
        assert_eq!(backoff.delay(u32::MAX, 1.0), Duration::from_secs(2));
        assert_eq!(backoff.delay(1, f64::NAN), Duration::from_millis(50));
        assert_eq!(backoff.delay(1, 7.0), Duration::from_millis(100));
    }

    #[test]
    fn jitter_is_uniform_enough_to_spread_retries() {
        let draws: Vec<f64> = (0..1000).map(|_| jitter()).collect();
        assert!(draws.iter().all(|j| (0.0..1.0).contains(j)));
        let low = draws.iter().filter(|j| **j < 0.5).count();
        assert!((350..=650).contains(&low), "{low} of 1000 below 0.5");
    }

    fn throttled() -> ConnectorError {
        ConnectorError::new(ErrorKind::RateLimited, "throttled").with_retryable(true)
    }

    #[test]
    fn pause_after_decides_from_the_error_the_attempts_and_the_time_left() {
        let policy = RetryPolicy::new(3).with_min_attempt_time(Duration::from_millis(100));
        let left = Duration::from_secs(10);
        assert_eq!(
            policy.pause_after(1, &throttled(), left, 0.0),
            Some(Duration::from_millis(50))
        );
        assert_eq!(
            policy.pause_after(2, &throttled(), left, 1.0),
            Some(Duration::from_millis(200))
        );
        assert_eq!(policy.pause_after(3, &throttled(), left, 0.0), None);
        // Exactly enough time: pause + min attempt time = time left.
        assert_eq!(
            policy.pause_after(1, &throttled(), Duration::from_millis(150), 0.0),
            Some(Duration::from_millis(50))
        );
        assert_eq!(
            policy.pause_after(1, &throttled(), Duration::from_millis(149), 0.0),
            None
        );
        let refused = ConnectorError::new(ErrorKind::Rejected, "no");
        assert_eq!(policy.pause_after(1, &refused, left, 0.0), None);
        let unknown = ConnectorError::new(ErrorKind::OutcomeUnknown, "500").with_retryable(true);
        assert_eq!(policy.pause_after(1, &unknown, left, 0.0), None);
        let window = throttled().with_retry_after(Duration::from_secs(60));
        assert_eq!(
            policy.pause_after(1, &window, left, 0.0),
            None,
            "past the deadline"
        );
        assert_eq!(RetryPolicy::new(0).max_attempts(), 1);
    }

    fn fast() -> RetryPolicy {
        RetryPolicy::new(3).with_backoff(Backoff::new(
            Duration::from_millis(1),
            Duration::from_millis(2),
        ))
    }

    async fn run_with(
        policy: RetryPolicy,
        results: Vec<Result<u32, ConnectorError>>,
    ) -> (Result<u32, ConnectorError>, u32, Vec<Duration>) {
        let results = Mutex::new(results.into_iter());
        let mut calls = 0;
        let mut pauses = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        let result = policy
            .run(
                deadline,
                |n, left| {
                    calls += 1;
                    assert_eq!(n, calls);
                    assert!(left <= Duration::from_secs(5));
                    let next = results.lock().unwrap().next().unwrap();
                    async move { next }
                },
                |pause| {
                    pauses.push(pause);
                    async {}
                },
            )
            .await;
        (result, calls, pauses)
    }

    #[tokio::test]
    async fn retries_only_retryable_errors_within_max_attempts() {
        let (result, calls, pauses) =
            run_with(fast(), vec![Err(throttled()), Err(throttled()), Ok(7)]).await;
        assert_eq!((result.unwrap(), calls, pauses.len()), (7, 3, 2));

        let policy = fast().with_backoff(Backoff::new(Duration::ZERO, Duration::ZERO));
        let (result, calls, _) = run_with(
            RetryPolicy::new(2).with_backoff(policy.backoff()),
            vec![Err(throttled()), Err(throttled())],
        )
        .await;
        assert_eq!(result.unwrap_err().kind(), ErrorKind::RateLimited);
        assert_eq!(calls, 2);

        let unknown = ConnectorError::new(ErrorKind::OutcomeUnknown, "500").with_retryable(true);
        let (result, calls, pauses) = run_with(fast(), vec![Err(unknown), Ok(1)]).await;
        assert_eq!(result.unwrap_err().kind(), ErrorKind::OutcomeUnknown);
        assert_eq!(
            (calls, pauses.len()),
            (1, 0),
            "an unknown outcome is never resent"
        );
    }

    #[tokio::test]
    async fn stops_when_the_pause_would_pass_the_deadline() {
        let mut calls = 0;
        let deadline = Instant::now() + Duration::from_millis(50);
        let slow = RetryPolicy::new(5).with_backoff(Backoff::new(
            Duration::from_millis(200),
            Duration::from_millis(200),
        ));
        let mut pauses = 0;
        let result: Result<(), _> = slow
            .run(
                deadline,
                |_, _| {
                    calls += 1;
                    async { Err(throttled()) }
                },
                |_| {
                    pauses += 1;
                    async {}
                },
            )
            .await;
        assert!(result.is_err());
        assert_eq!((calls, pauses), (1, 0), "no pause fits before the deadline");
    }
}
