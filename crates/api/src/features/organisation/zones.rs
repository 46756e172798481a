//! Zones and the team that serves each.

use crate::features::organisation::dto::NewTeam;
use crate::features::organisation::dto::NewZone;
use crate::features::organisation::dto::Team;
use crate::features::organisation::dto::TeamPage;
use crate::features::organisation::dto::TeamUpdate;
use crate::features::organisation::dto::Zone;
use crate::features::organisation::dto::ZonePage;
use crate::features::organisation::dto::ZoneUpdate;
use crate::http::access::only;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Conflict;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::error::FieldError;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::extract::PageParams;
use crate::http::paging::cursor_key;
use crate::http::paging::keyset_page;
use crate::http::paging::list_params;
use crate::http::paging::next_page;
use crate::http::paging::page_size;
use crate::http::respond::ok;
use crate::http::respond::stale;
use crate::http::state::AppState;
use crate::http::validate::validate;
use crate::http::write::write;
use crate::http::write::Written;
use actix_web::get;
use actix_web::post;
use actix_web::put;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use sct_domain::Role;
use sct_persistence::organisation;
use sct_persistence::ConstraintKind;
use sct_persistence::StoreError;
use uuid::Uuid;

pub(crate) const ADMIN: &[Role] = &[Role::LaAdmin];
const TEAM_READERS: &[Role] = &[Role::LaAdmin, Role::TeamManager];

pub(crate) fn conflict_on_unique(e: StoreError, what: &str) -> ApiError {
    match e {
        StoreError::Constraint {
            kind: ConstraintKind::Unique,
            ..
        } => ApiError::new(ErrorCode::AlreadyExists, format!("{what} already exists")),
        other => other.into(),
    }
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
    ),
)]
#[get("/zones")]
pub async fn list_zones(
    state: web::Data<AppState>,
    _caller: Caller,
    p: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (limit, n) = page_size(&p)?;
    let after: Option<String> = cursor_key(p.cursor.as_deref())?;
    let mut conn = state.db.conn().await?;
    let mut rows = organisation::list_zones(&mut conn, after.as_deref(), limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| r.code.clone());
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
        (status = 404, response = NotFound),
    ),
)]
#[get("/zones/{id}")]
pub async fn get_zone(
    state: web::Data<AppState>,
    _caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.conn().await?;
    let z = organisation::get_zone(&mut conn, id.into_inner()).await?;
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
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
)]
#[post("/zones")]
pub async fn create_zone(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<NewZone>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    validate(&b)?;
    let errors = zone_code_errors(&b.code);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let z = organisation::create_zone(conn, &b.code, &b.name)
                .await
                .map_err(|e| conflict_on_unique(e, "a zone with this code"))?;
            Ok(Written::created(
                format!("/api/v1/zones/{}", z.id),
                z.version,
                &Zone::from(z),
            ))
        })
    })
    .await
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
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/zones/{id}")]
pub async fn update_zone(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<ZoneUpdate>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    validate(&b)?;
    let version = if_match.required()?;
    let id = id.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            organisation::get_zone(conn, id).await?;
            let z = organisation::rename_zone(conn, id, version, &b.name)
                .await?
                .ok_or_else(stale)?;
            Ok(Written::ok(z.version, &Zone::from(z)))
        })
    })
    .await
}

list_params! {
    /// Filters of the team list.
    TeamListParams {
        /// Only the team of this zone.
        zone_id: Option<Uuid>,
    }
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
    ),
)]
#[get("/teams")]
pub async fn list_teams(
    state: web::Data<AppState>,
    _caller: Caller,
    p: web::Query<TeamListParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    let (limit, n, after) = keyset_page(p.limit, p.cursor)?;
    let mut conn = state.db.conn().await?;
    let mut rows = organisation::list_teams(&mut conn, p.zone_id, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| r.id);
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
        (status = 404, response = NotFound),
    ),
)]
#[get("/teams/{id}")]
pub async fn get_team(
    state: web::Data<AppState>,
    _caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.conn().await?;
    let t = organisation::get_team(&mut conn, id.into_inner()).await?;
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
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
)]
#[post("/teams")]
pub async fn create_team(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<NewTeam>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    validate(&b)?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            if let Err(StoreError::NotFound) = organisation::get_zone(conn, b.zone_id).await {
                return Err(ApiError::validation(vec![FieldError::new(
                    "zone_id",
                    "unknown_zone",
                    "no such zone",
                )]));
            }
            let t = organisation::create_team(conn, b.zone_id, &b.name, b.operational_from)
                .await
                .map_err(|e| conflict_on_unique(e, "a team for this zone"))?;
            Ok(Written::created(
                format!("/api/v1/teams/{}", t.id),
                t.version,
                &Team::from(t),
            ))
        })
    })
    .await
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
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/teams/{id}")]
pub async fn update_team(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<TeamUpdate>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    validate(&b)?;
    let version = if_match.required()?;
    let id = id.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            organisation::get_team(conn, id).await?;
            let t = organisation::update_team(conn, id, version, &b.name, b.operational_from)
                .await?
                .ok_or_else(stale)?;
            Ok(Written::ok(t.version, &Team::from(t)))
        })
    })
    .await
}

/// The team a caller may see workers of: any for la_admin, their own for a manager.
pub(crate) fn team_in_scope(caller: &Caller, team: Uuid) -> Result<(), ApiError> {
    only(caller, TEAM_READERS)?;
    if caller.role == Role::TeamManager && caller.team_id != Some(team) {
        return Err(ApiError::not_found());
    }
    Ok(())
}
