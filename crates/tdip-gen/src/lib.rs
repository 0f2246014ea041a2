//! Synthetic subscriber files for tdip: realistic, deterministic daily snapshots in the
//! delivery format of `docs/delivery-format.md`.
//!
//! [`write_csv`] writes the complete subscriber file of one provider on one day. Day `N`
//! is a pure function of the [`GenConfig`]: generating day 5 directly gives the same bytes
//! as always. From one day to the next about `change_rate_ppm` per million rows change
//! content (a move, a device swap, an added supplementary service, a new e-mail address, a
//! port-out, a new bank account, a name change), about 0.05 % of the subscriptions end
//! and about 0.05 % new ones are appended. Unchanged rows are byte-for-byte identical and
//! rows stay sorted by subscription index.
//!
//! Identifier spaces: every provider gets a numbering *slot* ([`provider_slot`]; fixed for
//! well-known operators such as `kpn`, `vodafone`, `odido`, `proximus`, `orange`,
//! `telenet`, derived from a trailing number (`p1`, `p2`) or a hash otherwise). msisdn,
//! imsi, imei, ip, mac and e-mail addresses of providers in different slots never collide;
//! user ids and subscription ids contain the provider id and never collide at all. Within
//! one file no identifier repeats.
//!
//! [`write_cgnat_csv`] and [`write_sessions_csv`] write the retained traffic data of the
//! same population (docs/traffic-format.md): CGNAT port-block assignments and access
//! sessions of its internet subscribers, under the user ids of the subscriber file.

mod change;
mod comm;
mod ctx;
mod names;
mod numbers;
mod places;
mod render;
mod row;
mod traffic;

use std::io::Write;

pub use comm::{write_calls_csv, write_cells_csv, write_fixed_csv, write_mail_csv};
pub use ctx::provider_slot;
pub use traffic::{
    MAX_PUBLIC_IPS, TrafficGenConfig, default_public_ips, write_cgnat_csv, write_sessions_csv,
};

/// Default daily change rate: 5000 parts per million (0.5 %).
pub const DEFAULT_CHANGE_RATE_PPM: u32 = 5000;

/// The header row: every column of the delivery format, in the documented order.
pub const COLUMNS: [&str; 39] = [
    "subscription_id",
    "service",
    "supplementary",
    "msisdn",
    "imsi",
    "imei",
    "ip",
    "email",
    "user_id",
    "mac",
    "surname",
    "organisation",
    "given_names",
    "billing_street",
    "billing_house_number",
    "billing_house_number_addition",
    "billing_postcode",
    "billing_city",
    "billing_country",
    "install_street",
    "install_house_number",
    "install_house_number_addition",
    "install_postcode",
    "install_city",
    "install_country",
    "subscription_start",
    "subscription_end",
    "registration_place",
    "activation_at",
    "activation_cell",
    "registration_ip",
    "registration_port",
    "registration_ntp",
    "ported_from",
    "ported_to",
    "ported_at",
    "payment_method",
    "payment_means",
    "payment_at",
];

/// The provider's country: decides number plans, MCC, postcodes, names and streets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Country {
    /// The Netherlands (MCC 204, +31).
    Nl,
    /// Belgium (MCC 206, +32).
    Be,
}

