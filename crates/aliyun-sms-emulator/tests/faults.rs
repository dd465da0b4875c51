//! Injected faults: each applies to the next request(s) in order, is counted in
//! `requests_seen`, and delivers nothing (except `Delay`).

mod common;

use std::time::{Duration, Instant};

use aliyun_sms_emulator::{Emulator, Fault};
use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn signed_body(emulator: &Emulator) -> String {
    let params = sms_params("13800138000", CODE_TEMPLATE, r#"{"code":"1234"}"#);
    v1_body(
        "POST",
        &params,
        &aliyun_sign::Credentials::new(ID, SECRET),
        &stamp(emulator.clock().now()),
        &nonce(),
    )
}

fn post(emulator: &Emulator) -> reqwest::RequestBuilder {
    http()
        .post(emulator.endpoint())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(signed_body(emulator))
}

#[tokio::test]
async fn delay_then_normal_service() {
    let (emulator, _) = test_emulator().await;
    emulator.inject(Fault::Delay(Duration::from_millis(300)));
    let started = Instant::now();
    let reply = send(post(&emulator)).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    reply.assert_code(200, "OK");
    assert_eq!(emulator.inbox().len(), 1);
    assert_eq!(emulator.requests_seen(), 1);
}

#[tokio::test]
async fn respond_with_anything() {
    let (emulator, _) = test_emulator().await;
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    emulator.inject(Fault::respond(502, "text/html", page));
    let big = vec![b'x'; 10 * 1024 * 1024];
    emulator.inject(Fault::Respond {
        status: 200,
        content_type: "text/plain".into(),
        body: big.clone(),
    });
    emulator.inject(Fault::respond(200, "", "no content type"));
    emulator.inject(Fault::respond(1000, "application/json", "{}"));

    let reply = send(post(&emulator)).await;
    assert_eq!(reply.status, 502);
    assert_eq!(reply.content_type, "text/html");
    assert_eq!(reply.body, page);
    assert!(reply.request_id_header.is_none());

    let response = post(&emulator).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/plain");
    assert_eq!(response.bytes().await.unwrap().len(), big.len());

    let reply = send(post(&emulator)).await;
    assert_eq!((reply.status, reply.content_type.as_str()), (200, ""));
    assert_eq!(reply.body, "no content type");

    // Not a status code: 500.
    assert_eq!(send(post(&emulator)).await.status, 500);

    assert!(emulator.inbox().is_empty());
    assert_eq!(emulator.requests_seen(), 4);
    send(post(&emulator)).await.assert_code(200, "OK");
}

#[tokio::test]
async fn malformed_and_truncated_json() {
    let (emulator, _) = test_emulator().await;
    emulator.inject(Fault::MalformedJson);
    emulator.inject(Fault::TruncatedJson);

    let malformed = post(&emulator).send().await.unwrap();
    assert_eq!(malformed.status(), 200);
    assert!(
        malformed.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body = malformed.text().await.unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(&body).is_err(),
        "{body}"
    );

    let truncated = post(&emulator).send().await.unwrap();
    assert_eq!(truncated.status(), 200);
    let length: usize = truncated.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body = truncated.text().await.unwrap();
    assert_eq!(body.len(), length);
    assert!(body.starts_with('{') && body.len() > 30, "{body}");
    assert!(
        serde_json::from_str::<serde_json::Value>(&body).is_err(),
        "{body}"
    );

    assert!(emulator.inbox().is_empty());
    assert_eq!(emulator.requests_seen(), 2);
}

#[tokio::test]
async fn slow_body_sends_headers_then_trickles() {
    let (emulator, _) = test_emulator().await;
    emulator.inject(Fault::SlowBody {
        chunk: 16,
        interval: Duration::from_millis(40),
    });
    let started = Instant::now();
    let response = post(&emulator).send().await.unwrap();
    let headers_after = started.elapsed();
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    let body_after = started.elapsed();
    let chunks = body.len().div_ceil(16) as u32;
    assert!(chunks >= 5, "{body}");
    assert!(headers_after < Duration::from_millis(40) * chunks / 2);
    assert!(body_after >= Duration::from_millis(40) * chunks);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["Code"], "OK");
    assert!(
        emulator.inbox().is_empty(),
        "a faulted request delivers nothing"
    );

    // A client with a timeout gives up on it.
    emulator.inject(Fault::SlowBody {
        chunk: 1,
        interval: Duration::from_millis(100),
    });
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let error = async {
        impatient
            .post(emulator.endpoint())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(signed_body(&emulator))
            .send()
            .await?
            .text()
            .await
    }
    .await
    .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

#[tokio::test]
async fn close_connection_sends_not_a_single_byte() {
    let (emulator, _) = test_emulator().await;
    emulator.inject(Fault::CloseConnection);
    let body = signed_body(&emulator);
    let mut stream = tokio::net::TcpStream::connect(emulator.addr())
        .await
        .unwrap();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        emulator.addr(),
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut received))
        .await
        .expect("the emulator closes the connection");
    // A clean close (0 bytes) or a reset: either way, nothing was sent.
    assert!(
        received.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&received)
    );
    if let Ok(n) = read {
        assert_eq!(n, 0);
    }

    // A real client sees a connection error, not an answer.
    emulator.inject(Fault::CloseConnection);
    let error = post(&emulator).send().await.unwrap_err();
    assert!(!error.is_timeout() && error.status().is_none(), "{error:?}");

    assert!(emulator.inbox().is_empty());
    assert_eq!(emulator.requests_seen(), 2);
    // And the next request is served.
    send(post(&emulator)).await.assert_code(200, "OK");
}

