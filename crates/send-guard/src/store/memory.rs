use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{BudgetKey, FullBudget, Reservation, Reserved, Store, StoreError};

/// How often at most the whole map is swept for keys whose window has passed (and only after
/// a quarter as many reserves as it held keys, so a sweep costs at most 4 key checks a reserve).
const SWEEP_EVERY: Duration = Duration::from_secs(10);

type Clock = Arc<dyn Fn() -> Duration + Send + Sync>;

/// Budgets counted in this process: the default, for a service with one instance. Several
/// instances each counting their own give each number several times its limit: use a
/// [`RedisStore`](crate::RedisStore) for them.
///
/// State is bounded: a key is dropped once its window has passed, and holds at most its limit.
pub struct MemoryStore {
    state: Mutex<State>,
    clock: Clock,
    /// Keys are held as a 64-bit keyed hash of their text (seeded at random per store): no
    /// allocation per new key, and a compare in the table itself.
    hasher: RandomState,
}

#[derive(Default)]
struct State {
    keys: HashMap<u64, Units, BuildHasherDefault<Seeded>>,
    next_id: u64,
    last_sweep: u64,
    len_after_sweep: usize,
    reserves_since_sweep: usize,
}

/// The map's hasher: its keys are already seeded hashes, so hashing them again would only cost.
#[derive(Default)]
struct Seeded(u64);

