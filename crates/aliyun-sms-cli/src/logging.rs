//! `-v`, `-vv` and `RUST_LOG`: the connector's tracing events, on stderr.

use tracing_subscriber::EnvFilter;

/// What `-v` and `-vv` (and more) turn on before `RUST_LOG` adds its own directives.
fn directives(verbose: u8) -> &'static str {
    match verbose {
        0 => "",
        1 => "aliyun_sms=info,tencent_sms=info,send_guard=info,connector_kit=info",
        2 => "info,aliyun_sms=debug,tencent_sms=debug,send_guard=debug,connector_kit=debug",
        _ => "trace",
    }
}

/// Installs a log on stderr when `-v` or `RUST_LOG` asks for one; otherwise logs nothing (the
/// command prints its own outcome).
pub fn init(verbose: u8) {
    let from_environment = std::env::var(EnvFilter::DEFAULT_ENV).unwrap_or_default();
    let directives = [directives(verbose), from_environment.trim()]
        .into_iter()
        .filter(|d| !d.is_empty())
        .collect::<Vec<_>>()
        .join(",");
    if directives.is_empty() {
        return;
    }
    let filter = EnvFilter::try_new(&directives).unwrap_or_else(|error| {
        eprintln!(
            "warning: RUST_LOG={from_environment:?} is not a log filter ({error}); using -v only"
        );
        EnvFilter::new(self::directives(verbose.max(1)))
    });
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_level_is_a_valid_filter() {
        for verbose in 1..=3 {
            assert!(EnvFilter::try_new(directives(verbose)).is_ok(), "{verbose}");
        }
    }
}
