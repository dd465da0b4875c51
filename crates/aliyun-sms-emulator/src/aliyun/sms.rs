//! The SMS actions behind the gateway: `SendSms`, `SendBatchSms`, `QuerySendDetails`.
//!
//! Each takes the verified request and answers the action's own fields (the caller adds
//! `RequestId`, `Code` and `Message`) or an [`ApiError`].

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};
use serde_json::{Value, json};

use super::error::ApiError;
use super::request::ApiRequest;
use crate::inbox::{DeliveredMessage, Provider};
use crate::limits::{HOUR_MS, LimitHit, MINUTE_MS};
use crate::phone::{
    is_mainland_china, normalize_international_phone_number, normalize_phone_number,
};
use crate::server::State;
use crate::template::{Template, TemplateKind, TemplateRegion};

/// Most numbers one `SendSms` takes.
const SEND_SMS_MAX_NUMBERS: usize = 1000;
/// Most numbers one `SendBatchSms` takes.
const SEND_BATCH_MAX_NUMBERS: usize = 100;
/// How far back `QuerySendDetails` looks.
const QUERY_DAYS: i64 = 30;

/// One phone of a send, checked.
struct Recipient {
    number: String,
    sign_name: String,
    params: BTreeMap<String, String>,
}

/// `SendSms`: `PhoneNumbers` (comma-separated), `SignName`, `TemplateCode`,
/// `TemplateParam`, `OutId`.
pub(crate) fn send_sms(
    state: &State,
    request: &ApiRequest,
    request_id: &str,
) -> Result<Value, ApiError> {
    let numbers = request.required_param("PhoneNumbers")?;
    let sign_name = request.required_param("SignName")?;
    let template_code = request.required_param("TemplateCode")?;

    check_sign_name(state, sign_name)?;
    let template = find_template(state, template_code)?;
    let params = template_params(request.param("TemplateParam"))?;
    check_params(template, &params)?;
    let numbers: Vec<&str> = numbers.split(',').collect();
    if numbers.len() > SEND_SMS_MAX_NUMBERS {
        return Err(count_over_limit(SEND_SMS_MAX_NUMBERS));
    }
    let recipients = numbers
        .into_iter()
        .map(|raw| {
            Ok(Recipient {
                number: phone_number(raw, template)?,
                sign_name: sign_name.to_string(),
                params: params.clone(),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    deliver(state, template, recipients, request, request_id)
}

/// `SendBatchSms`: `PhoneNumberJson`, `SignNameJson` (one per number), `TemplateCode`,
/// `TemplateParamJson` (one object per number), `OutId`.
pub(crate) fn send_batch_sms(
    state: &State,
    request: &ApiRequest,
    request_id: &str,
) -> Result<Value, ApiError> {
    let numbers: Vec<String> = json_array(request.required_param("PhoneNumberJson")?)?;
    let sign_names: Vec<String> = json_array(request.required_param("SignNameJson")?)?;
    let template_code = request.required_param("TemplateCode")?;
    let param_sets: Vec<Option<String>> = match request.param("TemplateParamJson") {
        Some(text) => json_array::<Value>(text)?
            .into_iter()
            .map(|v| Some(v.to_string()))
            .collect(),
        None => vec![None; numbers.len()],
    };
    if sign_names.len() != numbers.len() || param_sets.len() != numbers.len() {
        return Err(ApiError::business(
            "isv.INVALID_PARAMETERS",
            "参数异常: PhoneNumberJson, SignNameJson and TemplateParamJson must have the same length",
        ));
    }
    for sign_name in &sign_names {
        check_sign_name(state, sign_name)?;
    }
    let template = find_template(state, template_code)?;
    let mut param_maps = Vec::with_capacity(param_sets.len());
    for text in &param_sets {
        let params = template_params(text.as_deref())?;
        check_params(template, &params)?;
        param_maps.push(params);
    }
    if numbers.len() > SEND_BATCH_MAX_NUMBERS {
        return Err(count_over_limit(SEND_BATCH_MAX_NUMBERS));
    }
    let recipients = numbers
        .iter()
        .zip(sign_names)
        .zip(param_maps)
        .map(|((raw, sign_name), params)| {
            Ok(Recipient {
                number: phone_number(raw, template)?,
                sign_name,
                params,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    deliver(state, template, recipients, request, request_id)
}

/// `QuerySendDetails`: `PhoneNumber`, `SendDate` (`yyyyMMdd`, China time), `PageSize`
/// (1–50), `CurrentPage` (from 1), optional `BizId`. Newest first; dates in UTC+8.
pub(crate) fn query_send_details(state: &State, request: &ApiRequest) -> Result<Value, ApiError> {
    let raw_number = request.required_param("PhoneNumber")?;
    let raw_date = request.required_param("SendDate")?;
    let raw_page_size = request.required_param("PageSize")?;
    let raw_page = request.required_param("CurrentPage")?;
    // No template says how to read a bare number here: the mainland reading first, then the
    // international one (a bare `1` + ten digits sent with an international template).
    let number = normalize_phone_number(raw_number);
    let international = normalize_international_phone_number(raw_number);
    if number.is_none() && international.is_none() {
        return Err(illegal_number(raw_number));
    }
    let date = (raw_date.len() == 8)
        .then(|| NaiveDate::parse_from_str(raw_date, "%Y%m%d").ok())
        .flatten()
        .ok_or_else(|| invalid_parameters("SendDate must be yyyyMMdd"))?;
    let page_size = raw_page_size
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=50).contains(n))
        .ok_or_else(|| invalid_parameters("PageSize must be 1 to 50"))?;
    let page = raw_page
        .parse::<usize>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| invalid_parameters("CurrentPage must be 1 or more"))?;
    let today = china_time(state.config.clock.now()).date_naive();
    if date < today - TimeDelta::days(QUERY_DAYS) {
        return Err(invalid_parameters("SendDate只支持查询近30天的记录"));
    }
    let biz_id = request.param("BizId");

    let keep = |m: &DeliveredMessage| {
        m.provider == Provider::Aliyun
            && china_time(m.sent_at).date_naive() == date
            && biz_id.is_none_or(|id| id == m.biz_id)
    };
    let mut found = number
        .as_deref()
        .map(|n| state.inbox.find(n, keep))
        .unwrap_or_default();
    if found.is_empty() && international != number {
        if let Some(n) = international.as_deref() {
            found = state.inbox.find(n, keep);
        }
    }
    let details: Vec<Value> = found
        .iter()
        .skip((page - 1).saturating_mul(page_size))
        .take(page_size)
        .map(|m| {
            let when = china_time(m.sent_at)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string();
            let mut dto = json!({
                "PhoneNum": m.phone_number,
                "SendStatus": 3,
                "ErrCode": "DELIVERED",
                "TemplateCode": m.template_code,
                "Content": m.content,
                "SendDate": when,
                "ReceiveDate": when,
            });
            if let Some(out_id) = &m.out_id {
                dto["OutId"] = json!(out_id);
            }
            dto
        })
        .collect();
    Ok(json!({
        "TotalCount": found.len(),
        "SmsSendDetailDTOs": { "SmsSendDetailDTO": details },
    }))
}

/// Count the sends against the limits and put them in the inbox under one `BizId`.
fn deliver(
    state: &State,
    template: &Template,
    recipients: Vec<Recipient>,
    request: &ApiRequest,
    request_id: &str,
) -> Result<Value, ApiError> {
    let now = state.config.clock.now();
    if template.kind == TemplateKind::VerificationCode {
        let sends: Vec<(&str, &str)> = recipients
            .iter()
            .map(|r| (r.sign_name.as_str(), r.number.as_str()))
            .collect();
        state
            .aliyun
            .limiter
            .admit(&sends, now)
            .map_err(business_limit_control)?;
    }
    let biz_id = state.aliyun.next_biz_id(now);
    let out_id = request.param("OutId").map(str::to_string);
    let messages = recipients
        .into_iter()
        .map(|r| DeliveredMessage {
            provider: Provider::Aliyun,
            content: template.render(&r.sign_name, &r.params),
            phone_number: r.number,
            sign_name: r.sign_name,
            template_code: template.code.clone(),
            params: r.params,
            biz_id: biz_id.clone(),
            out_id: out_id.clone(),
            sent_at: now,
            request_id: request_id.to_string(),
        })
        .collect();
    state.inbox.deliver(messages);
    Ok(json!({ "BizId": biz_id }))
}

fn check_sign_name(state: &State, sign_name: &str) -> Result<(), ApiError> {
    if state.config.has_sign_name(sign_name) {
        Ok(())
    } else {
        Err(ApiError::business(
            "isv.SMS_SIGNATURE_ILLEGAL",
            "签名不合法(不存在或被拉黑)",
        ))
    }
}

fn find_template<'a>(state: &'a State, code: &str) -> Result<&'a Template, ApiError> {
    state.config.find_template(code).ok_or_else(|| {
        ApiError::business_because(
            "isv.SMS_TEMPLATE_ILLEGAL",
            TEMPLATE_ILLEGAL,
            format!("the account has no template {code:?}"),
        )
    })
}

/// `TemplateParam`: absent or a JSON object of string values.
fn template_params(text: Option<&str>) -> Result<BTreeMap<String, String>, ApiError> {
    let Some(text) = text else {
        return Ok(BTreeMap::new());
    };
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return Err(invalid_json_param());
    };
    map.into_iter()
        .map(|(name, value)| match value {
            Value::String(value) => Ok((name, value)),
            _ => Err(invalid_json_param()),
        })
        .collect()
}

/// Every variable has a value; a verification code's values are 4–6 ASCII alphanumerics.
fn check_params(template: &Template, params: &BTreeMap<String, String>) -> Result<(), ApiError> {
    for name in template.variables() {
        let Some(value) = params.get(name) else {
            return Err(ApiError::business(
                "isv.TEMPLATE_MISSING_PARAMETERS",
                format!("模板变量缺少对应参数值: {name}"),
            ));
        };
        let code_like =
            (4..=6).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric());
        if template.kind == TemplateKind::VerificationCode && !code_like {
            return Err(ApiError::business(
                "isv.TEMPLATE_PARAMS_ILLEGAL",
                format!("验证码模板变量只能是4-6位数字或字母: {name}"),
            ));
        }
    }
    Ok(())
}

/// The number normalised as `template` reads it, if the template may be sent to it: a
/// mainland template to a mainland China number, an international one to any other.
fn phone_number(raw: &str, template: &Template) -> Result<String, ApiError> {
    let normalize = match template.region {
        TemplateRegion::International => normalize_international_phone_number,
        _ => normalize_phone_number,
    };
    let number = normalize(raw).ok_or_else(|| illegal_number(raw))?;
    match template.region {
        TemplateRegion::Mainland if !is_mainland_china(&number) => Err(ApiError::business_because(
            "isv.SMS_TEMPLATE_ILLEGAL",
            TEMPLATE_ILLEGAL,
            format!(
                "{} is a mainland China template and {number} is not a mainland China \
                     number; send it with an international template",
                template.code
            ),
        )),
        TemplateRegion::International if is_mainland_china(&number) => {
            Err(ApiError::business_because(
                "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
                "国际/港澳台消息模板不支持发送境内号码",
                format!(
                    "{} is an international template and {number} is a mainland China number; \
                     send it with a mainland template",
                    template.code
                ),
            ))
        }
        _ => Ok(number),
    }
}

fn illegal_number(raw: &str) -> ApiError {
    let shown: String = raw.chars().take(32).collect();
    ApiError::business_because(
        "isv.MOBILE_NUMBER_ILLEGAL",
        "非法手机号",
        format!("{shown:?} cannot be a phone number"),
    )
}

const TEMPLATE_ILLEGAL: &str = "模板不合法(不存在或被拉黑)";

/// Aliyun's answer to a send over a per-number limit, with what the emulator counted.
fn business_limit_control(hit: LimitHit) -> ApiError {
    let (level, window) = match hit.window_ms {
        MINUTE_MS => ("分钟级", "minute"),
        HOUR_MS => ("小时级", "hour"),
        _ => ("天级", "day"),
    };
    ApiError::business_because(
        "isv.BUSINESS_LIMIT_CONTROL",
        &format!("触发{level}流控Permits:{}", hit.limit),
        format!(
            "its per-number limit of {} a {window} for this sign name and number, Aliyun's \
             default; `aliyun-sms emulator --limits off` serves without limits",
            hit.limit
        ),
    )
}

fn count_over_limit(max: usize) -> ApiError {
    ApiError::business(
        "isv.MOBILE_COUNT_OVER_LIMIT",
        format!("手机号码数量超过限制，最多支持{max}条"),
    )
}

fn invalid_parameters(detail: &str) -> ApiError {
    ApiError::business("isv.INVALID_PARAMETERS", format!("参数异常: {detail}"))
}

fn json_array<T: serde::de::DeserializeOwned>(text: &str) -> Result<Vec<T>, ApiError> {
    serde_json::from_str(text).map_err(|_| invalid_json_param())
}

fn invalid_json_param() -> ApiError {
    ApiError::business("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
}

/// Aliyun shows times in China Standard Time (UTC+8).
fn china_time(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    at.with_timezone(&offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_must_be_a_json_object_of_strings() {
        assert_eq!(
            template_params(Some(r#"{"code":"1234"}"#)).unwrap()["code"],
            "1234"
        );
        for bad in [r#"{"code":1234}"#, "[1]", "code=1", "{", "\"x\""] {
            assert_eq!(
                template_params(Some(bad)).unwrap_err().code,
                "isv.INVALID_JSON_PARAM",
                "{bad}"
            );
        }
    }

    #[test]
    fn verification_values() {
        let t = Template::verification_code("T", "${code}");
        for good in ["1234", "123456", "abC9"] {
            let p = BTreeMap::from([("code".to_string(), good.to_string())]);
            assert!(check_params(&t, &p).is_ok(), "{good}");
        }
        for bad in ["123", "1234567", "12 34", "12-4", "１２３４"] {
            let p = BTreeMap::from([("code".to_string(), bad.to_string())]);
            assert_eq!(
                check_params(&t, &p).unwrap_err().code,
                "isv.TEMPLATE_PARAMS_ILLEGAL",
                "{bad}"
            );
        }
        assert_eq!(
            check_params(&t, &BTreeMap::new()).unwrap_err().code,
            "isv.TEMPLATE_MISSING_PARAMETERS"
        );
        let n = Template::notification("N", "${name}");
        let p = BTreeMap::from([("name".to_string(), "张三 先生".to_string())]);
        assert!(check_params(&n, &p).is_ok());
    }
}
