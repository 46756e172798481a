//! "Was this child known to us before?" (issue 16, item 5): staff of any
//! team and la_admin look a child up by UPN, or by names and date of birth,
//! with a reason. The answer says whether the child has current or past
//! referrals and which team holds each; the case details (reference,
//! status, dates) only for referrals in the caller's own zone (la_admin:
//! every zone). Every lookup is audited with its reason, kept apart from
//! the append-only audit rows (they name it by id). A query by POST: it
//! takes no `Idempotency-Key` (see `http::docs::takes_idempotency_key`).
//! Uses the referrals feature's DTOs (status, team and zone references).

use crate::features::referrals::dto::ReferralStatus;
use crate::features::referrals::dto::TeamRef;
use crate::features::referrals::dto::ZoneRef;
use crate::http::access::reach_of;
use crate::http::access::STAFF;
use crate::http::audit::actor;
use crate::http::audit::mark_recorded;
use crate::http::auth::Caller;
use crate::http::docs::Forbidden;
use crate::http::error::ApiError;
use crate::http::error::FieldError;
use crate::http::extract::JsonBody;
use crate::http::extract::RequestId;
use crate::http::state::AppState;
use actix_web::post;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use chrono::NaiveDate;
use sct_domain as domain;
use sct_domain::caseload::LookupKey;
use sct_domain::WireName;
use sct_persistence::lookup as repo;
use sct_persistence::termly::Reach;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Most characters of a lookup's reason.
const REASON_MAX: usize = 500;

/// A lookup: a UPN, or given name, family name and date of birth; and why.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"upn": "B801200005001", "reason": "New referral from the school: checking for earlier early help"}))]
pub struct LookupBody {
    /// The child's unique pupil number (13 characters). Enough on its own.
    #[schema(min_length = 13, max_length = 13)]
    pub upn: Option<String>,
    /// Without a UPN: the child's given name, with `family_name` and `date_of_birth`.
    #[schema(min_length = 1, max_length = 100)]
    pub given_name: Option<String>,
    /// Without a UPN: the child's family name.
    #[schema(min_length = 1, max_length = 100)]
    pub family_name: Option<String>,
    /// Without a UPN: the child's date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Why you look the child up (required, 1 to 500 characters): kept with the audit trail.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: Option<String>,
}

/// A referral of the child, as a lookup shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KnownReferral {
    /// Whether it is open (submitted, accepted, allocated or active).
    pub current: bool,
    /// The team that holds it; absent while it waits in the council's triage queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub team: Option<TeamRef>,
    /// The zone of the school that referred.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub zone: Option<ZoneRef>,
    /// In the caller's zone only (la_admin: every zone): the referral's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub referral_id: Option<Uuid>,
    /// In the caller's zone only: its reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub reference: Option<String>,
    /// In the caller's zone only: its status.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub status: Option<ReferralStatus>,
    /// In the caller's zone only: the day it was submitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub submitted_on: Option<NaiveDate>,
    /// In the caller's zone only: the day it was closed, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub closed_on: Option<NaiveDate>,
}

/// What a lookup found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LookupAnswer {
    /// The lookup's id in the audit trail.
    pub lookup_id: Uuid,
    /// Whether a child matched.
    pub child_found: bool,
    /// Whether the child has any referral, current or past.
    pub known: bool,
    /// Whether one of them is open now.
    pub current: bool,
    /// Every referral of the matched child(ren), oldest first.
    pub referrals: Vec<KnownReferral>,
}

