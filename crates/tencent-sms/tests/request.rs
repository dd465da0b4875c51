//! The signed request, byte for byte: what Logto's Tencent connector sends for the same message
//! where Logto is right (`shared/reference/tencent-sms.md` section 8), and where this connector
//! departs from it on purpose.

use chrono::{DateTime, TimeZone, Utc};
use connector_kit::{SmsMessage, TemplateParams, UsageType};
use serde_json::{Value, json};
use tencent_sms::{RequestBuilder, SendRequest, TencentSmsConfig};

const SECRET_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";

fn config(extra: Value) -> TencentSmsConfig {
    let mut all = json!({
        "accessKeyId": SECRET_ID,
        "accessKeySecret": SECRET_KEY,
        "signName": "腾讯云",
        "sdkAppId": "1400006666",
        "region": "ap-guangzhou",
        "templates": [
            {"usageType": "Register", "templateCode": "100001"},
            {"usageType": "SignIn", "templateCode": "100002"},
            {"usageType": "ForgotPassword", "templateCode": "100003"},
            {"usageType": "Generic", "templateCode": {"china": "100004", "overseas": "200004"}}
        ]
    });
    for (key, value) in extra.as_object().unwrap() {
        all[key] = value.clone();
    }
    TencentSmsConfig::from_json_with_env(&all.to_string(), |_| None)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// 2023-11-14 22:13:20 UTC: the UTC date (14th) differs from Beijing's (15th).
fn pinned_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2023, 11, 14, 22, 13, 20).unwrap()
}

