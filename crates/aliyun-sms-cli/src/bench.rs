//! `aliyun-sms bench`: N sends at concurrency C through the real connector to a loopback
//! server, reporting throughput, latency, client CPU, peak memory and connections opened.
//!
//! The canned server runs in a child process (`aliyun-sms canned-server`), so the CPU time
//! and memory measured here are the client's alone.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aliyun_sms::AliyunSmsConnector;
use axum::Router;
use axum::routing::{get, post};
use clap::Args;
use connector_kit::{SmsConnector, SmsMessage, UsageType};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};

use crate::output::{EXIT_INTERNAL, EXIT_OK, EXIT_SEND_FAILED, report_failure};

#[derive(Args)]
pub struct BenchArgs {
    /// How many messages to send.
    #[arg(long, default_value_t = 10_000)]
    messages: u64,
    /// How many sends run at once.
    #[arg(long, default_value_t = 1)]
    concurrency: u64,
    /// The signature version the connector uses.
    #[arg(long, default_value = "v1", value_parser = ["v1", "v3"])]
    signature: String,
    /// The tokio runtime the client runs on: `multi` (one worker per core) or `current`
    /// (one thread, as in a service that shards work per core).
    #[arg(long, default_value = "multi", value_parser = ["multi", "current"])]
    runtime: String,
    /// What sends: `connector` (the real connector), or `raw`, the floor: the same request
    /// bytes, signed once, written to a plain TCP stream per worker and the answer read back,
    /// with no HTTP library, no signing and no parsing.
    #[arg(long, default_value = "connector", value_parser = ["connector", "raw"])]
    client: String,
}

impl BenchArgs {
    /// Whether the client runs on a single-threaded runtime.
    pub fn single_thread(&self) -> bool {
        self.runtime == "current"
    }
}

/// What the canned server answers to every SendSms: success, at once.
const CANNED_OK: &str = r#"{"RequestId":"F655A8D5-B967-440B-8683-DAD6FF8DE990","Message":"OK","BizId":"900619746936498440^0","Code":"OK"}"#;

struct CountingListener {
    inner: TcpListener,
    accepted: Arc<AtomicU64>,
}

impl axum::serve::Listener for CountingListener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            if let Ok((stream, address)) = self.inner.accept().await {
                let _ = stream.set_nodelay(true);
                self.accepted.fetch_add(1, Ordering::Relaxed);
                return (stream, address);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// The child process: serves canned OK answers on a free loopback port, printed on stdout.
pub async fn canned_server() -> u8 {
    let listener = match TcpListener::bind(("127.0.0.1", 0)).await {
        Ok(listener) => listener,
        Err(error) => {
            return report_failure(&format!("cannot bind: {error}"), false, EXIT_INTERNAL);
        }
    };
    let accepted = Arc::new(AtomicU64::new(0));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    let stats = accepted.clone();
    let app = Router::new()
        .route(
            "/",
            post(|| async {
                (
                    [("content-type", "application/json;charset=utf-8")],
                    CANNED_OK,
                )
            }),
        )
        .route(
            "/_stats",
            get(move || async move {
                json!({ "connections": stats.load(Ordering::Relaxed) }).to_string()
            }),
        );
    println!("{port}");
    let listener = CountingListener {
        inner: listener,
        accepted,
    };
    match axum::serve(listener, app).await {
        Ok(()) => EXIT_OK,
        Err(error) => report_failure(&format!("canned server: {error}"), false, EXIT_INTERNAL),
    }
}

struct ChildServer(Child);

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_canned_server() -> std::io::Result<(ChildServer, u16)> {
    let mut child = Command::new(std::env::current_exe()?)
        .arg("canned-server")
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| std::io::Error::other("no stdout"))?;
    let child = ChildServer(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let port = line
        .trim()
        .parse()
        .map_err(|_| std::io::Error::other(format!("canned server printed {line:?}")))?;
    Ok((child, port))
}

/// CPU seconds (user, system) this process has used, from /proc (Linux; 100 ticks a second).
fn cpu_seconds() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok().map(|t| t / 100.0);
    Some((ticks(11)?, ticks(12)?))
}

/// Peak resident memory of this process in MiB, from /proc (Linux).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

