//! How composition waits, on any async runtime: a sleep function its user passes, or a timer
//! thread when none is passed.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// A boxed future that completes after a pause.
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A sleep function: `Sleep::new(tokio::time::sleep)`, or `async_io::Timer::after` wrapped
/// likewise. The kit has no async runtime, so whoever composes connectors says how to wait
/// (as [`RetryPolicy::run`](crate::RetryPolicy::run) takes it too).
///
/// [`Sleep::default`] works on any runtime without one: each pause is a thread that sleeps,
/// then wakes the task. It is only used while a [`Failover`](crate::Failover) settles an
/// unknown outcome (a rare event), but pass your runtime's sleep where you have one.
///
/// ```
/// use std::time::{Duration, Instant};
/// use connector_kit::Sleep;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let runtime = Sleep::new(tokio::time::sleep);
/// let started = Instant::now();
/// runtime.sleep(Duration::from_millis(20)).await;
/// Sleep::default().sleep(Duration::from_millis(20)).await;
/// assert!(started.elapsed() >= Duration::from_millis(40));
/// # }
/// ```
#[derive(Clone)]
pub struct Sleep(Arc<dyn Fn(Duration) -> SleepFuture + Send + Sync>);

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sleep")
    }
}

impl Default for Sleep {
    /// A thread a pause (no runtime needed).
    fn default() -> Self {
        Sleep::new(|duration| ThreadTimer {
            duration,
            shared: None,
        })
    }
}

impl Sleep {
    /// Waits with `sleep`, e.g. `tokio::time::sleep`.
    pub fn new<F, Fut>(sleep: F) -> Self
    where
        F: Fn(Duration) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Sleep(Arc::new(move |duration| Box::pin(sleep(duration))))
    }

    /// A future that completes after `duration`.
    pub fn sleep(&self, duration: Duration) -> SleepFuture {
        (self.0)(duration)
    }
}

/// A pause that a thread of its own ends: no runtime needed.
struct ThreadTimer {
    duration: Duration,
    shared: Option<Arc<Mutex<TimerState>>>,
}

#[derive(Default)]
struct TimerState {
    done: bool,
    waker: Option<Waker>,
}

impl Future for ThreadTimer {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.duration.is_zero() {
            return Poll::Ready(());
        }
        let duration = self.duration;
        let shared = self.shared.get_or_insert_with(|| {
            let shared = Arc::new(Mutex::new(TimerState::default()));
            let timer = Arc::clone(&shared);
            std::thread::spawn(move || {
                std::thread::sleep(duration);
                let mut state = timer.lock().unwrap_or_else(|p| p.into_inner());
                state.done = true;
                if let Some(waker) = state.waker.take() {
                    waker.wake();
                }
            });
            shared
        });
        let mut state = shared.lock().unwrap_or_else(|p| p.into_inner());
        if state.done {
            Poll::Ready(())
        } else {
            state.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[test]
    fn the_default_sleep_needs_no_runtime() {
        let started = Instant::now();
        // A minimal executor: block on the future with a thread-parking waker.
        struct Unpark(std::thread::Thread);
        impl std::task::Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut pause = Sleep::default().sleep(Duration::from_millis(30));
        while pause.as_mut().poll(&mut cx).is_pending() {
            std::thread::park();
        }
        assert!(started.elapsed() >= Duration::from_millis(30));
        let mut zero = Sleep::default().sleep(Duration::ZERO);
        assert!(zero.as_mut().poll(&mut cx).is_ready());
    }
}
