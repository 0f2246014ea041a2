//! Calls, messages, e-mail and VoIP, and cells as they were configured: delivered as
//! batches, then answered — an identifier's communications with their cells placed as
//! configured that day (across a re-siting, midnight and the DST change), forwarded calls
//! and conferences found by every line, one communication seen by two providers (or a VoIP
//! call and its phone-network side) linked into one, a device history, a cell dump by cell
//! and by area — and consulted under the catalogue, refusals logged.

mod common;

use common::*;
use tdip_access::{Catalogue, Category, DeadlinePolicy, Demand, RefusalCode, Urgency};
use tdip_core::audit::{self, AuditKeys, Auditor, Event};
use tdip_core::consult::{Channel, ConsultError, Consulting};
use tdip_core::traffic::comms::devices::devices_of;
use tdip_core::traffic::comms::dump::{CellDump, DumpTarget, cell_dump};
use tdip_core::traffic::comms::of::{Comms, CommsOf, comms_of};
use tdip_core::traffic::comms::{CellRole, Reach};
use tdip_core::traffic::consult::{TrafficAnswer, TrafficAsk, consult_traffic};
use tdip_core::traffic::ingest::{BatchInput, BatchReport, deliver_batch};
use tdip_model::{IdentKind, LegalZone};
use tdip_store::{Officer, Provider, Store, TrafficKind};
use tdip_store_sqlite::SqliteAudit;

const CELLS: &str = "cell_id,valid_from,event,latitude,longitude,azimuth,beam_width,address,technology\n\
    204-08-100-1,2026-10-01T00:00:00Z,,52.373080,4.892453,120,65,Dam 1 Amsterdam,lte\n\
    204-08-100-2,2026-10-01T00:00:00Z,,52.090000,5.120000,240,65,Neude 1 Utrecht,nr\n";

/// Cell 1 re-sited at noon on 2 November, about 900 m north-east.
const RESITE: &str = "cell_id,valid_from,event,latitude,longitude,azimuth,beam_width,address,technology\n\
    204-08-100-1,2026-11-02T12:00:00Z,,52.380000,4.900000,90,65,IJ-plein 3 Amsterdam,lte\n";

const MOBILE_HEADER: &str = "type,calling_number,called_number,calling_imsi,calling_imei,called_imsi,called_imei,calling_cell_start,calling_cell_end,called_cell_start,called_cell_end,forwarded_to,lines,start,end,service";

/// kpn's mobile records (Jansen +31612345678, Bakker +31687654321).
const KPN_MOBILE: &[&str] = &[
    // 1: Jansen calls Bakker through cell 1 before the re-siting (moving to cell 2).
    "call,+31612345678,+31687654321,204081234567890,490154203237518,,,204-08-100-1,204-08-100-2,,,,,2026-11-02T10:00:00Z,2026-11-02T10:05:00Z,volte",
    // 2: the same after the re-siting.
    "call,+31612345678,+31687654321,204081234567890,490154203237518,,,204-08-100-1,204-08-100-1,,,,,2026-11-02T14:00:00Z,2026-11-02T14:01:00Z,volte",
    // 3: forwarded to a fixed line.
    "call,+31612345678,+31687654321,204081234567890,490154203237518,,,204-08-100-1,,,,+31201234567,,2026-11-02T15:00:00Z,2026-11-02T15:02:00Z,volte",
    // 4: a conference of Jansen with two more lines.
    "call,+31612345678,+31687654321,204081234567890,490154203237518,,,204-08-100-2,,,,,+31611111111; +31622222222,2026-11-02T16:00:00Z,2026-11-02T16:30:00Z,volte",
    // 5: an SMS, from another device (a device swap).
    "sms,+31612345678,+31687654321,204081234567890,356938035643809,,,204-08-100-2,,,,,,2026-11-02T17:00:00Z,,sms",
    // 6: across midnight UTC and the end of summer time (02:10 CET = 01:10Z).
    "call,+31612345678,+31687654321,204081234567890,490154203237518,,,204-08-100-2,,,,,,2026-10-24T23:55:00Z,2026-10-25T02:10:00+01:00,gsm",
];

/// The terminating side of call 1, as vodafone (Bakker's network in this test) logged it.
const VODAFONE_MOBILE: &str = "call,+31612345678,+31687654321,,,204041111111111,352099001761481,,,,,,,2026-11-02T10:00:02Z,2026-11-02T10:05:01Z,volte";

