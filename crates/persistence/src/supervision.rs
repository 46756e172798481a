//! Advice and supervision: partner organisations and the zones they work
//! in, and community-of-practice / group-supervision meetings with their
//! attendees, case discussions and actions.

use crate::models::{ReferralRow, WorkerRow};
use crate::organisation;
use crate::schema::{
    case_discussions, localities, partner_zones, partners, practice_actions, practice_attendees,
    practice_sessions, referrals, schools, workers,
};
use crate::store_error::store_error;
use crate::versioned::version_matches;
use crate::{StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = partners)]
pub struct PartnerRow {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub website: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

/// A partner with the zones it works in.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerView {
    pub partner: PartnerRow,
    pub zones: Vec<Uuid>,
}

async fn zones_of(c: &mut AsyncPgConnection, ids: &[Uuid]) -> StoreResult<Vec<(Uuid, Uuid)>> {
    Ok(partner_zones::table
        .filter(partner_zones::partner_id.eq_any(ids))
        .order((
            partner_zones::partner_id.asc(),
            partner_zones::zone_id.asc(),
        ))
        .select((partner_zones::partner_id, partner_zones::zone_id))
        .load(c)
        .await?)
}

/// Partners ordered by id, optionally only those working in `zone` and of
/// one kind.
pub async fn list_partners(
    c: &mut AsyncPgConnection,
    zone: Option<Uuid>,
    kind: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<PartnerView>> {
    let mut q = partners::table.into_boxed();
    if let Some(z) = zone {
        q = q.filter(
            partners::id.eq_any(
                partner_zones::table
                    .filter(partner_zones::zone_id.eq(z))
                    .select(partner_zones::partner_id),
            ),
        );
    }
    if let Some(k) = kind {
        q = q.filter(partners::kind.eq(k.to_owned()));
    }
    if let Some(a) = after {
        q = q.filter(partners::id.gt(a));
    }
    let rows: Vec<PartnerRow> = q
        .order(partners::id.asc())
        .limit(limit)
        .select(PartnerRow::as_select())
        .load(c)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|p| p.id).collect();
    let zones = zones_of(c, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|p| PartnerView {
            zones: zones
                .iter()
                .filter(|(pid, _)| *pid == p.id)
                .map(|(_, z)| *z)
                .collect(),
            partner: p,
        })
        .collect())
}

/// One partner with its zones.
pub async fn get_partner(c: &mut AsyncPgConnection, id: Uuid) -> StoreResult<PartnerView> {
    let partner: PartnerRow = partners::table
        .find(id)
        .select(PartnerRow::as_select())
        .first(c)
        .await?;
    let zones = zones_of(c, &[id]).await?.into_iter().map(|z| z.1).collect();
    Ok(PartnerView { partner, zones })
}

async fn set_zones(c: &mut AsyncPgConnection, id: Uuid, zones: &[Uuid]) -> StoreResult<()> {
    diesel::delete(partner_zones::table.filter(partner_zones::partner_id.eq(id)))
        .execute(c)
        .await?;
    let rows: Vec<_> = zones
        .iter()
        .map(|z| {
            (
                partner_zones::partner_id.eq(id),
                partner_zones::zone_id.eq(*z),
            )
        })
        .collect();
    diesel::insert_into(partner_zones::table)
        .values(&rows)
        .on_conflict_do_nothing()
        .execute(c)
        .await?;
    Ok(())
}

/// Adds a partner with its zones.
pub async fn create_partner(
    conn: &mut AsyncPgConnection,
    row: PartnerRow,
    zones: Vec<Uuid>,
) -> StoreResult<PartnerView> {
    conn.transaction(async |c| {
        diesel::insert_into(partners::table)
            .values(&row)
            .execute(c)
            .await?;
        set_zones(c, row.id, &zones).await?;
        get_partner(c, row.id).await
    })
    .await
}

/// Replaces a partner's details and zones if its version matches (`None`:
/// the version moved on).
pub async fn update_partner(
    conn: &mut AsyncPgConnection,
    row: PartnerRow,
    expected_version: sct_domain::VersionMatch,
    zones: Vec<Uuid>,
) -> StoreResult<Option<PartnerView>> {
    conn.transaction(async |c| {
        let updated = diesel::update(
            partners::table
                .find(row.id)
                .filter(version_matches!(partners::version, expected_version)),
        )
        .set((
            partners::name.eq(&row.name),
            partners::kind.eq(&row.kind),
            partners::email.eq(&row.email),
            partners::phone.eq(&row.phone),
            partners::address.eq(&row.address),
            partners::website.eq(&row.website),
            partners::updated_at.eq(row.updated_at),
            partners::version.eq(partners::version + 1),
        ))
        .execute(c)
        .await?;
        if updated == 0 {
            return Ok(None);
        }
        set_zones(c, row.id, &zones).await?;
        Ok(Some(get_partner(c, row.id).await?))
    })
    .await
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = practice_sessions)]
pub struct PracticeRow {
    pub id: Uuid,
    pub kind: String,
    pub zone_id: Uuid,
    pub held_on: NaiveDate,
    pub facilitator_id: Uuid,
    pub themes: Vec<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub locality_id: Option<Uuid>,
}

