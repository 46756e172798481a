//! Unit tests of the eligibility rules.

use super::*;
use crate::indes::IndesEntry;
use crate::wire::WireName;
use proptest::prelude::*;

fn profile(levels: &[(IndesArea, u8)]) -> IndesProfile {
    let entries: Vec<_> = levels
        .iter()
        .map(|&(area, level)| IndesEntry { area, level })
        .collect();
    IndesProfile::parse(&entries, IndesScale { min: 1, max: 5 }).expect("valid profile")
}

fn decide(p: &IndesProfile, factors: &[ComplicatingFactor]) -> Decision {
    Policy::default_v1().decide(&EligibilityInput {
        profile: p,
        sen_provision: Some(SenProvision::SenSupport),
        existing_plans: &[],
        factors,
    })
}

#[test]
fn the_default_policy_is_coherent() {
    let p = Policy::default_v1();
    assert_eq!(p.validate(), Ok(()));
    assert_eq!((p.band.low, p.band.high), (3, 4));
}

#[test]
fn incoherent_policies_are_refused() {
    let mut p = Policy::default_v1();
    p.band = Band { low: 4, high: 3 };
    assert_eq!(p.validate(), Err(PolicyError::Band));
    let mut p = Policy::default_v1();
    p.band = Band { low: 3, high: 7 };
    assert_eq!(p.validate(), Err(PolicyError::Band));
    let mut p = Policy::default_v1();
    p.scale = IndesScale { min: 5, max: 1 };
    assert_eq!(p.validate(), Err(PolicyError::Scale));
    let mut p = Policy::default_v1();
    p.version = " ".into();
    assert_eq!(p.validate(), Err(PolicyError::NoVersion));
    let mut p = Policy::default_v1();
    p.priority.urgent_from = 1;
    assert_eq!(p.validate(), Err(PolicyError::PriorityBands));
}

#[test]
fn the_highest_level_in_the_band_is_eligible_and_names_its_areas() {
    let p = profile(&[
        (IndesArea::SocialEmotionalMentalHealth, 4),
        (IndesArea::SpeechAndLanguage, 2),
    ]);
    let d = decide(&p, &[]);
    assert_eq!(d.outcome, Outcome::Eligible);
    assert_eq!(d.pathway, Pathway::SchoolAndCommunityTeam);
    assert_eq!(d.policy_version, "2023.1");
    assert_eq!(d.reasons[0].code, "in_band");
    assert_eq!(
        d.reasons[0].areas.to_vec(),
        vec![IndesArea::SocialEmotionalMentalHealth]
    );
}

#[test]
fn each_reason_is_worded_for_humans() {
    let d = decide(&profile(&[(IndesArea::Deafness, 4)]), &[]);
    assert_eq!(
        d.reasons[0].detail(),
        "highest level 4 is inside the band 3-4"
    );
    let d = decide(&profile(&[(IndesArea::Deafness, 5)]), &[]);
    assert_eq!(
        d.reasons[0].detail(),
        "highest level 5 is above the band 3-4"
    );
    let d = decide(&profile(&[(IndesArea::Deafness, 1)]), &[]);
    assert_eq!(
        d.reasons[0].detail(),
        "highest level 1 is below the band 3-4"
    );
    let d = decide(&profile(&[]), &[]);
    assert_eq!(d.reasons[0].detail(), "no INDES area was assessed");
    let d = decide(
        &profile(&[(IndesArea::Deafness, 2)]),
        &[
            ComplicatingFactor::RiskOfExclusion,
            ComplicatingFactor::Attendance,
            ComplicatingFactor::RiskOfExclusion,
        ],
    );
    assert_eq!(
        d.reasons[0].detail(),
        "highest level 2 is just below the band, with 2 complicating factors (attendance, risk_of_exclusion)"
    );
    assert_eq!(d.reasons.len(), 1);
}

#[test]
fn below_the_band_signposts_to_sen_support() {
    let d = decide(&profile(&[(IndesArea::Deafness, 2)]), &[]);
    assert_eq!(d.outcome, Outcome::BelowThreshold);
    assert_eq!(
        d.pathway,
        Pathway::OrdinarilyAvailableProvisionAndSenSupport
    );
    assert_eq!(d.reasons[0].code, "below_band");
}

