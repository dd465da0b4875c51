//! The gateway's checks before any action runs: common parameters, key, timestamp window,
//! signature, STS token, nonce, version, action; and malformed requests.

mod common;

use std::time::Duration;

use aliyun_sign::{Credentials, rpc};
use aliyun_sms_emulator::chrono::TimeDelta;
use aliyun_sms_emulator::{EmulatorConfig, Limits, ManualClock, start};
use common::*;

fn sms<'a>() -> Vec<(&'a str, &'a str)> {
    sms_params("13800138000", CODE_TEMPLATE, r#"{"code":"1234"}"#)
}

/// A V1 form body signed at the emulator's time, with the parameter `drop` removed after
/// signing (`None`: nothing removed).
fn signed_without(params: &[(&str, &str)], timestamp: &str, drop: Option<&str>) -> String {
    let signed = rpc::sign(
        "POST",
        params,
        &Credentials::new(ID, SECRET),
        timestamp,
        &nonce(),
    );
    let mut pairs: Vec<(String, String)> = signed.params.clone();
    pairs.push(("Signature".into(), signed.signature.clone()));
    pairs.retain(|(name, _)| Some(name.as_str()) != drop);
    query_string(&pairs)
}

#[tokio::test]
async fn missing_common_parameters_are_named() {
    let (emulator, _) = test_emulator().await;
    for name in [
        "SignatureNonce",
        "Timestamp",
        "AccessKeyId",
        "Signature",
        "SignatureMethod",
        "SignatureVersion",
        "Action",
        "Version",
    ] {
        let body = signed_without(&sms(), START, Some(name));
        let reply = post_form(&emulator, body).await;
        reply.assert_code(400, &format!("Missing{name}"));
        assert_eq!(
            reply.message,
            format!("{name} is mandatory for this action.")
        );
    }
    // An empty value is missing too.
    let body = signed_without(&sms(), START, Some("Timestamp")) + "&Timestamp=";
    post_form(&emulator, body)
        .await
        .assert_code(400, "MissingTimestamp");
    assert!(emulator.inbox().is_empty());
}

#[tokio::test]
async fn missing_parameters_are_checked_in_aliyuns_order() {
    let (emulator, _) = test_emulator().await;
    let signed = rpc::sign("POST", &sms(), &Credentials::new(ID, SECRET), START, "n");
    let pairs: Vec<(String, String)> = signed
        .params
        .into_iter()
        .filter(|(n, _)| n != "SignatureNonce" && n != "AccessKeyId")
        .collect();
    post_form(&emulator, query_string(&pairs))
        .await
        .assert_code(400, "MissingSignatureNonce");
}

#[tokio::test]
async fn unknown_access_key() {
    let (emulator, _) = test_emulator().await;
    let body = v1_body(
        "POST",
        &sms(),
        &Credentials::new("LTAInobody", SECRET),
        START,
        &nonce(),
    );
    let reply = post_form(&emulator, body).await;
    reply.assert_code(404, "InvalidAccessKeyId.NotFound");
    assert_eq!(reply.message, "Specified access key is not found.");
    assert!(reply.field("Recommend").is_some());
    assert!(reply.field("HostId").is_some());
}

#[tokio::test]
async fn timestamp_format() {
    let (emulator, _) = test_emulator().await;
    for bad in [
        "2024-01-05 06:07:08",
        "2024-01-05T06:07:08",
        "1704434828",
        "yesterday",
    ] {
        let body = v1_body("POST", &sms(), &Credentials::new(ID, SECRET), bad, &nonce());
        post_form(&emulator, body)
            .await
            .assert_code(400, "InvalidTimeStamp.Format");
    }
}

#[tokio::test]
async fn timestamp_window_is_15_minutes_both_ways() {
    let (config, clock) = test_config();
    let emulator = start(config.limits(Limits::off())).await.unwrap();
    let signed_at = at(START);
    let cases = [
        (TimeDelta::minutes(15), "OK"),
        (
            TimeDelta::minutes(15) + TimeDelta::seconds(1),
            "InvalidTimeStamp.Expired",
        ),
        (-TimeDelta::minutes(15), "OK"),
        (
            -TimeDelta::minutes(15) - TimeDelta::seconds(1),
            "InvalidTimeStamp.Expired",
        ),
        (TimeDelta::hours(-30), "InvalidTimeStamp.Expired"),
    ];
    for (clock_offset, expected) in cases {
        clock.set(signed_at + clock_offset);
        let body = v1_body(
            "POST",
            &sms(),
            &Credentials::new(ID, SECRET),
            START,
            &nonce(),
        );
        let reply = post_form(&emulator, body).await;
        let status = if expected == "OK" { 200 } else { 400 };
        reply.assert_code(status, expected);
        if expected != "OK" {
            assert_eq!(
                reply.message,
                "Specified time stamp or date value is expired."
            );
        }
    }
    assert_eq!(emulator.inbox().len(), 2);
}

