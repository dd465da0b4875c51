//! What happened to sent messages: the answer of `QuerySendDetails`, read into typed records.
//! Pure, like the response classifier: status + body → [`SendDetails`] or an error.

use std::fmt;

use connector_kit::{ConnectorError, ErrorKind};
use serde::Deserialize;
use serde_json::Value;

use crate::response::{ClassifyContext, classify_with};
use crate::secret::REDACTED;

/// What `QuerySendDetails` found for one number and day.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SendDetails {
    /// How many messages match, all pages together.
    pub total_count: u64,
    /// The messages of this page (the first 50 at most), as Aliyun lists them.
    pub messages: Vec<SentMessage>,
    /// Aliyun's id for the request, for its support desk.
    pub request_id: Option<String>,
}

/// One message as Aliyun reports it. `Debug` hides the number and the text (it holds the code).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SentMessage {
    /// The number it went to, as Aliyun writes it.
    pub phone_number: String,
    /// Where it is.
    pub status: DeliveryStatus,
    /// The carrier's report code: `DELIVERED`, or why it failed.
    pub error_code: Option<String>,
    /// The template it was sent with.
    pub template_code: Option<String>,
    /// The text the phone shows.
    pub content: Option<String>,
    /// When Aliyun sent it (China time, `yyyy-MM-dd HH:mm:ss`).
    pub send_date: Option<String>,
    /// When the phone received it, once reported.
    pub receive_date: Option<String>,
    /// The caller's reference given when sending (the message's `reference`, Aliyun's `OutId`).
    pub out_id: Option<String>,
}

impl fmt::Debug for SentMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SentMessage")
            .field("phone_number", &REDACTED)
            .field("status", &self.status)
            .field("error_code", &self.error_code)
            .field("template_code", &self.template_code)
            .field("content", &self.content.as_ref().map(|_| REDACTED))
            .field("send_date", &self.send_date)
            .field("receive_date", &self.receive_date)
            .field("out_id", &self.out_id)
            .finish()
    }
}

/// `SendStatus`: where a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryStatus {
    /// `1`: sent, the carrier has not reported yet.
    Waiting,
    /// `2`: the carrier reported a failure (see `error_code`).
    Failed,
    /// `3`: delivered to the phone.
    Delivered,
    /// A value this version does not know.
    Other(i64),
}

impl DeliveryStatus {
    fn from_code(code: i64) -> DeliveryStatus {
        match code {
            1 => DeliveryStatus::Waiting,
            2 => DeliveryStatus::Failed,
            3 => DeliveryStatus::Delivered,
            other => DeliveryStatus::Other(other),
        }
    }
}

/// Classifies a `QuerySendDetails` answer: Aliyun's errors as [`classify`](crate::classify)
/// reads them, or the messages found. A list that is not in Aliyun's shape is
/// [`ErrorKind::InvalidResponse`].
///
/// A query changes nothing, so no error of it has an unknown outcome: an answer that, for a
/// send, might have come after the message went out (a 5xx, an unreadable 2xx) is here only a
/// failed read, and retryable.
///
/// ```
/// use aliyun_sms::{DeliveryStatus, classify_send_details};
///
/// let body = r#"{"Code":"OK","Message":"OK","RequestId":"R1","TotalCount":1,
///   "SmsSendDetailDTOs":{"SmsSendDetailDTO":[{"PhoneNum":"13800138000","SendStatus":3,
///   "ErrCode":"DELIVERED","TemplateCode":"SMS_1","Content":"【Demo】123456",
///   "SendDate":"2026-11-25 10:00:01","ReceiveDate":"2026-11-25 10:00:04","OutId":"r-1"}]}}"#;
/// let details = classify_send_details(200, body.as_bytes())?;
/// assert_eq!(details.total_count, 1);
/// assert_eq!(details.messages[0].status, DeliveryStatus::Delivered);
/// assert_eq!(details.messages[0].out_id.as_deref(), Some("r-1"));
/// # Ok::<(), connector_kit::ConnectorError>(())
/// ```
pub fn classify_send_details(status: u16, body: &[u8]) -> Result<SendDetails, ConnectorError> {
    classify_send_details_with(status, body, &ClassifyContext::default())
}

/// [`classify_send_details`] with what the connector knows of the request.
pub(crate) fn classify_send_details_with(
    status: u16,
    body: &[u8],
    context: &ClassifyContext<'_>,
) -> Result<SendDetails, ConnectorError> {
    let receipt =
        classify_with(status, body, context).map_err(|error| match error.outcome_unknown() {
            true => error.with_outcome_unknown(false).with_retryable(true),
            false => error,
        })?;
    let answer: QueryAnswer = serde_json::from_slice(body).map_err(|e| {
        ConnectorError::new(
            ErrorKind::InvalidResponse,
            format!("the QuerySendDetails answer is not in Aliyun's shape: {e}"),
        )
        .with_http_status(status)
    })?;
    let messages = answer
        .details
        .map(|d| d.list.into_vec())
        .unwrap_or_default()
        .into_iter()
        .map(|raw| SentMessage {
            phone_number: raw.phone_number.unwrap_or_default(),
            status: DeliveryStatus::from_code(number(&raw.send_status).unwrap_or(0)),
            error_code: raw.error_code,
            template_code: raw.template_code,
            content: raw.content,
            send_date: raw.send_date,
            receive_date: raw.receive_date.filter(|d| !d.is_empty()),
            out_id: raw.out_id.filter(|id| !id.is_empty()),
        })
        .collect::<Vec<_>>();
    let total_count = number(&answer.total_count)
        .and_then(|n| u64::try_from(n).ok())
        .unwrap_or(messages.len() as u64);
    Ok(SendDetails {
        total_count,
        messages,
        request_id: receipt.request_id,
    })
}

