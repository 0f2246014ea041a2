//! `tdip demo`: the whole flow on generated data, in a fresh directory.
//!
//! Three providers (two Dutch, one Belgian) deliver two days of a synthetic population;
//! then a handful of lookups show hits, history across a change, an uncertain moment, an
//! inference from the start date, a no-hit and a refused DST-gap time; then kpn's CGNAT
//! assignments and sessions of day 0 and an IP-and-port identification with its chain of
//! evidence (`demo_traffic`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use tdip_access::{Category, Demand, Urgency};
use tdip_core::consult::{self, Channel, ConsultError};
use tdip_core::lookup::{Query, When};
use tdip_gen::{GenConfig, snapshot_at};
use tdip_model::{IdentKind, LegalZone, parse_time};
use tdip_store::{AccessStore, Officer};

use super::deliver::deliver_file;
use super::gen_data::write_file;
use crate::cli::DemoArgs;
use crate::render;
use tdip_point::point::{self, Point};

const PROVIDERS: [(&str, &str, &str); 3] = [
    ("kpn", "KPN B.V.", "NL"),
    ("odido", "Odido Netherlands B.V.", "NL"),
    ("proximus", "Proximus NV", "BE"),
];

pub async fn run(data: &Path, args: &DemoArgs, zone: LegalZone) -> Result<i32> {
    let dir = data.join(format!("demo-{}", std::process::id()));
    // The demo always runs on its own embedded store.
    point::init(&dir, "sqlite:", point::Keeping::DevKey, super::now()).await?;
    let point = point::open(
        &dir,
        "sqlite:",
        &point::Unsealing::default(),
        super::clock(),
    )
    .await?;
    println!(
        "tdip demo in {} ({} subscriptions per provider)\n",
        dir.display(),
        args.rows
    );
    let files = dir.join("deliveries");
    std::fs::create_dir_all(&files)?;

    for (id, name, country) in PROVIDERS {
        tdip_point::providers::add(&point.store, id, name, country, None, super::now()).await?;
    }
    // One moment for the registry row and its log entry: the registry is checked
    // against the log.
    let registered_at = super::now();
    point
        .store
        .add_officer(&Officer {
            agency: DEMO_AGENCY.into(),
            id: DEMO_OFFICER.into(),
            name: "Demo Officer".into(),
            registered_at,
            valid_until: None,
            suspended: None,
        })
        .await?;
    let registered = tdip_core::audit::Event::Config {
        change: "officer-added".into(),
        subject: format!("{DEMO_AGENCY} {DEMO_OFFICER}"),
        detail: String::new(),
    };
    point
        .auditor
        .record(registered_at, vec![registered])
        .await?;
    let mut paths: HashMap<(&str, u32), PathBuf> = HashMap::new();
    for day in 0..2 {
        println!(
            "day {day}: snapshot of {}",
            render::time(snapshot_secs(day)?, zone)
        );
        for (id, _, country) in PROVIDERS {
            let cfg = GenConfig {
                provider: id.into(),
                country: if country == "BE" {
                    tdip_gen::Country::Be
                } else {
                    tdip_gen::Country::Nl
                },
                rows: args.rows,
                seed: 2026,
                day,
                change_rate_ppm: 5_000,
            };
            let path = files.join(format!("{id}-day{day}.csv.gz"));
            write_file(&cfg, &path)?;
            let started = Instant::now();
            let report = deliver_file(&point, id, &path, None, snapshot_secs(day)?, false).await?;
            let secs = started.elapsed().as_secs_f64();
            if !report.accepted() {
                bail!(
                    "the generated delivery of {id} was rejected: {:?}",
                    report.errors.first()
                );
            }
            println!(
                "  {id:<9} {:>7} rows in {secs:.2} s: {} opened, {} changed, {} closed, {} unchanged",
                report.rows, report.opened, report.changed, report.closed, report.unchanged
            );
            paths.insert((id, day), path);
        }
    }
    println!();
    let shown = examples(&point, &paths, zone).await;
    let traffic = match shown {
        Ok(()) => {
            println!();
            let kpn = GenConfig {
                provider: "kpn".into(),
                country: tdip_gen::Country::Nl,
                rows: args.rows,
                seed: 2026,
                day: 0,
                change_rate_ppm: 5_000,
            };
            super::demo_traffic::show(&point, &files, kpn, zone).await
        }
        Err(e) => Err(e),
    };
    point.finish().await;
    traffic?;
    println!(
        "\nExplore further with: tdip --data {} lookup --agency {DEMO_AGENCY} --officer \
         {DEMO_OFFICER} --basis {DEMO_BASIS} --case {DEMO_CASE} --msisdn NUMBER --at \
         \"YYYY-MM-DD HH:MM:SS\"\nEvery lookup above is in the audit log: tdip --data {} audit verify",
        dir.display(),
        dir.display()
    );
    let number = paths
        .get(&("kpn", 1))
        .map(|path| first_number(path))
        .transpose()?
        .flatten()
        .unwrap_or_else(|| "+31699999999".into());
    drop(point);
    if args.no_serve {
        return Ok(0);
    }
    let ask = format!(
        "--officer {DEMO_OFFICER} --basis {DEMO_BASIS} --case {DEMO_CASE} --msisdn {number}"
    );
    println!();
    super::demo_serve::serve(&dir, args.listen, DEMO_AGENCY, &ask, zone).await
}

