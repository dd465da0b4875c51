//! `aliyun-sms emulator`: serve the emulator with the demo account, with its knobs (limits,
//! a fault, the clock) on the command line, a banner with everything a config needs, and each
//! delivered message shown as it is delivered.

use std::time::Duration;

use aliyun_sms_emulator::chrono::{DateTime, TimeDelta, Utc};
use aliyun_sms_emulator::{
    Clock, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_SIGN_NAME, EmulatorConfig, Fault,
    Limits, ManualClock, TemplateRegion, demo_connector_config,
};
use clap::Args;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::output::{EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, report_failure};

#[derive(Args)]
pub struct EmulatorArgs {
    /// The port on 127.0.0.1 (0 picks a free one; the banner shows it).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// Per-number limits on verification codes (per sign name and number): `on` (Aliyun's
    /// defaults: 1 a minute, 5 an hour, 10 a day), `off`, or your own, e.g. `5/minute,20/hour`
    /// (a window left out has no limit).
    #[arg(long, default_value = "on", value_parser = parse_limits)]
    limits: Limits,
    /// Make the next requests go wrong (see --fault-times): throttle, internal-error,
    /// close-connection, malformed-json, truncated-json, delay=DURATION (then served),
    /// late-answer=DURATION (delivered at once, answered late), slow-body=DURATION (an OK
    /// trickled a byte at a time). DURATION as 500ms, 3s, 1m.
    #[arg(long, value_name = "FAULT", value_parser = parse_fault)]
    fault: Option<Fault>,
    /// How many requests --fault applies to.
    #[arg(long, default_value_t = 1, value_name = "N", requires = "fault")]
    fault_times: usize,
    /// The emulator's clock: a time it stays at (2024-05-01T08:00:00Z), or this machine's clock
    /// moved by an offset (+20m, -1h, +90s). Requests more than 15 minutes from it are refused
    /// with InvalidTimeStamp.Expired, as Aliyun refuses them.
    #[arg(long, value_name = "TIME|OFFSET", value_parser = parse_clock, allow_hyphen_values = true)]
    clock: Option<Clock>,
    /// Print a ready config (the Logto JSON) for the demo account at --port, then exit:
    /// `aliyun-sms emulator --print-config > emulator.json`.
    #[arg(long)]
    print_config: bool,
}

/// `on`, `off`, or `N/minute,N/hour,N/day` (any of them).
fn parse_limits(text: &str) -> Result<Limits, String> {
    match text.trim() {
        "on" | "aliyun" => return Ok(Limits::default()),
        "off" | "none" => return Ok(Limits::off()),
        _ => {}
    }
    let mut limits = Limits::off();
    for part in text.split(',') {
        let wrong = || {
            format!(
                "{part:?} is not N/minute, N/hour or N/day; --limits takes on, off, or e.g. 5/minute,20/hour"
            )
        };
        let (count, window) = part.trim().split_once('/').ok_or_else(wrong)?;
        let count: u32 = count.trim().parse().map_err(|_| wrong())?;
        let slot = match window.trim() {
            "minute" | "min" | "m" => &mut limits.per_minute,
            "hour" | "h" => &mut limits.per_hour,
            "day" | "d" => &mut limits.per_day,
            _ => return Err(wrong()),
        };
        *slot = Some(count);
    }
    Ok(limits)
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("{text:?} is not a duration such as 500ms, 3s or 1m ({e})"))
}

