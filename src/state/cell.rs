//! The two pieces of interior mutability in the projections, so `select` can commit its own
//! effects while other threads read: a `Locked` cell (one per (provider, model) selector key)
//! and a relaxed `Counter`. Both behave like plain values for the pure fold (`&mut` access
//! takes no lock), `Clone`, `PartialEq` and checkpoints (serialized as the value inside).

use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::{Mutex, MutexGuard};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value behind its own small lock.
#[derive(Default)]
pub struct Locked<T>(Mutex<T>);

impl<T> Locked<T> {
    pub fn new(value: T) -> Self {
        Locked(Mutex::new(value))
    }

    /// Shared access from `&self`: the engine's `select` holds this while it decides.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.0.lock()
    }

    /// Exclusive access without locking (the fold owns the state).
    pub fn get_mut(&mut self) -> &mut T {
        self.0.get_mut()
    }
}

impl<T: Clone> Clone for Locked<T> {
    fn clone(&self) -> Self {
        Locked::new(self.lock().clone())
    }
}

impl<T: PartialEq> PartialEq for Locked<T> {
    fn eq(&self, other: &Self) -> bool {
        // The same cell on both sides would otherwise lock itself twice.
        std::ptr::eq(self, other) || *self.lock() == *other.lock()
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Locked<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.lock().fmt(f)
    }
}

impl<T: Serialize> Serialize for Locked<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.lock().serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Locked<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Locked::new)
    }
}

/// A count that `select` bumps from `&self`. Relaxed: every bump happens while the engine's
/// projection lock is held (shared by selects, exclusive for everything else), so a reader that
/// holds it exclusively sees every bump; no other memory is published through the counter.
#[derive(Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn new(n: u64) -> Self {
        Counter(AtomicU64::new(n))
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    pub fn set(&mut self, n: u64) {
        *self.0.get_mut() = n;
    }

    /// Adds one from `&self`; returns the new value.
    pub fn bump(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed) + 1
    }
}

impl Clone for Counter {
    fn clone(&self) -> Self {
        Counter::new(self.get())
    }
}

impl PartialEq for Counter {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl std::fmt::Debug for Counter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

impl std::fmt::Display for Counter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

impl Serialize for Counter {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.get())
    }
}

impl<'de> Deserialize<'de> for Counter {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        u64::deserialize(d).map(Counter::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_and_counter_round_trip_as_their_values() {
        let l = Locked::new(vec![1u32, 2]);
        let c = Counter::new(7);
        c.bump();
        let json = serde_json::to_string(&(&l, &c)).unwrap();
        assert_eq!(json, "[[1,2],8]");
        let (l2, c2): (Locked<Vec<u32>>, Counter) = serde_json::from_str(&json).unwrap();
        assert_eq!((l2, c2.get()), (l.clone(), 8));
        assert_eq!(l, l, "comparing a cell with itself must not deadlock");
        assert_ne!(Locked::new(1), Locked::new(2));
    }
}
