//! `aliyun-sms check-config FILE` (`-` reads standard input), and the capped reading of a
//! config file that `send --config` shares.

use std::path::Path;

use aliyun_sms::{AliyunSmsConfig, ConfigProblem, LoadOptions};
use connector_kit::config::{DEFAULT_MAX_BYTES, ReadError, read_config, source_name};
use serde_json::{Value, json};

use crate::output::{EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, report_failure};

/// Reads a config file, or standard input for `-`, with the loader's size cap (1 MiB): the
/// text, or the message and exit code of the failure (a file too large or not UTF-8 is bad
/// input; one that cannot be read is a local failure).
pub fn read_config_text(path: &Path) -> Result<String, (String, u8)> {
    read_config(path, DEFAULT_MAX_BYTES).map_err(|error| {
        let name = source_name(path);
        match error {
            ReadError::Io(error) => (format!("cannot read {name}: {error}"), EXIT_INTERNAL),
            other => (format!("{name} {other}"), EXIT_BAD_INPUT),
        }
    })
}

pub fn run(file: &Path, strict: bool, json: bool) -> u8 {
    let name = source_name(file);
    let text = match read_config_text(file) {
        Ok(text) => text,
        Err((message, exit)) => return report_failure(&message, json, exit),
    };
    let options = LoadOptions::default().with_strict(strict);
    match AliyunSmsConfig::load(&text, &options) {
        Ok(loaded) => {
            let warnings = &loaded.warnings;
            if json {
                println!(
                    "{}",
                    json!({
                        "ok": true,
                        "strict": strict,
                        "problems": [],
                        "warnings": listed(&warnings.warnings),
                        "omittedWarnings": warnings.omitted,
                    })
                );
            } else if warnings.is_empty() {
                println!("{name}: valid");
            } else {
                println!(
                    "{name}: valid, with {} warning(s) (--strict refuses them)",
                    warnings.count()
                );
                print_warnings(&warnings.warnings, warnings.omitted);
            }
            EXIT_OK
        }
        Err(error) => {
            if json {
                println!(
                    "{}",
                    json!({
                        "ok": false,
                        "strict": strict,
                        "problems": listed(&error.problems),
                        "omittedProblems": error.omitted,
                        "warnings": listed(&error.warnings.warnings),
                        "omittedWarnings": error.warnings.omitted,
                    })
                );
            } else {
                let count = error.problems.len() + error.omitted;
                eprintln!("{name}: {count} problem(s)");
                for problem in &error.problems {
                    eprintln!("  {problem}");
                }
                if error.omitted > 0 {
                    eprintln!("  … and {} more problems", error.omitted);
                }
                print_warnings(&error.warnings.warnings, error.warnings.omitted);
            }
            EXIT_BAD_INPUT
        }
    }
}

fn listed(findings: &[ConfigProblem]) -> Vec<Value> {
    findings
        .iter()
        .map(|p| json!({ "path": p.path, "message": p.message }))
        .collect()
}

fn print_warnings(warnings: &[ConfigProblem], omitted: usize) {
    for warning in warnings {
        eprintln!("  warning: {warning}");
    }
    if omitted > 0 {
        eprintln!("  … and {omitted} more warnings");
    }
}
