//! Eligibility policy versions, kept as data: the council changes the band
//! and weights without a release. A version is a draft until it is
//! published; a published one takes effect from its `effective_from` day
//! (`sct_domain::policy_versions` says which is in force).

use crate::models::PolicyRow;
use crate::schema::eligibility_policies;
use crate::versioned::version_matches;
use crate::{now, StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sct_domain::policy_versions::{self, Screened, Standing};
use sct_domain::WireName;
use sct_domain::{
    ComplicatingFactor, ExistingPlan, IndesArea, IndesEntry, Outcome, Policy, SenProvision,
    VersionMatch,
};

fn parse(row: &PolicyRow) -> StoreResult<Policy> {
    serde_json::from_value(row.document.clone())
        .map_err(|e| StoreError::Database(diesel::result::Error::DeserializationError(Box::new(e))))
}

fn document(policy: &Policy) -> StoreResult<serde_json::Value> {
    serde_json::to_value(policy)
        .map_err(|e| StoreError::Database(diesel::result::Error::SerializationError(Box::new(e))))
}

/// A stored version with its standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRecord {
    pub policy: Policy,
    pub effective_from: NaiveDate,
    pub published_at: Option<DateTime<Utc>>,
    pub published_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub revision: i32,
}

impl PolicyRecord {
    fn of(row: &PolicyRow) -> StoreResult<Self> {
        Ok(Self {
            policy: parse(row)?,
            effective_from: row.effective_from,
            published_at: row.published_at,
            published_by: row.published_by.clone(),
            created_at: row.created_at,
            updated_at: row.updated_at,
            revision: row.revision,
        })
    }

    /// What decides its standing.
    pub fn standing(&self) -> Standing<'_> {
        Standing {
            version: &self.policy.version,
            effective_from: self.effective_from,
            published_at: self.published_at,
        }
    }
}

/// The day of `t` (UTC): policies take effect by UTC days.
pub fn day_of(t: DateTime<Utc>) -> NaiveDate {
    t.date_naive()
}

/// The policy in force now.
pub async fn active(conn: &mut AsyncPgConnection) -> StoreResult<Policy> {
    Ok(in_force(conn, now()).await?.0)
}

/// The policy in force at `at`, and the first day after it on which another
/// published version takes over (if one is scheduled).
pub async fn in_force(
    conn: &mut AsyncPgConnection,
    at: DateTime<Utc>,
) -> StoreResult<(Policy, Option<NaiveDate>)> {
    let all = list(conn).await?;
    let today = day_of(at);
    let standings: Vec<Standing<'_>> = all.iter().map(PolicyRecord::standing).collect();
    let version = policy_versions::in_force(&standings, today).ok_or(StoreError::NotFound)?;
    let next = policy_versions::next_change(&standings, today);
    let policy = all
        .iter()
        .find(|r| r.policy.version == version)
        .map(|r| r.policy.clone())
        .ok_or(StoreError::NotFound)?;
    Ok((policy, next))
}

/// A policy version, in force or not.
pub async fn get(conn: &mut AsyncPgConnection, version: &str) -> StoreResult<Policy> {
    Ok(record(conn, version).await?.policy)
}

/// A policy version with its standing.
pub async fn record(conn: &mut AsyncPgConnection, version: &str) -> StoreResult<PolicyRecord> {
    let row: PolicyRow = eligibility_policies::table
        .find(version)
        .select(PolicyRow::as_select())
        .first(conn)
        .await?;
    PolicyRecord::of(&row)
}

/// Every version, newest first (a handful: no paging).
pub async fn list(conn: &mut AsyncPgConnection) -> StoreResult<Vec<PolicyRecord>> {
    let rows: Vec<PolicyRow> = eligibility_policies::table
        .order((
            eligibility_policies::created_at.desc(),
            eligibility_policies::version.desc(),
        ))
        .select(PolicyRow::as_select())
        .load(conn)
        .await?;
    rows.iter().map(PolicyRecord::of).collect()
}

/// Stores a draft version (a unique violation when the label is taken).
pub async fn create_draft(
    conn: &mut AsyncPgConnection,
    policy: &Policy,
    effective_from: NaiveDate,
    by: &str,
) -> StoreResult<PolicyRecord> {
    let t = now();
    let row = PolicyRow {
        version: policy.version.clone(),
        document: document(policy)?,
        created_at: t,
        created_by: by.to_owned(),
        effective_from,
        published_at: None,
        published_by: None,
        updated_at: t,
        revision: 1,
    };
    let row = diesel::insert_into(eligibility_policies::table)
        .values(&row)
        .returning(PolicyRow::as_returning())
        .get_result(conn)
        .await?;
    PolicyRecord::of(&row)
}

