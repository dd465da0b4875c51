//! The emulator's notion of "now": the system clock, or a manual clock a test moves.
//!
//! Every time-dependent check (the 15-minute timestamp window, nonce memory, per-number
//! limits, delivery times, `QuerySendDetails` dates) reads this clock, never the system
//! time directly. Fault delays are real time (tokio) and do not read it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

/// Where the emulator reads the current time from. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The system's wall clock.
    #[default]
    System,
    /// A clock that only moves when told to, shared with whoever holds the [`ManualClock`].
    Manual(ManualClock),
    /// The system's wall clock moved by this much (negative: behind), to see what a skewed
    /// clock on either side does.
    Offset(TimeDelta),
}

impl Clock {
    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Manual(manual) => manual.now(),
            Clock::Offset(offset) => Utc::now() + *offset,
        }
    }
}

impl From<ManualClock> for Clock {
    fn from(manual: ManualClock) -> Self {
        Clock::Manual(manual)
    }
}

/// A clock set and advanced by hand; clones share the same time.
///
/// ```
/// use aliyun_sms_emulator::ManualClock;
/// use std::time::Duration;
///
/// let clock = ManualClock::new("2024-01-05T06:07:08Z".parse().unwrap());
/// let shared = clock.clone();
/// clock.advance(Duration::from_secs(61));
/// assert_eq!(shared.now().to_rfc3339(), "2024-01-05T06:08:09+00:00");
/// ```
#[derive(Clone, Debug)]
pub struct ManualClock {
    /// Milliseconds since the Unix epoch.
    millis: Arc<AtomicI64>,
}

impl ManualClock {
    /// A manual clock showing `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        ManualClock {
            millis: Arc::new(AtomicI64::new(now.timestamp_millis())),
        }
    }

    /// The time it shows.
    pub fn now(&self) -> DateTime<Utc> {
        let millis = self.millis.load(Ordering::SeqCst);
        Utc.timestamp_millis_opt(millis)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// Show `now` from here on (backwards is allowed).
    pub fn set(&self, now: DateTime<Utc>) {
        self.millis.store(now.timestamp_millis(), Ordering::SeqCst);
    }

    /// Move the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        // fetch_update cannot fail with a closure that always returns Some.
        let _ = self
            .millis
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |m| {
                Some(m.saturating_add(by))
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_is_shared_and_moves_only_when_told() {
        let start: DateTime<Utc> = "2017-07-12T02:42:19Z".parse().unwrap();
        let manual = ManualClock::new(start);
        let clock = Clock::from(manual.clone());
        assert_eq!(clock.now(), start);
        manual.advance(Duration::from_secs(900));
        assert_eq!(clock.now(), start + chrono::Duration::seconds(900));
        manual.set(start);
        assert_eq!(clock.now(), start);
    }

    #[test]
    fn an_offset_clock_follows_the_system_clock() {
        let ahead = Clock::Offset(TimeDelta::hours(2)).now() - Utc::now();
        assert!(
            (ahead - TimeDelta::hours(2)).abs() < TimeDelta::seconds(5),
            "{ahead}"
        );
    }
}
