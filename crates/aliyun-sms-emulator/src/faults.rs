//! Fault injection: what goes wrong with the next requests, and the bodies that go wrong.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame};
use tokio::time::Sleep;

use crate::lock;

/// Something that goes wrong with one API request. Faults apply to requests in arrival
/// order, whichever provider they are for, every path but the emulator's own
/// `/_emulator/...`, which is never faulted. Answers that stand for a provider's (a throttle,
/// an internal error, a spoilt success) are in the shape of the provider the request is for. A
/// faulted request delivers nothing, except [`Fault::Delay`], which is served normally after
/// the delay, and [`Fault::LateAnswer`], which is served at once and answered late.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Wait this long (real time), then answer normally.
    Delay(Duration),
    /// Serve the request at once (a send is delivered), then hold the answer back this long
    /// (real time): a client that gives up first has a message out whose outcome it cannot
    /// know, as when Aliyun's answer is lost.
    LateAnswer(Duration),
    /// Answer exactly this: any status (an invalid one becomes 500), content type (empty:
    /// no `Content-Type` header) and body, e.g. an HTML 502 page or 10 MiB of noise.
    Respond {
        /// HTTP status code.
        status: u16,
        /// `Content-Type` header value; empty for none.
        content_type: String,
        /// The body, sent as it is.
        body: Vec<u8>,
    },
    /// HTTP 200, `application/json`, a body that is not JSON.
    MalformedJson,
    /// HTTP 200, `application/json`, the first half of a valid success answer (with
    /// a matching `Content-Length`).
    TruncatedJson,
    /// Headers at once, then a valid success answer `chunk` bytes at a time, one
    /// chunk every `interval`.
    SlowBody {
        /// Bytes per chunk (0 counts as 1).
        chunk: usize,
        /// Pause before each chunk.
        interval: Duration,
    },
    /// Read the request, then close the TCP connection without sending a single byte.
    CloseConnection,
    /// The provider's throttling answer: Aliyun's `Throttling.User` (HTTP 400, `Request was
    /// denied due to user flow control.`), Tencent's `RequestLimitExceeded` (HTTP 200).
    Throttle,
    /// The provider's internal-error answer, after which the outcome of a send is unknown:
    /// Aliyun's `InternalError` (HTTP 500), Tencent's `InternalError` (HTTP 200).
    InternalError,
}

impl Fault {
    /// [`Fault::Respond`] from borrowed parts.
    pub fn respond(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Fault::Respond {
            status,
            content_type: content_type.to_string(),
            body: body.into(),
        }
    }
}

/// Faults waiting for requests: each entry is a fault and how many requests it still takes.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    queue: Mutex<VecDeque<(Fault, usize)>>,
}

impl FaultQueue {
    pub fn push(&self, fault: Fault, times: usize) {
        if times > 0 {
            lock(&self.queue).push_back((fault, times));
        }
    }

    /// The fault for the request that just arrived, if any.
    pub fn next(&self) -> Option<Fault> {
        let mut queue = lock(&self.queue);
        let (fault, remaining) = queue.front_mut()?;
        *remaining -= 1;
        if *remaining == 0 {
            queue.pop_front().map(|(fault, _)| fault)
        } else {
            Some(fault.clone())
        }
    }

    pub fn clear(&self) {
        lock(&self.queue).clear();
    }
}

/// A body sent `chunk` bytes at a time with a pause before each chunk.
pub(crate) struct TrickleBody {
    data: Bytes,
    chunk: usize,
    interval: Duration,
    pause: Option<Pin<Box<Sleep>>>,
}

impl TrickleBody {
    pub fn new(data: Bytes, chunk: usize, interval: Duration) -> Self {
        TrickleBody {
            data,
            chunk: chunk.max(1),
            interval,
            pause: None,
        }
    }
}

impl Body for TrickleBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.data.is_empty() {
            return Poll::Ready(None);
        }
        let interval = self.interval;
        let pause = self
            .pause
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(interval)));
        if pause.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.pause = None;
        let take = self.chunk.min(self.data.len());
        let piece = self.data.split_to(take);
        Poll::Ready(Some(Ok(Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_hands_out_faults_in_order_and_count() {
        let queue = FaultQueue::default();
        queue.push(Fault::Throttle, 2);
        queue.push(Fault::MalformedJson, 1);
        queue.push(Fault::CloseConnection, 0);
        assert_eq!(queue.next(), Some(Fault::Throttle));
        assert_eq!(queue.next(), Some(Fault::Throttle));
        assert_eq!(queue.next(), Some(Fault::MalformedJson));
        assert_eq!(queue.next(), None);
        queue.push(Fault::Throttle, 5);
        queue.clear();
        assert_eq!(queue.next(), None);
    }
}
