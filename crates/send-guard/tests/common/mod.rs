//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod redis_server;

use std::sync::Arc;
use std::time::Duration;

use aliyun_sms::AliyunSmsConnector;
use aliyun_sms_emulator::{Emulator, EmulatorConfig, Limits, demo_connector_config, start};
use connector_kit::{SmsMessage, UsageType};
use send_guard::{GuardConfig, Store};
use serde_json::{Value, json};

pub const SECRET: &str = "test-hash-secret-0123456789";

/// A guard config: `extra` keys merged into `{hashSecret, onStoreFailure: failClosed}`.
pub fn config(extra: Value) -> GuardConfig {
    let mut config = json!({
        "hashSecret": SECRET,
        "onStoreFailure": {"action": "failClosed"},
    });
    for (key, value) in extra.as_object().expect("an object") {
        config[key] = value.clone();
    }
    GuardConfig::from_json_with_env(&config.to_string(), |_| None).unwrap_or_else(|e| panic!("{e}"))
}

/// One budget as JSON.
pub fn budget(name: &str, scope: &str, limit: u32, window_seconds: u32) -> Value {
    json!({"name": name, "scope": scope, "limit": limit, "windowSeconds": window_seconds})
}

pub fn message(to: &str) -> SmsMessage {
    SmsMessage::verification_code(
        to.parse().expect("a phone number"),
        UsageType::SignIn,
        "123456",
    )
}

/// The emulator's demo account with its per-number limits off (the guard's are under test).
pub async fn emulator() -> Emulator {
    start(EmulatorConfig::demo().limits(Limits::off()))
        .await
        .expect("the emulator starts on loopback")
}

/// An Aliyun connector to the emulator's demo account; `extra` keys merged into its config.
pub fn aliyun(endpoint: &str, extra: Value) -> Arc<AliyunSmsConnector> {
    let mut config = demo_connector_config(endpoint);
    for (key, value) in extra.as_object().expect("an object") {
        config[key] = value.clone();
    }
    Arc::new(AliyunSmsConnector::from_json(&config.to_string()).unwrap_or_else(|e| panic!("{e}")))
}

/// A store that never answers, or always fails: what a hung or dead Redis looks like.
#[derive(Debug)]
pub enum BrokenStore {
    Hangs,
    Fails,
}

#[async_trait::async_trait]
impl Store for BrokenStore {
    async fn reserve(
        &self,
        _: &[send_guard::BudgetKey],
    ) -> Result<send_guard::Reserved, send_guard::StoreError> {
        match self {
            BrokenStore::Hangs => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                unreachable!()
            }
            BrokenStore::Fails => Err(send_guard::StoreError::new("connection refused")),
        }
    }

    async fn refund(
        &self,
        _: &[send_guard::BudgetKey],
        _: &send_guard::Reservation,
    ) -> Result<(), send_guard::StoreError> {
        Err(send_guard::StoreError::new("connection refused"))
    }
}
