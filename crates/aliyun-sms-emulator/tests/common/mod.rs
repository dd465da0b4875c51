//! Shared by the integration tests: an account to test against, signing with `aliyun-sign`
//! (for tests that are not about signing), sending over HTTP, reading answers (JSON or XML).
#![allow(dead_code)]

pub mod tencent;

use std::time::Duration;

use aliyun_sign::{Credentials, rpc, v3};
use aliyun_sms_emulator::chrono::{DateTime, Utc};
use aliyun_sms_emulator::{Emulator, EmulatorConfig, Limits, ManualClock, Template, start};
use serde_json::Value;

pub const ID: &str = "testId";
pub const SECRET: &str = "testSecret";
pub const SIGN: &str = "TestSign";
pub const CODE_TEMPLATE: &str = "SMS_CODE";
pub const NOTICE_TEMPLATE: &str = "SMS_NOTICE";
pub const START: &str = "2024-01-05T06:07:08Z";

pub fn at(rfc3339: &str) -> DateTime<Utc> {
    rfc3339.parse().expect("a test timestamp")
}

/// `yyyy-MM-ddTHH:mm:ssZ`
pub fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The test account: `testId`/`testSecret`, sign `TestSign`, a verification-code template
/// and a notification template, default limits, a manual clock at [`START`].
pub fn test_config() -> (EmulatorConfig, ManualClock) {
    let clock = ManualClock::new(at(START));
    let config = EmulatorConfig::new()
        .account(Credentials::new(ID, SECRET))
        .sign_name(SIGN)
        .template(Template::verification_code(
            CODE_TEMPLATE,
            "您的验证码为${code}，5分钟内有效。",
        ))
        .template(Template::notification(
            NOTICE_TEMPLATE,
            "${name}您好，您的订单${order}已发货。",
        ))
        .clock(clock.clone());
    (config, clock)
}

pub async fn test_emulator() -> (Emulator, ManualClock) {
    let (config, clock) = test_config();
    (start(config).await.expect("emulator starts"), clock)
}

pub async fn test_emulator_without_limits() -> (Emulator, ManualClock) {
    let (config, clock) = test_config();
    (
        start(config.limits(Limits::off()))
            .await
            .expect("emulator starts"),
        clock,
    )
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        // Plain http on loopback: no need to read the system's roots (tens of ms per client in
        // a debug build, which timed tests would count).
        .tls_built_in_native_certs(false)
        .build()
        .expect("client")
}

/// An answer, with `Code` and `Message` read from JSON or XML.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub request_id_header: Option<String>,
    pub body: String,
    pub code: String,
    pub message: String,
    pub json: Option<Value>,
}

impl Reply {
    pub fn field(&self, name: &str) -> Option<String> {
        match &self.json {
            Some(json) => json.get(name).and_then(Value::as_str).map(str::to_string),
            None => xml_field(&self.body, name),
        }
    }

    #[track_caller]
    pub fn assert_code(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.code.as_str()),
            (status, code),
            "answer: {}",
            self.body
        );
    }
}

pub async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("the request is answered");
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header("content-type").unwrap_or_default();
    let request_id_header = header("x-acs-request-id");
    let body = response.text().await.expect("a body");
    let json: Option<Value> = serde_json::from_str(&body).ok();
    let (code, message) = match &json {
        Some(json) => (
            json["Code"].as_str().unwrap_or_default().to_string(),
            json["Message"].as_str().unwrap_or_default().to_string(),
        ),
        None => (
            xml_field(&body, "Code").unwrap_or_default(),
            xml_field(&body, "Message").unwrap_or_default(),
        ),
    };
    Reply {
        status,
        content_type,
        request_id_header,
        body,
        code,
        message,
        json,
    }
}

/// The text of the first `<name>…</name>`, unescaped.
pub fn xml_field(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{name}>"))?;
    Some(
        xml[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

/// Percent-encoding written here, independent of `aliyun-sign`: only `A-Za-z0-9-_.~` stay.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub fn query_string<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k.as_ref()), enc(v.as_ref())))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn nonce() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A V1-signed form body for `params` (Action and Version included by the caller), signed
/// with `credentials` at `timestamp`.
pub fn v1_body(
    method: &str,
    params: &[(&str, &str)],
    credentials: &Credentials,
    timestamp: &str,
    nonce: &str,
) -> String {
    rpc::sign(method, params, credentials, timestamp, nonce).to_form_body()
}

/// `POST /` with a V1-signed form body, as the Logto connector sends it.
pub async fn post_v1(emulator: &Emulator, params: &[(&str, &str)]) -> Reply {
    let credentials = Credentials::new(ID, SECRET);
    let body = v1_body(
        "POST",
        params,
        &credentials,
        &stamp(emulator.clock().now()),
        &nonce(),
    );
    post_form(emulator, body).await
}

pub async fn post_form(emulator: &Emulator, body: String) -> Reply {
    send(
        http()
            .post(emulator.endpoint())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body),
    )
    .await
}

/// The common parameters of a SendSms call (JSON answers).
pub fn sms_params<'a>(
    phone_numbers: &'a str,
    template: &'a str,
    template_param: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("Action", "SendSms"),
        ("Version", "2017-05-25"),
        ("Format", "JSON"),
        ("RegionId", "cn-hangzhou"),
        ("PhoneNumbers", phone_numbers),
        ("SignName", SIGN),
        ("TemplateCode", template),
        ("TemplateParam", template_param),
    ]
}

/// Send a verification code to `phone` through the test account.
pub async fn send_code(emulator: &Emulator, phone: &str, code: &str) -> Reply {
    let param = format!(r#"{{"code":"{code}"}}"#);
    post_v1(emulator, &sms_params(phone, CODE_TEMPLATE, &param)).await
}

/// A V3 request built with `aliyun-sign`'s stage functions: headers `host`, `x-acs-*`,
/// `content-type` with a body; returns the headers to send, `authorization` included.
pub fn v3_headers(
    method: &str,
    query: &[(&str, &str)],
    body: &[u8],
    action: &str,
    credentials: &Credentials,
    timestamp: &str,
    nonce: &str,
) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), "dysmsapi.aliyuncs.com".into()),
        ("x-acs-action".into(), action.into()),
        ("x-acs-version".into(), "2017-05-25".into()),
        ("x-acs-date".into(), timestamp.into()),
        ("x-acs-signature-nonce".into(), nonce.into()),
        ("x-acs-content-sha256".into(), v3::hashed_payload(body)),
    ];
    if !body.is_empty() {
        headers.push((
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
    }
    if let Some(token) = credentials.security_token() {
        headers.push(("x-acs-security-token".into(), token.into()));
    }
    let (canonical_headers, signed_headers) = v3::canonical_headers(&headers);
    let canonical_request = v3::canonical_request(
        method,
        "/",
        &v3::canonical_query_string(query),
        &canonical_headers,
        &signed_headers,
        &v3::hashed_payload(body),
    );
    let signature = v3::signature(
        credentials.access_key_secret(),
        &v3::string_to_sign(&canonical_request),
    );
    headers.push((
        "authorization".into(),
        v3::authorization(credentials.access_key_id(), &signed_headers, &signature),
    ));
    headers
}

pub async fn send_v3(
    emulator: &Emulator,
    method: &str,
    query: &[(&str, &str)],
    body: &str,
    headers: &[(String, String)],
) -> Reply {
    let mut url = format!("{}/", emulator.endpoint());
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query_string(query));
    }
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut request = http().request(method, url).body(body.to_string());
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    send(request).await
}
