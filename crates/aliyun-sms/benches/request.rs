//! Client CPU per send outside the network: building and signing a request (V1 and V3) and
//! classifying an answer.
//!
//! `cargo bench -p aliyun-sms --bench request`

use std::hint::black_box;
use std::time::Duration;

use aliyun_sms::{AliyunSmsConfig, RequestBuilder, SignatureVersion, classify};
use chrono::{TimeZone, Utc};
use connector_kit::{SmsMessage, UsageType};
use criterion::{Criterion, criterion_group, criterion_main};

const CONFIG: &str = r#"{
    "accessKeyId": "LTAI5tExampleAccessKeyId",
    "accessKeySecret": "ExampleAccessKeySecret0123456",
    "signName": "阿里云短信测试",
    "templates": [
        {"usageType": "Register", "templateCode": "SMS_154950901"},
        {"usageType": "SignIn", "templateCode": {"china": "SMS_154950909", "overseas": "SMS_154950910"}},
        {"usageType": "ForgotPassword", "templateCode": "SMS_154950902"},
        {"usageType": "Generic", "templateCode": "SMS_154950903"}
    ]
}"#;

const NONCE: &str = "c1b2c332-4cfb-4a0f-b8cc-ebe622aa0a5c";

const OK: &[u8] = br#"{"Message":"OK","RequestId":"F655A8D5-B967-440B-8683-DAD6FF8DE990","Code":"OK","BizId":"900619746936498440^0"}"#;
const LIMITED: &str = r#"{"Message":"触发分钟级流控Permits:1","RequestId":"A6B1E2F0-0000-4000-8000-000000000000","Code":"isv.BUSINESS_LIMIT_CONTROL"}"#;

fn benches(c: &mut Criterion) {
    let v1 = AliyunSmsConfig::from_json_with_env(CONFIG, |_| None).expect("config");
    let mut v3 = v1.clone();
    v3.signature_version = SignatureVersion::V3;
    let time = Utc
        .with_ymd_and_hms(2024, 5, 1, 8, 9, 10)
        .single()
        .expect("time");
    let message = SmsMessage::verification_code(
        "+86 138 0013 8000".parse().expect("number"),
        UsageType::SignIn,
        "123456",
    )
    .with_reference("order-42");

    for (name, config) in [("build_v1", &v1), ("build_v3", &v3)] {
        let builder = RequestBuilder::new(config).expect("builder");
        c.bench_function(name, |b| {
            b.iter(|| builder.build(black_box(&message), black_box(time), black_box(NONCE)))
        });
    }
    c.bench_function("classify_ok", |b| b.iter(|| classify(200, black_box(OK))));
    c.bench_function("classify_error", |b| {
        b.iter(|| classify(200, black_box(LIMITED.as_bytes())))
    });
}

criterion_group! {
    name = request;
    config = Criterion::default().measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(request);
