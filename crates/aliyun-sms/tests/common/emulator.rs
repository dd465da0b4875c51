//! Helpers for tests that drive the connector against the local emulator
//! (`aliyun-sms-emulator`), loopback only. Include with
//! `#[path = "common/emulator.rs"] mod emu;` next to `mod common;`.
#![allow(dead_code, missing_docs)]

use std::future::Future;
use std::time::{Duration, Instant};

use aliyun_sign::Credentials;
use aliyun_sms::{AliyunSmsConfig, AliyunSmsConnector, AliyunSmsConnectorBuilder};
use aliyun_sms_emulator::chrono::{DateTime, FixedOffset, Utc};
use aliyun_sms_emulator::{Emulator, EmulatorConfig, Limits, ManualClock, Template, start};
use connector_kit::{ConnectorError, Receipt, SmsConnector, SmsMessage, UsageType};
use serde_json::{Value, json};

use crate::common;

/// The sign name of every config here (approved by the emulator account).
pub const SIGN_NAME: &str = "Logto";

/// A template code for each of the 9 usage types; `SignIn` has a mainland and an
/// international one.
pub const REGISTER: &str = "SMS_REGISTER";
pub const SIGN_IN_CN: &str = "SMS_SIGNIN_CN";
pub const SIGN_IN_INTL: &str = "SMS_SIGNIN_INTL";
pub const FORGOT: &str = "SMS_FORGOT";
pub const GENERIC: &str = "SMS_GENERIC";
pub const ORGANIZATION_INVITATION: &str = "SMS_ORG_INVITE";
pub const USER_PERMISSION_VALIDATION: &str = "SMS_PERMISSION";
pub const BIND_NEW_IDENTIFIER: &str = "SMS_BIND_IDENTIFIER";
pub const MFA_VERIFICATION: &str = "SMS_MFA";
pub const BIND_MFA: &str = "SMS_BIND_MFA";

/// Every template code the emulator account approves.
pub const ALL_CODES: [&str; 10] = [
    REGISTER,
    SIGN_IN_CN,
    SIGN_IN_INTL,
    FORGOT,
    GENERIC,
    ORGANIZATION_INVITATION,
    USER_PERMISSION_VALIDATION,
    BIND_NEW_IDENTIFIER,
    MFA_VERIFICATION,
    BIND_MFA,
];

/// The content of the template `code`: the code's name, so the inbox shows which was used.
pub fn content_of(code: &str) -> String {
    format!("{code}: your code is ${{code}}")
}

/// The text a phone shows for template `code` with verification code `value`.
pub fn delivered_text(code: &str, value: &str) -> String {
    format!("【{SIGN_NAME}】{code}: your code is {value}")
}

/// The templates of a config with one for each of the 9 usage types.
pub fn all_templates() -> Value {
    json!([
        {"usageType": "Register", "templateCode": REGISTER},
        {"usageType": "SignIn", "templateCode": {"china": SIGN_IN_CN, "overseas": SIGN_IN_INTL}},
        {"usageType": "ForgotPassword", "templateCode": FORGOT},
        {"usageType": "Generic", "templateCode": GENERIC},
        {"usageType": "OrganizationInvitation", "templateCode": ORGANIZATION_INVITATION},
        {"usageType": "UserPermissionValidation", "templateCode": USER_PERMISSION_VALIDATION},
        {"usageType": "BindNewIdentifier", "templateCode": BIND_NEW_IDENTIFIER},
        {"usageType": "MfaVerification", "templateCode": MFA_VERIFICATION},
        {"usageType": "BindMfa", "templateCode": BIND_MFA}
    ])
}

/// The templates of a config with only the 4 required usage types (Logto's minimum).
pub fn required_templates() -> Value {
    json!([
        {"usageType": "Register", "templateCode": REGISTER},
        {"usageType": "SignIn", "templateCode": {"china": SIGN_IN_CN, "overseas": SIGN_IN_INTL}},
        {"usageType": "ForgotPassword", "templateCode": FORGOT},
        {"usageType": "Generic", "templateCode": GENERIC}
    ])
}