/// An attendee: a worker, a partner's representative (named), or a member
/// of a setting's staff (the setting and their role; the name optional).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = practice_attendees)]
pub struct AttendeeRow {
    pub id: Uuid,
    pub practice_session_id: Uuid,
    pub worker_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
    pub representative_name: Option<String>,
    pub setting_urn: Option<String>,
    pub staff_role: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_discussions)]
pub struct DiscussionRow {
    pub id: Uuid,
    pub practice_session_id: Uuid,
    pub referral_id: Uuid,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = practice_actions)]
pub struct ActionRow {
    pub id: Uuid,
    pub practice_session_id: Uuid,
    pub position: i16,
    pub description: String,
    pub owner_id: Uuid,
    pub due_on: NaiveDate,
    pub done: bool,
}

/// A practice session with everything recorded in it.
#[derive(Debug, Clone, PartialEq)]
pub struct PracticeView {
    pub session: PracticeRow,
    pub attendees: Vec<AttendeeRow>,
    pub discussions: Vec<DiscussionRow>,
    pub actions: Vec<ActionRow>,
}

/// A practice session to record (ids not yet checked).
#[derive(Debug, Clone)]
pub struct NewPractice {
    pub kind: String,
    pub zone_id: Uuid,
    pub held_on: NaiveDate,
    pub facilitator_id: Uuid,
    pub themes: Vec<String>,
    pub worker_attendees: Vec<Uuid>,
    /// (partner id, representative's name)
    pub partner_attendees: Vec<(Uuid, String)>,
    /// (setting URN, staff role, name if given)
    pub setting_attendees: Vec<(String, String, Option<String>)>,
    /// The locality the meeting is held for, of its zone.
    pub locality_id: Option<Uuid>,
    /// The locality the session had before a correction: kept even when
    /// retired since (a retired locality is not chosen anew).
    pub kept_locality: Option<Uuid>,
    /// (referral id, summary)
    pub discussions: Vec<(Uuid, String)>,
    /// (description, owner worker id, due date)
    pub actions: Vec<(String, Uuid, NaiveDate)>,
    pub created_by: String,
}

