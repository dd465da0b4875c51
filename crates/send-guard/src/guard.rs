//! The guard itself: an [`SmsConnector`] that wraps another one.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use async_trait::async_trait;
use connector_kit::{
    ConnectorError, ConnectorMetadata, DeliveryQuery, DeliveryReport, Receipt, SmsConnector,
    SmsMessage, UsageType,
};
use phonenumber::country::Id;

use crate::config::{
    BudgetConfig, ConfigError, DEFAULT_DROP_DIGITS, DEFAULT_IPV6_PREFIX_LENGTH, GuardConfig, Mode,
    NumberTypeRule, Scope, StoreFailure,
};
use crate::keys::{KeyHasher, client_of};
use crate::metrics::{COUNTRIES_RULE, Counters, GuardMetrics, NUMBER_TYPES_RULE, Verdict};
use crate::number::{Details, NumberReader, Reading};
use crate::refusal::{BudgetRefusal, GuardRefusal};
use crate::store::{BudgetKey, MemoryStore, Reservation, Reserved, Store, StoreError};

/// A shield against SMS pumping in front of any [`SmsConnector`] (a provider, or a routing or
/// failover setup of several).
///
/// Before a send it checks the country and number-type rules, then reserves one unit in every
/// budget the message falls under, atomically, in its [`Store`]; a refusal is an
/// [`ErrorKind::Blocked`](connector_kit::ErrorKind::Blocked) error whose source is a
/// [`GuardRefusal`], and the wrapped connector never sees the message. After the send the
/// reservation stands, unless the error says nothing was sent
/// ([`ConnectorError::outcome_unknown`] is false): then it is refunded. A send whose outcome
/// is unknown (a timeout after the request went out), or that the caller drops mid-way, keeps
/// its reservation.
pub struct SendGuard {
    inner: Arc<dyn SmsConnector>,
    store: Arc<dyn Store>,
    /// `localFallback`: the in-process store and each budget's cut limit.
    fallback: Option<MemoryStore>,
    on_store_failure: StoreFailure,
    store_timeout: Duration,
    reader: NumberReader,
    hasher: KeyHasher,
    countries: Option<Countries>,
    number_types: Option<(NumberTypeRule, usize)>,
    budgets: Vec<Budget>,
    counters: Counters,
}

/// The country rule, with the codes parsed.
#[derive(Debug)]
struct Countries {
    allow: Vec<Id>,
    deny: Vec<Id>,
    mode: Mode,
    rule: usize,
}

/// A budget ready for the send path.
#[derive(Debug)]
struct Budget {
    config: BudgetConfig,
    /// Its index in the counters.
    rule: usize,
    /// One bit per [`UsageType::ALL`] entry; 0 for every usage type.
    usage_types: u16,
    /// `{prefix}:name:`, the start of each of its keys.
    key_start: String,
    /// `dropDigits` of a number-range budget, the IPv6 prefix length of an IP budget.
    parameter: u8,
    /// Its limit in the local fallback.
    fallback_limit: u32,
}

/// A reservation, the budgets it was made with, and the store that holds it.
#[derive(Debug)]
struct Held {
    budgets: Vec<BudgetKey>,
    reservation: Reservation,
    local: bool,
}