#[test]
fn above_the_band_signposts_to_specialist_assessment() {
    let d = decide(
        &profile(&[(IndesArea::Deafness, 5), (IndesArea::VisualImpairment, 3)]),
        &[],
    );
    assert_eq!(d.outcome, Outcome::AboveThreshold);
    assert_eq!(d.pathway, Pathway::SpecialistAssessment);
    assert_eq!(d.reasons[0].areas.to_vec(), vec![IndesArea::Deafness]);
}

#[test]
fn no_levels_is_insufficient_information() {
    let d = decide(&profile(&[]), &[ComplicatingFactor::Attendance]);
    assert_eq!(d.outcome, Outcome::InsufficientInformation);
    assert_eq!(d.pathway, Pathway::CompleteIndesAssessment);
}

#[test]
fn two_complicating_factors_lift_a_level_just_below_the_band() {
    let p = profile(&[(IndesArea::LearningAndCognition, 2)]);
    let one = decide(&p, &[ComplicatingFactor::Attendance]);
    assert_eq!(one.outcome, Outcome::BelowThreshold);
    let dup = decide(
        &p,
        &[
            ComplicatingFactor::Attendance,
            ComplicatingFactor::Attendance,
        ],
    );
    assert_eq!(
        dup.outcome,
        Outcome::BelowThreshold,
        "duplicates count once"
    );
    let two = decide(
        &p,
        &[
            ComplicatingFactor::Attendance,
            ComplicatingFactor::RiskOfExclusion,
        ],
    );
    assert_eq!(two.outcome, Outcome::Eligible);
    assert_eq!(two.reasons[0].code, "complicating_factors_lift");
    let far = decide(
        &profile(&[(IndesArea::LearningAndCognition, 1)]),
        &[
            ComplicatingFactor::Attendance,
            ComplicatingFactor::RiskOfExclusion,
        ],
    );
    assert_eq!(far.outcome, Outcome::BelowThreshold, "only one level below");
}

#[test]
fn the_lift_can_be_switched_off_by_policy() {
    let mut policy = Policy::default_v1();
    policy.factor_lift.levels_below_band = 0;
    let p = profile(&[(IndesArea::LearningAndCognition, 2)]);
    let d = policy.decide(&EligibilityInput {
        profile: &p,
        sen_provision: None,
        existing_plans: &[],
        factors: &[
            ComplicatingFactor::Attendance,
            ComplicatingFactor::RiskOfExclusion,
        ],
    });
    assert_eq!(d.outcome, Outcome::BelowThreshold);
}

#[test]
fn an_ehc_plan_counts_as_policy_says() {
    let p = profile(&[(IndesArea::Deafness, 3)]);
    let input = EligibilityInput {
        profile: &p,
        sen_provision: Some(SenProvision::EhcPlan),
        existing_plans: &[],
        factors: &[],
    };
    let noted = Policy::default_v1().decide(&input);
    assert_eq!(noted.outcome, Outcome::Eligible);
    assert!(noted.reasons.iter().any(|r| r.code == "ehc_plan_noted"));

    let mut strict = Policy::default_v1();
    strict.ehc_plan = EhcPlanRule::AboveThreshold;
    let via_plan_list = EligibilityInput {
        sen_provision: Some(SenProvision::SenSupport),
        existing_plans: &[ExistingPlan::EhcPlan],
        ..input
    };
    let d = strict.decide(&via_plan_list);
    assert_eq!(d.outcome, Outcome::AboveThreshold);
    assert!(d.reasons.iter().any(|r| r.code == "ehc_plan_in_place"));
}

#[test]
fn a_moved_band_changes_the_outcome() {
    let mut policy = Policy::default_v1();
    policy.version = "2026.1".into();
    policy.band = Band { low: 3, high: 3 };
    let p = profile(&[(IndesArea::Deafness, 4)]);
    let d = policy.decide(&EligibilityInput {
        profile: &p,
        sen_provision: None,
        existing_plans: &[],
        factors: &[],
    });
    assert_eq!(d.outcome, Outcome::AboveThreshold);
    assert_eq!(d.policy_version, "2026.1");
}

