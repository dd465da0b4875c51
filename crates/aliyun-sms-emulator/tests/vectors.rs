//! The shared signature vectors (produced by Alibaba's official SDKs, copied unchanged into
//! `tests/data/`) sent byte for byte over HTTP: nothing here is signed by code of ours, so a
//! signing bug shared by a client and the emulator cannot hide.

mod common;

use std::collections::BTreeMap;

use aliyun_sms_emulator::{
    Credentials, EmulatorConfig, Limits, ManualClock, Template, TemplateKind, TemplateRegion, start,
};
use common::{Reply, at, enc, http, send, xml_field};
use serde_json::Value;

fn vectors(file: &str) -> Vec<Value> {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("vector file");
    let json: Value = serde_json::from_str(&text).expect("vector JSON");
    json["vectors"].as_array().expect("vectors").clone()
}

fn vector(file: &str, id: &str) -> Value {
    vectors(file)
        .into_iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no vector {id}"))
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// Every `TemplateParam` of a vector (one, or one per number for `SendBatchSms`).
fn template_params(params: &BTreeMap<String, String>) -> Vec<BTreeMap<String, String>> {
    let one = |v: &Value| -> BTreeMap<String, String> {
        v.as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), s(v).to_string()))
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(text) = params.get("TemplateParam") {
        vec![one(&serde_json::from_str(text).unwrap())]
    } else if let Some(text) = params.get("TemplateParamJson") {
        let list: Vec<Value> = serde_json::from_str(text).unwrap();
        list.iter().map(one).collect()
    } else {
        vec![BTreeMap::new()]
    }
}

/// The account a vector was signed for: its key, its sign names, a template with its
/// variables (a verification-code template when every value looks like a code), and a
/// manual clock at its timestamp.
fn config_for(
    credentials: Credentials,
    timestamp: &str,
    params: &BTreeMap<String, String>,
) -> (EmulatorConfig, Vec<BTreeMap<String, String>>) {
    let mut config = EmulatorConfig::new()
        .account(credentials)
        .limits(Limits::off())
        .clock(ManualClock::new(at(timestamp)));
    if let Some(sign) = params.get("SignName") {
        config = config.sign_name(sign.clone());
    }
    if let Some(list) = params.get("SignNameJson") {
        let names: Vec<String> = serde_json::from_str(list).unwrap();
        for name in names {
            config = config.sign_name(name);
        }
    }
    let param_sets = template_params(params);
    let variables: Vec<&String> = param_sets[0].keys().collect();
    let content: String = variables.iter().map(|v| format!("[${{{v}}}]")).collect();
    let code_like =
        |v: &String| (4..=6).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric());
    let kind = if !variables.is_empty() && param_sets.iter().all(|p| p.values().all(code_like)) {
        TemplateKind::VerificationCode
    } else {
        TemplateKind::Notification
    };
    if let Some(code) = params.get("TemplateCode") {
        config = config.template(Template {
            code: code.clone(),
            kind,
            content: format!("内容{content}"),
            region: TemplateRegion::Any,
        });
    }
    (config, param_sets)
}

fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), s(v).to_string()))
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------- RPC V1

/// How a V1 vector goes on the wire.
#[derive(Clone, Copy, Debug)]
enum Wire {
    /// Everything in the query string (GET; and POST as the official SDK sends it).
    Query,
    /// POST with everything in a form body (as the Logto connector sends it).
    FormBody,
}

fn v1_wires(v: &Value) -> Vec<Wire> {
    if v["method"] == "GET" {
        vec![Wire::Query]
    } else {
        vec![Wire::Query, Wire::FormBody]
    }
}

