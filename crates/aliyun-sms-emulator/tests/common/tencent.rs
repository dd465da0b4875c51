//! A Tencent account to test against, and requests signed with `tencent-sign` directly (not
//! through any connector), with every part a refusal test may spoil.

use aliyun_sms_emulator::chrono::{DateTime, Utc};
use aliyun_sms_emulator::{
    Emulator, EmulatorConfig, ManualClock, Template, TencentAccount, TencentCredentials,
    TencentLimits, start,
};
use serde_json::Value;
use tencent_sign::Timestamp;
use tencent_sign::tc3::{self, Tc3Request};

use super::{START, at, http};

pub const TC_ID: &str = "AKIDtestTencentKey";
pub const TC_KEY: &str = "testTencentSecretKey";
pub const STS_ID: &str = "AKIDtemporaryTestKey";
pub const STS_KEY: &str = "temporaryTestSecretKey";
pub const STS_TOKEN: &str = "sts-token/+=.-_~";
pub const APP: &str = "1400006666";
pub const TC_SIGN: &str = "腾讯云";
/// A mainland verification-code template: `您的验证码为{1}，5分钟内有效。`
pub const MAINLAND_CODE: &str = "1001";
/// An international verification-code template: `Your code is {1}.`
pub const GLOBAL_CODE: &str = "1002";
/// A mainland notification template with two variables.
pub const NOTICE: &str = "1003";

/// The test account: two keys (one temporary), app [`APP`], sign [`TC_SIGN`], three
/// templates, Tencent's default limits, a manual clock at [`START`].
pub fn tencent_config() -> (EmulatorConfig, ManualClock) {
    let clock = ManualClock::new(at(START));
    let account = TencentAccount::new()
        .key(TencentCredentials::new(TC_ID, TC_KEY))
        .key(TencentCredentials::new(STS_ID, STS_KEY).with_token(STS_TOKEN))
        .sdk_app_id(APP)
        .sign_name(TC_SIGN)
        .template(
            Template::verification_code(MAINLAND_CODE, "您的验证码为{1}，5分钟内有效。").mainland(),
        )
        .template(Template::verification_code(GLOBAL_CODE, "Your code is {1}.").international())
        .template(Template::notification(NOTICE, "{1}您好，您的订单{2}已发货。").mainland());
    let config = EmulatorConfig::new().tencent(account).clock(clock.clone());
    (config, clock)
}

pub async fn tencent_emulator() -> (Emulator, ManualClock) {
    let (config, clock) = tencent_config();
    (start(config).await.expect("emulator starts"), clock)
}

pub async fn tencent_emulator_without_limits() -> (Emulator, ManualClock) {
    let (mut config, clock) = tencent_config();
    config.tencent.limits = TencentLimits::off();
    (start(config).await.expect("emulator starts"), clock)
}

/// A `SendSms` body for one number and the mainland code template.
pub fn send_body(number: &str, code: &str) -> Value {
    serde_json::json!({
        "PhoneNumberSet": [number],
        "SmsSdkAppId": APP,
        "TemplateId": MAINLAND_CODE,
        "SignName": TC_SIGN,
        "TemplateParamSet": [code],
    })
}

/// One request to Tencent's gateway, signed as Tencent's SDKs sign it unless a field says
/// otherwise.
#[derive(Clone, Debug)]
pub struct Call {
    pub action: String,
    pub version: Option<String>,
    pub region: Option<String>,
    pub content_type: String,
    pub credentials: TencentCredentials,
    /// `X-TC-Timestamp`.
    pub timestamp: u64,
    /// The time the signature is computed for (the timestamp unless set).
    pub signed_at: Option<u64>,
    pub service: String,
    /// The headers signed: `content-type`, `host` and any of `x-tc-action`.
    pub signed_headers: Vec<&'static str>,
    /// `X-TC-Token`: the credentials' token unless set (`Some(None)`: none sent).
    pub token: Option<Option<String>>,
    /// The `Authorization` header as it is, instead of the signed one.
    pub authorization: Option<String>,
    /// Sign this body but send [`body`](Self::body).
    pub signed_body: Option<String>,
    pub body: String,
}

