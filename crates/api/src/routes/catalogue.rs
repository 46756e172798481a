//! Zones, teams, workers and schools: the council's configuration that
//! routes every referral.

use super::{
    only, stale, validate, AppState, BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge,
    PreconditionFailed, PreconditionRequired, ServiceUnavailable, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::auth::Caller;
use crate::dto::{
    NewSchool, NewTeam, NewWorker, NewZone, School, SchoolPage, SchoolZone, Team, TeamPage,
    TeamUpdate, Worker, WorkerPage, WorkerUpdate, Zone, ZonePage, ZoneUpdate,
};
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::extract::{decode_cursor, encode_cursor, etag, IfMatch, JsonBody, PageParams};
use actix_web::http::header;
use actix_web::{get, post, put, web, HttpResponse};
use sct_domain::Role;
use sct_persistence::catalogue::{self as cat, NewWorker as NewWorkerRow};
use sct_persistence::models::SchoolRow;
use sct_persistence::{ConstraintKind, StoreError};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

const ADMIN: &[Role] = &[Role::LaAdmin];
const TEAM_READERS: &[Role] = &[Role::LaAdmin, Role::TeamManager];

pub(crate) fn created<T: serde::Serialize>(
    location: String,
    version: i32,
    body: &T,
) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

pub(crate) fn ok<T: serde::Serialize>(version: i32, body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

fn conflict_on_unique(e: StoreError, what: &str) -> ApiError {
    match e {
        StoreError::Constraint {
            kind: ConstraintKind::Unique,
            ..
        } => ApiError::new(ErrorCode::AlreadyExists, format!("{what} already exists")),
        other => other.into(),
    }
}

pub(crate) fn page_size(p: &PageParams) -> Result<(i64, usize), ApiError> {
    let limit = p.limit()?;
    Ok((limit, usize::try_from(limit).unwrap_or(50)))
}

/// Limit, rows to show and position of a page of a list keyed by uuid.
pub(crate) fn uuid_page(
    limit: Option<i64>,
    cursor: Option<String>,
) -> Result<(i64, usize, Option<Uuid>), ApiError> {
    let page = PageParams { limit, cursor };
    let (limit, n) = page_size(&page)?;
    Ok((limit, n, uuid_cursor(&page)?))
}

/// Drops the look-ahead row of a page read with `limit + 1` and answers the
/// next page's cursor (the last shown row's id), if there is a next page.
pub(crate) fn uuid_next<T>(rows: &mut Vec<T>, n: usize, id: impl Fn(&T) -> Uuid) -> Option<String> {
    let next = (rows.len() > n).then(|| encode_cursor(&[&id(&rows[n - 1]).to_string()]));
    rows.truncate(n);
    next
}

pub(crate) fn uuid_cursor(p: &PageParams) -> Result<Option<Uuid>, ApiError> {
    p.cursor
        .as_deref()
        .map(|c| {
            let parts = decode_cursor(c, 1)?;
            Uuid::parse_str(&parts[0]).map_err(|_| {
                ApiError::new(
                    ErrorCode::InvalidCursor,
                    "the cursor is not one this API issued",
                )
            })
        })
        .transpose()
}

fn zone_code_errors(code: &str) -> Vec<FieldError> {
    let ok = !code.is_empty()
        && code.len() <= 32
        && code
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Vec::new()
    } else {
        vec![FieldError::new(
            "code",
            "invalid_zone_code",
            "use 1 to 32 upper-case letters, digits and dashes",
        )]
    }
}

/// List zones.
#[utoipa::path(
    tag = "Zones and teams",
    summary = "List zones",
    description = "The geographical zones, ordered by code. Any authenticated caller.",
    params(PageParams),
    responses(
        (status = 200, description = "A page of zones", body = ZonePage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/zones")]
pub async fn list_zones(
    state: web::Data<AppState>,
    _caller: Caller,
    p: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (limit, n) = page_size(&p)?;
    let after = p
        .cursor
        .as_deref()
        .map(|c| decode_cursor(c, 1))
        .transpose()?;
    let mut conn = state.db.conn().await?;
    let mut rows =
        cat::list_zones(&mut conn, after.as_ref().map(|a| a[0].as_str()), limit + 1).await?;
    let next_cursor = (rows.len() > n).then(|| encode_cursor(&[&rows[n - 1].code]));
    rows.truncate(n);
    Ok(HttpResponse::Ok().json(ZonePage {
        items: rows.into_iter().map(Zone::from).collect(),
        next_cursor,
    }))
}

/// Read a zone.
#[utoipa::path(
    tag = "Zones and teams",
    summary = "Read a zone",
    description = "One zone. Any authenticated caller.",
    params(("id" = Uuid, Path, description = "Zone id")),
    responses(
        (status = 200, description = "The zone", body = Zone, headers(("ETag" = String, description = "Version tag"))),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/zones/{id}")]
pub async fn get_zone(
    state: web::Data<AppState>,
    _caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.conn().await?;
    let z = cat::get_zone(&mut conn, id.into_inner()).await?;
    Ok(ok(z.version, &Zone::from(z)))
}

/// Create a zone.
#[utoipa::path(
    tag = "Zones and teams",
    summary = "Create a zone",
    description = "la_admin only. Zone codes are unique.",
    request_body(content = NewZone, content_type = "application/json"),
    responses(
        (status = 201, description = "The zone", body = Zone, headers(("Location" = String, description = "URL of the zone"), ("ETag" = String, description = "Version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/zones")]
pub async fn create_zone(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<NewZone>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    validate(&b)?;
    let errors = zone_code_errors(&b.code);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut conn = state.db.conn().await?;
    let z = cat::create_zone(&mut conn, &b.code, &b.name)
        .await
        .map_err(|e| conflict_on_unique(e, "a zone with this code"))?;
    Ok(created(
        format!("/api/v1/zones/{}", z.id),
        z.version,
        &Zone::from(z),
    ))
}

/// Rename a zone.
#[utoipa::path(
    tag = "Zones and teams",
    summary = "Rename a zone",
    description = "la_admin only, with If-Match.",
    params(("id" = Uuid, Path, description = "Zone id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = ZoneUpdate, content_type = "application/json"),
    responses(
        (status = 200, description = "The zone", body = Zone, headers(("ETag" = String, description = "Version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 428, response = PreconditionRequired),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[put("/zones/{id}")]
pub async fn update_zone(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<ZoneUpdate>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    validate(&b)?;
    let version = if_match.required()?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    cat::get_zone(&mut conn, id).await?;
    let z = cat::rename_zone(&mut conn, id, version, &b.name)
        .await?
        .ok_or_else(stale)?;
    Ok(ok(z.version, &Zone::from(z)))
}

/// Filters of the team list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TeamListParams {
    /// Only the team of this zone.
    pub zone_id: Option<Uuid>,
    /// Items per page (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

/// List teams.
#[utoipa::path(
    tag = "Zones and teams",
    summary = "List teams",
    description = "The School & Community Teams, one per zone. Any authenticated caller.",
    params(TeamListParams),
    responses(
        (status = 200, description = "A page of teams", body = TeamPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/teams")]
pub async fn list_teams(
    state: web::Data<AppState>,
    _caller: Caller,
    p: web::Query<TeamListParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    let (limit, n, after) = uuid_page(p.limit, p.cursor)?;
    let mut conn = state.db.conn().await?;
    let mut rows = cat::list_teams(&mut conn, p.zone_id, after, limit + 1).await?;
    let next_cursor = uuid_next(&mut rows, n, |r| r.id);
    Ok(HttpResponse::Ok().json(TeamPage {
        items: rows.into_iter().map(Team::from).collect(),
        next_cursor,
    }))
}

/// Read a team.
#[utoipa::path(
    tag = "Zones and teams",
    summary = "Read a team",
    description = "One team. Any authenticated caller.",
    params(("id" = Uuid, Path, description = "Team id")),
    responses(
        (status = 200, description = "The team", body = Team, headers(("ETag" = String, description = "Version tag"))),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/teams/{id}")]
pub async fn get_team(
    state: web::Data<AppState>,
    _caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.conn().await?;
    let t = cat::get_team(&mut conn, id.into_inner()).await?;
    Ok(ok(t.version, &Team::from(t)))
}

/// Create a team.
#[utoipa::path(
    tag = "Zones and teams",
    summary = "Create a team for a zone",
    description = "la_admin only; one team per zone. Until `operational_from`, the zone's referrals wait in the council's triage queue.",
    request_body(content = NewTeam, content_type = "application/json"),
    responses(
        (status = 201, description = "The team", body = Team, headers(("Location" = String, description = "URL of the team"), ("ETag" = String, description = "Version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/teams")]
pub async fn create_team(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<NewTeam>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    validate(&b)?;
    let mut conn = state.db.conn().await?;
    if let Err(StoreError::NotFound) = cat::get_zone(&mut conn, b.zone_id).await {
        return Err(ApiError::validation(vec![FieldError::new(
            "zone_id",
            "unknown_zone",
            "no such zone",
        )]));
    }
    let t = cat::create_team(&mut conn, b.zone_id, &b.name, b.operational_from)
        .await
        .map_err(|e| conflict_on_unique(e, "a team for this zone"))?;
    Ok(created(
        format!("/api/v1/teams/{}", t.id),
        t.version,
        &Team::from(t),
    ))
}

/// Update a team.
#[utoipa::path(
    tag = "Zones and teams",
    summary = "Update a team",
    description = "la_admin only, with If-Match: name and operational-from date.",
    params(("id" = Uuid, Path, description = "Team id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = TeamUpdate, content_type = "application/json"),
    responses(
        (status = 200, description = "The team", body = Team, headers(("ETag" = String, description = "Version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 428, response = PreconditionRequired),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[put("/teams/{id}")]
pub async fn update_team(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<TeamUpdate>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    validate(&b)?;
    let version = if_match.required()?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    cat::get_team(&mut conn, id).await?;
    let t = cat::update_team(&mut conn, id, version, &b.name, b.operational_from)
        .await?
        .ok_or_else(stale)?;
    Ok(ok(t.version, &Team::from(t)))
}

/// The team a caller may see workers of: any for la_admin, their own for a manager.
fn team_in_scope(caller: &Caller, team: Uuid) -> Result<(), ApiError> {
    only(caller, TEAM_READERS)?;
    if caller.role == Role::TeamManager && caller.team_id != Some(team) {
        return Err(ApiError::not_found());
    }
    Ok(())
}

/// List a team's workers.
#[utoipa::path(
    tag = "Workers",
    summary = "List a team's workers",
    description = "Workers with their caseload and cap. la_admin, or the team's own manager.",
    params(("id" = Uuid, Path, description = "Team id"), PageParams),
    responses(
        (status = 200, description = "A page of workers", body = WorkerPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
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
    let after = uuid_cursor(&p)?;
    let mut conn = state.db.conn().await?;
    cat::get_team(&mut conn, team).await?;
    let mut rows = cat::list_workers(&mut conn, team, after, limit + 1).await?;
    let next_cursor =
        (rows.len() > n).then(|| encode_cursor(&[&rows[n - 1].worker.id.to_string()]));
    rows.truncate(n);
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
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
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
    let w = cat::get_worker(&mut conn, team, worker).await?;
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
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/teams/{id}/workers")]
pub async fn create_worker(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<NewWorker>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    validate(&b)?;
    let team = id.into_inner();
    let mut conn = state.db.conn().await?;
    cat::get_team(&mut conn, team).await?;
    let w = cat::create_worker(
        &mut conn,
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
    Ok(created(
        format!("/api/v1/teams/{team}/workers/{}", w.id),
        w.version,
        &Worker::from_row(w, 0),
    ))
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
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 428, response = PreconditionRequired),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[put("/teams/{id}/workers/{worker_id}")]
pub async fn update_worker(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<WorkerUpdate>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    validate(&b)?;
    let version = if_match.required()?;
    let (team, worker) = path.into_inner();
    let mut conn = state.db.conn().await?;
    // Existence first (404 rather than 412); the caseload does not change
    // with the update, so it is read once here.
    let caseload = cat::get_worker(&mut conn, team, worker).await?.caseload;
    let w = cat::update_worker(
        &mut conn,
        team,
        worker,
        version,
        &b.name,
        b.caseload_cap,
        b.active,
    )
    .await?
    .ok_or_else(stale)?;
    Ok(ok(w.version, &Worker::from_row(w, caseload)))
}

/// Filters of the school list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SchoolListParams {
    /// Only schools of this zone.
    pub zone_id: Option<Uuid>,
    /// Items per page (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

fn school_visible(caller: &Caller, urn: &str) -> bool {
    !caller.role.acts_for_schools() || caller.schools.iter().any(|s| s == urn)
}

/// List schools.
#[utoipa::path(
    tag = "Schools",
    summary = "List schools",
    description = "Schools ordered by URN. Schools and integration clients see only their own schools.",
    params(SchoolListParams),
    responses(
        (status = 200, description = "A page of schools", body = SchoolPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/schools")]
pub async fn list_schools(
    state: web::Data<AppState>,
    caller: Caller,
    p: web::Query<SchoolListParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    let page = PageParams {
        limit: p.limit,
        cursor: p.cursor,
    };
    let (limit, n) = page_size(&page)?;
    let after = page
        .cursor
        .as_deref()
        .map(|c| decode_cursor(c, 1))
        .transpose()?;
    let mut conn = state.db.conn().await?;
    // Schools and integration clients see their own schools only.
    let own = caller
        .role
        .acts_for_schools()
        .then_some(caller.schools.as_slice());
    let mut rows = cat::list_schools(
        &mut conn,
        p.zone_id,
        own,
        after.as_ref().map(|a| a[0].as_str()),
        limit + 1,
    )
    .await?;
    let next_cursor = (rows.len() > n).then(|| encode_cursor(&[&rows[n - 1].urn]));
    rows.truncate(n);
    let items: Vec<School> = rows.into_iter().map(School::from).collect();
    Ok(HttpResponse::Ok().json(SchoolPage { items, next_cursor }))
}

/// Read a school.
#[utoipa::path(
    tag = "Schools",
    summary = "Read a school",
    description = "One school by URN. Schools and integration clients may read only their own.",
    params(("urn" = String, Path, description = "The school's URN", pattern = "^[0-9]{6}$")),
    responses(
        (status = 200, description = "The school", body = School, headers(("ETag" = String, description = "Version tag"))),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/schools/{urn}")]
pub async fn get_school(
    state: web::Data<AppState>,
    caller: Caller,
    urn: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let urn = urn.into_inner();
    // `/schools/import` is its own resource (POST only); the router hands
    // its GET to this handler because `{urn}` matches any segment.
    if urn == "import" {
        return Err(ApiError {
            allow: vec!["POST".into()],
            ..ApiError::new(ErrorCode::MethodNotAllowed, "GET is not allowed here")
        });
    }
    if !school_visible(&caller, &urn) {
        return Err(ApiError::not_found());
    }
    let mut conn = state.db.conn().await?;
    let s = cat::get_school(&mut conn, &urn).await?;
    Ok(ok(s.version, &School::from(s)))
}

/// Register a school.
#[utoipa::path(
    tag = "Schools",
    summary = "Register a school",
    description = "la_admin only. Keyed by URN.",
    request_body(content = NewSchool, content_type = "application/json"),
    responses(
        (status = 201, description = "The school", body = School, headers(("Location" = String, description = "URL of the school"), ("ETag" = String, description = "Version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/schools")]
pub async fn create_school(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<NewSchool>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    validate(&b)?;
    let mut errors = Vec::new();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|c| c.is_ascii_digit());
    if !digits(&b.urn, 6) {
        errors.push(FieldError::new(
            "urn",
            "invalid_urn",
            "a URN has exactly 6 digits",
        ));
    }
    if b.la_code.as_deref().is_some_and(|c| !digits(c, 3)) {
        errors.push(FieldError::new(
            "la_code",
            "invalid_la_code",
            "an LA code has 3 digits",
        ));
    }
    if b.establishment_number
        .as_deref()
        .is_some_and(|c| !digits(c, 4))
    {
        errors.push(FieldError::new(
            "establishment_number",
            "invalid_establishment_number",
            "an establishment number has 4 digits",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut conn = state.db.conn().await?;
    if let Some(z) = b.zone_id {
        if let Err(StoreError::NotFound) = cat::get_zone(&mut conn, z).await {
            return Err(ApiError::validation(vec![FieldError::new(
                "zone_id",
                "unknown_zone",
                "no such zone",
            )]));
        }
    }
    let now = sct_persistence::now();
    let row = SchoolRow {
        urn: b.urn,
        name: b.name,
        la_code: b.la_code,
        establishment_number: b.establishment_number,
        phase: b.phase,
        status: b
            .status
            .unwrap_or(crate::dto::SchoolStatus::Open)
            .as_str()
            .to_owned(),
        postcode: b.postcode,
        zone_id: b.zone_id,
        created_at: now,
        updated_at: now,
        version: 1,
        la_name: None,
        type_name: None,
        district_code: None,
        district_name: None,
        pupil_count: None,
        open_date: None,
        close_date: None,
        missing_from_extract_at: None,
    };
    let s = cat::create_school(&mut conn, &row)
        .await
        .map_err(|e| conflict_on_unique(e, "a school with this URN"))?;
    Ok(created(
        format!("/api/v1/schools/{}", s.urn),
        s.version,
        &School::from(s),
    ))
}

/// Move a school to a zone.
#[utoipa::path(
    tag = "Schools",
    summary = "Move a school to another zone",
    description = "la_admin only, with If-Match. New referrals of the school route to the new zone's team; existing ones stay where they are (redirect them if needed).",
    params(("urn" = String, Path, description = "The school's URN", pattern = "^[0-9]{6}$"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = SchoolZone, content_type = "application/json"),
    responses(
        (status = 200, description = "The school", body = School, headers(("ETag" = String, description = "Version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 428, response = PreconditionRequired),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[put("/schools/{urn}/zone")]
pub async fn set_school_zone(
    state: web::Data<AppState>,
    caller: Caller,
    urn: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<SchoolZone>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let version = if_match.required()?;
    let urn = urn.into_inner();
    let mut conn = state.db.conn().await?;
    cat::get_school(&mut conn, &urn).await?;
    if let Some(z) = body.0.zone_id {
        if let Err(StoreError::NotFound) = cat::get_zone(&mut conn, z).await {
            return Err(ApiError::validation(vec![FieldError::new(
                "zone_id",
                "unknown_zone",
                "no such zone",
            )]));
        }
    }
    let s = cat::set_school_zone(&mut conn, &urn, version, body.0.zone_id)
        .await?
        .ok_or_else(stale)?;
    Ok(ok(s.version, &School::from(s)))
}
