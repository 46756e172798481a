//! The audit trail, for the council's administrators.

use crate::http::access::only;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Forbidden;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::extract::PageParams;
use crate::http::paging::cursor_key;
use crate::http::paging::list_page;
use crate::http::paging::list_params;
use crate::http::paging::next_page;
use crate::http::paging::page_size;
use crate::http::respond::with_age;
use crate::http::state::AppState;
use crate::http::wire::{ActorRole, HttpMethod};
use actix_web::get;
use actix_web::web;
use actix_web::HttpResponse;
use chrono::DateTime;
use chrono::Utc;
use sct_domain::Role;
use sct_persistence::audit as store;
use sct_persistence::audit::AuditFilter;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

list_params! {
    /// Filters of the audit list.
    AuditListParams {
        /// Only rows of this actor (the token's `sub`).
        #[param(max_length = 200)]
        actor: Option<String>,
        /// Only rows about this subject id (a referral or child id, a URN, ...).
        #[param(max_length = 100)]
        subject_id: Option<String>,
        /// Only rows about this kind of subject (`referral`, `child`, ...).
        #[param(pattern = "^[a-z_]{1,40}$")]
        subject_type: Option<String>,
        /// Only this action (an operation id such as `get_referral`, or `erase_child`, `retention_anonymise`).
        #[param(max_length = 200)]
        action: Option<String>,
        /// Rows recorded at or after this time.
        from: Option<DateTime<Utc>>,
        /// Rows recorded before this time.
        to: Option<DateTime<Utc>>,
    }
}

fn bad(detail: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidParameter, detail)
}

/// List audit events.
#[utoipa::path(
    tag = "Audit",
    summary = "List audit events",
    description = "The append-only audit trail: every authenticated API request (reads of children's data and every write) and every anonymisation, one row per subject, or one per list page naming every record shown in `subject_ids`, oldest first by (occurred_at, id). Filters combine with AND: `actor`, `subject_id` (finds rows naming it alone or in a page) and `subject_type`, `action`, and the time range `from` (inclusive) to `to` (exclusive). la_admin only; other roles get 403. This read is itself audited.",
    params(AuditListParams),
    responses(
        (status = 200, description = "A page of audit events", body = AuditEventPage, headers(
            ("Age" = u32, description = "Present only when the page was read from a hot standby (`SCT_DATABASE_READ_URL`): whole seconds its data may be behind the primary (0 when the standby has replayed all it received). Rows recorded in the last `Age` seconds may be missing.")
        )),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<AuditListParams>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, &[Role::LaAdmin])?;
    let p = params.into_inner();
    let (limit, n) = page_size(&PageParams {
        limit: p.limit,
        cursor: None,
    })?;
    if p.actor
        .as_ref()
        .is_some_and(|a| a.is_empty() || a.len() > 200)
    {
        return Err(bad("actor must have 1 to 200 characters"));
    }
    if p.subject_id
        .as_ref()
        .is_some_and(|s| s.is_empty() || s.len() > 100)
    {
        return Err(bad("subject_id must have 1 to 100 characters"));
    }
    if p.subject_type.as_ref().is_some_and(|t| {
        t.is_empty() || t.len() > 40 || !t.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    }) {
        return Err(bad(
            "subject_type must be 1 to 40 lower-case letters or underscores",
        ));
    }
    if p.action
        .as_ref()
        .is_some_and(|a| a.is_empty() || a.len() > 200)
    {
        return Err(bad("action must have 1 to 200 characters"));
    }
    if let (Some(f), Some(t)) = (p.from, p.to) {
        if f >= t {
            return Err(bad("from must be before to"));
        }
    }
    let after: Option<(DateTime<Utc>, i64)> = cursor_key(p.cursor.as_deref())?;
    let filter = AuditFilter {
        actor: p.actor,
        subject_type: p.subject_type,
        subject_id: p.subject_id,
        action: p.action,
        from: p.from,
        to: p.to,
    };
    // The list may come from the read replica (the caller's role is in the
    // token; no scope is read from the database).
    let mut conn = state.reads().await?;
    let mut rows = store::list(&mut conn, &filter, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| (r.occurred_at, r.id));
    Ok(with_age(
        HttpResponse::Ok().json(AuditEventPage {
            items: rows.into_iter().map(AuditEvent::from).collect(),
            next_cursor,
        }),
        conn.age(),
    ))
}

/// How an erasure stood against the retention rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetentionGround {
    /// The retention period had passed.
    Expired,
    /// A referral was still open (an override).
    OpenReferral,
    /// Records were held until `held_until` (an override).
    HeldUntil,
}

/// How a child lookup named the child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LookupBy {
    Upn,
    NamesAndDateOfBirth,
}

