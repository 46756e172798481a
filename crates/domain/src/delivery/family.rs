//! A family's early help assessment and plan (issue 13, item 2): the family
//! areas assessed beside a child's INDES areas, and the rules of a family
//! plan's goals (the support plan's 0-10 goal-based-outcome scale).

use super::{check_goals, PlanError, MAX_GOALS};
use serde::{Deserialize, Serialize};
use strum::{AsRefStr, EnumIter, EnumString, IntoStaticStr};

/// At most this many actions on a family plan.
pub const MAX_ACTIONS: usize = 50;

/// An area of a family's life an early help assessment and a family plan
/// look at, beside a child's INDES areas.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FamilyArea {
    Parenting,
    Routines,
    Housing,
    Health,
    Finances,
    Relationships,
}

/// A family goal as written.
#[derive(Debug, Clone, Copy)]
pub struct FamilyGoalDraft<'a> {
    pub description: &'a str,
    pub baseline: i64,
    pub target: i64,
}

/// Checks a family plan's goals (1 to [`MAX_GOALS`], each described, on the
/// 0-10 scale, the target above the baseline), with the support plan's
/// errors and codes.
pub fn check_family_goals(goals: &[FamilyGoalDraft<'_>]) -> Result<(), Vec<PlanError>> {
    let mut errors = Vec::new();
    if goals.is_empty() || goals.len() > MAX_GOALS {
        errors.push(PlanError::GoalCount);
    }
    check_goals(
        goals.iter().map(|g| (g.description, g.baseline, g.target)),
        &mut errors,
    );
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Why a change of a family's status refuses the final ratings it was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FinalRatingsError {
    /// Closing a family whose plan has goals rates every goal.
    #[error("closing the family needs final_ratings of every goal of its plan")]
    Required,
    /// Final ratings are recorded only when the family is closed.
    #[error("final_ratings are recorded only when the family is closed")]
    NotClosing,
    /// The family has no plan with goals to rate.
    #[error("the family has no plan with goals to rate")]
    NoGoals,
}

impl FinalRatingsError {
    /// The error code of the field `final_ratings`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Required => "final_ratings_required",
            Self::NotClosing => "not_allowed",
            Self::NoGoals => "no_goals",
        }
    }
}

/// Whether a change of a family records the final ratings of its plan, as
/// a referral's closure records its goals' ("reviews rate family goals;
/// closure records them"): closing an open family whose plan has current
/// goals needs them; a change that does not close the family, or a family
/// without goals, takes none. `Ok(true)`: record them.
///
/// # Errors
/// [`FinalRatingsError`].
pub fn family_final_ratings(
    closing: bool,
    plan_has_goals: bool,
    given: bool,
) -> Result<bool, FinalRatingsError> {
    match (closing, plan_has_goals, given) {
        (true, true, true) => Ok(true),
        (true, true, false) => Err(FinalRatingsError::Required),
        (false, _, true) => Err(FinalRatingsError::NotClosing),
        (true, false, true) => Err(FinalRatingsError::NoGoals),
        (_, _, false) => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::WireName;

    fn goal(description: &str, baseline: i64, target: i64) -> FamilyGoalDraft<'_> {
        FamilyGoalDraft {
            description,
            baseline,
            target,
        }
    }

    /// Stored in the database and its CHECK constraints: pinned.
    #[test]
    fn family_areas_keep_their_wire_names() {
        use strum::IntoEnumIterator;
        let names: Vec<&str> = FamilyArea::iter().map(FamilyArea::as_str).collect();
        assert_eq!(
            names.join(" "),
            "parenting routines housing health finances relationships"
        );
        for a in FamilyArea::iter() {
            let json = serde_json::to_value(a).expect("serialise");
            assert_eq!(json, serde_json::Value::String(a.as_str().to_owned()));
            assert_eq!(FamilyArea::parse(a.as_str()), Some(a));
        }
        assert_eq!(FamilyArea::parse("gardening"), None);
    }

    #[test]
    fn a_good_plan_passes() {
        assert_eq!(check_family_goals(&[goal("Mornings calm", 2, 7)]), Ok(()));
    }

    #[test]
    fn goals_off_the_scale_or_not_rising_or_blank_are_refused() {
        let e = check_family_goals(&[goal("x", -1, 11), goal(" ", 5, 5)]).expect_err("refused");
        assert_eq!(
            e,
            vec![
                PlanError::OffScale {
                    index: 0,
                    field: "baseline"
                },
                PlanError::OffScale {
                    index: 0,
                    field: "target"
                },
                PlanError::BlankDescription { index: 1 },
                PlanError::TargetNotAboveBaseline { index: 1 },
            ]
        );
        assert_eq!(e[0].field(), "goals[0].baseline");
        assert_eq!(e[0].code(), "off_gbo_scale");
    }

    #[test]
    fn a_plan_needs_one_to_twenty_goals() {
        assert_eq!(check_family_goals(&[]), Err(vec![PlanError::GoalCount]));
        let many = vec![goal("g", 1, 2); MAX_GOALS + 1];
        assert_eq!(check_family_goals(&many), Err(vec![PlanError::GoalCount]));
    }

    #[test]
    fn closing_a_family_with_goals_records_their_final_ratings() {
        assert_eq!(family_final_ratings(true, true, true), Ok(true));
        assert_eq!(
            family_final_ratings(true, true, false),
            Err(FinalRatingsError::Required)
        );
        assert_eq!(FinalRatingsError::Required.code(), "final_ratings_required");
    }

    #[test]
    fn final_ratings_only_when_closing_a_family_with_goals() {
        assert_eq!(
            family_final_ratings(false, true, true),
            Err(FinalRatingsError::NotClosing)
        );
        assert_eq!(
            family_final_ratings(true, false, true),
            Err(FinalRatingsError::NoGoals)
        );
        assert_eq!(family_final_ratings(false, true, false), Ok(false));
        assert_eq!(family_final_ratings(true, false, false), Ok(false));
    }
}
