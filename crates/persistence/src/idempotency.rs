//! Idempotency keys (IETF httpapi draft), inside the write's transaction:
//! the caller takes the key's lock (a transaction-level advisory lock, so a
//! concurrent repeat is told it is still running and a crashed process
//! leaves nothing held), looks for a stored answer (a repeat with the same
//! fingerprint replays it, with another payload is refused), and stores the
//! answer with the write. A write that rolls back leaves no trace of its key,
//! so the retry goes through at once.

use crate::schema::idempotency_keys;
use crate::{now, StoreResult};
use chrono::Duration;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// How long keys are kept (published in the API description).
pub const RETENTION_HOURS: i64 = 24;

/// A stored response.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What a key holds when its lock is taken.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// Unused (or expired): process the request and `store` its answer.
    Fresh,
    /// Same key and fingerprint, finished: replay this.
    Replay(StoredResponse),
    /// Same key, another payload.
    Mismatch,
    /// Same key, a request holding it is still running.
    InProgress,
}

#[derive(Queryable)]
struct KeyRow {
    fingerprint: String,
    response_status: Option<i32>,
    response_headers: Option<serde_json::Value>,
    response_body: Option<Vec<u8>>,
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// Claims a key inside the caller's transaction: takes its lock (held until
/// the transaction ends), then reads what it holds.
///
/// # Errors
/// Storage failures.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    scope: &str,
    key: &str,
    fingerprint: &str,
) -> StoreResult<Claim> {
    let lock: Locked = diesel::sql_query(
        "SELECT pg_try_advisory_xact_lock($1, hashtext($2 || chr(10) || $3)) AS locked",
    )
    .bind::<Integer, _>(LOCK_SPACE)
    .bind::<Text, _>(scope)
    .bind::<Text, _>(key)
    .get_result(conn)
    .await?;
    if !lock.locked {
        return Ok(Claim::InProgress);
    }
    let row: Option<KeyRow> = idempotency_keys::table
        .find((scope, key))
        .filter(idempotency_keys::state.eq("completed"))
        .filter(idempotency_keys::expires_at.gt(now()))
        .select((
            idempotency_keys::fingerprint,
            idempotency_keys::response_status,
            idempotency_keys::response_headers,
            idempotency_keys::response_body,
        ))
        .first(conn)
        .await
        .optional()?;
    let Some(row) = row else {
        return Ok(Claim::Fresh);
    };
    if row.fingerprint != fingerprint {
        return Ok(Claim::Mismatch);
    }
    let headers = row
        .response_headers
        .and_then(|h| serde_json::from_value::<Vec<(String, String)>>(h).ok())
        .unwrap_or_default();
    Ok(Claim::Replay(StoredResponse {
        status: u16::try_from(row.response_status.unwrap_or(200)).unwrap_or(200),
        headers,
        body: row.response_body.unwrap_or_default(),
    }))
}

/// The advisory lock space of idempotency keys (the first key of the
/// two-key form, so that other advisory locks cannot collide with them).
const LOCK_SPACE: i32 = 0x5c7_1de0;

/// Stores the answer of a claimed key, in the write's transaction (over an
/// expired or unfinished row of an earlier use).
///
/// # Errors
/// Storage failures.
pub async fn store(
    conn: &mut AsyncPgConnection,
    scope: &str,
    key: &str,
    fingerprint: &str,
    response: &StoredResponse,
) -> StoreResult<()> {
    let t = now();
    let headers = serde_json::to_value(&response.headers).unwrap_or(serde_json::Value::Null);
    let values = (
        idempotency_keys::scope.eq(scope),
        idempotency_keys::key.eq(key),
        idempotency_keys::fingerprint.eq(fingerprint),
        idempotency_keys::state.eq("completed"),
        idempotency_keys::response_status.eq(i32::from(response.status)),
        idempotency_keys::response_headers.eq(&headers),
        idempotency_keys::response_body.eq(&response.body),
        idempotency_keys::created_at.eq(t),
        idempotency_keys::expires_at.eq(t + Duration::hours(RETENTION_HOURS)),
    );
    diesel::insert_into(idempotency_keys::table)
        .values(values)
        .on_conflict((idempotency_keys::scope, idempotency_keys::key))
        .do_update()
        .set((
            idempotency_keys::fingerprint.eq(fingerprint),
            idempotency_keys::state.eq("completed"),
            idempotency_keys::response_status.eq(i32::from(response.status)),
            idempotency_keys::response_headers.eq(&headers),
            idempotency_keys::response_body.eq(&response.body),
            idempotency_keys::created_at.eq(t),
            idempotency_keys::expires_at.eq(t + Duration::hours(RETENTION_HOURS)),
        ))
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
