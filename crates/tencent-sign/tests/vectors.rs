//! The TC3 vectors in `tests/data/tc3-v3.json` (copied unchanged from `shared/vectors/`, produced
//! and cross-checked with Tencent's official SDK code): every vector, every stage in turn, then
//! every way of signing the same request.

use std::collections::BTreeMap;

use serde::Deserialize;
use tencent_sign::{Authorization, Credentials, Tc3Signer, Timestamp, tc3};

const TC3_V3: &str = include_str!("data/tc3-v3.json");

const EXPECTED_VECTORS: usize = 12;
/// Vectors that carry the headers the Python SDK sent.
const EXPECTED_WITH_REQUEST_HEADERS: usize = 8;
/// Vectors that sign `x-tc-action` as well (the signing guide's demo does).
const EXPECTED_ACTION_SIGNED: usize = 2;

#[derive(Deserialize)]
struct File {
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    id: String,
    inputs: Inputs,
    outputs: Outputs,
    request_headers: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct Inputs {
    secret_id: String,
    secret_key: String,
    token: Option<String>,
    service: String,
    host: String,
    action: String,
    timestamp: u64,
    content_type: String,
    payload: String,
    signed_headers: String,
}

#[derive(Deserialize)]
struct Outputs {
    date: String,
    hashed_payload: String,
    canonical_headers: String,
    canonical_request: String,
    hashed_canonical_request: String,
    credential_scope: String,
    string_to_sign: String,
    secret_date_hex: String,
    secret_service_hex: String,
    secret_signing_hex: String,
    signature: String,
    authorization: String,
}

#[track_caller]
fn check(id: &str, stage: &str, got: impl AsRef<str>, want: impl AsRef<str>) {
    assert_eq!(
        got.as_ref(),
        want.as_ref(),
        "vector `{id}`, stage `{stage}`"
    );
}

fn vectors() -> Vec<Vector> {
    serde_json::from_str::<File>(TC3_V3)
        .expect("tc3-v3.json parses")
        .vectors
}

/// The headers to sign, as a client holds them: from the headers the SDK sent when the vector
/// has them (`Content-Type`, `Host`: names in mixed case), otherwise from the inputs, with the
/// action in its sent case (`SendSms`; signed lower-cased).
fn headers_to_sign(v: &Vector) -> Vec<(String, String)> {
    v.inputs
        .signed_headers
        .split(';')
        .map(|name| match &v.request_headers {
            Some(sent) => sent
                .iter()
                .find(|(sent_name, _)| sent_name.eq_ignore_ascii_case(name))
                .map(|(k, v)| (k.clone(), v.clone()))
                .unwrap_or_else(|| panic!("vector `{}` did not send {name}", v.id)),
            None => {
                let value = match name {
                    "content-type" => &v.inputs.content_type,
                    "host" => &v.inputs.host,
                    "x-tc-action" => &v.inputs.action,
                    other => panic!("vector `{}` signs unknown header {other}", v.id),
                };
                (name.to_ascii_uppercase(), value.clone())
            }
        })
        .collect()
}

#[test]
fn tc3_every_vector_every_stage() {
    let (mut run, mut with_request_headers, mut action_signed) = (0, 0, 0);
    for v in vectors() {
        let id = v.id.as_str();
        let (inputs, out) = (&v.inputs, &v.outputs);

        let timestamp = Timestamp::from_unix_seconds(inputs.timestamp)
            .unwrap_or_else(|e| panic!("vector `{id}`: {e}"));
        check(id, "date", timestamp.date().as_str(), &out.date);

        let hashed_payload = tc3::hashed_payload(inputs.payload.as_bytes());
        check(id, "hashed_payload", &hashed_payload, &out.hashed_payload);

        let headers = headers_to_sign(&v);
        let (canonical_headers, signed_headers) = tc3::canonical_headers(&headers);
        check(
            id,
            "canonical_headers",
            &canonical_headers,
            &out.canonical_headers,
        );
        check(
            id,
            "signed_headers",
            &signed_headers,
            &inputs.signed_headers,
        );

        let canonical_request = tc3::canonical_request(
            "POST",
            "/",
            "",
            &canonical_headers,
            &signed_headers,
            &hashed_payload,
        );
        check(
            id,
            "canonical_request",
            &canonical_request,
            &out.canonical_request,
        );
        check(
            id,
            "hashed_canonical_request",
            tc3::hashed_canonical_request(&canonical_request),
            &out.hashed_canonical_request,
        );

        let scope = tc3::credential_scope(&out.date, &inputs.service);
        check(id, "credential_scope", &scope, &out.credential_scope);

        let string_to_sign = tc3::string_to_sign(inputs.timestamp, &scope, &canonical_request);
        check(id, "string_to_sign", &string_to_sign, &out.string_to_sign);

        let secret_date = tc3::secret_date(&inputs.secret_key, &out.date);
        check(
            id,
            "secret_date",
            hex(secret_date.expose_secret()),
            &out.secret_date_hex,
        );
        let secret_service = tc3::secret_service(&secret_date, &inputs.service);
        check(
            id,
            "secret_service",
            hex(secret_service.expose_secret()),
            &out.secret_service_hex,
        );
        let secret_signing = tc3::secret_signing(&secret_service);
        check(
            id,
            "secret_signing",
            hex(secret_signing.expose_secret()),
            &out.secret_signing_hex,
        );

        let signature = tc3::signature(&secret_signing, &string_to_sign);
        check(id, "signature", &signature, &out.signature);

        let authorization =
            tc3::authorization(&inputs.secret_id, &scope, &signed_headers, &signature);
        check(id, "authorization", &authorization, &out.authorization);

        if let Some(sent) = &v.request_headers {
            check(
                id,
                "sent Authorization",
                &out.authorization,
                &sent["Authorization"],
            );
            check(
                id,
                "sent X-TC-Timestamp",
                timestamp.to_string(),
                &sent["X-TC-Timestamp"],
            );
            check(
                id,
                "sent X-TC-Token",
                sent.get("X-TC-Token").map_or("", String::as_str),
                inputs.token.as_deref().unwrap_or(""),
            );
            with_request_headers += 1;
        }
        if inputs.signed_headers.contains("x-tc-action") {
            action_signed += 1;
        }

        check_every_way_of_signing(&v, &headers, timestamp);
        run += 1;
    }
    assert_eq!(run, EXPECTED_VECTORS, "vectors run");
    assert_eq!(
        with_request_headers, EXPECTED_WITH_REQUEST_HEADERS,
        "vectors with the headers sent"
    );
    assert_eq!(
        action_signed, EXPECTED_ACTION_SIGNED,
        "vectors signing x-tc-action"
    );
}

/// `tc3::sign`, `Tc3Signer` (all stages, the hot path, verification), `SigningKey` and
/// `Authorization::parse` on the same vector.
fn check_every_way_of_signing(v: &Vector, headers: &[(String, String)], timestamp: Timestamp) {
    let id = v.id.as_str();
    let (inputs, out) = (&v.inputs, &v.outputs);
    let mut credentials = Credentials::new(inputs.secret_id.as_str(), inputs.secret_key.as_str());
    if let Some(token) = &inputs.token {
        // Sent as X-TC-Token, never signed: the signature must not change.
        credentials = credentials.with_token(token.as_str());
    }
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let request = tc3::Tc3Request::post(&headers, inputs.payload.as_bytes());

    let signed = tc3::sign(&request, &credentials, &inputs.service, timestamp);
    let stages = [
        (
            "hashed_payload",
            &signed.hashed_payload,
            &out.hashed_payload,
        ),
        (
            "canonical_headers",
            &signed.canonical_headers,
            &out.canonical_headers,
        ),
        (
            "signed_headers",
            &signed.signed_headers,
            &inputs.signed_headers,
        ),
        (
            "canonical_request",
            &signed.canonical_request,
            &out.canonical_request,
        ),
        (
            "hashed_canonical_request",
            &signed.hashed_canonical_request,
            &out.hashed_canonical_request,
        ),
        (
            "credential_scope",
            &signed.credential_scope,
            &out.credential_scope,
        ),
        (
            "string_to_sign",
            &signed.string_to_sign,
            &out.string_to_sign,
        ),
        ("signature", &signed.signature, &out.signature),
        ("authorization", &signed.authorization, &out.authorization),
    ];
    for (stage, got, want) in stages {
        check(id, &format!("tc3::sign: {stage}"), got, want);
    }
    assert_eq!(
        signed.timestamp, timestamp,
        "vector `{id}`, tc3::sign: timestamp"
    );

    let signer = Tc3Signer::new(credentials, inputs.service.as_str());
    check(
        id,
        "Tc3Signer::authorization",
        signer.authorization(&request, timestamp),
        &out.authorization,
    );
    assert_eq!(
        signer.sign(&request, timestamp),
        signed,
        "vector `{id}`, Tc3Signer::sign"
    );
    // Again, now with the key kept from the first call.
    check(
        id,
        "Tc3Signer::authorization (kept key)",
        signer.authorization(&request, timestamp),
        &out.authorization,
    );
    assert!(
        signer.verify(&request, timestamp, &out.signature),
        "vector `{id}`: Tc3Signer::verify rejects the right signature"
    );
    assert!(
        signer.verify(&request, timestamp, &out.signature.to_uppercase()),
        "vector `{id}`: Tc3Signer::verify rejects upper-case hex"
    );
    let later = Timestamp::from_unix_seconds(inputs.timestamp + 1).unwrap();
    assert!(
        !signer.verify(&request, later, &out.signature),
        "vector `{id}`: Tc3Signer::verify accepts another timestamp"
    );
    let other_body = format!("{} ", inputs.payload);
    let other = tc3::Tc3Request::post(&headers, other_body.as_bytes());
    assert!(
        !signer.verify(&other, timestamp, &out.signature),
        "vector `{id}`: Tc3Signer::verify accepts another payload"
    );
    assert!(
        !signer.verify(&request, timestamp, &out.signature[..62]),
        "vector `{id}`: Tc3Signer::verify accepts a truncated signature"
    );

    let key = signer.signing_key(timestamp.date());
    check(
        id,
        "SigningKey::credential_scope",
        key.credential_scope(),
        &out.credential_scope,
    );
    check(
        id,
        "SigningKey::signature",
        key.signature(&out.string_to_sign),
        &out.signature,
    );
    assert!(
        key.verify_signature(&out.string_to_sign, &out.signature),
        "vector `{id}`: SigningKey::verify_signature rejects the right signature"
    );
    assert!(
        !key.verify_signature(&format!("{} ", out.string_to_sign), &out.signature),
        "vector `{id}`: SigningKey::verify_signature accepts another string to sign"
    );

    let parsed = Authorization::parse(&out.authorization)
        .unwrap_or_else(|e| panic!("vector `{id}`: Authorization::parse: {e}"));
    assert_eq!(
        parsed,
        Authorization {
            secret_id: &inputs.secret_id,
            date: &out.date,
            service: &inputs.service,
            signed_headers: &inputs.signed_headers,
            signature: &out.signature,
        },
        "vector `{id}`, Authorization::parse"
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The scope date is the UTC date: the Beijing date (what a signer using local time in China
/// would take) and the dash-less `%Y%m%d` date both sign differently.
#[test]
fn scope_date_is_utc_with_dashes() {
    let v = vectors()
        .into_iter()
        .find(|v| v.id == "sms-basic-sdk")
        .expect("sms-basic-sdk is among the vectors");
    assert_eq!(v.outputs.date, "2023-11-14");
    let canonical_request = &v.outputs.canonical_request;
    for wrong_date in ["2023-11-15", "20231114"] {
        let scope = tc3::credential_scope(wrong_date, "sms");
        let string_to_sign = tc3::string_to_sign(v.inputs.timestamp, &scope, canonical_request);
        let key = tc3::secret_signing(&tc3::secret_service(
            &tc3::secret_date(&v.inputs.secret_key, wrong_date),
            "sms",
        ));
        assert_ne!(
            tc3::signature(&key, &string_to_sign),
            v.outputs.signature,
            "{wrong_date}"
        );
    }
}

/// The same request with and without a token signs the same (the token travels unsigned).
#[test]
fn token_is_not_signed() {
    let by_id = |id: &str| {
        vectors()
            .into_iter()
            .find(|v| v.id == id)
            .unwrap_or_else(|| panic!("{id} is among the vectors"))
    };
    let (plain, with_token) = (
        by_id("sms-basic-sdk"),
        by_id("sms-temporary-credential-token-sdk"),
    );
    assert!(plain.inputs.token.is_none() && with_token.inputs.token.is_some());
    assert_eq!(plain.outputs.signature, with_token.outputs.signature);
}
