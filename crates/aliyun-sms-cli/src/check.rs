//! `aliyun-sms check-config FILE [--provider P]`: the provider's connector built from the file
//! through the registry (nothing is sent), every problem with its JSON path.

use std::error::Error as _;
use std::path::Path;

use connector_kit::{ConnectorError, ErrorKind};
use serde_json::json;

use crate::output::{EXIT_BAD_INPUT, EXIT_OK, report_error, report_failure};
use crate::providers;
use crate::send::read_config;

pub fn run(file: &Path, provider: Option<&str>, json: bool) -> u8 {
    let text = match read_config(file) {
        Ok(text) => text,
        Err((message, exit)) => return report_failure(&message, json, exit),
    };
    let registry = providers::registry();
    let factory = match providers::choose(&registry, provider, &text) {
        Ok(factory) => factory,
        Err(error) => return report_error(&error, json, None),
    };
    let id = factory.metadata().id;
    let error = match registry.build(id, &text) {
        Ok(_) => {
            if json {
                println!("{}", json!({ "ok": true, "provider": id, "problems": [] }));
            } else {
                println!("{} ({id}): valid", file.display());
            }
            return EXIT_OK;
        }
        Err(error) if error.kind() == ErrorKind::InvalidConfig => error,
        Err(error) => return report_error(&error, json, None),
    };
    let problems = problems(&error);
    if json {
        let listed: Vec<_> = problems
            .iter()
            .map(|(path, message)| json!({ "path": path, "message": message }))
            .collect();
        println!(
            "{}",
            json!({ "ok": false, "provider": id, "problems": listed })
        );
    } else {
        eprintln!(
            "{}: {} problem(s) as a config of {id}",
            file.display(),
            problems.len()
        );
        for (path, message) in &problems {
            if path.is_empty() {
                eprintln!("  {message}");
            } else {
                eprintln!("  {path}: {message}");
            }
        }
    }
    EXIT_BAD_INPUT
}

/// Every problem of a config error as `(JSON path, message)`: the provider crate's own list
/// when it is the error's source, else the one problem the error names.
fn problems(error: &ConnectorError) -> Vec<(String, String)> {
    let source = error.source();
    if let Some(config) = source.and_then(|s| s.downcast_ref::<aliyun_sms::ConfigError>()) {
        let listed = config.problems.iter();
        return listed
            .map(|p| (p.path.clone(), p.message.clone()))
            .collect();
    }
    if let Some(config) = source.and_then(|s| s.downcast_ref::<tencent_sms::ConfigError>()) {
        let listed = config.problems.iter();
        return listed
            .map(|p| (p.path.clone(), p.message.clone()))
            .collect();
    }
    let field = error.field().unwrap_or_default().to_owned();
    let message = error.message();
    let message = message
        .strip_prefix(&format!("{field}: "))
        .unwrap_or(message)
        .to_owned();
    vec![(field, message)]
}
