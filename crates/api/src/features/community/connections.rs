//! Family Hubs and schools (issue 15): the schools a hub is connected with
//! (introduced on, by whom, a named contact at each end, what they do
//! together), and the report of the schools of each zone connected and not
//! yet connected.
//!
//! Who reaches a connection: la_admin all; a team's manager and
//! practitioners those of their zone's hubs, which they also record and
//! change; a school (and its MIS) its own connections with the hubs of its
//! zone, read only. Anything else answers 404.

use crate::http::access::only;
use crate::http::access::reach_of;
use crate::http::access::EVERY_ROLE;
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
use sct_persistence::community as repo;
use sct_persistence::community::ConnectionChange;
use sct_persistence::community::ConnectionRow;
use sct_persistence::community::HubRow;
use sct_persistence::organisation;
use sct_persistence::termly::Reach;
use sct_persistence::Connection;
use sct_persistence::StoreError;
use serde::Deserialize;
use serde::Serialize;
use utoipa::IntoParams;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// A hub's connection with a school.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HubSchoolConnection {
    /// Connection id.
    pub id: Uuid,
    /// The hub.
    pub hub_id: Uuid,
    /// The school's URN.
    #[schema(example = "100001")]
    pub school_urn: String,
    /// When the school and the hub were introduced.
    pub introduced_on: NaiveDate,
    /// The team's worker who introduced them, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub introduced_by_worker_id: Option<Uuid>,
    /// The hub's named contact for the school.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub hub_contact: Option<Contact>,
    /// The school's named contact for the hub.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub school_contact: Option<Contact>,
    /// What the school and the hub do together.
    pub joint_activities: Vec<String>,
    /// Version for If-Match (also the ETag).
    pub version: i32,
    /// Recorded.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A named contact: a member of staff at the hub or at the school.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Their name.
    #[schema(min_length = 1, max_length = 200, example = "Sam Carter")]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Their role.
    #[schema(min_length = 1, max_length = 200, example = "Family Hub coordinator")]
    #[validate(length(min = 1, max = 200))]
    pub role: String,
}

fn contact(name: Option<String>, role: Option<String>) -> Option<Contact> {
    Some(Contact {
        name: name?,
        role: role?,
    })
}

