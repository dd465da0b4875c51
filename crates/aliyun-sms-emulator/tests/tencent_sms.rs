//! Tencent's `SendSms` and `PullSmsSendStatusByPhoneNumber` behind the gateway: each refusal
//! (request-level in `Response.Error`, per number in `SendStatusSet`), the per-number limits,
//! the pull, the inbox shared with Aliyun's gateway, and faults in Tencent's shape.

mod common;

use std::time::Duration;

use aliyun_sms_emulator::{Fault, Provider, start};
use common::tencent::*;
use common::{CODE_TEMPLATE, SIGN, send_code, test_config};
use serde_json::{Value, json};

fn body_with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut body = send_body("+8613800138000", "123456");
    edit(&mut body);
    body
}

#[tokio::test]
async fn request_level_refusals_send_nothing() {
    let (emulator, _) = tencent_emulator().await;
    let too_many: Vec<String> = (0..201).map(|i| format!("+86138{i:08}")).collect();
    let cases = [
        (
            body_with(|b| b["PhoneNumberSet"] = json!([])),
            "MissingParameter.EmptyPhoneNumberSet",
            "empty",
        ),
        (
            body_with(|b| b["PhoneNumberSet"] = json!(too_many)),
            "LimitExceeded.PhoneNumberCountLimit",
            "201 numbers",
        ),
        (
            body_with(|b| b["SmsSdkAppId"] = json!("1400000000")),
            "InvalidParameterValue.SdkAppIdNotExist",
            "1400000000",
        ),
        (
            body_with(|b| b["TemplateId"] = json!("9999")),
            "FailedOperation.TemplateIncorrectOrUnapproved",
            "9999",
        ),
        (
            body_with(|b| b["SignName"] = json!("别人的签名")),
            "FailedOperation.SignatureIncorrectOrUnapproved",
            "别人的签名",
        ),
        (
            body_with(|b| {
                b.as_object_mut().unwrap().remove("SignName");
            }),
            "FailedOperation.MissingSignatureList",
            "SignName is required",
        ),
        (
            body_with(|b| b["TemplateParamSet"] = json!(["123456", "5"])),
            "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
            "1 variable(s) and TemplateParamSet has 2",
        ),
        (
            body_with(|b| b["TemplateParamSet"] = json!([])),
            "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
            "has 0 value(s)",
        ),
        (
            body_with(|b| b["TemplateParamSet"] = json!(["12ab56"])),
            "InvalidParameterValue.TemplateParameterFormatError",
            "\"12ab56\"",
        ),
        (
            body_with(|b| b["TemplateParamSet"] = json!(["1234567"])),
            "InvalidParameterValue.TemplateParameterFormatError",
            "0-6 digits",
        ),
        (
            body_with(|b| b["SessionContext"] = json!("x".repeat(512))),
            "InvalidParameter",
            "512 bytes",
        ),
        (
            body_with(|b| b["PhoneNumberSet"] = json!(["+8613800138000", "+6598765432"])),
            "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
            "both",
        ),
    ];
    for (body, code, says) in cases {
        let response = Call::send_sms(&emulator, &body).send(&emulator).await;
        assert_eq!(error_code(&response), Some(code), "{body}: {response}");
        let message = response["Error"]["Message"].as_str().unwrap();
        assert!(message.contains(says), "{code}: {message}");
    }
    assert!(emulator.inbox().is_empty());

    // 511 bytes of SessionContext are taken and echoed.
    let session = "s".repeat(511);
    let body = body_with(|b| b["SessionContext"] = json!(session));
    let response = Call::send_sms(&emulator, &body).send(&emulator).await;
    assert_eq!(
        response["SendStatusSet"][0]["SessionContext"],
        session.as_str()
    );
    assert_eq!(
        emulator.inbox()[0].out_id.as_deref(),
        Some(session.as_str())
    );
}

