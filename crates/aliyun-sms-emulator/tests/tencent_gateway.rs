//! Tencent's gateway before any action: a request signed with `tencent-sign` (not through a
//! connector) is accepted, and each check refuses what Tencent refuses, with Tencent's code in
//! Tencent's shape, delivering nothing. The official SDK's signed requests are accepted as sent.

mod common;

use aliyun_sms_emulator::{
    EmulatorConfig, ManualClock, Template, TencentAccount, TencentCredentials, TencentLimits, start,
};
use common::tencent::*;
use serde_json::Value;

#[tokio::test]
async fn a_request_signed_with_tencent_sign_is_delivered() {
    let (emulator, _) = tencent_emulator().await;
    let response = Call::send_sms(&emulator, &send_body("+8613800138000", "123456"))
        .send(&emulator)
        .await;
    assert_eq!(error_code(&response), None, "{response}");
    let status = &response["SendStatusSet"][0];
    assert_eq!(status["Code"], "Ok", "{response}");
    assert_eq!(status["PhoneNumber"], "+8613800138000");
    assert_eq!(status["Fee"], 1);
    assert_eq!(status["IsoCode"], "CN");
    assert_eq!(status["Message"], "send success");
    let inbox = emulator.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!(
        inbox[0].content,
        "【腾讯云】您的验证码为123456，5分钟内有效。"
    );
    assert_eq!(inbox[0].params["1"], "123456");
    assert_eq!(inbox[0].template_code, MAINLAND_CODE);
    assert_eq!(inbox[0].biz_id, status["SerialNo"].as_str().unwrap());
    assert_eq!(inbox[0].request_id, response["RequestId"].as_str().unwrap());
}

/// Each spoilt request, the code it gets, and a word its message must hold.
#[tokio::test]
async fn each_check_refuses_with_tencents_code_and_delivers_nothing() {
    let (emulator, _) = tencent_emulator().await;
    let good = Call::send_sms(&emulator, &send_body("+8613800138000", "123456"));
    let now = good.timestamp;
    let mut cases: Vec<(&str, Call, &str, &str)> = Vec::new();
    let mut case = |name, edit: &dyn Fn(&mut Call), code, says| {
        let mut call = good.clone();
        edit(&mut call);
        cases.push((name, call, code, says));
    };
    case(
        "not TC3",
        &|c| c.authorization = Some("ACS3-HMAC-SHA256 Credential=x".into()),
        "AuthFailure.InvalidAuthorization",
        "TC3-HMAC-SHA256",
    );
    case(
        "no signature part",
        &|c| {
            c.authorization = Some(format!(
                "TC3-HMAC-SHA256 Credential={TC_ID}/2024-01-05/sms/tc3_request, SignedHeaders=content-type;host"
            ))
        },
        "AuthFailure.InvalidAuthorization",
        "Signature",
    );
    case(
        "timestamp 301 s behind",
        &|c| c.timestamp = now - 301,
        "AuthFailure.SignatureExpire",
        "301 seconds apart",
    );
    case(
        "timestamp 301 s ahead",
        &|c| c.timestamp = now + 301,
        "AuthFailure.SignatureExpire",
        "Tencent allows 300",
    );
    case(
        "unknown SecretId",
        &|c| c.credentials = TencentCredentials::new("AKIDnobody", TC_KEY),
        "AuthFailure.SecretIdNotFound",
        "AKIDnobody",
    );
    case(
        "wrong SecretKey",
        &|c| c.credentials = TencentCredentials::new(TC_ID, "not-the-key"),
        "AuthFailure.SignatureFailure",
        "canonical request it computed",
    );
    case(
        "scope dated the day before",
        &|c| c.signed_at = Some(now - 86_400),
        "AuthFailure.SignatureFailure",
        "is not the UTC date of X-TC-Timestamp",
    );
    case(
        "scope of another service",
        &|c| c.service = "cvm".into(),
        "AuthFailure.SignatureFailure",
        "\"cvm\"",
    );
    case(
        "host not signed",
        &|c| c.signed_headers = vec!["content-type"],
        "AuthFailure.SignatureFailure",
        "must include content-type and host",
    );
    case(
        "body changed after signing",
        &|c| c.signed_body = Some(send_body("+8613800138000", "654321").to_string()),
        "AuthFailure.SignatureFailure",
        "string to sign",
    );
    case(
        "temporary key without its token",
        &|c| {
            c.credentials = TencentCredentials::new(STS_ID, STS_KEY);
        },
        "AuthFailure.TokenFailure",
        "must carry its token",
    );
    case(
        "temporary key with another token",
        &|c| {
            c.credentials = TencentCredentials::new(STS_ID, STS_KEY).with_token("stolen");
        },
        "AuthFailure.TokenFailure",
        "not this temporary key's token",
    );
    case(
        "a token with a permanent key",
        &|c| c.token = Some(Some("sts".into())),
        "AuthFailure.TokenFailure",
        "not a temporary key",
    );
    case(
        "no version",
        &|c| c.version = None,
        "MissingParameter",
        "X-TC-Version",
    );
    case(
        "another version",
        &|c| c.version = Some("2019-07-11".into()),
        "NoSuchVersion",
        "2021-01-11",
    );
    case(
        "unknown action",
        &|c| c.action = "SendSmsNow".into(),
        "InvalidAction",
        "SendSmsNow",
    );
    case(
        "no region",
        &|c| c.region = None,
        "MissingParameter",
        "X-TC-Region",
    );
    case(
        "unknown region",
        &|c| c.region = Some("mars-north-1".into()),
        "UnsupportedRegion",
        "mars-north-1",
    );
    case(
        "form content type",
        &|c| c.content_type = "application/x-www-form-urlencoded".into(),
        "InvalidParameter",
        "application/json",
    );
    for (name, call, code, says) in cases {
        let response = call.send(&emulator).await;
        assert_eq!(error_code(&response), Some(code), "{name}: {response}");
        let message = response["Error"]["Message"].as_str().unwrap();
        assert!(message.contains(says), "{name}: {message}");
        assert!(message.contains("aliyun-sms emulator"), "{name}: {message}");
        assert!(response.get("SendStatusSet").is_none(), "{name}");
    }
    assert!(emulator.inbox().is_empty());

    // A timestamp that is not Unix seconds, and none at all.
    let mut headers = good.headers(&emulator);
    for (name, value) in &mut headers {
        if name == "x-tc-timestamp" {
            *value = "2024-01-05T06:07:08Z".into();
        }
    }
    let response = post_tencent(&emulator, &headers, good.body.clone()).await;
    assert_eq!(
        error_code(&response),
        Some("InvalidParameter"),
        "{response}"
    );
    headers.retain(|(name, _)| name != "x-tc-timestamp");
    let response = post_tencent(&emulator, &headers, good.body.clone()).await;
    assert_eq!(
        error_code(&response),
        Some("MissingParameter"),
        "{response}"
    );
    assert!(emulator.inbox().is_empty());
}

