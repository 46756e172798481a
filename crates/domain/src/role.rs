//! The roles a caller can hold, as carried in the token's `role` claim.

use serde::{Deserialize, Serialize};
use strum::{AsRefStr, EnumIter, EnumString, IntoStaticStr};

/// A caller's role.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Council administrator: everything, across all zones.
    LaAdmin,
    /// Manager of one team: triage and allocation for the team's zone.
    TeamManager,
    /// Practitioner: works the referrals allocated to them.
    Practitioner,
    /// A school: submits and follows its own referrals.
    School,
    /// A school MIS vendor's client acting for the schools in its token.
    Integration,
}

impl Role {
    /// Whether the role acts for a list of schools (and is scoped to them).
    pub fn acts_for_schools(self) -> bool {
        matches!(self, Role::School | Role::Integration)
    }

    /// Whether the role belongs to a team (and is scoped to it).
    pub fn belongs_to_team(self) -> bool {
        matches!(self, Role::TeamManager | Role::Practitioner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::WireName;
    use strum::IntoEnumIterator;

    #[test]
    fn wire_names_round_trip() {
        for role in Role::iter() {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            let json = serde_json::to_string(&role).expect("serialise");
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert_eq!(Role::parse("admin"), None);
    }

    #[test]
    fn scopes_follow_the_role() {
        assert!(Role::School.acts_for_schools());
        assert!(Role::Integration.acts_for_schools());
        assert!(!Role::LaAdmin.acts_for_schools());
        assert!(Role::TeamManager.belongs_to_team());
        assert!(Role::Practitioner.belongs_to_team());
        assert!(!Role::School.belongs_to_team());
    }
}
