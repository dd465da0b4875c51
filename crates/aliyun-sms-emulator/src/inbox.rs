//! What the emulator "delivered": one record per number of each accepted send.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::lock;

/// One text message the emulator delivered to one phone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeliveredMessage {
    /// The number, normalised (`+8613800138000`); see
    /// [`normalize_phone_number`](crate::normalize_phone_number).
    pub phone_number: String,
    /// The `SignName` it was sent with.
    pub sign_name: String,
    /// The `TemplateCode` it was sent with.
    pub template_code: String,
    /// The text the phone shows: `【SignName】` + the rendered template.
    pub content: String,
    /// The template parameters (`TemplateParam`).
    pub params: BTreeMap<String, String>,
    /// The `BizId` of the send (shared by all numbers of one request).
    pub biz_id: String,
    /// The caller's `OutId`, if it gave one.
    pub out_id: Option<String>,
    /// When it was sent, by the emulator's clock.
    pub sent_at: DateTime<Utc>,
    /// The `RequestId` of the answer to the send.
    pub request_id: String,
}

/// The delivered messages, oldest first, at most `capacity` of them.
#[derive(Debug)]
pub(crate) struct Inbox {
    messages: Mutex<VecDeque<DeliveredMessage>>,
    capacity: usize,
    deliveries: broadcast::Sender<DeliveredMessage>,
}

impl Inbox {
    pub fn new(capacity: usize) -> Self {
        Inbox {
            messages: Mutex::new(VecDeque::new()),
            capacity,
            deliveries: broadcast::channel(1024).0,
        }
    }

    pub fn deliver(&self, batch: Vec<DeliveredMessage>) {
        if self.deliveries.receiver_count() > 0 {
            for message in &batch {
                // No receiver left in between is fine: nobody is listening.
                let _ = self.deliveries.send(message.clone());
            }
        }
        let mut messages = lock(&self.messages);
        messages.extend(batch);
        let excess = messages.len().saturating_sub(self.capacity);
        messages.drain(..excess);
    }

    pub fn all(&self) -> Vec<DeliveredMessage> {
        lock(&self.messages).iter().cloned().collect()
    }

    /// Messages to `phone_number` (normalised) that `keep` accepts, newest first.
    pub fn find(
        &self,
        phone_number: &str,
        keep: impl Fn(&DeliveredMessage) -> bool,
    ) -> Vec<DeliveredMessage> {
        lock(&self.messages)
            .iter()
            .rev()
            .filter(|m| m.phone_number == phone_number && keep(m))
            .cloned()
            .collect()
    }

    pub fn clear(&self) -> usize {
        let mut messages = lock(&self.messages);
        let count = messages.len();
        messages.clear();
        count
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DeliveredMessage> {
        self.deliveries.subscribe()
    }
}
