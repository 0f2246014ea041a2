//! The Belgian art. 9 statistics as documents, one per provider, each naming the signed
//! tree head it was counted over so that `tdip report verify` counts it again; and the
//! warning that they fall due on 1 March.

use std::path::Path;

use anyhow::{Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use tdip_core::audit::Auditor;
use tdip_core::audit::art9::{Art9, art9};
use tdip_model::LegalZone;
use tdip_store::Store;

use crate::audit_store::AnyAudit;
use crate::store::AnyStore;
use crate::yearly::{checked_head, signed_head};

/// One provider's statistics as written and verified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Art9Report {
    /// `art9`.
    pub report: String,
    /// Provider id.
    pub provider: String,
    /// The jurisdiction whose agencies' requests count (the provider's country, `be`).
    pub jurisdiction: String,
    /// First second counted (UTC).
    pub from: i64,
    /// Last second counted (UTC).
    pub to: i64,
    /// The legal zone of the period.
    pub zone: String,
    /// The signed head of the entries counted, as a checkpoint.
    pub checkpoint: String,
    /// The statistics.
    pub statistics: Art9,
}

/// The statistics of each provider (or only `only`) over `span`, counted over the latest
/// signed head.
pub async fn compute(
    data: &Path,
    store: &AnyStore,
    auditor: &Auditor<AnyAudit>,
    span: (i64, i64),
    zone: LegalZone,
    only: Option<&str>,
) -> Result<Vec<Art9Report>> {
    let head = signed_head(auditor).await?;
    let key = crate::point::audit_public(data)?;
    let mut out = Vec::new();
    let providers = store.providers().await?;
    if let Some(id) = only
        && !providers.iter().any(|p| p.id == id)
    {
        bail!("provider {id} is not registered; `tdip providers list` names them");
    }
    for p in providers
        .iter()
        .filter(|p| only.is_none_or(|id| id == p.id))
    {
        let jurisdiction = p.country.to_ascii_lowercase();
        let (statistics, _) =
            art9(auditor.store(), head.head.size, &p.id, &jurisdiction, span).await?;
        out.push(Art9Report {
            report: "art9".into(),
            provider: p.id.clone(),
            jurisdiction,
            from: span.0,
            to: span.1,
            zone: zone.name().into(),
            checkpoint: head.to_checkpoint(&key),
            statistics,
        });
    }
    Ok(out)
}

/// Counts `report` again over the entries its head covers and says what differs.
pub async fn verify(data: &Path, auditor: &Auditor<AnyAudit>, report: &Art9Report) -> Result<()> {
    let head = checked_head(data, &report.checkpoint)?;
    let (statistics, counted) = art9(
        auditor.store(),
        head.head.size,
        &report.provider,
        &report.jurisdiction,
        (report.from, report.to),
    )
    .await?;
    if counted.root != head.head.root {
        bail!(
            "the log's first {} entries are not the ones the report's head signed: the log was \
             changed since (run `tdip audit verify` to find where)",
            head.head.size
        );
    }
    if statistics != report.statistics {
        return Err(anyhow!(
            "the report's statistics are not the log's: a recount over the entries its head \
             covers gives other figures"
        ));
    }
    Ok(())
}

/// The warning `tdip serve` gives from `warn_days` before 1 March (legal local time of
/// `zone`) until that day: the statistics of the last calendar year are due.
pub fn due_warning(now: i64, zone: LegalZone, warn_days: u32) -> Option<String> {
    let today = jiff::Timestamp::from_second(now)
        .ok()?
        .to_zoned(zone.tz())
        .date();
    let due = jiff::civil::date(today.year(), 3, 1);
    let days = (due - today).get_days();
    (today < due && days <= warn_days as i32).then(|| {
        format!(
            "the art. 9 statistics of {} are due on {due} (in {days} days): `tdip report art9 \
             --year {} --out-dir DIR` writes one file per provider",
            today.year() - 1,
            today.year() - 1
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_second()
    }

    #[test]
    fn the_due_warning_runs_from_the_set_day_until_the_first_of_march() {
        let z = LegalZone::Brussels;
        // 29 January is 31 days before; 30 January (from 23:00 UTC on the 29th) is 30.
        assert_eq!(due_warning(at("2027-01-29T12:00:00Z"), z, 30), None);
        let w = due_warning(at("2027-01-29T23:30:00Z"), z, 30).unwrap();
        assert!(
            w.contains("of 2026 are due on 2027-03-01 (in 30 days)"),
            "{w}"
        );
        assert!(due_warning(at("2027-02-28T22:59:59Z"), z, 30).is_some());
        assert_eq!(due_warning(at("2027-02-28T23:00:00Z"), z, 30), None);
        assert_eq!(due_warning(at("2027-06-01T00:00:00Z"), z, 30), None);
    }
}
