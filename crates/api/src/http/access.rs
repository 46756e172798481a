//! Who may reach what: role sets, a caller's data scope (`scope_of`) and
//! reach over service-delivery records (`reach_of`).

use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use sct_domain::Role;
use sct_persistence::organisation;
use sct_persistence::termly::Reach;
use sct_persistence::Db;
use sct_persistence::Scope;
use sct_persistence::StoreError;
use uuid::Uuid;

/// Resolves a team role's token to its worker record, the one place that
/// decides what a team manager or practitioner reaches
/// (docs/adr/0007-practitioner-scope.md): the record with the token's
/// subject must be active (403 `worker_deactivated` otherwise) and of the
/// token's team; a token whose subject is no worker, or a worker of another
/// team, keeps no team and reaches nothing. Run once per request by the
/// `Caller` extractor; `scope_of` and `reach_of` read its result.
///
/// # Errors
/// `WorkerDeactivated`; the database's errors.
pub async fn team_member(caller: Caller, db: &Db) -> Result<Caller, ApiError> {
    let mut conn = db.conn().await?;
    let worker = organisation::worker_by_subject(&mut conn, &caller.subject).await?;
    Ok(match worker {
        Some(w) if !w.active => {
            return Err(ApiError::new(
                ErrorCode::WorkerDeactivated,
                "the worker record of this token is deactivated",
            ))
        }
        Some(w) if Some(w.team_id) == caller.team_id => Caller {
            worker_id: Some(w.id),
            ..caller
        },
        _ => Caller {
            team_id: None,
            worker_id: None,
            ..caller
        },
    })
}

/// The data scope of a caller: la_admin all, schools (and their MIS) their
/// URNs, a team manager their team's referrals, a practitioner the
/// referrals they work (allocated or co-worker), all as resolved by
/// `team_member`.
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

/// What a caller reaches of the service-delivery records: la_admin all,
/// a team's workers their team's zone (the team of their worker record, as
/// resolved by `team_member`), schools (and their MIS) their URNs.
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
