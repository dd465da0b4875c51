//! The SMS actions behind Tencent's gateway: `SendSms` (a `SendStatusSet` entry per number) and
//! `PullSmsSendStatusByPhoneNumber`. Each takes the verified request's JSON body and answers the
//! action's fields (the caller adds `RequestId`) or a request-level [`TcError`].

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};

use super::answer::TcError;
use crate::inbox::{DeliveredMessage, Provider};
use crate::limits::{HOUR_MS, LimitHit, THIRTY_SECONDS_MS};
use crate::phone::{is_mainland_china, normalize_phone_number, region_code, split_country_code};
use crate::server::State;
use crate::template::{Template, TemplateKind, TemplateRegion};

/// Most numbers one `SendSms` takes.
const MAX_NUMBERS: usize = 200;
/// `SessionContext` must be shorter than this, in bytes.
const MAX_SESSION_CONTEXT: usize = 512;
/// Most verification-code digits in one variable.
const MAX_CODE_DIGITS: usize = 6;
/// How far back `PullSmsSendStatusByPhoneNumber` looks.
const PULL_DAYS: i64 = 7;
/// Most entries one pull answers.
const MAX_PULL_LIMIT: u64 = 100;

const SEND_SMS_FIELDS: [&str; 8] = [
    "PhoneNumberSet",
    "SmsSdkAppId",
    "TemplateId",
    "SignName",
    "TemplateParamSet",
    "ExtendCode",
    "SessionContext",
    "SenderId",
];
const PULL_FIELDS: [&str; 6] = [
    "BeginTime",
    "EndTime",
    "Offset",
    "Limit",
    "PhoneNumber",
    "SmsSdkAppId",
];

/// The JSON body: an object.
pub(crate) fn body(bytes: &[u8]) -> Result<Map<String, Value>, TcError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(TcError::invalid(
            "body",
            "the body is JSON but not an object",
        )),
        Err(error) => Err(TcError::invalid(
            "body",
            format!("the body is not JSON: {error}"),
        )),
    }
}

/// `SendSms`: request-level checks, then one `SendStatusSet` entry per number.
pub(crate) fn send_sms(
    state: &State,
    params: &Map<String, Value>,
    request_id: &str,
) -> Result<Value, TcError> {
    check_known(params, &SEND_SMS_FIELDS)?;
    let numbers =
        string_list(params, "PhoneNumberSet")?.ok_or_else(|| TcError::missing("PhoneNumberSet"))?;
    let app = required_string(params, "SmsSdkAppId")?;
    let template_id = required_string(params, "TemplateId")?;
    let sign_name = string(params, "SignName")?.unwrap_or("");
    let values = string_list(params, "TemplateParamSet")?.unwrap_or_default();
    let session = string(params, "SessionContext")?.unwrap_or("");
    string(params, "ExtendCode")?;
    string(params, "SenderId")?;

    if numbers.is_empty() {
        return Err(TcError::new(
            "MissingParameter.EmptyPhoneNumberSet",
            "The number list is empty. Please check whether you have entered the numbers.",
        ));
    }
    if numbers.len() > MAX_NUMBERS {
        return Err(TcError::because(
            "LimitExceeded.PhoneNumberCountLimit",
            "The number of phone numbers in one request exceeds the upper limit of 200.",
            format!("{} numbers", numbers.len()),
        ));
    }
    let account = &state.config.tencent;
    if !account.has_sdk_app_id(app) {
        return Err(TcError::because(
            "InvalidParameterValue.SdkAppIdNotExist",
            "The SdkAppId does not exist.",
            format!("the account has no SMS application {app:?}"),
        ));
    }
    let template = account.find_template(template_id).ok_or_else(|| {
        TcError::because(
            "FailedOperation.TemplateIncorrectOrUnapproved",
            "The template is not approved or its content is incorrect.",
            format!("the account has no approved template {template_id:?}"),
        )
    })?;
    if sign_name.is_empty() {
        if template.region != TemplateRegion::International {
            return Err(TcError::because(
                "FailedOperation.MissingSignatureList",
                "The signature cannot be identified.",
                format!(
                    "SignName is required with template {template_id}, a mainland China template"
                ),
            ));
        }
    } else if !account.has_sign_name(sign_name) {
        return Err(TcError::because(
            "FailedOperation.SignatureIncorrectOrUnapproved",
            "The signature is not approved or its format is incorrect.",
            format!("the account has no approved sign name {sign_name:?}"),
        ));
    }
    check_params(template, &values)?;
    if session.len() >= MAX_SESSION_CONTEXT {
        return Err(TcError::invalid(
            "SessionContext",
            format!(
                "it is {} bytes; Tencent takes fewer than {MAX_SESSION_CONTEXT}",
                session.len()
            ),
        ));
    }

    let normalised: Vec<Option<String>> = numbers
        .iter()
        .map(|raw| normalize_phone_number(raw))
        .collect();
    let mainland = normalised.iter().flatten().filter(|n| is_mainland_china(n));
    let mainland = mainland.count();
    let valid = normalised.iter().flatten().count();
    if mainland > 0 && mainland < valid {
        return Err(TcError::new(
            "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
            "The request contains both Chinese mainland and international numbers.",
        ));
    }

    let now = state.config.clock.now();
    let params: BTreeMap<String, String> = values
        .iter()
        .enumerate()
        .map(|(i, value)| ((i + 1).to_string(), (*value).to_string()))
        .collect();
    let mut statuses = Vec::with_capacity(numbers.len());
    let mut delivered = Vec::new();
    for (raw, number) in numbers.iter().zip(normalised) {
        let outcome = number
            .ok_or_else(|| incorrect_number(raw))
            .and_then(|number| admit(state, app, template, number, now));
        let status = match outcome {
            Ok(number) => {
                let serial = state.tencent.next_serial(now);
                let status = json!({
                    "SerialNo": serial,
                    "PhoneNumber": number,
                    "Fee": 1,
                    "SessionContext": session,
                    "Code": "Ok",
                    "Message": "send success",
                    "IsoCode": region_code(&number).unwrap_or_else(|| "DEF".into()),
                });
                delivered.push(DeliveredMessage {
                    provider: Provider::Tencent,
                    content: render(template, sign_name, &values),
                    phone_number: number,
                    sign_name: sign_name.to_string(),
                    template_code: template.code.clone(),
                    params: params.clone(),
                    biz_id: serial,
                    out_id: Some(session.to_string()).filter(|s| !s.is_empty()),
                    sent_at: now,
                    request_id: request_id.to_string(),
                });
                status
            }
            Err((number, error)) => json!({
                "SerialNo": "",
                "PhoneNumber": number,
                "Fee": 0,
                "SessionContext": session,
                "Code": error.code,
                "Message": error.message,
                "IsoCode": region_code(&number).unwrap_or_else(|| "DEF".into()),
            }),
        };
        statuses.push(status);
    }
    state.inbox.deliver(delivered);
    Ok(json!({ "SendStatusSet": statuses }))
}

