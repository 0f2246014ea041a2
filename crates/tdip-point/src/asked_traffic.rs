//! A lookup as asked that goes to the retained traffic data: `port` (or `through_traffic`)
//! makes it an identification ("who used this address and port at this moment"),
//! `traffic` a list of the records of an address or end-user id, or of the communications
//! of a number, IMSI, IMEI, e-mail address (or, with `communications`, of an account or
//! address) over a period; `devices` a device history; `cell_dump` every communication
//! through some cells. Read from the same [`Asked`] as every lookup, judged and logged
//! like every demand.

use tdip_access::{Category, Demand, RefusalCode};
use tdip_core::CoreError;
use tdip_core::consult::{self, Channel, ConsultError, Consulting, Unreadable};
use tdip_core::lookup::{Query, When};
use tdip_core::traffic::comms::dump::{CellDump, DumpTarget};
use tdip_core::traffic::comms::of::CommsOf;
use tdip_core::traffic::consult::{TrafficAsk, TrafficConsulted, consult_traffic};
use tdip_core::traffic::identify::{Identify, MAX_TOLERANCE_SECONDS};
use tdip_core::traffic::records::RecordsOf;
use tdip_model::{IdentKind, LegalZone, Reason};
use tdip_store::{AccessStore, AuditStore, Store, TrafficStore};

use crate::asked::Asked;

/// What a cell dump asks, as typed: cells (`provider:cell-id`, all of one provider) or
/// an area (`near` as `latitude,longitude` in decimal degrees, with `radius_metres`).
#[derive(Clone, Default)]
pub struct DumpAsked {
    /// Cells as `provider:cell-id`.
    pub cells: Vec<String>,
    /// The centre of an area, `latitude,longitude`.
    pub near: Option<String>,
    /// The radius of the area, metres.
    pub radius_metres: Option<u32>,
}

/// What a traffic lookup asks, read from its flags before its identifier.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Identify,
    Records,
    Devices,
    Dump,
}

impl Asked {
    /// Whether this lookup asks the retained traffic data rather than the subscriber file.
    pub fn asks_traffic(&self) -> bool {
        self.port.is_some()
            || self.through_traffic
            || self.traffic
            || self.tolerance.is_some()
            || self.communications
            || self.devices
            || self.cell_dump.is_some()
    }

    fn mode(&self) -> Mode {
        if self.cell_dump.is_some() {
            Mode::Dump
        } else if self.devices {
            Mode::Devices
        } else if self.traffic || self.communications {
            Mode::Records
        } else {
            Mode::Identify
        }
    }

