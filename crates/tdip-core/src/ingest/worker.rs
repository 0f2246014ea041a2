//! Per-row work, run on worker threads: fingerprint, and for rows that are not
//! byte-identical to the previous delivery, validation, normalisation, blind indexing
//! and sealing. Plaintext exists here only in memory and only until the row is sealed.

use std::sync::Arc;

use hashbrown::HashMap;
use tdip_crypto::Sealer;
use tdip_model::ident::parse_ip;
use tdip_model::subscription::{
    Column, FieldError, ParseContext, RawRow, Subscription, parse_payments, parse_row,
};
use tdip_model::{IdentKind, Reason};
use tdip_store::BlindIndex;

use super::record::{CsvFields, SplitError, json_fields};
use super::source::{Chunk, Format, Header};
use crate::keys::{PointKeys, VersionAad};
use crate::payments::Payment;
use crate::snapshot::Snapshot;

/// What the workers need, shared read-only.
pub struct WorkContext {
    /// The point's keys.
    pub keys: PointKeys,
    /// The provider's current open data key, which seals every new version.
    pub sealer: Arc<Sealer>,
    /// Provider id.
    pub provider: String,
    /// How to read national numbers and local times of this provider.
    pub parse: ParseContext,
    /// The declared snapshot moment.
    pub snapshot_at: i64,
    /// The snapshot moment of the provider's latest accepted delivery before this one:
    /// every new version's `seen_before`, bound into its sealed record.
    pub seen_before: Option<i64>,
    /// The previous accepted delivery's snapshot index.
    pub previous: Arc<Snapshot>,
    /// Previous raw fingerprints to entry index; empty when the rules changed since.
    pub raw_index: HashMap<[u8; 16], u32>,
    /// Payments before this moment (UTC seconds) are past the payment term: not kept.
    pub payments_from: i64,
}

/// The payments a row lists that the point keeps, and how many it lists past the term.
#[derive(Default)]
pub struct Paid {
    /// Within the term, with the row's method and means.
    pub payments: Vec<Payment>,
    /// Listed, but older than the payment term.
    pub past_term: u64,
}

/// The verdict on one row.
pub enum Outcome {
    /// Byte-identical to a row of the previous delivery (its entry index).
    Unchanged { line: u64, prev: u32 },
    /// Same normalised content as the previous delivery, formatted differently.
    Reformatted {
        line: u64,
        prev: u32,
        raw_fp: [u8; 16],
        sub_key: BlindIndex,
        paid: Paid,
    },
    /// New or changed content, sealed and indexed.
    Fresh(Box<Fresh>),
    /// The row breaks the format; the delivery will be rejected.
    Invalid { line: u64, errors: Vec<FieldError> },
}

/// A row that opens a version.
pub struct Fresh {
    /// Line the row starts on.
    pub line: u64,
    /// The previous entry of the same subscription, if it existed (then: changed).
    pub prev: Option<u32>,
    /// Blind index of the subscription id.
    pub sub_key: BlindIndex,
    /// Fingerprint of the row as delivered.
    pub raw_fp: [u8; 16],
    /// Fingerprint of the normalised row.
    pub canon_fp: [u8; 16],
    /// The sealed normalised row.
    pub sealed: Vec<u8>,
    /// Blind indexes of every identifier.
    pub indexes: Vec<BlindIndex>,
    /// IP prefix lengths used, as (family, length).
    pub prefix_lengths: Vec<(u8, u8)>,
    /// The payments the row lists.
    pub paid: Paid,
}

/// Reusable buffers of one worker thread.
pub struct Decoder {
    csv: CsvFields,
    json: Vec<String>,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder {
            csv: CsvFields::default(),
            json: vec![String::new(); Column::COUNT],
        }
    }
}

/// Processes one chunk of records.
pub fn process(
    ctx: &WorkContext,
    header: &Header,
    chunk: &Chunk,
    dec: &mut Decoder,
) -> Vec<Outcome> {
    let key = ctx
        .keys
        .fingerprint()
        .with_prefix(&header.fingerprint_prefix);
    let mut problems = chunk.problems.iter().peekable();
    chunk
        .records
        .iter()
        .enumerate()
        .map(|(i, span)| {
            if let Some(p) = problems.next_if(|p| p.record == i) {
                // The reader found the record malformed; its bytes are not decoded.
                return Outcome::Invalid {
                    line: p.line,
                    errors: vec![FieldError::new(p.field, p.reason)],
                };
            }
            let bytes = &chunk.data[span.start..span.end];
            let raw_fp = key.index(bytes);
            match ctx.raw_index.get(&raw_fp) {
                Some(&prev) => Outcome::Unchanged {
                    line: span.line,
                    prev,
                },
                None => full_path(ctx, header, bytes, span.line, raw_fp, dec),
            }
        })
        .collect()
}

/// U+FEFF, the byte order mark: invisible, and inside a file the trace of another file
/// joined to it. Read as data it would make `\u{feff}S1` a subscription other than `S1`.
const BOM: char = '\u{feff}';
const BOM_IN_VALUE: &str = "contains a byte order mark (U+FEFF), an invisible character; \
                            remove it (was another file joined into this one?)";

