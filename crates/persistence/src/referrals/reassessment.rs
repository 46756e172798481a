//! INDES reassessment: the levels per area as they stand at a review of the
//! plan or at closure, and the latest level per area that a referral's read
//! sets against its intake levels.

use crate::schema::{indes_reassessment_levels, indes_reassessments};
use crate::{Actor, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// When a reassessment was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occasion {
    /// With an interim review of the plan.
    Review(Uuid),
    /// At closure, with the final review when one was recorded.
    Closure(Option<Uuid>),
}

/// The latest level of one area of one referral (fields in the order of
/// the statement's columns).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct LatestLevel {
    pub referral_id: Uuid,
    pub area: String,
    pub level: i16,
    pub assessed_on: NaiveDate,
}

/// Records the levels (area, level) assessed on `assessed_on`. Runs in the
/// caller's transaction (a review, a closure).
pub(crate) async fn record(
    mut c: &AsyncPgConnection,
    referral: Uuid,
    occasion: Occasion,
    assessed_on: NaiveDate,
    levels: &[(String, i16)],
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if levels.is_empty() {
        return Ok(());
    }
    let id = Uuid::now_v7();
    let (kind, review) = match occasion {
        Occasion::Review(r) => ("review", Some(r)),
        Occasion::Closure(r) => ("closure", r),
    };
    diesel::insert_into(indes_reassessments::table)
        .values((
            indes_reassessments::id.eq(id),
            indes_reassessments::referral_id.eq(referral),
            indes_reassessments::occasion.eq(kind),
            indes_reassessments::review_id.eq(review),
            indes_reassessments::assessed_on.eq(assessed_on),
            indes_reassessments::recorded_by.eq(&actor.subject),
            indes_reassessments::recorded_at.eq(now),
        ))
        .execute(&mut c)
        .await?;
    let rows: Vec<_> = levels
        .iter()
        .map(|(area, level)| {
            (
                indes_reassessment_levels::reassessment_id.eq(id),
                indes_reassessment_levels::area.eq(area.clone()),
                indes_reassessment_levels::level.eq(*level),
            )
        })
        .collect();
    diesel::insert_into(indes_reassessment_levels::table)
        .values(&rows)
        .execute(&mut c)
        .await?;
    Ok(())
}

/// A corrected review: its reassessment follows its date, and is replaced
/// when levels are given (kept as they were when not).
pub(crate) async fn correct_with_review(
    c: &AsyncPgConnection,
    referral: Uuid,
    review: Uuid,
    reviewed_on: NaiveDate,
    levels: Option<&[(String, i16)]>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut conn = c;
    match levels {
        None => {
            diesel::update(
                indes_reassessments::table.filter(indes_reassessments::review_id.eq(review)),
            )
            .set(indes_reassessments::assessed_on.eq(reviewed_on))
            .execute(&mut conn)
            .await?;
        }
        Some(levels) => {
            diesel::delete(
                indes_reassessments::table.filter(indes_reassessments::review_id.eq(review)),
            )
            .execute(&mut conn)
            .await?;
            record(
                c,
                referral,
                Occasion::Review(review),
                reviewed_on,
                levels,
                actor,
                now,
            )
            .await?;
        }
    }
    Ok(())
}

/// The statement of [`latest_levels`]: the latest assessed level of every
/// area of each referral (by the day assessed, then the time recorded).
/// Built with diesel's DSL, not `sql_query`, so that diesel-async prepares
/// it once per connection instead of at every read.
macro_rules! latest_levels_query {
    ($referrals:expr) => {
        indes_reassessments::table
            .inner_join(indes_reassessment_levels::table)
            .filter(indes_reassessments::referral_id.eq_any($referrals))
            .distinct_on((
                indes_reassessments::referral_id,
                indes_reassessment_levels::area,
            ))
            .order((
                indes_reassessments::referral_id,
                indes_reassessment_levels::area,
                indes_reassessments::assessed_on.desc(),
                indes_reassessments::recorded_at.desc(),
                indes_reassessments::id.desc(),
            ))
            .select((
                indes_reassessments::referral_id,
                indes_reassessment_levels::area,
                indes_reassessment_levels::level,
                indes_reassessments::assessed_on,
            ))
    };
}

/// The SQL text of [`latest_levels`], `$1` the referrals' ids (public so
/// that `tests/e2e/indexes.rs` explains the very statement).
#[must_use]
pub fn latest_levels_sql() -> String {
    let none: &[Uuid] = &[];
    crate::statement_sql(&latest_levels_query!(none))
}

pub(crate) async fn latest_levels(
    mut c: &AsyncPgConnection,
    referrals: &[Uuid],
) -> QueryResult<Vec<LatestLevel>> {
    latest_levels_query!(referrals).load(&mut c).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `tests/e2e/indexes.rs` explains this text with `$1` replaced by an
    /// array of ids: it must be one statement taking the ids as `$1`.
    #[test]
    fn the_latest_levels_statement_takes_the_ids_as_one_array() {
        let sql = latest_levels_sql();
        assert!(sql.starts_with("SELECT DISTINCT ON ("), "{sql}");
        assert!(sql.contains("= ANY($1)"), "{sql}");
        assert!(!sql.contains("$2"), "{sql}");
        assert!(!sql.contains("binds"), "{sql}");
    }
}
