//! The shared core: the HTTP/1.1 server (hyper on tokio, loopback only), the state every
//! gateway shares (config, inbox, faults), fault application, the `/_emulator/inbox` control
//! paths, and the [`Emulator`] handle. Each request goes to one provider's [`Gateway`], told
//! from its headers.

use std::convert::Infallible;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio::task::{JoinHandle, JoinSet};

use crate::aliyun::AliyunGateway;
use crate::clock::Clock;
use crate::config::EmulatorConfig;
use crate::faults::{Fault, FaultQueue, TrickleBody};
use crate::inbox::{DeliveredMessage, Inbox, Provider};
use crate::lock;
use crate::tencent::TencentGateway;

/// Largest request body read; beyond it the provider's "too large" answer.
pub(crate) const MAX_REQUEST_BODY: usize = 4 * 1024 * 1024;
const JSON: &str = "application/json;charset=utf-8";

/// Everything one emulator shares between its connections: what every gateway shares, and
/// each gateway's own state.
#[derive(Debug)]
pub(crate) struct State {
    pub config: EmulatorConfig,
    pub inbox: Inbox,
    pub faults: FaultQueue,
    pub requests_seen: AtomicU64,
    pub aliyun: AliyunGateway,
    pub tencent: TencentGateway,
}

impl State {
    pub fn new(config: EmulatorConfig) -> Self {
        State {
            inbox: Inbox::new(config.inbox_capacity),
            faults: FaultQueue::default(),
            requests_seen: AtomicU64::new(0),
            aliyun: AliyunGateway::new(&config),
            tencent: TencentGateway::new(&config),
            config,
        }
    }

    fn gateway(&self, provider: Provider) -> &dyn Gateway {
        match provider {
            Provider::Aliyun => &self.aliyun,
            Provider::Tencent => &self.tencent,
        }
    }
}

/// One HTTP request to an API path, as a gateway reads it.
#[derive(Debug, Clone)]
pub(crate) struct HttpRequest {
    /// As received (`GET`, `POST`).
    pub method: String,
    /// The path, e.g. `/`.
    pub path: String,
    /// The query string after `?`, as received.
    pub query: Option<String>,
    /// Header names lower-case, values as received (lossy UTF-8), in the order received.
    pub headers: Vec<(String, String)>,
    /// The exact body bytes (empty when the body was too large to read).
    pub body: Bytes,
}

impl HttpRequest {
    /// The first value of header `name` (lower-case), if present and not blank.
    pub fn header(&self, name: &str) -> Option<&str> {
        first_header(&self.headers, name)
    }

    /// All values of header `name`, joined with `,` (empty when absent), as signatures read
    /// a repeated header.
    pub fn joined_header(&self, name: &str) -> String {
        joined_header(&self.headers, name)
    }
}

/// The first value of header `name` (lower-case) of `headers`, if present and not blank.
pub(crate) fn first_header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

/// All values of header `name` of `headers`, trimmed and joined with `,` (empty when absent).
pub(crate) fn joined_header(headers: &[(String, String)], name: &str) -> String {
    headers
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.trim())
        .collect::<Vec<_>>()
        .join(",")
}

/// A gateway's answer, before it becomes an HTTP response.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Bytes,
    /// The provider's request-id response header, with the request's id.
    pub request_id_header: Option<&'static str>,
}

/// The answers that fault injection asks a gateway for, in its provider's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Canned {
    /// The provider's throttling answer.
    Throttle,
    /// The provider's internal-error answer.
    InternalError,
    /// The provider's answer to a body over [`MAX_REQUEST_BODY`].
    BodyTooLarge,
}

/// One provider's endpoint: what it checks and how it answers.
pub(crate) trait Gateway: Send + Sync {
    /// A fresh `RequestId` as this provider writes them.
    fn new_request_id(&self) -> String;

    /// The answer to one API request.
    fn answer(&self, state: &State, request: &HttpRequest, request_id: &str) -> Reply;

    /// A canned answer, in the shape a request like `request` gets.
    fn canned(&self, canned: Canned, request: &HttpRequest, request_id: &str) -> Reply;

    /// A successful send's answer, for the faults that spoil one (nothing is delivered).
    fn fake_ok_body(&self, state: &State, request: &HttpRequest, request_id: &str) -> Bytes;

