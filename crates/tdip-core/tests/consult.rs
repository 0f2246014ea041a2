//! Consultations read what the officer asked the way the officer meant it, state what was
//! searched, and log every demand they refuse — also one whose query could not be read.

mod common;

use common::*;
use tdip_access::{Catalogue, Category, DeadlinePolicy, Demand, RefusalCode, Urgency};
use tdip_core::audit::{self, AuditKeys, Auditor, Event};
use tdip_core::consult::{self, Channel, ConsultError, Unreadable};
use tdip_core::lookup::{Query, When};
use tdip_model::{Country, IdentKind, LegalZone};
use tdip_store::Officer;
use tdip_store_sqlite::SqliteAudit;

/// A Dutch subscriber whose number has the same digits as Peeters' Belgian one.
const DE_BOER: &str = "S7,mobile,+31470123456,,,,,u-deboer,de Boer,Kees,Plein,2,1011 AB,Amsterdam,2024-01-01T00:00:00Z";

struct Consulting {
    p: Point,
    catalogue: Catalogue,
    deadlines: DeadlinePolicy,
    auditor: Auditor<SqliteAudit>,
}

impl Consulting {
    /// kpn delivering de Boer (+31470123456), proximus delivering Peeters (0470 12 34 56,
    /// Belgian), and an officer of each country registered.
    async fn new() -> Consulting {
        let p = Point::new().await;
        assert!(p.deliver("kpn", &csv(&[DE_BOER]), D0).await.accepted());
        assert!(p.deliver("proximus", &csv(&[PEETERS]), D0).await.accepted());
        for agency in ["be/federale-politie", "nl/politie"] {
            let officer = Officer {
                agency: agency.into(),
                id: "T-1".into(),
                name: "Test".into(),
                registered_at: D0,
                valid_until: None,
                suspended: None,
            };
            tdip_store::AccessStore::add_officer(&p.store, &officer)
                .await
                .unwrap();
        }
        let audit = SqliteAudit::open(&p.dir.path().join("audit.db")).unwrap();
        let auditor = Auditor::new(audit, Some(AuditKeys::new(&p.keys)));
        Consulting {
            p,
            catalogue: Catalogue::defaults().unwrap(),
            deadlines: DeadlinePolicy::default(),
            auditor,
        }
    }

    fn point(&self) -> consult::Consulting<'_, tdip_store_sqlite::SqliteStore, SqliteAudit> {
        consult::Consulting {
            store: &self.p.store,
            keys: &self.p.keys,
            catalogue: &self.catalogue,
            auditor: &self.auditor,
            deadlines: &self.deadlines,
            zone: LegalZone::Brussels,
        }
    }

    /// Every event the log holds for `consultation`.
    async fn logged(&self, consultation: &str) -> Vec<Event> {
        audit::entries(self.auditor.store(), 0, 1000)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|(_, body)| body.map(|b| b.event))
            .filter(|e| e.consultation() == Some(consultation))
            .collect()
    }

    /// The identifier the log sealed for `consultation`.
    async fn sealed(&self, consultation: &str) -> String {
        let keys = AuditKeys::new(&self.p.keys);
        self.logged(consultation)
            .await
            .into_iter()
            .find_map(|e| match e {
                Event::Reference { sealed, .. } => Some(sealed),
                _ => None,
            })
            .map(|sealed| keys.open_identifier(consultation, &sealed).unwrap())
            .expect("a reference entry")
    }
}

