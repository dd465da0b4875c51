//! The config loaders: bytes → `AliyunSmsConfig::load_with_env` and
//! `TencentSmsConfig::load_with_env` (the same kit pieces, so the same rules), lenient and
//! strict.
//!
//! - never panics, with no environment and with one that supplies credentials;
//! - strict mode accepts exactly what the lenient mode accepts without a warning, and the same
//!   config;
//! - an error lists at least one problem; no list is longer than `max_problems`, and with a
//!   smaller `max_problems` the same number of problems is found (listed plus counted);
//! - oversized input: with the size limit one byte under the input's length, the input is
//!   refused with the size problem alone, whatever it holds;
//! - repeated keys: a credential or `templates` given twice (at any depth under them) is
//!   always a problem at its path;
//! - no path or message holds a control or invisible character (echoed values are escaped), nor
//!   any value given to `accessKeySecret` or `securityToken` (4 characters or more), wherever in
//!   the input it appears;
//! - an accepted config builds a `RequestBuilder` (no panic, no error), loads again in strict
//!   mode from `to_json_exposing_secrets` unchanged, and builds a signed SendSms request for a
//!   mainland and an overseas number, for a usage type with its own template and one that falls
//!   back to `Generic`.
//!
//! Both loaders read the same input: Aliyun's and Tencent's configs share their secret keys
//! (`accessKeySecret`, `securityToken`) and what may not be given twice.

use crate::{FIXED_NONCE, fixed_time, text_of};
use std::fmt::Debug;

use aliyun_sms::config::{ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN};
use aliyun_sms::{
    AliyunSmsConfig, ConfigError, ConfigProblem, LoadOptions, Loaded, RequestBuilder,
};
use tencent_sms::TencentSmsConfig;
use tencent_sms::settings::{ENV_SECRET_ID, ENV_SECRET_KEY};
use connector_kit::config::{PathSegment, REDACTED, find_control_or_invisible, parse_json};
use connector_kit::{PhoneNumber, SmsMessage, UsageType};
use serde_json::Value;

fn env(name: &str) -> Option<String> {
    match name {
        ENV_ACCESS_KEY_ID => Some("LTAI5tEnvKeyId".to_owned()),
        ENV_ACCESS_KEY_SECRET => Some("envSecretValue".to_owned()),
        ENV_SECURITY_TOKEN => Some("envStsToken".to_owned()),
        ENV_SECRET_ID => Some("AKIDEnvSecretId".to_owned()),
        ENV_SECRET_KEY => Some("envSecretKeyValue".to_owned()),
        _ => None,
    }
}

fn no_env(_: &str) -> Option<String> {
    None
}

/// The keys the loader knows: a secret that is one of these (or part of one) is cut from
/// messages, but paths made of known keys keep them.
const VOCABULARY: &str = "accessKeyId accessKeySecret securityToken signName templates \
     strictPhoneRegionNumberCheck endpoint regionId signatureVersion connectTimeoutMs timeoutMs \
     maxAttempts usageType templateCode type china overseas sdkAppId region";

/// Whether `secret` is part of the redaction marker, or made of nothing but known keys, digits,
/// punctuation and white space: such
/// a string shows up in paths and messages by their structure alone (`accessKeySecret:`,
/// `templates[1]`), whatever the input holds.
fn structural(secret: &str) -> bool {
    // A piece of the marker that replaces secrets (found by libFuzzer: a secret `** re`).
    if REDACTED.contains(secret) {
        return true;
    }
    let mut rest = secret.to_owned();
    for word in VOCABULARY.split_whitespace() {
        rest = rest.replace(word, "");
    }
    rest.chars()
        .all(|c| c.is_ascii_punctuation() || c.is_ascii_digit() || c.is_whitespace())
}

