//! The guard's cost per send, and the Redis store's reserves.
//!
//! `cargo bench -p send-guard --bench guard` (the `redis/*` benchmarks start their own
//! `redis-server` on a free loopback port, and are skipped without one).
//!
//! - `memory/*`: one send through a `SendGuard` with a `MemoryStore` in front of a connector
//!   that does nothing, minus nothing: `memory/no_guard` is that connector alone, in the same
//!   loop. Messages rotate over 4096 numbers and IPs, so no budget fills.
//! - `memory/classify_number`: libphonenumber's parse and type of one number alone.
//! - `redis/reserve_c1`: one reserve (4 budgets) after another: one round trip each.
//! - `redis/reserve_c64`: reserves from one client (one `RedisStore`, one connection) with 64
//!   in flight; criterion's throughput is reserves per second.

#[path = "../tests/common/redis_server.rs"]
mod redis_server;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use connector_kit::{
    ConnectorError, ConnectorMetadata, RECORDING_METADATA, Receipt, SmsConnector, SmsMessage,
    UsageType,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use send_guard::{BudgetKey, GuardConfig, RedisStore, SendGuard, Store};

const MESSAGES: usize = 4096;

/// A connector that sends nothing and remembers nothing.
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

/// Budgets that never fill in a benchmark: per number, per range, per IP, global.
const BUDGETS: &str = r#"[
    {"name": "per-number", "scope": "number", "limit": 1000000, "windowSeconds": 600},
    {"name": "per-range", "scope": "numberPrefix", "limit": 1000000, "windowSeconds": 3600},
    {"name": "per-ip", "scope": "ip", "limit": 1000000, "windowSeconds": 3600},
    {"name": "total", "scope": "global", "limit": 1000000, "windowSeconds": 1}
]"#;

fn guard(rules: &str) -> SendGuard {
    let json = format!(
        r#"{{"hashSecret": "benchmark-secret-0123456789", "onStoreFailure": {{"action": "failClosed"}},
            {rules} "budgets": {BUDGETS}}}"#
    );
    let config = GuardConfig::from_json_with_env(&json, |_| None).expect("a config");
    SendGuard::in_memory(config, Arc::new(Nothing)).expect("a guard")
}

/// `iters` sends in one task, round-robin over `messages`.
fn sends(
    runtime: &tokio::runtime::Runtime,
    sms: &dyn SmsConnector,
    messages: &[SmsMessage],
    iters: u64,
) -> Duration {
    runtime.block_on(async {
        let started = Instant::now();
        for i in 0..iters as usize {
            black_box(sms.send(black_box(&messages[i % MESSAGES])).await).expect("sent");
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
    let budgets_only = guard("");
    let recommended = guard(
        r#""countries": {"allow": ["CN", "HK"]},
           "numberTypes": {"deny": ["premiumRate", "sharedCost"]},"#,
    );
    let mut group = c.benchmark_group("memory");
    group.bench_function("no_guard", |b| {
        b.iter_custom(|iters| sends(&runtime, &Nothing, &messages, iters))
    });
    group.bench_function("four_budgets", |b| {
        b.iter_custom(|iters| sends(&runtime, &budgets_only, &messages, iters))
    });
    group.bench_function("four_budgets_countries_number_types", |b| {
        b.iter_custom(|iters| sends(&runtime, &recommended, &messages, iters))
    });
    group.bench_function("classify_number", |b| {
        b.iter(|| {
            let parsed = phonenumber::parse(None, black_box("+8613912345678")).expect("parsed");
            black_box(parsed.number_type(&phonenumber::metadata::DATABASE))
        })
    });
    group.finish();
}

fn keys(i: usize) -> Vec<BudgetKey> {
    let window = Duration::from_secs(10);
    ["n", "p", "i"]
        .iter()
        .map(|scope| BudgetKey::new(format!("{{b}}:{scope}:{i}"), 1_000_000, window, true))
        .chain([BudgetKey::new("{b}:g:all", 1_000_000, window, true)])
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
    let keys: Arc<Vec<Vec<BudgetKey>>> = Arc::new((0..MESSAGES).map(keys).collect());
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