    /// HTTP 200 JSON that is not JSON, for [`Fault::MalformedJson`].
    fn malformed_body(&self, request_id: &str) -> Bytes;
}

type Body = BoxBody<Bytes, Infallible>;

/// A running emulator. Clones share it; when the last clone is dropped the server stops.
///
/// Every method is cheap and safe to call from many tasks at once.
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

struct Inner {
    state: Arc<State>,
    addr: SocketAddr,
    server: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(server) = lock(&self.server).take() {
            server.abort();
        }
    }
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.inner.addr)
            .field("config", &self.inner.state.config)
            .finish_non_exhaustive()
    }
}

/// Start an emulator of `config` on a free port of 127.0.0.1.
pub async fn start(config: EmulatorConfig) -> io::Result<Emulator> {
    start_on(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Start an emulator of `config` on `addr`, which must be a loopback address (the demo
/// keys are public; the emulator is not a network service). Port 0 picks a free port.
pub async fn start_on(config: EmulatorConfig, addr: SocketAddr) -> io::Result<Emulator> {
    if !addr.ip().is_loopback() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the emulator binds loopback addresses only, not {addr}"),
        ));
    }
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    // The join handle is not needed: loading either finishes or the process ends.
    drop(tokio::task::spawn_blocking(crate::phone::load_metadata));
    let state = Arc::new(State::new(config));
    let server = tokio::spawn(accept_loop(listener, Arc::clone(&state)));
    Ok(Emulator {
        inner: Arc::new(Inner {
            state,
            addr,
            server: Mutex::new(Some(server)),
        }),
    })
}

impl Emulator {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// The endpoint to give a client: `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    /// The configuration it serves.
    pub fn config(&self) -> &EmulatorConfig {
        &self.inner.state.config
    }

    /// Everything delivered so far (up to the inbox capacity), oldest first.
    pub fn inbox(&self) -> Vec<DeliveredMessage> {
        self.inner.state.inbox.all()
    }

    /// Forget every delivered message.
    pub fn clear_inbox(&self) {
        self.inner.state.inbox.clear();
    }

    /// Each message delivered from now on, as it is delivered (a receiver that falls more
    /// than 1,024 messages behind skips some: `RecvError::Lagged`).
    pub fn subscribe(&self) -> broadcast::Receiver<DeliveredMessage> {
        self.inner.state.inbox.subscribe()
    }

    /// HTTP requests received so far, whatever their path, answer or fault.
    pub fn requests_seen(&self) -> u64 {
        self.inner.state.requests_seen.load(Ordering::SeqCst)
    }

    /// Apply `fault` to the next API request (after those already queued).
    pub fn inject(&self, fault: Fault) {
        self.inject_times(fault, 1);
    }

    /// Apply `fault` to each of the next `times` API requests (after those already
    /// queued): `inject_times(Fault::Throttle, 3)` throttles three requests.
    pub fn inject_times(&self, fault: Fault, times: usize) {
        self.inner.state.faults.push(fault, times);
    }

    /// Drop every queued fault.
    pub fn clear_faults(&self) {
        self.inner.state.faults.clear();
    }

    /// The clock it reads; with a [`ManualClock`](crate::ManualClock) this is the same
    /// clock the test moves.
    pub fn clock(&self) -> Clock {
        self.inner.state.config.clock.clone()
    }

    /// Stop listening and close every connection; returns once the port is closed.
    pub async fn shutdown(&self) {
        let server = lock(&self.inner.server).take();
        if let Some(server) = server {
            server.abort();
            // The task was aborted: its error says so and nothing else.
            let _ = server.await;
        }
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, Arc::clone(&state)));
                }
                // Out of file descriptors or similar: give the system a moment.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, state: Arc<State>) {
    // Best effort: answers are small and should not wait for Nagle.
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |request| handle(Arc::clone(&state), request));
    // A connection error is the client's business (or a CloseConnection fault).
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// Returned by the service to make hyper drop the connection without writing a byte.
#[derive(Debug)]
struct Hangup;

impl fmt::Display for Hangup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection closed by an injected fault")
    }
}

impl std::error::Error for Hangup {}

