//! The interventions catalogue: la_admin writes, staff read, schools read the
//! active ones.

use crate::features::delivery::dto::Intervention;
use crate::features::delivery::dto::InterventionInput;
use crate::features::delivery::dto::InterventionMode;
use crate::features::delivery::dto::InterventionPage;
use crate::features::delivery::rules::allow;
use crate::features::referrals::dto::IndesArea;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::FieldError;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::paging::keyset_page;
use crate::http::paging::list_params;
use crate::http::paging::next_page;
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
use chrono::DateTime;
use chrono::Utc;
use sct_domain as domain;
use sct_domain::DeliveryOp;
use sct_domain::WireName;
use sct_persistence::delivery as repo;
use sct_persistence::delivery::InterventionFilter;
use sct_persistence::delivery::InterventionRow;
use uuid::Uuid;

list_params! {
    /// Filters of the catalogue.
    InterventionListParams {
        /// Only active (true) or retired (false) entries. Schools and integration clients always see active ones only.
        active: Option<bool>,
        /// Only this mode of delivery.
        mode: Option<InterventionMode>,
        /// Only entries addressing this INDES area.
        area: Option<IndesArea>,
    }
}

/// List interventions.
#[utoipa::path(
    tag = "Interventions",
    summary = "List interventions",
    description = "The catalogue of evidence-based interventions, ordered by id (creation order). Every staff role reads all entries; schools and integration clients read active ones only (what a team may offer their children). Filters combine with AND.",
    params(InterventionListParams),
    responses(
        (status = 200, description = "A page of interventions", body = InterventionPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/interventions")]
pub async fn list_interventions(
    state: web::Data<AppState>,
    caller: Caller,
    p: web::Query<InterventionListParams>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ReadInterventions)?;
    let p = p.into_inner();
    let (limit, n, after) = keyset_page(p.limit, p.cursor)?;
    let active = if caller.role.acts_for_schools() {
        if p.active == Some(false) {
            return Ok(HttpResponse::Ok().json(InterventionPage {
                items: Vec::new(),
                next_cursor: None,
            }));
        }
        Some(true)
    } else {
        p.active
    };
    let filter = InterventionFilter {
        active,
        mode: p.mode.map(|m| m.as_str().to_owned()),
        area: p
            .area
            .map(|a| domain::IndesArea::from(a).as_str().to_owned()),
    };
    let mut conn = state.db.conn().await?;
    let mut rows = repo::list_interventions(&mut conn, &filter, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| r.id);
    Ok(HttpResponse::Ok().json(InterventionPage {
        items: rows.into_iter().map(Intervention::from).collect(),
        next_cursor,
    }))
}

/// Read an intervention.
#[utoipa::path(
    tag = "Interventions",
    summary = "Read an intervention",
    description = "One catalogue entry. Schools and integration clients read active entries only (a retired one answers 404).",
    params(("id" = Uuid, Path, description = "Intervention id")),
    responses(
        (status = 200, description = "The intervention", body = Intervention, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/interventions/{id}")]
pub async fn get_intervention(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ReadInterventions)?;
    let mut conn = state.db.conn().await?;
    let row = repo::get_intervention(&mut conn, id.into_inner()).await?;
    if caller.role.acts_for_schools() && !row.active {
        return Err(ApiError::not_found());
    }
    Ok(ok(row.version, &Intervention::from(row)))
}

fn intervention_row(
    b: InterventionInput,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<InterventionRow, ApiError> {
    let mut errors = Vec::new();
    for (i, a) in b.areas.iter().enumerate() {
        if b.areas[..i].contains(a) {
            errors.push(FieldError::new(
                format!("areas[{i}]"),
                "duplicate_area",
                "each area is listed once",
            ));
        }
    }
    for (field, text) in [
        ("name", &b.name),
        ("description", &b.description),
        ("approach", &b.approach),
        ("evidence_base", &b.evidence_base),
    ] {
        if text.trim().is_empty() {
            errors.push(FieldError::new(
                field,
                "required",
                format!("{field} may not be blank"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(InterventionRow {
        id,
        name: b.name,
        description: b.description,
        approach: b.approach,
        mode: b.mode.as_str().to_owned(),
        areas: b
            .areas
            .iter()
            .map(|a| domain::IndesArea::from(*a).as_str().to_owned())
            .collect(),
        evidence_base: b.evidence_base,
        typical_sessions: b.typical_sessions,
        active: b.active.unwrap_or(true),
        created_at: now,
        updated_at: now,
        version: 1,
    })
}

/// Add an intervention.
#[utoipa::path(
    tag = "Interventions",
    summary = "Add an intervention to the catalogue",
    description = "la_admin only. `areas` lists each INDES area once.",
    request_body(content = InterventionInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The intervention", body = Intervention, headers(("Location" = String, description = "URL of the intervention"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
    ),
)]
#[post("/interventions")]
pub async fn create_intervention(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<InterventionInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ManageInterventions)?;
    let b = body.0;
    validate(&b)?;
    let row = intervention_row(b, Uuid::now_v7(), sct_persistence::now())?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let row = repo::create_intervention(conn, &row).await?;
            Ok(Written::created(
                format!("/api/v1/interventions/{}", row.id),
                row.version,
                &Intervention::from(row),
            ))
        })
    })
    .await
}

/// Update an intervention.
#[utoipa::path(
    tag = "Interventions",
    summary = "Update an intervention",
    description = "la_admin only, with If-Match: replaces every field. Setting `active` to false retires the entry: plans that chose it keep it, new plans cannot choose it.",
    params(("id" = Uuid, Path, description = "Intervention id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = InterventionInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The intervention", body = Intervention, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/interventions/{id}")]
pub async fn update_intervention(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<InterventionInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ManageInterventions)?;
    let b = body.0;
    validate(&b)?;
    let version = if_match.required()?;
    let id = id.into_inner();
    let row = intervention_row(b, id, sct_persistence::now())?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            repo::get_intervention(conn, id).await?;
            let row = repo::update_intervention(conn, &row, version)
                .await?
                .ok_or_else(stale)?;
            Ok(Written::ok(row.version, &Intervention::from(row)))
        })
    })
    .await
}

// ---------------------------------------------------------------- plans
