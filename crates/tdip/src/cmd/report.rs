//! `tdip report yearly|verify`: the yearly report to the minister from the audit log, and
//! counting a report's figures again to check them.

use std::io::Write;

use anyhow::{Context, Result};
use tdip_core::audit::art9::Art9;
use tdip_core::audit::figures::Figures;
use tdip_model::LegalZone;
use tdip_point::{art9, point, report_html, reports, yearly};

use crate::cli::{Cli, LangArg, ReportCmd, ReportFormat, VariantArg};
use crate::render;

pub async fn run(cli: &Cli, cmd: &ReportCmd, zone: LegalZone) -> Result<i32> {
    match cmd {
        ReportCmd::Yearly {
            year,
            from,
            to,
            variant,
            format,
            lang,
            out,
        } => {
            let span = match year {
                Some(y) => yearly::year_span(*y, zone)?,
                None => reports::period(from.as_deref(), to.as_deref(), zone, "--", super::now())?,
            };
            let variant = match variant {
                VariantArg::Published => yearly::Variant::Published,
                VariantArg::Full => yearly::Variant::Full,
            };
            let auditor = point::open_auditor(&cli.data, &cli.store).await?;
            let report = yearly::compute(
                &cli.data,
                &auditor,
                span,
                zone,
                &yearly::View::yearly(variant),
            )
            .await?;
            note_if_early(&report.checkpoint, report.to);
            let bytes = match format {
                ReportFormat::Json => {
                    let mut b = serde_json::to_vec_pretty(&report)?;
                    b.push(b'\n');
                    b
                }
                ReportFormat::Csv => csv(&report.figures)?,
                ReportFormat::Text => text(&report, zone).into_bytes(),
                ReportFormat::Html => {
                    let lang = match lang {
                        LangArg::Nl => report_html::Lang::Nl,
                        LangArg::En => report_html::Lang::En,
                    };
                    report_html::page(&report, zone, lang).into_bytes()
                }
            };
            match out {
                Some(path) => std::fs::write(path, bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => std::io::stdout().write_all(&bytes)?,
            }
            Ok(0)
        }
        ReportCmd::Art9 {
            year,
            provider,
            out_dir,
        } => {
            let span = yearly::year_span(*year, zone)?;
            let store = point::open_store(&cli.data, &cli.store).await?;
            let auditor = point::open_auditor(&cli.data, &cli.store).await?;
            let reports =
                art9::compute(&cli.data, &store, &auditor, span, zone, provider.as_deref()).await?;
            if let Some(r) = reports.first() {
                note_if_early(&r.checkpoint, r.to);
            }
            std::fs::create_dir_all(out_dir)
                .with_context(|| format!("cannot create {}", out_dir.display()))?;
            for r in &reports {
                let base = out_dir.join(format!("art9-{year}-{}", r.provider));
                let mut json = serde_json::to_vec_pretty(r)?;
                json.push(b'\n');
                let path = base.with_extension("json");
                std::fs::write(&path, json)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                let path = base.with_extension("csv");
                std::fs::write(&path, art9_csv(&r.statistics)?)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                println!(
                    "{}: {} cases, {} provisions, {} requests not met → {}",
                    r.provider,
                    r.statistics.cases_provided,
                    r.statistics.provisions,
                    r.statistics.not_met.iter().map(|c| c.count).sum::<u64>(),
                    base.with_extension("json").display()
                );
            }
            Ok(0)
        }
        ReportCmd::Verify { report } => {
            let text = std::fs::read_to_string(report)
                .with_context(|| format!("cannot read {}", report.display()))?;
            let kind: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", report.display()))?;
            let not_a_report = || {
                format!(
                    "{} is not a report as `tdip report yearly --format json` or `tdip report \
                     art9` writes it",
                    report.display()
                )
            };
            let auditor = point::open_auditor(&cli.data, &cli.store).await?;
            let (checked, checkpoint) = match kind["report"].as_str() {
                Some("art9") => {
                    let doc: art9::Art9Report =
                        serde_json::from_value(kind).with_context(not_a_report)?;
                    (
                        art9::verify(&cli.data, &auditor, &doc).await,
                        doc.checkpoint,
                    )
                }
                _ => {
                    let doc: yearly::Report =
                        serde_json::from_value(kind).with_context(not_a_report)?;
                    (
                        yearly::verify(&cli.data, &auditor, &doc).await,
                        doc.checkpoint,
                    )
                }
            };
            match checked {
                Ok(()) => {
                    println!(
                        "report verified: its figures are the log's, counted again over the {} \
                         entries its signed head covers",
                        head_size(&checkpoint)
                    );
                    Ok(0)
                }
                Err(e) => {
                    println!("report NOT verified: {e:#}");
                    Ok(1)
                }
            }
        }
    }
}

fn note_if_early(checkpoint: &str, to: i64) {
    if yearly::signed_before(checkpoint, to) {
        eprintln!(
            "note: the latest signed head was signed before the period's end; entries after it \
             are not counted (sign a newer one with `tdip audit checkpoint`)"
        );
    }
}

fn head_size(checkpoint: &str) -> String {
    tdip_audit::SignedHead::from_checkpoint(checkpoint)
        .map(|(h, _)| h.head.size.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// One row per figure, so a spreadsheet can pivot it: table, agency, officer, basis,
/// month, name, value.
fn csv(f: &Figures) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "table", "agency", "officer", "basis", "month", "name", "value",
    ])?;
    let mut officer_row = |t: &str, a: &str, o: &str, b: &str, m: &str, n: &str, v: u64| {
        w.write_record([t, a, o, b, m, n, &v.to_string()])
    };
    let mut row =
        |t: &str, a: &str, b: &str, m: &str, n: &str, v: u64| officer_row(t, a, "", b, m, n, v);
    for (n, v) in [
        ("consultations", f.consultations),
        ("hits", f.hits),
        ("no_hits", f.no_hits),
        ("refused", f.refused),
        ("open", f.open),
    ] {
        row("total", "", "", "", n, v)?;
    }
    for r in &f.by_month {
        for (n, v) in [
            ("consultations", r.consultations),
            ("hits", r.hits),
            ("no_hits", r.no_hits),
            ("refused", r.refused),
        ] {
            row("by_month", &r.agency, &r.basis, &r.month, n, v)?;
        }
    }
    for c in &f.refusals {
        row("refusals", "", "", "", &c.name, c.count)?;
    }
    for c in &f.channels {
        row("channels", "", "", "", &c.name, c.count)?;
    }
    for c in &f.categories {
        row("categories", "", "", "", &c.name, c.count)?;
    }
    for d in &f.deadlines {
        row(
            "deadlines",
            "",
            "",
            "",
            &format!("{} answered", d.rule),
            d.answered,
        )?;
        row("deadlines", "", "", "", &format!("{} late", d.rule), d.late)?;
    }
    for p in &f.providers {
        for (n, v) in [
            ("accepted", p.accepted),
            ("rejected", p.rejected),
            ("days_delivered", p.days_delivered),
            ("late", p.late),
        ] {
            row("providers", &p.provider, "", "", n, v)?;
        }
    }
    for o in &f.officers {
        for (n, v) in [
            ("consultations", o.consultations),
            ("hits", o.hits),
            ("no_hits", o.no_hits),
            ("refused", o.refused),
        ] {
            officer_row("officers", &o.agency, &o.officer, "", "", n, v)?;
        }
    }
    Ok(w.into_inner()?)
}