impl From<ConnectionRow> for HubSchoolConnection {
    fn from(r: ConnectionRow) -> Self {
        Self {
            id: r.id,
            hub_id: r.hub_id,
            school_urn: r.school_urn,
            introduced_on: r.introduced_on,
            introduced_by_worker_id: r.introduced_by_worker_id,
            hub_contact: contact(r.hub_contact_name, r.hub_contact_role),
            school_contact: contact(r.school_contact_name, r.school_contact_role),
            joint_activities: r.joint_activities,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

list_page! {
    /// A page of a hub's connections.
    HubSchoolConnectionPage {
        /// The connections.
        items: HubSchoolConnection
    }
}

/// What a connection records; the school is named on creation only.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"school_urn": "100001", "introduced_on": "2026-01-15", "hub_contact": {"name": "Sam Carter", "role": "Family Hub coordinator"}, "school_contact": {"name": "Alex Morgan", "role": "SENCO"}, "joint_activities": ["Parents' coffee morning at the school each half term"]}))]
pub struct ConnectionInput {
    /// The school's URN: a 6-digit URN, or for a setting beyond GIAS its
    /// Ofsted registration number `EY123456` or local id `LA-…`. Given on
    /// creation; a change must name the same school or leave it out.
    #[schema(
        pattern = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$",
        example = "100001"
    )]
    pub school_urn: Option<String>,
    /// When they were introduced (not in the future).
    pub introduced_on: NaiveDate,
    /// The team's worker who introduced them: an active worker of the hub's zone's team.
    pub introduced_by_worker_id: Option<Uuid>,
    /// The hub's named contact.
    #[validate(nested)]
    pub hub_contact: Option<Contact>,
    /// The school's named contact.
    #[validate(nested)]
    pub school_contact: Option<Contact>,
    /// What they do together: up to 20 entries of 1 to 200 characters each (422 `length` naming the entry otherwise).
    #[schema(max_items = 20, example = json!(["Parents' coffee morning at the school each half term"]))]
    #[serde(default)]
    #[validate(length(max = 20))]
    pub joint_activities: Vec<String>,
}

/// The checks of a connection that need the database: the hub's zone has the
/// school and the worker. Answers the change to write.
async fn checked(
    conn: &mut Connection,
    hub: &HubRow,
    urn: &str,
    b: &ConnectionInput,
) -> Result<ConnectionChange, ApiError> {
    validate(b)?;
    let mut errors = Vec::new();
    for (i, a) in b.joint_activities.iter().enumerate() {
        if a.trim().is_empty() || a.chars().count() > 200 {
            errors.push(FieldError::new(
                format!("joint_activities[{i}]"),
                "length",
                "an activity has 1 to 200 characters",
            ));
        }
    }
    if b.introduced_on > Utc::now().date_naive() {
        errors.push(FieldError::new(
            "introduced_on",
            "in_future",
            "the date may not be in the future",
        ));
    }
    match organisation::get_school(conn, urn).await {
        Ok(s) if s.zone_id != Some(hub.zone_id) => errors.push(FieldError::new(
            "school_urn",
            "school_not_in_hub_zone",
            "the school is not in the zone the hub serves",
        )),
        Ok(_) => {}
        Err(StoreError::NotFound) => errors.push(FieldError::new(
            "school_urn",
            "unknown_school",
            "no such school",
        )),
        Err(e) => return Err(e.into()),
    }
    if let Some(w) = b.introduced_by_worker_id {
        let found = match organisation::team_of_zone(conn, hub.zone_id).await? {
            Some(team) => match organisation::get_worker(conn, team.id, w).await {
                Ok(found) => Ok(found.worker.active),
                Err(StoreError::NotFound) => Ok(false),
                Err(e) => Err(e),
            },
            None => Ok(false),
        };
        match found {
            Ok(true) => {}
            Ok(false) => errors.push(FieldError::new(
                "introduced_by_worker_id",
                "unknown_worker",
                "no active worker of the team of the hub's zone",
            )),
            Err(e) => return Err(e.into()),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (hub_contact_name, hub_contact_role) = split(b.hub_contact.clone());
    let (school_contact_name, school_contact_role) = split(b.school_contact.clone());
    Ok(ConnectionChange {
        introduced_on: b.introduced_on,
        introduced_by_worker_id: b.introduced_by_worker_id,
        hub_contact_name,
        hub_contact_role,
        school_contact_name,
        school_contact_role,
        joint_activities: b
            .joint_activities
            .iter()
            .map(|a| a.trim().to_owned())
            .collect(),
    })
}

fn split(c: Option<Contact>) -> (Option<String>, Option<String>) {
    c.map_or((None, None), |c| (Some(c.name), Some(c.role)))
}

/// The hub, when the caller reaches its zone; the schools whose connections
/// the caller may see (`None`: all of the hub's).
async fn hub_in_reach(
    state: &AppState,
    caller: &Caller,
    hub: Uuid,
) -> Result<(HubRow, Option<Vec<String>>), ApiError> {
    let reach = reach_of(caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let h = repo::get_hub(&mut conn, hub).await?;
    match reach {
        Reach::All => Ok((h, None)),
        Reach::Zone(z) if z == h.zone_id => Ok((h, None)),
        Reach::Schools(urns) => {
            let zones = repo::zones_of_schools(&mut conn, &urns).await?;
            if zones.contains(&h.zone_id) {
                Ok((h, Some(urns)))
            } else {
                Err(ApiError::not_found())
            }
        }
        _ => Err(ApiError::not_found()),
    }
}

/// The hub a member of staff may record connections of: la_admin any, a
/// team's staff their zone's.
async fn writable_hub(state: &AppState, caller: &Caller, hub: Uuid) -> Result<HubRow, ApiError> {
    only(caller, STAFF)?;
    let (h, schools) = hub_in_reach(state, caller, hub).await?;
    match schools {
        None => Ok(h),
        Some(_) => Err(ApiError::not_found()),
    }
}

/// List a hub's schools.
#[utoipa::path(
    tag = "Community",
    summary = "List the schools a Family Hub is connected with",
    operation_id = "list_hub_connections",
    description = "The hub's connections by id. la_admin all; a team's manager and practitioners the hubs of their zone; a school (and its MIS) only its own connection with a hub of its zone. A hub outside the caller's reach answers 404.",
    params(("id" = Uuid, Path, description = "Hub id"), crate::http::extract::PageParams),
    responses(
        (status = 200, description = "A page of connections", body = HubSchoolConnectionPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/family-hubs/{id}/schools")]
pub async fn list_hub_connections(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    p: web::Query<crate::http::extract::PageParams>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, EVERY_ROLE)?;
    let p = p.into_inner();
    let (limit, n, after) = keyset_page(p.limit, p.cursor)?;
    let (hub, schools) = hub_in_reach(&state, &caller, id.into_inner()).await?;
    let mut conn = state.db.conn().await?;
    let mut rows =
        repo::list_connections(&mut conn, hub.id, schools.as_deref(), after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| r.id);
    Ok(HttpResponse::Ok().json(HubSchoolConnectionPage {
        items: rows.into_iter().map(HubSchoolConnection::from).collect(),
        next_cursor,
    }))
}

/// Read a hub's connection with a school.
#[utoipa::path(
    tag = "Community",
    summary = "Read a Family Hub's connection with a school",
    operation_id = "get_hub_connection",
    description = "One connection. Readers as for the list; a connection the caller may not see answers 404.",
    params(("id" = Uuid, Path, description = "Hub id"), ("urn" = String, Path, description = "The school's URN: a setting identifier (a 6-digit URN, or for a setting beyond GIAS its Ofsted registration number `EY123456` or local id `LA-…`)", pattern = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$", example = "100001")),
    responses(
        (status = 200, description = "The connection", body = HubSchoolConnection, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/family-hubs/{id}/schools/{urn}")]
pub async fn get_hub_connection(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, String)>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, EVERY_ROLE)?;
    let (id, urn) = path.into_inner();
    let (hub, schools) = hub_in_reach(&state, &caller, id).await?;
    if schools.is_some_and(|s| !s.contains(&urn)) {
        return Err(ApiError::not_found());
    }
    let mut conn = state.db.conn().await?;
    let c = repo::get_connection(&mut conn, hub.id, &urn).await?;
    Ok(ok(c.version, &HubSchoolConnection::from(c)))
}

/// Connect a hub with a school.
#[utoipa::path(
    tag = "Community",
    summary = "Connect a Family Hub with a school",
    operation_id = "create_hub_connection",
    description = "Records that the hub and a school of its zone are connected: when they were introduced (not in the future), by which worker of the zone's team, the named contact at each end and their joint activities. la_admin, or a manager or practitioner of the zone's team; a hub of another zone answers 404. 422 `unknown_school`, `school_not_in_hub_zone`, `unknown_worker`, `in_future`; 409 `already_exists` when the school is connected with the hub already (change that connection instead).",
    params(("id" = Uuid, Path, description = "Hub id")),
    request_body(content = ConnectionInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The connection", body = HubSchoolConnection, headers(("Location" = String, description = "URL of the connection"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/family-hubs/{id}/schools")]
pub async fn create_hub_connection(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<ConnectionInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let hub = writable_hub(&state, &caller, id.into_inner()).await?;
    let b = body.0;
    let Some(urn) = b.school_urn.clone() else {
        return Err(ApiError::validation(vec![FieldError::new(
            "school_urn",
            "required",
            "name the school to connect",
        )]));
    };
    let by = caller.subject.clone();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let change = checked(conn, &hub, &urn, &b).await?;
            if repo::get_connection(conn, hub.id, &urn).await.is_ok() {
                return Err(ApiError::new(
                    ErrorCode::AlreadyExists,
                    "the school is connected with this hub already; change that connection",
                ));
            }
            let now = sct_persistence::now();
            let c = repo::create_connection(
                conn,
                &ConnectionRow {
                    id: Uuid::now_v7(),
                    hub_id: hub.id,
                    school_urn: urn,
                    introduced_on: change.introduced_on,
                    introduced_by_worker_id: change.introduced_by_worker_id,
                    hub_contact_name: change.hub_contact_name,
                    hub_contact_role: change.hub_contact_role,
                    school_contact_name: change.school_contact_name,
                    school_contact_role: change.school_contact_role,
                    joint_activities: change.joint_activities,
                    recorded_by: by,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                },
            )
            .await?;
            Ok(Written::created(
                format!("/api/v1/family-hubs/{}/schools/{}", c.hub_id, c.school_urn),
                c.version,
                &HubSchoolConnection::from(c.clone()),
            )
            .about("school", &c.school_urn))
        })
    })
    .await
}

/// Change a hub's connection with a school.
#[utoipa::path(
    tag = "Community",
    summary = "Change a Family Hub's connection with a school",
    operation_id = "update_hub_connection",
    description = "Replaces what the connection records, with If-Match (428 without, 412 when stale). `school_urn`, if given, must be the school of the path. Writers and refusals as for creating one.",
    params(("id" = Uuid, Path, description = "Hub id"), ("urn" = String, Path, description = "The school's URN: a setting identifier (a 6-digit URN, or for a setting beyond GIAS its Ofsted registration number `EY123456` or local id `LA-…`)", pattern = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$", example = "100001"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = ConnectionInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The connection", body = HubSchoolConnection, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/family-hubs/{id}/schools/{urn}")]
pub async fn update_hub_connection(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, String)>,
    if_match: IfMatch,
    body: JsonBody<ConnectionInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (id, urn) = path.into_inner();
    let hub = writable_hub(&state, &caller, id).await?;
    let b = body.0;
    if b.school_urn.as_deref().is_some_and(|u| u != urn) {
        return Err(ApiError::validation(vec![FieldError::new(
            "school_urn",
            "school_mismatch",
            "a connection's school cannot change; connect the other school instead",
        )]));
    }
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let current = repo::get_connection(conn, hub.id, &urn).await?;
            let version = if_match.required()?;
            let change = checked(conn, &hub, &urn, &b).await?;
            let c = repo::update_connection(conn, current.id, version, &change)
                .await?
                .ok_or_else(stale)?;
            Ok(Written::ok(c.version, &HubSchoolConnection::from(c)))
        })
    })
    .await
}

