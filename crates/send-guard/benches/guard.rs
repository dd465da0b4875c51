//! The guard's cost per send, and the Redis store's reserves.
//!
//! `cargo bench -p send-guard --bench guard` (the `redis/*` benchmarks start their own
//! `redis-server` on a free loopback port, and are skipped without one).
//!
//! - `memory/*`: one send through a `SendGuard` with a `MemoryStore` in front of a connector
//!   that does nothing; `memory/no_guard` is that connector alone, in the same loop. Messages
//!   rotate over 4096 numbers and IPs with realistic budgets, on a simulated clock (10 sends a
//!   second) so that no budget fills.
//! - `memory/one_budget`: the same with the per-number budget alone.
//! - `memory/memory_store_reserve`: the store's part of the guard's work, alone.
//! - `memory/siphash24_128_of_a_number`: the keyed hash of a number in its key (three a send),
//!   alone; `memory/hmac_sha256_of_a_number`, the keyed hash it replaced, beside it.
//! - `memory/classify_number`: libphonenumber's parse and type of one number alone.
//! - `redis/reserve_c1`: one reserve (4 budgets) after another: one round trip each.
//! - `redis/reserve_c64`: reserves from one client (one `RedisStore`, one connection) with 64
//!   in flight; criterion's throughput is reserves per second.

#[path = "../tests/common/redis_server.rs"]
mod redis_server;

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use connector_kit::{
    ConnectorError, ConnectorMetadata, RECORDING_METADATA, Receipt, SmsConnector, SmsMessage,
    UsageType,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use send_guard::{BudgetKey, GuardConfig, MemoryStore, RedisStore, SendGuard, Store};

const MESSAGES: usize = 4096;

/// A connector that sends nothing and remembers nothing.
#[derive(Debug)]
struct Nothing;

#[async_trait]
impl SmsConnector for Nothing {
    fn metadata(&self) -> &ConnectorMetadata {
        &RECORDING_METADATA
    }

    async fn send(&self, _: &SmsMessage) -> Result<Receipt, ConnectorError> {
        Ok(Receipt::default())
    }
}

fn messages() -> Vec<SmsMessage> {
    (0..MESSAGES)
        .map(|i| {
            let to = format!("+86139{:08}", i * 7919).parse().expect("a number");
            let ip = format!("198.51.{}.{}", i / 256, i % 256)
                .parse()
                .expect("an IP");
            SmsMessage::verification_code(to, UsageType::SignIn, "123456").with_ip(ip)
        })
        .collect()
}

/// Realistic budgets: per number, per range, per IP, a daily cap.
const BUDGETS: &str = r#"[
    {"name": "per-number", "scope": "number", "limit": 3, "windowSeconds": 600},
    {"name": "per-range", "scope": "numberPrefix", "limit": 20, "windowSeconds": 3600},
    {"name": "per-ip", "scope": "ip", "limit": 20, "windowSeconds": 3600},
    {"name": "daily-cap", "scope": "global", "limit": 1000000, "windowSeconds": 86400}
]"#;

/// A memory store whose clock moves 100 ms at each reserve: traffic of 10 sends a second over
/// the 4096 numbers and IPs, so that no budget fills and each key holds its steady state (a
/// number sees a send every 410 s: at most 2 units in its 10 minutes).
fn simulated_store() -> MemoryStore {
    let tick = AtomicU64::new(0);
    MemoryStore::with_clock(move || Duration::from_millis(tick.fetch_add(100, Ordering::Relaxed)))
}

/// Only the first of [`BUDGETS`].
const ONE_BUDGET: &str =
    r#"[{"name": "per-number", "scope": "number", "limit": 3, "windowSeconds": 600}]"#;

fn guard(rules: &str, budgets: &str) -> SendGuard {
    let json = format!(
        r#"{{"hashSecret": "benchmark-secret-0123456789", "onStoreFailure": {{"action": "failClosed"}},
            {rules} "budgets": {budgets}}}"#
    );
    let config = GuardConfig::from_json_with_env(&json, |_| None).expect("a config");
    SendGuard::new(config, Arc::new(Nothing), Arc::new(simulated_store())).expect("a guard")
}

/// `iters` sends in one task, round-robin over `messages`, going on from where the last call
/// stopped (`next`), so that each number comes back only every 4096 sends.
fn sends(
    runtime: &tokio::runtime::Runtime,
    sms: &dyn SmsConnector,
    messages: &[SmsMessage],
    next: &mut usize,
    iters: u64,
) -> Duration {
    runtime.block_on(async {
        let started = Instant::now();
        for _ in 0..iters {
            *next = (*next + 1) % MESSAGES;
            black_box(sms.send(black_box(&messages[*next])).await).expect("sent");
        }
        started.elapsed()
    })
}

