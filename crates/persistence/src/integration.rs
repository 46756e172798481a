//! Integration clients: the machine credentials of MIS vendors, the schools
//! each may act for, secret rotation with a grace period and revocation.
//! Secrets arrive here already hashed; this module never sees one in clear.

use crate::models::IntegrationClientRow;
use crate::schema::{integration_clients as ic, schools};
use crate::versioned::{update_versioned, version_matches};
use crate::{now, StoreResult};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A client to register.
#[derive(Debug, Clone)]
pub struct NewClient<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub schools: &'a [String],
    pub secret_hash: &'a str,
}

/// What each request made with a client's token checks: one lookup by
/// primary key.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct TokenState {
    pub schools: Vec<String>,
    pub token_version: i32,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Registers a client.
///
/// # Errors
/// `Constraint` when the row breaks a check; `Unavailable` or `Database`.
pub async fn create_client(
    conn: &mut AsyncPgConnection,
    new: &NewClient<'_>,
) -> StoreResult<IntegrationClientRow> {
    let now = now();
    Ok(diesel::insert_into(ic::table)
        .values((
            ic::id.eq(new.id),
            ic::name.eq(new.name),
            ic::schools.eq(new.schools.to_vec()),
            ic::secret_hash.eq(new.secret_hash),
            ic::created_at.eq(now),
            ic::updated_at.eq(now),
        ))
        .returning(IntegrationClientRow::as_returning())
        .get_result(conn)
        .await?)
}

/// One client.
///
/// # Errors
/// `NotFound` when there is no such client.
pub async fn get_client(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> StoreResult<IntegrationClientRow> {
    Ok(ic::table
        .find(id)
        .select(IntegrationClientRow::as_select())
        .first(conn)
        .await?)
}

/// Clients ordered by id (ids are UUIDv7, so by registration), after the
/// cursor's id.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn list_clients(
    conn: &mut AsyncPgConnection,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<IntegrationClientRow>> {
    let mut q = ic::table.into_boxed();
    if let Some(id) = after {
        q = q.filter(ic::id.gt(id));
    }
    Ok(q.order(ic::id.asc())
        .limit(limit)
        .select(IntegrationClientRow::as_select())
        .load(conn)
        .await?)
}

/// Replaces the client's schools if its version is `expected_version`;
/// `None` when the version moved on (or the client is gone).
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn set_client_schools(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    schools: &[String],
) -> StoreResult<Option<IntegrationClientRow>> {
    Ok(update_versioned!(
        conn,
        ic,
        id,
        expected_version,
        now(),
        IntegrationClientRow,
        (ic::schools.eq(schools.to_vec()),)
    )?)
}

/// Makes `new_hash` the client's secret and keeps the current one valid
/// until `previous_until`; with `None` the current one stops at once, and
/// so does every token already issued (a leak: tokens got with the leaked
/// secret cannot be told from others). `None` when the version moved on.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn rotate_client_secret(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    new_hash: &str,
    previous_until: Option<DateTime<Utc>>,
) -> StoreResult<Option<IntegrationClientRow>> {
    let target = ic::table
        .find(id)
        .filter(version_matches!(ic::version, expected_version));
    let common = (
        ic::secret_hash.eq(new_hash),
        ic::updated_at.eq(now()),
        ic::version.eq(ic::version + 1),
    );
    let row = match previous_until {
        Some(until) => {
            diesel::update(target)
                .set((
                    ic::previous_secret_hash.eq(ic::secret_hash.nullable()),
                    ic::previous_secret_expires_at.eq(Some(until)),
                    common,
                ))
                .returning(IntegrationClientRow::as_returning())
                .get_result(conn)
                .await
        }
        None => {
            diesel::update(target)
                .set((
                    ic::previous_secret_hash.eq(None::<String>),
                    ic::previous_secret_expires_at.eq(None::<DateTime<Utc>>),
                    ic::token_version.eq(ic::token_version + 1),
                    common,
                ))
                .returning(IntegrationClientRow::as_returning())
                .get_result(conn)
                .await
        }
    };
    Ok(row.optional()?)
}

/// Ends the grace period of an earlier rotation: the previous secret stops
/// working, and so does every token already issued. `None` when the
/// version moved on.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn expire_previous_secret(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
) -> StoreResult<Option<IntegrationClientRow>> {
    Ok(update_versioned!(
        conn,
        ic,
        id,
        expected_version,
        now(),
        IntegrationClientRow,
        (
            ic::previous_secret_hash.eq(None::<String>),
            ic::previous_secret_expires_at.eq(None::<DateTime<Utc>>),
            ic::token_version.eq(ic::token_version + 1),
        )
    )?)
}

/// Revokes the client: its secrets stop working and the token version moves
/// on, so that every token already issued is refused; `None` when the
/// version moved on.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn revoke_client(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
) -> StoreResult<Option<IntegrationClientRow>> {
    let now = now();
    Ok(update_versioned!(
        conn,
        ic,
        id,
        expected_version,
        now,
        IntegrationClientRow,
        (
            ic::revoked_at.eq(Some(now)),
            ic::token_version.eq(ic::token_version + 1),
        )
    )?)
}

/// The state a client's token is checked against; `None` for no such client.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn token_state(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> StoreResult<Option<TokenState>> {
    Ok(ic::table
        .find(id)
        .select((ic::schools, ic::token_version, ic::revoked_at))
        .first::<TokenState>(conn)
        .await
        .optional()?)
}

/// The URNs of `urns` that name no registered school.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn unknown_schools(
    conn: &mut AsyncPgConnection,
    urns: &[String],
) -> StoreResult<Vec<String>> {
    let known: Vec<String> = schools::table
        .filter(schools::urn.eq_any(urns.to_vec()))
        .select(schools::urn)
        .load(conn)
        .await?;
    Ok(urns
        .iter()
        .filter(|u| !known.contains(u))
        .cloned()
        .collect())
}