impl Country {
    /// ISO 3166-1 alpha-2 code: `NL` or `BE`.
    pub fn code(self) -> &'static str {
        match self {
            Country::Nl => "NL",
            Country::Be => "BE",
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenConfig {
    /// Provider id as registered at tdip (`[a-z0-9][a-z0-9-]{0,31}`), e.g. `kpn`.
    pub provider: String,
    /// The provider's country.
    pub country: Country,
    /// Population size on day 0.
    pub rows: u64,
    /// Seed of all randomness.
    pub seed: u64,
    /// 0 = first delivery; N = the population N days later.
    pub day: u32,
    /// Per day, parts per million of rows that change content.
    pub change_rate_ppm: u32,
}

impl GenConfig {
    /// Day 0 of a population with the default change rate.
    pub fn new(provider: impl Into<String>, country: Country, rows: u64, seed: u64) -> Self {
        GenConfig {
            provider: provider.into(),
            country,
            rows,
            seed,
            day: 0,
            change_rate_ppm: DEFAULT_CHANGE_RATE_PPM,
        }
    }

    /// The same population on another day.
    pub fn on_day(&self, day: u32) -> Self {
        GenConfig {
            day,
            ..self.clone()
        }
    }
}

/// What [`write_csv`] wrote. The `*_vs_previous_day` counts are exact; on day 0 they are 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GenStats {
    /// Data rows written (header not counted).
    pub rows: u64,
    /// Rows present on both days whose content differs.
    pub changed_vs_previous_day: u64,
    /// Subscriptions that are new on this day.
    pub added_vs_previous_day: u64,
    /// Subscriptions of the previous day that are gone.
    pub removed_vs_previous_day: u64,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// The provider id does not match `[a-z0-9][a-z0-9-]{0,31}`.
    #[error("provider id must match [a-z0-9][a-z0-9-]{{0,31}}")]
    InvalidProvider,
    /// The change rate is above one million parts per million.
    #[error("change rate {0} ppm is above 1000000")]
    InvalidChangeRate(u32),
    /// The population would exhaust one provider's number ranges.
    #[error("{rows} rows on day {day} exceed the {capacity} subscriptions one provider can number")]
    TooManyRows {
        /// Subscriptions that would have to be numbered.
        rows: u64,
        /// The requested day.
        day: u32,
        /// What fits.
        capacity: u64,
    },
    /// Writing the CSV failed.
    #[error("writing the CSV failed: {0}")]
    Csv(#[from] csv::Error),
    /// Flushing the output failed.
    #[error("writing the output failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Unix time of day 0's snapshot, 2026-11-01T23:00:00Z.
pub(crate) const SNAPSHOT0: i64 = numbers::days_from_civil(2026, 11, 1) * 86_400 + 23 * 3600;

/// Unix time of day `day`'s snapshot.
pub(crate) fn snapshot_unix(day: u32) -> i64 {
    SNAPSHOT0 + i64::from(day) * 86_400
}

/// The snapshot moment of day `day` (RFC 3339 UTC): `2026-11-01T23:00:00Z` plus `day` days.
pub fn snapshot_at(day: u32) -> String {
    let mut buf = Vec::with_capacity(20);
    numbers::push_time(&mut buf, snapshot_unix(day));
    String::from_utf8(buf).unwrap_or_default()
}

/// Writes the complete subscriber file of `cfg.provider` on `cfg.day` as CSV (header row,
/// then one row per subscription) and returns what changed against the previous day.
pub fn write_csv<W: Write>(cfg: &GenConfig, out: W) -> Result<GenStats, GenError> {
    let ctx = ctx::Ctx::new(cfg)?;
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(1 << 16)
        .from_writer(out);
    w.write_record(COLUMNS)?;
    let mut rec = render::Record::default();
    let mut stats = GenStats::default();
    let day = cfg.day;
    let mut birth = 0u32;
    let mut r = row::base(&ctx, 0, 0);
    for i in 0..ctx.total_rows(day) {
        while i >= ctx.born_until(birth) {
            birth += 1;
        }
        match row::evolve(&ctx, i, birth, day, &mut r) {
            row::Fate::Absent => {}
            row::Fate::Removed => stats.removed_vs_previous_day += 1,
            row::Fate::Present(changed) => {
                if changed {
                    stats.changed_vs_previous_day += 1;
                }
                if day > 0 && birth == day {
                    stats.added_vs_previous_day += 1;
                }
                stats.rows += 1;
                rec.render(&ctx, i, &r);
                w.write_byte_record(rec.byte_record())?;
            }
        }
    }
    w.flush()?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_moments() {
        assert_eq!(snapshot_at(0), "2026-11-01T23:00:00Z");
        assert_eq!(snapshot_at(30), "2026-12-01T23:00:00Z");
    }

    #[test]
    fn provider_id_is_checked() {
        let cfg = GenConfig::new("Bad Provider", Country::Nl, 10, 1);
        assert!(matches!(
            write_csv(&cfg, Vec::new()),
            Err(GenError::InvalidProvider)
        ));
    }
}