/// A number the template may go to and the limits admit, or the number and its entry's error.
fn admit(
    state: &State,
    app: &str,
    template: &Template,
    number: String,
    now: DateTime<Utc>,
) -> Result<String, (String, TcError)> {
    let mainland = is_mainland_china(&number);
    let refused = match template.region {
        TemplateRegion::Mainland if !mainland => Some(TcError::because(
            "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone",
            "A Chinese mainland template cannot be sent to an international number.",
            format!(
                "{} is a mainland China template and {number} is not a mainland China number; \
                 send it with an international template",
                template.code
            ),
        )),
        TemplateRegion::International if mainland => Some(TcError::because(
            "UnsupportedOperation.GlobalTemplateToChineseMainlandPhone",
            "An international template cannot be sent to a Chinese mainland number.",
            format!(
                "{} is an international template and {number} is a mainland China number; \
                 send it with a mainland template",
                template.code
            ),
        )),
        _ => None,
    };
    if let Some(error) = refused {
        return Err((number, error));
    }
    if template.kind == TemplateKind::VerificationCode {
        if let Err(hit) = state.tencent.limiter.admit(&[(app, &number)], now) {
            return Err((number, limit_exceeded(hit)));
        }
    }
    Ok(number)
}

fn incorrect_number(raw: &str) -> (String, TcError) {
    let shown: String = raw.chars().take(32).collect();
    let error = TcError::because(
        "InvalidParameterValue.IncorrectPhoneNumber",
        "The phone number format is incorrect.",
        format!("{shown:?} cannot be a phone number"),
    );
    (raw.to_string(), error)
}

