//! School-support handlers: records of work with a setting (create, list,
//! read, change), their sessions, agreed actions and review. The zone's
//! team and la_admin write; the setting's staff and its MIS read their own.

use crate::features::school_support::dto::ActionContent;
use crate::features::school_support::dto::ActionOwner;
use crate::features::school_support::dto::NewReview;
use crate::features::school_support::dto::NewSession;
use crate::features::school_support::dto::NewSupport;
use crate::features::school_support::dto::SchoolSupport;
use crate::features::school_support::dto::SchoolSupportPage;
use crate::features::school_support::dto::SupportAction;
use crate::features::school_support::dto::SupportContent;
use crate::features::school_support::dto::SupportKind;
use crate::features::school_support::dto::SupportSession;
use crate::features::school_support::dto::SupportSessionList;
use crate::http::access::only;
use crate::http::access::reach_of;
use crate::http::access::school_in_reach;
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
use chrono::NaiveDate;
use sct_domain as domain;
use sct_domain::school_support as rules;
use sct_domain::WireName;
use sct_persistence::organisation;
use sct_persistence::school_support as repo;
use sct_persistence::school_support::ActionChange;
use sct_persistence::school_support::ActionRow;
use sct_persistence::school_support::ReviewError;
use sct_persistence::school_support::SessionRow;
use sct_persistence::school_support::SupportChange;
use sct_persistence::school_support::SupportFilter;
use sct_persistence::school_support::SupportRow;
use sct_persistence::Connection;
use sct_persistence::StoreError;
use uuid::Uuid;

fn field(name: impl Into<String>, e: &rules::SupportError) -> FieldError {
    FieldError::new(name, e.code(), e.to_string())
}

/// Checks the content against the setting and turns it into the stored fields.
async fn checked(
    c: SupportContent,
    school_urn: &str,
    conn: &mut Connection,
) -> Result<SupportChange, ApiError> {
    let mut errors = Vec::new();
    if c.ends_on.is_some_and(|e| e < c.starts_on) {
        errors.push(field("ends_on", &rules::SupportError::EndsBeforeStart));
    }
    if let Err(e) = rules::check_kind(c.kind.into(), c.cohort.is_some()) {
        errors.push(field("cohort", &e));
    }
    let mut areas: Vec<String> = Vec::new();
    for (i, a) in c.indes_areas.iter().enumerate() {
        let name = domain::IndesArea::from(*a).as_str().to_owned();
        if areas.contains(&name) {
            errors.push(FieldError::new(
                format!("indes_areas[{i}]"),
                "duplicate_area",
                "each area at most once",
            ));
        }
        areas.push(name);
    }
    let staff: Vec<(rules::StaffRole, i64)> =
        c.staff.iter().map(|s| (s.role.into(), s.count)).collect();
    for (i, e) in rules::check_staff(&staff) {
        let name = if e == rules::SupportError::DuplicateRole {
            format!("staff[{i}].role")
        } else {
            format!("staff[{i}].count")
        };
        errors.push(field(name, &e));
    }
    let (year_groups, size, referral_ids) = match c.cohort {
        None => (None, None, Vec::new()),
        Some(cohort) => {
            let mut ids: Vec<Uuid> = Vec::new();
            for (i, id) in cohort.referral_ids.iter().enumerate() {
                if ids.contains(id) {
                    errors.push(FieldError::new(
                        format!("cohort.referral_ids[{i}]"),
                        "duplicate_referral",
                        "each referral at most once",
                    ));
                }
                ids.push(*id);
            }
            let known = repo::referrals_of_school(conn, school_urn, &ids).await?;
            for (i, id) in ids.iter().enumerate() {
                if !known.contains(id) {
                    errors.push(FieldError::new(
                        format!("cohort.referral_ids[{i}]"),
                        "unknown_referral",
                        "no such referral of this setting",
                    ));
                }
            }
            match rules::check_cohort(&cohort.year_groups, cohort.size, ids.len()) {
                Ok((groups, size)) => (Some(groups), Some(size), ids),
                Err(refusals) => {
                    for (f, code, message) in refusals {
                        errors.push(FieldError::new(format!("cohort.{f}"), code, message));
                    }
                    (None, None, Vec::new())
                }
            }
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let staff_json = serde_json::to_value(&c.staff).unwrap_or_else(|_| serde_json::json!([]));
    Ok(SupportChange {
        kind: domain::school_support::SupportKind::from(c.kind)
            .as_str()
            .to_owned(),
        title: c.title,
        starts_on: c.starts_on,
        ends_on: c.ends_on,
        indes_areas: areas,
        staff: staff_json,
        cohort_year_groups: year_groups,
        cohort_size: size,
        referral_ids,
        aims: c.aims,
    })
}

/// The record with its actions.
async fn full(conn: &mut Connection, r: SupportRow) -> Result<SchoolSupport, ApiError> {
    let actions = repo::actions(conn, r.id).await?;
    Ok(SchoolSupport::of(r, actions))
}

/// Names the referrals linked to the records read as subjects of the
/// request (audit trail and subject access export).
fn note_referrals(req: &HttpRequest, items: &[SchoolSupport]) {
    for r in items
        .iter()
        .filter_map(|s| s.cohort.as_ref())
        .flat_map(|c| c.referral_ids.iter())
    {
        crate::http::audit::note(req, "referral", r);
    }
}

list_params! {
    /// Filters of the school-support list.
    SupportListParams {
        /// Only this setting (its URN: a 6-digit URN, or for a setting beyond GIAS its Ofsted registration number `EY123456` or local id `LA-…`).
        #[param(
            pattern = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$",
            example = "100001"
        )]
        school_urn: Option<String>,
        /// Only this kind of work.
        kind: Option<SupportKind>,
        /// Only work still running on or after this day (no end, or ending on or after it).
        from: Option<NaiveDate>,
        /// Only work started on or before this day (not before `from`).
        to: Option<NaiveDate>,
    }
}

