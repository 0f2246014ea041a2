//! Bulk writes with `COPY ... FROM STDIN (FORMAT binary)`.
//!
//! The binary format is a fixed header, then per row a 16-bit field count and per field a
//! 32-bit length (-1 for NULL) followed by the value in the type's binary send format
//! (`bigint`: 8 bytes big-endian; `bytea`: the raw bytes; `text`: UTF-8, the client
//! encoding sqlx sets), then a 16-bit -1 trailer. Rows are buffered and sent to the server
//! in pieces of [`SEND_AT`] bytes, so memory stays small whatever the row count.

use sqlx::PgConnection;
use tdip_store::{StoreError, StoreResult};

/// The binary COPY signature, flags field and header extension length.
const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// Buffered bytes sent to the server at once.
const SEND_AT: usize = 1 << 20;

/// The largest field PostgreSQL accepts (1 GB).
pub(crate) const MAX_FIELD: usize = (1 << 30) - 1;

/// One field of a row.
pub(crate) enum Field<'a> {
    /// A `bigint`.
    Int(i64),
    /// A nullable `bigint`.
    OptInt(Option<i64>),
    /// A `bytea` (at most [`MAX_FIELD`] bytes: callers check).
    Bytes(&'a [u8]),
    /// A `text`.
    Text(&'a str),
}

/// Encodes rows of one table in COPY's binary format.
pub(crate) struct BinaryRows {
    buf: Vec<u8>,
}

impl BinaryRows {
    pub(crate) fn new() -> Self {
        let mut buf = Vec::with_capacity(SEND_AT + (64 << 10));
        buf.extend_from_slice(HEADER);
        BinaryRows { buf }
    }

    /// Appends one row.
    pub(crate) fn row(&mut self, fields: &[Field<'_>]) {
        let count = i16::try_from(fields.len()).expect("a table has fewer than 32768 columns");
        self.buf.extend_from_slice(&count.to_be_bytes());
        for field in fields {
            match field {
                Field::Int(v) | Field::OptInt(Some(v)) => {
                    self.buf.extend_from_slice(&8i32.to_be_bytes());
                    self.buf.extend_from_slice(&v.to_be_bytes());
                }
                Field::OptInt(None) => self.buf.extend_from_slice(&(-1i32).to_be_bytes()),
                Field::Bytes(b) => self.bytes(b),
                Field::Text(s) => self.bytes(s.as_bytes()),
            }
        }
    }

    fn bytes(&mut self, b: &[u8]) {
        let len = i32::try_from(b.len()).expect("fields are checked against MAX_FIELD");
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(b);
    }

    fn full(&self) -> bool {
        self.buf.len() >= SEND_AT
    }
}

/// Streams `rows` into `COPY <target> FROM STDIN (FORMAT binary)`; `encode` appends the
/// fields of one row. Returns the number of rows the server stored.
pub(crate) async fn copy_in<T>(
    conn: &mut PgConnection,
    target: &str,
    rows: &[T],
    mut encode: impl FnMut(&mut BinaryRows, &T),
) -> Result<u64, sqlx::Error> {
    let statement = format!("COPY {target} FROM STDIN (FORMAT binary)");
    let mut copy = conn.copy_in_raw(&statement).await?;
    let mut out = BinaryRows::new();
    for row in rows {
        encode(&mut out, row);
        if out.full() {
            copy.send(&out.buf[..]).await?;
            out.buf.clear();
        }
    }
    out.buf.extend_from_slice(&(-1i16).to_be_bytes());
    copy.send(&out.buf[..]).await?;
    copy.finish().await
}

/// Refuses a blob too large for one PostgreSQL field, before any row is sent.
pub(crate) fn check_field(len: usize, what: &str) -> StoreResult<()> {
    if len > MAX_FIELD {
        return Err(StoreError::Backend(format!(
            "a {what} of {len} bytes is larger than postgresql stores in one field (1 gb); \
             split it"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_encoded_in_the_binary_format() {
        let mut rows = BinaryRows::new();
        rows.row(&[
            Field::Int(1),
            Field::OptInt(None),
            Field::Bytes(&[0xde, 0xad]),
            Field::Text("kpn"),
        ]);
        let mut want = HEADER.to_vec();
        want.extend_from_slice(&[0, 4]);
        want.extend_from_slice(&[0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1]);
        want.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
        want.extend_from_slice(&[0, 0, 0, 2, 0xde, 0xad]);
        want.extend_from_slice(&[0, 0, 0, 3, b'k', b'p', b'n']);
        assert_eq!(rows.buf, want);
        assert_eq!(HEADER.len(), 19);
    }
}
