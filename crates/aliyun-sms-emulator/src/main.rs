//! `aliyun-sms-emulator [--port N]`: serve the demo account on 127.0.0.1 (default port 8787)
//! and print each message it delivers.

use std::net::SocketAddr;
use std::process::ExitCode;

use aliyun_sms_emulator::{
    DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_SIGN_NAME, DEMO_TEMPLATES, EmulatorConfig,
    start_on,
};
use tokio::sync::broadcast::error::RecvError;

const DEFAULT_PORT: u16 = 8787;
const USAGE: &str = "usage: aliyun-sms-emulator [--port N]   (default 8787, 127.0.0.1 only)";

fn parse_port(args: &[String]) -> Result<u16, String> {
    match args {
        [] => Ok(DEFAULT_PORT),
        [flag, value] if flag == "--port" => value
            .parse()
            .map_err(|_| format!("--port wants a number from 0 to 65535, not {value:?}")),
        [single] if single.starts_with("--port=") => {
            parse_port(&["--port".to_string(), single["--port=".len()..].to_string()])
        }
        _ => Err(USAGE.to_string()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let port = match parse_port(&args) {
        Ok(port) => port,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let emulator = match start_on(EmulatorConfig::demo(), addr).await {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!("cannot listen on {addr}: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "Aliyun SMS emulator (dysmsapi 2017-05-25) on {}",
        emulator.endpoint()
    );
    println!("  AccessKeyId     {DEMO_ACCESS_KEY_ID}");
    println!("  AccessKeySecret {DEMO_ACCESS_KEY_SECRET}   (demo only, opens nothing else)");
    println!("  SignName        {DEMO_SIGN_NAME}");
    for (code, content) in DEMO_TEMPLATES {
        println!("  TemplateCode    {code}: {content}");
    }
    println!(
        "  inbox           GET/DELETE {}/_emulator/inbox",
        emulator.endpoint()
    );

    let mut deliveries = emulator.subscribe();
    loop {
        match deliveries.recv().await {
            Ok(message) => println!(
                "{} to {} [{}] {}",
                message.sent_at.format("%H:%M:%S"),
                message.phone_number,
                message.template_code,
                message.content
            ),
            Err(RecvError::Lagged(skipped)) => println!("({skipped} messages not shown)"),
            Err(RecvError::Closed) => return ExitCode::SUCCESS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ports() {
        assert_eq!(parse_port(&args(&[])), Ok(8787));
        assert_eq!(parse_port(&args(&["--port", "9000"])), Ok(9000));
        assert_eq!(parse_port(&args(&["--port=0"])), Ok(0));
        assert!(parse_port(&args(&["--port", "x"])).is_err());
        assert!(parse_port(&args(&["--port", "70000"])).is_err());
        assert!(parse_port(&args(&["9000"])).is_err());
    }
}
