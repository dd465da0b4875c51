//! The race: 8 processes (this test binary run again with `--worker`), each building the Aliyun
//! connector and a send guard in front of it, send 200 messages each, as fast as they can, to
//! the same 10 numbers through one emulator (its own per-number limits off), with a guard
//! limit of 5 per number per window.
//!
//! - One shared Redis: exactly 50 are sent, 5 to each number, and the emulator's inbox agrees.
//! - The memory store (each process counting alone): 8 × 50 = 400 are sent; the reason to use
//!   Redis for a service with more than one instance.
//!
//! Run with `cargo test -p send-guard --test race`; it prints both figures.

#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aliyun_sms_emulator::Emulator;
use common::redis_server::RedisServer;
use common::{aliyun, budget, config, emulator, message};
use connector_kit::SmsConnector;
use send_guard::{GuardRefusal, MemoryStore, RedisStore, SendGuard, Store};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

const PROCESSES: usize = 8;
const MESSAGES_PER_PROCESS: usize = 200;
const NUMBERS: usize = 10;
const LIMIT: u32 = 5;
/// Sends in flight in each process.
const CONCURRENCY: usize = 32;

fn number(i: usize) -> String {
    format!("+86138001380{:02}", i % NUMBERS)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    if args.get(1).map(String::as_str) == Some("--worker") {
        runtime.block_on(worker(&args[2], &args[3], &args[4]));
        return;
    }
    if args.iter().any(|a| a == "--list") {
        println!("race_with_redis: test\nrace_with_memory_store: test");
        return;
    }
    let mut passed = 0;
    if let Some(redis) = RedisServer::start() {
        println!("test race_with_redis ...");
        let sent = runtime.block_on(race("redis", &redis.url()));
        println!("test race_with_redis ... ok ({sent} sent with one Redis)");
        passed += 1;
    }
    println!("test race_with_memory_store ...");
    let sent = runtime.block_on(race("memory", ""));
    println!("test race_with_memory_store ... ok ({sent} sent with a memory store per process)");
    passed += 1;
    println!("\ntest result: ok. {passed} passed; 0 failed; 0 ignored; 0 measured; 0 filtered out");
}

/// Runs the 8 workers against one emulator; checks and returns how many were sent.
async fn race(store: &str, redis_url: &str) -> usize {
    let emulator = emulator().await;
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..PROCESSES {
        let mut child = Command::new(std::env::current_exe().expect("the test binary"))
            .args(["--worker", store, redis_url, &emulator.endpoint()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("a worker process starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(Duration::from_secs(60), lines.next_line()).await;
        assert!(
            matches!(&ready, Ok(Ok(Some(line))) if line == "ready"),
            "a worker did not get ready: {ready:?}"
        );
        workers.push((child, lines));
    }
    for (child, _) in &mut workers {
        let stdin = child.stdin.as_mut().unwrap();
        stdin.write_all(b"go\n").await.unwrap();
        stdin.flush().await.unwrap();
    }
    let mut sent = 0;
    let mut refused = 0;
    for (mut child, mut lines) in workers {
        let line = tokio::time::timeout(Duration::from_secs(120), lines.next_line())
            .await
            .expect("a worker finishes in 2 minutes")
            .unwrap()
            .expect("a worker reports");
        let report: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            report["other"],
            json!([]),
            "a worker had other errors: {line}"
        );
        sent += report["sent"].as_u64().unwrap() as usize;
        refused += report["refused"].as_u64().unwrap() as usize;
        assert!(child.wait().await.unwrap().success());
    }
    assert_eq!(sent + refused, PROCESSES * MESSAGES_PER_PROCESS);
    check_inbox(&emulator, store, sent);
    eprintln!(
        "{store}: {sent} sent, {refused} refused by the guard, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    sent
}

fn check_inbox(emulator: &Emulator, store: &str, sent: usize) {
    let inbox = emulator.inbox();
    assert_eq!(inbox.len(), sent, "the inbox agrees with the workers");
    let mut per_number: BTreeMap<String, usize> = BTreeMap::new();
    for delivered in &inbox {
        *per_number
            .entry(delivered.phone_number.clone())
            .or_default() += 1;
    }
    let limit = LIMIT as usize;
    if store == "redis" {
        assert_eq!(sent, NUMBERS * limit, "exactly 50 with one shared Redis");
        assert!(per_number.values().all(|&n| n == limit), "{per_number:?}");
    } else {
        assert!(sent > NUMBERS * limit, "each process counts alone");
        assert_eq!(sent, PROCESSES * NUMBERS * limit, "{per_number:?}");
    }
    assert_eq!(per_number.len(), NUMBERS);
}

/// One process: connector → guard, wait for "go", 200 sends, then a JSON report.
async fn worker(store: &str, redis_url: &str, endpoint: &str) {
    let config = config(json!({
        // Generous: a store timeout would count as a refusal and blur the figure.
        "storeTimeoutMs": 10000,
        "budgets": [budget("per-number", "number", LIMIT, 3600)],
    }));
    let store: Arc<dyn Store> = match store {
        "redis" => Arc::new(RedisStore::open(redis_url, config.store_timeout()).unwrap()),
        _ => Arc::new(MemoryStore::new()),
    };
    let guard = Arc::new(SendGuard::new(config, aliyun(endpoint, json!({})), store).unwrap());
    println!("ready");
    tokio::task::spawn_blocking(|| std::io::stdin().read_line(&mut String::new()))
        .await
        .unwrap()
        .expect("the parent says go");

    let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..MESSAGES_PER_PROCESS {
        let (guard, permits) = (guard.clone(), permits.clone());
        sends.spawn(async move {
            let _permit = permits.acquire().await.unwrap();
            guard.send(&message(&number(i))).await
        });
    }
    let (mut sent, mut refused, mut other) = (0, 0, Vec::new());
    while let Some(result) = sends.join_next().await {
        match result.expect("a send task") {
            Ok(_) => sent += 1,
            Err(error) => match GuardRefusal::of(&error) {
                Some(GuardRefusal::Budgets(_)) => refused += 1,
                _ => other.push(error.to_string()),
            },
        }
    }
    println!(
        "{}",
        json!({"sent": sent, "refused": refused, "other": other})
    );
}
