//! `aliyun-sms check-config FILE`

use std::path::Path;

use aliyun_sms::AliyunSmsConfig;
use serde_json::json;

use crate::output::{EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, report_failure};

pub fn run(file: &Path, json: bool) -> u8 {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(error) => {
            let message = format!("cannot read {}: {error}", file.display());
            return report_failure(&message, json, EXIT_INTERNAL);
        }
    };
    match AliyunSmsConfig::from_json(&text) {
        Ok(_) => {
            if json {
                println!("{}", json!({ "ok": true, "problems": [] }));
            } else {
                println!("{}: valid", file.display());
            }
            EXIT_OK
        }
        Err(error) => {
            if json {
                let problems: Vec<_> = error
                    .problems
                    .iter()
                    .map(|p| json!({ "path": p.path, "message": p.message }))
                    .collect();
                println!("{}", json!({ "ok": false, "problems": problems }));
            } else {
                eprintln!("{}: {} problem(s)", file.display(), error.problems.len());
                for problem in &error.problems {
                    eprintln!("  {}: {}", problem.path, problem.message);
                }
            }
            EXIT_BAD_INPUT
        }
    }
}