/// A number Aliyun may write as `3` or `"3"`.
fn number(value: &Option<Value>) -> Option<i64> {
    match value.as_ref()? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[derive(Deserialize)]
struct QueryAnswer {
    #[serde(rename = "TotalCount", default)]
    total_count: Option<Value>,
    #[serde(rename = "SmsSendDetailDTOs", default)]
    details: Option<DetailList>,
}

#[derive(Deserialize)]
struct DetailList {
    #[serde(rename = "SmsSendDetailDTO", default)]
    list: OneOrMany,
}

/// A list, or a single object where a list of one was converted from XML.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<RawMessage>),
    One(Box<RawMessage>),
    #[default]
    None,
}

impl OneOrMany {
    fn into_vec(self) -> Vec<RawMessage> {
        match self {
            OneOrMany::Many(list) => list,
            OneOrMany::One(one) => vec![*one],
            OneOrMany::None => Vec::new(),
        }
    }
}

#[derive(Deserialize)]
struct RawMessage {
    #[serde(rename = "PhoneNum", default)]
    phone_number: Option<String>,
    #[serde(rename = "SendStatus", default)]
    send_status: Option<Value>,
    #[serde(rename = "ErrCode", default)]
    error_code: Option<String>,
    #[serde(rename = "TemplateCode", default)]
    template_code: Option<String>,
    #[serde(rename = "Content", default)]
    content: Option<String>,
    #[serde(rename = "SendDate", default)]
    send_date: Option<String>,
    #[serde(rename = "ReceiveDate", default)]
    receive_date: Option<String>,
    #[serde(rename = "OutId", default)]
    out_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: &str) -> Result<SendDetails, ConnectorError> {
        classify_send_details(200, body.as_bytes())
    }

    #[test]
    fn every_status_and_both_list_shapes() {
        let list = read(
            r#"{"Code":"OK","TotalCount":"3","RequestId":"R","SmsSendDetailDTOs":{"SmsSendDetailDTO":[
            {"PhoneNum":"1","SendStatus":1},{"PhoneNum":"2","SendStatus":"2","ErrCode":"MOBILE_NOT_ON_SERVICE"},
            {"PhoneNum":"3","SendStatus":3,"ReceiveDate":"","OutId":""}]}}"#,
        )
        .unwrap();
        assert_eq!(list.total_count, 3);
        assert_eq!(list.request_id.as_deref(), Some("R"));
        let statuses: Vec<_> = list.messages.iter().map(|m| m.status).collect();
        use DeliveryStatus::*;
        assert_eq!(statuses, [Waiting, Failed, Delivered]);
        assert_eq!(
            list.messages[1].error_code.as_deref(),
            Some("MOBILE_NOT_ON_SERVICE")
        );
        assert_eq!(
            (
                list.messages[2].receive_date.as_ref(),
                list.messages[2].out_id.as_ref()
            ),
            (None, None)
        );

        let one = read(r#"{"Code":"OK","SmsSendDetailDTOs":{"SmsSendDetailDTO":{"PhoneNum":"9","SendStatus":7}}}"#)
            .unwrap();
        assert_eq!(one.total_count, 1);
        assert_eq!(one.messages[0].status, Other(7));

        let none =
            read(r#"{"Code":"OK","TotalCount":0,"SmsSendDetailDTOs":{"SmsSendDetailDTO":[]}}"#)
                .unwrap();
        assert_eq!((none.total_count, none.messages.len()), (0, 0));
    }

    #[test]
    fn aliyun_errors_and_foreign_shapes_are_typed_errors() {
        let err =
            read(r#"{"Code":"isv.MOBILE_NUMBER_ILLEGAL","Message":"bad number","RequestId":"R"}"#)
                .unwrap_err();
        assert_eq!(err.provider_code(), Some("isv.MOBILE_NUMBER_ILLEGAL"));
        let err = classify_send_details(503, b"<html>busy</html>").unwrap_err();
        assert!(err.is_retryable() && !err.outcome_unknown(), "{err}");
        let err =
            read(r#"{"Code":"OK","SmsSendDetailDTOs":{"SmsSendDetailDTO":"nope"}}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err}");
    }

    #[test]
    fn debug_hides_the_number_and_the_text() {
        let found = read(
            r#"{"Code":"OK","SmsSendDetailDTOs":{"SmsSendDetailDTO":[{"PhoneNum":"13800138000","SendStatus":3,"Content":"code 482910"}]}}"#,
        )
        .unwrap();
        let debug = format!("{found:?}");
        assert!(
            !debug.contains("13800138000") && !debug.contains("482910"),
            "{debug}"
        );
    }
}
