//! QuerySendDetails answered from the inbox.

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;

async fn query(emulator: &aliyun_sms_emulator::Emulator, extra: &[(&str, &str)]) -> Reply {
    let mut params = vec![
        ("Action", "QuerySendDetails"),
        ("Version", "2017-05-25"),
        ("Format", "JSON"),
    ];
    params.extend_from_slice(extra);
    post_v1(emulator, &params).await
}

fn details(reply: &Reply) -> Vec<Value> {
    reply.json.as_ref().unwrap()["SmsSendDetailDTOs"]["SmsSendDetailDTO"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn by_number_date_and_biz_id() {
    // 2024-01-05T06:07:08Z is 14:07:08 in China.
    let (emulator, clock) = test_emulator_without_limits().await;
    let first = send_code(&emulator, "13800138000", "1111").await;
    first.assert_code(200, "OK");
    clock.advance(Duration::from_secs(60));
    let mut params = sms_params("+8613800138000", CODE_TEMPLATE, r#"{"code":"2222"}"#);
    params.push(("OutId", "out-2"));
    let second = post_v1(&emulator, &params).await;
    second.assert_code(200, "OK");
    send_code(&emulator, "13900139000", "3333")
        .await
        .assert_code(200, "OK");

    let reply = query(
        &emulator,
        &[
            ("PhoneNumber", "13800138000"),
            ("SendDate", "20240105"),
            ("PageSize", "10"),
            ("CurrentPage", "1"),
        ],
    )
    .await;
    reply.assert_code(200, "OK");
    let json = reply.json.clone().unwrap();
    assert_eq!(json["Message"], "OK");
    assert!(json["RequestId"].is_string());
    assert_eq!(json["TotalCount"], 2);
    let list = details(&reply);
    assert_eq!(list.len(), 2);
    // Newest first.
    let newest = &list[0];
    assert_eq!(newest["PhoneNum"], "+8613800138000");
    assert_eq!(newest["SendStatus"], 3);
    assert_eq!(newest["ErrCode"], "DELIVERED");
    assert_eq!(newest["TemplateCode"], CODE_TEMPLATE);
    assert_eq!(
        newest["Content"],
        "【TestSign】您的验证码为2222，5分钟内有效。"
    );
    assert_eq!(newest["SendDate"], "2024-01-05 14:08:08");
    assert_eq!(newest["ReceiveDate"], "2024-01-05 14:08:08");
    assert_eq!(newest["OutId"], "out-2");
    assert_eq!(list[1]["SendDate"], "2024-01-05 14:07:08");
    assert!(list[1].get("OutId").is_none());

    // By BizId.
    let biz_id = first.field("BizId").unwrap();
    let reply = query(
        &emulator,
        &[
            ("PhoneNumber", "8613800138000"),
            ("SendDate", "20240105"),
            ("PageSize", "10"),
            ("CurrentPage", "1"),
            ("BizId", &biz_id),
        ],
    )
    .await;
    assert_eq!(reply.json.as_ref().unwrap()["TotalCount"], 1);
    assert_eq!(
        details(&reply)[0]["Content"],
        "【TestSign】您的验证码为1111，5分钟内有效。"
    );

    // Another date, another number: nothing.
    for (number, date) in [("13800138000", "20240104"), ("13700137000", "20240105")] {
        let reply = query(
            &emulator,
            &[
                ("PhoneNumber", number),
                ("SendDate", date),
                ("PageSize", "10"),
                ("CurrentPage", "1"),
            ],
        )
        .await;
        reply.assert_code(200, "OK");
        assert_eq!(reply.json.as_ref().unwrap()["TotalCount"], 0);
        assert!(details(&reply).is_empty());
    }
}

#[tokio::test]
async fn send_date_is_a_china_date() {
    let (emulator, clock) = test_emulator_without_limits().await;
    // 17:30 UTC on the 5th is 01:30 on the 6th in China.
    clock.set(at("2024-01-05T17:30:00Z"));
    send_code(&emulator, "13800138000", "1111")
        .await
        .assert_code(200, "OK");
    let count = |date: &'static str| {
        let emulator = emulator.clone();
        async move {
            let reply = query(
                &emulator,
                &[
                    ("PhoneNumber", "13800138000"),
                    ("SendDate", date),
                    ("PageSize", "50"),
                    ("CurrentPage", "1"),
                ],
            )
            .await;
            reply.json.as_ref().unwrap()["TotalCount"].as_u64().unwrap()
        }
    };
    assert_eq!(count("20240105").await, 0);
    assert_eq!(count("20240106").await, 1);
}

#[tokio::test]
async fn paging() {
    let (emulator, clock) = test_emulator_without_limits().await;
    for code in ["1001", "1002", "1003", "1004", "1005"] {
        send_code(&emulator, "13800138000", code)
            .await
            .assert_code(200, "OK");
        clock.advance(Duration::from_secs(1));
    }
    let page = |n: &'static str| {
        let emulator = emulator.clone();
        async move {
            let reply = query(
                &emulator,
                &[
                    ("PhoneNumber", "13800138000"),
                    ("SendDate", "20240105"),
                    ("PageSize", "2"),
                    ("CurrentPage", n),
                ],
            )
            .await;
            assert_eq!(reply.json.as_ref().unwrap()["TotalCount"], 5);
            details(&reply)
                .iter()
                .map(|d| {
                    let content = d["Content"].as_str().unwrap();
                    content
                        .chars()
                        .filter(char::is_ascii_digit)
                        .take(4)
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(page("1").await, ["1005", "1004"]);
    assert_eq!(page("3").await, ["1001"]);
    assert!(page("4").await.is_empty());
}

#[tokio::test]
async fn parameters_are_checked() {
    let (emulator, _) = test_emulator().await;
    let full = [
        ("PhoneNumber", "13800138000"),
        ("SendDate", "20240105"),
        ("PageSize", "10"),
        ("CurrentPage", "1"),
    ];
    for missing in ["PhoneNumber", "SendDate", "PageSize", "CurrentPage"] {
        let params: Vec<(&str, &str)> = full
            .iter()
            .copied()
            .filter(|(n, _)| *n != missing)
            .collect();
        query(&emulator, &params)
            .await
            .assert_code(400, &format!("Missing{missing}"));
    }
    let with = |name: &'static str, value: &'static str| -> Vec<(&'static str, &'static str)> {
        full.iter()
            .map(|&(n, v)| if n == name { (n, value) } else { (n, v) })
            .collect()
    };
    for (params, code) in [
        (with("PageSize", "0"), "isv.INVALID_PARAMETERS"),
        (with("PageSize", "51"), "isv.INVALID_PARAMETERS"),
        (with("PageSize", "ten"), "isv.INVALID_PARAMETERS"),
        (with("CurrentPage", "0"), "isv.INVALID_PARAMETERS"),
        (with("SendDate", "2024-01-05"), "isv.INVALID_PARAMETERS"),
        (with("SendDate", "20241305"), "isv.INVALID_PARAMETERS"),
        (with("SendDate", "20231201"), "isv.INVALID_PARAMETERS"),
        (with("PhoneNumber", "12"), "isv.MOBILE_NUMBER_ILLEGAL"),
    ] {
        query(&emulator, &params).await.assert_code(200, code);
    }
    // 30 days back is still in range.
    query(&emulator, &with("SendDate", "20231206"))
        .await
        .assert_code(200, "OK");
}

#[tokio::test]
async fn xml_lists_each_detail() {
    let (emulator, _) = test_emulator().await;
    send_code(&emulator, "13800138000", "1234")
        .await
        .assert_code(200, "OK");
    let params = [
        ("Action", "QuerySendDetails"),
        ("Version", "2017-05-25"),
        ("Format", "XML"),
        ("PhoneNumber", "13800138000"),
        ("SendDate", "20240105"),
        ("PageSize", "10"),
        ("CurrentPage", "1"),
    ];
    let reply = post_v1(&emulator, &params).await;
    reply.assert_code(200, "OK");
    assert!(reply.body.contains("<QuerySendDetailsResponse>"));
    assert!(reply.body.contains(
        "<SmsSendDetailDTOs><SmsSendDetailDTO><Content>【TestSign】您的验证码为1234，5分钟内有效。</Content>"
    ), "{}", reply.body);
    assert!(reply.body.contains("<TotalCount>1</TotalCount>"));
}