/// Decodes the fields of a record into `raw`; problems of the record itself go to `errors`.
fn decode<'a>(
    header: &Header,
    bytes: &'a [u8],
    dec: &'a mut Decoder,
    errors: &mut Vec<FieldError>,
) -> RawRow<'a> {
    let mut raw = RawRow::new();
    match header.format {
        Format::Csv => match dec.csv.split(bytes, header.fields) {
            Err(SplitError::TooMany) => errors.push(FieldError::new(
                "row",
                Reason::counted(
                    "has more fields than the header's {}; quote a field that holds a comma",
                    &[header.fields as u64],
                ),
            )),
            Err(SplitError::Incomplete) => errors.push(FieldError::new(
                "row",
                "is not a complete CSV record (is a double quote left open?)",
            )),
            Ok(n) if n != header.fields => errors.push(FieldError::new(
                "row",
                Reason::counted(
                    "has {} fields, the header has {}",
                    &[n as u64, header.fields as u64],
                ),
            )),
            Ok(_) => {
                let csv = &dec.csv;
                for col in Column::ALL {
                    let Some(value) = header.map[col.index()].map(|pos| csv.field(pos)) else {
                        continue;
                    };
                    if value.is_empty() {
                        continue;
                    }
                    match std::str::from_utf8(value) {
                        Ok(text) if text.contains(BOM) => {
                            errors.push(FieldError::new(col.name(), BOM_IN_VALUE));
                        }
                        Ok(text) => raw.set(*col, text),
                        Err(_) => errors.push(FieldError::new(col.name(), "is not valid UTF-8")),
                    }
                }
            }
        },
        Format::JsonLines => {
            json_fields(bytes, &mut dec.json, errors);
            for col in Column::ALL {
                let value = &dec.json[col.index()];
                if value.contains(BOM) {
                    errors.push(FieldError::new(col.name(), BOM_IN_VALUE));
                } else if !value.is_empty() {
                    raw.set(*col, value);
                }
            }
        }
    }
    raw
}

fn full_path(
    ctx: &WorkContext,
    header: &Header,
    bytes: &[u8],
    line: u64,
    raw_fp: [u8; 16],
    dec: &mut Decoder,
) -> Outcome {
    let mut errors = Vec::new();
    let raw = decode(header, bytes, dec, &mut errors);
    if !errors.is_empty() && raw.iter().next().is_none() {
        return Outcome::Invalid { line, errors };
    }
    let (sub, paid) = match (parse_row(&raw, &ctx.parse), paid(ctx, &raw)) {
        (Ok(sub), Ok(paid)) if errors.is_empty() => (sub, paid),
        (sub, paid) => {
            let mut more = sub.err().unwrap_or_default();
            more.extend(paid.err().unwrap_or_default());
            // A column whose value could not be decoded is not also "missing".
            more.retain(|e| !errors.iter().any(|d| d.field == e.field));
            errors.append(&mut more);
            return Outcome::Invalid { line, errors };
        }
    };
    let paid = with_means(paid, &sub);
    let canonical = crate::sealed::encode(&sub);
    let canon_fp = ctx.keys.fingerprint().index(&canonical);
    let sub_key = ctx.keys.subscription(&ctx.provider, &sub.subscription_id);
    let prev = ctx.previous.find(&sub_key).map(|i| i as u32);
    if let Some(p) = prev
        && ctx.previous.entries[p as usize].canon_fp == canon_fp
    {
        return Outcome::Reformatted {
            line,
            prev: p,
            raw_fp,
            sub_key,
            paid,
        };
    }
    let mut indexes = Vec::new();
    let mut prefix_lengths = Vec::new();
    for (kind, value) in sub.identifiers() {
        indexes.push(ctx.keys.ident(kind, value));
        if kind == IdentKind::Ip
            && let Ok(net) = parse_ip(value)
        {
            let family = if net.addr().is_ipv4() { 4 } else { 6 };
            if !prefix_lengths.contains(&(family, net.prefix_len())) {
                prefix_lengths.push((family, net.prefix_len()));
            }
        }
    }
    let aad = VersionAad::open(&ctx.provider, &sub_key, ctx.snapshot_at, ctx.seen_before);
    let sealed = ctx.sealer.seal(aad.as_bytes(), &canonical);
    Outcome::Fresh(Box::new(Fresh {
        line,
        prev,
        sub_key,
        raw_fp,
        canon_fp,
        sealed,
        indexes,
        prefix_lengths,
        paid,
    }))
}

/// The payment moments of a row, checked against the snapshot moment: a snapshot
/// cannot list a payment made after it was taken.
fn paid(ctx: &WorkContext, raw: &RawRow<'_>) -> Result<(Vec<i64>, u64), Vec<FieldError>> {
    let moments = parse_payments(raw, &ctx.parse)?;
    let late = moments.iter().filter(|t| **t > ctx.snapshot_at).count() as u64;
    if late > 0 {
        return Err(vec![FieldError::new(
            Column::PaymentAt.name(),
            Reason::counted(
                "lists payments dated after the snapshot moment ({} of them); a snapshot lists \
                 only the payments made before it was taken (is the snapshot moment or the time zone \
                 of these times wrong?)",
                &[late],
            ),
        )]);
    }
    let past_term = moments.iter().filter(|t| **t < ctx.payments_from).count() as u64;
    let kept = moments
        .into_iter()
        .filter(|t| *t >= ctx.payments_from)
        .collect();
    Ok((kept, past_term))
}

/// Each kept payment with the method and means of the row that lists it.
fn with_means((moments, past_term): (Vec<i64>, u64), sub: &Subscription) -> Paid {
    Paid {
        payments: moments
            .into_iter()
            .map(|at| Payment {
                at,
                method: sub.payment_method,
                means: sub.payment_means.clone(),
            })
            .collect(),
        past_term,
    }
}
