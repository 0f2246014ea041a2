//! Tests of legal time parsing and formatting.

use super::*;

fn ok(s: &str, zone: LegalZone) -> String {
    parse_time(s, zone)
        .unwrap_or_else(|e| panic!("{s:?}: {e}"))
        .to_string()
}

fn err(s: &str, zone: LegalZone) -> String {
    parse_time(s, zone).unwrap_err().to_string()
}

#[test]
fn normal_local_times() {
    use LegalZone::*;
    assert_eq!(ok("2026-01-15 12:00:00", Amsterdam), "2026-01-15T11:00:00Z");
    assert_eq!(ok("2026-01-15T12:00:00", Brussels), "2026-01-15T11:00:00Z");
    assert_eq!(ok("2026-07-01 12:00:00", Amsterdam), "2026-07-01T10:00:00Z");
    assert_eq!(ok("2026-07-01", Amsterdam), "2026-06-30T22:00:00Z");
    assert_eq!(
        ok(" 2026-07-01 00:00:00.5 ", Amsterdam),
        "2026-06-30T22:00:00.5Z"
    );
    // Just outside the gap and the fold.
    assert_eq!(ok("2026-03-29 01:59:59", Amsterdam), "2026-03-29T00:59:59Z");
    assert_eq!(ok("2026-03-29 03:00:00", Amsterdam), "2026-03-29T01:00:00Z");
    assert_eq!(ok("2026-10-25 01:59:59", Brussels), "2026-10-24T23:59:59Z");
    assert_eq!(ok("2026-10-25 03:00:00", Brussels), "2026-10-25T02:00:00Z");
}

#[test]
fn explicit_offsets() {
    use LegalZone::*;
    assert_eq!(
        ok("2026-11-22T23:00:00+01:00", Amsterdam),
        "2026-11-22T22:00:00Z"
    );
    assert_eq!(ok("2026-11-22T22:00:00Z", Brussels), "2026-11-22T22:00:00Z");
    assert_eq!(ok("2026-11-22 22:00:00z", Brussels), "2026-11-22T22:00:00Z");
    assert_eq!(
        ok("2026-11-22T18:30:00-03:30", Amsterdam),
        "2026-11-22T22:00:00Z"
    );
    // Offsets make gap and fold times unambiguous.
    assert_eq!(
        ok("2026-10-25T02:30:00+02:00", Amsterdam),
        "2026-10-25T00:30:00Z"
    );
    assert_eq!(
        ok("2026-10-25T02:30:00+01:00", Amsterdam),
        "2026-10-25T01:30:00Z"
    );
    assert_eq!(
        ok("2026-03-29T02:30:00+01:00", Amsterdam),
        "2026-03-29T01:30:00Z"
    );
}

#[test]
fn gaps_are_refused_without_the_time_given() {
    for zone in [LegalZone::Amsterdam, LegalZone::Brussels] {
        for t in [
            "2026-03-29 02:30:00",
            "2026-03-29 02:00:00",
            "2026-03-29T02:59:59",
        ] {
            assert_eq!(
                err(t, zone),
                format!(
                    "lies in the daylight-saving gap of {}: that hour is skipped when the clocks \
                     jump forward (+01:00 to +02:00); give a time outside the gap, or the time \
                     with its UTC offset",
                    zone.name()
                )
            );
            let e = parse_time(t, zone).unwrap_err();
            assert!(!format!("{e:?}").contains("2026"), "{e:?}");
        }
    }
}

#[test]
fn folds_are_refused_without_the_time_given() {
    for zone in [LegalZone::Amsterdam, LegalZone::Brussels] {
        for t in [
            "2026-10-25 02:30:00",
            "2026-10-25 02:00:00",
            "2026-10-25 02:59:59",
        ] {
            assert_eq!(
                err(t, zone),
                format!(
                    "occurs twice in {}: the clocks are set back at that hour (+02:00, then \
                     +01:00); give the time with its UTC offset, e.g. +02:00 for the first \
                     occurrence",
                    zone.name()
                )
            );
            let e = parse_time(t, zone).unwrap_err();
            assert!(!format!("{e:?}").contains("2026"), "{e:?}");
        }
    }
}

#[test]
fn bad_formats() {
    let format = TimeError::Format.to_string();
    for s in [
        "",
        "2026-11-22 23:00",
        "2026-11-22T23:00+01:00",
        "22-11-2026",
        "2026/11/22",
        "2026-11-22 23:00:00 +01:00",
        "2026-11-22T23:00:00+0100",
        "2026-11-22T23:00:00+01",
        "2026-11-22T23:00:00.+01:00",
        "2026-11-22T23:00:00.1234567890Z",
        "2026-11-22T23:00:00[Europe/Amsterdam]",
        "2026-1-22",
        "tomorrow",
        "2026-11-22x",
    ] {
        assert_eq!(err(s, LegalZone::Amsterdam), format, "{s:?}");
    }
    for (s, why) in [
        ("2026-13-01", "the month must be from 01 to 12"),
        ("2026-00-01", "the month must be from 01 to 12"),
        ("2026-02-30 12:00:00", "that month has no such day"),
        ("2026-04-31", "that month has no such day"),
        ("2026-04-00", "that month has no such day"),
        ("2026-11-22 24:00:00", "the hour must be from 00 to 23"),
        ("2026-11-22 23:60:00", "the minute must be from 00 to 59"),
        ("2026-11-22 23:00:60", "the second must be from 00 to 59"),
    ] {
        assert_eq!(
            err(s, LegalZone::Amsterdam),
            format!("is not a valid date and time: {why}"),
            "{s:?}"
        );
    }
    assert_eq!(
        err("2026-11-22T23:00:00+24:00", LegalZone::Amsterdam),
        "is not a valid date and time: the offset must be from -23:59 to +23:59"
    );
}

#[test]
fn formatting() {
    let ts: Timestamp = "2026-03-29T01:30:00Z".parse().unwrap();
    assert_eq!(
        format_time(ts, LegalZone::Amsterdam),
        "2026-03-29 03:30:00 CEST (+02:00)"
    );
    let ts: Timestamp = "2026-03-29T00:59:59.9Z".parse().unwrap();
    assert_eq!(
        format_time(ts, LegalZone::Brussels),
        "2026-03-29 01:59:59 CET (+01:00)"
    );
    let ts: Timestamp = "2026-10-25T00:30:00Z".parse().unwrap();
    assert_eq!(
        format_time(ts, LegalZone::Amsterdam),
        "2026-10-25 02:30:00 CEST (+02:00)"
    );
    let ts: Timestamp = "2026-10-25T01:30:00Z".parse().unwrap();
    assert_eq!(
        format_time(ts, LegalZone::Amsterdam),
        "2026-10-25 02:30:00 CET (+01:00)"
    );
}

#[test]
fn zones() {
    assert_eq!("Europe/Amsterdam".parse(), Ok(LegalZone::Amsterdam));
    assert_eq!("europe/brussels".parse(), Ok(LegalZone::Brussels));
    assert_eq!(
        "Europe/Paris".parse::<LegalZone>().unwrap_err().to_string(),
        "unknown legal time zone; expected Europe/Amsterdam or Europe/Brussels"
    );
    assert_eq!(
        LegalZone::Brussels.tz().iana_name(),
        Some("Europe/Brussels")
    );
}
