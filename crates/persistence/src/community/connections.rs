//! Family Hubs and schools: the connections a hub keeps with the schools of
//! its zone, and the report of schools connected and not yet connected.

use crate::schema::{family_hubs, hub_school_connections, schools};
use crate::versioned::update_versioned;
use crate::StoreResult;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A hub's connection with one school.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = hub_school_connections)]
pub struct ConnectionRow {
    pub id: Uuid,
    pub hub_id: Uuid,
    pub school_urn: String,
    pub introduced_on: NaiveDate,
    pub introduced_by_worker_id: Option<Uuid>,
    pub hub_contact_name: Option<String>,
    pub hub_contact_role: Option<String>,
    pub school_contact_name: Option<String>,
    pub school_contact_role: Option<String>,
    pub joint_activities: Vec<String>,
    pub recorded_by: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a change of a connection writes (everything but its identity).
#[derive(Debug, Clone, PartialEq, AsChangeset)]
#[diesel(table_name = hub_school_connections, treat_none_as_null = true)]
pub struct ConnectionChange {
    pub introduced_on: NaiveDate,
    pub introduced_by_worker_id: Option<Uuid>,
    pub hub_contact_name: Option<String>,
    pub hub_contact_role: Option<String>,
    pub school_contact_name: Option<String>,
    pub school_contact_role: Option<String>,
    pub joint_activities: Vec<String>,
}

/// A hub's connections ordered by id; only those of `schools` when given
/// (a school sees its own).
///
/// # Errors
/// Database failures.
pub async fn list_connections(
    conn: &mut AsyncPgConnection,
    hub: Uuid,
    schools: Option<&[String]>,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<ConnectionRow>> {
    let mut q = hub_school_connections::table
        .filter(hub_school_connections::hub_id.eq(hub))
        .into_boxed();
    if let Some(urns) = schools {
        q = q.filter(hub_school_connections::school_urn.eq_any(urns.to_vec()));
    }
    if let Some(a) = after {
        q = q.filter(hub_school_connections::id.gt(a));
    }
    Ok(q.order(hub_school_connections::id.asc())
        .limit(limit)
        .select(ConnectionRow::as_select())
        .load(conn)
        .await?)
}

/// The connection of a hub with a school.
///
/// # Errors
/// `NotFound`.
pub async fn get_connection(
    conn: &mut AsyncPgConnection,
    hub: Uuid,
    urn: &str,
) -> StoreResult<ConnectionRow> {
    Ok(hub_school_connections::table
        .filter(hub_school_connections::hub_id.eq(hub))
        .filter(hub_school_connections::school_urn.eq(urn))
        .select(ConnectionRow::as_select())
        .first(conn)
        .await?)
}

/// Records a connection; a second one of the same hub and school is refused
/// by the unique constraint `hub_school_connections_once`.
///
/// # Errors
/// `Constraint` (unique) when the school is connected already.
pub async fn create_connection(
    conn: &mut AsyncPgConnection,
    row: &ConnectionRow,
) -> StoreResult<ConnectionRow> {
    Ok(diesel::insert_into(hub_school_connections::table)
        .values(row)
        .returning(ConnectionRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Changes a connection if its version matches.
///
/// # Errors
/// Database failures; `Ok(None)` when the version moved.
pub async fn update_connection(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    change: &ConnectionChange,
) -> StoreResult<Option<ConnectionRow>> {
    Ok(update_versioned!(
        conn,
        hub_school_connections,
        id,
        expected_version,
        crate::now(),
        ConnectionRow,
        (change,)
    )?)
}

/// The zones of the given schools (a school caller's hubs are those of its
/// schools' zones).
///
/// # Errors
/// Database failures.
pub async fn zones_of_schools(
    conn: &mut AsyncPgConnection,
    urns: &[String],
) -> StoreResult<Vec<Uuid>> {
    let zones: Vec<Option<Uuid>> = schools::table
        .filter(schools::urn.eq_any(urns.to_vec()))
        .select(schools::zone_id)
        .distinct()
        .load(conn)
        .await?;
    Ok(zones.into_iter().flatten().collect())
}

/// Family Hubs of these zones ordered by id.
///
/// # Errors
/// Database failures.
pub async fn list_hubs_of_zones(
    conn: &mut AsyncPgConnection,
    zones: &[Uuid],
    zone: Option<Uuid>,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<super::HubRow>> {
    let mut q = family_hubs::table
        .filter(family_hubs::zone_id.eq_any(zones.to_vec()))
        .into_boxed();
    if let Some(z) = zone {
        q = q.filter(family_hubs::zone_id.eq(z));
    }
    if let Some(a) = after {
        q = q.filter(family_hubs::id.gt(a));
    }
    Ok(q.order(family_hubs::id.asc())
        .limit(limit)
        .select(super::HubRow::as_select())
        .load(conn)
        .await?)
}

/// One zone's line of the hub connections report.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct HubConnectionsRow {
    #[diesel(sql_type = SqlUuid)]
    pub zone_id: Uuid,
    #[diesel(sql_type = Text)]
    pub zone_code: String,
    #[diesel(sql_type = Text)]
    pub zone_name: String,
    #[diesel(sql_type = BigInt)]
    pub hubs: i64,
    #[diesel(sql_type = BigInt)]
    pub schools: i64,
    #[diesel(sql_type = BigInt)]
    pub connected: i64,
    #[diesel(sql_type = BigInt)]
    pub not_connected: i64,
    #[diesel(sql_type = BigInt)]
    pub connections: i64,
}

/// Per zone (or one zone): its hubs, its open schools, how many of those
/// are connected with at least one hub, how many are not, and the
/// connections its hubs hold. One statement.
///
/// # Errors
/// Database failures.
pub async fn hub_connections_report(
    conn: &mut AsyncPgConnection,
    zone: Option<Uuid>,
) -> StoreResult<Vec<HubConnectionsRow>> {
    Ok(diesel::sql_query(
        "SELECT z.id AS zone_id, z.code AS zone_code, z.name AS zone_name,
                (SELECT count(*) FROM family_hubs h WHERE h.zone_id = z.id) AS hubs,
                count(s.urn) AS schools,
                count(s.urn) FILTER (WHERE EXISTS (
                    SELECT 1 FROM hub_school_connections c WHERE c.school_urn = s.urn)) AS connected,
                count(s.urn) FILTER (WHERE NOT EXISTS (
                    SELECT 1 FROM hub_school_connections c WHERE c.school_urn = s.urn)) AS not_connected,
                (SELECT count(*) FROM hub_school_connections c
                   JOIN family_hubs h ON h.id = c.hub_id
                  WHERE h.zone_id = z.id) AS connections
           FROM zones z
           LEFT JOIN schools s ON s.zone_id = z.id AND s.status = 'open'
          WHERE ($1::uuid IS NULL OR z.id = $1)
          GROUP BY z.id, z.code, z.name
          ORDER BY z.code",
    )
    .bind::<Nullable<SqlUuid>, _>(zone)
    .load(conn)
    .await?)
}
