//! Co-workers of a referral (docs/adr/0007-practitioner-scope.md): a team
//! manager (or la_admin) adds a worker of the referral's team beside its
//! allocated practitioner, or removes them. A co-worker reads and changes the
//! referral and its delivery records as the allocated practitioner does.

use crate::features::referrals::actions::CoWorkerBody;
use crate::features::referrals::dto::Referral;
use crate::features::referrals::handlers::referral_written;
use crate::http::access::only;
use crate::http::access::scope_of;
use crate::http::audit::actor;
use crate::http::auth::Caller;
use crate::http::docs::Conflict;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::extract::RequestId;
use crate::http::respond::now_at;
use crate::http::state::AppState;
use crate::http::validate::validate;
use crate::http::write::write_with_own_audit;
use actix_web::delete;
use actix_web::http::StatusCode;
use actix_web::post;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use sct_domain::Role;
use sct_persistence::referrals as repo;
use sct_persistence::referrals::CoWorkerChange;
use sct_persistence::referrals::CoWorkerError;
use uuid::Uuid;

/// Who decides who works a case: as for allocation.
const DECIDERS: &[Role] = &[Role::LaAdmin, Role::TeamManager];

fn co_worker_error(e: CoWorkerError) -> ApiError {
    match e {
        CoWorkerError::NotFound => ApiError::not_found(),
        CoWorkerError::VersionMismatch { current } => now_at("referral", current),
        CoWorkerError::NotOpen(_) => ApiError::new(ErrorCode::ReferralNotOpen, e.to_string()),
        CoWorkerError::NotInTeam => ApiError::new(ErrorCode::WorkerNotInTeam, e.to_string()),
        CoWorkerError::Inactive => ApiError::new(ErrorCode::WorkerInactive, e.to_string()),
        CoWorkerError::Allocated => {
            ApiError::new(ErrorCode::AlreadyAllocatedToWorker, e.to_string())
        }
        CoWorkerError::Already => ApiError::new(ErrorCode::AlreadyExists, e.to_string()),
        CoWorkerError::Store(s) => s.into(),
    }
}

async fn change(
    state: &web::Data<AppState>,
    caller: &Caller,
    rid: &RequestId,
    req: &HttpRequest,
    id: Uuid,
    if_match: IfMatch,
    change: CoWorkerChange,
) -> Result<HttpResponse, ApiError> {
    only(caller, DECIDERS)?;
    let expected = if_match.required()?;
    let scope = scope_of(caller, &state.db).await?;
    let actor = actor(caller, rid);
    // Its audit rows are stored by the change, in its transaction.
    write_with_own_audit(state, req, move |conn| {
        Box::pin(async move {
            let view = repo::change_co_workers(
                conn,
                id,
                change,
                &scope,
                expected,
                &actor,
                sct_persistence::now(),
            )
            .await
            .map_err(co_worker_error)?;
            Ok(referral_written(StatusCode::OK, &view))
        })
    })
    .await
}

/// Add a co-worker to a referral.
#[utoipa::path(
    tag = "Referral actions",
    summary = "Add a co-worker",
    description = "A team manager of the referral's team (or la_admin) adds a worker of that team beside the allocated practitioner: from now on they read and change the referral and its delivery records (plan, reviews, sessions) as the allocated practitioner does. The worker must be active (422 `worker_inactive`), of the referral's team (422 `worker_not_in_team`), not its allocated worker (409 `already_allocated_to_worker`) and not already a co-worker (409 `already_exists`); the referral must be accepted, allocated or active (409 `referral_not_open`). With If-Match on the referral (428 without, 412 when stale); the referral's version moves on. Written to the history (`add_co_worker`) and the audit log, and sent as the `referral.co_workers_changed` webhook event.",
    params(
        ("id" = Uuid, Path, description = "Referral id"),
        ("If-Match" = String, Header, description = "The ETag of the referral as last read, e.g. \"v3\""),
    ),
    request_body(content = CoWorkerBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The referral with its co-workers", body = Referral, headers(("ETag" = String, description = "New version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/referrals/{id}/co-workers")]
pub async fn add_co_worker(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    req: HttpRequest,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<CoWorkerBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    validate(&b)?;
    change(
        &state,
        &caller,
        &rid,
        &req,
        id.into_inner(),
        if_match,
        CoWorkerChange::Add(b.worker_id),
    )
    .await
}

/// Remove a co-worker from a referral.
#[utoipa::path(
    tag = "Referral actions",
    summary = "Remove a co-worker",
    description = "A team manager of the referral's team (or la_admin) ends a worker's co-working of the referral: from now on the referral and its delivery records answer them 404. 404 when the worker is not a current co-worker. With If-Match on the referral (428 without, 412 when stale); the referral's version moves on. Written to the history (`remove_co_worker`) and the audit log, and sent as the `referral.co_workers_changed` webhook event.",
    params(
        ("id" = Uuid, Path, description = "Referral id"),
        ("worker_id" = Uuid, Path, description = "The co-worker's worker id"),
        ("If-Match" = String, Header, description = "The ETag of the referral as last read, e.g. \"v3\""),
    ),
    responses(
        (status = 200, description = "The referral with its co-workers", body = Referral, headers(("ETag" = String, description = "New version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[delete("/referrals/{id}/co-workers/{worker_id}")]
pub async fn remove_co_worker(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (id, worker) = path.into_inner();
    change(
        &state,
        &caller,
        &rid,
        &req,
        id,
        if_match,
        CoWorkerChange::Remove(worker),
    )
    .await
}