impl Call {
    /// `action` with `body`, key [`TC_ID`], at the emulator's time.
    pub fn new(emulator: &Emulator, action: &str, body: &Value) -> Self {
        Call {
            action: action.into(),
            version: Some("2021-01-11".into()),
            region: Some("ap-guangzhou".into()),
            content_type: "application/json".into(),
            credentials: TencentCredentials::new(TC_ID, TC_KEY),
            timestamp: unix(emulator.clock().now()),
            signed_at: None,
            service: "sms".into(),
            signed_headers: vec!["content-type", "host"],
            token: None,
            authorization: None,
            signed_body: None,
            body: body.to_string(),
        }
    }

    pub fn send_sms(emulator: &Emulator, body: &Value) -> Self {
        Self::new(emulator, "SendSms", body)
    }

    /// The headers to send, `Authorization` included.
    pub fn headers(&self, emulator: &Emulator) -> Vec<(String, String)> {
        let host = emulator.addr().to_string();
        let all = [
            ("content-type", self.content_type.as_str()),
            ("host", host.as_str()),
            ("x-tc-action", self.action.as_str()),
        ];
        let signed: Vec<(&str, &str)> = all
            .iter()
            .filter(|(name, _)| self.signed_headers.contains(name))
            .copied()
            .collect();
        let payload = self.signed_body.as_deref().unwrap_or(&self.body);
        let at = Timestamp::from_unix_seconds(self.signed_at.unwrap_or(self.timestamp)).unwrap();
        let stages = tc3::sign(
            &Tc3Request::post(&signed, payload.as_bytes()),
            &self.credentials,
            &self.service,
            at,
        );
        let mut headers = vec![
            ("content-type".to_string(), self.content_type.clone()),
            ("x-tc-action".to_string(), self.action.clone()),
            ("x-tc-timestamp".to_string(), self.timestamp.to_string()),
            (
                "authorization".to_string(),
                self.authorization.clone().unwrap_or(stages.authorization),
            ),
        ];
        if let Some(version) = &self.version {
            headers.push(("x-tc-version".into(), version.clone()));
        }
        if let Some(region) = &self.region {
            headers.push(("x-tc-region".into(), region.clone()));
        }
        let token = match &self.token {
            Some(token) => token.clone(),
            None => self.credentials.token().map(str::to_string),
        };
        if let Some(token) = token {
            headers.push(("x-tc-token".into(), token));
        }
        headers
    }

    /// Sends it; the answer's `Response` object.
    pub async fn send(&self, emulator: &Emulator) -> Value {
        let headers = self.headers(emulator);
        post_tencent(emulator, &headers, self.body.clone()).await
    }
}

/// POSTs `body` with exactly `headers` (a `host` among them replaces the real one) and reads
/// the answer's `Response`, checking Tencent's shape: HTTP 200, JSON, a `RequestId`.
pub async fn post_tencent(
    emulator: &Emulator,
    headers: &[(String, String)],
    body: String,
) -> Value {
    let mut request = http().post(emulator.endpoint()).body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request.send().await.expect("the emulator answers");
    assert_eq!(response.status(), 200, "Tencent answers HTTP 200");
    let text = response.text().await.expect("a body");
    let answer: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let inner = answer["Response"].clone();
    let request_id = inner["RequestId"]
        .as_str()
        .unwrap_or_else(|| panic!("{text}"));
    assert!(uuid::Uuid::parse_str(request_id).is_ok(), "{request_id}");
    inner
}

/// The `Response.Error.Code` of an answer, if it is an error.
pub fn error_code(response: &Value) -> Option<&str> {
    response["Error"]["Code"].as_str()
}

/// The codes of the `SendStatusSet` entries.
pub fn status_codes(response: &Value) -> Vec<String> {
    response["SendStatusSet"]
        .as_array()
        .unwrap_or_else(|| panic!("no SendStatusSet: {response}"))
        .iter()
        .map(|s| s["Code"].as_str().unwrap().to_string())
        .collect()
}

pub fn unix(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp()).unwrap()
}
