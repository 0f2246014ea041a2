//! The SQL of a traffic batch's writes: a day table's definition, the multi-row INSERT
//! and how a row is bound to it, and the error of a row stored twice.

use super::backend;
use super::traffic::day_table;
use tdip_store::{Day, StoreError, TrafficRow};

/// The table of `day` and its user index, unless they exist.
pub(super) fn day_table_ddl(day: Day) -> String {
    let t = day_table(day);
    format!("{}\n{}", table_ddl(&t), user_index_ddl(&t))
}

/// The index of a day table `t` by end-user index (within each run).
pub(super) fn user_index_ddl(t: &str) -> String {
    format!(
        "CREATE INDEX IF NOT EXISTS {t}_by_user ON {t}(run, user, start) WHERE user IS NOT NULL;"
    )
}

/// A day table named `t`, unless it exists.
pub(super) fn table_ddl(t: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {t} (
                    kind INTEGER NOT NULL,
                    key BLOB NOT NULL,
                    first_port INTEGER NOT NULL,
                    start INTEGER NOT NULL,
                    batch INTEGER NOT NULL,
                    last_port INTEGER NOT NULL CHECK (last_port >= first_port),
                    end_at INTEGER NOT NULL,
                    family INTEGER NOT NULL,
                    len INTEGER NOT NULL,
                    user BLOB,
                    sealed BLOB NOT NULL,
                    run INTEGER NOT NULL,
                    PRIMARY KEY (kind, run, key, first_port, start, batch)
                 ) STRICT, WITHOUT ROWID;"
    )
}

/// The INSERT of `n` rows into a day table (`Some(day)`) or the open set.
pub(super) fn insert_sql(day: Option<Day>, n: usize) -> String {
    let mut sql = match day {
        Some(d) => format!(
            "INSERT OR FAIL INTO {} (kind, key, first_port, start, batch, family, len, user, sealed,
                             last_port, end_at, run) VALUES ",
            day_table(d)
        ),
        None => "INSERT INTO traffic_open (kind, key, first_port, start, batch, family, len,
                                           user, sealed, last_port, day) VALUES "
            .to_owned(),
    };
    let one = if day.is_some() {
        "(?,?,?,?,?,?,?,?,?,?,?,?)"
    } else {
        "(?,?,?,?,?,?,?,?,?,?,?)"
    };
    for i in 0..n {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(one);
    }
    sql
}

/// Binds one row's values from parameter `p + 1` on, in [`insert_sql`]'s order (twelve
/// for a day table, the last one unused for the open set).
pub(super) fn bind_row(
    st: &mut rusqlite::Statement<'_>,
    p: usize,
    closed: bool,
    run: i64,
    r: &TrafficRow,
) -> rusqlite::Result<()> {
    st.raw_bind_parameter(p + 1, r.kind.code())?;
    st.raw_bind_parameter(p + 2, &r.key.0[..])?;
    st.raw_bind_parameter(p + 3, r.first_port)?;
    st.raw_bind_parameter(p + 4, r.start)?;
    st.raw_bind_parameter(p + 5, r.batch)?;
    st.raw_bind_parameter(p + 6, r.net.0)?;
    st.raw_bind_parameter(p + 7, r.net.1)?;
    st.raw_bind_parameter(p + 8, r.user.as_ref().map(|u| &u.0[..]))?;
    st.raw_bind_parameter(p + 9, &r.sealed[..])?;
    st.raw_bind_parameter(p + 10, r.last_port)?;
    if closed {
        st.raw_bind_parameter(p + 11, r.end)?;
        st.raw_bind_parameter(p + 12, run)
    } else {
        st.raw_bind_parameter(p + 11, r.day)
    }
}

/// A row that is already stored: the same open record, or the same record of one batch
/// twice in a day. The message names no value.
pub(super) fn duplicate(e: rusqlite::Error, open: bool) -> StoreError {
    match backend(e) {
        StoreError::Conflict(_) if open => StoreError::Conflict(
            "an open record of this kind, address, first port and start is already open; \
             close it (event end) before delivering it open again"
                .into(),
        ),
        StoreError::Conflict(_) => StoreError::Conflict(
            "a record of this kind, address, first port and start appears twice in this batch \
             (or a port block's last port lies before its first); deliver it once"
                .into(),
        ),
        other => other,
    }
}
