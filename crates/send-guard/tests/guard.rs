//! The guard's rules, budgets, refunds and store-failure choices, with the memory store (or a
//! broken one) in front of a recording connector.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use common::{BrokenStore, budget, config, message};
use connector_kit::{ConnectorError, ErrorKind, RecordingConnector, SmsConnector, UsageType};
use send_guard::{
    BudgetKey, GuardRefusal, MemoryStore, Reservation, Reserved, Scope, SendGuard, Store,
    StoreError,
};
use serde_json::json;

fn guard(extra: serde_json::Value) -> (SendGuard, Arc<RecordingConnector>) {
    let provider = Arc::new(RecordingConnector::new());
    let guard = SendGuard::in_memory(config(extra), provider.clone()).unwrap();
    (guard, provider)
}

fn refusal(error: &ConnectorError) -> &GuardRefusal {
    assert_eq!(error.kind(), ErrorKind::Blocked, "{error}");
    GuardRefusal::of(error).unwrap_or_else(|| panic!("no GuardRefusal behind {error}"))
}

#[tokio::test]
async fn a_full_budget_refuses_with_its_name_limit_window_and_retry_after() {
    let (guard, provider) = guard(json!({"budgets": [budget("per-number", "number", 2, 600)]}));
    let to = "+8613800138000";
    guard.send(&message(to)).await.unwrap();
    guard.send(&message(to)).await.unwrap();
    let error = guard.send(&message(to)).await.unwrap_err();
    let GuardRefusal::Budgets(full) = refusal(&error) else {
        panic!("{error}")
    };
    assert_eq!(full.len(), 1);
    assert_eq!(full[0].budget, "per-number");
    assert_eq!(full[0].scope, Scope::Number);
    assert_eq!(full[0].limit, 2);
    assert_eq!(full[0].window, Duration::from_secs(600));
    let retry_after = error.retry_after().expect("a retry_after");
    assert!(retry_after > Duration::from_secs(590) && retry_after <= Duration::from_secs(600));
    assert_eq!(full[0].retry_after, retry_after);
    assert!(!error.outcome_unknown() && !error.is_retryable());
    let text = error.to_string();
    assert!(
        text.contains("`per-number`")
            && text.contains("2 per 600 s")
            && text.contains("frees up in"),
        "{text}"
    );
    assert_eq!(
        provider.attempts().len(),
        2,
        "the provider never saw the refused one"
    );
    // Another number has its own budget.
    guard.send(&message("+8613800138001")).await.unwrap();
}

#[tokio::test]
async fn every_way_of_writing_a_number_shares_its_budget() {
    let (guard, _) = guard(json!({"budgets": [budget("per-number", "number", 3, 600)]}));
    for typed in ["13800138000", "+86 138 0013 8000", "008613800138000"] {
        guard.send(&message(typed)).await.unwrap();
    }
    let error = guard.send(&message("8613800138000")).await.unwrap_err();
    assert!(matches!(refusal(&error), GuardRefusal::Budgets(_)));
}

#[tokio::test]
async fn budgets_count_only_their_usage_types() {
    let mut register = budget("register", "number", 1, 600);
    register["usageTypes"] = json!(["Register"]);
    let (guard, _) = guard(json!({"budgets": [register, budget("all", "number", 3, 600)]}));
    let to: connector_kit::PhoneNumber = "+8613800138000".parse().unwrap();
    let of = |usage| connector_kit::SmsMessage::verification_code(to.clone(), usage, "1");
    guard.send(&of(UsageType::Register)).await.unwrap();
    let error = guard.send(&of(UsageType::Register)).await.unwrap_err();
    let GuardRefusal::Budgets(full) = refusal(&error) else {
        panic!()
    };
    assert_eq!(full[0].budget, "register");
    guard.send(&of(UsageType::SignIn)).await.unwrap();
    guard.send(&of(UsageType::ForgotPassword)).await.unwrap();
    let error = guard.send(&of(UsageType::SignIn)).await.unwrap_err();
    let GuardRefusal::Budgets(full) = refusal(&error) else {
        panic!()
    };
    assert_eq!(full[0].budget, "all");
    let metrics = guard.metrics();
    assert_eq!(metrics.rule("budget:register").refused, 1);
    assert_eq!(metrics.rule("budget:all").allowed, 4);
}

