//! `aliyun-sms`: send a verification code (through the embedded emulator unless a config points
//! at a provider), look up its delivery, check a config, explain a signature, serve the
//! emulator, measure a load. Every provider of the kit's registry ([`providers::registry`]).

mod bench;
mod check;
mod emulator;
mod guard;
mod logging;
mod output;
mod providers;
mod send;
mod sign;
mod status;
mod wait;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand};
use connector_kit::UsageType;

#[derive(Parser)]
#[command(
    name = "aliyun-sms",
    version,
    about,
    propagate_version = true,
    after_help = output::EXIT_CODES_HELP
)]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Show the connector's log on stderr: -v what each attempt did, -vv more detail.
    /// RUST_LOG (e.g. RUST_LOG=aliyun_sms=debug) adds its own directives.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Send a verification code: to the embedded emulator, or with --config to the provider
    /// it configures.
    #[command(after_help = output::EXIT_CODES_HELP)]
    Send {
        /// The recipient, as people type it (+8613800138000, 13800138000, (+86) 138 0013 8000,
        /// +1 862 401 7194).
        #[arg(long)]
        to: String,
        /// Why the code is sent; chooses the template (Generic when the config has none for it).
        #[arg(long, default_value = "SignIn", value_parser = usage_type_parser())]
        usage: UsageType,
        /// The code: 4 to 6 letters or digits (what Aliyun accepts in a verification-code
        /// template; Tencent takes digits only); a random 6-digit code when absent.
        #[arg(long)]
        code: Option<String>,
        /// A connector config (the Logto JSON of the provider); without it the embedded
        /// emulator is used, with its demo account of --provider (Aliyun's by default).
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long, help = providers::PROVIDER_HELP)]
        provider: Option<String>,
        /// Your own reference for the message (Aliyun's OutId, Tencent's SessionContext), to
        /// find it with `status`.
        #[arg(long)]
        reference: Option<String>,
        /// A send guard's config (JSON, docs/send-guard.md): its rules and budgets refuse a
        /// message before the provider sees it (exit code 4, the budget named).
        #[arg(long, value_name = "FILE")]
        guard: Option<PathBuf>,
        /// The Redis the guard's budgets are counted in (redis://host:port/db), shared by
        /// every process that uses it; without it they are counted in this process only.
        #[arg(long, value_name = "URL", requires = "guard")]
        redis: Option<String>,
        /// Send the code this many times, one after the other, stopping at the first failure
        /// (to try a guard's budgets or the provider's per-number limits); a fresh random code
        /// each time unless --code.
        #[arg(long, default_value_t = 1, value_name = "N")]
        repeat: u32,
    },
    /// Look up what the provider knows of messages sent to a number: delivered, failed with
    /// the carrier's code, waiting, or not found (the connector's delivery lookup: Aliyun's
    /// QuerySendDetails, Tencent's PullSmsSendStatusByPhoneNumber).
    #[command(after_help = output::EXIT_CODES_HELP)]
    Status(status::StatusArgs),
    /// Validate a connector config and print every problem and warning with its JSON path.
    CheckConfig {
        /// The config file (the Logto JSON of the provider); `-` reads standard input. At most
        /// 1 MiB.
        file: PathBuf,
        #[arg(long, help = providers::PROVIDER_HELP)]
        provider: Option<String>,
        /// Refuse what would load with a warning (a stray key, a `Test` template, a padded
        /// sign name), instead of accepting it as Logto does.
        #[arg(long)]
        strict: bool,
    },
    /// Print every stage of a signature: Aliyun's RPC V1 (to debug SignatureDoesNotMatch), or
    /// with `sign tc3` Tencent's TC3-HMAC-SHA256 (to debug AuthFailure.SignatureFailure).
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Sign(Box<sign::SignArgs>),
    /// Serve the emulator of Aliyun's and Tencent's SMS endpoints with their demo accounts on
    /// loopback until interrupted, showing each message it delivers.
    Emulator(emulator::EmulatorArgs),
    /// Send many messages through the real connector to a loopback server and report the cost.
    Bench(bench::BenchArgs),
    /// (internal) The canned-OK server the bench runs in a child process.
    #[command(hide = true)]
    CannedServer,
}

/// The usage types as choices `--help` lists.
fn usage_type_parser() -> impl TypedValueParser<Value = UsageType> {
    PossibleValuesParser::new(UsageType::ALL.map(UsageType::as_str))
        .try_map(|name| name.parse::<UsageType>())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.verbose);
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
                provider,
                reference,
                guard,
                redis,
                repeat,
            } => {
                send::run(send::SendArgs {
                    to,
                    usage,
                    code,
                    config,
                    provider,
                    reference,
                    guard,
                    redis,
                    repeat,
                    json,
                })
                .await
            }
            Command::Status(args) => status::run(args, json).await,
            Command::CheckConfig {
                file,
                provider,
                strict,
            } => check::run(&file, provider.as_deref(), strict, json),
            Command::Sign(args) => sign::run(&args, json),
            Command::Emulator(args) => emulator::run(args, json).await,
            Command::Bench(args) => bench::run(args, json).await,
            Command::CannedServer => bench::canned_server().await,
        }
    });
    ExitCode::from(code)
}