/// An offset clock is the system clock moved: a request stamped with the system time is out
/// of its window once the offset passes 15 minutes, and in it again when stamped with its time.
#[tokio::test]
async fn an_offset_clock_moves_the_timestamp_window() {
    let (config, _) = test_config();
    let emulator = start(
        config
            .limits(Limits::off())
            .clock(aliyun_sms_emulator::Clock::Offset(TimeDelta::minutes(20))),
    )
    .await
    .unwrap();
    let signed = |at: aliyun_sms_emulator::chrono::DateTime<aliyun_sms_emulator::chrono::Utc>| {
        v1_body(
            "POST",
            &sms(),
            &Credentials::new(ID, SECRET),
            &stamp(at),
            &nonce(),
        )
    };
    let now = aliyun_sms_emulator::chrono::Utc::now();
    post_form(&emulator, signed(now))
        .await
        .assert_code(400, "InvalidTimeStamp.Expired");
    post_form(&emulator, signed(now + TimeDelta::minutes(20)))
        .await
        .assert_code(200, "OK");
}

#[tokio::test]
async fn wrong_secret_shows_the_server_string_to_sign() {
    let (emulator, _) = test_emulator().await;
    let n = nonce();
    let body = v1_body("POST", &sms(), &Credentials::new(ID, "wrong"), START, &n);
    let reply = post_form(&emulator, body).await;
    reply.assert_code(400, "SignatureDoesNotMatch");
    let expected = rpc::sign("POST", &sms(), &Credentials::new(ID, SECRET), START, &n);
    assert_eq!(
        reply.message,
        format!(
            "Specified signature is not matched with our calculation. server string to sign is:{}",
            expected.string_to_sign
        )
    );
    // A refused signature does not use the nonce up.
    let body = v1_body("POST", &sms(), &Credentials::new(ID, SECRET), START, &n);
    post_form(&emulator, body).await.assert_code(200, "OK");
}

#[tokio::test]
async fn signature_signed_for_another_method_is_refused() {
    let (emulator, _) = test_emulator().await;
    // Signed for GET, sent with POST.
    let body = v1_body(
        "GET",
        &sms(),
        &Credentials::new(ID, SECRET),
        START,
        &nonce(),
    );
    let reply = post_form(&emulator, body).await;
    reply.assert_code(400, "SignatureDoesNotMatch");
    assert!(reply.message.contains("string to sign is:POST&%2F&"));
}

#[tokio::test]
async fn signature_method_and_version() {
    let (emulator, _) = test_emulator().await;
    let body =
        signed_without(&sms(), START, Some("SignatureMethod")) + "&SignatureMethod=HMAC-SHA256";
    post_form(&emulator, body)
        .await
        .assert_code(400, "InvalidSignatureMethod");
    let body = signed_without(&sms(), START, Some("SignatureVersion")) + "&SignatureVersion=2.0";
    post_form(&emulator, body)
        .await
        .assert_code(400, "InvalidSignatureVersion");
}

#[tokio::test]
async fn v1_sts_token_must_match() {
    let clock = ManualClock::new(at(START));
    let config = EmulatorConfig::new()
        .account(Credentials::new("STS.abc", SECRET).with_security_token("token-1"))
        .account(Credentials::new(ID, SECRET))
        .sign_name(SIGN)
        .template(aliyun_sms_emulator::Template::verification_code(
            CODE_TEMPLATE,
            "${code}",
        ))
        .limits(Limits::off())
        .clock(clock);
    let emulator = start(config).await.unwrap();
    let cases = [
        (
            Credentials::new("STS.abc", SECRET).with_security_token("token-1"),
            200,
            "OK",
        ),
        (
            Credentials::new("STS.abc", SECRET).with_security_token("token-2"),
            403,
            "InvalidSecurityToken.MismatchWithAccessKey",
        ),
        (
            Credentials::new("STS.abc", SECRET),
            403,
            "InvalidSecurityToken.MismatchWithAccessKey",
        ),
        (
            Credentials::new(ID, SECRET).with_security_token("token-1"),
            403,
            "InvalidSecurityToken.MismatchWithAccessKey",
        ),
    ];
    for (credentials, status, code) in cases {
        let body = v1_body("POST", &sms(), &credentials, START, &nonce());
        post_form(&emulator, body).await.assert_code(status, code);
    }
    assert_eq!(emulator.inbox().len(), 1);
}