#[test]
fn priority_adds_levels_areas_and_factors_with_reasons() {
    let policy = Policy::default_v1();
    let p = profile(&[
        (IndesArea::SocialEmotionalMentalHealth, 4),
        (IndesArea::SpeechAndLanguage, 3),
    ]);
    let routine = policy.priority(&profile(&[(IndesArea::Deafness, 2)]), &[]);
    assert_eq!(routine.band, PriorityBand::Routine);
    assert_eq!(routine.score, 10);
    let pr = policy.priority(&p, &[ComplicatingFactor::RiskOfExclusion]);
    // (4-1)*10 + 1*5 + 12 = 47
    assert_eq!(pr.score, 47);
    assert_eq!(pr.band, PriorityBand::High);
    assert_eq!(pr.reasons.len(), 3);
    let urgent = policy.priority(
        &p,
        &[
            ComplicatingFactor::RiskOfExclusion,
            ComplicatingFactor::EscalatingNeed,
        ],
    );
    assert_eq!(urgent.band, PriorityBand::Urgent);
}

#[test]
fn names_round_trip() {
    for f in ComplicatingFactor::iter() {
        assert_eq!(ComplicatingFactor::parse(f.as_str()), Some(f));
    }
    for p in ExistingPlan::iter() {
        assert_eq!(ExistingPlan::parse(p.as_str()), Some(p));
    }
    for o in Outcome::iter() {
        assert_eq!(Outcome::parse(o.as_str()), Some(o));
        let json = serde_json::to_string(&o.pathway()).expect("json");
        assert_eq!(json, format!("\"{}\"", o.pathway().as_str()));
    }
    for b in PriorityBand::iter() {
        assert_eq!(PriorityBand::parse(b.as_str()), Some(b));
    }
}

#[test]
fn a_policy_round_trips_through_json() {
    let p = Policy::default_v1();
    let json = serde_json::to_string(&p).expect("json");
    let back: Policy = serde_json::from_str(&json).expect("parse");
    assert_eq!(back, p);
}

fn area() -> impl Strategy<Value = IndesArea> {
    (0usize..7).prop_map(|i| IndesArea::iter().nth(i).expect("in range"))
}

fn factor() -> impl Strategy<Value = ComplicatingFactor> {
    (0usize..7).prop_map(|i| ComplicatingFactor::iter().nth(i).expect("in range"))
}

fn any_profile() -> impl Strategy<Value = IndesProfile> {
    proptest::collection::btree_map(area(), 1u8..=5, 0..=7).prop_map(|m| {
        let entries: Vec<_> = m
            .into_iter()
            .map(|(area, level)| IndesEntry { area, level })
            .collect();
        IndesProfile::parse(&entries, IndesScale { min: 1, max: 5 }).expect("valid")
    })
}

proptest! {
    #[test]
    fn the_outcome_follows_the_highest_level(p in any_profile(), fs in proptest::collection::vec(factor(), 0..7)) {
        let d = decide(&p, &fs);
        let distinct: std::collections::BTreeSet<_> = fs.iter().collect();
        let expected = match p.highest() {
            None => Outcome::InsufficientInformation,
            Some(h) if h > 4 => Outcome::AboveThreshold,
            Some(h) if h >= 3 => Outcome::Eligible,
            Some(2) if distinct.len() >= 2 => Outcome::Eligible,
            Some(_) => Outcome::BelowThreshold,
        };
        prop_assert_eq!(d.outcome, expected);
        prop_assert_eq!(d.pathway, d.outcome.pathway());
        prop_assert!(!d.reasons.is_empty());
    }

    #[test]
    fn raising_a_level_never_lowers_priority(p in any_profile(), fs in proptest::collection::vec(factor(), 0..7), pick in 0usize..7) {
        let policy = Policy::default_v1();
        let before = policy.priority(&p, &fs);
        let mut entries = p.entries().to_vec();
        if !entries.is_empty() {
            let i = pick % entries.len();
            entries[i].level = (entries[i].level + 1).min(5);
        }
        let raised = IndesProfile::parse(&entries, IndesScale { min: 1, max: 5 }).expect("valid");
        let after = policy.priority(&raised, &fs);
        prop_assert!(after.score >= before.score || raised.areas_between(3, 4).len() < p.areas_between(3, 4).len());
    }

    #[test]
    fn adding_a_factor_never_lowers_priority_or_eligibility(p in any_profile(), fs in proptest::collection::vec(factor(), 0..7), extra in factor()) {
        let policy = Policy::default_v1();
        let mut more = fs.clone();
        more.push(extra);
        prop_assert!(policy.priority(&p, &more).score >= policy.priority(&p, &fs).score);
        let before = decide(&p, &fs).outcome;
        let after = decide(&p, &more).outcome;
        prop_assert!(!(before == Outcome::Eligible && after != Outcome::Eligible));
    }
}