fn demand(agency: &str, basis: &str) -> Demand {
    Demand {
        agency: agency.into(),
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

fn national(country: Option<Country>) -> Query {
    Query {
        kind: IdentKind::Msisdn,
        value: "0470 12 34 56".into(),
        when: When::At { at: D0 + 60 },
        default_country: country,
    }
}

#[tokio::test]
async fn a_belgian_officers_national_number_finds_the_belgian_subscriber_not_a_dutch_one() {
    let c = Consulting::new().await;
    let p = c.point();
    let belgian = demand("be/federale-politie", "be/sv-46bis");
    let done = consult::consult(&p, &belgian, &national(None), Channel::Cli, D0 + 120)
        .await
        .unwrap();
    let providers: Vec<&str> = done
        .answer
        .hits
        .iter()
        .map(|h| h.provider.as_str())
        .collect();
    assert_eq!(providers, ["proximus"], "an uninvolved Dutch subscriber");
    assert_eq!(done.answer.searched.kind, "msisdn");
    assert_eq!(done.answer.searched.value, "+32470123456");
    assert_eq!(c.sealed(&done.consultation).await, "+32470123456");
    assert!(
        !format!("{:?}", done.answer).contains("470123456"),
        "Debug shows the kind searched only"
    );

    // A Dutch officer's national number is Dutch.
    let dutch = demand("nl/politie", "nl/sv-126na");
    let done = consult::consult(&p, &dutch, &national(None), Channel::Cli, D0 + 120)
        .await
        .unwrap();
    assert_eq!(done.answer.hits[0].provider, "kpn");
    assert_eq!(done.answer.searched.value, "+31470123456");

    // A country the request names overrides the agency's.
    let done = consult::consult(
        &p,
        &belgian,
        &national(Some(Country::Nl)),
        Channel::Cli,
        D0 + 120,
    )
    .await
    .unwrap();
    assert_eq!(done.answer.hits[0].provider, "kpn");
    assert_eq!(done.answer.searched.value, "+31470123456");
    assert_eq!(c.sealed(&done.consultation).await, "+31470123456");
}

#[tokio::test]
async fn a_demand_whose_query_cannot_be_read_is_refused_and_logged_with_its_reason() {
    let c = Consulting::new().await;
    let p = c.point();
    let unread = Unreadable {
        code: RefusalCode::BadTime,
        reason: "--at: lies in the daylight-saving gap of Europe/Brussels".into(),
        identifiers: vec![(IdentKind::Msisdn, "0470 12 34 56".into())],
        when: None,
    };
    let belgian = demand("be/federale-politie", "be/sv-46bis");
    let Err(ConsultError::Refused {
        consultation,
        code,
        reason,
    }) = consult::refuse(&p, &belgian, &unread, Channel::Cli, D0 + 120).await
    else {
        panic!("not refused");
    };
    assert_eq!(
        (code, reason.as_str()),
        ("bad-time", unread.reason.as_str())
    );
    let logged = c.logged(&consultation).await;
    assert_eq!(logged.len(), 3, "{logged:?}");
    assert!(
        matches!(&logged[0], Event::Request { query, asked, .. }
            if query == "msisdn" && asked.from == D0 + 120),
        "{logged:?}"
    );
    assert!(
        matches!(&logged[2], Event::Refusal { code, reason, .. }
            if code == "bad-time" && reason == unread.reason.as_str()),
        "{logged:?}"
    );
    assert_eq!(c.sealed(&consultation).await, "0470 12 34 56");

    // Who asks is judged first: an unregistered officer is refused as such.
    let mut stranger = belgian.clone();
    stranger.officer = "NOBODY".into();
    let Err(ConsultError::Refused { code, .. }) =
        consult::refuse(&p, &stranger, &unread, Channel::Cli, D0 + 120).await
    else {
        panic!("not refused");
    };
    assert_eq!(code, "unknown-officer");

    // Two identifiers: logged with both kinds, and the query kind not judged.
    let two = Unreadable {
        code: RefusalCode::BadIdentifier,
        reason: "give exactly one identifier".into(),
        identifiers: vec![
            (IdentKind::Msisdn, "0470 12 34 56".into()),
            (IdentKind::Imei, "352099001761481".into()),
        ],
        when: Some(When::At { at: D0 }),
    };
    let Err(ConsultError::Refused {
        consultation, code, ..
    }) = consult::refuse(&p, &belgian, &two, Channel::Api, D0 + 120).await
    else {
        panic!("not refused");
    };
    assert_eq!(code, "bad-identifier");
    assert!(
        matches!(&c.logged(&consultation).await[0], Event::Request { query, asked, channel, .. }
            if query == "msisdn+imei" && asked.from == D0 && channel == "api"),
    );
}