#[tokio::test]
async fn each_number_gets_its_own_entry_and_only_the_good_ones_are_delivered() {
    let (emulator, _) = tencent_emulator_without_limits().await;
    let body = body_with(|b| {
        b["PhoneNumberSet"] = json!([
            "+8613800138000",
            "12ab",
            "008613900139000",
            "13700137000",
            "+8612345"
        ]);
        b["SessionContext"] = json!("login-42");
    });
    let response = Call::send_sms(&emulator, &body).send(&emulator).await;
    assert_eq!(
        status_codes(&response),
        [
            "Ok",
            "InvalidParameterValue.IncorrectPhoneNumber",
            "Ok",
            "Ok",
            "InvalidParameterValue.IncorrectPhoneNumber"
        ],
        "{response}"
    );
    let statuses = response["SendStatusSet"].as_array().unwrap();
    assert_eq!(statuses[1]["PhoneNumber"], "12ab");
    assert_eq!(statuses[1]["Fee"], 0);
    assert_eq!(statuses[1]["SerialNo"], "");
    assert_eq!(statuses[1]["IsoCode"], "DEF");
    assert_eq!(statuses[2]["PhoneNumber"], "+8613900139000");
    assert_eq!(statuses[3]["PhoneNumber"], "+8613700137000");
    let inbox = emulator.inbox();
    let delivered: Vec<(&str, &str, Option<&str>)> = inbox
        .iter()
        .map(|m| {
            (
                m.phone_number.as_str(),
                m.biz_id.as_str(),
                m.out_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        delivered,
        [
            (
                "+8613800138000",
                statuses[0]["SerialNo"].as_str().unwrap(),
                Some("login-42")
            ),
            (
                "+8613900139000",
                statuses[2]["SerialNo"].as_str().unwrap(),
                Some("login-42")
            ),
            (
                "+8613700137000",
                statuses[3]["SerialNo"].as_str().unwrap(),
                Some("login-42")
            ),
        ]
    );
    assert!(inbox.iter().all(|m| m.provider == Provider::Tencent));
    let serials: std::collections::HashSet<_> = inbox.iter().map(|m| &m.biz_id).collect();
    assert_eq!(serials.len(), 3, "one SerialNo per number");
}

#[tokio::test]
async fn templates_go_only_to_the_numbers_of_their_region() {
    let (emulator, _) = tencent_emulator_without_limits().await;
    let mainland_to_global = body_with(|b| b["PhoneNumberSet"] = json!(["+6598765432"]));
    let response = Call::send_sms(&emulator, &mainland_to_global)
        .send(&emulator)
        .await;
    assert_eq!(
        status_codes(&response),
        ["UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone"]
    );
    let message = response["SendStatusSet"][0]["Message"].as_str().unwrap();
    assert!(
        message.contains("+6598765432 is not a mainland China number"),
        "{message}"
    );
    assert_eq!(response["SendStatusSet"][0]["IsoCode"], "SG");

    let global = |number: &str| json!({"PhoneNumberSet": [number], "SmsSdkAppId": APP, "TemplateId": GLOBAL_CODE, "TemplateParamSet": ["2468"]});
    let response = Call::send_sms(&emulator, &global("+8613800138000"))
        .send(&emulator)
        .await;
    assert_eq!(
        status_codes(&response),
        ["UnsupportedOperation.GlobalTemplateToChineseMainlandPhone"]
    );
    // A bare 11-digit number is a mainland one, as Tencent reads it.
    let response = Call::send_sms(&emulator, &global("14155550100"))
        .send(&emulator)
        .await;
    assert_eq!(
        status_codes(&response),
        ["UnsupportedOperation.GlobalTemplateToChineseMainlandPhone"]
    );
    assert!(emulator.inbox().is_empty());

    // International without a sign name: delivered, the text without 【】.
    let response = Call::send_sms(&emulator, &global("+14155550100"))
        .send(&emulator)
        .await;
    assert_eq!(status_codes(&response), ["Ok"], "{response}");
    assert_eq!(response["SendStatusSet"][0]["IsoCode"], "US");
    assert_eq!(emulator.inbox()[0].content, "Your code is 2468.");
}

#[tokio::test]
async fn per_number_limits_are_tencents_30_seconds_hour_and_day() {
    let (emulator, clock) = tencent_emulator().await;
    let send = |number: &'static str| {
        let emulator = emulator.clone();
        async move {
            let body = send_body(number, "1234");
            status_codes(&Call::send_sms(&emulator, &body).send(&emulator).await).remove(0)
        }
    };
    let n = "+8613800138000";
    assert_eq!(send(n).await, "Ok");
    clock.advance(Duration::from_secs(29));
    assert_eq!(send(n).await, "LimitExceeded.PhoneNumberThirtySecondLimit");
    // Another number is counted apart.
    assert_eq!(send("+8613900139000").await, "Ok");
    for _ in 0..4 {
        clock.advance(Duration::from_secs(31));
        assert_eq!(send(n).await, "Ok");
    }
    clock.advance(Duration::from_secs(31));
    assert_eq!(send(n).await, "LimitExceeded.PhoneNumberOneHourLimit");
    clock.advance(Duration::from_secs(3600));
    for _ in 0..5 {
        assert_eq!(send(n).await, "Ok");
        clock.advance(Duration::from_secs(31));
    }
    clock.advance(Duration::from_secs(3600));
    assert_eq!(send(n).await, "LimitExceeded.PhoneNumberDailyLimit");
    assert_eq!(emulator.inbox().len(), 11);

    // The refusal says what the emulator counted; a notification is not limited.
    let body = send_body(n, "1234");
    let response = Call::send_sms(&emulator, &body).send(&emulator).await;
    let message = response["SendStatusSet"][0]["Message"].as_str().unwrap();
    assert!(
        message.contains("10 a day for this SdkAppId and number"),
        "{message}"
    );
    let notice = json!({"PhoneNumberSet": [n], "SmsSdkAppId": APP, "TemplateId": NOTICE, "SignName": TC_SIGN, "TemplateParamSet": ["张三", "A-1"]});
    let response = Call::send_sms(&emulator, &notice).send(&emulator).await;
    assert_eq!(status_codes(&response), ["Ok"]);
    assert_eq!(
        emulator.inbox().last().unwrap().content,
        "【腾讯云】张三您好，您的订单A-1已发货。"
    );
}

fn pull_body(number: &str, begin: u64, limit: u64) -> Value {
    json!({"BeginTime": begin, "Offset": 0, "Limit": limit, "PhoneNumber": number, "SmsSdkAppId": APP})
}

async fn pull(emulator: &aliyun_sms_emulator::Emulator, body: &Value) -> Value {
    Call::new(emulator, "PullSmsSendStatusByPhoneNumber", body)
        .send(emulator)
        .await
}

#[tokio::test]
async fn pull_status_lists_the_numbers_messages_newest_first() {
    let (emulator, clock) = tencent_emulator_without_limits().await;
    let start = unix(emulator.clock().now());
    let first = body_with(|b| b["SessionContext"] = json!("first"));
    Call::send_sms(&emulator, &first).send(&emulator).await;
    clock.advance(Duration::from_secs(60));
    let second = body_with(|b| b["SessionContext"] = json!("second"));
    let sent = Call::send_sms(&emulator, &second).send(&emulator).await;
    Call::send_sms(&emulator, &send_body("+8613900139000", "1234"))
        .send(&emulator)
        .await;

    let response = pull(&emulator, &pull_body("13800138000", start, 100)).await;
    let reports = response["PullSmsSendStatusSet"].as_array().unwrap();
    assert_eq!(reports.len(), 2, "{response}");
    assert_eq!(reports[0]["SessionContext"], "second");
    assert_eq!(reports[1]["SessionContext"], "first");
    assert_eq!(reports[0]["SerialNo"], sent["SendStatusSet"][0]["SerialNo"]);
    assert_eq!(reports[0]["PhoneNumber"], "+8613800138000");
    assert_eq!(reports[0]["CountryCode"], "86");
    assert_eq!(reports[0]["SubscriberNumber"], "13800138000");
    assert_eq!(reports[0]["ReportStatus"], "SUCCESS");
    assert_eq!(reports[0]["UserReceiveTime"], start + 60);

    let one = pull(&emulator, &pull_body("+8613800138000", start, 1)).await;
    assert_eq!(one["PullSmsSendStatusSet"].as_array().unwrap().len(), 1);
    let mut before = pull_body("+8613800138000", start - 100, 100);
    before["EndTime"] = json!(start - 1);
    let none = pull(&emulator, &before).await;
    assert_eq!(none["PullSmsSendStatusSet"], json!([]), "{none}");
    let other = pull(&emulator, &pull_body("+8613700137000", start, 100)).await;
    assert_eq!(other["PullSmsSendStatusSet"], json!([]));
}

#[tokio::test]
async fn pull_status_refuses_what_tencent_refuses() {
    let (emulator, _) = tencent_emulator().await;
    let now = unix(emulator.clock().now());
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut body = pull_body("+8613800138000", now - 60, 10);
        f(&mut body);
        body
    };
    for (body, code, says) in [
        (
            edit(&|b| b["Offset"] = json!(1)),
            "InvalidParameterValue",
            "fixed at 0",
        ),
        (
            edit(&|b| b["Limit"] = json!(0)),
            "InvalidParameterValue",
            "1 to 100",
        ),
        (
            edit(&|b| b["Limit"] = json!(101)),
            "InvalidParameterValue",
            "1 to 100",
        ),
        (
            edit(&|b| b["Limit"] = json!("10")),
            "InvalidParameter",
            "an integer",
        ),
        (
            edit(&|b| b["BeginTime"] = json!(now - 8 * 86_400)),
            "InvalidParameterValue",
            "7 days",
        ),
        (
            edit(&|b| b["EndTime"] = json!(now - 120)),
            "InvalidParameterValue",
            "before BeginTime",
        ),
        (
            edit(&|b| b["PhoneNumber"] = json!("12345")),
            "InvalidParameterValue.IncorrectPhoneNumber",
            "12345",
        ),
        (
            edit(&|b| b["SmsSdkAppId"] = json!("1400000000")),
            "InvalidParameterValue.SdkAppIdNotExist",
            "1400000000",
        ),
        (
            edit(&|b| {
                b.as_object_mut().unwrap().remove("BeginTime");
            }),
            "MissingParameter",
            "BeginTime",
        ),
        (
            edit(&|b| b["TemplateId"] = json!("1001")),
            "UnknownParameter",
            "TemplateId",
        ),
    ] {
        let response = pull(&emulator, &body).await;
        assert_eq!(error_code(&response), Some(code), "{body}: {response}");
        let message = response["Error"]["Message"].as_str().unwrap();
        assert!(message.contains(says), "{code}: {message}");
    }
}

