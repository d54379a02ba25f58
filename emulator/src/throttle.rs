//! Request-rate limiting for `--throttle-rps`: one token bucket per
//! (account, Region), charged by mutating calls only. Over the limit the
//! emulator answers `ThrottlingException` "Rate exceeded" with HTTP 400, as
//! EFS does (or 429 with `--throttle-status 429`). The Rust SDK
//! (`aws-runtime` `THROTTLING_ERRORS`) and botocore's standard/adaptive retry
//! modes (`_THROTTLED_ERROR_CODES`) classify by code, so they see throttling
//! with either status; botocore's legacy mode (`_retry.json`) retries
//! `ThrottlingException` with 400 (`throttling_exception`) and any 429
//! (`too_many_requests`).
//!
//! It uses the monotonic clock (not the emulator's adjustable clock) and
//! must never block: a call either gets a token now or is refused.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Token buckets keyed by (account, Region).
#[derive(Debug)]
pub struct Throttle {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<(String, String), Bucket>>,
}

impl Throttle {
    /// `rate` tokens per second; the burst is one second's worth (at least 1).
    pub fn new(rate: f64) -> Throttle {
        Throttle {
            rate: rate.max(0.0),
            burst: rate.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for (account, region); false when the bucket is empty.
    pub fn try_acquire(&self, account: &str, region: &str) -> bool {
        self.try_acquire_at(account, region, Instant::now())
    }

    fn try_acquire_at(&self, account: &str, region: &str, now: Instant) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let b = buckets
            .entry((account.to_string(), region.to_string()))
            .or_insert(Bucket {
                tokens: self.burst,
                last: now,
            });
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.rate).min(self.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Forgets all buckets (admin reset).
    pub fn reset(&self) {
        self.buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn buckets_refill_and_are_separate() {
        let t = Throttle::new(2.0);
        let t0 = Instant::now();
        assert!(t.try_acquire_at("a", "r", t0));
        assert!(t.try_acquire_at("a", "r", t0));
        assert!(!t.try_acquire_at("a", "r", t0));
        assert!(t.try_acquire_at("a", "other", t0));
        assert!(t.try_acquire_at("b", "r", t0));
        assert!(t.try_acquire_at("a", "r", t0 + Duration::from_millis(600)));
    }
}