/// The first phone number of a delivered (gzip-compressed CSV) file.
fn first_number(path: &Path) -> Result<Option<String>> {
    let file = std::fs::File::open(path)?;
    let mut reader = csv::Reader::from_reader(flate2::read::GzDecoder::new(file));
    let col = reader.headers()?.iter().position(|h| h == "msisdn");
    let Some(col) = col else { return Ok(None) };
    for record in reader.records() {
        let record = record?;
        if let Some(n) = record[col].split(';').next().filter(|n| !n.is_empty()) {
            return Ok(Some(n.to_owned()));
        }
    }
    Ok(None)
}

pub(super) const DEMO_AGENCY: &str = "nl/politie";
pub(super) const DEMO_OFFICER: &str = "DEMO-1";
const DEMO_BASIS: &str = "nl/sv-126na";
pub(super) const DEMO_CASE: &str = "DEMO-2026-001";

/// Asks `q` as the demo officer under `basis`: the answer, or the refusal, as text.
async fn consult(point: &Point, q: &Query, basis: &str, zone: LegalZone) -> Result<String> {
    let catalogue = tdip_access::Catalogue::defaults()?;
    let demand = Demand {
        agency: DEMO_AGENCY.into(),
        officer: DEMO_OFFICER.into(),
        basis: basis.into(),
        case_reference: DEMO_CASE.into(),
        authorised_by: None,
        urgency: Urgency::Normal,
        category: Category::HistoricalIdentification,
        query: q.kind,
        term: None,
    };
    let deadlines = tdip_access::DeadlinePolicy::default();
    let p = point.consulting(&catalogue, &deadlines, zone);
    match consult::consult(&p, &demand, q, Channel::Cli, super::now()).await {
        Ok(done) => Ok(render::answer(&tdip_server::answered(&done), zone)),
        Err(ConsultError::Refused { reason, .. }) => Ok(format!("REFUSED: {reason}\n")),
        Err(ConsultError::Core(e)) => Err(e.into()),
    }
}

fn snapshot_secs(day: u32) -> Result<i64> {
    Ok(jiff::Timestamp::from_str_rfc3339(&snapshot_at(day))?.as_second())
}

trait FromRfc3339 {
    fn from_str_rfc3339(s: &str) -> Result<jiff::Timestamp>;
}

impl FromRfc3339 for jiff::Timestamp {
    fn from_str_rfc3339(s: &str) -> Result<jiff::Timestamp> {
        s.parse()
            .with_context(|| format!("generator snapshot moment {s}"))
    }
}

/// An address inside `prefix`, some way in from its start.
fn inside(prefix: &str) -> Result<String> {
    let net = tdip_model::ident::parse_ip(prefix)
        .map_err(|e| anyhow::anyhow!("generated prefix: {e}"))?;
    let addr = match net.network() {
        std::net::IpAddr::V4(a) => std::net::IpAddr::V4((u32::from(a) | 5).into()),
        std::net::IpAddr::V6(a) => std::net::IpAddr::V6((u128::from(a) | 0x1234).into()),
    };
    Ok(addr.to_string())
}

