//! What the guard did, counted per rule with atomics (no lock on the send path), read with
//! [`SendGuard::metrics`](crate::SendGuard::metrics).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// The rule name of the country rule in [`GuardMetrics::rules`].
pub const COUNTRIES_RULE: &str = "countries";
/// The rule name of the number-type rule in [`GuardMetrics::rules`].
pub const NUMBER_TYPES_RULE: &str = "numberTypes";

/// A snapshot of the guard's counters since it was built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GuardMetrics {
    /// Per rule: [`COUNTRIES_RULE`], [`NUMBER_TYPES_RULE`], and `budget:<name>` for each
    /// budget.
    pub rules: BTreeMap<String, RuleCounts>,
    /// Calls to the store that failed or timed out (reserves and refunds).
    pub store_errors: u64,
    /// Messages let through with no budget counted because the store failed (`failOpen`).
    pub sent_without_store: u64,
    /// Messages counted in the local fallback because the store failed (`localFallback`).
    pub counted_locally: u64,
    /// Reservations given back because the send failed with nothing sent.
    pub refunds: u64,
}

impl GuardMetrics {
    /// The counts of one rule (zeros for an unknown name).
    pub fn rule(&self, name: &str) -> RuleCounts {
        self.rules.get(name).copied().unwrap_or_default()
    }
}

/// What one rule did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuleCounts {
    /// Messages the rule let through.
    pub allowed: u64,
    /// Messages the rule refused.
    pub refused: u64,
    /// Messages the rule, in monitor mode, would have refused and let through.
    pub monitored: u64,
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// In rule order: countries, number types, then the budgets.
    rules: Vec<(String, RuleCounters)>,
    pub(crate) store_errors: AtomicU64,
    pub(crate) sent_without_store: AtomicU64,
    pub(crate) counted_locally: AtomicU64,
    pub(crate) refunds: AtomicU64,
}

#[derive(Debug, Default)]
struct RuleCounters {
    allowed: AtomicU64,
    refused: AtomicU64,
    monitored: AtomicU64,
}

/// What a rule did with one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Allowed,
    Refused,
    Monitored,
}

impl Counters {
    pub(crate) fn new(rule_names: impl IntoIterator<Item = String>) -> Self {
        Counters {
            rules: rule_names
                .into_iter()
                .map(|name| (name, RuleCounters::default()))
                .collect(),
            ..Counters::default()
        }
    }

    pub(crate) fn count(&self, rule: usize, verdict: Verdict) {
        let Some((_, counters)) = self.rules.get(rule) else {
            return;
        };
        let counter = match verdict {
            Verdict::Allowed => &counters.allowed,
            Verdict::Refused => &counters.refused,
            Verdict::Monitored => &counters.monitored,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> GuardMetrics {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        GuardMetrics {
            rules: self
                .rules
                .iter()
                .map(|(name, c)| {
                    let counts = RuleCounts {
                        allowed: read(&c.allowed),
                        refused: read(&c.refused),
                        monitored: read(&c.monitored),
                    };
                    (name.clone(), counts)
                })
                .collect(),
            store_errors: read(&self.store_errors),
            sent_without_store: read(&self.sent_without_store),
            counted_locally: read(&self.counted_locally),
            refunds: read(&self.refunds),
        }
    }
}
