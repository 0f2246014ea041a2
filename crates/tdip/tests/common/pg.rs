//! A PostgreSQL database of its own for one test, on the server `TDIP_TEST_PG_URL` names.

use std::process::Command;

/// The test server's URL; the PostgreSQL tests fail, saying so, without it.
pub fn pg_url() -> String {
    std::env::var("TDIP_TEST_PG_URL").expect(
        "set TDIP_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run the PostgreSQL tests",
    )
}

/// A database of its own for one test, dropped at the end.
pub struct TempDb {
    admin: String,
    name: String,
}

impl TempDb {
    /// A fresh database named after `tag` and the process.
    pub fn new(tag: &str) -> TempDb {
        let admin = pg_url();
        let name = format!("tdip_cli_{tag}_{}", std::process::id());
        let db = TempDb { admin, name };
        db.psql(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", db.name));
        db.psql(&format!("CREATE DATABASE {}", db.name));
        db
    }

    /// Its URL.
    pub fn url(&self) -> String {
        let (base, query) = match self.admin.split_once('?') {
            Some((b, q)) => (b, format!("?{q}")),
            None => (self.admin.as_str(), String::new()),
        };
        let (server, _) = base
            .rsplit_once('/')
            .expect("a postgres:// URL with a database");
        format!("{server}/{}{query}", self.name)
    }

    /// Runs `sql` on the server as its administrator.
    pub fn psql(&self, sql: &str) {
        let out = Command::new("psql")
            .args([&self.admin, "-Atqc", sql])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                &self.admin,
                "-Atqc",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}
