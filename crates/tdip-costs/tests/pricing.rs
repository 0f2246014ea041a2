//! Declaration lines priced by hand-computed cases, each written next to the rule it
//! checks: indexation from the 2005 base, the surcharges (an evening, a Saturday, King's
//! Day 2025, Easter Monday, midnight on the night clocks go back), an hourly item of 95
//! minutes, a claim above tariff without substantiation, a group agreement — and a
//! property that no line, however malformed, makes the pricing panic or a negative amount.

use jiff::civil::date;
use proptest::prelude::*;
use rust_decimal::Decimal;
use tdip_costs::{Activity, CostError, LineInput, Quantity, Surcharge, TariffTable, price};
use tdip_model::LegalZone;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn utc(s: &str) -> i64 {
    s.parse::<jiff::Timestamp>().unwrap().as_second()
}

/// The shipped 2005 tariffs with a series written for these tests: every year 0 % from
/// 2005, except 3 % on 1 June 2024 and 2.5 % on 1 June 2026; and one group agreement.
fn table() -> TariffTable {
    let mut text = include_str!("../tariffs/nl.toml").to_owned();
    for year in 2005..=2030 {
        let percent = match year {
            2024 => "3",
            2026 => "2.5",
            _ => "0",
        };
        text.push_str(&format!(
            "[[index]]\nyear = {year}\npercent = \"{percent}\"\n"
        ));
    }
    text.push_str(
        "[[agreement]]\nname = \"groep 2026\"\nproviders = [\"kpn\", \"odido\"]\n\
         activity = 6\namount = \"5.00\"\nfrom = \"2026-01-01\"\nto = \"2026-12-31\"\n",
    );
    TariffTable::parse(&text).unwrap()
}

fn line(activity: u8, quantity: Quantity, at: &str, urgent: bool) -> LineInput {
    LineInput {
        activity: Activity::try_from(activity).unwrap(),
        quantity,
        performed_at: utc(at),
        urgent,
        provider: "lebara".into(),
        claimed: None,
        substantiation: None,
    }
}

const AMS: LegalZone = LegalZone::Amsterdam;

#[test]
fn the_tariff_of_1_june_2026_is_the_2005_base_through_the_series_rounded_each_step() {
    let t = table();
    let a = |n| Activity::try_from(n).unwrap();
    // 26.25 × 1.03 = 27.0375 → 27.04 (1 June 2024); 27.04 × 1.025 = 27.716 → 27.72.
    let hour = t.tariff_on(a(4), "lebara", date(2026, 6, 1)).unwrap();
    assert_eq!(hour.amount, d("27.72"));
    assert_eq!(hour.version, "indexed 2026-06-01");
    assert_eq!(hour.steps.len(), 22, "2005 to 2026, one step each 1 June");
    let last = hour.steps.last().unwrap();
    assert_eq!((last.before, last.after), (d("27.04"), d("27.72")));
    // The day before, the 2024 tariff: 27.04.
    assert_eq!(
        t.tariff_on(a(4), "lebara", date(2026, 5, 31))
            .unwrap()
            .amount,
        d("27.04")
    );
    // 6.56 × 1.03 = 6.7568 → 6.76; × 1.025 = 6.929 → 6.93.
    assert_eq!(
        t.tariff_on(a(7), "lebara", date(2026, 6, 1))
            .unwrap()
            .amount,
        d("6.93")
    );
    // Before the first 1 June: the base itself.
    let base = t.tariff_on(a(7), "lebara", date(2005, 5, 31)).unwrap();
    assert_eq!(
        (base.amount, base.version.as_str()),
        (d("6.56"), "base 2005-04-01")
    );
    // A date after a 1 June the series does not have is refused, naming the year.
    let e = t.tariff_on(a(7), "lebara", date(2031, 6, 1)).unwrap_err();
    assert_eq!(e, CostError::IndexMissing(2031));
    assert!(e.to_string().contains("year = 2031"), "{e}");
    // The shipped table has no series: any date from 1 June 2005 on is refused, not guessed.
    let shipped = TariffTable::dutch_2005();
    assert_eq!(
        shipped
            .tariff_on(a(6), "kpn", date(2026, 6, 1))
            .unwrap_err(),
        CostError::IndexMissing(2005)
    );
}

