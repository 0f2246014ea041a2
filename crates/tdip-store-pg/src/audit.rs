//! The audit log in PostgreSQL: appends serialised by an advisory lock of their own (not
//! the delivery's), so logging a consultation never waits for a delivery.

use sqlx::Row;
use tdip_store::{
    AuditEntry, AuditHead, AuditStore, NewAuditEntry, StoreError, StoreResult, fixed_len as fixed,
};

use crate::PgStore;
use crate::error::{backend, read};

const AUDIT_LOCK: &str = "SELECT pg_advisory_xact_lock(hashtext('tdip-audit'))";

impl AuditStore for PgStore {
    async fn append_audit(&self, entries: &[NewAuditEntry]) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        sqlx::query(AUDIT_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        let first: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq) + 1, 0) FROM audit_entry")
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
        let seqs: Vec<i64> = (0..entries.len() as i64).map(|i| first + i).collect();
        let ats: Vec<i64> = entries.iter().map(|e| e.at).collect();
        let kinds: Vec<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
        let bodies: Vec<&[u8]> = entries.iter().map(|e| e.body.as_slice()).collect();
        let digests: Vec<&[u8]> = entries.iter().map(|e| &e.digest[..]).collect();
        sqlx::query(
            "INSERT INTO audit_entry (seq, at, kind, body, digest)
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bytea[], $5::bytea[])",
        )
        .bind(&seqs)
        .bind(&ats)
        .bind(&kinds)
        .bind(&bodies)
        .bind(&digests)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(first as u64)
    }

    async fn audit_entries_of_kind(
        &self,
        kind: &str,
        from: u64,
        limit: u32,
    ) -> StoreResult<Vec<AuditEntry>> {
        let rows = read(|| {
            sqlx::query(
                "SELECT seq, at, kind, body, digest FROM audit_entry
                 WHERE kind = $1 AND seq >= $2 ORDER BY seq LIMIT $3",
            )
            .bind(kind)
            .bind(from as i64)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
        })
        .await?;
        rows.iter().map(entry).collect()
    }

    async fn audit_entries(&self, from: u64, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        let rows = read(|| {
            sqlx::query(
                "SELECT seq, at, kind, body, digest FROM audit_entry
                 WHERE seq >= $1 ORDER BY seq LIMIT $2",
            )
            .bind(from as i64)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
        })
        .await?;
        rows.iter().map(entry).collect()
    }

    async fn purge_audit_bodies(&self, kind: &str, before: i64) -> StoreResult<u64> {
        sqlx::query(
            "UPDATE audit_entry SET body = NULL
             WHERE kind = $1 AND at < $2 AND body IS NOT NULL",
        )
        .bind(kind)
        .bind(before)
        .execute(&self.pool)
        .await
        .map(|r| r.rows_affected())
        .map_err(backend)
    }

    async fn put_audit_head(&self, h: &AuditHead) -> StoreResult<()> {
        let res = sqlx::query(
            "INSERT INTO audit_head (size, root, at, signature) VALUES ($1, $2, $3, $4)",
        )
        .bind(h.size as i64)
        .bind(&h.root[..])
        .bind(h.at)
        .bind(&h.signature[..])
        .execute(&self.pool)
        .await;
        match res {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict(
                format!("a tree head of size {} is stored already", h.size),
            )),
            Err(e) => Err(backend(e)),
        }
    }

    async fn audit_heads(&self) -> StoreResult<Vec<AuditHead>> {
        let rows: Vec<(i64, Vec<u8>, i64, Vec<u8>)> = read(|| {
            sqlx::query_as("SELECT size, root, at, signature FROM audit_head ORDER BY size")
                .fetch_all(&self.pool)
        })
        .await?;
        rows.into_iter()
            .map(|(size, root, at, signature)| {
                Ok(AuditHead {
                    size: size as u64,
                    root: fixed(&root, "a tree head root")?,
                    at,
                    signature: fixed(&signature, "a tree head signature")?,
                })
            })
            .collect()
    }
}

fn entry(r: &sqlx::postgres::PgRow) -> StoreResult<AuditEntry> {
    let digest: Vec<u8> = r.try_get(4).map_err(backend)?;
    Ok(AuditEntry {
        seq: r.try_get::<i64, _>(0).map_err(backend)? as u64,
        at: r.try_get(1).map_err(backend)?,
        kind: r.try_get(2).map_err(backend)?,
        body: r.try_get(3).map_err(backend)?,
        digest: fixed(&digest, "an audit digest")?,
    })
}
