//! Programmes with their enrolment counts, status and waiting-list promotion.

use super::model::{CommunityError, ProgrammeChange, ProgrammeRow, ProgrammeView};
use crate::schema::{family_hubs, programme_enrolments, programme_sessions, programmes};
use crate::{StoreError, StoreResult, Wire};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sct_domain::community::{self as rules, ProgrammeStatus, WaitingEntry};
use sct_domain::WireName;
use std::collections::HashMap;
use uuid::Uuid;

pub(crate) async fn counts(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> StoreResult<HashMap<Uuid, (i64, i64, i64)>> {
    let by_status: Vec<(Uuid, String, i64)> = programme_enrolments::table
        .filter(programme_enrolments::programme_id.eq_any(ids))
        .filter(programme_enrolments::status.eq_any(["enrolled", "waiting"]))
        .group_by((
            programme_enrolments::programme_id,
            programme_enrolments::status,
        ))
        .select((
            programme_enrolments::programme_id,
            programme_enrolments::status,
            diesel::dsl::count_star(),
        ))
        .load(conn)
        .await?;
    let sessions: Vec<(Uuid, i64)> = programme_sessions::table
        .filter(programme_sessions::programme_id.eq_any(ids))
        .group_by(programme_sessions::programme_id)
        .select((programme_sessions::programme_id, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    let mut out: HashMap<Uuid, (i64, i64, i64)> = HashMap::new();
    for (p, s, n) in by_status {
        let e = out.entry(p).or_default();
        if s == "enrolled" {
            e.0 = n;
        } else {
            e.1 = n;
        }
    }
    for (p, n) in sessions {
        out.entry(p).or_default().2 = n;
    }
    Ok(out)
}

pub(crate) async fn views(
    conn: &mut AsyncPgConnection,
    rows: Vec<ProgrammeRow>,
) -> StoreResult<Vec<ProgrammeView>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let c = counts(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (enrolled, waiting, sessions) = c.get(&row.id).copied().unwrap_or_default();
            ProgrammeView {
                row,
                enrolled,
                waiting,
                sessions,
            }
        })
        .collect())
}

