//! Enrolments on a programme: capacity, the waiting list and its promotion on
//! cancellation, completion.

use crate::features::community::programmes::community_error;
use crate::features::community::programmes::writable_programme;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Conflict;
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
use crate::http::state::AppState;
use crate::http::validate::validate;
use crate::http::wire::WireName;
use crate::http::write::write;
use crate::http::write::Written;
use actix_web::get;
use actix_web::post;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use chrono::DateTime;
use chrono::Utc;
use sct_persistence::community as repo;
use sct_persistence::community::EnrolmentAction;
use sct_persistence::community::EnrolmentRow;
use sct_persistence::community::NewEnrolment as NewEnrolmentRow;
use sct_persistence::families;
use serde::Deserialize;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

crate::http::wire::named_enum! {
    /// Where a family's enrolment stands.
    pub enum EnrolmentStatus {
        Enrolled,
        Waiting,
        Cancelled,
        Completed,
    }
}

impl EnrolmentStatus {
    /// From the stored name (`cancelled` for an unknown one).
    fn from_str(s: &str) -> Self {
        s.parse().unwrap_or(Self::Cancelled)
    }
}

/// A family's enrolment on a programme (personal data: staff only).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Enrolment {
    /// Enrolment id.
    pub id: Uuid,
    /// The programme.
    pub programme_id: Uuid,
    /// Name of the parent or carer as sent in free text (deprecated: enrolments now name `family_member_id`); absent when the enrolment names a member only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, deprecated)]
    pub parent_carer_name: Option<String>,
    /// The adult family member enrolled, when named.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub family_member_id: Option<Uuid>,
    /// Whether the family agreed to be contacted.
    pub contact_consent: bool,
    /// The referral of the zone's team it is linked to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub referral_id: Option<Uuid>,
    /// Status.
    pub status: EnrolmentStatus,
    /// Position on the waiting list (1 = next), while waiting.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub waiting_position: Option<i64>,
    /// When the family got a place.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
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
        family_member_id: r.family_member_id,
        contact_consent: r.contact_consent,
        referral_id: r.referral_id,
        status: EnrolmentStatus::from_str(&r.status),
        enrolled_at: r.enrolled_at,
        version: r.version,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

list_page! {
    /// A page of enrolments.
    EnrolmentPage {
        /// The enrolments.
        items: Enrolment
    }
}

