//! Schools' feedback on a closed referral, a consultation or a held termly
//! conversation: who was involved, storing one answer per school per item,
//! and reading them in the caller's reach.

use crate::schema::school_feedback;
use crate::termly::Reach;
use crate::{StoreResult, Wire};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sct_domain::feedback::FeedbackAbout;
use sct_domain::WireName;
use uuid::Uuid;

/// One school's answer about one item.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = school_feedback)]
pub struct FeedbackRow {
    pub id: Uuid,
    pub school_urn: String,
    pub zone_id: Uuid,
    pub about: Wire<FeedbackAbout>,
    pub item_id: Uuid,
    pub rating: i16,
    pub confidence: i16,
    pub comment: Option<String>,
    pub given_by: String,
    pub created_at: DateTime<Utc>,
}

/// The school, zone and state of an item feedback may be about.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Item {
    #[diesel(sql_type = Text)]
    pub school_urn: String,
    #[diesel(sql_type = SqlUuid)]
    pub zone_id: Uuid,
    /// Closed (a referral), recorded (a consultation), held (a conversation).
    #[diesel(sql_type = Bool)]
    pub finished: bool,
}

/// The item, if it exists (a referral without a zone yet is not finished).
///
/// # Errors
/// Database failures.
pub async fn item(
    conn: &mut AsyncPgConnection,
    about: FeedbackAbout,
    id: Uuid,
) -> StoreResult<Option<Item>> {
    Ok(diesel::sql_query(
        "SELECT school_urn, zone_id, status = 'closed' AS finished
           FROM referrals WHERE $1 = 'referral' AND id = $2 AND zone_id IS NOT NULL
         UNION ALL
         SELECT school_urn, zone_id, true FROM consultations
          WHERE $1 = 'consultation' AND id = $2 AND school_urn IS NOT NULL
         UNION ALL
         SELECT school_urn, zone_id, status = 'held' FROM termly_conversations
          WHERE $1 = 'termly_conversation' AND id = $2",
    )
    .bind::<Text, _>(about.as_str())
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .await
    .optional()?)
}

/// Stores an answer; a second one of the school about the item is refused
/// by the unique constraint `school_feedback_once`.
///
/// # Errors
/// `Constraint` (unique) when the school has answered already.
pub async fn create(conn: &mut AsyncPgConnection, row: &FeedbackRow) -> StoreResult<FeedbackRow> {
    Ok(diesel::insert_into(school_feedback::table)
        .values(row)
        .returning(FeedbackRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Whether the school has answered about the item.
///
/// # Errors
/// Database failures.
pub async fn exists(
    conn: &mut AsyncPgConnection,
    urn: &str,
    about: FeedbackAbout,
    item: Uuid,
) -> StoreResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        school_feedback::table
            .filter(school_feedback::school_urn.eq(urn))
            .filter(school_feedback::about.eq(Wire(about)))
            .filter(school_feedback::item_id.eq(item)),
    ))
    .get_result(conn)
    .await?)
}

/// Filters of the feedback list.
#[derive(Debug, Clone, Default)]
pub struct FeedbackFilter {
    pub school_urn: Option<String>,
    pub about: Option<FeedbackAbout>,
}

fn in_reach(reach: &Reach) -> school_feedback::BoxedQuery<'static, diesel::pg::Pg> {
    let q = school_feedback::table.into_boxed();
    match reach {
        Reach::All => q,
        Reach::Zone(z) => q.filter(school_feedback::zone_id.eq(*z)),
        Reach::Schools(urns) => q.filter(school_feedback::school_urn.eq_any(urns.clone())),
        Reach::Nothing => q.filter(school_feedback::id.eq(Uuid::nil())),
    }
}

/// Answers in reach, newest first (ids are time-ordered).
///
/// # Errors
/// Database failures.
pub async fn list(
    conn: &mut AsyncPgConnection,
    reach: &Reach,
    f: &FeedbackFilter,
    before: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<FeedbackRow>> {
    let mut q = in_reach(reach);
    if let Some(urn) = &f.school_urn {
        q = q.filter(school_feedback::school_urn.eq(urn.clone()));
    }
    if let Some(a) = f.about {
        q = q.filter(school_feedback::about.eq(Wire(a)));
    }
    if let Some(b) = before {
        q = q.filter(school_feedback::id.lt(b));
    }
    Ok(q.order(school_feedback::id.desc())
        .limit(limit)
        .select(FeedbackRow::as_select())
        .load(conn)
        .await?)
}

/// One answer in reach.
///
/// # Errors
/// `NotFound`.
pub async fn get(
    conn: &mut AsyncPgConnection,
    reach: &Reach,
    id: Uuid,
) -> StoreResult<FeedbackRow> {
    Ok(in_reach(reach)
        .filter(school_feedback::id.eq(id))
        .select(FeedbackRow::as_select())
        .first(conn)
        .await?)
}