#[tokio::test]
async fn throttle_for_exactly_n_requests() {
    let (emulator, _) = test_emulator_without_limits().await;
    emulator.inject_times(Fault::Throttle, 3);
    for _ in 0..3 {
        let reply = send(post(&emulator)).await;
        reply.assert_code(400, "Throttling.User");
        assert_eq!(
            reply.message,
            "Request was denied due to user flow control."
        );
        assert!(reply.field("RequestId").is_some());
    }
    assert!(emulator.inbox().is_empty());
    send(post(&emulator)).await.assert_code(200, "OK");
    send(post(&emulator)).await.assert_code(200, "OK");
    assert_eq!(emulator.inbox().len(), 2);
    assert_eq!(emulator.requests_seen(), 5);
}

#[tokio::test]
async fn faults_queue_in_order_and_can_be_cleared() {
    let (emulator, _) = test_emulator_without_limits().await;
    emulator.inject(Fault::Throttle);
    emulator.inject(Fault::respond(503, "text/plain", "busy"));
    send(post(&emulator))
        .await
        .assert_code(400, "Throttling.User");
    assert_eq!(send(post(&emulator)).await.status, 503);
    send(post(&emulator)).await.assert_code(200, "OK");

    emulator.inject_times(Fault::Throttle, 100);
    send(post(&emulator))
        .await
        .assert_code(400, "Throttling.User");
    emulator.clear_faults();
    send(post(&emulator)).await.assert_code(200, "OK");
}

#[tokio::test]
async fn the_inbox_path_is_never_faulted_but_is_counted() {
    let (emulator, _) = test_emulator().await;
    emulator.inject(Fault::CloseConnection);
    let inbox = http()
        .get(format!("{}/_emulator/inbox", emulator.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(inbox.status(), 200);
    assert_eq!(emulator.requests_seen(), 1);
    // The fault is still there for the API request.
    assert!(post(&emulator).send().await.is_err());
    assert_eq!(emulator.requests_seen(), 2);
}

#[tokio::test]
async fn faults_come_before_the_gateway() {
    // A throttled request is not checked, so its nonce is not used up.
    let (emulator, _) = test_emulator().await;
    let body = signed_body(&emulator);
    emulator.inject(Fault::Throttle);
    post_form(&emulator, body.clone())
        .await
        .assert_code(400, "Throttling.User");
    post_form(&emulator, body).await.assert_code(200, "OK");
}

#[tokio::test]
async fn shutdown_closes_the_port() {
    let (emulator, _) = test_emulator().await;
    let addr = emulator.addr();
    send(post(&emulator)).await.assert_code(200, "OK");
    emulator.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn dropping_the_last_handle_stops_the_server() {
    let (emulator, _) = test_emulator().await;
    let addr = emulator.addr();
    let clone = emulator.clone();
    drop(emulator);
    send(post(&clone)).await.assert_code(200, "OK");
    drop(clone);
    let mut closed = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(closed);
}

/// The request is served (delivered) at once and answered late: a client that gives up
/// first has sent a message it cannot know about.
#[tokio::test]
async fn a_late_answer_delivers_at_once_and_answers_after_the_delay() {
    let (emulator, _) = test_emulator().await;
    emulator.inject(Fault::LateAnswer(Duration::from_secs(2)));
    let gave_up = tokio::time::timeout(Duration::from_millis(300), send(post(&emulator))).await;
    assert!(gave_up.is_err(), "no answer within the delay");
    assert_eq!(emulator.inbox().len(), 1, "delivered all the same");

    emulator.inject(Fault::LateAnswer(Duration::from_millis(300)));
    let started = Instant::now();
    let reply = send(post(&emulator)).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    // The same number within the minute: the limit answers, late too.
    reply.assert_code(200, "isv.BUSINESS_LIMIT_CONTROL");
}
