//! `aliyun-sms`: send a verification code (through the embedded emulator unless a config points
//! at Aliyun), check a config, explain a signature, serve the emulator, measure a load.

mod bench;
mod check;
mod emulator;
mod output;
mod send;
mod sign;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use connector_kit::UsageType;

#[derive(Parser)]
#[command(name = "aliyun-sms", version, about, propagate_version = true)]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Send a verification code: to the embedded emulator, or with --config to Aliyun.
    Send {
        /// The recipient, as people type it (+8613800138000, 13800138000, +1 862 401 7194).
        #[arg(long)]
        to: String,
        /// Why the code is sent; chooses the template.
        #[arg(long, default_value = "SignIn")]
        usage: UsageType,
        /// The code (4 to 6 letters or digits); a random 6-digit code when absent.
        #[arg(long)]
        code: Option<String>,
        /// A connector config (the Logto JSON); without it the embedded emulator is used.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Your own reference for the message (Aliyun's OutId).
        #[arg(long)]
        reference: Option<String>,
    },
    /// Validate a connector config and print every problem and warning with its JSON path.
    CheckConfig {
        /// The config file (the Logto JSON); `-` reads standard input. At most 1 MiB.
        file: PathBuf,
        /// Refuse what would load with a warning (a stray key, a `Test` template, a padded
        /// sign name), instead of accepting it as Logto does.
        #[arg(long)]
        strict: bool,
    },
    /// Print every stage of an RPC V1 signature, to debug SignatureDoesNotMatch.
    Sign(sign::SignArgs),
    /// Serve the emulator with the demo account on loopback until interrupted.
    Emulator {
        /// The port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 8787)]
        port: u16,
    },
    /// Send many messages through the real connector to a loopback server and report the cost.
    Bench(bench::BenchArgs),
    /// (internal) The canned-OK server the bench runs in a child process.
    #[command(hide = true)]
    CannedServer,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut builder = match &cli.command {
        Command::Bench(args) if args.single_thread() => {
            tokio::runtime::Builder::new_current_thread()
        }
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(output::EXIT_INTERNAL);
        }
    };
    let json = cli.json;
    let code = runtime.block_on(async move {
        match cli.command {
            Command::Send {
                to,
                usage,
                code,
                config,
                reference,
            } => {
                send::run(send::SendArgs {
                    to,
                    usage,
                    code,
                    config,
                    reference,
                    json,
                })
                .await
            }
            Command::CheckConfig { file, strict } => check::run(&file, strict, json),
            Command::Sign(args) => sign::run(&args, json),
            Command::Emulator { port } => emulator::run(port, json).await,
            Command::Bench(args) => bench::run(args, json).await,
            Command::CannedServer => bench::canned_server().await,
        }
    });
    ExitCode::from(code)
}
