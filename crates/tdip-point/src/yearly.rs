//! The yearly report to the minister, and a supervisor's view of any period, as a
//! document that carries what it was computed over: the period, the legal zone of its
//! months, the agencies it leaves out (the published variant keeps the intelligence
//! services out; an oversight body sees its jurisdiction's agencies only), how it shows
//! officers, and the signed tree head of the log entries counted — so that `tdip report
//! verify` counts them again from the log and says whether the figures are the log's.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use tdip_audit::SignedHead;
use tdip_core::audit::Auditor;
use tdip_core::audit::figures::{Figures, Scope, count};
use tdip_model::LegalZone;

use crate::audit_store::AnyAudit;

/// Which figures a report holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    /// For publication: without the intelligence and security services.
    Published,
    /// Every agency, the intelligence services included (not for publication).
    Full,
}

/// How a report shows the officers who consulted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Officers {
    /// Not at all (the published variant).
    #[default]
    Omitted,
    /// Numbered within their agency, by how much they asked: how consultations spread
    /// over officers, not who they are.
    Numbered,
    /// By their ids (an oversight body that investigates officers' consultations).
    Named,
}

impl Officers {
    /// `figures` as this shows officers.
    pub fn apply(self, mut figures: Figures) -> Figures {
        match self {
            Officers::Omitted => figures.without_officers(),
            Officers::Numbered => {
                figures.number_officers();
                figures
            }
            Officers::Named => figures,
        }
    }
}

/// What a report holds: the variant, how it shows officers, and whose consultations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    /// `yearly` (to the minister) or `period` (a supervisor's view).
    pub report: &'static str,
    /// Published or full.
    pub variant: Variant,
    /// How officers are shown.
    pub officers: Officers,
    /// Only this jurisdiction's agencies (an oversight body's view).
    pub jurisdiction: Option<String>,
}

impl View {
    /// The yearly report to the minister: published without officers; full with them
    /// numbered.
    pub fn yearly(variant: Variant) -> View {
        View {
            report: "yearly",
            variant,
            officers: match variant {
                Variant::Published => Officers::Omitted,
                Variant::Full => Officers::Numbered,
            },
            jurisdiction: None,
        }
    }
}

/// A report as written and verified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// `yearly` (to the minister) or `period` (a supervisor's view).
    pub report: String,
    /// The variant.
    pub variant: Variant,
    /// How it shows officers.
    #[serde(default)]
    pub officers: Officers,
    /// Only this jurisdiction's agencies are counted, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    /// First second counted (UTC).
    pub from: i64,
    /// Last second counted (UTC).
    pub to: i64,
    /// The legal zone of the months and days (`Europe/Amsterdam`).
    pub zone: String,
    /// Agencies whose consultations are left out.
    pub withheld: Vec<String>,
    /// The signed tree head of the entries counted, as a checkpoint
    /// (`tdip audit checkpoint`'s format).
    pub checkpoint: String,
    /// The figures.
    pub figures: Figures,
}

/// The calendar year `year` in `zone`, as its first and last second (UTC).
pub fn year_span(year: i16, zone: LegalZone) -> Result<(i64, i64)> {
    let start = |y: i16| -> Result<i64> {
        Ok(jiff::civil::date(y, 1, 1)
            .to_zoned(zone.tz())
            .map_err(|_| anyhow!("the year {y} is out of range"))?
            .timestamp()
            .as_second())
    };
    Ok((start(year)?, start(year + 1)? - 1))
}

