//! Service delivery: the interventions catalogue's codes, the support plan
//! and its goals on the goal-based-outcome (GBO) scale, sessions and their
//! attendance, reviews and distance travelled, partners and practice
//! sessions, and who may do what with each.
//!
//! The GBO scale runs 0 (no progress towards the goal) to 10 (goal fully
//! met). A goal's target must lie above its baseline: a goal that aims for
//! no movement is not a goal. Distance travelled is the latest rating minus
//! the baseline (negative when things got worse).

use crate::indes::IndesArea;
use crate::referral::{ClosureOutcome, Status};
use crate::role::Role;
use crate::ZoneId;
use serde::{Deserialize, Serialize};
use strum::{AsRefStr, EnumIter, EnumString, IntoStaticStr};
use thiserror::Error;
use uuid::Uuid;

pub mod family;

/// Lowest point of the goal-based-outcome scale.
pub const GBO_MIN: u8 = 0;
/// Highest point of the goal-based-outcome scale.
pub const GBO_MAX: u8 = 10;
/// Most goals a plan may carry.
pub const MAX_GOALS: usize = 20;
/// Most interventions a plan may choose.
pub const MAX_PLAN_INTERVENTIONS: usize = 20;

/// How an intervention is delivered.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterventionMode {
    Individual,
    Group,
    Family,
    Setting,
}

/// Whether a session served one referral or several at once.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionFormat {
    Individual,
    Group,
}

/// Whether a referral's child or family took part in a session.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    Attended,
    DidNotAttend,
    Cancelled,
}

/// Kind of a plan review.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    Interim,
    Final,
}

/// Kind of a partner organisation.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerKind {
    Health,
    SocialCare,
    Voluntary,
    Other,
}

/// Kind of a practice meeting.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PracticeKind {
    CommunityOfPractice,
    GroupSupervision,
}

/// Whether a GBO score lies on the scale.
pub fn on_gbo_scale(score: i64) -> bool {
    (i64::from(GBO_MIN)..=i64::from(GBO_MAX)).contains(&score)
}

/// Distance travelled on a goal: the latest rating minus the baseline.
pub fn distance_travelled(baseline: u8, latest: u8) -> i16 {
    i16::from(latest) - i16::from(baseline)
}

/// A plan may be written while the referral is allocated (planning before
/// the first session) or active.
pub fn may_plan(status: Status) -> bool {
    matches!(status, Status::Allocated | Status::Active)
}

/// A co-worker joins a referral from acceptance until it ends: while it is
/// accepted, allocated or active (docs/adr/0007-practitioner-scope.md).
pub fn may_add_co_worker(status: Status) -> bool {
    matches!(
        status,
        Status::Accepted | Status::Allocated | Status::Active
    )
}

/// Sessions and reviews are recorded only while work is under way.
pub fn may_record_delivery(status: Status) -> bool {
    status == Status::Active
}

/// A recorded session may be corrected while every referral it covered is
/// still active: the rule of recording it. Once a referral has closed, its
/// record of delivery stands.
pub fn may_correct_session(statuses: &[Status]) -> bool {
    !statuses.is_empty() && statuses.iter().all(|s| may_record_delivery(*s))
}

/// An interim review may be corrected (goals re-rated) while the referral
/// is active, as it was recorded. The final review is the closure's record
/// and is never corrected afterwards.
pub fn may_correct_review(kind: ReviewKind, status: Status) -> bool {
    kind == ReviewKind::Interim && may_record_delivery(status)
}

/// A correction names exactly the referrals the session covered, each once:
/// it fixes their attendance but never moves the session to other children.
pub fn same_participants(covered: &[Uuid], given: &[Uuid]) -> bool {
    covered.len() == given.len()
        && given
            .iter()
            .enumerate()
            .all(|(i, g)| covered.contains(g) && !given[..i].contains(g))
}

/// Whether closing with this outcome needs final ratings of every goal.
/// A family that moved away or disengaged cannot be rated afresh: their
/// last review stands.
pub fn final_ratings_required(outcome: ClosureOutcome, plan_has_goals: bool) -> bool {
    plan_has_goals
        && !matches!(
            outcome,
            ClosureOutcome::MovedAway | ClosureOutcome::Disengaged
        )
}

