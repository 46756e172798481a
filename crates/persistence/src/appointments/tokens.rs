//! A worker's calendar tokens: the token itself is shown once when created;
//! only its SHA-256 is stored, and a revoked token opens nothing.

use crate::schema::calendar_tokens;
use crate::{StoreError, StoreResult};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A stored calendar token (its hash, never the token).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = calendar_tokens)]
pub struct TokenRow {
    pub id: Uuid,
    pub worker_id: Uuid,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub version: i32,
}

/// Stores a new token's hash for a worker.
///
/// # Errors
/// A storage failure.
pub async fn create(
    c: &mut AsyncPgConnection,
    worker: Uuid,
    token_hash: String,
    now: DateTime<Utc>,
) -> StoreResult<TokenRow> {
    let row = TokenRow {
        id: Uuid::now_v7(),
        worker_id: worker,
        token_hash,
        created_at: now,
        revoked_at: None,
        version: 1,
    };
    diesel::insert_into(calendar_tokens::table)
        .values(&row)
        .execute(c)
        .await?;
    Ok(row)
}

/// A worker's tokens, newest first (revoked ones included).
///
/// # Errors
/// A storage failure.
pub async fn list(c: &mut AsyncPgConnection, worker: Uuid) -> StoreResult<Vec<TokenRow>> {
    Ok(calendar_tokens::table
        .filter(calendar_tokens::worker_id.eq(worker))
        .order((
            calendar_tokens::created_at.desc(),
            calendar_tokens::id.desc(),
        ))
        .limit(100)
        .select(TokenRow::as_select())
        .load(c)
        .await?)
}

/// Why a revocation was refused.
#[derive(Debug)]
pub enum RevokeError {
    NotFound,
    VersionMismatch { current: i32 },
    Store(StoreError),
}

impl From<diesel::result::Error> for RevokeError {
    fn from(e: diesel::result::Error) -> Self {
        match StoreError::from(e) {
            StoreError::NotFound => Self::NotFound,
            other => Self::Store(other),
        }
    }
}

/// Revokes one of the worker's live tokens (`NotFound` for another's, or
/// one already revoked).
///
/// # Errors
/// `NotFound`, a stale version, a storage failure.
pub async fn revoke(
    c: &mut AsyncPgConnection,
    worker: Uuid,
    id: Uuid,
    expected: sct_domain::VersionMatch,
    now: DateTime<Utc>,
) -> Result<TokenRow, RevokeError> {
    let mut row: TokenRow = calendar_tokens::table
        .find(id)
        .filter(calendar_tokens::worker_id.eq(worker))
        .filter(calendar_tokens::revoked_at.is_null())
        .for_update()
        .select(TokenRow::as_select())
        .first(c)
        .await?;
    if !expected.matches(row.version) {
        return Err(RevokeError::VersionMismatch {
            current: row.version,
        });
    }
    row.revoked_at = Some(now);
    row.version += 1;
    diesel::update(calendar_tokens::table.find(id))
        .set((
            calendar_tokens::revoked_at.eq(row.revoked_at),
            calendar_tokens::version.eq(row.version),
        ))
        .execute(c)
        .await?;
    Ok(row)
}

/// The worker of a live token, by its hash.
///
/// # Errors
/// `NotFound` (unknown or revoked), a storage failure.
pub async fn worker_of(c: &mut AsyncPgConnection, token_hash: &str) -> StoreResult<(Uuid, Uuid)> {
    Ok(calendar_tokens::table
        .filter(calendar_tokens::token_hash.eq(token_hash))
        .filter(calendar_tokens::revoked_at.is_null())
        .select((calendar_tokens::id, calendar_tokens::worker_id))
        .first(c)
        .await?)
}
