//! Shared set-up for the core tests: a fresh SQLite store, keys, a registered provider,
//! and deliveries from strings.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use tdip_core::PointKeys;
use tdip_core::ingest::{DeliveryPolicy, DeliveryReport, DeliveryRequest, Format, deliver};
use tdip_core::lookup::{Answer, Query, When, lookup};
use tdip_crypto::RootKey;
use tdip_model::{Country, IdentKind};
use tdip_store::{Provider, Store};
use tdip_store_sqlite::SqliteStore;

pub const DAY: i64 = 86_400;
/// 2026-11-01T23:00:00Z
pub const D0: i64 = 1_793_574_000;

pub struct Point {
    pub dir: tempfile::TempDir,
    pub store: SqliteStore,
    pub keys: PointKeys,
}

impl Point {
    pub async fn new() -> Point {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("tdip.db")).unwrap();
        let keys =
            PointKeys::new(&RootKey::from_bytes([42; 32]), &dir.path().join("keys")).unwrap();
        for (id, country, zone) in [
            ("kpn", "NL", "Europe/Amsterdam"),
            ("proximus", "BE", "Europe/Brussels"),
        ] {
            let p = Provider {
                id: id.into(),
                name: format!("{id} name"),
                country: country.into(),
                zone: zone.into(),
                created_at: D0 - DAY,
            };
            store.add_provider(&p).await.unwrap();
        }
        Point { dir, store, keys }
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("tdip.db")
    }

    pub fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    pub async fn deliver_file(
        &self,
        provider: &str,
        path: &Path,
        snapshot_at: i64,
    ) -> DeliveryReport {
        deliver(
            &self.store,
            &self.keys,
            self.request(provider, path, snapshot_at),
        )
        .await
        .unwrap()
    }

    /// A delivery of `path` declared at `snapshot_at` and received ten minutes later,
    /// under the default policy.
    pub fn request(&self, provider: &str, path: &Path, snapshot_at: i64) -> DeliveryRequest {
        DeliveryRequest {
            provider: provider.into(),
            path: path.to_owned(),
            format: Format::from_path(path).unwrap(),
            snapshot_at,
            received_at: snapshot_at + 600,
            progress: Arc::new(AtomicU64::new(0)),
            spooled: None,
            policy: DeliveryPolicy::default(),
            allow_mass_close: false,
            expected: None,
        }
    }

    pub async fn deliver(&self, provider: &str, csv: &str, snapshot_at: i64) -> DeliveryReport {
        let path = self.write(&format!("{provider}-{snapshot_at}.csv"), csv.as_bytes());
        self.deliver_file(provider, &path, snapshot_at).await
    }

    pub async fn at(&self, kind: IdentKind, value: &str, at: i64) -> Answer {
        let q = Query {
            kind,
            value: value.into(),
            when: When::At { at },
            default_country: Some(Country::Nl),
        };
        lookup(&self.store, &self.keys, &q).await.unwrap()
    }

    pub async fn between(&self, kind: IdentKind, value: &str, from: i64, to: i64) -> Answer {
        let q = Query {
            kind,
            value: value.into(),
            when: When::Between { from, to },
            default_country: Some(Country::Nl),
        };
        lookup(&self.store, &self.keys, &q).await.unwrap()
    }
}

pub const HEADER: &str = "subscription_id,service,msisdn,imsi,imei,ip,email,user_id,surname,given_names,billing_street,billing_house_number,billing_postcode,billing_city,subscription_start";

/// A CSV file of the given rows under [`HEADER`].
pub fn csv(rows: &[&str]) -> String {
    let mut out = String::from(HEADER);
    for r in rows {
        out.push('\n');
        out.push_str(r);
    }
    out.push('\n');
    out
}

pub const JANSEN: &str = "S1,mobile,06-12345678,204081234567890,490154203237518,,,u-jansen,Jansen,Pieter,Kerkstraat,12,1234 AB,Amsterdam,2024-05-01T10:00:00Z";
pub const JANSEN_MOVED: &str = "S1,mobile,06-12345678,204081234567890,490154203237518,,,u-jansen,Jansen,Pieter,Dorpsstraat,3,3511 AA,Utrecht,2024-05-01T10:00:00Z";
pub const DE_VRIES: &str = "S2,internet,,,,198.51.100.0/29;2001:db8:12::/48,marie@Bücher.NL,u-devries,de Vries,Marie,Stationsweg,7,2513 AB,Den Haag,2025-01-15T08:30:00Z";
pub const BAKKER: &str = "S3,mobile,+31687654321,204081234567891,352099001761481,,,u-bakker,Bakker,Sanne,Markt,1,5611 AA,Eindhoven,2023-02-01T00:00:00Z";
pub const SMIT: &str =
    "S4,voip,0201234567,,,,,u-smit,Smit,Jan,Laan,9,1011 AA,Amsterdam,2026-11-02T09:00:00Z";
pub const PEETERS: &str = "B1,mobile,0470 12 34 56,206011234567890,352099001761481,,,u-peeters,Peeters,Lotte,Grote Markt,1,2000,Antwerpen,2022-03-01T09:00:00Z";