#[tokio::test]
async fn premium_rate_numbers_and_denied_countries_never_reach_the_provider() {
    let (guard, provider) = guard(json!({
        "countries": {"deny": ["RU"]},
        "numberTypes": {"deny": ["premiumRate", "sharedCost"]},
    }));
    let error = guard.send(&message("+19005550123")).await.unwrap_err();
    assert!(matches!(
        refusal(&error),
        GuardRefusal::NumberType {
            number_type: send_guard::NumberType::PremiumRate
        }
    ));
    assert!(error.to_string().contains("premiumRate"), "{error}");
    let error = guard.send(&message("+79161234567")).await.unwrap_err();
    assert!(matches!(refusal(&error), GuardRefusal::Country { country: Some(c) } if c == "RU"));
    guard.send(&message("+447400123456")).await.unwrap();
    assert_eq!(provider.attempts().len(), 1);
}

#[tokio::test]
async fn an_allow_list_refuses_other_countries_and_numbers_with_none() {
    let (guard, _) = guard(json!({"countries": {"allow": ["CN"]}}));
    guard.send(&message("13800138000")).await.unwrap();
    for abroad in ["+85268326366", "+88213612345", "85268326366"] {
        let error = guard.send(&message(abroad)).await.unwrap_err();
        assert!(
            matches!(refusal(&error), GuardRefusal::Country { .. }),
            "{abroad}"
        );
    }
}

#[tokio::test]
async fn monitor_mode_counts_what_it_would_refuse_and_lets_it_through() {
    let mut watched = budget("per-number", "number", 1, 600);
    watched["mode"] = json!("monitor");
    let (guard, provider) = guard(json!({
        "countries": {"allow": ["CN"], "mode": "monitor"},
        "numberTypes": {"allow": ["mobile"], "mode": "monitor"},
        "budgets": [watched],
    }));
    for _ in 0..3 {
        guard.send(&message("+8613800138000")).await.unwrap();
    }
    guard.send(&message("+19005550123")).await.unwrap();
    assert_eq!(provider.sent().len(), 4);
    let metrics = guard.metrics();
    let counts = metrics.rule("budget:per-number");
    assert_eq!(
        (counts.allowed, counts.refused, counts.monitored),
        (2, 0, 2)
    );
    let counts = metrics.rule(send_guard::COUNTRIES_RULE);
    assert_eq!(
        (counts.allowed, counts.refused, counts.monitored),
        (3, 0, 1)
    );
    let counts = metrics.rule(send_guard::NUMBER_TYPES_RULE);
    assert_eq!((counts.allowed, counts.monitored), (3, 1));
}

