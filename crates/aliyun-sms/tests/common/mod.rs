//! Helpers shared by the integration tests.
#![allow(dead_code, missing_docs)]

use std::time::Duration;

use aliyun_sign::encode::percent_decode;
use aliyun_sign::{rpc, v3};
use aliyun_sms::{AliyunSmsConfig, AliyunSmsConnector, AliyunSmsConnectorBuilder, Backoff};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const ID: &str = "testid";
pub const SECRET: &str = "testsecret";

/// The four required templates, `SignIn` with a china/overseas pair, plus `MfaVerification`.
pub fn templates() -> Value {
    json!([
        {"usageType": "Register", "templateCode": "SMS_REGISTER"},
        {"usageType": "SignIn", "templateCode": {"china": "SMS_SIGNIN_CN", "overseas": "SMS_SIGNIN_INTL"}},
        {"usageType": "ForgotPassword", "templateCode": "SMS_FORGOT"},
        {"usageType": "Generic", "templateCode": "SMS_GENERIC", "type": 2},
        {"usageType": "MfaVerification", "templateCode": "SMS_MFA"}
    ])
}

/// A full config pointed at `endpoint`, with `extra` keys merged in.
pub fn config_json(endpoint: &str, extra: Value) -> String {
    let mut config = json!({
        "accessKeyId": ID,
        "accessKeySecret": SECRET,
        "signName": "Logto",
        "templates": templates(),
        "endpoint": endpoint,
    });
    if let (Some(config), Some(extra)) = (config.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            config.insert(key.clone(), value.clone());
        }
    }
    config.to_string()
}

pub fn config(endpoint: &str, extra: Value) -> AliyunSmsConfig {
    AliyunSmsConfig::from_json_with_env(&config_json(endpoint, extra), |_| None)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A `SignIn` code for +86 138 0013 8000.
pub fn sign_in_message() -> connector_kit::SmsMessage {
    connector_kit::SmsMessage::verification_code(
        "+8613800138000".parse().unwrap(),
        connector_kit::UsageType::SignIn,
        "123456",
    )
}

/// An error's `Display` and `Debug`, and those of every error in its source chain.
pub fn chain(error: &connector_kit::ConnectorError) -> String {
    let mut text = format!("{error}\n{error:?}\n");
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        text.push_str(&format!("{e}\n{e:?}\n"));
        source = e.source();
    }
    text
}

/// A connector with a 1 ms backoff so retries do not slow the tests.
pub fn connector(endpoint: &str, extra: Value) -> AliyunSmsConnector {
    builder(endpoint, extra)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// [`connector`]'s builder, for a test to set more.
pub fn builder(endpoint: &str, extra: Value) -> AliyunSmsConnectorBuilder {
    AliyunSmsConnector::builder(config(endpoint, extra)).backoff(fast_backoff())
}

pub fn fast_backoff() -> Backoff {
    Backoff {
        base: Duration::from_millis(1),
        cap: Duration::from_millis(5),
    }
}

pub fn ok_body(biz_id: &str) -> String {
    json!({"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": format!("req-{biz_id}")})
        .to_string()
}

pub fn error_body(code: &str, message: &str) -> String {
    json!({"Code": code, "Message": message, "RequestId": "REQ-ERR-1"}).to_string()
}

/// A server that answers every POST / with `response`.
pub async fn server_answering(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path("/"))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

pub async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

/// A form body as (name, value) pairs, in order.
pub fn form(body: &[u8]) -> Vec<(String, String)> {
    let body = std::str::from_utf8(body).expect("UTF-8 body");
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode(name).expect("encoded name"),
                percent_decode(value).expect("encoded value"),
            )
        })
        .collect()
}

pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

pub fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks a received V1 request's signature the way Aliyun does, from what was received.
pub fn verify_v1(request: &Request, secret: &str) -> bool {
    let params = form(&request.body);
    let Some(signature) = param(&params, "Signature") else {
        return false;
    };
    let cqs = rpc::canonicalized_query_string(&params);
    let string_to_sign = rpc::string_to_sign(request.method.as_str(), &cqs);
    rpc::verify_signature(secret, &string_to_sign, signature)
}