const INTERNET: &str = "type,account,recipient,calling_number,called_number,user_ip,user_port,recipient_ip,recipient_port,start,end,service\n\
    voip,jan@voip.example,,+31201234567,+31687654321,100.64.1.2,5060,,,2026-11-02T12:00:00Z,2026-11-02T12:03:00Z,sip\n\
    mail,jan@voip.example,marie@example.org,,,100.64.1.2,50123,,,2026-11-02T12:10:00Z,,smtp\n";

/// The phone-network side of the VoIP call (kpn's fixed network carried it to Bakker).
const FIXED: &str = "type,calling_number,called_number,calling_ntp,called_ntp,forwarded_to,lines,start,end,service\n\
    call,+31201234567,+31687654321,gateway voipco,,,,2026-11-02T12:00:04Z,2026-11-02T12:03:02Z,voice\n";

/// 2026-11-04T00:00:00Z.
const RECEIVED: i64 = 1_793_750_400;

fn utc(rfc3339: &str) -> i64 {
    rfc3339.parse::<jiff::Timestamp>().unwrap().as_second()
}

fn lines(header: &str, rows: &[&str]) -> String {
    let mut out = String::from(header);
    for r in rows {
        out.push('\n');
        out.push_str(r);
    }
    out.push('\n');
    out
}

struct Comm {
    p: Point,
}

impl Comm {
    async fn new() -> Comm {
        let p = Point::new().await;
        for id in ["vodafone", "voipco"] {
            p.store
                .add_provider(&Provider {
                    id: id.into(),
                    name: format!("{id} name"),
                    country: "NL".into(),
                    zone: "Europe/Amsterdam".into(),
                    created_at: D0 - DAY,
                })
                .await
                .unwrap();
        }
        assert!(
            p.deliver("kpn", &csv(&[JANSEN, BAKKER]), D0)
                .await
                .accepted()
        );
        let c = Comm { p };
        c.accept("kpn", "cells-1", TrafficKind::Cell, CELLS).await;
        c.accept("kpn", "cells-2", TrafficKind::Cell, RESITE).await;
        c.accept(
            "kpn",
            "m1",
            TrafficKind::Mobile,
            &lines(MOBILE_HEADER, KPN_MOBILE),
        )
        .await;
        c.accept(
            "vodafone",
            "m1",
            TrafficKind::Mobile,
            &lines(MOBILE_HEADER, &[VODAFONE_MOBILE]),
        )
        .await;
        c.accept("voipco", "i1", TrafficKind::Internet, INTERNET)
            .await;
        c.accept("kpn", "f1", TrafficKind::Fixed, FIXED).await;
        c
    }

    async fn batch(
        &self,
        provider: &str,
        id: &str,
        kind: TrafficKind,
        content: &str,
    ) -> BatchReport {
        let provider = self.p.store.provider(provider).await.unwrap().unwrap();
        let input = BatchInput {
            provider: &provider,
            batch_id: id,
            kind,
            received_at: RECEIVED,
        };
        deliver_batch(
            &self.p.store,
            &self.p.keys,
            input,
            std::io::Cursor::new(content.as_bytes().to_vec()),
        )
        .await
        .unwrap()
    }

    async fn accept(&self, provider: &str, id: &str, kind: TrafficKind, content: &str) {
        let report = self.batch(provider, id, kind, content).await;
        assert_eq!(report.batch, "accepted", "{:?}", report.errors);
    }

    async fn of(&self, kind: IdentKind, value: &str, from: &str, to: &str) -> Comms {
        comms_of(
            &self.p.store,
            &self.p.keys,
            &CommsOf {
                kind,
                value: value.into(),
                from: utc(from),
                to: utc(to),
                country: Some(tdip_model::Country::Nl),
            },
            Reach {
                location: true,
                subscribers: true,
            },
        )
        .await
        .unwrap()
    }
}

/// The start of every communication, and how many providers' records it holds.
fn shape(c: &Comms) -> Vec<(i64, usize)> {
    c.items
        .iter()
        .map(|i| (i.start(), i.records.len()))
        .collect()
}

