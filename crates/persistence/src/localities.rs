//! Localities: the "local areas" below a zone, each a named cluster of
//! settings within one zone (kept by la_admin), which a practice session
//! may be held for.

use crate::schema::{localities, locality_schools, practice_sessions, schools};
use crate::versioned::version_matches;
use crate::StoreResult;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = localities)]
pub struct LocalityRow {
    pub id: Uuid,
    pub zone_id: Uuid,
    pub name: String,
    pub retired_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A locality with the URNs of its member settings, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalityView {
    pub locality: LocalityRow,
    pub school_urns: Vec<String>,
}

async fn members(c: &mut AsyncPgConnection, ids: &[Uuid]) -> StoreResult<Vec<(Uuid, String)>> {
    Ok(locality_schools::table
        .filter(locality_schools::locality_id.eq_any(ids))
        .order((
            locality_schools::locality_id.asc(),
            locality_schools::school_urn.asc(),
        ))
        .select((locality_schools::locality_id, locality_schools::school_urn))
        .load(c)
        .await?)
}

async fn complete(
    c: &mut AsyncPgConnection,
    rows: Vec<LocalityRow>,
) -> StoreResult<Vec<LocalityView>> {
    let ids: Vec<Uuid> = rows.iter().map(|l| l.id).collect();
    let urns = members(c, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|l| LocalityView {
            school_urns: urns
                .iter()
                .filter(|(id, _)| *id == l.id)
                .map(|(_, u)| u.clone())
                .collect(),
            locality: l,
        })
        .collect())
}

/// Localities ordered by id, of the zones given (`None`: every zone),
/// without the retired ones unless `retired` is set.
///
/// # Errors
/// Database failures.
pub async fn list(
    c: &mut AsyncPgConnection,
    zones: Option<&[Uuid]>,
    retired: bool,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<LocalityView>> {
    let mut q = localities::table.into_boxed();
    if let Some(z) = zones {
        q = q.filter(localities::zone_id.eq_any(z.to_vec()));
    }
    if !retired {
        q = q.filter(localities::retired_at.is_null());
    }
    if let Some(a) = after {
        q = q.filter(localities::id.gt(a));
    }
    let rows: Vec<LocalityRow> = q
        .order(localities::id.asc())
        .limit(limit)
        .select(LocalityRow::as_select())
        .load(c)
        .await?;
    complete(c, rows).await
}

/// One locality with its settings.
///
/// # Errors
/// `NotFound`.
pub async fn get(c: &mut AsyncPgConnection, id: Uuid) -> StoreResult<LocalityView> {
    let row: LocalityRow = localities::table
        .find(id)
        .select(LocalityRow::as_select())
        .first(c)
        .await?;
    let mut views = complete(c, vec![row]).await?;
    views.pop().ok_or(crate::StoreError::NotFound)
}

/// The zone of each of these settings that is registered (`None`: a
/// setting without a zone).
///
/// # Errors
/// Database failures.
pub async fn zones_of_settings(
    c: &mut AsyncPgConnection,
    urns: &[String],
) -> StoreResult<Vec<(String, Option<Uuid>)>> {
    Ok(schools::table
        .filter(schools::urn.eq_any(urns.to_vec()))
        .select((schools::urn, schools::zone_id))
        .load(c)
        .await?)
}

/// Whether any practice session is held for the locality.
///
/// # Errors
/// Database failures.
pub async fn in_use(c: &mut AsyncPgConnection, id: Uuid) -> StoreResult<bool> {
    let n: i64 = practice_sessions::table
        .filter(practice_sessions::locality_id.eq(id))
        .count()
        .get_result(c)
        .await?;
    Ok(n > 0)
}

async fn set_members(c: &mut AsyncPgConnection, id: Uuid, urns: &[String]) -> StoreResult<()> {
    diesel::delete(locality_schools::table.filter(locality_schools::locality_id.eq(id)))
        .execute(c)
        .await?;
    let rows: Vec<_> = urns
        .iter()
        .map(|u| {
            (
                locality_schools::locality_id.eq(id),
                locality_schools::school_urn.eq(u.clone()),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(locality_schools::table)
            .values(&rows)
            .on_conflict_do_nothing()
            .execute(c)
            .await?;
    }
    Ok(())
}

/// Adds a locality with its settings.
///
/// # Errors
/// Database failures.
pub async fn create(
    conn: &mut AsyncPgConnection,
    row: LocalityRow,
    urns: Vec<String>,
) -> StoreResult<LocalityView> {
    conn.transaction(async |c| {
        diesel::insert_into(localities::table)
            .values(&row)
            .execute(c)
            .await?;
        set_members(c, row.id, &urns).await?;
        get(c, row.id).await
    })
    .await
}

/// A locality's new name, zone, settings and retirement.
#[derive(Debug, Clone)]
pub struct LocalityChange {
    pub name: String,
    pub zone_id: Uuid,
    pub school_urns: Vec<String>,
    pub retired: bool,
}

/// Replaces a locality's name, zone and settings and retires it (or brings
/// it back) if its version matches (`None`: the version moved on). A
/// locality retired before keeps its retirement instant.
///
/// # Errors
/// Database failures.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    change: LocalityChange,
    now: DateTime<Utc>,
) -> StoreResult<Option<LocalityView>> {
    conn.transaction(async |c| {
        let before = get(c, id).await?;
        let retired_at = if change.retired {
            before.locality.retired_at.or(Some(now))
        } else {
            None
        };
        let n = diesel::update(
            localities::table
                .find(id)
                .filter(version_matches!(localities::version, expected_version)),
        )
        .set((
            localities::name.eq(&change.name),
            localities::zone_id.eq(change.zone_id),
            localities::retired_at.eq(retired_at),
            localities::updated_at.eq(now),
            localities::version.eq(localities::version + 1),
        ))
        .execute(c)
        .await?;
        if n == 0 {
            return Ok(None);
        }
        set_members(c, id, &change.school_urns).await?;
        Ok(Some(get(c, id).await?))
    })
    .await
}
