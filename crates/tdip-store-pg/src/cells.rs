//! Cell configurations (migration 7): `cell_config`, keyed by (provider, cell id,
//! valid_from), searched by cell id or by area through its (latitude, longitude) index.
//! Written by binary `COPY` in a traffic batch's transaction.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};
use tdip_store::{BlindIndex, CellBox, CellRow, StoreError, StoreResult};

use crate::copy::{BinaryRows, Field, check_field, copy_in};
use crate::error::{backend, read};

/// Columns in [`cell_row`]'s and [`encode`]'s order.
const COLUMNS: &str = "provider, cell_id, valid_from, batch, latitude, longitude, config, mac";

fn corrupt(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("a stored cell configuration's {what} is not valid").into())
}

fn cell_row(r: &PgRow) -> Result<CellRow, sqlx::Error> {
    let mac: Vec<u8> = r.try_get(7)?;
    Ok(CellRow {
        provider: r.try_get(0)?,
        cell_id: r.try_get(1)?,
        valid_from: r.try_get(2)?,
        batch: r.try_get(3)?,
        latitude: r.try_get(4)?,
        longitude: r.try_get(5)?,
        config: r.try_get(6)?,
        mac: BlindIndex(mac.try_into().map_err(|_| corrupt("mac"))?),
    })
}

/// A nullable `integer` in COPY's binary format.
fn opt_int4(v: &Option<[u8; 4]>) -> Field<'_> {
    match v {
        Some(b) => Field::Bytes(&b[..]),
        None => Field::OptInt(None),
    }
}

fn encode(out: &mut BinaryRows, r: &CellRow) {
    let lat = r.latitude.map(i32::to_be_bytes);
    let lon = r.longitude.map(i32::to_be_bytes);
    out.row(&[
        Field::Text(&r.provider),
        Field::Text(&r.cell_id),
        Field::Int(r.valid_from),
        Field::Int(r.batch),
        opt_int4(&lat),
        opt_int4(&lon),
        Field::Bytes(&r.config),
        Field::Bytes(&r.mac.0),
    ]);
}

/// [`tdip_store::TrafficTx::insert_cells`], on the batch's transaction.
pub(crate) async fn insert(conn: &mut PgConnection, rows: &[CellRow]) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    for r in rows {
        check_field(r.config.len(), "cell configuration")?;
    }
    copy_in(conn, &format!("cell_config ({COLUMNS})"), rows, encode)
        .await
        .map_err(|e| match backend(e) {
            StoreError::Conflict(_) => StoreError::Conflict(
                "a configuration of this cell from this moment is stored already (by an \
                 earlier batch or earlier in this one); deliver each configuration once"
                    .into(),
            ),
            other => other,
        })?;
    Ok(())
}

fn cell_rows(rows: &[PgRow]) -> StoreResult<Vec<CellRow>> {
    rows.iter()
        .map(cell_row)
        .collect::<Result<_, _>>()
        .map_err(backend)
}

/// [`tdip_store::TrafficStore::cell_history`].
pub(crate) async fn history(
    pool: &PgPool,
    provider: &str,
    cell_ids: &[String],
) -> StoreResult<Vec<CellRow>> {
    if cell_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM cell_config
         WHERE provider = $1 AND cell_id = ANY($2::text[])
         ORDER BY cell_id, valid_from"
    );
    let rows = read(|| {
        sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(provider)
            .bind(cell_ids)
            .fetch_all(pool)
    })
    .await?;
    cell_rows(&rows)
}

/// [`tdip_store::TrafficStore::cells_in`].
pub(crate) async fn within(pool: &PgPool, area: CellBox) -> StoreResult<Vec<CellRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM cell_config
         WHERE latitude BETWEEN $1 AND $2 AND longitude BETWEEN $3 AND $4
         ORDER BY provider, cell_id, valid_from"
    );
    let rows = read(|| {
        sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(area.lat_min)
            .bind(area.lat_max)
            .bind(area.lon_min)
            .bind(area.lon_max)
            .fetch_all(pool)
    })
    .await?;
    cell_rows(&rows)
}
