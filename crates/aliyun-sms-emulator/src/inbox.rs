//! What the emulator "delivered": one record per number of each accepted send, whichever
//! provider's gateway accepted it.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::lock;

/// The provider whose gateway accepted a send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Provider {
    /// Alibaba Cloud SMS (`dysmsapi` 2017-05-25).
    Aliyun,
    /// Tencent Cloud SMS (API 2021-01-11).
    Tencent,
}

impl Provider {
    /// `aliyun` or `tencent`, as in the inbox's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Aliyun => "aliyun",
            Provider::Tencent => "tencent",
        }
    }
}

/// One text message the emulator delivered to one phone, in the same shape for every provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DeliveredMessage {
    /// Whose gateway accepted the send.
    pub provider: Provider,
    /// The number, normalised (`+8613800138000`); see
    /// [`normalize_phone_number`](crate::normalize_phone_number).
    pub phone_number: String,
    /// The sign name it was sent with (Aliyun's `SignName`, Tencent's `SignName`; empty for a
    /// Tencent international message sent without one).
    pub sign_name: String,
    /// The template it was sent with (Aliyun's `TemplateCode`, Tencent's `TemplateId`).
    pub template_code: String,
    /// The text the phone shows: `【sign name】` + the rendered template.
    pub content: String,
    /// The template parameters: Aliyun's `TemplateParam` by name; Tencent's `TemplateParamSet`
    /// by position, keyed `"1"`, `"2"`, ... as its templates' `{1}`, `{2}`.
    pub params: BTreeMap<String, String>,
    /// The provider's id for the message: Aliyun's `BizId` (shared by all numbers of one
    /// request), Tencent's `SerialNo` (one per number).
    pub biz_id: String,
    /// The caller's reference, if it gave one: Aliyun's `OutId`, Tencent's `SessionContext`.
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
