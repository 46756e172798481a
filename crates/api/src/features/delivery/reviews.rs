//! Reviews of a support plan: interim ratings of each goal, their correction,
//! and the final ratings recorded at closure.

use crate::features::delivery::dto::Review;
use crate::features::delivery::dto::ReviewInput;
use crate::features::delivery::dto::ReviewPage;
use crate::features::delivery::rules::allow;
use crate::features::delivery::rules::delivery_error;
use crate::features::delivery::rules::delivery_scope;
use crate::features::delivery::rules::not_future;
use crate::features::referrals::corrections::reassessed_levels;
use crate::http::audit::actor;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Conflict;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::extract::PageParams;
use crate::http::extract::RequestId;
use crate::http::paging::cursor_key;
use crate::http::paging::next_page;
use crate::http::paging::page_size;
use crate::http::respond::ok;
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
use sct_domain::DeliveryOp;
use sct_persistence::delivery as repo;
use sct_persistence::referrals as referrals_repo;
use uuid::Uuid;

/// Record a review.
#[utoipa::path(
    tag = "Support plans",
    summary = "Record a review of the plan",
    description = "Rates every current goal of the plan again on the 0-10 goal-based-outcome scale (each goal exactly once; 422 names what is missing or wrong). The referral must be active and have a plan (409 `referral_not_open` or `no_support_plan`). The plan then shows each goal's latest rating and distance travelled. With `indes` (optional) the review also records the INDES levels as they stand (on the policy's scale, at most one per area; 422 names a bad entry), which the referral's `indes_movement` sets against its intake levels. The referral's team manager, the practitioners who work it (allocated or co-worker), la_admin.",
    params(("id" = Uuid, Path, description = "Referral id")),
    request_body(content = ReviewInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The review", body = Review, headers(("Location" = String, description = "URL of the review"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/referrals/{id}/reviews")]
pub async fn record_review(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    id: web::Path<Uuid>,
    body: JsonBody<ReviewInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::RecordDelivery)?;
    let b = body.0;
    validate(&b)?;
    not_future("reviewed_on", b.reviewed_on)?;
    let indes = reassessed_levels(&state, b.indes.as_deref()).await?;
    let id = id.into_inner();
    let scope = delivery_scope(&caller, &state.db).await?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let view = repo::record_review(
                conn,
                id,
                &scope,
                b.reviewed_on,
                b.notes,
                b.ratings.iter().map(|r| (r.goal_id, r.rating)).collect(),
                indes,
                &actor(&caller, &rid),
                sct_persistence::now(),
            )
            .await
            .map_err(delivery_error)?;
            Ok(Written::created(
                format!("/api/v1/referrals/{id}/reviews/{}", view.review.id),
                view.review.version,
                &Review::from(&view),
            ))
        })
    })
    .await
}

/// Read a review.
#[utoipa::path(
    tag = "Support plans",
    summary = "Read a review of the plan",
    description = "One review with its ratings and their distance travelled. Same readers as the plan, including the referring school. 404 when the referral is out of scope or the review is not one of its reviews.",
    params(("id" = Uuid, Path, description = "Referral id"), ("review_id" = Uuid, Path, description = "Review id")),
    responses(
        (status = 200, description = "The review", body = Review, headers(("ETag" = String, description = "Version tag for If-Match"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/referrals/{id}/reviews/{review_id}")]
pub async fn get_review(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ReadPlan)?;
    let (id, review) = path.into_inner();
    let scope = delivery_scope(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    referrals_repo::find(&mut conn, id, &scope).await?;
    let view = repo::get_review(&mut conn, id, review).await?;
    Ok(ok(view.review.version, &Review::from(&view)))
}

/// Correct a review.
#[utoipa::path(
    tag = "Support plans",
    summary = "Correct a review of the plan (re-rate its goals)",
    description = "With If-Match (428 without, 412 when stale): replaces the review's date (not in the future), notes and ratings. The ratings rate again exactly the goals the review rated, each once, on the 0-10 scale (422 names what is missing or wrong). An interim review is corrected while the referral is active (409 `referral_not_open` otherwise); the final review recorded at closure stands. The plan's latest ratings and distance travelled follow the correction. With `indes` the review's INDES levels are replaced; without, those it recorded stay (dated with the review). The referral's team manager, the practitioners who work it (allocated or co-worker), la_admin.",
    params(("id" = Uuid, Path, description = "Referral id"), ("review_id" = Uuid, Path, description = "Review id"), ("If-Match" = String, Header, description = "ETag of the review as last read")),
    request_body(content = ReviewInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The corrected review", body = Review, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[put("/referrals/{id}/reviews/{review_id}")]
pub async fn update_review(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<ReviewInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::RecordDelivery)?;
    let b = body.0;
    validate(&b)?;
    not_future("reviewed_on", b.reviewed_on)?;
    let indes = reassessed_levels(&state, b.indes.as_deref()).await?;
    let version = if_match.required()?;
    let (id, review) = path.into_inner();
    let scope = delivery_scope(&caller, &state.db).await?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let view = repo::correct_review(
                conn,
                id,
                review,
                &scope,
                version,
                b.reviewed_on,
                b.notes,
                b.ratings.iter().map(|r| (r.goal_id, r.rating)).collect(),
                indes,
                &actor(&caller, &rid),
                sct_persistence::now(),
            )
            .await
            .map_err(delivery_error)?;
            Ok(Written::ok(view.review.version, &Review::from(&view)))
        })
    })
    .await
}

/// List a referral's reviews.
#[utoipa::path(
    tag = "Support plans",
    summary = "List a referral's reviews",
    description = "Reviews of the plan, oldest first, each rating with its distance travelled; the final review (recorded at closure) last. Same readers as the plan, including the referring school.",
    params(("id" = Uuid, Path, description = "Referral id"), PageParams),
    responses(
        (status = 200, description = "A page of reviews", body = ReviewPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/referrals/{id}/reviews")]
pub async fn list_reviews(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    p: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ReadPlan)?;
    let (limit, n) = page_size(&p)?;
    let after = cursor_key(p.cursor.as_deref())?;
    let id = id.into_inner();
    let scope = delivery_scope(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    referrals_repo::find(&mut conn, id, &scope).await?;
    let mut rows = repo::list_reviews(&mut conn, id, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| (r.review.created_at, r.review.id));
    Ok(HttpResponse::Ok().json(ReviewPage {
        items: rows.iter().map(Review::from).collect(),
        next_cursor,
    }))
}
