//! A consultation of retained traffic data: judged against the catalogue (category
//! `traffic_identification` for "who used this address and port", `traffic` for the records
//! of an identifier over a period) and the officer registry like every demand, with its
//! deadline class (younger than 30 days: real time; older: within 24 hours), and logged —
//! request, reference (the address and port sealed), answer or refusal — before the answer
//! is handed out.

use tdip_access::{Category, Demand, Due, Grant, RefusalCode, Timing};
use tdip_model::IdentKind;
use tdip_store::{AccessStore, AuditStore, Store, TrafficStore};

use crate::CoreError;
use crate::audit::{Event, Outcome};
use crate::consult::{
    Channel, ConsultError, Consulting, Entries, reference, registry, request_event,
};
use crate::traffic::comms::devices::{Devices, devices_of};
use crate::traffic::comms::dump::{CellDump, DumpTarget, Dumped, cell_dump};
use crate::traffic::comms::of::{Comms, CommsOf, comms_of};
use crate::traffic::comms::{Communicated, Reach};
use crate::traffic::identify::{Identified, Identify, identify, parse_address};
use crate::traffic::records::{Records, RecordsOf, records_of};

/// What is asked of the traffic data.
#[derive(Clone, Debug)]
pub enum TrafficAsk {
    /// Who used an address (and port) at a moment.
    Identify(Identify),
    /// The records of an end-user id or address over a period.
    Records(RecordsOf),
    /// The communications of an identifier over a period.
    Comms(CommsOf),
    /// The devices, SIMs and numbers used together with an identifier over a period.
    Devices(CommsOf),
    /// Every communication through some cells in a window.
    Dump(CellDump),
}

impl TrafficAsk {
    /// The category of data the demand asks for.
    pub fn category(&self) -> Category {
        match self {
            TrafficAsk::Identify(_) => Category::TrafficIdentification,
            TrafficAsk::Records(_) | TrafficAsk::Comms(_) | TrafficAsk::Devices(_) => {
                Category::Traffic
            }
            TrafficAsk::Dump(_) => Category::CellDump,
        }
    }

    /// The kind of identifier asked by (a cell dump asks by none: `Imei` stands in for the
    /// catalogue, which checks no query kind for a dump; the log says `cell`).
    pub fn kind(&self) -> IdentKind {
        match self {
            TrafficAsk::Identify(_) => IdentKind::Ip,
            TrafficAsk::Records(r) => r.kind,
            TrafficAsk::Comms(r) | TrafficAsk::Devices(r) => r.kind,
            TrafficAsk::Dump(_) => IdentKind::Imei,
        }
    }

    /// The query's name as logged (`msisdn`, …, `cell` for a dump).
    pub fn query_name(&self) -> &'static str {
        match self {
            TrafficAsk::Dump(_) => "cell",
            other => other.kind().as_str(),
        }
    }

    fn span(&self) -> (i64, i64) {
        match self {
            TrafficAsk::Identify(q) => (q.at, q.at),
            TrafficAsk::Records(r) => (r.from, r.to),
            TrafficAsk::Comms(r) | TrafficAsk::Devices(r) => (r.from, r.to),
            TrafficAsk::Dump(d) => (d.from, d.to),
        }
    }

    /// What the reference entry seals: the identifier (and the port) as asked.
    fn sealed_text(&self) -> String {
        match self {
            TrafficAsk::Identify(q) => match q.port {
                Some(port) => format!("{} port {port}", q.address.trim()),
                None => q.address.trim().to_owned(),
            },
            TrafficAsk::Records(r) => r.value.trim().to_owned(),
            TrafficAsk::Comms(r) | TrafficAsk::Devices(r) => r.value.trim().to_owned(),
            TrafficAsk::Dump(d) => match &d.target {
                DumpTarget::Cells { provider, cell_ids } => {
                    format!("cells {provider}: {}", cell_ids.join(", "))
                }
                DumpTarget::Area {
                    latitude,
                    longitude,
                    radius_metres,
                } => {
                    format!("area {latitude},{longitude} (micro-degrees) radius {radius_metres} m")
                }
            },
        }
    }
}

/// The answer of a traffic consultation.
#[derive(Clone, Debug)]
pub enum TrafficAnswer {
    /// To an identification.
    Identified(Identified),
    /// To a records query.
    Records(Records),
    /// To a communications query.
    Comms(Comms),
    /// To a device history.
    Devices(Devices),
    /// To a cell dump.
    Dumped(Dumped),
}

