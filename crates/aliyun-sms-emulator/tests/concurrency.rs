//! Many clients at once: every request answered, counted and delivered exactly once.

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use aliyun_sign::{Credentials, rpc::RpcSigner};
use aliyun_sms_emulator::Fault;
use common::*;
use tokio::sync::Semaphore;

const REQUESTS: usize = 2_000;
const CONCURRENCY: usize = 64;
const THROTTLED: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_sends_at_concurrency_64() {
    let (emulator, clock) = test_emulator_without_limits().await;
    emulator.inject_times(Fault::Throttle, THROTTLED);
    let timestamp = stamp(clock.now());
    let signer = Arc::new(RpcSigner::new(&Credentials::new(ID, SECRET)));
    let client = http();
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = Vec::with_capacity(REQUESTS);
    for i in 0..REQUESTS {
        let permit = Arc::clone(&permits).acquire_owned().await.unwrap();
        let (client, signer, timestamp, endpoint) = (
            client.clone(),
            Arc::clone(&signer),
            timestamp.clone(),
            emulator.endpoint(),
        );
        tasks.push(tokio::spawn(async move {
            let phone = format!("1380000{i:04}");
            let params = sms_params(&phone, CODE_TEMPLATE, r#"{"code":"1234"}"#);
            let body = signer
                .sign("POST", &params, &timestamp, &nonce())
                .to_form_body();
            let reply = send(
                client
                    .post(endpoint)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body),
            )
            .await;
            drop(permit);
            reply
        }));
    }
    let mut ok = 0;
    let mut throttled = 0;
    let mut request_ids = HashSet::new();
    for task in tasks {
        let reply = task.await.unwrap();
        match (reply.status, reply.code.as_str()) {
            (200, "OK") => ok += 1,
            (400, "Throttling.User") => throttled += 1,
            other => panic!("unexpected {other:?}: {}", reply.body),
        }
        assert!(request_ids.insert(reply.field("RequestId").unwrap()));
    }
    assert_eq!((ok, throttled), (REQUESTS - THROTTLED, THROTTLED));
    assert_eq!(emulator.requests_seen(), REQUESTS as u64);
    let inbox = emulator.inbox();
    assert_eq!(inbox.len(), REQUESTS - THROTTLED);
    let biz_ids: HashSet<&str> = inbox.iter().map(|m| m.biz_id.as_str()).collect();
    assert_eq!(biz_ids.len(), inbox.len());
}
