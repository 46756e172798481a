//! The referral state machine.
//!
//! `submitted -> accepted -> allocated -> active -> closed`, with `declined`
//! from submitted or accepted, `withdrawn` by the referrer before
//! allocation, redirection to another team while submitted or accepted,
//! reallocation while allocated, and reopening a closed referral within the
//! policy's window. Which role may take each action and which actions need a
//! reason are decided here, so the API only maps the answer to HTTP.

use crate::eligibility::Outcome;
use crate::role::Role;
use crate::wire::WireName;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use strum::{AsRefStr, EnumIter, EnumString, IntoStaticStr};
use thiserror::Error;

/// Where a referral is in its life.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Submitted,
    Accepted,
    Allocated,
    Active,
    Closed,
    Declined,
    Withdrawn,
}

impl Status {
    /// Whether a worker carries the referral on their caseload.
    pub fn counts_on_caseload(self) -> bool {
        matches!(self, Self::Allocated | Self::Active)
    }
}

/// An action on a referral (each is an endpoint).
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Accept,
    Decline,
    Redirect,
    Allocate,
    Start,
    Close,
    Withdraw,
    Reopen,
}

impl Action {
    /// The statuses the action may be taken from.
    pub fn allowed_from(self) -> &'static [Status] {
        use Status::{Accepted, Active, Allocated, Closed, Submitted};
        match self {
            Self::Accept => &[Submitted],
            Self::Decline | Self::Redirect | Self::Withdraw => &[Submitted, Accepted],
            Self::Allocate => &[Accepted, Allocated],
            Self::Start => &[Allocated],
            Self::Close => &[Allocated, Active],
            Self::Reopen => &[Closed],
        }
    }

    /// The roles that may ever take the action (scope is checked apart).
    pub fn allowed_roles(self) -> &'static [Role] {
        use Role::{Integration, LaAdmin, Practitioner, School, TeamManager};
        match self {
            Self::Accept | Self::Decline | Self::Redirect | Self::Allocate | Self::Reopen => {
                &[LaAdmin, TeamManager]
            }
            Self::Start | Self::Close => &[LaAdmin, TeamManager, Practitioner],
            Self::Withdraw => &[LaAdmin, School, Integration],
        }
    }

    /// Whether a role may ever take the action.
    pub fn permits(self, role: Role) -> bool {
        self.allowed_roles().contains(&role)
    }
}

/// How a closed referral ended.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureOutcome {
    NeedsMet,
    SteppedDown,
    SteppedUp,
    Disengaged,
    MovedAway,
    Other,
}

impl ClosureOutcome {
    /// Whether the outcome needs a note to be understood later.
    pub fn needs_note(self) -> bool {
        self == Self::Other
    }
}

/// What the state machine needs to know of a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralState {
    pub status: Status,
    /// The screening outcome recorded at submission.
    pub eligibility: Outcome,
    /// When it was closed, if it is.
    pub closed_at: Option<DateTime<Utc>>,
    /// The status it was closed from, restored by reopening.
    pub closed_from: Option<Status>,
}

/// The actor and circumstances of a transition.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub action: Action,
    pub role: Role,
    pub now: DateTime<Utc>,
    /// The reason or note given, if any (blank counts as none).
    pub reason: Option<&'a str>,
    /// For `decline`: where the school and family are pointed instead.
    pub signposting: Option<&'a str>,
    /// For `close`: the outcome.
    pub closure: Option<ClosureOutcome>,
    /// Days after closure during which reopening is allowed (policy data).
    pub reopen_window_days: u32,
}

/// A permitted change of status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: Status,
    pub to: Status,
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransitionError {
    #[error("the role {role} may not {action} a referral")]
    RoleNotAllowed {
        role: &'static str,
        action: &'static str,
    },
    #[error("a referral that is {from} cannot take the action {action}")]
    InvalidTransition {
        action: &'static str,
        from: &'static str,
    },
    #[error("{0}")]
    ReasonRequired(&'static str),
    #[error(
        "a referral closed on {closed_at} can no longer be reopened: the policy allows {days} days"
    )]
    ReopenWindowPassed { closed_at: DateTime<Utc>, days: u32 },
    #[error("closing needs an outcome")]
    OutcomeRequired,
}

impl TransitionError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::RoleNotAllowed { .. } => "forbidden_for_role",
            Self::InvalidTransition { .. } => "invalid_transition",
            Self::ReasonRequired(_) => "reason_required",
            Self::ReopenWindowPassed { .. } => "reopen_window_passed",
            Self::OutcomeRequired => "outcome_required",
        }
    }
}

fn has_text(s: Option<&str>) -> bool {
    s.is_some_and(|s| !s.trim().is_empty())
}

