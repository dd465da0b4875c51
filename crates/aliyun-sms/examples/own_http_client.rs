//! The connector on a `reqwest::Client` of your own, here one that trusts a company CA and goes
//! through a proxy: `cargo run -p aliyun-sms --example own_http_client -- config.json ca.pem`.
use aliyun_sms::{AliyunSmsConfig, AliyunSmsConnector};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: own_http_client CONFIG.json CA.pem";
    let config = AliyunSmsConfig::from_json(&std::fs::read_to_string(args.next().ok_or(usage)?)?)?;
    let ca = std::fs::read(args.next().ok_or(usage)?)?;
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca)?)
        .proxy(reqwest::Proxy::https("http://proxy.internal:3128")?)
        .build()?;
    let sms = AliyunSmsConnector::builder(config)
        .http_client(client) // your proxies, roots, resolver, local address
        .build()?;
    println!("ready: {:?}", sms.request_builder());
    Ok(())
}