fn build(config: &TencentSmsConfig, message: &SmsMessage) -> SendRequest {
    RequestBuilder::new(config)
        .unwrap_or_else(|e| panic!("{e}"))
        .build(message, pinned_time())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn headers(request: &SendRequest) -> Vec<(&str, &str)> {
    request
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

/// The bytes Logto's connector 1.4.4 sends for a SignIn code 123456 to `+8613800138000`, at
/// 1700000000, with this config: its `sendSmsRequest` transcribed into Python (and checked
/// against vector `sms-basic-compact-utf8` of `shared/vectors/tc3-v3.json`, which the official
/// SDK's signer produced), run on these inputs. got's own headers (`user-agent`, `accept`,
/// `accept-encoding`) are the HTTP client's, not Logto's.
const LOGTO_BODY: &str = r#"{"SmsSdkAppId":"1400006666","SignName":"腾讯云","TemplateId":"100002","TemplateParamSet":["123456"],"PhoneNumberSet":["+8613800138000"]}"#;
const LOGTO_AUTHORIZATION: &str = "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2023-11-14/sms/tc3_request, SignedHeaders=content-type;host, Signature=873aa35fe356629e9c120801adb2bbbeb297e140b396ccde5585232b3e7d2b09";

#[test]
fn the_request_is_logtos_byte_for_byte() {
    let message = SmsMessage::verification_code(
        "+8613800138000".parse().unwrap(),
        UsageType::SignIn,
        "123456",
    );
    let request = build(&config(json!({})), &message);
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, "https://sms.tencentcloudapi.com/");
    assert_eq!(request.body, LOGTO_BODY);
    assert_eq!(
        headers(&request),
        [
            ("authorization", LOGTO_AUTHORIZATION),
            ("content-type", "application/json; charset=utf-8"),
            ("host", "sms.tencentcloudapi.com"),
            ("x-tc-action", "SendSms"),
            ("x-tc-timestamp", "1700000000"),
            ("x-tc-version", "2021-01-11"),
            ("x-tc-region", "ap-guangzhou"),
        ]
    );
}

#[test]
fn a_reference_goes_out_as_session_context_after_logtos_fields() {
    let message = SmsMessage::verification_code(
        "+8613800138000".parse().unwrap(),
        UsageType::SignIn,
        "123456",
    )
    .with_reference("login-42 \"ü\"");
    let request = build(&config(json!({})), &message);
    let logto_fields = LOGTO_BODY.strip_suffix('}').unwrap();
    assert_eq!(
        request.body,
        format!(r#"{logto_fields},"SessionContext":"login-42 \"ü\""}}"#)
    );
    // A different body, a different signature: the signature covers the bytes sent.
    assert_ne!(request.header("authorization"), Some(LOGTO_AUTHORIZATION));
}

/// Where Logto is wrong (reference section 8): the number verbatim (weakness 5), extra payload
/// keys as parameters (4), no Generic fallback (3), one template for every region (6).
#[test]
fn where_logto_is_wrong_this_connector_departs_from_it() {
    let config = config(json!({}));
    // Logto sends "8613800138000" as given; Tencent wants E.164 with `+`.
    let bare =
        SmsMessage::verification_code("8613800138000".parse().unwrap(), UsageType::SignIn, "1");
    assert!(
        build(&config, &bare)
            .body
            .contains(r#""PhoneNumberSet":["+8613800138000"]"#)
    );
    let national =
        SmsMessage::verification_code("13800138000".parse().unwrap(), UsageType::SignIn, "1");
    assert!(
        build(&config, &national)
            .body
            .contains(r#""PhoneNumberSet":["+8613800138000"]"#)
    );

    // The caller's locale never becomes a parameter; the code comes first.
    let message = SmsMessage::new(
        "+8613800138000".parse().unwrap(),
        UsageType::SignIn,
        TemplateParams::new()
            .with("minutes", "5")
            .with("code", "123456"),
    )
    .with_locale("zh-CN");
    assert!(
        build(&config, &message)
            .body
            .contains(r#""TemplateParamSet":["123456","5"]"#)
    );

    // MFA has no template: Generic's, by region.
    let mfa = SmsMessage::verification_code(
        "+14155550100".parse().unwrap(),
        UsageType::MfaVerification,
        "1",
    );
    let request = build(&config, &mfa);
    assert_eq!(request.template_usage, UsageType::Generic);
    assert_eq!(request.template_field, "templates[3].templateCode.overseas");
    assert!(request.body.contains(r#""TemplateId":"200004""#));
    let mfa_china = SmsMessage::verification_code(
        "13800138000".parse().unwrap(),
        UsageType::MfaVerification,
        "1",
    );
    assert_eq!(
        build(&config, &mfa_china).template_field,
        "templates[3].templateCode.china"
    );
}

#[test]
fn china_and_overseas_templates_in_both_modes() {
    let generic = |strict: bool| config(json!({"strictPhoneRegionNumberCheck": strict}));
    for (typed, strict, template, sent) in [
        ("13800138000", false, "100004", "+8613800138000"),
        ("13800138000", true, "200004", "+13800138000"),
        ("8613800138000", true, "100004", "+8613800138000"),
        ("+86 138 0013 8000", true, "100004", "+8613800138000"),
        ("+85261234567", false, "200004", "+85261234567"),
        // Ambiguous without strict mode (a US number 1-415-...), read as mainland, as Logto does.
        ("14155550100", false, "100004", "+8614155550100"),
        ("14155550100", true, "200004", "+14155550100"),
        // No mainland mobile range starts with 12: overseas in both modes.
        ("12125551234", false, "200004", "+12125551234"),
    ] {
        let message =
            SmsMessage::verification_code(typed.parse().unwrap(), UsageType::Generic, "1");
        let request = build(&generic(strict), &message);
        assert!(
            request
                .body
                .contains(&format!(r#""TemplateId":"{template}""#)),
            "{typed} {strict}"
        );
        assert_eq!(request.phone_number, sent, "{typed} {strict}");
    }
}

#[test]
fn the_endpoint_is_signed_and_temporary_credentials_add_their_token() {
    let message =
        SmsMessage::verification_code("+8613800138000".parse().unwrap(), UsageType::SignIn, "1");
    let regional = build(
        &config(
            json!({"endpoint": "https://sms.ap-beijing.tencentcloudapi.com", "region": "ap-beijing"}),
        ),
        &message,
    );
    assert_eq!(regional.url, "https://sms.ap-beijing.tencentcloudapi.com/");
    assert_eq!(
        regional.header("host"),
        Some("sms.ap-beijing.tencentcloudapi.com")
    );
    assert_eq!(regional.header("x-tc-region"), Some("ap-beijing"));
    let plain = build(&config(json!({})), &message);
    assert_ne!(
        regional.header("authorization"),
        plain.header("authorization")
    );

    let sts = build(
        &config(json!({"securityToken": "sts-token-canary"})),
        &message,
    );
    assert_eq!(sts.header("x-tc-token"), Some("sts-token-canary"));
    // The token is not signed (as Tencent's SDKs send it).
    assert_eq!(sts.header("authorization"), plain.header("authorization"));
    let shown = format!("{sts:?}");
    assert!(
        !shown.contains("sts-token-canary") && !shown.contains("13800138000"),
        "{shown}"
    );
}

#[test]
fn the_signature_stages_explain_the_authorization() {
    let message = SmsMessage::verification_code(
        "+8613800138000".parse().unwrap(),
        UsageType::SignIn,
        "123456",
    );
    let config = config(json!({}));
    let builder = RequestBuilder::new(&config).unwrap();
    let request = builder.build(&message, pinned_time()).unwrap();
    let stages = builder.signature_stages(&request);
    assert_eq!(
        request.header("authorization"),
        Some(stages.authorization.as_str())
    );
    assert_eq!(stages.credential_scope, "2023-11-14/sms/tc3_request");
    assert!(stages.canonical_request.starts_with(
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:sms.tencentcloudapi.com\n\ncontent-type;host\n"
    ));
}
