//! Community and place: Family Hubs, programmes with their sessions,
//! enrolments (places and an ordered waiting list), attendance, and the
//! published programmes the Open Referral UK feed serves.
//!
//! Enrolment changes lock the programme row first (`SELECT ... FOR UPDATE`),
//! so concurrent enrolments and cancellations of one programme queue up and
//! never hand out more places than its capacity.

use crate::schema::{
    family_hubs, programme_attendance, programme_enrolments, programme_sessions, programmes,
};
use crate::{StoreError, StoreResult, Wire};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sct_domain::community::{
    self as rules, EnrolmentStatus, ProgrammeError, ProgrammeStatus, WaitingEntry,
};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = family_hubs)]
pub struct HubRow {
    pub id: Uuid,
    pub name: String,
    pub address: String,
    pub postcode: String,
    pub zone_id: Uuid,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = programmes)]
pub struct ProgrammeRow {
    pub id: Uuid,
    pub programme_type: String,
    pub title: String,
    pub description: String,
    pub intervention_id: Option<Uuid>,
    pub hub_id: Option<Uuid>,
    pub zone_id: Uuid,
    pub capacity: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub age_from: i32,
    pub age_to: i32,
    pub needs: Vec<String>,
    pub status: String,
    pub created_by: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The fields a programme update changes.
#[derive(Debug, Clone, PartialEq, AsChangeset)]
#[diesel(table_name = programmes, treat_none_as_null = true)]
pub struct ProgrammeChange {
    pub programme_type: String,
    pub title: String,
    pub description: String,
    pub intervention_id: Option<Uuid>,
    pub hub_id: Option<Uuid>,
    pub capacity: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub age_from: i32,
    pub age_to: i32,
    pub needs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = programme_sessions)]
pub struct SessionRow {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub session_date: NaiveDate,
    pub starts_at: Option<NaiveTime>,
    pub ends_at: Option<NaiveTime>,
    pub topic: Option<String>,
    pub created_at: DateTime<Utc>,
    pub version: i32,
    pub updated_at: Option<DateTime<Utc>>,
}

/// The fields a session correction changes.
#[derive(Debug, Clone, PartialEq, AsChangeset)]
#[diesel(table_name = programme_sessions, treat_none_as_null = true)]
pub struct SessionChange {
    pub session_date: NaiveDate,
    pub starts_at: Option<NaiveTime>,
    pub ends_at: Option<NaiveTime>,
    pub topic: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = programme_enrolments)]
pub struct EnrolmentRow {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub parent_carer_name: String,
    pub contact_consent: bool,
    pub referral_id: Option<Uuid>,
    pub status: String,
    pub waiting_since: Option<DateTime<Utc>>,
    pub enrolled_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub enrolled_by: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = programme_attendance)]
