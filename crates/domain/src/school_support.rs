//! School support: a team's work with a setting that is not about one
//! referred child (whole-school approaches, staff training, audits, staff
//! coaching, cohort group work, transition work). Children are counted,
//! never named: a cohort is year groups and a number, optionally with some
//! of the setting's own referrals linked; a session counts the children
//! present, referred or not.

use crate::codes::YearGroup;
use strum::{AsRefStr, EnumIter, EnumString, IntoStaticStr};
use thiserror::Error;

/// The largest plausible cohort or session group: more children than the
/// largest settings have.
pub const MAX_CHILDREN: i32 = 2000;

/// The longest session, in minutes (a full working day).
pub const MAX_SESSION_MINUTES: i32 = 480;

/// The most staff of one role counted in a record.
pub const MAX_STAFF: i32 = 500;

/// What kind of work with the setting.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportKind {
    WholeSchoolApproach,
    StaffTraining,
    InclusionAudit,
    StaffCoaching,
    CohortGroupWork,
    TransitionWork,
}

/// The role of the setting's staff who took part (no names).
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Headteacher,
    SeniorLeader,
    Senco,
    ClassTeacher,
    TeachingAssistant,
    PastoralStaff,
    EarlyYearsPractitioner,
    Other,
}

/// How a piece of work with a setting ended, at its review.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    Achieved,
    PartlyAchieved,
    NotAchieved,
    EndedEarly,
}

/// Who owns an agreed action: the setting, or a worker of the team.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionOwner {
    School,
    Team,
}

/// Why part of a school-support record was refused; each with the field it
/// concerns (relative to its list item where there is one).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SupportError {
    #[error("a number of children cannot be negative")]
    NegativeCount,
    #[error("more than {MAX_CHILDREN} children is not a plausible group")]
    ImplausibleCount,
    #[error("the cohort has fewer children than the referrals linked to it")]
    FewerThanLinked,
    #[error("each year group at most once")]
    DuplicateYearGroup,
    #[error("a cohort needs at least one year group")]
    NoYearGroup,
    #[error("cohort group work needs a cohort")]
    CohortRequired,
    #[error("each staff role at most once")]
    DuplicateRole,
    #[error("a count of staff is 1 to {MAX_STAFF}")]
    StaffCount,
    #[error("a session lasts 1 to {MAX_SESSION_MINUTES} minutes")]
    Duration,
    #[error("the work cannot end before it starts")]
    EndsBeforeStart,
    #[error("a team-owned action names the team's worker; a school-owned one names none")]
    OwnerWorker,
}

impl SupportError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NegativeCount => "negative_count",
            Self::ImplausibleCount => "implausible_count",
            Self::FewerThanLinked => "cohort_smaller_than_linked",
            Self::DuplicateYearGroup => "duplicate_year_group",
            Self::NoYearGroup => "year_group_required",
            Self::CohortRequired => "cohort_required",
            Self::DuplicateRole => "duplicate_role",
            Self::StaffCount => "invalid_staff_count",
            Self::Duration => "invalid_duration",
            Self::EndsBeforeStart => "ends_before_starts",
            Self::OwnerWorker => "invalid_owner",
        }
    }
}

/// A number of children (a cohort or those at a session): 0 to
/// [`MAX_CHILDREN`].
///
/// # Errors
/// `NegativeCount` or `ImplausibleCount`.
pub fn check_children(n: i64) -> Result<i32, SupportError> {
    if n < 0 {
        return Err(SupportError::NegativeCount);
    }
    i32::try_from(n)
        .ok()
        .filter(|n| *n <= MAX_CHILDREN)
        .ok_or(SupportError::ImplausibleCount)
}