fn comm_providers(items: &[Communicated]) -> impl Iterator<Item = String> + '_ {
    items
        .iter()
        .flat_map(|c| c.records.iter().map(|r| r.source.provider.clone()))
}

impl TrafficAnswer {
    fn summary(&self) -> (bool, Vec<String>, usize) {
        let mut providers: Vec<String> = match self {
            TrafficAnswer::Identified(a) => a
                .candidates
                .iter()
                .filter_map(|c| c.assignment.as_ref().or(c.session.as_ref()))
                .map(|f| f.source.provider.clone())
                .collect(),
            TrafficAnswer::Records(r) => r
                .records
                .iter()
                .map(|f| f.source.provider.clone())
                .collect(),
            TrafficAnswer::Comms(c) => comm_providers(&c.items).collect(),
            TrafficAnswer::Dumped(d) => comm_providers(&d.items).collect(),
            TrafficAnswer::Devices(d) => d.uses.iter().map(|u| u.provider.clone()).collect(),
        };
        providers.sort();
        providers.dedup();
        let records = match self {
            TrafficAnswer::Identified(a) => a.candidates.len(),
            TrafficAnswer::Records(r) => r.records.len(),
            TrafficAnswer::Comms(c) => c.items.iter().map(|i| i.records.len()).sum(),
            TrafficAnswer::Dumped(d) => d.items.iter().map(|i| i.records.len()).sum(),
            TrafficAnswer::Devices(d) => d.uses.len(),
        };
        (records > 0, providers, records)
    }
}

/// A granted and answered traffic consultation.
#[derive(Debug)]
pub struct TrafficConsulted {
    /// The consultation's reference, as logged.
    pub consultation: String,
    /// What the catalogue granted.
    pub grant: Grant,
    /// The answer.
    pub answer: TrafficAnswer,
    /// When it was due, and by which rule.
    pub due: Due,
}