impl ReferralState {
    /// Decides whether `req` may happen now and to which status it leads.
    ///
    /// Checks, in order: the role, the current status, the reason rules.
    ///
    /// # Errors
    /// `RoleNotAllowed`, `InvalidTransition`, `ReasonRequired`,
    /// `OutcomeRequired` or `ReopenWindowPassed`.
    pub fn apply(&self, req: &Request<'_>) -> Result<Transition, TransitionError> {
        let action = req.action;
        if !action.permits(req.role) {
            return Err(TransitionError::RoleNotAllowed {
                role: req.role.as_str(),
                action: action.as_str(),
            });
        }
        if !action.allowed_from().contains(&self.status) {
            return Err(TransitionError::InvalidTransition {
                action: action.as_str(),
                from: self.status.as_str(),
            });
        }
        let reasoned = has_text(req.reason);
        let to = match action {
            Action::Accept => {
                if self.eligibility != Outcome::Eligible && !reasoned {
                    return Err(TransitionError::ReasonRequired(
                        "accepting against the screening outcome needs a note giving the reason",
                    ));
                }
                Status::Accepted
            }
            Action::Decline => {
                if !reasoned {
                    return Err(TransitionError::ReasonRequired("declining needs a reason"));
                }
                if !has_text(req.signposting) {
                    return Err(TransitionError::ReasonRequired(
                        "declining needs signposting for the school and family",
                    ));
                }
                Status::Declined
            }
            Action::Redirect => {
                if !reasoned {
                    return Err(TransitionError::ReasonRequired(
                        "redirecting needs a reason",
                    ));
                }
                // The receiving team triages it afresh.
                Status::Submitted
            }
            Action::Allocate => Status::Allocated,
            Action::Start => Status::Active,
            Action::Close => {
                let outcome = req.closure.ok_or(TransitionError::OutcomeRequired)?;
                if outcome.needs_note() && !reasoned {
                    return Err(TransitionError::ReasonRequired(
                        "closing with outcome 'other' needs a note",
                    ));
                }
                Status::Closed
            }
            Action::Withdraw => {
                if !reasoned {
                    return Err(TransitionError::ReasonRequired(
                        "withdrawing needs a reason",
                    ));
                }
                Status::Withdrawn
            }
            Action::Reopen => {
                if !reasoned {
                    return Err(TransitionError::ReasonRequired("reopening needs a reason"));
                }
                if let Some(closed_at) = self.closed_at {
                    let window = chrono::Duration::days(i64::from(req.reopen_window_days));
                    if req.now > closed_at + window {
                        return Err(TransitionError::ReopenWindowPassed {
                            closed_at,
                            days: req.reopen_window_days,
                        });
                    }
                }
                self.closed_from.unwrap_or(Status::Active)
            }
        };
        Ok(Transition {
            from: self.status,
            to,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use strum::IntoEnumIterator;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0)
            .single()
            .expect("time")
    }

    fn state(status: Status) -> ReferralState {
        ReferralState {
            status,
            eligibility: Outcome::Eligible,
            closed_at: None,
            closed_from: None,
        }
    }

    fn req(action: Action, role: Role, reason: Option<&str>) -> Request<'_> {
        Request {
            action,
            role,
            now: now(),
            reason,
            closure: Some(ClosureOutcome::NeedsMet),
            signposting: Some("ordinarily available provision"),
            reopen_window_days: 90,
        }
    }

    fn role_for(action: Action) -> Role {
        action.allowed_roles()[0]
    }

    #[test]
    fn the_happy_path_runs_from_submitted_to_closed() {
        let steps = [
            (Action::Accept, Status::Submitted, Status::Accepted),
            (Action::Allocate, Status::Accepted, Status::Allocated),
            (Action::Start, Status::Allocated, Status::Active),
            (Action::Close, Status::Active, Status::Closed),
        ];
        for (action, from, to) in steps {
            let t = state(from)
                .apply(&req(action, Role::TeamManager, None))
                .expect("allowed");
            assert_eq!(t, Transition { from, to });
        }
    }

