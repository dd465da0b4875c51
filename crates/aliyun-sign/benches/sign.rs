//! Signing cost of a typical SendSms request, against the floor of bare HMAC-SHA1 + Base64.
//!
//! `cargo bench -p aliyun-sign --bench sign`; results in `docs/performance.md`.

use std::hint::black_box;
use std::time::Duration;

use aliyun_sign::{Credentials, encode, rpc, v3};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

const TIMESTAMP: &str = "2024-05-01T08:09:10Z";
const NONCE: &str = "c1b2c332-4cfb-4a0f-b8cc-ebe622aa0a5c";

/// SendSms's own parameters; with the five common ones `sign` adds, 14 signed parameters.
const SEND_SMS: [(&str, &str); 9] = [
    ("Action", "SendSms"),
    ("Version", "2017-05-25"),
    ("Format", "JSON"),
    ("RegionId", "cn-hangzhou"),
    ("PhoneNumbers", "13800138000"),
    ("SignName", "阿里云短信测试"),
    ("TemplateCode", "SMS_154950909"),
    ("TemplateParam", r#"{"code":"123456"}"#),
    ("OutId", "order-42"),
];

const V3_QUERY: [(&str, &str); 5] = [
    ("PhoneNumbers", "13800138000"),
    ("SignName", "阿里云短信测试"),
    ("TemplateCode", "SMS_154950909"),
    ("TemplateParam", r#"{"code":"123456"}"#),
    ("OutId", "order-42"),
];

fn benches(c: &mut Criterion) {
    let credentials = Credentials::new("LTAI5tExampleAccessKeyId", "ExampleAccessKeySecret0123456");
    let signer = rpc::RpcSigner::new(&credentials);
    let reference = signer.sign("POST", &SEND_SMS, TIMESTAMP, NONCE);
    assert_eq!(reference.params.len(), 14);
    let string_to_sign = reference.string_to_sign.clone();
    let cqs = reference.canonicalized_query_string.clone();

    let mut group = c.benchmark_group("v1");
    group.bench_function("RpcSigner::sign", |b| {
        b.iter(|| signer.sign(black_box("POST"), black_box(&SEND_SMS), TIMESTAMP, NONCE))
    });
    group.bench_function("RpcSigner::sign_form", |b| {
        b.iter(|| signer.sign_form(black_box("POST"), black_box(&SEND_SMS), TIMESTAMP, NONCE))
    });
    group.bench_function("rpc::sign", |b| {
        b.iter(|| {
            rpc::sign(
                black_box("POST"),
                black_box(&SEND_SMS),
                &credentials,
                TIMESTAMP,
                NONCE,
            )
        })
    });
    group.bench_function("RpcSigner::sign + to_form_body", |b| {
        b.iter(|| {
            signer
                .sign(black_box("POST"), black_box(&SEND_SMS), TIMESTAMP, NONCE)
                .to_form_body()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("v3");
    let request = v3::V3Request {
        method: "POST",
        host: "dysmsapi.aliyuncs.com",
        canonical_uri: "/",
        action: "SendSms",
        version: "2017-05-25",
        query: &V3_QUERY,
        body: b"",
        content_type: None,
    };
    group.bench_function("v3::sign", |b| {
        b.iter(|| v3::sign(black_box(&request), &credentials, TIMESTAMP, NONCE))
    });
    group.finish();

    let mut group = c.benchmark_group("encode");
    group.bench_function("percent_encode (canonicalized query string)", |b| {
        b.iter(|| encode::percent_encode(black_box(&cqs)))
    });
    // The `percent-encoding` crate's own encoder with the same set, into an exactly sized
    // String: what `encode` would cost without its hand-written loop.
    group.bench_function("percent-encoding crate (canonicalized query string)", |b| {
        b.iter(|| {
            let s: &str = black_box(&cqs);
            let mut out = String::with_capacity(encode::encoded_len(s));
            out.extend(percent_encoding::utf8_percent_encode(
                s,
                encode::ALIYUN_ENCODE_SET,
            ));
            out
        })
    });
    group.bench_function("canonicalized_query_string (14 params)", |b| {
        b.iter(|| rpc::canonicalized_query_string(black_box(&reference.params)))
    });
    group.finish();

    // The floor: HMAC-SHA1 + Base64 over a string as long as the string to sign.
    let key = format!("{}&", credentials.access_key_secret());
    let keyed = Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("any key length");
    let mut group = c.benchmark_group("floor");
    group.bench_function("hmac-sha1+base64 fresh key", |b| {
        b.iter(|| {
            let mut mac =
                Hmac::<Sha1>::new_from_slice(black_box(key.as_bytes())).expect("any key length");
            mac.update(black_box(string_to_sign.as_bytes()));
            BASE64.encode(mac.finalize().into_bytes())
        })
    });
    group.bench_function("hmac-sha1+base64 pre-keyed", |b| {
        b.iter(|| {
            let mut mac = black_box(&keyed).clone();
            mac.update(black_box(string_to_sign.as_bytes()));
            BASE64.encode(mac.finalize().into_bytes())
        })
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