/// A fault's name, and `=DURATION` for those that take one.
fn parse_fault(text: &str) -> Result<Fault, String> {
    let (name, value) = match text.split_once('=') {
        Some((name, value)) => (name.trim(), Some(value)),
        None => (text.trim(), None),
    };
    let duration = || match value {
        Some(value) => parse_duration(value),
        None => Err(format!("--fault {name} takes a duration: {name}=3s")),
    };
    let fault = match name {
        "throttle" => Fault::Throttle,
        "internal-error" => Fault::respond(
            500,
            "application/json;charset=utf-8",
            r#"{"RequestId":"00000000-0000-4000-8000-000000000500","Code":"InternalError","Message":"The request processing has failed due to some unknown error. (aliyun-sms emulator: --fault internal-error)"}"#,
        ),
        "close-connection" => Fault::CloseConnection,
        "malformed-json" => Fault::MalformedJson,
        "truncated-json" => Fault::TruncatedJson,
        "delay" => Fault::Delay(duration()?),
        "late-answer" => Fault::LateAnswer(duration()?),
        "slow-body" => Fault::SlowBody {
            chunk: 1,
            interval: duration()?,
        },
        _ => {
            return Err(format!(
                "unknown fault {name:?}; expected one of: throttle, internal-error, \
                 close-connection, malformed-json, truncated-json, delay=DURATION, \
                 late-answer=DURATION, slow-body=DURATION"
            ));
        }
    };
    let takes_duration = matches!(name, "delay" | "late-answer" | "slow-body");
    if value.is_some() && !takes_duration {
        return Err(format!("--fault {name} takes no value"));
    }
    Ok(fault)
}

/// A time the clock stays at (RFC 3339), or `+`/`-` and an offset from the system clock.
fn parse_clock(text: &str) -> Result<Clock, String> {
    let text = text.trim();
    let signed = |sign: i32, rest: &str| {
        let offset = TimeDelta::from_std(parse_duration(rest)?)
            .map_err(|_| format!("{text:?} is too far off"))?;
        Ok(Clock::Offset(offset * sign))
    };
    if let Some(rest) = text.strip_prefix('+') {
        return signed(1, rest);
    }
    if let Some(rest) = text.strip_prefix('-') {
        return signed(-1, rest);
    }
    DateTime::parse_from_rfc3339(text)
        .map(|at| Clock::from(ManualClock::new(at.with_timezone(&Utc))))
        .map_err(|_| {
            format!(
                "{text:?} is neither a time such as 2024-05-01T08:00:00Z nor an offset such as +20m or -1h"
            )
        })
}

fn describe_limits(limits: &Limits) -> String {
    if limits.is_off() {
        return "off (--limits on restores Aliyun's)".into();
    }
    let windows = [
        (limits.per_minute, "a minute"),
        (limits.per_hour, "an hour"),
        (limits.per_day, "a day"),
    ];
    let set: Vec<String> = windows
        .iter()
        .filter_map(|(limit, window)| limit.map(|n| format!("{n} {window}")))
        .collect();
    let whose = if *limits == Limits::default() {
        "Aliyun's defaults; --limits off lifts them"
    } else {
        "--limits on restores Aliyun's"
    };
    format!("{} per sign name and number ({whose})", set.join(", "))
}

fn describe_clock(clock: &Clock) -> String {
    match clock {
        Clock::Manual(manual) => format!("stays at {}", manual.now().to_rfc3339()),
        Clock::Offset(offset) => format!(
            "this machine's {}{}s (now {})",
            if offset.num_seconds() < 0 { "" } else { "+" },
            offset.num_seconds(),
            clock.now().to_rfc3339()
        ),
        Clock::System => "this machine's".into(),
    }
}

fn region_name(region: TemplateRegion) -> &'static str {
    match region {
        TemplateRegion::Mainland => "mainland China",
        TemplateRegion::International => "outside mainland China",
        _ => "any number",
    }
}

