//! Group programmes run with Family Hubs: create, list, read, update, open
//! and close.

use crate::http::access::only;
use crate::http::access::reach_of;
use crate::http::access::STAFF;
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
use chrono::NaiveDate;
use chrono::Utc;
use sct_domain::community::ProgrammeError;
use sct_domain::community::ProgrammeStatus as DomainStatus;
use sct_domain::community::ProgrammeType as DomainType;
use sct_domain::WireName;
use sct_persistence::community as repo;
use sct_persistence::community::CommunityError;
use sct_persistence::community::ProgrammeChange;
use sct_persistence::community::ProgrammeFilter;
use sct_persistence::community::ProgrammeRow;
use sct_persistence::community::ProgrammeView;
use sct_persistence::organisation;
use sct_persistence::termly::Reach;
use sct_persistence::StoreError;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

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
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub intervention_id: Option<Uuid>,
    /// The Family Hub where it runs, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
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

list_page! {
    /// A page of programmes.
    ProgrammePage {
        /// The programmes.
        items: Programme
    }
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

pub(crate) fn community_error(e: CommunityError) -> ApiError {
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

list_params! {
    /// Filters of the programme list.
    ProgrammeListParams {
        /// Only this zone's programmes.
        zone_id: Option<Uuid>,
        /// Only those at this hub.
        hub_id: Option<Uuid>,
        /// Only this status.
        status: Option<ProgrammeStatus>,
        /// Only this kind.
        programme_type: Option<ProgrammeType>,
    }
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
    ),
)]
#[get("/programmes")]
pub async fn list_programmes(
    state: web::Data<AppState>,
    _caller: Caller,
    p: web::Query<ProgrammeListParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    let (limit, n, after) = keyset_page(p.limit, p.cursor)?;
    let f = ProgrammeFilter {
        zone_id: p.zone_id,
        hub_id: p.hub_id,
        status: p.status.map(|s| s.domain().as_str().to_owned()),
        programme_type: p.programme_type.map(|t| t.domain().as_str().to_owned()),
        ..ProgrammeFilter::default()
    };
    let mut conn = state.db.conn().await?;
    let mut rows = repo::list_programmes(&mut conn, &f, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| r.row.id);
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
        (status = 404, response = NotFound),
    ),
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
        (status = 403, response = Forbidden),
    ),
)]
#[post("/programmes")]
pub async fn create_programme(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<NewProgramme>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let b = body.0;
    validate(&b)?;
    let reach = reach_of(&caller, &state.db).await?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            if !zone_writable(&reach, b.zone_id)
                || matches!(
                    organisation::get_zone(conn, b.zone_id).await,
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
                conn,
                b.zone_id,
                b.hub_id,
                b.starts_on,
                b.ends_on,
                &b.audience,
            )
            .await?;
            let now = sct_persistence::now();
            let v = repo::create_programme(
                conn,
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
            Ok(Written::created(
                format!("/api/v1/programmes/{}", v.row.id),
                v.row.version,
                &Programme::from(v),
            ))
        })
    })
    .await
}

/// The programme, if the caller may write to it (404 otherwise).
pub(crate) async fn writable_programme(
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
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/programmes/{id}")]
pub async fn update_programme(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<ProgrammeUpdate>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let current = writable_programme(&state, &caller, id).await?;
    let b = body.0;
    validate(&b)?;
    let version = if_match.required()?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            check_programme(
                conn,
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
            let v = repo::update_programme(conn, id, version, &change, sct_persistence::now())
                .await
                .map_err(community_error)?;
            Ok(Written::ok(v.row.version, &Programme::from(v)))
        })
    })
    .await
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
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/programmes/{id}/status")]
pub async fn set_programme_status(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<ProgrammeStatusChange>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    writable_programme(&state, &caller, id).await?;
    let version = if_match.required()?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let v = repo::set_programme_status(
                conn,
                id,
                version,
                body.0.status.domain(),
                sct_persistence::now(),
            )
            .await
            .map_err(community_error)?;
            Ok(Written::ok(v.row.version, &Programme::from(v)))
        })
    })
    .await
}

// ---------------------------------------------------------------- sessions