#[tokio::test]
async fn nonce_reuse_is_refused() {
    let (emulator, clock) = test_emulator_without_limits().await;
    let body = v1_body(
        "POST",
        &sms(),
        &Credentials::new(ID, SECRET),
        START,
        "nonce-1",
    );
    post_form(&emulator, body.clone())
        .await
        .assert_code(200, "OK");
    let reply = post_form(&emulator, body.clone()).await;
    reply.assert_code(400, "SignatureNonceUsed");
    assert_eq!(reply.message, "Specified signature nonce was used already.");
    // Still refused at the edge of the timestamp window.
    clock.advance(Duration::from_secs(15 * 60));
    post_form(&emulator, body)
        .await
        .assert_code(400, "SignatureNonceUsed");
    // A nonce is used up by a request refused for business reasons, too.
    let bad_sign = [("SignName", "Nope")];
    let params: Vec<(&str, &str)> = sms()
        .into_iter()
        .filter(|(n, _)| *n != "SignName")
        .chain(bad_sign)
        .collect();
    let now = stamp(clock.now());
    let body = v1_body(
        "POST",
        &params,
        &Credentials::new(ID, SECRET),
        &now,
        "nonce-2",
    );
    post_form(&emulator, body.clone())
        .await
        .assert_code(200, "isv.SMS_SIGNATURE_ILLEGAL");
    post_form(&emulator, body)
        .await
        .assert_code(400, "SignatureNonceUsed");
    assert_eq!(emulator.inbox().len(), 1);
}

#[tokio::test]
async fn version_and_action() {
    let (emulator, _) = test_emulator().await;
    let mut params = sms();
    params[1] = ("Version", "2014-05-26");
    post_v1(&emulator, &params)
        .await
        .assert_code(400, "InvalidVersion");
    let mut params = sms();
    params[0] = ("Action", "DescribeRegions");
    let reply = post_v1(&emulator, &params).await;
    reply.assert_code(404, "InvalidAction.NotFound");
    assert_eq!(
        reply.message,
        "Specified api is not found, please check your url and method."
    );
}

#[tokio::test]
async fn missing_business_parameters() {
    let (emulator, _) = test_emulator().await;
    for name in ["PhoneNumbers", "SignName", "TemplateCode"] {
        let params: Vec<(&str, &str)> = sms().into_iter().filter(|(n, _)| *n != name).collect();
        let reply = post_v1(&emulator, &params).await;
        reply.assert_code(400, &format!("Missing{name}"));
    }
    assert!(emulator.inbox().is_empty());
}

#[tokio::test]
async fn get_with_query_and_post_with_query_are_served() {
    let (emulator, _) = test_emulator_without_limits().await;
    for method in ["GET", "POST"] {
        let signed = rpc::sign(
            method,
            &sms(),
            &Credentials::new(ID, SECRET),
            START,
            &nonce(),
        );
        let url = format!("{}/?{}", emulator.endpoint(), signed.to_form_body());
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        send(http().request(m, url)).await.assert_code(200, "OK");
    }
    // Half in the query, half in the body: signed together.
    let signed = rpc::sign(
        "POST",
        &sms(),
        &Credentials::new(ID, SECRET),
        START,
        &nonce(),
    );
    let mut pairs = signed.params.clone();
    pairs.push(("Signature".into(), signed.signature.clone()));
    let (query, body) = pairs.split_at(pairs.len() / 2);
    let reply = send(
        http()
            .post(format!("{}/?{}", emulator.endpoint(), query_string(query)))
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=UTF-8",
            )
            .body(query_string(body)),
    )
    .await;
    reply.assert_code(200, "OK");
    assert_eq!(emulator.inbox().len(), 3);
}

#[tokio::test]
async fn form_body_plus_is_a_space() {
    let (emulator, _) = test_emulator().await;
    let params = sms_params(
        "13800138000",
        NOTICE_TEMPLATE,
        r#"{"name":"Zhang San","order":"A 1"}"#,
    );
    let body = v1_body(
        "POST",
        &params,
        &Credentials::new(ID, SECRET),
        START,
        &nonce(),
    )
    .replace("%20", "+");
    assert!(body.contains('+'));
    post_form(&emulator, body).await.assert_code(200, "OK");
    assert_eq!(emulator.inbox()[0].params["name"], "Zhang San");
}

