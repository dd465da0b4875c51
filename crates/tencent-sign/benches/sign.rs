//! Signing cost of a typical TC3 SendSms request, against the floor of bare HMAC-SHA256 + hex in
//! the same run.
//!
//! `cargo bench -p tencent-sign --bench sign`; results in `docs/performance.md`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use tencent_sign::{Credentials, Tc3Signer, Timestamp, tc3};

/// A SendSms body as a connector sends it: compact JSON, raw UTF-8.
const SEND_SMS: &str = r#"{"PhoneNumberSet":["+8613800138000"],"SmsSdkAppId":"1400006666","SignName":"腾讯云","TemplateId":"1234567","TemplateParamSet":["123456"],"SessionContext":"order-42"}"#;

/// Signed as Tencent's SDKs and Logto sign: `content-type;host`.
const HEADERS: [(&str, &str); 2] = [
    ("content-type", "application/json; charset=utf-8"),
    ("host", "sms.tencentcloudapi.com"),
];

fn benches(c: &mut Criterion) {
    let credentials = Credentials::new(
        "AKIDExampleSecretId0123456789abcdefgh",
        "ExampleSecretKey0123456789abcde",
    );
    let timestamp = Timestamp::from_unix_seconds(1_700_000_000).expect("in range");
    let request = tc3::Tc3Request::post(&HEADERS, SEND_SMS.as_bytes());
    let signer = Tc3Signer::new(credentials.clone(), "sms");
    let reference = signer.sign(&request, timestamp);
    assert_eq!(
        signer.authorization(&request, timestamp),
        reference.authorization
    );
    let string_to_sign = reference.string_to_sign.clone();

    // The floor first, so that its pre-keyed figure and the hot path's are measured seconds apart
    // (the load of a shared machine drifts over a run): HMAC-SHA256 + lower-case hex over a
    // string as long as the string to sign, with a 32-byte key like the derived signing key.
    let key = [0x5a_u8; 32];
    let keyed = Hmac::<Sha256>::new_from_slice(&key).expect("any key length");
    let hex_signature = |mac: Hmac<Sha256>| hex::encode(mac.finalize().into_bytes());
    let mut group = c.benchmark_group("floor");
    group.bench_function("hmac-sha256+hex fresh key", |b| {
        b.iter(|| {
            let mut mac = Hmac::<Sha256>::new_from_slice(black_box(&key)).expect("any key length");
            mac.update(black_box(string_to_sign.as_bytes()));
            hex_signature(mac)
        })
    });
    group.bench_function("hmac-sha256+hex pre-keyed", |b| {
        b.iter(|| {
            let mut mac = black_box(&keyed).clone();
            mac.update(black_box(string_to_sign.as_bytes()));
            hex_signature(mac)
        })
    });
    group.finish();

    let mut group = c.benchmark_group("tc3");
    group.bench_function("Tc3Signer::authorization", |b| {
        b.iter(|| signer.authorization(black_box(&request), black_box(timestamp)))
    });
    group.bench_function("Tc3Signer::sign (every stage)", |b| {
        b.iter(|| signer.sign(black_box(&request), black_box(timestamp)))
    });
    group.bench_function("tc3::sign (derives the key)", |b| {
        b.iter(|| {
            tc3::sign(
                black_box(&request),
                &credentials,
                "sms",
                black_box(timestamp),
            )
        })
    });
    group.bench_function("Tc3Signer::verify", |b| {
        b.iter(|| signer.verify(black_box(&request), timestamp, &reference.signature))
    });
    group.bench_function("SigningKey::derive", |b| {
        b.iter(|| tc3::SigningKey::derive(credentials.secret_key(), timestamp.date(), "sms"))
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = sign;
    config = config();
    targets = benches
}
criterion_main!(sign);
