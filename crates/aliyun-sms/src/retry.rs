//! When and how soon a send is tried again.
//!
//! Only errors that are [`ConnectorError::is_retryable`] are retried: Aliyun refused the
//! request before processing it (throttling, a reused nonce) or no connection could be made, so
//! nothing was sent. A timeout, a connection lost after the request was written, or a 5xx may
//! have sent the message: those are `outcome_unknown` and never retried here.

use std::future::Future;
use std::time::Duration;

use connector_kit::ConnectorError;
use tokio::time::Instant;

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
        Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(2),
        }
    }
}

impl Backoff {
    /// The pause before retry `retry` (from 1), with `jitter` in `0.0..=1.0` choosing within
    /// the upper half of the exponential step.
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

/// A uniform draw from `0.0..1.0`, from the OS random source (through a v4 UUID).
fn jitter() -> f64 {
    let bits = uuid::Uuid::new_v4().as_u128() as u64 >> 11;
    bits as f64 / (1u64 << 53) as f64
}

/// Runs `attempt(n, time_left)` for n = 1, 2, ... until it succeeds, fails with an error that
/// is not retryable, `max_attempts` are used up, or the pause plus `min_attempt` would pass
/// `deadline`. Returns the last result.
pub(crate) async fn run<T, F, Fut>(
    max_attempts: u32,
    backoff: Backoff,
    deadline: Instant,
    min_attempt: Duration,
    mut attempt: F,
) -> Result<T, ConnectorError>
where
    F: FnMut(u32, Duration) -> Fut,
    Fut: Future<Output = Result<T, ConnectorError>>,
{
    let mut number = 1;
    loop {
        let time_left = deadline.saturating_duration_since(Instant::now());
        let error = match attempt(number, time_left).await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        if !error.is_retryable() || number >= max_attempts {
            return Err(error);
        }
        let pause = backoff.delay(number, jitter());
        if Instant::now() + pause + min_attempt > deadline {
            return Err(error);
        }
        tokio::time::sleep(pause).await;
        number += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use connector_kit::ErrorKind;

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
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }

    fn fast() -> Backoff {
        Backoff {
            base: Duration::from_millis(1),
            cap: Duration::from_millis(2),
        }
    }

    async fn run_with(
        results: Vec<Result<u32, ConnectorError>>,
        max_attempts: u32,
    ) -> (Result<u32, ConnectorError>, u32) {
        let results = Mutex::new(results.into_iter());
        let mut calls = 0;
        let deadline = Instant::now() + Duration::from_secs(5);
        let result = run(max_attempts, fast(), deadline, Duration::ZERO, |n, left| {
            calls += 1;
            assert_eq!(n, calls);
            assert!(left <= Duration::from_secs(5));
            let next = results.lock().unwrap().next().unwrap();
            async move { next }
        })
        .await;
        (result, calls)
    }

    fn throttled() -> ConnectorError {
        ConnectorError::new(ErrorKind::RateLimited, "throttled").with_retryable(true)
    }

    #[tokio::test]
    async fn retries_only_retryable_errors_within_max_attempts() {
        let (result, calls) = run_with(vec![Err(throttled()), Err(throttled()), Ok(7)], 3).await;
        assert_eq!((result.unwrap(), calls), (7, 3));

        let (result, calls) = run_with(vec![Err(throttled()), Err(throttled())], 2).await;
        assert_eq!(result.unwrap_err().kind(), ErrorKind::RateLimited);
        assert_eq!(calls, 2);

        let unknown = ConnectorError::new(ErrorKind::OutcomeUnknown, "500").with_retryable(true);
        let (result, calls) = run_with(vec![Err(unknown), Ok(1)], 3).await;
        assert_eq!(result.unwrap_err().kind(), ErrorKind::OutcomeUnknown);
        assert_eq!(calls, 1, "an unknown outcome is never resent");

        let (result, calls) = run_with(vec![Err(throttled()), Ok(1)], 1).await;
        assert!(result.is_err());
        assert_eq!(calls, 1);
    }

    #[tokio::test]
    async fn stops_when_the_pause_would_pass_the_deadline() {
        let mut calls = 0;
        let deadline = Instant::now() + Duration::from_millis(50);
        let slow = Backoff {
            base: Duration::from_millis(200),
            cap: Duration::from_millis(200),
        };
        let result: Result<(), _> = run(5, slow, deadline, Duration::ZERO, |_, _| {
            calls += 1;
            async { Err(throttled()) }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls, 1);
    }
}
