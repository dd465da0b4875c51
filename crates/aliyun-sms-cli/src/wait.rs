//! A long wait says what it waits for, on a terminal.

use std::future::Future;
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// How long a wait goes unannounced.
const QUIET_FOR: Duration = Duration::from_secs(1);

/// Runs `future`; when stderr is a terminal and it takes longer than a second, says on stderr
/// that it is waiting for `what`.
pub async fn announced<T>(what: &str, future: impl Future<Output = T>) -> T {
    if std::io::stderr().is_terminal() {
        announced_to(what, future, QUIET_FOR, &mut std::io::stderr()).await
    } else {
        future.await
    }
}

async fn announced_to<T>(
    what: &str,
    future: impl Future<Output = T>,
    quiet_for: Duration,
    out: &mut impl Write,
) -> T {
    let future = std::pin::pin!(future);
    let mut future = future;
    tokio::select! {
        output = &mut future => return output,
        () = tokio::time::sleep(quiet_for) => {
            // A terminal that cannot be written to has nobody to tell.
            let _ = writeln!(out, "waiting for {what} ...");
        }
    }
    future.await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_a_long_wait_is_announced() {
        let mut out = Vec::new();
        let quick = announced_to("x", async { 1 }, Duration::from_millis(200), &mut out).await;
        assert_eq!((quick, out.len()), (1, 0));

        let slow = async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            2
        };
        let answer = announced_to(
            "dysmsapi.aliyuncs.com to answer SendSms",
            slow,
            Duration::from_millis(50),
            &mut out,
        )
        .await;
        assert_eq!(answer, 2);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "waiting for dysmsapi.aliyuncs.com to answer SendSms ...\n"
        );
    }
}