/// Checks a received V3 request's signature from what was received: the signed headers named
/// in `Authorization`, their received values, the received body.
pub fn verify_v3(request: &Request, id: &str, secret: &str) -> bool {
    let Some(authorization) = header(request, "authorization") else {
        return false;
    };
    let Some(rest) = authorization.strip_prefix("ACS3-HMAC-SHA256 ") else {
        return false;
    };
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        match part.split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed_headers = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => return false,
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return false;
    };
    if credential != id {
        return false;
    }
    let payload = v3::hashed_payload(&request.body);
    if header(request, "x-acs-content-sha256") != Some(payload.as_str()) {
        return false;
    }
    let mut headers = Vec::new();
    for name in signed_headers.split(';') {
        let Some(value) = header(request, name) else {
            return false;
        };
        headers.push((name.to_owned(), value.to_owned()));
    }
    let query: Vec<(String, String)> = request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let (canonical_headers, signed) = v3::canonical_headers(&headers);
    let canonical_request = v3::canonical_request(
        request.method.as_str(),
        request.url.path(),
        &v3::canonical_query_string(&query),
        &canonical_headers,
        &signed,
        &payload,
    );
    v3::verify_signature(secret, &v3::string_to_sign(&canonical_request), signature)
}

/// Everything written by a `tracing` subscriber, for assertions on log output.
#[derive(Clone, Default)]
pub struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

thread_local! {
    static CURRENT_CAPTURE: std::cell::RefCell<Option<Capture>> = const { std::cell::RefCell::new(None) };
}

/// Uninstalls a [`Capture`] when dropped.
pub struct CaptureGuard(Option<Capture>);

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CURRENT_CAPTURE.with(|current| *current.borrow_mut() = self.0.take());
    }
}

impl Capture {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// Records every event and span of every crate at TRACE level emitted on this thread (use
    /// a current-thread runtime) until the guard is dropped.
    ///
    /// One global subscriber routes each line to the capture of the thread that wrote it. A
    /// scoped (`set_default`) subscriber per test would race with tests on other threads over
    /// tracing's global callsite-interest cache, and miss events now and then.
    pub fn install(&self) -> CaptureGuard {
        static GLOBAL: std::sync::Once = std::sync::Once::new();
        GLOBAL.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_writer(|| ThreadWriter)
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .finish();
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global subscriber in this test binary");
        });
        let previous = CURRENT_CAPTURE.with(|current| current.borrow_mut().replace(self.clone()));
        CaptureGuard(previous)
    }
}

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A capture can also be a whole binary's global subscriber's writer.
impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Writes to the capture installed on the current thread, if any.
struct ThreadWriter;

impl std::io::Write for ThreadWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CURRENT_CAPTURE.with(|current| {
            if let Some(capture) = current.borrow().as_ref() {
                capture.0.lock().unwrap().extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Answers `SignatureDoesNotMatch` with the string-to-sign computed from what was received, as
/// Aliyun does; `tamper` changes the received parameters first (a proxy on the way).
pub struct SignatureMismatch {
    pub tamper: fn(&mut Vec<(String, String)>),
}

impl wiremock::Respond for SignatureMismatch {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut params = form(&request.body);
        (self.tamper)(&mut params);
        let cqs = rpc::canonicalized_query_string(&params);
        let server = rpc::string_to_sign(request.method.as_str(), &cqs);
        ResponseTemplate::new(400).set_body_string(error_body(
            "SignatureDoesNotMatch",
            &format!(
                "Specified signature is not matched with our calculation. server string to sign is:{server}"
            ),
        ))
    }
}

/// A port on 127.0.0.1 with nothing listening: connections are refused.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The variables that decide proxies and trusted roots: cleared in a child test process before
/// its own are set.
const NETWORK_ENV: [&str; 11] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUEST_METHOD",
];
const CHILD: &str = "ALIYUN_SMS_TEST_CHILD";

/// Whether this process is the child that [`run_in_child`] started for test `name`.
pub fn in_child(name: &str) -> bool {
    std::env::var(CHILD).as_deref() == Ok(name)
}

/// Runs test `name` of this test binary again in a child process with `env` set (the
/// environment belongs to the whole process: a test cannot change its own), and fails unless
/// it ran and passed there. The caller's runtime keeps running (its servers answer the child)
/// while the child runs.
pub async fn run_in_child(name: &str, env: &[(&str, &str)]) {
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command.args([name, "--exact", "--nocapture", "--test-threads=1"]);
    for variable in NETWORK_ENV {
        command.env_remove(variable);
    }
    command.env(CHILD, name).envs(env.iter().copied());
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "the child failed:\n{text}");
    assert!(text.contains("1 passed"), "the child ran no test:\n{text}");
}
