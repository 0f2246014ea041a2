//! The holiday table against an independent calendar: PyPI `holidays` for 2005–2040
//! (fixtures/nl-holidays-2005-2040.txt, written by fixtures/nl-holidays.py; Good Friday
//! left out, since it is no day off), with Liberation Day in lustrum years as the shipped
//! table has it.

use std::collections::BTreeSet;

use jiff::civil::Date;
use tdip_costs::{Liberation, holidays};

#[test]
fn the_dutch_holidays_2005_to_2040_are_the_independent_calendars() {
    let fixture: BTreeSet<Date> = include_str!("fixtures/nl-holidays-2005-2040.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.parse().unwrap())
        .collect();
    assert!(fixture.len() > 300, "the fixture is read");
    let ours: BTreeSet<Date> = (2005..=2040)
        .flat_map(|y| holidays(y, Liberation::Lustrum).into_keys())
        .collect();
    let missing: Vec<_> = fixture.difference(&ours).collect();
    let extra: Vec<_> = ours.difference(&fixture).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "not ours: {missing:?}; not the calendar's: {extra:?}"
    );
}