#[tokio::test]
async fn answers_are_xml_without_format_for_v1() {
    let (emulator, _) = test_emulator().await;
    let params: Vec<(&str, &str)> = sms().into_iter().filter(|(n, _)| *n != "Format").collect();
    let reply = post_v1(&emulator, &params).await;
    assert!(
        reply
            .body
            .starts_with("<?xml version='1.0' encoding='UTF-8'?><SendSmsResponse>")
    );
    reply.assert_code(200, "OK");
    assert!(reply.field("BizId").is_some());
    // A gateway error in XML is an <Error>.
    let body = v1_body(
        "POST",
        &params,
        &Credentials::new("nobody", SECRET),
        START,
        &nonce(),
    );
    let reply = post_form(&emulator, body).await;
    assert!(reply.body.contains("<Error>"), "{}", reply.body);
    reply.assert_code(404, "InvalidAccessKeyId.NotFound");
}

fn assert_uuid_v4(id: &str) {
    let parsed = uuid::Uuid::parse_str(id).unwrap_or_else(|_| panic!("{id} is a UUID"));
    assert_eq!(parsed.get_version_num(), 4, "{id}");
    assert_eq!(id.len(), 36);
}

#[tokio::test]
async fn malformed_requests_get_aliyun_style_errors() {
    let (emulator, _) = test_emulator().await;
    let base = emulator.endpoint();
    let client = http();
    let cases = [
        (
            client
                .post(&base)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("a=%E9%98&b=%zz"),
            400,
            "InvalidParameter",
        ),
        (
            client
                .post(&base)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(vec![0xff, 0xfe, 0x00]),
            400,
            "InvalidParameter",
        ),
        (
            client
                .post(&base)
                .header("content-type", "application/json")
                .body("{\"Action\":\"SendSms\"}"),
            400,
            "MissingSignatureNonce",
        ),
        (
            client.get(format!("{base}/?&&&=&==")),
            400,
            "MissingSignatureNonce",
        ),
        (client.put(&base).body("x"), 400, "UnsupportedHTTPMethod"),
        (
            client.get(format!("{base}/some/path")),
            404,
            "InvalidAction.NotFound",
        ),
        (
            client
                .post(&base)
                .header("authorization", "ACS3-HMAC-SHA256 nonsense"),
            400,
            "IncompleteSignature",
        ),
        (
            client
                .post(&base)
                .header("authorization", "ACS3-HMAC-SM3 Credential=a"),
            400,
            "InvalidSignatureMethod",
        ),
        (
            client
                .post(&base)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(vec![b'a'; 5 * 1024 * 1024]),
            413,
            "RequestBodyTooLarge",
        ),
    ];
    for (request, status, code) in cases {
        let reply = send(request).await;
        reply.assert_code(status, code);
        assert_uuid_v4(&reply.field("RequestId").expect("RequestId"));
        assert!(!reply.message.is_empty());
    }
    assert!(emulator.inbox().is_empty());
}

#[tokio::test]
async fn every_answer_has_a_fresh_uuid_v4_request_id() {
    let (emulator, _) = test_emulator_without_limits().await;
    let ok = post_v1(&emulator, &sms()).await;
    ok.assert_code(200, "OK");
    let err = post_v1(&emulator, &sms_params("1", CODE_TEMPLATE, "{}")).await;
    let a = ok.field("RequestId").unwrap();
    let b = err.field("RequestId").unwrap();
    assert_uuid_v4(&a);
    assert_uuid_v4(&b);
    assert_ne!(a, b);
    assert_eq!(ok.request_id_header.as_deref(), Some(a.as_str()));
    assert_eq!(
        ok.json.as_ref().unwrap().as_object().unwrap().len(),
        4,
        "RequestId, Code, Message, BizId: {}",
        ok.body
    );
}

// ---------------------------------------------------------------- V3, signed with aliyun-sign

fn v3_query<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("PhoneNumbers", "13800138000"),
        ("SignName", SIGN),
        ("TemplateCode", CODE_TEMPLATE),
        ("TemplateParam", r#"{"code":"1234"}"#),
    ]
}

#[tokio::test]
async fn v3_query_and_form_body() {
    let (emulator, _) = test_emulator_without_limits().await;
    let credentials = Credentials::new(ID, SECRET);
    let headers = v3_headers(
        "POST",
        &v3_query(),
        b"",
        "SendSms",
        &credentials,
        START,
        &nonce(),
    );
    send_v3(&emulator, "POST", &v3_query(), "", &headers)
        .await
        .assert_code(200, "OK");
    let body = query_string(&v3_query());
    let headers = v3_headers(
        "POST",
        &[],
        body.as_bytes(),
        "SendSms",
        &credentials,
        START,
        &nonce(),
    );
    send_v3(&emulator, "POST", &[], &body, &headers)
        .await
        .assert_code(200, "OK");
    assert_eq!(emulator.inbox().len(), 2);
}

