//! The connection pool (reqwest's, through hyper-util) against a plain loopback HTTP/1.1
//! server that counts connections and requests: reuse, replacement of connections the server
//! closed, the bound on connections, cancelled sends, and idle connections closed by the
//! client in the background.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{connector, ok_body};
use connector_kit::{SmsConnector, SmsMessage, UsageType};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with a connection after each answer.
#[derive(Clone, Copy, PartialEq)]
enum After {
    /// Keeps it open for the next request.
    KeepAlive,
    /// Closes it 10 ms later, without saying so in the answer (as a server whose idle
    /// timeout is short): the client has pooled it by then.
    Close,
    /// Answers with `Connection: close`, then closes it.
    SayCloseAndClose,
}

struct Server {
    endpoint: String,
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
    /// Connections that ended (the client closed them, or the server did).
    ended: Arc<AtomicUsize>,
    /// The shortest time a connection that carried a request stayed open after its last answer.
    shortest_idle: Arc<Mutex<Option<Duration>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(after: After, first_answer_delay: Duration) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let ended = Arc::new(AtomicUsize::new(0));
        let shortest_idle = Arc::new(Mutex::new(None));
        let (accepted, answered, closed) = (connections.clone(), requests.clone(), ended.clone());
        let idle = shortest_idle.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                accepted.fetch_add(1, Ordering::SeqCst);
                let (answered, closed, idle) = (answered.clone(), closed.clone(), idle.clone());
                tokio::spawn(async move {
                    let last_answer = serve(socket, after, first_answer_delay, answered).await;
                    if let Some(last_answer) = last_answer {
                        let kept = last_answer.elapsed();
                        let mut shortest = idle.lock().unwrap();
                        *shortest = Some(shortest.map_or(kept, |s: Duration| s.min(kept)));
                    }
                    closed.fetch_add(1, Ordering::SeqCst);
                });
            }
        });
        Server {
            endpoint,
            connections,
            requests,
            ended,
            shortest_idle,
            task,
        }
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Waits (5 s at most) until `count()` reaches `n`.
    async fn until(&self, n: usize, count: impl Fn(&Server) -> usize) -> usize {
        for _ in 0..500 {
            if count(self) >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        count(self)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads requests (head, then `content-length` bytes of body) and answers each with OK, until
/// the connection ends; when it last answered, if it did.
async fn serve(
    mut socket: TcpStream,
    after: After,
    delay: Duration,
    answered: Arc<AtomicUsize>,
) -> Option<std::time::Instant> {
    let mut buffer = Vec::new();
    let mut last_answer = None;
    loop {
        let Some(head_end) = read_until_head_end(&mut socket, &mut buffer).await else {
            return last_answer;
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0);
        while buffer.len() < head_end + length {
            let mut chunk = [0u8; 4096];
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return last_answer,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        buffer.drain(..head_end + length);
        let number = answered.fetch_add(1, Ordering::SeqCst);
        if number == 0 {
            tokio::time::sleep(delay).await;
        }
        let body = ok_body(&format!("biz-{number}"));
        let connection = if after == After::SayCloseAndClose {
            "connection: close\r\n"
        } else {
            ""
        };
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{connection}content-length: {}\r\n\r\n{body}",
            body.len()
        );
        let written = socket.write_all(answer.as_bytes()).await.is_ok();
        last_answer = Some(std::time::Instant::now());
        if !written || after == After::SayCloseAndClose {
            return last_answer;
        }
        if after == After::Close {
            tokio::time::sleep(Duration::from_millis(10)).await;
            return last_answer;
        }
    }
}

async fn read_until_head_end(socket: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<usize> {
    loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            return Some(at + 4);
        }
        let mut chunk = [0u8; 4096];
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

fn message() -> SmsMessage {
    SmsMessage::verification_code(
        "+8613800138000".parse().unwrap(),
        UsageType::SignIn,
        "123456",
    )
}

#[tokio::test]
async fn sequential_sends_share_one_connection() {
    let server = Server::start(After::KeepAlive, Duration::ZERO).await;
    let sms = connector(&server.endpoint, json!({}));
    for _ in 0..20 {
        sms.send(&message()).await.unwrap();
    }
    assert_eq!((server.connections(), server.requests()), (1, 20));
}

#[tokio::test]
async fn connections_the_server_closed_are_replaced_and_each_message_is_sent_once() {
    for after in [After::Close, After::SayCloseAndClose] {
        let server = Server::start(after, Duration::ZERO).await;
        // One attempt only: a replaced connection must not count as a retry.
        let sms = connector(&server.endpoint, json!({"maxAttempts": 1}));
        for i in 0..5 {
            let receipt = sms.send(&message()).await.unwrap();
            assert_eq!(receipt.message_id.as_deref(), Some(&*format!("biz-{i}")));
            // Let the server's FIN arrive before the next send picks the connection.
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        assert_eq!((server.connections(), server.requests()), (5, 5));
    }
}

/// hyper-util's pool races a new connection against one on its way back to the pool
/// (seanmonstar/reqwest#2424), so a burst may open a few more connections than it has sends in flight (20 to 24 for 16
/// here); the spares are pooled and reused, and each message is still sent exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_reused_and_each_message_is_sent_once_under_concurrency() {
    const IN_FLIGHT: usize = 16;
    const EACH: usize = 40;
    let server = Server::start(After::KeepAlive, Duration::ZERO).await;
    let sms = Arc::new(connector(&server.endpoint, json!({})));
    let tasks: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let sms = sms.clone();
            tokio::spawn(async move {
                for _ in 0..EACH {
                    sms.send(&message()).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(
        server.requests(),
        IN_FLIGHT * EACH,
        "each message sent once"
    );
    println!(
        "{} connections for {IN_FLIGHT} sends in flight",
        server.connections()
    );
    assert!(
        server.connections() <= 2 * IN_FLIGHT,
        "{} connections for {IN_FLIGHT} sends in flight",
        server.connections()
    );
}

#[tokio::test]
async fn a_cancelled_send_takes_its_connection_with_it() {
    let server = Server::start(After::KeepAlive, Duration::from_secs(2)).await;
    let sms = Arc::new(connector(&server.endpoint, json!({})));
    // The caller gives up once the server has the request and is slow to answer: that
    // connection is in an unknown state and must be closed, not pooled.
    let first = tokio::spawn({
        let sms = sms.clone();
        async move { sms.send(&message()).await }
    });
    assert_eq!(
        server.until(1, Server::requests).await,
        1,
        "the request arrived"
    );
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    assert_eq!(
        server.until(1, |s| s.ended.load(Ordering::SeqCst)).await,
        1,
        "closed"
    );

    let receipt = sms.send(&message()).await.unwrap();
    assert_eq!(receipt.message_id.as_deref(), Some("biz-1"));
    assert_eq!((server.connections(), server.requests()), (2, 2));
}

/// After a burst of 64 concurrent sends, the client closes its idle connections by itself
/// (no further send) once they have been idle for the idle timeout: hyper-util's pool checks
/// every `IDLE_TIMEOUT`, so between one and two idle timeouts after the burst, and not before
/// the first (they were kept for reuse).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_by_the_client_after_the_idle_timeout() {
    const BURST: usize = 64;
    const MARGIN: Duration = Duration::from_secs(3);
    let idle = connector_http::IDLE_TIMEOUT;
    let server = Server::start(After::KeepAlive, Duration::ZERO).await;
    let sms = Arc::new(connector(&server.endpoint, json!({})));
    let burst_start = tokio::time::Instant::now();
    let tasks: Vec<_> = (0..BURST)
        .map(|_| {
            let sms = sms.clone();
            tokio::spawn(async move { sms.send(&message()).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let burst_end = std::time::Instant::now();
    let opened = server.connections();
    assert_eq!(server.requests(), BURST);
    assert!(
        opened > 1,
        "the burst ran concurrently: {opened} connections"
    );

    // Kept for reuse at first: none has been idle for the idle timeout until that long after
    // the burst began (on a loaded machine the burst itself can take seconds, so a connection
    // used only at its start may be reaped before `idle` after its end).
    tokio::time::sleep_until(burst_start + idle - Duration::from_secs(1)).await;

    // Then closed, all of them, with the connector still alive and no send.
    let limit = 2 * idle + MARGIN;
    while server.ended.load(Ordering::SeqCst) < opened && burst_end.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ended = server.ended.load(Ordering::SeqCst);
    println!(
        "{opened} connections after the burst; {ended} closed by the client {:?} after it",
        burst_end.elapsed()
    );
    assert_eq!(
        ended, opened,
        "closed within {limit:?} of the burst (idle timeout {idle:?})"
    );
    assert_eq!(server.requests(), BURST, "no further send");
    // None closed too early: each was kept for reuse for the idle timeout after its last
    // answer (measured per connection, so a burst slowed by a busy machine cannot blur it).
    let shortest = server
        .shortest_idle
        .lock()
        .unwrap()
        .expect("connections were used");
    assert!(
        shortest >= idle - Duration::from_secs(1),
        "closed too early: a connection was closed {shortest:?} after its last answer"
    );
    drop(sms);
}
