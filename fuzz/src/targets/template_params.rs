//! Input: 4 control bytes (usage type, phone, builder, flags: bit 0 = the last field is the
//! message reference, bit 1 = the field before it is the locale), then text fields separated by
//! 0xFF, read as name, value, name, value, ... (an odd last name gets an empty value).
//!
//! The template-parameter builder: arbitrary `(name, value)` pairs → `TemplateParams` →
//! `to_json`, then a SendSms request built with them by the pure builder (fixed valid config,
//! fixed time and nonce; V1 or V3, strict or not).
//!
//! - `to_json` is a JSON object with exactly the parameters, in insertion order, a repeated name
//!   keeping its first place and its last value; `get` agrees;
//! - the request builds; its `TemplateParam` is `to_json`, `PhoneNumbers` the digits, `OutId`
//!   the non-empty reference;
//! - the form body decodes to exactly the signed parameters (plus `Signature` in V1);
//! - V1: the string-to-sign rebuilt from the decoded body (as a verifier does) is the one
//!   signed, and the signature verifies; V3: the body hash header is the body's hash and the
//!   signature verifies.

use std::sync::OnceLock;

use crate::{FIXED_NONCE, OrderedStringMap, decode_form, fields, fixed_time};
use aliyun_sign::{rpc, v3};
use aliyun_sms::{AliyunSmsConfig, RequestBuilder, SignatureVersion};
use connector_kit::{PhoneNumber, SmsMessage, TemplateParams, UsageType};

const SECRET: &str = "testsecret";

const PHONES: [&str; 6] = [
    "8613800138000",
    "13800138000",
    "+8613800138000",
    "+18624017194",
    "85268326366",
    "0086 138-0013-8000",
];

fn config_json(v3: bool, strict: bool) -> String {
    format!(
        r#"{{
            "accessKeyId": "testid",
            "accessKeySecret": "{SECRET}",
            "signName": "Logto",
            "templates": [
                {{"usageType": "Register", "templateCode": "SMS_Register"}},
                {{"usageType": "SignIn", "templateCode": "SMS_SignIn"}},
                {{"usageType": "ForgotPassword", "templateCode": "SMS_ForgotPassword"}},
                {{"usageType": "Generic", "templateCode": {{"china": "SMS_CN", "overseas": "SMS_INTL"}}}}
            ],
            "strictPhoneRegionNumberCheck": {strict},
            "signatureVersion": "{}"
        }}"#,
        if v3 { "v3" } else { "v1" }
    )
}

/// The four builders (V1/V3 × lenient/strict), prepared once.
fn builders() -> &'static [RequestBuilder; 4] {
    static BUILDERS: OnceLock<[RequestBuilder; 4]> = OnceLock::new();
    BUILDERS.get_or_init(|| {
        [(false, false), (false, true), (true, false), (true, true)].map(|(v3, strict)| {
            let config = AliyunSmsConfig::from_json_with_env(&config_json(v3, strict), |_| None)
                .expect("the fixed config is valid");
            RequestBuilder::new(&config).expect("the fixed config builds")
        })
    })
}

struct Input {
    params: Vec<(String, String)>,
    usage: u8,
    phone: u8,
    builder: u8,
    reference: Option<String>,
    locale: Option<String>,
}

impl Input {
    fn read(data: &[u8]) -> Option<Input> {
        let (&[usage, phone, builder, flags], rest) = data.split_first_chunk::<4>()?;
        let mut fields: Vec<String> = fields(rest).into_iter().map(String::from).collect();
        let reference = if flags & 1 != 0 { fields.pop() } else { None };
        let locale = if flags & 2 != 0 { fields.pop() } else { None };
        let mut params = Vec::new();
        let mut it = fields.into_iter();
        while let Some(name) = it.next() {
            params.push((name, it.next().unwrap_or_default()));
        }
        Some(Input {
            params,
            usage,
            phone,
            builder,
            reference,
            locale,
        })
    }
}

/// Checks one input; panics on a failed check.
pub fn run(data: &[u8]) {
    let Some(input) = Input::read(data) else {
        return;
    };
    // The model: insertion order, a repeated name replaced in place.
    let mut model: Vec<(String, String)> = Vec::new();
    let mut params = TemplateParams::new();
    for (name, value) in &input.params {
        match model.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value.clone(),
            None => model.push((name.clone(), value.clone())),
        }
        params.insert(name.as_str(), value.as_str());
    }
    assert_eq!(params.len(), model.len());
    assert_eq!(params.is_empty(), model.is_empty());
    for (name, value) in &model {
        assert_eq!(params.get(name), Some(value.as_str()));
    }
    let pairs: Vec<(&str, &str)> = params.iter().collect();
    let expected: Vec<(&str, &str)> = model
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(pairs, expected);

    let json = params.to_json();
    let read: OrderedStringMap = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("to_json is not a JSON object of strings: {e}: {json}"));
    assert_eq!(read.0, model, "to_json entries differ: {json}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value.as_object().map(|o| o.len()), Some(model.len()));

    // Through the pure request builder.
    let usage = UsageType::ALL[usize::from(input.usage) % UsageType::ALL.len()];
    let to = PhoneNumber::parse(PHONES[usize::from(input.phone) % PHONES.len()]).unwrap();
    let builder = &builders()[usize::from(input.builder) % 4];
    let mut message = SmsMessage::new(to.clone(), usage, params);
    message.reference = input.reference.clone();
    message.context.locale = input.locale.clone();
    let request = builder
        .build(&message, fixed_time(), FIXED_NONCE)
        .unwrap_or_else(|e| panic!("the request does not build: {e}"));

    assert_eq!(request.param("TemplateParam"), Some(json.as_str()));
    assert_eq!(request.param("PhoneNumbers"), Some(to.digits()));
    let reference = input.reference.as_deref().filter(|r| !r.is_empty());
    assert_eq!(request.param("OutId"), reference);
    let _ = format!("{request:?}");

    let decoded = decode_form(&request.body);
    match request.signature_version {
        SignatureVersion::V1 => {
            let (signature, rest) = decoded.split_last().expect("a V1 body is never empty");
            assert_eq!(signature.0, "Signature");
            assert_eq!(signature.1, request.signature);
            assert_eq!(rest, &request.params[..], "V1 body ≠ signed params");
            let cqs = rpc::canonicalized_query_string(rest);
            assert_eq!(rpc::string_to_sign("POST", &cqs), request.string_to_sign);
            assert!(rpc::verify_signature(
                SECRET,
                &request.string_to_sign,
                &request.signature
            ));
        }
        SignatureVersion::V3 => {
            assert_eq!(decoded, request.params, "V3 body ≠ signed params");
            assert_eq!(
                request.header("x-acs-content-sha256"),
                Some(v3::hashed_payload(request.body.as_bytes()).as_str())
            );
            assert!(v3::verify_signature(
                SECRET,
                &request.string_to_sign,
                &request.signature
            ));
            let authorization = request
                .header("authorization")
                .expect("authorization header");
            assert!(authorization.ends_with(&request.signature));
        }
    }
}