/// A family enrols.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"family_member_id": "0192f1c2-3d4e-7f00-8000-000000000000", "contact_consent": true}))]
pub struct NewEnrolment {
    /// The adult family member enrolled: an adult member of a family of the programme's zone (of the referral's family when `referral_id` is given). Give it or `parent_carer_name`.
    pub family_member_id: Option<Uuid>,
    /// Name of the parent or carer in free text. Deprecated: name the adult with `family_member_id` instead; kept for clients that still send it.
    #[schema(min_length = 1, max_length = 200, deprecated)]
    #[validate(length(min = 1, max = 200))]
    pub parent_carer_name: Option<String>,
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
    description = "The zone's team or la_admin, while the programme is open or running (409 otherwise). The enrolment names the adult family member (`family_member_id`: an adult member of a family of the programme's zone, and of the referral's family or a family of its child when `referral_id` is given; otherwise 422 `not_a_member`) or, deprecated, a free-text `parent_carer_name`; neither answers 422 `required`. A family gets a place while one is free and joins the waiting list after that (status `waiting` with its position). Concurrent enrolments never exceed capacity: the programme row is locked.",
    params(("id" = Uuid, Path, description = "Programme id")),
    request_body(content = NewEnrolment, content_type = "application/json"),
    responses(
        (status = 201, description = "The enrolment", body = Enrolment, headers(("Location" = String, description = "URL of the enrolment"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/programmes/{id}/enrolments")]
pub async fn create_enrolment(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<NewEnrolment>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let p = writable_programme(&state, &caller, id).await?;
    let b = body.0;
    validate(&b)?;
    if b.family_member_id.is_none() && b.parent_carer_name.is_none() {
        return Err(ApiError::validation(vec![FieldError::new(
            "family_member_id",
            "required",
            "name the adult family member enrolled",
        )]));
    }
    write(&state, &req, move |conn| {
        Box::pin(async move {
            if let Some(m) = b.family_member_id {
                let fam = match families::adult_family(conn, m).await? {
                    Some((f, z)) if z == p.row.zone_id => Some(f),
                    _ => None,
                };
                let ok = match (fam, b.referral_id) {
                    (None, _) => false,
                    (Some(_), None) => true,
                    (Some(f), Some(r)) => families::referral_families(conn, r).await?.contains(&f),
                };
                if !ok {
                    return Err(ApiError::validation(vec![FieldError::new(
                        "family_member_id",
                        "not_a_member",
                        "not an adult member of a family of the programme's zone (and of the referral's family)",
                    )]));
                }
            }
            if let Some(r) = b.referral_id {
                let ok = matches!(
                    repo::referral_zone(conn, r).await?,
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
                conn,
                id,
                NewEnrolmentRow {
                    parent_carer_name: b.parent_carer_name,
                    contact_consent: b.contact_consent,
                    referral_id: b.referral_id,
                    enrolled_by: caller.subject.clone(),
                    family_member_id: b.family_member_id,
                },
                sct_persistence::now(),
            )
            .await
            .map_err(community_error)?;
            let positions = repo::waiting_positions(conn, id).await?;
            Ok(Written::created(
                format!("/api/v1/programmes/{id}/enrolments/{}", e.id),
                e.version,
                &enrolment(e, &positions),
            ))
        })
    })
    .await
}

list_params! {
    /// Filters of the enrolment list.
    EnrolmentListParams {
        /// Only this status.
        status: Option<EnrolmentStatus>,
    }
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
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/programmes/{id}/enrolments")]
pub async fn list_enrolments(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    p: web::Query<EnrolmentListParams>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    writable_programme(&state, &caller, id).await?;
    let p = p.into_inner();
    let (limit, n, after) = keyset_page(p.limit, p.cursor)?;
    let mut conn = state.db.conn().await?;
    let mut rows = repo::list_enrolments(
        &mut conn,
        id,
        p.status.map(EnrolmentStatus::as_str),
        after,
        limit + 1,
    )
    .await?;
    let next_cursor = next_page(&mut rows, n, |r| r.id);
    let positions = repo::waiting_positions(&mut conn, id).await?;
    let items: Vec<Enrolment> = rows.into_iter().map(|r| enrolment(r, &positions)).collect();
    // The audit row names every referral linked on the page.
    for e in &items {
        if let Some(r) = e.referral_id {
            crate::http::audit::note(&req, "referral", &r);
        }
    }
    Ok(HttpResponse::Ok().json(EnrolmentPage { items, next_cursor }))
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
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/programmes/{id}/enrolments/{enrolment_id}")]
pub async fn get_enrolment(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, eid) = path.into_inner();
    writable_programme(&state, &caller, id).await?;
    let mut conn = state.db.conn().await?;
    let e = repo::get_enrolment(&mut conn, id, eid).await?;
    let positions = repo::waiting_positions(&mut conn, id).await?;
    if let Some(r) = e.referral_id {
        crate::http::audit::note(&req, "referral", &r);
    }
    Ok(ok(e.version, &enrolment(e, &positions)))
}

async fn enrolment_action(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    caller: &Caller,
    id: Uuid,
    eid: Uuid,
    if_match: IfMatch,
    action: EnrolmentAction,
) -> Result<HttpResponse, ApiError> {
    writable_programme(state, caller, id).await?;
    let version = if_match.required()?;
    write(state, req, move |conn| {
        Box::pin(async move {
            repo::get_enrolment(conn, id, eid).await?;
            let (e, _) =
                repo::act_on_enrolment(conn, id, eid, version, action, sct_persistence::now())
                    .await
                    .map_err(community_error)?;
            let positions = repo::waiting_positions(conn, id).await?;
            Ok(Written::ok(e.version, &enrolment(e, &positions)))
        })
    })
    .await
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
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/programmes/{id}/enrolments/{enrolment_id}/cancel")]
pub async fn cancel_enrolment(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (id, eid) = path.into_inner();
    enrolment_action(
        &state,
        &req,
        &caller,
        id,
        eid,
        if_match,
        EnrolmentAction::Cancel,
    )
    .await
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
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/programmes/{id}/enrolments/{enrolment_id}/complete")]
pub async fn complete_enrolment(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (id, eid) = path.into_inner();
    enrolment_action(
        &state,
        &req,
        &caller,
        id,
        eid,
        if_match,
        EnrolmentAction::Complete,
    )
    .await
}

// ---------------------------------------------------------------- attendance
