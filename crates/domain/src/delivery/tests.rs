//! Unit tests of the delivery rules.

use super::*;
use crate::wire::WireName;
use strum::IntoEnumIterator;

fn goal(baseline: i64, target: i64) -> GoalDraft<'static> {
    GoalDraft {
        area: IndesArea::SocialEmotionalMentalHealth,
        description: "Attends school every morning",
        baseline,
        target,
    }
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

#[test]
fn corrections_follow_the_recording_rules() {
    assert!(may_correct_session(&[Status::Active, Status::Active]));
    assert!(!may_correct_session(&[Status::Active, Status::Closed]));
    assert!(!may_correct_session(&[]));
    assert!(may_correct_review(ReviewKind::Interim, Status::Active));
    assert!(!may_correct_review(ReviewKind::Interim, Status::Closed));
    assert!(!may_correct_review(ReviewKind::Final, Status::Active));
    assert!(!may_correct_review(ReviewKind::Final, Status::Closed));
    assert!(same_participants(&[id(1), id(2)], &[id(2), id(1)]));
    assert!(!same_participants(&[id(1), id(2)], &[id(1), id(1)]));
    assert!(!same_participants(&[id(1), id(2)], &[id(1)]));
    assert!(!same_participants(&[id(1)], &[id(3)]));
}

#[test]
fn the_gbo_scale_runs_from_0_to_10() {
    assert!(on_gbo_scale(0));
    assert!(on_gbo_scale(10));
    assert!(!on_gbo_scale(-1));
    assert!(!on_gbo_scale(11));
}

#[test]
fn distance_travelled_is_latest_minus_baseline_and_may_be_negative() {
    assert_eq!(distance_travelled(2, 7), 5);
    assert_eq!(distance_travelled(4, 4), 0);
    assert_eq!(distance_travelled(5, 3), -2);
}

#[test]
fn a_valid_plan_passes() {
    assert_eq!(
        check_plan(&[goal(2, 8), goal(0, 10)], &[id(1), id(2)]),
        Ok(())
    );
}

#[test]
fn the_target_must_be_above_the_baseline() {
    let err = check_plan(&[goal(2, 8), goal(5, 5), goal(6, 3)], &[]).expect_err("refused");
    assert_eq!(
        err,
        vec![
            PlanError::TargetNotAboveBaseline { index: 1 },
            PlanError::TargetNotAboveBaseline { index: 2 }
        ]
    );
    assert_eq!(err[0].field(), "goals[1].target");
    assert_eq!(err[0].code(), "target_not_above_baseline");
}

#[test]
fn scores_off_the_scale_are_named_and_not_compared() {
    let err = check_plan(&[goal(-1, 11)], &[]).expect_err("refused");
    assert_eq!(
        err,
        vec![
            PlanError::OffScale {
                index: 0,
                field: "baseline"
            },
            PlanError::OffScale {
                index: 0,
                field: "target"
            }
        ]
    );
    assert_eq!(err[1].field(), "goals[0].target");
}

#[test]
fn a_plan_needs_goals_with_descriptions_and_distinct_interventions() {
    assert_eq!(check_plan(&[], &[]), Err(vec![PlanError::GoalCount]));
    let many: Vec<GoalDraft<'_>> = (0..=MAX_GOALS).map(|_| goal(1, 2)).collect();
    assert_eq!(check_plan(&many, &[]), Err(vec![PlanError::GoalCount]));
    let mut blank = goal(1, 2);
    blank.description = "  ";
    let err = check_plan(&[blank], &[id(1), id(2), id(1)]).expect_err("refused");
    assert_eq!(
        err,
        vec![
            PlanError::BlankDescription { index: 0 },
            PlanError::DuplicateIntervention { index: 2 }
        ]
    );
    assert_eq!(err[1].field(), "intervention_ids[2]");
}

#[test]
fn ratings_cover_every_goal_once_on_the_scale() {
    let goals = [id(1), id(2)];
    assert_eq!(check_ratings(&goals, &[(id(2), 5), (id(1), 10)]), Ok(()));
    let err = check_ratings(&goals, &[(id(1), 11), (id(1), 3), (id(9), 2)]).expect_err("refused");
    assert_eq!(
        err,
        vec![
            RatingError::OffScale { index: 0 },
            RatingError::Duplicate { index: 1 },
            RatingError::UnknownGoal { index: 2 },
            RatingError::Missing(id(2)),
        ]
    );
    assert_eq!(err[0].field("ratings"), "ratings[0].rating");
    assert_eq!(err[2].field("final_ratings"), "final_ratings[2].goal_id");
    assert_eq!(check_ratings(&[], &[]), Err(vec![RatingError::NoGoals]));
}