#[tokio::test]
async fn the_edges_of_the_window_and_the_accepted_variants_pass() {
    let (emulator, _) = tencent_emulator_without_limits().await;
    let good = Call::send_sms(&emulator, &send_body("+8613800138000", "123456"));
    let now = good.timestamp;
    let mut variants = Vec::new();
    for edit in [
        &(|c: &mut Call| c.timestamp = now - 300) as &dyn Fn(&mut Call),
        &|c| c.timestamp = now + 300,
        &|c| c.content_type = "application/json; charset=utf-8".into(),
        &|c| c.signed_headers = vec!["content-type", "host", "x-tc-action"],
        &|c| c.credentials = TencentCredentials::new(STS_ID, STS_KEY).with_token(STS_TOKEN),
    ] {
        let mut call = good.clone();
        edit(&mut call);
        variants.push(call);
    }
    for call in &variants {
        let response = call.send(&emulator).await;
        assert_eq!(status_codes(&response), ["Ok"], "{call:?}: {response}");
    }
    assert_eq!(emulator.inbox().len(), variants.len());
}

/// The official Python SDK's requests of the shared vectors (`sdk` in their id), replayed byte
/// for byte with their headers (`Host` included) to an emulator whose clock shows their time:
/// every signature is accepted, and each send whose template matches is delivered.
#[tokio::test]
async fn the_official_sdks_signed_requests_are_accepted_as_sent() {
    let data: Value =
        serde_json::from_str(include_str!("../../tencent-sign/tests/data/tc3-v3.json")).unwrap();
    let mut replayed = 0;
    for vector in data["vectors"].as_array().unwrap() {
        let Some(sent) = vector["request_headers"].as_object() else {
            continue;
        };
        let inputs = &vector["inputs"];
        let mut key = TencentCredentials::new(
            inputs["secret_id"].as_str().unwrap(),
            inputs["secret_key"].as_str().unwrap(),
        );
        if let Some(token) = inputs["token"].as_str() {
            key = key.with_token(token);
        }
        let at = inputs["timestamp"].as_i64().unwrap();
        let clock =
            ManualClock::new(aliyun_sms_emulator::chrono::DateTime::from_timestamp(at, 0).unwrap());
        let account = TencentAccount::new()
            .key(key)
            .sdk_app_id("1400006666")
            .sdk_app_id("1400787878")
            .sdk_app_id("2400001111")
            .sign_name("腾讯云")
            .sign_name("测试签名")
            .sign_name("Logto测试")
            .template(Template::verification_code("1234567", "验证码{1}").mainland())
            .template(Template::notification("2001", "验证码{1}，{2}分钟内有效").mainland())
            .template(Template::verification_code("3003", "Code {1}").international())
            .template(Template::notification("449739", "{1}{2}{3}{4}{5}").mainland())
            .limits(TencentLimits::off());
        let emulator = start(EmulatorConfig::new().tencent(account).clock(clock))
            .await
            .unwrap();
        let headers: Vec<(String, String)> = sent
            .iter()
            .map(|(name, value)| {
                (
                    name.to_ascii_lowercase(),
                    value.as_str().unwrap().to_string(),
                )
            })
            .collect();
        let payload = inputs["payload"].as_str().unwrap().to_string();
        let response = post_tencent(&emulator, &headers, payload).await;
        let id = vector["id"].as_str().unwrap();
        assert!(
            !error_code(&response).is_some_and(|code| code.starts_with("AuthFailure")),
            "{id}: {response}"
        );
        let numbers = vector["sendsms_params"]["PhoneNumberSet"]
            .as_array()
            .unwrap();
        if id == "sms-empty-optionals-sdk" {
            // Template 1234567 has one variable and the vector sends none.
            assert_eq!(
                error_code(&response),
                Some("FailedOperation.TemplateParamSetNotMatchApprovedTemplate")
            );
        } else {
            assert_eq!(status_codes(&response), vec!["Ok"; numbers.len()], "{id}");
            assert_eq!(emulator.inbox().len(), numbers.len(), "{id}");
        }
        replayed += 1;
    }
    assert_eq!(replayed, 8, "every SDK vector is replayed");
}

