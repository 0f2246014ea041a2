//! The deadline rules: real time, retrospective, a demand's own term, and the policy's
//! validation.

use tdip_model::LegalZone;

use crate::{Category, DeadlineError, DeadlinePolicy, Due, Rule, Timing};

const DAY: i64 = 86_400;
/// 2026-01-15 10:00:00 UTC.
const RECEIVED: i64 = 1_768_471_200;

fn due(category: Category, age: i64, term: Option<i64>) -> Result<Due, DeadlineError> {
    DeadlinePolicy::default().due(
        &Timing {
            category,
            received: RECEIVED,
            earliest: RECEIVED - age,
            term,
        },
        LegalZone::Amsterdam,
    )
}

#[test]
fn identification_data_is_due_in_real_time_however_old() {
    for category in [
        Category::CurrentIdentification,
        Category::HistoricalIdentification,
        Category::FileAnalysis,
    ] {
        for age in [0, DAY, 400 * DAY] {
            let d = due(category, age, None).unwrap();
            assert_eq!(d.rule, Rule::RealTime, "{category:?} of age {age}");
            assert_eq!(d.at, RECEIVED + 60);
        }
    }
}

#[test]
fn traffic_and_location_data_older_than_thirty_days_are_due_within_a_day() {
    for category in [
        Category::Traffic,
        Category::Location,
        Category::TrafficIdentification,
    ] {
        let recent = due(category, 30 * DAY - 1, None).unwrap();
        assert_eq!((recent.rule, recent.at), (Rule::RealTime, RECEIVED + 60));
        let old = due(category, 30 * DAY, None).unwrap();
        assert_eq!(
            (old.rule, old.at),
            (Rule::Retrospective, RECEIVED + DAY),
            "{category:?}"
        );
        // Asked about a moment after the demand (current data): real time.
        assert_eq!(due(category, -3_600, None).unwrap().rule, Rule::RealTime);
    }
}

#[test]
fn a_term_the_demand_sets_replaces_the_rules_but_must_lie_ahead() {
    let d = due(Category::Traffic, 90 * DAY, Some(RECEIVED + 3 * DAY)).unwrap();
    assert_eq!((d.rule, d.at), (Rule::SetByDemand, RECEIVED + 3 * DAY));
    let d = due(Category::CurrentIdentification, 0, Some(RECEIVED + 10)).unwrap();
    assert_eq!(d.at, RECEIVED + 10);
    let e = due(Category::Traffic, 0, Some(RECEIVED)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the term the demand sets, 2026-01-15 11:00:00 CET (+01:00), is not after the moment \
         the point received it, 2026-01-15 11:00:00 CET (+01:00); set a later term or leave \
         it out"
    );
}

#[test]
fn overdue_and_lateness_count_from_the_due_time() {
    let d = due(Category::HistoricalIdentification, DAY, None).unwrap();
    assert!(!d.overdue(RECEIVED + 60));
    assert!(d.overdue(RECEIVED + 61));
    assert_eq!(d.late_by(RECEIVED + 59), None);
    assert_eq!(d.late_by(RECEIVED + 60), None);
    assert_eq!(d.late_by(RECEIVED + 75), Some(15));
}

#[test]
fn the_policy_is_configurable_and_every_problem_is_reported() {
    let p = DeadlinePolicy::parse(
        "real_time_seconds = 30\nrecent_days = 7\nretrospective_hours = 48\n",
    )
    .unwrap();
    let d = p
        .due(
            &Timing {
                category: Category::Location,
                received: RECEIVED,
                earliest: RECEIVED - 7 * DAY,
                term: None,
            },
            LegalZone::Brussels,
        )
        .unwrap();
    assert_eq!((d.rule, d.at), (Rule::Retrospective, RECEIVED + 2 * DAY));

    let DeadlineError::Policy(problems) =
        DeadlinePolicy::parse("real_time_seconds = 0\nrecent_days = 0\nretrospective_hours = 0\n")
            .unwrap_err()
    else {
        panic!("a policy error");
    };
    assert_eq!(
        problems,
        [
            "real_time_seconds must be at least 1",
            "recent_days must be at least 1",
            "retrospective_hours must be at least 1"
        ]
    );
    let e = DeadlinePolicy::parse(
        "real_time_seconds = 7200\nrecent_days = 30\nretrospective_hours = 1\n",
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("real time is the shorter deadline"),
        "{e}"
    );
    let e = DeadlinePolicy::parse("real_time_seconds = 60\nrecent_days = 30\n").unwrap_err();
    assert!(e.to_string().contains("retrospective_hours"), "{e}");
    let e = DeadlinePolicy::parse(
        "real_time_seconds = 60\nrecent_days = 30\nretrospective_hours = 24\nhurry = true\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("hurry"), "{e}");
}
