//! Writes of the settings import (settings beyond GIAS: early-years
//! settings, childminders, other providers): upsert one setting by its
//! identifier reporting whether it changed, never touching a GIAS school.
//! The import runs them in one transaction.

use crate::schema::schools;
use crate::schools_import::Upserted;
use crate::{now, StoreResult};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A setting as a settings file describes it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = schools)]
pub struct ImportedSetting {
    pub urn: String,
    pub id_scheme: String,
    pub kind: String,
    pub name: String,
    pub phase: Option<String>,
    pub status: String,
    pub postcode: Option<String>,
}

/// Inserts or updates the setting with `s.urn`. `zone` is `Some` to set the
/// setting's zone, `None` to keep the zone it has. `Ok(None)` when the
/// identifier is a GIAS school's (`id_scheme` `urn`): that row is left alone.
///
/// # Errors
/// `Constraint` when a value breaks a check; `Unavailable` or `Database`.
pub async fn upsert_setting(
    conn: &mut AsyncPgConnection,
    s: &ImportedSetting,
    zone: Option<Uuid>,
) -> StoreResult<Option<Upserted>> {
    let current: Option<(ImportedSetting, Option<Uuid>)> = schools::table
        .find(&s.urn)
        .select((ImportedSetting::as_select(), schools::zone_id))
        .first(conn)
        .await
        .optional()?;
    let now = now();
    let Some((setting, zone_id)) = current else {
        diesel::insert_into(schools::table)
            .values((
                schools::urn.eq(&s.urn),
                schools::id_scheme.eq(&s.id_scheme),
                schools::kind.eq(&s.kind),
                schools::name.eq(&s.name),
                schools::phase.eq(&s.phase),
                schools::status.eq(&s.status),
                schools::postcode.eq(&s.postcode),
                schools::zone_id.eq(zone),
                schools::created_at.eq(now),
                schools::updated_at.eq(now),
            ))
            .execute(conn)
            .await?;
        return Ok(Some(Upserted::Inserted));
    };
    if setting.id_scheme == "urn" {
        return Ok(None);
    }
    let zone = zone.or(zone_id);
    if setting == *s && zone_id == zone {
        return Ok(Some(Upserted::Unchanged));
    }
    diesel::update(schools::table.find(&s.urn))
        .set((
            schools::id_scheme.eq(&s.id_scheme),
            schools::kind.eq(&s.kind),
            schools::name.eq(&s.name),
            schools::phase.eq(&s.phase),
            schools::status.eq(&s.status),
            schools::postcode.eq(&s.postcode),
            schools::zone_id.eq(zone),
            schools::updated_at.eq(now),
            schools::version.eq(schools::version + 1),
        ))
        .execute(conn)
        .await?;
    Ok(Some(Upserted::Updated))
}

/// Upserts every row in one transaction; returns each row's outcome
/// (`None`: a GIAS school's identifier, left alone).
///
/// # Errors
/// As `upsert_setting`; nothing is written then.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    rows: &[(ImportedSetting, Option<Uuid>)],
) -> StoreResult<Vec<Option<Upserted>>> {
    use diesel_async::AsyncConnection;
    conn.transaction(async |c| {
        let mut outcomes = Vec::with_capacity(rows.len());
        for (setting, zone) in rows {
            outcomes.push(upsert_setting(c, setting, *zone).await?);
        }
        Ok::<_, crate::StoreError>(outcomes)
    })
    .await
}
