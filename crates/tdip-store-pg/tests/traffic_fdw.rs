//! Day partitions on more than one server: this test starts a second PostgreSQL cluster
//! of its own (`initdb`/`pg_ctl` on a free port), makes day D's partition a
//! `postgres_fdw` foreign table on it, writes rows of days D-1, D and D+1 through the store
//! (D's go over binary `COPY` into `traffic_row`, routed to the foreign partition and
//! inserted on the second server), and shows that lookups give the same answers as a store
//! whose days are all local.
//!
//! Needs `TDIP_TEST_PG_URL` (see `conformance.rs`) and the server binaries
//! (`TDIP_TEST_PG_BIN`, default /usr/lib/postgresql/15/bin); run as root, the second
//! cluster runs as the `postgres` user (initdb refuses root).

mod traffic_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sqlx::{AssertSqlSafe, Connection, PgConnection};
use tdip_store::{
    BlindIndex, DeliveryOutcome, Store, TrafficKind, TrafficProbe, TrafficRow, TrafficStore,
    TrafficTx,
};
use tdip_store_pg::PgStore;
use traffic_common::{TestDatabases, batch_log, block, key, provider};

const D: i32 = 20_394;

/// A PostgreSQL cluster in a temporary folder, stopped when dropped (also on panic).
struct SecondCluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

impl SecondCluster {
    fn start() -> SecondCluster {
        let bin = PathBuf::from(
            std::env::var("TDIP_TEST_PG_BIN")
                .unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into()),
        );
        let as_postgres = String::from_utf8(Command::new("id").arg("-u").output().unwrap().stdout)
            .unwrap()
            .trim()
            == "0";
        let dir = tempfile::tempdir().expect("a temporary folder");
        if as_postgres {
            let owned = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(owned.success(), "chown the cluster folder to postgres");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = SecondCluster {
            bin,
            dir,
            port,
            as_postgres,
        };
        let data = cluster.data();
        cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            cluster.dir.path().display()
        );
        let log = format!("{}/log", cluster.dir.path().display());
        cluster.run(
            "pg_ctl",
            &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
        );
        cluster
    }

    fn data(&self) -> String {
        format!("{}/data", self.dir.path().display())
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let path = self.bin.join(tool);
        let status = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&path)
                .args(args)
                .current_dir(Path::new("/"))
                .stdout(Stdio::null())
                .status()
        } else {
            Command::new(&path)
                .args(args)
                .stdout(Stdio::null())
                .status()
        };
        let status = status.unwrap_or_else(|e| panic!("run {}: {e}", path.display()));
        assert!(status.success(), "{tool} failed: {status}");
    }
}

impl Drop for SecondCluster {
    fn drop(&mut self) {
        let data = self.data();
        let path = self.bin.join("pg_ctl");
        let args = ["-D", data.as_str(), "-m", "immediate", "-w", "stop"];
        let _ = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&path)
                .args(args)
                .status()
        } else {
            Command::new(&path).args(args).status()
        };
    }
}

/// The rows both stores get: blocks of days D-1, D and D+1, some of one user, and an open
/// session.
fn rows(seq: i64) -> Vec<TrafficRow> {
    let mut out = Vec::new();
    for (i, day) in [D - 1, D, D + 1].into_iter().enumerate() {
        let t0 = i64::from(day) * 86_400;
        for n in 0..50u16 {
            let mut r = block(
                seq,
                day,
                key(i as u8 + 1, (n % 5) as u8),
                (n * 64, n * 64 + 63),
                (t0 + i64::from(n) * 60, t0 + i64::from(n) * 60 + 600),
            );
            if n % 10 == 0 {
                r.user = Some(key(0xaa, 0xaa));
            }
            r.sealed = vec![n as u8; 90];
            out.push(r);
        }
    }
    let mut open = block(
        seq,
        D,
        key(0xee, 0),
        (0, 65_535),
        (i64::from(D) * 86_400, 0),
    );
    open.kind = TrafficKind::AccessSession;
    open.end = None;
    open.user = Some(key(0xaa, 0xaa));
    open.net = (4, 32);
    out.push(open);
    out
}

async fn fill(store: &PgStore) {
    store.add_provider(&provider("kpn")).await.unwrap();
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let seq = tx.seq();
    tx.insert_traffic(&rows(seq)).await.unwrap();
    tx.commit(&batch_log("kpn", "b1", DeliveryOutcome::Accepted))
        .await
        .unwrap();
}

