//! The yearly report (or a supervisor's view of a period) as one self-contained HTML page for people: key figures, four SVG
//! charts (consultations per month by agency, hit rate per month, time to answer per
//! deadline rule, delivery punctuality per provider) and the tables behind them, in Dutch
//! or English, readable on screen and in print. No script, no external resource: it can be
//! mailed, archived and printed as it is.

use std::collections::BTreeMap;
use std::fmt::Write;

use tdip_core::audit::figures::{Figures, TOOK_BUCKETS};
use tdip_model::LegalZone;

use crate::yearly::{Officers, Report, Variant};

/// The language of the page's labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// Dutch.
    Nl,
    /// English.
    En,
}

struct Labels {
    lang: &'static str,
    title: &'static str,
    published: &'static str,
    full: &'static str,
    period: &'static str,
    consultations: &'static str,
    hits: &'static str,
    no_hits: &'static str,
    refused: &'static str,
    hit_rate: &'static str,
    per_month: &'static str,
    hit_rate_month: &'static str,
    took: &'static str,
    over_1h: &'static str,
    punctuality: &'static str,
    days: &'static str,
    late: &'static str,
    rejected: &'static str,
    agency: &'static str,
    provider: &'static str,
    rule: &'static str,
    answered: &'static str,
    reason: &'static str,
    other: &'static str,
    refusals: &'static str,
    per_agency: &'static str,
    deadlines: &'static str,
    deliveries: &'static str,
    counted: &'static str,
    withheld: &'static str,
    none: &'static str,
    view_title: &'static str,
    officer: &'static str,
    per_officer: &'static str,
    numbered: &'static str,
    only: &'static str,
}

const EN: Labels = Labels {
    lang: "en",
    title: "Yearly report: use of the information point",
    published: "Published variant: the intelligence and security services' figures are left out.",
    full: "Full variant: every agency, the intelligence and security services included. Not for publication.",
    period: "Period",
    consultations: "Consultations",
    hits: "Hits",
    no_hits: "No hits",
    refused: "Refused",
    hit_rate: "Hit rate",
    per_month: "Consultations per month, by agency",
    hit_rate_month: "Hit rate per month (hits among answers)",
    took: "Time to answer, per deadline rule",
    over_1h: "1 h or more",
    punctuality: "Delivery punctuality, per provider",
    days: "Days delivered",
    late: "Late",
    rejected: "Rejected",
    agency: "Agency",
    provider: "Provider",
    rule: "Rule",
    answered: "Answered",
    reason: "Reason",
    other: "other",
    refusals: "Refusals by reason",
    per_agency: "Per agency",
    deadlines: "Deadlines",
    deliveries: "Deliveries of the subscriber file",
    counted: "Counted from the audit log over the signed tree head of",
    withheld: "Left out",
    none: "none",
    view_title: "Supervisor's view: use of the information point",
    officer: "Officer",
    per_officer: "Per officer",
    numbered: "Officers are numbered within their agency by how much they asked, not named.",
    only: "Agencies of jurisdiction",
};

const NL: Labels = Labels {
    lang: "nl",
    title: "Jaarverslag: gebruik van het informatiepunt",
    published: "Publieke versie: de cijfers van de inlichtingen- en veiligheidsdiensten zijn weggelaten.",
    full: "Volledige versie: alle diensten, de inlichtingen- en veiligheidsdiensten inbegrepen. Niet voor publicatie.",
    period: "Periode",
    consultations: "Bevragingen",
    hits: "Treffers",
    no_hits: "Geen treffer",
    refused: "Geweigerd",
    hit_rate: "Trefferpercentage",
    per_month: "Bevragingen per maand, per dienst",
    hit_rate_month: "Trefferpercentage per maand (treffers onder de antwoorden)",
    took: "Antwoordtijd, per termijnregel",
    over_1h: "1 uur of meer",
    punctuality: "Tijdigheid van de leveringen, per aanbieder",
    days: "Dagen geleverd",
    late: "Te laat",
    rejected: "Geweigerd",
    agency: "Dienst",
    provider: "Aanbieder",
    rule: "Regel",
    answered: "Beantwoord",
    reason: "Reden",
    other: "overig",
    refusals: "Weigeringen per reden",
    per_agency: "Per dienst",
    deadlines: "Termijnen",
    deliveries: "Leveringen van het abonneebestand",
    counted: "Geteld uit het auditlog over de ondertekende boomkop van",
    withheld: "Weggelaten",
    none: "geen",
    view_title: "Toezichtsoverzicht: gebruik van het informatiepunt",
    officer: "Medewerker",
    per_officer: "Per medewerker",
    numbered: "Medewerkers zijn per dienst genummerd naar het aantal bevragingen, niet bij naam genoemd.",
    only: "Diensten van rechtsgebied",
};

