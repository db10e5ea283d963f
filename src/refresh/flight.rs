//! Single flight: at most one refresh per key (account) runs at a time, whatever asked for it.
//! The first caller leads and runs the work; callers arriving meanwhile join and receive a
//! clone of its result. Generic over the key and the work's output; knows nothing about HTTP
//! or the store.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;

use parking_lot::Mutex;
use tokio::sync::watch;

/// How a caller got its result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flight<T> {
    /// This caller ran the work.
    Led(T),
    /// Another caller's in-flight work produced this result.
    Joined(T),
}

impl<T> Flight<T> {
    /// The result, whoever produced it.
    pub fn into_inner(self) -> T {
        match self {
            Flight::Led(t) | Flight::Joined(t) => t,
        }
    }
    /// Whether this caller did the work (rather than joining another's).
    pub fn led(&self) -> bool {
        matches!(self, Flight::Led(_))
    }
}

type Slot<T> = watch::Receiver<Option<T>>;

/// The gate. Cheap to share behind an `Arc`; the lock is never held across an await.
pub struct SingleFlight<K, T> {
    // The u64 tells flights of one key apart, so a finished leader never removes a newer one.
    inflight: Mutex<HashMap<K, (u64, Slot<T>)>>,
    next_id: Mutex<u64>,
}

impl<K, T> Default for SingleFlight<K, T> {
    fn default() -> Self {
        SingleFlight {
            inflight: Mutex::new(HashMap::new()),
            next_id: Mutex::new(0),
        }
    }
}

impl<K: Eq + Hash + Clone, T: Clone> SingleFlight<K, T> {
    /// A gate with nothing in flight.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether work for `key` is running now (for callers that prefer "already in flight" to
    /// waiting, e.g. a 401 handler that only needs the account marked `refreshing`).
    pub fn in_flight(&self, key: &K) -> bool {
        self.inflight.lock().contains_key(key)
    }

    /// Runs `work` unless work for `key` is already in flight, in which case it waits for that
    /// work's result instead; `work` is then dropped unrun. If a leader is cancelled before
    /// finishing, one of its waiters takes over and runs its own `work`.
    pub async fn run<F, Fut>(&self, key: K, work: F) -> Flight<T>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        loop {
            let joined = {
                let mut map = self.inflight.lock();
                match map.get(&key) {
                    Some((_, rx)) => Err(rx.clone()),
                    None => {
                        let (tx, rx) = watch::channel(None);
                        let id = {
                            let mut n = self.next_id.lock();
                            *n += 1;
                            *n
                        };
                        map.insert(key.clone(), (id, rx));
                        Ok((tx, id))
                    }
                }
            };
            match joined {
                Ok((tx, id)) => {
                    let guard = Leave {
                        gate: self,
                        key: &key,
                        id,
                    };
                    let out = work().await;
                    drop(guard); // leave first: a caller arriving now starts a fresh flight
                    let _ = tx.send(Some(out.clone()));
                    return Flight::Led(out);
                }
                Err(mut rx) => {
                    if let Ok(v) = rx.wait_for(Option::is_some).await {
                        if let Some(v) = v.clone() {
                            return Flight::Joined(v);
                        }
                    }
                    // The leader was dropped without a result: try to lead.
                }
            }
        }
    }
}

/// Removes the flight from the map when the leader finishes or is cancelled.
struct Leave<'a, K: Eq + Hash, T> {
    gate: &'a SingleFlight<K, T>,
    key: &'a K,
    id: u64,
}

impl<K: Eq + Hash, T> Drop for Leave<'_, K, T> {
    fn drop(&mut self) {
        let mut map = self.gate.inflight.lock();
        if map.get(self.key).is_some_and(|(id, _)| *id == self.id) {
            map.remove(self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_run() {
        let gate: Arc<SingleFlight<u32, u64>> = Arc::new(SingleFlight::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..100 {
            let (gate, runs) = (gate.clone(), runs.clone());
            tasks.push(tokio::spawn(async move {
                gate.run(1, || async {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    42
                })
                .await
            }));
        }
        let mut led = 0;
        for t in tasks {
            let f = t.await.unwrap();
            led += f.led() as usize;
            assert_eq!(f.into_inner(), 42);
        }
        assert_eq!((runs.load(Ordering::SeqCst), led), (1, 1));
        assert!(!gate.in_flight(&1));
        // Once finished, the next call runs again.
        assert!(gate.run(1, || async { 7 }).await.led());
    }

    #[tokio::test(start_paused = true)]
    async fn keys_are_independent_and_a_cancelled_leader_hands_over() {
        let gate: Arc<SingleFlight<u32, u32>> = Arc::new(SingleFlight::new());
        let g = gate.clone();
        let leader = tokio::spawn(async move {
            g.run(1, || async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                1
            })
            .await
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(gate.in_flight(&1));
        assert!(
            gate.run(2, || async { 2 }).await.led(),
            "other keys never wait"
        );
        let g = gate.clone();
        let waiter = tokio::spawn(async move { g.run(1, || async { 3 }).await });
        tokio::time::sleep(Duration::from_secs(1)).await;
        leader.abort();
        assert_eq!(waiter.await.unwrap(), Flight::Led(3));
        assert!(!gate.in_flight(&1));
    }
}