/// Probes both stores ask: each day's keys, with and without a port.
fn probes() -> Vec<TrafficProbe> {
    let mut out = Vec::new();
    for (i, day) in [D - 1, D, D + 1].into_iter().enumerate() {
        let t0 = i64::from(day) * 86_400;
        for k in 0..5u8 {
            let days: Vec<(i32, BlindIndex)> = vec![(day, key(i as u8 + 1, k))];
            for port in [None, Some(65), Some(640), Some(3199), Some(5000)] {
                out.push(TrafficProbe {
                    kind: TrafficKind::PortBlock,
                    days: days.clone(),
                    open: vec![key(0xee, 0)],
                    from: t0 + 300,
                    to: t0 + 900,
                    port,
                });
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn days_on_a_second_server_give_the_same_answers() {
    let started = std::time::Instant::now();
    let dbs = TestDatabases::new();
    let second = SecondCluster::start();

    // The table of day D on the second server.
    let mut remote = PgConnection::connect(&second.url()).await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(PgStore::remote_day_sql(D)))
        .execute(&mut remote)
        .await
        .unwrap();

    // The store whose day D lives there, and one whose days are all local.
    let url = dbs.fresh_url().await;
    let spread = PgStore::connect(&url).await.unwrap();
    let local = dbs.fresh_store().await;
    let mut admin = PgConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE EXTENSION postgres_fdw;
         CREATE SERVER traffic_b FOREIGN DATA WRAPPER postgres_fdw
             OPTIONS (host '127.0.0.1', port '{}', dbname 'postgres');
         CREATE USER MAPPING FOR CURRENT_USER SERVER traffic_b OPTIONS (user 'postgres');",
        second.port
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    spread.attach_remote_day(D, "traffic_b").await.unwrap();
    let again = spread.attach_remote_day(D, "traffic_b").await.unwrap_err();
    assert!(
        matches!(again, tdip_store::StoreError::Conflict(_)),
        "{again}"
    );
    let unknown = spread
        .attach_remote_day(D + 5, "nowhere")
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, tdip_store::StoreError::NotFound(_)),
        "{unknown}"
    );

    fill(&spread).await;
    fill(&local).await;

    // Day D's rows are on the second server, and only there.
    let there: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT count(*) FROM {}",
        tdip_store_pg::traffic_day_table(D)
    )))
    .fetch_one(&mut remote)
    .await
    .unwrap();
    assert_eq!(there, 50);
    let kinds: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT c.relname::text, c.relkind::text, count(*) FROM traffic_row AS r
         JOIN pg_class AS c ON c.oid = r.tableoid GROUP BY 1, 2 ORDER BY 1",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert_eq!(
        kinds,
        [
            (format!("traffic_row_d{}", D - 1), "r".into(), 50),
            (format!("traffic_row_d{D}"), "f".into(), 50),
            (format!("traffic_row_d{}", D + 1), "r".into(), 50),
        ]
    );

    // The same answers.
    let mut nonempty = 0;
    for p in probes() {
        let a = spread.traffic_covering(&p).await.unwrap();
        let b = local.traffic_covering(&p).await.unwrap();
        assert_eq!(a, b, "{p:?}");
        nonempty += usize::from(a.iter().any(|r| r.end.is_some()));
    }
    assert!(nonempty > 20, "the probes find rows ({nonempty})");
    let user = key(0xaa, 0xaa);
    let from = i64::from(D - 1) * 86_400;
    let to = i64::from(D + 2) * 86_400;
    for limit in [3, 100] {
        let a = spread
            .traffic_of_user(&user, from, to, limit)
            .await
            .unwrap();
        let b = local.traffic_of_user(&user, from, to, limit).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), (limit as usize).min(16));
    }
    let days = spread.traffic_days().await.unwrap();
    assert_eq!(days, local.traffic_days().await.unwrap());
    assert_eq!(days.len(), 3);

    // Retention of the remote day: detached and dropped here, its rows no longer found.
    assert_eq!(spread.drop_traffic_day(D).await.unwrap(), 50);
    assert_eq!(local.drop_traffic_day(D).await.unwrap(), 50);
    for p in probes() {
        assert_eq!(
            spread.traffic_covering(&p).await.unwrap(),
            local.traffic_covering(&p).await.unwrap()
        );
    }
    assert_eq!(
        spread.traffic_days().await.unwrap(),
        local.traffic_days().await.unwrap()
    );

    admin.close().await.unwrap();
    remote.close().await.unwrap();
    spread.close().await;
    local.close().await;
    drop(second);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
}
