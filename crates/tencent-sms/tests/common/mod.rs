//! An emulator with a Tencent account, and the connector pointed at it.

#![allow(dead_code)]

use std::time::Duration;

use aliyun_sms_emulator::chrono::Utc;
use aliyun_sms_emulator::{
    Emulator, EmulatorConfig, ManualClock, Template, TencentAccount, TencentCredentials,
    TencentLimits, start,
};
use connector_kit::Backoff;
use serde_json::{Value, json};
use tencent_sms::{TencentSmsConfig, TencentSmsConnector};

pub const SECRET_ID: &str = "AKIDtencentSmsConnectorTest01";
pub const SECRET_KEY: &str = "tencent-sms-test-secret-key";
pub const STS_ID: &str = "AKIDtencentSmsTemporaryKey01";
pub const STS_KEY: &str = "tencent-sms-temporary-key";
pub const STS_TOKEN: &str = "sts-token-for-tencent-sms";
pub const APP: &str = "1400006666";
pub const SIGN: &str = "腾讯云";
/// Mainland verification-code templates, one per required usage type.
pub const REGISTER: &str = "100001";
pub const SIGN_IN: &str = "100002";
pub const FORGOT: &str = "100003";
pub const GENERIC: &str = "100004";
/// The international one, for every overseas number.
pub const OVERSEAS: &str = "200001";
/// The connector's `timeoutMs` in these tests.
pub const TIMEOUT_MS: u64 = 1500;

/// The account: a key and a temporary key, app [`APP`], sign [`SIGN`], the templates above,
/// `limits`; the emulator's clock is a manual one at the real time now.
pub async fn emulator(limits: TencentLimits) -> (Emulator, ManualClock) {
    let clock = ManualClock::new(Utc::now());
    let mut account = TencentAccount::new()
        .key(TencentCredentials::new(SECRET_ID, SECRET_KEY))
        .key(TencentCredentials::new(STS_ID, STS_KEY).with_token(STS_TOKEN))
        .sdk_app_id(APP)
        .sign_name(SIGN)
        .template(Template::verification_code(OVERSEAS, "Your code is {1}.").international())
        .limits(limits);
    for (id, what) in [
        (REGISTER, "注册"),
        (SIGN_IN, "登录"),
        (FORGOT, "重置密码"),
        (GENERIC, "验证"),
    ] {
        let content = format!("您的{what}验证码为{{1}}，5分钟内有效。");
        account = account.template(Template::verification_code(id, content).mainland());
    }
    let config = EmulatorConfig::new().tencent(account).clock(clock.clone());
    (
        start(config)
            .await
            .expect("the emulator starts on loopback"),
        clock,
    )
}

/// Logto's JSON for the account, each required usage type with its mainland template and
/// [`OVERSEAS`], pointed at `emulator`, `extra` merged in.
pub fn config_json(emulator: &Emulator, extra: Value) -> String {
    let template = |usage: &str, china: &str| json!({"usageType": usage, "templateCode": {"china": china, "overseas": OVERSEAS}});
    let mut all = json!({
        "accessKeyId": SECRET_ID,
        "accessKeySecret": SECRET_KEY,
        "signName": SIGN,
        "sdkAppId": APP,
        "region": "ap-guangzhou",
        "templates": [
            template("Register", REGISTER),
            template("SignIn", SIGN_IN),
            template("ForgotPassword", FORGOT),
            template("Generic", GENERIC),
        ],
        "endpoint": emulator.endpoint(),
        "timeoutMs": TIMEOUT_MS,
        "maxAttempts": 3,
    });
    for (key, value) in extra.as_object().expect("an object") {
        all[key] = value.clone();
    }
    all.to_string()
}

pub fn fast_backoff() -> Backoff {
    Backoff::new(Duration::from_millis(5), Duration::from_millis(20))
}

/// The connector for `json`, stamping its requests with the emulator's clock.
pub fn connector_on(json: &str, clock: &ManualClock) -> TencentSmsConnector {
    let config =
        TencentSmsConfig::from_json_with_env(json, |_| None).unwrap_or_else(|e| panic!("{e}"));
    let clock = clock.clone();
    TencentSmsConnector::builder(config)
        .backoff(fast_backoff())
        .clock(move || clock.now())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The connector for the account, with `extra` settings.
pub fn connector(emulator: &Emulator, clock: &ManualClock, extra: Value) -> TencentSmsConnector {
    connector_on(&config_json(emulator, extra), clock)
}
