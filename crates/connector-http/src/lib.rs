//! The HTTP exchange that SMS connectors share, on [`reqwest`]: a client with safe defaults,
//! one POST with a deadline, a capped body read, and failures told apart by what a caller may
//! do next.
//!
//! - [`default_client`]: the client a connector builds when its user hands in none (rustls
//!   with ring, HTTP/2 where the server offers it, idle connections closed in the background
//!   after [`IDLE_TIMEOUT`], proxies from the environment, the system's trusted roots beside
//!   the bundled Mozilla ones, a connect timeout, no redirects followed).
//! - [`post`]: one POST, answered or failed before a deadline, with any [`reqwest::Client`].
//! - [`Failure`]: why there is no [`Answer`], by outcome: nothing was sent (with its
//!   [`Cause`]: DNS, refused, TLS, proxy, timeout), it may have been sent, a status arrived and
//!   then the body failed, the deadline passed, or the request could not be built;
//!   [`Failure::send_error`] and [`Failure::query_error`] make it the kit's `ConnectorError`
//!   with the flags a send (never resent once it may have gone out) or a query (always safe to
//!   ask again) calls for, and [`invalid_answer`] is the error of an answer that cannot be read.
//! - [`Endpoint`]: a connector's `endpoint` setting, checked (https, or http to loopback only).
//! - [`ExchangeSettings`]: a config's `connectTimeoutMs`, `timeoutMs` and `maxAttempts`, read
//!   with one default and range for every provider.
//!
//! A request counts as sent from the moment the HTTP stack takes the first byte of its body:
//! until then no server can have acted on it, so a connector may send it again. After that, a
//! failure leaves the outcome unknown.
//!
//! ```
//! use std::time::Duration;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A one-answer server on loopback.
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let url: reqwest::Url = format!("http://{}/", listener.local_addr()?).parse()?;
//! tokio::spawn(async move {
//!     let (mut socket, _) = listener.accept().await.unwrap();
//!     let mut request = [0u8; 1024];
//!     let _ = socket.read(&mut request).await;
//!     let _ = socket
//!         .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\n{\"ok\":true}")
//!         .await;
//! });
//!
//! let client = connector_http::default_client(&url, Duration::from_secs(1))?;
//! let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
//! let headers = [("content-type", "application/x-www-form-urlencoded")];
//! let answer = connector_http::post(&client, &url, headers, "a=1", 64 * 1024, deadline).await?;
//! assert_eq!((answer.status, &answer.body[..]), (200, &b"{\"ok\":true}"[..]));
//!
//! // Nobody listens there any more: nothing was sent, and the cause says why.
//! let failure = connector_http::post(&client, &url, headers, "a=1", 1024, deadline)
//!     .await
//!     .unwrap_err();
//! assert!(failure.nothing_sent(), "{failure}");
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub, missing_debug_implementations)]

mod client;
mod endpoint;
mod errors;
mod failure;
mod post;
mod settings;

pub use client::{IDLE_TIMEOUT, default_client, is_loopback};
pub use endpoint::Endpoint;
pub use errors::{Exchange, SNIPPET_BYTES, invalid_answer, snippet};
pub use failure::{Cause, Failure};
pub use post::{Answer, post};
pub use settings::{
    CONNECT_TIMEOUT_MS_RANGE, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_MS,
    ExchangeSettings, MAX_ATTEMPTS_RANGE, TIMEOUT_MS_RANGE,
};
