//! Community and place: Family Hub postcodes, group programmes (parenting
//! programmes, support groups, workshops), their status and their waiting
//! lists.

use crate::wire::WireName;
use strum::{AsRefStr, EnumIter, EnumString, IntoStaticStr};
use thiserror::Error;

/// A UK postcode, normalised to upper case with one space before the inward
/// code (`NR1 2DH`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Postcode(String);

/// Why a postcode was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("not a UK postcode (for example NR1 2DH)")]
pub struct PostcodeError;

impl Postcode {
    /// Parses a postcode: outward code `A9`, `A99`, `AA9`, `AA99`, `A9A` or
    /// `AA9A`, then the inward code `9AA` (whose letters are never C, I, K,
    /// M, O or V). Case and the space are forgiven; `GIR 0AA` is accepted.
    ///
    /// # Errors
    /// `PostcodeError`.
    pub fn parse(raw: &str) -> Result<Self, PostcodeError> {
        let compact: String = raw
            .chars()
            .filter(|c| *c != ' ')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if raw.trim() != raw || raw.contains("  ") || !(5..=7).contains(&compact.len()) {
            return Err(PostcodeError);
        }
        if !compact.is_ascii() {
            return Err(PostcodeError);
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        // A space, if any, separates the outward from the inward code.
        if raw.contains(' ') && raw.to_ascii_uppercase() != format!("{outward} {inward}") {
            return Err(PostcodeError);
        }
        if compact == "GIR0AA" {
            return Ok(Self("GIR 0AA".into()));
        }
        let inw = inward.as_bytes();
        let inward_ok = inw[0].is_ascii_digit()
            && inw[1..]
                .iter()
                .all(|b| b.is_ascii_uppercase() && !b"CIKMOV".contains(b));
        let out = outward.as_bytes();
        let alpha = |b: u8| b.is_ascii_uppercase();
        let digit = |b: u8| b.is_ascii_digit();
        // A9, A99, AA9, AA99, A9A, AA9A.
        let outward_ok = match *out {
            [first, second] => alpha(first) && digit(second),
            [first, second, third] => {
                alpha(first) && digit(second) && (digit(third) || alpha(third))
                    || alpha(first) && alpha(second) && digit(third)
            }
            [first, second, third, fourth] => {
                alpha(first) && alpha(second) && digit(third) && (digit(fourth) || alpha(fourth))
            }
            _ => false,
        };
        if inward_ok && outward_ok && !b"QVX".contains(&out[0]) {
            Ok(Self(format!("{outward} {inward}")))
        } else {
            Err(PostcodeError)
        }
    }

    /// The normalised postcode.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What kind of group offer a programme is.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProgrammeType {
    ParentingProgramme,
    SupportGroup,
    Workshop,
}

impl ProgrammeType {
    /// Every type (the api's ORUK taxonomy lists them; elsewhere `iter()`).
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// A name for people (the ORUK taxonomy term's name).
    pub fn label(self) -> &'static str {
        match self {
            Self::ParentingProgramme => "Parenting programme",
            Self::SupportGroup => "Support group",
            Self::Workshop => "Workshop",
        }
    }
}

/// Where a programme is in its life. Being full is not a status: it follows
/// from capacity and enrolments, and a cancellation makes room again.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProgrammeStatus {
    /// Being prepared; not published, no enrolments.
    Draft,
    /// Published and taking enrolments.
    Open,
    /// Sessions under way; still takes enrolments (late joiners, waiting list).
    Running,
    /// Finished.
    Completed,
    /// Called off.
    Cancelled,
}

impl ProgrammeStatus {
    /// Whether families can enrol (or join the waiting list).
    pub fn takes_enrolments(self) -> bool {
        matches!(self, Self::Open | Self::Running)
    }

    /// Whether the programme is published (in the Open Referral UK feed).
    pub fn is_published(self) -> bool {
        matches!(self, Self::Open | Self::Running)
    }

    /// Statuses a programme may move to from this one.
    pub fn next(self) -> &'static [ProgrammeStatus] {
        match self {
            Self::Draft => &[Self::Open, Self::Cancelled],
            Self::Open => &[Self::Running, Self::Cancelled],
            Self::Running => &[Self::Completed, Self::Cancelled],
            Self::Completed | Self::Cancelled => &[],
        }
    }
}

