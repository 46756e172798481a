//! Who may reach what: role sets, a caller's data scope (`scope_of`) and
//! reach over service-delivery records (`reach_of`).

use crate::http::auth::Caller;
use crate::http::error::ApiError;
use sct_domain::Role;
use sct_persistence::organisation;
use sct_persistence::termly::Reach;
use sct_persistence::Db;
use sct_persistence::Scope;
use sct_persistence::StoreError;
use uuid::Uuid;

/// The data scope of a caller: la_admin all, schools (and their MIS) their
/// URNs, a team manager their team's referrals, a practitioner the
/// referrals they work (allocated or co-worker), all as resolved by
/// `crate::http::auth::team_member`.
pub async fn scope_of(caller: &Caller, _db: &Db) -> Result<Scope, ApiError> {
    Ok(match caller.role {
        Role::LaAdmin => Scope::All,
        Role::School | Role::Integration => Scope::Schools(caller.schools.clone()),
        // A token that resolved to no worker of its team sees nothing.
        Role::TeamManager => match caller.team_id {
            Some(team) => Scope::Team(team),
            None => Scope::Worker(Uuid::nil()),
        },
        Role::Practitioner => match (caller.team_id, caller.worker_id) {
            (Some(_), Some(worker)) => Scope::Worker(worker),
            _ => Scope::Worker(Uuid::nil()),
        },
    })
}

/// The caller's role must be one of `roles`.
///
/// # Errors
/// `ForbiddenForRole`.
pub fn only(caller: &Caller, roles: &[Role]) -> Result<(), ApiError> {
    caller.require(roles)
}

/// Council and team staff: la_admin, team managers, practitioners.
pub(crate) const STAFF: &[Role] = &[Role::LaAdmin, Role::TeamManager, Role::Practitioner];

/// Staff, schools and their MIS: every role a token can have (each then
/// limited to its reach).
pub(crate) const EVERY_ROLE: &[Role] = &[
    Role::LaAdmin,
    Role::TeamManager,
    Role::Practitioner,
    Role::School,
    Role::Integration,
];

/// What a caller reaches of the service-delivery records: la_admin all,
/// a team's workers their team's zone (the team of their worker record, as
/// resolved by `crate::http::auth::team_member`), schools (and their MIS) their URNs.
pub(crate) async fn reach_of(caller: &Caller, db: &Db) -> Result<Reach, ApiError> {
    Ok(match caller.role {
        Role::LaAdmin => Reach::All,
        Role::School | Role::Integration => Reach::Schools(caller.schools.clone()),
        Role::TeamManager | Role::Practitioner => match caller.team_id {
            Some(team) => {
                let mut conn = db.conn().await?;
                match organisation::get_team(&mut conn, team).await {
                    Ok(t) => Reach::Zone(t.zone_id),
                    Err(StoreError::NotFound) => Reach::Nothing,
                    Err(e) => return Err(e.into()),
                }
            }
            None => Reach::Nothing,
        },
    })
}

/// Whether a school (with its zone) is within reach.
pub(crate) fn school_in_reach(reach: &Reach, urn: &str, zone: Option<Uuid>) -> bool {
    match reach {
        Reach::All => true,
        Reach::Zone(z) => zone == Some(*z),
        Reach::Schools(urns) => urns.iter().any(|u| u == urn),
        Reach::Nothing => false,
    }
}
