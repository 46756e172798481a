//! Reviews rating the goals of a plan, and the list queries of sessions and reviews.

use super::plans::{status_of, DeliveryError};
use crate::schema::{plan_goals, plan_reviews, referrals, review_ratings, support_plans};
use crate::scope::{lock_in_scope, Scope};
use crate::{Actor, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sct_domain::delivery::{check_ratings, final_ratings_required, may_record_delivery};
use sct_domain::ClosureOutcome;
use sct_domain::WireName;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = plan_reviews)]
pub struct ReviewRow {
    pub id: Uuid,
    pub referral_id: Uuid,
    pub kind: String,
    pub reviewed_on: NaiveDate,
    pub notes: Option<String>,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

/// A review with its ratings (goal id, rating, the goal's baseline).
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewView {
    pub review: ReviewRow,
    pub ratings: Vec<(Uuid, i16, i16)>,
}

/// Rates every current goal of the plan: checks the ratings with the domain
/// and writes the review. Runs inside the caller's transaction (a review or
/// the closure of the referral).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn rate_in_tx(
    c: &mut AsyncPgConnection,
    referral: Uuid,
    kind: &str,
    reviewed_on: NaiveDate,
    notes: Option<String>,
    ratings: &[(Uuid, i64)],
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReviewView, DeliveryError> {
    let goals: Vec<(Uuid, i16)> = plan_goals::table
        .filter(plan_goals::referral_id.eq(referral))
        .filter(plan_goals::current.eq(true))
        .order(plan_goals::position.asc())
        .select((plan_goals::id, plan_goals::baseline))
        .load(c)
        .await?;
    let ids: Vec<Uuid> = goals.iter().map(|g| g.0).collect();
    check_ratings(&ids, ratings).map_err(DeliveryError::Ratings)?;
    let review = ReviewRow {
        id: Uuid::now_v7(),
        referral_id: referral,
        kind: kind.to_owned(),
        reviewed_on,
        notes,
        recorded_by: actor.subject.clone(),
        created_at: now,
        version: 1,
    };
    diesel::insert_into(plan_reviews::table)
        .values(&review)
        .execute(c)
        .await?;
    let rows: Vec<_> = ratings
        .iter()
        .map(|(g, r)| {
            (
                review_ratings::review_id.eq(review.id),
                review_ratings::goal_id.eq(*g),
                review_ratings::rating.eq(i16::try_from(*r).unwrap_or(0)),
            )
        })
        .collect();
    diesel::insert_into(review_ratings::table)
        .values(&rows)
        .execute(c)
        .await?;
    let ratings = goals
        .iter()
        .filter_map(|(g, baseline)| {
            ratings
                .iter()
                .find(|(id, _)| id == g)
                .map(|(_, r)| (*g, i16::try_from(*r).unwrap_or(0), *baseline))
        })
        .collect();
    Ok(ReviewView { review, ratings })
}

/// Records an interim review of an active referral's plan.
#[allow(clippy::too_many_arguments)]
pub async fn record_review(
    conn: &mut AsyncPgConnection,
    referral: Uuid,
    scope: &Scope,
    reviewed_on: NaiveDate,
    notes: Option<String>,
    ratings: Vec<(Uuid, i64)>,
    indes: Option<Vec<(String, i16)>>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReviewView, DeliveryError> {
    conn.transaction(async |c| {
        let row = lock_in_scope(c, referral, scope).await?;
        let status = status_of(&row.status)?;
        if !may_record_delivery(status) {
            return Err(DeliveryError::NotOpen(
                status.as_str(),
                "reviews are recorded while the referral is active",
            ));
        }
        let has_plan: Option<Uuid> = support_plans::table
            .find(referral)
            .select(support_plans::referral_id)
            .first(c)
            .await
            .optional()?;
        if has_plan.is_none() {
            return Err(DeliveryError::NoPlan);
        }
        let view = rate_in_tx(
            c,
            referral,
            "interim",
            reviewed_on,
            notes,
            &ratings,
            actor,
            now,
        )
        .await?;
        // The next review falls due an interval after the latest review
        // held (a review recorded late for an earlier day moves nothing).
        // A derived date: the referral's version does not move.
        let latest: Option<NaiveDate> = plan_reviews::table
            .filter(plan_reviews::referral_id.eq(referral))
            .select(diesel::dsl::max(plan_reviews::reviewed_on))
            .first(c)
            .await?;
        let next = sct_domain::caseload::next_review_due(latest.unwrap_or(reviewed_on));
        diesel::update(referrals::table.find(referral))
            .set(referrals::review_due_on.eq(next))
            .execute(c)
            .await?;
        // The INDES levels as they stand at the review, when given.
        if let Some(levels) = &indes {
            crate::referrals::reassessment::record(
                c,
                referral,
                crate::referrals::reassessment::Occasion::Review(view.review.id),
                reviewed_on,
                levels,
                actor,
                now,
            )
            .await?;
        }
        Ok(view)
    })
    .await
}

/// At closure, inside the close transaction: records the final ratings as a
/// final review when the domain requires them or when they are given.
///
/// # Errors
/// `Ratings` when they are required and missing, or do not rate every
/// goal on the scale.
pub async fn record_final_ratings(
    c: &mut AsyncPgConnection,
    referral: Uuid,
    outcome: ClosureOutcome,
    ratings: Option<&[(Uuid, i64)]>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Option<ReviewView>, DeliveryError> {
    let goals: i64 = plan_goals::table
        .filter(plan_goals::referral_id.eq(referral))
        .filter(plan_goals::current.eq(true))
        .count()
        .get_result(c)
        .await?;
    let required = final_ratings_required(outcome, goals > 0);
    match ratings {
        None if required => Err(DeliveryError::Field {
            field: "final_ratings".into(),
            code: "final_ratings_required",
            message: format!(
                "closing with outcome {} needs final_ratings of every goal of the plan",
                outcome.as_str()
            ),
        }),
        None => Ok(None),
        Some(r) => Ok(Some(
            rate_in_tx(c, referral, "final", now.date_naive(), None, r, actor, now).await?,
        )),
    }
}

/// A referral's reviews, oldest first, keyset (created_at, id).
pub async fn list_reviews(
    c: &mut AsyncPgConnection,
    referral: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> StoreResult<Vec<ReviewView>> {
    let reviews: Vec<ReviewRow> = reviews_query(referral, after, limit)
        .select(ReviewRow::as_select())
        .load(c)
        .await?;
    let ids: Vec<Uuid> = reviews.iter().map(|r| r.id).collect();
    let ratings: Vec<(Uuid, Uuid, i16, i16)> = review_ratings::table
        .inner_join(plan_goals::table)
        .filter(review_ratings::review_id.eq_any(&ids))
        .order(plan_goals::position.asc())
        .select((
            review_ratings::review_id,
            review_ratings::goal_id,
            review_ratings::rating,
            plan_goals::baseline,
        ))
        .load(c)
        .await?;
    Ok(attach_ratings(reviews, &ratings))
}

/// Each review with its ratings, from rows of (review id, goal id, rating,
/// the goal's baseline) in goal order (support plans and family plans).
pub(crate) fn attach_ratings(
    reviews: Vec<ReviewRow>,
    ratings: &[(Uuid, Uuid, i16, i16)],
) -> Vec<ReviewView> {
    reviews
        .into_iter()
        .map(|r| ReviewView {
            ratings: ratings
                .iter()
                .filter(|x| x.0 == r.id)
                .map(|x| (x.1, x.2, x.3))
                .collect(),
            review: r,
        })
        .collect()
}

/// The SQL text `list_reviews` sends for its page of a referral's reviews,
/// with `$n` placeholders in bind order (see `tests/e2e/indexes.rs`).
pub fn list_reviews_sql(
    referral: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> String {
    crate::statement_sql(&reviews_query(referral, after, limit).select(ReviewRow::as_select()))
}

pub(crate) fn reviews_query<'a>(
    referral: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> plan_reviews::BoxedQuery<'a, diesel::pg::Pg> {
    let mut q = plan_reviews::table
        .filter(plan_reviews::referral_id.eq(referral))
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(
            plan_reviews::created_at
                .gt(at)
                .or(plan_reviews::created_at.eq(at).and(plan_reviews::id.gt(id))),
        );
    }
    q.order((plan_reviews::created_at.asc(), plan_reviews::id.asc()))
        .limit(limit)
}