fn limit_exceeded(hit: LimitHit) -> TcError {
    let (code, message, window) = match hit.window_ms {
        THIRTY_SECONDS_MS => (
            "LimitExceeded.PhoneNumberThirtySecondLimit",
            "The number of SMS messages sent to a single number within 30 seconds exceeds the limit.",
            "30 seconds",
        ),
        HOUR_MS => (
            "LimitExceeded.PhoneNumberOneHourLimit",
            "The number of SMS messages sent to a single number within 1 hour exceeds the limit.",
            "hour",
        ),
        _ => (
            "LimitExceeded.PhoneNumberDailyLimit",
            "The number of SMS messages sent to a single number within a day exceeds the limit.",
            "day",
        ),
    };
    TcError::because(
        code,
        message,
        format!(
            "its per-number limit of {} a {window} for this SdkAppId and number, Tencent's \
             default; `aliyun-sms emulator --limits off` serves without limits",
            hit.limit
        ),
    )
}

/// The template's variables each have a value; a verification code's are at most 6 digits.
fn check_params(template: &Template, values: &[&str]) -> Result<(), TcError> {
    let expected = variable_count(&template.content);
    if values.len() != expected {
        return Err(TcError::because(
            "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
            "The number of template parameters does not match the approved template.",
            format!(
                "template {} has {expected} variable(s) and TemplateParamSet has {} value(s)",
                template.code,
                values.len()
            ),
        ));
    }
    if template.kind == TemplateKind::VerificationCode {
        for (i, value) in values.iter().enumerate() {
            if value.len() > MAX_CODE_DIGITS || !value.bytes().all(|b| b.is_ascii_digit()) {
                let shown: String = value.chars().take(16).collect();
                return Err(TcError::because(
                    "InvalidParameterValue.TemplateParameterFormatError",
                    "The verification code template parameter format is incorrect: only 0-6 digits are allowed.",
                    format!("TemplateParamSet[{i}] is {shown:?}"),
                ));
            }
        }
    }
    Ok(())
}

/// The highest `{n}` of a Tencent template: how many values `TemplateParamSet` must hold.
pub(crate) fn variable_count(content: &str) -> usize {
    placeholders(content)
        .filter_map(|(_, n, _)| n)
        .max()
        .unwrap_or(0)
}

/// The text a phone shows: `【sign name】` (when there is one) and the content with each `{n}`
/// replaced by the n-th value.
pub(crate) fn render(template: &Template, sign_name: &str, values: &[&str]) -> String {
    let mut text = if sign_name.is_empty() {
        String::new()
    } else {
        format!("【{sign_name}】")
    };
    let content = template.content.as_str();
    let mut from = 0;
    for (start, n, end) in placeholders(content) {
        let Some(value) = n.and_then(|n| values.get(n - 1)) else {
            continue;
        };
        text.push_str(&content[from..start]);
        text.push_str(value);
        from = end;
    }
    text.push_str(&content[from..]);
    text
}

/// Each `{digits}` of `content`: its start, its number (`None` for `{0}` or too many digits),
/// and the end of its closing brace.
fn placeholders(content: &str) -> impl Iterator<Item = (usize, Option<usize>, usize)> + '_ {
    content.match_indices('{').filter_map(move |(start, _)| {
        let rest = &content[start + 1..];
        let close = rest.find('}')?;
        let digits = &rest[..close];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n = digits.parse::<usize>().ok().filter(|&n| n >= 1);
        Some((start, n, start + 1 + close + 1))
    })
}

