//! Follow-ups of a closed referral (issue 14, item 4): due some months after
//! the closure (`SCT_FOLLOW_UP_MONTHS`, default 3 and 6), created by the
//! closure; the referral's list, the team's list of follow-ups falling due,
//! and recording one, once, with the escalation outcomes then and whether
//! the closure's outcome was sustained. The escalation outcome's wire shape
//! (`dto::Escalation`) is also the closure's (the referrals feature uses it).
//!
//! Who: the zone's team (manager and practitioners) and la_admin read and
//! record; a school (and its MIS) reads its own referrals' follow-ups and
//! records none; the team's list is for staff.

pub mod dto;

use crate::features::follow_ups::dto::FollowUp;
use crate::features::follow_ups::dto::FollowUpPage;
use crate::features::follow_ups::dto::FollowUps;
use crate::features::follow_ups::dto::RecordFollowUpBody;
use crate::http::access::only;
use crate::http::access::reach_of;
use crate::http::access::school_in_reach;
use crate::http::access::EVERY_ROLE;
use crate::http::access::STAFF;
use crate::http::audit::actor;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Conflict;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::extract::RequestId;
use crate::http::paging::keyset_page;
use crate::http::paging::list_params;
use crate::http::paging::next_page;
use crate::http::respond::now_at;
use crate::http::state::AppState;
use crate::http::write::write;
use crate::http::write::Written;
use actix_web::get;
use actix_web::post;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use chrono::NaiveDate;
use sct_domain::escalation::FollowUpRefusal;
use sct_persistence::follow_ups as repo;
use sct_persistence::follow_ups::RecordError;
use sct_persistence::follow_ups::Recording;
use sct_persistence::termly::Reach;
use uuid::Uuid;

/// The referral's follow-ups.
#[utoipa::path(
    tag = "Follow-ups",
    summary = "List a referral's follow-ups",
    description = "The follow-ups the referral's closure scheduled (3 and 6 months after it unless the service is configured otherwise), earliest due first, each pending or recorded with its outcome. The zone's team and la_admin; a school (and its MIS) for its own referrals (read only). A referral out of reach answers 404; one not closed yet has none.",
    params(("id" = Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "The follow-ups", body = FollowUps),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/referrals/{id}/follow-ups")]
pub async fn list_referral_follow_ups(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, EVERY_ROLE)?;
    let id = id.into_inner();
    let reach = reach_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let (urn, zone) = repo::referral_place(&mut conn, id).await?;
    if !school_in_reach(&reach, &urn, zone) {
        return Err(ApiError::not_found());
    }
    let rows = repo::of_referral(&mut conn, &reach, id).await?;
    Ok(HttpResponse::Ok().json(FollowUps {
        items: rows
            .iter()
            .map(|(f, o)| FollowUp::from_rows(f, o.as_ref()))
            .collect(),
    }))
}

list_params! {
    /// Filters of the team's list.
    DueParams {
        /// Only follow-ups due before this day (default: all still to record).
        due_before: Option<NaiveDate>,
        /// Only this zone's (la_admin; a team's staff see their zone's only, and
        /// another zone gives an empty list).
        zone: Option<Uuid>,
    }
}

/// Follow-ups to record.
#[utoipa::path(
    tag = "Follow-ups",
    summary = "List follow-ups still to record",
    operation_id = "list_follow_ups",
    description = "Follow-ups not yet recorded, earliest due first (keyset paged): a team's manager and practitioners see their zone's, la_admin all (or one `zone`). `due_before` bounds the due date (exclusive).",
    params(DueParams),
    responses(
        (status = 200, description = "A page of follow-ups", body = FollowUpPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/follow-ups")]
pub async fn list_follow_ups(
    state: web::Data<AppState>,
    caller: Caller,
    p: web::Query<DueParams>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let p = p.into_inner();
    let (limit, n, after) = keyset_page(p.limit, p.cursor)?;
    let mut reach = reach_of(&caller, &state.db).await?;
    if let Some(z) = p.zone {
        reach = match reach {
            Reach::All => Reach::Zone(z),
            Reach::Zone(mine) if mine == z => Reach::Zone(z),
            _ => Reach::Nothing,
        };
    }
    // No bound: every follow-up still to record (a date PostgreSQL holds).
    let before = p
        .due_before
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX));
    let mut conn = state.db.conn().await?;
    let mut rows = repo::due(&mut conn, &reach, before, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| (r.due_on, r.id));
    Ok(HttpResponse::Ok().json(FollowUpPage {
        items: rows.iter().map(|f| FollowUp::from_rows(f, None)).collect(),
        next_cursor,
    }))
}

fn record_error(e: RecordError) -> ApiError {
    match e {
        RecordError::NotFound => ApiError::not_found(),
        RecordError::Refused(r @ FollowUpRefusal::AlreadyRecorded) => {
            ApiError::new(ErrorCode::AlreadyRecorded, r.to_string())
        }
        RecordError::Refused(r @ FollowUpRefusal::ReferralNotClosed) => {
            ApiError::new(ErrorCode::ReferralNotClosed, r.to_string())
        }
        RecordError::VersionMismatch { current } => now_at("follow-up", current),
        RecordError::Store(s) => s.into(),
    }
}

/// Record a follow-up.
#[utoipa::path(
    tag = "Follow-ups",
    summary = "Record a follow-up",
    description = "Records, once, whether the closure's outcome was sustained and the escalation outcomes now. The zone's team (manager or practitioner) and la_admin. With If-Match on the follow-up (its `version`, e.g. \"v1\"; 428 without, 412 when stale). A follow-up recorded already answers 409 `already_recorded` (whatever If-Match says); one of a referral reopened since its closure 409 `referral_not_closed`; attendance outside 0-100, a count outside 0-200 or an EHC request dated in the future 422 naming the field. Written to the referral's history (`record_follow_up`) and the audit log, and sent as the `referral.follow_up_recorded` webhook event (identifiers and `sustained` only).",
    params(
        ("id" = Uuid, Path, description = "Referral id"),
        ("follow_up_id" = Uuid, Path, description = "Follow-up id"),
        ("If-Match" = String, Header, description = "The follow-up's ETag as last read, e.g. \"v1\""),
    ),
    request_body(content = RecordFollowUpBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The recorded follow-up", body = FollowUp, headers(("ETag" = String, description = "New version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/referrals/{id}/follow-ups/{follow_up_id}/record")]
pub async fn record_follow_up(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<RecordFollowUpBody>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let (referral, id) = path.into_inner();
    let b = body.0;
    let now = sct_persistence::now();
    let outcome = b.outcome.checked("outcome", now.date_naive())?;
    let expected = if_match.required()?;
    let reach = reach_of(&caller, &state.db).await?;
    let actor = actor(&caller, &rid);
    let recording = Recording {
        expected,
        sustained: b.sustained,
        outcome,
    };
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let (f, o) = repo::record(conn, &reach, referral, id, &recording, &actor, now)
                .await
                .map_err(record_error)?;
            Ok(Written::ok(f.version, &FollowUp::from_rows(&f, o.as_ref()))
                .about("referral", &referral))
        })
    })
    .await
}

/// Registers the follow-up operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(list_referral_follow_ups)
        .service(list_follow_ups)
        .service(record_follow_up);
}
