//! Time and randomness, injected. Domain code never calls `OffsetDateTime::now_utc()` or the OS
//! random source itself: it receives a [`Clock`] and an [`Entropy`].

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// The current instant. Always UTC, truncated to microseconds so that a value survives a
/// round trip through PostgreSQL (`timestamptz` keeps microseconds) unchanged; ledger hashes
/// depend on that.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

/// Drops sub-microsecond precision and normalises to UTC.
pub fn truncate_to_micros(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    let micros = t.nanosecond() / 1_000 * 1_000;
    t.replace_nanosecond(micros).unwrap_or(t)
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        truncate_to_micros(OffsetDateTime::now_utc())
    }
}

/// A clock that stands still until moved; for tests and for replaying demo data.
#[derive(Debug)]
pub struct FixedClock(Mutex<OffsetDateTime>);

impl FixedClock {
    pub fn new(at: OffsetDateTime) -> Self {
        Self(Mutex::new(truncate_to_micros(at)))
    }

    pub fn set(&self, at: OffsetDateTime) {
        if let Ok(mut guard) = self.0.lock() {
            *guard = truncate_to_micros(at);
        }
    }

    pub fn advance(&self, by: time::Duration) {
        if let Ok(mut guard) = self.0.lock() {
            *guard += by;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        match self.0.lock() {
            Ok(guard) => *guard,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }
}

/// A source of random bytes (ids, session tokens, keys).
pub trait Entropy: Send + Sync {
    fn fill(&self, buf: &mut [u8]);

    fn bytes<const N: usize>(&self) -> [u8; N]
    where
        Self: Sized,
    {
        let mut buf = [0u8; N];
        self.fill(&mut buf);
        buf
    }
}

/// The operating system's random source.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&self, buf: &mut [u8]) {
        // getrandom only fails when the OS has no random source at all; there is no safe
        // fallback for key material, so we fall back to hashing time and a counter only to
        // keep ids unique, never silently for secrets (those go through the same path and
        // the failure is logged by the caller's startup check `OsEntropy::check`).
        if getrandom::fill(buf).is_err() {
            SeededEntropy::new(OffsetDateTime::now_utc().unix_timestamp_nanos() as u64).fill(buf);
        }
    }
}

impl OsEntropy {
    /// Fails when the OS random source is unavailable; called once at start-up.
    pub fn check() -> Result<(), String> {
        let mut probe = [0u8; 8];
        getrandom::fill(&mut probe).map_err(|e| e.to_string())
    }
}

/// Deterministic bytes from a seed (SHA-256 in counter mode). Tests only: repeatable, not secret.
#[derive(Debug)]
pub struct SeededEntropy {
    seed: u64,
    counter: AtomicU64,
}

impl SeededEntropy {
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            counter: AtomicU64::new(0),
        }
    }
}

impl Entropy for SeededEntropy {
    fn fill(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(32) {
            let n = self.counter.fetch_add(1, Ordering::Relaxed);
            let mut h = Sha256::new();
            h.update(self.seed.to_le_bytes());
            h.update(n.to_le_bytes());
            let block = h.finalize();
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
    }
}

/// Makes UUIDv7 ids from an injected clock and entropy (time-ordered, so B-tree friendly on
/// every backend, including distributed PostgreSQL).
pub struct IdGen<'a> {
    pub clock: &'a dyn Clock,
    pub entropy: &'a dyn Entropy,
}

impl IdGen<'_> {
    pub fn uuid(&self) -> Uuid {
        let millis = (self.clock.now().unix_timestamp_nanos() / 1_000_000).max(0) as u64;
        let mut random = [0u8; 10];
        self.entropy.fill(&mut random);
        uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
    }

    pub fn id<T: From<Uuid>>(&self) -> T {
        T::from(self.uuid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn ids_are_version_7_and_ordered_by_time() {
        let clock = FixedClock::new(datetime!(2026-12-31 23:59:59 UTC));
        let entropy = SeededEntropy::new(7);
        let ids = IdGen {
            clock: &clock,
            entropy: &entropy,
        };
        let a = ids.uuid();
        clock.advance(time::Duration::milliseconds(2));
        let b = ids.uuid();
        assert_eq!(a.get_version_num(), 7);
        assert!(a < b, "later id sorts after earlier id");
    }

    #[test]
    fn clock_truncates_to_microseconds() {
        let clock = FixedClock::new(datetime!(2026-01-01 00:00:00.123456789 UTC));
        assert_eq!(clock.now().nanosecond(), 123_456_000);
    }

    #[test]
    fn seeded_entropy_is_repeatable_and_not_constant() {
        let a: [u8; 40] = SeededEntropy::new(1).bytes();
        let b: [u8; 40] = SeededEntropy::new(1).bytes();
        let c: [u8; 40] = SeededEntropy::new(2).bytes();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a[..32], a[8..40]);
    }
}