/// Why a practice session was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum PracticeError {
    #[error("{message}")]
    Field {
        field: String,
        code: &'static str,
        message: &'static str,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

store_error!(PracticeError);

fn bad(field: String, code: &'static str, message: &'static str) -> PracticeError {
    PracticeError::Field {
        field,
        code,
        message,
    }
}

async fn load_workers(c: &mut AsyncPgConnection, ids: &[Uuid]) -> StoreResult<Vec<WorkerRow>> {
    Ok(workers::table
        .filter(workers::id.eq_any(ids))
        .select(WorkerRow::as_select())
        .load(c)
        .await?)
}

/// Checks every id a practice session names (see [`create_practice`]).
async fn check_names(c: &mut AsyncPgConnection, new: &NewPractice) -> Result<(), PracticeError> {
    let team = organisation::team_of_zone(c, new.zone_id).await?;
    let facilitator = load_workers(c, &[new.facilitator_id]).await?;
    let team_id = team.as_ref().map(|t| t.id);
    if facilitator
        .as_slice()
        .first()
        .is_none_or(|w| Some(w.team_id) != team_id)
    {
        return Err(bad(
            "facilitator_id".into(),
            "worker_not_in_team",
            "the facilitator must be a worker of the zone's team",
        ));
    }
    let mut named: Vec<Uuid> = new.worker_attendees.clone();
    named.extend(new.actions.iter().map(|a| a.1));
    let known = load_workers(c, &named).await?;
    for (i, w) in new.worker_attendees.iter().enumerate() {
        if !known.iter().any(|k| k.id == *w) {
            return Err(bad(
                format!("attendees.worker_ids[{i}]"),
                "unknown_worker",
                "no such worker",
            ));
        }
    }
    for (i, a) in new.actions.iter().enumerate() {
        if !known.iter().any(|k| k.id == a.1) {
            return Err(bad(
                format!("actions[{i}].owner_id"),
                "unknown_worker",
                "no such worker",
            ));
        }
    }
    for (i, (partner, _)) in new.partner_attendees.iter().enumerate() {
        let works_here: Option<Uuid> = partner_zones::table
            .filter(partner_zones::partner_id.eq(*partner))
            .filter(partner_zones::zone_id.eq(new.zone_id))
            .select(partner_zones::partner_id)
            .first(c)
            .await
            .optional()?;
        if works_here.is_none() {
            return Err(bad(
                format!("attendees.partners[{i}].partner_id"),
                "partner_not_in_zone",
                "no such partner working in the zone",
            ));
        }
    }
    check_settings(c, new).await?;
    for (i, (referral, _)) in new.discussions.iter().enumerate() {
        let row: Option<ReferralRow> = referrals::table
            .find(*referral)
            .select(ReferralRow::as_select())
            .first(c)
            .await
            .optional()?;
        let with_team =
            row.is_some_and(|r| r.team_id.is_some() && r.team_id == team.as_ref().map(|t| t.id));
        if !with_team {
            return Err(bad(
                format!("case_discussions[{i}].referral_id"),
                "referral_not_in_zone",
                "case discussions link referrals of the zone's team only",
            ));
        }
    }
    Ok(())
}

/// Checks the locality (of the meeting's zone; not retired unless kept)
/// and the settings whose staff attended (of the meeting's zone).
async fn check_settings(c: &mut AsyncPgConnection, new: &NewPractice) -> Result<(), PracticeError> {
    if let Some(l) = new.locality_id {
        let found: Option<(Uuid, Option<DateTime<Utc>>)> = localities::table
            .find(l)
            .select((localities::zone_id, localities::retired_at))
            .first(c)
            .await
            .optional()?;
        let Some((_, retired)) = found.filter(|(zone, _)| *zone == new.zone_id) else {
            return Err(bad(
                "locality_id".into(),
                "locality_not_in_zone",
                "no such locality in the meeting's zone",
            ));
        };
        if retired.is_some() && new.kept_locality != Some(l) {
            return Err(bad(
                "locality_id".into(),
                "locality_retired",
                "the locality is retired",
            ));
        }
    }
    check_staff(c, new).await
}

async fn check_staff(c: &mut AsyncPgConnection, new: &NewPractice) -> Result<(), PracticeError> {
    let urns: Vec<String> = new.setting_attendees.iter().map(|s| s.0.clone()).collect();
    let zones: Vec<(String, Option<Uuid>)> = schools::table
        .filter(schools::urn.eq_any(&urns))
        .select((schools::urn, schools::zone_id))
        .load(c)
        .await?;
    for (i, urn) in urns.iter().enumerate() {
        if !zones
            .iter()
            .any(|(u, z)| u == urn && *z == Some(new.zone_id))
        {
            return Err(bad(
                format!("attendees.settings[{i}].urn"),
                "setting_not_in_zone",
                "no such setting in the meeting's zone",
            ));
        }
    }
    Ok(())
}

/// Inserts a session's attendees: workers, partners' representatives and
/// settings' staff, in that order.
async fn insert_attendees(
    c: &mut AsyncPgConnection,
    session: Uuid,
    new: &NewPractice,
) -> Result<(), PracticeError> {
    let blank = |session| AttendeeRow {
        id: Uuid::now_v7(),
        practice_session_id: session,
        worker_id: None,
        partner_id: None,
        representative_name: None,
        setting_urn: None,
        staff_role: None,
    };
    let mut rows: Vec<AttendeeRow> = Vec::new();
    for w in &new.worker_attendees {
        rows.push(AttendeeRow {
            worker_id: Some(*w),
            ..blank(session)
        });
    }
    for (p, name) in &new.partner_attendees {
        rows.push(AttendeeRow {
            partner_id: Some(*p),
            representative_name: Some(name.clone()),
            ..blank(session)
        });
    }
    for (urn, role, name) in &new.setting_attendees {
        rows.push(AttendeeRow {
            setting_urn: Some(urn.clone()),
            staff_role: Some(role.clone()),
            representative_name: name.clone(),
            ..blank(session)
        });
    }
    if !rows.is_empty() {
        diesel::insert_into(practice_attendees::table)
            .values(&rows)
            .execute(c)
            .await?;
    }
    Ok(())
}

/// Records a practice session after checking every id it names: the
/// facilitator works in the zone's team; attendees and action owners are
/// registered workers; partner representatives come from partners working
/// in the zone; discussed referrals are with the zone's team.
pub async fn create_practice(
    conn: &mut AsyncPgConnection,
    new: NewPractice,
    now: DateTime<Utc>,
) -> Result<PracticeView, PracticeError> {
    conn.transaction(async |c| {
        check_names(c, &new).await?;
        let session = PracticeRow {
            id: Uuid::now_v7(),
            kind: new.kind.clone(),
            zone_id: new.zone_id,
            held_on: new.held_on,
            facilitator_id: new.facilitator_id,
            themes: new.themes.clone(),
            created_by: new.created_by.clone(),
            created_at: now,
            updated_at: now,
            version: 1,
            locality_id: new.locality_id,
        };
        diesel::insert_into(practice_sessions::table)
            .values(&session)
            .execute(c)
            .await?;
        insert_attendees(c, session.id, &new).await?;
        let discussions: Vec<DiscussionRow> = new
            .discussions
            .into_iter()
            .map(|(r, summary)| DiscussionRow {
                id: Uuid::now_v7(),
                practice_session_id: session.id,
                referral_id: r,
                summary,
            })
            .collect();
        if !discussions.is_empty() {
            diesel::insert_into(case_discussions::table)
                .values(&discussions)
                .execute(c)
                .await?;
        }
        let actions: Vec<ActionRow> = new
            .actions
            .into_iter()
            .enumerate()
            .map(|(i, (description, owner, due))| ActionRow {
                id: Uuid::now_v7(),
                practice_session_id: session.id,
                position: i16::try_from(i).unwrap_or(i16::MAX),
                description,
                owner_id: owner,
                due_on: due,
                done: false,
            })
            .collect();
        if !actions.is_empty() {
            diesel::insert_into(practice_actions::table)
                .values(&actions)
                .execute(c)
                .await?;
        }
        Ok(get_practice(c, session.id).await?)
    })
    .await
}

/// One practice session with its attendees, discussions and actions.
pub async fn get_practice(c: &mut AsyncPgConnection, id: Uuid) -> StoreResult<PracticeView> {
    let session: PracticeRow = practice_sessions::table
        .find(id)
        .select(PracticeRow::as_select())
        .first(c)
        .await?;
    let mut views = complete(c, vec![session]).await?;
    views.pop().ok_or(StoreError::NotFound)
}

async fn complete(
    c: &mut AsyncPgConnection,
    sessions: Vec<PracticeRow>,
) -> StoreResult<Vec<PracticeView>> {
    let ids: Vec<Uuid> = sessions.iter().map(|s| s.id).collect();
    let attendees: Vec<AttendeeRow> = practice_attendees::table
        .filter(practice_attendees::practice_session_id.eq_any(&ids))
        .order(practice_attendees::id.asc())
        .select(AttendeeRow::as_select())
        .load(c)
        .await?;
    let discussions: Vec<DiscussionRow> = case_discussions::table
        .filter(case_discussions::practice_session_id.eq_any(&ids))
        .order(case_discussions::id.asc())
        .select(DiscussionRow::as_select())
        .load(c)
        .await?;
    let actions: Vec<ActionRow> = practice_actions::table
        .filter(practice_actions::practice_session_id.eq_any(&ids))
        .order(practice_actions::position.asc())
        .select(ActionRow::as_select())
        .load(c)
        .await?;
    Ok(sessions
        .into_iter()
        .map(|s| PracticeView {
            attendees: attendees
                .iter()
                .filter(|a| a.practice_session_id == s.id)
                .cloned()
                .collect(),
            discussions: discussions
                .iter()
                .filter(|d| d.practice_session_id == s.id)
                .cloned()
                .collect(),
            actions: actions
                .iter()
                .filter(|a| a.practice_session_id == s.id)
                .cloned()
                .collect(),
            session: s,
        })
        .collect())
}

/// Practice sessions, newest first, keyset (held_on, id) descending,
/// optionally of one zone and one kind.
pub async fn list_practice(
    c: &mut AsyncPgConnection,
    zone: Option<Uuid>,
    kind: Option<&str>,
    before: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> StoreResult<Vec<PracticeView>> {
    let rows: Vec<PracticeRow> = practice_query(zone, kind, before, limit)
        .select(PracticeRow::as_select())
        .load(c)
        .await?;
    complete(c, rows).await
}

fn practice_query<'a>(
    zone: Option<Uuid>,
    kind: Option<&str>,
    before: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> practice_sessions::BoxedQuery<'a, diesel::pg::Pg> {
    let mut q = practice_sessions::table.into_boxed();
    if let Some(z) = zone {
        q = q.filter(practice_sessions::zone_id.eq(z));
    }
    if let Some(k) = kind {
        q = q.filter(practice_sessions::kind.eq(k.to_owned()));
    }
    if let Some((d, id)) = before {
        // A row comparison, not `held_on < d OR (held_on = d AND id < id)`:
        // the planner bounds the (held_on DESC, id DESC) indexes with it,
        // where the OR form reads and discards every newer session.
        q = q.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(
                r#"("practice_sessions"."held_on", "practice_sessions"."id") < ("#,
            )
            .bind::<diesel::sql_types::Date, _>(d)
            .sql(", ")
            .bind::<diesel::sql_types::Uuid, _>(id)
            .sql(")"),
        );
    }
    q.order((
        practice_sessions::held_on.desc(),
        practice_sessions::id.desc(),
    ))
    .limit(limit)
}