#[tokio::test]
async fn ip_budgets_group_ipv6_by_prefix_and_skip_messages_without_an_ip() {
    let (guard, _) = guard(json!({"budgets": [budget("per-ip", "ip", 2, 600)]}));
    let from =
        |ip: &str, n: u32| message(&format!("+86138001380{n:02}")).with_ip(ip.parse().unwrap());
    guard.send(&from("2001:db8:1:2::1", 1)).await.unwrap();
    guard.send(&from("2001:db8:1:2:ffff::9", 2)).await.unwrap();
    let error = guard.send(&from("2001:db8:1:2::77", 3)).await.unwrap_err();
    assert!(matches!(refusal(&error), GuardRefusal::Budgets(_)));
    guard.send(&from("2001:db8:1:3::1", 4)).await.unwrap();
    guard.send(&from("203.0.113.7", 5)).await.unwrap();
    for n in 6..10 {
        guard
            .send(&message(&format!("+86138001380{n:02}")))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_prefix_budget_counts_a_range_of_numbers() {
    let (guard, _) = guard(json!({"budgets": [budget("range", "numberPrefix", 3, 600)]}));
    for last in ["100", "200", "999"] {
        guard
            .send(&message(&format!("+447400123{last}")))
            .await
            .unwrap();
    }
    let error = guard.send(&message("+447400123555")).await.unwrap_err();
    assert!(matches!(refusal(&error), GuardRefusal::Budgets(_)));
    guard.send(&message("+447400124000")).await.unwrap();
}

#[tokio::test]
async fn country_and_global_budgets() {
    let (guard, _) = guard(json!({"budgets": [
        budget("per-country", "country", 2, 600),
        budget("daily-cap", "global", 3, 86400),
    ]}));
    guard.send(&message("+447400123001")).await.unwrap();
    guard.send(&message("+447400123002")).await.unwrap();
    let error = guard.send(&message("+447400123003")).await.unwrap_err();
    let GuardRefusal::Budgets(full) = refusal(&error) else {
        panic!()
    };
    assert_eq!(full[0].budget, "per-country");
    guard.send(&message("+8613800138000")).await.unwrap();
    let error = guard.send(&message("+8613800138001")).await.unwrap_err();
    let GuardRefusal::Budgets(full) = refusal(&error) else {
        panic!()
    };
    assert_eq!(full[0].budget, "daily-cap");
}

#[tokio::test]
async fn a_refused_send_takes_nothing_from_the_other_budgets() {
    let (guard, _) = guard(json!({"budgets": [
        budget("per-number", "number", 1, 600),
        budget("daily-cap", "global", 2, 86400),
    ]}));
    guard.send(&message("+8613800138000")).await.unwrap();
    for _ in 0..5 {
        guard.send(&message("+8613800138000")).await.unwrap_err();
    }
    guard.send(&message("+8613800138001")).await.unwrap();
}

#[tokio::test]
async fn refund_only_when_the_error_says_nothing_was_sent() {
    let (guard, provider) = guard(json!({"budgets": [budget("per-number", "number", 1, 600)]}));
    let to = "+8613800138000";
    provider.fail_next(ConnectorError::new(ErrorKind::Rejected, "bad sign name"));
    guard.send(&message(to)).await.unwrap_err();
    assert_eq!(guard.metrics().refunds, 1);
    provider.fail_next(ConnectorError::new(ErrorKind::Timeout, "no answer"));
    let error = guard.send(&message(to)).await.unwrap_err();
    assert_eq!(
        error.kind(),
        ErrorKind::Timeout,
        "the unit was back for this one"
    );
    let error = guard.send(&message(to)).await.unwrap_err();
    assert!(
        matches!(refusal(&error), GuardRefusal::Budgets(_)),
        "a timeout may have sent the message: its unit stays taken"
    );
    assert_eq!(guard.metrics().refunds, 1);
}

#[tokio::test]
async fn fail_closed_refuses_with_the_store_error() {
    let provider = Arc::new(RecordingConnector::new());
    let config = config(json!({"budgets": [budget("n", "number", 5, 60)]}));
    let guard = SendGuard::new(config, provider.clone(), Arc::new(BrokenStore::Fails)).unwrap();
    let error = guard.send(&message("+8613800138000")).await.unwrap_err();
    let GuardRefusal::StoreUnavailable(store) = refusal(&error) else {
        panic!("{error}")
    };
    assert!(store.to_string().contains("connection refused"), "{store}");
    assert!(error.to_string().contains("fails closed"), "{error}");
    assert!(provider.attempts().is_empty());
    assert_eq!(guard.metrics().store_errors, 1);
}

#[tokio::test]
async fn fail_open_sends_and_counts_the_store_errors() {
    let provider = Arc::new(RecordingConnector::new());
    let config = config(json!({
        "onStoreFailure": {"action": "failOpen"},
        "budgets": [budget("n", "number", 1, 60)],
    }));
    let guard = SendGuard::new(config, provider.clone(), Arc::new(BrokenStore::Fails)).unwrap();
    for _ in 0..3 {
        guard.send(&message("+8613800138000")).await.unwrap();
    }
    let metrics = guard.metrics();
    assert_eq!((metrics.store_errors, metrics.sent_without_store), (3, 3));
}

#[tokio::test]
async fn local_fallback_counts_in_process_with_the_cut_limit() {
    let provider = Arc::new(RecordingConnector::new());
    let config = config(json!({
        "onStoreFailure": {"action": "localFallback", "limitPercent": 40},
        "budgets": [budget("n", "number", 5, 60)],
    }));
    let guard = SendGuard::new(config, provider.clone(), Arc::new(BrokenStore::Fails)).unwrap();
    guard.send(&message("+8613800138000")).await.unwrap();
    guard.send(&message("+8613800138000")).await.unwrap();
    let error = guard.send(&message("+8613800138000")).await.unwrap_err();
    let GuardRefusal::Budgets(full) = refusal(&error) else {
        panic!("{error}")
    };
    assert_eq!(full[0].limit, 2, "40 % of 5");
    assert_eq!(guard.metrics().counted_locally, 3);
}

#[tokio::test]
async fn a_hung_store_cannot_hang_a_send() {
    let provider = Arc::new(RecordingConnector::new());
    let config = config(json!({
        "storeTimeoutMs": 50,
        "budgets": [budget("n", "number", 5, 60)],
    }));
    let guard = SendGuard::new(config, provider, Arc::new(BrokenStore::Hangs)).unwrap();
    let started = Instant::now();
    let error = guard.send(&message("+8613800138000")).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        error.to_string().contains("did not answer within 50 ms"),
        "{error}"
    );
}

/// A memory store that keeps every key it was given.
#[derive(Debug, Default)]
struct KeySpy {
    store: MemoryStore,
    keys: Mutex<Vec<BudgetKey>>,
}

#[async_trait]
impl Store for KeySpy {
    async fn reserve(&self, budgets: &[BudgetKey]) -> Result<Reserved, StoreError> {
        self.keys.lock().unwrap().extend_from_slice(budgets);
        self.store.reserve(budgets).await
    }

    async fn refund(
        &self,
        budgets: &[BudgetKey],
        reservation: &Reservation,
    ) -> Result<(), StoreError> {
        self.store.refund(budgets, reservation).await
    }
}

#[tokio::test]
async fn stored_keys_never_hold_a_number_or_an_ip_and_share_one_hash_tag() {
    let spy = Arc::new(KeySpy::default());
    let config = config(json!({"budgets": [
        budget("n", "number", 5, 60),
        budget("p", "numberPrefix", 5, 60),
        budget("i", "ip", 5, 60),
        budget("c", "country", 5, 60),
        budget("g", "global", 5, 60),
    ]}));
    let guard = SendGuard::new(config, Arc::new(RecordingConnector::new()), spy.clone()).unwrap();
    let sent = message("+8613912345678").with_ip("198.51.100.23".parse().unwrap());
    guard.send(&sent).await.unwrap();
    let keys = spy.keys.lock().unwrap().clone();
    assert_eq!(keys.len(), 5);
    for key in &keys {
        assert!(key.key.starts_with("{send-guard}:"), "{}", key.key);
        for secret in ["13912345678", "139123", "198.51.100"] {
            assert!(!key.key.contains(secret), "{} holds {secret}", key.key);
        }
    }
    assert!(keys.iter().any(|k| k.key == "{send-guard}:c:CN"));
    assert!(keys.iter().any(|k| k.key == "{send-guard}:g:all"));
}

#[tokio::test]
async fn delivery_lookups_reach_the_wrapped_connector() {
    let (guard, _) = guard(json!({"budgets": [budget("per-number", "number", 1, 600)]}));
    let sent = message("+8613800138000");
    guard.send(&sent).await.unwrap();
    let query = connector_kit::DeliveryQuery::for_message(&sent, std::time::SystemTime::now());
    let report = guard.lookup_delivery(&query).await.unwrap();
    assert!(report.was_sent(), "{report:?}");
}

/// A budget "for ever" (a window of `Duration::MAX`) on the public Store API: once full it
/// refuses, where `at + window` used to overflow (a panic in debug; in release it wrapped and
/// pruned every unit, so the budget never refused).
#[test]
fn a_full_budget_with_a_huge_window_refuses() {
    let store = MemoryStore::with_clock(|| Duration::from_secs(1000));
    let budget = [BudgetKey::new("k", 1, Duration::MAX, true)];
    assert!(matches!(store.reserve_now(&budget), Reserved::Taken { .. }));
    let second =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| store.reserve_now(&budget)));
    assert!(
        matches!(second, Ok(Reserved::Refused { .. })),
        "{:?}",
        second.map_err(|_| "panicked")
    );
}
