//! Reviews of a family's plan (issue 13, item 2): "reviews rate family
//! goals; closure records them, as for the child's goals". A review rates
//! every current family goal on the 0-10 scale and reads as a support
//! plan's review (the delivery feature's `Review`); closing the family
//! (`PUT /families/{id}`) records the final ratings. Staff of the family's
//! zone and la_admin only; schools never read them.

use crate::features::delivery::dto::Review;
use crate::features::delivery::dto::ReviewKind;
use crate::features::delivery::dto::ReviewPage;
use crate::features::delivery::rules::delivery_error;
use crate::features::delivery::rules::not_future;
use crate::features::families::dto::FamilyStatus;
use crate::features::families::early_help_dto::FamilyReviewInput;
use crate::features::families::view::writable_family;
use crate::http::access::only;
use crate::http::access::reach_of;
use crate::http::access::STAFF;
use crate::http::audit::actor;
use crate::http::audit::note;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Conflict;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::extract::JsonBody;
use crate::http::extract::PageParams;
use crate::http::extract::RequestId;
use crate::http::paging::keyset_page;
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
use sct_persistence::family_reviews as repo;
use uuid::Uuid;

/// Record a review of a family's plan.
#[utoipa::path(
    tag = "Families",
    summary = "Record a review of a family's plan",
    operation_id = "record_family_review",
    description = "Rates every current goal of the family plan again on the 0-10 goal-based-outcome scale (each goal exactly once; 422 names what is missing or wrong), with the day of the review (not in the future, 422 `in_future`) and what it found. The family must be open (409 `invalid_transition`) and have a plan (404 otherwise). The plan then shows each goal's latest rating and distance travelled. Honours `Idempotency-Key`. la_admin, or a manager or practitioner of the family's zone's team; another zone's family answers 404; schools and MIS clients 403.",
    params(("id" = Uuid, Path, description = "Family id")),
    request_body(content = FamilyReviewInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The review", body = Review, headers(("Location" = String, description = "URL of the review"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/families/{id}/plan/reviews")]
pub async fn record_family_review(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    id: web::Path<Uuid>,
    body: JsonBody<FamilyReviewInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let b = body.0;
    validate(&b)?;
    not_future("reviewed_on", b.reviewed_on)?;
    let family = id.into_inner();
    let reach = reach_of(&caller, &state.db).await?;
    let actor = actor(&caller, &rid);
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let f = writable_family(conn, &reach, family).await?;
            if f.status != FamilyStatus::Open.as_str() {
                return Err(ApiError::new(
                    ErrorCode::InvalidTransition,
                    "the family is closed: its plan is reviewed while it is open",
                ));
            }
            let ratings: Vec<(Uuid, i64)> =
                b.ratings.iter().map(|r| (r.goal_id, r.rating)).collect();
            let view = repo::rate(
                conn,
                family,
                ReviewKind::Interim.as_str(),
                b.reviewed_on,
                b.notes,
                &ratings,
                &actor,
                sct_persistence::now(),
            )
            .await
            .map_err(delivery_error)?;
            Ok(Written::created(
                format!("/api/v1/families/{family}/plan/reviews/{}", view.review.id),
                view.review.version,
                &Review::from(&view),
            )
            .about("family", &family))
        })
    })
    .await
}

/// List the reviews of a family's plan.
#[utoipa::path(
    tag = "Families",
    summary = "List the reviews of a family's plan",
    operation_id = "list_family_reviews",
    description = "Oldest first, the final review (recorded when the family was closed) last, each rating with its distance travelled; keyset paged (`limit`, default 50, at most 200; follow `next_cursor`). Same readers as the plan; another zone's family answers 404; schools and MIS clients 403.",
    params(("id" = Uuid, Path, description = "Family id"), PageParams),
    responses(
        (status = 200, description = "A page of reviews", body = ReviewPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/families/{id}/plan/reviews")]
pub async fn list_family_reviews(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    p: web::Query<PageParams>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let p = p.into_inner();
    let (limit, n, after) = keyset_page(p.limit, p.cursor)?;
    let family = id.into_inner();
    let reach = reach_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    writable_family(&mut conn, &reach, family).await?;
    let mut rows = repo::list(&mut conn, family, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| r.review.id);
    note(&req, "family", &family);
    Ok(HttpResponse::Ok().json(ReviewPage {
        items: rows.iter().map(Review::from).collect(),
        next_cursor,
    }))
}

/// Read a review of a family's plan.
#[utoipa::path(
    tag = "Families",
    summary = "Read a review of a family's plan",
    operation_id = "get_family_review",
    description = "One review with its ratings and their distance travelled. Same readers as the plan; a review of another family answers 404.",
    params(("id" = Uuid, Path, description = "Family id"), ("review_id" = Uuid, Path, description = "Review id")),
    responses(
        (status = 200, description = "The review", body = Review, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/families/{id}/plan/reviews/{review_id}")]
pub async fn get_family_review(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let (family, review) = path.into_inner();
    let reach = reach_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    writable_family(&mut conn, &reach, family).await?;
    let view = repo::get(&mut conn, family, review).await?;
    note(&req, "family", &family);
    Ok(ok(view.review.version, &Review::from(&view)))
}