#[tokio::test]
async fn a_numbers_calls_have_their_cells_placed_as_configured_that_day_across_a_resiting() {
    let c = Comm::new().await;
    let day = c
        .of(
            IdentKind::Msisdn,
            "06-12345678",
            "2026-11-02T00:00:00Z",
            "2026-11-02T23:59:59Z",
        )
        .await;
    assert_eq!(day.searched.value, "+31612345678");
    let starts: Vec<i64> = day.items.iter().map(|i| i.start()).collect();
    assert_eq!(
        starts,
        [
            utc("2026-11-02T10:00:00Z"),
            utc("2026-11-02T14:00:00Z"),
            utc("2026-11-02T15:00:00Z"),
            utc("2026-11-02T16:00:00Z"),
            utc("2026-11-02T17:00:00Z"),
        ]
    );
    let placed = |i: usize, role: CellRole| {
        let kpn = day.items[i]
            .records
            .iter()
            .find(|r| r.source.provider == "kpn")
            .unwrap();
        let cell = kpn.cells.iter().find(|c| c.role == role).unwrap();
        let config = cell.config.as_ref().unwrap();
        (
            cell.cell_id.clone(),
            config.latitude.unwrap(),
            config.longitude.unwrap(),
            config.azimuth,
        )
    };
    // Before the re-siting: cell 1 at the Dam; at the end of the call, cell 2 in Utrecht.
    assert_eq!(
        placed(0, CellRole::CallingStart),
        ("204-08-100-1".into(), 52_373_080, 4_892_453, Some(120))
    );
    assert_eq!(
        placed(0, CellRole::CallingEnd),
        ("204-08-100-2".into(), 52_090_000, 5_120_000, Some(240))
    );
    // After it: the same cell id, where it stood that afternoon.
    assert_eq!(
        placed(1, CellRole::CallingStart),
        ("204-08-100-1".into(), 52_380_000, 4_900_000, Some(90))
    );
    // The subscribers behind both parties at the moment of the call.
    let first = &day.items[0].records[0];
    assert_eq!(first.calling_subscriber.len(), 1);
    assert_eq!(
        first.calling_subscriber[0].subscription.surname.as_deref(),
        Some("Jansen")
    );
    assert_eq!(
        first.called_subscriber[0].subscription.surname.as_deref(),
        Some("Bakker")
    );
}

#[tokio::test]
async fn a_call_across_midnight_and_the_end_of_summer_time_is_one_record_found_from_either_day() {
    let c = Comm::new().await;
    let before = c
        .of(
            IdentKind::Msisdn,
            "+31612345678",
            "2026-10-24T23:00:00Z",
            "2026-10-24T23:59:59Z",
        )
        .await;
    let after = c
        .of(
            IdentKind::Msisdn,
            "+31612345678",
            "2026-10-25T01:00:00Z",
            "2026-10-25T02:00:00Z",
        )
        .await;
    let both = c
        .of(
            IdentKind::Msisdn,
            "+31612345678",
            "2026-10-24T00:00:00Z",
            "2026-10-25T23:59:59Z",
        )
        .await;
    for answer in [&before, &after, &both] {
        assert_eq!(answer.items.len(), 1, "{answer:?}");
        let r = &answer.items[0].records[0].record;
        assert_eq!(r.start, utc("2026-10-24T23:55:00Z"));
        // 23:55Z to 02:10 CET (01:10Z): 75 minutes, not 135.
        assert_eq!(r.end - r.start, 75 * 60);
    }
    // Outside the call: nothing.
    let later = c
        .of(
            IdentKind::Msisdn,
            "+31612345678",
            "2026-10-25T01:10:01Z",
            "2026-10-25T09:00:00Z",
        )
        .await;
    assert!(later.items.is_empty());
}

#[tokio::test]
async fn a_forwarded_call_and_a_conference_are_found_by_every_line_involved() {
    let c = Comm::new().await;
    let (from, to) = ("2026-11-02T00:00:00Z", "2026-11-02T23:59:59Z");
    let forwarded = c.of(IdentKind::Msisdn, "+31201234567", from, to).await;
    let forwarded_call = forwarded
        .items
        .iter()
        .flat_map(|i| &i.records)
        .find(|r| r.record.forwarded_to.is_some())
        .expect("the forwarded call is found by the forwarded-to number");
    assert_eq!(forwarded_call.record.start, utc("2026-11-02T15:00:00Z"));
    for line in ["+31611111111", "+31622222222"] {
        let conf = c.of(IdentKind::Msisdn, line, from, to).await;
        assert_eq!(shape(&conf), [(utc("2026-11-02T16:00:00Z"), 1)], "{line}");
        assert_eq!(
            conf.items[0].records[0].record.lines,
            ["+31611111111", "+31622222222"]
        );
    }
    // A number no record names: a no-hit.
    let none = c.of(IdentKind::Msisdn, "+31633333333", from, to).await;
    assert!(none.items.is_empty());
}