async fn send_v1_signed(
    v: &Value,
    signed_query: &str,
    wire: Wire,
) -> (Reply, aliyun_sms_emulator::Emulator) {
    let params = string_map(&v["params"]);
    let credentials = Credentials::new(params["AccessKeyId"].clone(), s(&v["secret"]));
    let (config, _) = config_for(credentials, &params["Timestamp"], &params);
    let emulator = start(config).await.unwrap();
    let method = reqwest::Method::from_bytes(s(&v["method"]).as_bytes()).unwrap();
    let request = match wire {
        Wire::Query => http().request(method, format!("{}/?{signed_query}", emulator.endpoint())),
        Wire::FormBody => http()
            .request(method, emulator.endpoint())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(signed_query.to_string()),
    };
    (send(request).await, emulator)
}

const DYSMS_V1: &[&str] = &[
    "doc-sms-sendsms-get",
    "ascii-plain-post",
    "chinese-signname-get",
    "chinese-signname-post",
    "templateparam-json-nested",
    "special-ascii-chars",
    "empty-value",
    "query-send-details",
    "send-batch-sms",
    "legacy-sdk-signaturetype-empty",
    "sdk-e2e-dysmsapi-sendsms-v1",
];

#[tokio::test]
async fn every_dysmsapi_v1_vector_is_accepted_as_sent() {
    for id in DYSMS_V1 {
        let v = vector("rpc-v1.json", id);
        let params = string_map(&v["params"]);
        for wire in v1_wires(&v) {
            let (reply, emulator) = send_v1_signed(&v, s(&v["signed_query_string"]), wire).await;
            assert_eq!(
                (reply.status, reply.code.as_str()),
                (200, "OK"),
                "{id} {wire:?}: {}",
                reply.body
            );
            assert_eq!(emulator.requests_seen(), 1);
            if params["Action"] == "QuerySendDetails" {
                assert_eq!(reply.json.as_ref().unwrap()["TotalCount"], 0, "{id}");
                continue;
            }
            let inbox = emulator.inbox();
            let numbers = params
                .get("PhoneNumbers")
                .map(|n| n.split(',').count())
                .unwrap_or_else(|| {
                    serde_json::from_str::<Vec<String>>(&params["PhoneNumberJson"])
                        .unwrap()
                        .len()
                });
            assert_eq!(inbox.len(), numbers, "{id}");
            let biz_id = reply.field("BizId").expect("a BizId");
            assert!(biz_id.ends_with("^0"), "{biz_id}");
            assert!(inbox.iter().all(|m| m.biz_id == biz_id));
            assert_eq!(inbox[0].sent_at, at(&params["Timestamp"]));
            assert_eq!(
                inbox[0].out_id.as_deref(),
                params.get("OutId").map(|s| s.as_str())
            );
        }
    }
}

#[tokio::test]
async fn doc_vector_answers_in_xml_and_delivers_the_rendered_text() {
    let v = vector("rpc-v1.json", "doc-sms-sendsms-get");
    let (reply, emulator) = send_v1_signed(&v, s(&v["signed_query_string"]), Wire::Query).await;
    reply.assert_code(200, "OK");
    assert!(reply.content_type.contains("xml"), "{}", reply.content_type);
    assert!(reply.body.starts_with("<?xml"));
    assert!(reply.body.contains("<SendSmsResponse>"));
    let request_id = xml_field(&reply.body, "RequestId").unwrap();
    assert_eq!(
        reply.request_id_header.as_deref(),
        Some(request_id.as_str())
    );
    let inbox = emulator.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].phone_number, "+8615300000001");
    assert_eq!(inbox[0].sign_name, "阿里云短信测试专用");
    assert_eq!(inbox[0].template_code, "SMS_71390007");
    assert_eq!(inbox[0].content, "【阿里云短信测试专用】内容[test]");
    assert_eq!(inbox[0].params["customer"], "test");
    assert_eq!(inbox[0].out_id.as_deref(), Some("123"));
    assert_eq!(inbox[0].request_id, request_id);
}

#[tokio::test]
async fn special_characters_survive_the_round_trip() {
    let v = vector("rpc-v1.json", "special-ascii-chars");
    let (reply, emulator) = send_v1_signed(&v, s(&v["signed_query_string"]), Wire::FormBody).await;
    reply.assert_code(200, "OK");
    assert_eq!(
        emulator.inbox()[0].out_id.as_deref(),
        Some("a b*c~d+e/f=g&h%i!j'k(l)m:n")
    );
}