#[tokio::test]
async fn v3_checks() {
    let (emulator, clock) = test_emulator_without_limits().await;
    let credentials = Credentials::new(ID, SECRET);
    let fresh = || {
        v3_headers(
            "POST",
            &v3_query(),
            b"",
            "SendSms",
            &credentials,
            START,
            &nonce(),
        )
    };
    let without = |name: &str| -> Vec<(String, String)> {
        fresh().into_iter().filter(|(n, _)| n != name).collect()
    };
    let cases = [
        (
            without("x-acs-signature-nonce"),
            400,
            "MissingSignatureNonce",
        ),
        (without("x-acs-date"), 400, "MissingTimestamp"),
        (without("x-acs-action"), 400, "MissingAction"),
        (without("x-acs-version"), 400, "MissingVersion"),
        (
            without("x-acs-content-sha256"),
            400,
            "MissingXAcsContentSha256",
        ),
        (
            fresh()
                .into_iter()
                .chain([("x-acs-extra".to_string(), "unsigned".to_string())])
                .collect(),
            400,
            "IncompleteSignature",
        ),
        (
            v3_headers(
                "POST",
                &v3_query(),
                b"",
                "SendSms",
                &Credentials::new("nobody", SECRET),
                START,
                &nonce(),
            ),
            404,
            "InvalidAccessKeyId.NotFound",
        ),
        (
            v3_headers(
                "POST",
                &v3_query(),
                b"",
                "SendSms",
                &credentials,
                "2024-01-05T05:52:07Z",
                &nonce(),
            ),
            400,
            "InvalidTimeStamp.Expired",
        ),
        (
            v3_headers(
                "POST",
                &v3_query(),
                b"",
                "SendSms",
                &Credentials::new(ID, "wrong"),
                START,
                &nonce(),
            ),
            400,
            "SignatureDoesNotMatch",
        ),
        (
            v3_headers(
                "POST",
                &v3_query(),
                b"",
                "Nope",
                &credentials,
                START,
                &nonce(),
            ),
            404,
            "InvalidAction.NotFound",
        ),
    ];
    for (headers, status, code) in cases {
        send_v3(&emulator, "POST", &v3_query(), "", &headers)
            .await
            .assert_code(status, code);
    }
    // Nonce reuse.
    let headers = fresh();
    send_v3(&emulator, "POST", &v3_query(), "", &headers)
        .await
        .assert_code(200, "OK");
    send_v3(&emulator, "POST", &v3_query(), "", &headers)
        .await
        .assert_code(400, "SignatureNonceUsed");
    // V3 answers JSON; Format=XML asks for XML.
    clock.advance(Duration::from_secs(1));
    let mut query = v3_query();
    query.push(("Format", "XML"));
    let headers = v3_headers(
        "POST",
        &query,
        b"",
        "SendSms",
        &credentials,
        START,
        &nonce(),
    );
    let reply = send_v3(&emulator, "POST", &query, "", &headers).await;
    reply.assert_code(200, "OK");
    assert!(reply.body.starts_with("<?xml"));
}

#[tokio::test]
async fn v3_sts_token() {
    let clock = ManualClock::new(at(START));
    let config = EmulatorConfig::new()
        .account(Credentials::new("STS.x", SECRET).with_security_token("tok"))
        .sign_name(SIGN)
        .template(aliyun_sms_emulator::Template::verification_code(
            CODE_TEMPLATE,
            "${code}",
        ))
        .limits(Limits::off())
        .clock(clock);
    let emulator = start(config).await.unwrap();
    for (credentials, status, code) in [
        (
            Credentials::new("STS.x", SECRET).with_security_token("tok"),
            200,
            "OK",
        ),
        (
            Credentials::new("STS.x", SECRET).with_security_token("other"),
            403,
            "InvalidSecurityToken.MismatchWithAccessKey",
        ),
        (
            Credentials::new("STS.x", SECRET),
            403,
            "InvalidSecurityToken.MismatchWithAccessKey",
        ),
    ] {
        let headers = v3_headers(
            "POST",
            &v3_query(),
            b"",
            "SendSms",
            &credentials,
            START,
            &nonce(),
        );
        send_v3(&emulator, "POST", &v3_query(), "", &headers)
            .await
            .assert_code(status, code);
    }
}
