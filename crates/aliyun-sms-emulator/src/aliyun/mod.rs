//! Aliyun's gateway (`dysmsapi`, `Version=2017-05-25`): its checks, in Aliyun's order, then the
//! action, answered in Aliyun's shape (JSON or XML, `Code`/`Message`, HTTP statuses).

mod error;
mod nonce;
mod request;
mod response;
mod sms;
mod verify;

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::config::EmulatorConfig;
use crate::limits::{DAY_MS, HOUR_MS, MINUTE_MS, RateLimiter};
use crate::server::{Canned, Gateway, HttpRequest, MAX_REQUEST_BODY, Reply, State};
use error::ApiError;
use nonce::{NONCE_CAPACITY, NonceStore};
use request::ApiRequest;
use response::{Answer, Format};
use verify::verify;

/// The one API version the emulated product (dysmsapi) has.
pub(crate) const API_VERSION: &str = "2017-05-25";
/// `HostId` of gateway errors when the request has no `Host` header.
const DEFAULT_HOST: &str = "dysmsapi.aliyuncs.com";
/// The response header that carries the request id.
const REQUEST_ID_HEADER: &str = "x-acs-request-id";

/// What Aliyun's gateway keeps between requests: nonces seen, per-number counts, `BizId`s.
#[derive(Debug)]
pub(crate) struct AliyunGateway {
    nonces: NonceStore,
    limiter: RateLimiter,
    biz_sequence: AtomicU64,
}

impl AliyunGateway {
    pub fn new(config: &EmulatorConfig) -> Self {
        let limits = config.limits;
        AliyunGateway {
            nonces: NonceStore::new(NONCE_CAPACITY),
            limiter: RateLimiter::new([
                (limits.per_minute, MINUTE_MS),
                (limits.per_hour, HOUR_MS),
                (limits.per_day, DAY_MS),
            ]),
            // A random start keeps BizIds of different emulators in one test run apart.
            biz_sequence: AtomicU64::new((uuid::Uuid::new_v4().as_u128() % 10_000_000) as u64),
        }
    }

    /// A fresh `BizId` like Aliyun's (`<18 digits>^0`): seconds and a sequence number.
    pub fn next_biz_id(&self, now: DateTime<Utc>) -> String {
        let sequence = self.biz_sequence.fetch_add(1, Ordering::Relaxed) % 100_000_000;
        let seconds = now.timestamp().rem_euclid(10_000_000_000);
        format!("{seconds:010}{sequence:08}^0")
    }
}

impl Gateway for AliyunGateway {
    /// Aliyun's `RequestId`: an upper-case UUID v4.
    fn new_request_id(&self) -> String {
        let mut buffer = uuid::Uuid::encode_buffer();
        uuid::Uuid::new_v4()
            .hyphenated()
            .encode_upper(&mut buffer)
            .to_string()
    }

    fn answer(&self, state: &State, request: &HttpRequest, request_id: &str) -> Reply {
        let host = host_of(request);
        let answer = match parse(request) {
            Ok(_) if request.path != "/" => {
                let error = ApiError::action_not_found();
                Answer::error(&error, None, Format::Json, request_id, &host)
            }
            Ok(parsed) => answer(state, &parsed, request_id, &host),
            Err(error) => Answer::error(&error, None, Format::Json, request_id, &host),
        };
        reply(&answer)
    }

    fn canned(&self, canned: Canned, request: &HttpRequest, request_id: &str) -> Reply {
        let host = host_of(request);
        let format = parse(request).map_or(Format::Json, |parsed| parsed.format());
        let error = match canned {
            Canned::Throttle => ApiError::throttling(),
            Canned::InternalError => ApiError::internal_error(),
            Canned::BodyTooLarge => ApiError::body_too_large(MAX_REQUEST_BODY),
        };
        let format = match canned {
            Canned::BodyTooLarge => Format::Json,
            _ => format,
        };
        reply(&Answer::error(&error, None, format, request_id, &host))
    }

    /// A `Code: OK` answer.
    fn fake_ok_body(&self, state: &State, _request: &HttpRequest, request_id: &str) -> Bytes {
        let biz_id = self.next_biz_id(state.config.clock.now());
        let body = json!({"RequestId": request_id, "Code": "OK", "Message": "OK", "BizId": biz_id});
        Bytes::from(body.to_string())
    }

    fn malformed_body(&self, request_id: &str) -> Bytes {
        Bytes::from(format!(
            r#"{{RequestId:"{request_id}",Code:OK,Message:"OK",}}"#
        ))
    }
}

fn parse(request: &HttpRequest) -> Result<ApiRequest, ApiError> {
    ApiRequest::parse(
        &request.method,
        request.query.as_deref(),
        request.headers.clone(),
        request.body.clone(),
    )
}

fn reply(answer: &Answer) -> Reply {
    Reply {
        status: answer.status,
        content_type: answer.content_type(),
        body: Bytes::from(answer.to_bytes()),
        request_id_header: Some(REQUEST_ID_HEADER),
    }
}

/// The `Host` header without its port, as Aliyun's `HostId`.
fn host_of(request: &HttpRequest) -> String {
    request
        .header("host")
        .map(|host| host.rsplit_once(':').map_or(host, |(name, _)| name))
        .filter(|host| !host.is_empty())
        .unwrap_or(DEFAULT_HOST)
        .to_string()
}

/// Answer one request to the API path: gateway checks, then the action.
fn answer(state: &State, request: &ApiRequest, request_id: &str, host: &str) -> Answer {
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
    let gateway = &state.aliyun;
    let caller = match verify(
        &state.config,
        &gateway.nonces,
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