#[tokio::test]
async fn a_call_between_two_networks_and_a_voip_call_entering_the_phone_network_are_one_communication_each()
 {
    let c = Comm::new().await;
    let (from, to) = ("2026-11-02T09:00:00Z", "2026-11-02T13:00:00Z");
    // Bakker's view: call 1 seen by kpn and by vodafone, the VoIP call seen by voipco and
    // by kpn's fixed network.
    let bakker = c.of(IdentKind::Msisdn, "+31687654321", from, to).await;
    assert_eq!(
        shape(&bakker),
        [
            (utc("2026-11-02T10:00:00Z"), 2),
            (utc("2026-11-02T12:00:00Z"), 2)
        ]
    );
    let providers = |i: usize| -> Vec<String> {
        bakker.items[i]
            .records
            .iter()
            .map(|r| r.source.provider.clone())
            .collect()
    };
    assert_eq!(providers(0), ["kpn", "vodafone"]);
    assert_eq!(providers(1), ["kpn", "voipco"]);
    // Asked by the VoIP account, which the phone network's record does not name: the
    // phone-network side is found and linked all the same; the mail is its own record.
    let account = c.of(IdentKind::Email, "jan@voip.example", from, to).await;
    assert_eq!(
        shape(&account),
        [
            (utc("2026-11-02T12:00:00Z"), 2),
            (utc("2026-11-02T12:10:00Z"), 1)
        ]
    );
}

#[tokio::test]
async fn a_device_history_shows_the_swap_of_a_device_behind_one_number() {
    let c = Comm::new().await;
    let q = |kind, value: &str| CommsOf {
        kind,
        value: value.into(),
        from: utc("2026-11-02T00:00:00Z"),
        to: utc("2026-11-02T23:59:59Z"),
        country: Some(tdip_model::Country::Nl),
    };
    let by_number = devices_of(&c.p.store, &c.p.keys, &q(IdentKind::Msisdn, "+31612345678"))
        .await
        .unwrap();
    let imeis: Vec<(Option<String>, u32)> = by_number
        .uses
        .iter()
        .map(|u| (u.imei.clone(), u.communications))
        .collect();
    assert_eq!(
        imeis,
        [
            // IMEIs are kept without their check digit (normalised as the subscriber file's).
            (Some("49015420323751".into()), 4),
            (Some("35693803564380".into()), 1)
        ]
    );
    let by_device = devices_of(
        &c.p.store,
        &c.p.keys,
        &q(IdentKind::Imei, "356938035643809"),
    )
    .await
    .unwrap();
    assert_eq!(by_device.uses.len(), 1);
    assert_eq!(by_device.uses[0].number.as_deref(), Some("+31612345678"));
    assert_eq!(by_device.uses[0].imsi.as_deref(), Some("204081234567890"));
    assert_eq!(by_device.uses[0].first, utc("2026-11-02T17:00:00Z"));
}

#[tokio::test]
async fn a_cell_dump_finds_what_went_through_a_cell_and_an_area_only_while_the_cell_stood_there() {
    let c = Comm::new().await;
    let dump = |target: DumpTarget| {
        let store = &c.p.store;
        let keys = &c.p.keys;
        async move {
            cell_dump(
                store,
                keys,
                &CellDump {
                    target,
                    from: utc("2026-11-02T09:00:00Z"),
                    to: utc("2026-11-02T16:00:00Z"),
                },
                Reach {
                    location: true,
                    subscribers: false,
                },
            )
            .await
            .unwrap()
        }
    };
    let by_cell = dump(DumpTarget::Cells {
        provider: "kpn".into(),
        cell_ids: vec!["204-08-100-1".into()],
    })
    .await;
    let starts: Vec<i64> = by_cell.items.iter().map(|i| i.start()).collect();
    assert_eq!(
        starts,
        [
            utc("2026-11-02T10:00:00Z"),
            utc("2026-11-02T14:00:00Z"),
            utc("2026-11-02T15:00:00Z")
        ]
    );
    // Both configurations of the cell were in force during the window.
    assert_eq!(by_cell.cells.len(), 1);
    assert_eq!(by_cell.cells[0].configs.len(), 2);
    // 500 m around the Dam: the cell stood there until noon only.
    let area = dump(DumpTarget::Area {
        latitude: 52_373_000,
        longitude: 4_892_000,
        radius_metres: 500,
    })
    .await;
    let starts: Vec<i64> = area.items.iter().map(|i| i.start()).collect();
    assert_eq!(starts, [utc("2026-11-02T10:00:00Z")]);
    assert_eq!(area.cells.len(), 1);
    assert_eq!(area.cells[0].configs.len(), 1);
    // Around the new site: the calls after noon.
    let new_site = dump(DumpTarget::Area {
        latitude: 52_380_000,
        longitude: 4_900_000,
        radius_metres: 300,
    })
    .await;
    let starts: Vec<i64> = new_site.items.iter().map(|i| i.start()).collect();
    assert_eq!(
        starts,
        [utc("2026-11-02T14:00:00Z"), utc("2026-11-02T15:00:00Z")]
    );
}

