//! Newtype identifiers, so that a team id can never be passed where a worker
//! id is expected.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered identifier (UUID v7), which keeps btree
            /// indexes compact.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }
    };
}

uuid_id!(
    /// A referral.
    ReferralId
);
uuid_id!(
    /// A child (one record per UPN).
    ChildId
);
uuid_id!(
    /// A geographical zone.
    ZoneId
);
uuid_id!(
    /// A School & Community Team.
    TeamId
);
uuid_id!(
    /// A worker (practitioner or manager) of a team.
    WorkerId
);
