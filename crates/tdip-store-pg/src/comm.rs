//! Communication lookups and the communications part of the drop of a day (migration 7).
//!
//! All the (day, index) pairs of a probe go in one statement: per pair a range of that
//! day's `comm_key` partition (pruned at run time, plans being generic), with starts from
//! the window's start minus the day's longest span (`comm_day`) up to its end; the hits
//! are deduplicated and cut to the limit before the sealed rows are fetched, one primary
//! key probe each.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};
use tdip_store::{CommProbe, CommRow, Day, StoreResult, TrafficKind};

use crate::error::{backend, read};

/// The probe: `$1` days, `$2` keys, `$3` from, `$4` to, `$5` limit. The lower bound on
/// starts is computed in `numeric` so that a window starting near the smallest `bigint`
/// cannot overflow. `OFFSET 0` keeps the planner from flattening the lateral subquery
/// into a hash join over every partition (which it chose on small, unanalysed tables):
/// each pair stays one index range of one partition.
const PROBE_SQL: &str = "
    WITH hits AS (
        SELECT DISTINCT k.start, k.batch, k.ord, k.day
        FROM unnest($1::integer[], $2::bytea[]) AS p(day, key)
        JOIN comm_day AS d ON d.day = p.day
        CROSS JOIN LATERAL (
            SELECT k.start, k.batch, k.ord, k.day FROM comm_key AS k
            WHERE k.day = p.day AND k.key = p.key
              AND k.start >= greatest($3::bigint::numeric - d.max_span,
                                      -9223372036854775808)::bigint
              AND k.start <= $4::bigint AND k.end_at >= $3::bigint
            OFFSET 0) AS k
        ORDER BY k.start, k.batch, k.ord, k.day
        LIMIT $5)
    SELECT c.batch, c.ord, c.kind, c.day, c.start, c.end_at, c.sealed
    FROM hits AS h
    CROSS JOIN LATERAL (
        SELECT * FROM comm_row AS c
        WHERE c.day = h.day AND c.batch = h.batch AND c.ord = h.ord) AS c
    ORDER BY h.start, h.batch, h.ord, h.day";

fn corrupt(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("a stored communication's {what} is not valid").into())
}

/// A row of [`PROBE_SQL`].
fn comm_row(r: &PgRow) -> Result<CommRow, sqlx::Error> {
    let ord: i64 = r.try_get(1)?;
    let kind = TrafficKind::from_code(r.try_get(2)?)
        .filter(|k| k.is_communication())
        .ok_or_else(|| corrupt("kind"))?;
    Ok(CommRow {
        batch: r.try_get(0)?,
        ord: u32::try_from(ord).map_err(|_| corrupt("record number"))?,
        kind,
        day: r.try_get(3)?,
        start: r.try_get(4)?,
        end: r.try_get(5)?,
        keys: Vec::new(),
        sealed: r.try_get(6)?,
    })
}

/// [`tdip_store::TrafficStore::comm_rows`].
pub(crate) async fn comm_rows(pool: &PgPool, probe: &CommProbe) -> StoreResult<Vec<CommRow>> {
    let mut pairs = probe.keys.clone();
    pairs.sort();
    pairs.dedup();
    if pairs.is_empty() || probe.limit == 0 || probe.from > probe.to {
        return Ok(Vec::new());
    }
    let days: Vec<Day> = pairs.iter().map(|(d, _)| *d).collect();
    let keys: Vec<&[u8]> = pairs.iter().map(|(_, k)| &k.0[..]).collect();
    let rows = read(|| {
        sqlx::query(PROBE_SQL)
            .bind(&days)
            .bind(&keys)
            .bind(probe.from)
            .bind(probe.to)
            .bind(i64::from(probe.limit))
            .fetch_all(pool)
    })
    .await?;
    rows.iter()
        .map(comm_row)
        .collect::<Result<_, _>>()
        .map_err(backend)
}

/// Drops day `day`'s communication partitions and its longest span, in the caller's
/// transaction (which holds the traffic write lock); its row counts are in `traffic_day`,
/// which the caller clears.
pub(crate) async fn drop_day(conn: &mut PgConnection, day: Day) -> StoreResult<()> {
    sqlx::query("SELECT tdip_comm_drop_day($1)")
        .bind(day)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    sqlx::query("DELETE FROM comm_day WHERE day = $1")
        .bind(day)
        .execute(conn)
        .await
        .map_err(backend)?;
    Ok(())
}
