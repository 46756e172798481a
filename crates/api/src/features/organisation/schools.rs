//! Schools keyed by URN (a setting identifier: settings beyond GIAS are
//! registered here too), and moving a school to another zone.

use crate::features::organisation::dto::NewSchool;
use crate::features::organisation::dto::School;
use crate::features::organisation::dto::SchoolPage;
use crate::features::organisation::dto::SchoolZone;
use crate::features::organisation::zones::conflict_on_unique;
use crate::features::organisation::zones::ADMIN;
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
use sct_domain::IdScheme;
use sct_domain::SettingId;
use sct_domain::SettingKind;
use sct_domain::WireName;
use sct_domain::EARLY_YEARS_PHASE;
use sct_persistence::models::SchoolRow;
use sct_persistence::organisation;
use sct_persistence::StoreError;
use uuid::Uuid;

list_params! {
    /// Filters of the school list.
    SchoolListParams {
        /// Only schools of this zone.
        zone_id: Option<Uuid>,
    }
}

fn school_visible(caller: &Caller, urn: &str) -> bool {
    !caller.role.acts_for_schools() || caller.schools.iter().any(|s| s == urn)
}

/// List schools.
#[utoipa::path(
    tag = "Schools",
    summary = "List schools",
    description = "Schools ordered by URN, settings beyond GIAS (`kind`) among them. Schools and integration clients see only their own schools.",
    params(SchoolListParams),
    responses(
        (status = 200, description = "A page of schools", body = SchoolPage),
        (status = 400, response = BadRequest),
    ),
)]
#[get("/schools")]
pub async fn list_schools(
    state: web::Data<AppState>,
    caller: Caller,
    p: web::Query<SchoolListParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    let (limit, n, after) = keyset_page::<String>(p.limit, p.cursor)?;
    let mut conn = state.db.conn().await?;
    // Schools and integration clients see their own schools only.
    let own = caller
        .role
        .acts_for_schools()
        .then_some(caller.schools.as_slice());
    let mut rows =
        organisation::list_schools(&mut conn, p.zone_id, own, after.as_deref(), limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| r.urn.clone());
    let items: Vec<School> = rows.into_iter().map(School::from).collect();
    Ok(HttpResponse::Ok().json(SchoolPage { items, next_cursor }))
}

/// Read a school.
#[utoipa::path(
    tag = "Schools",
    summary = "Read a school",
    description = "One school (or other setting) by URN. Schools and integration clients may read only their own.",
    params(("urn" = String, Path, description = "The school's URN: a setting identifier (a 6-digit URN, or for a setting beyond GIAS its Ofsted registration number `EY123456` or local id `LA-…`)", pattern = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$")),
    responses(
        (status = 200, description = "The school", body = School, headers(("ETag" = String, description = "Version tag"))),
        (status = 404, response = NotFound),
    ),
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
    let s = organisation::get_school(&mut conn, &urn).await?;
    Ok(ok(s.version, &School::from(s)))
}

/// Register a school.
#[utoipa::path(
    tag = "Schools",
    summary = "Register a school or another setting",
    description = "la_admin only. Keyed by URN: a GIAS school's 6-digit URN (`id_scheme` `urn`, the default), or for a setting beyond GIAS (`kind` `early_years_setting`, `childminder` or `other`) its Ofsted registration number (`id_scheme` `ofsted`: `EY` and 6 digits, or 6 digits for an older Ofsted URN) or a local id the council gives it (`id_scheme` `local`: `LA-` and 1 to 20 capital letters or digits). Such a setting then does what a school does under the same paths and fields named `urn`/`school_urn`: its staff's and MIS's tokens list its identifier in `schools`, it refers children, is offered termly conversations and appears in `/reports/termly-coverage` and `/reports/schools`. Its `phase` defaults to `early_years` (an early-years setting or a childminder). To register many, `POST /settings/import`.",
    request_body(content = NewSchool, content_type = "application/json"),
    responses(
        (status = 201, description = "The school", body = School, headers(("Location" = String, description = "URL of the school"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
)]
#[post("/schools")]
pub async fn create_school(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<NewSchool>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    validate(&b)?;
    let mut errors = Vec::new();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|c| c.is_ascii_digit());
    let scheme = b.id_scheme.map_or(IdScheme::Urn, IdScheme::from);
    // The key is stored as sent: spaces around it are refused, not trimmed.
    match SettingId::parse_in(scheme, &b.urn) {
        Ok(id) if id.as_str() == b.urn => {}
        Ok(_) => errors.push(FieldError::new(
            "urn",
            "invalid_urn",
            "the identifier has spaces around it",
        )),
        Err(e) => errors.push(FieldError::new("urn", e.code(), e.to_string())),
    }
    let kind = b.kind.map_or_else(
        || {
            if scheme == IdScheme::Urn {
                SettingKind::School
            } else {
                SettingKind::EarlyYearsSetting
            }
        },
        SettingKind::from,
    );
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
    write(&state, &req, move |conn| {
        Box::pin(async move {
            if let Some(z) = b.zone_id {
                if let Err(StoreError::NotFound) = organisation::get_zone(conn, z).await {
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
                phase: b.phase.or_else(|| {
                    matches!(
                        kind,
                        SettingKind::EarlyYearsSetting | SettingKind::Childminder
                    )
                    .then(|| EARLY_YEARS_PHASE.to_owned())
                }),
                status: b
                    .status
                    .unwrap_or(crate::features::organisation::dto::SchoolStatus::Open)
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
                id_scheme: scheme.as_str().to_owned(),
                kind: kind.as_str().to_owned(),
            };
            let s = organisation::create_school(conn, &row)
                .await
                .map_err(|e| conflict_on_unique(e, "a school with this URN"))?;
            Ok(Written::created(
                format!("/api/v1/schools/{}", s.urn),
                s.version,
                &School::from(s),
            ))
        })
    })
    .await
}

/// Move a school to a zone.
#[utoipa::path(
    tag = "Schools",
    summary = "Move a school to another zone",
    description = "la_admin only, with If-Match. New referrals of the school route to the new zone's team; existing ones stay where they are (redirect them if needed).",
    params(("urn" = String, Path, description = "The school's URN: a setting identifier (a 6-digit URN, or for a setting beyond GIAS its Ofsted registration number `EY123456` or local id `LA-…`)", pattern = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = SchoolZone, content_type = "application/json"),
    responses(
        (status = 200, description = "The school", body = School, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/schools/{urn}/zone")]
pub async fn set_school_zone(
    state: web::Data<AppState>,
    caller: Caller,
    urn: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<SchoolZone>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let version = if_match.required()?;
    let urn = urn.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            organisation::get_school(conn, &urn).await?;
            if let Some(z) = body.0.zone_id {
                if let Err(StoreError::NotFound) = organisation::get_zone(conn, z).await {
                    return Err(ApiError::validation(vec![FieldError::new(
                        "zone_id",
                        "unknown_zone",
                        "no such zone",
                    )]));
                }
            }
            let s = organisation::set_school_zone(conn, &urn, version, body.0.zone_id)
                .await?
                .ok_or_else(stale)?;
            Ok(Written::ok(s.version, &School::from(s)))
        })
    })
    .await
}
