//! `aliyun-sms emulator`: each flag, the banner, and the refusals Aliyun would make.

mod common;

use common::{Served, aliyun_sms, send_json, stdout_json};
use serde_json::json;

#[test]
fn the_banner_has_everything_a_config_needs_and_print_config_writes_one() {
    let served = Served::start(&[]);
    let banner = &served.banner;
    assert!(
        served.endpoint().starts_with("http://127.0.0.1:"),
        "{banner}"
    );
    assert_eq!(banner["accessKeyId"], "LTAI5tDemoEmulatorKey01");
    assert_eq!(
        banner["accessKeySecret"],
        "DemoSecretForTheLocalEmulatorOnly"
    );
    assert_eq!(banner["signName"], "Demo");
    let templates: Vec<(String, String)> = banner["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["code"].as_str().unwrap().into(),
                t["region"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        templates.contains(&("SMS_DEMO_SIGNIN".into(), "mainland".into())),
        "{templates:?}"
    );
    assert!(templates.contains(&("SMS_DEMO_OVERSEAS".into(), "international".into())));
    assert_eq!(banner["config"]["endpoint"], served.endpoint());
    assert_eq!(
        banner["limits"],
        "1 a minute, 5 an hour, 10 a day per sign name and number (Aliyun's defaults; --limits off lifts them)"
    );

    let printed = aliyun_sms()
        .args(["emulator", "--port", "8787", "--print-config"])
        .output()
        .unwrap();
    assert!(printed.status.success(), "{printed:?}");
    let config = stdout_json(&printed);
    assert_eq!(config["endpoint"], "http://127.0.0.1:8787");
    assert_eq!(
        config["accessKeySecret"],
        "DemoSecretForTheLocalEmulatorOnly"
    );
    let file = common::temp_file("printed.json", &config.to_string());
    let check = aliyun_sms()
        .arg("check-config")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "the printed config is valid: {check:?}"
    );

    let no_port = aliyun_sms()
        .args(["emulator", "--port", "0", "--print-config"])
        .output()
        .unwrap();
    assert_eq!(no_port.status.code(), Some(2), "{no_port:?}");
}

#[test]
fn port_serves_on_the_port_given() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let served = Served::start(&["--port", &port.to_string()]);
    assert_eq!(served.endpoint(), format!("http://127.0.0.1:{port}"));
    let config = served.config("port.json", json!({}));
    assert_eq!(send_json(&config, "13800138000", &[]).0, Some(0));
}

#[test]
fn limits_are_aliyuns_by_default_and_can_be_lifted_or_set() {
    let limited = Served::start(&[]);
    let config = limited.config("limits-on.json", json!({}));
    assert_eq!(send_json(&config, "13800138000", &[]).0, Some(0));
    let (code, refused) = send_json(&config, "13800138000", &["--usage", "Register"]);
    assert_eq!(code, Some(4), "{refused}");
    assert_eq!(refused["error"]["code"], "isv.BUSINESS_LIMIT_CONTROL");
    assert_eq!(refused["error"]["from"], "local endpoint");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("(aliyun-sms emulator: its per-number limit of 1 a minute")
            && message.contains("aliyun-sms emulator --limits off"),
        "{message}"
    );

    let lifted = Served::start(&["--limits", "off"]);
    let config = lifted.config("limits-off.json", json!({}));
    for usage in ["Register", "SignIn", "ForgotPassword", "Generic"] {
        let (code, report) = send_json(&config, "13800138000", &["--usage", usage]);
        assert_eq!(code, Some(0), "{usage}: {report}");
    }

    let own = Served::start(&["--limits", "2/minute"]);
    assert_eq!(
        own.banner["limits"],
        "2 a minute per sign name and number (--limits on restores Aliyun's)"
    );
    let config = own.config("limits-own.json", json!({}));
    assert_eq!(send_json(&config, "13800138000", &[]).0, Some(0));
    assert_eq!(send_json(&config, "13800138000", &[]).0, Some(0));
    let (code, refused) = send_json(&config, "13800138000", &[]);
    assert_eq!(code, Some(4));
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Permits:2"),
        "{refused}"
    );
}

#[test]
fn a_fault_applies_to_the_next_n_requests() {
    let served = Served::start(&["--fault", "throttle", "--fault-times", "2"]);
    assert_eq!(served.banner["fault"], "Throttle for the next 2 request(s)");
    let config = served.config("fault.json", json!({"maxAttempts": 1}));
    for _ in 0..2 {
        let (code, report) = send_json(&config, "13800138000", &[]);
        assert_eq!(code, Some(4), "{report}");
        assert_eq!(report["error"]["code"], "Throttling.User");
        assert_eq!(report["error"]["retryable"], true);
    }
    assert_eq!(send_json(&config, "13800138000", &[]).0, Some(0));

    let refused = aliyun_sms()
        .args(["emulator", "--fault", "explode"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
}

/// The connector stamps requests with this machine's clock: an emulator clock 20 minutes
/// ahead (or fixed in the past) is out of Aliyun's 15-minute window.
#[test]
fn the_clock_can_be_offset_or_fixed() {
    for (clock, shown) in [
        ("+20m", "this machine's +1200s"),
        ("2024-05-01T08:00:00Z", "stays at 2024-05-01T08:00:00+00:00"),
    ] {
        let served = Served::start(&["--clock", clock]);
        let described = served.banner["clock"].as_str().unwrap();
        assert!(described.starts_with(shown), "{described}");
        let config = served.config("clock.json", json!({}));
        let (code, report) = send_json(&config, "13800138000", &[]);
        assert_eq!(code, Some(4), "{clock}: {report}");
        assert_eq!(
            report["error"]["code"], "InvalidTimeStamp.Expired",
            "{clock}"
        );
    }
    let behind = Served::start(&["--clock", "-5m"]);
    let config = behind.config("clock-behind.json", json!({}));
    assert_eq!(
        send_json(&config, "13800138000", &[]).0,
        Some(0),
        "within 15 minutes"
    );
}

/// The likeliest Logto migration mistake: one (mainland) template code for SignIn, and a
/// user in Singapore. Aliyun refuses it; so does the emulator.
#[test]
fn a_mainland_template_to_a_number_outside_mainland_china_is_refused() {
    let served = Served::start(&["--limits", "off"]);
    let mut templates = served.banner["config"]["templates"].clone();
    templates[1]["templateCode"] = json!("SMS_DEMO_SIGNIN");
    let config = served.config("mainland-only.json", json!({"templates": templates}));
    let (code, report) = send_json(&config, "+6598765432", &[]);
    assert_eq!(code, Some(4), "{report}");
    assert_eq!(report["error"]["code"], "isv.SMS_TEMPLATE_ILLEGAL");
    assert_eq!(report["error"]["field"], "templates[1].templateCode");
    let message = report["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("SMS_DEMO_SIGNIN is a mainland China template and +6598765432 is not a mainland China number"),
        "{message}"
    );
    // The same config to a mainland number is delivered.
    assert_eq!(send_json(&config, "13800138000", &[]).0, Some(0));
}
