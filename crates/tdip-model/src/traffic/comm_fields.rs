//! Field readers shared by the communication and cell decoders: identifiers, numbers,
//! conference lines, cell ids and the start/end pair, each recording its own error and
//! answering `None` for a refused field.

use super::parse::{Fields, MAX_CELL_CHARS};
use crate::ident::{normalize_email, normalize_msisdn, normalize_user_id};
use crate::{Country, IdentError, LegalZone, Reason};

/// The most numbers a `lines` field may hold.
pub(super) const MAX_LINES: usize = 32;

/// `Some(None)` when the field was absent, `Some(Some(v))` when read, `None` when refused.
pub(super) fn present<T>(given: Option<&str>, read: Option<T>) -> Option<Option<T>> {
    match (given, read) {
        (None, _) => Some(None),
        (Some(_), Some(v)) => Some(Some(v)),
        (Some(_), None) => None,
    }
}

pub(super) fn ident(
    f: &mut Fields<'_, '_>,
    name: &'static str,
    v: Option<&str>,
    normalize: fn(&str) -> Result<String, IdentError>,
) -> Option<String> {
    match normalize(v?) {
        Ok(s) => Some(s),
        Err(e) => {
            f.error(name, Reason::from(e));
            None
        }
    }
}

/// A phone number read in `c` when national.
pub(super) fn number(
    f: &mut Fields<'_, '_>,
    name: &'static str,
    v: Option<&str>,
    c: Country,
) -> Option<String> {
    match normalize_msisdn(v?, c) {
        Ok(s) => Some(s),
        Err(e) => {
            f.error(name, Reason::from(e));
            None
        }
    }
}

/// An e-mail address when it holds an `@`, else a service account id.
pub(super) fn account(
    f: &mut Fields<'_, '_>,
    name: &'static str,
    v: Option<&str>,
) -> Option<String> {
    let v = v?;
    // A provider-local account id (`v33213371@kpn`: a VoIP or end-user id, its domain
    // without a dot) is no e-mail address: it is read as a user id. Anything else with an
    // `@` must be an e-mail address.
    let local_id = v
        .trim()
        .rsplit_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('.'));
    if local_id && normalize_email(v).is_err() {
        return ident(f, name, Some(v), normalize_user_id);
    }
    let normalize = if v.contains('@') {
        normalize_email
    } else {
        normalize_user_id
    };
    ident(f, name, Some(v), normalize)
}

/// A cell id: text of at most [`MAX_CELL_CHARS`], no control character, no white space.
pub(super) fn cell_id(f: &mut Fields<'_, '_>, name: &'static str) -> Option<String> {
    let v = f.text(name, MAX_CELL_CHARS)?;
    if v.chars().any(char::is_whitespace) {
        f.error(name, "contains white space; a cell id has none");
        return None;
    }
    Some(v)
}

/// `forwarded_to` and `lines`, each `Some(..)` when read or absent, `None` when refused.
/// Where `allowed` is false (a message), either given is an error.
pub(super) fn forwarding(
    f: &mut Fields<'_, '_>,
    c: Country,
    allowed: bool,
) -> (Option<Option<String>>, Option<Vec<String>>) {
    let fv = f.get("forwarded_to");
    let lv = f.get("lines");
    if !allowed {
        if fv.is_some() {
            f.error(
                "forwarded_to",
                "is only for calls; leave it empty for a message",
            );
        }
        if lv.is_some() {
            f.error("lines", "is only for calls; leave it empty for a message");
        }
        return (Some(None), Some(Vec::new()));
    }
    let forwarded = number(f, "forwarded_to", fv, c);
    let lines = match lv {
        None => Some(Vec::new()),
        Some(v) => lines(f, v, c),
    };
    (present(fv, forwarded), lines)
}

/// The further lines of a conference: numbers separated by `;`.
pub(super) fn lines(f: &mut Fields<'_, '_>, v: &str, c: Country) -> Option<Vec<String>> {
    let items: Vec<&str> = v.split(';').map(str::trim).collect();
    if items.len() > MAX_LINES {
        f.error(
            "lines",
            Reason::counted(
                "has {} numbers; at most {} are allowed",
                &[items.len() as u64, MAX_LINES as u64],
            ),
        );
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let at = i as u64 + 1;
        if item.is_empty() {
            f.error(
                "lines",
                Reason::counted(
                    "item {} is empty; separate the numbers by one ; each",
                    &[at],
                ),
            );
            ok = false;
            continue;
        }
        match normalize_msisdn(item, c) {
            Ok(n) => out.push(n),
            Err(e) => {
                f.error(
                    "lines",
                    Reason::counted("item {}: ", &[at]).then(Reason::from(e)),
                );
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// What the type says about `end`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Timing {
    /// A call or session: `end` is required.
    EndRequired,
    /// A message or mail: `end` empty (= start) or equal to `start`.
    Event,
    /// The type was refused: `end` is read when given, nothing more is checked.
    Unknown,
}

/// `start` (required) and `end`, and their order.
pub(super) fn times(
    f: &mut Fields<'_, '_>,
    zone: LegalZone,
    timing: Timing,
) -> (Option<i64>, Option<i64>) {
    let v = f.required("start");
    let start = f.time("start", v, zone);
    let ev = match timing {
        Timing::EndRequired => f.required("end"),
        Timing::Event | Timing::Unknown => f.get("end"),
    };
    let end = f.time("end", ev, zone);
    match (start, end) {
        (Some(s), Some(e)) if timing == Timing::Event && e != s => f.error(
            "end",
            "differs from the start; a message is an event: leave end empty or equal to start",
        ),
        (Some(s), Some(e)) if e < s => f.error(
            "end",
            "lies before the start; an end must not lie before its start",
        ),
        _ => {}
    }
    let end = match (ev, timing) {
        (None, Timing::Event) => start,
        _ => end,
    };
    (start, end)
}
