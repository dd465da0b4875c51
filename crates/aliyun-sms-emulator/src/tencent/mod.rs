//! Tencent's gateway (SMS API 2021-01-11, `TC3-HMAC-SHA256`): its checks, then the action,
//! answered in Tencent's shape (HTTP 200, `{"Response":{...,"RequestId":...}}`, a request-level
//! `Response.Error` or a `SendStatusSet` entry per number).

pub(crate) mod account;
mod answer;
mod sms;
mod verify;

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::json;
use tencent_sign::Tc3Signer;

use crate::config::EmulatorConfig;
use crate::limits::{DAY_MS, HOUR_MS, RateLimiter, THIRTY_SECONDS_MS};
use crate::server::{Canned, Gateway, HttpRequest, MAX_REQUEST_BODY, Reply, State};
use answer::TcError;

/// What Tencent's gateway keeps between requests: a signer per key (each keeps its day's
/// signing key), per-number counts, `SerialNo`s.
#[derive(Debug)]
pub(crate) struct TencentGateway {
    signers: Vec<Tc3Signer>,
    limiter: RateLimiter,
    serial_sequence: AtomicU64,
}

impl TencentGateway {
    pub fn new(config: &EmulatorConfig) -> Self {
        let account = &config.tencent;
        let limits = account.limits;
        TencentGateway {
            signers: account
                .keys
                .iter()
                .map(|key| Tc3Signer::new(key.clone(), verify::SERVICE))
                .collect(),
            limiter: RateLimiter::new([
                (limits.per_thirty_seconds, THIRTY_SECONDS_MS),
                (limits.per_hour, HOUR_MS),
                (limits.per_day, DAY_MS),
            ]),
            // A random start keeps SerialNos of different emulators in one test run apart.
            serial_sequence: AtomicU64::new(
                (uuid::Uuid::new_v4().as_u128() % 1_000_000_000) as u64,
            ),
        }
    }

    /// A fresh `SerialNo` like Tencent's (`<app digits>:<digits>`), one per delivered number.
    fn next_serial(&self, now: DateTime<Utc>) -> String {
        let sequence = self.serial_sequence.fetch_add(1, Ordering::Relaxed) % 10_000_000_000;
        format!(
            "2019:{:010}{sequence:010}",
            now.timestamp().rem_euclid(10_000_000_000)
        )
    }
}

impl Gateway for TencentGateway {
    /// Tencent's `RequestId`: a lower-case UUID v4.
    fn new_request_id(&self) -> String {
        uuid::Uuid::new_v4().to_string()
    }

    fn answer(&self, state: &State, request: &HttpRequest, request_id: &str) -> Reply {
        let now = state.config.clock.now();
        let result = verify::verify(&self.signers, now, request).and_then(|caller| {
            let params = sms::body(&request.body)?;
            match caller.action {
                "SendSms" => sms::send_sms(state, &params, request_id),
                _ => sms::pull_status_by_phone_number(state, &params),
            }
        });
        match result {
            Ok(fields) => answer::ok(fields, request_id),
            Err(error) => answer::error(&error, request_id),
        }
    }

    fn canned(&self, canned: Canned, _request: &HttpRequest, request_id: &str) -> Reply {
        let error = match canned {
            Canned::Throttle => TcError::because(
                "RequestLimitExceeded",
                "The number of requests exceeds the frequency limit.",
                "an injected fault",
            ),
            Canned::InternalError => TcError::because(
                "InternalError",
                "An internal error has occurred. Retry your request, but if the problem \
                 persists, contact us.",
                "an injected fault",
            ),
            Canned::BodyTooLarge => TcError::because(
                "RequestSizeLimitExceeded",
                "The request size exceeds the upper limit.",
                format!("it reads at most {MAX_REQUEST_BODY} bytes"),
            ),
        };
        answer::error(&error, request_id)
    }

    /// One `Ok` entry, for the request's first number and its `SessionContext`.
    fn fake_ok_body(&self, state: &State, request: &HttpRequest, request_id: &str) -> Bytes {
        let params = sms::body(&request.body).unwrap_or_default();
        let first = |name: &str| {
            params
                .get(name)
                .and_then(|v| v.as_array().and_then(|a| a.first()).or(Some(v)))
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        let number = first("PhoneNumberSet");
        let number = crate::phone::normalize_phone_number(&number).unwrap_or(number);
        let status = json!({
            "SerialNo": self.next_serial(state.config.clock.now()),
            "PhoneNumber": number,
            "Fee": 1,
            "SessionContext": first("SessionContext"),
            "Code": "Ok",
            "Message": "send success",
            "IsoCode": crate::phone::region_code(&number).unwrap_or_else(|| "DEF".into()),
        });
        answer::ok(json!({ "SendStatusSet": [status] }), request_id).body
    }

    fn malformed_body(&self, request_id: &str) -> Bytes {
        Bytes::from(format!(
            r#"{{Response:{{SendStatusSet:[{{Code:Ok}}],RequestId:"{request_id}",}}"#
        ))
    }
}
