//! Data protection for a child: the subject access bundle and erasure.
//! Uses the referrals feature's DTOs (child, referral, history, case note) and the audit
//! log's `AuditEvent`: the export shows them as those endpoints do.

use crate::features::audit_log::AuditEvent;
use crate::features::referrals::dto::Child;
use crate::features::referrals::dto::Referral;
use crate::features::referrals::history::HistoryEntry;
use crate::features::referrals::notes::CaseNote;
use crate::http::access::only;
use crate::http::auth::Caller;
use crate::http::docs::Conflict;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::error::FieldError;
use crate::http::extract::JsonBody;
use crate::http::extract::RequestId;
use crate::http::state::AppState;
use crate::http::validate::validate;
use crate::http::write::write_with_own_audit;
use crate::http::write::Written;
use actix_web::get;
use actix_web::post;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use chrono::DateTime;
use chrono::Utc;
use sct_domain::Retention;
use sct_domain::RetentionPolicy;
use sct_domain::Role;
use sct_persistence::data_protection;
use sct_persistence::data_protection::map;
use sct_persistence::data_protection::ErasureError;
use sct_persistence::data_protection::ErasureRequest;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// Export everything held about a child.
#[utoipa::path(
    tag = "Data protection",
    summary = "Export a child's data (subject access)",
    description = "A subject access bundle of everything held about the child: the child's record, every referral with its INDES levels, screening, decisions and history, every column of the personal-data map about the child or their family table by table (`held`: UPN conflicts, the child's history, consultations, plans and their versions, session and review notes, case notes, case discussions, programme enrolments, stored webhook payloads; at most 500 rows per table), and who accessed or changed any of it (the latest 2000 audit rows about the child or their referrals; `GET /audit-events?subject_id=` has them all). la_admin only; other roles get 403. The export itself is audited.",
    params(("id" = Uuid, Path, description = "Child id (`child.id` of a referral)")),
    responses(
        (status = 200, description = "The bundle", body = ChildExport),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/children/{id}/export")]
pub async fn export_child(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, &[Role::LaAdmin])?;
    let mut conn = state.db.conn().await?;
    let e = data_protection::export(&mut conn, id.into_inner()).await?;
    let child = Child {
        id: e.child.id,
        upn: e.child.upn.clone(),
        given_name: e.child.given_name.clone(),
        family_name: e.child.family_name.clone(),
        date_of_birth: e.child.date_of_birth,
        year_group: e.child.year_group.clone(),
        sen_provision: e.child.sen_provision.clone(),
        primary_need: e.child.primary_need.clone(),
    };
    let referrals = e
        .referrals
        .iter()
        .map(|v| ExportedReferral {
            referral: Referral::from_view(v),
            history: e
                .history
                .iter()
                .filter(|h| h.referral_id == v.referral.id)
                .cloned()
                .map(HistoryEntry::from)
                .collect(),
            notes: e
                .notes
                .iter()
                .filter(|n| n.referral_id == v.referral.id)
                .map(CaseNote::from)
                .collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(ChildExport {
        generated_at: sct_persistence::now(),
        child,
        anonymised_at: e.anonymised_at,
        referrals,
        access: e.access.into_iter().map(AuditEvent::from).collect(),
        access_truncated: e.access_truncated,
        held: e
            .held
            .into_iter()
            .map(|t| HeldTable {
                table: t.table.to_owned(),
                columns: t
                    .columns
                    .iter()
                    .map(|p| HeldColumn {
                        column: p.column.to_owned(),
                        whose: DataSubject::from(p.whose),
                        category: DataCategory::from(p.category),
                    })
                    .collect(),
                rows: t
                    .rows
                    .into_iter()
                    .map(|(key, values)| HeldRow {
                        key,
                        values: match values {
                            serde_json::Value::Object(m) => {
                                m.into_iter().filter(|(_, v)| !v.is_null()).collect()
                            }
                            _ => std::collections::BTreeMap::new(),
                        },
                    })
                    .collect(),
                truncated: t.truncated,
            })
            .collect(),
    }))
}

/// Erase a child's personal data.
#[utoipa::path(
    tag = "Data protection",
    summary = "Erase a child's personal data",
    description = "Anonymises every column of the personal-data map about the child or their family (docs/data-protection.md): names, dates of birth (the school cohort stays: 1 September of the birth year group) and UPN in the child's record, in each referral's snapshot, in UPN conflicts and in the child's history; the MIS's external references (also in stored webhook payloads); the free text of every referral and its history, consultations, plan goals and plan versions, session and review notes, case notes, case discussions and their actions, termly conversations; parent/carer names of programme enrolments; and stored Idempotency-Key answers that name the child. One transaction with its audit rows; the records stay so that report counts do not change. Refused with 409 `retention_applies` while a legal retention applies (a referral is open, or the last one ended less than the configured years ago, `SCT_RETENTION_CLOSED_YEARS`, default 6), unless `override` is true with a `justification` (kept with the erasure and named by id in the audit trail; the retention job deletes it once the retention period has passed since the erasure, as it may name people). 409 `already_erased` when it was done before. la_admin only; other roles get 403.",
    params(("id" = Uuid, Path, description = "Child id (`child.id` of a referral)")),
    request_body(content = ErasureBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Erased", body = ErasureResult),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/children/{id}/erasure")]
