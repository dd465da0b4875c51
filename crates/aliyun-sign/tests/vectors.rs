//! The official-SDK vectors in `tests/data/` (copied unchanged from `shared/vectors/`), every
//! vector, every stage in turn, and the published examples.

use std::collections::BTreeSet;
use std::fmt;

use aliyun_sign::{Credentials, encode, rpc, v3};
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

const RPC_V1: &str = include_str!("data/rpc-v1.json");
const ACS3_V3: &str = include_str!("data/acs3-v3.json");

const EXPECTED_V1_VECTORS: usize = 15;
const EXPECTED_V3_VECTORS: usize = 7;

/// A JSON object's string entries in file order (serde_json's own map would sort them, and the
/// signing code must do the sorting itself).
#[derive(Debug, Default)]
struct Pairs(Vec<(String, String)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = Pairs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some(entry) = map.next_entry::<String, String>()? {
                    pairs.push(entry);
                }
                Ok(Pairs(pairs))
            }
        }
        deserializer.deserialize_map(PairsVisitor)
    }
}

impl Pairs {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Deserialize)]
struct File<T> {
    vectors: Vec<T>,
}

#[derive(Deserialize)]
struct V1Vector {
    id: String,
    method: String,
    secret: String,
    hmac_key: String,
    params: Pairs,
    canonicalized_query_string: String,
    string_to_sign: String,
    signature: String,
    signature_percent_encoded: String,
    signed_query_string: Option<String>,
    documented_signature: Option<String>,
}

#[derive(Deserialize)]
struct V3Vector {
    id: String,
    algorithm: String,
    method: String,
    canonical_uri: String,
    query: Pairs,
    headers: Pairs,
    body: String,
    access_key_id: String,
    secret: String,
    hashed_payload: String,
    canonical_query_string: String,
    canonical_headers: String,
    signed_headers: String,
    canonical_request: String,
    string_to_sign: String,
    signature: String,
    authorization: String,
    documented_signature: Option<String>,
    documented_hashed_canonical_request: Option<String>,
}

#[track_caller]
fn check(id: &str, stage: &str, got: impl AsRef<str>, want: impl AsRef<str>) {
    assert_eq!(
        got.as_ref(),
        want.as_ref(),
        "vector `{id}`, stage `{stage}`"
    );
}

fn v1_vectors() -> Vec<V1Vector> {
    serde_json::from_str::<File<V1Vector>>(RPC_V1)
        .expect("rpc-v1.json parses")
        .vectors
}

fn v3_vectors() -> Vec<V3Vector> {
    serde_json::from_str::<File<V3Vector>>(ACS3_V3)
        .expect("acs3-v3.json parses")
        .vectors
}

#[test]
fn rpc_v1_every_vector_every_stage() {
    let mut run = 0;
    let mut form_bodies_checked = 0;
    for v in v1_vectors() {
        let id = v.id.as_str();
        check(id, "hmac_key", format!("{}&", v.secret), &v.hmac_key);

        let cqs = rpc::canonicalized_query_string(&v.params.0);
        check(
            id,
            "canonicalized_query_string",
            &cqs,
            &v.canonicalized_query_string,
        );

        let string_to_sign = rpc::string_to_sign(&v.method, &cqs);
        check(id, "string_to_sign", &string_to_sign, &v.string_to_sign);

        let signature = rpc::signature(&v.secret, &string_to_sign);
        check(id, "signature", &signature, &v.signature);
        if let Some(documented) = &v.documented_signature {
            check(id, "documented_signature", &signature, documented);
        }
        assert!(
            rpc::verify_signature(&v.secret, &string_to_sign, &signature),
            "vector `{id}`: verify_signature rejects the right signature"
        );
        assert!(
            !rpc::verify_signature(&format!("{}x", v.secret), &string_to_sign, &signature),
            "vector `{id}`: verify_signature accepts a wrong secret"
        );

        check(
            id,
            "signature_percent_encoded (encode)",
            encode::percent_encode(&signature),
            &v.signature_percent_encoded,
        );

        // One call: AccessKeyId, nonce and timestamp from the vector; the rest as action params
        // (SignatureMethod/SignatureVersion among them, to be replaced by the same values).
        let param = |name: &str| {
            v.params
                .get(name)
                .unwrap_or_else(|| panic!("vector `{id}` has no {name}"))
        };
        let credentials = Credentials::new(param("AccessKeyId"), v.secret.as_str());
        let (timestamp, nonce) = (param("Timestamp"), param("SignatureNonce"));
        let action_params: Vec<(&str, &str)> = v
            .params
            .0
            .iter()
            .map(|(k, val)| (k.as_str(), val.as_str()))
            .filter(|(k, _)| !matches!(*k, "AccessKeyId" | "Timestamp" | "SignatureNonce"))
            .collect();
        let signed = rpc::sign(&v.method, &action_params, &credentials, timestamp, nonce);
        check(
            id,
            "sign: canonicalized_query_string",
            &signed.canonicalized_query_string,
            &v.canonicalized_query_string,
        );
        check(
            id,
            "sign: string_to_sign",
            &signed.string_to_sign,
            &v.string_to_sign,
        );
        check(id, "sign: signature", &signed.signature, &v.signature);
        check(
            id,
            "sign: signature_percent_encoded",
            signed.signature_percent_encoded(),
            &v.signature_percent_encoded,
        );
        let mut sorted_params = v.params.0.clone();
        sorted_params.sort();
        assert_eq!(
            signed.params, sorted_params,
            "vector `{id}`, stage `sign: params`"
        );
        match &v.signed_query_string {
            Some(expected) => {
                check(id, "sign: to_form_body", signed.to_form_body(), expected);
                form_bodies_checked += 1;
            }
            // The vector's SDK split the parameters between query and body; the form body is
            // still the canonicalized query string plus the signature.
            None => check(
                id,
                "sign: to_form_body",
                signed.to_form_body(),
                format!(
                    "{}&Signature={}",
                    v.canonicalized_query_string, v.signature_percent_encoded
                ),
            ),
        }

        let signer = rpc::RpcSigner::new(&credentials);
        check(
            id,
            "RpcSigner::signature",
            signer.signature(&string_to_sign),
            &v.signature,
        );
        let by_signer = signer.sign(&v.method, &action_params, timestamp, nonce);
        assert_eq!(by_signer, signed, "vector `{id}`, stage `RpcSigner::sign`");
        let form = signer.sign_form(&v.method, &action_params, timestamp, nonce);
        assert_eq!(
            (
                form.canonicalized_query_string.as_str(),
                form.string_to_sign.as_str(),
                form.signature.as_str()
            ),
            (
                signed.canonicalized_query_string.as_str(),
                signed.string_to_sign.as_str(),
                signed.signature.as_str()
            ),
            "vector `{id}`, stage `RpcSigner::sign_form`"
        );
        assert_eq!(
            form.to_form_body(),
            signed.to_form_body(),
            "vector `{id}`, stage `SignedRpcForm::to_form_body`"
        );

        run += 1;
    }
    assert_eq!(run, EXPECTED_V1_VECTORS, "V1 vectors run");
    assert_eq!(
        form_bodies_checked, 14,
        "V1 vectors with a signed_query_string"
    );
}