impl fmt::Debug for SendGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendGuard")
            .field("inner", &self.inner.metadata().id)
            .field("store", &self.store)
            .field("on_store_failure", &self.on_store_failure)
            .field(
                "budgets",
                &self
                    .budgets
                    .iter()
                    .map(|b| &b.config.name)
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl SendGuard {
    /// A guard in front of `inner`, counting in `store` (a [`RedisStore`](crate::RedisStore)
    /// shared by every instance, or a [`MemoryStore`] for one process). Checks `config` as
    /// [`GuardConfig::from_json`] does.
    pub fn new(
        config: GuardConfig,
        inner: Arc<dyn SmsConnector>,
        store: Arc<dyn Store>,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        let default_region = config
            .default_region
            .parse()
            .expect("validate checked the default region");
        let mut rules = Vec::new();
        let mut next_rule = |name: String| {
            rules.push(name);
            rules.len() - 1
        };
        let countries = config.countries.as_ref().map(|rule| {
            let parse = |codes: &[String]| -> Vec<Id> {
                codes
                    .iter()
                    .map(|code| code.parse().expect("validate checked the countries"))
                    .collect()
            };
            Countries {
                allow: parse(&rule.allow),
                deny: parse(&rule.deny),
                mode: rule.mode,
                rule: next_rule(COUNTRIES_RULE.to_owned()),
            }
        });
        let number_types = config
            .number_types
            .clone()
            .map(|rule| (rule, next_rule(NUMBER_TYPES_RULE.to_owned())));
        let fallback_percent = match config.on_store_failure {
            StoreFailure::LocalFallback { limit_percent } => u64::from(limit_percent),
            _ => 100,
        };
        let budgets: Vec<Budget> = config
            .budgets
            .iter()
            .map(|budget| Budget {
                rule: next_rule(format!("budget:{}", budget.name)),
                usage_types: budget.usage_types.iter().map(|u| usage_bit(*u)).sum(),
                key_start: format!("{{{}}}:{}:", config.key_prefix, budget.name),
                parameter: match budget.scope {
                    Scope::NumberPrefix => budget.drop_digits.unwrap_or(DEFAULT_DROP_DIGITS),
                    Scope::Ip => budget
                        .ipv6_prefix_length
                        .unwrap_or(DEFAULT_IPV6_PREFIX_LENGTH),
                    _ => 0,
                },
                fallback_limit: u32::try_from(u64::from(budget.limit) * fallback_percent / 100)
                    .unwrap_or(u32::MAX)
                    .max(1),
                config: budget.clone(),
            })
            .collect();
        let needs_details = countries.is_some()
            || number_types.is_some()
            || budgets.iter().any(|b| b.config.scope == Scope::Country);
        Ok(SendGuard {
            inner,
            store,
            fallback: matches!(config.on_store_failure, StoreFailure::LocalFallback { .. })
                .then(MemoryStore::new),
            on_store_failure: config.on_store_failure,
            store_timeout: config.store_timeout(),
            reader: NumberReader {
                default_region,
                needs_details,
            },
            hasher: KeyHasher::new(&config.hash_secret),
            countries,
            number_types,
            budgets,
            counters: Counters::new(rules),
        })
    }

    /// A guard counting in this process only ([`MemoryStore`]).
    pub fn in_memory(
        config: GuardConfig,
        inner: Arc<dyn SmsConnector>,
    ) -> Result<Self, ConfigError> {
        Self::new(config, inner, Arc::new(MemoryStore::new()))
    }

    /// What the guard did since it was built. The same events go to `tracing` (target
    /// `send_guard`): refusals and monitored refusals at `info`, store errors at `warn`; they
    /// never hold a phone number or an IP address.
    pub fn metrics(&self) -> GuardMetrics {
        self.counters.snapshot()
    }

    /// The connector it guards.
    pub fn inner(&self) -> &Arc<dyn SmsConnector> {
        &self.inner
    }

    /// Runs every rule and reserves the budgets: the reservation to refund if nothing is sent.
    async fn admit(&self, message: &SmsMessage) -> Result<Option<Held>, ConnectorError> {
        let reading = self.reader.read(&message.to);
        if let Some(details) = &reading.details {
            self.check_lists(details, message.usage)?;
        }
        let (selected, keys) = self.budget_keys(message, &reading);
        if keys.is_empty() {
            return Ok(None);
        }
        let reserved = bounded(self.store_timeout, self.store.reserve(&keys)).await;
        let error = match reserved {
            Ok(Ok(reserved)) => {
                let reservation = self.settle(reserved, &selected, message.usage, false)?;
                return Ok(Some(Held {
                    budgets: keys,
                    reservation,
                    local: false,
                }));
            }
            Ok(Err(error)) => error,
            Err(_) => self.timed_out(),
        };
        Counters::add(&self.counters.store_errors);
        match (&self.on_store_failure, &self.fallback) {
            (StoreFailure::LocalFallback { .. }, Some(fallback)) => {
                tracing::warn!(target: "send_guard", %error, "budget store failed; counting locally with cut limits");
                Counters::add(&self.counters.counted_locally);
                let local: Vec<BudgetKey> = keys
                    .into_iter()
                    .zip(&selected)
                    .map(|(key, &i)| BudgetKey {
                        limit: self.budgets[i].fallback_limit,
                        ..key
                    })
                    .collect();
                let reserved = fallback.reserve_now(&local);
                let reservation = self.settle(reserved, &selected, message.usage, true)?;
                Ok(Some(Held {
                    budgets: local,
                    reservation,
                    local: true,
                }))
            }
            (StoreFailure::FailOpen, _) => {
                tracing::warn!(target: "send_guard", %error, "budget store failed; sending unguarded (fail open)");
                Counters::add(&self.counters.sent_without_store);
                Ok(None)
            }
            _ => {
                tracing::warn!(target: "send_guard", %error, "budget store failed; refusing (fail closed)");
                Err(GuardRefusal::StoreUnavailable(error).into_error())
            }
        }
    }

    fn timed_out(&self) -> StoreError {
        StoreError::new(format!(
            "the budget store did not answer within {} ms",
            self.store_timeout.as_millis()
        ))
    }

    /// The country and number-type rules.
    fn check_lists(&self, details: &Details, usage: UsageType) -> Result<(), ConnectorError> {
        if let Some(rule) = &self.countries {
            let refused = match details.country {
                Some(country) => {
                    (!rule.allow.is_empty() && !rule.allow.contains(&country))
                        || rule.deny.contains(&country)
                }
                None => !rule.allow.is_empty(),
            };
            let refusal = GuardRefusal::Country {
                country: details.country.map(|c| c.as_ref().to_owned()),
            };
            self.verdict(rule.rule, rule.mode, refused, usage, refusal)?;
        }
        if let Some((rule, index)) = &self.number_types {
            let number_type = details.number_type;
            let refused = (!rule.allow.is_empty() && !rule.allow.contains(&number_type))
                || rule.deny.contains(&number_type);
            let refusal = GuardRefusal::NumberType { number_type };
            self.verdict(*index, rule.mode, refused, usage, refusal)?;
        }
        Ok(())
    }

    /// Counts and logs what a list rule did; `Err` when it refuses.
    fn verdict(
        &self,
        rule: usize,
        mode: Mode,
        refused: bool,
        usage: UsageType,
        refusal: GuardRefusal,
    ) -> Result<(), ConnectorError> {
        let verdict = match (refused, mode) {
            (false, _) => Verdict::Allowed,
            (true, Mode::Enforce) => Verdict::Refused,
            (true, Mode::Monitor) => Verdict::Monitored,
        };
        self.counters.count(rule, verdict);
        match verdict {
            Verdict::Allowed => Ok(()),
            Verdict::Monitored => {
                tracing::info!(target: "send_guard", %usage, %refusal, "monitor mode: would refuse");
                Ok(())
            }
            Verdict::Refused => {
                tracing::info!(target: "send_guard", %usage, %refusal, "refused");
                Err(refusal.into_error())
            }
        }
    }

    /// The budgets the message falls under (their indexes) and their keys.
    fn budget_keys(
        &self,
        message: &SmsMessage,
        reading: &Reading<'_>,
    ) -> (Vec<usize>, Vec<BudgetKey>) {
        let bit = usage_bit(message.usage);
        let mut selected: Vec<usize> = Vec::with_capacity(self.budgets.len());
        let mut keys: Vec<BudgetKey> = Vec::with_capacity(self.budgets.len());
        for (index, budget) in self.budgets.iter().enumerate() {
            if budget.usage_types != 0 && budget.usage_types & bit == 0 {
                continue;
            }
            let config = &budget.config;
            let mut key = String::with_capacity(budget.key_start.len() + 24);
            key.push_str(&budget.key_start);
            // Two budgets per number hash it once: the second copies the first one's subject.
            let earlier = selected.iter().zip(&keys).find(|&(&j, _)| {
                let other: &Budget = &self.budgets[j];
                other.config.scope == config.scope && other.parameter == budget.parameter
            });
            match earlier {
                Some((&j, earlier)) => {
                    key.push_str(&earlier.key[self.budgets[j].key_start.len()..])
                }
                None => {
                    let Some(subject) = self.subject(budget, message, reading) else {
                        continue;
                    };
                    subject.write_to(&mut key);
                }
            }
            selected.push(index);
            keys.push(BudgetKey::new(
                key,
                config.limit,
                config.window(),
                config.mode == Mode::Enforce,
            ));
        }
        (selected, keys)
    }

    /// What a budget of `scope` counts this message as; `None` when it does not apply (an IP
    /// budget and no IP in the message's context).
    fn subject(
        &self,
        budget: &Budget,
        message: &SmsMessage,
        reading: &Reading<'_>,
    ) -> Option<Subject> {
        let number = &reading.international;
        let parameter = budget.parameter;
        Some(match budget.config.scope {
            Scope::Number => Subject::Hashed(self.hasher.number(number.as_bytes())),
            Scope::NumberPrefix => {
                let keep = number.len().saturating_sub(usize::from(parameter));
                Subject::Hashed(self.hasher.range(&number.as_bytes()[..keep]))
            }
            Scope::Ip => {
                let client = client_of(message.context.ip?, parameter);
                Subject::Hashed(self.hasher.client(client.as_bytes()))
            }
            Scope::Country => match reading.details.as_ref().and_then(|d| d.country) {
                Some(country) => Subject::Country(country),
                None => Subject::Plain("none"),
            },
            Scope::Global => Subject::Plain("all"),
        })
    }

    /// Counts and logs what the budgets did: the reservation, or the refusal.
    fn settle(
        &self,
        reserved: Reserved,
        selected: &[usize],
        usage: UsageType,
        local: bool,
    ) -> Result<Reservation, ConnectorError> {
        let (reservation, full) = match reserved {
            Reserved::Taken { reservation, full } => (Some(reservation), full),
            Reserved::Refused { full } => (None, full),
        };
        let mut refusals = Vec::new();
        for (position, &index) in selected.iter().enumerate() {
            let budget = &self.budgets[index];
            let Some(full) = full.iter().find(|f| f.index == position) else {
                self.counters.count(budget.rule, Verdict::Allowed);
                continue;
            };
            let refusal = BudgetRefusal {
                budget: budget.config.name.clone(),
                scope: budget.config.scope,
                limit: if local {
                    budget.fallback_limit
                } else {
                    budget.config.limit
                },
                window: budget.config.window(),
                retry_after: full.retry_after,
            };
            let retry_after_ms = u64::try_from(full.retry_after.as_millis()).unwrap_or(u64::MAX);
            let name = &budget.config.name;
            if budget.config.mode == Mode::Monitor {
                self.counters.count(budget.rule, Verdict::Monitored);
                tracing::info!(target: "send_guard", budget = %name, %usage, used = full.used, limit = refusal.limit, retry_after_ms, "monitor mode: would refuse");
            } else {
                self.counters.count(budget.rule, Verdict::Refused);
                tracing::info!(target: "send_guard", budget = %name, %usage, used = full.used, limit = refusal.limit, retry_after_ms, "refused");
                refusals.push(refusal);
            }
        }
        match reservation {
            Some(reservation) if refusals.is_empty() => Ok(reservation),
            _ => {
                refusals.sort_by_key(|b| std::cmp::Reverse(b.retry_after));
                Err(GuardRefusal::Budgets(refusals).into_error())
            }
        }
    }

    /// Gives a reservation back; a store that fails keeps it (counted too much, never too
    /// little).
    async fn refund(&self, held: Held) {
        let Held {
            budgets,
            reservation,
            local,
        } = held;
        match (local, &self.fallback) {
            (true, Some(fallback)) => fallback.refund_now(&budgets, &reservation),
            (true, None) => {}
            (false, _) => {
                let refund = self.store.refund(&budgets, &reservation);
                let refunded = bounded(self.store_timeout, refund).await;
                let error = match refunded {
                    Ok(Ok(())) => None,
                    Ok(Err(error)) => Some(error),
                    Err(_) => Some(self.timed_out()),
                };
                if let Some(error) = error {
                    Counters::add(&self.counters.store_errors);
                    tracing::warn!(target: "send_guard", %error, "budget store failed; the unit of an unsent message stays taken");
                    return;
                }
            }
        }
        Counters::add(&self.counters.refunds);
    }
}

/// `future` within `limit`. A store that answers at once (the memory store) costs no timer.
async fn bounded<T>(
    limit: Duration,
    future: impl Future<Output = T>,
) -> Result<T, tokio::time::error::Elapsed> {
    let mut future = pin!(future);
    match poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await {
        Poll::Ready(answer) => Ok(answer),
        Poll::Pending => tokio::time::timeout(limit, future).await,
    }
}

/// The last part of a budget's key.
#[derive(Debug, Clone, Copy)]
enum Subject {
    /// A number, a range or an IP: its keyed hash.
    Hashed([u8; 16]),
    Country(Id),
    Plain(&'static str),
}

impl Subject {
    fn write_to(self, key: &mut String) {
        match self {
            Subject::Hashed(digest) => crate::keys::encode(&digest, key),
            Subject::Country(country) => key.push_str(country.as_ref()),
            Subject::Plain(text) => key.push_str(text),
        }
    }
}

/// The bit of a usage type in [`Budget::usage_types`].
fn usage_bit(usage: UsageType) -> u16 {
    let position = UsageType::ALL
        .iter()
        .position(|u| *u == usage)
        .expect("ALL holds every usage type");
    1 << position
}

#[async_trait]
impl SmsConnector for SendGuard {
    fn metadata(&self) -> &ConnectorMetadata {
        self.inner.metadata()
    }

    /// The wrapped connector's lookup: the guard never hides what it can do.
    async fn lookup_delivery(
        &self,
        query: &DeliveryQuery,
    ) -> Result<DeliveryReport, ConnectorError> {
        self.inner.lookup_delivery(query).await
    }

    async fn send(&self, message: &SmsMessage) -> Result<Receipt, ConnectorError> {
        let held = self.admit(message).await?;
        let result = self.inner.send(message).await;
        if let (Err(error), Some(held)) = (&result, held) {
            if !error.outcome_unknown() {
                self.refund(held).await;
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use connector_kit::RecordingConnector;

    use super::*;

    /// A budget of a subject already hashed for this message copies that subject: only from a
    /// budget of the same scope and parameter.
    #[test]
    fn budgets_of_one_subject_share_it_and_others_do_not() {
        let json = r#"{"hashSecret": "a secret of sixteen+", "onStoreFailure": {"action": "failClosed"},
            "budgets": [
                {"name": "n1", "scope": "number", "limit": 3, "windowSeconds": 600},
                {"name": "p3", "scope": "numberPrefix", "dropDigits": 3, "limit": 9, "windowSeconds": 600},
                {"name": "n2", "scope": "number", "limit": 9, "windowSeconds": 86400},
                {"name": "p4", "scope": "numberPrefix", "dropDigits": 4, "limit": 9, "windowSeconds": 600},
                {"name": "p3b", "scope": "numberPrefix", "dropDigits": 3, "limit": 20, "windowSeconds": 3600},
                {"name": "ip", "scope": "ip", "limit": 9, "windowSeconds": 600}
            ]}"#;
        let config = GuardConfig::from_json_with_env(json, |_| None).unwrap();
        let guard = SendGuard::in_memory(config, Arc::new(RecordingConnector::new())).unwrap();
        let message = SmsMessage::verification_code(
            "+8613912345678".parse().unwrap(),
            UsageType::SignIn,
            "123456",
        );
        let reading = guard.reader.read(&message.to);
        let (selected, keys) = guard.budget_keys(&message, &reading);
        assert_eq!(selected, [0, 1, 2, 3, 4], "no IP, no IP budget");
        let subject = |i: usize| keys[i].key.rsplit(':').next().unwrap().to_owned();
        let fresh = |digest: [u8; 16]| {
            let mut text = String::new();
            crate::keys::encode(&digest, &mut text);
            text
        };
        assert_eq!(subject(0), fresh(guard.hasher.number(b"8613912345678")));
        assert_eq!(subject(2), subject(0));
        assert_eq!(subject(1), fresh(guard.hasher.range(b"8613912345")));
        assert_eq!(subject(4), subject(1));
        assert_eq!(subject(3), fresh(guard.hasher.range(b"861391234")));
        assert_eq!(keys[2].key, format!("{{send-guard}}:n2:{}", subject(0)));
    }
}