/// What an audit row recorded beyond who, what and when: identifiers and
/// counts only, by `action` (every key is absent for the actions not named;
/// reads and most writes record none):
/// - `add_co_worker`, `remove_co_worker`: `worker_id`;
/// - a child lookup (`lookup_child`): `lookup_id`, `by`, `children_found`;
/// - `retention_anonymise`: `retention_closed_years`, `cutoff`;
/// - `erase_child`: `override`, `justification_id` (with an override),
///   `retention` and, when the records were held, `held_until`.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct AuditDetails {
    /// The co-worker added or removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub worker_id: Option<Uuid>,
    /// The lookup (its reason is kept apart under this id).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub lookup_id: Option<Uuid>,
    /// How the lookup named the child.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub by: Option<LookupBy>,
    /// How many children the lookup matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0)]
    pub children_found: Option<u32>,
    /// The retention period the job applied (years after closure).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0)]
    pub retention_closed_years: Option<u32>,
    /// Referrals closed before this instant were anonymised.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub cutoff: Option<DateTime<Utc>>,
    /// Whether the erasure overrode the retention rule.
    #[serde(rename = "override", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub override_: Option<bool>,
    /// The recorded justification of an override.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub justification_id: Option<Uuid>,
    /// How the erasure stood against the retention rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub retention: Option<RetentionGround>,
    /// Until when the records were to be held (`retention` = `held_until`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub held_until: Option<DateTime<Utc>>,
}

impl AuditDetails {
    /// From the stored JSON: a stored `null` reads as absent, and the
    /// stored `{"held_until": t}` of `retention` as `retention` =
    /// `held_until` with `held_until` = t.
    pub fn from_stored(v: &serde_json::Value) -> Self {
        fn get<T: serde::de::DeserializeOwned>(v: &serde_json::Value, key: &str) -> Option<T> {
            serde_json::from_value(v.get(key)?.clone()).ok()
        }
        let held_until = v.get("retention").and_then(|r| get(r, "held_until"));
        Self {
            worker_id: get(v, "worker_id"),
            lookup_id: get(v, "lookup_id"),
            by: get(v, "by"),
            children_found: get(v, "children_found"),
            retention_closed_years: get(v, "retention_closed_years"),
            cutoff: get(v, "cutoff"),
            override_: get(v, "override"),
            justification_id: get(v, "justification_id"),
            retention: match held_until {
                Some(_) => Some(RetentionGround::HeldUntil),
                None => get(v, "retention"),
            },
            held_until,
        }
    }
}

/// One row of the audit trail: who did what to which subject, when, with
/// what outcome. Identifiers only, never personal data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEvent {
    /// Position in the trail (increasing).
    pub id: i64,
    /// When it was recorded.
    pub occurred_at: DateTime<Utc>,
    /// The x-request-id of the request (or of a `sct retention` run).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub request_id: Option<String>,
    /// Subject (`sub`) of the actor's token; `sct-retention` for the retention job.
    #[schema(example = "z01-manager")]
    pub actor: String,
    /// The actor's role (`system` for the retention job).
    #[schema(example = "team_manager")]
    pub actor_role: ActorRole,
    /// The integration client, for tokens from `POST /oauth/token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub client_id: Option<String>,
    /// The operation id (e.g. `accept_referral`, the `operationId` of the
    /// operation in this document), `retention_anonymise` or `erase_child`:
    /// an open set that grows with the API.
    #[schema(example = "get_referral")]
    pub action: String,
    /// HTTP method of the request (absent for the retention job).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub method: Option<HttpMethod>,
    /// Route pattern of the request, e.g. `/api/v1/referrals/{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub route: Option<String>,
    /// What kind of record the subject is: `referral`, `child`, `team`,
    /// `school`, ... (an open set that grows with the API).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "referral")]
    pub subject_type: Option<String>,
    /// Id (or URN) of the subject, when the request named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub subject_id: Option<String>,
    /// Ids of the subjects (all of `subject_type`) when the request showed
    /// several: a list page writes one row naming every record on it.
    /// `subject_id` is then absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = json!(["0193a0c4-5b1e-7c3a-9f10-2a4b6c8d0e1f", "0193a0c4-5b1e-7c3a-9f10-2a4b6c8d0e20"]))]
    pub subject_ids: Option<Vec<String>>,
    /// The HTTP status answered.
    #[schema(example = 200)]
    pub outcome: i16,
    /// Identifiers and counts the action recorded.
    pub details: AuditDetails,
}

impl From<sct_persistence::audit::AuditEventRow> for AuditEvent {
    fn from(r: sct_persistence::audit::AuditEventRow) -> Self {
        Self {
            id: r.id,
            occurred_at: r.occurred_at,
            request_id: r.request_id,
            actor: r.actor,
            actor_role: ActorRole::from_code(&r.actor_role),
            client_id: r.client_id,
            action: r.action,
            method: r.method.as_deref().and_then(HttpMethod::from_code),
            route: r.route,
            subject_type: r.subject_type,
            subject_id: r.subject_id,
            subject_ids: r.subject_ids,
            outcome: r.outcome,
            details: AuditDetails::from_stored(&r.details),
        }
    }
}

list_page! {
    /// A page of the audit trail.
    AuditEventPage {
        /// Rows of this page, oldest first.
        items: AuditEvent
    }
}

/// Registers the audit log operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(list_audit_events);
}