#[test]
fn v3_every_vector_every_stage() {
    const REQUIRED: [&str; 6] = [
        "host",
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
    ];
    const OPTIONAL: [&str; 2] = ["x-acs-security-token", "content-type"];

    let mut run = 0;
    let mut high_level_run = 0;
    for v in v3_vectors() {
        let id = v.id.as_str();
        check(id, "algorithm", v3::ALGORITHM, &v.algorithm);

        let hashed_payload = v3::hashed_payload(v.body.as_bytes());
        check(id, "hashed_payload", &hashed_payload, &v.hashed_payload);
        check(
            id,
            "hashed_payload = x-acs-content-sha256",
            &hashed_payload,
            v.headers.get("x-acs-content-sha256").unwrap_or_default(),
        );

        let cqs = v3::canonical_query_string(&v.query.0);
        check(
            id,
            "canonical_query_string",
            &cqs,
            &v.canonical_query_string,
        );

        let (canonical_headers, signed_headers) = v3::canonical_headers(&v.headers.0);
        check(
            id,
            "canonical_headers",
            &canonical_headers,
            &v.canonical_headers,
        );
        check(id, "signed_headers", &signed_headers, &v.signed_headers);

        let canonical_request = v3::canonical_request(
            &v.method,
            &v.canonical_uri,
            &cqs,
            &canonical_headers,
            &signed_headers,
            &hashed_payload,
        );
        check(
            id,
            "canonical_request",
            &canonical_request,
            &v.canonical_request,
        );

        let string_to_sign = v3::string_to_sign(&canonical_request);
        check(id, "string_to_sign", &string_to_sign, &v.string_to_sign);
        if let Some(documented) = &v.documented_hashed_canonical_request {
            check(
                id,
                "documented_hashed_canonical_request",
                &string_to_sign[v3::ALGORITHM.len() + 1..],
                documented,
            );
        }

        let signature = v3::signature(&v.secret, &string_to_sign);
        check(id, "signature", &signature, &v.signature);
        if let Some(documented) = &v.documented_signature {
            check(id, "documented_signature", &signature, documented);
        }
        assert!(
            v3::verify_signature(&v.secret, &string_to_sign, &signature),
            "vector `{id}`: verify_signature rejects the right signature"
        );
        assert!(
            v3::verify_signature(&v.secret, &string_to_sign, &signature.to_uppercase()),
            "vector `{id}`: verify_signature rejects upper-case hex"
        );
        assert!(
            !v3::verify_signature(&v.secret, &format!("{string_to_sign} "), &signature),
            "vector `{id}`: verify_signature accepts a different string to sign"
        );

        let authorization = v3::authorization(&v.access_key_id, &signed_headers, &signature);
        check(id, "authorization", &authorization, &v.authorization);

        let names: BTreeSet<&str> = v.headers.0.iter().map(|(k, _)| k.as_str()).collect();
        let standard = REQUIRED.iter().all(|h| names.contains(h))
            && names
                .iter()
                .all(|h| REQUIRED.contains(h) || OPTIONAL.contains(h));
        if standard {
            let header = |name: &str| v.headers.get(name).unwrap_or_default();
            let mut credentials = Credentials::new(v.access_key_id.as_str(), v.secret.as_str());
            if let Some(token) = v.headers.get("x-acs-security-token") {
                credentials = credentials.with_security_token(token);
            }
            let query: Vec<(&str, &str)> = v
                .query
                .0
                .iter()
                .map(|(k, val)| (k.as_str(), val.as_str()))
                .collect();
            let request = v3::V3Request {
                method: &v.method,
                host: header("host"),
                canonical_uri: &v.canonical_uri,
                action: header("x-acs-action"),
                version: header("x-acs-version"),
                query: &query,
                body: v.body.as_bytes(),
                content_type: v.headers.get("content-type"),
            };
            let signed = v3::sign(
                &request,
                &credentials,
                header("x-acs-date"),
                header("x-acs-signature-nonce"),
            );
            check(
                id,
                "sign: canonical_query_string",
                &signed.canonical_query_string,
                &v.canonical_query_string,
            );
            check(
                id,
                "sign: signed_headers",
                &signed.signed_headers,
                &v.signed_headers,
            );
            check(
                id,
                "sign: canonical_request",
                &signed.canonical_request,
                &v.canonical_request,
            );
            check(
                id,
                "sign: string_to_sign",
                &signed.string_to_sign,
                &v.string_to_sign,
            );
            check(id, "sign: signature", &signed.signature, &v.signature);
            check(
                id,
                "sign: authorization",
                &signed.authorization,
                &v.authorization,
            );
            let mut expected_headers = v.headers.0.clone();
            expected_headers.sort();
            expected_headers.push(("authorization".to_owned(), v.authorization.clone()));
            assert_eq!(
                signed.headers, expected_headers,
                "vector `{id}`, stage `sign: headers`"
            );
            high_level_run += 1;
        }
        run += 1;
    }
    assert_eq!(run, EXPECTED_V3_VECTORS, "V3 vectors run");
    assert_eq!(
        high_level_run, 5,
        "V3 vectors with exactly the standard headers"
    );
}

