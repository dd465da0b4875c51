//! `send --guard FILE [--redis URL]`: the send guard in front of the connector, its budgets in
//! Redis or, without `--redis`, in this process's memory.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use connector_kit::SmsConnector;
use send_guard::{GuardConfig, MemoryStore, RedisStore, SendGuard, Store};

use crate::output::{EXIT_BAD_INPUT, EXIT_INTERNAL};

/// `inner` behind the guard of the config at `path`; or the message and exit code of what is
/// wrong (every problem of the config, with its JSON path).
pub fn wrap(
    path: &Path,
    redis: Option<&str>,
    inner: Arc<dyn SmsConnector>,
) -> Result<Arc<dyn SmsConnector>, (String, u8)> {
    let name = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|error| (format!("cannot read {name}: {error}"), EXIT_INTERNAL))?;
    let problems = |error: send_guard::ConfigError| {
        let listed: Vec<String> = error.problems.iter().map(ToString::to_string).collect();
        (
            format!("--guard {name}: {}", listed.join("; ")),
            EXIT_BAD_INPUT,
        )
    };
    let config = GuardConfig::from_json(&text).map_err(problems)?;
    let store: Arc<dyn Store> = match redis {
        Some(url) => {
            let timeout = Duration::from_millis(u64::from(config.store_timeout_ms));
            let store = RedisStore::open(url, timeout)
                .map_err(|error| (format!("--redis: {error}"), EXIT_BAD_INPUT))?;
            Arc::new(store)
        }
        None => Arc::new(MemoryStore::new()),
    };
    let guard = SendGuard::new(config, inner, store).map_err(problems)?;
    Ok(Arc::new(guard))
}
