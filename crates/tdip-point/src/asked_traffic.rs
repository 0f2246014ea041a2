//! A lookup as asked that goes to the retained traffic data: `port` (or `through_traffic`)
//! makes it an identification ("who used this address and port at this moment"),
//! `traffic` a list of the records of an address or end-user id over a period. Read from
//! the same [`Asked`] as every lookup, judged and logged like every demand.

use tdip_access::{Demand, RefusalCode};
use tdip_core::CoreError;
use tdip_core::consult::{self, Channel, ConsultError, Consulting, Unreadable};
use tdip_core::lookup::When;
use tdip_core::traffic::consult::{TrafficAsk, TrafficConsulted, consult_traffic};
use tdip_core::traffic::identify::{Identify, MAX_TOLERANCE_SECONDS};
use tdip_core::traffic::records::RecordsOf;
use tdip_model::{IdentKind, LegalZone, Reason};
use tdip_store::{AccessStore, AuditStore, Store, TrafficStore};

use crate::asked::Asked;

impl Asked {
    /// Whether this lookup asks the retained traffic data rather than the subscriber file.
    pub fn asks_traffic(&self) -> bool {
        self.port.is_some() || self.through_traffic || self.traffic || self.tolerance.is_some()
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
        let identifying = !self.traffic;
        demand.category = if identifying {
            tdip_access::Category::TrafficIdentification
        } else {
            tdip_access::Category::Traffic
        };
        let ask = query.and_then(|q| {
            let unread = |code: RefusalCode, reason: Reason| Unreadable {
                code,
                reason,
                identifiers: vec![(q.kind, q.value.clone())],
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
            if identifying {
                if q.kind != IdentKind::Ip {
                    return Err(unread(
                        RefusalCode::BadIdentifier,
                        named("port").then(
                            " identifies the user of a public address: give it with an IP \
                             address, not another identifier",
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
                    port: self.port,
                    at,
                    tolerance: self.tolerance.unwrap_or(0),
                }))
            } else {
                if self.port.is_some() {
                    return Err(unread(
                        RefusalCode::BadIdentifier,
                        named("port").then(
                            " asks who used an address at a moment; the traffic records of an \
                                   address are listed without it",
                        ),
                    ));
                }
                if !matches!(q.kind, IdentKind::Ip | IdentKind::UserId) {
                    return Err(unread(
                        RefusalCode::BadIdentifier,
                        Reason::new(
                            "retained traffic data are kept by end-user id and IP address; ask \
                             by one of those",
                        ),
                    ));
                }
                let (from, to) = match q.when {
                    When::At { at } => (at, at),
                    When::Between { from, to } => (from, to),
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
                Ok(TrafficAsk::Records(RecordsOf {
                    kind: q.kind,
                    value: q.value.clone(),
                    from,
                    to,
                }))
            }
        });
        (demand, ask)
    }
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
