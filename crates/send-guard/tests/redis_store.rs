//! The Redis store against a real `redis-server` (started per test on a free loopback port).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::redis_server::RedisServer;
use common::{budget, config, message};
use connector_kit::{ConnectorError, ErrorKind, RecordingConnector, SmsConnector};
use send_guard::redis::Commands;
use send_guard::{BudgetKey, GuardRefusal, RedisStore, Reserved, SendGuard, Store};
use serde_json::json;

fn store(redis: &RedisServer) -> RedisStore {
    RedisStore::open(&redis.url(), Duration::from_secs(2)).unwrap()
}

fn info_field(info: &str, name: &str) -> u64 {
    info.lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| {
            rest.trim_start_matches(':')
                .trim()
                .split([',', '\r'])
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn reserves_refuses_frees_up_and_refunds_on_redis_time() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = store(&redis);
    let budgets = [BudgetKey::new(
        "{t}:n:x",
        2,
        Duration::from_millis(1500),
        true,
    )];
    let Reserved::Taken { reservation, full } = store.reserve(&budgets).await.unwrap() else {
        panic!("the first is taken")
    };
    assert!(full.is_empty());
    assert!(matches!(
        store.reserve(&budgets).await.unwrap(),
        Reserved::Taken { .. }
    ));
    let Reserved::Refused { full } = store.reserve(&budgets).await.unwrap() else {
        panic!("the third in the window is refused")
    };
    assert_eq!(full[0].used, 2);
    assert!(
        full[0].retry_after > Duration::ZERO && full[0].retry_after <= Duration::from_millis(1500)
    );

    store.refund(&budgets, &reservation).await.unwrap();
    assert!(matches!(
        store.reserve(&budgets).await.unwrap(),
        Reserved::Taken { .. }
    ));
    let Reserved::Refused { full } = store.reserve(&budgets).await.unwrap() else {
        panic!()
    };
    tokio::time::sleep(full[0].retry_after + Duration::from_millis(50)).await;
    assert!(matches!(
        store.reserve(&budgets).await.unwrap(),
        Reserved::Taken { .. }
    ));
}

#[tokio::test]
async fn monitored_keys_never_refuse_and_a_refusal_takes_nothing() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = store(&redis);
    let window = Duration::from_secs(60);
    let tight = BudgetKey::new("{t}:tight", 1, window, true);
    let wide = BudgetKey::new("{t}:wide", 10, window, true);
    store.reserve(std::slice::from_ref(&tight)).await.unwrap();
    let refused = store.reserve(&[wide.clone(), tight.clone()]).await.unwrap();
    assert!(matches!(refused, Reserved::Refused { .. }));
    let mut connection = redis.connection();
    let wide_units: u64 = connection.zcard("{t}:wide").unwrap();
    assert_eq!(wide_units, 0, "a refused reservation takes nothing");

    let watched = BudgetKey::new("{t}:tight", 1, window, false);
    let Reserved::Taken { reservation, full } = store.reserve(&[wide, watched]).await.unwrap()
    else {
        panic!("a monitored budget lets the unit through")
    };
    assert_eq!((full.len(), full[0].index), (1, 1));
    assert_eq!(reservation.taken, [0]);
}

#[tokio::test]
async fn one_round_trip_per_reserve() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = store(&redis);
    let budgets: Vec<BudgetKey> = ["n", "p", "i", "g"]
        .iter()
        .map(|name| BudgetKey::new(format!("{{t}}:{name}"), 1000, Duration::from_secs(60), true))
        .collect();
    store.reserve(&budgets).await.unwrap(); // loads the script
    let mut connection = redis.connection();
    let before: String = send_guard::redis::cmd("INFO")
        .arg("all")
        .query(&mut connection)
        .unwrap();
    for _ in 0..100 {
        store.reserve(&budgets).await.unwrap();
    }
    let after: String = send_guard::redis::cmd("INFO")
        .arg("all")
        .query(&mut connection)
        .unwrap();
    let delta = |name: &str| info_field(&after, name) - info_field(&before, name);
    assert_eq!(
        delta("cmdstat_evalsha:calls="),
        100,
        "one EVALSHA per reserve"
    );
    // Redis counts the commands a script runs too: take those away.
    let in_script: u64 = [
        "time",
        "zremrangebyscore",
        "zcard",
        "zrange",
        "zadd",
        "pexpire",
    ]
    .iter()
    .map(|command| delta(&format!("cmdstat_{command}:calls=")))
    .sum();
    assert_eq!(
        delta("total_commands_processed") - in_script,
        101,
        "nothing but the EVALSHAs (and one INFO) came over the network"
    );
}

#[tokio::test]
async fn keys_hold_no_number_or_ip_share_a_hash_tag_and_expire_with_their_window() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let config = config(json!({"budgets": [
        budget("n", "number", 5, 600),
        budget("p", "numberPrefix", 50, 3600),
        budget("i", "ip", 20, 3600),
        budget("c", "country", 1000, 3600),
        budget("g", "global", 10000, 86400),
    ]}));
    let guard = SendGuard::new(
        config,
        Arc::new(RecordingConnector::new()),
        Arc::new(store(&redis)),
    )
    .unwrap();
    let sent = message("+8613912345678").with_ip("198.51.100.23".parse().unwrap());
    guard.send(&sent).await.unwrap();

    let mut connection = redis.connection();
    let keys: Vec<String> = connection.keys("*").unwrap();
    assert_eq!(keys.len(), 5, "{keys:?}");
    for key in &keys {
        assert!(key.starts_with("{send-guard}:"), "{key}");
        for clear in ["13912345678", "1391234", "198.51.100"] {
            assert!(!key.contains(clear), "{key} holds {clear}");
        }
        let members: Vec<String> = connection.zrange(key, 0, -1).unwrap();
        assert!(
            members.iter().all(|m| !m.contains("1391234")),
            "{members:?}"
        );
        let ttl: i64 = connection.pttl(key).unwrap();
        let window: i64 = match key.split(':').nth(1) {
            Some("n") => 600_000,
            Some("g") => 86_400_000,
            _ => 3_600_000,
        };
        assert!(ttl > window - 10_000 && ttl <= window, "{key}: PTTL {ttl}");
    }
}

#[tokio::test]
async fn refunds_reach_redis() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let provider = Arc::new(RecordingConnector::new());
    let config = config(json!({"budgets": [budget("n", "number", 1, 600)]}));
    let guard = SendGuard::new(config, provider.clone(), Arc::new(store(&redis))).unwrap();
    provider.fail_next(ConnectorError::new(
        ErrorKind::Rejected,
        "refused before sending",
    ));
    guard.send(&message("+8613800138000")).await.unwrap_err();
    guard.send(&message("+8613800138000")).await.unwrap();
    let error = guard.send(&message("+8613800138000")).await.unwrap_err();
    assert!(matches!(
        GuardRefusal::of(&error),
        Some(GuardRefusal::Budgets(_))
    ));
    assert_eq!(guard.metrics().refunds, 1);
}

#[tokio::test]
async fn a_bad_url_is_a_clear_error_without_the_password() {
    let error = RedisStore::open("http://:hunter2@127.0.0.1/", Duration::from_secs(1)).unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("not valid") && !text.contains("hunter2"),
        "{text}"
    );
}