/// List school-support records.
#[utoipa::path(
    tag = "School support",
    summary = "List school-support records",
    operation_id = "list_school_support",
    description = "Records in the caller's reach: la_admin all, the zone's team theirs, a setting (and its MIS) its own. Filters combine with AND; `from` after `to` answers 400 `invalid_parameter`.",
    params(SupportListParams),
    responses(
        (status = 200, description = "A page of records", body = SchoolSupportPage),
        (status = 400, response = BadRequest),
    ),
)]
#[get("/school-support")]
pub async fn list_school_support(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    p: web::Query<SupportListParams>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, EVERY_ROLE)?;
    let p = p.into_inner();
    crate::http::validate::check_urn_filter(p.school_urn.as_deref())?;
    if let (Some(f), Some(t)) = (p.from, p.to) {
        if f > t {
            return Err(ApiError::new(
                ErrorCode::InvalidParameter,
                "from must not be after to",
            ));
        }
    }
    let (limit, n, after) = keyset_page(p.limit, p.cursor)?;
    let reach = reach_of(&caller, &state.db).await?;
    let f = SupportFilter {
        school_urn: p.school_urn,
        kind: p
            .kind
            .map(|k| rules::SupportKind::from(k).as_str().to_owned()),
        from: p.from,
        to: p.to,
    };
    let mut conn = state.db.conn().await?;
    let mut rows = repo::list(&mut conn, &reach, &f, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| r.id);
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut actions = repo::actions_of(&mut conn, &ids).await?;
    let items: Vec<SchoolSupport> = rows
        .into_iter()
        .map(|r| {
            let mine: Vec<ActionRow> = actions.extract_if(.., |a| a.support_id == r.id).collect();
            SchoolSupport::of(r, mine)
        })
        .collect();
    note_referrals(&req, &items);
    Ok(HttpResponse::Ok().json(SchoolSupportPage { items, next_cursor }))
}

/// Read a school-support record.
#[utoipa::path(
    tag = "School support",
    summary = "Read a school-support record",
    operation_id = "get_school_support",
    description = "One record with its agreed actions and review, in the caller's reach; otherwise 404 (another setting's record too).",
    params(("id" = Uuid, Path, description = "Record id")),
    responses(
        (status = 200, description = "The record", body = SchoolSupport, headers(("ETag" = String, description = "Version tag"))),
        (status = 404, response = NotFound),
    ),
)]
#[get("/school-support/{id}")]
pub async fn get_school_support(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, EVERY_ROLE)?;
    let reach = reach_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let r = repo::get(&mut conn, id.into_inner(), &reach).await?;
    let version = r.version;
    let body = full(&mut conn, r).await?;
    note_referrals(&req, std::slice::from_ref(&body));
    Ok(ok(version, &body))
}

