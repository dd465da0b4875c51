//! HTTP/1.1 exchanges with the endpoint: hyper's connection API, TLS by rustls, and a pool of
//! keep-alive connections that the sending task drives itself.
//!
//! reqwest (and hyper-util's pooled client under it) runs each connection in a task of its own
//! and hands every request and response across channels. Here the task that sends also polls
//! the connection, so an exchange is one task's writes and reads, and a connection goes back
//! to the pool before `post` returns: a caller never opens more connections than it has sends
//! in flight. Measured in `docs/performance.md`.

use std::error::Error as StdError;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use connector_kit::{ConnectorError, ErrorKind};
use http::header::{ACCEPT, CONNECTION, CONTENT_LENGTH, HOST, HeaderName, HeaderValue, USER_AGENT};
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};
use tower_service::Service;

use crate::local_waker::LocalWaker;
use crate::proxy::{self, Proxy};

/// A boxed error from connecting (DNS, TCP, TLS).
pub(crate) type BoxError = Box<dyn StdError + Send + Sync>;

type Stream = MaybeHttpsStream<TokioIo<TcpStream>>;

/// How long an idle pooled connection is kept: less than the idle timeout of the load
/// balancers in front of such APIs (15 s by default on Alibaba Cloud's SLB), so the pool gives
/// a connection up before the server does and a request rarely meets a connection being closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// TCP keep-alive for pooled connections.
const TCP_KEEPALIVE: Duration = Duration::from_secs(30);

/// Why an exchange failed, told apart by whether the request may have reached the server.
#[derive(Debug)]
pub(crate) enum TransportError {
    /// The request could not be built (a header the HTTP stack refuses): nothing was sent.
    Invalid(BoxError),
    /// No byte of the request was written: connecting, TLS or the connect timeout failed.
    NotSent(BoxError),
    /// The proxy answered `407 Proxy Authentication Required`: nothing was sent, and trying
    /// again with the same credentials would not help.
    ProxyAuthentication(BoxError),
    /// The request was handed to a live connection, which then failed before a status
    /// arrived: it may have been processed.
    AfterSend(BoxError),
    /// The status arrived, then the body could not be read.
    Body {
        /// The HTTP status.
        status: u16,
        /// What went wrong.
        error: BoxError,
    },
    /// The deadline passed before the request was handed to a connection: nothing was sent.
    Expired,
    /// The deadline passed after the request was handed to a connection.
    TimedOut {
        /// The HTTP status, when it had arrived.
        status: Option<u16>,
    },
}

/// A response: the status and at most `max_body + 1` bytes of the body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// One keep-alive connection: hyper's request handle and the connection it drives.
struct Connection {
    sender: http1::SendRequest<Full<Bytes>>,
    driver: Driver,
    waker: LocalWaker,
}

/// hyper's connection future, polled by whichever task uses the connection; `None` once it
/// has completed. Dropping it at once hands a request it had not taken yet back to the sender
/// (hyper's `TrySendError::take_message`), so that request is known not to have been written.
struct Driver(Option<http1::Connection<Stream, Full<Bytes>>>);

impl Driver {
    fn ended(&self) -> bool {
        self.0.is_none()
    }
}

struct Idle {
    connection: Connection,
    since: Instant,
}

/// Opens connections: directly, or through an HTTP proxy's `CONNECT` tunnel; then TLS for
/// `https`, end to end with the endpoint.
#[derive(Clone)]
enum Connector {
    Direct(HttpsConnector<HttpConnector>),
    Tunnel(HttpsConnector<Tunnel<HttpConnector>>),
}

impl Connector {
    async fn open(&self, uri: Uri) -> Result<Stream, BoxError> {
        match self {
            Connector::Direct(connector) => open(connector.clone(), uri).await,
            Connector::Tunnel(connector) => open(connector.clone(), uri).await,
        }
    }
}