/// The SQL text `list_practice` sends, with `$n` placeholders in bind
/// order (see `tests/e2e/indexes.rs`).
pub fn list_practice_sql(
    zone: Option<Uuid>,
    kind: Option<&str>,
    before: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> String {
    crate::statement_sql(
        &practice_query(zone, kind, before, limit).select(PracticeRow::as_select()),
    )
}

/// Sets an action's done flag if the session's version matches; the
/// session's version moves on. `Ok(None)`: the version did not match.
pub async fn set_action_done(
    conn: &mut AsyncPgConnection,
    session: Uuid,
    action: Uuid,
    expected_version: sct_domain::VersionMatch,
    done: bool,
    now: DateTime<Utc>,
) -> StoreResult<Option<PracticeView>> {
    conn.transaction(async |c| {
        let bumped = diesel::update(practice_sessions::table.find(session).filter(
            version_matches!(practice_sessions::version, expected_version),
        ))
        .set((
            practice_sessions::version.eq(practice_sessions::version + 1),
            practice_sessions::updated_at.eq(now),
        ))
        .execute(c)
        .await?;
        if bumped == 0 {
            return Ok(None);
        }
        let n = diesel::update(
            practice_actions::table
                .filter(practice_actions::practice_session_id.eq(session))
                .filter(practice_actions::id.eq(action)),
        )
        .set(practice_actions::done.eq(done))
        .execute(c)
        .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(Some(get_practice(c, session).await?))
    })
    .await
}

/// Replaces a practice session's kind, date, facilitator, themes,
/// attendees and case discussions if its version matches, after the same
/// checks as [`create_practice`] in the session's zone. Actions are kept
/// (they change one by one). `Ok(None)`: the version did not match.
pub async fn update_practice(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    new: NewPractice,
    now: DateTime<Utc>,
) -> Result<Option<PracticeView>, PracticeError> {
    conn.transaction(async |c| {
        check_names(c, &new).await?;
        let n = diesel::update(
            practice_sessions::table
                .find(id)
                .filter(practice_sessions::zone_id.eq(new.zone_id))
                .filter(version_matches!(
                    practice_sessions::version,
                    expected_version
                )),
        )
        .set((
            practice_sessions::kind.eq(&new.kind),
            practice_sessions::held_on.eq(new.held_on),
            practice_sessions::facilitator_id.eq(new.facilitator_id),
            practice_sessions::themes.eq(&new.themes),
            practice_sessions::locality_id.eq(new.locality_id),
            practice_sessions::version.eq(practice_sessions::version + 1),
            practice_sessions::updated_at.eq(now),
        ))
        .execute(c)
        .await?;
        if n == 0 {
            return Ok(None);
        }
        diesel::delete(
            practice_attendees::table.filter(practice_attendees::practice_session_id.eq(id)),
        )
        .execute(c)
        .await?;
        diesel::delete(
            case_discussions::table.filter(case_discussions::practice_session_id.eq(id)),
        )
        .execute(c)
        .await?;
        insert_attendees(c, id, &new).await?;
        let discussions: Vec<DiscussionRow> = new
            .discussions
            .into_iter()
            .map(|(r, summary)| DiscussionRow {
                id: Uuid::now_v7(),
                practice_session_id: id,
                referral_id: r,
                summary,
            })
            .collect();
        if !discussions.is_empty() {
            diesel::insert_into(case_discussions::table)
                .values(&discussions)
                .execute(c)
                .await?;
        }
        Ok(Some(get_practice(c, id).await?))
    })
    .await
}