/// Replace the value of `name` in an encoded query string.
fn with_value(query: &str, name: &str, encoded_value: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((n, _)) if n == name => format!("{n}={encoded_value}"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Change one character of a Base64 signature.
fn flip_base64(signature: &str) -> String {
    let mut chars: Vec<char> = signature.chars().collect();
    chars[0] = if chars[0] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

#[tokio::test]
async fn a_flipped_v1_signature_is_refused_with_the_vector_string_to_sign() {
    for id in DYSMS_V1 {
        let v = vector("rpc-v1.json", id);
        let bad = with_value(
            s(&v["signed_query_string"]),
            "Signature",
            &enc(&flip_base64(s(&v["signature"]))),
        );
        for wire in v1_wires(&v) {
            let (reply, emulator) = send_v1_signed(&v, &bad, wire).await;
            reply.assert_code(400, "SignatureDoesNotMatch");
            assert_eq!(
                reply.message,
                format!(
                    "Specified signature is not matched with our calculation. server string to sign is:{}",
                    s(&v["string_to_sign"])
                ),
                "{id} {wire:?}"
            );
            assert!(emulator.inbox().is_empty());
        }
    }
}

#[tokio::test]
async fn a_flipped_v1_parameter_is_refused_with_the_server_string_to_sign() {
    for id in [
        "doc-sms-sendsms-get",
        "ascii-plain-post",
        "sdk-e2e-dysmsapi-sendsms-v1",
    ] {
        let v = vector("rpc-v1.json", id);
        let params = string_map(&v["params"]);
        let phone = &params["PhoneNumbers"];
        let flipped = format!("{}9", &phone[..phone.len() - 1]);
        let bad = with_value(s(&v["signed_query_string"]), "PhoneNumbers", &flipped);
        for wire in v1_wires(&v) {
            let (reply, emulator) = send_v1_signed(&v, &bad, wire).await;
            reply.assert_code(400, "SignatureDoesNotMatch");
            let expected = s(&v["string_to_sign"]).replace(
                &format!("PhoneNumbers%3D{phone}"),
                &format!("PhoneNumbers%3D{flipped}"),
            );
            assert_ne!(expected, s(&v["string_to_sign"]));
            assert!(
                reply.message.ends_with(&expected),
                "{id}: {}",
                reply.message
            );
            assert!(emulator.inbox().is_empty());
        }
    }
}

#[tokio::test]
async fn the_lower_case_secret_trap_is_refused_by_the_documented_secret() {
    let trap = vector("rpc-v1.json", "doc-sms-sendsms-lowercase-key-trap");
    let doc = vector("rpc-v1.json", "doc-sms-sendsms-get");
    // Configure the true secret (testSecret); the trap was signed with testsecret.
    let (reply, emulator) =
        send_v1_signed(&doc, s(&trap["signed_query_string"]), Wire::Query).await;
    reply.assert_code(400, "SignatureDoesNotMatch");
    assert!(reply.message.ends_with(s(&trap["string_to_sign"])));
    assert!(emulator.inbox().is_empty());
}

#[tokio::test]
async fn other_products_vectors_pass_the_signature_and_fail_on_the_version() {
    for id in [
        "doc-ecs-describeregions-get",
        "doc-ecs-describeregions-post",
    ] {
        let v = vector("rpc-v1.json", id);
        let (reply, _) = send_v1_signed(&v, s(&v["signed_query_string"]), Wire::Query).await;
        reply.assert_code(400, "InvalidVersion");
    }
}

#[tokio::test]
async fn sdk_batch_vector_with_query_and_form_body_is_accepted() {
    let v = vector("rpc-v1.json", "sdk-e2e-dysmsapi-sendbatchsms-v1-form-body");
    let params = string_map(&v["params"]);
    let credentials = Credentials::new(params["AccessKeyId"].clone(), s(&v["secret"]));
    let (config, _) = config_for(credentials, &params["Timestamp"], &params);
    let emulator = start(config).await.unwrap();
    let mut query: Vec<(String, String)> = string_map(&v["query_params"]).into_iter().collect();
    query.push(("Signature".into(), s(&v["signature"]).into()));
    let url = format!("{}/?{}", emulator.endpoint(), common::query_string(&query));
    let mut request = http().post(url).body(s(&v["sdk_request_body"]).to_string());
    for (name, value) in string_map(&v["sdk_request_headers"]) {
        request = request.header(name, value);
    }
    let reply = send(request).await;
    reply.assert_code(200, "OK");
    let inbox = emulator.inbox();
    assert_eq!(inbox.len(), 2);
    assert_eq!(inbox[0].phone_number, "+8613800138000");
    assert_eq!(inbox[0].sign_name, "阿里云");
    assert_eq!(inbox[1].sign_name, "阿里巴巴");
    // The form body's `+` is a space.
    assert_eq!(inbox[1].params["code"], "5678 *~");
}

// ---------------------------------------------------------------- V3

async fn send_v3_vector(
    v: &Value,
    query: &BTreeMap<String, String>,
    authorization: &str,
) -> (Reply, aliyun_sms_emulator::Emulator) {
    let headers = string_map(&v["headers"]);
    let mut params = query.clone();
    if let Some(body) = v["body"].as_str().filter(|b| !b.is_empty()) {
        for pair in body.split('&') {
            let (k, val) = pair.split_once('=').unwrap();
            let decoded = aliyun_sign::encode::percent_decode(&val.replace('+', "%20")).unwrap();
            params.insert(k.to_string(), decoded);
        }
    }
    let mut credentials = Credentials::new(s(&v["access_key_id"]), s(&v["secret"]));
    if let Some(token) = headers.get("x-acs-security-token") {
        credentials = credentials.with_security_token(token.clone());
    }
    let (config, _) = config_for(credentials, &headers["x-acs-date"], &params);
    let emulator = start(config).await.unwrap();
    let pairs: Vec<(&String, &String)> = query.iter().collect();
    let mut url = format!("{}/", emulator.endpoint());
    if !pairs.is_empty() {
        url = format!("{url}?{}", common::query_string(&pairs));
    }
    let method = reqwest::Method::from_bytes(s(&v["method"]).as_bytes()).unwrap();
    let mut request = http()
        .request(method, url)
        .body(s(&v["body"]).to_string())
        .header("authorization", authorization);
    for (name, value) in &headers {
        request = request.header(name.as_str(), value.as_str());
    }
    (send(request).await, emulator)
}

const DYSMS_V3: &[&str] = &[
    "sendsms-query-post",
    "sendsms-query-get",
    "sendsms-form-body",
    "sts-token-header",
    "sdk-e2e-dysmsapi-sendsms-v3",
    "sdk-e2e-dysmsapi-sendbatchsms-v3-form-body",
];

#[tokio::test]
async fn every_dysmsapi_v3_vector_is_accepted_as_sent() {
    for id in DYSMS_V3 {
        let v = vector("acs3-v3.json", id);
        let (reply, emulator) =
            send_v3_vector(&v, &string_map(&v["query"]), s(&v["authorization"])).await;
        assert_eq!(
            (reply.status, reply.code.as_str()),
            (200, "OK"),
            "{id}: {}",
            reply.body
        );
        assert!(reply.content_type.contains("json"));
        assert!(!emulator.inbox().is_empty(), "{id}");
        assert!(reply.field("BizId").is_some());
    }
}

#[tokio::test]
async fn sdk_v3_vector_delivers_with_out_id() {
    let v = vector("acs3-v3.json", "sdk-e2e-dysmsapi-sendsms-v3");
    let (reply, emulator) =
        send_v3_vector(&v, &string_map(&v["query"]), s(&v["authorization"])).await;
    reply.assert_code(200, "OK");
    let inbox = emulator.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].out_id.as_deref(), Some("order-42"));
    assert_eq!(inbox[0].content, "【阿里云短信测试】内容[1234]");
    assert_eq!(inbox[0].sent_at, at("2024-01-05T06:07:08Z"));
}

fn flip_hex(signature: &str) -> String {
    let mut chars: Vec<char> = signature.chars().collect();
    chars[0] = if chars[0] == '0' { '1' } else { '0' };
    chars.into_iter().collect()
}

#[tokio::test]
async fn a_flipped_v3_signature_is_refused_with_the_vector_string_to_sign() {
    for id in DYSMS_V3 {
        let v = vector("acs3-v3.json", id);
        let authorization =
            s(&v["authorization"]).replace(s(&v["signature"]), &flip_hex(s(&v["signature"])));
        let (reply, emulator) = send_v3_vector(&v, &string_map(&v["query"]), &authorization).await;
        reply.assert_code(400, "SignatureDoesNotMatch");
        assert!(
            reply.message.starts_with(&format!(
                "Specified signature is not matched with our calculation. server string to sign is:{}",
                s(&v["string_to_sign"])
            )),
            "{id}: {}",
            reply.message
        );
        assert!(reply.message.contains(s(&v["canonical_request"])), "{id}");
        assert!(emulator.inbox().is_empty());
    }
}

#[tokio::test]
async fn a_flipped_v3_query_parameter_is_refused() {
    let v = vector("acs3-v3.json", "sendsms-query-post");
    let mut query = string_map(&v["query"]);
    query.insert("PhoneNumbers".into(), "13800138009".into());
    let (reply, emulator) = send_v3_vector(&v, &query, s(&v["authorization"])).await;
    reply.assert_code(400, "SignatureDoesNotMatch");
    assert!(!reply.message.contains(s(&v["string_to_sign"])));
    let expected = s(&v["canonical_request"]).replace("13800138000", "13800138009");
    assert!(reply.message.contains(&expected), "{}", reply.message);
    assert!(emulator.inbox().is_empty());
}

#[tokio::test]
async fn a_v3_body_that_does_not_match_its_hash_is_refused() {
    let v = vector("acs3-v3.json", "sendsms-form-body");
    let mut tampered = v.clone();
    tampered["body"] = Value::String(s(&v["body"]).replace("13800138000", "13800138009"));
    let (reply, emulator) =
        send_v3_vector(&tampered, &BTreeMap::new(), s(&v["authorization"])).await;
    reply.assert_code(400, "SignatureDoesNotMatch");
    assert!(
        reply.message.contains("is not the SHA-256 of the body"),
        "{}",
        reply.message
    );
    assert!(emulator.inbox().is_empty());
}

#[tokio::test]
async fn sts_vector_needs_its_token() {
    let v = vector("acs3-v3.json", "sts-token-header");
    // Same key, account configured with another token: the signature is right, the token not.
    let headers = string_map(&v["headers"]);
    let params = string_map(&v["query"]);
    let credentials = Credentials::new(s(&v["access_key_id"]), s(&v["secret"]))
        .with_security_token("another-token");
    let (config, _) = config_for(credentials, &headers["x-acs-date"], &params);
    let emulator = start(config).await.unwrap();
    let query: Vec<(String, String)> = string_map(&v["query"]).into_iter().collect();
    let mut request = http()
        .post(format!(
            "{}/?{}",
            emulator.endpoint(),
            common::query_string(&query)
        ))
        .header("authorization", s(&v["authorization"]));
    for (name, value) in &headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let reply = send(request).await;
    reply.assert_code(403, "InvalidSecurityToken.MismatchWithAccessKey");
    assert!(emulator.inbox().is_empty());
}

#[tokio::test]
async fn ecs_v3_vector_passes_the_signature_and_fails_on_the_version() {
    let v = vector("acs3-v3.json", "doc-ecs-runinstances");
    let (reply, _) = send_v3_vector(&v, &string_map(&v["query"]), s(&v["authorization"])).await;
    reply.assert_code(400, "InvalidVersion");
}
