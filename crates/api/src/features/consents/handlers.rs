//! A referral's consents: record, list, read, withdraw. Staff in scope
//! (la_admin, the referral's team manager, the practitioners who work it)
//! record and withdraw; schools and their MIS clients read their own
//! referrals' consents without the staff-only fields. A consent change is
//! versioned by the referral: its `ETag` is the referral's, and a
//! withdrawal takes `If-Match` on the referral, as the referral's actions
//! and co-workers do.

use crate::features::consents::dto::consent_out;
use crate::features::consents::dto::ConsentInput;
use crate::features::consents::dto::ConsentRecord;
use crate::features::consents::dto::ConsentWithdrawal;
use crate::features::consents::dto::ReferralConsents;
use crate::http::access::scope_of;
use crate::http::access::EVERY_ROLE;
use crate::http::access::STAFF;
use crate::http::audit::actor;
use crate::http::auth::Caller;
use crate::http::docs::Conflict;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::error::FieldError;
use crate::http::extract::etag;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::extract::RequestId;
use crate::http::respond::now_at;
use crate::http::state::AppState;
use crate::http::validate::validate;
use crate::http::write::write_with_own_audit;
use crate::http::write::Written;
use actix_web::get;
use actix_web::http::header;
use actix_web::post;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use sct_domain::consent as domain;
use sct_persistence::consents as repo;
use sct_persistence::consents::ConsentError;
use sct_persistence::consents::NewConsent;
use sct_persistence::referrals as referral_repo;
use uuid::Uuid;

fn consent_error(e: ConsentError) -> ApiError {
    match e {
        ConsentError::NotFound => ApiError::not_found(),
        ConsentError::VersionMismatch { current } => now_at("referral", current),
        ConsentError::AlreadyWithdrawn => {
            ApiError::new(ErrorCode::ConsentAlreadyWithdrawn, e.to_string())
        }
        ConsentError::Field(field, code, message) => {
            ApiError::validation(vec![FieldError::new(field, code, message)])
        }
        ConsentError::Store(s) => s.into(),
    }
}

fn staff(caller: &Caller) -> bool {
    !caller.role.acts_for_schools()
}

/// Record a consent.
#[utoipa::path(
    tag = "Consents",
    summary = "Record a consent",
    operation_id = "record_consent",
    description = "Who gave consent (the young person, or a parent or carer: `member_id`, an adult of the referral's family with parental responsibility for its child), for what (`scopes`), how it was recorded, from when and until when. A referral's first consent is the one its referral form states (`recorded_how: referral_form`: SCT involvement and sharing with the school). Recording a consent for `sct_involvement` lifts the hold a withdrawal put on the referral. Staff in scope only: la_admin, the referral's team manager and the practitioners who work it; schools and integration clients get 403; a referral outside the caller's scope answers 404. The referral's version moves on (the answer's `ETag` is the referral's). Written to the referral's history (`record_consent`) and the audit log; no webhook.",
    params(("id" = Uuid, Path, description = "Referral id")),
    request_body(content = ConsentInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The consent", body = ConsentRecord, headers(("Location" = String, description = "URL of the consent"), ("ETag" = String, description = "The referral's new version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[post("/referrals/{id}/consents")]
pub async fn record_consent(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<ConsentInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let b = body.0;
    validate(&b)?;
    let now = sct_persistence::now();
    let scopes: Vec<domain::ConsentScope> = b.scopes.iter().map(|s| (*s).into()).collect();
    let partners = b.partner_ids.unwrap_or_default();
    let refusals = domain::check_new(
        &scopes,
        &partners,
        b.recorded_how.into(),
        b.given_on,
        b.until,
        now.date_naive(),
    );
    if !refusals.is_empty() {
        return Err(ApiError::validation(
            refusals
                .iter()
                .map(|r| FieldError::new(r.field(), r.code(), r.to_string()))
                .collect(),
        ));
    }
    let new = NewConsent {
        given_by: b.given_by.into(),
        member_id: b.member_id,
        scopes,
        partner_ids: partners,
        recorded_how: b.recorded_how.into(),
        given_on: b.given_on,
        until: b.until,
        notes: b.notes,
    };
    let id = id.into_inner();
    let scope = scope_of(&caller, &state.db).await?;
    let actor = actor(&caller, &rid);
    // Its audit rows are stored by the change, in its transaction.
    write_with_own_audit(&state, &req, move |conn| {
        Box::pin(async move {
            let (row, version) = repo::record(conn, id, new, &scope, &actor, now)
                .await
                .map_err(consent_error)?;
            Ok(Written::created(
                format!("/api/v1/referrals/{id}/consents/{}", row.id),
                version,
                &consent_out(&row, true, now.date_naive()),
            )
            .about("referral", &id))
        })
    })
    .await
}

/// List a referral's consents.
#[utoipa::path(
    tag = "Consents",
    summary = "List a referral's consents",
    operation_id = "list_referral_consents",
    description = "Every consent of the referral, oldest first, each with its status today, and whether a consent for SCT involvement is in force (while not, the referral can only be closed or withdrawn: every other change answers 409 `consent_withdrawn`). Staff in scope read every field; a school and its MIS clients read their own referrals' consents (what each covers, its status and dates), without the adult who gave it, the partners, the notes or who recorded it. A referral outside the caller's scope answers 404. Every read is audited.",
    params(("id" = Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "The consents", body = ReferralConsents, headers(("ETag" = String, description = "The referral's version tag (If-Match of a withdrawal)"))),
        (status = 404, response = NotFound),
    ),
)]
#[get("/referrals/{id}/consents")]
pub async fn list_referral_consents(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(EVERY_ROLE)?;
    let id = id.into_inner();
    let scope = scope_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let referral = referral_repo::find(&mut conn, id, &scope).await?;
    let rows = repo::of_referrals(&mut conn, &[id]).await?;
    let today = sct_persistence::now().date_naive();
    let terms: Vec<_> = rows
        .iter()
        .map(sct_persistence::consents::ConsentRow::terms)
        .collect();
    let body = ReferralConsents {
        items: rows
            .iter()
            .map(|r| consent_out(r, staff(&caller), today))
            .collect(),
        involvement_in_force: domain::involvement_in_force(&terms, today),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(referral.version)))
        .json(body))
}