async fn handle(state: Arc<State>, request: Request<Incoming>) -> Result<Response<Body>, Hangup> {
    state.requests_seen.fetch_add(1, Ordering::SeqCst);
    if request.uri().path().starts_with("/_emulator/") {
        return Ok(control(&state, &request));
    }
    let fault = state.faults.next();
    let provider = provider_of(&request);
    let gateway = state.gateway(provider);
    let request_id = gateway.new_request_id();
    let (parts, body) = request.into_parts();
    let mut http = HttpRequest {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_string(), value)
            })
            .collect(),
        body: Bytes::new(),
    };
    http.body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
            let reply = gateway.canned(Canned::BodyTooLarge, &http, &request_id);
            return Ok(reply_response(reply, &request_id));
        }
        // The client went away mid-body: nobody to answer.
        Err(_) => return Err(Hangup),
    };

    let mut late_by = None;
    match fault {
        None => {}
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::LateAnswer(delay)) => late_by = Some(delay),
        Some(Fault::CloseConnection) => return Err(Hangup),
        Some(Fault::Throttle) => {
            let reply = gateway.canned(Canned::Throttle, &http, &request_id);
            return Ok(reply_response(reply, &request_id));
        }
        Some(Fault::InternalError) => {
            let reply = gateway.canned(Canned::InternalError, &http, &request_id);
            return Ok(reply_response(reply, &request_id));
        }
        Some(Fault::Respond {
            status,
            content_type,
            body,
        }) => {
            return Ok(raw_response(
                status,
                &content_type,
                Full::new(body.into()).boxed(),
            ));
        }
        Some(Fault::MalformedJson) => {
            let body = gateway.malformed_body(&request_id);
            return Ok(raw_response(200, JSON, Full::new(body).boxed()));
        }
        Some(Fault::TruncatedJson) => {
            let mut body = gateway.fake_ok_body(&state, &http, &request_id);
            body.truncate(body.len() / 2);
            return Ok(raw_response(200, JSON, Full::new(body).boxed()));
        }
        Some(Fault::SlowBody { chunk, interval }) => {
            let body = TrickleBody::new(
                gateway.fake_ok_body(&state, &http, &request_id),
                chunk,
                interval,
            );
            return Ok(raw_response(200, JSON, body.boxed()));
        }
    }

    let reply = gateway.answer(&state, &http, &request_id);
    if let Some(delay) = late_by {
        tokio::time::sleep(delay).await;
    }
    Ok(reply_response(reply, &request_id))
}

/// Which provider a request is for: Tencent's when it carries Tencent's headers (`X-TC-Action`,
/// or a `TC3-` signature), Aliyun's otherwise.
fn provider_of(request: &Request<Incoming>) -> Provider {
    let headers = request.headers();
    let tc3 = headers
        .get(hyper::header::AUTHORIZATION)
        .is_some_and(|value| value.as_bytes().starts_with(b"TC3-"));
    if tc3 || headers.contains_key("x-tc-action") {
        Provider::Tencent
    } else {
        Provider::Aliyun
    }
}

/// `GET /_emulator/inbox` (JSON array), `DELETE /_emulator/inbox` (204). Never faulted.
fn control(state: &State, request: &Request<Incoming>) -> Response<Body> {
    match (request.method(), request.uri().path()) {
        (&Method::GET, "/_emulator/inbox") => {
            let body = serde_json::to_vec(&state.inbox.all()).unwrap_or_default();
            raw_response(200, JSON, Full::new(body.into()).boxed())
        }
        (&Method::DELETE, "/_emulator/inbox") => {
            state.inbox.clear();
            raw_response(204, "", Full::new(Bytes::new()).boxed())
        }
        (method, path) => {
            let body = json!({
                "Code": "NotFound",
                "Message": format!("{method} {path} is not an emulator path: GET or DELETE /_emulator/inbox"),
            });
            raw_response(404, JSON, Full::new(body.to_string().into()).boxed())
        }
    }
}

fn reply_response(reply: Reply, request_id: &str) -> Response<Body> {
    let mut response = raw_response(
        reply.status,
        reply.content_type,
        Full::new(reply.body).boxed(),
    );
    if let (Some(name), Ok(value)) = (reply.request_id_header, HeaderValue::from_str(request_id)) {
        response.headers_mut().insert(name, value);
    }
    response
}

/// A response with `status` (500 if not a valid code) and `content_type` (none if empty).
fn raw_response(status: u16, content_type: &str, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if !content_type.is_empty() {
        if let Ok(value) = HeaderValue::from_str(content_type) {
            response.headers_mut().insert(CONTENT_TYPE, value);
        }
    }
    response
}
