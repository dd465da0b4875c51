//! The config loader: bytes → `AliyunSmsConfig::from_json_with_env`.
//!
//! - never panics, with no environment and with an environment that supplies credentials;
//! - an error lists at least one problem;
//! - an error never depends on the *content* of `accessKeySecret` / `securityToken` (the same
//!   JSON with those values masked gives the same problems): messages never repeat a secret;
//! - an accepted config builds a `RequestBuilder` (no panic, no error), survives
//!   `to_json_exposing_secrets` → `from_json_with_env` unchanged, and builds a signed SendSms
//!   request for a mainland and an overseas number, for a usage type with its own template and
//!   one that falls back to `Generic`.

use crate::{FIXED_NONCE, fixed_time, text_of};
use aliyun_sms::config::{ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN};
use aliyun_sms::{AliyunSmsConfig, ConfigError, RequestBuilder};
use connector_kit::{PhoneNumber, SmsMessage, UsageType};
use serde_json::Value;

fn env(name: &str) -> Option<String> {
    match name {
        ENV_ACCESS_KEY_ID => Some("LTAI5tEnvKeyId".to_owned()),
        ENV_ACCESS_KEY_SECRET => Some("envSecretValue".to_owned()),
        ENV_SECURITY_TOKEN => Some("envStsToken".to_owned()),
        _ => None,
    }
}

fn check_error(error: &ConfigError) {
    assert!(!error.problems.is_empty(), "a ConfigError without problems");
    let _ = error.to_string();
    let _ = connector_kit::ConnectorError::from(error.clone()).to_string();
}

fn check_accepted(config: &AliyunSmsConfig) {
    let builder = RequestBuilder::new(config).unwrap_or_else(|e| {
        panic!("from_json accepted a config that RequestBuilder::new refuses: {e}")
    });
    let _ = format!("{builder:?} {config:?}");

    let again = AliyunSmsConfig::from_json_with_env(&config.to_json_exposing_secrets(), |_| None)
        .unwrap_or_else(|e| panic!("to_json_exposing_secrets does not load again: {e}"));
    assert_eq!(
        &again, config,
        "config changed through to_json_exposing_secrets"
    );

    for usage in [UsageType::SignIn, UsageType::MfaVerification] {
        for to in ["+8613800138000", "+18624017194"] {
            let to = PhoneNumber::parse(to).unwrap();
            let message = SmsMessage::verification_code(to, usage, "123456");
            let request = builder
                .build(&message, fixed_time(), FIXED_NONCE)
                .unwrap_or_else(|e| panic!("a checked config cannot build a request: {e}"));
            assert_eq!(request.url, builder.url().as_str());
            assert_eq!(request.param("SignName"), Some(config.sign_name.as_str()));
            assert!(request.template_field.starts_with("templates["));
            assert!(!request.signature.is_empty());
        }
    }
}

/// A character of the same class for every check the loader makes on a secret (empty, white
/// space at the ends, visible ASCII only): white space stays, visible ASCII becomes `x`, other
/// ASCII `\u{1}`, anything else `é`.
fn mask_char(c: char) -> char {
    if c.is_whitespace() {
        c
    } else if c.is_ascii_graphic() {
        'x'
    } else if c.is_ascii() {
        '\u{1}'
    } else {
        'é'
    }
}

/// The same value with the secret fields' contents replaced by others of the same shape: same
/// JSON type, and for strings the same class of character in the same places ([`mask_char`]).
fn mask_secrets(value: &Value) -> Option<Value> {
    let mut masked = value.clone();
    let object = masked.as_object_mut()?;
    let mut changed = false;
    for key in ["accessKeySecret", "securityToken"] {
        if let Some(v) = object.get_mut(key) {
            let replacement = match &*v {
                Value::String(s) => Value::String(s.chars().map(mask_char).collect()),
                Value::Number(_) => Value::from(0),
                Value::Array(_) => Value::Array(Vec::new()),
                Value::Object(_) => Value::Object(Default::default()),
                other => other.clone(),
            };
            changed |= *v != replacement;
            *v = replacement;
        }
    }
    changed.then_some(masked)
}

/// Checks one input; panics on a failed check.
pub fn run(data: &[u8]) {
    let text = text_of(data);

    for result in [
        AliyunSmsConfig::from_json_with_env(&text, |_| None),
        AliyunSmsConfig::from_json_with_env(&text, env),
    ] {
        match result {
            Ok(config) => check_accepted(&config),
            Err(error) => check_error(&error),
        }
    }

    // Problems never depend on what the secrets say.
    let Ok(value) = serde_json::from_str::<Value>(&text) else {
        return;
    };
    let Some(masked) = mask_secrets(&value) else {
        return;
    };
    let original = AliyunSmsConfig::from_value_with_env(&value, |_| None);
    let with_mask = AliyunSmsConfig::from_value_with_env(&masked, |_| None);
    if let (Err(a), Err(b)) = (&original, &with_mask) {
        assert_eq!(
            a.problems, b.problems,
            "config problems depend on the content of a secret field"
        );
    } else {
        assert_eq!(
            original.is_ok(),
            with_mask.is_ok(),
            "acceptance depends on the content of a secret field"
        );
    }
}
