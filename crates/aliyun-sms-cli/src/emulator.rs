//! `aliyun-sms emulator`: serve the emulator with the demo accounts of Aliyun and Tencent, with
//! its knobs (limits, a fault, the clock) on the command line, a banner with everything a
//! config of either provider needs, and each delivered message shown as it is delivered.

use std::time::Duration;

use aliyun_sms_emulator::chrono::{DateTime, TimeDelta, Utc};
use aliyun_sms_emulator::{
    Clock, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_SIGN_NAME, DEMO_TENCENT_REGION,
    DEMO_TENCENT_SDK_APP_ID, DEMO_TENCENT_SECRET_ID, DEMO_TENCENT_SECRET_KEY,
    DEMO_TENCENT_SIGN_NAME, EmulatorConfig, Fault, Limits, ManualClock, Template, TemplateRegion,
    TencentLimits, demo_connector_config, demo_tencent_connector_config,
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
    /// Per-number limits on verification codes: `on` (each provider's defaults: Aliyun's 1 a
    /// minute, 5 an hour, 10 a day per sign name and number; Tencent's 1 in 30 seconds, 5 an
    /// hour, 10 a day per SdkAppId and number), `off`, or your own, e.g.
    /// `1/30s,5/minute,20/hour` (Aliyun takes minute, hour and day; Tencent 30s, hour and day;
    /// a window left out has no limit).
    #[arg(long, default_value = "on", value_parser = parse_limits)]
    limits: BothLimits,
    /// Make the next requests, to either provider, go wrong (see --fault-times): throttle
    /// (Aliyun's Throttling.User, Tencent's RequestLimitExceeded), internal-error,
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
    /// with InvalidTimeStamp.Expired, as Aliyun refuses them; Tencent's, more than 5 minutes,
    /// with AuthFailure.SignatureExpire.
    #[arg(long, value_name = "TIME|OFFSET", value_parser = parse_clock, allow_hyphen_values = true)]
    clock: Option<Clock>,
    /// Print a ready config (the Logto JSON) for a demo account at --port, then exit: Aliyun's
    /// (the default), or `--print-config tencent` Tencent's:
    /// `aliyun-sms emulator --print-config > emulator.json`.
    #[arg(
        long,
        value_name = "PROVIDER",
        num_args = 0..=1,
        default_missing_value = "aliyun",
        value_parser = ["aliyun", "tencent"]
    )]
    print_config: Option<String>,
}

/// The per-number limits of both gateways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BothLimits {
    aliyun: Limits,
    tencent: TencentLimits,
}