/// One zone's line of the hub connections report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HubConnectionsZone {
    /// Zone id.
    pub zone_id: Uuid,
    /// Zone code.
    #[schema(example = "Z01")]
    pub zone_code: String,
    /// Zone name.
    pub zone_name: String,
    /// Family Hubs serving the zone.
    pub hubs: i64,
    /// Open schools of the zone.
    pub schools: i64,
    /// Open schools connected with at least one hub.
    pub connected: i64,
    /// Open schools with no hub connection yet.
    pub not_connected: i64,
    /// Connections the zone's hubs hold (a school may be connected with
    /// several hubs; a school since closed still counts here).
    pub connections: i64,
}

/// The hub connections report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HubConnections {
    /// One line per zone in the caller's reach, by zone code.
    pub zones: Vec<HubConnectionsZone>,
    /// When the report was computed.
    pub generated_at: DateTime<Utc>,
}

/// Parameters of the hub connections report.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HubConnectionsParams {
    /// Only this zone (a team's staff: their own; another answers 404).
    pub zone_id: Option<Uuid>,
}

/// Hub connections report.
#[utoipa::path(
    tag = "Reports",
    summary = "Schools connected with Family Hubs, per zone",
    operation_id = "hub_connections_report",
    description = "Per zone, as it stands now: its hubs, its open schools, how many of those are connected with at least one hub and how many are not yet, and the connections its hubs hold. la_admin every zone; a team's manager and practitioners their zone.",
    params(HubConnectionsParams),
    responses(
        (status = 200, description = "The report", body = HubConnections),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/reports/hub-connections")]
pub async fn hub_connections_report(
    state: web::Data<AppState>,
    caller: Caller,
    p: web::Query<HubConnectionsParams>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let zone = match (reach_of(&caller, &state.db).await?, p.zone_id) {
        (Reach::All, z) => z,
        (Reach::Zone(z), None) => Some(z),
        (Reach::Zone(z), Some(asked)) if asked == z => Some(z),
        _ => return Err(ApiError::not_found()),
    };
    let mut conn = state.db.conn().await?;
    if let Some(z) = zone {
        organisation::get_zone(&mut conn, z).await?;
    }
    let rows = repo::hub_connections_report(&mut conn, zone).await?;
    Ok(HttpResponse::Ok().json(HubConnections {
        zones: rows
            .into_iter()
            .map(|r| HubConnectionsZone {
                zone_id: r.zone_id,
                zone_code: r.zone_code,
                zone_name: r.zone_name,
                hubs: r.hubs,
                schools: r.schools,
                connected: r.connected,
                not_connected: r.not_connected,
                connections: r.connections,
            })
            .collect(),
        generated_at: sct_persistence::now(),
    }))
}
