//! The audit log in SQLite: a database file of its own (WAL, `synchronous = FULL`), so
//! that an append never waits for a delivery holding the store's write lock.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

use super::{backend, connect, migrate};
use tdip_store::{
    AuditEntry, AuditHead, AuditStore, NewAuditEntry, StoreError, StoreResult, fixed_len as fixed,
};

const MIGRATIONS: &[&str] = &[include_str!("audit.sql"), include_str!("audit_0002.sql")];

/// Rows per INSERT statement, largest first: a group is inserted in chunks of these
/// sizes, so that only these few statements are ever prepared (and stay in the
/// connection's statement cache) whatever the group's size.
const CHUNKS: [usize; 4] = [64, 16, 4, 1];

static INSERTS: std::sync::LazyLock<[String; 4]> =
    std::sync::LazyLock::new(|| CHUNKS.map(insert_sql));

fn insert_sql(rows: usize) -> String {
    let values = vec!["(?, ?, ?, ?, ?)"; rows].join(", ");
    format!("INSERT INTO audit_entry (seq, at, kind, body, digest) VALUES {values}")
}

/// The SQLite audit log.
pub struct SqliteAudit {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteAudit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteAudit")
    }
}

impl SqliteAudit {
    /// Opens (creating if needed) the audit database at `path`.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let conn = connect(path)?;
        migrate(&conn, MIGRATIONS)?;
        Ok(SqliteAudit {
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> StoreResult<T>) -> StoreResult<T> {
        f(&mut self.conn.lock().expect("audit connection lock"))
    }
}

impl AuditStore for SqliteAudit {
    fn appends_block(&self) -> bool {
        true
    }

    async fn append_audit(&self, entries: &[NewAuditEntry]) -> StoreResult<u64> {
        self.with(|c| {
            let tx = c
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(backend)?;
            let first: i64 = tx
                .prepare_cached("SELECT COALESCE(MAX(seq) + 1, 0) FROM audit_entry")
                .and_then(|mut st| st.query_row([], |r| r.get(0)))
                .map_err(backend)?;
            // Many rows per statement: a statement's fixed cost is most of a small row's.
            let mut seq = first;
            let mut rest = entries;
            while !rest.is_empty() {
                let (size, sql) = CHUNKS
                    .iter()
                    .zip(INSERTS.iter())
                    .find(|(size, _)| **size <= rest.len())
                    .expect("chunks end with a single row");
                let (chunk, more) = rest.split_at(*size);
                let mut st = tx.prepare_cached(sql).map_err(backend)?;
                let seqs: Vec<i64> = (0..*size as i64).map(|i| seq + i).collect();
                let mut params: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(size * 5);
                for (e, s) in chunk.iter().zip(&seqs) {
                    params.push(s);
                    params.push(&e.at);
                    params.push(&e.kind);
                    params.push(&e.body);
                    params.push(&e.digest);
                }
                st.execute(params.as_slice()).map_err(backend)?;
                seq += *size as i64;
                rest = more;
            }
            tx.commit().map_err(backend)?;
            Ok(first as u64)
        })
    }

    async fn audit_entries_of_kind(
        &self,
        kind: &str,
        from: u64,
        limit: u32,
    ) -> StoreResult<Vec<AuditEntry>> {
        self.with(|c| {
            let mut st = c
                .prepare_cached(
                    "SELECT seq, at, kind, body, digest FROM audit_entry
                     WHERE kind = ?1 AND seq >= ?2 ORDER BY seq LIMIT ?3",
                )
                .map_err(backend)?;
            let rows = st
                .query_map(params![kind, from as i64, limit], entry_row)
                .map_err(backend)?;
            rows.map(|r| r.map_err(backend).and_then(entry)).collect()
        })
    }

    async fn audit_entries(&self, from: u64, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        self.with(|c| {
            let mut st = c
                .prepare_cached(
                    "SELECT seq, at, kind, body, digest FROM audit_entry
                     WHERE seq >= ?1 ORDER BY seq LIMIT ?2",
                )
                .map_err(backend)?;
            let rows = st
                .query_map(params![from as i64, limit], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get::<_, Vec<u8>>(4)?,
                    ))
                })
                .map_err(backend)?;
            let mut out = Vec::new();
            for row in rows {
                let (seq, at, kind, body, digest) = row.map_err(backend)?;
                out.push(AuditEntry {
                    seq: seq as u64,
                    at,
                    kind,
                    body,
                    digest: fixed(&digest, "an audit digest")?,
                });
            }
            Ok(out)
        })
    }

    async fn purge_audit_bodies(&self, kind: &str, before: i64) -> StoreResult<u64> {
        self.with(|c| {
            c.execute(
                "UPDATE audit_entry SET body = NULL
                 WHERE kind = ?1 AND at < ?2 AND body IS NOT NULL",
                params![kind, before],
            )
            .map(|n| n as u64)
            .map_err(backend)
        })
    }

    async fn put_audit_head(&self, h: &AuditHead) -> StoreResult<()> {
        self.with(|c| {
            let exists: Option<i64> = c
                .query_row(
                    "SELECT size FROM audit_head WHERE size = ?1",
                    [h.size as i64],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            if exists.is_some() {
                return Err(StoreError::Conflict(format!(
                    "a tree head of size {} is stored already",
                    h.size
                )));
            }
            c.execute(
                "INSERT INTO audit_head (size, root, at, signature) VALUES (?1, ?2, ?3, ?4)",
                params![h.size as i64, &h.root[..], h.at, &h.signature[..]],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    async fn audit_heads(&self) -> StoreResult<Vec<AuditHead>> {
        self.with(|c| {
            let mut st = c
                .prepare_cached("SELECT size, root, at, signature FROM audit_head ORDER BY size")
                .map_err(backend)?;
            let rows = st
                .query_map([], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Vec<u8>>(1)?,
                        r.get(2)?,
                        r.get::<_, Vec<u8>>(3)?,
                    ))
                })
                .map_err(backend)?;
            let mut out = Vec::new();
            for row in rows {
                let (size, root, at, signature) = row.map_err(backend)?;
                out.push(AuditHead {
                    size: size as u64,
                    root: fixed(&root, "a tree head root")?,
                    at,
                    signature: fixed(&signature, "a tree head signature")?,
                });
            }
            Ok(out)
        })
    }
}

type EntryRow = (i64, i64, String, Option<Vec<u8>>, Vec<u8>);

fn entry_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EntryRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn entry((seq, at, kind, body, digest): EntryRow) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        seq: seq as u64,
        at,
        kind,
        body,
        digest: fixed(&digest, "an audit digest")?,
    })
}