/// One emulator, one inbox: both gateways deliver into it, each lookup lists only its own
/// provider's messages, and the inbox's JSON says who delivered each.
#[tokio::test]
async fn aliyun_and_tencent_share_one_inbox() {
    let (config, _) = test_config();
    let (tencent, clock) = tencent_config();
    let emulator = start(config.tencent(tencent.tencent).clock(clock))
        .await
        .unwrap();
    send_code(&emulator, "13800138000", "4321")
        .await
        .assert_code(200, "OK");
    let response = Call::send_sms(&emulator, &send_body("+8613800138000", "123456"))
        .send(&emulator)
        .await;
    assert_eq!(status_codes(&response), ["Ok"]);

    let inbox = emulator.inbox();
    let providers: Vec<Provider> = inbox.iter().map(|m| m.provider).collect();
    assert_eq!(providers, [Provider::Aliyun, Provider::Tencent]);
    assert_eq!(inbox[0].sign_name, SIGN);
    assert_eq!(inbox[0].template_code, CODE_TEMPLATE);
    let listed = common::http()
        .get(format!("{}/_emulator/inbox", emulator.endpoint()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let listed: Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed[0]["provider"], "aliyun");
    assert_eq!(listed[1]["provider"], "tencent");
    assert_eq!(
        listed[1]["biz_id"],
        response["SendStatusSet"][0]["SerialNo"]
    );

    // Tencent's pull lists its own message only, Aliyun's QuerySendDetails its own.
    let now = unix(emulator.clock().now());
    let pulled = pull(&emulator, &pull_body("+8613800138000", now - 60, 100)).await;
    assert_eq!(pulled["PullSmsSendStatusSet"].as_array().unwrap().len(), 1);
    let date = emulator.clock().now().format("%Y%m%d").to_string();
    let query = common::post_v1(
        &emulator,
        &[
            ("Action", "QuerySendDetails"),
            ("Version", "2017-05-25"),
            ("Format", "JSON"),
            ("PhoneNumber", "13800138000"),
            ("SendDate", &date),
            ("PageSize", "10"),
            ("CurrentPage", "1"),
        ],
    )
    .await;
    let query: Value = serde_json::from_str(&query.body).unwrap();
    assert_eq!(query["TotalCount"], 1, "{query}");
}

#[tokio::test]
async fn faults_answer_in_tencents_shape() {
    let (emulator, _) = tencent_emulator_without_limits().await;
    let call = || {
        Call::send_sms(
            &emulator,
            &body_with(|b| b["SessionContext"] = json!("ref-9")),
        )
    };

    emulator.inject(Fault::Throttle);
    let response = call().send(&emulator).await;
    assert_eq!(
        error_code(&response),
        Some("RequestLimitExceeded"),
        "{response}"
    );
    emulator.inject(Fault::InternalError);
    let response = call().send(&emulator).await;
    assert_eq!(error_code(&response), Some("InternalError"), "{response}");
    assert!(emulator.inbox().is_empty());

    emulator.inject(Fault::TruncatedJson);
    let headers = call().headers(&emulator);
    let mut request = common::http().post(emulator.endpoint()).body(call().body);
    for (name, value) in &headers {
        request = request.header(name, value);
    }
    let text = request.send().await.unwrap().text().await.unwrap();
    assert!(text.starts_with("{\"Response\":{"), "{text}");
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");

    // A spoilt success is a whole one when it arrives slowly: the number and reference echoed.
    emulator.inject(Fault::SlowBody {
        chunk: 64,
        interval: Duration::from_millis(1),
    });
    let response = call().send(&emulator).await;
    assert_eq!(status_codes(&response), ["Ok"]);
    assert_eq!(
        response["SendStatusSet"][0]["PhoneNumber"],
        "+8613800138000"
    );
    assert_eq!(response["SendStatusSet"][0]["SessionContext"], "ref-9");
    assert!(
        emulator.inbox().is_empty(),
        "a faulted request delivers nothing"
    );

    emulator.inject(Fault::MalformedJson);
    let mut request = common::http().post(emulator.endpoint()).body(call().body);
    for (name, value) in &call().headers(&emulator) {
        request = request.header(name, value);
    }
    let text = request.send().await.unwrap().text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");

    // A late answer: delivered at once, answered after the delay.
    emulator.inject(Fault::LateAnswer(Duration::from_millis(300)));
    let started = std::time::Instant::now();
    let response = call().send(&emulator).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(status_codes(&response), ["Ok"]);
    assert_eq!(emulator.inbox().len(), 1);
}
