//! The demo's retained traffic data: kpn's CGNAT port-block assignments and access
//! sessions of days 0 and 1 (`tdip gen cgnat`, `tdip gen sessions`) delivered as batches, then
//! an IP-and-port identification with its chain of evidence, and the same question under a
//! basis that does not permit traffic data, refused.

use std::path::Path;

use anyhow::{Context, Result, bail};
use tdip_access::{Category, Demand, Urgency};
use tdip_core::consult::{Channel, ConsultError};
use tdip_core::traffic::consult::{TrafficAsk, consult_traffic};
use tdip_core::traffic::identify::Identify;
use tdip_gen::{GenConfig, TrafficGenConfig, write_cgnat_csv, write_sessions_csv};
use tdip_model::LegalZone;
use tdip_point::point::Point;
use tdip_store::TrafficKind;

use crate::render_traffic;

/// Delivers the traffic of `population` (kpn's) on days 0 and 1 — day 1's batches close
/// what day 0's left open — and shows the identification of an assignment of day 1, when
/// the subscriber file was observed on both sides of it.
pub async fn show(
    point: &Point,
    files: &Path,
    population: GenConfig,
    zone: LegalZone,
) -> Result<()> {
    let provider = population.provider.clone();
    let mut last = None;
    for day in 0..2 {
        let cfg = TrafficGenConfig::new(GenConfig {
            day,
            ..population.clone()
        });
        let cgnat = files.join(format!("{provider}-cgnat-day{day}.csv"));
        let sessions = files.join(format!("{provider}-sessions-day{day}.csv"));
        write_cgnat_csv(
            &cfg,
            std::io::BufWriter::new(std::fs::File::create(&cgnat)?),
        )?;
        write_sessions_csv(
            &cfg,
            std::io::BufWriter::new(std::fs::File::create(&sessions)?),
        )?;
        println!("retained traffic data of {provider}, day {day}:");
        for (path, kind) in [
            (&sessions, TrafficKind::AccessSession),
            (&cgnat, TrafficKind::PortBlock),
        ] {
            let batch = format!("{provider}-{}-day{day}", kind.as_str());
            let report =
                tdip_point::traffic::deliver_file(point, &provider, &batch, kind, path).await?;
            if report.batch != "accepted" {
                bail!(
                    "the generated {} batch was rejected: {:?}",
                    kind.as_str(),
                    report.errors.first()
                );
            }
            println!(
                "  batch {batch}: {} records ({} open at the end of the day, {} of the day before closed)",
                report.records, report.opened, report.ended
            );
        }
        last = Some(cgnat);
    }
    let (ip, port, at) = sample(&last.context("two days of traffic")?)?;
    let ask = TrafficAsk::Identify(Identify {
        address: ip.clone(),
        port: Some(port),
        at,
        tolerance: 0,
    });
    println!("\n--- who used {ip} port {port} then (nl/sv-126n, traffic_identification) ---");
    print!("{}", ask_as(point, &ask, "nl/sv-126n", zone).await?);
    println!("\n--- the same under nl/sv-126na (user data only) ---");
    print!("{}", ask_as(point, &ask, "nl/sv-126na", zone).await?);
    Ok(())
}

/// An assignment of the file with an end-user id and an end: its address, a port inside
/// its block, and the middle of its interval.
fn sample(path: &Path) -> Result<(String, u16, i64)> {
    let mut reader = csv::Reader::from_path(path)?;
    let h: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    let col = |name: &str| h.iter().position(|c| c == name).context("a cgnat column");
    let (ip, first, user, start, end) = (
        col("public_ip")?,
        col("first_port")?,
        col("user_id")?,
        col("start")?,
        col("end")?,
    );
    let mut found = Vec::new();
    for record in reader.records() {
        let r = record?;
        if r[user].is_empty() || r[end].is_empty() {
            continue;
        }
        let from: jiff::Timestamp = r[start].parse()?;
        let to: jiff::Timestamp = r[end].parse()?;
        let port: u16 = r[first].parse()?;
        found.push((
            r[ip].to_owned(),
            port.saturating_add(7),
            (from.as_second() + to.as_second()) / 2,
        ));
    }
    // One from the middle of the day: the evening, when the NAT is busiest.
    if !found.is_empty() {
        let middle = found.len() / 2;
        return Ok(found.swap_remove(middle));
    }
    bail!("the generated CGNAT file has no closed assignment with a user id")
}

async fn ask_as(point: &Point, ask: &TrafficAsk, basis: &str, zone: LegalZone) -> Result<String> {
    let catalogue = tdip_access::Catalogue::defaults()?;
    let deadlines = tdip_access::DeadlinePolicy::default();
    let demand = Demand {
        agency: super::demo::DEMO_AGENCY.into(),
        officer: super::demo::DEMO_OFFICER.into(),
        basis: basis.into(),
        case_reference: super::demo::DEMO_CASE.into(),
        authorised_by: Some("mr. A. de Vries (officier van justitie)".into()),
        urgency: Urgency::Normal,
        category: Category::TrafficIdentification,
        query: tdip_model::IdentKind::Ip,
        term: None,
    };
    let p = point.consulting(&catalogue, &deadlines, zone);
    match consult_traffic(&p, &demand, ask, Channel::Cli, super::now()).await {
        Ok(done) => Ok(render_traffic::answered(
            &tdip_server::traffic_answered(&done),
            zone,
        )),
        Err(ConsultError::Refused { reason, .. }) => Ok(format!("REFUSED: {reason}\n")),
        Err(ConsultError::Core(e)) => Err(e.into()),
    }
}