/// `text` with the redaction marker and each known key replaced by `\u{1}`, longest first: what
/// is left of a path or a message is what the input wrote (found by libFuzzer: a secret `es[1].usag` spans
/// `templates[1].usageType`).
fn without_known_keys(text: &str) -> String {
    let mut words: Vec<&str> = VOCABULARY.split_whitespace().collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    words
        .iter()
        .fold(text.replace(REDACTED, "\u{1}"), |text, word| {
            text.replace(word, "\u{1}")
        })
}

/// Every string given to a secret field, at any depth, with duplicates included; with
/// `from_env`, the environment's secret and token where the JSON leaves them out (the loader
/// reads them then).
fn secrets_in(
    text: &str,
    from_env: bool,
    secret_keys: &[(&str, Option<&str>)],
) -> Vec<String> {
    fn collect(value: &Value, into: &mut Vec<String>) {
        match value {
            Value::String(s) => into.extend([s.clone(), s.trim().to_owned()]),
            Value::Array(items) => items.iter().for_each(|v| collect(v, into)),
            Value::Object(object) => object.iter().for_each(|(k, v)| {
                into.push(k.clone());
                collect(v, into);
            }),
            _ => {}
        }
    }
    let mut secrets = Vec::new();
    match parse_json(text.strip_prefix('\u{feff}').unwrap_or(text)) {
        Ok(parsed) => {
            for &(key, variable) in secret_keys {
                parsed.values_of(key).for_each(|v| collect(v, &mut secrets));
                if from_env && parsed.value.get(key).is_none_or(Value::is_null) {
                    secrets.extend(variable.and_then(env));
                }
            }
        }
        Err(_) if from_env => secrets.extend(secret_keys.iter().filter_map(|(_, v)| v.and_then(env))),
        Err(_) => {}
    }
    secrets.retain(|s| s.chars().count() >= 4);
    secrets
}

fn check_findings(findings: &[ConfigProblem], secrets: &[String], max: usize) {
    assert!(
        findings.len() <= max,
        "{} findings listed, max {max}",
        findings.len()
    );
    for finding in findings {
        assert!(!finding.message.is_empty());
        for text in [&finding.path, &finding.message] {
            if let Some((at, c)) = find_control_or_invisible(text) {
                panic!("{c:?} at {at} of {text:?}: echoed text must be escaped");
            }
        }
        for secret in secrets {
            // The marker that replaces a secret may hold a piece of one (`** re`).
            assert!(
                !finding
                    .message
                    .replace(REDACTED, "\u{1}")
                    .contains(secret.as_str()),
                "a secret in a message: {finding}"
            );
            let path_leaks =
                without_known_keys(&finding.path).contains(secret.as_str()) && !structural(secret);
            assert!(!path_leaks, "a secret ({secret:?}) in a path: {finding}");
        }
    }
}

fn check_result<P: Provider>(
    result: &Result<Loaded<P::Config>, ConfigError>,
    secrets: &[String],
    max: usize,
) {
    match result {
        Ok(loaded) => {
            check_findings(&loaded.warnings.warnings, secrets, max);
            P::check_accepted(&loaded.config);
        }
        Err(error) => {
            assert!(!error.problems.is_empty(), "a ConfigError without problems");
            check_findings(&error.problems, secrets, max);
            check_findings(&error.warnings.warnings, secrets, max);
            let shown = format!(
                "{error}\n{:?}\n{}",
                error,
                connector_kit::ConnectorError::from(error.clone())
            );
            for secret in secrets {
                let leaks =
                    without_known_keys(&shown).contains(secret.as_str()) && !structural(secret);
                assert!(
                    !leaks,
                    "a secret ({secret:?}) in a displayed error: {shown}"
                );
            }
        }
    }
}

/// A connector's loader, as the checks use it.
trait Provider {
    type Config: PartialEq + Debug;
    /// The secret keys, and the environment variable each is read from when it is left out.
    const SECRET_KEYS: &'static [(&'static str, Option<&'static str>)];
    fn load(
        text: &str,
        options: &LoadOptions,
        env: fn(&str) -> Option<String>,
    ) -> Result<Loaded<Self::Config>, ConfigError>;
    /// Checks what an accepted config does.
    fn check_accepted(config: &Self::Config);
}