async fn open<S>(mut connector: S, uri: Uri) -> Result<Stream, BoxError>
where
    S: Service<Uri, Response = Stream>,
    S::Error: Into<BoxError>,
{
    poll_fn(|cx| connector.poll_ready(cx))
        .await
        .map_err(Into::into)?;
    connector.call(uri).await.map_err(Into::into)
}

/// The endpoint's connections.
pub(crate) struct Transport {
    connector: Connector,
    /// The proxy's `host:port` (never its credentials), for messages.
    proxy: Option<String>,
    uri: Uri,
    host: HeaderValue,
    connect_timeout: Duration,
    idle: Mutex<Vec<Idle>>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("uri", &self.uri)
            .field("proxy", &self.proxy)
            .field("idle", &self.idle.lock().map(|idle| idle.len()).ok())
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A transport to `url` (`https://`, or `http://` for loopback as the config allows),
    /// certificates checked against the Mozilla roots that `webpki-roots` carries. Only
    /// `https` endpoints go through a proxy.
    pub fn new(
        url: &str,
        host: &str,
        connect_timeout: Duration,
        proxy: Proxy<'_>,
    ) -> Result<Transport, ConnectorError> {
        let setup = |e: BoxError| {
            ConnectorError::new(ErrorKind::Transport, "could not set up the HTTP client")
                .with_boxed_source(e)
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| setup(e.into()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let uri: Uri = url
            .parse()
            .map_err(|e: http::uri::InvalidUri| setup(e.into()))?;
        let host = HeaderValue::from_str(host).map_err(|e| setup(e.into()))?;
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_keepalive(Some(TCP_KEEPALIVE));
        // Also per attempt: hyper-util shares it among the addresses DNS gives, so a dead
        // first address leaves time for the next one.
        http.set_connect_timeout(Some(connect_timeout));
        let https = || {
            hyper_rustls::HttpsConnectorBuilder::new()
                .with_tls_config(tls.clone())
                .https_or_http()
                .enable_http1()
        };
        let (connector, proxy) = match proxy::choose(proxy, &uri)? {
            None => (Connector::Direct(https().wrap_connector(http)), None),
            Some(chosen) => {
                let mut tunnel = Tunnel::new(chosen.uri, http);
                if let Some(authorization) = chosen.authorization {
                    tunnel = tunnel.with_auth(authorization);
                }
                let connector = Connector::Tunnel(https().wrap_connector(tunnel));
                (connector, Some(chosen.address))
            }
        };
        Ok(Transport {
            connector,
            proxy,
            uri,
            host,
            connect_timeout,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// The proxy's `host:port`, when connections go through one.
    pub fn proxy(&self) -> Option<&str> {
        self.proxy.as_deref()
    }

    /// POSTs `body` to `/` with `headers` (the `host` header is the endpoint's) and reads the
    /// answer, all before `deadline`; at most `max_body + 1` bytes of the body are kept.
    ///
    /// A pooled connection found closed before it took the request is dropped and the next
    /// one (or a new one) takes it: the request is handed to a connection at most once.
    pub async fn post(
        &self,
        headers: &[(String, String)],
        body: String,
        max_body: usize,
        deadline: Instant,
    ) -> Result<Answer, TransportError> {
        let mut request = self.request(headers, body)?;
        let mut timer = pin!(tokio::time::sleep_until(deadline));
        loop {
            let (mut connection, pooled) = match self.checkout() {
                Some(connection) => (connection, true),
                None => (self.connect(deadline).await?, false),
            };
            let waker = connection.waker.clone();
            let exchange = connection.exchange(request, max_body, timer.as_mut());
            match waker.run(exchange).await {
                Ok((answer, reusable)) => {
                    if reusable {
                        self.checkin(connection);
                    }
                    return Ok(answer);
                }
                Err(Exchange::NotTaken(unsent, _)) if pooled => request = *unsent,
                Err(Exchange::NotTaken(_, error)) => return Err(TransportError::NotSent(error)),
                Err(Exchange::Failed(error)) => return Err(error),
            }
        }
    }

    fn request(
        &self,
        headers: &[(String, String)],
        body: String,
    ) -> Result<Request<Full<Bytes>>, TransportError> {
        let mut request = Request::new(Full::new(Bytes::from(body)));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = Uri::from_static("/");
        let map = request.headers_mut();
        map.reserve(headers.len() + 3);
        map.insert(HOST, self.host.clone());
        map.insert(
            USER_AGENT,
            HeaderValue::from_static(crate::connector::USER_AGENT),
        );
        map.insert(ACCEPT, HeaderValue::from_static("application/json"));
        for (name, value) in headers.iter().filter(|(name, _)| name != "host") {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| TransportError::Invalid(e.into()))?;
            let value =
                HeaderValue::from_str(value).map_err(|e| TransportError::Invalid(e.into()))?;
            map.insert(name, value);
        }
        Ok(request)
    }

    /// The most recently used idle connection; those idle too long are closed.
    fn checkout(&self) -> Option<Connection> {
        let mut idle = self.idle.lock().ok()?;
        let now = Instant::now();
        idle.retain(|i| now.duration_since(i.since) < IDLE_TIMEOUT);
        idle.pop().map(|i| i.connection)
    }

    fn checkin(&self, connection: Connection) {
        // An idle connection must not wake the task that used it last (nor keep it alive).
        connection.waker.forget_task();
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(Idle {
                connection,
                since: Instant::now(),
            });
        }
    }

    /// A new connection: TCP, then TLS for https, within the connect timeout and `deadline`.
    async fn connect(&self, deadline: Instant) -> Result<Connection, TransportError> {
        let limit = deadline.min(Instant::now() + self.connect_timeout);
        let handshake = async {
            let stream = self.connector.open(self.uri.clone()).await?;
            // One buffer for head and body (a request is about 1 KiB): measured a little
            // cheaper per send than hyper's vectored writes.
            let (sender, connection) = http1::Builder::new()
                .writev(false)
                .handshake(stream)
                .await?;
            let driver = Driver(Some(connection));
            let waker = LocalWaker::new();
            Ok::<_, BoxError>(Connection {
                sender,
                driver,
                waker,
            })
        };
        match tokio::time::timeout_at(limit, handshake).await {
            Ok(Err(error)) if asks_for_proxy_credentials(&*error) => {
                Err(TransportError::ProxyAuthentication(error))
            }
            Ok(connected) => connected.map_err(TransportError::NotSent),
            Err(_) => Err(TransportError::NotSent(Box::new(timed_out()))),
        }
    }
}

/// hyper-util's tunnel error for a 407 is not nameable outside it: its text is what tells it
/// (`tests/proxy.rs` fails if that changes).
fn asks_for_proxy_credentials(error: &(dyn StdError + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(error) = source {
        if error.to_string().contains("proxy authorization required") {
            return true;
        }
        source = error.source();
    }
    false
}

fn timed_out() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out before sending")
}

/// How one exchange on one connection failed.
enum Exchange {
    /// The connection was found closed before it took the request, which comes back unsent.
    NotTaken(Box<Request<Full<Bytes>>>, BoxError),
    Failed(TransportError),
}

impl Connection {
    /// Sends the request and reads the answer, polling the connection all along, until the
    /// timer fires. Also says whether the connection can serve another request.
    async fn exchange(
        &mut self,
        request: Request<Full<Bytes>>,
        max_body: usize,
        mut timer: Pin<&mut Sleep>,
    ) -> Result<(Answer, bool), Exchange> {
        let Connection { sender, driver, .. } = self;
        // Waiting for readiness is also how a pooled connection the server closed shows itself.
        match drive(driver, timer.as_mut(), poll_fn(|cx| sender.poll_ready(cx))).await {
            // The connection may end (the server's FIN read) in the very poll that finds the
            // sender ready: the request is not handed to it then.
            Ok(Ok(())) if driver.ended() => {
                let error = "the server had closed the connection".into();
                return Err(Exchange::NotTaken(Box::new(request), error));
            }
            Ok(Ok(())) => {}
            Ok(Err(error)) => return Err(Exchange::NotTaken(Box::new(request), error.into())),
            Err(Interrupted::Ended(error)) => {
                return Err(Exchange::NotTaken(Box::new(request), error));
            }
            Err(Interrupted::Elapsed) => return Err(Exchange::Failed(TransportError::Expired)),
        }
        if timer.is_elapsed() {
            return Err(Exchange::Failed(TransportError::Expired));
        }
        let response = match drive(driver, timer.as_mut(), sender.try_send_request(request)).await {
            Ok(Ok(response)) => response,
            Ok(Err(mut error)) => {
                return Err(match error.take_message() {
                    Some(request) => {
                        Exchange::NotTaken(Box::new(request), error.into_error().into())
                    }
                    None => Exchange::Failed(TransportError::AfterSend(error.into_error().into())),
                });
            }
            Err(Interrupted::Ended(error)) => {
                return Err(Exchange::Failed(TransportError::AfterSend(error)));
            }
            Err(Interrupted::Elapsed) => {
                return Err(Exchange::Failed(TransportError::TimedOut { status: None }));
            }
        };
        let status = response.status().as_u16();
        let closes = response
            .headers()
            .get(CONNECTION)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
        let expected = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
            .unwrap_or(1024);
        let mut body = Vec::with_capacity(expected.min(max_body + 1));
        let read = read_capped(response.into_body(), &mut body, max_body);
        let complete = match drive(driver, timer, read).await {
            Ok(Ok(complete)) => complete,
            Ok(Err(error)) => {
                let error = error.into();
                return Err(Exchange::Failed(TransportError::Body { status, error }));
            }
            Err(Interrupted::Ended(error)) => {
                return Err(Exchange::Failed(TransportError::Body { status, error }));
            }
            Err(Interrupted::Elapsed) => {
                let status = Some(status);
                return Err(Exchange::Failed(TransportError::TimedOut { status }));
            }
        };
        let reusable = complete && !closes && !driver.ended();
        Ok((Answer { status, body }, reusable))
    }
}

/// Reads the body into `into` until it ends (true) or holds more than `max` bytes (false).
async fn read_capped(
    mut body: Incoming,
    into: &mut Vec<u8>,
    max: usize,
) -> Result<bool, hyper::Error> {
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            let room = max + 1 - into.len();
            into.extend_from_slice(&data[..data.len().min(room)]);
            if into.len() > max {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// Why [`drive`] stopped before its work was done.
enum Interrupted {
    /// The timer fired.
    Elapsed,
    /// The connection ended (with its error, or closed), so nothing would wake the work.
    Ended(BoxError),
}

/// Polls the connection, `work` and the timer together until `work` is done.
async fn drive<F: Future>(
    driver: &mut Driver,
    mut timer: Pin<&mut Sleep>,
    work: F,
) -> Result<F::Output, Interrupted> {
    let mut work = pin!(work);
    let mut ended = None;
    poll_fn(|cx| {
        if let Some(connection) = &mut driver.0 {
            if let Poll::Ready(result) = Pin::new(connection).poll(cx) {
                driver.0 = None;
                ended = Some(result);
            }
        }
        if let Poll::Ready(output) = work.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        if driver.ended() {
            let error: BoxError = match ended.take() {
                Some(Err(error)) => error.into(),
                _ => "the server closed the connection".into(),
            };
            return Poll::Ready(Err(Interrupted::Ended(error)));
        }
        if timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(Interrupted::Elapsed));
        }
        Poll::Pending
    })
    .await
}
