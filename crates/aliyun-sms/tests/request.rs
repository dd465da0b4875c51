//! The pure request builder: parameters, signatures (V1 and V3), template choice.

mod common;

use aliyun_sign::rpc;
use aliyun_sms::{
    AliyunSmsConfig, RequestBuilder, SendRequest, SignatureVersion, build_send_request,
    format_timestamp,
};
use chrono::{DateTime, TimeZone, Utc};
use common::{form, param};
use connector_kit::{ErrorKind, SmsMessage, TemplateParams, UsageType};
use proptest::prelude::*;
use serde_json::{Value, json};

const LOGTO_NONCE: &str = "c1b2c332-4cfb-4a0f-b8cc-ebe622aa0a5c";

fn logto_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 8, 9, 10).unwrap()
}

fn logto_config(extra: Value) -> AliyunSmsConfig {
    let mut config = json!({
        "accessKeyId": "testid",
        "accessKeySecret": "testsecret",
        "signName": "Logto",
        "templates": [
            {"usageType": "Register", "templateCode": "SMS_Register"},
            {"usageType": "SignIn", "templateCode": "SMS_SignIn"},
            {"usageType": "ForgotPassword", "templateCode": "SMS_ForgotPassword"},
            {"usageType": "Generic", "templateCode": "SMS_Generic"}
        ]
    });
    for (key, value) in extra.as_object().unwrap() {
        config[key] = value.clone();
    }
    AliyunSmsConfig::from_json_with_env(&config.to_string(), |_| None).unwrap()
}

fn sign_in(to: &str, code: &str) -> SmsMessage {
    SmsMessage::verification_code(to.parse().unwrap(), UsageType::SignIn, code)
}

fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.sort();
    pairs
}

/// The body Logto's connector sent for this message (`shared/reference/logto-aliyun-sms.md`).
const LOGTO_BODY: &str = "Action=SendSms&Format=json&RegionId=cn-hangzhou&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&Version=2017-05-25&AccessKeyId=testid&PhoneNumbers=8613800138000&SignName=Logto&TemplateCode=SMS_SignIn&TemplateParam=%7B%22code%22%3A%22123456%22%7D&SignatureNonce=c1b2c332-4cfb-4a0f-b8cc-ebe622aa0a5c&Timestamp=2024-05-01T08%3A09%3A10Z&Signature=EU0Gt3%2BE%2FGtmps8TGPjSQaKcVl8%3D";

#[test]
fn logto_compatibility_same_signature_and_parameter_set() {
    let request = build_send_request(
        &logto_config(json!({})),
        &sign_in("8613800138000", "123456"),
        logto_time(),
        LOGTO_NONCE,
    )
    .unwrap();
    assert_eq!(request.signature, "EU0Gt3+E/Gtmps8TGPjSQaKcVl8=");
    assert_eq!(
        sorted(form(request.body.as_bytes())),
        sorted(form(LOGTO_BODY.as_bytes()))
    );
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, "https://dysmsapi.aliyuncs.com/");
    assert_eq!(
        request.headers,
        [
            (
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned()
            ),
            ("host".to_owned(), "dysmsapi.aliyuncs.com".to_owned()),
        ]
    );
    assert_eq!(request.signature_version, SignatureVersion::V1);
    assert_eq!(request.template_usage, UsageType::SignIn);
    assert_eq!(request.template_field, "templates[1].templateCode");
    assert!(
        request
            .string_to_sign
            .starts_with("POST&%2F&AccessKeyId%3Dtestid%26Action%3DSendSms")
    );
}

