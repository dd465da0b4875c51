//! Project automation, run as `cargo xtask <task>` (the alias is in `.cargo/config.toml`).
//!
//! - `cargo xtask schema`: writes the config's JSON Schema
//!   (`docs/schema/aliyun-sms-config.schema.json`) and the config types tables of the user
//!   guides (`docs/aliyun-sms.md`, `docs/aliyun-sms.zh-CN.md`), all from the Rust config types.
//! - `cargo xtask schema --check`: changes nothing, and fails when one of those files is stale
//!   (CI runs it, and so does a test).

mod schema;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask schema [--check]

  schema           write the config JSON Schema and the docs' config types tables
  schema --check   fail if a generated file is stale, changing nothing";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["schema"] => schema::generate(false),
        ["schema", "--check"] => schema::generate(true),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        [] => Err(format!("no task given\n\n{USAGE}")),
        _ => Err(format!("unknown arguments `{}`\n\n{USAGE}", args.join(" "))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