async fn consulting(c: &Comm) -> (Auditor<SqliteAudit>, Catalogue, DeadlinePolicy) {
    let officer = Officer {
        agency: "nl/politie".into(),
        id: "T-1".into(),
        name: "Test".into(),
        registered_at: D0,
        valid_until: None,
        suspended: None,
    };
    tdip_store::AccessStore::add_officer(&c.p.store, &officer)
        .await
        .unwrap();
    let audit = SqliteAudit::open(&c.p.dir.path().join("audit.db")).unwrap();
    let auditor = Auditor::new(audit, Some(AuditKeys::new(&c.p.keys)));
    (
        auditor,
        Catalogue::defaults().unwrap(),
        DeadlinePolicy::default(),
    )
}

fn demand(basis: &str) -> Demand {
    Demand {
        agency: "nl/politie".into(),
        officer: "T-1".into(),
        basis: basis.into(),
        case_reference: "TEST-1".into(),
        authorised_by: Some("the prosecutor".into()),
        urgency: Urgency::Normal,
        category: Category::HistoricalIdentification,
        query: IdentKind::Msisdn,
        term: None,
    }
}

async fn logged(auditor: &Auditor<SqliteAudit>, consultation: &str) -> Vec<Event> {
    audit::entries(auditor.store(), 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|(_, body)| body.map(|b| b.event))
        .filter(|e| e.consultation() == Some(consultation))
        .collect()
}

fn refusal_code(events: &[Event]) -> Option<String> {
    events.iter().find_map(|e| match e {
        Event::Refusal { code, .. } => Some(code.clone()),
        _ => None,
    })
}

#[tokio::test]
async fn a_cell_dump_beyond_the_bases_bound_is_refused_and_logged_and_one_within_it_answered() {
    let c = Comm::new().await;
    let (auditor, catalogue, deadlines) = consulting(&c).await;
    let p = Consulting {
        store: &c.p.store,
        keys: &c.p.keys,
        catalogue: &catalogue,
        auditor: &auditor,
        deadlines: &deadlines,
        zone: LegalZone::Amsterdam,
    };
    let ask = |from: &str, to: &str, radius_metres: u32| {
        TrafficAsk::Dump(CellDump {
            target: DumpTarget::Area {
                latitude: 52_373_000,
                longitude: 4_892_000,
                radius_metres,
            },
            from: utc(from),
            to: utc(to),
        })
    };
    let now = RECEIVED + 60;
    // 126n allows 4 hours and 2000 m.
    for (ask, says) in [
        (
            ask("2026-11-02T09:00:00Z", "2026-11-02T13:00:01Z", 500),
            "allows at most 240 minutes",
        ),
        (
            ask("2026-11-02T09:00:00Z", "2026-11-02T11:00:00Z", 2500),
            "allows at most 2000 m",
        ),
    ] {
        let Err(ConsultError::Refused {
            consultation,
            code,
            reason,
        }) = consult_traffic(&p, &demand("nl/sv-126n"), &ask, Channel::Cli, now).await
        else {
            panic!("beyond the bound");
        };
        assert_eq!(code, RefusalCode::BeyondBound.as_str());
        assert!(reason.contains(says), "{reason}");
        let events = logged(&auditor, &consultation).await;
        assert!(
            matches!(&events[0], Event::Request { category, .. } if category == "cell_dump"),
            "{events:?}"
        );
        assert_eq!(refusal_code(&events).as_deref(), Some("beyond-bound"));
    }
    let done = consult_traffic(
        &p,
        &demand("nl/sv-126n"),
        &ask("2026-11-02T09:00:00Z", "2026-11-02T13:00:00Z", 500),
        Channel::Cli,
        now,
    )
    .await
    .unwrap();
    let TrafficAnswer::Dumped(d) = &done.answer else {
        panic!("a dump");
    };
    assert_eq!(d.items.len(), 1);
    let events = logged(&auditor, &done.consultation).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Answered { records, .. } if *records == 1)),
        "{events:?}"
    );
}