#[tokio::test]
async fn the_action_and_body_are_checked_after_the_signature() {
    let (emulator, _) = tencent_emulator().await;
    let call = |body: Value| Call::send_sms(&emulator, &body);
    for (body, code, says) in [
        (
            serde_json::json!({"PhoneNumberSet": ["+8613800138000"], "SmsSdkAppId": APP, "TemplateId": MAINLAND_CODE, "SignName": TC_SIGN, "TemplateParamSet": ["1234"], "Extra": 1}),
            "UnknownParameter",
            "Extra",
        ),
        (
            serde_json::json!({"PhoneNumberSet": "+8613800138000", "SmsSdkAppId": APP, "TemplateId": MAINLAND_CODE}),
            "InvalidParameter",
            "PhoneNumberSet must be an array of strings",
        ),
        (
            serde_json::json!({"SmsSdkAppId": APP, "TemplateId": MAINLAND_CODE}),
            "MissingParameter",
            "PhoneNumberSet",
        ),
        (
            serde_json::json!({"PhoneNumberSet": ["+8613800138000"], "TemplateId": MAINLAND_CODE}),
            "MissingParameter",
            "SmsSdkAppId",
        ),
        (
            serde_json::json!(["not", "an", "object"]),
            "InvalidParameter",
            "not an object",
        ),
    ] {
        let response = call(body.clone()).send(&emulator).await;
        assert_eq!(error_code(&response), Some(code), "{body}: {response}");
        let message = response["Error"]["Message"].as_str().unwrap();
        assert!(message.contains(says), "{body}: {message}");
    }
    let mut not_json = call(Value::Null);
    not_json.body = "{\"PhoneNumberSet\":".into();
    let response = not_json.send(&emulator).await;
    assert_eq!(
        error_code(&response),
        Some("InvalidParameter"),
        "{response}"
    );
    assert!(emulator.inbox().is_empty());
}