/// A refusal of a cohort: the field, its stable code and a message.
pub type CohortRefusal = (String, &'static str, String);

/// A cohort: its year groups (census codes, each once, at least one), its
/// size, and how many of the setting's referrals are linked to it. Answers
/// the year groups' census codes and the size, or every refusal with the
/// field it concerns (`year_groups[i]`, `size`).
///
/// # Errors
/// The refusals, each with its field.
pub fn check_cohort(
    year_groups: &[String],
    size: i64,
    linked: usize,
) -> Result<(Vec<String>, i32), Vec<CohortRefusal>> {
    let mut errors: Vec<CohortRefusal> = Vec::new();
    let mut refuse = |field: String, e: SupportError| errors.push((field, e.code(), e.to_string()));
    let mut codes: Vec<String> = Vec::new();
    if year_groups.is_empty() {
        refuse("year_groups".into(), SupportError::NoYearGroup);
    }
    let mut invalid = Vec::new();
    for (i, raw) in year_groups.iter().enumerate() {
        match YearGroup::parse(raw) {
            Ok(y) => {
                let code = y.code();
                if codes.contains(&code) {
                    refuse(
                        format!("year_groups[{i}]"),
                        SupportError::DuplicateYearGroup,
                    );
                }
                codes.push(code);
            }
            Err(e) => invalid.push((format!("year_groups[{i}]"), e.code(), e.to_string())),
        }
    }
    let size = match check_children(size) {
        Ok(n) if usize::try_from(n).unwrap_or(0) < linked => {
            refuse("size".into(), SupportError::FewerThanLinked);
            n
        }
        Ok(n) => n,
        Err(e) => {
            refuse("size".into(), e);
            0
        }
    };
    errors.extend(invalid);
    if errors.is_empty() {
        Ok((codes, size))
    } else {
        errors.sort_by(|a, b| a.0.cmp(&b.0));
        Err(errors)
    }
}

/// Staff who took part: each role once, each count 1 to [`MAX_STAFF`].
/// Answers the index and error of each refusal.
pub fn check_staff(staff: &[(StaffRole, i64)]) -> Vec<(usize, SupportError)> {
    let mut errors = Vec::new();
    for (i, (role, count)) in staff.iter().enumerate() {
        if staff[..i].iter().any(|(r, _)| r == role) {
            errors.push((i, SupportError::DuplicateRole));
        }
        if !(1..=i64::from(MAX_STAFF)).contains(count) {
            errors.push((i, SupportError::StaffCount));
        }
    }
    errors
}

/// Whether cohort group work has its cohort (other kinds may have one).
///
/// # Errors
/// `CohortRequired`.
pub fn check_kind(kind: SupportKind, has_cohort: bool) -> Result<(), SupportError> {
    if kind == SupportKind::CohortGroupWork && !has_cohort {
        return Err(SupportError::CohortRequired);
    }
    Ok(())
}

/// A session's duration in minutes: 1 to [`MAX_SESSION_MINUTES`].
///
/// # Errors
/// `Duration`.
pub fn check_duration(minutes: i64) -> Result<i32, SupportError> {
    i32::try_from(minutes)
        .ok()
        .filter(|m| (1..=MAX_SESSION_MINUTES).contains(m))
        .ok_or(SupportError::Duration)
}

/// An action's owner: a team-owned action names a worker, a school-owned
/// one names none.
///
/// # Errors
/// `OwnerWorker`.
pub fn check_owner(owner: ActionOwner, has_worker: bool) -> Result<(), SupportError> {
    match (owner, has_worker) {
        (ActionOwner::Team, true) | (ActionOwner::School, false) => Ok(()),
        _ => Err(SupportError::OwnerWorker),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::WireName;
    use strum::IntoEnumIterator;

    #[test]
    fn kinds_roles_and_outcomes_have_stable_names() {
        let kinds: Vec<&str> = SupportKind::iter().map(SupportKind::as_str).collect();
        assert_eq!(
            kinds,
            [
                "whole_school_approach",
                "staff_training",
                "inclusion_audit",
                "staff_coaching",
                "cohort_group_work",
                "transition_work"
            ]
        );
        for k in SupportKind::iter() {
            assert_eq!(SupportKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(SupportKind::parse("training"), None);
        assert_eq!(StaffRole::parse("senco"), Some(StaffRole::Senco));
        assert_eq!(
            ReviewOutcome::iter()
                .map(ReviewOutcome::as_str)
                .collect::<Vec<_>>(),
            ["achieved", "partly_achieved", "not_achieved", "ended_early"]
        );
        assert_eq!(ActionOwner::parse("team"), Some(ActionOwner::Team));
    }

    #[test]
    fn a_number_of_children_is_zero_to_two_thousand() {
        assert_eq!(check_children(0), Ok(0));
        assert_eq!(check_children(8), Ok(8));
        assert_eq!(check_children(2000), Ok(2000));
        assert_eq!(check_children(-1), Err(SupportError::NegativeCount));
        assert_eq!(check_children(2001), Err(SupportError::ImplausibleCount));
        assert_eq!(
            check_children(i64::MAX),
            Err(SupportError::ImplausibleCount)
        );
        assert_eq!(SupportError::NegativeCount.code(), "negative_count");
        assert_eq!(SupportError::ImplausibleCount.code(), "implausible_count");
    }

    #[test]
    fn a_cohort_has_year_groups_once_and_a_plausible_size() {
        let ok = check_cohort(&["3".into(), "r".into()], 8, 2).expect("valid");
        assert_eq!(ok, (vec!["3".to_owned(), "R".to_owned()], 8));
        let codes = |r: Result<(Vec<String>, i32), Vec<CohortRefusal>>| {
            r.expect_err("refused")
                .into_iter()
                .map(|(f, c, _)| (f, c.to_owned()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            codes(check_cohort(&["3".into()], -1, 0)),
            [("size".to_owned(), "negative_count".to_owned())]
        );
        assert_eq!(
            codes(check_cohort(&["3".into()], 2001, 0)),
            [("size".to_owned(), "implausible_count".to_owned())]
        );
        assert_eq!(
            codes(check_cohort(&["3".into()], 1, 2)),
            [("size".to_owned(), "cohort_smaller_than_linked".to_owned())]
        );
        assert_eq!(
            codes(check_cohort(&["3".into(), "03".into(), "3".into()], 5, 0)),
            [
                ("year_groups[1]".to_owned(), "invalid_year_group".to_owned()),
                (
                    "year_groups[2]".to_owned(),
                    "duplicate_year_group".to_owned()
                )
            ]
        );
        assert_eq!(
            codes(check_cohort(&[], 5, 0)),
            [("year_groups".to_owned(), "year_group_required".to_owned())]
        );
    }

    #[test]
    fn staff_roles_once_each_with_a_count() {
        assert!(
            check_staff(&[(StaffRole::Senco, 1), (StaffRole::TeachingAssistant, 12)]).is_empty()
        );
        assert_eq!(
            check_staff(&[(StaffRole::Senco, 1), (StaffRole::Senco, 0)]),
            [
                (1, SupportError::DuplicateRole),
                (1, SupportError::StaffCount)
            ]
        );
        assert_eq!(
            check_staff(&[(StaffRole::Other, 501)]),
            [(0, SupportError::StaffCount)]
        );
    }

    #[test]
    fn cohort_work_needs_a_cohort_and_sessions_a_duration() {
        assert_eq!(
            check_kind(SupportKind::CohortGroupWork, false),
            Err(SupportError::CohortRequired)
        );
        assert_eq!(check_kind(SupportKind::CohortGroupWork, true), Ok(()));
        assert_eq!(check_kind(SupportKind::StaffTraining, false), Ok(()));
        assert_eq!(check_duration(60), Ok(60));
        assert_eq!(check_duration(0), Err(SupportError::Duration));
        assert_eq!(check_duration(481), Err(SupportError::Duration));
        assert_eq!(check_duration(-5), Err(SupportError::Duration));
    }

    #[test]
    fn a_team_action_names_a_worker_and_a_school_action_none() {
        assert_eq!(check_owner(ActionOwner::Team, true), Ok(()));
        assert_eq!(check_owner(ActionOwner::School, false), Ok(()));
        assert_eq!(
            check_owner(ActionOwner::Team, false),
            Err(SupportError::OwnerWorker)
        );
        assert_eq!(
            check_owner(ActionOwner::School, true),
            Err(SupportError::OwnerWorker)
        );
    }
}
