//! Signature nonces seen recently (`SignatureNonceUsed`), in bounded memory.
//!
//! A nonce is remembered for twice the timestamp window: a request signed up to 15 minutes
//! ahead of the clock stays acceptable until 15 minutes after its timestamp, so 30 minutes
//! after arrival no replay of it can pass the timestamp check any more. Past `capacity`
//! nonces the oldest are forgotten first.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::error::ApiError;
use super::verify::TIMESTAMP_WINDOW;
use crate::lock;

/// How many nonces are remembered at most (about 100 bytes each).
pub(crate) const NONCE_CAPACITY: usize = 200_000;

#[derive(Debug)]
pub(crate) struct NonceStore {
    nonces: Mutex<Nonces>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Nonces {
    seen: HashSet<Arc<str>>,
    /// (forget after, in ms; nonce), in arrival order.
    order: VecDeque<(i64, Arc<str>)>,
}

impl NonceStore {
    pub fn new(capacity: usize) -> Self {
        NonceStore {
            nonces: Mutex::new(Nonces::default()),
            capacity,
        }
    }

    /// Remember `nonce` of `access_key_id`, or `SignatureNonceUsed` if it is remembered.
    pub fn remember(
        &self,
        access_key_id: &str,
        nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let now = now.timestamp_millis();
        let key: Arc<str> = format!("{access_key_id}\n{nonce}").into();
        let mut nonces = lock(&self.nonces);
        while let Some((forget_after, _)) = nonces.order.front() {
            if *forget_after > now && nonces.order.len() < self.capacity {
                break;
            }
            if let Some((_, old)) = nonces.order.pop_front() {
                nonces.seen.remove(&old);
            }
        }
        if !nonces.seen.insert(key.clone()) {
            return Err(ApiError::nonce_used());
        }
        let remember_ms = 2 * TIMESTAMP_WINDOW.num_milliseconds();
        nonces
            .order
            .push_back((now.saturating_add(remember_ms), key));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn reuse_is_refused_until_forgotten() {
        let store = NonceStore::new(10);
        let t0: DateTime<Utc> = "2024-01-05T06:07:08Z".parse().unwrap();
        store.remember("id", "n1", t0).unwrap();
        assert_eq!(
            store.remember("id", "n1", t0).unwrap_err().code,
            "SignatureNonceUsed"
        );
        // Another key's nonce space is its own.
        store.remember("other", "n1", t0).unwrap();
        assert!(
            store
                .remember("id", "n1", t0 + Duration::minutes(29))
                .is_err()
        );
        store
            .remember("id", "n1", t0 + Duration::minutes(31))
            .unwrap();
    }

    #[test]
    fn memory_is_bounded() {
        let store = NonceStore::new(3);
        let t0: DateTime<Utc> = "2024-01-05T06:07:08Z".parse().unwrap();
        for i in 0..10 {
            store.remember("id", &i.to_string(), t0).unwrap();
        }
        assert!(lock(&store.nonces).seen.len() <= 3);
        assert!(store.remember("id", "9", t0).is_err());
    }
}