/// `on`, `off`, or `N/30s,N/minute,N/hour,N/day` (any of them).
fn parse_limits(text: &str) -> Result<BothLimits, String> {
    match text.trim() {
        "on" => {
            return Ok(BothLimits {
                aliyun: Limits::default(),
                tencent: TencentLimits::default(),
            });
        }
        "off" | "none" => {
            return Ok(BothLimits {
                aliyun: Limits::off(),
                tencent: TencentLimits::off(),
            });
        }
        _ => {}
    }
    let mut limits = BothLimits {
        aliyun: Limits::off(),
        tencent: TencentLimits::off(),
    };
    for part in text.split(',') {
        let wrong = || {
            format!(
                "{part:?} is not N/30s, N/minute, N/hour or N/day; --limits takes on, off, or \
                 e.g. 5/minute,20/hour"
            )
        };
        let (count, window) = part.trim().split_once('/').ok_or_else(wrong)?;
        let count: u32 = count.trim().parse().map_err(|_| wrong())?;
        match window.trim() {
            "30s" => limits.tencent.per_thirty_seconds = Some(count),
            "minute" | "min" | "m" => limits.aliyun.per_minute = Some(count),
            "hour" | "h" => {
                limits.aliyun.per_hour = Some(count);
                limits.tencent.per_hour = Some(count);
            }
            "day" | "d" => {
                limits.aliyun.per_day = Some(count);
                limits.tencent.per_day = Some(count);
            }
            _ => return Err(wrong()),
        }
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
        "internal-error" => Fault::InternalError,
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

/// One gateway's limits in words: `windows` are (limit, "a minute"), `per` what they count.
fn describe_limits(
    windows: &[(Option<u32>, &str)],
    per: &str,
    defaults: bool,
    whose: &str,
) -> String {
    let set: Vec<String> = windows
        .iter()
        .filter_map(|(limit, window)| limit.map(|n| format!("{n} {window}")))
        .collect();
    if set.is_empty() {
        return format!("off (--limits on restores {whose})");
    }
    let note = if defaults {
        format!("{whose} defaults; --limits off lifts them")
    } else {
        format!("--limits on restores {whose}")
    };
    format!("{} per {per} ({note})", set.join(", "))
}

fn describe_aliyun_limits(limits: &Limits) -> String {
    let windows = [
        (limits.per_minute, "a minute"),
        (limits.per_hour, "an hour"),
        (limits.per_day, "a day"),
    ];
    let defaults = *limits == Limits::default();
    describe_limits(&windows, "sign name and number", defaults, "Aliyun's")
}

fn describe_tencent_limits(limits: &TencentLimits) -> String {
    let windows = [
        (limits.per_thirty_seconds, "in 30 seconds"),
        (limits.per_hour, "an hour"),
        (limits.per_day, "a day"),
    ];
    let defaults = *limits == TencentLimits::default();
    describe_limits(&windows, "SdkAppId and number", defaults, "Tencent's")
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

fn templates_json(templates: &[Template]) -> Vec<serde_json::Value> {
    templates
        .iter()
        .map(|t| json!({ "code": t.code, "region": t.region, "content": t.content }))
        .collect()
}

fn print_templates(templates: &[Template]) {
    for template in templates {
        println!(
            "    {:<25} {:<23} {}",
            template.code,
            region_name(template.region),
            template.content
        );
    }
}

pub async fn run(args: EmulatorArgs, json: bool) -> u8 {
    if let Some(provider) = &args.print_config {
        if args.port == 0 {
            let message = "--print-config needs the port the config points at: give --port N";
            return report_failure(message, json, EXIT_BAD_INPUT);
        }
        let endpoint = format!("http://127.0.0.1:{}", args.port);
        let config = match provider.as_str() {
            "tencent" => demo_tencent_connector_config(&endpoint),
            _ => demo_connector_config(&endpoint),
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&config).expect("JSON prints")
        );
        return EXIT_OK;
    }
    let mut config = EmulatorConfig::demo().limits(args.limits.aliyun);
    config.tencent.limits = args.limits.tencent;
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
    let tencent = &settings.tencent;
    let fault = args
        .fault
        .as_ref()
        .map(|f| format!("{f:?} for the next {} request(s)", args.fault_times));
    let port = emulator.addr().port();
    if json {
        println!(
            "{}",
            json!({
                "endpoint": endpoint,
                "accessKeyId": DEMO_ACCESS_KEY_ID,
                "accessKeySecret": DEMO_ACCESS_KEY_SECRET,
                "signName": DEMO_SIGN_NAME,
                "templates": templates_json(&settings.templates),
                "limits": describe_aliyun_limits(&settings.limits),
                "clock": describe_clock(&settings.clock),
                "fault": fault,
                "config": demo_connector_config(&endpoint),
                "tencent": {
                    "secretId": DEMO_TENCENT_SECRET_ID,
                    "secretKey": DEMO_TENCENT_SECRET_KEY,
                    "sdkAppId": DEMO_TENCENT_SDK_APP_ID,
                    "signName": DEMO_TENCENT_SIGN_NAME,
                    "region": DEMO_TENCENT_REGION,
                    "templates": templates_json(&tencent.templates),
                    "limits": describe_tencent_limits(&tencent.limits),
                    "config": demo_tencent_connector_config(&endpoint),
                },
            })
        );
    } else {
        println!(
            "SMS emulator (Aliyun dysmsapi 2017-05-25, Tencent SMS 2021-01-11; demo accounts) on {endpoint}"
        );
        println!(
            "  not Aliyun or Tencent: nothing leaves this machine, and its answers say they are its own"
        );
        println!(
            "  endpoint         {endpoint} (both providers: Tencent's requests are told by their X-TC-Action)"
        );
        println!("  clock            {}", describe_clock(&settings.clock));
        if let Some(fault) = &fault {
            println!("  fault            {fault}");
        }
        println!("  inbox            GET or DELETE {endpoint}/_emulator/inbox");
        println!("Aliyun:");
        println!("  accessKeyId      {DEMO_ACCESS_KEY_ID}");
        println!(
            "  accessKeySecret  {DEMO_ACCESS_KEY_SECRET}   (demo only: it opens nothing else)"
        );
        println!("  signName         {DEMO_SIGN_NAME}");
        println!("  templates        verification codes, parameter `code`:");
        print_templates(&settings.templates);
        println!(
            "  limits           {}",
            describe_aliyun_limits(&settings.limits)
        );
        println!(
            "  config           aliyun-sms emulator --port {port} --print-config > aliyun.json"
        );
        println!("Tencent:");
        println!("  accessKeyId      {DEMO_TENCENT_SECRET_ID}   (the SecretId)");
        println!(
            "  accessKeySecret  {DEMO_TENCENT_SECRET_KEY}   (the SecretKey; demo only: it opens nothing else)"
        );
        println!("  sdkAppId         {DEMO_TENCENT_SDK_APP_ID}");
        println!("  signName         {DEMO_TENCENT_SIGN_NAME}");
        println!("  region           {DEMO_TENCENT_REGION}");
        println!("  templates        verification codes, one parameter {{1}}:");
        print_templates(&tencent.templates);
        println!(
            "  limits           {}",
            describe_tencent_limits(&tencent.limits)
        );
        println!(
            "  config           aliyun-sms emulator --port {port} --print-config tencent > tencent.json"
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
                    "{} {} to {} [{}] {}",
                    message.sent_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    message.provider.as_str(),
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
        let on = parse_limits("on").unwrap();
        assert_eq!(
            (on.aliyun, on.tencent),
            (Limits::default(), TencentLimits::default())
        );
        let off = parse_limits("off").unwrap();
        assert!(off.aliyun.is_off() && off.tencent.is_off());
        let own = parse_limits("5/minute, 20/hour, 2/30s").unwrap();
        let aliyun = own.aliyun;
        assert_eq!(
            (aliyun.per_minute, aliyun.per_hour, aliyun.per_day),
            (Some(5), Some(20), None)
        );
        let tencent = own.tencent;
        assert_eq!(
            (
                tencent.per_thirty_seconds,
                tencent.per_hour,
                tencent.per_day
            ),
            (Some(2), Some(20), None)
        );
        for bad in ["5", "x/minute", "5/week", "", "aliyun"] {
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