#[test]
fn v1_parameters_are_exactly_logtos_plus_out_id_and_never_the_locale() {
    let message = sign_in("+86 138-0013-8000", "123456")
        .with_param("product", "Logto Cloud")
        .with_locale("zh-CN")
        .with_reference("order-42");
    let request = build_send_request(
        &logto_config(json!({})),
        &message,
        logto_time(),
        LOGTO_NONCE,
    )
    .unwrap();
    let expected: Vec<(String, String)> = [
        ("AccessKeyId", "testid"),
        ("Action", "SendSms"),
        ("Format", "json"),
        ("OutId", "order-42"),
        ("PhoneNumbers", "8613800138000"),
        ("RegionId", "cn-hangzhou"),
        ("SignName", "Logto"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", LOGTO_NONCE),
        ("SignatureVersion", "1.0"),
        ("TemplateCode", "SMS_SignIn"),
        (
            "TemplateParam",
            r#"{"code":"123456","product":"Logto Cloud"}"#,
        ),
        ("Timestamp", "2024-05-01T08:09:10Z"),
        ("Version", "2017-05-25"),
    ]
    .iter()
    .map(|&(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(request.params, expected);
    let mut received = form(request.body.as_bytes());
    let signature = received.pop().unwrap();
    assert_eq!(
        signature,
        ("Signature".to_owned(), request.signature.clone())
    );
    assert_eq!(
        received, expected,
        "the body is the signed parameters, in order"
    );
    assert!(!request.body.contains("zh-CN") && !request.body.contains("locale"));

    for reference in [None, Some("")] {
        let mut message = sign_in("8613800138000", "1");
        message.reference = reference.map(str::to_owned);
        let request = build_send_request(
            &logto_config(json!({})),
            &message,
            logto_time(),
            LOGTO_NONCE,
        )
        .unwrap();
        assert_eq!(request.param("OutId"), None);
        assert!(!request.body.contains("OutId"));
    }
}

#[test]
fn region_and_endpoint_settings_reach_the_request() {
    let config = logto_config(json!({
        "endpoint": "https://dysmsapi.ap-southeast-1.aliyuncs.com",
        "regionId": "ap-southeast-1"
    }));
    let request = build_send_request(
        &config,
        &sign_in("85268326366", "1"),
        logto_time(),
        LOGTO_NONCE,
    )
    .unwrap();
    assert_eq!(request.url, "https://dysmsapi.ap-southeast-1.aliyuncs.com/");
    assert_eq!(
        request.header("host"),
        Some("dysmsapi.ap-southeast-1.aliyuncs.com")
    );
    assert_eq!(request.param("RegionId"), Some("ap-southeast-1"));
}

#[test]
fn sts_token_is_signed_as_security_token_in_v1() {
    let config = logto_config(json!({"securityToken": "CAIS+sts/token=="}));
    let request = build_send_request(
        &config,
        &sign_in("8613800138000", "1"),
        logto_time(),
        LOGTO_NONCE,
    )
    .unwrap();
    let received = form(request.body.as_bytes());
    assert_eq!(param(&received, "SecurityToken"), Some("CAIS+sts/token=="));
    let cqs = rpc::canonicalized_query_string(&received);
    let string_to_sign = rpc::string_to_sign("POST", &cqs);
    assert_eq!(string_to_sign, request.string_to_sign);
    assert!(rpc::verify_signature(
        "testsecret",
        &string_to_sign,
        &request.signature
    ));
}

fn picked(config: &AliyunSmsConfig, usage: UsageType, to: &str) -> (String, String, UsageType) {
    let message = SmsMessage::verification_code(to.parse().unwrap(), usage, "1");
    let request = build_send_request(config, &message, logto_time(), LOGTO_NONCE).unwrap();
    (
        request.param("TemplateCode").unwrap().to_owned(),
        request.template_field.clone(),
        request.template_usage,
    )
}

#[test]
fn templates_by_usage_type_with_generic_fallback_and_region_choice() {
    let lenient = common::config("https://dysmsapi.aliyuncs.com", json!({}));
    let strict = common::config(
        "https://dysmsapi.aliyuncs.com",
        json!({"strictPhoneRegionNumberCheck": true}),
    );
    use UsageType::*;
    for (config, usage, to, code, field, used) in [
        (
            &lenient,
            Register,
            "8613800138000",
            "SMS_REGISTER",
            "templates[0].templateCode",
            Register,
        ),
        (
            &lenient,
            ForgotPassword,
            "+18624017194",
            "SMS_FORGOT",
            "templates[2].templateCode",
            ForgotPassword,
        ),
        (
            &lenient,
            Generic,
            "8613800138000",
            "SMS_GENERIC",
            "templates[3].templateCode",
            Generic,
        ),
        (
            &lenient,
            MfaVerification,
            "8613800138000",
            "SMS_MFA",
            "templates[4].templateCode",
            MfaVerification,
        ),
        (
            &lenient,
            BindMfa,
            "8613800138000",
            "SMS_GENERIC",
            "templates[3].templateCode",
            Generic,
        ),
        (
            &lenient,
            OrganizationInvitation,
            "85268326366",
            "SMS_GENERIC",
            "templates[3].templateCode",
            Generic,
        ),
        // {china, overseas}: the number decides, in Logto's two modes.
        (
            &lenient,
            SignIn,
            "8613800138000",
            "SMS_SIGNIN_CN",
            "templates[1].templateCode.china",
            SignIn,
        ),
        (
            &lenient,
            SignIn,
            "+86 138 0013 8000",
            "SMS_SIGNIN_CN",
            "templates[1].templateCode.china",
            SignIn,
        ),
        (
            &lenient,
            SignIn,
            "13800138000",
            "SMS_SIGNIN_CN",
            "templates[1].templateCode.china",
            SignIn,
        ),
        (
            &lenient,
            SignIn,
            "85268326366",
            "SMS_SIGNIN_INTL",
            "templates[1].templateCode.overseas",
            SignIn,
        ),
        (
            &lenient,
            SignIn,
            "+18624017194",
            "SMS_SIGNIN_INTL",
            "templates[1].templateCode.overseas",
            SignIn,
        ),
        (
            &strict,
            SignIn,
            "13800138000",
            "SMS_SIGNIN_INTL",
            "templates[1].templateCode.overseas",
            SignIn,
        ),
        (
            &strict,
            SignIn,
            "008613800138000",
            "SMS_SIGNIN_CN",
            "templates[1].templateCode.china",
            SignIn,
        ),
        (
            &strict,
            SignIn,
            "4915112345678",
            "SMS_SIGNIN_INTL",
            "templates[1].templateCode.overseas",
            SignIn,
        ),
    ] {
        assert_eq!(
            picked(config, usage, to),
            (code.to_owned(), field.to_owned(), used),
            "{usage} to {to} (strict: {})",
            config.strict_phone_region_number_check
        );
    }
}

#[test]
fn v3_matches_the_official_sendsms_form_body_vector() {
    let vectors: Value =
        serde_json::from_str(include_str!("data/acs3-v3.json")).expect("vector file");
    let vector = vectors["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "sendsms-form-body")
        .expect("sendsms-form-body vector");
    let config = AliyunSmsConfig::from_json_with_env(
        &json!({
            "accessKeyId": vector["access_key_id"],
            "accessKeySecret": vector["secret"],
            "signName": "阿里云短信测试",
            "templates": [
                {"usageType": "Register", "templateCode": "SMS_1"},
                {"usageType": "SignIn", "templateCode": "SMS_154950909"},
                {"usageType": "ForgotPassword", "templateCode": "SMS_3"},
                {"usageType": "Generic", "templateCode": "SMS_4"}
            ],
            "signatureVersion": "v3"
        })
        .to_string(),
        |_| None,
    )
    .unwrap();
    let time = Utc.with_ymd_and_hms(2024, 1, 5, 6, 7, 8).unwrap();
    let nonce = vector["headers"]["x-acs-signature-nonce"].as_str().unwrap();
    let request =
        build_send_request(&config, &sign_in("13800138000", "1234"), time, nonce).unwrap();

    assert_eq!(request.signature_version, SignatureVersion::V3);
    assert_eq!(request.body, vector["body"].as_str().unwrap());
    assert_eq!(
        request.string_to_sign,
        vector["string_to_sign"].as_str().unwrap()
    );
    assert_eq!(request.signature, vector["signature"].as_str().unwrap());
    let mut expected: Vec<(String, String)> = vector["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    expected.sort();
    expected.push((
        "authorization".to_owned(),
        vector["authorization"].as_str().unwrap().to_owned(),
    ));
    assert_eq!(request.headers, expected);
    assert_eq!(request.url, "https://dysmsapi.aliyuncs.com/");
    assert_eq!(
        request.params,
        [
            ("PhoneNumbers", "13800138000"),
            ("SignName", "阿里云短信测试"),
            ("TemplateCode", "SMS_154950909"),
            ("TemplateParam", r#"{"code":"1234"}"#),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
}

#[test]
fn v3_with_out_id_and_sts_token_on_a_loopback_port() {
    let config = common::config(
        "http://127.0.0.1:8080",
        json!({"signatureVersion": "v3", "securityToken": "CAIS+token/x=="}),
    );
    let message = sign_in("8613800138000", "123456")
        .with_reference("order-42")
        .with_locale("en");
    let request = build_send_request(&config, &message, logto_time(), LOGTO_NONCE).unwrap();
    assert_eq!(request.header("host"), Some("127.0.0.1:8080"));
    assert_eq!(request.header("x-acs-action"), Some("SendSms"));
    assert_eq!(request.header("x-acs-version"), Some("2017-05-25"));
    assert_eq!(request.header("x-acs-date"), Some("2024-05-01T08:09:10Z"));
    assert_eq!(request.header("x-acs-signature-nonce"), Some(LOGTO_NONCE));
    assert_eq!(
        request.header("x-acs-security-token"),
        Some("CAIS+token/x==")
    );
    assert_eq!(
        request.header("x-acs-content-sha256").map(str::to_owned),
        Some(aliyun_sign::v3::hashed_payload(request.body.as_bytes()))
    );
    let authorization = request.header("authorization").unwrap();
    assert!(authorization.starts_with(
        "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,Signature="
    ), "{authorization}");
    assert_eq!(
        form(request.body.as_bytes()),
        [
            ("OutId", "order-42"),
            ("PhoneNumbers", "8613800138000"),
            ("SignName", "Logto"),
            ("TemplateCode", "SMS_SIGNIN_CN"),
            ("TemplateParam", r#"{"code":"123456"}"#),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    assert!(
        !request.body.contains("token"),
        "the token travels in a header only"
    );
}

#[test]
fn debug_hides_secrets_personal_data_and_the_signature() {
    for version in ["v1", "v3"] {
        let config = common::config(
            "https://dysmsapi.aliyuncs.com",
            json!({"signatureVersion": version, "securityToken": "CanaryToken42"}),
        );
        let builder = RequestBuilder::new(&config).unwrap();
        let request: SendRequest = builder
            .build(
                &sign_in("8613800138000", "987654"),
                logto_time(),
                LOGTO_NONCE,
            )
            .unwrap();
        let printed = format!("{request:?} {request:#?} {builder:?}");
        for hidden in [
            "CanaryToken42",
            "testsecret",
            "987654",
            "13800138000",
            request.signature.as_str(),
        ] {
            assert!(
                !printed.contains(hidden),
                "{version}: {hidden} in {printed}"
            );
        }
        assert!(printed.contains("SendSms") && printed.contains("dysmsapi.aliyuncs.com"));
    }
}

#[test]
fn timestamps_are_utc_seconds_with_z() {
    assert_eq!(format_timestamp(logto_time()), "2024-05-01T08:09:10Z");
    let with_nanos = Utc.timestamp_opt(1_714_550_950, 999_999_999).unwrap();
    assert_eq!(format_timestamp(with_nanos), "2024-05-01T08:09:10Z");
}

#[test]
fn an_unchecked_config_is_refused_by_the_builder() {
    let mut config = logto_config(json!({}));
    config
        .templates
        .retain(|t| t.usage_type != UsageType::Generic);
    config.sign_name.clear();
    let err =
        build_send_request(&config, &sign_in("8613800138000", "1"), logto_time(), "n").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert_eq!(err.field(), Some("signName"));
    assert!(
        err.message()
            .contains("UsageType (Generic) should be provided in templates.")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any parameters and reference: no panic, and the body carries exactly what was signed.
    #[test]
    fn any_parameters_round_trip_and_verify(
        params in proptest::collection::vec(("\\PC{0,12}", "\\PC{0,24}"), 0..4),
        reference in proptest::option::of("\\PC{0,20}"),
        v3 in any::<bool>(),
    ) {
        let config = common::config(
            "https://dysmsapi.aliyuncs.com",
            json!({"signatureVersion": if v3 { "v3" } else { "v1" }}),
        );
        let mut template_params = TemplateParams::new();
        for (name, value) in &params {
            template_params.insert(name.clone(), value.clone());
        }
        let mut message = SmsMessage::new("8613800138000".parse().unwrap(), UsageType::SignIn, template_params.clone());
        message.reference = reference.clone();
        let request = build_send_request(&config, &message, logto_time(), LOGTO_NONCE).unwrap();
        let received = form(request.body.as_bytes());
        let json = template_params.to_json();
        prop_assert_eq!(param(&received, "TemplateParam"), Some(json.as_str()));
        prop_assert_eq!(param(&received, "OutId"), reference.as_deref().filter(|r| !r.is_empty()));
        if !v3 {
            let cqs = rpc::canonicalized_query_string(&received);
            prop_assert!(rpc::verify_signature(common::SECRET, &rpc::string_to_sign("POST", &cqs), &request.signature));
        }
    }
}

#[test]
fn query_send_details_signs_exactly_aliyuns_parameters() {
    let builder = RequestBuilder::new(&logto_config(json!({}))).unwrap();
    let to = "+86 138-0013-8000".parse().unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
    let nonce = "c1b2c332-4cfb-4a0f-b8cc-ebe622aa0a5c";
    for biz_id in [None, Some("900619746936498440^0")] {
        let query = builder.build_query_send_details(&to, date, biz_id, logto_time(), nonce);
        let names: Vec<&str> = query.params.iter().map(|(n, _)| n.as_str()).collect();
        let mut expected = vec![
            "AccessKeyId",
            "Action",
            "CurrentPage",
            "Format",
            "PageSize",
            "PhoneNumber",
            "RegionId",
            "SendDate",
            "SignatureMethod",
            "SignatureNonce",
            "SignatureVersion",
            "Timestamp",
            "Version",
        ];
        if biz_id.is_some() {
            expected.insert(2, "BizId");
        }
        assert_eq!(names, expected);
        let value = |name| param(&query.params, name);
        assert_eq!(value("Action"), Some("QuerySendDetails"));
        assert_eq!(value("PhoneNumber"), Some("8613800138000"));
        assert_eq!(value("SendDate"), Some("20240501"));
        assert_eq!(value("PageSize"), Some("50"));
        assert_eq!(value("BizId"), biz_id);
        let body = form(query.body.as_bytes());
        let signature = param(&body, "Signature").unwrap();
        assert!(rpc::verify_signature(
            "testsecret",
            &query.string_to_sign,
            signature
        ));
        assert!(!format!("{query:?}").contains("8613800138000"));
    }
}