    /// The demand and the traffic question, as [`Asked::resolve`] reads a subscriber
    /// lookup: the demand whatever else is wrong, the question or why it cannot be read.
    pub fn resolve_traffic(
        &self,
        zone: LegalZone,
        now: i64,
        prefix: &'static str,
    ) -> (Demand, Result<TrafficAsk, Unreadable>) {
        let (mut demand, query) = self.resolve(zone, now, prefix);
        let named = |field: &'static str| Reason::new(prefix).then(field);
        let mode = self.mode();
        demand.category = match mode {
            Mode::Identify => Category::TrafficIdentification,
            Mode::Records | Mode::Devices => Category::Traffic,
            Mode::Dump => Category::CellDump,
        };
        let ask = query.and_then(|q| {
            let identifiers = match mode {
                Mode::Dump if q.value.is_empty() => Vec::new(),
                _ => vec![(q.kind, q.value.clone())],
            };
            let unread = |code: RefusalCode, reason: Reason| Unreadable {
                code,
                reason,
                identifiers: identifiers.clone(),
                when: Some(q.when),
            };
            if self.tolerance.is_some_and(|t| t > MAX_TOLERANCE_SECONDS) {
                return Err(unread(
                    RefusalCode::BadTime,
                    named("tolerance").then(Reason::counted(
                        ": at most {} seconds either side of the moment",
                        &[u64::from(MAX_TOLERANCE_SECONDS)],
                    )),
                ));
            }
            let asked = [
                self.traffic || self.communications,
                self.devices,
                self.cell_dump.is_some(),
            ];
            if asked.into_iter().filter(|a| *a).count() > 1 {
                return Err(unread(
                    RefusalCode::BadIdentifier,
                    Reason::new("ask for one of ")
                        .then(named("traffic"))
                        .then(", ")
                        .then(named("devices"))
                        .then(" or a cell dump at a time"),
                ));
            }
            if mode == Mode::Identify {
                return identification(self, &q, &unread, named);
            }
            if self.port.is_some() {
                return Err(unread(
                    RefusalCode::BadIdentifier,
                    named("port").then(
                        " asks who used an address at a moment; the traffic data of an \
                         identifier over a period are listed without it",
                    ),
                ));
            }
            let When::Between { from, to } = q.when else {
                return Err(unread(
                    RefusalCode::BadTime,
                    Reason::new("retained traffic data are listed over a period: give ")
                        .then(named("from"))
                        .then(" and ")
                        .then(named("to")),
                ));
            };
            if to - from > 400 * 86_400 {
                return Err(unread(
                    RefusalCode::BadTime,
                    Reason::new(
                        "the period is longer than the 12 months traffic data are kept; ask \
                         for a shorter one",
                    ),
                ));
            }
            let of = CommsOf {
                kind: q.kind,
                value: q.value.clone(),
                from,
                to,
                country: q.default_country,
            };
            match mode {
                Mode::Dump => {
                    if !identifiers.is_empty() {
                        return Err(unread(
                            RefusalCode::BadIdentifier,
                            Reason::new(
                                "a cell dump asks by cells or an area, not by an identifier: \
                                 leave the identifier out",
                            ),
                        ));
                    }
                    let target = dump_target(self.cell_dump.as_ref(), prefix)
                        .map_err(|why| unread(RefusalCode::BadIdentifier, why))?;
                    Ok(TrafficAsk::Dump(CellDump { target, from, to }))
                }
                Mode::Devices => match q.kind {
                    IdentKind::Imei | IdentKind::Imsi | IdentKind::Msisdn => {
                        Ok(TrafficAsk::Devices(of))
                    }
                    _ => Err(unread(
                        RefusalCode::BadIdentifier,
                        Reason::new("a device history is asked by IMEI, IMSI or number"),
                    )),
                },
                _ => match q.kind {
                    IdentKind::Ip | IdentKind::UserId if !self.communications => {
                        Ok(TrafficAsk::Records(RecordsOf {
                            kind: q.kind,
                            value: q.value.clone(),
                            from,
                            to,
                        }))
                    }
                    IdentKind::Mac => Err(unread(
                        RefusalCode::BadIdentifier,
                        Reason::new(
                            "retained traffic data are not kept by MAC address; ask by number, \
                             IMSI, IMEI, e-mail address, end-user id or IP address",
                        ),
                    )),
                    _ => Ok(TrafficAsk::Comms(of)),
                },
            }
        });
        (demand, ask)
    }
}

