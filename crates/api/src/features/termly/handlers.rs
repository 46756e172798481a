//! Termly conversation handlers: offer to every school of a zone, create,
//! schedule, decline, hold, re-offer, link referrals, and coverage.

use crate::features::termly::dto::AgreedAction;
use crate::features::termly::dto::ConversationStatus;
use crate::features::termly::dto::DeclineConversation;
use crate::features::termly::dto::HoldConversation;
use crate::features::termly::dto::LinkReferral;
use crate::features::termly::dto::NewTermlyConversation;
use crate::features::termly::dto::ScheduleConversation;
use crate::features::termly::dto::Term;
use crate::features::termly::dto::TermlyConversation;
use crate::features::termly::dto::TermlyConversationPage;
use crate::features::termly::dto::TermlyCoverage;
use crate::features::termly::dto::TermlyCoverageZone;
use crate::features::termly::dto::TermlyOffer;
use crate::features::termly::dto::TermlyOfferResult;
use crate::http::access::only;
use crate::http::access::reach_of;
use crate::http::access::school_in_reach;
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
use crate::http::wire::WireName;
use crate::http::write::write;
use crate::http::write::Written;
use actix_web::get;
use actix_web::post;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use sct_domain::termly as rules;
use sct_domain::termly::AcademicYear;
use sct_domain::termly::ConversationAction;
use sct_domain::termly::ConversationError;
use sct_persistence::organisation;
use sct_persistence::termly as repo;
use sct_persistence::termly::LinkError;
use sct_persistence::termly::Reach;
use sct_persistence::termly::TermlyFilter;
use sct_persistence::termly::TermlyRow;
use sct_persistence::termly::TermlyView;
use sct_persistence::ConstraintKind;
use sct_persistence::StoreError;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

fn parse_year(raw: &str, field: &str) -> Result<String, ApiError> {
    AcademicYear::parse(raw)
        .map(AcademicYear::as_string)
        .map_err(|e| ApiError::validation(vec![FieldError::new(field, e.code(), e.to_string())]))
}

fn conversation_error(e: &ConversationError, caller: &Caller) -> ApiError {
    match e {
        ConversationError::RoleNotAllowed { .. } => ApiError::forbidden(caller.role.as_str()),
        ConversationError::InvalidTransition { .. } => {
            ApiError::new(ErrorCode::InvalidTransition, e.to_string())
        }
    }
}

fn reply(v: TermlyView) -> HttpResponse {
    let version = v.row.version;
    ok(version, &TermlyConversation::from(v))
}

fn written(v: TermlyView) -> Written {
    let version = v.row.version;
    Written::ok(version, &TermlyConversation::from(v))
}

list_params! {
    /// Filters of the conversation list.
    TermlyListParams {
        /// Only this academic year (`YYYY/YY`).
        #[param(pattern = "^[0-9]{4}/[0-9]{2}$")]
        academic_year: Option<String>,
        /// Only this term.
        term: Option<Term>,
        /// Only this status.
        status: Option<ConversationStatus>,
        /// Only this school (its URN: a 6-digit URN, or for a setting beyond GIAS its Ofsted registration number `EY123456` or local id `LA-…`).
        #[param(pattern = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$")]
        school_urn: Option<String>,
        /// Only this zone.
        zone_id: Option<Uuid>,
    }
}

/// List termly conversations.
#[utoipa::path(
    tag = "Termly conversations",
    summary = "List termly conversations",
    operation_id = "list_termly_conversations",
    description = "Conversations in the caller's reach: la_admin all, a team's manager and practitioners their zone, schools their own. Filters combine with AND.",
    params(TermlyListParams),
    responses(
        (status = 200, description = "A page of conversations", body = TermlyConversationPage),
        (status = 400, response = BadRequest),
    ),
)]
#[get("/termly-conversations")]
pub async fn list_termly_conversations(
    state: web::Data<AppState>,
    caller: Caller,
    p: web::Query<TermlyListParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    crate::http::validate::check_urn_filter(p.school_urn.as_deref())?;
    let (limit, n, after) = keyset_page(p.limit, p.cursor)?;
    let year = match &p.academic_year {
        Some(y) => Some(
            AcademicYear::parse(y)
                .map(AcademicYear::as_string)
                .map_err(|e| {
                    ApiError::new(ErrorCode::InvalidParameter, format!("academic_year: {e}"))
                })?,
        ),
        None => None,
    };
    let reach = reach_of(&caller, &state.db).await?;
    let filter = TermlyFilter {
        academic_year: year,
        term: p.term.map(|t| t.domain().as_str().to_owned()),
        status: p.status.map(|s| s.as_str().to_owned()),
        school_urn: p.school_urn,
        zone_id: p.zone_id,
    };
    let mut conn = state.db.conn().await?;
    let mut rows = repo::list(&mut conn, &reach, &filter, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| r.row.id);
    Ok(HttpResponse::Ok().json(TermlyConversationPage {
        items: rows.into_iter().map(TermlyConversation::from).collect(),
        next_cursor,
    }))
}