#[test]
fn urgent_work_outside_office_hours_costs_half_more_and_in_weekends_and_on_holidays_double() {
    let t = table();
    let each = Quantity::Count(1);
    // Tuesday 3 November 2026, 18:30 in Amsterdam (17:30 UTC): outside office hours.
    // 6.93 × 1.5 = 10.395 → 10.40.
    let evening = price(&line(7, each, "2026-11-03T17:30:00Z", true), &t, AMS).unwrap();
    assert_eq!(evening.surcharge, Surcharge::OutsideOfficeHours);
    assert_eq!(evening.at_tariff, d("10.40"));
    // The same, not urgent: no surcharge.
    let calm = price(&line(7, each, "2026-11-03T17:30:00Z", false), &t, AMS).unwrap();
    assert_eq!(
        (calm.surcharge, calm.at_tariff),
        (Surcharge::None, d("6.93"))
    );
    // Within office hours (10:00): none.
    let office = price(&line(7, each, "2026-11-03T09:00:00Z", true), &t, AMS).unwrap();
    assert_eq!(office.surcharge, Surcharge::None);
    // Saturday 7 November 2026, 11:00: 6.93 × 2 = 13.86.
    let saturday = price(&line(7, each, "2026-11-07T10:00:00Z", true), &t, AMS).unwrap();
    assert_eq!(
        (saturday.surcharge, saturday.at_tariff),
        (Surcharge::Weekend, d("13.86"))
    );
    // King's Day 2025 is Saturday 26 April (27 April 2025 is a Sunday): the holiday wins
    // the weekend. The tariff since 1 June 2024: 6.76; × 2 = 13.52.
    let kings = price(&line(6, each, "2025-04-26T08:00:00Z", true), &t, AMS).unwrap();
    assert_eq!(
        (kings.surcharge, kings.at_tariff),
        (Surcharge::Holiday, d("13.52"))
    );
    // Easter Monday, 6 April 2026, 10:00 (a Monday within office hours, but a holiday).
    let easter = price(&line(7, each, "2026-04-06T08:00:00Z", true), &t, AMS).unwrap();
    assert_eq!(
        (easter.surcharge, easter.at_tariff),
        (Surcharge::Holiday, d("13.52"))
    );
    // The night clocks go back (25 October 2026, CEST → CET): 22:30 UTC is Sunday 23:30
    // local (weekend, +100 %); 23:30 UTC is Monday 00:30 local (outside office hours,
    // +50 %). Read at UTC+2 throughout, the first would wrongly be Monday.
    let sunday = price(&line(7, each, "2026-10-25T22:30:00Z", true), &t, AMS).unwrap();
    assert_eq!(sunday.surcharge, Surcharge::Weekend);
    let monday = price(&line(7, each, "2026-10-25T23:30:00Z", true), &t, AMS).unwrap();
    assert_eq!(monday.surcharge, Surcharge::OutsideOfficeHours);
}

#[test]
fn an_hourly_item_is_priced_to_the_minute_and_rounded_once() {
    let t = table();
    // 95 minutes of fault resolution on 2 November 2026 (27.72 an hour): 27.72 × 95 / 60 =
    // 43.89 exactly.
    let fault = price(
        &line(4, Quantity::Minutes(95), "2026-11-02T10:00:00Z", false),
        &t,
        AMS,
    )
    .unwrap();
    assert_eq!(fault.at_tariff, d("43.89"));
    // At the 2024 tariff (27.04): 27.04 × 95 / 60 = 42.8133… → 42.81.
    let earlier = price(
        &line(11, Quantity::Minutes(95), "2025-11-03T10:00:00Z", false),
        &t,
        AMS,
    )
    .unwrap();
    assert_eq!(earlier.at_tariff, d("42.81"));
    // An hourly item given as a count is refused, saying what to give.
    let e = price(
        &line(4, Quantity::Count(2), "2026-11-02T10:00:00Z", false),
        &t,
        AMS,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("give the quantity as minutes"),
        "{e}"
    );
    let e = price(
        &line(5, Quantity::Days(0), "2026-11-02T10:00:00Z", false),
        &t,
        AMS,
    )
    .unwrap_err();
    assert_eq!(e, CostError::ZeroQuantity);
}