/// The art. 9 statistics as rows: part (a, b, c), name, value.
fn art9_csv(s: &Art9) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["part", "name", "value"])?;
    w.write_record([
        "a",
        "cases in which data were provided",
        &s.cases_provided.to_string(),
    ])?;
    w.write_record(["b", "provisions", &s.provisions.to_string()])?;
    for c in &s.age_buckets {
        w.write_record(["b", &c.name, &c.count.to_string()])?;
    }
    for (name, v) in [
        ("age p50 seconds", s.age_p50_seconds),
        ("age p90 seconds", s.age_p90_seconds),
        ("age p99 seconds", s.age_p99_seconds),
        ("age max seconds", s.age_max_seconds),
    ] {
        w.write_record(["b", name, &v.map(|v| v.to_string()).unwrap_or_default()])?;
    }
    for c in &s.not_met {
        w.write_record(["c", &c.name, &c.count.to_string()])?;
    }
    Ok(w.into_inner()?)
}

fn text(r: &yearly::Report, zone: LegalZone) -> String {
    let f = &r.figures;
    let mut out = format!(
        "yearly report ({}) from {} to {}\n",
        match r.variant {
            yearly::Variant::Published => "published: intelligence services left out",
            yearly::Variant::Full => "full: every agency, not for publication",
        },
        render::time(r.from, zone),
        render::time(r.to, zone)
    );
    out.push_str(&format!(
        "{} consultations: {} hits, {} no hits, {} refused, {} open\n",
        f.consultations, f.hits, f.no_hits, f.refused, f.open
    ));
    out.push_str("\nagency               basis          month    asked   hits no-hit refused\n");
    for m in &f.by_month {
        out.push_str(&format!(
            "{:<20} {:<14} {} {:>7} {:>6} {:>6} {:>7}\n",
            m.agency, m.basis, m.month, m.consultations, m.hits, m.no_hits, m.refused
        ));
    }
    if !f.refusals.is_empty() {
        out.push_str("\nrefusals\n");
        for c in &f.refusals {
            out.push_str(&format!("  {:<28} {:>7}\n", c.name, c.count));
        }
    }
    for (title, counts) in [("channels", &f.channels), ("categories", &f.categories)] {
        if !counts.is_empty() {
            out.push_str(&format!("\n{title}\n"));
            for c in counts {
                out.push_str(&format!("  {:<28} {:>7}\n", c.name, c.count));
            }
        }
    }
    if !f.deadlines.is_empty() {
        out.push_str("\ndeadlines       answered   late\n");
        for d in &f.deadlines {
            out.push_str(&format!(
                "  {:<14} {:>8} {:>6}\n",
                d.rule, d.answered, d.late
            ));
        }
    }
    if !f.providers.is_empty() {
        out.push_str("\nprovider       accepted rejected days late\n");
        for p in &f.providers {
            out.push_str(&format!(
                "  {:<12} {:>8} {:>8} {:>4} {:>4}\n",
                p.provider, p.accepted, p.rejected, p.days_delivered, p.late
            ));
        }
    }
    if !f.officers.is_empty() {
        out.push_str(&format!(
            "\nagency               officer{}   asked   hits no-hit refused\n",
            if r.officers == yearly::Officers::Numbered {
                " (numbered, not named)"
            } else {
                "               "
            }
        ));
        for o in &f.officers {
            out.push_str(&format!(
                "{:<20} {:<22} {:>7} {:>6} {:>6} {:>7}\n",
                o.agency, o.officer, o.consultations, o.hits, o.no_hits, o.refused
            ));
        }
    }
    out.push_str(&format!(
        "\ncounted over the signed head of {} entries; check with `tdip report verify` on the JSON\n",
        head_size(&r.checkpoint)
    ));
    out
}