pub(crate) async fn view(
    conn: &mut AsyncPgConnection,
    row: ProgrammeRow,
) -> StoreResult<ProgrammeView> {
    views(conn, vec![row])
        .await?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// Filters of the programme list.
#[derive(Debug, Clone, Default)]
pub struct ProgrammeFilter {
    pub zone_id: Option<Uuid>,
    pub hub_id: Option<Uuid>,
    pub status: Option<String>,
    pub programme_type: Option<String>,
    /// Only published programmes (open or running), for the public feed.
    pub published: bool,
    /// Only programmes changed at or after this time.
    pub modified_after: Option<DateTime<Utc>>,
    /// Only programmes whose title or description contains this text
    /// (case-insensitive).
    pub text: Option<String>,
    /// Only programmes at a hub whose postcode has this outward code
    /// (`IP24` of `IP24 1AA`), upper case.
    pub outward_code: Option<String>,
    /// Only programmes that run at a Family Hub.
    pub at_hub: bool,
}

/// `s` as a LIKE pattern matching itself literally.
pub(crate) fn like_literal(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

pub(crate) fn filtered<'a>(f: &ProgrammeFilter) -> programmes::BoxedQuery<'a, diesel::pg::Pg> {
    let mut q = programmes::table.into_boxed();
    if let Some(z) = f.zone_id {
        q = q.filter(programmes::zone_id.eq(z));
    }
    if let Some(h) = f.hub_id {
        q = q.filter(programmes::hub_id.eq(h));
    }
    if let Some(s) = &f.status {
        q = q.filter(programmes::status.eq(s.clone()));
    }
    if let Some(t) = &f.programme_type {
        q = q.filter(programmes::programme_type.eq(t.clone()));
    }
    if f.published {
        q = q.filter(programmes::status.eq_any(["open", "running"]));
    }
    if let Some(m) = f.modified_after {
        q = q.filter(programmes::updated_at.ge(m));
    }
    if let Some(t) = &f.text {
        let pattern = format!("%{}%", like_literal(t));
        q = q.filter(
            programmes::title
                .ilike(pattern.clone())
                .or(programmes::description.ilike(pattern)),
        );
    }
    if f.at_hub {
        q = q.filter(programmes::hub_id.is_not_null());
    }
    if let Some(o) = &f.outward_code {
        q = q.filter(
            programmes::hub_id.eq_any(
                family_hubs::table
                    .filter(family_hubs::postcode.like(format!("{} %", like_literal(o))))
                    .select(family_hubs::id.nullable()),
            ),
        );
    }
    q
}

/// Programmes ordered by id, after the cursor.
///
/// # Errors
/// Database failures.
pub async fn list_programmes(
    conn: &mut AsyncPgConnection,
    f: &ProgrammeFilter,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<ProgrammeView>> {
    let mut q = filtered(f);
    if let Some(a) = after {
        q = q.filter(programmes::id.gt(a));
    }
    let rows = q
        .order(programmes::id.asc())
        .limit(limit)
        .select(ProgrammeRow::as_select())
        .load(conn)
        .await?;
    views(conn, rows).await
}

/// A page by number (the Open Referral UK feed pages by number) and the
/// total count.
///
/// # Errors
/// Database failures.
pub async fn page_programmes(
    conn: &mut AsyncPgConnection,
    f: &ProgrammeFilter,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<ProgrammeView>, i64)> {
    let total: i64 = filtered(f).count().get_result(conn).await?;
    let rows = filtered(f)
        .order(programmes::id.asc())
        .offset(offset)
        .limit(limit)
        .select(ProgrammeRow::as_select())
        .load(conn)
        .await?;
    Ok((views(conn, rows).await?, total))
}

/// One programme with its counts.
///
/// # Errors
/// `NotFound`.
pub async fn get_programme(conn: &mut AsyncPgConnection, id: Uuid) -> StoreResult<ProgrammeView> {
    let row = programmes::table
        .find(id)
        .select(ProgrammeRow::as_select())
        .first(conn)
        .await?;
    view(conn, row).await
}

/// Creates a programme.
///
/// # Errors
/// Database failures.
pub async fn create_programme(
    conn: &mut AsyncPgConnection,
    row: &ProgrammeRow,
) -> StoreResult<ProgrammeView> {
    let row = diesel::insert_into(programmes::table)
        .values(row)
        .returning(ProgrammeRow::as_returning())
        .get_result(conn)
        .await?;
    view(conn, row).await
}

pub(crate) async fn lock_programme(
    c: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<ProgrammeRow, CommunityError> {
    Ok(programmes::table
        .find(id)
        .for_update()
        .select(ProgrammeRow::as_select())
        .first(c)
        .await?)
}

pub(crate) async fn enrolled_count(
    c: &mut AsyncPgConnection,
    programme: Uuid,
) -> Result<u32, CommunityError> {
    let n: i64 = programme_enrolments::table
        .filter(programme_enrolments::programme_id.eq(programme))
        .filter(programme_enrolments::status.eq("enrolled"))
        .count()
        .get_result(c)
        .await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

pub(crate) fn as_u32(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

/// Gives free places to the waiting list in order (the domain decides who).
pub(crate) async fn promote(
    c: &mut AsyncPgConnection,
    programme: &ProgrammeRow,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, CommunityError> {
    let enrolled = enrolled_count(c, programme.id).await?;
    let free = as_u32(programme.capacity).saturating_sub(enrolled);
    if free == 0 {
        return Ok(Vec::new());
    }
    let waiting: Vec<(Option<DateTime<Utc>>, Uuid)> = programme_enrolments::table
        .filter(programme_enrolments::programme_id.eq(programme.id))
        .filter(programme_enrolments::status.eq("waiting"))
        .order((
            programme_enrolments::waiting_since.asc(),
            programme_enrolments::id.asc(),
        ))
        .limit(i64::from(free))
        .select((
            programme_enrolments::waiting_since,
            programme_enrolments::id,
        ))
        .load(c)
        .await?;
    let entries: Vec<WaitingEntry<DateTime<Utc>>> = waiting
        .into_iter()
        .map(|(joined, id)| WaitingEntry {
            joined: joined.unwrap_or(now),
            id,
        })
        .collect();
    let chosen = rules::promotions(as_u32(programme.capacity), enrolled, &entries);
    if !chosen.is_empty() {
        diesel::update(
            programme_enrolments::table.filter(programme_enrolments::id.eq_any(&chosen)),
        )
        .set((
            programme_enrolments::status.eq("enrolled"),
            programme_enrolments::enrolled_at.eq(now),
            programme_enrolments::updated_at.eq(now),
            programme_enrolments::version.eq(programme_enrolments::version + 1),
        ))
        .execute(c)
        .await?;
    }
    // The zone's team hears of each freed place given, in the same
    // transaction: identifiers only (no family data).
    for id in &chosen {
        crate::outbox::emit_for_zone(
            c,
            sct_domain::EventType::EnrolmentPromoted,
            programme.zone_id,
            *id,
            serde_json::json!({
                "enrolment_id": id,
                "programme_id": programme.id,
                "zone_id": programme.zone_id,
                "status": "enrolled",
                "enrolled_at": now,
            }),
            now,
        )
        .await?;
    }
    Ok(chosen)
}

/// Changes a programme if its version matches; a larger capacity promotes
/// families from the waiting list in the same transaction.
///
/// # Errors
/// `Stale`, `Rule(CapacityBelowEnrolled)`, `Store(NotFound)`.
pub async fn update_programme(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    change: &ProgrammeChange,
    now: DateTime<Utc>,
) -> Result<ProgrammeView, CommunityError> {
    let row = conn
        .transaction(async |c| {
            let current = lock_programme(c, id).await?;
            if !expected_version.matches(current.version) {
                return Err(CommunityError::Stale);
            }
            let enrolled = enrolled_count(c, id).await?;
            rules::check_capacity(as_u32(change.capacity), enrolled)?;
            let row: ProgrammeRow = diesel::update(programmes::table.find(id))
                .set((
                    change,
                    programmes::updated_at.eq(now),
                    programmes::version.eq(programmes::version + 1),
                ))
                .returning(ProgrammeRow::as_returning())
                .get_result(c)
                .await?;
            if rules::ProgrammeStatus::parse(&row.status)
                .is_some_and(ProgrammeStatus::takes_enrolments)
            {
                promote(c, &row, now).await?;
            }
            Ok::<_, CommunityError>(row)
        })
        .await?;
    Ok(view(conn, row).await?)
}

/// Moves a programme to another status if its version matches.
///
/// # Errors
/// `Stale`, `Rule(InvalidTransition | NoSessions)`, `Store(NotFound)`.
pub async fn set_programme_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    to: ProgrammeStatus,
    now: DateTime<Utc>,
) -> Result<ProgrammeView, CommunityError> {
    let row = conn
        .transaction(async |c| {
            let current = lock_programme(c, id).await?;
            if !expected_version.matches(current.version) {
                return Err(CommunityError::Stale);
            }
            let sessions: i64 = programme_sessions::table
                .filter(programme_sessions::programme_id.eq(id))
                .count()
                .get_result(c)
                .await?;
            let from = ProgrammeStatus::parse(&current.status).unwrap_or(ProgrammeStatus::Draft);
            let to = rules::change_status(from, to, u32::try_from(sessions).unwrap_or(u32::MAX))?;
            let row: ProgrammeRow = diesel::update(programmes::table.find(id))
                .set((
                    programmes::status.eq(Wire(to)),
                    programmes::updated_at.eq(now),
                    programmes::version.eq(programmes::version + 1),
                ))
                .returning(ProgrammeRow::as_returning())
                .get_result(c)
                .await?;
            Ok::<_, CommunityError>(row)
        })
        .await?;
    Ok(view(conn, row).await?)
}

// ---------------------------------------------------------------- sessions