/// The template code a usage type uses when every usage type has its own (mainland number).
pub fn own_code(usage: UsageType) -> &'static str {
    match usage {
        UsageType::Register => REGISTER,
        UsageType::SignIn => SIGN_IN_CN,
        UsageType::ForgotPassword => FORGOT,
        UsageType::Generic => GENERIC,
        UsageType::OrganizationInvitation => ORGANIZATION_INVITATION,
        UsageType::UserPermissionValidation => USER_PERMISSION_VALIDATION,
        UsageType::BindNewIdentifier => BIND_NEW_IDENTIFIER,
        UsageType::MfaVerification => MFA_VERIFICATION,
        UsageType::BindMfa => BIND_MFA,
        other => panic!("{other} is new in the kit: give it a template here"),
    }
}

/// The emulator account of these tests: `common::ID` / `common::SECRET` (with `token` an STS
/// account), sign name [`SIGN_NAME`], every template of [`ALL_CODES`] as a verification-code
/// template.
pub fn account(
    secret: &str,
    token: Option<&str>,
    limits: Limits,
    clock: &ManualClock,
) -> EmulatorConfig {
    let credentials = Credentials::new(common::ID, secret);
    let credentials = match token {
        Some(token) => credentials.with_security_token(token),
        None => credentials,
    };
    ALL_CODES.iter().fold(
        EmulatorConfig::new()
            .account(credentials)
            .sign_name(SIGN_NAME)
            .limits(limits)
            .clock(clock.clone()),
        |config, code| config.template(Template::verification_code(*code, content_of(code))),
    )
}

/// An emulator of [`account`] with `common::SECRET`, no STS token, a manual clock at the
/// current system time (the connector stamps requests with the system clock, and the emulator
/// accepts 15 minutes either side).
pub async fn emulator(limits: Limits) -> (Emulator, ManualClock) {
    let clock = ManualClock::new(Utc::now());
    let emulator = start(account(common::SECRET, None, limits, &clock))
        .await
        .expect("the emulator starts on loopback");
    (emulator, clock)
}

/// A config for `emulator` with every usage type's template; `extra` keys merged in.
pub fn config_json(emulator: &Emulator, extra: Value) -> String {
    let mut all = json!({"templates": all_templates()});
    for (key, value) in extra.as_object().expect("an object") {
        all[key] = value.clone();
    }
    common::config_json(&emulator.endpoint(), all)
}

/// A connector to `emulator` (1 ms backoff) with every usage type's template.
pub fn connector(emulator: &Emulator, extra: Value) -> AliyunSmsConnector {
    builder(emulator, extra)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// [`connector`]'s builder, for a test to set more.
pub fn builder(emulator: &Emulator, extra: Value) -> AliyunSmsConnectorBuilder {
    let config = AliyunSmsConfig::from_json_with_env(&config_json(emulator, extra), |_| None)
        .unwrap_or_else(|e| panic!("{e}"));
    AliyunSmsConnector::builder(config).backoff(common::fast_backoff())
}

pub fn code_message(to: &str, usage: UsageType, code: &str) -> SmsMessage {
    SmsMessage::verification_code(to.parse().expect("a phone number"), usage, code)
}

/// What one send gave: its result, how long it took, and whether the task panicked.
pub struct Outcome {
    pub result: Result<Receipt, ConnectorError>,
    pub elapsed: Duration,
}

/// Sends `message` on its own task, so that a panic inside the connector is seen as one (and
/// reported as a test failure naming it) rather than unwinding through the test.
pub async fn send_on_task(sms: std::sync::Arc<AliyunSmsConnector>, message: SmsMessage) -> Outcome {
    let started = Instant::now();
    let joined = tokio::spawn(async move { sms.send(&message).await }).await;
    let elapsed = started.elapsed();
    match joined {
        Ok(result) => Outcome { result, elapsed },
        Err(error) if error.is_panic() => panic!("the connector panicked: {error}"),
        Err(error) => panic!("the send task failed: {error}"),
    }
}

/// Waits until `condition` holds or `limit` passes; returns whether it held.
pub async fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    loop {
        if condition() {
            return true;
        }
        if started.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs `future` and returns its output and how long it took.
pub async fn timed<T>(future: impl Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let output = future.await;
    (output, started.elapsed())
}

/// The date Aliyun's `QuerySendDetails` takes (`yyyyMMdd`, China time).
pub fn china_date(at: DateTime<Utc>) -> String {
    let offset = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    at.with_timezone(&offset).format("%Y%m%d").to_string()
}

/// `VmHWM` (peak resident memory) and `VmRSS` of this process, in KiB, from /proc.
pub fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Resets `VmHWM` to the current RSS (Linux ≥ 4.0: `echo 5 > /proc/self/clear_refs`); returns
/// whether it worked.
pub fn reset_peak_memory() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