pub async fn erase_child(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<ErasureBody>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, &[Role::LaAdmin])?;
    let body = body.0;
    validate(&body)?;
    if body.override_retention && body.justification.is_none() {
        return Err(ApiError::validation(vec![FieldError::new(
            "justification",
            "required",
            "an override needs a justification",
        )]));
    }
    let policy = RetentionPolicy {
        closed_years: state.retention_closed_years,
    };
    let actor = crate::http::audit::actor(&caller, &rid);
    // The audit rows are stored by the erasure, in its transaction.
    write_with_own_audit(&state, &req, move |conn| {
        Box::pin(async move {
            let done = data_protection::erase(
                conn,
                &ErasureRequest {
                    child: id.into_inner(),
                    actor: &actor,
                    override_retention: body.override_retention,
                    justification: body.justification,
                    policy,
                    now: sct_persistence::now(),
                },
            )
            .await
            .map_err(|e| match e {
                ErasureError::NotFound => ApiError::not_found(),
                ErasureError::AlreadyErased(at) => ApiError::new(
                    ErrorCode::AlreadyErased,
                    format!("the child's personal data was anonymised at {}", at.to_rfc3339()),
                ),
                ErasureError::RetentionApplies(Retention::Open) => ApiError::new(
                    ErrorCode::RetentionApplies,
                    "a referral of the child is still open: its records must be kept; send override with a justification to erase anyway",
                ),
                ErasureError::RetentionApplies(Retention::HeldUntil(until)) => ApiError::new(
                    ErrorCode::RetentionApplies,
                    format!(
                        "the child's records are kept until {} ({} years after the last referral ended); send override with a justification to erase anyway",
                        until.date_naive(),
                        policy.closed_years
                    ),
                ),
                ErasureError::RetentionApplies(Retention::Expired) => {
                    ApiError::new(ErrorCode::Internal, "an internal error occurred")
                }
                ErasureError::Store(s) => s.into(),
            })?;
            Ok(Written::json(actix_web::http::StatusCode::OK, &ErasureResult {
                child_id: done.done.child_id,
                anonymised_at: done.done.at,
                referrals_anonymised: done.done.referral_ids.len(),
                override_retention: done.overridden.is_some(),
            })
            .about("child", &done.done.child_id))
        })
    })
    .await
}

/// A referral with its history, in a subject access bundle.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportedReferral {
    /// The referral as the API shows it.
    pub referral: Referral,
    /// Every change of the referral, oldest first.
    pub history: Vec<HistoryEntry>,
    /// Its case notes (restricted ones too), oldest first (at most 500 across the child's referrals).
    pub notes: Vec<CaseNote>,
}