fn memory(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let messages = messages();
    let one_budget = guard("", ONE_BUDGET);
    let budgets_only = guard("", BUDGETS);
    let recommended = guard(
        r#""countries": {"allow": ["CN", "HK"]},
           "numberTypes": {"deny": ["premiumRate", "sharedCost"]},"#,
        BUDGETS,
    );
    let mut group = c.benchmark_group("memory");
    let mut next = 0;
    group.bench_function("no_guard", |b| {
        b.iter_custom(|iters| sends(&runtime, &Nothing, &messages, &mut next, iters))
    });
    group.bench_function("one_budget", |b| {
        b.iter_custom(|iters| sends(&runtime, &one_budget, &messages, &mut next, iters))
    });
    group.bench_function("four_budgets", |b| {
        b.iter_custom(|iters| sends(&runtime, &budgets_only, &messages, &mut next, iters))
    });
    group.bench_function("four_budgets_countries_number_types", |b| {
        b.iter_custom(|iters| sends(&runtime, &recommended, &messages, &mut next, iters))
    });
    let store = simulated_store();
    let store_keys: Vec<Vec<BudgetKey>> = (0..MESSAGES).map(keys).collect();
    let mut i = 0;
    group.bench_function("memory_store_reserve", |b| {
        b.iter(|| {
            i = (i + 1) % MESSAGES;
            black_box(store.reserve_now(black_box(&store_keys[i])))
        })
    });
    let mac =
        <hmac::Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(b"benchmark-secret-0123456789")
            .expect("a key");
    group.bench_function("hmac_sha256_of_a_number", |b| {
        b.iter(|| {
            use hmac::Mac;
            let mut mac = mac.clone();
            mac.update(black_box(b"n:8613912345678"));
            black_box(mac.finalize().into_bytes())
        })
    });
    let sip = siphasher::sip128::SipHasher24::new_with_key(b"benchmark-key-16");
    group.bench_function("siphash24_128_of_a_number", |b| {
        b.iter(|| {
            use siphasher::sip128::Hasher128;
            use std::hash::Hasher;
            let mut sip = sip;
            sip.write(black_box(b"n:8613912345678"));
            black_box(sip.finish128().as_bytes())
        })
    });
    group.bench_function("classify_number", |b| {
        b.iter(|| {
            let parsed = phonenumber::parse(None, black_box("+8613912345678")).expect("parsed");
            black_box(parsed.number_type(&phonenumber::metadata::DATABASE))
        })
    });
    group.finish();
}

/// Four budget keys as the guard makes them: per number, range and IP (limits and windows of
/// [`BUDGETS`]) and the daily cap.
fn keys(i: usize) -> Vec<BudgetKey> {
    let minutes = |m: u64| Duration::from_secs(60 * m);
    [
        ("per-number", 3, minutes(10)),
        ("per-range", 20, minutes(60)),
        ("per-ip", 20, minutes(60)),
    ]
    .into_iter()
    .map(|(name, limit, window)| {
        let key = format!("{{send-guard}}:{name}:pX4vQ2aB{i:014}");
        BudgetKey::new(key, limit, window, true)
    })
    .chain([BudgetKey::new(
        "{send-guard}:daily-cap:all",
        1_000_000,
        minutes(1440),
        true,
    )])
    .collect()
}

fn redis(c: &mut Criterion) {
    let Some(server) = redis_server::RedisServer::start() else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let store = runtime.block_on(async {
        Arc::new(RedisStore::open(&server.url(), Duration::from_secs(5)).expect("a store"))
    });
    // Redis's clock is real: limits a benchmark cannot fill (a key then holds every unit the
    // run gave it: tens per number, the whole run for the global key, as a daily cap would).
    let keys: Arc<Vec<Vec<BudgetKey>>> = Arc::new(
        (0..MESSAGES)
            .map(|i| {
                keys(i)
                    .into_iter()
                    .map(|k| BudgetKey::new(k.key, 1_000_000, Duration::from_secs(10), true))
                    .collect()
            })
            .collect(),
    );
    let mut group = c.benchmark_group("redis");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("reserve_c1", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let started = Instant::now();
                for i in 0..iters as usize {
                    store.reserve(&keys[i % MESSAGES]).await.expect("reserved");
                }
                started.elapsed()
            })
        })
    });
    group.bench_function("reserve_c64", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let started = Instant::now();
                let mut tasks = tokio::task::JoinSet::new();
                for task in 0..64u64 {
                    let (store, keys) = (store.clone(), keys.clone());
                    tasks.spawn(async move {
                        let mut i = task;
                        while i < iters {
                            store
                                .reserve(&keys[i as usize % MESSAGES])
                                .await
                                .expect("reserved");
                            i += 64;
                        }
                    });
                }
                while tasks.join_next().await.is_some() {}
                started.elapsed()
            })
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = memory, redis
}
criterion_main!(benches);