/// Okabe–Ito: told apart with every common colour-vision deficiency, and in greyscale
/// print by their lightness.
const COLOURS: [&str; 7] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999",
];

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn number(n: u64, lang: Lang) -> String {
    let digits = n.to_string();
    let sep = if lang == Lang::Nl { '.' } else { ',' };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

fn percent(part: u64, whole: u64, lang: Lang) -> String {
    if whole == 0 {
        return "–".into();
    }
    let tenths = (part * 1000 + whole / 2) / whole;
    let sep = if lang == Lang::Nl { ',' } else { '.' };
    format!("{}{sep}{} %", tenths / 10, tenths % 10)
}

/// The months of the report's period, `YYYY-MM`, in its zone.
fn months(r: &Report, zone: LegalZone) -> Vec<String> {
    let month_of = |t: i64| {
        jiff::Timestamp::from_second(t)
            .map(|t| t.to_zoned(zone.tz()).date().first_of_month())
            .ok()
    };
    let (Some(mut m), Some(last)) = (month_of(r.from), month_of(r.to)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while m <= last && out.len() < 240 {
        out.push(m.strftime("%Y-%m").to_string());
        m = match m.checked_add(jiff::ToSpan::months(1)) {
            Ok(next) => next,
            Err(_) => break,
        };
    }
    out
}

/// The page.
pub fn page(r: &Report, zone: LegalZone, lang: Lang) -> String {
    let l = if lang == Lang::Nl { &NL } else { &EN };
    let f = &r.figures;
    let time = |t: i64| {
        jiff::Timestamp::from_second(t)
            .map(|t| tdip_model::format_time(t, zone))
            .unwrap_or_default()
    };
    let title = if r.report == "period" {
        l.view_title
    } else {
        l.title
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>",
        l.lang,
        esc(title),
        STYLE,
        esc(title)
    );
    let _ = writeln!(
        out,
        "<p class=\"lead\">{}: {} – {} ({})</p>\n<p class=\"variant {}\">{}</p>",
        l.period,
        esc(&time(r.from)),
        esc(&time(r.to)),
        esc(zone.name()),
        if r.variant == Variant::Full {
            "full"
        } else {
            "published"
        },
        esc(if r.variant == Variant::Full {
            l.full
        } else {
            l.published
        })
    );
    if let Some(j) = &r.jurisdiction {
        let _ = writeln!(out, "<p class=\"lead\">{}: {}</p>", esc(l.only), esc(j));
    }
    if r.officers == Officers::Numbered {
        let _ = writeln!(out, "<p>{}</p>", esc(l.numbered));
    }
    let answers = f.hits + f.no_hits;
    out.push_str("<section class=\"keys\">\n");
    for (label, value) in [
        (l.consultations, number(f.consultations, lang)),
        (l.hits, number(f.hits, lang)),
        (l.no_hits, number(f.no_hits, lang)),
        (l.refused, number(f.refused, lang)),
        (l.hit_rate, percent(f.hits, answers, lang)),
    ] {
        let _ = writeln!(
            out,
            "<div><span class=\"value\">{}</span><span class=\"label\">{}</span></div>",
            esc(&value),
            esc(label)
        );
    }
    out.push_str("</section>\n");
    out.push_str(&per_month_chart(r, zone, l, lang));
    out.push_str(&hit_rate_chart(r, zone, l, lang));
    out.push_str(&took_chart(f, l, lang));
    out.push_str(&punctuality_chart(f, l, lang));
    out.push_str(&tables(f, l, lang));
    let size = tdip_audit::SignedHead::from_checkpoint(&r.checkpoint)
        .map(|(h, _)| (h.head.size, hex_prefix(&h.head.root)))
        .ok();
    let _ = writeln!(
        out,
        "<footer><p>{} {} (root {}…); <code>tdip report verify</code>. {}: {}.</p></footer>",
        esc(l.counted),
        size.as_ref().map_or("?".into(), |s| number(s.0, lang)),
        size.as_ref().map_or(String::new(), |s| s.1.clone()),
        esc(l.withheld),
        if r.withheld.is_empty() {
            esc(l.none)
        } else {
            esc(&r.withheld.join(", "))
        }
    );
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn hex_prefix(root: &[u8; 32]) -> String {
    root[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// Agencies by their consultations, the six busiest by name and the rest as one.
fn agency_groups(f: &Figures) -> (Vec<String>, usize) {
    let mut total: BTreeMap<&str, u64> = BTreeMap::new();
    for m in &f.by_month {
        *total.entry(&m.agency).or_default() += m.consultations;
    }
    let mut by: Vec<(&str, u64)> = total.into_iter().collect();
    by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let shown = by.len().min(6);
    (
        by.iter().take(shown).map(|(a, _)| a.to_string()).collect(),
        by.len() - shown,
    )
}

const W: u32 = 720;
const H: u32 = 260;
const LEFT: u32 = 56;
const BOTTOM: u32 = 32;

fn svg_open(out: &mut String, title: &str, height: u32) {
    let _ = writeln!(
        out,
        "<figure>\n<figcaption>{t}</figcaption>\n<svg viewBox=\"0 0 {W} {height}\" \
         role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\">\n<title>{t}</title>",
        t = esc(title)
    );
}

/// Gridlines and labels of a vertical axis from 0 to `max`.
fn y_axis(out: &mut String, max: u64, lang: Lang, suffix: &str) {
    let plot = H - BOTTOM - 10;
    for i in 0..=4u64 {
        let v = max * i / 4;
        let y = H - BOTTOM - (plot as u64 * i / 4) as u32;
        let _ = writeln!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" class=\"grid\"/>\
             <text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"end\">{}{suffix}</text>",
            W - 8,
            LEFT - 6,
            y + 4,
            number(v, lang)
        );
    }
}

fn per_month_chart(r: &Report, zone: LegalZone, l: &Labels, lang: Lang) -> String {
    let f = &r.figures;
    let months = months(r, zone);
    let (named, rest) = agency_groups(f);
    let groups = named.len() + usize::from(rest > 0);
    let mut cells = vec![vec![0u64; groups]; months.len()];
    for m in &f.by_month {
        let Some(i) = months.iter().position(|x| *x == m.month) else {
            continue;
        };
        let g = named
            .iter()
            .position(|a| *a == m.agency)
            .unwrap_or(named.len());
        cells[i][g] += m.consultations;
    }
    let max = cells
        .iter()
        .map(|c| c.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let max = nice(max);
    let mut out = String::new();
    svg_open(&mut out, l.per_month, H + 40);
    y_axis(&mut out, max, lang, "");
    let plot_w = W - LEFT - 8;
    let slot = plot_w / months.len().max(1) as u32;
    let bar = (slot * 7 / 10).max(2);
    let plot_h = (H - BOTTOM - 10) as u64;
    for (i, (month, c)) in months.iter().zip(&cells).enumerate() {
        let x = LEFT + slot * i as u32 + (slot - bar) / 2;
        let mut y = H - BOTTOM;
        for (g, v) in c.iter().enumerate() {
            let h = (plot_h * v / max) as u32;
            if h == 0 {
                continue;
            }
            y -= h;
            let _ = writeln!(
                out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{bar}\" height=\"{h}\" fill=\"{}\">\
                 <title>{} {}: {}</title></rect>",
                COLOURS[g.min(COLOURS.len() - 1)],
                esc(month),
                esc(named.get(g).map_or(l.other, |a| a.as_str())),
                number(*v, lang)
            );
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"middle\">{}</text>",
            x + bar / 2,
            H - BOTTOM + 16,
            esc(month.get(5..).unwrap_or(month))
        );
    }
    // The legend, under the axis.
    let mut lx = LEFT;
    for g in 0..groups {
        let name = named.get(g).map_or(l.other, |a| a.as_str());
        let _ = writeln!(
            out,
            "<rect x=\"{lx}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{}\" class=\"legend\">{}</text>",
            H + 14,
            COLOURS[g.min(COLOURS.len() - 1)],
            lx + 16,
            H + 24,
            esc(name)
        );
        lx += 22 + 7 * name.chars().count() as u32;
    }
    out.push_str("</svg>\n</figure>\n");
    out
}

fn hit_rate_chart(r: &Report, zone: LegalZone, l: &Labels, lang: Lang) -> String {
    let months = months(r, zone);
    let mut per: Vec<(u64, u64)> = vec![(0, 0); months.len()];
    for m in &r.figures.by_month {
        if let Some(i) = months.iter().position(|x| *x == m.month) {
            per[i].0 += m.hits;
            per[i].1 += m.hits + m.no_hits;
        }
    }
    let mut out = String::new();
    svg_open(&mut out, l.hit_rate_month, H);
    y_axis(&mut out, 100, lang, " %");
    let plot_w = W - LEFT - 8;
    let slot = plot_w / months.len().max(1) as u32;
    let bar = (slot * 7 / 10).max(2);
    let plot_h = H - BOTTOM - 10;
    for (i, (month, (hits, answers))) in months.iter().zip(&per).enumerate() {
        let x = LEFT + slot * i as u32 + (slot - bar) / 2;
        if *answers > 0 {
            let h = (u64::from(plot_h) * hits / answers) as u32;
            let _ = writeln!(
                out,
                "<rect x=\"{x}\" y=\"{}\" width=\"{bar}\" height=\"{h}\" fill=\"{}\">\
                 <title>{}: {}</title></rect>",
                H - BOTTOM - h,
                COLOURS[2],
                esc(month),
                esc(&percent(*hits, *answers, lang))
            );
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" class=\"value\" text-anchor=\"middle\">{}</text>",
                x + bar / 2,
                H - BOTTOM - h + 14,
                esc(percent(*hits, *answers, lang).trim_end_matches(" %"))
            );
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"middle\">{}</text>",
            x + bar / 2,
            H - BOTTOM + 16,
            esc(month.get(5..).unwrap_or(month))
        );
    }
    out.push_str("</svg>\n</figure>\n");
    out
}

/// Horizontal bars, one per row, split into coloured parts with a legend.
fn split_bars(
    out: &mut String,
    rows: &[(String, Vec<u64>)],
    parts: &[String],
    colours: &[&str],
    lang: Lang,
) {
    let label_w = 150;
    let plot_w = W - label_w - 16;
    for (i, (name, values)) in rows.iter().enumerate() {
        let y = 10 + 34 * i as u32;
        let total: u64 = values.iter().sum::<u64>().max(1);
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"end\">{}</text>",
            label_w - 8,
            y + 16,
            esc(name)
        );
        let mut x = label_w;
        for (p, v) in values.iter().enumerate() {
            let w = (u64::from(plot_w) * v / total) as u32;
            if w > 0 {
                let _ = writeln!(
                    out,
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"22\" fill=\"{}\">\
                     <title>{} {}: {}</title></rect>",
                    colours[p % colours.len()],
                    esc(name),
                    esc(&parts[p]),
                    number(*v, lang)
                );
            }
            x += w;
        }
    }
    let y = 14 + 34 * rows.len() as u32;
    let mut lx = label_w;
    for (p, part) in parts.iter().enumerate() {
        let _ = writeln!(
            out,
            "<rect x=\"{lx}\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{}\" class=\"legend\">{}</text>",
            colours[p % colours.len()],
            lx + 16,
            y + 10,
            esc(part)
        );
        lx += 26 + 7 * part.chars().count() as u32;
    }
}

fn took_chart(f: &Figures, l: &Labels, lang: Lang) -> String {
    let mut out = String::new();
    if f.deadlines.is_empty() {
        return out;
    }
    let parts: Vec<String> = TOOK_BUCKETS
        .iter()
        .map(|(label, _)| label.to_string())
        .chain([l.over_1h.to_string()])
        .collect();
    let rows: Vec<(String, Vec<u64>)> = f
        .deadlines
        .iter()
        .map(|d| (d.rule.clone(), d.took.clone()))
        .collect();
    svg_open(&mut out, l.took, 40 + 34 * rows.len() as u32);
    split_bars(
        &mut out,
        &rows,
        &parts,
        &["#009E73", "#56B4E9", "#E69F00", "#D55E00", "#999999"],
        lang,
    );
    out.push_str("</svg>\n</figure>\n");
    out
}

fn punctuality_chart(f: &Figures, l: &Labels, lang: Lang) -> String {
    let mut out = String::new();
    if f.providers.is_empty() {
        return out;
    }
    let parts = vec![
        l.days.to_string(),
        l.late.to_string(),
        l.rejected.to_string(),
    ];
    let rows: Vec<(String, Vec<u64>)> = f
        .providers
        .iter()
        .map(|p| {
            (
                p.provider.clone(),
                vec![p.days_delivered.saturating_sub(p.late), p.late, p.rejected],
            )
        })
        .collect();
    svg_open(&mut out, l.punctuality, 40 + 34 * rows.len() as u32);
    split_bars(
        &mut out,
        &rows,
        &parts,
        &["#009E73", "#E69F00", "#D55E00"],
        lang,
    );
    out.push_str("</svg>\n</figure>\n");
    out
}

fn tables(f: &Figures, l: &Labels, lang: Lang) -> String {
    let mut out = String::new();
    let mut per: BTreeMap<&str, [u64; 4]> = BTreeMap::new();
    for m in &f.by_month {
        let e = per.entry(&m.agency).or_default();
        for (sum, v) in e
            .iter_mut()
            .zip([m.consultations, m.hits, m.no_hits, m.refused])
        {
            *sum += v;
        }
    }
    let n = |v: u64| number(v, lang);
    table(
        &mut out,
        l.per_agency,
        &[l.agency, l.consultations, l.hits, l.no_hits, l.refused],
        per.into_iter().map(|(agency, sums)| {
            std::iter::once(agency.to_owned())
                .chain(sums.map(n))
                .collect()
        }),
    );
    if !f.refusals.is_empty() {
        table(
            &mut out,
            l.refusals,
            &[l.reason, l.refused],
            f.refusals.iter().map(|c| vec![c.name.clone(), n(c.count)]),
        );
    }
    if !f.deadlines.is_empty() {
        table(
            &mut out,
            l.deadlines,
            &[l.rule, l.answered, l.late],
            f.deadlines
                .iter()
                .map(|d| vec![d.rule.clone(), n(d.answered), n(d.late)]),
        );
    }
    if !f.providers.is_empty() {
        table(
            &mut out,
            l.deliveries,
            &[l.provider, l.days, l.late, l.rejected],
            f.providers.iter().map(|p| {
                vec![
                    p.provider.clone(),
                    n(p.days_delivered),
                    n(p.late),
                    n(p.rejected),
                ]
            }),
        );
    }
    if !f.officers.is_empty() {
        table(
            &mut out,
            l.per_officer,
            &[
                l.agency,
                l.officer,
                l.consultations,
                l.hits,
                l.no_hits,
                l.refused,
            ],
            f.officers.iter().map(|o| {
                vec![
                    o.agency.clone(),
                    o.officer.clone(),
                    n(o.consultations),
                    n(o.hits),
                    n(o.no_hits),
                    n(o.refused),
                ]
            }),
        );
    }
    out
}

/// A headed table that scrolls inside itself when wider than the page; every cell escaped.
fn table(
    out: &mut String,
    heading: &str,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) {
    let _ = write!(
        out,
        "<h2>{}</h2>\n<div class=\"wide\"><table>\n<thead><tr>",
        esc(heading)
    );
    for h in headers {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{}</td>", esc(&cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
}

/// A round upper bound for an axis: 1, 2 or 5 times a power of ten, at least `max`.
fn nice(max: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for m in [1, 2, 5] {
            if step * m >= max {
                return step * m;
            }
        }
        step *= 10;
    }
}

const STYLE: &str = "
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1a1a1a;
       background: #fff; margin: 0; }
main { max-width: 760px; margin: 0 auto; padding: 24px 20px 40px; }
h1 { font-size: 24px; margin: 0 0 6px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
.lead { margin: 0; color: #444; }
.variant { margin: 4px 0 18px; font-weight: 600; }
.variant.full { color: #a1260d; }
.keys { display: grid; grid-template-columns: repeat(auto-fit, minmax(120px, 1fr)); gap: 10px;
        margin: 0 0 20px; }
.keys div { border: 1px solid #d8d8d8; border-radius: 6px; padding: 10px 12px; }
.keys .value { display: block; font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; }
.keys .label { color: #555; font-size: 13px; }
figure { margin: 22px 0; break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: 6px; }
svg { width: 100%; min-width: 540px; height: auto; }
figure, .wide { overflow-x: auto; }
svg .value { font-size: 11px; fill: #fff; font-weight: 600; }
svg .grid { stroke: #e3e3e3; stroke-width: 1; }
svg .tick { font-size: 12px; fill: #444; }
svg .legend { font-size: 12px; fill: #222; }
table { border-collapse: collapse; width: 100%; margin: 16px 0; font-variant-numeric: tabular-nums;
        break-inside: avoid; }
th, td { text-align: right; padding: 5px 8px; border-bottom: 1px solid #e3e3e3; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid #999; }
footer { margin-top: 28px; color: #555; font-size: 13px; }
@media (max-width: 560px) { body { font-size: 14px; } th, td { padding: 4px 5px; } }
@media print { main { max-width: none; padding: 0; } body { font-size: 11pt; } }
";

#[cfg(test)]
mod tests {
    use tdip_core::audit::figures::{Count, DeadlineRow, MonthRow, OfficerRow, ProviderRow};

    use super::*;

    /// A year of figures as a point of the CIOT's size would have them.
    fn report() -> Report {
        let agencies = [
            ("nl/politie", 120_000),
            ("nl/fiod", 9_000),
            ("nl/kmar", 14_000),
            ("nl/nla", 3_000),
            ("nl/ilt", 1_500),
            ("nl/nvwa", 900),
            ("nl/igj", 300),
            ("nl/rijksrecherche", 700),
        ];
        let mut by_month = Vec::new();
        for (a, base) in agencies {
            for m in 1..=12u64 {
                let c = base + base * (m % 4) / 10;
                by_month.push(MonthRow {
                    agency: a.into(),
                    basis: "nl/sv-126na".into(),
                    month: format!("2026-{m:02}"),
                    consultations: c,
                    hits: c * 9 / 10 - m * 7,
                    no_hits: c / 10 + m * 7 - c / 50,
                    refused: c / 50,
                });
            }
        }
        let sum = |f: fn(&MonthRow) -> u64| by_month.iter().map(f).sum::<u64>();
        let figures = Figures {
            consultations: sum(|m| m.consultations),
            hits: sum(|m| m.hits),
            no_hits: sum(|m| m.no_hits),
            refused: sum(|m| m.refused),
            open: 0,
            refusals: vec![Count {
                name: "basis-not-held <&>".into(),
                count: sum(|m| m.refused),
            }],
            channels: vec![],
            categories: vec![],
            deadlines: vec![
                DeadlineRow {
                    rule: "real-time".into(),
                    answered: 1_700_000,
                    late: 1_200,
                    took: vec![1_650_000, 45_000, 3_800, 1_200, 0],
                },
                DeadlineRow {
                    rule: "set-by-demand".into(),
                    answered: 4_000,
                    late: 3,
                    took: vec![3_000, 600, 300, 97, 3],
                },
            ],
            providers: ["kpn", "odido", "vodafoneziggo", "lebara"]
                .iter()
                .enumerate()
                .map(|(i, p)| ProviderRow {
                    provider: p.to_string(),
                    accepted: 365,
                    rejected: i as u64,
                    days_delivered: 365 - i as u64 * 2,
                    late: i as u64 * 3,
                })
                .collect(),
            by_month,
            officers: vec![],
        };
        Report {
            report: "yearly".into(),
            variant: Variant::Published,
            officers: Officers::Omitted,
            jurisdiction: None,
            from: 1_767_222_000,
            to: 1_798_757_999,
            zone: "Europe/Amsterdam".into(),
            withheld: vec!["nl/aivd".into(), "nl/mivd".into()],
            checkpoint: String::new(),
            figures,
        }
    }

    #[test]
    fn the_page_has_its_four_charts_every_month_no_script_and_escapes_what_it_shows() {
        for lang in [Lang::En, Lang::Nl] {
            let html = page(&report(), LegalZone::Amsterdam, lang);
            assert_eq!(html.matches("<svg ").count(), 4, "four charts");
            assert!(!html.contains("<script"), "no script");
            let outside_svg_namespace = html.replace("http://www.w3.org/2000/svg", "");
            assert!(
                !outside_svg_namespace.contains("http://") && !html.contains("https://"),
                "no external resource"
            );
            assert!(html.contains("basis-not-held &lt;&amp;&gt;"));
            assert!(!html.contains("basis-not-held <&>"));
            // Every month of the year on the axis, and the seventh agency group is "other".
            for m in 1..=12 {
                assert!(html.contains(&format!(">{m:02}</text>")), "month {m}");
            }
            let other = if lang == Lang::Nl {
                ">overig<"
            } else {
                ">other<"
            };
            assert!(html.contains(other));
            if let Ok(dir) = std::env::var("TDIP_REPORT_HTML_OUT") {
                let name = if lang == Lang::Nl { "nl" } else { "en" };
                std::fs::write(format!("{dir}/yearly-{name}.html"), &html).unwrap();
            }
        }
        let nl = page(&report(), LegalZone::Amsterdam, Lang::Nl);
        assert!(nl.contains("<html lang=\"nl\">") && nl.contains("Bevragingen"));
        // Dutch digit grouping and decimal comma.
        assert!(nl.contains("<td>1.700.000</td>"));
        assert_eq!(percent(1, 3, Lang::Nl), "33,3 %");
        assert_eq!(percent(1, 3, Lang::En), "33.3 %");
        assert_eq!(number(2_930_941, Lang::En), "2,930,941");
        assert_eq!(nice(0), 1);
        assert_eq!(nice(1_234), 2_000);
        assert_eq!(nice(5_000), 5_000);
        assert!(
            !nl.contains("Per medewerker"),
            "no officers, no officer table"
        );
    }

    #[test]
    fn a_supervisors_view_says_whose_agencies_and_that_officers_are_numbered() {
        let mut r = report();
        r.report = "period".into();
        r.variant = Variant::Full;
        r.officers = Officers::Numbered;
        r.jurisdiction = Some("nl".into());
        r.figures.officers = vec![OfficerRow {
            agency: "nl/politie".into(),
            officer: "officer 1".into(),
            consultations: 12_345,
            hits: 12_000,
            no_hits: 300,
            refused: 45,
        }];
        let en = page(&r, LegalZone::Amsterdam, Lang::En);
        assert!(en.contains("<title>Supervisor&#39;s view"));
        assert!(en.contains("Agencies of jurisdiction: nl"));
        assert!(en.contains("numbered within their agency"));
        assert!(en.contains("<h2>Per officer</h2>"));
        assert!(en.contains("<td>officer 1</td><td>12,345</td>"));
        r.officers = Officers::Named;
        let named = page(&r, LegalZone::Amsterdam, Lang::Nl);
        assert!(named.contains("Toezichtsoverzicht") && !named.contains("genummerd"));
    }
}
