//! Unit tests of policy versions over time and of the simulation.

use super::*;
use crate::eligibility::{Band, PathwayTexts, PolicyError};
use crate::indes::{IndesArea, IndesScale};

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("time")
}

#[test]
fn a_band_outside_its_scale_is_refused() {
    let mut p = Policy::default_v1();
    p.band = Band { low: 3, high: 6 };
    assert_eq!(p.validate(), Err(PolicyError::Band));
    assert_eq!(PolicyError::Band.field(), "band");
    assert_eq!(PolicyError::Band.code(), "band_outside_scale");
    p.band = Band { low: 0, high: 3 };
    assert_eq!(p.validate(), Err(PolicyError::Band));
    // Within level 3 (the council's later wording) is on the scale.
    p.band = Band { low: 3, high: 3 };
    assert_eq!(p.validate(), Ok(()));
}

#[test]
fn other_incoherences_are_refused_with_their_field() {
    let mut p = Policy::default_v1();
    p.version = "2027/1".into();
    assert_eq!(p.validate(), Err(PolicyError::VersionLabel));
    let mut p = Policy::default_v1();
    p.scale = IndesScale { min: 1, max: 21 };
    assert_eq!(p.validate(), Err(PolicyError::Scale));
    // A lift reaching under the scale's minimum (band 3, scale from 1).
    let mut p = Policy::default_v1();
    p.factor_lift.levels_below_band = 3;
    assert_eq!(p.validate(), Err(PolicyError::FactorLift));
    let mut p = Policy::default_v1();
    p.priority.per_level_of_highest = u32::MAX;
    assert_eq!(p.validate(), Err(PolicyError::Weights));
    let mut p = Policy::default_v1();
    p.reopen_window_days = 4000;
    assert_eq!(p.validate(), Err(PolicyError::ReopenWindow));
    let mut p = Policy::default_v1();
    p.name = "  ".into();
    assert_eq!(p.validate(), Err(PolicyError::Name));
    let mut p = Policy::default_v1();
    p.pathways.above_threshold = String::new();
    assert_eq!(p.validate(), Err(PolicyError::PathwayText));
    assert_eq!(PolicyError::PathwayText.field(), "pathways");
}

#[test]
fn the_default_says_what_the_sheet_says_and_what_the_council_decides() {
    let p = Policy::default_v1();
    assert!(p.name.contains("3 to 4"), "{}", p.name);
    assert!(p.description.contains("MI sheet 34/23"));
    assert!(p.description.contains("council's to decide"));
    let above = p.pathways.of(Outcome::AboveThreshold);
    assert!(above.starts_with("Discuss with the SEND team"), "{above}");
    assert!(above.contains("not a request for an EHC needs assessment"));
    // Documents stored before the texts existed still read.
    let mut old = serde_json::to_value(&p).expect("json");
    for k in ["name", "description", "pathways"] {
        old.as_object_mut().expect("object").remove(k);
    }
    let read: Policy = serde_json::from_value(old).expect("old document");
    assert_eq!(read.band, p.band);
    assert_eq!(read.pathways, PathwayTexts::default());
}

fn versions() -> Vec<Standing<'static>> {
    vec![
        Standing {
            version: "2023.1",
            effective_from: day("2023-03-01"),
            published_at: Some(at("2023-02-28T09:00:00Z")),
        },
        Standing {
            version: "2026.1",
            effective_from: day("2026-09-01"),
            published_at: Some(at("2026-08-01T09:00:00Z")),
        },
        Standing {
            version: "2027.1",
            effective_from: day("2027-01-01"),
            published_at: Some(at("2026-12-01T09:00:00Z")),
        },
        Standing {
            version: "draft",
            effective_from: day("2026-01-01"),
            published_at: None,
        },
    ]
}

#[test]
fn the_latest_published_version_whose_day_has_come_is_in_force() {
    let v = versions();
    assert_eq!(in_force(&v, day("2023-02-28")), None);
    assert_eq!(in_force(&v, day("2023-03-01")), Some("2023.1"));
    assert_eq!(in_force(&v, day("2026-08-31")), Some("2023.1"));
    assert_eq!(in_force(&v, day("2026-12-31")), Some("2026.1"));
    assert_eq!(in_force(&v, day("2027-01-01")), Some("2027.1"));
    let today = day("2026-12-10");
    let status: Vec<_> = v.iter().map(|s| status_of(&v, s, today)).collect();
    assert_eq!(
        status,
        [
            PolicyStatus::Superseded,
            PolicyStatus::InForce,
            PolicyStatus::Published,
            PolicyStatus::Draft
        ]
    );
    assert_eq!(next_change(&v, today), Some(day("2027-01-01")));
    assert_eq!(next_change(&v, day("2027-01-01")), None);
}

