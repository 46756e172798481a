//! A practitioner's working day (issue 16): when a plan's review falls due,
//! case notes and who reads them, the kinds of entry of a case's
//! chronology, and what a "known before?" lookup must name.

use crate::role::Role;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use strum::{AsRefStr, EnumIter, EnumString, IntoStaticStr};

/// Days between a plan's reviews: six weeks, from the start of work and
/// then from each review.
pub const REVIEW_INTERVAL_DAYS: u64 = 42;

/// When the next review falls due after work starts or a review is held on
/// `from`.
pub fn next_review_due(from: NaiveDate) -> NaiveDate {
    from.checked_add_days(chrono::Days::new(REVIEW_INTERVAL_DAYS))
        .unwrap_or(from)
}

/// What a case note records.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    Call,
    Visit,
    Email,
    Meeting,
    Other,
}

/// Who reads a case note.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteVisibility {
    /// Everyone who may read the referral.
    Team,
    /// Only the allocated worker, co-workers, team managers and la_admin.
    Restricted,
}

/// Who may write and read case notes: council and team staff. Schools and
/// their MIS never do.
pub fn may_use_notes(role: Role) -> bool {
    matches!(role, Role::LaAdmin | Role::TeamManager | Role::Practitioner)
}

/// Whether a reader of the referral sees its restricted notes: managers and
/// la_admin always, anyone else only when they work the case (allocated or
/// co-worker).
pub fn sees_restricted(role: Role, works_the_case: bool) -> bool {
    match role {
        Role::LaAdmin | Role::TeamManager => true,
        Role::Practitioner => works_the_case,
        Role::School | Role::Integration => false,
    }
}

/// The kinds of entry of a case's chronology. Planned appointments and
/// follow-ups will be further kinds when they exist: clients must ignore a
/// kind they do not know.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChronologyKind {
    /// A change of the referral's status (its history).
    StatusChange,
    /// Consent recorded with the referral.
    Consent,
    /// A session delivered.
    Session,
    /// A review of the plan.
    Review,
    /// A case note.
    Note,
    /// A planned appointment (kept when cancelled or completed).
    Appointment,
}

/// What a "known before?" lookup searches by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupKey {
    /// The unique pupil number (already checked by the caller).
    Upn(String),
    /// Given and family names with the date of birth, all three required.
    NamesAndBirth {
        given_name: String,
        family_name: String,
        date_of_birth: NaiveDate,
    },
}

impl LookupKey {
    /// The key of a lookup, or the fields that are missing: a UPN alone,
    /// or both names and the date of birth.
    ///
    /// # Errors
    /// The names of the missing fields, when neither key is complete.
    pub fn of(
        upn: Option<&str>,
        given_name: Option<&str>,
        family_name: Option<&str>,
        date_of_birth: Option<NaiveDate>,
    ) -> Result<Self, Vec<&'static str>> {
        fn present(s: Option<&str>) -> Option<&str> {
            s.map(str::trim).filter(|s| !s.is_empty())
        }
        if let Some(u) = present(upn) {
            return Ok(Self::Upn(u.to_owned()));
        }
        match (present(given_name), present(family_name), date_of_birth) {
            (Some(g), Some(f), Some(d)) => Ok(Self::NamesAndBirth {
                given_name: g.to_owned(),
                family_name: f.to_owned(),
                date_of_birth: d,
            }),
            (g, f, d) => {
                let mut missing = Vec::new();
                if g.is_none() {
                    missing.push("given_name");
                }
                if f.is_none() {
                    missing.push("family_name");
                }
                if d.is_none() {
                    missing.push("date_of_birth");
                }
                Err(missing)
            }
        }
    }

    /// The wire name of the key's kind (for the audit trail).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Upn(_) => "upn",
            Self::NamesAndBirth { .. } => "names_and_date_of_birth",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_falls_due_six_weeks_on() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 5).expect("date");
        assert_eq!(
            next_review_due(d),
            NaiveDate::from_ymd_opt(2026, 2, 16).expect("date")
        );
    }

    #[test]
    fn restricted_notes_are_for_those_who_work_the_case_and_managers() {
        assert!(sees_restricted(Role::TeamManager, false));
        assert!(sees_restricted(Role::LaAdmin, false));
        assert!(sees_restricted(Role::Practitioner, true));
        assert!(!sees_restricted(Role::Practitioner, false));
        assert!(!sees_restricted(Role::School, true));
        assert!(!may_use_notes(Role::School));
        assert!(!may_use_notes(Role::Integration));
    }

    #[test]
    fn a_lookup_needs_a_upn_or_both_names_and_the_date_of_birth() {
        let d = NaiveDate::from_ymd_opt(2015, 3, 1);
        assert_eq!(
            LookupKey::of(Some("A123"), None, None, None),
            Ok(LookupKey::Upn("A123".into()))
        );
        assert_eq!(
            LookupKey::of(None, Some("Sam"), None, d),
            Err(vec!["family_name"])
        );
        assert_eq!(
            LookupKey::of(Some(" "), None, None, None),
            Err(vec!["given_name", "family_name", "date_of_birth"])
        );
        assert!(matches!(
            LookupKey::of(None, Some("Sam"), Some("Lee"), d),
            Ok(LookupKey::NamesAndBirth { .. })
        ));
    }
}
