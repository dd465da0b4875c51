//! Per-number limits on verification codes: how many sends a (sender, number) pair may have in
//! a minute, an hour, a day. Provider-neutral: a gateway decides what the sender is (Aliyun's
//! sign name) and how it answers a [`LimitHit`] (Aliyun's `isv.BUSINESS_LIMIT_CONTROL`).
//!
//! Counted over sliding windows of the emulator's clock. A send to several numbers is all or
//! nothing: if one number is over a limit, nothing is counted.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::config::Limits;
use crate::lock;

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// The window a send went over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Window {
    Minute,
    Hour,
    Day,
}

/// A send refused by a limit: the window, and how many sends it allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LimitHit {
    pub window: Window,
    pub limit: u32,
}

#[derive(Debug)]
pub(crate) struct RateLimiter {
    limits: Limits,
    sends: Mutex<Sends>,
}

#[derive(Debug, Default)]
struct Sends {
    /// Send times (ms) per (sign name, number), oldest first, none older than `keep_ms`.
    by_key: HashMap<(String, String), VecDeque<i64>>,
    /// Sweep idle keys once the map grows past this.
    sweep_at: usize,
}

impl RateLimiter {
    pub fn new(limits: Limits) -> Self {
        RateLimiter {
            limits,
            sends: Mutex::new(Sends {
                by_key: HashMap::new(),
                sweep_at: 4096,
            }),
        }
    }

    /// Count one send to each `(sender, normalised number)`, or count nothing and answer the
    /// first limit hit.
    pub fn admit(&self, sends: &[(&str, &str)], now: DateTime<Utc>) -> Result<(), LimitHit> {
        if self.limits.is_off() {
            return Ok(());
        }
        let now = now.timestamp_millis();
        let keep_ms = self.keep_ms();
        let mut recorded = lock(&self.sends);
        let mut counted: Vec<(String, String)> = Vec::with_capacity(sends.len());
        for (sign_name, number) in sends {
            let key = (sign_name.to_string(), number.to_string());
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
        let windows = [
            (self.limits.per_minute, MINUTE_MS, Window::Minute),
            (self.limits.per_hour, HOUR_MS, Window::Hour),
            (self.limits.per_day, DAY_MS, Window::Day),
        ];
        for (limit, window_ms, window) in windows {
            let Some(limit) = limit else { continue };
            let recent = times.iter().rev().take_while(|&&t| now - t < window_ms);
            if recent.count() >= limit as usize {
                return Err(LimitHit { window, limit });
            }
        }
        Ok(())
    }

    /// The longest window with a limit: older sends no longer matter.
    fn keep_ms(&self) -> i64 {
        if self.limits.per_day.is_some() {
            DAY_MS
        } else if self.limits.per_hour.is_some() {
            HOUR_MS
        } else {
            MINUTE_MS
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn hit(window: Window, limit: u32) -> LimitHit {
        LimitHit { window, limit }
    }

    fn t0() -> DateTime<Utc> {
        "2024-01-05T06:07:08Z".parse().unwrap()
    }

    #[test]
    fn minute_hour_day() {
        let limiter = RateLimiter::new(Limits::default());
        let n = [("S", "+8613800138000")];
        let mut now = t0();
        limiter.admit(&n, now).unwrap();
        let err = limiter.admit(&n, now + Duration::seconds(59)).unwrap_err();
        assert_eq!(err, hit(Window::Minute, 1));
        for _ in 0..4 {
            now += Duration::seconds(60);
            limiter.admit(&n, now).unwrap();
        }
        now += Duration::seconds(60);
        let err = limiter.admit(&n, now).unwrap_err();
        assert_eq!(err, hit(Window::Hour, 5));
        // Another sign name is counted apart.
        limiter.admit(&[("Other", "+8613800138000")], now).unwrap();
        now = t0() + Duration::hours(1) + Duration::seconds(300);
        for _ in 0..5 {
            limiter.admit(&n, now).unwrap();
            now += Duration::seconds(60);
        }
        now = t0() + Duration::hours(3);
        let err = limiter.admit(&n, now).unwrap_err();
        assert_eq!(err, hit(Window::Day, 10));
        limiter.admit(&n, t0() + Duration::hours(24)).unwrap();
    }

    #[test]
    fn a_batch_is_all_or_nothing() {
        let limiter = RateLimiter::new(Limits::default());
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
        let limiter = RateLimiter::new(Limits::off());
        for _ in 0..100 {
            limiter.admit(&[("S", "+1")], t0()).unwrap();
        }
    }
}