pub async fn run(args: BenchArgs, json: bool) -> u8 {
    let debug_build = cfg!(debug_assertions);
    if debug_build && !json {
        eprintln!(
            "warning: this is a debug build; its figures say little about a release build. \
             Measure with: cargo run --release -p aliyun-sms-cli -- bench"
        );
    }
    let (server, port) = match spawn_canned_server() {
        Ok(server) => server,
        Err(error) => {
            let message = format!("cannot start the canned server: {error}");
            return report_failure(&message, json, EXIT_INTERNAL);
        }
    };
    let endpoint = format!("http://127.0.0.1:{port}");
    let mut config = aliyun_sms_emulator::demo_connector_config(&endpoint);
    config["signatureVersion"] = json!(args.signature);
    let connector = match AliyunSmsConnector::from_json(&config.to_string()) {
        Ok(connector) => Arc::new(connector),
        Err(error) => return crate::output::report_error(&error, json, None),
    };
    let message = Arc::new(SmsMessage::verification_code(
        "+8613800138000".parse().expect("a valid number"),
        UsageType::SignIn,
        "123456",
    ));

    let raw_request: Arc<[u8]> = match raw_request(&connector, &message) {
        Ok(request) => request.into(),
        Err(error) => return crate::output::report_error(&error, json, None),
    };
    let raw = args.client == "raw";
    let address: SocketAddr = ([127, 0, 0, 1], port).into();

    let next = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let workers: Vec<_> = (0..args.concurrency.max(1))
        .map(|_| {
            let (connector, message, next, failures, raw_request) = (
                connector.clone(),
                message.clone(),
                next.clone(),
                failures.clone(),
                raw_request.clone(),
            );
            let total = args.messages;
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut stream = None;
                while next.fetch_add(1, Ordering::Relaxed) < total {
                    let sent = Instant::now();
                    let ok = if raw {
                        raw_exchange(&mut stream, address, &raw_request)
                            .await
                            .is_ok()
                    } else {
                        connector.send(&message).await.is_ok()
                    };
                    if !ok {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(args.messages as usize);
    for worker in workers {
        latencies.extend(worker.await.unwrap_or_default());
    }
    let wall = started.elapsed();
    let cpu = cpu_before
        .zip(cpu_seconds())
        .map(|(before, after)| (after.0 - before.0, after.1 - before.1));
    latencies.sort_unstable();

    let connections = stats_connections(&endpoint)
        .await
        .map(|n| n.saturating_sub(1));
    drop(server);

    let sends = latencies.len() as f64;
    let failures = failures.load(Ordering::Relaxed);
    let report = json!({
        "messages": args.messages,
        "concurrency": args.concurrency,
        "signature": args.signature,
        "runtime": args.runtime,
        "client": args.client,
        "failures": failures,
        "wallSeconds": wall.as_secs_f64(),
        "sendsPerSecond": sends / wall.as_secs_f64(),
        "p50Ms": percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        "p99Ms": percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        "cpuSecondsPer10k": cpu.map(|(user, system)| (user + system) * 10_000.0 / sends),
        "userCpuSecondsPer10k": cpu.map(|(user, _)| user * 10_000.0 / sends),
        "systemCpuSecondsPer10k": cpu.map(|(_, system)| system * 10_000.0 / sends),
        "peakRssMib": peak_rss_mib(),
        "connectionsOpened": connections,
        "debugBuild": debug_build,
    });
    if json {
        println!("{report}");
    } else {
        println!(
            "{} sends at concurrency {} (signature {}, {} runtime, {} client), {} failed",
            args.messages, args.concurrency, args.signature, args.runtime, args.client, failures
        );
        for (label, key, decimals) in [
            ("sends/s", "sendsPerSecond", 0),
            ("p50 latency (ms)", "p50Ms", 3),
            ("p99 latency (ms)", "p99Ms", 3),
            ("client CPU s / 10,000 sends", "cpuSecondsPer10k", 2),
            ("  of which user", "userCpuSecondsPer10k", 2),
            ("  of which system (kernel)", "systemCpuSecondsPer10k", 2),
            ("peak RSS (MiB)", "peakRssMib", 1),
            ("TCP connections opened", "connectionsOpened", 0),
        ] {
            let shown = match report[key].as_f64() {
                Some(value) => format!("{value:.decimals$}"),
                None => "unknown".to_owned(),
            };
            println!("  {label:<30} {shown:>12}");
        }
    }
    if failures == 0 {
        EXIT_OK
    } else {
        EXIT_SEND_FAILED
    }
}

/// One signed SendSms request as the connector writes it (`host`, the signed headers,
/// `user-agent`, `content-length`, the form body), for the raw floor.
fn raw_request(
    connector: &AliyunSmsConnector,
    message: &SmsMessage,
) -> Result<Vec<u8>, connector_kit::ConnectorError> {
    let nonce = uuid::Uuid::new_v4().to_string();
    let request = connector
        .request_builder()
        .build(message, chrono::Utc::now(), &nonce)?;
    let mut head = format!(
        "POST / HTTP/1.1\r\nhost: {}\r\n",
        connector.request_builder().host()
    );
    for (name, value) in request.headers.iter().filter(|(name, _)| name != "host") {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "user-agent: {}\r\ncontent-length: {}\r\n\r\n",
        aliyun_sms::USER_AGENT,
        request.body.len()
    ));
    Ok([head.as_bytes(), request.body.as_bytes()].concat())
}

/// Writes `request` on the worker's stream (connecting it first if needed) and reads one
/// answer: the head, then `content-length` bytes.
async fn raw_exchange(
    stream: &mut Option<(TcpStream, Vec<u8>)>,
    address: SocketAddr,
    request: &[u8],
) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if stream.is_none() {
        let connected = TcpStream::connect(address).await?;
        connected.set_nodelay(true)?;
        *stream = Some((connected, Vec::with_capacity(4096)));
    }
    let Some((stream, buffer)) = stream.as_mut() else {
        return Err(std::io::Error::other("no stream"));
    };
    stream.write_all(request).await?;
    buffer.clear();
    loop {
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..read]);
        let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|n| n.trim().parse().ok())
            .ok_or_else(|| std::io::Error::other("no content-length"))?;
        if buffer.len() >= end + 4 + length {
            return Ok(());
        }
    }
}

/// Asks the canned server how many connections it accepted (this request's own included).
async fn stats_connections(endpoint: &str) -> Option<u64> {
    let address: SocketAddr = endpoint.strip_prefix("http://")?.parse().ok()?;
    let mut stream = TcpStream::connect(address).await.ok()?;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(b"GET /_stats HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
        .await
        .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.ok()?;
    let body = answer.split_once("\r\n\r\n")?.1;
    serde_json::from_str::<serde_json::Value>(body).ok()?["connections"].as_u64()
}
