//! What the connector adds to a TC3 signature when it builds a `SendSms` request (template
//! choice, the E.164 number, the JSON body, the headers), and what reading the answer costs.
//! `cargo bench -p tencent-sms --bench request`; the figures are in `docs/performance.md`.

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use connector_kit::{SmsMessage, UsageType};
use criterion::{Criterion, criterion_group, criterion_main};
use tencent_sign::tc3::Tc3Request;
use tencent_sign::{Credentials, Tc3Signer, Timestamp};
use tencent_sms::{CONTENT_TYPE, RequestBuilder, TencentSmsConfig};

const CONFIG: &str = r#"{
    "accessKeyId": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "accessKeySecret": "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    "signName": "腾讯云", "sdkAppId": "1400006666", "region": "ap-guangzhou",
    "templates": [
        {"usageType": "Register", "templateCode": "100001"},
        {"usageType": "SignIn", "templateCode": {"china": "100002", "overseas": "200002"}},
        {"usageType": "ForgotPassword", "templateCode": "100003"},
        {"usageType": "Generic", "templateCode": "100004"}
    ]
}"#;

fn request(c: &mut Criterion) {
    let config = TencentSmsConfig::from_json_with_env(CONFIG, |_| None).expect("a valid config");
    let builder = RequestBuilder::new(&config).expect("a valid config");
    let message = SmsMessage::verification_code(
        "+8613800138000".parse().expect("a number"),
        UsageType::SignIn,
        "123456",
    );
    let time = Utc.with_ymd_and_hms(2023, 11, 14, 22, 13, 20).unwrap();
    let request = builder.build(&message, time).expect("a request");

    let mut group = c.benchmark_group("tencent_sms");
    // The floor: the pre-keyed TC3 signature of the same body and headers.
    let signer = Tc3Signer::new(
        Credentials::new(
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        ),
        "sms",
    );
    let headers = [
        ("content-type", CONTENT_TYPE),
        ("host", "sms.tencentcloudapi.com"),
    ];
    let timestamp = Timestamp::from_unix_seconds(1_700_000_000).unwrap();
    group.bench_function("tc3_signature_only", |b| {
        b.iter(|| {
            signer.authorization(
                black_box(&Tc3Request::post(&headers, request.body.as_bytes())),
                black_box(timestamp),
            )
        })
    });
    group.bench_function("send_request", |b| {
        b.iter(|| builder.build(black_box(&message), black_box(time)))
    });
    let ok = br#"{"Response":{"SendStatusSet":[{"SerialNo":"2028:f825e6b16e23f73f4123","PhoneNumber":"+8613800138000","Fee":1,"SessionContext":"","Code":"Ok","Message":"send success","IsoCode":"CN"}],"RequestId":"a0aabda6-cf91-4f3e-a81f-9198114a2279"}}"#;
    let limited = br#"{"Response":{"SendStatusSet":[{"SerialNo":"","PhoneNumber":"+8613800138000","Fee":0,"SessionContext":"","Code":"LimitExceeded.PhoneNumberThirtySecondLimit","Message":"the number's 30-second limit","IsoCode":"CN"}],"RequestId":"a0aabda6-cf91-4f3e-a81f-9198114a2279"}}"#;
    group.bench_function("classify_ok", |b| {
        b.iter(|| request.classify(black_box(200), black_box(ok)))
    });
    group.bench_function("classify_error", |b| {
        b.iter(|| request.classify(black_box(200), black_box(limited)))
    });
    group.finish();
}

criterion_group!(benches, request);
criterion_main!(benches);
