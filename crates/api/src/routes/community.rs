//! Community and place: Family Hubs (la_admin writes, staff read) and
//! programmes (parenting programmes, support groups, workshops) with their
//! dated sessions, enrolments with an ordered waiting list, attendance and
//! completion. The zone's team (managers and practitioners) and la_admin
//! write; enrolments are personal data, never shown to schools.

use super::catalogue::{created, ok, page_size};
use super::catalogue::{uuid_next, uuid_page};
use super::termly::{reach_of, STAFF};
use super::{
    only, stale, validate, AppState, BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge,
    PreconditionFailed, PreconditionRequired, ServiceUnavailable, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::extract::{decode_cursor, encode_cursor, IfMatch, JsonBody, PageParams};
use actix_web::{get, post, put, web, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sct_domain::community::{
    EnrolmentStatus as DomainEnrolment, Postcode, ProgrammeError, ProgrammeStatus as DomainStatus,
    ProgrammeType as DomainType,
};
use sct_domain::Role;
use sct_persistence::catalogue as cat;
use sct_persistence::community::{
    self as repo, AttendanceError, AttendanceRow, CommunityError, EnrolmentAction, EnrolmentRow,
    HubRow, NewEnrolment as NewEnrolmentRow, ProgrammeChange, ProgrammeFilter, ProgrammeRow,
    ProgrammeView, SessionChange, SessionRow,
};
use sct_persistence::termly::Reach;
use sct_persistence::StoreError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
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

/// A page of Family Hubs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FamilyHubPage {
    /// The hubs.
    pub items: Vec<FamilyHub>,
    /// Cursor of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
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
    /// UK postcode.
    #[schema(example = "NR1 2DH", max_length = 8)]
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
    if let Err(StoreError::NotFound) = cat::get_zone(conn, b.zone_id).await {
        errors.push(FieldError::new("zone_id", "unknown_zone", "no such zone"));
    }
    if errors.is_empty() {
        Ok(postcode)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Filters of the hub list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HubListParams {
    /// Only hubs of this zone.
    pub zone_id: Option<Uuid>,
    /// Items per page (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

/// List Family Hubs.
#[utoipa::path(
    tag = "Community",
    summary = "List Family Hubs",
    operation_id = "list_family_hubs",
    description = "Family Hubs by id. Staff (la_admin, team managers, practitioners).",
    params(HubListParams),
    responses(
        (status = 200, description = "A page of hubs", body = FamilyHubPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/family-hubs")]
pub async fn list_family_hubs(
    state: web::Data<AppState>,
    caller: Caller,
    p: web::Query<HubListParams>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let p = p.into_inner();
    let (limit, n, after) = uuid_page(p.limit, p.cursor)?;
    let mut conn = state.db.conn().await?;
    let mut rows = repo::list_hubs(&mut conn, p.zone_id, after, limit + 1).await?;
    let next_cursor = uuid_next(&mut rows, n, |r| r.id);
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
    description = "One hub. Staff.",
    params(("id" = Uuid, Path, description = "Hub id")),
    responses(
        (status = 200, description = "The hub", body = FamilyHub, headers(("ETag" = String, description = "Version tag"))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/family-hubs/{id}")]
pub async fn get_family_hub(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let mut conn = state.db.conn().await?;
    let h = repo::get_hub(&mut conn, id.into_inner()).await?;
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
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/family-hubs")]
pub async fn create_family_hub(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<FamilyHubInput>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    let mut conn = state.db.conn().await?;
    let postcode = checked_hub(&b, &mut conn).await?;
    let now = sct_persistence::now();
    let h = repo::create_hub(
        &mut conn,
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
    Ok(created(
        format!("/api/v1/family-hubs/{}", h.id),
        h.version,
        &FamilyHub::from(h),
    ))
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
#[put("/family-hubs/{id}")]
pub async fn update_family_hub(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<FamilyHubInput>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    repo::get_hub(&mut conn, id).await?;
    let version = if_match.required()?;
    let postcode = checked_hub(&b, &mut conn).await?;
    let h = repo::update_hub(
        &mut conn, id, version, &b.name, &b.address, &postcode, b.zone_id,
    )
    .await?
    .ok_or_else(stale)?;
    Ok(ok(h.version, &FamilyHub::from(h)))
}

// ---------------------------------------------------------------- programmes

/// Kind of programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProgrammeType {
    ParentingProgramme,
    SupportGroup,
    Workshop,
}

impl ProgrammeType {
    fn domain(self) -> DomainType {
        match self {
            Self::ParentingProgramme => DomainType::ParentingProgramme,
            Self::SupportGroup => DomainType::SupportGroup,
            Self::Workshop => DomainType::Workshop,
        }
    }

    fn from_domain(d: DomainType) -> Self {
        match d {
            DomainType::ParentingProgramme => Self::ParentingProgramme,
            DomainType::SupportGroup => Self::SupportGroup,
            DomainType::Workshop => Self::Workshop,
        }
    }
}

/// Status of a programme: `draft` -> `open` -> `running` -> `completed`, or
/// `cancelled` from any but the last. Being full is not a status: see
/// `full` and `places_left`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProgrammeStatus {
    Draft,
    Open,
    Running,
    Completed,
    Cancelled,
}

impl ProgrammeStatus {
    fn domain(self) -> DomainStatus {
        match self {
            Self::Draft => DomainStatus::Draft,
            Self::Open => DomainStatus::Open,
            Self::Running => DomainStatus::Running,
            Self::Completed => DomainStatus::Completed,
            Self::Cancelled => DomainStatus::Cancelled,
        }
    }

    fn from_domain(d: DomainStatus) -> Self {
        match d {
            DomainStatus::Draft => Self::Draft,
            DomainStatus::Open => Self::Open,
            DomainStatus::Running => Self::Running,
            DomainStatus::Completed => Self::Completed,
            DomainStatus::Cancelled => Self::Cancelled,
        }
    }
}

/// Who a programme is for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Audience {
    /// Youngest age of the children concerned, in years.
    #[schema(minimum = 0, maximum = 25)]
    #[validate(range(min = 0, max = 25))]
    pub age_from: i32,
    /// Oldest age, in years.
    #[schema(minimum = 0, maximum = 25)]
    #[validate(range(min = 0, max = 25))]
    pub age_to: i32,
    /// Needs it addresses (e.g. "anxiety", "autism", "sleep").
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = 20))]
    pub needs: Vec<String>,
}

/// A programme.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Programme {
    /// Programme id.
    pub id: Uuid,
    /// Kind of programme.
    pub programme_type: ProgrammeType,
    /// Title.
    pub title: String,
    /// Description for families.
    pub description: String,
    /// The catalogue intervention it delivers, if any.
    pub intervention_id: Option<Uuid>,
    /// The Family Hub where it runs, if any.
    pub hub_id: Option<Uuid>,
    /// The zone whose team runs it.
    pub zone_id: Uuid,
    /// Places.
    pub capacity: i32,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Who it is for.
    pub audience: Audience,
    /// Status.
    pub status: ProgrammeStatus,
    /// Families holding a place.
    pub enrolled: i64,
    /// Families on the waiting list.
    pub waiting: i64,
    /// Free places.
    pub places_left: i64,
    /// Whether every place is taken.
    pub full: bool,
    /// Number of dated sessions.
    pub sessions: i64,
    /// Version for If-Match (also the ETag).
    pub version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change (including enrolments).
    pub updated_at: DateTime<Utc>,
}

impl From<ProgrammeView> for Programme {
    fn from(v: ProgrammeView) -> Self {
        let r = v.row;
        let places_left = (i64::from(r.capacity) - v.enrolled).max(0);
        Self {
            id: r.id,
            programme_type: ProgrammeType::from_domain(
                DomainType::parse(&r.programme_type).unwrap_or(DomainType::Workshop),
            ),
            title: r.title,
            description: r.description,
            intervention_id: r.intervention_id,
            hub_id: r.hub_id,
            zone_id: r.zone_id,
            capacity: r.capacity,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            audience: Audience {
                age_from: r.age_from,
                age_to: r.age_to,
                needs: r.needs,
            },
            status: ProgrammeStatus::from_domain(
                DomainStatus::parse(&r.status).unwrap_or(DomainStatus::Draft),
            ),
            enrolled: v.enrolled,
            waiting: v.waiting,
            places_left,
            full: places_left == 0,
            sessions: v.sessions,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A page of programmes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgrammePage {
    /// The programmes.
    pub items: Vec<Programme>,
    /// Cursor of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A new programme (created as `draft`).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "programme_type": "parenting_programme",
    "title": "Triple P Group (ages 2-12)",
    "description": "Eight weekly sessions for parents and carers",
    "zone_id": "0190c3a0-0000-7000-8000-000000000001",
    "hub_id": null,
    "capacity": 12,
    "starts_on": "2027-01-11",
    "ends_on": "2027-03-01",
    "audience": {"age_from": 2, "age_to": 12, "needs": ["behaviour"]}
}))]
pub struct NewProgramme {
    /// Kind of programme.
    pub programme_type: ProgrammeType,
    /// Title.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    /// Description for families.
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub description: String,
    /// The catalogue intervention it delivers.
    pub intervention_id: Option<Uuid>,
    /// The Family Hub where it runs (of the same zone).
    pub hub_id: Option<Uuid>,
    /// The zone whose team runs it (the caller's, for a team's staff).
    pub zone_id: Uuid,
    /// Places (1 to 500).
    #[schema(minimum = 1, maximum = 500)]
    #[validate(range(min = 1, max = 500))]
    pub capacity: i32,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day (not before the first).
    pub ends_on: NaiveDate,
    /// Who it is for.
    #[validate(nested)]
    pub audience: Audience,
}

/// New details of a programme (its zone stays).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "programme_type": "parenting_programme",
    "title": "Triple P Group (ages 2-12)",
    "description": "Eight weekly sessions for parents and carers",
    "hub_id": null,
    "capacity": 14,
    "starts_on": "2027-01-11",
    "ends_on": "2027-03-01",
    "audience": {"age_from": 2, "age_to": 12, "needs": ["behaviour"]}
}))]
pub struct ProgrammeUpdate {
    /// Kind of programme.
    pub programme_type: ProgrammeType,
    /// Title.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    /// Description for families.
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub description: String,
    /// The catalogue intervention it delivers.
    pub intervention_id: Option<Uuid>,
    /// The Family Hub where it runs (of the same zone).
    pub hub_id: Option<Uuid>,
    /// Places (1 to 500; not below the families enrolled). More places
    /// promote families from the waiting list.
    #[schema(minimum = 1, maximum = 500)]
    #[validate(range(min = 1, max = 500))]
    pub capacity: i32,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Who it is for.
    #[validate(nested)]
    pub audience: Audience,
}

/// Move a programme to another status.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "open"}))]
pub struct ProgrammeStatusChange {
    /// The new status.
    pub status: ProgrammeStatus,
}

fn zone_writable(reach: &Reach, zone: Uuid) -> bool {
    match reach {
        Reach::All => true,
        Reach::Zone(z) => *z == zone,
        _ => false,
    }
}

async fn check_programme(
    conn: &mut sct_persistence::Connection,
    zone: Uuid,
    hub: Option<Uuid>,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    audience: &Audience,
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if ends_on < starts_on {
        errors.push(FieldError::new(
            "ends_on",
            "before_start",
            "the programme ends before it starts",
        ));
    }
    if audience.age_to < audience.age_from {
        errors.push(FieldError::new(
            "audience.age_to",
            "before_age_from",
            "age_to is below age_from",
        ));
    }
    for (i, n) in audience.needs.iter().enumerate() {
        if n.trim().is_empty() || n.chars().count() > 100 {
            errors.push(FieldError::new(
                format!("audience.needs[{i}]"),
                "length",
                "a need has 1 to 100 characters",
            ));
        }
    }
    if let Some(h) = hub {
        match repo::get_hub(conn, h).await {
            Ok(hub) if hub.zone_id == zone => {}
            Ok(_) | Err(StoreError::NotFound) => errors.push(FieldError::new(
                "hub_id",
                "unknown_hub",
                "no such Family Hub in the programme's zone",
            )),
            Err(e) => return Err(e.into()),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

fn community_error(e: CommunityError) -> ApiError {
    match e {
        CommunityError::Stale => stale(),
        CommunityError::Rule(r) => rule_error(&r),
        CommunityError::Store(s) => s.into(),
    }
}

fn rule_error(r: &ProgrammeError) -> ApiError {
    match r {
        ProgrammeError::CapacityBelowEnrolled { .. } => {
            ApiError::validation(vec![FieldError::new(
                "capacity",
                "below_enrolled",
                r.to_string(),
            )])
        }
        ProgrammeError::AttendedSessionRescheduled => ApiError::validation(vec![FieldError::new(
            "date",
            "session_attended",
            r.to_string(),
        )]),
        _ => ApiError::new(ErrorCode::InvalidTransition, r.to_string()),
    }
}

/// Filters of the programme list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProgrammeListParams {
    /// Only this zone's programmes.
    pub zone_id: Option<Uuid>,
    /// Only those at this hub.
    pub hub_id: Option<Uuid>,
    /// Only this status.
    pub status: Option<ProgrammeStatus>,
    /// Only this kind.
    pub programme_type: Option<ProgrammeType>,
    /// Items per page (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

/// List programmes.
#[utoipa::path(
    tag = "Community",
    summary = "List programmes",
    operation_id = "list_programmes",
    description = "Programmes by id, with places taken and waiting. Any authenticated caller (programmes hold no personal data; published ones are also in the public Open Referral UK feed).",
    params(ProgrammeListParams),
    responses(
        (status = 200, description = "A page of programmes", body = ProgrammePage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/programmes")]
pub async fn list_programmes(
    state: web::Data<AppState>,
    _caller: Caller,
    p: web::Query<ProgrammeListParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    let (limit, n, after) = uuid_page(p.limit, p.cursor)?;
    let f = ProgrammeFilter {
        zone_id: p.zone_id,
        hub_id: p.hub_id,
        status: p.status.map(|s| s.domain().as_str().to_owned()),
        programme_type: p.programme_type.map(|t| t.domain().as_str().to_owned()),
        ..ProgrammeFilter::default()
    };
    let mut conn = state.db.conn().await?;
    let mut rows = repo::list_programmes(&mut conn, &f, after, limit + 1).await?;
    let next_cursor = (rows.len() > n).then(|| encode_cursor(&[&rows[n - 1].row.id.to_string()]));
    rows.truncate(n);
    Ok(HttpResponse::Ok().json(ProgrammePage {
        items: rows.into_iter().map(Programme::from).collect(),
        next_cursor,
    }))
}

/// Read a programme.
#[utoipa::path(
    tag = "Community",
    summary = "Read a programme",
    operation_id = "get_programme",
    description = "One programme with places taken and waiting. Any authenticated caller.",
    params(("id" = Uuid, Path, description = "Programme id")),
    responses(
        (status = 200, description = "The programme", body = Programme, headers(("ETag" = String, description = "Version tag"))),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/programmes/{id}")]
pub async fn get_programme(
    state: web::Data<AppState>,
    _caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.conn().await?;
    let v = repo::get_programme(&mut conn, id.into_inner()).await?;
    Ok(ok(v.row.version, &Programme::from(v)))
}

/// Create a programme.
#[utoipa::path(
    tag = "Community",
    summary = "Create a programme",
    operation_id = "create_programme",
    description = "The zone's team (managers, practitioners) or la_admin. Created as `draft`; open it to take enrolments and publish it.",
    request_body(content = NewProgramme, content_type = "application/json"),
    responses(
        (status = 201, description = "The programme", body = Programme, headers(("Location" = String, description = "URL of the programme"), ("ETag" = String, description = "Version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/programmes")]
pub async fn create_programme(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<NewProgramme>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let b = body.0;
    validate(&b)?;
    let reach = reach_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    if !zone_writable(&reach, b.zone_id)
        || matches!(
            cat::get_zone(&mut conn, b.zone_id).await,
            Err(StoreError::NotFound)
        )
    {
        return Err(ApiError::validation(vec![FieldError::new(
            "zone_id",
            "unknown_zone",
            "no such zone, or it is not your team's",
        )]));
    }
    check_programme(
        &mut conn,
        b.zone_id,
        b.hub_id,
        b.starts_on,
        b.ends_on,
        &b.audience,
    )
    .await?;
    let now = sct_persistence::now();
    let v = repo::create_programme(
        &mut conn,
        &ProgrammeRow {
            id: Uuid::now_v7(),
            programme_type: b.programme_type.domain().as_str().to_owned(),
            title: b.title,
            description: b.description,
            intervention_id: b.intervention_id,
            hub_id: b.hub_id,
            zone_id: b.zone_id,
            capacity: b.capacity,
            starts_on: b.starts_on,
            ends_on: b.ends_on,
            age_from: b.audience.age_from,
            age_to: b.audience.age_to,
            needs: b.audience.needs,
            status: DomainStatus::Draft.as_str().to_owned(),
            created_by: caller.subject.clone(),
            version: 1,
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    Ok(created(
        format!("/api/v1/programmes/{}", v.row.id),
        v.row.version,
        &Programme::from(v),
    ))
}

/// The programme, if the caller may write to it (404 otherwise).
async fn writable_programme(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<ProgrammeView, ApiError> {
    only(caller, STAFF)?;
    let reach = reach_of(caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let v = repo::get_programme(&mut conn, id).await?;
    if zone_writable(&reach, v.row.zone_id) {
        Ok(v)
    } else {
        Err(ApiError::not_found())
    }
}

/// Change a programme.
#[utoipa::path(
    tag = "Community",
    summary = "Change a programme",
    operation_id = "update_programme",
    description = "The zone's team or la_admin, with If-Match. Capacity cannot drop below the families enrolled (422); more places promote families from the waiting list in order, in the same transaction.",
    params(("id" = Uuid, Path, description = "Programme id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = ProgrammeUpdate, content_type = "application/json"),
    responses(
        (status = 200, description = "The programme", body = Programme, headers(("ETag" = String, description = "Version tag"))),
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
#[put("/programmes/{id}")]
pub async fn update_programme(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<ProgrammeUpdate>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let current = writable_programme(&state, &caller, id).await?;
    let b = body.0;
    validate(&b)?;
    let version = if_match.required()?;
    let mut conn = state.db.conn().await?;
    check_programme(
        &mut conn,
        current.row.zone_id,
        b.hub_id,
        b.starts_on,
        b.ends_on,
        &b.audience,
    )
    .await?;
    let change = ProgrammeChange {
        programme_type: b.programme_type.domain().as_str().to_owned(),
        title: b.title,
        description: b.description,
        intervention_id: b.intervention_id,
        hub_id: b.hub_id,
        capacity: b.capacity,
        starts_on: b.starts_on,
        ends_on: b.ends_on,
        age_from: b.audience.age_from,
        age_to: b.audience.age_to,
        needs: b.audience.needs,
    };
    let v = repo::update_programme(&mut conn, id, version, &change, sct_persistence::now())
        .await
        .map_err(community_error)?;
    Ok(ok(v.row.version, &Programme::from(v)))
}

/// Change a programme's status.
#[utoipa::path(
    tag = "Community",
    summary = "Open, start, complete or cancel a programme",
    operation_id = "set_programme_status",
    description = "The zone's team or la_admin, with If-Match. `draft` -> `open` -> `running` (needs at least one session) -> `completed`; `cancelled` from draft, open or running. Anything else answers 409 `invalid_transition`.",
    params(("id" = Uuid, Path, description = "Programme id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = ProgrammeStatusChange, content_type = "application/json"),
    responses(
        (status = 200, description = "The programme", body = Programme, headers(("ETag" = String, description = "Version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 428, response = PreconditionRequired),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/programmes/{id}/status")]
pub async fn set_programme_status(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<ProgrammeStatusChange>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    writable_programme(&state, &caller, id).await?;
    let version = if_match.required()?;
    let mut conn = state.db.conn().await?;
    let v = repo::set_programme_status(
        &mut conn,
        id,
        version,
        body.0.status.domain(),
        sct_persistence::now(),
    )
    .await
    .map_err(community_error)?;
    Ok(ok(v.row.version, &Programme::from(v)))
}

// ---------------------------------------------------------------- sessions

/// A dated session of a programme.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgrammeSession {
    /// Session id.
    pub id: Uuid,
    /// The programme.
    pub programme_id: Uuid,
    /// Date.
    pub date: NaiveDate,
    /// Start time (local).
    #[schema(value_type = Option<String>, example = "10:00:00")]
    pub starts_at: Option<NaiveTime>,
    /// End time (local).
    #[schema(value_type = Option<String>, example = "12:00:00")]
    pub ends_at: Option<NaiveTime>,
    /// Topic of the session.
    pub topic: Option<String>,
    /// Version for If-Match (also the ETag).
    pub version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last moved or corrected; absent while never changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<SessionRow> for ProgrammeSession {
    fn from(s: SessionRow) -> Self {
        Self {
            id: s.id,
            programme_id: s.programme_id,
            date: s.session_date,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            topic: s.topic,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A page of sessions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgrammeSessionPage {
    /// The sessions, by date.
    pub items: Vec<ProgrammeSession>,
    /// Cursor of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A new session.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"date": "2027-01-11", "starts_at": "10:00:00", "ends_at": "12:00:00", "topic": "Positive parenting"}))]
pub struct NewProgrammeSession {
    /// Date (within the programme's dates).
    pub date: NaiveDate,
    /// Start time (local, `HH:MM:SS`).
    #[schema(value_type = Option<String>, example = "10:00:00")]
    pub starts_at: Option<NaiveTime>,
    /// End time (local, after the start).
    #[schema(value_type = Option<String>, example = "12:00:00")]
    pub ends_at: Option<NaiveTime>,
    /// Topic.
    #[schema(max_length = 300)]
    #[validate(length(max = 300))]
    pub topic: Option<String>,
}

/// The checks of a session's details, when added and when moved: the
/// date lies within the programme's dates and the end follows the start.
fn check_session(p: &ProgrammeRow, b: &NewProgrammeSession) -> Result<(), ApiError> {
    validate(b)?;
    let mut errors = Vec::new();
    if b.date < p.starts_on || b.date > p.ends_on {
        errors.push(FieldError::new(
            "date",
            "outside_programme",
            "the session falls outside the programme's dates",
        ));
    }
    if let (Some(s), Some(e)) = (b.starts_at, b.ends_at) {
        if e <= s {
            errors.push(FieldError::new(
                "ends_at",
                "before_start",
                "the session ends before it starts",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Add a session.
#[utoipa::path(
    tag = "Community",
    summary = "Add a dated session to a programme",
    operation_id = "create_programme_session",
    description = "The zone's team or la_admin. The date lies within the programme's dates.",
    params(("id" = Uuid, Path, description = "Programme id")),
    request_body(content = NewProgrammeSession, content_type = "application/json"),
    responses(
        (status = 201, description = "The session", body = ProgrammeSession, headers(("Location" = String, description = "URL of the session's attendance"), ("ETag" = String, description = "Version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/programmes/{id}/sessions")]
pub async fn create_programme_session(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<NewProgrammeSession>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let p = writable_programme(&state, &caller, id).await?;
    let b = body.0;
    check_session(&p.row, &b)?;
    let mut conn = state.db.conn().await?;
    let s = repo::add_session(
        &mut conn,
        &SessionRow {
            id: Uuid::now_v7(),
            programme_id: id,
            session_date: b.date,
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            topic: b.topic,
            created_at: sct_persistence::now(),
            version: 1,
            updated_at: None,
        },
    )
    .await?;
    Ok(created(
        format!("/api/v1/programmes/{id}/sessions/{}/attendance", s.id),
        s.version,
        &ProgrammeSession::from(s),
    ))
}

/// List sessions.
#[utoipa::path(
    tag = "Community",
    summary = "List a programme's sessions",
    operation_id = "list_programme_sessions",
    description = "Sessions by date. Any authenticated caller.",
    params(("id" = Uuid, Path, description = "Programme id"), PageParams),
    responses(
        (status = 200, description = "A page of sessions", body = ProgrammeSessionPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/programmes/{id}/sessions")]
pub async fn list_programme_sessions(
    state: web::Data<AppState>,
    _caller: Caller,
    id: web::Path<Uuid>,
    p: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (limit, n) = page_size(&p)?;
    let after = match p.cursor.as_deref() {
        Some(c) => {
            let parts = decode_cursor(c, 2)?;
            let bad = || {
                ApiError::new(
                    ErrorCode::InvalidCursor,
                    "the cursor is not one this API issued",
                )
            };
            Some((
                parts[0].parse::<NaiveDate>().map_err(|_| bad())?,
                Uuid::parse_str(&parts[1]).map_err(|_| bad())?,
            ))
        }
        None => None,
    };
    let mut conn = state.db.conn().await?;
    repo::get_programme(&mut conn, id).await?;
    let mut rows = repo::list_sessions(&mut conn, id, after, limit + 1).await?;
    let next_cursor = (rows.len() > n).then(|| {
        let last = &rows[n - 1];
        encode_cursor(&[&last.session_date.to_string(), &last.id.to_string()])
    });
    rows.truncate(n);
    Ok(HttpResponse::Ok().json(ProgrammeSessionPage {
        items: rows.into_iter().map(ProgrammeSession::from).collect(),
        next_cursor,
    }))
}

/// Read a session.
#[utoipa::path(
    tag = "Community",
    summary = "Read a programme session",
    operation_id = "get_programme_session",
    description = "One dated session with its ETag (for moving it). Any authenticated caller, as the list of sessions. 404 when the programme is missing or the session is not one of its sessions.",
    params(("id" = Uuid, Path, description = "Programme id"), ("session_id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 200, description = "The session", body = ProgrammeSession, headers(("ETag" = String, description = "Version tag"))),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/programmes/{id}/sessions/{session_id}")]
pub async fn get_programme_session(
    state: web::Data<AppState>,
    _caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, sid) = path.into_inner();
    let mut conn = state.db.conn().await?;
    let s = repo::get_session(&mut conn, id, sid).await?;
    Ok(ok(s.version, &ProgrammeSession::from(s)))
}

/// Move or correct a session.
#[utoipa::path(
    tag = "Community",
    summary = "Move or correct a programme session",
    operation_id = "update_programme_session",
    description = "The zone's team or la_admin (another zone's programme answers 404), with If-Match (428 without, 412 when stale). Replaces the session's date, start and end times and topic (a time or topic left out is cleared), with the checks of adding a session: the date lies within the programme's dates, the end follows the start (422). A session with no attendance recorded may be moved to any such date. Once attendance is recorded the session took place: its date and times may still be corrected to a day no later than today (a mistyped day or hour), but not moved to a day after today (422 `session_attended` on `date`); its topic may always be corrected. Recorded attendance stays with the session.",
    params(("id" = Uuid, Path, description = "Programme id"), ("session_id" = Uuid, Path, description = "Session id"), ("If-Match" = String, Header, description = "ETag of the session as last read")),
    request_body(content = NewProgrammeSession, content_type = "application/json"),
    responses(
        (status = 200, description = "The session", body = ProgrammeSession, headers(("ETag" = String, description = "Version tag"))),
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
#[put("/programmes/{id}/sessions/{session_id}")]
pub async fn update_programme_session(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<NewProgrammeSession>,
) -> Result<HttpResponse, ApiError> {
    let (id, sid) = path.into_inner();
    let p = writable_programme(&state, &caller, id).await?;
    let b = body.0;
    check_session(&p.row, &b)?;
    let version = if_match.required()?;
    let mut conn = state.db.conn().await?;
    let now = sct_persistence::now();
    let s = repo::update_session(
        &mut conn,
        id,
        sid,
        version,
        &SessionChange {
            session_date: b.date,
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            topic: b.topic,
        },
        now.date_naive(),
        now,
    )
    .await
    .map_err(community_error)?;
    Ok(ok(s.version, &ProgrammeSession::from(s)))
}

// ---------------------------------------------------------------- enrolments

/// Where a family's enrolment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentStatus {
    Enrolled,
    Waiting,
    Cancelled,
    Completed,
}

impl EnrolmentStatus {
    fn from_str(s: &str) -> Self {
        match DomainEnrolment::parse(s) {
            Some(DomainEnrolment::Enrolled) => Self::Enrolled,
            Some(DomainEnrolment::Waiting) => Self::Waiting,
            Some(DomainEnrolment::Completed) => Self::Completed,
            _ => Self::Cancelled,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Enrolled => "enrolled",
            Self::Waiting => "waiting",
            Self::Cancelled => "cancelled",
            Self::Completed => "completed",
        }
    }
}

/// A family's enrolment on a programme (personal data: staff only).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Enrolment {
    /// Enrolment id.
    pub id: Uuid,
    /// The programme.
    pub programme_id: Uuid,
    /// Name of the parent or carer.
    pub parent_carer_name: String,
    /// Whether the family agreed to be contacted.
    pub contact_consent: bool,
    /// The referral of the zone's team it is linked to, if any.
    pub referral_id: Option<Uuid>,
    /// Status.
    pub status: EnrolmentStatus,
    /// Position on the waiting list (1 = next), while waiting.
    pub waiting_position: Option<i64>,
    /// When the family got a place.
    pub enrolled_at: Option<DateTime<Utc>>,
    /// Version for If-Match (also the ETag).
    pub version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

fn enrolment(r: EnrolmentRow, positions: &HashMap<Uuid, i64>) -> Enrolment {
    Enrolment {
        waiting_position: positions.get(&r.id).copied(),
        id: r.id,
        programme_id: r.programme_id,
        parent_carer_name: r.parent_carer_name,
        contact_consent: r.contact_consent,
        referral_id: r.referral_id,
        status: EnrolmentStatus::from_str(&r.status),
        enrolled_at: r.enrolled_at,
        version: r.version,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// A page of enrolments.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnrolmentPage {
    /// The enrolments.
    pub items: Vec<Enrolment>,
    /// Cursor of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A family enrols.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"parent_carer_name": "Alex Example", "contact_consent": true, "referral_id": null}))]
pub struct NewEnrolment {
    /// Name of the parent or carer.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub parent_carer_name: String,
    /// Whether the family agreed to be contacted.
    pub contact_consent: bool,
    /// A referral of the zone's team this enrolment belongs to.
    pub referral_id: Option<Uuid>,
}

/// Enrol a family.
#[utoipa::path(
    tag = "Community",
    summary = "Enrol a family on a programme",
    operation_id = "create_enrolment",
    description = "The zone's team or la_admin, while the programme is open or running (409 otherwise). A family gets a place while one is free and joins the waiting list after that (status `waiting` with its position). Concurrent enrolments never exceed capacity: the programme row is locked.",
    params(("id" = Uuid, Path, description = "Programme id")),
    request_body(content = NewEnrolment, content_type = "application/json"),
    responses(
        (status = 201, description = "The enrolment", body = Enrolment, headers(("Location" = String, description = "URL of the enrolment"), ("ETag" = String, description = "Version tag"))),
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
#[post("/programmes/{id}/enrolments")]
pub async fn create_enrolment(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<NewEnrolment>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let p = writable_programme(&state, &caller, id).await?;
    let b = body.0;
    validate(&b)?;
    let mut conn = state.db.conn().await?;
    if let Some(r) = b.referral_id {
        let ok = matches!(
            repo::referral_zone(&mut conn, r).await?,
            Some((Some(z), Some(_))) if z == p.row.zone_id
        );
        if !ok {
            return Err(ApiError::validation(vec![FieldError::new(
                "referral_id",
                "unknown_referral",
                "no such referral with the programme zone's team",
            )]));
        }
    }
    let e = repo::enrol(
        &mut conn,
        id,
        NewEnrolmentRow {
            parent_carer_name: b.parent_carer_name,
            contact_consent: b.contact_consent,
            referral_id: b.referral_id,
            enrolled_by: caller.subject.clone(),
        },
        sct_persistence::now(),
    )
    .await
    .map_err(community_error)?;
    let positions = repo::waiting_positions(&mut conn, id).await?;
    Ok(created(
        format!("/api/v1/programmes/{id}/enrolments/{}", e.id),
        e.version,
        &enrolment(e, &positions),
    ))
}

/// Filters of the enrolment list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EnrolmentListParams {
    /// Only this status.
    pub status: Option<EnrolmentStatus>,
    /// Items per page (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

/// List enrolments.
#[utoipa::path(
    tag = "Community",
    summary = "List a programme's enrolments",
    operation_id = "list_enrolments",
    description = "The zone's team or la_admin (personal data: schools get 403). Waiting families carry their position.",
    params(("id" = Uuid, Path, description = "Programme id"), EnrolmentListParams),
    responses(
        (status = 200, description = "A page of enrolments", body = EnrolmentPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/programmes/{id}/enrolments")]
pub async fn list_enrolments(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    p: web::Query<EnrolmentListParams>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    writable_programme(&state, &caller, id).await?;
    let p = p.into_inner();
    let (limit, n, after) = uuid_page(p.limit, p.cursor)?;
    let mut conn = state.db.conn().await?;
    let mut rows = repo::list_enrolments(
        &mut conn,
        id,
        p.status.map(EnrolmentStatus::as_str),
        after,
        limit + 1,
    )
    .await?;
    let next_cursor = uuid_next(&mut rows, n, |r| r.id);
    let positions = repo::waiting_positions(&mut conn, id).await?;
    Ok(HttpResponse::Ok().json(EnrolmentPage {
        items: rows.into_iter().map(|r| enrolment(r, &positions)).collect(),
        next_cursor,
    }))
}

/// Read an enrolment.
#[utoipa::path(
    tag = "Community",
    summary = "Read an enrolment",
    operation_id = "get_enrolment",
    description = "The zone's team or la_admin.",
    params(("id" = Uuid, Path, description = "Programme id"), ("enrolment_id" = Uuid, Path, description = "Enrolment id")),
    responses(
        (status = 200, description = "The enrolment", body = Enrolment, headers(("ETag" = String, description = "Version tag"))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/programmes/{id}/enrolments/{enrolment_id}")]
pub async fn get_enrolment(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, eid) = path.into_inner();
    writable_programme(&state, &caller, id).await?;
    let mut conn = state.db.conn().await?;
    let e = repo::get_enrolment(&mut conn, id, eid).await?;
    let positions = repo::waiting_positions(&mut conn, id).await?;
    Ok(ok(e.version, &enrolment(e, &positions)))
}

async fn enrolment_action(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    eid: Uuid,
    if_match: IfMatch,
    action: EnrolmentAction,
) -> Result<HttpResponse, ApiError> {
    writable_programme(state, caller, id).await?;
    let mut conn = state.db.conn().await?;
    repo::get_enrolment(&mut conn, id, eid).await?;
    let version = if_match.required()?;
    let (e, _) =
        repo::act_on_enrolment(&mut conn, id, eid, version, action, sct_persistence::now())
            .await
            .map_err(community_error)?;
    let positions = repo::waiting_positions(&mut conn, id).await?;
    Ok(ok(e.version, &enrolment(e, &positions)))
}

/// Cancel an enrolment.
#[utoipa::path(
    tag = "Community",
    summary = "Cancel an enrolment",
    operation_id = "cancel_enrolment",
    description = "The zone's team or la_admin, with If-Match; from `enrolled` or `waiting`. A cancelled place goes to the first family on the waiting list in the same transaction.",
    params(("id" = Uuid, Path, description = "Programme id"), ("enrolment_id" = Uuid, Path, description = "Enrolment id"), ("If-Match" = String, Header, description = "ETag as last read")),
    responses(
        (status = 200, description = "The enrolment", body = Enrolment, headers(("ETag" = String, description = "Version tag"))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 428, response = PreconditionRequired),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/programmes/{id}/enrolments/{enrolment_id}/cancel")]
pub async fn cancel_enrolment(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (id, eid) = path.into_inner();
    enrolment_action(&state, &caller, id, eid, if_match, EnrolmentAction::Cancel).await
}

/// Complete an enrolment.
#[utoipa::path(
    tag = "Community",
    summary = "Record that a family completed the programme",
    operation_id = "complete_enrolment",
    description = "The zone's team or la_admin, with If-Match; an `enrolled` family on a running or completed programme.",
    params(("id" = Uuid, Path, description = "Programme id"), ("enrolment_id" = Uuid, Path, description = "Enrolment id"), ("If-Match" = String, Header, description = "ETag as last read")),
    responses(
        (status = 200, description = "The enrolment", body = Enrolment, headers(("ETag" = String, description = "Version tag"))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 428, response = PreconditionRequired),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/programmes/{id}/enrolments/{enrolment_id}/complete")]
pub async fn complete_enrolment(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (id, eid) = path.into_inner();
    enrolment_action(
        &state,
        &caller,
        id,
        eid,
        if_match,
        EnrolmentAction::Complete,
    )
    .await
}

// ---------------------------------------------------------------- attendance

/// Attendance of one family at a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttendanceStatus {
    Attended,
    DidNotAttend,
    Cancelled,
}

impl AttendanceStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Attended => "attended",
            Self::DidNotAttend => "did_not_attend",
            Self::Cancelled => "cancelled",
        }
    }

    fn from_str(s: &str) -> Self {
        match s {
            "attended" => Self::Attended,
            "did_not_attend" => Self::DidNotAttend,
            _ => Self::Cancelled,
        }
    }
}

/// One family's attendance.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceRecord {
    /// The enrolment (holding a place on the programme).
    pub enrolment_id: Uuid,
    /// Attendance.
    pub status: AttendanceStatus,
}

/// Attendance at a session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionAttendance {
    /// The session.
    pub session_id: Uuid,
    /// One record per family recorded.
    pub records: Vec<AttendanceRecord>,
}

/// Attendance to record (replaces the records of the families named).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"records": [{"enrolment_id": "0190c3a0-0000-7000-8000-0000000000e1", "status": "attended"}]}))]
pub struct AttendanceInput {
    /// Records, one per family (1 to 500).
    #[schema(min_items = 1, max_items = 500)]
    #[validate(length(min = 1, max = 500))]
    pub records: Vec<AttendanceRecord>,
}

fn attendance(session: Uuid, rows: Vec<AttendanceRow>) -> SessionAttendance {
    SessionAttendance {
        session_id: session,
        records: rows
            .into_iter()
            .map(|r| AttendanceRecord {
                enrolment_id: r.enrolment_id,
                status: AttendanceStatus::from_str(&r.status),
            })
            .collect(),
    }
}

/// Record attendance.
#[utoipa::path(
    tag = "Community",
    summary = "Record attendance at a session",
    operation_id = "record_attendance",
    description = "The zone's team or la_admin. Each record names an enrolment holding a place (enrolled or completed); recording a family again corrects its record.",
    params(("id" = Uuid, Path, description = "Programme id"), ("session_id" = Uuid, Path, description = "Session id")),
    request_body(content = AttendanceInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The session's attendance", body = SessionAttendance),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[put("/programmes/{id}/sessions/{session_id}/attendance")]
pub async fn record_attendance(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: JsonBody<AttendanceInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, sid) = path.into_inner();
    writable_programme(&state, &caller, id).await?;
    let b = body.0;
    validate(&b)?;
    let mut conn = state.db.conn().await?;
    let session = repo::get_session(&mut conn, id, sid).await?;
    let mut seen = Vec::new();
    for (i, r) in b.records.iter().enumerate() {
        if seen.contains(&r.enrolment_id) {
            return Err(ApiError::validation(vec![FieldError::new(
                format!("records[{i}].enrolment_id"),
                "duplicate_enrolment",
                "each family at most once",
            )]));
        }
        seen.push(r.enrolment_id);
    }
    let entries: Vec<(Uuid, String)> = b
        .records
        .iter()
        .map(|r| (r.enrolment_id, r.status.as_str().to_owned()))
        .collect();
    let rows = repo::record_attendance(
        &mut conn,
        &session,
        &entries,
        &caller.subject,
        sct_persistence::now(),
    )
    .await
    .map_err(|e| match e {
        AttendanceError::NotEnrolled(i) => ApiError::validation(vec![FieldError::new(
            format!("records[{i}].enrolment_id"),
            "not_enrolled",
            "no enrolment holding a place on this programme",
        )]),
        AttendanceError::Store(s) => s.into(),
    })?;
    Ok(HttpResponse::Ok().json(attendance(sid, rows)))
}

/// Read attendance.
#[utoipa::path(
    tag = "Community",
    summary = "Read attendance at a session",
    operation_id = "get_attendance",
    description = "The zone's team or la_admin.",
    params(("id" = Uuid, Path, description = "Programme id"), ("session_id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 200, description = "The session's attendance", body = SessionAttendance),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/programmes/{id}/sessions/{session_id}/attendance")]
pub async fn get_attendance(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, sid) = path.into_inner();
    writable_programme(&state, &caller, id).await?;
    let mut conn = state.db.conn().await?;
    repo::get_session(&mut conn, id, sid).await?;
    let rows = repo::attendance(&mut conn, sid).await?;
    Ok(HttpResponse::Ok().json(attendance(sid, rows)))
}