/// Record work with a setting.
#[utoipa::path(
    tag = "School support",
    summary = "Record work with a setting",
    operation_id = "create_school_support",
    description = "The team of the setting's zone (manager or practitioner), or la_admin. A setting outside the caller's zone answers 404. Children are counted, never named: a cohort is year groups and a number, with optionally some of the setting's own referrals linked.",
    request_body(content = NewSupport, content_type = "application/json"),
    responses(
        (status = 201, description = "The record", body = SchoolSupport, headers(("Location" = String, description = "URL of the record"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[post("/school-support")]
pub async fn create_school_support(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<NewSupport>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let b = body.0;
    validate(&b)?;
    let reach = reach_of(&caller, &state.db).await?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let (urn, content) = b.content();
            let school = match organisation::get_school(conn, &urn).await {
                Ok(s) if school_in_reach(&reach, &s.urn, s.zone_id) && s.zone_id.is_some() => s,
                Ok(_) | Err(StoreError::NotFound) => return Err(ApiError::not_found()),
                Err(e) => return Err(e.into()),
            };
            let c = checked(content, &school.urn, conn).await?;
            let now = sct_persistence::now();
            let row = SupportRow {
                id: Uuid::now_v7(),
                school_urn: school.urn,
                zone_id: school.zone_id.unwrap_or_default(),
                kind: c.kind,
                title: c.title,
                starts_on: c.starts_on,
                ends_on: c.ends_on,
                indes_areas: c.indes_areas,
                staff: c.staff,
                cohort_year_groups: c.cohort_year_groups,
                cohort_size: c.cohort_size,
                referral_ids: c.referral_ids,
                aims: c.aims,
                review_outcome: None,
                review_summary: None,
                reviewed_on: None,
                reviewed_by: None,
                recorded_by: caller.subject.clone(),
                version: 1,
                created_at: now,
                updated_at: now,
            };
            let r = repo::create(conn, &row).await?;
            let linked = r.referral_ids.clone();
            Ok(Written::created(
                format!("/api/v1/school-support/{}", r.id),
                r.version,
                &SchoolSupport::of(r, Vec::new()),
            )
            .about_each("referral", linked))
        })
    })
    .await
}

/// Change a school-support record.
#[utoipa::path(
    tag = "School support",
    summary = "Change a school-support record",
    operation_id = "update_school_support",
    description = "The zone's team or la_admin, with If-Match. The whole content is replaced; the setting, the actions and the review stay.",
    params(("id" = Uuid, Path, description = "Record id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = SupportContent, content_type = "application/json"),
    responses(
        (status = 200, description = "The record", body = SchoolSupport, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/school-support/{id}")]
pub async fn update_school_support(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<SupportContent>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let b = body.0;
    validate(&b)?;
    let reach = reach_of(&caller, &state.db).await?;
    let id = id.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let current = repo::get(conn, id, &reach).await?;
            let version = if_match.required()?;
            let c = checked(b, &current.school_urn, conn).await?;
            let r = repo::update(conn, id, version, &c, sct_persistence::now())
                .await?
                .ok_or_else(stale)?;
            let v = r.version;
            let linked = r.referral_ids.clone();
            Ok(Written::ok(v, &full(conn, r).await?).about_each("referral", linked))
        })
    })
    .await
}

/// List the sessions of a piece of work.
#[utoipa::path(
    tag = "School support",
    summary = "List the sessions of a piece of work",
    operation_id = "list_school_support_sessions",
    description = "Every session of a record in the caller's reach (the setting reads its own), by date, with their count and minutes; otherwise 404.",
    params(("id" = Uuid, Path, description = "Record id")),
    responses(
        (status = 200, description = "The sessions", body = SupportSessionList),
        (status = 404, response = NotFound),
    ),
)]
#[get("/school-support/{id}/sessions")]
pub async fn list_school_support_sessions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, EVERY_ROLE)?;
    let reach = reach_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let r = repo::get(&mut conn, id.into_inner(), &reach).await?;
    let rows = repo::sessions(&mut conn, r.id).await?;
    let total_minutes = rows.iter().map(|s| i64::from(s.duration_minutes)).sum();
    Ok(HttpResponse::Ok().json(SupportSessionList {
        sessions: i64::try_from(rows.len()).unwrap_or(i64::MAX),
        total_minutes,
        items: rows.into_iter().map(SupportSession::from).collect(),
    }))
}

