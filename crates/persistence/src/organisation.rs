//! Zones, teams, workers and schools: the configuration the council keeps so
//! that every referral finds its team.

use crate::models::{SchoolRow, TeamRow, WorkerRow, ZoneRow};
use crate::schema::{referrals, schools, teams, workers, zones};
use crate::versioned::{update_versioned, version_matches};
use crate::{now, StoreError, StoreResult, Wire};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sct_domain::{Status, WorkerId, WorkerLoad};
use strum::IntoEnumIterator;
use uuid::Uuid;

/// Zones ordered by code, after the cursor's code.
pub async fn list_zones(
    conn: &mut AsyncPgConnection,
    after_code: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<ZoneRow>> {
    let mut q = zones::table.into_boxed();
    if let Some(code) = after_code {
        q = q.filter(zones::code.gt(code.to_owned()));
    }
    Ok(q.order(zones::code.asc())
        .limit(limit)
        .select(ZoneRow::as_select())
        .load(conn)
        .await?)
}

/// One zone.
pub async fn get_zone(conn: &mut AsyncPgConnection, id: Uuid) -> StoreResult<ZoneRow> {
    Ok(zones::table
        .find(id)
        .select(ZoneRow::as_select())
        .first(conn)
        .await?)
}

/// Creates a zone.
pub async fn create_zone(
    conn: &mut AsyncPgConnection,
    code: &str,
    name: &str,
) -> StoreResult<ZoneRow> {
    let t = now();
    let row = ZoneRow {
        id: Uuid::now_v7(),
        code: code.to_owned(),
        name: name.to_owned(),
        created_at: t,
        updated_at: t,
        version: 1,
    };
    Ok(diesel::insert_into(zones::table)
        .values(&row)
        .returning(ZoneRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Renames a zone if its version still matches.
pub async fn rename_zone(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    name: &str,
) -> StoreResult<Option<ZoneRow>> {
    let updated = update_versioned!(
        conn,
        zones,
        id,
        expected_version,
        now(),
        ZoneRow,
        (zones::name.eq(name),)
    )?;
    Ok(updated)
}

/// Teams ordered by name then id, optionally of one zone.
pub async fn list_teams(
    conn: &mut AsyncPgConnection,
    zone: Option<Uuid>,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<TeamRow>> {
    let mut q = teams::table.into_boxed();
    if let Some(z) = zone {
        q = q.filter(teams::zone_id.eq(z));
    }
    if let Some(a) = after {
        q = q.filter(teams::id.gt(a));
    }
    Ok(q.order(teams::id.asc())
        .limit(limit)
        .select(TeamRow::as_select())
        .load(conn)
        .await?)
}

/// One team.
pub async fn get_team(conn: &mut AsyncPgConnection, id: Uuid) -> StoreResult<TeamRow> {
    Ok(teams::table
        .find(id)
        .select(TeamRow::as_select())
        .first(conn)
        .await?)
}

/// The team of a zone, if it has one.
pub async fn team_of_zone(
    mut conn: &AsyncPgConnection,
    zone: Uuid,
) -> StoreResult<Option<TeamRow>> {
    Ok(teams::table
        .filter(teams::zone_id.eq(zone))
        .select(TeamRow::as_select())
        .first(&mut conn)
        .await
        .optional()?)
}

/// Creates a team for a zone (one team per zone).
pub async fn create_team(
    conn: &mut AsyncPgConnection,
    zone: Uuid,
    name: &str,
    operational_from: NaiveDate,
) -> StoreResult<TeamRow> {
    let t = now();
    let row = TeamRow {
        id: Uuid::now_v7(),
        zone_id: zone,
        name: name.to_owned(),
        operational_from,
        created_at: t,
        updated_at: t,
        version: 1,
    };
    Ok(diesel::insert_into(teams::table)
        .values(&row)
        .returning(TeamRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Changes a team's name and operational-from date if its version matches.
pub async fn update_team(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    name: &str,
    operational_from: NaiveDate,
) -> StoreResult<Option<TeamRow>> {
    Ok(update_versioned!(
        conn,
        teams,
        id,
        expected_version,
        now(),
        TeamRow,
        (
            teams::name.eq(name),
            teams::operational_from.eq(operational_from),
        )
    )?)
}

/// A worker with their current caseload.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerWithLoad {
    pub worker: WorkerRow,
    pub caseload: i64,
}

fn caseload_statuses() -> Vec<Wire<Status>> {
    crate::wire::all(Status::iter().filter(|s| s.counts_on_caseload()))
}

/// Caseloads of the given workers.
async fn caseloads(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> StoreResult<std::collections::HashMap<Uuid, i64>> {
    let counts: Vec<(Option<Uuid>, i64)> = referrals::table
        .filter(referrals::worker_id.eq_any(ids))
        .filter(referrals::status.eq_any(caseload_statuses()))
        .group_by(referrals::worker_id)
        .select((referrals::worker_id, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    Ok(counts
        .into_iter()
        .filter_map(|(w, n)| w.map(|w| (w, n)))
        .collect())
}

/// Workers of a team with their caseloads, ordered by id.
pub async fn list_workers(
    conn: &mut AsyncPgConnection,
    team: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<WorkerWithLoad>> {
    let mut q = workers::table
        .filter(workers::team_id.eq(team))
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(workers::id.gt(a));
    }
    let rows: Vec<WorkerRow> = q
        .order(workers::id.asc())
        .limit(limit)
        .select(WorkerRow::as_select())
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|w| w.id).collect();
    let loads = caseloads(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|w| WorkerWithLoad {
            caseload: loads.get(&w.id).copied().unwrap_or(0),
            worker: w,
        })
        .collect())
}

/// One worker of a team, with caseload.
pub async fn get_worker(
    conn: &mut AsyncPgConnection,
    team: Uuid,
    id: Uuid,
) -> StoreResult<WorkerWithLoad> {
    let w: WorkerRow = workers::table
        .filter(workers::team_id.eq(team))
        .filter(workers::id.eq(id))
        .select(WorkerRow::as_select())
        .first(conn)
        .await?;
    let loads = caseloads(conn, &[w.id]).await?;
    Ok(WorkerWithLoad {
        caseload: loads.get(&w.id).copied().unwrap_or(0),
        worker: w,
    })
}

/// The worker whose tokens carry this subject.
pub async fn worker_by_subject(
    conn: &mut AsyncPgConnection,
    subject: &str,
) -> StoreResult<Option<WorkerRow>> {
    Ok(workers::table
        .filter(workers::subject.eq(subject))
        .select(WorkerRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// What a new worker needs.
#[derive(Debug, Clone)]
pub struct NewWorker<'a> {
    pub team: Uuid,
    pub subject: &'a str,
    pub name: &'a str,
    pub job_role: &'a str,
    pub caseload_cap: i32,
}

/// Adds a worker to a team.
pub async fn create_worker(
    conn: &mut AsyncPgConnection,
    new: &NewWorker<'_>,
) -> StoreResult<WorkerRow> {
    let t = now();
    let row = WorkerRow {
        id: Uuid::now_v7(),
        team_id: new.team,
        subject: new.subject.to_owned(),
        name: new.name.to_owned(),
        job_role: new.job_role.to_owned(),
        caseload_cap: new.caseload_cap,
        active: true,
        created_at: t,
        updated_at: t,
        version: 1,
    };
    Ok(diesel::insert_into(workers::table)
        .values(&row)
        .returning(WorkerRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Changes a worker's name, cap and active flag if the version matches.
pub async fn update_worker(
    conn: &mut AsyncPgConnection,
    team: Uuid,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    name: &str,
    caseload_cap: i32,
    active: bool,
) -> StoreResult<Option<WorkerRow>> {
    Ok(diesel::update(
        workers::table
            .filter(workers::team_id.eq(team))
            .filter(workers::id.eq(id))
            .filter(version_matches!(workers::version, expected_version)),
    )
    .set((
        workers::name.eq(name),
        workers::caseload_cap.eq(caseload_cap),
        workers::active.eq(active),
        workers::updated_at.eq(now()),
        workers::version.eq(workers::version + 1),
    ))
    .returning(WorkerRow::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}

/// Locks the practitioners of a team (so that concurrent allocations queue
/// up behind each other) and returns their loads for the domain's choice.
pub async fn lock_team_loads(
    conn: &mut AsyncPgConnection,
    team: Uuid,
) -> StoreResult<Vec<WorkerLoad>> {
    let rows: Vec<WorkerRow> = workers::table
        .filter(workers::team_id.eq(team))
        .filter(workers::job_role.eq("practitioner"))
        .order(workers::id.asc())
        .for_update()
        .select(WorkerRow::as_select())
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|w| w.id).collect();
    let loads = caseloads(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|w| WorkerLoad {
            worker: WorkerId(w.id),
            caseload: u32::try_from(loads.get(&w.id).copied().unwrap_or(0)).unwrap_or(u32::MAX),
            cap: u32::try_from(w.caseload_cap).unwrap_or(0),
            active: w.active,
        })
        .collect())
}

/// Schools ordered by URN, optionally of one zone and only among `urns`.
pub async fn list_schools(
    conn: &mut AsyncPgConnection,
    zone: Option<Uuid>,
    urns: Option<&[String]>,
    after_urn: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<SchoolRow>> {
    let mut q = schools::table.into_boxed();
    if let Some(urns) = urns {
        q = q.filter(schools::urn.eq_any(urns.to_vec()));
    }
    if let Some(z) = zone {
        q = q.filter(schools::zone_id.eq(z));
    }
    if let Some(a) = after_urn {
        q = q.filter(schools::urn.gt(a.to_owned()));
    }
    Ok(q.order(schools::urn.asc())
        .limit(limit)
        .select(SchoolRow::as_select())
        .load(conn)
        .await?)
}

/// One school by URN.
pub async fn get_school(conn: &mut AsyncPgConnection, urn: &str) -> StoreResult<SchoolRow> {
    Ok(schools::table
        .find(urn)
        .select(SchoolRow::as_select())
        .first(conn)
        .await?)
}

/// Registers a school.
pub async fn create_school(
    conn: &mut AsyncPgConnection,
    row: &SchoolRow,
) -> StoreResult<SchoolRow> {
    Ok(diesel::insert_into(schools::table)
        .values(row)
        .returning(SchoolRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Moves a school to another zone (or none) if its version matches.
pub async fn set_school_zone(
    conn: &mut AsyncPgConnection,
    urn: &str,
    expected_version: sct_domain::VersionMatch,
    zone: Option<Uuid>,
) -> StoreResult<Option<SchoolRow>> {
    Ok(update_versioned!(
        conn,
        schools,
        urn,
        expected_version,
        now(),
        SchoolRow,
        (schools::zone_id.eq(zone),)
    )?)
}

/// Whether any zone exists (used to seed only an empty database).
pub async fn has_zones(conn: &mut AsyncPgConnection) -> StoreResult<bool> {
    let n: i64 = zones::table.count().get_result(conn).await?;
    Ok(n > 0)
}

/// Maps "row missing" to `NotFound`, for updates guarded by version.
pub fn found<T>(row: Option<T>) -> StoreResult<T> {
    row.ok_or(StoreError::NotFound)
}
