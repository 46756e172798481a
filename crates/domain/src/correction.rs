//! Corrections of a referral after submission (`PUT /referrals/{id}`): who
//! may correct the screening inputs (INDES levels, complicating factors,
//! existing plans, reason), and while the referral is in which status.
//!
//! The referrer (a school, or its MIS) corrects what it sent while the
//! referral waits for the team's decision; once the team has accepted it,
//! the case is the team's and corrections go through the team. The team
//! (its manager, the practitioners who work the referral) and the council
//! correct while the referral is open. A closed, declined or withdrawn
//! referral stands as it ended.

use crate::referral::Status;
use crate::role::Role;
use crate::wire::WireName;
use thiserror::Error;

/// Why a correction is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum CorrectionRefusal {
    /// The referral has ended.
    #[error("the referral is {0}: a referral that has ended stands as it ended")]
    Ended(&'static str),
    /// The referrer may correct only until the team accepts.
    #[error("the team has accepted the referral ({0}): ask the team to correct it")]
    WithTheTeam(&'static str),
}

/// Whether `role` may correct a referral in `status`.
///
/// # Errors
/// [`CorrectionRefusal`] when the referral has ended, or when a referrer
/// corrects after the team accepted.
pub fn may_correct(role: Role, status: Status) -> Result<(), CorrectionRefusal> {
    match status {
        Status::Closed | Status::Declined | Status::Withdrawn => {
            Err(CorrectionRefusal::Ended(status.as_str()))
        }
        Status::Submitted => Ok(()),
        Status::Accepted | Status::Allocated | Status::Active => {
            if role.acts_for_schools() {
                Err(CorrectionRefusal::WithTheTeam(status.as_str()))
            } else {
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn nobody_corrects_an_ended_referral() {
        for role in Role::iter() {
            for s in [Status::Closed, Status::Declined, Status::Withdrawn] {
                assert_eq!(
                    may_correct(role, s),
                    Err(CorrectionRefusal::Ended(s.as_str()))
                );
            }
        }
    }

    #[test]
    fn the_referrer_corrects_until_the_team_accepts() {
        for role in [Role::School, Role::Integration] {
            assert_eq!(may_correct(role, Status::Submitted), Ok(()));
            for s in [Status::Accepted, Status::Allocated, Status::Active] {
                assert!(matches!(
                    may_correct(role, s),
                    Err(CorrectionRefusal::WithTheTeam(_))
                ));
            }
        }
    }

    #[test]
    fn staff_correct_while_open() {
        for role in [Role::LaAdmin, Role::TeamManager, Role::Practitioner] {
            for s in [
                Status::Submitted,
                Status::Accepted,
                Status::Allocated,
                Status::Active,
            ] {
                assert_eq!(may_correct(role, s), Ok(()));
            }
        }
    }
}