pub async fn run(args: EmulatorArgs, json: bool) -> u8 {
    if args.print_config {
        if args.port == 0 {
            let message = "--print-config needs the port the config points at: give --port N";
            return report_failure(message, json, EXIT_BAD_INPUT);
        }
        let config = demo_connector_config(&format!("http://127.0.0.1:{}", args.port));
        println!(
            "{}",
            serde_json::to_string_pretty(&config).expect("JSON prints")
        );
        return EXIT_OK;
    }
    let mut config = EmulatorConfig::demo().limits(args.limits);
    if let Some(clock) = args.clock {
        config = config.clock(clock);
    }
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
    let emulator = match aliyun_sms_emulator::start_on(config, address).await {
        Ok(emulator) => emulator,
        Err(error) => {
            let message = format!("cannot serve on {address}: {error}");
            return report_failure(&message, json, EXIT_INTERNAL);
        }
    };
    if let Some(fault) = &args.fault {
        emulator.inject_times(fault.clone(), args.fault_times);
    }
    let endpoint = emulator.endpoint();
    let settings = emulator.config();
    let fault = args
        .fault
        .as_ref()
        .map(|f| format!("{f:?} for the next {} request(s)", args.fault_times));
    if json {
        let templates: Vec<_> = settings
            .templates
            .iter()
            .map(|t| json!({ "code": t.code, "region": t.region, "content": t.content }))
            .collect();
        let config = demo_connector_config(&endpoint);
        println!(
            "{}",
            json!({
                "endpoint": endpoint,
                "accessKeyId": DEMO_ACCESS_KEY_ID,
                "accessKeySecret": DEMO_ACCESS_KEY_SECRET,
                "signName": DEMO_SIGN_NAME,
                "templates": templates,
                "limits": describe_limits(&settings.limits),
                "clock": describe_clock(&settings.clock),
                "fault": fault,
                "config": config,
            })
        );
    } else {
        println!("Aliyun SMS emulator (dysmsapi 2017-05-25, demo account) on {endpoint}");
        println!("  not Aliyun: nothing leaves this machine, and its answers say they are its own");
        println!("  endpoint         {endpoint}");
        println!("  accessKeyId      {DEMO_ACCESS_KEY_ID}");
        println!(
            "  accessKeySecret  {DEMO_ACCESS_KEY_SECRET}   (demo only: it opens nothing else)"
        );
        println!("  signName         {DEMO_SIGN_NAME}");
        println!("  templates        verification codes, parameter `code`:");
        for template in &settings.templates {
            println!(
                "    {:<25} {:<23} {}",
                template.code,
                region_name(template.region),
                template.content
            );
        }
        println!("  limits           {}", describe_limits(&settings.limits));
        println!("  clock            {}", describe_clock(&settings.clock));
        if let Some(fault) = &fault {
            println!("  fault            {fault}");
        }
        println!("  inbox            GET or DELETE {endpoint}/_emulator/inbox");
        println!(
            "A config for it: aliyun-sms emulator --port {} --print-config > emulator.json",
            emulator.addr().port()
        );
        println!("Press Ctrl-C to stop. Each message it delivers is shown here:");
    }

    let mut deliveries = emulator.subscribe();
    let stop = tokio::signal::ctrl_c();
    let mut stop = std::pin::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return EXIT_OK,
            delivered = deliveries.recv() => match delivered {
                Ok(message) if json => println!("{}", json!({ "delivered": message })),
                Ok(message) => println!(
                    "{} to {} [{}] {}",
                    message.sent_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    message.phone_number,
                    message.template_code,
                    message.content
                ),
                Err(RecvError::Lagged(skipped)) => println!("({skipped} messages not shown)"),
                Err(RecvError::Closed) => return EXIT_OK,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert_eq!(parse_limits("on"), Ok(Limits::default()));
        assert_eq!(parse_limits("off"), Ok(Limits::off()));
        let own = parse_limits("5/minute, 20/hour").unwrap();
        assert_eq!(
            (own.per_minute, own.per_hour, own.per_day),
            (Some(5), Some(20), None)
        );
        for bad in ["5", "x/minute", "5/week", ""] {
            assert!(parse_limits(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn faults() {
        assert_eq!(parse_fault("throttle"), Ok(Fault::Throttle));
        assert_eq!(
            parse_fault("late-answer=3s"),
            Ok(Fault::LateAnswer(Duration::from_secs(3)))
        );
        assert_eq!(
            parse_fault("delay=500ms"),
            Ok(Fault::Delay(Duration::from_millis(500)))
        );
        for bad in ["delay", "throttle=1s", "explode", "delay=soon"] {
            assert!(parse_fault(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn clocks() {
        let fixed = parse_clock("2024-05-01T08:00:00Z").unwrap();
        assert_eq!(fixed.now().to_rfc3339(), "2024-05-01T08:00:00+00:00");
        match parse_clock("-20m").unwrap() {
            Clock::Offset(offset) => assert_eq!(offset, TimeDelta::minutes(-20)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse_clock("+1h"), Ok(Clock::Offset(o)) if o == TimeDelta::hours(1)));
        assert!(parse_clock("yesterday").is_err());
    }
}
