//! Login rate limiting, in memory: after 5 failures within 15 minutes for one username from one
//! client, or 20 for one username from anywhere, further attempts wait until the oldest failure
//! leaves the window. One instance keeps its own counts (documented limit of a single node).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

const WINDOW: Duration = Duration::minutes(15);
const PER_CLIENT: usize = 5;
const PER_USERNAME: usize = 20;

#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, VecDeque<OffsetDateTime>>>,
}

impl LoginLimiter {
    /// Seconds to wait, when `key` (username|client) or `username` is over its limit.
    pub fn blocked(&self, key: &str, username: &str, now: OffsetDateTime) -> Option<u64> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = None;
        for (k, limit) in [(key, PER_CLIENT), (&format!("*|{username}"), PER_USERNAME)] {
            if let Some(q) = map.get_mut(k) {
                while q.front().is_some_and(|t| *t + WINDOW <= now) {
                    q.pop_front();
                }
                if q.len() >= limit
                    && let Some(oldest) = q.front()
                {
                    let secs = (*oldest + WINDOW - now).whole_seconds().max(1) as u64;
                    wait = Some(wait.map_or(secs, |w: u64| w.max(secs)));
                }
            }
        }
        wait
    }

    pub fn failed(&self, key: &str, username: &str, now: OffsetDateTime) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(key.to_owned()).or_default().push_back(now);
        map.entry(format!("*|{username}"))
            .or_default()
            .push_back(now);
        // Bound memory under a flood of distinct usernames: forget the oldest entries.
        if map.len() > 100_000 {
            map.retain(|_, q| q.back().is_some_and(|t| *t + WINDOW > now));
        }
    }

    pub fn succeeded(&self, key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn blocks_after_five_failures_and_releases_after_window() {
        let l = LoginLimiter::default();
        let t0 = datetime!(2026-12-31 23:55:00 UTC);
        for i in 0..5 {
            assert_eq!(l.blocked("lan|1.2.3.4", "lan", t0), None, "attempt {i}");
            l.failed("lan|1.2.3.4", "lan", t0 + Duration::seconds(i));
        }
        let wait = l
            .blocked("lan|1.2.3.4", "lan", t0 + Duration::minutes(1))
            .expect("blocked");
        assert_eq!(wait, 14 * 60);
        assert_eq!(
            l.blocked("lan|5.6.7.8", "lan", t0),
            None,
            "another client is not blocked"
        );
        assert_eq!(
            l.blocked("lan|1.2.3.4", "lan", t0 + Duration::minutes(16)),
            None,
            "window passed (new year)"
        );
    }

    #[test]
    fn username_limit_spans_clients() {
        let l = LoginLimiter::default();
        let t0 = datetime!(2026-11-25 08:00:00 UTC);
        for i in 0..20 {
            l.failed(&format!("lan|10.0.0.{i}"), "lan", t0);
        }
        assert!(l.blocked("lan|10.0.0.99", "lan", t0).is_some());
    }
}
