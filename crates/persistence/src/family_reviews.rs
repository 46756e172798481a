//! Reviews of a family plan (issue 13, item 2): a review rates every current
//! family goal on the 0-10 scale, with the support plan's rules
//! (`sct_domain::delivery::check_ratings`); closing the family records the
//! final ratings (kind `final`) in the same transaction as the change.
//!
//! A review is read as the support plan's [`ReviewView`]: its
//! `review.referral_id` carries the family's id.

use crate::delivery::{DeliveryError, ReviewRow, ReviewView};
use crate::schema::{family_plan_goals, family_plan_reviews, family_plans, family_review_ratings};
use crate::{Actor, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sct_domain::delivery::check_ratings;
use uuid::Uuid;

/// A stored review of a family plan; read as the support plan's
/// [`ReviewRow`] with the family's id in `referral_id`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = family_plan_reviews)]
struct FamilyReviewRow {
    id: Uuid,
    family_id: Uuid,
    kind: String,
    reviewed_on: NaiveDate,
    notes: Option<String>,
    recorded_by: String,
    created_at: DateTime<Utc>,
    version: i32,
}

impl From<FamilyReviewRow> for ReviewRow {
    fn from(r: FamilyReviewRow) -> Self {
        Self {
            id: r.id,
            referral_id: r.family_id,
            kind: r.kind,
            reviewed_on: r.reviewed_on,
            notes: r.notes,
            recorded_by: r.recorded_by,
            created_at: r.created_at,
            version: r.version,
        }
    }
}

/// Whether the family's plan has current goals (none when it has no plan).
///
/// # Errors
/// Database failures.
pub async fn has_goals(c: &mut AsyncPgConnection, family: Uuid) -> StoreResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        family_plan_goals::table
            .filter(family_plan_goals::family_id.eq(family))
            .filter(family_plan_goals::current.eq(true)),
    ))
    .get_result(c)
    .await?)
}

/// Rates every current goal of the family's plan (in the caller's
/// transaction): `kind` is `interim` (a review) or `final` (the family's
/// closure).
///
/// # Errors
/// `NotFound` when the family has no plan; `Ratings` when the ratings do
/// not rate every current goal once on the scale; database failures.
#[allow(clippy::too_many_arguments)]
pub async fn rate(
    c: &mut AsyncPgConnection,
    family: Uuid,
    kind: &str,
    reviewed_on: NaiveDate,
    notes: Option<String>,
    ratings: &[(Uuid, i64)],
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReviewView, DeliveryError> {
    let plan: Option<Uuid> = family_plans::table
        .find(family)
        .select(family_plans::id)
        .first(c)
        .await
        .optional()?;
    if plan.is_none() {
        return Err(DeliveryError::NotFound);
    }
    let goals: Vec<(Uuid, i16)> = family_plan_goals::table
        .filter(family_plan_goals::family_id.eq(family))
        .filter(family_plan_goals::current.eq(true))
        .order(family_plan_goals::position.asc())
        .select((family_plan_goals::id, family_plan_goals::baseline))
        .load(c)
        .await?;
    let ids: Vec<Uuid> = goals.iter().map(|g| g.0).collect();
    check_ratings(&ids, ratings).map_err(DeliveryError::Ratings)?;
    let stored = FamilyReviewRow {
        id: Uuid::now_v7(),
        family_id: family,
        kind: kind.to_owned(),
        reviewed_on,
        notes,
        recorded_by: actor.subject.clone(),
        created_at: now,
        version: 1,
    };
    diesel::insert_into(family_plan_reviews::table)
        .values(&stored)
        .execute(c)
        .await?;
    // On the scale: checked above.
    let scaled = |r: i64| i16::try_from(r).unwrap_or(0);
    let rows: Vec<_> = ratings
        .iter()
        .map(|(g, r)| {
            (
                family_review_ratings::review_id.eq(stored.id),
                family_review_ratings::goal_id.eq(*g),
                family_review_ratings::rating.eq(scaled(*r)),
            )
        })
        .collect();
    diesel::insert_into(family_review_ratings::table)
        .values(&rows)
        .execute(c)
        .await?;
    let ratings = goals
        .iter()
        .filter_map(|(g, baseline)| {
            let (_, r) = ratings.iter().find(|(id, _)| id == g)?;
            Some((*g, scaled(*r), *baseline))
        })
        .collect();
    Ok(ReviewView {
        review: stored.into(),
        ratings,
    })
}

/// A family's reviews, oldest first (their ids are time-ordered), keyset
/// by id, with their ratings in goal order.
///
/// # Errors
/// Database failures.
pub async fn list(
    c: &mut AsyncPgConnection,
    family: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<ReviewView>> {
    let reviews: Vec<FamilyReviewRow> = family_plan_reviews::table
        .filter(family_plan_reviews::family_id.eq(family))
        .filter(family_plan_reviews::id.gt(after.unwrap_or_default()))
        .order(family_plan_reviews::id.asc())
        .limit(limit)
        .select(FamilyReviewRow::as_select())
        .load(c)
        .await?;
    with_ratings(c, reviews.into_iter().map(ReviewRow::from).collect()).await
}

/// One review of the family's plan.
///
/// # Errors
/// `NotFound` when it is not one of the family's reviews.
pub async fn get(c: &mut AsyncPgConnection, family: Uuid, id: Uuid) -> StoreResult<ReviewView> {
    let review: FamilyReviewRow = family_plan_reviews::table
        .find(id)
        .filter(family_plan_reviews::family_id.eq(family))
        .select(FamilyReviewRow::as_select())
        .first(c)
        .await?;
    Ok(with_ratings(c, vec![review.into()]).await?.remove(0))
}

async fn with_ratings(
    c: &mut AsyncPgConnection,
    reviews: Vec<ReviewRow>,
) -> StoreResult<Vec<ReviewView>> {
    let ids: Vec<Uuid> = reviews.iter().map(|r| r.id).collect();
    let ratings: Vec<(Uuid, Uuid, i16, i16)> = family_review_ratings::table
        .inner_join(family_plan_goals::table)
        .filter(family_review_ratings::review_id.eq_any(&ids))
        .order(family_plan_goals::position.asc())
        .select((
            family_review_ratings::review_id,
            family_review_ratings::goal_id,
            family_review_ratings::rating,
            family_plan_goals::baseline,
        ))
        .load(c)
        .await?;
    Ok(crate::delivery::attach_ratings(reviews, &ratings))
}

/// The latest rating of each of `goals` (goal id, rating), from the latest
/// review that rated it.
///
/// # Errors
/// Database failures.
pub async fn latest_ratings(
    c: &mut AsyncPgConnection,
    goals: &[Uuid],
) -> StoreResult<Vec<(Uuid, i16)>> {
    Ok(family_review_ratings::table
        .inner_join(family_plan_reviews::table)
        .filter(family_review_ratings::goal_id.eq_any(goals))
        .distinct_on(family_review_ratings::goal_id)
        .order((
            family_review_ratings::goal_id,
            family_plan_reviews::created_at.desc(),
            family_plan_reviews::id.desc(),
        ))
        .select((
            family_review_ratings::goal_id,
            family_review_ratings::rating,
        ))
        .load(c)
        .await?)
}