/// Everything held about a child: a subject access bundle.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChildExport {
    /// When the bundle was made.
    pub generated_at: DateTime<Utc>,
    /// The child's record.
    pub child: Child,
    /// When the child's personal data was anonymised (retention or erasure), if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub anonymised_at: Option<DateTime<Utc>>,
    /// Every referral of the child, with its history.
    pub referrals: Vec<ExportedReferral>,
    /// Who accessed or changed the child's data: the latest 2000 audit rows about the child or any of their referrals, oldest first.
    pub access: Vec<AuditEvent>,
    /// There were more than 2000 audit rows: `GET /audit-events?subject_id=` pages through them all.
    pub access_truncated: bool,
    /// Every column of the personal-data map about the child or their family (docs/data-protection.md), table by table, in the rows linked to the child: at most 500 rows per table (`truncated` says when there were more).
    pub held: Vec<HeldTable>,
}

/// The personal data one table holds about the child or their family.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HeldTable {
    /// The table.
    #[schema(example = "child_conflicts")]
    pub table: String,
    /// The columns shown, as the personal-data map classifies them.
    pub columns: Vec<HeldColumn>,
    /// The rows linked to the child, by key (at most 500).
    pub rows: Vec<HeldRow>,
    /// More rows were held than shown.
    pub truncated: bool,
}

/// A column of the personal-data map.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HeldColumn {
    /// The column.
    #[schema(example = "submitted_given_name")]
    pub column: String,
    /// Whose data it is.
    pub whose: DataSubject,
    /// What kind of personal data it is.
    pub category: DataCategory,
}

/// Whose personal data a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DataSubject {
    /// The referred child.
    Child,
    /// An adult of the child's family (a parent or carer).
    Adult,
    /// A worker: council or school staff, a partner's representative.
    Worker,
}

impl From<map::Whose> for DataSubject {
    fn from(w: map::Whose) -> Self {
        match w {
            map::Whose::Child => Self::Child,
            map::Whose::Adult => Self::Adult,
            map::Whose::Worker => Self::Worker,
        }
    }
}

/// What kind of personal data a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DataCategory {
    /// Names, date of birth, UPN, external identifiers, user subjects.
    Identity,
    /// Phone, email, address.
    Contact,
    /// Special category: health and special educational needs.
    SpecialCategory,
    /// Free text, which may name or describe anyone.
    FreeText,
}

impl From<map::Category> for DataCategory {
    fn from(c: map::Category) -> Self {
        match c {
            map::Category::Identity => Self::Identity,
            map::Category::Contact => Self::Contact,
            map::Category::SpecialCategory => Self::SpecialCategory,
            map::Category::FreeText => Self::FreeText,
        }
    }
}

/// One row of a table in the export.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HeldRow {
    /// The row's key in its table.
    pub key: String,
    /// The row's mapped columns that hold a value, by name (a column
    /// without one is absent), each as stored: text, a number, a date as
    /// text, or a stored JSON document (a plan's document, an event's data)
    /// whose shape is its table's, which is why a value's type is not
    /// narrowed here.
    pub values: std::collections::BTreeMap<String, serde_json::Value>,
}

/// An erasure request.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"override": true, "justification": "Court order 2026/123 requires erasure despite the retention period"}))]
pub struct ErasureBody {
    /// Erase although a legal retention applies (an open referral, or one
    /// that ended less than the retention period ago). Needs a justification.
    #[serde(default, rename = "override")]
    #[schema(default = false)]
    pub override_retention: bool,
    /// Why the retention is overridden. Kept with the erasure (named by id
    /// in the audit trail) until the retention job deletes it.
    #[schema(min_length = 10, max_length = 2000)]
    #[validate(length(min = 10, max = 2000))]
    pub justification: Option<String>,
}

/// What an erasure did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErasureResult {
    /// The child.
    pub child_id: Uuid,
    /// When the personal data was anonymised.
    pub anonymised_at: DateTime<Utc>,
    /// How many of the child's referrals had their free text anonymised.
    pub referrals_anonymised: usize,
    /// Whether a legal retention was overridden.
    #[serde(rename = "override")]
    pub override_retention: bool,
}

/// Registers the data protection operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(export_child).service(erase_child);
}
