use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Script};

use super::{BudgetKey, FullBudget, Reservation, Reserved, Store, StoreError};

/// Reserves across all of a message's keys in one round trip, on Redis's own clock.
const RESERVE: &str = include_str!("reserve.lua");
/// Removes a reservation from its keys.
const REFUND: &str = include_str!("refund.lua");

/// Budgets counted in Redis, shared by every instance of a service.
///
/// Each reservation is one `EVALSHA` of a Lua script that reads Redis's clock (`TIME`), so
/// instances with skewed clocks agree, and checks and takes a unit in every key of the message
/// at once. The keys share a Redis Cluster hash slot (`{prefix}`). Each key is a sorted set of
/// reservations that expires with its window.
///
/// The connection is a [`ConnectionManager`]: it is made on first use (a service starts while
/// Redis is down) and made again after Redis comes back. The guard bounds every call with its
/// `storeTimeoutMs`.
pub struct RedisStore {
    connection: ConnectionManager,
    reserve: Script,
    refund: Script,
    instance: u64,
    counter: AtomicU64,
}

impl fmt::Debug for RedisStore {
    /// Never prints the URL: it may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("instance", &format_args!("{:016x}", self.instance))
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store at `url` (`redis://[:password@]host:port[/db]`), connecting on first use, each
    /// connection attempt and each answer bounded by `timeout`. Must be called inside a Tokio
    /// runtime. The error never repeats the URL.
    pub fn open(url: &str, timeout: Duration) -> Result<Self, StoreError> {
        let client = Client::open(url).map_err(|e| {
            StoreError::new(format!(
                "the Redis URL is not valid ({:?}); expected redis://[:password@]host:port[/db]",
                e.kind()
            ))
        })?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(20))
            .set_max_delay(timeout);
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| store_error("cannot set up the Redis connection", e))?;
        Ok(Self::with_connection(connection))
    }

    /// A store on a connection manager you configured yourself.
    pub fn with_connection(connection: ConnectionManager) -> Self {
        let random = uuid::Uuid::new_v4().as_u128();
        RedisStore {
            connection,
            reserve: Script::new(RESERVE),
            refund: Script::new(REFUND),
            instance: (random >> 64) as u64 ^ random as u64,
            counter: AtomicU64::new(0),
        }
    }
}

fn store_error(what: &str, error: redis::RedisError) -> StoreError {
    StoreError::new(what.to_owned()).with_source(error)
}

#[async_trait]
impl Store for RedisStore {
    async fn reserve(&self, budgets: &[BudgetKey]) -> Result<Reserved, StoreError> {
        let id = format!(
            "{:x}.{:x}",
            self.instance,
            self.counter.fetch_add(1, Ordering::Relaxed)
        );
        let mut invocation = self.reserve.prepare_invoke();
        invocation.arg(&id);
        for budget in budgets {
            invocation
                .key(&budget.key)
                .arg(budget.limit.max(1))
                .arg(u64::try_from(budget.window.as_millis()).unwrap_or(u64::MAX))
                .arg(u8::from(budget.enforced));
        }
        let mut connection = self.connection.clone();
        let reply: Vec<i64> = invocation
            .invoke_async(&mut connection)
            .await
            .map_err(|e| store_error("Redis did not reserve", e))?;
        parse_reserve(&reply, budgets, id)
    }

    async fn refund(
        &self,
        budgets: &[BudgetKey],
        reservation: &Reservation,
    ) -> Result<(), StoreError> {
        if reservation.taken.is_empty() {
            return Ok(());
        }
        let mut invocation = self.refund.prepare_invoke();
        invocation.arg(&reservation.id);
        for budget in reservation.taken.iter().filter_map(|&i| budgets.get(i)) {
            invocation.key(&budget.key);
        }
        let mut connection = self.connection.clone();
        let _: i64 = invocation
            .invoke_async(&mut connection)
            .await
            .map_err(|e| store_error("Redis did not refund", e))?;
        Ok(())
    }
}

/// `[taken (1/0), now_ms, then per key: used, retry_after_ms or -1]`.
fn parse_reserve(reply: &[i64], budgets: &[BudgetKey], id: String) -> Result<Reserved, StoreError> {
    let malformed = || {
        StoreError::new(format!(
            "unexpected answer from the reserve script: {reply:?}"
        ))
    };
    let (&[taken, _now], per_key) = reply.split_first_chunk::<2>().ok_or_else(malformed)?;
    if per_key.len() != 2 * budgets.len() {
        return Err(malformed());
    }
    let full: Vec<FullBudget> = per_key
        .chunks_exact(2)
        .enumerate()
        .filter(|(_, pair)| pair[1] >= 0)
        .map(|(index, pair)| FullBudget {
            index,
            used: u32::try_from(pair[0]).unwrap_or(u32::MAX),
            retry_after: Duration::from_millis(pair[1].unsigned_abs()),
        })
        .collect();
    Ok(match taken {
        1 => Reserved::Taken {
            reservation: Reservation {
                id,
                taken: (0..budgets.len())
                    .filter(|index| full.iter().all(|f| f.index != *index))
                    .collect(),
            },
            full,
        },
        _ => Reserved::Refused { full },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_read_or_refused() {
        let budgets = [
            BudgetKey::new("a", 1, Duration::from_secs(1), true),
            BudgetKey::new("b", 1, Duration::from_secs(1), false),
        ];
        let taken = parse_reserve(&[1, 5, 0, -1, 1, 250], &budgets, "x.1".into()).unwrap();
        let Reserved::Taken { reservation, full } = taken else {
            panic!()
        };
        assert_eq!(reservation.taken, [0]);
        assert_eq!(full[0].index, 1);
        assert_eq!(full[0].retry_after, Duration::from_millis(250));
        assert!(parse_reserve(&[1, 5, 0], &budgets, "x".into()).is_err());
        assert!(parse_reserve(&[], &budgets, "x".into()).is_err());
    }
}