#[test]
fn published_v1_sms_example() {
    let v = v1_vectors()
        .into_iter()
        .find(|v| v.id == "doc-sms-sendsms-get")
        .expect("the published SMS example is among the vectors");
    let string_to_sign = rpc::string_to_sign("GET", &rpc::canonicalized_query_string(&v.params.0));
    assert_eq!(
        rpc::signature("testSecret", &string_to_sign),
        "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    );
    // The secret is case-sensitive: the docs' lower-case variant gives another signature.
    assert_ne!(
        rpc::signature("testsecret", &string_to_sign),
        "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    );
}

#[test]
fn published_v3_runinstances_example() {
    let request = v3::V3Request {
        method: "POST",
        host: "ecs.cn-shanghai.aliyuncs.com",
        canonical_uri: "/",
        action: "RunInstances",
        version: "2014-05-26",
        query: &[
            (
                "ImageId",
                "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
            ),
            ("RegionId", "cn-shanghai"),
        ],
        body: b"",
        content_type: None,
    };
    let signed = v3::sign(
        &request,
        &Credentials::new("YourAccessKeyId", "YourAccessKeySecret"),
        "2023-10-26T10:22:32Z",
        "3156853299f313e23d1673dc12e1703d",
    );
    assert_eq!(
        signed.string_to_sign,
        "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
    );
    assert_eq!(
        signed.signature,
        "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
    );
    assert_eq!(v3::hashed_payload(b""), v3::EMPTY_BODY_SHA256);
}

/// What Logto's Aliyun SMS connector sends for a sign-in code.
#[test]
fn logto_compatibility() {
    let params = [
        ("Action", "SendSms"),
        ("Format", "json"),
        ("RegionId", "cn-hangzhou"),
        ("Version", "2017-05-25"),
        ("PhoneNumbers", "8613800138000"),
        ("SignName", "Logto"),
        ("TemplateCode", "SMS_SignIn"),
        ("TemplateParam", r#"{"code":"123456"}"#),
    ];
    let credentials = Credentials::new("testid", "testsecret");
    let (nonce, timestamp) = (
        "c1b2c332-4cfb-4a0f-b8cc-ebe622aa0a5c",
        "2024-05-01T08:09:10Z",
    );
    let signed = rpc::sign("POST", &params, &credentials, timestamp, nonce);
    assert_eq!(signed.signature, "EU0Gt3+E/Gtmps8TGPjSQaKcVl8=");
    assert_eq!(signed.params.len(), 13);
    let by_signer = rpc::RpcSigner::new(&credentials).sign("POST", &params, timestamp, nonce);
    assert_eq!(by_signer.signature, "EU0Gt3+E/Gtmps8TGPjSQaKcVl8=");
    assert!(
        signed
            .to_form_body()
            .ends_with("&Signature=EU0Gt3%2BE%2FGtmps8TGPjSQaKcVl8%3D")
    );
}
