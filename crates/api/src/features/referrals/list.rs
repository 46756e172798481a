//! The referral list: filters, delta sync, and a worker's caseload in
//! priority order (issue 16).

use crate::features::referrals::dto::EligibilityOutcome;
use crate::features::referrals::dto::Referral;
use crate::features::referrals::dto::ReferralPage;
use crate::features::referrals::dto::ReferralStatus;
use crate::features::referrals::dto::TriageQueue;
use crate::http::access::scope_of;
use crate::http::access::STAFF;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Forbidden;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::extract::decode_cursor;
use crate::http::extract::encode_cursor;
use crate::http::paging::list_params;
use crate::http::state::AppState;
use actix_web::get;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use sct_domain as domain;
use sct_domain::WireName;
use sct_persistence::referrals as repo;
use sct_persistence::referrals::Keyset;
use sct_persistence::referrals::ListFilter;
use sct_persistence::referrals::ListOrder;
use serde::de::IntoDeserializer;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The order of the referral list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListSort {
    /// Oldest first (the default; by last change with `updated_since`).
    Created,
    /// Most urgent first: priority band (urgent, high, routine), then
    /// score (highest first), then age (oldest first).
    Priority,
}

list_params! {
    /// Filters of the referral list.
    ReferralListParams {
        /// Only these statuses: one, or several separated by commas (`allocated,active`).
        #[param(value_type = Option<Vec<ReferralStatus>>, style = Form, explode = false)]
        status: Option<String>,
        /// Only referrals routed to this team.
        team_id: Option<Uuid>,
        /// Only referrals this worker works (allocated to them or co-worked): a worker id, or `me` for the caller's own caseload. Staff only.
        #[param(value_type = Option<String>, pattern = "^(me|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$")]
        worker_id: Option<String>,
        /// Only active referrals whose next plan review falls due before this day.
        review_due_before: Option<NaiveDate>,
        /// `priority`: most urgent first (band, score, then oldest); `created` (default): oldest first. Not with `updated_since`.
        #[param(inline)]
        sort: Option<ListSort>,
        /// Only this school's referrals (its URN: a 6-digit URN, or for a setting beyond GIAS its Ofsted registration number `EY123456` or local id `LA-…`).
        #[param(pattern = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$")]
        school_urn: Option<String>,
        /// Only this screening outcome.
        eligibility: Option<EligibilityOutcome>,
        /// Delta sync: referrals changed at or after this time, ordered by (updated_at, id).
        updated_since: Option<DateTime<Utc>>,
        /// The MIS's own id of a referral.
        #[param(max_length = 100)]
        external_reference: Option<String>,
        /// `council`: only referrals waiting in the council's triage queue; `team`: only those routed to a team.
        queue: Option<TriageQueue>,
    }
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidParameter, message)
}

/// `status=a,b`: each a known status, each once.
fn statuses(raw: Option<&str>) -> Result<Vec<String>, ApiError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let mut out: Vec<String> = Vec::new();
    for name in raw.split(',').map(str::trim) {
        let s = ReferralStatus::deserialize(name.into_deserializer()).map_err(
            |_: serde::de::value::Error| {
                bad(format!(
                    "status: unknown status {name:?}; use submitted, accepted, allocated, active, closed, declined or withdrawn"
                ))
            },
        )?;
        let s = domain::Status::from(s).as_str().to_owned();
        if out.contains(&s) {
            return Err(bad(format!("status: {name} is given twice")));
        }
        out.push(s);
    }
    Ok(out)
}

/// `worker_id`: staff only; `me` is the caller's own worker record.
fn worker_filter(caller: &Caller, raw: Option<&str>) -> Result<Option<Uuid>, ApiError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    caller.require(STAFF)?;
    if raw == "me" {
        return caller.worker_id.map(Some).ok_or_else(|| {
            bad("worker_id=me: the caller has no worker record (la_admin: give a worker id)")
        });
    }
    Uuid::parse_str(raw)
        .map(Some)
        .map_err(|_| bad("worker_id must be a worker id or `me`"))
}

/// The keyset a cursor names, for this order.
fn keyset(cursor: &str, order: ListOrder) -> Result<Keyset, ApiError> {
    let bad_cursor = || {
        ApiError::new(
            ErrorCode::InvalidCursor,
            "the cursor does not fit these parameters",
        )
    };
    let time = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| bad_cursor())
    };
    let uuid = |s: &str| Uuid::parse_str(s).map_err(|_| bad_cursor());
    if order == ListOrder::Priority {
        let parts = decode_cursor(cursor, 5)?;
        if parts[0] != "p" {
            return Err(bad_cursor());
        }
        let rank: i16 = parts[1].parse().map_err(|_| bad_cursor())?;
        let neg: i32 = parts[2].parse().map_err(|_| bad_cursor())?;
        return Ok(Keyset::Priority(
            rank,
            neg,
            time(&parts[3])?,
            uuid(&parts[4])?,
        ));
    }
    let parts = decode_cursor(cursor, 3)?;
    let tag = if order == ListOrder::Updated {
        "u"
    } else {
        "c"
    };
    if parts[0] != tag {
        return Err(bad_cursor());
    }
    Ok(Keyset::At(time(&parts[1])?, uuid(&parts[2])?))
}

