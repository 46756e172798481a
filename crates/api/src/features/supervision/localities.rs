//! Localities: the sheet's "local area" below a zone, a named cluster of
//! settings within one zone, kept by la_admin and read by the zone's team
//! and its settings. A practice session may be held for one.

use crate::features::supervision::handlers::zone_scope;
use crate::features::supervision::handlers::ZoneScope;
use crate::http::access::only;
use crate::http::access::EVERY_ROLE;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::FieldError;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::paging::keyset_page;
use crate::http::paging::list_page;
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
use sct_domain::Role;
use sct_persistence::community::zones_of_schools;
use sct_persistence::localities as repo;
use sct_persistence::localities::LocalityChange;
use sct_persistence::localities::LocalityRow;
use sct_persistence::localities::LocalityView;
use sct_persistence::organisation;
use sct_persistence::Connection;
use sct_persistence::StoreError;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

const ADMIN: &[Role] = &[Role::LaAdmin];

/// A locality: a named cluster of settings within one zone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Locality {
    /// Locality id.
    pub id: Uuid,
    /// The zone it lies in.
    pub zone_id: Uuid,
    /// Its name.
    pub name: String,
    /// The settings it groups (URNs or other setting identifiers), in order; each lies in the zone.
    pub school_urns: Vec<String>,
    /// Whether it is retired (kept for history and reports, not chosen for new meetings).
    pub retired: bool,
    /// When it was retired.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub retired_at: Option<DateTime<Utc>>,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<LocalityView> for Locality {
    fn from(v: LocalityView) -> Self {
        Self {
            id: v.locality.id,
            zone_id: v.locality.zone_id,
            name: v.locality.name,
            school_urns: v.school_urns,
            retired: v.locality.retired_at.is_some(),
            retired_at: v.locality.retired_at,
            version: v.locality.version,
            created_at: v.locality.created_at,
            updated_at: v.locality.updated_at,
        }
    }
}

list_page! {
    /// A page of localities.
    LocalityPage {
        /// Localities of this page.
        items: Locality
    }
}

/// A locality to add.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Norwich North cluster",
    "zone_id": "0192f1c2-3d4e-7f00-8000-000000000000",
    "school_urns": ["121234", "121235"]
}))]
pub struct LocalityInput {
    /// Its name (not blank).
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// The zone it lies in.
    pub zone_id: Uuid,
    /// The settings it groups (up to 200, each once, each a setting of the zone).
    #[schema(max_items = 200)]
    #[validate(length(max = 200))]
    #[serde(default)]
    pub school_urns: Vec<String>,
}

/// A locality's new name, zone, settings and retirement.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Norwich North cluster",
    "zone_id": "0192f1c2-3d4e-7f00-8000-000000000000",
    "school_urns": ["121234", "121235", "121236"],
    "retired": false
}))]
pub struct LocalityUpdate {
    /// Its name (not blank).
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// The zone it lies in; it may change only while no practice session was held for the locality.
    pub zone_id: Uuid,
    /// The settings it groups (up to 200, each once, each a setting of the zone).
    #[schema(max_items = 200)]
    #[validate(length(max = 200))]
    #[serde(default)]
    pub school_urns: Vec<String>,
    /// Retire it (`true`) or bring it back (`false`).
    #[serde(default)]
    pub retired: bool,
}

