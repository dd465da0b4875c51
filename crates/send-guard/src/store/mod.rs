//! Where budgets are counted: the [`Store`] trait, with [`MemoryStore`] (one process) and
//! [`RedisStore`] (every instance of a service).
//!
//! Every store keeps the same model. A budget key holds the reservations of its last window,
//! each with its time; a reservation takes one unit in every budget it falls under, or in
//! none. A budget is full when it holds `limit` reservations; it frees up when the oldest of
//! them leaves the window (a sliding window: never more than `limit` in any `window`). A
//! refund removes the reservation again. A monitored budget never refuses: when full it is
//! reported and left as it is.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

mod memory;
mod redis;

pub use memory::MemoryStore;
pub use redis::RedisStore;

/// One budget a message falls under, as a store sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BudgetKey {
    /// The stored key: never a raw phone number or IP address.
    pub key: String,
    /// The most units the key may hold in a window.
    pub limit: u32,
    /// The window.
    pub window: Duration,
    /// Whether a full budget refuses (else it is only reported).
    pub enforced: bool,
}

impl BudgetKey {
    /// A budget key.
    pub fn new(key: impl Into<String>, limit: u32, window: Duration, enforced: bool) -> Self {
        BudgetKey {
            key: key.into(),
            limit,
            window,
            enforced,
        }
    }
}

/// A budget that had no room, by its index in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FullBudget {
    /// The index of the [`BudgetKey`] in the slice given to [`Store::reserve`].
    pub index: usize,
    /// How many units it held (at least its limit).
    pub used: u32,
    /// When it frees up: when enough of its units leave the window.
    pub retry_after: Duration,
}

/// What a reservation gave.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reserved {
    /// One unit was taken in each budget that had room. `full` lists the monitored budgets
    /// that had none (they took nothing).
    Taken {
        /// What to refund if the message is not sent.
        reservation: Reservation,
        /// Monitored budgets with no room.
        full: Vec<FullBudget>,
    },
    /// An enforced budget had no room: nothing was taken anywhere. `full` lists every full
    /// budget, enforced or monitored.
    Refused {
        /// The full budgets.
        full: Vec<FullBudget>,
    },
}

/// The units one message took, for a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reservation {
    /// Unique across processes.
    pub id: String,
    /// The indexes, in the slice given to [`Store::reserve`], of the budgets where a unit was
    /// taken.
    pub taken: Vec<usize>,
}

impl Reservation {
    /// A reservation.
    pub fn new(id: impl Into<String>, taken: Vec<usize>) -> Self {
        Reservation {
            id: id.into(),
            taken,
        }
    }
}

/// Counts budgets for the guard. Implementations must reserve atomically: two concurrent
/// reservations never both take the last unit of a budget, and a refused one takes nothing.
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug {
    /// Takes one unit in every budget, or none when an enforced budget is full.
    async fn reserve(&self, budgets: &[BudgetKey]) -> Result<Reserved, StoreError>;

    /// Gives the units of a reservation back (the message was not sent); `budgets` are the
    /// ones it was reserved with. Refunding twice, or after the units left their window, is
    /// harmless.
    async fn refund(
        &self,
        budgets: &[BudgetKey],
        reservation: &Reservation,
    ) -> Result<(), StoreError>;
}

/// Why a store could not answer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StoreError {
    message: String,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl StoreError {
    /// An error with a message for people (never a password or a key's subject).
    pub fn new(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
            source: None,
        }
    }

    /// Keeps the underlying error.
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl StdError for StoreError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}
