//! Workers of a team (practitioners and managers) with their caseload caps.

use crate::features::organisation::dto::NewWorker;
use crate::features::organisation::dto::Worker;
use crate::features::organisation::dto::WorkerPage;
use crate::features::organisation::dto::WorkerUpdate;
use crate::features::organisation::zones::conflict_on_unique;
use crate::features::organisation::zones::team_in_scope;
use crate::features::organisation::zones::ADMIN;
use crate::http::access::only;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Conflict;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::extract::PageParams;
use crate::http::paging::cursor_key;
use crate::http::paging::next_page;
use crate::http::paging::page_size;
use crate::http::respond::ok;
use crate::http::respond::stale;
use crate::http::state::AppState;
use crate::http::validate::validate;
use crate::http::wire::WireName;
use crate::http::write::write;
use crate::http::write::Written;
use actix_web::get;
use actix_web::post;
use actix_web::put;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use sct_persistence::organisation;
use sct_persistence::organisation::NewWorker as NewWorkerRow;
use uuid::Uuid;

/// List a team's workers.
#[utoipa::path(
    tag = "Workers",
    summary = "List a team's workers",
    description = "Workers with their caseload and cap. la_admin, or the team's own manager.",
    params(("id" = Uuid, Path, description = "Team id"), PageParams),
    responses(
        (status = 200, description = "A page of workers", body = WorkerPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/teams/{id}/workers")]
pub async fn list_workers(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    p: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let team = id.into_inner();
    team_in_scope(&caller, team)?;
    let (limit, n) = page_size(&p)?;
    let after = cursor_key(p.cursor.as_deref())?;
    let mut conn = state.db.conn().await?;
    organisation::get_team(&mut conn, team).await?;
    let mut rows = organisation::list_workers(&mut conn, team, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| r.worker.id);
    Ok(HttpResponse::Ok().json(WorkerPage {
        items: rows
            .into_iter()
            .map(|w| Worker::from_row(w.worker, w.caseload))
            .collect(),
        next_cursor,
    }))
}

/// Read a worker.
#[utoipa::path(
    tag = "Workers",
    summary = "Read a worker",
    description = "A worker with caseload. la_admin, or the team's own manager.",
    params(("id" = Uuid, Path, description = "Team id"), ("worker_id" = Uuid, Path, description = "Worker id")),
    responses(
        (status = 200, description = "The worker", body = Worker, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/teams/{id}/workers/{worker_id}")]
pub async fn get_worker(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (team, worker) = path.into_inner();
    team_in_scope(&caller, team)?;
    let mut conn = state.db.conn().await?;
    let w = organisation::get_worker(&mut conn, team, worker).await?;
    Ok(ok(
        w.worker.version,
        &Worker::from_row(w.worker, w.caseload),
    ))
}

/// Add a worker.
#[utoipa::path(
    tag = "Workers",
    summary = "Add a worker to a team",
    description = "la_admin only. `subject` is the identity provider's subject of the worker's tokens and is unique.",
    params(("id" = Uuid, Path, description = "Team id")),
    request_body(content = NewWorker, content_type = "application/json"),
    responses(
        (status = 201, description = "The worker", body = Worker, headers(("Location" = String, description = "URL of the worker"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/teams/{id}/workers")]
pub async fn create_worker(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<NewWorker>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    validate(&b)?;
    let team = id.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            organisation::get_team(conn, team).await?;
            let w = organisation::create_worker(
                conn,
                &NewWorkerRow {
                    team,
                    subject: &b.subject,
                    name: &b.name,
                    job_role: b.job_role.as_str(),
                    caseload_cap: b.caseload_cap,
                },
            )
            .await
            .map_err(|e| conflict_on_unique(e, "a worker with this subject"))?;
            Ok(Written::created(
                format!("/api/v1/teams/{team}/workers/{}", w.id),
                w.version,
                &Worker::from_row(w, 0),
            ))
        })
    })
    .await
}

/// Update a worker.
#[utoipa::path(
    tag = "Workers",
    summary = "Update a worker",
    description = "la_admin only, with If-Match: name, caseload cap, active flag.",
    params(("id" = Uuid, Path, description = "Team id"), ("worker_id" = Uuid, Path, description = "Worker id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = WorkerUpdate, content_type = "application/json"),
    responses(
        (status = 200, description = "The worker", body = Worker, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/teams/{id}/workers/{worker_id}")]
pub async fn update_worker(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<WorkerUpdate>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    validate(&b)?;
    let version = if_match.required()?;
    let (team, worker) = path.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            // Existence first (404 rather than 412); the caseload does not change
            // with the update, so it is read once here.
            let caseload = organisation::get_worker(conn, team, worker).await?.caseload;
            let w = organisation::update_worker(
                conn,
                team,
                worker,
                version,
                &b.name,
                b.caseload_cap,
                b.active,
            )
            .await?
            .ok_or_else(stale)?;
            Ok(Written::ok(w.version, &Worker::from_row(w, caseload)))
        })
    })
    .await
}
