//! Idempotency keys (IETF httpapi draft): the first request with a key is
//! processed and its response stored; a repeat with the same fingerprint
//! replays it, a repeat with another payload is refused, and a repeat while
//! the first is still running is a conflict.

use crate::schema::idempotency_keys;
use crate::{now, StoreResult};
use chrono::Duration;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// How long keys are kept (published in the API description).
pub const RETENTION_HOURS: i64 = 24;

/// A request still marked in progress after this long is taken to have died
/// with its process, and the key may be used again.
pub const ABANDONED_AFTER_SECONDS: i64 = 60;

/// A stored response.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What happened when a key was claimed.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// First use: process the request, then `complete` or `release`.
    Fresh,
    /// Same key and fingerprint, finished: replay this.
    Replay(StoredResponse),
    /// Same key, another payload.
    Mismatch,
    /// Same key, first request still running.
    InProgress,
}

#[derive(Queryable)]
struct KeyRow {
    fingerprint: String,
    state: String,
    response_status: Option<i32>,
    response_headers: Option<serde_json::Value>,
    response_body: Option<Vec<u8>>,
    created_at: chrono::DateTime<chrono::Utc>,
}

/// Claims a key for a request fingerprint (committed at once, outside any
/// transaction of the request itself, so that concurrent repeats see it).
pub async fn claim(
    conn: &mut AsyncPgConnection,
    scope: &str,
    key: &str,
    fingerprint: &str,
) -> StoreResult<Claim> {
    let t = now();
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::scope.eq(scope),
            idempotency_keys::key.eq(key),
            idempotency_keys::fingerprint.eq(fingerprint),
            idempotency_keys::state.eq("in_progress"),
            idempotency_keys::created_at.eq(t),
            idempotency_keys::expires_at.eq(t + Duration::hours(RETENTION_HOURS)),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    let row: Option<KeyRow> = idempotency_keys::table
        .find((scope, key))
        .select((
            idempotency_keys::fingerprint,
            idempotency_keys::state,
            idempotency_keys::response_status,
            idempotency_keys::response_headers,
            idempotency_keys::response_body,
            idempotency_keys::created_at,
        ))
        .first(conn)
        .await
        .optional()?;
    let Some(row) = row else {
        // Purged between the two statements: try once more.
        return Box::pin(claim(conn, scope, key, fingerprint)).await;
    };
    if row.fingerprint != fingerprint {
        return Ok(Claim::Mismatch);
    }
    if row.state == "completed" {
        let headers = row
            .response_headers
            .and_then(|h| serde_json::from_value::<Vec<(String, String)>>(h).ok())
            .unwrap_or_default();
        return Ok(Claim::Replay(StoredResponse {
            status: u16::try_from(row.response_status.unwrap_or(200)).unwrap_or(200),
            headers,
            body: row.response_body.unwrap_or_default(),
        }));
    }
    if row.created_at < t - Duration::seconds(ABANDONED_AFTER_SECONDS) {
        // Take over an abandoned claim, but only if nobody else did first.
        let taken = diesel::update(
            idempotency_keys::table
                .find((scope, key))
                .filter(idempotency_keys::state.eq("in_progress"))
                .filter(idempotency_keys::created_at.eq(row.created_at)),
        )
        .set(idempotency_keys::created_at.eq(t))
        .execute(conn)
        .await?;
        if taken == 1 {
            return Ok(Claim::Fresh);
        }
    }
    Ok(Claim::InProgress)
}

/// Stores the response of a claimed key.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    scope: &str,
    key: &str,
    response: &StoredResponse,
) -> StoreResult<()> {
    let headers = serde_json::to_value(&response.headers).unwrap_or(serde_json::Value::Null);
    diesel::update(idempotency_keys::table.find((scope, key)))
        .set((
            idempotency_keys::state.eq("completed"),
            idempotency_keys::response_status.eq(i32::from(response.status)),
            idempotency_keys::response_headers.eq(headers),
            idempotency_keys::response_body.eq(&response.body),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Releases a claimed key whose request failed, so that a corrected retry
/// with the same key can go through.
pub async fn release(conn: &mut AsyncPgConnection, scope: &str, key: &str) -> StoreResult<()> {
    diesel::delete(
        idempotency_keys::table
            .find((scope, key))
            .filter(idempotency_keys::state.eq("in_progress")),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes expired keys; returns how many.
pub async fn purge_expired(conn: &mut AsyncPgConnection) -> StoreResult<usize> {
    Ok(
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::expires_at.lt(now())))
            .execute(conn)
            .await?,
    )
}
