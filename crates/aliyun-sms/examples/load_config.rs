//! Load a config with its warnings, and see what strict mode says:
//! `cargo run -p aliyun-sms --example load_config -- config.json` (`-` reads standard input).
use std::path::PathBuf;

use aliyun_sms::{AliyunSmsConfig, LoadOptions};
use connector_kit::config::{DEFAULT_MAX_BYTES, read_config};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: load_config CONFIG.json")?,
    );
    let json = read_config(&path, DEFAULT_MAX_BYTES)?; // at most 1 MiB, even from /dev/zero
    let loaded = AliyunSmsConfig::load(&json, &LoadOptions::default())?;
    for warning in loaded.warnings.iter() {
        eprintln!("config: {warning}"); // path: what was found; what was done
    }
    if let Err(error) = AliyunSmsConfig::load(&json, &LoadOptions::strict()) {
        eprintln!("strict mode refuses it:\n{error}");
    }
    println!("{} templates in use", loaded.config.templates.len());
    Ok(())
}
