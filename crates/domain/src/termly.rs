//! Termly conversations: every school is offered one conversation a term
//! (autumn, spring, summer) about children and families who would benefit
//! from early intervention. Academic years are written `2026/27` and run
//! September to August.

use crate::role::Role;
use crate::wire::WireName;
use strum::{AsRefStr, EnumIter, EnumString, IntoStaticStr};
use thiserror::Error;

/// An academic year such as `2026/27`: the second year follows the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AcademicYear {
    start: u16,
}

/// Why an academic year was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AcademicYearError {
    #[error("write the academic year as YYYY/YY, for example 2026/27")]
    Format,
    #[error("the second year of {0} must follow the first")]
    NotConsecutive(String),
}

impl AcademicYearError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Format => "invalid_academic_year",
            Self::NotConsecutive(_) => "academic_year_not_consecutive",
        }
    }
}

impl AcademicYear {
    /// Parses `YYYY/YY` (years 2000 to 2098).
    ///
    /// # Errors
    /// `Format` for another shape, `NotConsecutive` when the second year does
    /// not follow the first (`2026/28`).
    pub fn parse(raw: &str) -> Result<Self, AcademicYearError> {
        let b = raw.as_bytes();
        let shaped =
            b.len() == 7 && b[4] == b'/' && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit);
        if !shaped {
            return Err(AcademicYearError::Format);
        }
        let start: u16 = raw[..4].parse().map_err(|_| AcademicYearError::Format)?;
        let end: u16 = raw[5..].parse().map_err(|_| AcademicYearError::Format)?;
        if !(2000..=2098).contains(&start) {
            return Err(AcademicYearError::Format);
        }
        if (start + 1) % 100 != end {
            return Err(AcademicYearError::NotConsecutive(raw.to_owned()));
        }
        Ok(Self { start })
    }

    /// The calendar year the academic year starts in (September).
    pub fn start_year(self) -> u16 {
        self.start
    }

    /// The wire form, `2026/27`.
    pub fn as_string(self) -> String {
        format!("{}/{:02}", self.start, (self.start + 1) % 100)
    }
}

/// A school term.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Term {
    Autumn,
    Spring,
    Summer,
}

impl Term {
    /// The days a term's activity is counted over, first and last inclusive.
    /// Term dates differ between schools and years (Easter moves), so the
    /// windows cover the academic year without gaps: autumn 1 September to
    /// 31 December, spring 1 January to 31 March, summer 1 April to
    /// 31 August.
    pub fn window(self, year: AcademicYear) -> (chrono::NaiveDate, chrono::NaiveDate) {
        let first = i32::from(year.start_year());
        let day = |y: i32, m: u32, d: u32| {
            chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or(chrono::NaiveDate::MIN)
        };
        match self {
            Self::Autumn => (day(first, 9, 1), day(first, 12, 31)),
            Self::Spring => (day(first + 1, 1, 1), day(first + 1, 3, 31)),
            Self::Summer => (day(first + 1, 4, 1), day(first + 1, 8, 31)),
        }
    }
}

/// Where a termly conversation is.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConversationStatus {
    /// The team offered it; the school has not answered.
    Offered,
    /// A date is agreed.
    Scheduled,
    /// It took place and is recorded.
    Held,
    /// The school declined this term's conversation.
    Declined,
}

/// What can happen to a termly conversation.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConversationAction {
    /// Agree (or move) the date: school or team.
    Schedule,
    /// Decline this term's conversation: school or team.
    Decline,
    /// Record that it took place (or correct the record): team only.
    Hold,
    /// Offer a declined conversation again: team only.
    Reoffer,
}

impl ConversationAction {
    /// Statuses the action is allowed from.
    pub fn allowed_from(self) -> &'static [ConversationStatus] {
        use ConversationStatus as S;
        match self {
            Self::Schedule | Self::Decline => &[S::Offered, S::Scheduled],
            Self::Hold => &[S::Scheduled, S::Held],
            Self::Reoffer => &[S::Declined],
        }
    }

    /// Whether a role may take the action (scope is checked elsewhere).
    pub fn permits(self, role: Role) -> bool {
        match self {
            Self::Schedule | Self::Decline => matches!(
                role,
                Role::LaAdmin | Role::TeamManager | Role::Practitioner | Role::School
            ),
            Self::Hold | Self::Reoffer => {
                matches!(role, Role::LaAdmin | Role::TeamManager | Role::Practitioner)
            }
        }
    }

    /// The status the action leads to.
    pub fn target(self) -> ConversationStatus {
        match self {
            Self::Schedule => ConversationStatus::Scheduled,
            Self::Decline => ConversationStatus::Declined,
            Self::Hold => ConversationStatus::Held,
            Self::Reoffer => ConversationStatus::Offered,
        }
    }
}

/// Why a conversation action was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConversationError {
    #[error("the role {role} may not {action} a termly conversation")]
    RoleNotAllowed {
        role: &'static str,
        action: &'static str,
    },
    #[error("a termly conversation that is {from} cannot take the action {action}")]
    InvalidTransition {
        action: &'static str,
        from: &'static str,
    },
}