/// Replaces a draft if it is still a draft at the expected revision
/// (`None` otherwise).
pub async fn update_draft(
    conn: &mut AsyncPgConnection,
    policy: &Policy,
    effective_from: NaiveDate,
    expected: VersionMatch,
) -> StoreResult<Option<PolicyRecord>> {
    let row = diesel::update(
        eligibility_policies::table
            .find(&policy.version)
            .filter(eligibility_policies::published_at.is_null())
            .filter(version_matches!(eligibility_policies::revision, expected)),
    )
    .set((
        eligibility_policies::document.eq(document(policy)?),
        eligibility_policies::effective_from.eq(effective_from),
        eligibility_policies::updated_at.eq(now()),
        eligibility_policies::revision.eq(eligibility_policies::revision + 1),
    ))
    .returning(PolicyRow::as_returning())
    .get_result(conn)
    .await
    .optional()?;
    row.as_ref().map(PolicyRecord::of).transpose()
}

/// Publishes a draft at the expected revision (`None` otherwise): it takes
/// effect from its day.
pub async fn publish(
    conn: &mut AsyncPgConnection,
    version: &str,
    expected: VersionMatch,
    by: &str,
) -> StoreResult<Option<PolicyRecord>> {
    let t = now();
    let row = diesel::update(
        eligibility_policies::table
            .find(version)
            .filter(eligibility_policies::published_at.is_null())
            .filter(version_matches!(eligibility_policies::revision, expected)),
    )
    .set((
        eligibility_policies::published_at.eq(t),
        eligibility_policies::published_by.eq(by),
        eligibility_policies::updated_at.eq(t),
        eligibility_policies::revision.eq(eligibility_policies::revision + 1),
    ))
    .returning(PolicyRow::as_returning())
    .get_result(conn)
    .await
    .optional()?;
    row.as_ref().map(PolicyRecord::of).transpose()
}

/// Stores a version published at once, in force from today.
pub async fn insert_published(
    conn: &mut AsyncPgConnection,
    policy: &Policy,
    by: &str,
) -> StoreResult<()> {
    let t = now();
    let row = PolicyRow {
        version: policy.version.clone(),
        document: document(policy)?,
        created_at: t,
        created_by: by.to_owned(),
        effective_from: day_of(t),
        published_at: Some(t),
        published_by: Some(by.to_owned()),
        updated_at: t,
        revision: 1,
    };
    diesel::insert_into(eligibility_policies::table)
        .values(&row)
        .execute(conn)
        .await?;
    Ok(())
}

/// Puts the built-in default policy in force if no policy exists yet.
pub async fn ensure_default(conn: &mut AsyncPgConnection) -> StoreResult<()> {
    let n: i64 = eligibility_policies::table.count().get_result(conn).await?;
    if n == 0 {
        insert_published(conn, &Policy::default_v1(), "system").await?;
    }
    Ok(())
}

/// One referral's screening inputs, as stored.
#[derive(Debug, Clone, QueryableByName)]
struct ScreenedRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    eligibility_outcome: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    sen_provision: String,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Text>)]
    existing_plans: Vec<String>,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Text>)]
    complicating_factors: Vec<String>,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Text>)]
    areas: Vec<String>,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Int2>)]
    levels: Vec<i16>,
}

/// The statement of [`screened_between`]: every referral submitted on the
/// days `$1..=$2` (UTC) with its stored outcome and intake inputs (public
/// so that `tests/e2e/indexes.rs` may explain it). Read by the
/// `referrals_created_idx` index.
pub const SCREENED_SQL: &str = "SELECT r.eligibility_outcome, r.sen_provision, r.existing_plans,
        r.complicating_factors,
        COALESCE(array_agg(l.area ORDER BY l.area) FILTER (WHERE l.area IS NOT NULL), '{}') AS areas,
        COALESCE(array_agg(l.level ORDER BY l.area) FILTER (WHERE l.area IS NOT NULL), '{}') AS levels
 FROM referrals r
 LEFT JOIN referral_indes_levels l ON l.referral_id = r.id
 WHERE r.created_at >= ($1::date)::timestamp AT TIME ZONE 'UTC'
   AND r.created_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
 GROUP BY r.id";

/// The referrals submitted on the days `from..=to`, as they were screened
/// (their intake inputs as they stand, corrections included), in one read.
pub async fn screened_between(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<Screened>> {
    let rows: Vec<ScreenedRow> = diesel::sql_query(SCREENED_SQL)
        .bind::<diesel::sql_types::Date, _>(from)
        .bind::<diesel::sql_types::Date, _>(to)
        .load(conn)
        .await?;
    Ok(rows.iter().filter_map(screened).collect())
}

fn screened(r: &ScreenedRow) -> Option<Screened> {
    let entries = r
        .areas
        .iter()
        .zip(&r.levels)
        .filter_map(|(a, l)| {
            Some(IndesEntry {
                area: IndesArea::parse(a)?,
                level: u8::try_from(*l).ok()?,
            })
        })
        .collect();
    Some(Screened {
        outcome: Outcome::parse(&r.eligibility_outcome)?,
        entries,
        sen_provision: SenProvision::parse(&r.sen_provision).ok(),
        existing_plans: r
            .existing_plans
            .iter()
            .filter_map(|p| ExistingPlan::parse(p))
            .collect(),
        factors: r
            .complicating_factors
            .iter()
            .filter_map(|f| ComplicatingFactor::parse(f))
            .collect(),
    })
}