/// Who used an address (and port) at a moment.
fn identification(
    asked: &Asked,
    q: &Query,
    unread: &dyn Fn(RefusalCode, Reason) -> Unreadable,
    named: impl Fn(&'static str) -> Reason,
) -> Result<TrafficAsk, Unreadable> {
    if q.kind != IdentKind::Ip {
        return Err(unread(
            RefusalCode::BadIdentifier,
            named("port").then(
                " identifies the user of a public address: give it with an IP address, not \
                 another identifier",
            ),
        ));
    }
    let When::At { at } = q.when else {
        return Err(unread(
            RefusalCode::BadTime,
            Reason::new("who used an address and port is asked at one moment: give ")
                .then(named("at"))
                .then(", not a period"),
        ));
    };
    Ok(TrafficAsk::Identify(Identify {
        address: q.value.clone(),
        port: asked.port,
        at,
        tolerance: asked.tolerance.unwrap_or(0),
    }))
}

/// The cells or the area of a dump, or why they cannot be read (naming the flag, `--cell`,
/// `--near`, `--radius`, or the API's field, never the value).
fn dump_target(d: Option<&DumpAsked>, prefix: &'static str) -> Result<DumpTarget, Reason> {
    let cli = !prefix.is_empty();
    let field = |flag: &'static str, api: &'static str| {
        Reason::new(prefix).then(if cli { flag } else { api })
    };
    let cell = field("cell", "cell_dump.cells");
    let near = field("near", "cell_dump.near");
    let radius = field("radius", "cell_dump.radius_metres");
    let d = d.cloned().unwrap_or_default();
    match (&d.cells[..], &d.near, d.radius_metres) {
        ([], None, _) => Err(Reason::new("a cell dump names cells (")
            .then(cell)
            .then(") or an area (")
            .then(near)
            .then(" with ")
            .then(radius)
            .then(")")),
        ([_, ..], Some(_), _) | ([_, ..], _, Some(_)) => Err(Reason::new("give either ")
            .then(cell)
            .then(", or ")
            .then(near)
            .then(" with ")
            .then(radius)
            .then(", not both")),
        ([], Some(point), radius_metres) => {
            let Some(radius_metres) = radius_metres.filter(|r| *r > 0) else {
                return Err(radius
                    .then(": give the radius of the area around ")
                    .then(near)
                    .then(", in whole metres (at least 1)"));
            };
            let (latitude, longitude) = parse_point(point).ok_or_else(|| {
                near.then(
                    ": write the point as LATITUDE,LONGITUDE in decimal degrees with at most \
                     six decimals (latitude -90 to 90, longitude -180 to 180)",
                )
            })?;
            Ok(DumpTarget::Area {
                latitude,
                longitude,
                radius_metres,
            })
        }
        (cells, None, None) => {
            let mut provider: Option<&str> = None;
            let mut cell_ids = Vec::new();
            for c in cells {
                let Some((p, id)) = c.split_once(':').map(|(p, id)| (p.trim(), id.trim())) else {
                    return Err(cell.then(": write each cell as PROVIDER:CELL-ID"));
                };
                if p.is_empty() || id.is_empty() {
                    return Err(cell.then(": write each cell as PROVIDER:CELL-ID"));
                }
                if provider.is_some_and(|q| q != p) {
                    return Err(cell.then(
                        ": the cells of one dump are all of one provider; ask for each \
                         provider's cells in a dump of its own",
                    ));
                }
                provider = Some(p);
                cell_ids.push(id.to_owned());
            }
            Ok(DumpTarget::Cells {
                provider: provider.unwrap_or_default().to_owned(),
                cell_ids,
            })
        }
    }
}

/// `LATITUDE,LONGITUDE` in decimal degrees as micro-degrees, read without floating point.
pub fn parse_point(s: &str) -> Option<(i32, i32)> {
    let (lat, lon) = s.split_once(',')?;
    let lat = parse_micro_degrees(lat.trim())?;
    let lon = parse_micro_degrees(lon.trim())?;
    ((-90_000_000..=90_000_000).contains(&lat) && (-180_000_000..=180_000_000).contains(&lon))
        .then_some((lat, lon))
}

/// Decimal degrees (`-4.5`, `52.370216`, at most six decimals) as micro-degrees.
pub fn parse_micro_degrees(s: &str) -> Option<i32> {
    let (negative, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let decimal = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 3 || fraction.len() > 6 || !decimal(whole) {
        return None;
    }
    if !decimal(fraction) || (digits.contains('.') && fraction.is_empty()) {
        return None;
    }
    let whole: i32 = whole.parse().ok()?;
    let padded = format!("{fraction:0<6}");
    let fraction: i32 = padded.parse().ok()?;
    let micro = whole * 1_000_000 + fraction;
    Some(if negative { -micro } else { micro })
}

/// Judges, answers and logs a traffic request as resolved ([`Asked::resolve_traffic`]).
pub async fn consult<S, A>(
    p: &Consulting<'_, S, A>,
    demand: &Demand,
    ask: &Result<TrafficAsk, Unreadable>,
    channel: Channel,
    now: i64,
) -> Result<TrafficConsulted, ConsultError>
where
    S: Store + TrafficStore + AccessStore,
    A: AuditStore + 'static,
{
    match ask {
        Ok(ask) => consult_traffic(p, demand, ask, channel, now).await,
        Err(unread) => match consult::refuse(p, demand, unread, channel, now).await {
            Err(e) => Err(e),
            Ok(_) => Err(ConsultError::Core(CoreError::Internal(
                "an unreadable traffic request was answered",
            ))),
        },
    }
}