/// Read a consent.
#[utoipa::path(
    tag = "Consents",
    summary = "Read a consent",
    operation_id = "get_referral_consent",
    description = "One consent of the referral, as the list shows it (schools and their MIS clients without the staff-only fields). A referral outside the caller's scope, or a consent of another referral, answers 404. Every read is audited.",
    params(
        ("id" = Uuid, Path, description = "Referral id"),
        ("consent_id" = Uuid, Path, description = "Consent id"),
    ),
    responses(
        (status = 200, description = "The consent", body = ConsentRecord, headers(("ETag" = String, description = "The referral's version tag (If-Match of a withdrawal)"))),
        (status = 404, response = NotFound),
    ),
)]
#[get("/referrals/{id}/consents/{consent_id}")]
pub async fn get_referral_consent(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(EVERY_ROLE)?;
    let (id, consent) = path.into_inner();
    let scope = scope_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let referral = referral_repo::find(&mut conn, id, &scope).await?;
    let row = repo::of_referrals(&mut conn, &[id])
        .await?
        .into_iter()
        .find(|r| r.id == consent)
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(referral.version)))
        .json(consent_out(
            &row,
            staff(&caller),
            sct_persistence::now().date_naive(),
        )))
}

/// Withdraw a consent.
#[utoipa::path(
    tag = "Consents",
    summary = "Withdraw a consent",
    operation_id = "withdraw_consent",
    description = "The consent ends today, with the reason. When no consent for SCT involvement is left in force, the referral is on hold: it can only be closed or withdrawn, and every other change of it and of its delivery records (actions other than close and withdraw, co-workers, corrections, INDES reassessments, plans, reviews, sessions, case notes, appointments, follow-ups) answers 409 `consent_withdrawn`, and its webhooks stop, until a new consent for SCT involvement is recorded. A consent already withdrawn answers 409 `consent_already_withdrawn`. With If-Match on the referral (428 without, 412 when stale): consent changes are versioned by the referral, whose version moves on. Staff in scope only (403 for schools and integration clients; 404 outside the scope or for a consent of another referral). Written to the referral's history (`withdraw_consent`) and the audit log.",
    params(
        ("id" = Uuid, Path, description = "Referral id"),
        ("consent_id" = Uuid, Path, description = "Consent id"),
        ("If-Match" = String, Header, description = "The ETag of the referral as last read, e.g. \"v3\""),
    ),
    request_body(content = ConsentWithdrawal, content_type = "application/json"),
    responses(
        (status = 200, description = "The consent, withdrawn", body = ConsentRecord, headers(("ETag" = String, description = "The referral's new version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/referrals/{id}/consents/{consent_id}/withdraw")]
pub async fn withdraw_consent(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<ConsentWithdrawal>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let expected = if_match.required()?;
    let b = body.0;
    validate(&b)?;
    let (id, consent) = path.into_inner();
    let scope = scope_of(&caller, &state.db).await?;
    let actor = actor(&caller, &rid);
    let now = sct_persistence::now();
    // Its audit rows are stored by the change, in its transaction.
    write_with_own_audit(&state, &req, move |conn| {
        Box::pin(async move {
            let (row, version) =
                repo::withdraw(conn, id, consent, b.reason, expected, &scope, &actor, now)
                    .await
                    .map_err(consent_error)?;
            Ok(
                Written::ok(version, &consent_out(&row, true, now.date_naive()))
                    .about("referral", &id),
            )
        })
    })
    .await
}
