//! Tencent's answers: `{"Response":{...,"RequestId":...}}` with HTTP 200, a request-level
//! `Response.Error`, and the error codes the gateway gives, each message followed by
//! `(aliyun-sms emulator...)` so that it cannot be taken for Tencent's.

use bytes::Bytes;
use serde_json::{Map, Value, json};

use crate::server::Reply;

/// One error, as `Response.Error` or a `SendStatusSet` entry carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TcError {
    pub code: &'static str,
    pub message: String,
}

impl TcError {
    /// Tencent's `message`, marked as the emulator's.
    pub fn new(code: &'static str, message: impl std::fmt::Display) -> Self {
        TcError {
            code,
            message: format!("{message} (aliyun-sms emulator)"),
        }
    }

    /// Tencent's `message`, with what the emulator saw.
    pub fn because(
        code: &'static str,
        message: impl std::fmt::Display,
        because: impl std::fmt::Display,
    ) -> Self {
        TcError {
            code,
            message: format!("{message} (aliyun-sms emulator: {because})"),
        }
    }

    pub fn missing(name: &str) -> Self {
        Self::new(
            "MissingParameter",
            format!("The request is missing a required parameter `{name}`."),
        )
    }

    pub fn invalid(name: &str, because: impl std::fmt::Display) -> Self {
        Self::because(
            "InvalidParameter",
            format!("The parameter `{name}` is not valid."),
            because,
        )
    }

    pub fn invalid_value(name: &str, because: impl std::fmt::Display) -> Self {
        Self::because(
            "InvalidParameterValue",
            format!("The value of parameter `{name}` is not valid."),
            because,
        )
    }
}

/// `{"Response":{<fields>,"RequestId":<id>}}`
pub(crate) fn ok(fields: Value, request_id: &str) -> Reply {
    let mut response = match fields {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    response.insert("RequestId".into(), json!(request_id));
    reply(json!({ "Response": response }))
}

/// `{"Response":{"Error":{"Code":...,"Message":...},"RequestId":<id>}}`
pub(crate) fn error(error: &TcError, request_id: &str) -> Reply {
    reply(json!({
        "Response": {
            "Error": { "Code": error.code, "Message": error.message },
            "RequestId": request_id,
        }
    }))
}

fn reply(body: Value) -> Reply {
    Reply {
        status: 200,
        content_type: "application/json",
        body: Bytes::from(body.to_string()),
        request_id_header: None,
    }
}