struct Aliyun;
struct Tencent;

impl Provider for Aliyun {
    type Config = AliyunSmsConfig;
    const SECRET_KEYS: &'static [(&'static str, Option<&'static str>)] = &[
        ("accessKeySecret", Some(ENV_ACCESS_KEY_SECRET)),
        ("securityToken", Some(ENV_SECURITY_TOKEN)),
    ];
    fn load(
        text: &str,
        options: &LoadOptions,
        env: fn(&str) -> Option<String>,
    ) -> Result<Loaded<AliyunSmsConfig>, ConfigError> {
        AliyunSmsConfig::load_with_env(text, options, env)
    }
    fn check_accepted(config: &AliyunSmsConfig) {
        check_aliyun(config)
    }
}

impl Provider for Tencent {
    type Config = TencentSmsConfig;
    const SECRET_KEYS: &'static [(&'static str, Option<&'static str>)] = &[
        ("accessKeySecret", Some(ENV_SECRET_KEY)),
        ("securityToken", None),
    ];
    fn load(
        text: &str,
        options: &LoadOptions,
        env: fn(&str) -> Option<String>,
    ) -> Result<Loaded<TencentSmsConfig>, ConfigError> {
        TencentSmsConfig::load_with_env(text, options, env)
    }
    fn check_accepted(config: &TencentSmsConfig) {
        check_tencent(config)
    }
}

/// An accepted Tencent config builds its request builder, loads again unchanged in strict
/// mode, and builds signed requests for a mainland and an overseas number, with and without
/// the `Generic` fallback.
fn check_tencent(config: &TencentSmsConfig) {
    let builder = tencent_sms::RequestBuilder::new(config).unwrap_or_else(|e| {
        panic!("the loader accepted a config that RequestBuilder::new refuses: {e}")
    });
    let _ = format!("{builder:?} {config:?}");
    let again = TencentSmsConfig::load_with_env(
        &config.to_json_exposing_secrets(),
        &LoadOptions::strict(),
        no_env,
    )
    .unwrap_or_else(|e| panic!("to_json_exposing_secrets does not load again in strict mode: {e}"));
    assert_eq!(&again.config, config, "config changed through to_json_exposing_secrets");
    for usage in [UsageType::SignIn, UsageType::MfaVerification] {
        for to in ["+8613800138000", "+18624017194"] {
            let to = PhoneNumber::parse(to).unwrap();
            let message = SmsMessage::verification_code(to, usage, "123456");
            let request = builder
                .build(&message, fixed_time())
                .unwrap_or_else(|e| panic!("a checked config cannot build a request: {e}"));
            assert_eq!(request.url, builder.url().as_str());
            assert!(request.template_field.starts_with("templates["));
            assert!(request.header("authorization").is_some_and(|a| a.starts_with("TC3-HMAC-SHA256 ")));
            let body: Value = serde_json::from_str(&request.body).expect("the body is JSON");
            assert_eq!(body["SignName"], config.sign_name.as_str());
        }
    }
}