/// Read a termly conversation.
#[utoipa::path(
    tag = "Termly conversations",
    summary = "Read a termly conversation",
    operation_id = "get_termly_conversation",
    description = "One conversation with the referrals and consultations that came out of it. Out of reach answers 404.",
    params(("id" = Uuid, Path, description = "Conversation id")),
    responses(
        (status = 200, description = "The conversation", body = TermlyConversation, headers(("ETag" = String, description = "Version tag"))),
        (status = 404, response = NotFound),
    ),
)]
#[get("/termly-conversations/{id}")]
pub async fn get_termly_conversation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    // `/termly-conversations/offer` is its own resource (POST only); the
    // router hands its GET to this handler because `{id}` matches any segment.
    let id = id.into_inner();
    if id == "offer" {
        return Err(ApiError {
            allow: vec!["POST".into()],
            ..ApiError::new(ErrorCode::MethodNotAllowed, "GET is not allowed here")
        });
    }
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::not_found())?;
    let reach = reach_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    Ok(reply(repo::get(&mut conn, id, &reach).await?))
}

/// Offer one school its conversation.
#[utoipa::path(
    tag = "Termly conversations",
    summary = "Offer a school its termly conversation",
    operation_id = "create_termly_conversation",
    description = "Staff of the school's zone team, or la_admin. One conversation per school per term: a second answers 409 `already_exists`.",
    request_body(content = NewTermlyConversation, content_type = "application/json"),
    responses(
        (status = 201, description = "The conversation, offered", body = TermlyConversation, headers(("Location" = String, description = "URL of the conversation"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
)]
#[post("/termly-conversations")]
pub async fn create_termly_conversation(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<NewTermlyConversation>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let b = body.0;
    let year = parse_year(&b.academic_year, "academic_year")?;
    let reach = reach_of(&caller, &state.db).await?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let school = match organisation::get_school(conn, &b.school_urn).await {
                Ok(s) if school_in_reach(&reach, &s.urn, s.zone_id) => s,
                Ok(_) | Err(StoreError::NotFound) => return Err(unknown_school()),
                Err(e) => return Err(e.into()),
            };
            let Some(zone_id) = school.zone_id else {
                return Err(ApiError::validation(vec![FieldError::new(
                    "school_urn",
                    "school_without_zone",
                    "the school has no zone yet: place it in a zone first",
                )]));
            };
            let now = sct_persistence::now();
            let row = TermlyRow {
                id: Uuid::now_v7(),
                school_urn: school.urn,
                zone_id,
                academic_year: year,
                term: b.term.domain().as_str().to_owned(),
                status: "offered".into(),
                scheduled_for: None,
                held_on: None,
                attendees: Vec::new(),
                children_discussed: None,
                actions: serde_json::json!([]),
                notes: None,
                decline_reason: None,
                offered_by: caller.subject.clone(),
                version: 1,
                created_at: now,
                updated_at: now,
            };
            let v = repo::create(conn, &row).await.map_err(|e| match e {
                StoreError::Constraint {
                    kind: ConstraintKind::Unique,
                    ..
                } => ApiError::new(
                    ErrorCode::AlreadyExists,
                    "the school already has its conversation of this term",
                ),
                other => other.into(),
            })?;
            let version = v.row.version;
            let id = v.row.id;
            Ok(Written::created(
                format!("/api/v1/termly-conversations/{id}"),
                version,
                &TermlyConversation::from(v),
            ))
        })
    })
    .await
}

fn unknown_school() -> ApiError {
    ApiError::validation(vec![FieldError::new(
        "school_urn",
        "unknown_school",
        "no such school, or it is outside your zone",
    )])
}

/// Offer a term's conversations to a whole zone.
#[utoipa::path(
    tag = "Termly conversations",
    summary = "Offer a term's conversation to every open school of a zone",
    operation_id = "offer_termly_conversations",
    description = "Staff of the zone's team, or la_admin. Offers the term's conversation to every open school of the zone, early-years settings, childminders and other settings beyond GIAS included. Idempotent: schools that already have this term's conversation keep it (counted in `already_offered`); repeating the call creates nothing new.",
    request_body(content = TermlyOffer, content_type = "application/json"),
    responses(
        (status = 200, description = "What was offered", body = TermlyOfferResult),
        (status = 403, response = Forbidden),
    ),
)]
#[post("/termly-conversations/offer")]
pub async fn offer_termly_conversations(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<TermlyOffer>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let b = body.0;
    let year = parse_year(&b.academic_year, "academic_year")?;
    let reach = reach_of(&caller, &state.db).await?;
    let in_reach = match reach {
        Reach::All => true,
        Reach::Zone(z) => z == b.zone_id,
        _ => false,
    };
    write(&state, &req, move |conn| {
        Box::pin(async move {
            if !in_reach
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
            let term = b.term.domain().as_str();
            let out = repo::offer_zone(
                conn,
                b.zone_id,
                &year,
                term,
                &caller.subject,
                sct_persistence::now(),
            )
            .await?;
            Ok(Written::json(
                actix_web::http::StatusCode::OK,
                &TermlyOfferResult {
                    zone_id: b.zone_id,
                    academic_year: year,
                    term: b.term,
                    schools: out.schools,
                    created: out.created,
                    already_offered: out.schools - out.created,
                },
            ))
        })
    })
    .await
}