fn key_of(b: &LookupBody) -> Result<(LookupKey, String), ApiError> {
    let mut errors = Vec::new();
    let reason = b.reason.as_deref().map(str::trim).unwrap_or_default();
    if reason.is_empty() {
        errors.push(FieldError::new(
            "reason",
            "required",
            "say why you look the child up",
        ));
    } else if reason.chars().count() > REASON_MAX {
        errors.push(FieldError::new(
            "reason",
            "too_long",
            "the reason may have at most 500 characters",
        ));
    }
    for (field, v) in [
        ("given_name", &b.given_name),
        ("family_name", &b.family_name),
    ] {
        // A field that is sent keeps the contract's bounds, used or not.
        if v.as_deref()
            .is_some_and(|s| s.is_empty() || s.chars().count() > 100)
        {
            errors.push(FieldError::new(field, "length", "1 to 100 characters"));
        }
    }
    if let Some(u) = b.upn.as_deref() {
        if let Err(e) = domain::Upn::parse(u) {
            errors.push(FieldError::new("upn", e.code(), e.to_string()));
        }
    }
    let key = match LookupKey::of(
        b.upn.as_deref(),
        b.given_name.as_deref(),
        b.family_name.as_deref(),
        b.date_of_birth,
    ) {
        Ok(LookupKey::Upn(u)) => domain::Upn::parse(&u)
            .ok()
            .map(|upn| LookupKey::Upn(upn.as_str().to_owned())),
        Ok(k) => Some(k),
        Err(missing) => {
            for field in missing {
                errors.push(FieldError::new(
                    field,
                    "required",
                    "give a upn, or given_name, family_name and date_of_birth",
                ));
            }
            None
        }
    };
    match (key, errors.is_empty()) {
        (Some(k), true) => Ok((k, reason.to_owned())),
        _ => Err(ApiError::validation(errors)),
    }
}

/// Look a child up.
#[utoipa::path(
    tag = "Children",
    summary = "Was this child known to us before?",
    description = "Staff of any team and la_admin look a child up by `upn`, or by `given_name`, `family_name` and `date_of_birth` (exact, case-insensitive names), with a `reason` (422 without one, or with fewer identifying fields than a UPN or all three of names and date of birth). The answer says whether the child has current or past referrals and which team holds each; the case details (id, reference, status, dates) only for referrals of the caller's own zone (la_admin: every zone): never another zone's case. Every lookup is written to the audit trail, found or not, with its reason (kept apart and named by `lookup_id`; deleted by the retention job) and one row per matched child. A query: it stores no change and takes no `Idempotency-Key`. Schools and integration clients get 403.",
    request_body(content = LookupBody, content_type = "application/json"),
    responses(
        (status = 200, description = "What is known of the child", body = LookupAnswer),
        (status = 403, response = Forbidden),
    ),
)]
#[post("/children/lookup")]
pub async fn lookup_child(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    req: HttpRequest,
    body: JsonBody<LookupBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let (key, reason) = key_of(&body.0)?;
    let reach = reach_of(&caller, &state.db).await?;
    let who = actor(&caller, &rid);
    let route = req.match_pattern().unwrap_or_default();
    let mut conn = state.db.conn().await?;
    let found = repo::lookup(
        &mut conn,
        &key,
        &reason,
        &who,
        "lookup_child",
        ("POST", &route),
        sct_persistence::now(),
    )
    .await?;
    mark_recorded(&req);
    let open = |s: &str| {
        domain::Status::parse(s).is_some_and(|s| {
            matches!(
                s,
                domain::Status::Submitted
                    | domain::Status::Accepted
                    | domain::Status::Allocated
                    | domain::Status::Active
            )
        })
    };
    let referrals: Vec<KnownReferral> = found
        .referrals
        .iter()
        .map(|r| {
            let mine = match &reach {
                Reach::All => true,
                Reach::Zone(z) => r.zone_id == Some(*z),
                Reach::Schools(_) | Reach::Nothing => false,
            };
            KnownReferral {
                current: open(&r.status),
                team: r
                    .team_id
                    .zip(r.team_name.clone())
                    .map(|(id, name)| TeamRef { id, name }),
                zone: match (r.zone_id, &r.zone_code, &r.zone_name) {
                    (Some(id), Some(code), Some(name)) => Some(ZoneRef {
                        id,
                        code: code.clone(),
                        name: name.clone(),
                    }),
                    _ => None,
                },
                referral_id: mine.then_some(r.referral_id),
                reference: mine.then(|| r.reference.clone()),
                status: if mine {
                    domain::Status::parse(&r.status).map(ReferralStatus::from)
                } else {
                    None
                },
                submitted_on: mine.then(|| r.created_at.date_naive()),
                closed_on: if mine {
                    r.closed_at.map(|t| t.date_naive())
                } else {
                    None
                },
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(LookupAnswer {
        lookup_id: found.lookup_id,
        child_found: !found.children.is_empty(),
        known: !referrals.is_empty(),
        current: referrals.iter().any(|r| r.current),
        referrals,
    }))
}

/// Registers the lookup.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(lookup_child);
}
