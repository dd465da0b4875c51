//! When and how soon a send or a query is tried again: the kit's [`RetryPolicy`], slept on
//! tokio.
//!
//! Only errors that are [`ConnectorError::is_retryable`] are retried: Aliyun refused the
//! request before processing it (throttling, a reused nonce) or no connection could be made, so
//! nothing was sent. A timeout, a connection lost after the request was written, or a 5xx may
//! have sent the message: those are `outcome_unknown` and never retried.

use std::future::Future;
use std::time::Duration;

pub use connector_kit::Backoff;
use connector_kit::{ConnectorError, RetryPolicy};
use tokio::time::Instant;

/// Runs `attempt(n, time_left)` for n = 1, 2, ... until it succeeds, fails with an error that
/// is not retryable, `max_attempts` are used up, or the pause plus `min_attempt` would pass
/// `deadline`. Returns the last result.
pub(crate) async fn run<T, F, Fut>(
    max_attempts: u32,
    backoff: Backoff,
    deadline: Instant,
    min_attempt: Duration,
    attempt: F,
) -> Result<T, ConnectorError>
where
    F: FnMut(u32, Duration) -> Fut,
    Fut: Future<Output = Result<T, ConnectorError>>,
{
    RetryPolicy::new(max_attempts)
        .with_backoff(backoff)
        .with_min_attempt_time(min_attempt)
        .run(deadline.into_std(), attempt, tokio::time::sleep)
        .await
}
