//! `aliyun-sms check-config FILE [--provider P] [--strict]` (`-` reads standard input): the
//! provider's loader on the file (nothing is sent), every problem and warning with its JSON
//! path; and the capped reading of a config file that `send` and `status` share.

use std::error::Error as _;
use std::path::Path;

use connector_kit::config::{
    ConfigError, ConfigProblem, ConfigWarnings, DEFAULT_MAX_BYTES, Loaded, ReadError, read_config,
    source_name,
};
use connector_kit::{ConnectorError, ConnectorFactory, ErrorKind, Registry};
use serde_json::{Value, json};

use crate::output::{EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, report_error, report_failure};
use crate::providers;

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

/// What the loader found: problems (none when the config loads) and warnings, each list with
/// how many were left out of it.
#[derive(Default)]
struct Findings {
    problems: Vec<ConfigProblem>,
    omitted_problems: usize,
    warnings: Vec<ConfigProblem>,
    omitted_warnings: usize,
}

impl Findings {
    fn loaded<T>(result: Result<Loaded<T>, ConfigError>) -> Self {
        match result {
            Ok(loaded) => Self::with_warnings(loaded.warnings),
            Err(error) => Findings {
                problems: error.problems,
                omitted_problems: error.omitted,
                ..Self::with_warnings(error.warnings)
            },
        }
    }

    fn with_warnings(warnings: ConfigWarnings) -> Self {
        Findings {
            warnings: warnings.warnings,
            omitted_warnings: warnings.omitted,
            ..Findings::default()
        }
    }
}

/// The provider's loader on `text`: its own loader where the command knows it (warnings and
/// strict mode), else the registry's build (problems only).
fn findings(
    registry: &Registry,
    factory: &dyn ConnectorFactory,
    text: &str,
    strict: bool,
) -> Findings {
    match factory.metadata().target {
        "aliyun-sms" => {
            let options = aliyun_sms::LoadOptions::default().with_strict(strict);
            Findings::loaded(aliyun_sms::AliyunSmsConfig::load(text, &options))
        }
        "tencent-sms" => {
            let options = if strict {
                tencent_sms::LoadOptions::strict()
            } else {
                tencent_sms::LoadOptions::default()
            };
            match tencent_sms::TencentSmsConfig::load(text, &options) {
                Ok(_) => Findings::default(),
                Err(error) => Findings {
                    problems: error
                        .problems
                        .into_iter()
                        .map(|p| ConfigProblem::new(p.path, p.message))
                        .collect(),
                    ..Findings::default()
                },
            }
        }
        _ => match registry.build(factory.metadata().id, text) {
            Ok(_) => Findings::default(),
            Err(error) => Findings {
                problems: problems(&error),
                ..Findings::default()
            },
        },
    }
}

pub fn run(file: &Path, provider: Option<&str>, strict: bool, json: bool) -> u8 {
    let name = source_name(file);
    let text = match read_config_text(file) {
        Ok(text) => text,
        Err((message, exit)) => return report_failure(&message, json, exit),
    };
    let registry = providers::registry();
    let factory = match providers::choose(&registry, provider, &text) {
        Ok(factory) => factory,
        Err(error) => return report_error(&error, json, None),
    };
    let id = factory.metadata().id;
    let found = findings(&registry, factory, &text, strict);
    let valid = found.problems.is_empty() && found.omitted_problems == 0;
    if json {
        println!(
            "{}",
            json!({
                "ok": valid,
                "provider": id,
                "strict": strict,
                "problems": listed(&found.problems),
                "omittedProblems": found.omitted_problems,
                "warnings": listed(&found.warnings),
                "omittedWarnings": found.omitted_warnings,
            })
        );
    } else if valid {
        let count = found.warnings.len() + found.omitted_warnings;
        if count == 0 {
            println!("{name} ({id}): valid");
        } else {
            println!("{name} ({id}): valid, with {count} warning(s) (--strict refuses them)");
        }
        print_warnings(&found);
    } else {
        let count = found.problems.len() + found.omitted_problems;
        eprintln!("{name}: {count} problem(s) as a config of {id}");
        for problem in &found.problems {
            eprintln!("  {problem}");
        }
        if found.omitted_problems > 0 {
            eprintln!("  … and {} more problems", found.omitted_problems);
        }
        print_warnings(&found);
    }
    if valid { EXIT_OK } else { EXIT_BAD_INPUT }
}

fn listed(findings: &[ConfigProblem]) -> Vec<Value> {
    findings
        .iter()
        .map(|p| json!({ "path": p.path, "message": p.message }))
        .collect()
}

fn print_warnings(found: &Findings) {
    for warning in &found.warnings {
        eprintln!("  warning: {warning}");
    }
    if found.omitted_warnings > 0 {
        eprintln!("  … and {} more warnings", found.omitted_warnings);
    }
}

/// Every problem of a config error: the kit's problem list when it is the error's source,
/// else the one problem the error names.
fn problems(error: &ConnectorError) -> Vec<ConfigProblem> {
    if error.kind() == ErrorKind::InvalidConfig {
        if let Some(config) = error.source().and_then(|s| s.downcast_ref::<ConfigError>()) {
            return config.problems.clone();
        }
    }
    let field = error.field().unwrap_or_default();
    let message = error.message();
    let message = message
        .strip_prefix(&format!("{field}: "))
        .unwrap_or(message);
    vec![ConfigProblem::new(field, message)]
}
