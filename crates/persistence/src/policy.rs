//! Eligibility policy versions, kept as data: the council changes the band
//! and weights without a release.

use crate::models::PolicyRow;
use crate::schema::eligibility_policies;
use crate::{now, StoreError, StoreResult};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sct_domain::Policy;

fn parse(row: &PolicyRow) -> StoreResult<Policy> {
    serde_json::from_value(row.document.clone())
        .map_err(|e| StoreError::Database(diesel::result::Error::DeserializationError(Box::new(e))))
}

/// The policy in force.
pub async fn active(conn: &mut AsyncPgConnection) -> StoreResult<Policy> {
    let row: PolicyRow = eligibility_policies::table
        .filter(eligibility_policies::active.eq(true))
        .select(PolicyRow::as_select())
        .first(conn)
        .await?;
    parse(&row)
}

/// A policy version, in force or not.
pub async fn get(conn: &mut AsyncPgConnection, version: &str) -> StoreResult<Policy> {
    let row: PolicyRow = eligibility_policies::table
        .find(version)
        .select(PolicyRow::as_select())
        .first(conn)
        .await?;
    parse(&row)
}

/// Every version, newest first.
pub async fn list(conn: &mut AsyncPgConnection) -> StoreResult<Vec<(Policy, bool)>> {
    let rows: Vec<PolicyRow> = eligibility_policies::table
        .order(eligibility_policies::created_at.desc())
        .select(PolicyRow::as_select())
        .load(conn)
        .await?;
    rows.iter()
        .map(|r| parse(r).map(|p| (p, r.active)))
        .collect()
}

/// Stores a new version and puts it in force, in one transaction.
pub async fn publish(conn: &mut AsyncPgConnection, policy: &Policy, by: &str) -> StoreResult<()> {
    use diesel_async::AsyncConnection;
    let document = serde_json::to_value(policy).map_err(|e| {
        StoreError::Database(diesel::result::Error::SerializationError(Box::new(e)))
    })?;
    let row = PolicyRow {
        version: policy.version.clone(),
        document,
        active: true,
        created_at: now(),
        created_by: by.to_owned(),
    };
    conn.transaction(async |c| {
        diesel::update(eligibility_policies::table.filter(eligibility_policies::active.eq(true)))
            .set(eligibility_policies::active.eq(false))
            .execute(c)
            .await?;
        diesel::insert_into(eligibility_policies::table)
            .values(&row)
            .execute(c)
            .await?;
        Ok::<_, StoreError>(())
    })
    .await
}

/// Puts the built-in default policy in force if no policy exists yet.
pub async fn ensure_default(conn: &mut AsyncPgConnection) -> StoreResult<()> {
    let n: i64 = eligibility_policies::table.count().get_result(conn).await?;
    if n == 0 {
        publish(conn, &Policy::default_v1(), "system").await?;
    }
    Ok(())
}
