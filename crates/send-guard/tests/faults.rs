//! Redis killed in the middle of a run, then restarted, under each store-failure choice: the
//! guard in front of the Aliyun connector and the emulator, one guard for the whole run.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use aliyun_sms_emulator::Emulator;
use common::redis_server::RedisServer;
use common::{aliyun, budget, config, emulator, message};
use connector_kit::{ErrorKind, SmsConnector};
use send_guard::{GuardRefusal, RedisStore, SendGuard};
use serde_json::{Value, json};

const A: &str = "+8613800138000";
const B: &str = "+8613800138001";

async fn guard(redis: &RedisServer, emulator: &Emulator, on_store_failure: Value) -> SendGuard {
    let config = config(json!({
        "onStoreFailure": on_store_failure,
        "storeTimeoutMs": 300,
        "budgets": [budget("per-number", "number", 5, 600)],
    }));
    let store = RedisStore::open(&redis.url(), config.store_timeout()).unwrap();
    SendGuard::new(
        config,
        aliyun(&emulator.endpoint(), json!({})),
        Arc::new(store),
    )
    .unwrap()
}

/// Restarts Redis and waits until the same guard reaches it again: the first send that the
/// budget itself refuses proves the store answered.
async fn restart_and_prove_redis_is_used(redis: &mut RedisServer, guard: &SendGuard) {
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut sent = 0;
    loop {
        assert!(
            Instant::now() < deadline,
            "the restarted Redis was not used again"
        );
        match guard.send(&message(B)).await {
            Ok(_) => sent += 1,
            Err(error) => match GuardRefusal::of(&error) {
                Some(GuardRefusal::Budgets(full)) => {
                    assert_eq!(full[0].budget, "per-number");
                    break;
                }
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            },
        }
    }
    assert!(
        sent <= 5,
        "B got {sent} sends in one window with a limit of 5"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_closed_refuses_with_the_store_error_then_uses_redis_again() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let emulator = emulator().await;
    let guard = guard(&redis, &emulator, json!({"action": "failClosed"})).await;
    for _ in 0..3 {
        guard.send(&message(A)).await.unwrap();
    }
    redis.kill();
    for _ in 0..5 {
        let error = guard.send(&message(A)).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Blocked);
        assert!(
            matches!(
                GuardRefusal::of(&error),
                Some(GuardRefusal::StoreUnavailable(_))
            ),
            "{error}"
        );
    }
    assert_eq!(emulator.inbox().len(), 3, "nothing more was sent");
    assert!(guard.metrics().store_errors >= 5);

    restart_and_prove_redis_is_used(&mut redis, &guard).await;
    assert_eq!(emulator.inbox().len(), 3 + 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_open_sends_and_counts_the_store_errors_then_uses_redis_again() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let emulator = emulator().await;
    let guard = guard(&redis, &emulator, json!({"action": "failOpen"})).await;
    for _ in 0..5 {
        guard.send(&message(A)).await.unwrap();
    }
    guard.send(&message(A)).await.unwrap_err();
    redis.kill();
    for _ in 0..4 {
        guard.send(&message(A)).await.unwrap();
    }
    let metrics = guard.metrics();
    assert_eq!(metrics.sent_without_store, 4);
    assert!(metrics.store_errors >= 4);
    assert_eq!(emulator.inbox().len(), 5 + 4);

    restart_and_prove_redis_is_used(&mut redis, &guard).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_fallback_counts_with_the_cut_limit_then_uses_redis_again() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let emulator = emulator().await;
    let guard = guard(
        &redis,
        &emulator,
        json!({"action": "localFallback", "limitPercent": 40}),
    )
    .await;
    guard.send(&message(A)).await.unwrap();
    redis.kill();
    guard.send(&message(A)).await.unwrap();
    guard.send(&message(A)).await.unwrap();
    let error = guard.send(&message(A)).await.unwrap_err();
    let Some(GuardRefusal::Budgets(full)) = GuardRefusal::of(&error) else {
        panic!("{error}")
    };
    assert_eq!(full[0].limit, 2, "40 % of 5, counted in this process");
    assert_eq!(emulator.inbox().len(), 3);

    restart_and_prove_redis_is_used(&mut redis, &guard).await;
}
