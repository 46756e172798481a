//! Family Hubs: the places where community programmes run.

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
use sct_domain::community::Postcode;
use sct_domain::Role;
use sct_persistence::community as repo;
use sct_persistence::community::HubRow;
use sct_persistence::organisation;
use sct_persistence::StoreError;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

const ADMIN: &[Role] = &[Role::LaAdmin];

// ---------------------------------------------------------------- hubs

/// A Family Hub.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FamilyHub {
    /// Hub id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// UK postcode, normalised (`NR1 2DH`).
    pub postcode: String,
    /// The zone it serves.
    pub zone_id: Uuid,
    /// Version for If-Match (also the ETag).
    pub version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<HubRow> for FamilyHub {
    fn from(h: HubRow) -> Self {
        Self {
            id: h.id,
            name: h.name,
            address: h.address,
            postcode: h.postcode,
            zone_id: h.zone_id,
            version: h.version,
            created_at: h.created_at,
            updated_at: h.updated_at,
        }
    }
}

list_page! {
    /// A page of Family Hubs.
    FamilyHubPage {
        /// The hubs.
        items: FamilyHub
    }
}

/// A Family Hub to register or its new details.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Norwich Family Hub", "address": "1 Example Street, Norwich", "postcode": "NR1 2DH", "zone_id": "0190c3a0-0000-7000-8000-000000000001"}))]
pub struct FamilyHubInput {
    /// Name.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Street address.
    #[schema(min_length = 1, max_length = 500)]
    #[validate(length(min = 1, max = 500))]
    pub address: String,
    /// UK postcode (`domain::community::Postcode::parse`): outward code
    /// `A9`, `A99`, `AA9`, `AA99`, `A9A` or `AA9A` (not starting with Q, V
    /// or X), at most one space, inward code `9AA` (no C, I, K, M, O or V);
    /// either case; or `GIR 0AA`. 422 `invalid_postcode` otherwise.
    #[schema(
        example = "NR1 2DH",
        max_length = 8,
        pattern = "^([A-PR-UWYZa-pr-uwyz][A-Za-z]?[0-9][A-Za-z0-9]? ?[0-9][ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2}|[Gg][Ii][Rr] ?0[Aa][Aa])$"
    )]
    pub postcode: String,
    /// The zone it serves.
    pub zone_id: Uuid,
}

async fn checked_hub(
    b: &FamilyHubInput,
    conn: &mut sct_persistence::Connection,
) -> Result<String, ApiError> {
    validate(b)?;
    let mut errors = Vec::new();
    let postcode = match Postcode::parse(&b.postcode) {
        Ok(p) => p.as_str().to_owned(),
        Err(e) => {
            errors.push(FieldError::new(
                "postcode",
                "invalid_postcode",
                e.to_string(),
            ));
            String::new()
        }
    };
    if let Err(StoreError::NotFound) = organisation::get_zone(conn, b.zone_id).await {
        errors.push(FieldError::new("zone_id", "unknown_zone", "no such zone"));
    }
    if errors.is_empty() {
        Ok(postcode)
    } else {
        Err(ApiError::validation(errors))
    }
}

list_params! {
    /// Filters of the hub list.
    HubListParams {
        /// Only hubs of this zone.
        zone_id: Option<Uuid>,
    }
}

/// List Family Hubs.
#[utoipa::path(
    tag = "Community",
    summary = "List Family Hubs",
    operation_id = "list_family_hubs",
    description = "Family Hubs by id. Staff (la_admin, team managers, practitioners) every hub; a school (and its MIS) the hubs of its schools' zones.",
    params(HubListParams),
    responses(
        (status = 200, description = "A page of hubs", body = FamilyHubPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/family-hubs")]
pub async fn list_family_hubs(
    state: web::Data<AppState>,
    caller: Caller,
    p: web::Query<HubListParams>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, EVERY_ROLE)?;
    let p = p.into_inner();
    let (limit, n, after) = keyset_page(p.limit, p.cursor)?;
    let mut conn = state.db.conn().await?;
    let mut rows = if caller.role.acts_for_schools() {
        let zones = repo::zones_of_schools(&mut conn, &caller.schools).await?;
        repo::list_hubs_of_zones(&mut conn, &zones, p.zone_id, after, limit + 1).await?
    } else {
        repo::list_hubs(&mut conn, p.zone_id, after, limit + 1).await?
    };
    let next_cursor = next_page(&mut rows, n, |r| r.id);
    Ok(HttpResponse::Ok().json(FamilyHubPage {
        items: rows.into_iter().map(FamilyHub::from).collect(),
        next_cursor,
    }))
}

/// Read a Family Hub.
#[utoipa::path(
    tag = "Community",
    summary = "Read a Family Hub",
    operation_id = "get_family_hub",
    description = "One hub. Staff any; a school (and its MIS) a hub of its schools' zones (another answers 404).",
    params(("id" = Uuid, Path, description = "Hub id")),
    responses(
        (status = 200, description = "The hub", body = FamilyHub, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/family-hubs/{id}")]
pub async fn get_family_hub(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, EVERY_ROLE)?;
    let mut conn = state.db.conn().await?;
    let h = repo::get_hub(&mut conn, id.into_inner()).await?;
    if caller.role.acts_for_schools()
        && !repo::zones_of_schools(&mut conn, &caller.schools)
            .await?
            .contains(&h.zone_id)
    {
        return Err(ApiError::not_found());
    }
    Ok(ok(h.version, &FamilyHub::from(h)))
}

/// Register a Family Hub.
#[utoipa::path(
    tag = "Community",
    summary = "Register a Family Hub",
    operation_id = "create_family_hub",
    description = "la_admin only. The postcode must be a UK postcode; it is stored normalised.",
    request_body(content = FamilyHubInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The hub", body = FamilyHub, headers(("Location" = String, description = "URL of the hub"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
    ),
)]
#[post("/family-hubs")]
pub async fn create_family_hub(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<FamilyHubInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let postcode = checked_hub(&b, conn).await?;
            let now = sct_persistence::now();
            let h = repo::create_hub(
                conn,
                &HubRow {
                    id: Uuid::now_v7(),
                    name: b.name,
                    address: b.address,
                    postcode,
                    zone_id: b.zone_id,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                },
            )
            .await?;
            Ok(Written::created(
                format!("/api/v1/family-hubs/{}", h.id),
                h.version,
                &FamilyHub::from(h),
            ))
        })
    })
    .await
}

/// Change a Family Hub.
#[utoipa::path(
    tag = "Community",
    summary = "Change a Family Hub",
    operation_id = "update_family_hub",
    description = "la_admin only, with If-Match.",
    params(("id" = Uuid, Path, description = "Hub id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = FamilyHubInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The hub", body = FamilyHub, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/family-hubs/{id}")]
pub async fn update_family_hub(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<FamilyHubInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    let id = id.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            repo::get_hub(conn, id).await?;
            let version = if_match.required()?;
            let postcode = checked_hub(&b, conn).await?;
            let h = repo::update_hub(conn, id, version, &b.name, &b.address, &postcode, b.zone_id)
                .await?
                .ok_or_else(stale)?;
            Ok(Written::ok(h.version, &FamilyHub::from(h)))
        })
    })
    .await
}

// ---------------------------------------------------------------- programmes