/// Decides whether `role` may take `action` on a conversation in `from`,
/// and the status it leads to.
///
/// # Errors
/// `RoleNotAllowed` or `InvalidTransition`.
pub fn transition(
    from: ConversationStatus,
    action: ConversationAction,
    role: Role,
) -> Result<ConversationStatus, ConversationError> {
    if !action.permits(role) {
        return Err(ConversationError::RoleNotAllowed {
            role: role.as_str(),
            action: action.as_str(),
        });
    }
    if !action.allowed_from().contains(&from) {
        return Err(ConversationError::InvalidTransition {
            action: action.as_str(),
            from: from.as_str(),
        });
    }
    Ok(action.target())
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;
    use ConversationAction as A;
    use ConversationStatus as S;

    #[test]
    fn academic_years_are_yyyy_slash_yy_with_consecutive_years() {
        let y = AcademicYear::parse("2026/27").expect("valid");
        assert_eq!(y.start_year(), 2026);
        assert_eq!(y.as_string(), "2026/27");
        assert_eq!(
            AcademicYear::parse("2099/00"),
            Err(AcademicYearError::Format)
        );
        assert_eq!(
            AcademicYear::parse("2049/50").map(AcademicYear::as_string),
            Ok("2049/50".into())
        );
        for bad in [
            "2026/2027",
            "2026-27",
            "26/27",
            "2026/2",
            "abcd/ef",
            "",
            "1999/00",
        ] {
            assert_eq!(
                AcademicYear::parse(bad),
                Err(AcademicYearError::Format),
                "{bad}"
            );
        }
        for bad in ["2026/28", "2026/26", "2026/25"] {
            assert!(
                matches!(
                    AcademicYear::parse(bad),
                    Err(AcademicYearError::NotConsecutive(_))
                ),
                "{bad}"
            );
        }
        assert_eq!(
            AcademicYearError::NotConsecutive("x".into()).code(),
            "academic_year_not_consecutive"
        );
    }

    #[test]
    fn terms_round_trip() {
        for t in Term::iter() {
            assert_eq!(Term::parse(t.as_str()), Some(t));
        }
        assert_eq!(Term::parse("winter"), None);
        for s in S::iter() {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn a_school_schedules_or_declines_its_offered_conversation() {
        assert_eq!(
            transition(S::Offered, A::Schedule, Role::School),
            Ok(S::Scheduled)
        );
        assert_eq!(
            transition(S::Scheduled, A::Schedule, Role::School),
            Ok(S::Scheduled)
        );
        assert_eq!(
            transition(S::Offered, A::Decline, Role::School),
            Ok(S::Declined)
        );
        assert_eq!(
            transition(S::Scheduled, A::Decline, Role::Practitioner),
            Ok(S::Declined)
        );
    }

    #[test]
    fn only_the_team_records_a_held_conversation_and_only_once_scheduled() {
        assert!(matches!(
            transition(S::Scheduled, A::Hold, Role::School),
            Err(ConversationError::RoleNotAllowed { .. })
        ));
        assert!(matches!(
            transition(S::Offered, A::Hold, Role::Practitioner),
            Err(ConversationError::InvalidTransition { .. })
        ));
        assert_eq!(
            transition(S::Offered, A::Hold, Role::Practitioner).map_err(|e| e.to_string()),
            Err("a termly conversation that is offered cannot take the action hold".to_owned()),
            "the message reads as English whatever the action's name"
        );
        assert_eq!(
            transition(S::Scheduled, A::Hold, Role::Practitioner),
            Ok(S::Held)
        );
        // Correcting the record of a held conversation keeps it held.
        assert_eq!(transition(S::Held, A::Hold, Role::TeamManager), Ok(S::Held));
    }

    #[test]
    fn a_held_conversation_cannot_be_rescheduled_or_declined() {
        for a in [A::Schedule, A::Decline, A::Reoffer] {
            assert!(
                matches!(
                    transition(S::Held, a, Role::LaAdmin),
                    Err(ConversationError::InvalidTransition { .. })
                ),
                "{a:?}"
            );
        }
    }

    #[test]
    fn a_declined_conversation_can_be_offered_again_by_the_team_only() {
        assert_eq!(
            transition(S::Declined, A::Reoffer, Role::TeamManager),
            Ok(S::Offered)
        );
        assert!(transition(S::Declined, A::Reoffer, Role::School).is_err());
        assert!(transition(S::Declined, A::Schedule, Role::School).is_err());
        assert!(transition(S::Offered, A::Reoffer, Role::LaAdmin).is_err());
    }

    #[test]
    fn integration_clients_take_no_conversation_action() {
        for a in [A::Schedule, A::Decline, A::Hold, A::Reoffer] {
            assert!(!a.permits(Role::Integration));
        }
    }

    #[test]
    fn term_windows_cover_the_academic_year_without_gaps() {
        use chrono::NaiveDate;
        use strum::IntoEnumIterator;
        let year = AcademicYear::parse("2026/27").expect("year");
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("date");
        assert_eq!(Term::Autumn.window(year), (d(2026, 9, 1), d(2026, 12, 31)));
        assert_eq!(Term::Spring.window(year), (d(2027, 1, 1), d(2027, 3, 31)));
        assert_eq!(Term::Summer.window(year), (d(2027, 4, 1), d(2027, 8, 31)));
        let windows: Vec<_> = Term::iter().map(|t| t.window(year)).collect();
        for pair in windows.windows(2) {
            assert_eq!(pair[0].1.succ_opt(), Some(pair[1].0), "no gap, no overlap");
        }
        let next = AcademicYear::parse("2027/28").expect("year");
        assert_eq!(
            Term::Summer.window(year).1.succ_opt(),
            Some(Term::Autumn.window(next).0)
        );
    }
}
