//! SendSms and SendBatchSms past the gateway: business errors (HTTP 200), per-number limits,
//! the inbox over Rust and HTTP.

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;

#[tokio::test]
async fn success_answers_aliyuns_shape_and_delivers_one_message_per_number() {
    let (emulator, clock) = test_emulator().await;
    let params = sms_params(
        "13800138000,+85212345678",
        NOTICE_TEMPLATE,
        r#"{"name":"张三","order":"A-1","unused":"x"}"#,
    );
    let mut params = params;
    params.push(("OutId", "order-7"));
    let reply = post_v1(&emulator, &params).await;
    reply.assert_code(200, "OK");
    let json = reply.json.clone().unwrap();
    assert_eq!(json["Message"], "OK");
    let biz_id = json["BizId"].as_str().unwrap();
    assert!(biz_id.ends_with("^0") && biz_id.len() == 20, "{biz_id}");
    let request_id = json["RequestId"].as_str().unwrap();
    assert!(reply.content_type.starts_with("application/json"));

    let inbox = emulator.inbox();
    assert_eq!(inbox.len(), 2);
    let numbers: Vec<&str> = inbox.iter().map(|m| m.phone_number.as_str()).collect();
    assert_eq!(numbers, ["+8613800138000", "+85212345678"]);
    for message in &inbox {
        assert_eq!(message.sign_name, SIGN);
        assert_eq!(message.template_code, NOTICE_TEMPLATE);
        assert_eq!(message.content, "【TestSign】张三您好，您的订单A-1已发货。");
        assert_eq!(message.params["order"], "A-1");
        assert_eq!(message.biz_id, biz_id);
        assert_eq!(message.out_id.as_deref(), Some("order-7"));
        assert_eq!(message.sent_at, clock.now());
        assert_eq!(message.request_id, request_id);
    }

    // The next send gets another BizId.
    let again = post_v1(
        &emulator,
        &sms_params(
            "13900139000",
            NOTICE_TEMPLATE,
            r#"{"name":"a","order":"b"}"#,
        ),
    )
    .await;
    again.assert_code(200, "OK");
    assert_ne!(again.field("BizId").unwrap(), biz_id);
}