impl Hasher for Seeded {
    fn write(&mut self, bytes: &[u8]) {
        // Never called for a u64 key; any mix will do.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The most budgets whose key hashes a reserve keeps on the stack.
const ON_STACK: usize = 8;

/// One key: the (time in ms, reservation id) of each unit in its window, oldest first.
struct Units {
    /// When its newest unit leaves the longest window it was reserved with, in ms: then it
    /// can go. Kept beside the units, so that a sweep reads no unit.
    expires: u64,
    units: VecDeque<(u64, u64)>,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("keys", &self.state().keys.len())
            .finish_non_exhaustive()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// An empty store on the process's monotonic clock.
    pub fn new() -> Self {
        let start = Instant::now();
        Self::with_clock(move || start.elapsed())
    }

    /// An empty store reading time from `clock` (time since any fixed start), for tests.
    pub fn with_clock(clock: impl Fn() -> Duration + Send + Sync + 'static) -> Self {
        MemoryStore {
            state: Mutex::default(),
            clock: Arc::new(clock),
            hasher: RandomState::new(),
        }
    }

    /// How many keys it holds (for tests of its bounds).
    pub fn len(&self) -> usize {
        self.state().keys.len()
    }

    /// Whether it holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The synchronous heart of [`Store::reserve`].
    pub fn reserve_now(&self, budgets: &[BudgetKey]) -> Reserved {
        let now = millis((self.clock)());
        let mut on_stack = [0; ON_STACK];
        let mut on_heap = Vec::new();
        let keys = if budgets.len() <= ON_STACK {
            &mut on_stack[..budgets.len()]
        } else {
            on_heap.resize(budgets.len(), 0);
            &mut on_heap[..]
        };
        for (key, budget) in keys.iter_mut().zip(budgets) {
            *key = self.hasher.hash_one(&budget.key);
        }
        let mut state = self.state();
        state.sweep_if_due(now);
        let mut full = Vec::new();
        let mut refused = false;
        for (index, budget) in budgets.iter().enumerate() {
            let window = millis(budget.window);
            let Some(Units { units, .. }) = state.keys.get_mut(&keys[index]) else {
                continue;
            };
            let limit = budget.limit.max(1) as usize;
            // A key never holds more than its limit, so units that left the window only
            // matter once it is full: prune then. Saturating: a window of `Duration::MAX`
            // (a budget "for ever") must keep its units, not wrap and drop them all.
            if units.len() >= limit {
                while units
                    .front()
                    .is_some_and(|&(at, _)| at.saturating_add(window) <= now)
                {
                    units.pop_front();
                }
            }
            let used = units.len();
            if used >= limit {
                let (oldest, _) = units[used - limit];
                full.push(FullBudget {
                    index,
                    used: u32::try_from(used).unwrap_or(u32::MAX),
                    retry_after: Duration::from_millis(
                        oldest.saturating_add(window).saturating_sub(now),
                    ),
                });
                refused |= budget.enforced;
            }
        }
        if refused {
            return Reserved::Refused { full };
        }
        state.next_id += 1;
        let id = state.next_id;
        let mut taken = Vec::with_capacity(budgets.len());
        for (index, budget) in budgets.iter().enumerate() {
            if full.iter().any(|f| f.index == index) {
                continue;
            }
            let window = millis(budget.window);
            let entry = state.keys.entry(keys[index]).or_insert_with(|| Units {
                expires: 0,
                units: VecDeque::new(),
            });
            entry.units.push_back((now, id));
            entry.expires = entry.expires.max(now.saturating_add(window));
            taken.push(index);
        }
        Reserved::Taken {
            reservation: Reservation::new(id.to_string(), taken),
            full,
        }
    }

    /// The synchronous heart of [`Store::refund`].
    pub fn refund_now(&self, budgets: &[BudgetKey], reservation: &Reservation) {
        let Ok(id) = reservation.id.parse::<u64>() else {
            return;
        };
        let mut state = self.state();
        for budget in reservation.taken.iter().filter_map(|&i| budgets.get(i)) {
            let key = self.hasher.hash_one(&budget.key);
            if let Some(Units { units, .. }) = state.keys.get_mut(&key) {
                // A refund follows its send closely: look from the newest end.
                if let Some(at) = units.iter().rposition(|&(_, unit)| unit == id) {
                    units.remove(at);
                }
            }
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every critical section leaves the map consistent; go on after a panic elsewhere.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// Drops the keys whose units all left their window: when the map doubled since the last
    /// sweep, or [`SWEEP_EVERY`] after it once enough reserves paid for it. Either way a sweep
    /// costs a few key checks per reserve, and the map stays within about twice its live keys.
    fn sweep_if_due(&mut self, now: u64) {
        self.reserves_since_sweep += 1;
        let due = self.keys.len() > 2 * self.len_after_sweep + 1024
            || (now >= self.last_sweep + millis(SWEEP_EVERY)
                && self.reserves_since_sweep >= self.len_after_sweep / 4);
        if !due {
            return;
        }
        self.reserves_since_sweep = 0;
        self.keys
            .retain(|_, key| !key.units.is_empty() && key.expires > now);
        self.last_sweep = now;
        self.len_after_sweep = self.keys.len();
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[async_trait]
impl Store for MemoryStore {
    async fn reserve(&self, budgets: &[BudgetKey]) -> Result<Reserved, StoreError> {
        Ok(self.reserve_now(budgets))
    }

    async fn refund(
        &self,
        budgets: &[BudgetKey],
        reservation: &Reservation,
    ) -> Result<(), StoreError> {
        self.refund_now(budgets, reservation);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    fn clocked() -> (MemoryStore, Arc<AtomicU64>) {
        let now = Arc::new(AtomicU64::new(1_000_000));
        let read = now.clone();
        let store =
            MemoryStore::with_clock(move || Duration::from_millis(read.load(Ordering::SeqCst)));
        (store, now)
    }

    fn budget(key: &str, limit: u32, window_ms: u64, enforced: bool) -> BudgetKey {
        BudgetKey::new(key, limit, Duration::from_millis(window_ms), enforced)
    }

    #[test]
    fn sliding_window_frees_up_when_the_oldest_unit_leaves() {
        let (store, now) = clocked();
        let budgets = [budget("n", 2, 1000, true)];
        assert!(matches!(
            store.reserve_now(&budgets),
            Reserved::Taken { .. }
        ));
        now.fetch_add(300, Ordering::SeqCst);
        assert!(matches!(
            store.reserve_now(&budgets),
            Reserved::Taken { .. }
        ));
        now.fetch_add(100, Ordering::SeqCst);
        let Reserved::Refused { full } = store.reserve_now(&budgets) else {
            panic!("the third in a window is refused")
        };
        assert_eq!(full[0].used, 2);
        assert_eq!(full[0].retry_after, Duration::from_millis(600));
        now.fetch_add(600, Ordering::SeqCst);
        assert!(matches!(
            store.reserve_now(&budgets),
            Reserved::Taken { .. }
        ));
    }

    #[test]
    fn all_or_nothing_and_monitored_budgets_never_refuse() {
        let (store, _) = clocked();
        let tight = budget("tight", 1, 1000, true);
        let wide = budget("wide", 10, 1000, true);
        store.reserve_now(std::slice::from_ref(&tight));
        assert!(matches!(
            store.reserve_now(&[wide.clone(), tight.clone()]),
            Reserved::Refused { .. }
        ));
        let wide_key = store.hasher.hash_one("wide");
        assert!(!store.state().keys.contains_key(&wide_key));

        let watched = budget("tight", 1, 1000, false);
        let Reserved::Taken { reservation, full } = store.reserve_now(&[wide, watched]) else {
            panic!("a monitored budget lets the unit through")
        };
        assert_eq!(full.len(), 1);
        assert_eq!(reservation.taken, [0]);
        let tight_key = store.hasher.hash_one("tight");
        assert_eq!(
            store.state().keys[&tight_key].units.len(),
            1,
            "a full budget takes nothing"
        );
    }

    #[test]
    fn refund_gives_the_unit_back() {
        let (store, _) = clocked();
        let budgets = [budget("n", 1, 1000, true)];
        let Reserved::Taken { reservation, .. } = store.reserve_now(&budgets) else {
            panic!()
        };
        store.refund_now(&budgets, &reservation);
        store.refund_now(&budgets, &reservation);
        assert!(matches!(
            store.reserve_now(&budgets),
            Reserved::Taken { .. }
        ));
        assert!(matches!(
            store.reserve_now(&budgets),
            Reserved::Refused { .. }
        ));
    }

    #[test]
    fn keys_are_dropped_once_their_window_passed() {
        let (store, now) = clocked();
        for i in 0..100 {
            store.reserve_now(&[budget(&format!("k{i}"), 1, 1000, true)]);
        }
        assert_eq!(store.len(), 100);
        now.fetch_add(millis(SWEEP_EVERY), Ordering::SeqCst);
        store.reserve_now(&[budget("last", 1, 1000, true)]);
        assert_eq!(store.len(), 1);
    }
}
