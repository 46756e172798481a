//! Family Hubs.

use super::model::HubRow;
use crate::schema::family_hubs;
use crate::versioned::update_versioned;
use crate::StoreResult;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Family Hubs ordered by id, optionally of one zone.
///
/// # Errors
/// Database failures.
pub async fn list_hubs(
    conn: &mut AsyncPgConnection,
    zone: Option<Uuid>,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<HubRow>> {
    let mut q = family_hubs::table.into_boxed();
    if let Some(z) = zone {
        q = q.filter(family_hubs::zone_id.eq(z));
    }
    if let Some(a) = after {
        q = q.filter(family_hubs::id.gt(a));
    }
    Ok(q.order(family_hubs::id.asc())
        .limit(limit)
        .select(HubRow::as_select())
        .load(conn)
        .await?)
}

/// One hub.
///
/// # Errors
/// `NotFound`.
pub async fn get_hub(conn: &mut AsyncPgConnection, id: Uuid) -> StoreResult<HubRow> {
    Ok(family_hubs::table
        .find(id)
        .select(HubRow::as_select())
        .first(conn)
        .await?)
}

/// Registers a hub.
///
/// # Errors
/// Database failures.
pub async fn create_hub(conn: &mut AsyncPgConnection, row: &HubRow) -> StoreResult<HubRow> {
    Ok(diesel::insert_into(family_hubs::table)
        .values(row)
        .returning(HubRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Changes a hub if its version matches.
///
/// # Errors
/// Database failures; `Ok(None)` when the version moved.
pub async fn update_hub(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    name: &str,
    address: &str,
    postcode: &str,
    zone: Uuid,
) -> StoreResult<Option<HubRow>> {
    Ok(update_versioned!(
        conn,
        family_hubs,
        id,
        expected_version,
        crate::now(),
        HubRow,
        (
            family_hubs::name.eq(name),
            family_hubs::address.eq(address),
            family_hubs::postcode.eq(postcode),
            family_hubs::zone_id.eq(zone),
        )
    )?)
}

// ---------------------------------------------------------------- programmes