/// A session marked `attended` names at least one person who attended
/// (child, parent/carer or school staff); `did_not_attend` and `cancelled`
/// may name school staff who were there, but not the child.
pub fn attendance_consistent(
    status: Attendance,
    child: bool,
    parent_carer: bool,
    staff: bool,
) -> bool {
    match status {
        Attendance::Attended => child || parent_carer || staff,
        Attendance::DidNotAttend | Attendance::Cancelled => !child,
    }
}

/// A goal as a practitioner drafts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoalDraft<'a> {
    pub area: IndesArea,
    pub description: &'a str,
    pub baseline: i64,
    pub target: i64,
}

/// Why a plan was refused. `index` is the position of the goal or the
/// intervention in the input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanError {
    #[error("a plan needs 1 to {MAX_GOALS} goals")]
    GoalCount,
    #[error("a plan may choose at most {MAX_PLAN_INTERVENTIONS} interventions")]
    InterventionCount,
    #[error("the goal needs a description")]
    BlankDescription { index: usize },
    #[error("{field} must be on the goal-based-outcome scale 0 to 10")]
    OffScale { index: usize, field: &'static str },
    #[error("the target must be above the baseline")]
    TargetNotAboveBaseline { index: usize },
    #[error("the intervention is chosen twice")]
    DuplicateIntervention { index: usize },
}

impl PlanError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::GoalCount => "goal_count",
            Self::InterventionCount => "intervention_count",
            Self::BlankDescription { .. } => "required",
            Self::OffScale { .. } => "off_gbo_scale",
            Self::TargetNotAboveBaseline { .. } => "target_not_above_baseline",
            Self::DuplicateIntervention { .. } => "duplicate_intervention",
        }
    }

    /// Path of the offending field in the plan body.
    pub fn field(&self) -> String {
        match self {
            Self::GoalCount => "goals".into(),
            Self::InterventionCount => "intervention_ids".into(),
            Self::BlankDescription { index } => format!("goals[{index}].description"),
            Self::OffScale { index, field } => format!("goals[{index}].{field}"),
            Self::TargetNotAboveBaseline { index } => format!("goals[{index}].target"),
            Self::DuplicateIntervention { index } => format!("intervention_ids[{index}]"),
        }
    }
}

/// The rules of each goal of a plan (a child's support plan or a family
/// plan): described, baseline and target on the GBO scale, the target above
/// the baseline. Adds every problem to `errors`, in input order; `goals`
/// gives each goal's description, baseline and target.
pub(crate) fn check_goals<'a>(
    goals: impl Iterator<Item = (&'a str, i64, i64)>,
    errors: &mut Vec<PlanError>,
) {
    for (index, (description, baseline, target)) in goals.enumerate() {
        if description.trim().is_empty() {
            errors.push(PlanError::BlankDescription { index });
        }
        let mut on_scale = true;
        for (field, v) in [("baseline", baseline), ("target", target)] {
            if !on_gbo_scale(v) {
                on_scale = false;
                errors.push(PlanError::OffScale { index, field });
            }
        }
        if on_scale && target <= baseline {
            errors.push(PlanError::TargetNotAboveBaseline { index });
        }
    }
}

/// Checks a plan: 1 to 20 goals, each with a description, baseline and
/// target on the GBO scale and the target above the baseline; interventions
/// chosen at most once. Reports every problem.
///
/// # Errors
/// Every `PlanError` found, in input order.
pub fn check_plan(goals: &[GoalDraft<'_>], interventions: &[Uuid]) -> Result<(), Vec<PlanError>> {
    let mut errors = Vec::new();
    if goals.is_empty() || goals.len() > MAX_GOALS {
        errors.push(PlanError::GoalCount);
    }
    if interventions.len() > MAX_PLAN_INTERVENTIONS {
        errors.push(PlanError::InterventionCount);
    }
    check_goals(
        goals.iter().map(|g| (g.description, g.baseline, g.target)),
        &mut errors,
    );
    for (index, id) in interventions.iter().enumerate() {
        if interventions[..index].contains(id) {
            errors.push(PlanError::DuplicateIntervention { index });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Why a set of ratings (a review, or the final ratings at closure) was
/// refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RatingError {
    #[error("the plan has no goals to rate")]
    NoGoals,
    #[error("goal {0} of the plan is not rated")]
    Missing(Uuid),
    #[error("the goal is not a current goal of the referral's plan")]
    UnknownGoal { index: usize },
    #[error("the goal is rated twice")]
    Duplicate { index: usize },
    #[error("the rating must be on the goal-based-outcome scale 0 to 10")]
    OffScale { index: usize },
}

impl RatingError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoGoals => "plan_has_no_goals",
            Self::Missing(_) => "goal_not_rated",
            Self::UnknownGoal { .. } => "unknown_goal",
            Self::Duplicate { .. } => "duplicate_goal",
            Self::OffScale { .. } => "off_gbo_scale",
        }
    }

    /// Path of the offending field, under the list named `list`.
    pub fn field(&self, list: &str) -> String {
        match self {
            Self::NoGoals | Self::Missing(_) => list.to_owned(),
            Self::UnknownGoal { index } | Self::Duplicate { index } => {
                format!("{list}[{index}].goal_id")
            }
            Self::OffScale { index } => format!("{list}[{index}].rating"),
        }
    }
}