/// Checks the name, the zone and the settings (each registered, of the
/// zone, once).
async fn check_body(
    conn: &mut Connection,
    name: &str,
    zone: Uuid,
    urns: &[String],
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if name.trim().is_empty() {
        errors.push(FieldError::new("name", "required", "name may not be blank"));
    }
    if let Err(StoreError::NotFound) = organisation::get_zone(conn, zone).await {
        errors.push(FieldError::new("zone_id", "unknown_zone", "no such zone"));
    }
    let zones = repo::zones_of_settings(conn, urns).await?;
    for (i, urn) in urns.iter().enumerate() {
        let field = format!("school_urns[{i}]");
        if urns[..i].contains(urn) {
            errors.push(FieldError::new(
                field,
                "duplicate_school",
                "a setting is listed once",
            ));
            continue;
        }
        match zones.iter().find(|(u, _)| u == urn) {
            None => errors.push(FieldError::new(field, "unknown_school", "no such setting")),
            Some((_, z)) if *z != Some(zone) => errors.push(FieldError::new(
                field,
                "school_not_in_zone",
                "every setting of a locality lies in its zone",
            )),
            Some(_) => {}
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

/// The zones whose localities the caller reads: `None` every zone.
async fn readable(caller: &Caller, conn: &mut Connection) -> Result<Option<Vec<Uuid>>, ApiError> {
    if caller.role.acts_for_schools() {
        return Ok(Some(zones_of_schools(conn, &caller.schools).await?));
    }
    Ok(match zone_scope(caller, conn).await? {
        ZoneScope::All => None,
        ZoneScope::Zone(z) => Some(vec![z]),
        ZoneScope::Nothing => Some(Vec::new()),
    })
}

list_params! {
    /// Filters of the locality list.
    LocalityListParams {
        /// Only localities of this zone (of the zones the caller reads).
        zone_id: Option<Uuid>,
        /// Include retired localities (default false).
        retired: Option<bool>,
    }
}

/// List localities.
#[utoipa::path(
    tag = "Localities",
    summary = "List localities",
    operation_id = "list_localities",
    description = "Localities by id, without the retired ones unless `retired=true`. la_admin every zone's; a team's manager and practitioners their zone's; a school (and its MIS) the localities of its schools' zones. Another zone's `zone_id` answers an empty page.",
    params(LocalityListParams),
    responses(
        (status = 200, description = "A page of localities", body = LocalityPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/localities")]
pub async fn list_localities(
    state: web::Data<AppState>,
    caller: Caller,
    p: web::Query<LocalityListParams>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, EVERY_ROLE)?;
    let p = p.into_inner();
    let (limit, n, after) = keyset_page(p.limit, p.cursor)?;
    let mut conn = state.db.conn().await?;
    let zones = match (readable(&caller, &mut conn).await?, p.zone_id) {
        (None, None) => None,
        (None, Some(z)) => Some(vec![z]),
        (Some(zs), None) => Some(zs),
        (Some(zs), Some(z)) => Some(zs.into_iter().filter(|x| *x == z).collect()),
    };
    let mut rows = repo::list(
        &mut conn,
        zones.as_deref(),
        p.retired.unwrap_or(false),
        after,
        limit + 1,
    )
    .await?;
    let next_cursor = next_page(&mut rows, n, |r| r.locality.id);
    Ok(HttpResponse::Ok().json(LocalityPage {
        items: rows.into_iter().map(Locality::from).collect(),
        next_cursor,
    }))
}

/// Read a locality.
#[utoipa::path(
    tag = "Localities",
    summary = "Read a locality",
    operation_id = "get_locality",
    description = "One locality with its settings. la_admin any; a team's members their zone's; a school (and its MIS) one of its schools' zones. Another answers 404.",
    params(("id" = Uuid, Path, description = "Locality id")),
    responses(
        (status = 200, description = "The locality", body = Locality, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/localities/{id}")]
pub async fn get_locality(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, EVERY_ROLE)?;
    let mut conn = state.db.conn().await?;
    let v = repo::get(&mut conn, id.into_inner()).await?;
    if readable(&caller, &mut conn)
        .await?
        .is_some_and(|zs| !zs.contains(&v.locality.zone_id))
    {
        return Err(ApiError::not_found());
    }
    Ok(ok(v.locality.version, &Locality::from(v)))
}

/// Add a locality.
#[utoipa::path(
    tag = "Localities",
    summary = "Add a locality",
    operation_id = "create_locality",
    description = "la_admin only. A name, its zone and the settings it groups. Honours `Idempotency-Key`.",
    request_body(content = LocalityInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The locality", body = Locality, headers(("Location" = String, description = "URL of the locality"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
    ),
)]
#[post("/localities")]
pub async fn create_locality(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<LocalityInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    validate(&b)?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            check_body(conn, &b.name, b.zone_id, &b.school_urns).await?;
            let now = sct_persistence::now();
            let row = LocalityRow {
                id: Uuid::now_v7(),
                zone_id: b.zone_id,
                name: b.name,
                retired_at: None,
                version: 1,
                created_at: now,
                updated_at: now,
            };
            let v = repo::create(conn, row, b.school_urns).await?;
            Ok(Written::created(
                format!("/api/v1/localities/{}", v.locality.id),
                v.locality.version,
                &Locality::from(v),
            ))
        })
    })
    .await
}

/// Change a locality.
#[utoipa::path(
    tag = "Localities",
    summary = "Change or retire a locality",
    operation_id = "update_locality",
    description = "la_admin only, with If-Match (428 without, 412 when stale): replaces the name, zone and settings, and retires the locality (`retired: true`: kept for history and reports, not chosen for new meetings) or brings it back.",
    params(("id" = Uuid, Path, description = "Locality id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = LocalityUpdate, content_type = "application/json"),
    responses(
        (status = 200, description = "The locality", body = Locality, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/localities/{id}")]
pub async fn update_locality(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<LocalityUpdate>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    validate(&b)?;
    let id = id.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let current = repo::get(conn, id).await?;
            let version = if_match.required()?;
            check_body(conn, &b.name, b.zone_id, &b.school_urns).await?;
            if b.zone_id != current.locality.zone_id && repo::in_use(conn, id).await? {
                return Err(ApiError::validation(vec![FieldError::new(
                    "zone_id",
                    "locality_in_use",
                    "practice sessions were held for the locality in its zone",
                )]));
            }
            let change = LocalityChange {
                name: b.name,
                zone_id: b.zone_id,
                school_urns: b.school_urns,
                retired: b.retired,
            };
            let v = repo::update(conn, id, version, change, sct_persistence::now())
                .await?
                .ok_or_else(stale)?;
            Ok(Written::ok(v.locality.version, &Locality::from(v)))
        })
    })
    .await
}
