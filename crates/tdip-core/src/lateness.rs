//! Which providers are late: no accepted delivery within 24 hours plus a grace period.

use serde::Serialize;
use tdip_store::{DeliverySpan, Provider};

/// Every provider must deliver its full file once per this many seconds.
pub const DELIVERY_INTERVAL: i64 = 24 * 3600;

/// The delivery standing of one provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeliveryStanding {
    /// Provider id.
    pub provider: String,
    /// When the latest accepted delivery was received (UTC seconds), if ever.
    pub latest_received: Option<i64>,
    /// Snapshot moment of the latest accepted delivery.
    pub latest_snapshot: Option<i64>,
    /// Accepted deliveries so far.
    pub accepted: u64,
    /// Whether the provider is late at the moment asked.
    pub late: bool,
    /// Seconds past the due moment, when late.
    pub overdue_seconds: i64,
}

/// The standing of every provider at `now`. A provider that never delivered is late
/// from 24 hours plus grace after its registration.
pub fn standings(
    providers: &[Provider],
    spans: &[DeliverySpan],
    now: i64,
    grace: i64,
) -> Vec<DeliveryStanding> {
    providers
        .iter()
        .map(|p| {
            let span = spans.iter().find(|s| s.provider == p.id);
            let since = span.map_or(p.created_at, |s| s.latest_received);
            let due = since + DELIVERY_INTERVAL + grace;
            DeliveryStanding {
                provider: p.id.clone(),
                latest_received: span.map(|s| s.latest_received),
                latest_snapshot: span.map(|s| s.latest_snapshot),
                accepted: span.map_or(0, |s| s.accepted),
                late: now > due,
                overdue_seconds: (now - due).max(0),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(id: &str, created_at: i64) -> Provider {
        Provider {
            id: id.into(),
            name: id.into(),
            country: "NL".into(),
            zone: "Europe/Amsterdam".into(),
            created_at,
        }
    }

    #[test]
    fn late_after_a_day_and_the_grace_period() {
        let providers = [provider("a", 0), provider("b", 0), provider("never", 1000)];
        let spans = [
            DeliverySpan {
                provider: "a".into(),
                first_snapshot: 0,
                latest_snapshot: 50,
                latest_received: 100,
                accepted: 3,
            },
            DeliverySpan {
                provider: "b".into(),
                first_snapshot: 0,
                latest_snapshot: 50,
                latest_received: 10,
                accepted: 1,
            },
        ];
        let grace = 7200;
        let now = 100 + DELIVERY_INTERVAL + grace;
        let s = standings(&providers, &spans, now, grace);
        assert!(!s[0].late, "exactly at the due moment is not late yet");
        assert!(s[1].late);
        assert_eq!(s[1].overdue_seconds, 90);
        assert!(
            !s[2].late,
            "a new provider has a day plus grace for its first delivery"
        );
        assert_eq!(s[2].accepted, 0);
        let later = standings(
            &providers,
            &spans,
            1000 + DELIVERY_INTERVAL + grace + 1,
            grace,
        );
        assert!(later[2].late);
    }
}