async fn act(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    caller: &Caller,
    id: Uuid,
    if_match: IfMatch,
    action: ConversationAction,
    change: impl FnOnce(&mut repo::TermlyState) + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let reach = reach_of(caller, &state.db).await?;
    let version = if_match.required()?;
    let caller = caller.clone();
    write(state, req, move |conn| {
        Box::pin(async move {
            let current = repo::get_row(conn, id, &reach).await?;
            let from = rules::ConversationStatus::parse(&current.status)
                .unwrap_or(rules::ConversationStatus::Offered);
            let to = rules::transition(from, action, caller.role)
                .map_err(|e| conversation_error(&e, &caller))?;
            let mut state_now = current.state();
            to.as_str().clone_into(&mut state_now.status);
            change(&mut state_now);
            let v = repo::save(conn, id, version, &state_now, sct_persistence::now())
                .await?
                .ok_or_else(stale)?;
            Ok(written(v))
        })
    })
    .await
}

/// Schedule a termly conversation.
#[utoipa::path(
    tag = "Termly conversations",
    summary = "Book (or move) the date of a termly conversation",
    operation_id = "schedule_termly_conversation",
    description = "The school (its own) or the zone's team, with If-Match; from `offered` or `scheduled`. Anything else answers 409 `invalid_transition`.",
    params(("id" = Uuid, Path, description = "Conversation id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = ScheduleConversation, content_type = "application/json"),
    responses(
        (status = 200, description = "The conversation", body = TermlyConversation, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/termly-conversations/{id}/schedule")]
pub async fn schedule_termly_conversation(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<ScheduleConversation>,
) -> Result<HttpResponse, ApiError> {
    let date = body.0.date;
    act(
        &state,
        &req,
        &caller,
        id.into_inner(),
        if_match,
        ConversationAction::Schedule,
        move |s| {
            s.scheduled_for = Some(date);
            s.decline_reason = None;
        },
    )
    .await
}

/// Decline a termly conversation.
#[utoipa::path(
    tag = "Termly conversations",
    summary = "Decline this term's conversation",
    operation_id = "decline_termly_conversation",
    description = "The school (its own) or the zone's team, with If-Match; from `offered` or `scheduled`.",
    params(("id" = Uuid, Path, description = "Conversation id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = DeclineConversation, content_type = "application/json"),
    responses(
        (status = 200, description = "The conversation", body = TermlyConversation, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/termly-conversations/{id}/decline")]
pub async fn decline_termly_conversation(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<DeclineConversation>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    validate(&b)?;
    act(
        &state,
        &req,
        &caller,
        id.into_inner(),
        if_match,
        ConversationAction::Decline,
        move |s| {
            s.decline_reason = b.reason.filter(|r| !r.trim().is_empty());
            s.scheduled_for = None;
        },
    )
    .await
}

/// Record a held termly conversation.
#[utoipa::path(
    tag = "Termly conversations",
    summary = "Record the conversation held",
    operation_id = "hold_termly_conversation",
    description = "The zone's team or la_admin, with If-Match; from `scheduled`, or again on a `held` conversation to correct its record. Date, attendees, number of children discussed, actions and notes (no child names).",
    params(("id" = Uuid, Path, description = "Conversation id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = HoldConversation, content_type = "application/json"),
    responses(
        (status = 200, description = "The conversation", body = TermlyConversation, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/termly-conversations/{id}/hold")]
pub async fn hold_termly_conversation(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<HoldConversation>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let b = body.0;
    validate(&b)?;
    let mut errors = Vec::new();
    if b.held_on > sct_persistence::now().date_naive() {
        errors.push(FieldError::new(
            "held_on",
            "in_future",
            "a conversation cannot be held in the future",
        ));
    }
    for (i, a) in b.attendees.iter().enumerate() {
        if a.trim().is_empty() || a.chars().count() > 200 {
            errors.push(FieldError::new(
                format!("attendees[{i}]"),
                "length",
                "an attendee has 1 to 200 characters",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let actions = serde_json::to_value(
        b.actions
            .iter()
            .cloned()
            .map(AgreedAction::from)
            .collect::<Vec<_>>(),
    )
    .unwrap_or_else(|_| serde_json::json!([]));
    act(
        &state,
        &req,
        &caller,
        id.into_inner(),
        if_match,
        ConversationAction::Hold,
        move |s| {
            s.held_on = Some(b.held_on);
            s.attendees = b.attendees;
            s.children_discussed = Some(b.children_discussed);
            s.actions = actions;
            s.notes = b.notes;
        },
    )
    .await
}

/// Offer a declined conversation again.
#[utoipa::path(
    tag = "Termly conversations",
    summary = "Offer a declined conversation again",
    operation_id = "reoffer_termly_conversation",
    description = "The zone's team or la_admin, with If-Match; from `declined` back to `offered`. No body.",
    params(("id" = Uuid, Path, description = "Conversation id"), ("If-Match" = String, Header, description = "ETag as last read")),
    responses(
        (status = 200, description = "The conversation", body = TermlyConversation, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/termly-conversations/{id}/reoffer")]
pub async fn reoffer_termly_conversation(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    // Only the team offers again: refuse other roles before looking the
    // conversation up, as every staff-only operation does.
    only(&caller, STAFF)?;
    act(
        &state,
        &req,
        &caller,
        id.into_inner(),
        if_match,
        ConversationAction::Reoffer,
        move |s| {
            s.decline_reason = None;
        },
    )
    .await
}

/// Link a referral to a conversation.
#[utoipa::path(
    tag = "Termly conversations",
    summary = "Link a referral that came out of the conversation",
    operation_id = "link_termly_conversation_referral",
    description = "The zone's team or la_admin. The referral must be one of the conversation's school; linking it twice changes nothing. Answers the conversation.",
    params(("id" = Uuid, Path, description = "Conversation id")),
    request_body(content = LinkReferral, content_type = "application/json"),
    responses(
        (status = 200, description = "The conversation", body = TermlyConversation, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[post("/termly-conversations/{id}/referrals")]
pub async fn link_termly_conversation_referral(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<LinkReferral>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let reach = reach_of(&caller, &state.db).await?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let conversation = repo::get_row(conn, id.into_inner(), &reach).await?;
            let v = repo::link_referral(
                conn,
                &conversation,
                body.0.referral_id,
                &caller.subject,
                sct_persistence::now(),
            )
            .await
            .map_err(|e| match e {
                LinkError::OtherSchool => ApiError::validation(vec![FieldError::new(
                    "referral_id",
                    "unknown_referral",
                    "no such referral of this conversation's school",
                )]),
                LinkError::Store(s) => s.into(),
            })?;
            Ok(written(v))
        })
    })
    .await
}

/// Parameters of the coverage report.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CoverageParams {
    /// Academic year (`YYYY/YY`).
    #[param(pattern = "^[0-9]{4}/[0-9]{2}$", example = "2026/27")]
    pub academic_year: String,
    /// Term.
    pub term: Term,
}

/// Termly coverage report.
#[utoipa::path(
    tag = "Reports",
    summary = "Termly conversation coverage per zone",
    operation_id = "termly_coverage_report",
    description = "Per zone, over its open schools (settings beyond GIAS, such as early-years settings and childminders, included): how many were offered the term's conversation, and how many of those await a reply, are scheduled, held or declined, and how many are not offered yet. la_admin sees every zone; a team's manager and practitioners their zone.",
    params(CoverageParams),
    responses(
        (status = 200, description = "The coverage", body = TermlyCoverage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/reports/termly-coverage")]
pub async fn termly_coverage_report(
    state: web::Data<AppState>,
    caller: Caller,
    p: web::Query<CoverageParams>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let p = p.into_inner();
    let year = AcademicYear::parse(&p.academic_year)
        .map(AcademicYear::as_string)
        .map_err(|e| ApiError::new(ErrorCode::InvalidParameter, format!("academic_year: {e}")))?;
    let zone = match reach_of(&caller, &state.db).await? {
        Reach::All => None,
        Reach::Zone(z) => Some(z),
        // A team token for no team sees no zone.
        _ => Some(Uuid::nil()),
    };
    let mut conn = state.db.conn().await?;
    let rows = repo::coverage(&mut conn, &year, p.term.domain().as_str(), zone).await?;
    Ok(HttpResponse::Ok().json(TermlyCoverage {
        academic_year: year,
        term: p.term,
        zones: rows
            .into_iter()
            .map(|r| TermlyCoverageZone {
                zone_id: r.zone_id,
                zone_code: r.zone_code,
                zone_name: r.zone_name,
                schools: r.schools,
                offered: r.offered,
                awaiting_reply: r.awaiting_reply,
                scheduled: r.scheduled,
                held: r.held,
                declined: r.declined,
                not_offered: r.not_offered,
            })
            .collect(),
    }))
}