fn check_aliyun(config: &AliyunSmsConfig) {
    let builder = RequestBuilder::new(config).unwrap_or_else(|e| {
        panic!("the loader accepted a config that RequestBuilder::new refuses: {e}")
    });
    let _ = format!("{builder:?} {config:?}");

    let again = AliyunSmsConfig::load_with_env(
        &config.to_json_exposing_secrets(),
        &LoadOptions::strict(),
        no_env,
    )
    .unwrap_or_else(|e| panic!("to_json_exposing_secrets does not load again in strict mode: {e}"));
    assert_eq!(
        &again.config, config,
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

/// Checks one input with both loaders; panics on a failed check.
pub fn run(data: &[u8]) {
    let text = text_of(data);
    run_for::<Aliyun>(&text);
    run_for::<Tencent>(&text);
}

fn run_for<P: Provider>(text: &str) {
    let lenient = LoadOptions::default();
    let max = lenient.max_problems;

    for (env, from_env) in [(no_env as fn(&str) -> Option<String>, false), (env, true)] {
        let secrets = secrets_in(text, from_env, P::SECRET_KEYS);
        let loose = P::load(text, &lenient, env);
        let strict = P::load(text, &LoadOptions::strict(), env);
        check_result::<P>(&loose, &secrets, max);
        check_result::<P>(&strict, &secrets, max);
        match (&loose, &strict) {
            (Ok(loose), Ok(strict)) => {
                assert!(loose.warnings.is_empty(), "strict accepts what warns");
                assert_eq!(loose.config, strict.config);
            }
            (Ok(loose), Err(_)) => {
                assert!(!loose.warnings.is_empty(), "strict refuses a clean config")
            }
            (Err(_), Ok(_)) => panic!("strict accepts what lenient refuses"),
            (Err(_), Err(_)) => {}
        }

        // The same findings, fewer listed.
        let few = lenient.with_max_problems(2);
        match (P::load(text, &few, env), &loose) {
            (Err(a), Err(b)) if b.omitted == 0 => {
                assert!(a.problems.len() <= 2);
                assert_eq!(a.problems.len() + a.omitted, b.problems.len());
                assert_eq!(a.problems[..], b.problems[..a.problems.len()]);
            }
            (Ok(a), Ok(b)) if b.warnings.omitted == 0 => {
                assert_eq!(a.warnings.count(), b.warnings.count());
            }
            (Err(_), Err(_)) | (Ok(_), Ok(_)) => {}
            _ => panic!("max_problems changed the verdict"),
        }
    }

    // Oversized: refused before parsing, with the size problem alone.
    if !text.is_empty() {
        let small = lenient.with_max_bytes(text.len() - 1);
        let error = P::load(text, &small, env).unwrap_err();
        assert_eq!(error.problems.len(), 1, "{error}");
        assert_eq!(error.problems[0].path, "");
        assert!(error.problems[0].message.starts_with("the config is "));
        assert!(
            error.problems[0]
                .message
                .ends_with("the limit for a config; nothing was parsed")
        );
        // At its length, never for its size (user text may say anything, so only the
        // document-level problem counts).
        let exact = lenient.with_max_bytes(text.len());
        if let Err(error) = P::load(text, &exact, env) {
            let too_large = error.problems.iter().any(|p| {
                p.path.is_empty()
                    && p.message.starts_with("the config is ")
                    && p.message
                        .ends_with("the limit for a config; nothing was parsed")
            });
            assert!(!too_large, "{error}");
        }
    }

    // Repeated credentials and templates are always problems at their paths.
    let Ok(parsed) = parse_json(text.strip_prefix('\u{feff}').unwrap_or(text)) else {
        return;
    };
    let error = match P::load(
        text,
        &lenient.with_max_problems(usize::MAX),
        env,
    ) {
        Ok(_) => {
            assert!(
                !parsed.duplicates.iter().any(|d| matches!(
                    d.path.first(),
                    Some(PathSegment::Key(k)) if ["accessKeyId", "accessKeySecret", "securityToken", "templates"].contains(&k.as_str())
                )),
                "a repeated credential or template list was accepted"
            );
            return;
        }
        Err(error) => error,
    };
    for duplicate in &parsed.duplicates {
        if let [PathSegment::Key(key)] = &duplicate.path[..] {
            if [
                "accessKeyId",
                "accessKeySecret",
                "securityToken",
                "templates",
            ]
            .contains(&key.as_str())
            {
                // A secret that is part of the key's name (`Secret`, say) hides the name too.
                assert!(
                    error
                        .problems
                        .iter()
                        .any(|p| (&p.path == key || p.path == REDACTED)
                            && p.message.starts_with("is given")),
                    "{key} given twice without a problem at it: {error}"
                );
            }
        }
    }
}