#[test]
fn of_two_versions_taking_effect_on_one_day_the_last_published_wins() {
    let mut v = versions();
    v[2].effective_from = day("2026-09-01");
    assert_eq!(in_force(&v, day("2026-09-01")), Some("2027.1"));
}

#[test]
fn a_version_is_published_once_and_not_into_the_past() {
    let today = day("2026-12-10");
    assert_eq!(may_publish(None, today, today), Ok(()));
    assert_eq!(
        may_publish(None, day("2026-12-09"), today),
        Err(PublishRefusal::EffectiveInPast(day("2026-12-09")))
    );
    assert_eq!(
        may_publish(Some(at("2026-12-01T00:00:00Z")), today, today),
        Err(PublishRefusal::AlreadyPublished)
    );
}

#[test]
fn a_simulation_covers_at_most_three_years() {
    assert_eq!(check_period(day("2024-01-01"), day("2027-01-01")), Ok(()));
    assert_eq!(
        check_period(day("2024-01-01"), day("2027-01-02")),
        Err(PeriodError::TooLong)
    );
    assert_eq!(check_period(day("2024-01-01"), day("2024-01-01")), Ok(()));
    assert_eq!(
        check_period(day("2024-01-02"), day("2024-01-01")),
        Err(PeriodError::Reversed)
    );
    assert_eq!(
        check_period(NaiveDate::MAX - chrono::Days::new(1), NaiveDate::MAX),
        Err(PeriodError::TooLong)
    );
}

fn screened(outcome: Outcome, semh: u8, factors: &[ComplicatingFactor]) -> Screened {
    Screened {
        outcome,
        entries: vec![
            IndesEntry {
                area: IndesArea::SocialEmotionalMentalHealth,
                level: semh,
            },
            IndesEntry {
                area: IndesArea::SpeechAndLanguage,
                level: 1,
            },
        ],
        sen_provision: Some(SenProvision::SenSupport),
        existing_plans: vec![],
        factors: factors.to_vec(),
    }
}

#[test]
fn narrowing_the_band_to_level_3_moves_level_4_above_it() {
    let two = [
        ComplicatingFactor::Attendance,
        ComplicatingFactor::RiskOfExclusion,
    ];
    let stored = [
        screened(Outcome::BelowThreshold, 1, &two),
        screened(Outcome::Eligible, 2, &two),
        screened(Outcome::BelowThreshold, 2, &[]),
        screened(Outcome::Eligible, 3, &[]),
        screened(Outcome::Eligible, 4, &[]),
        screened(Outcome::Eligible, 4, &two),
        screened(Outcome::AboveThreshold, 5, &[]),
    ];
    let mut draft = Policy::default_v1();
    draft.version = "2027.1".into();
    draft.band = Band { low: 3, high: 3 };
    let t = simulate(&draft, &stored);
    assert_eq!(t.total(), 7);
    assert_eq!(t.changed(), 2);
    assert_eq!(t.count(Outcome::Eligible, Outcome::AboveThreshold), 2);
    assert_eq!(t.count(Outcome::Eligible, Outcome::Eligible), 2);
    assert_eq!(t.count(Outcome::BelowThreshold, Outcome::BelowThreshold), 2);
    assert_eq!(t.before(Outcome::Eligible), 4);
    assert_eq!(t.after(Outcome::Eligible), 2);
    assert_eq!(t.after(Outcome::AboveThreshold), 3);
    assert_eq!(t.nonzero().len(), 4);
    // The default itself changes nothing.
    assert_eq!(simulate(&Policy::default_v1(), &stored).changed(), 0);
    // A scale that stops at 4 cannot screen level 5.
    draft.scale = IndesScale { min: 1, max: 4 };
    let t = simulate(&draft, &stored);
    assert_eq!((t.off_scale, t.total()), (1, 7));
}
