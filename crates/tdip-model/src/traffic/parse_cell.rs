//! Decoding cell configurations (`cell`, dated changes) from their fields, by the rules
//! of docs/traffic-format.md. Coordinates are read from their text into micro-degrees,
//! without floating point, so what is stored is exactly what was delivered.

use super::TrafficRecord;
use super::comm::{CellConfig, MicroDegrees};
use super::comm_fields::cell_id;
use super::parse::{DecodedRecord, Event, Fields, digits};
use crate::LegalZone;

/// The longest site address, in characters.
pub(super) const MAX_ADDRESS_CHARS: usize = 256;
/// The longest technology name, in characters.
pub(super) const MAX_TECHNOLOGY_CHARS: usize = 16;

/// Decodes one cell configuration.
pub(super) fn decode_cell(f: &mut Fields<'_, '_>, zone: LegalZone) -> Option<DecodedRecord> {
    let cv = f.required("cell_id");
    let cell = if cv.is_some() {
        cell_id(f, "cell_id")
    } else {
        None
    };
    let v = f.required("valid_from");
    let valid_from = f.time("valid_from", v, zone);
    let removed = match f.get("event") {
        None | Some("configured") => Some(false),
        Some("removed") => Some(true),
        Some(_) => {
            f.error(
                "event",
                "is not a cell event: expected configured (or leave it empty) or removed",
            );
            None
        }
    };
    let place = ["latitude", "longitude", "azimuth", "beam_width"];
    let (mut latitude, mut longitude, mut azimuth, mut beam_width) = (None, None, None, None);
    if removed == Some(true) {
        for name in place {
            if f.get(name).is_some() {
                f.error(
                    name,
                    "must be empty for a removed cell; a removal carries no location",
                );
            }
        }
    } else {
        let v = f.get("latitude");
        latitude = degrees(f, "latitude", v, 90, removed.is_some());
        let v = f.get("longitude");
        longitude = degrees(f, "longitude", v, 180, removed.is_some());
        azimuth = whole(
            f,
            "azimuth",
            0,
            359,
            "is not an azimuth: expected whole degrees from 0 to 359",
        );
        beam_width = whole(
            f,
            "beam_width",
            1,
            360,
            "is not a beam width: expected whole degrees from 1 to 360",
        );
    }
    let address = f.text("address", MAX_ADDRESS_CHARS);
    let technology = f.text("technology", MAX_TECHNOLOGY_CHARS);
    if !f.errors.is_empty() {
        return None;
    }
    let removed = removed?;
    let config = CellConfig {
        cell_id: cell?,
        valid_from: valid_from?,
        removed,
        latitude: if removed { None } else { Some(latitude?) },
        longitude: if removed { None } else { Some(longitude?) },
        azimuth,
        beam_width,
        address,
        technology,
    };
    Some(DecodedRecord {
        record: TrafficRecord::Cell(config),
        event: Event::Complete,
    })
}

/// A coordinate column of a configured cell: required (when `check_required`), decimal
/// degrees within ±`limit`.
fn degrees(
    f: &mut Fields<'_, '_>,
    name: &'static str,
    v: Option<&str>,
    limit: u32,
    check_required: bool,
) -> Option<MicroDegrees> {
    let Some(v) = v else {
        if check_required {
            f.error(
                name,
                "is required for a configured cell (where its antenna stands)",
            );
        }
        return None;
    };
    match parse_degrees(v) {
        Some(m) if m.unsigned_abs() <= limit * 1_000_000 => Some(m),
        Some(_) if limit == 90 => {
            f.error(name, "lies outside -90 to 90 degrees");
            None
        }
        Some(_) => {
            f.error(name, "lies outside -180 to 180 degrees");
            None
        }
        None => {
            f.error(
                name,
                "is not a coordinate: expected decimal degrees with at most 6 decimals and a \
                 point as separator (52.370216, -4.5, 5)",
            );
            None
        }
    }
}

/// Decimal degrees (`-`? 1–3 digits, then optionally `.` and 1–6 digits) in
/// micro-degrees: the fraction padded to six digits, no floating point.
pub(super) fn parse_degrees(v: &str) -> Option<MicroDegrees> {
    let (negative, body) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, fr)) => (i, fr),
        None => (body, "000000"),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || int.len() > 3 || !all_digits(frac) || frac.len() > 6 {
        return None;
    }
    let whole: i32 = int.parse().ok()?;
    let micro: i32 = format!("{frac:0<6}").parse().ok()?;
    let m = whole * 1_000_000 + micro;
    Some(if negative { -m } else { m })
}

/// Micro-degrees written back as `{sign}{deg}.{micro:06}` ([`parse_degrees`] reads it).
pub(super) fn format_degrees(m: MicroDegrees) -> String {
    let sign = if m < 0 { "-" } else { "" };
    let a = m.unsigned_abs();
    format!("{sign}{}.{:06}", a / 1_000_000, a % 1_000_000)
}

/// A whole number in `min..=max`, when given.
fn whole(
    f: &mut Fields<'_, '_>,
    name: &'static str,
    min: u16,
    max: u16,
    refusal: &'static str,
) -> Option<u16> {
    let v = f.get(name)?;
    match digits(v)
        .and_then(|n| u16::try_from(n).ok())
        .filter(|n| (min..=max).contains(n))
    {
        Some(n) => Some(n),
        None => {
            f.error(name, refusal);
            None
        }
    }
}