/// The report of `from`–`to` over the log as its latest signed head covers it.
pub async fn compute(
    data: &Path,
    auditor: &Auditor<AnyAudit>,
    (from, to): (i64, i64),
    zone: LegalZone,
    view: &View,
) -> Result<Report> {
    let head = signed_head(auditor).await?;
    let withheld = match view.variant {
        Variant::Full => Vec::new(),
        Variant::Published => crate::point::catalogue(data)?
            .agencies
            .values()
            .filter(|a| a.intelligence)
            .map(|a| a.id.clone())
            .collect(),
    };
    let scope = Scope {
        from,
        to,
        zone,
        withheld: withheld.clone(),
        jurisdiction: view.jurisdiction.clone(),
    };
    let (figures, _) = count(auditor.store(), head.head.size, &scope).await?;
    let key = crate::point::audit_public(data)?;
    Ok(Report {
        report: view.report.into(),
        variant: view.variant,
        officers: view.officers,
        jurisdiction: view.jurisdiction.clone(),
        from,
        to,
        zone: zone.name().into(),
        withheld,
        checkpoint: head.to_checkpoint(&key),
        figures: view.officers.apply(figures),
    })
}

/// Counts `report`'s figures again from the log, over the entries its head covers, and
/// says what differs: the head's signature (under this point's audit key), the log's
/// root at that size, and the figures.
pub async fn verify(data: &Path, auditor: &Auditor<AnyAudit>, report: &Report) -> Result<()> {
    let head = checked_head(data, &report.checkpoint)?;
    let zone: LegalZone = report
        .zone
        .parse()
        .map_err(|_| anyhow!("the report's zone {} is not a legal zone", report.zone))?;
    let scope = Scope {
        from: report.from,
        to: report.to,
        zone,
        withheld: report.withheld.clone(),
        jurisdiction: report.jurisdiction.clone(),
    };
    let (figures, counted) = count(auditor.store(), head.head.size, &scope).await?;
    let figures = report.officers.apply(figures);
    if counted.root != head.head.root {
        bail!(
            "the log's first {} entries are not the ones the report's head signed: the log was \
             changed since (run `tdip audit verify` to find where)",
            head.head.size
        );
    }
    if figures != report.figures {
        let (a, b) = (&report.figures, &figures);
        let differs: Vec<&str> = [
            ("consultations", a.consultations == b.consultations),
            ("hits", a.hits == b.hits),
            ("no_hits", a.no_hits == b.no_hits),
            ("refused", a.refused == b.refused),
            ("open", a.open == b.open),
            ("by_month", a.by_month == b.by_month),
            ("refusals", a.refusals == b.refusals),
            ("channels", a.channels == b.channels),
            ("categories", a.categories == b.categories),
            ("deadlines", a.deadlines == b.deadlines),
            ("providers", a.providers == b.providers),
            ("officers", a.officers == b.officers),
        ]
        .into_iter()
        .filter(|(_, same)| !same)
        .map(|(name, _)| name)
        .collect();
        bail!(
            "the report's figures are not the log's: {} differ from a recount over the entries \
             its head covers",
            differs.join(", ")
        );
    }
    Ok(())
}

/// The latest signed head, which a report is computed over (entries after it are not
/// counted: see [`signed_before`]).
pub(crate) async fn signed_head(auditor: &Auditor<AnyAudit>) -> Result<SignedHead> {
    crate::reports::latest_head(auditor).await?.ok_or_else(|| {
        anyhow!(
            "the log has no signed head yet: a report is computed over a signed head; sign \
             one with `tdip audit checkpoint` (unsealed)"
        )
    })
}

/// Whether a report's head was signed before `to`, the end of its period: entries logged
/// after it, still in the period, are not counted.
pub fn signed_before(checkpoint: &str, to: i64) -> bool {
    SignedHead::from_checkpoint(checkpoint).is_ok_and(|(h, _)| h.head.at < to)
}

/// A report's checkpoint, read and checked: signed by this point's audit key.
pub(crate) fn checked_head(data: &Path, checkpoint: &str) -> Result<SignedHead> {
    let (head, key) = SignedHead::from_checkpoint(checkpoint)
        .context("the report's checkpoint cannot be read")?;
    let ours = crate::point::audit_public(data)?;
    if key != ours {
        bail!(
            "the report's head was signed by key {}, not by this point's audit key {}",
            hex::encode(key.as_bytes()),
            hex::encode(ours.as_bytes())
        );
    }
    head.verify(&key)
        .map_err(|e| anyhow!("the report's head does not verify: {e}"))?;
    Ok(head)
}
