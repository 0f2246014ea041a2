//! The point's delivery policy: how far a declared snapshot moment may lie after its
//! receipt (clock skew), and how many open subscriptions one delivery may close before
//! it must say that it means to (mass closure). Configuration in `delivery.toml`.

use serde::Deserialize;
use tdip_model::Reason;

use crate::CoreError;

/// The rules a delivery's envelope is held to, beyond its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryPolicy {
    /// How many seconds a snapshot moment may lie after the moment the point received
    /// the delivery (the provider's clock may run a little ahead of the point's).
    pub max_clock_skew_seconds: i64,
    /// A delivery that would close more than this percentage of the provider's open
    /// subscriptions is refused unless it says it means to (`allow_mass_close`).
    pub mass_close_percent: u8,
    /// ... and only when it closes at least this many, so that a small provider's
    /// ordinary day (three of twenty subscribers leaving) is not refused.
    pub mass_close_minimum: u64,
    /// Months payments are kept after the end of the month they were made in: the
    /// longest payment term of the retention policy (`data-retention.toml`), not of this
    /// file. A delivery keeps no payment its term has passed.
    #[serde(skip)]
    pub payment_months: u32,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            max_clock_skew_seconds: 300,
            mass_close_percent: 10,
            mass_close_minimum: 10,
            payment_months: 12,
        }
    }
}

impl DeliveryPolicy {
    /// Reads and validates a policy from TOML text; `name` is the file, for messages.
    /// Absent keys keep their defaults.
    pub fn parse(name: &str, text: &str) -> Result<DeliveryPolicy, CoreError> {
        let policy: DeliveryPolicy = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start].matches('\n').count() + 1)
                .unwrap_or(1);
            CoreError::Config(format!("{name}:{line}: {}", e.message()))
        })?;
        if !(0..=86_400).contains(&policy.max_clock_skew_seconds) {
            return Err(CoreError::Config(format!(
                "{name}: max_clock_skew_seconds must lie between 0 and 86400 (a day)"
            )));
        }
        if policy.mass_close_percent > 100 {
            return Err(CoreError::Config(format!(
                "{name}: mass_close_percent is a percentage, 0 to 100"
            )));
        }
        Ok(policy)
    }

    /// Why a delivery declared at `snapshot_at` and received at `received_at` (UTC
    /// seconds) cannot be accepted: a snapshot cannot have been taken after it arrived.
    pub fn future_snapshot(&self, snapshot_at: i64, received_at: i64) -> Option<Reason> {
        let ahead = snapshot_at.saturating_sub(received_at);
        if ahead <= self.max_clock_skew_seconds {
            return None;
        }
        let skew = self.max_clock_skew_seconds.unsigned_abs();
        let (template, amount) = if ahead >= 86_400 {
            (FUTURE_DAYS, ahead.unsigned_abs() / 86_400)
        } else {
            (FUTURE_SECONDS, ahead.unsigned_abs())
        };
        Some(Reason::counted(template, &[amount, skew]))
    }

    /// Whether closing `closing` of `open` subscriptions is a mass closure.
    pub fn is_mass_close(&self, closing: u64, open: u64) -> bool {
        closing >= self.mass_close_minimum.max(1)
            && u128::from(closing) * 100 > u128::from(open) * u128::from(self.mass_close_percent)
    }
}

const FUTURE_SECONDS: &str = "lies {} s after the moment the point received the delivery (at \
    most {} s of clock skew are allowed); a snapshot cannot be taken after it is delivered: \
    declare the moment the snapshot was taken, and check the clock of the system that sent it";
const FUTURE_DAYS: &str = "lies more than {} days after the moment the point received the \
    delivery (at most {} s of clock skew are allowed); a snapshot cannot be taken after it is \
    delivered: declare the moment the snapshot was taken, and check the clock of the system \
    that sent it";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_file_is_validated_and_keeps_defaults_for_what_it_omits() {
        let p = DeliveryPolicy::parse("delivery.toml", "mass_close_percent = 25\n").unwrap();
        assert_eq!(p.mass_close_percent, 25);
        assert_eq!(p.max_clock_skew_seconds, 300);
        let e = DeliveryPolicy::parse("delivery.toml", "max_clock_skew_seconds = -1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("max_clock_skew_seconds"), "{e}");
        let e = DeliveryPolicy::parse("delivery.toml", "\nmass_close = 5\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("delivery.toml:2:"), "{e}");
        assert!(DeliveryPolicy::parse("d", "mass_close_percent = 101").is_err());
    }

    #[test]
    fn a_snapshot_moment_past_receipt_and_the_skew_is_in_the_future() {
        let p = DeliveryPolicy::default();
        assert!(p.future_snapshot(1_000 + 300, 1_000).is_none());
        assert!(p.future_snapshot(0, 1_000).is_none());
        let why = p.future_snapshot(1_000 + 301, 1_000).unwrap();
        assert!(why.contains("301 s after"), "{why}");
        assert!(p.future_snapshot(i64::MAX, i64::MIN).is_some());
    }

    #[test]
    fn mass_closure_needs_both_the_share_and_the_minimum() {
        let p = DeliveryPolicy::default();
        assert!(!p.is_mass_close(100, 1_000));
        assert!(p.is_mass_close(101, 1_000));
        // Small providers: 5 of 20 is a quarter, but fewer than the minimum of 10.
        assert!(!p.is_mass_close(5, 20));
        assert!(p.is_mass_close(20, 20));
        let none = DeliveryPolicy {
            mass_close_minimum: 0,
            ..p
        };
        assert!(!none.is_mass_close(0, 0));
        assert!(none.is_mass_close(1, 1));
    }
}
