//! Writes of the GIAS import: upsert one school by URN reporting whether it
//! changed, mark the schools of an LA that an extract no longer lists, and
//! look zones up by code. The import runs them in one transaction.

use crate::schema::{schools, zones};
use crate::{now, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use uuid::Uuid;

/// A school as the GIAS extract describes it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = schools)]
pub struct GiasSchool {
    pub urn: String,
    pub name: String,
    pub la_code: Option<String>,
    pub la_name: Option<String>,
    pub establishment_number: Option<String>,
    pub type_name: Option<String>,
    pub phase: Option<String>,
    pub status: String,
    pub postcode: Option<String>,
    pub district_code: Option<String>,
    pub district_name: Option<String>,
    pub pupil_count: Option<i32>,
    pub open_date: Option<NaiveDate>,
    pub close_date: Option<NaiveDate>,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Inserted,
    Updated,
    Unchanged,
}

/// Inserts or updates the school with `s.urn`. `zone` is `Some` when a zone
/// map names the school's zone, `None` to keep the zone it has. A school
/// that was marked missing is listed again.
///
/// # Errors
/// `Constraint` when a value breaks a check; `Unavailable` or `Database`.
pub async fn upsert_school(
    conn: &mut AsyncPgConnection,
    s: &GiasSchool,
    zone: Option<Uuid>,
) -> StoreResult<Upserted> {
    let current: Option<(GiasSchool, Option<Uuid>, Option<DateTime<Utc>>)> = schools::table
        .find(&s.urn)
        .select((
            GiasSchool::as_select(),
            schools::zone_id,
            schools::missing_from_extract_at,
        ))
        .first(conn)
        .await
        .optional()?;
    let now = now();
    let Some((school, zone_id, missing)) = current else {
        diesel::insert_into(schools::table)
            .values((
                schools::urn.eq(&s.urn),
                schools::name.eq(&s.name),
                schools::la_code.eq(&s.la_code),
                schools::la_name.eq(&s.la_name),
                schools::establishment_number.eq(&s.establishment_number),
                schools::type_name.eq(&s.type_name),
                schools::phase.eq(&s.phase),
                schools::status.eq(&s.status),
                schools::postcode.eq(&s.postcode),
                schools::district_code.eq(&s.district_code),
                schools::district_name.eq(&s.district_name),
                schools::pupil_count.eq(s.pupil_count),
                schools::open_date.eq(s.open_date),
                schools::close_date.eq(s.close_date),
                schools::zone_id.eq(zone),
                schools::created_at.eq(now),
                schools::updated_at.eq(now),
            ))
            .execute(conn)
            .await?;
        return Ok(Upserted::Inserted);
    };
    let zone = zone.or(zone_id);
    if school == *s && zone_id == zone && missing.is_none() {
        return Ok(Upserted::Unchanged);
    }
    diesel::update(schools::table.find(&s.urn))
        .set((
            schools::name.eq(&s.name),
            schools::la_code.eq(&s.la_code),
            schools::la_name.eq(&s.la_name),
            schools::establishment_number.eq(&s.establishment_number),
            schools::type_name.eq(&s.type_name),
            schools::phase.eq(&s.phase),
            schools::status.eq(&s.status),
            schools::postcode.eq(&s.postcode),
            schools::district_code.eq(&s.district_code),
            schools::district_name.eq(&s.district_name),
            schools::pupil_count.eq(s.pupil_count),
            schools::open_date.eq(s.open_date),
            schools::close_date.eq(s.close_date),
            schools::zone_id.eq(zone),
            schools::missing_from_extract_at.eq(None::<DateTime<Utc>>),
            schools::updated_at.eq(now),
            schools::version.eq(schools::version + 1),
        ))
        .execute(conn)
        .await?;
    Ok(Upserted::Updated)
}

/// Marks the schools of `la_codes` that are not in `listed` and not yet
/// marked; returns how many were marked.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn mark_missing(
    conn: &mut AsyncPgConnection,
    la_codes: &[String],
    listed: &[String],
) -> StoreResult<usize> {
    let now = now();
    Ok(diesel::update(
        schools::table
            .filter(schools::la_code.eq_any(la_codes.to_vec()))
            .filter(schools::urn.ne_all(listed.to_vec()))
            .filter(schools::missing_from_extract_at.is_null()),
    )
    .set((
        schools::missing_from_extract_at.eq(Some(now)),
        schools::updated_at.eq(now),
        schools::version.eq(schools::version + 1),
    ))
    .execute(conn)
    .await?)
}

/// Every zone's id by its code.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn zone_ids_by_code(conn: &mut AsyncPgConnection) -> StoreResult<HashMap<String, Uuid>> {
    let rows: Vec<(String, Uuid)> = zones::table
        .select((zones::code, zones::id))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Upserts every row and marks the missing schools of `la_codes`, in one
/// transaction; returns each row's outcome and how many were marked.
///
/// # Errors
/// As `upsert_school` and `mark_missing`; nothing is written then.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    rows: &[(GiasSchool, Option<Uuid>)],
    la_codes: &[String],
    listed: &[String],
    progress: &(dyn Fn(u64) + Sync),
) -> StoreResult<(Vec<Upserted>, usize)> {
    use diesel_async::AsyncConnection;
    conn.transaction(async |c| {
        let mut outcomes = Vec::with_capacity(rows.len());
        for (school, zone) in rows {
            outcomes.push(upsert_school(c, school, *zone).await?);
            progress(1);
        }
        let marked = mark_missing(c, la_codes, listed).await?;
        Ok::<_, crate::StoreError>((outcomes, marked))
    })
    .await
}
