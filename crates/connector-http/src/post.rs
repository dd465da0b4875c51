//! One POST before a deadline, its body read up to a cap, and whether the request was sent.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicU8;
use std::sync::atomic::Ordering::{AcqRel, Acquire};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use reqwest::Url;
use tokio::time::Instant;

use crate::failure::{Cause, Failure};

/// An answer: the status and at most `max_body + 1` bytes of the body (more than `max_body`
/// means the answer is longer than the caller wanted to read).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body, cut after `max_body + 1` bytes.
    pub body: Vec<u8>,
}

/// POSTs `body` to `url` with `headers` through `client`, and reads the answer, all before
/// `deadline`; at most `max_body + 1` bytes of the body are kept.
///
/// A `host` header among `headers` is left out: the client derives it from `url` (HTTP/1.1)
/// or sends it as the `:authority` (HTTP/2).
///
/// # Errors
///
/// A [`Failure`]: [`Failure::NotSent`] (safe to send again) whenever the HTTP stack had not
/// taken a byte of the body, whatever else happened; otherwise the outcome is unknown.
pub async fn post<'h>(
    client: &reqwest::Client,
    url: &Url,
    headers: impl IntoIterator<Item = (&'h str, &'h str)>,
    body: impl Into<Bytes>,
    max_body: usize,
    deadline: Instant,
) -> Result<Answer, Failure> {
    let gate = Gate::default();
    let mut request = client.post(url.clone());
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("host") {
            request = request.header(name, value);
        }
    }
    let body = GatedBody {
        data: Some(body.into()),
        gate: gate.clone(),
    };
    let request = request
        .body(reqwest::Body::wrap(body))
        .build()
        .map_err(Failure::Invalid)?;

    let mut response = match tokio::time::timeout_at(deadline, client.execute(request)).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) if error.is_builder() => return Err(Failure::Invalid(error)),
        Ok(Err(error)) if gate.abandon() => {
            let cause = Cause::of(&error);
            return Err(Failure::NotSent {
                cause,
                source: Some(error),
            });
        }
        // A client handed in by a user may have a timeout of its own.
        Ok(Err(error)) if error.is_timeout() => return Err(Failure::TimedOut { status: None }),
        Ok(Err(error)) => return Err(Failure::AfterSend(error)),
        Err(_elapsed) if gate.abandon() => {
            return Err(Failure::NotSent {
                cause: Cause::Deadline,
                source: None,
            });
        }
        Err(_elapsed) => return Err(Failure::TimedOut { status: None }),
    };
    if response.url() != url {
        return Err(Failure::Redirected {
            to: response.url().clone(),
        });
    }
    let status = response.status().as_u16();
    let expected = response.content_length().unwrap_or(1024);
    let mut body =
        Vec::with_capacity(usize::try_from(expected).unwrap_or(max_body).min(max_body) + 1);
    let read = async {
        while let Some(chunk) = response.chunk().await? {
            let room = max_body + 1 - body.len();
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() > max_body {
                break;
            }
        }
        Ok::<_, reqwest::Error>(())
    };
    match tokio::time::timeout_at(deadline, read).await {
        Ok(Ok(())) => Ok(Answer { status, body }),
        Ok(Err(error)) if error.is_timeout() => Err(Failure::TimedOut {
            status: Some(status),
        }),
        Ok(Err(source)) => Err(Failure::Body { status, source }),
        Err(_elapsed) => Err(Failure::TimedOut {
            status: Some(status),
        }),
    }
}

/// Decides, once, between "the HTTP stack took the body" and "the caller gave up first".
#[derive(Clone, Default)]
struct Gate(Arc<AtomicU8>);

const WAITING: u8 = 0;
const TAKEN: u8 = 1;
const ABANDONED: u8 = 2;

impl Gate {
    /// The body is being taken; false if the caller gave up first.
    fn take(&self) -> bool {
        match self.0.compare_exchange(WAITING, TAKEN, AcqRel, Acquire) {
            Ok(_) => true,
            Err(state) => state == TAKEN,
        }
    }

    /// The caller gives up; true if no byte of the body was taken (nor ever will be).
    fn abandon(&self) -> bool {
        match self.0.compare_exchange(WAITING, ABANDONED, AcqRel, Acquire) {
            Ok(_) => true,
            Err(state) => state == ABANDONED,
        }
    }
}

/// The request body, in one frame that passes the [`Gate`] first: once the caller has given
/// up, the body fails instead, so a request abandoned before it was sent never is.
struct GatedBody {
    data: Option<Bytes>,
    gate: Gate,
}

/// The error of a body whose request was abandoned before it was sent.
#[derive(Debug)]
struct Abandoned;

impl std::fmt::Display for Abandoned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request was abandoned before it was sent")
    }
}

impl std::error::Error for Abandoned {}

impl http_body::Body for GatedBody {
    type Data = Bytes;
    type Error = Abandoned;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Abandoned>>> {
        let this = self.get_mut();
        let Some(data) = this.data.take() else {
            return Poll::Ready(None);
        };
        Poll::Ready(Some(match this.gate.take() {
            true => Ok(Frame::data(data)),
            false => Err(Abandoned),
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.as_ref().map_or(0, |d| d.len() as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_decides_once() {
        let gate = Gate::default();
        assert!(gate.take() && gate.take(), "taken, and stays taken");
        assert!(!gate.abandon(), "too late to give up unsent");

        let gate = Gate::default();
        assert!(gate.abandon() && gate.abandon());
        assert!(!gate.take(), "an abandoned body is never taken");
    }
}
