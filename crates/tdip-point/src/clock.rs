//! The point's clock: the one place that reads the wall clock, so that a test, a replay
//! or a report can run the point at a moment of its choosing.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Where the point reads "now", in seconds since the Unix epoch (UTC).
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the Unix epoch, now.
    fn now(&self) -> i64;
}

/// The clock every command and the service share.
pub type SharedClock = Arc<dyn Clock>;

/// The system's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        jiff::Timestamp::now().as_second()
    }
}

/// A clock that stands still until it is set or advanced: for tests.
#[derive(Debug)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    /// A clock standing at `at` (seconds since the Unix epoch).
    pub fn at(at: i64) -> Arc<FixedClock> {
        Arc::new(FixedClock(AtomicI64::new(at)))
    }

    /// Moves the clock on by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The system clock, shared.
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_stands_still_until_advanced() {
        let clock = FixedClock::at(1_700_000_000);
        assert_eq!(clock.now(), 1_700_000_000);
        clock.advance(90);
        assert_eq!(clock.now(), 1_700_000_090);
    }

    #[test]
    fn the_system_clock_reads_the_present() {
        // 2026-01-01T00:00:00Z: any machine running these tests is later.
        assert!(SystemClock.now() > 1_767_225_600);
    }
}