/// `PullSmsSendStatusByPhoneNumber`: the delivery reports of messages sent to one number in a
/// time range, newest first.
pub(crate) fn pull_status_by_phone_number(
    state: &State,
    params: &Map<String, Value>,
) -> Result<Value, TcError> {
    check_known(params, &PULL_FIELDS)?;
    let begin = integer(params, "BeginTime")?.ok_or_else(|| TcError::missing("BeginTime"))?;
    let end = integer(params, "EndTime")?;
    let offset = integer(params, "Offset")?.ok_or_else(|| TcError::missing("Offset"))?;
    let limit = integer(params, "Limit")?.ok_or_else(|| TcError::missing("Limit"))?;
    let raw_number = required_string(params, "PhoneNumber")?;
    let app = required_string(params, "SmsSdkAppId")?;
    if offset != 0 {
        return Err(TcError::invalid_value("Offset", "Offset is fixed at 0"));
    }
    if !(1..=MAX_PULL_LIMIT).contains(&limit) {
        return Err(TcError::invalid_value(
            "Limit",
            format!("Limit must be 1 to {MAX_PULL_LIMIT}, not {limit}"),
        ));
    }
    if !state.config.tencent.has_sdk_app_id(app) {
        return Err(TcError::because(
            "InvalidParameterValue.SdkAppIdNotExist",
            "The SdkAppId does not exist.",
            format!("the account has no SMS application {app:?}"),
        ));
    }
    let number =
        normalize_phone_number(raw_number).ok_or_else(|| incorrect_number(raw_number).1)?;
    let now = state.config.clock.now();
    let now_seconds = u64::try_from(now.timestamp()).unwrap_or(0);
    let end = end.unwrap_or(now_seconds);
    if end < begin {
        return Err(TcError::invalid_value(
            "EndTime",
            format!("EndTime {end} is before BeginTime {begin}"),
        ));
    }
    let oldest = now - TimeDelta::days(PULL_DAYS);
    if i64::try_from(begin).unwrap_or(i64::MAX) < oldest.timestamp() {
        return Err(TcError::invalid_value(
            "BeginTime",
            format!(
                "BeginTime may be at most {PULL_DAYS} days back ({})",
                oldest.timestamp()
            ),
        ));
    }
    let in_range = |m: &DeliveredMessage| {
        let sent = u64::try_from(m.sent_at.timestamp()).unwrap_or(0);
        m.provider == Provider::Tencent && (begin..=end).contains(&sent)
    };
    let reports: Vec<Value> = state
        .inbox
        .find(&number, in_range)
        .iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|m| {
            let (country, subscriber) = split_country_code(&m.phone_number)
                .unwrap_or_else(|| (String::new(), m.phone_number.clone()));
            json!({
                "UserReceiveTime": m.sent_at.timestamp(),
                "CountryCode": country,
                "SubscriberNumber": subscriber,
                "PhoneNumber": m.phone_number,
                "SerialNo": m.biz_id,
                "ReportStatus": "SUCCESS",
                "Description": "用户短信送达成功",
                "SessionContext": m.out_id.as_deref().unwrap_or(""),
            })
        })
        .collect();
    Ok(json!({ "PullSmsSendStatusSet": reports }))
}

/// `UnknownParameter` for a key the action does not take.
fn check_known(params: &Map<String, Value>, known: &[&str]) -> Result<(), TcError> {
    match params.keys().find(|key| !known.contains(&key.as_str())) {
        None => Ok(()),
        Some(key) => Err(TcError::because(
            "UnknownParameter",
            format!("The parameter `{key}` is not recognized."),
            format!("this action takes {}", known.join(", ")),
        )),
    }
}

fn wrong_type(name: &str, expected: &str) -> TcError {
    TcError::invalid(name, format!("{name} must be {expected}"))
}

fn string<'p>(params: &'p Map<String, Value>, name: &str) -> Result<Option<&'p str>, TcError> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(wrong_type(name, "a string")),
    }
}

fn required_string<'p>(params: &'p Map<String, Value>, name: &str) -> Result<&'p str, TcError> {
    string(params, name)?
        .filter(|value| !value.is_empty())
        .ok_or_else(|| TcError::missing(name))
}

fn string_list<'p>(
    params: &'p Map<String, Value>,
    name: &str,
) -> Result<Option<Vec<&'p str>>, TcError> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .ok_or_else(|| wrong_type(name, "an array of strings"))
            })
            .collect::<Result<_, _>>()
            .map(Some),
        Some(_) => Err(wrong_type(name, "an array of strings")),
    }
}

fn integer(params: &Map<String, Value>, name: &str) -> Result<Option<u64>, TcError> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => number
            .as_u64()
            .map(Some)
            .ok_or_else(|| wrong_type(name, "a non-negative integer")),
        Some(_) => Err(wrong_type(name, "an integer")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positional_placeholders() {
        assert_eq!(variable_count("验证码{1}，{2}分钟内有效。{x}{0}"), 2);
        assert_eq!(variable_count("{2} only"), 2);
        assert_eq!(variable_count("no variables {}"), 0);
        let template = Template::notification("1", "{1}您好，订单{2}已发货。{3}");
        assert_eq!(
            render(&template, "腾讯云", &["张三", "A1"]),
            "【腾讯云】张三您好，订单A1已发货。{3}"
        );
        assert_eq!(
            render(&template, "", &["a", "b", "c"]),
            "a您好，订单b已发货。c"
        );
    }

    #[test]
    fn verification_values_are_at_most_six_digits() {
        let template = Template::verification_code("1", "{1}");
        for good in ["123456", "1234", ""] {
            assert!(check_params(&template, &[good]).is_ok(), "{good}");
        }
        for bad in ["1234567", "12ab", "１２３４"] {
            assert_eq!(
                check_params(&template, &[bad]).unwrap_err().code,
                "InvalidParameterValue.TemplateParameterFormatError",
                "{bad}"
            );
        }
        assert_eq!(
            check_params(&template, &[]).unwrap_err().code,
            "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"
        );
    }
}