/// Checks that `ratings` rate every goal of `goals` exactly once, on the
/// GBO scale, and nothing else.
///
/// # Errors
/// Every `RatingError` found.
pub fn check_ratings(goals: &[Uuid], ratings: &[(Uuid, i64)]) -> Result<(), Vec<RatingError>> {
    if goals.is_empty() {
        return Err(vec![RatingError::NoGoals]);
    }
    let mut errors = Vec::new();
    for (index, (goal, rating)) in ratings.iter().enumerate() {
        if !goals.contains(goal) {
            errors.push(RatingError::UnknownGoal { index });
        } else if ratings[..index].iter().any(|(g, _)| g == goal) {
            errors.push(RatingError::Duplicate { index });
        }
        if !on_gbo_scale(*rating) {
            errors.push(RatingError::OffScale { index });
        }
    }
    for goal in goals {
        if !ratings.iter().any(|(g, _)| g == goal) {
            errors.push(RatingError::Missing(*goal));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Operations on delivery records, for the role check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOp {
    /// Create or change catalogue entries.
    ManageInterventions,
    /// Read the catalogue (schools: active entries only).
    ReadInterventions,
    /// Write a referral's support plan.
    WritePlan,
    /// Read a referral's plan and reviews.
    ReadPlan,
    /// Record sessions and reviews.
    RecordDelivery,
    /// Read sessions (notes may speak of the family: staff only).
    ReadSessions,
    /// Create or change partner organisations.
    WritePartners,
    /// Read partner organisations.
    ReadPartners,
    /// Record and read practice sessions.
    Practice,
}

impl DeliveryOp {
    /// The roles that may ever take the operation; scope (the referral's
    /// team, the zone, the school) is checked on the object.
    pub fn allowed_roles(self) -> &'static [Role] {
        use Role::{Integration, LaAdmin, Practitioner, School, TeamManager};
        match self {
            Self::ManageInterventions => &[LaAdmin],
            Self::ReadInterventions | Self::ReadPlan => {
                &[LaAdmin, TeamManager, Practitioner, School, Integration]
            }
            Self::WritePlan
            | Self::RecordDelivery
            | Self::ReadSessions
            | Self::ReadPartners
            | Self::Practice => &[LaAdmin, TeamManager, Practitioner],
            Self::WritePartners => &[LaAdmin, TeamManager],
        }
    }

    /// Whether a role may ever take the operation.
    pub fn permits(self, role: Role) -> bool {
        self.allowed_roles().contains(&role)
    }
}

/// Whether a caller may give a partner the zones `after` when it had
/// `before` (empty for a new partner). la_admin sets any non-empty list; a
/// team manager only adds or keeps their own zone and leaves every other
/// zone as it was (a new partner of theirs works in their zone only).
pub fn may_set_partner_zones(
    role: Role,
    own_zone: Option<ZoneId>,
    before: &[ZoneId],
    after: &[ZoneId],
) -> bool {
    if after.is_empty() {
        return false;
    }
    match role {
        Role::LaAdmin => true,
        Role::TeamManager => {
            let Some(own) = own_zone else { return false };
            let others = |zs: &[ZoneId]| {
                let mut v: Vec<ZoneId> = zs.iter().copied().filter(|z| *z != own).collect();
                v.sort();
                v.dedup();
                v
            };
            after.contains(&own)
                && (before.is_empty() || before.contains(&own))
                && others(before) == others(after)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests;