/// Why a programme change was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProgrammeError {
    #[error("a programme cannot move from {from} to {to}")]
    InvalidTransition {
        from: &'static str,
        to: &'static str,
    },
    #[error("a programme that has no sessions cannot start")]
    NoSessions,
    #[error("capacity {capacity} is below the {enrolled} families already enrolled")]
    CapacityBelowEnrolled { capacity: u32, enrolled: u32 },
    #[error("the programme is {0} and takes no enrolments")]
    NotTakingEnrolments(&'static str),
    #[error("an enrolment that is {from} cannot take the action {action}")]
    InvalidEnrolmentTransition {
        action: &'static str,
        from: &'static str,
    },
    #[error("attendance is recorded: the session took place and cannot move to a day after today")]
    AttendedSessionRescheduled,
}

/// Decides a change of programme status.
///
/// # Errors
/// `InvalidTransition` when `to` does not follow `from`; `NoSessions` when
/// starting a programme without sessions.
pub fn change_status(
    from: ProgrammeStatus,
    to: ProgrammeStatus,
    sessions: u32,
) -> Result<ProgrammeStatus, ProgrammeError> {
    if !from.next().contains(&to) {
        return Err(ProgrammeError::InvalidTransition {
            from: from.as_str(),
            to: to.as_str(),
        });
    }
    if to == ProgrammeStatus::Running && sessions == 0 {
        return Err(ProgrammeError::NoSessions);
    }
    Ok(to)
}

/// Checks a new capacity against the families already holding a place.
///
/// # Errors
/// `CapacityBelowEnrolled`.
pub fn check_capacity(capacity: u32, enrolled: u32) -> Result<(), ProgrammeError> {
    if capacity < enrolled {
        Err(ProgrammeError::CapacityBelowEnrolled { capacity, enrolled })
    } else {
        Ok(())
    }
}

/// Where a family's enrolment stands.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnrolmentStatus {
    /// Holds a place.
    Enrolled,
    /// On the waiting list.
    Waiting,
    /// Cancelled (by the family or the team).
    Cancelled,
    /// Finished the programme.
    Completed,
}

/// Where a new enrolment goes: a place while one is free, the waiting list
/// after that.
///
/// # Errors
/// `NotTakingEnrolments` unless the programme is open or running.
pub fn place_new_enrolment(
    status: ProgrammeStatus,
    capacity: u32,
    enrolled: u32,
) -> Result<EnrolmentStatus, ProgrammeError> {
    if !status.takes_enrolments() {
        return Err(ProgrammeError::NotTakingEnrolments(status.as_str()));
    }
    Ok(if enrolled < capacity {
        EnrolmentStatus::Enrolled
    } else {
        EnrolmentStatus::Waiting
    })
}

/// Cancelling: an enrolled or waiting family may cancel.
///
/// # Errors
/// `InvalidEnrolmentTransition` from `cancelled` or `completed`.
pub fn cancel_enrolment(from: EnrolmentStatus) -> Result<EnrolmentStatus, ProgrammeError> {
    match from {
        EnrolmentStatus::Enrolled | EnrolmentStatus::Waiting => Ok(EnrolmentStatus::Cancelled),
        other => Err(ProgrammeError::InvalidEnrolmentTransition {
            action: "cancelled",
            from: other.as_str(),
        }),
    }
}

/// Completing: only a family holding a place on a running or completed
/// programme completes it.
///
/// # Errors
/// `InvalidEnrolmentTransition` from another enrolment status;
/// `NotTakingEnrolments` (naming the programme status) before it runs.
pub fn complete_enrolment(
    from: EnrolmentStatus,
    programme: ProgrammeStatus,
) -> Result<EnrolmentStatus, ProgrammeError> {
    if from != EnrolmentStatus::Enrolled {
        return Err(ProgrammeError::InvalidEnrolmentTransition {
            action: "completed",
            from: from.as_str(),
        });
    }
    if !matches!(
        programme,
        ProgrammeStatus::Running | ProgrammeStatus::Completed
    ) {
        return Err(ProgrammeError::InvalidEnrolmentTransition {
            action: "completed",
            from: programme.as_str(),
        });
    }
    Ok(EnrolmentStatus::Completed)
}

/// When a programme session is held: its date and local start and end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTime {
    pub date: chrono::NaiveDate,
    pub starts_at: Option<chrono::NaiveTime>,
    pub ends_at: Option<chrono::NaiveTime>,
}