    #[test]
    fn every_action_is_refused_from_every_status_it_does_not_list() {
        for action in Action::iter() {
            for status in Status::iter() {
                let result = state(status).apply(&req(action, role_for(action), Some("because")));
                if action.allowed_from().contains(&status) {
                    assert!(result.is_ok(), "{action:?} from {status:?}: {result:?}");
                } else {
                    let err = result.expect_err("refused");
                    assert_eq!(
                        err.code(),
                        "invalid_transition",
                        "{action:?} from {status:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn roles_are_checked_before_status() {
        for action in Action::iter() {
            for role in Role::iter() {
                let result = state(Status::Closed).apply(&req(action, role, Some("x")));
                if action.permits(role) {
                    assert_ne!(result.err().map(|e| e.code()), Some("forbidden_for_role"));
                } else {
                    assert_eq!(
                        result.expect_err("refused").code(),
                        "forbidden_for_role",
                        "{action:?} by {role:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn schools_may_withdraw_but_never_triage() {
        assert!(Action::Withdraw.permits(Role::School));
        assert!(Action::Withdraw.permits(Role::Integration));
        assert!(!Action::Accept.permits(Role::School));
        assert!(!Action::Allocate.permits(Role::Practitioner));
        assert!(Action::Close.permits(Role::Practitioner));
        assert!(!Action::Withdraw.permits(Role::TeamManager));
    }

    #[test]
    fn reasons_are_required_where_the_contract_says() {
        for action in [Action::Decline, Action::Redirect, Action::Withdraw] {
            let err = state(Status::Submitted)
                .apply(&req(action, role_for(action), Some("  ")))
                .expect_err("needs reason");
            assert_eq!(err.code(), "reason_required", "{action:?}");
        }
        let mut closed = state(Status::Closed);
        closed.closed_at = Some(now());
        let err = closed
            .apply(&req(Action::Reopen, Role::TeamManager, None))
            .expect_err("needs reason");
        assert_eq!(err.code(), "reason_required");
    }

    #[test]
    fn declining_needs_signposting_as_well_as_a_reason() {
        let mut r = req(
            Action::Decline,
            Role::TeamManager,
            Some("needs met in school"),
        );
        r.signposting = Some("   ");
        let err = state(Status::Submitted).apply(&r).expect_err("signposting");
        assert_eq!(err.code(), "reason_required");
        r.signposting = None;
        assert!(state(Status::Submitted).apply(&r).is_err());
    }

    #[test]
    fn accepting_against_screening_needs_a_note() {
        let mut s = state(Status::Submitted);
        s.eligibility = Outcome::BelowThreshold;
        let err = s
            .apply(&req(Action::Accept, Role::TeamManager, None))
            .expect_err("note needed");
        assert_eq!(err.code(), "reason_required");
        let t = s
            .apply(&req(
                Action::Accept,
                Role::TeamManager,
                Some("school capacity is very low"),
            ))
            .expect("with a note");
        assert_eq!(t.to, Status::Accepted);
    }

    #[test]
    fn redirecting_returns_the_referral_to_triage() {
        let t = state(Status::Accepted)
            .apply(&req(
                Action::Redirect,
                Role::LaAdmin,
                Some("school moved zone"),
            ))
            .expect("ok");
        assert_eq!(t.to, Status::Submitted);
    }

    #[test]
    fn reallocation_keeps_the_referral_allocated() {
        let t = state(Status::Allocated)
            .apply(&req(Action::Allocate, Role::TeamManager, None))
            .expect("ok");
        assert_eq!(
            t,
            Transition {
                from: Status::Allocated,
                to: Status::Allocated
            }
        );
    }

    #[test]
    fn closing_needs_an_outcome_and_other_needs_a_note() {
        let mut r = req(Action::Close, Role::Practitioner, None);
        r.closure = None;
        assert_eq!(
            state(Status::Active).apply(&r),
            Err(TransitionError::OutcomeRequired)
        );
        r.closure = Some(ClosureOutcome::Other);
        assert_eq!(
            state(Status::Active).apply(&r).expect_err("note").code(),
            "reason_required"
        );
    }

    #[test]
    fn reopening_restores_the_status_within_the_window_only() {
        let mut closed = state(Status::Closed);
        closed.closed_from = Some(Status::Allocated);
        closed.closed_at = Some(now() - chrono::Duration::days(30));
        let t = closed
            .apply(&req(
                Action::Reopen,
                Role::TeamManager,
                Some("needs returned"),
            ))
            .expect("within window");
        assert_eq!(t.to, Status::Allocated);

        closed.closed_at = Some(now() - chrono::Duration::days(91));
        let err = closed
            .apply(&req(
                Action::Reopen,
                Role::TeamManager,
                Some("needs returned"),
            ))
            .expect_err("window passed");
        assert_eq!(err.code(), "reopen_window_passed");
    }

    #[test]
    fn names_round_trip() {
        for s in Status::iter() {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        for a in Action::iter() {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        for o in ClosureOutcome::iter() {
            assert_eq!(ClosureOutcome::parse(o.as_str()), Some(o));
        }
        assert!(Status::Allocated.counts_on_caseload());
        assert!(Status::Active.counts_on_caseload());
        assert!(!Status::Accepted.counts_on_caseload());
    }
}