#[test]
fn plans_are_written_while_allocated_or_active_and_sessions_only_while_active() {
    for s in Status::iter() {
        assert_eq!(
            may_plan(s),
            matches!(s, Status::Allocated | Status::Active),
            "{s:?}"
        );
        assert_eq!(may_record_delivery(s), s == Status::Active, "{s:?}");
    }
}

#[test]
fn closing_needs_final_ratings_unless_the_family_is_gone_or_there_are_no_goals() {
    for o in ClosureOutcome::iter() {
        let gone = matches!(o, ClosureOutcome::MovedAway | ClosureOutcome::Disengaged);
        assert_eq!(final_ratings_required(o, true), !gone, "{o:?}");
        assert!(!final_ratings_required(o, false));
    }
}

#[test]
fn attendance_names_who_came() {
    assert!(attendance_consistent(
        Attendance::Attended,
        true,
        false,
        false
    ));
    assert!(attendance_consistent(
        Attendance::Attended,
        false,
        false,
        true
    ));
    assert!(!attendance_consistent(
        Attendance::Attended,
        false,
        false,
        false
    ));
    assert!(attendance_consistent(
        Attendance::DidNotAttend,
        false,
        false,
        true
    ));
    assert!(!attendance_consistent(
        Attendance::DidNotAttend,
        true,
        false,
        false
    ));
    assert!(!attendance_consistent(
        Attendance::Cancelled,
        true,
        true,
        false
    ));
}

#[test]
fn who_may_do_what() {
    assert!(DeliveryOp::ManageInterventions.permits(Role::LaAdmin));
    assert!(!DeliveryOp::ManageInterventions.permits(Role::TeamManager));
    assert!(DeliveryOp::ReadInterventions.permits(Role::School));
    assert!(DeliveryOp::WritePlan.permits(Role::Practitioner));
    assert!(!DeliveryOp::WritePlan.permits(Role::School));
    assert!(DeliveryOp::ReadPlan.permits(Role::School));
    assert!(!DeliveryOp::ReadSessions.permits(Role::School));
    assert!(DeliveryOp::WritePartners.permits(Role::TeamManager));
    assert!(!DeliveryOp::WritePartners.permits(Role::Practitioner));
    assert!(DeliveryOp::ReadPartners.permits(Role::Practitioner));
    assert!(!DeliveryOp::Practice.permits(Role::Integration));
}

#[test]
fn managers_change_only_their_own_zone_of_a_partner() {
    let own = ZoneId(id(1));
    let other = ZoneId(id(2));
    let m = Role::TeamManager;
    assert!(may_set_partner_zones(m, Some(own), &[], &[own]));
    assert!(!may_set_partner_zones(m, Some(own), &[], &[own, other]));
    assert!(!may_set_partner_zones(m, Some(own), &[], &[other]));
    assert!(may_set_partner_zones(
        m,
        Some(own),
        &[own, other],
        &[other, own]
    ));
    assert!(!may_set_partner_zones(m, Some(own), &[own, other], &[own]));
    assert!(!may_set_partner_zones(m, Some(own), &[own], &[]));
    assert!(may_set_partner_zones(Role::LaAdmin, None, &[own], &[other]));
    assert!(!may_set_partner_zones(Role::LaAdmin, None, &[own], &[]));
    assert!(!may_set_partner_zones(
        Role::Practitioner,
        Some(own),
        &[],
        &[own]
    ));
}

#[test]
fn wire_names_round_trip() {
    for m in InterventionMode::iter() {
        assert_eq!(InterventionMode::parse(m.as_str()), Some(m));
    }
    for a in Attendance::iter() {
        assert_eq!(Attendance::parse(a.as_str()), Some(a));
    }
    for k in PartnerKind::iter() {
        assert_eq!(PartnerKind::parse(k.as_str()), Some(k));
    }
    for k in PracticeKind::iter() {
        assert_eq!(PracticeKind::parse(k.as_str()), Some(k));
    }
    for f in SessionFormat::iter() {
        assert_eq!(SessionFormat::parse(f.as_str()), Some(f));
    }
    for k in ReviewKind::iter() {
        assert_eq!(ReviewKind::parse(k.as_str()), Some(k));
    }
    assert_eq!(Attendance::parse("present"), None);
}

#[test]
fn co_workers_join_open_referrals_only() {
    for s in Status::iter() {
        assert_eq!(
            may_add_co_worker(s),
            matches!(s, Status::Accepted | Status::Allocated | Status::Active),
            "{s:?}"
        );
    }
}
