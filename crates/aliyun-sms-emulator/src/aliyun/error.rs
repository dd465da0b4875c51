//! The errors the emulator answers, with Aliyun's codes, messages and HTTP statuses.
//!
//! Gateway errors (signature, keys, throttling, missing parameters) come with a 4xx status;
//! business errors (`isv.*`) with HTTP 200, as Aliyun sends them.

/// One error answer: HTTP status, Aliyun `Code`, `Message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    /// A business error: HTTP 200 with `Code != "OK"`, Aliyun's `message` marked as the
    /// emulator's (a person reading it through a client must not take it for Aliyun's).
    pub fn business(code: &str, message: impl Into<String>) -> Self {
        Self::new(
            200,
            code,
            format!("{} (aliyun-sms emulator)", message.into()),
        )
    }

    /// [`business`](Self::business) with what the emulator saw, e.g. which template and
    /// number did not go together.
    pub fn business_because(code: &str, message: &str, because: impl std::fmt::Display) -> Self {
        Self::new(
            200,
            code,
            format!("{message} (aliyun-sms emulator: {because})"),
        )
    }

    /// `Missing<Name>`: a required parameter (or its header) is absent or empty.
    pub fn missing(name: &str, shown_as: &str) -> Self {
        Self::new(
            400,
            format!("Missing{name}"),
            format!("{shown_as} is mandatory for this action."),
        )
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidParameter", message)
    }

    pub fn access_key_not_found() -> Self {
        Self::new(
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        )
    }

    pub fn timestamp_format() -> Self {
        Self::new(
            400,
            "InvalidTimeStamp.Format",
            "Specified time stamp or date value is not well formatted.",
        )
    }

    pub fn timestamp_expired() -> Self {
        Self::new(
            400,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        )
    }

    pub fn signature_does_not_match(detail: &str) -> Self {
        Self::new(
            400,
            "SignatureDoesNotMatch",
            format!(
                "Specified signature is not matched with our calculation. server string to sign is:{detail}"
            ),
        )
    }

    pub fn incomplete_signature(message: impl Into<String>) -> Self {
        Self::new(400, "IncompleteSignature", message)
    }

    pub fn unsupported_signature_method() -> Self {
        Self::new(
            400,
            "InvalidSignatureMethod",
            "Specified signature method is not supported.",
        )
    }

    pub fn unsupported_signature_version() -> Self {
        Self::new(
            400,
            "InvalidSignatureVersion",
            "Specified signature version is not supported.",
        )
    }

    pub fn security_token_mismatch() -> Self {
        Self::new(
            403,
            "InvalidSecurityToken.MismatchWithAccessKey",
            "Specified SecurityToken mismatch with the AccessKey.",
        )
    }

    pub fn nonce_used() -> Self {
        Self::new(
            400,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        )
    }

    pub fn invalid_version() -> Self {
        Self::new(
            400,
            "InvalidVersion",
            "Specified parameter Version is not valid.",
        )
    }

    pub fn action_not_found() -> Self {
        Self::new(
            404,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        )
    }

    pub fn unsupported_method() -> Self {
        Self::new(
            400,
            "UnsupportedHTTPMethod",
            "This http method is not supported.",
        )
    }

    pub fn throttling() -> Self {
        Self::new(
            400,
            "Throttling.User",
            "Request was denied due to user flow control.",
        )
    }

    pub fn internal_error() -> Self {
        Self::new(
            500,
            "InternalError",
            "The request processing has failed due to some unknown error. (aliyun-sms emulator: \
             an injected fault)",
        )
    }

    pub fn body_too_large(limit: usize) -> Self {
        Self::new(
            413,
            "RequestBodyTooLarge",
            format!("The request body is larger than {limit} bytes."),
        )
    }
}