pub struct AttendanceRow {
    pub session_id: Uuid,
    pub enrolment_id: Uuid,
    pub status: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A programme with its counts of places taken and families waiting.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeView {
    pub row: ProgrammeRow,
    pub enrolled: i64,
    pub waiting: i64,
    pub sessions: i64,
}

/// A failure of a community write.
#[derive(Debug, thiserror::Error)]
pub enum CommunityError {
    #[error("the record changed since it was read")]
    Stale,
    #[error(transparent)]
    Rule(#[from] ProgrammeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for CommunityError {
    fn from(e: diesel::result::Error) -> Self {
        CommunityError::Store(e.into())
    }
}

// ---------------------------------------------------------------- hubs

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
    expected_version: i32,
    name: &str,
    address: &str,
    postcode: &str,
    zone: Uuid,
) -> StoreResult<Option<HubRow>> {
    Ok(diesel::update(
        family_hubs::table
            .find(id)
            .filter(family_hubs::version.eq(expected_version)),
    )
    .set((
        family_hubs::name.eq(name),
        family_hubs::address.eq(address),
        family_hubs::postcode.eq(postcode),
        family_hubs::zone_id.eq(zone),
        family_hubs::updated_at.eq(crate::now()),
        family_hubs::version.eq(family_hubs::version + 1),
    ))
    .returning(HubRow::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}

// ---------------------------------------------------------------- programmes

async fn counts(
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

async fn views(
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

async fn view(conn: &mut AsyncPgConnection, row: ProgrammeRow) -> StoreResult<ProgrammeView> {
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
}

/// `s` as a LIKE pattern matching itself literally.
fn like_literal(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn filtered<'a>(f: &ProgrammeFilter) -> programmes::BoxedQuery<'a, diesel::pg::Pg> {
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

async fn lock_programme(
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

async fn enrolled_count(c: &mut AsyncPgConnection, programme: Uuid) -> Result<u32, CommunityError> {
    let n: i64 = programme_enrolments::table
        .filter(programme_enrolments::programme_id.eq(programme))
        .filter(programme_enrolments::status.eq("enrolled"))
        .count()
        .get_result(c)
        .await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

fn as_u32(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

/// Gives free places to the waiting list in order (the domain decides who).
async fn promote(
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
    expected_version: i32,
    change: &ProgrammeChange,
    now: DateTime<Utc>,
) -> Result<ProgrammeView, CommunityError> {
    let row = conn
        .transaction(async |c| {
            let current = lock_programme(c, id).await?;
            if current.version != expected_version {
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
    expected_version: i32,
    to: ProgrammeStatus,
    now: DateTime<Utc>,
) -> Result<ProgrammeView, CommunityError> {
    let row = conn
        .transaction(async |c| {
            let current = lock_programme(c, id).await?;
            if current.version != expected_version {
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

/// Adds a dated session to a programme.
///
/// # Errors
/// Database failures.
pub async fn add_session(
    conn: &mut AsyncPgConnection,
    row: &SessionRow,
) -> StoreResult<SessionRow> {
    Ok(diesel::insert_into(programme_sessions::table)
        .values(row)
        .returning(SessionRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Sessions of a programme by date, then id; the cursor is (date, id).
///
/// # Errors
/// Database failures.
pub async fn list_sessions(
    conn: &mut AsyncPgConnection,
    programme: Uuid,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> StoreResult<Vec<SessionRow>> {
    Ok(sessions_query(programme, after, limit)
        .select(SessionRow::as_select())
        .load(conn)
        .await?)
}

fn sessions_query<'a>(
    programme: Uuid,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> programme_sessions::BoxedQuery<'a, diesel::pg::Pg> {
    let mut q = programme_sessions::table
        .filter(programme_sessions::programme_id.eq(programme))
        .into_boxed();
    if let Some((d, id)) = after {
        q = q.filter(
            programme_sessions::session_date
                .gt(d)
                .or(programme_sessions::session_date
                    .eq(d)
                    .and(programme_sessions::id.gt(id))),
        );
    }
    q.order((
        programme_sessions::session_date.asc(),
        programme_sessions::id.asc(),
    ))
    .limit(limit)
}

/// The SQL text `list_sessions` sends, with `$n` placeholders in bind
/// order (see `tests/e2e/indexes.rs`).
pub fn list_sessions_sql(programme: Uuid, after: Option<(NaiveDate, Uuid)>, limit: i64) -> String {
    crate::statement_sql(&sessions_query(programme, after, limit).select(SessionRow::as_select()))
}

/// One session of a programme.
///
/// # Errors
/// `NotFound`.
pub async fn get_session(
    conn: &mut AsyncPgConnection,
    programme: Uuid,
    id: Uuid,
) -> StoreResult<SessionRow> {
    Ok(programme_sessions::table
        .filter(programme_sessions::programme_id.eq(programme))
        .filter(programme_sessions::id.eq(id))
        .select(SessionRow::as_select())
        .first(conn)
        .await?)
}

/// Moves or corrects a session of a programme if its version matches. The
/// session row is locked first, and whether attendance is recorded at it is
/// read in the same transaction, so the rule of
/// [`rules::check_session_move`] sees the attendance as it stands.
///
/// # Errors
/// `Stale`, `Rule(AttendedSessionRescheduled)`, `Store(NotFound)`.
pub async fn update_session(
    conn: &mut AsyncPgConnection,
    programme: Uuid,
    id: Uuid,
    expected_version: i32,
    change: &SessionChange,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<SessionRow, CommunityError> {
    conn.transaction(async |c| {
        let current: SessionRow = programme_sessions::table
            .filter(programme_sessions::programme_id.eq(programme))
            .filter(programme_sessions::id.eq(id))
            .select(SessionRow::as_select())
            .for_update()
            .first(c)
            .await?;
        if current.version != expected_version {
            return Err(CommunityError::Stale);
        }
        let attended: bool = diesel::select(diesel::dsl::exists(
            programme_attendance::table.filter(programme_attendance::session_id.eq(id)),
        ))
        .get_result(c)
        .await?;
        let when = |date, starts_at, ends_at| rules::SessionTime {
            date,
            starts_at,
            ends_at,
        };
        rules::check_session_move(
            attended,
            when(current.session_date, current.starts_at, current.ends_at),
            when(change.session_date, change.starts_at, change.ends_at),
            today,
        )?;
        let row: SessionRow = diesel::update(programme_sessions::table.find(id))
            .set((
                change,
                programme_sessions::updated_at.eq(Some(now)),
                programme_sessions::version.eq(programme_sessions::version + 1),
            ))
            .returning(SessionRow::as_returning())
            .get_result(c)
            .await?;
        Ok(row)
    })
    .await
}

/// Sessions of several programmes (for the public feed's schedules).
///
/// # Errors
/// Database failures.
pub async fn sessions_of(
    conn: &mut AsyncPgConnection,
    programmes_ids: &[Uuid],
) -> StoreResult<HashMap<Uuid, Vec<SessionRow>>> {
    let rows: Vec<SessionRow> = programme_sessions::table
        .filter(programme_sessions::programme_id.eq_any(programmes_ids))
        .order((
            programme_sessions::programme_id,
            programme_sessions::session_date,
            programme_sessions::id,
        ))
        .select(SessionRow::as_select())
        .load(conn)
        .await?;
    let mut out: HashMap<Uuid, Vec<SessionRow>> = HashMap::new();
    for r in rows {
        out.entry(r.programme_id).or_default().push(r);
    }
    Ok(out)
}

// ---------------------------------------------------------------- enrolments

/// What a new enrolment carries.
#[derive(Debug, Clone)]
pub struct NewEnrolment {
    pub parent_carer_name: String,
    pub contact_consent: bool,
    pub referral_id: Option<Uuid>,
    pub enrolled_by: String,
}

/// Enrols a family: a place while one is free, else the waiting list. The
/// programme row is locked, so concurrent enrolments are counted one by one.
///
/// # Errors
/// `Rule(NotTakingEnrolments)`, `Store(NotFound)`.
pub async fn enrol(
    conn: &mut AsyncPgConnection,
    programme: Uuid,
    new: NewEnrolment,
    now: DateTime<Utc>,
) -> Result<EnrolmentRow, CommunityError> {
    conn.transaction(async |c| {
        let p = lock_programme(c, programme).await?;
        let status = ProgrammeStatus::parse(&p.status).unwrap_or(ProgrammeStatus::Draft);
        let enrolled = enrolled_count(c, programme).await?;
        let placed = rules::place_new_enrolment(status, as_u32(p.capacity), enrolled)?;
        let row = EnrolmentRow {
            id: Uuid::now_v7(),
            programme_id: programme,
            parent_carer_name: new.parent_carer_name,
            contact_consent: new.contact_consent,
            referral_id: new.referral_id,
            status: placed.as_str().to_owned(),
            waiting_since: (placed == EnrolmentStatus::Waiting).then_some(now),
            enrolled_at: (placed == EnrolmentStatus::Enrolled).then_some(now),
            cancelled_at: None,
            completed_at: None,
            enrolled_by: new.enrolled_by,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        diesel::update(programmes::table.find(programme))
            .set(programmes::updated_at.eq(now))
            .execute(c)
            .await?;
        Ok(diesel::insert_into(programme_enrolments::table)
            .values(&row)
            .returning(EnrolmentRow::as_returning())
            .get_result(c)
            .await?)
    })
    .await
}

/// Enrolments of a programme ordered by id.
///
/// # Errors
/// Database failures.
pub async fn list_enrolments(
    conn: &mut AsyncPgConnection,
    programme: Uuid,
    status: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<EnrolmentRow>> {
    Ok(enrolments_query(programme, status, after, limit)
        .select(EnrolmentRow::as_select())
        .load(conn)
        .await?)
}

fn enrolments_query<'a>(
    programme: Uuid,
    status: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> programme_enrolments::BoxedQuery<'a, diesel::pg::Pg> {
    let mut q = programme_enrolments::table
        .filter(programme_enrolments::programme_id.eq(programme))
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(programme_enrolments::status.eq(s.to_owned()));
    }
    if let Some(a) = after {
        q = q.filter(programme_enrolments::id.gt(a));
    }
    q.order(programme_enrolments::id.asc()).limit(limit)
}

/// The SQL text `list_enrolments` sends, with `$n` placeholders in bind
/// order (see `tests/e2e/indexes.rs`).
pub fn list_enrolments_sql(
    programme: Uuid,
    status: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> String {
    crate::statement_sql(
        &enrolments_query(programme, status, after, limit).select(EnrolmentRow::as_select()),
    )
}

/// One enrolment of a programme.
///
/// # Errors
/// `NotFound`.
pub async fn get_enrolment(
    conn: &mut AsyncPgConnection,
    programme: Uuid,
    id: Uuid,
) -> StoreResult<EnrolmentRow> {
    Ok(programme_enrolments::table
        .filter(programme_enrolments::programme_id.eq(programme))
        .filter(programme_enrolments::id.eq(id))
        .select(EnrolmentRow::as_select())
        .first(conn)
        .await?)
}

/// Position of each waiting enrolment of a programme (1 = next).
///
/// # Errors
/// Database failures.
pub async fn waiting_positions(
    conn: &mut AsyncPgConnection,
    programme: Uuid,
) -> StoreResult<HashMap<Uuid, i64>> {
    let ids: Vec<Uuid> = programme_enrolments::table
        .filter(programme_enrolments::programme_id.eq(programme))
        .filter(programme_enrolments::status.eq("waiting"))
        .order((
            programme_enrolments::waiting_since.asc(),
            programme_enrolments::id.asc(),
        ))
        .select(programme_enrolments::id)
        .load(conn)
        .await?;
    Ok(ids.into_iter().zip(1..).collect())
}

/// An enrolment action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolmentAction {
    Cancel,
    Complete,
}

/// Cancels or completes an enrolment if its version matches. Cancelling a
/// place gives it to the first family on the waiting list, in the same
/// transaction. Returns the enrolment and the ids promoted.
///
/// # Errors
/// `Stale`, `Rule(..)`, `Store(NotFound)`.
pub async fn act_on_enrolment(
    conn: &mut AsyncPgConnection,
    programme: Uuid,
    id: Uuid,
    expected_version: i32,
    action: EnrolmentAction,
    now: DateTime<Utc>,
) -> Result<(EnrolmentRow, Vec<Uuid>), CommunityError> {
    conn.transaction(async |c| {
        let p = lock_programme(c, programme).await?;
        let current: EnrolmentRow = programme_enrolments::table
            .filter(programme_enrolments::programme_id.eq(programme))
            .filter(programme_enrolments::id.eq(id))
            .for_update()
            .select(EnrolmentRow::as_select())
            .first(c)
            .await?;
        if current.version != expected_version {
            return Err(CommunityError::Stale);
        }
        let from = EnrolmentStatus::parse(&current.status).unwrap_or(EnrolmentStatus::Cancelled);
        let pstatus = ProgrammeStatus::parse(&p.status).unwrap_or(ProgrammeStatus::Draft);
        let to = match action {
            EnrolmentAction::Cancel => rules::cancel_enrolment(from)?,
            EnrolmentAction::Complete => rules::complete_enrolment(from, pstatus)?,
        };
        let row: EnrolmentRow = diesel::update(programme_enrolments::table.find(id))
            .set((
                programme_enrolments::status.eq(Wire(to)),
                programme_enrolments::cancelled_at
                    .eq((to == EnrolmentStatus::Cancelled).then_some(now)),
                programme_enrolments::completed_at
                    .eq((to == EnrolmentStatus::Completed).then_some(now)),
                programme_enrolments::updated_at.eq(now),
                programme_enrolments::version.eq(programme_enrolments::version + 1),
            ))
            .returning(EnrolmentRow::as_returning())
            .get_result(c)
            .await?;
        let promoted = if from == EnrolmentStatus::Enrolled
            && to == EnrolmentStatus::Cancelled
            && pstatus.takes_enrolments()
        {
            promote(c, &p, now).await?
        } else {
            Vec::new()
        };
        diesel::update(programmes::table.find(programme))
            .set(programmes::updated_at.eq(now))
            .execute(c)
            .await?;
        Ok((row, promoted))
    })
    .await
}

// ---------------------------------------------------------------- attendance

/// Why attendance could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum AttendanceError {
    #[error("enrolment {0} does not hold a place on this programme")]
    NotEnrolled(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for AttendanceError {
    fn from(e: diesel::result::Error) -> Self {
        AttendanceError::Store(e.into())
    }
}

/// Records (or corrects) attendance at a session for families holding a
/// place (enrolled or completed), in one transaction.
///
/// # Errors
/// `NotEnrolled(index)` naming the first entry that is not.
pub async fn record_attendance(
    conn: &mut AsyncPgConnection,
    session: &SessionRow,
    entries: &[(Uuid, String)],
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Vec<AttendanceRow>, AttendanceError> {
    let programme = session.programme_id;
    let session_id = session.id;
    let actor = actor.to_owned();
    let entries = entries.to_vec();
    conn.transaction(async |c| {
        let ids: Vec<Uuid> = entries.iter().map(|e| e.0).collect();
        let holding: Vec<Uuid> = programme_enrolments::table
            .filter(programme_enrolments::programme_id.eq(programme))
            .filter(programme_enrolments::id.eq_any(&ids))
            .filter(programme_enrolments::status.eq_any(["enrolled", "completed"]))
            .select(programme_enrolments::id)
            .load(c)
            .await?;
        if let Some(i) = ids.iter().position(|id| !holding.contains(id)) {
            return Err(AttendanceError::NotEnrolled(i));
        }
        for (enrolment, status) in &entries {
            diesel::insert_into(programme_attendance::table)
                .values(&AttendanceRow {
                    session_id,
                    enrolment_id: *enrolment,
                    status: status.clone(),
                    recorded_by: actor.clone(),
                    recorded_at: now,
                })
                .on_conflict((
                    programme_attendance::session_id,
                    programme_attendance::enrolment_id,
                ))
                .do_update()
                .set((
                    programme_attendance::status.eq(status),
                    programme_attendance::recorded_by.eq(&actor),
                    programme_attendance::recorded_at.eq(now),
                ))
                .execute(c)
                .await?;
        }
        Ok(programme_attendance::table
            .filter(programme_attendance::session_id.eq(session_id))
            .order(programme_attendance::enrolment_id)
            .select(AttendanceRow::as_select())
            .load(c)
            .await?)
    })
    .await
}

/// Attendance recorded at a session.
///
/// # Errors
/// Database failures.
pub async fn attendance(
    conn: &mut AsyncPgConnection,
    session: Uuid,
) -> StoreResult<Vec<AttendanceRow>> {
    Ok(programme_attendance::table
        .filter(programme_attendance::session_id.eq(session))
        .order(programme_attendance::enrolment_id)
        .select(AttendanceRow::as_select())
        .load(conn)
        .await?)
}

/// Hubs by id (for the public feed's locations).
///
/// # Errors
/// Database failures.
pub async fn hubs_by_id(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> StoreResult<HashMap<Uuid, HubRow>> {
    let rows: Vec<HubRow> = family_hubs::table
        .filter(family_hubs::id.eq_any(ids))
        .select(HubRow::as_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|h| (h.id, h)).collect())
}

/// The zone and team of a referral, to check it belongs to a zone's team.
///
/// # Errors
/// Database failures; `Ok(None)` for an unknown referral.
pub async fn referral_zone(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> StoreResult<Option<(Option<Uuid>, Option<Uuid>)>> {
    use crate::schema::referrals;
    Ok(referrals::table
        .find(id)
        .select((referrals::zone_id, referrals::team_id))
        .first(conn)
        .await
        .optional()?)
}