#[tokio::test]
async fn business_errors_answer_http_200_and_deliver_nothing() {
    let (emulator, _) = test_emulator().await;
    let code = r#"{"code":"1234"}"#;
    let many: String = (0..1001)
        .map(|i| format!("1380013{i:04}"))
        .collect::<Vec<_>>()
        .join(",");
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![
                ("Action", "SendSms"),
                ("Version", "2017-05-25"),
                ("Format", "JSON"),
                ("PhoneNumbers", "13800138000"),
                ("SignName", "NotApproved"),
                ("TemplateCode", CODE_TEMPLATE),
                ("TemplateParam", code),
            ],
            "isv.SMS_SIGNATURE_ILLEGAL",
        ),
        (
            sms_params("13800138000", "SMS_UNKNOWN", code),
            "isv.SMS_TEMPLATE_ILLEGAL",
        ),
        (
            sms_params("13800138000", CODE_TEMPLATE, "code=1234"),
            "isv.INVALID_JSON_PARAM",
        ),
        (
            sms_params("13800138000", CODE_TEMPLATE, r#"["1234"]"#),
            "isv.INVALID_JSON_PARAM",
        ),
        (
            sms_params("13800138000", CODE_TEMPLATE, r#"{"code":1234}"#),
            "isv.INVALID_JSON_PARAM",
        ),
        (
            sms_params("13800138000", CODE_TEMPLATE, r#"{"other":"1234"}"#),
            "isv.TEMPLATE_MISSING_PARAMETERS",
        ),
        (
            sms_params("13800138000", NOTICE_TEMPLATE, r#"{"name":"x"}"#),
            "isv.TEMPLATE_MISSING_PARAMETERS",
        ),
        (
            sms_params("13800138000", CODE_TEMPLATE, r#"{"code":"12"}"#),
            "isv.TEMPLATE_PARAMS_ILLEGAL",
        ),
        (
            sms_params("13800138000", CODE_TEMPLATE, r#"{"code":"1234567"}"#),
            "isv.TEMPLATE_PARAMS_ILLEGAL",
        ),
        (
            sms_params("13800138000", CODE_TEMPLATE, r#"{"code":"12 4"}"#),
            "isv.TEMPLATE_PARAMS_ILLEGAL",
        ),
        (
            sms_params("861380013800", CODE_TEMPLATE, code),
            "isv.MOBILE_NUMBER_ILLEGAL",
        ),
        (
            sms_params("13800138000,abc", CODE_TEMPLATE, code),
            "isv.MOBILE_NUMBER_ILLEGAL",
        ),
        (
            sms_params("1234", CODE_TEMPLATE, code),
            "isv.MOBILE_NUMBER_ILLEGAL",
        ),
        (
            sms_params("+1234567890123456", CODE_TEMPLATE, code),
            "isv.MOBILE_NUMBER_ILLEGAL",
        ),
        (
            sms_params(&many, CODE_TEMPLATE, code),
            "isv.MOBILE_COUNT_OVER_LIMIT",
        ),
    ];
    for (params, expected) in cases {
        let reply = post_v1(&emulator, &params).await;
        reply.assert_code(200, expected);
        assert!(!reply.message.is_empty());
        assert!(reply.field("RequestId").is_some());
        assert!(reply.field("BizId").is_none());
    }
    assert!(emulator.inbox().is_empty());
}

#[tokio::test]
async fn accepted_number_forms() {
    let (emulator, _) = test_emulator_without_limits().await;
    let forms = [
        ("13800138000", "+8613800138000"),
        ("8613800138000", "+8613800138000"),
        ("+8613800138000", "+8613800138000"),
        ("008613800138000", "+8613800138000"),
        ("85212345678", "+85212345678"),
        ("+4915112345678", "+4915112345678"),
    ];
    for (raw, _) in forms {
        send_code(&emulator, raw, "123456")
            .await
            .assert_code(200, "OK");
    }
    let delivered: Vec<String> = emulator
        .inbox()
        .into_iter()
        .map(|m| m.phone_number)
        .collect();
    let expected: Vec<&str> = forms.iter().map(|(_, n)| *n).collect();
    assert_eq!(delivered, expected);
}

#[tokio::test]
async fn exactly_1000_numbers_are_accepted() {
    let (emulator, _) = test_emulator().await;
    let numbers: String = (0..1000)
        .map(|i| format!("1380013{i:04}"))
        .collect::<Vec<_>>()
        .join(",");
    post_v1(
        &emulator,
        &sms_params(&numbers, CODE_TEMPLATE, r#"{"code":"1234"}"#),
    )
    .await
    .assert_code(200, "OK");
    assert_eq!(emulator.inbox().len(), 1000);
}

#[tokio::test]
async fn limits_per_minute_hour_and_day_on_the_normalised_number() {
    let (emulator, clock) = test_emulator().await;
    send_code(&emulator, "13800138000", "1111")
        .await
        .assert_code(200, "OK");
    // Same phone, other spelling, same minute.
    let reply = send_code(&emulator, "+8613800138000", "2222").await;
    reply.assert_code(200, "isv.BUSINESS_LIMIT_CONTROL");
    assert!(
        reply
            .message
            .starts_with("触发分钟级流控Permits:1 (aliyun-sms emulator: "),
        "{}",
        reply.message
    );
    // Another phone is not limited.
    send_code(&emulator, "13900139000", "3333")
        .await
        .assert_code(200, "OK");
    // Notifications are not limited.
    for _ in 0..3 {
        post_v1(
            &emulator,
            &sms_params(
                "13800138000",
                NOTICE_TEMPLATE,
                r#"{"name":"a","order":"b"}"#,
            ),
        )
        .await
        .assert_code(200, "OK");
    }

    for form in [
        "8613800138000",
        "008613800138000",
        "+8613800138000",
        "13800138000",
    ] {
        clock.advance(Duration::from_secs(60));
        send_code(&emulator, form, "4444")
            .await
            .assert_code(200, "OK");
    }
    // Five in the hour now.
    clock.advance(Duration::from_secs(60));
    let reply = send_code(&emulator, "13800138000", "5555").await;
    reply.assert_code(200, "isv.BUSINESS_LIMIT_CONTROL");
    assert!(
        reply
            .message
            .starts_with("触发小时级流控Permits:5 (aliyun-sms emulator: "),
        "{}",
        reply.message
    );

    // An hour after the first five, five more.
    clock.advance(Duration::from_secs(3600));
    for _ in 0..5 {
        send_code(&emulator, "13800138000", "6666")
            .await
            .assert_code(200, "OK");
        clock.advance(Duration::from_secs(61));
    }
    // Ten in the day.
    clock.advance(Duration::from_secs(3600));
    let reply = send_code(&emulator, "13800138000", "7777").await;
    reply.assert_code(200, "isv.BUSINESS_LIMIT_CONTROL");
    assert!(
        reply
            .message
            .starts_with("触发天级流控Permits:10 (aliyun-sms emulator: "),
        "{}",
        reply.message
    );

    // A day after the first, the window has slid.
    clock.advance(Duration::from_secs(24 * 3600));
    send_code(&emulator, "13800138000", "8888")
        .await
        .assert_code(200, "OK");

    let to_phone = emulator
        .inbox()
        .into_iter()
        .filter(|m| m.phone_number == "+8613800138000" && m.template_code == CODE_TEMPLATE)
        .count();
    assert_eq!(to_phone, 11);
}

#[tokio::test]
async fn a_batch_over_the_limit_delivers_nothing() {
    let (emulator, _) = test_emulator().await;
    send_code(&emulator, "13800138000", "1111")
        .await
        .assert_code(200, "OK");
    send_code(&emulator, "13900139000,13800138000", "2222")
        .await
        .assert_code(200, "isv.BUSINESS_LIMIT_CONTROL");
    assert_eq!(emulator.inbox().len(), 1);
    // The refused batch did not count 13900139000.
    send_code(&emulator, "13900139000", "3333")
        .await
        .assert_code(200, "OK");
}

#[tokio::test]
async fn inbox_over_rust_and_http() {
    let (emulator, _) = test_emulator().await;
    let mut deliveries = emulator.subscribe();
    send_code(&emulator, "13800138000", "123456")
        .await
        .assert_code(200, "OK");
    let pushed = tokio::time::timeout(Duration::from_secs(5), deliveries.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        pushed.content,
        "【TestSign】您的验证码为123456，5分钟内有效。"
    );

    let inbox_url = format!("{}/_emulator/inbox", emulator.endpoint());
    let reply = send(http().get(&inbox_url)).await;
    assert_eq!(reply.status, 200);
    let list: Vec<Value> = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["phone_number"], "+8613800138000");
    assert_eq!(
        list[0]["content"],
        "【TestSign】您的验证码为123456，5分钟内有效。"
    );
    assert_eq!(list[0]["params"]["code"], "123456");
    assert_eq!(list[0]["sign_name"], SIGN);
    assert_eq!(list[0]["template_code"], CODE_TEMPLATE);
    assert_eq!(list[0]["sent_at"], "2024-01-05T06:07:08Z");
    assert!(list[0]["biz_id"].as_str().unwrap().ends_with("^0"));
    assert_eq!(list[0]["out_id"], Value::Null);

    let cleared = http().delete(&inbox_url).send().await.unwrap();
    assert_eq!(cleared.status(), 204);
    assert!(emulator.inbox().is_empty());
    assert_eq!(send(http().get(&inbox_url)).await.body, "[]");

    send_code(&emulator, "13900139000", "123456")
        .await
        .assert_code(200, "OK");
    assert_eq!(emulator.inbox().len(), 1);
    emulator.clear_inbox();
    assert!(emulator.inbox().is_empty());

    // Unknown emulator paths.
    let reply = send(http().get(format!("{}/_emulator/nothing", emulator.endpoint()))).await;
    assert_eq!(reply.status, 404);
    // Three requests to the inbox path, one to an unknown path, two sends.
    assert_eq!(emulator.requests_seen(), 6);
}

#[tokio::test]
async fn inbox_keeps_at_most_its_capacity() {
    let (config, _) = test_config();
    let emulator = aliyun_sms_emulator::start(
        config
            .inbox_capacity(3)
            .limits(aliyun_sms_emulator::Limits::off()),
    )
    .await
    .unwrap();
    for code in ["1111", "2222", "3333", "4444"] {
        send_code(&emulator, "13800138000", code)
            .await
            .assert_code(200, "OK");
    }
    let codes: Vec<String> = emulator
        .inbox()
        .into_iter()
        .map(|m| m.params["code"].clone())
        .collect();
    assert_eq!(codes, ["2222", "3333", "4444"]);
}

#[tokio::test]
async fn send_batch_sms() {
    let (emulator, _) = test_emulator().await;
    let params = [
        ("Action", "SendBatchSms"),
        ("Version", "2017-05-25"),
        ("Format", "JSON"),
        ("PhoneNumberJson", r#"["13800138000","+85212345678"]"#),
        ("SignNameJson", r#"["TestSign","TestSign"]"#),
        ("TemplateCode", CODE_TEMPLATE),
        ("TemplateParamJson", r#"[{"code":"1111"},{"code":"2222"}]"#),
    ];
    post_v1(&emulator, &params).await.assert_code(200, "OK");
    let inbox = emulator.inbox();
    assert_eq!(inbox.len(), 2);
    assert_eq!(
        inbox[1].content,
        "【TestSign】您的验证码为2222，5分钟内有效。"
    );

    let mut mismatched = params;
    mismatched[4] = ("SignNameJson", r#"["TestSign"]"#);
    post_v1(&emulator, &mismatched)
        .await
        .assert_code(200, "isv.INVALID_PARAMETERS");
    let mut not_json = params;
    not_json[3] = ("PhoneNumberJson", "13800138000");
    post_v1(&emulator, &not_json)
        .await
        .assert_code(200, "isv.INVALID_JSON_PARAM");
    let mut unknown_sign = params;
    unknown_sign[4] = ("SignNameJson", r#"["TestSign","Nope"]"#);
    post_v1(&emulator, &unknown_sign)
        .await
        .assert_code(200, "isv.SMS_SIGNATURE_ILLEGAL");
    assert_eq!(emulator.inbox().len(), 2);
}

/// What Aliyun refuses and a lenient stand-in would let through: a mainland template to a
/// number outside mainland China (the likeliest Logto migration mistake: one template code
/// for every number), an international template to a mainland number, a number that cannot
/// be one. The demo account's templates have their regions, as Aliyun's do.
#[tokio::test]
async fn the_demo_account_refuses_a_template_of_the_wrong_region_and_impossible_numbers() {
    let emulator = aliyun_sms_emulator::start(aliyun_sms_emulator::EmulatorConfig::demo())
        .await
        .unwrap();
    let credentials = aliyun_sign::Credentials::new(
        aliyun_sms_emulator::DEMO_ACCESS_KEY_ID,
        aliyun_sms_emulator::DEMO_ACCESS_KEY_SECRET,
    );
    let send = |number: &'static str, template: &'static str| {
        let params = [
            ("Action", "SendSms"),
            ("Version", "2017-05-25"),
            ("Format", "JSON"),
            ("PhoneNumbers", number),
            ("SignName", aliyun_sms_emulator::DEMO_SIGN_NAME),
            ("TemplateCode", template),
            ("TemplateParam", r#"{"code":"1234"}"#),
        ];
        let body = v1_body(
            "POST",
            &params,
            &credentials,
            &stamp(emulator.clock().now()),
            &nonce(),
        );
        post_form(&emulator, body)
    };
    for (number, template, code, says) in [
        (
            "+6598765432",
            "SMS_DEMO_SIGNIN",
            "isv.SMS_TEMPLATE_ILLEGAL",
            "SMS_DEMO_SIGNIN is a mainland China template and +6598765432 is not a mainland China number",
        ),
        (
            "+8613800138000",
            "SMS_DEMO_OVERSEAS",
            "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
            "SMS_DEMO_OVERSEAS is an international template and +8613800138000 is a mainland China number",
        ),
        (
            "12345",
            "SMS_DEMO_OVERSEAS",
            "isv.MOBILE_NUMBER_ILLEGAL",
            "\"12345\" cannot be a phone number",
        ),
        (
            "+99912345678",
            "SMS_DEMO_OVERSEAS",
            "isv.MOBILE_NUMBER_ILLEGAL",
            "cannot be a phone number",
        ),
    ] {
        let reply = send(number, template).await;
        reply.assert_code(200, code);
        assert!(
            reply.message.contains("(aliyun-sms emulator: ") && reply.message.contains(says),
            "{number} {template}: {}",
            reply.message
        );
    }
    assert!(emulator.inbox().is_empty());

    // Each template to a number of its own region is delivered.
    send("+6598765432", "SMS_DEMO_OVERSEAS")
        .await
        .assert_code(200, "OK");
    send("13800138000", "SMS_DEMO_SIGNIN")
        .await
        .assert_code(200, "OK");
    let delivered: Vec<String> = emulator
        .inbox()
        .into_iter()
        .map(|m| m.phone_number)
        .collect();
    assert_eq!(delivered, ["+6598765432", "+8613800138000"]);
}