/// Record a session of a piece of work.
#[utoipa::path(
    tag = "School support",
    summary = "Record a session of a piece of work",
    operation_id = "create_school_support_session",
    description = "The zone's team or la_admin. The children present are counted, referred or not, never named. The practitioner is a worker of the zone's team (default: the caller's own worker record; la_admin names one).",
    params(("id" = Uuid, Path, description = "Record id")),
    request_body(content = NewSession, content_type = "application/json"),
    responses(
        (status = 201, description = "The session", body = SupportSession, headers(("Location" = String, description = "URL of the record's sessions"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[post("/school-support/{id}/sessions")]
pub async fn create_school_support_session(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<NewSession>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let b = body.0;
    validate(&b)?;
    let reach = reach_of(&caller, &state.db).await?;
    let id = id.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let record = repo::get(conn, id, &reach).await?;
            let mut errors = Vec::new();
            let today = sct_persistence::now().date_naive();
            if b.held_on > today {
                errors.push(FieldError::new(
                    "held_on",
                    "in_future",
                    "a session cannot be recorded before it is held",
                ));
            } else if b.held_on < record.starts_on {
                errors.push(FieldError::new(
                    "held_on",
                    "before_start",
                    "the session is before the work starts",
                ));
            }
            let duration = rules::check_duration(b.duration_minutes)
                .map_err(|e| errors.push(field("duration_minutes", &e)))
                .unwrap_or(0);
            let children = rules::check_children(b.children_count)
                .map_err(|e| errors.push(field("children_count", &e)))
                .unwrap_or(0);
            let staff = i32::try_from(b.staff_count)
                .ok()
                .filter(|n| (0..=rules::MAX_STAFF).contains(n))
                .ok_or_else(|| {
                    errors.push(field("staff_count", &rules::SupportError::StaffCount));
                })
                .unwrap_or(0);
            let practitioner = b.practitioner_id.or(caller.worker_id);
            match practitioner {
                Some(w) if repo::worker_of_zone(conn, w, record.zone_id).await? => {}
                _ => errors.push(FieldError::new(
                    "practitioner_id",
                    "unknown_worker",
                    "an active worker of the zone's team",
                )),
            }
            if !errors.is_empty() {
                return Err(ApiError::validation(errors));
            }
            let row = SessionRow {
                id: Uuid::now_v7(),
                support_id: record.id,
                held_on: b.held_on,
                duration_minutes: duration,
                practitioner_id: practitioner.unwrap_or_default(),
                children_count: children,
                staff_count: staff,
                notes: b.notes,
                recorded_by: caller.subject.clone(),
                created_at: sct_persistence::now(),
            };
            let s = repo::add_session(conn, &row).await?;
            Ok(Written::json(
                actix_web::http::StatusCode::CREATED,
                &SupportSession::from(s),
            )
            .header(
                "location",
                format!("/api/v1/school-support/{}/sessions", record.id),
            ))
        })
    })
    .await
}

/// Checks an action's owner (a team-owned action names a worker of the zone's team).
async fn checked_action(
    a: &ActionContent,
    zone: Uuid,
    conn: &mut Connection,
) -> Result<(), ApiError> {
    if let Err(e) = rules::check_owner(a.owner.into(), a.owner_worker_id.is_some()) {
        return Err(ApiError::validation(vec![field("owner_worker_id", &e)]));
    }
    if let Some(w) = a.owner_worker_id {
        if !repo::worker_of_zone(conn, w, zone).await? {
            return Err(ApiError::validation(vec![FieldError::new(
                "owner_worker_id",
                "unknown_worker",
                "an active worker of the zone's team",
            )]));
        }
    }
    Ok(())
}

fn owner_name(o: ActionOwner) -> String {
    rules::ActionOwner::from(o).as_str().to_owned()
}

