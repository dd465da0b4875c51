//! The HTTP/1.1 server (hyper on tokio, loopback only), fault application, the
//! `/_emulator/inbox` control paths, and the [`Emulator`] handle.

use std::convert::Infallible;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HOST, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio::task::{JoinHandle, JoinSet};

use crate::clock::Clock;
use crate::config::EmulatorConfig;
use crate::error::ApiError;
use crate::faults::{Fault, TrickleBody};
use crate::inbox::DeliveredMessage;
use crate::lock;
use crate::request::ApiRequest;
use crate::response::{Answer, Format};
use crate::service::{State, answer};

/// Largest request body read; beyond it the answer is HTTP 413.
const MAX_REQUEST_BODY: usize = 4 * 1024 * 1024;
/// `HostId` of gateway errors when the request has no `Host` header.
const DEFAULT_HOST: &str = "dysmsapi.aliyuncs.com";
const JSON: &str = "application/json;charset=utf-8";

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
    let request_id = new_request_id();
    if request.uri().path().starts_with("/_emulator/") {
        return Ok(control(&state, &request));
    }
    let fault = state.faults.next();
    let host = host_of(&request);
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
            let error = ApiError::body_too_large(MAX_REQUEST_BODY);
            let answer = Answer::error(&error, None, Format::Json, &request_id, &host);
            return Ok(api_response(&answer, &request_id));
        }
        // The client went away mid-body: nobody to answer.
        Err(_) => return Err(Hangup),
    };
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_string(), value)
        })
        .collect();
    let parsed = ApiRequest::parse(parts.method.as_str(), parts.uri.query(), headers, body);
    let format = parsed.as_ref().map_or(Format::Json, ApiRequest::format);

    let mut late_by = None;
    match fault {
        None => {}
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::LateAnswer(delay)) => late_by = Some(delay),
        Some(Fault::CloseConnection) => return Err(Hangup),
        Some(Fault::Throttle) => {
            let answer = Answer::error(&ApiError::throttling(), None, format, &request_id, &host);
            return Ok(api_response(&answer, &request_id));
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
            let body = format!(r#"{{RequestId:"{request_id}",Code:OK,Message:"OK",}}"#);
            return Ok(raw_response(200, JSON, Full::new(body.into()).boxed()));
        }
        Some(Fault::TruncatedJson) => {
            let mut body = fake_ok_body(&state, &request_id);
            body.truncate(body.len() / 2);
            return Ok(raw_response(200, JSON, Full::new(body).boxed()));
        }
        Some(Fault::SlowBody { chunk, interval }) => {
            let body = TrickleBody::new(fake_ok_body(&state, &request_id), chunk, interval);
            return Ok(raw_response(200, JSON, body.boxed()));
        }
    }

    let answer = match parsed {
        Ok(_) if parts.uri.path() != "/" => {
            let error = ApiError::action_not_found();
            Answer::error(&error, None, format, &request_id, &host)
        }
        Ok(request) => answer(&state, &request, &request_id, &host),
        Err(error) => Answer::error(&error, None, format, &request_id, &host),
    };
    if let Some(delay) = late_by {
        tokio::time::sleep(delay).await;
    }
    Ok(api_response(&answer, &request_id))
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

/// A `Code: OK` answer for faults that spoil one (nothing is delivered for it).
fn fake_ok_body(state: &State, request_id: &str) -> Bytes {
    let biz_id = state.next_biz_id(state.config.clock.now());
    let body = json!({"RequestId": request_id, "Code": "OK", "Message": "OK", "BizId": biz_id});
    Bytes::from(body.to_string())
}

fn api_response(answer: &Answer, request_id: &str) -> Response<Body> {
    let body = Full::new(Bytes::from(answer.to_bytes())).boxed();
    let mut response = raw_response(answer.status, answer.content_type(), body);
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-acs-request-id", value);
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

/// The `Host` header without its port, as Aliyun's `HostId`.
fn host_of(request: &Request<Incoming>) -> String {
    request
        .headers()
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .map(|host| host.rsplit_once(':').map_or(host, |(name, _)| name))
        .filter(|host| !host.is_empty())
        .unwrap_or(DEFAULT_HOST)
        .to_string()
}

/// Aliyun's `RequestId`: an upper-case UUID v4.
fn new_request_id() -> String {
    let mut buffer = uuid::Uuid::encode_buffer();
    uuid::Uuid::new_v4()
        .hyphenated()
        .encode_upper(&mut buffer)
        .to_string()
}