/// Judges, answers and logs a demand on the retained traffic data, at `now`. The demand's
/// category and query kind are those of `ask` whatever the caller set.
pub async fn consult_traffic<S, A>(
    p: &Consulting<'_, S, A>,
    demand: &Demand,
    ask: &TrafficAsk,
    channel: Channel,
    now: i64,
) -> Result<TrafficConsulted, ConsultError>
where
    S: Store + TrafficStore + AccessStore,
    A: AuditStore + 'static,
{
    let audit_keys = p
        .auditor
        .keys()
        .ok_or(CoreError::Internal("a consultation needs the audit keys"))?;
    let received = std::time::Instant::now();
    let demand = &Demand {
        category: ask.category(),
        query: ask.kind(),
        ..demand.clone()
    };
    let consultation = reference();
    let (from, to) = ask.span();
    let address = match ask {
        TrafficAsk::Identify(q) => Some(parse_address(&q.address)),
        TrafficAsk::Records(r) if r.kind == IdentKind::Ip => Some(parse_address(&r.value)),
        TrafficAsk::Records(_) | TrafficAsk::Comms(_) | TrafficAsk::Devices(_) => None,
        TrafficAsk::Dump(_) => None,
    };
    let country = p.catalogue.country_of(&demand.agency);
    let blind = match (&address, ask) {
        (Some(Ok(addr)), _) => Some(p.keys.ident(IdentKind::Ip, &addr.to_string()).0.to_vec()),
        (None, TrafficAsk::Comms(r) | TrafficAsk::Devices(r)) => {
            tdip_model::normalize(r.kind, &r.value, r.country.or(country))
                .ok()
                .map(|v| p.keys.ident(r.kind, &v).0.to_vec())
        }
        _ => None,
    };
    let entries = Entries {
        p,
        now,
        request: request_event(
            &consultation,
            demand,
            ask.query_name().to_owned(),
            (from, to),
            channel,
        ),
        reference: Event::Reference {
            consultation: consultation.clone(),
            blind,
            sealed: audit_keys.seal_identifier(&consultation, &ask.sealed_text()),
        },
        consultation: consultation.clone(),
    };
    let grant = match p.catalogue.authorise(demand) {
        Ok(grant) => grant,
        Err(r) => return entries.refuse(r.code(), r.to_string()).await,
    };
    if let Some((code, reason)) = registry(p, demand, now).await? {
        return entries.refuse(code, reason).await;
    }
    if let Some(Err(e)) = address {
        return entries
            .refuse(RefusalCode::BadIdentifier, e.to_string())
            .await;
    }
    if let TrafficAsk::Dump(d) = ask
        && let Some(why) = beyond_bound(p, demand, d)
    {
        return entries.refuse(RefusalCode::BeyondBound, why).await;
    }
    let basis = p.catalogue.bases.get(&demand.basis);
    let permits = |c: Category| basis.is_some_and(|b| b.categories.contains(&c));
    let reach = Reach {
        location: permits(Category::Location),
        subscribers: permits(Category::HistoricalIdentification),
    };
    let timing = Timing {
        category: demand.category,
        received: now,
        earliest: from,
        term: demand.term,
    };
    let due = match p.deadlines.due(&timing, p.zone) {
        Ok(due) => due,
        Err(e) => return entries.refuse(RefusalCode::BadTerm, e.to_string()).await,
    };
    let answered = match ask {
        TrafficAsk::Identify(q) => identify(p.store, p.keys, q)
            .await
            .map(TrafficAnswer::Identified),
        TrafficAsk::Records(r) => records_of(p.store, p.keys, r)
            .await
            .map(TrafficAnswer::Records),
        TrafficAsk::Comms(r) => {
            let r = with_country(r, country);
            comms_of(p.store, p.keys, &r, reach)
                .await
                .map(TrafficAnswer::Comms)
        }
        TrafficAsk::Devices(r) => {
            let r = with_country(r, country);
            devices_of(p.store, p.keys, &r)
                .await
                .map(TrafficAnswer::Devices)
        }
        // A dump's records are location data by nature: their cells are always placed.
        TrafficAsk::Dump(d) => cell_dump(
            p.store,
            p.keys,
            d,
            Reach {
                location: true,
                ..reach
            },
        )
        .await
        .map(TrafficAnswer::Dumped),
    };
    let answer = match answered {
        Ok(answer) => answer,
        // A query the point could read as an address but not answer as asked (a
        // tolerance too large, a period too long, a kind traffic data are not kept by):
        // the officer's to fix, refused like an unreadable query.
        Err(CoreError::Config(why)) => {
            return entries.refuse(RefusalCode::BadIdentifier, why).await;
        }
        Err(e) => {
            entries
                .log_refusal(RefusalCode::Failed, e.to_string())
                .await?;
            return Err(e.into());
        }
    };
    let (hit, providers, records) = answer.summary();
    let answered = Event::Answered {
        consultation: consultation.clone(),
        outcome: if hit { Outcome::Hit } else { Outcome::NoHit },
        providers,
        records: u32::try_from(records).unwrap_or(u32::MAX),
        age_seconds: (now - from).max(0),
        due: due.at,
        due_rule: due.rule.as_str().to_owned(),
        took_ms: u64::try_from(received.elapsed().as_millis()).unwrap_or(u64::MAX),
    };
    let Entries {
        request, reference, ..
    } = entries;
    p.auditor
        .record(now, vec![request, reference, answered])
        .await?;
    Ok(TrafficConsulted {
        consultation,
        grant,
        answer,
        due,
    })
}

/// The query with the asking agency's country for national numbers, unless it names one.
fn with_country(r: &CommsOf, country: Option<tdip_model::Country>) -> CommsOf {
    CommsOf {
        country: r.country.or(country),
        ..r.clone()
    }
}

/// Why a cell dump reaches further than its basis allows, if it does.
fn beyond_bound<S, A>(p: &Consulting<'_, S, A>, demand: &Demand, d: &CellDump) -> Option<String> {
    let bound = p.catalogue.bases.get(&demand.basis)?.cell_dump?;
    let window = d.window_seconds();
    if window > bound.max_window_seconds {
        return Some(format!(
            "the window of this cell dump is {} minutes; {} allows at most {} minutes: ask for \
             a shorter window, or several under their own authorisation",
            (window + 59) / 60,
            demand.basis,
            bound.max_window_seconds / 60
        ));
    }
    if let DumpTarget::Area { radius_metres, .. } = d.target
        && radius_metres > bound.max_radius_metres
    {
        return Some(format!(
            "the radius of this cell dump is {radius_metres} m; {} allows at most {} m: ask for \
             a smaller area, or name the cells",
            demand.basis, bound.max_radius_metres
        ));
    }
    None
}