fn cursor_of(order: ListOrder, r: &sct_persistence::models::ReferralRow) -> String {
    let stamp = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    match (order, Keyset::priority_of(r)) {
        (ListOrder::Priority, Keyset::Priority(rank, neg, at, id)) => encode_cursor(&[
            "p",
            &rank.to_string(),
            &neg.to_string(),
            &stamp(at),
            &id.to_string(),
        ]),
        (ListOrder::Updated, _) => encode_cursor(&["u", &stamp(r.updated_at), &r.id.to_string()]),
        _ => encode_cursor(&["c", &stamp(r.created_at), &r.id.to_string()]),
    }
}

/// List referrals.
#[utoipa::path(
    tag = "Referrals",
    summary = "List referrals",
    description = "Referrals in the caller's scope: a school's own, a team's, a practitioner's referrals (allocated to them or co-worked), or all for la_admin. Ordered by (created_at, id), or by (updated_at, id) with `updated_since` for delta sync; the cursor stays correct while rows change.\n\nCaseload: `worker_id=me` (or a worker's id, staff only: 403 for schools and integration clients) keeps the referrals that worker works; `sort=priority` orders by priority band (urgent, high, routine), then score (highest first), then age (oldest first), with a cursor that stays correct across equal priorities; `review_due_before` keeps active referrals whose next plan review falls due before that day; `status` takes several statuses separated by commas. A manager's triage queue in priority order: `status=submitted&sort=priority` (la_admin: `queue=council&sort=priority`).\n\nDelta sync rule: with `updated_since`, the list only shows changes older than a settling horizon (SCT_SYNC_SETTLE_MS, 2 seconds by default), because a change is stamped a moment before its transaction commits: without the horizon a change committed late could land behind a cursor already handed out and be missed. Follow `next_cursor` to the last page; for the next poll send `updated_since` = the `updated_at` of the last item you processed (items at that instant come again: de-duplicate by `id` and `version`). A change is visible within the horizon of being made.",
    params(ReferralListParams),
    responses(
        (status = 200, description = "A page of referrals", body = ReferralPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/referrals")]
pub async fn list_referrals(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    params: web::Query<ReferralListParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let limit = crate::http::extract::PageParams {
        limit: p.limit,
        cursor: None,
    }
    .limit()?;
    if let Some(urn) = &p.school_urn {
        if domain::SettingId::parse(urn).is_err() {
            return Err(bad(
                "school_urn must be a setting identifier: a 6-digit URN, EY and 6 digits, or LA- and 1 to 20 capital letters or digits",
            ));
        }
    }
    if p.external_reference
        .as_ref()
        .is_some_and(|e| e.chars().count() > 100)
    {
        return Err(bad("external_reference may have at most 100 characters"));
    }
    let status = statuses(p.status.as_deref())?;
    let worker_id = worker_filter(&caller, p.worker_id.as_deref())?;
    let order = match (p.sort, p.updated_since.is_some()) {
        (Some(ListSort::Priority), true) => {
            return Err(bad(
                "sort=priority cannot be combined with updated_since (delta sync is in order of change)",
            ))
        }
        (Some(ListSort::Priority), false) => ListOrder::Priority,
        (_, true) => ListOrder::Updated,
        (_, false) => ListOrder::Created,
    };
    let after = p.cursor.as_deref().map(|c| keyset(c, order)).transpose()?;
    let filter = ListFilter {
        status,
        team_id: p.team_id,
        school_urn: p.school_urn,
        eligibility: p
            .eligibility
            .map(|e| domain::Outcome::from(e).as_str().to_owned()),
        updated_since: p.updated_since,
        external_reference: p.external_reference,
        council_triage: p.queue.map(|q| matches!(q, TriageQueue::Council)),
        settled_before: (order == ListOrder::Updated && state.integration.sync_settle_ms > 0).then(
            || {
                sct_persistence::now()
                    - chrono::Duration::milliseconds(state.integration.sync_settle_ms)
            },
        ),
        worker_id,
        review_due_before: p.review_due_before,
    };
    let scope = scope_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let mut views = repo::list(&mut conn, &scope, &filter, order, after, limit + 1).await?;
    let more = views.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    views.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = if more {
        views.last().map(|v| cursor_of(order, &v.referral))
    } else {
        None
    };
    // The audit trail records every referral the page showed.
    for v in &views {
        crate::http::audit::note(&req, "referral", &v.referral.id);
    }
    Ok(HttpResponse::Ok().json(ReferralPage {
        items: views.iter().map(Referral::from_view).collect(),
        next_cursor,
    }))
}