#[tokio::test]
async fn communications_under_a_basis_that_does_not_permit_traffic_data_are_refused_and_logged() {
    let c = Comm::new().await;
    let (auditor, catalogue, deadlines) = consulting(&c).await;
    let p = Consulting {
        store: &c.p.store,
        keys: &c.p.keys,
        catalogue: &catalogue,
        auditor: &auditor,
        deadlines: &deadlines,
        zone: LegalZone::Amsterdam,
    };
    let q = CommsOf {
        kind: IdentKind::Msisdn,
        value: "06-12345678".into(),
        from: utc("2026-11-02T00:00:00Z"),
        to: utc("2026-11-02T23:59:59Z"),
        country: None,
    };
    let now = RECEIVED + 60;
    for ask in [
        TrafficAsk::Comms(q.clone()),
        TrafficAsk::Devices(q.clone()),
        TrafficAsk::Dump(CellDump {
            target: DumpTarget::Cells {
                provider: "kpn".into(),
                cell_ids: vec!["204-08-100-1".into()],
            },
            from: utc("2026-11-02T09:00:00Z"),
            to: utc("2026-11-02T10:00:00Z"),
        }),
    ] {
        let Err(ConsultError::Refused {
            consultation, code, ..
        }) = consult_traffic(&p, &demand("nl/sv-126na"), &ask, Channel::Api, now).await
        else {
            panic!("126na permits user data only");
        };
        assert_eq!(code, RefusalCode::CategoryNotPermitted.as_str());
        let events = logged(&auditor, &consultation).await;
        assert_eq!(
            refusal_code(&events).as_deref(),
            Some("category-not-permitted")
        );
    }
    // Under 126n the same question is answered, the national number read as Dutch (the
    // agency's), the subscribers joined.
    let done = consult_traffic(
        &p,
        &demand("nl/sv-126n"),
        &TrafficAsk::Comms(q),
        Channel::Api,
        now,
    )
    .await
    .unwrap();
    let TrafficAnswer::Comms(comms) = &done.answer else {
        panic!("communications");
    };
    assert_eq!(comms.items.len(), 5);
    assert_eq!(
        comms.items[0].records[0].calling_subscriber[0]
            .subscription
            .surname
            .as_deref(),
        Some("Jansen")
    );
}

#[tokio::test]
async fn a_batch_with_bad_records_is_rejected_whole_and_a_dated_cell_change_is_delivered_once() {
    let c = Comm::new().await;
    let bad = lines(
        MOBILE_HEADER,
        &[
            "call,+31612345678,+31687654321,,,,,,,,,,,2026-11-03T10:00:00Z,2026-11-03T10:01:00Z,",
            "call,+31612345678,+31687654321,,490154203237519,,,,,,,,,2026-11-03T11:00:00Z,2026-11-03T11:01:00Z,",
        ],
    );
    let report = c.batch("kpn", "m-bad", TrafficKind::Mobile, &bad).await;
    assert_eq!(report.batch, "rejected");
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(
        (report.errors[0].line, report.errors[0].field.as_str()),
        (3, "calling_imei")
    );
    // The good record of the rejected batch is not stored.
    let day = c
        .of(
            IdentKind::Msisdn,
            "+31612345678",
            "2026-11-03T00:00:00Z",
            "2026-11-03T23:59:59Z",
        )
        .await;
    assert!(day.items.is_empty());
    // The re-siting delivered again under a new batch id: refused with its line.
    let again = c.batch("kpn", "cells-3", TrafficKind::Cell, RESITE).await;
    assert_eq!(again.batch, "rejected");
    assert_eq!(
        (again.errors[0].line, again.errors[0].field.as_str()),
        (2, "valid_from")
    );
    assert!(again.errors[0].reason.to_string().contains("earlier batch"));
}
