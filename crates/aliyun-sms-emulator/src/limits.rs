//! Per-number limits on verification codes: how many sends a (sender, number) pair may have in
//! each of a few sliding windows. Provider-neutral: a gateway decides the windows (Aliyun's
//! minute, hour and day; Tencent's 30 seconds, hour and day), what the sender is (Aliyun's sign
//! name, Tencent's SdkAppId) and how it answers a [`LimitHit`].
//!
//! Counted over sliding windows of the emulator's clock. A send to several numbers is all or
//! nothing: if one number is over a limit, nothing is counted.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::lock;

pub(crate) const THIRTY_SECONDS_MS: i64 = 30_000;
pub(crate) const MINUTE_MS: i64 = 60_000;
pub(crate) const HOUR_MS: i64 = 3_600_000;
pub(crate) const DAY_MS: i64 = 86_400_000;

/// A send refused by a limit: the window it went over (in ms), and how many sends it allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LimitHit {
    pub window_ms: i64,
    pub limit: u32,
}

#[derive(Debug)]
pub(crate) struct RateLimiter {
    /// `(limit, window in ms)`, shortest window first.
    windows: Vec<(u32, i64)>,
    sends: Mutex<Sends>,
}

#[derive(Debug, Default)]
struct Sends {
    /// Send times (ms) per (sender, number), oldest first, none older than the longest window.
    by_key: HashMap<(String, String), VecDeque<i64>>,
    /// Sweep idle keys once the map grows past this.
    sweep_at: usize,
}

impl RateLimiter {
    /// Limits of `(sends allowed, window in ms)`; a `None` limit is no limit for that window.
    pub fn new(windows: impl IntoIterator<Item = (Option<u32>, i64)>) -> Self {
        let mut windows: Vec<(u32, i64)> = windows
            .into_iter()
            .filter_map(|(limit, window_ms)| limit.map(|limit| (limit, window_ms)))
            .collect();
        windows.sort_by_key(|&(_, window_ms)| window_ms);
        RateLimiter {
            windows,
            sends: Mutex::new(Sends {
                by_key: HashMap::new(),
                sweep_at: 4096,
            }),
        }
    }

    /// Count one send to each `(sender, normalised number)`, or count nothing and answer the
    /// first limit hit.
    pub fn admit(&self, sends: &[(&str, &str)], now: DateTime<Utc>) -> Result<(), LimitHit> {
        let Some(&(_, keep_ms)) = self.windows.last() else {
            return Ok(());
        };
        let now = now.timestamp_millis();
        let mut recorded = lock(&self.sends);
        let mut counted: Vec<(String, String)> = Vec::with_capacity(sends.len());
        for (sender, number) in sends {
            let key = (sender.to_string(), number.to_string());
            let times = recorded.by_key.entry(key.clone()).or_default();
            while times.front().is_some_and(|&t| now - t >= keep_ms) {
                times.pop_front();
            }
            if let Err(error) = self.check(times, now) {
                for key in &counted {
                    if let Some(times) = recorded.by_key.get_mut(key) {
                        times.pop_back();
                    }
                }
                return Err(error);
            }
            times.push_back(now);
            counted.push(key);
        }
        if recorded.by_key.len() > recorded.sweep_at {
            recorded
                .by_key
                .retain(|_, times| times.back().is_some_and(|&t| now - t < keep_ms));
            recorded.sweep_at = (recorded.by_key.len() * 2).max(4096);
        }
        Ok(())
    }

    fn check(&self, times: &VecDeque<i64>, now: i64) -> Result<(), LimitHit> {
        for &(limit, window_ms) in &self.windows {
            let recent = times.iter().rev().take_while(|&&t| now - t < window_ms);
            if recent.count() >= limit as usize {
                return Err(LimitHit { window_ms, limit });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn hit(window_ms: i64, limit: u32) -> LimitHit {
        LimitHit { window_ms, limit }
    }

    fn aliyun() -> RateLimiter {
        RateLimiter::new([(Some(1), MINUTE_MS), (Some(5), HOUR_MS), (Some(10), DAY_MS)])
    }

    fn t0() -> DateTime<Utc> {
        "2024-01-05T06:07:08Z".parse().unwrap()
    }

    #[test]
    fn minute_hour_day() {
        let limiter = aliyun();
        let n = [("S", "+8613800138000")];
        let mut now = t0();
        limiter.admit(&n, now).unwrap();
        let err = limiter.admit(&n, now + Duration::seconds(59)).unwrap_err();
        assert_eq!(err, hit(MINUTE_MS, 1));
        for _ in 0..4 {
            now += Duration::seconds(60);
            limiter.admit(&n, now).unwrap();
        }
        now += Duration::seconds(60);
        let err = limiter.admit(&n, now).unwrap_err();
        assert_eq!(err, hit(HOUR_MS, 5));
        // Another sign name is counted apart.
        limiter.admit(&[("Other", "+8613800138000")], now).unwrap();
        now = t0() + Duration::hours(1) + Duration::seconds(300);
        for _ in 0..5 {
            limiter.admit(&n, now).unwrap();
            now += Duration::seconds(60);
        }
        now = t0() + Duration::hours(3);
        let err = limiter.admit(&n, now).unwrap_err();
        assert_eq!(err, hit(DAY_MS, 10));
        limiter.admit(&n, t0() + Duration::hours(24)).unwrap();
    }

    #[test]
    fn a_batch_is_all_or_nothing() {
        let limiter = aliyun();
        let now = t0();
        limiter.admit(&[("S", "+2")], now).unwrap();
        assert!(limiter.admit(&[("S", "+1"), ("S", "+2")], now).is_err());
        // "+1" was not counted by the refused batch.
        limiter.admit(&[("S", "+1")], now).unwrap();
        // The same number twice in one batch is two sends.
        assert!(limiter.admit(&[("S", "+3"), ("S", "+3")], now).is_err());
        limiter.admit(&[("S", "+3")], now).unwrap();
    }

    #[test]
    fn off_admits_everything() {
        let limiter = RateLimiter::new([(None, MINUTE_MS)]);
        for _ in 0..100 {
            limiter.admit(&[("S", "+1")], t0()).unwrap();
        }
    }
}