/// Decides whether a programme session may move from `from` to `to`.
///
/// A session without attendance has not been held as far as the record
/// goes: it may be rescheduled freely (within the programme's dates, which
/// the caller checks as when adding a session). Once attendance is
/// recorded, the session took place: its date and times may still be
/// corrected (a mistyped day or hour), but only to a day no later than
/// `today`, so that it is never rescheduled into a future that the
/// families' attendance would then claim to have happened on. Keeping the
/// date and times (correcting the topic only) is always allowed.
///
/// # Errors
/// `AttendedSessionRescheduled`.
pub fn check_session_move(
    attended: bool,
    from: SessionTime,
    to: SessionTime,
    today: chrono::NaiveDate,
) -> Result<(), ProgrammeError> {
    if attended && from != to && to.date > today {
        return Err(ProgrammeError::AttendedSessionRescheduled);
    }
    Ok(())
}

/// A family on a waiting list: when they joined it, and a tie-breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct WaitingEntry<T: Ord + Copy> {
    /// Position key: when they joined the list (any ordered clock).
    pub joined: T,
    /// Tie-breaker for entries that joined at the same instant (the id).
    pub id: uuid::Uuid,
}

/// The families to promote from the waiting list when places are free: the
/// earliest to join first (ties by id), as many as there are free places.
pub fn promotions<T: Ord + Copy>(
    capacity: u32,
    enrolled: u32,
    waiting: &[WaitingEntry<T>],
) -> Vec<uuid::Uuid> {
    let free = capacity.saturating_sub(enrolled) as usize;
    let mut order = waiting.to_vec();
    order.sort();
    order.into_iter().take(free).map(|e| e.id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;
    use uuid::Uuid;
    use ProgrammeStatus as P;

    #[test]
    fn attended_sessions_are_corrected_but_never_rescheduled_into_the_future() {
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d).expect("date");
        let at = |h| chrono::NaiveTime::from_hms_opt(h, 0, 0);
        let today = day(20);
        let held = SessionTime {
            date: day(10),
            starts_at: at(10),
            ends_at: at(12),
        };
        let moved = |d, h| SessionTime {
            date: day(d),
            starts_at: at(h),
            ends_at: at(h + 2),
        };
        // No attendance: reschedule freely, into the future too.
        assert_eq!(
            check_session_move(false, held, moved(27, 14), today),
            Ok(())
        );
        assert_eq!(check_session_move(false, held, moved(5, 9), today), Ok(()));
        // Attendance recorded: a correction to a past day or today, or of
        // the hours, stands; a move to a day after today does not.
        assert_eq!(check_session_move(true, held, moved(9, 10), today), Ok(()));
        assert_eq!(check_session_move(true, held, moved(20, 14), today), Ok(()));
        assert_eq!(check_session_move(true, held, moved(10, 9), today), Ok(()));
        assert_eq!(
            check_session_move(true, held, moved(21, 10), today),
            Err(ProgrammeError::AttendedSessionRescheduled)
        );
        // An attended session dated in the future (attendance taken ahead)
        // keeps its date and times: its topic may still be corrected.
        let ahead = moved(25, 10);
        assert_eq!(check_session_move(true, ahead, ahead, today), Ok(()));
        assert_eq!(
            check_session_move(true, ahead, moved(25, 11), today),
            Err(ProgrammeError::AttendedSessionRescheduled)
        );
    }

    #[test]
    fn postcodes_are_normalised_and_checked() {
        for (raw, norm) in [
            ("NR1 2DH", "NR1 2DH"),
            ("nr12dh", "NR1 2DH"),
            ("PE30 1EX", "PE30 1EX"),
            ("M1 1AE", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("W1A 0AX", "W1A 0AX"),
            ("EC1A 1BB", "EC1A 1BB"),
            ("GIR 0AA", "GIR 0AA"),
        ] {
            assert_eq!(
                Postcode::parse(raw).map(|p| p.as_str().to_owned()),
                Ok(norm.into()),
                "{raw}"
            );
        }
        for bad in [
            "",
            "NR1",
            "NR1 2D",
            "NR1 2CH",
            "NR12 DH",
            "1NR 2DH",
            "NR1  2DH",
            " NR1 2DH",
            "QR1 2DH",
            "NRR1 2DH",
            "NR1 2DHX",
            "ÑR1 2DH",
            "AB123 4CD",
        ] {
            assert_eq!(Postcode::parse(bad), Err(PostcodeError), "{bad}");
        }
    }

    #[test]
    fn programmes_go_draft_open_running_completed() {
        assert_eq!(change_status(P::Draft, P::Open, 0), Ok(P::Open));
        assert_eq!(change_status(P::Open, P::Running, 1), Ok(P::Running));
        assert_eq!(change_status(P::Running, P::Completed, 1), Ok(P::Completed));
        assert_eq!(
            change_status(P::Open, P::Running, 0),
            Err(ProgrammeError::NoSessions)
        );
        assert!(change_status(P::Draft, P::Running, 3).is_err());
        assert!(change_status(P::Open, P::Completed, 3).is_err());
        assert!(change_status(P::Open, P::Draft, 3).is_err());
    }

    #[test]
    fn cancelled_and_completed_programmes_are_final() {
        for from in [P::Draft, P::Open, P::Running] {
            assert_eq!(change_status(from, P::Cancelled, 0), Ok(P::Cancelled));
        }
        for from in [P::Completed, P::Cancelled] {
            for to in P::iter() {
                assert!(change_status(from, to, 5).is_err(), "{from:?} -> {to:?}");
            }
        }
    }

    #[test]
    fn only_open_or_running_programmes_are_published_and_take_enrolments() {
        for s in P::iter() {
            assert_eq!(s.takes_enrolments(), matches!(s, P::Open | P::Running));
            assert_eq!(s.is_published(), s.takes_enrolments());
            assert_eq!(P::parse(s.as_str()), Some(s));
        }
        assert!(place_new_enrolment(P::Draft, 10, 0).is_err());
        assert!(place_new_enrolment(P::Completed, 10, 0).is_err());
    }

    #[test]
    fn beyond_capacity_families_wait() {
        assert_eq!(
            place_new_enrolment(P::Open, 2, 0),
            Ok(EnrolmentStatus::Enrolled)
        );
        assert_eq!(
            place_new_enrolment(P::Open, 2, 1),
            Ok(EnrolmentStatus::Enrolled)
        );
        assert_eq!(
            place_new_enrolment(P::Open, 2, 2),
            Ok(EnrolmentStatus::Waiting)
        );
        assert_eq!(
            place_new_enrolment(P::Running, 0, 0),
            Ok(EnrolmentStatus::Waiting)
        );
    }

    #[test]
    fn capacity_cannot_drop_below_the_families_enrolled() {
        assert!(check_capacity(5, 5).is_ok());
        assert_eq!(
            check_capacity(4, 5),
            Err(ProgrammeError::CapacityBelowEnrolled {
                capacity: 4,
                enrolled: 5
            })
        );
    }

    #[test]
    fn the_waiting_list_promotes_the_earliest_first_ties_by_id() {
        let id = |n: u128| Uuid::from_u128(n);
        let waiting = [
            WaitingEntry {
                joined: 30,
                id: id(1),
            },
            WaitingEntry {
                joined: 10,
                id: id(9),
            },
            WaitingEntry {
                joined: 20,
                id: id(5),
            },
            WaitingEntry {
                joined: 10,
                id: id(3),
            },
        ];
        assert_eq!(promotions(5, 4, &waiting), vec![id(3)]);
        assert_eq!(promotions(5, 2, &waiting), vec![id(3), id(9), id(5)]);
        assert_eq!(
            promotions(10, 0, &waiting),
            vec![id(3), id(9), id(5), id(1)]
        );
        assert!(promotions(4, 4, &waiting).is_empty());
        assert!(promotions(3, 4, &waiting).is_empty());
    }

    #[test]
    fn enrolments_cancel_from_a_place_or_the_list_and_complete_from_a_place() {
        use EnrolmentStatus as E;
        assert_eq!(cancel_enrolment(E::Enrolled), Ok(E::Cancelled));
        assert_eq!(cancel_enrolment(E::Waiting), Ok(E::Cancelled));
        assert!(cancel_enrolment(E::Cancelled).is_err());
        assert!(cancel_enrolment(E::Completed).is_err());
        assert_eq!(
            complete_enrolment(E::Enrolled, P::Running),
            Ok(E::Completed)
        );
        assert_eq!(
            complete_enrolment(E::Enrolled, P::Completed),
            Ok(E::Completed)
        );
        assert!(complete_enrolment(E::Enrolled, P::Open).is_err());
        assert!(complete_enrolment(E::Waiting, P::Running).is_err());
        for s in E::iter() {
            assert_eq!(E::parse(s.as_str()), Some(s));
        }
    }
}