/// Reads a generated file into subscription id → row (column name → value).
fn rows(path: &Path) -> Result<HashMap<String, HashMap<String, String>>> {
    let file = std::fs::File::open(path)?;
    let mut reader = csv::Reader::from_reader(flate2::read::GzDecoder::new(file));
    let header = reader.headers()?.clone();
    let mut out = HashMap::new();
    for rec in reader.records() {
        let rec = rec?;
        let row: HashMap<String, String> = header
            .iter()
            .zip(rec.iter())
            .map(|(h, v)| (h.to_owned(), v.to_owned()))
            .collect();
        out.insert(row["subscription_id"].clone(), row);
    }
    Ok(out)
}

async fn examples(
    point: &Point,
    paths: &HashMap<(&str, u32), PathBuf>,
    zone: LegalZone,
) -> Result<()> {
    let day0 = rows(&paths[&("kpn", 0)])?;
    let day1 = rows(&paths[&("kpn", 1)])?;
    let mut ids: Vec<&String> = day1.keys().collect();
    ids.sort();
    let mobile = ids
        .iter()
        .find(|id| !day1[**id]["msisdn"].is_empty())
        .context("no mobile row")?;
    let changed = ids
        .iter()
        .find(|id| {
            day0.get(**id)
                .is_some_and(|old| old != &day1[**id] && !old["msisdn"].is_empty())
        })
        .context("no changed row")?;
    let ip_row = ids
        .iter()
        .find(|id| day1[**id]["ip"].contains('/'))
        .context("no prefix row")?;
    let between = snapshot_secs(0)? + 12 * 3600;

    let first = |row: &HashMap<String, String>, col: &str| {
        row[col].split(';').next().unwrap_or("").to_owned()
    };
    let prefix = day1[*ip_row]["ip"]
        .split(';')
        .find(|ip| ip.contains('/'))
        .unwrap_or_default();
    let address_in_prefix = inside(prefix)?;
    let examples: Vec<(String, IdentKind, String, When)> = vec![
        (
            "a mobile number, now".into(),
            IdentKind::Msisdn,
            first(&day1[*mobile], "msisdn"),
            When::At { at: super::now() },
        ),
        (
            "a subscription that changed between the two deliveries, at the first".into(),
            IdentKind::Msisdn,
            first(&day0[*changed], "msisdn"),
            When::At {
                at: snapshot_secs(0)?,
            },
        ),
        (
            "the same number between the two deliveries".into(),
            IdentKind::Msisdn,
            first(&day0[*changed], "msisdn"),
            When::At { at: between },
        ),
        (
            "the same number a year before the first delivery".into(),
            IdentKind::Msisdn,
            first(&day0[*changed], "msisdn"),
            When::At {
                at: snapshot_secs(0)? - 365 * 86400,
            },
        ),
        (
            "an address inside a delivered IP prefix".into(),
            IdentKind::Ip,
            address_in_prefix,
            When::At { at: super::now() },
        ),
        (
            "a number nobody delivered".into(),
            IdentKind::Msisdn,
            "+31699999999".into(),
            When::At { at: super::now() },
        ),
    ];
    for (title, kind, value, when) in examples {
        println!("── lookup {} {value}: {title}", kind.as_str());
        let q = Query {
            kind,
            value,
            when,
            default_country: None,
        };
        print!("{}", consult(point, &q, DEMO_BASIS, zone).await?);
        println!();
    }
    println!("── the same officer asking under the intelligence services' basis");
    let q = Query {
        kind: IdentKind::Msisdn,
        value: "+31699999999".into(),
        when: When::At { at: super::now() },
        default_country: None,
    };
    print!("{}", consult(point, &q, "nl/wiv-56", zone).await?);
    println!();
    println!("── lookup at 2026-03-29 02:30:00 (the clocks jumped from 02:00 to 03:00 that night)");
    match parse_time("2026-03-29 02:30:00", zone) {
        Ok(_) => bail!("a time in the DST gap was accepted"),
        Err(e) => println!("refused: {e}"),
    }
    Ok(())
}