/// Agree an action with the setting.
#[utoipa::path(
    tag = "School support",
    summary = "Agree an action with the setting",
    operation_id = "create_school_support_action",
    description = "The zone's team or la_admin. The setting or a worker of the zone's team owns it. Answers the action with its own ETag (for `PUT .../actions/{action_id}`).",
    params(("id" = Uuid, Path, description = "Record id")),
    request_body(content = ActionContent, content_type = "application/json"),
    responses(
        (status = 201, description = "The action", body = SupportAction, headers(("Location" = String, description = "URL of the action"), ("ETag" = String, description = "Version tag of the action"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[post("/school-support/{id}/actions")]
pub async fn create_school_support_action(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<ActionContent>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let b = body.0;
    validate(&b)?;
    let reach = reach_of(&caller, &state.db).await?;
    let id = id.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let record = repo::get(conn, id, &reach).await?;
            checked_action(&b, record.zone_id, conn).await?;
            let now = sct_persistence::now();
            let row = ActionRow {
                id: Uuid::now_v7(),
                support_id: record.id,
                description: b.description,
                owner: owner_name(b.owner),
                owner_worker_id: b.owner_worker_id,
                due_on: b.due_on,
                done: b.done,
                recorded_by: caller.subject.clone(),
                version: 1,
                created_at: now,
                updated_at: now,
            };
            let a = repo::add_action(conn, &row).await?;
            Ok(Written::created(
                format!("/api/v1/school-support/{}/actions/{}", record.id, a.id),
                a.version,
                &SupportAction::from(a),
            ))
        })
    })
    .await
}

/// Change an agreed action.
#[utoipa::path(
    tag = "School support",
    summary = "Change an agreed action",
    operation_id = "update_school_support_action",
    description = "The zone's team or la_admin, with If-Match on the action's own version (its ETag, or `version` in the record). The whole action is replaced (mark it done with `done: true`).",
    params(("id" = Uuid, Path, description = "Record id"), ("action_id" = Uuid, Path, description = "Action id"), ("If-Match" = String, Header, description = "ETag of the action as last read")),
    request_body(content = ActionContent, content_type = "application/json"),
    responses(
        (status = 200, description = "The action", body = SupportAction, headers(("ETag" = String, description = "Version tag of the action"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/school-support/{id}/actions/{action_id}")]
pub async fn update_school_support_action(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<ActionContent>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let b = body.0;
    validate(&b)?;
    let reach = reach_of(&caller, &state.db).await?;
    let (id, action_id) = path.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let record = repo::get(conn, id, &reach).await?;
            repo::get_action(conn, record.id, action_id).await?;
            let version = if_match.required()?;
            checked_action(&b, record.zone_id, conn).await?;
            let change = ActionChange {
                description: b.description,
                owner: owner_name(b.owner),
                owner_worker_id: b.owner_worker_id,
                due_on: b.due_on,
                done: b.done,
            };
            let a = repo::update_action(conn, action_id, version, &change, sct_persistence::now())
                .await?
                .ok_or_else(stale)?;
            Ok(Written::ok(a.version, &SupportAction::from(a)))
        })
    })
    .await
}

/// Review a piece of work.
#[utoipa::path(
    tag = "School support",
    summary = "Review a piece of work",
    operation_id = "review_school_support",
    description = "The zone's team or la_admin, with If-Match on the record. Once: a second review answers 409 `already_exists`. Answers the record with its review.",
    params(("id" = Uuid, Path, description = "Record id"), ("If-Match" = String, Header, description = "ETag of the record as last read")),
    request_body(content = NewReview, content_type = "application/json"),
    responses(
        (status = 200, description = "The record, reviewed", body = SchoolSupport, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/school-support/{id}/review")]
pub async fn review_school_support(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<NewReview>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let b = body.0;
    validate(&b)?;
    let reach = reach_of(&caller, &state.db).await?;
    let id = id.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let record = repo::get(conn, id, &reach).await?;
            let version = if_match.required()?;
            if b.reviewed_on > sct_persistence::now().date_naive() {
                return Err(ApiError::validation(vec![FieldError::new(
                    "reviewed_on",
                    "in_future",
                    "a review cannot be dated after today",
                )]));
            }
            if b.reviewed_on < record.starts_on {
                return Err(ApiError::validation(vec![FieldError::new(
                    "reviewed_on",
                    "before_start",
                    "the review is before the work starts",
                )]));
            }
            let review = repo::Review {
                outcome: rules::ReviewOutcome::from(b.outcome).as_str().to_owned(),
                summary: b.summary,
                reviewed_on: b.reviewed_on,
                reviewed_by: caller.subject.clone(),
            };
            let r = repo::review(conn, id, version, review, sct_persistence::now())
                .await
                .map_err(|e| match e {
                    ReviewError::Stale => stale(),
                    ReviewError::AlreadyReviewed => {
                        ApiError::new(ErrorCode::AlreadyExists, "the work was already reviewed")
                    }
                    ReviewError::Store(s) => s.into(),
                })?;
            let v = r.version;
            Ok(Written::ok(v, &full(conn, r).await?))
        })
    })
    .await
}
