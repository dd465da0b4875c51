//! The emulated service without HTTP: its state, and the answer to one API request
//! (gateway checks, then the action).

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};

use crate::config::EmulatorConfig;
use crate::error::ApiError;
use crate::faults::FaultQueue;
use crate::inbox::Inbox;
use crate::limits::RateLimiter;
use crate::nonce::{NONCE_CAPACITY, NonceStore};
use crate::request::ApiRequest;
use crate::response::Answer;
use crate::sms;
use crate::verify::verify;

/// The one API version the emulated product (dysmsapi) has.
pub(crate) const API_VERSION: &str = "2017-05-25";

/// Everything one emulator shares between its connections.
#[derive(Debug)]
pub(crate) struct State {
    pub config: EmulatorConfig,
    pub nonces: NonceStore,
    pub limiter: RateLimiter,
    pub inbox: Inbox,
    pub faults: FaultQueue,
    pub requests_seen: AtomicU64,
    biz_sequence: AtomicU64,
}

impl State {
    pub fn new(config: EmulatorConfig) -> Self {
        State {
            nonces: NonceStore::new(NONCE_CAPACITY),
            limiter: RateLimiter::new(config.limits),
            inbox: Inbox::new(config.inbox_capacity),
            faults: FaultQueue::default(),
            requests_seen: AtomicU64::new(0),
            // A random start keeps BizIds of different emulators in one test run apart.
            biz_sequence: AtomicU64::new((uuid::Uuid::new_v4().as_u128() % 10_000_000) as u64),
            config,
        }
    }

    /// A fresh `BizId` like Aliyun's (`<18 digits>^0`): seconds and a sequence number.
    pub fn next_biz_id(&self, now: DateTime<Utc>) -> String {
        let sequence = self.biz_sequence.fetch_add(1, Ordering::Relaxed) % 100_000_000;
        let seconds = now.timestamp().rem_euclid(10_000_000_000);
        format!("{seconds:010}{sequence:08}^0")
    }
}

/// Answer one request to the API path: gateway checks, then the action.
pub(crate) fn answer(state: &State, request: &ApiRequest, request_id: &str, host: &str) -> Answer {
    let format = request.format();
    if request.method != "GET" && request.method != "POST" {
        return Answer::error(
            &ApiError::unsupported_method(),
            None,
            format,
            request_id,
            host,
        );
    }
    let caller = match verify(
        &state.config,
        &state.nonces,
        state.config.clock.now(),
        request,
    ) {
        Ok(caller) => caller,
        Err(error) => return Answer::error(&error, None, format, request_id, host),
    };
    let action = caller.action.as_str();
    let result = if caller.version != API_VERSION {
        Err(ApiError::invalid_version())
    } else {
        match action {
            "SendSms" => sms::send_sms(state, request, request_id),
            "SendBatchSms" => sms::send_batch_sms(state, request, request_id),
            "QuerySendDetails" => sms::query_send_details(state, request),
            _ => Err(ApiError::action_not_found()),
        }
    };
    match result {
        Ok(body) => Answer::ok(action, format, request_id, body),
        Err(error) => Answer::error(&error, Some(action), format, request_id, host),
    }
}
