//! Refund iff nothing was sent, through the Aliyun connector and the emulator, in both stores:
//! a send Aliyun refused before processing it gives its unit back; a timeout after the request
//! went out (the emulator received it) does not.

mod common;

use std::sync::Arc;
use std::time::Duration;

use aliyun_sms_emulator::Fault;
use common::redis_server::RedisServer;
use common::{aliyun, budget, config, emulator, message};
use connector_kit::{ErrorKind, SmsConnector};
use send_guard::{GuardRefusal, MemoryStore, RedisStore, SendGuard, Store};
use serde_json::json;

const TO: &str = "+8613800138000";

async fn refused_before_processing_gives_the_unit_back(store: Arc<dyn Store>) {
    let emulator = emulator().await;
    let connector = aliyun(&emulator.endpoint(), json!({"maxAttempts": 1}));
    let config = config(json!({"budgets": [budget("per-number", "number", 1, 600)]}));
    let guard = SendGuard::new(config, connector, store).unwrap();

    emulator.inject(Fault::Throttle);
    let error = guard.send(&message(TO)).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited, "{error}");
    assert!(!error.outcome_unknown());
    assert!(emulator.inbox().is_empty());
    assert_eq!(guard.metrics().refunds, 1);

    guard.send(&message(TO)).await.expect("the unit came back");
    assert_eq!(emulator.inbox().len(), 1);
    let error = guard.send(&message(TO)).await.unwrap_err();
    assert!(matches!(
        GuardRefusal::of(&error),
        Some(GuardRefusal::Budgets(_))
    ));
}

async fn a_timeout_after_the_request_went_out_keeps_the_unit(store: Arc<dyn Store>) {
    let emulator = emulator().await;
    let connector = aliyun(&emulator.endpoint(), json!({"timeoutMs": 1000}));
    let config = config(json!({"budgets": [budget("per-number", "number", 1, 600)]}));
    let guard = SendGuard::new(config, connector, store).unwrap();

    emulator.inject(Fault::Delay(Duration::from_millis(1500)));
    let error = guard.send(&message(TO)).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    assert!(error.outcome_unknown());
    assert_eq!(emulator.requests_seen(), 1, "the request went out");
    assert_eq!(guard.metrics().refunds, 0);

    let error = guard.send(&message(TO)).await.unwrap_err();
    assert!(
        matches!(GuardRefusal::of(&error), Some(GuardRefusal::Budgets(_))),
        "the unit stays taken: {error}"
    );
    assert_eq!(
        emulator.requests_seen(),
        1,
        "the refused send never reached Aliyun"
    );
}

#[tokio::test]
async fn memory_store_refunds_a_send_refused_before_processing() {
    refused_before_processing_gives_the_unit_back(Arc::new(MemoryStore::new())).await;
}

#[tokio::test]
async fn memory_store_keeps_the_unit_of_a_timeout() {
    a_timeout_after_the_request_went_out_keeps_the_unit(Arc::new(MemoryStore::new())).await;
}

#[tokio::test]
async fn redis_store_refunds_a_send_refused_before_processing() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::open(&redis.url(), Duration::from_secs(1)).unwrap();
    refused_before_processing_gives_the_unit_back(Arc::new(store)).await;
}

#[tokio::test]
async fn redis_store_keeps_the_unit_of_a_timeout() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::open(&redis.url(), Duration::from_secs(1)).unwrap();
    a_timeout_after_the_request_went_out_keeps_the_unit(Arc::new(store)).await;
}