#[test]
fn a_claim_above_the_tariff_needs_a_substantiation() {
    let t = table();
    let mut l = line(9, Quantity::Count(1), "2026-11-02T10:00:00Z", false);
    // 26.25 → 27.04 → 27.72 is the tariff; 80.00 is claimed.
    l.claimed = Some(d("80.00"));
    let e = price(&l, &t, AMS).unwrap_err();
    assert_eq!(
        e,
        CostError::AboveTariffWithoutSubstantiation {
            claimed: d("80.00"),
            tariff: d("27.72")
        }
    );
    l.substantiation = Some("   ".into());
    assert!(price(&l, &t, AMS).is_err(), "blank is no substantiation");
    l.substantiation = Some("three hours of analysis over two archives".into());
    let ok = price(&l, &t, AMS).unwrap();
    assert!(ok.above_tariff());
    assert_eq!((ok.declared, ok.at_tariff), (d("80.00"), d("27.72")));
    // A claim below the tariff needs none.
    l.claimed = Some(d("20.00"));
    l.substantiation = None;
    assert_eq!(price(&l, &t, AMS).unwrap().declared, d("20.00"));
    l.claimed = Some(d("-1"));
    assert_eq!(price(&l, &t, AMS).unwrap_err(), CostError::NegativeClaim);
}

#[test]
fn a_group_agreement_sets_the_amount_for_its_providers_and_its_dates_only() {
    let t = table();
    let mut l = line(6, Quantity::Count(3), "2026-11-02T10:00:00Z", false);
    l.provider = "kpn".into();
    let agreed = price(&l, &t, AMS).unwrap();
    assert_eq!(agreed.tariff.version, "agreement groep 2026");
    assert_eq!(agreed.at_tariff, d("15.00"));
    // Another provider: the indicative tariff, 3 × 6.93.
    l.provider = "lebara".into();
    assert_eq!(price(&l, &t, AMS).unwrap().at_tariff, d("20.79"));
    // After the agreement's end: the tariff again.
    l.provider = "kpn".into();
    l.performed_at = utc("2027-01-04T10:00:00Z");
    assert_eq!(
        price(&l, &t, AMS).unwrap().tariff.version,
        "indexed 2026-06-01"
    );
}

#[test]
fn a_table_that_misses_an_activity_or_mistypes_an_amount_is_refused_saying_where() {
    let shipped = include_str!("../tariffs/nl.toml");
    let without_5 = shipped.replacen("activity = 5 ", "activity = 4 ", 1);
    let e = TariffTable::parse(&without_5).unwrap_err().to_string();
    assert!(e.contains("tariff 4 is given twice"), "{e}");
    let floaty = shipped.replacen("\"13.13\"", "\"13.135\"", 1);
    let e = TariffTable::parse(&floaty).unwrap_err().to_string();
    assert!(e.contains("whole cents"), "{e}");
    let e = TariffTable::parse("name = 1").unwrap_err().to_string();
    assert!(e.starts_with("the tariff table is not valid"), "{e}");
}

fn quantity() -> impl Strategy<Value = Quantity> {
    prop_oneof![
        any::<u32>().prop_map(Quantity::Count),
        any::<u32>().prop_map(Quantity::Minutes),
        any::<u32>().prop_map(Quantity::Days),
    ]
}

proptest! {
    /// Any line — wrong units, zero, huge quantities, moments from 1970 to 2100, negative
    /// or odd claims, any substantiation — is priced or refused, never a panic; a priced
    /// line is never negative and is in whole cents.
    #[test]
    fn no_line_panics_and_a_priced_one_is_whole_cents(
        activity in 1u8..=11,
        quantity in quantity(),
        at in 0i64..4_102_444_800,
        urgent in any::<bool>(),
        claimed in proptest::option::of((-10_000i64..10_000_000, 0u32..4)),
        substantiation in proptest::option::of(".{0,8}"),
        provider in prop_oneof![Just("kpn".to_owned()), ".{0,4}"],
    ) {
        let t = table();
        let l = LineInput {
            activity: Activity::try_from(activity).unwrap(),
            quantity,
            performed_at: at,
            urgent,
            provider,
            claimed: claimed.map(|(m, s)| Decimal::new(m, s)),
            substantiation,
        };
        if let Ok(p) = price(&l, &t, AMS) {
            prop_assert!(!p.declared.is_sign_negative() && !p.at_tariff.is_sign_negative());
            prop_assert!(p.at_tariff.scale() <= 2 && p.declared.scale() <= 2);
        }
    }

    /// A table of any text is parsed or refused, never a panic.
    #[test]
    fn no_table_text_panics(cut in 0usize..3_000, junk in ".{0,12}") {
        let shipped = include_str!("../tariffs/nl.toml");
        let mut text: String = shipped.chars().take(cut).collect();
        text.push_str(&junk);
        let _ = TariffTable::parse(&text);
    }
}
