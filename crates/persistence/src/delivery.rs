//! Service delivery: the interventions catalogue, support plans with their
//! goals and versions, sessions (individual or group) with attendance per
//! referral, and reviews that rate each goal again. Every write that touches
//! a referral locks it first, checks the caller's scope and asks the domain
//! whether its status allows the record, all in one transaction.

use crate::schema::{
    delivery_sessions, interventions, plan_goals, plan_interventions, plan_reviews, review_ratings,
    session_attendance, support_plan_versions, support_plans,
};
use crate::scope::{lock_in_scope, Scope};
use crate::{Actor, StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sct_domain::delivery::{
    check_ratings, final_ratings_required, may_correct_review, may_correct_session, may_plan,
    may_record_delivery, same_participants, RatingError,
};
use sct_domain::{ClosureOutcome, ReviewKind, Status};
use serde_json::json;
use uuid::Uuid;

/// A catalogue entry.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Identifiable, AsChangeset)]
#[diesel(table_name = interventions, treat_none_as_null = true)]
pub struct InterventionRow {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub approach: String,
    pub mode: String,
    pub areas: Vec<String>,
    pub evidence_base: String,
    pub typical_sessions: Option<i32>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

/// Filters of the catalogue list (combined with AND).
#[derive(Debug, Clone, Default)]
pub struct InterventionFilter {
    pub active: Option<bool>,
    pub mode: Option<String>,
    pub area: Option<String>,
}

/// Catalogue entries ordered by id (time-ordered), after the cursor.
pub async fn list_interventions(
    c: &mut AsyncPgConnection,
    filter: &InterventionFilter,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<InterventionRow>> {
    let mut q = interventions::table.into_boxed();
    if let Some(a) = filter.active {
        q = q.filter(interventions::active.eq(a));
    }
    if let Some(m) = &filter.mode {
        q = q.filter(interventions::mode.eq(m.clone()));
    }
    if let Some(area) = &filter.area {
        q = q.filter(interventions::areas.contains(vec![area.clone()]));
    }
    if let Some(a) = after {
        q = q.filter(interventions::id.gt(a));
    }
    Ok(q.order(interventions::id.asc())
        .limit(limit)
        .select(InterventionRow::as_select())
        .load(c)
        .await?)
}

/// One catalogue entry.
pub async fn get_intervention(c: &mut AsyncPgConnection, id: Uuid) -> StoreResult<InterventionRow> {
    Ok(interventions::table
        .find(id)
        .select(InterventionRow::as_select())
        .first(c)
        .await?)
}

/// Adds a catalogue entry.
pub async fn create_intervention(
    c: &mut AsyncPgConnection,
    row: &InterventionRow,
) -> StoreResult<InterventionRow> {
    Ok(diesel::insert_into(interventions::table)
        .values(row)
        .returning(InterventionRow::as_returning())
        .get_result(c)
        .await?)
}

/// Replaces a catalogue entry's fields if its version still matches
/// (`None`: the version moved on).
pub async fn update_intervention(
    c: &mut AsyncPgConnection,
    row: &InterventionRow,
    expected_version: i32,
) -> StoreResult<Option<InterventionRow>> {
    Ok(diesel::update(
        interventions::table
            .find(row.id)
            .filter(interventions::version.eq(expected_version)),
    )
    .set((
        interventions::name.eq(&row.name),
        interventions::description.eq(&row.description),
        interventions::approach.eq(&row.approach),
        interventions::mode.eq(&row.mode),
        interventions::areas.eq(&row.areas),
        interventions::evidence_base.eq(&row.evidence_base),
        interventions::typical_sessions.eq(row.typical_sessions),
        interventions::active.eq(row.active),
        interventions::updated_at.eq(crate::now()),
        interventions::version.eq(interventions::version + 1),
    ))
    .returning(InterventionRow::as_returning())
    .get_result(c)
    .await
    .optional()?)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = support_plans)]
pub struct SupportPlanRow {
    pub referral_id: Uuid,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = plan_goals)]
pub struct GoalRow {
    pub id: Uuid,
    pub referral_id: Uuid,
    pub position: i16,
    pub area: String,
    pub description: String,
    pub baseline: i16,
    pub target: i16,
    pub current: bool,
}

/// A goal with its latest rating.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalView {
    pub goal: GoalRow,
    /// The latest rating (from the newest review that rated it).
    pub latest: Option<(i16, NaiveDate)>,
}

/// A support plan as read.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanView {
    pub plan: SupportPlanRow,
    /// The current goals, in plan order.
    pub goals: Vec<GoalView>,
    /// The interventions chosen, in plan order.
    pub interventions: Vec<Uuid>,
}

/// A goal as written: `id` names an existing current goal to keep.
#[derive(Debug, Clone)]
pub struct GoalInput {
    pub id: Option<Uuid>,
    pub area: String,
    pub description: String,
    pub baseline: i16,
    pub target: i16,
}

/// Why a delivery record was not written.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("not found")]
    NotFound,
    #[error("the plan has changed since it was read (version {current})")]
    VersionMismatch { current: i32 },
    #[error("the plan exists: send If-Match with the ETag you last read")]
    IfMatchRequired,
    #[error("the referral is {0}: {1}")]
    NotOpen(&'static str, &'static str),
    #[error("the referral has no support plan yet")]
    NoPlan,
    #[error("{message}")]
    Field {
        field: String,
        code: &'static str,
        message: String,
    },
    #[error("the ratings are invalid")]
    Ratings(Vec<RatingError>),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for DeliveryError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            other => Self::Store(other),
        }
    }
}

impl From<diesel::result::Error> for DeliveryError {
    fn from(e: diesel::result::Error) -> Self {
        StoreError::from(e).into()
    }
}

fn field(field: String, code: &'static str, message: impl Into<String>) -> DeliveryError {
    DeliveryError::Field {
        field,
        code,
        message: message.into(),
    }
}

fn status_of(s: &str) -> StoreResult<Status> {
    Status::parse(s).ok_or_else(|| {
        StoreError::Database(diesel::result::Error::DeserializationError(
            format!("unknown status {s}").into(),
        ))
    })
}

/// The plan of a referral, if it has one (the caller checked the scope).
pub async fn load_plan(c: &mut AsyncPgConnection, referral: Uuid) -> StoreResult<Option<PlanView>> {
    let Some(plan) = support_plans::table
        .find(referral)
        .select(SupportPlanRow::as_select())
        .first(c)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    let goals: Vec<GoalRow> = plan_goals::table
        .filter(plan_goals::referral_id.eq(referral))
        .filter(plan_goals::current.eq(true))
        .order(plan_goals::position.asc())
        .select(GoalRow::as_select())
        .load(c)
        .await?;
    let ids: Vec<Uuid> = goals.iter().map(|g| g.id).collect();
    // Newest review first, so the first rating seen per goal is the latest.
    let ratings: Vec<(Uuid, i16, NaiveDate)> = review_ratings::table
        .inner_join(plan_reviews::table)
        .filter(review_ratings::goal_id.eq_any(&ids))
        .order((plan_reviews::created_at.desc(), plan_reviews::id.desc()))
        .select((
            review_ratings::goal_id,
            review_ratings::rating,
            plan_reviews::reviewed_on,
        ))
        .load(c)
        .await?;
    let interventions: Vec<Uuid> = plan_interventions::table
        .filter(plan_interventions::referral_id.eq(referral))
        .order(plan_interventions::position.asc())
        .select(plan_interventions::intervention_id)
        .load(c)
        .await?;
    Ok(Some(PlanView {
        plan,
        goals: goals
            .into_iter()
            .map(|g| GoalView {
                latest: ratings
                    .iter()
                    .find(|(id, _, _)| *id == g.id)
                    .map(|(_, r, d)| (*r, *d)),
                goal: g,
            })
            .collect(),
        interventions,
    }))
}

/// The JSON snapshot of a plan version.
fn snapshot(view: &PlanView) -> serde_json::Value {
    json!({
        "goals": view.goals.iter().map(|g| json!({
            "id": g.goal.id,
            "area": g.goal.area,
            "description": g.goal.description,
            "baseline": g.goal.baseline,
            "target": g.goal.target,
        })).collect::<Vec<_>>(),
        "intervention_ids": view.interventions,
    })
}

/// Writes a referral's plan: creates it (`expected_version` must then be
/// `None`) or replaces it (the version must match). Goals named by id keep
/// their id (and their ratings); goals left out are retired. The new
/// version's snapshot is kept. Returns the plan and whether it was created.
#[allow(clippy::too_many_arguments)]
pub async fn put_plan(
    conn: &mut AsyncPgConnection,
    referral: Uuid,
    scope: &Scope,
    expected_version: Option<i32>,
    goals: Vec<GoalInput>,
    chosen: Vec<Uuid>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(PlanView, bool), DeliveryError> {
    conn.transaction(async |c| {
        let row = lock_in_scope(c, referral, scope).await?;
        let status = status_of(&row.status)?;
        if !may_plan(status) {
            return Err(DeliveryError::NotOpen(
                status.as_str(),
                "a plan is written while the referral is allocated or active",
            ));
        }
        let existing: Option<SupportPlanRow> = support_plans::table
            .find(referral)
            .for_update()
            .select(SupportPlanRow::as_select())
            .first(c)
            .await
            .optional()?;
        match (&existing, expected_version) {
            (Some(_), None) => return Err(DeliveryError::IfMatchRequired),
            (Some(p), Some(v)) if p.version != v => {
                return Err(DeliveryError::VersionMismatch { current: p.version })
            }
            (None, Some(_)) => return Err(DeliveryError::VersionMismatch { current: 0 }),
            _ => {}
        }
        let current_ids: Vec<Uuid> = plan_goals::table
            .filter(plan_goals::referral_id.eq(referral))
            .filter(plan_goals::current.eq(true))
            .select(plan_goals::id)
            .load(c)
            .await?;
        for (i, g) in goals.iter().enumerate() {
            if let Some(id) = g.id {
                if !current_ids.contains(&id) || goals[..i].iter().any(|o| o.id == Some(id)) {
                    return Err(field(
                        format!("goals[{i}].id"),
                        "unknown_goal",
                        "not a current goal of this plan (leave id out for a new goal)",
                    ));
                }
            }
        }
        let before: Vec<Uuid> = plan_interventions::table
            .filter(plan_interventions::referral_id.eq(referral))
            .select(plan_interventions::intervention_id)
            .load(c)
            .await?;
        let found: Vec<(Uuid, bool)> = interventions::table
            .filter(interventions::id.eq_any(&chosen))
            .select((interventions::id, interventions::active))
            .load(c)
            .await?;
        for (i, id) in chosen.iter().enumerate() {
            match found.iter().find(|(f, _)| f == id) {
                None => {
                    return Err(field(
                        format!("intervention_ids[{i}]"),
                        "unknown_intervention",
                        "no such intervention in the catalogue",
                    ))
                }
                // A retired intervention may stay on a plan that has it,
                // but is not chosen afresh.
                Some((_, false)) if !before.contains(id) => {
                    return Err(field(
                        format!("intervention_ids[{i}]"),
                        "inactive_intervention",
                        "the intervention is no longer offered",
                    ))
                }
                Some(_) => {}
            }
        }
        let version = existing.as_ref().map_or(1, |p| p.version + 1);
        let plan = SupportPlanRow {
            referral_id: referral,
            version,
            created_at: existing.as_ref().map_or(now, |p| p.created_at),
            updated_at: now,
            updated_by: actor.subject.clone(),
        };
        diesel::insert_into(support_plans::table)
            .values(&plan)
            .on_conflict(support_plans::referral_id)
            .do_update()
            .set((
                support_plans::version.eq(version),
                support_plans::updated_at.eq(now),
                support_plans::updated_by.eq(&actor.subject),
            ))
            .execute(c)
            .await?;
        diesel::update(plan_goals::table.filter(plan_goals::referral_id.eq(referral)))
            .set(plan_goals::current.eq(false))
            .execute(c)
            .await?;
        for (i, g) in goals.into_iter().enumerate() {
            let position = i16::try_from(i).unwrap_or(i16::MAX);
            match g.id {
                Some(id) => {
                    diesel::update(plan_goals::table.find(id))
                        .set((
                            plan_goals::position.eq(position),
                            plan_goals::area.eq(g.area),
                            plan_goals::description.eq(g.description),
                            plan_goals::baseline.eq(g.baseline),
                            plan_goals::target.eq(g.target),
                            plan_goals::current.eq(true),
                        ))
                        .execute(c)
                        .await?;
                }
                None => {
                    diesel::insert_into(plan_goals::table)
                        .values(&GoalRow {
                            id: Uuid::now_v7(),
                            referral_id: referral,
                            position,
                            area: g.area,
                            description: g.description,
                            baseline: g.baseline,
                            target: g.target,
                            current: true,
                        })
                        .execute(c)
                        .await?;
                }
            }
        }
        diesel::delete(
            plan_interventions::table.filter(plan_interventions::referral_id.eq(referral)),
        )
        .execute(c)
        .await?;
        let links: Vec<_> = chosen
            .iter()
            .enumerate()
            .map(|(i, id)| {
                (
                    plan_interventions::referral_id.eq(referral),
                    plan_interventions::intervention_id.eq(*id),
                    plan_interventions::position.eq(i16::try_from(i).unwrap_or(i16::MAX)),
                )
            })
            .collect();
        if !links.is_empty() {
            diesel::insert_into(plan_interventions::table)
                .values(&links)
                .execute(c)
                .await?;
        }
        let view = load_plan(c, referral)
            .await?
            .ok_or(DeliveryError::NotFound)?;
        diesel::insert_into(support_plan_versions::table)
            .values((
                support_plan_versions::referral_id.eq(referral),
                support_plan_versions::version.eq(version),
                support_plan_versions::document.eq(snapshot(&view)),
                support_plan_versions::recorded_at.eq(now),
                support_plan_versions::recorded_by.eq(&actor.subject),
            ))
            .execute(c)
            .await?;
        Ok((view, existing.is_none()))
    })
    .await
}

/// A kept version of a plan.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = support_plan_versions)]
pub struct PlanVersionRow {
    pub referral_id: Uuid,
    pub version: i32,
    pub document: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

/// Every version of a referral's plan, oldest first.
pub async fn plan_versions(
    c: &mut AsyncPgConnection,
    referral: Uuid,
) -> StoreResult<Vec<PlanVersionRow>> {
    Ok(support_plan_versions::table
        .filter(support_plan_versions::referral_id.eq(referral))
        .order(support_plan_versions::version.asc())
        .select(PlanVersionRow::as_select())
        .load(c)
        .await?)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = delivery_sessions)]
pub struct SessionRow {
    pub id: Uuid,
    pub team_id: Uuid,
    pub held_on: NaiveDate,
    pub intervention_id: Option<Uuid>,
    pub format: String,
    pub duration_minutes: i32,
    pub notes: Option<String>,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = session_attendance)]
pub struct AttendanceRow {
    pub session_id: Uuid,
    pub referral_id: Uuid,
    pub status: String,
    pub child_attended: bool,
    pub parent_carer_attended: bool,
    pub school_staff_attended: bool,
    pub held_on: NaiveDate,
}

/// A session with the attendance of every referral it covered.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionView {
    pub session: SessionRow,
    pub attendance: Vec<AttendanceRow>,
}

/// One referral's part in a session being recorded.
#[derive(Debug, Clone)]
pub struct Participant {
    pub referral_id: Uuid,
    pub status: String,
    pub child: bool,
    pub parent_carer: bool,
    pub school_staff: bool,
}

/// A session to record.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub held_on: NaiveDate,
    pub intervention_id: Option<Uuid>,
    pub format: String,
    pub duration_minutes: i32,
    pub notes: Option<String>,
}

/// How a participant's referral was refused: `index` is its position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipantProblem {
    /// Unknown or outside the caller's scope.
    NotFound,
    /// Not active.
    NotOpen(&'static str),
    /// Of another team than the first participant's.
    OtherTeam,
    /// Listed twice.
    Duplicate,
}

/// Why a session was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("participant {index} refused")]
    Participant {
        index: usize,
        problem: ParticipantProblem,
    },
    #[error("no such intervention")]
    UnknownIntervention,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for SessionError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

/// Records a session for its participants (one for an individual session,
/// several of one team for a group), in one transaction.
pub async fn record_session(
    conn: &mut AsyncPgConnection,
    new: NewSession,
    participants: Vec<Participant>,
    scope: &Scope,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<SessionView, SessionError> {
    conn.transaction(async |c| {
        let mut team: Option<Uuid> = None;
        for (index, p) in participants.iter().enumerate() {
            let refuse = |problem| SessionError::Participant { index, problem };
            if participants[..index]
                .iter()
                .any(|o| o.referral_id == p.referral_id)
            {
                return Err(refuse(ParticipantProblem::Duplicate));
            }
            let row = match lock_in_scope(c, p.referral_id, scope).await {
                Ok(r) => r,
                Err(StoreError::NotFound) => return Err(refuse(ParticipantProblem::NotFound)),
                Err(e) => return Err(e.into()),
            };
            let status = status_of(&row.status)?;
            if !may_record_delivery(status) {
                return Err(refuse(ParticipantProblem::NotOpen(status.as_str())));
            }
            let Some(t) = row.team_id else {
                return Err(refuse(ParticipantProblem::NotFound));
            };
            match team {
                None => team = Some(t),
                Some(first) if first != t => return Err(refuse(ParticipantProblem::OtherTeam)),
                Some(_) => {}
            }
        }
        if let Some(i) = new.intervention_id {
            match get_intervention(c, i).await {
                Ok(_) => {}
                Err(StoreError::NotFound) => return Err(SessionError::UnknownIntervention),
                Err(e) => return Err(e.into()),
            }
        }
        let session = SessionRow {
            id: Uuid::now_v7(),
            team_id: team.ok_or(SessionError::Participant {
                index: 0,
                problem: ParticipantProblem::NotFound,
            })?,
            held_on: new.held_on,
            intervention_id: new.intervention_id,
            format: new.format,
            duration_minutes: new.duration_minutes,
            notes: new.notes,
            recorded_by: actor.subject.clone(),
            created_at: now,
            version: 1,
        };
        diesel::insert_into(delivery_sessions::table)
            .values(&session)
            .execute(c)
            .await?;
        let attendance: Vec<AttendanceRow> = participants
            .into_iter()
            .map(|p| AttendanceRow {
                session_id: session.id,
                referral_id: p.referral_id,
                status: p.status,
                child_attended: p.child,
                parent_carer_attended: p.parent_carer,
                school_staff_attended: p.school_staff,
                held_on: session.held_on,
            })
            .collect();
        diesel::insert_into(session_attendance::table)
            .values(&attendance)
            .execute(c)
            .await?;
        Ok(SessionView {
            session,
            attendance,
        })
    })
    .await
}

/// A session as one referral sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralSession {
    pub session: SessionRow,
    pub attendance: AttendanceRow,
    /// How many referrals the session covered.
    pub participants: i64,
}

/// A referral's sessions, newest first, keyset (held_on, session id) descending.
pub async fn list_sessions(
    c: &mut AsyncPgConnection,
    referral: Uuid,
    before: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> StoreResult<Vec<ReferralSession>> {
    let rows: Vec<AttendanceRow> = sessions_query(referral, before, limit)
        .select(AttendanceRow::as_select())
        .load(c)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.session_id).collect();
    let sessions: Vec<SessionRow> = delivery_sessions::table
        .filter(delivery_sessions::id.eq_any(&ids))
        .select(SessionRow::as_select())
        .load(c)
        .await?;
    let counts: Vec<(Uuid, i64)> = session_attendance::table
        .filter(session_attendance::session_id.eq_any(&ids))
        .group_by(session_attendance::session_id)
        .select((session_attendance::session_id, diesel::dsl::count_star()))
        .load(c)
        .await?;
    rows.into_iter()
        .map(|a| {
            let session = sessions
                .iter()
                .find(|s| s.id == a.session_id)
                .cloned()
                .ok_or(StoreError::NotFound)?;
            let participants = counts
                .iter()
                .find(|(id, _)| *id == a.session_id)
                .map_or(1, |(_, n)| *n);
            Ok(ReferralSession {
                session,
                attendance: a,
                participants,
            })
        })
        .collect()
}

/// A session with all its attendance rows.
pub async fn get_session(c: &mut AsyncPgConnection, id: Uuid) -> StoreResult<SessionView> {
    let session: SessionRow = delivery_sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(c)
        .await?;
    let attendance: Vec<AttendanceRow> = session_attendance::table
        .filter(session_attendance::session_id.eq(id))
        .order(session_attendance::referral_id.asc())
        .select(AttendanceRow::as_select())
        .load(c)
        .await?;
    Ok(SessionView {
        session,
        attendance,
    })
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = plan_reviews)]
pub struct ReviewRow {
    pub id: Uuid,
    pub referral_id: Uuid,
    pub kind: String,
    pub reviewed_on: NaiveDate,
    pub notes: Option<String>,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

/// A review with its ratings (goal id, rating, the goal's baseline).
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewView {
    pub review: ReviewRow,
    pub ratings: Vec<(Uuid, i16, i16)>,
}

/// Rates every current goal of the plan: checks the ratings with the domain
/// and writes the review. Runs inside the caller's transaction (a review or
/// the closure of the referral).
#[allow(clippy::too_many_arguments)]
async fn rate_in_tx(
    c: &mut AsyncPgConnection,
    referral: Uuid,
    kind: &str,
    reviewed_on: NaiveDate,
    notes: Option<String>,
    ratings: &[(Uuid, i64)],
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReviewView, DeliveryError> {
    let goals: Vec<(Uuid, i16)> = plan_goals::table
        .filter(plan_goals::referral_id.eq(referral))
        .filter(plan_goals::current.eq(true))
        .order(plan_goals::position.asc())
        .select((plan_goals::id, plan_goals::baseline))
        .load(c)
        .await?;
    let ids: Vec<Uuid> = goals.iter().map(|g| g.0).collect();
    check_ratings(&ids, ratings).map_err(DeliveryError::Ratings)?;
    let review = ReviewRow {
        id: Uuid::now_v7(),
        referral_id: referral,
        kind: kind.to_owned(),
        reviewed_on,
        notes,
        recorded_by: actor.subject.clone(),
        created_at: now,
        version: 1,
    };
    diesel::insert_into(plan_reviews::table)
        .values(&review)
        .execute(c)
        .await?;
    let rows: Vec<_> = ratings
        .iter()
        .map(|(g, r)| {
            (
                review_ratings::review_id.eq(review.id),
                review_ratings::goal_id.eq(*g),
                review_ratings::rating.eq(i16::try_from(*r).unwrap_or(0)),
            )
        })
        .collect();
    diesel::insert_into(review_ratings::table)
        .values(&rows)
        .execute(c)
        .await?;
    let ratings = goals
        .iter()
        .filter_map(|(g, baseline)| {
            ratings
                .iter()
                .find(|(id, _)| id == g)
                .map(|(_, r)| (*g, i16::try_from(*r).unwrap_or(0), *baseline))
        })
        .collect();
    Ok(ReviewView { review, ratings })
}

/// Records an interim review of an active referral's plan.
#[allow(clippy::too_many_arguments)]
pub async fn record_review(
    conn: &mut AsyncPgConnection,
    referral: Uuid,
    scope: &Scope,
    reviewed_on: NaiveDate,
    notes: Option<String>,
    ratings: Vec<(Uuid, i64)>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReviewView, DeliveryError> {
    conn.transaction(async |c| {
        let row = lock_in_scope(c, referral, scope).await?;
        let status = status_of(&row.status)?;
        if !may_record_delivery(status) {
            return Err(DeliveryError::NotOpen(
                status.as_str(),
                "reviews are recorded while the referral is active",
            ));
        }
        let has_plan: Option<Uuid> = support_plans::table
            .find(referral)
            .select(support_plans::referral_id)
            .first(c)
            .await
            .optional()?;
        if has_plan.is_none() {
            return Err(DeliveryError::NoPlan);
        }
        rate_in_tx(
            c,
            referral,
            "interim",
            reviewed_on,
            notes,
            &ratings,
            actor,
            now,
        )
        .await
    })
    .await
}

/// At closure, inside the close transaction: records the final ratings as a
/// final review when the domain requires them or when they are given.
///
/// # Errors
/// `Ratings` when they are required and missing, or do not rate every
/// goal on the scale.
pub async fn record_final_ratings(
    c: &mut AsyncPgConnection,
    referral: Uuid,
    outcome: ClosureOutcome,
    ratings: Option<&[(Uuid, i64)]>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Option<ReviewView>, DeliveryError> {
    let goals: i64 = plan_goals::table
        .filter(plan_goals::referral_id.eq(referral))
        .filter(plan_goals::current.eq(true))
        .count()
        .get_result(c)
        .await?;
    let required = final_ratings_required(outcome, goals > 0);
    match ratings {
        None if required => Err(DeliveryError::Field {
            field: "final_ratings".into(),
            code: "final_ratings_required",
            message: format!(
                "closing with outcome {} needs final_ratings of every goal of the plan",
                outcome.as_str()
            ),
        }),
        None => Ok(None),
        Some(r) => Ok(Some(
            rate_in_tx(c, referral, "final", now.date_naive(), None, r, actor, now).await?,
        )),
    }
}

/// A referral's reviews, oldest first, keyset (created_at, id).
pub async fn list_reviews(
    c: &mut AsyncPgConnection,
    referral: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> StoreResult<Vec<ReviewView>> {
    let reviews: Vec<ReviewRow> = reviews_query(referral, after, limit)
        .select(ReviewRow::as_select())
        .load(c)
        .await?;
    let ids: Vec<Uuid> = reviews.iter().map(|r| r.id).collect();
    let ratings: Vec<(Uuid, Uuid, i16, i16, i16)> = review_ratings::table
        .inner_join(plan_goals::table)
        .filter(review_ratings::review_id.eq_any(&ids))
        .order(plan_goals::position.asc())
        .select((
            review_ratings::review_id,
            review_ratings::goal_id,
            review_ratings::rating,
            plan_goals::baseline,
            plan_goals::position,
        ))
        .load(c)
        .await?;
    Ok(reviews
        .into_iter()
        .map(|r| ReviewView {
            ratings: ratings
                .iter()
                .filter(|x| x.0 == r.id)
                .map(|x| (x.1, x.2, x.3))
                .collect(),
            review: r,
        })
        .collect())
}

fn sessions_query<'a>(
    referral: Uuid,
    before: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> session_attendance::BoxedQuery<'a, diesel::pg::Pg> {
    let mut q = session_attendance::table
        .filter(session_attendance::referral_id.eq(referral))
        .into_boxed();
    if let Some((d, id)) = before {
        q = q.filter(
            session_attendance::held_on
                .lt(d)
                .or(session_attendance::held_on
                    .eq(d)
                    .and(session_attendance::session_id.lt(id))),
        );
    }
    q.order((
        session_attendance::held_on.desc(),
        session_attendance::session_id.desc(),
    ))
    .limit(limit)
}

/// The SQL text `list_sessions` sends for its page of a referral's
/// attendance, with `$n` placeholders in bind order (see
/// `tests/e2e/indexes.rs`).
pub fn list_sessions_sql(referral: Uuid, before: Option<(NaiveDate, Uuid)>, limit: i64) -> String {
    crate::statement_sql(
        &sessions_query(referral, before, limit).select(AttendanceRow::as_select()),
    )
}

/// The SQL text `list_reviews` sends for its page of a referral's reviews,
/// with `$n` placeholders in bind order (see `tests/e2e/indexes.rs`).
pub fn list_reviews_sql(
    referral: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> String {
    crate::statement_sql(&reviews_query(referral, after, limit).select(ReviewRow::as_select()))
}

fn reviews_query<'a>(
    referral: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> plan_reviews::BoxedQuery<'a, diesel::pg::Pg> {
    let mut q = plan_reviews::table
        .filter(plan_reviews::referral_id.eq(referral))
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(
            plan_reviews::created_at
                .gt(at)
                .or(plan_reviews::created_at.eq(at).and(plan_reviews::id.gt(id))),
        );
    }
    q.order((plan_reviews::created_at.asc(), plan_reviews::id.asc()))
        .limit(limit)
}

/// A correction of a recorded session: its shared fields and the
/// attendance of every referral it covered.
#[derive(Debug, Clone)]
pub struct SessionCorrection {
    pub held_on: NaiveDate,
    pub intervention_id: Option<Uuid>,
    pub duration_minutes: i32,
    pub notes: Option<String>,
    pub participants: Vec<Participant>,
}

/// Corrects a recorded session if its version matches. Every referral it
/// covered is locked and must be in scope and still active (the rule of
/// recording it); the correction names exactly those referrals.
pub async fn correct_session(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    scope: &Scope,
    expected_version: i32,
    fix: SessionCorrection,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<SessionView, DeliveryError> {
    conn.transaction(async |c| {
        let current = get_session(c, id).await?;
        let match_scope = match scope {
            Scope::All => true,
            Scope::Team(t) => *t == current.session.team_id,
            _ => false,
        };
        if !match_scope {
            return Err(DeliveryError::NotFound);
        }
        let covered: Vec<Uuid> = current.attendance.iter().map(|a| a.referral_id).collect();
        let mut statuses = Vec::new();
        for r in &covered {
            let row = lock_in_scope(c, *r, scope).await?;
            statuses.push(status_of(&row.status)?);
        }
        if !may_correct_session(&statuses) {
            let closed = statuses
                .iter()
                .find(|s| !may_record_delivery(**s))
                .map_or("closed", |s| s.as_str());
            return Err(DeliveryError::NotOpen(
                closed,
                "a session is corrected while every referral it covered is active",
            ));
        }
        let given: Vec<Uuid> = fix.participants.iter().map(|p| p.referral_id).collect();
        if !same_participants(&covered, &given) {
            return Err(field(
                "participants".into(),
                "participants_changed",
                "name exactly the referrals the session covered, each once",
            ));
        }
        if let Some(i) = fix.intervention_id {
            match get_intervention(c, i).await {
                Ok(_) => {}
                Err(StoreError::NotFound) => {
                    return Err(field(
                        "intervention_id".into(),
                        "unknown_intervention",
                        "no such intervention in the catalogue",
                    ))
                }
                Err(e) => return Err(e.into()),
            }
        }
        let n = diesel::update(
            delivery_sessions::table
                .find(id)
                .filter(delivery_sessions::version.eq(expected_version)),
        )
        .set((
            delivery_sessions::held_on.eq(fix.held_on),
            delivery_sessions::intervention_id.eq(fix.intervention_id),
            delivery_sessions::duration_minutes.eq(fix.duration_minutes),
            delivery_sessions::notes.eq(fix.notes),
            delivery_sessions::version.eq(delivery_sessions::version + 1),
            delivery_sessions::updated_at.eq(now),
            delivery_sessions::updated_by.eq(&actor.subject),
        ))
        .execute(c)
        .await?;
        if n == 0 {
            return Err(DeliveryError::VersionMismatch {
                current: current.session.version,
            });
        }
        for p in fix.participants {
            diesel::update(
                session_attendance::table
                    .filter(session_attendance::session_id.eq(id))
                    .filter(session_attendance::referral_id.eq(p.referral_id)),
            )
            .set((
                session_attendance::status.eq(p.status),
                session_attendance::child_attended.eq(p.child),
                session_attendance::parent_carer_attended.eq(p.parent_carer),
                session_attendance::school_staff_attended.eq(p.school_staff),
                session_attendance::held_on.eq(fix.held_on),
            ))
            .execute(c)
            .await?;
        }
        Ok(get_session(c, id).await?)
    })
    .await
}

/// One review of a referral with its ratings (the caller checked the
/// referral's scope).
pub async fn get_review(
    c: &mut AsyncPgConnection,
    referral: Uuid,
    id: Uuid,
) -> StoreResult<ReviewView> {
    let review: ReviewRow = plan_reviews::table
        .find(id)
        .filter(plan_reviews::referral_id.eq(referral))
        .select(ReviewRow::as_select())
        .first(c)
        .await?;
    let ratings: Vec<(Uuid, i16, i16)> = review_ratings::table
        .inner_join(plan_goals::table)
        .filter(review_ratings::review_id.eq(id))
        .order(plan_goals::position.asc())
        .select((
            review_ratings::goal_id,
            review_ratings::rating,
            plan_goals::baseline,
        ))
        .load(c)
        .await?;
    Ok(ReviewView { review, ratings })
}

/// Re-rates the goals of an interim review if its version matches: the
/// referral is locked, in scope and active, and the review rates again
/// exactly the goals it rated. The plan's latest ratings and distance
/// travelled follow.
#[allow(clippy::too_many_arguments)]
pub async fn correct_review(
    conn: &mut AsyncPgConnection,
    referral: Uuid,
    id: Uuid,
    scope: &Scope,
    expected_version: i32,
    reviewed_on: NaiveDate,
    notes: Option<String>,
    ratings: Vec<(Uuid, i64)>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReviewView, DeliveryError> {
    conn.transaction(async |c| {
        let row = lock_in_scope(c, referral, scope).await?;
        let status = status_of(&row.status)?;
        let current = get_review(c, referral, id).await?;
        let kind = ReviewKind::parse(&current.review.kind).unwrap_or(ReviewKind::Final);
        if !may_correct_review(kind, status) {
            return Err(DeliveryError::NotOpen(
                status.as_str(),
                "an interim review is corrected while the referral is active; the final review stands",
            ));
        }
        let rated: Vec<Uuid> = current.ratings.iter().map(|r| r.0).collect();
        check_ratings(&rated, &ratings).map_err(DeliveryError::Ratings)?;
        let n = diesel::update(
            plan_reviews::table
                .find(id)
                .filter(plan_reviews::version.eq(expected_version)),
        )
        .set((
            plan_reviews::reviewed_on.eq(reviewed_on),
            plan_reviews::notes.eq(notes),
            plan_reviews::version.eq(plan_reviews::version + 1),
            plan_reviews::updated_at.eq(now),
            plan_reviews::updated_by.eq(&actor.subject),
        ))
        .execute(c)
        .await?;
        if n == 0 {
            return Err(DeliveryError::VersionMismatch {
                current: current.review.version,
            });
        }
        for (goal, rating) in &ratings {
            diesel::update(
                review_ratings::table
                    .filter(review_ratings::review_id.eq(id))
                    .filter(review_ratings::goal_id.eq(*goal)),
            )
            .set(review_ratings::rating.eq(i16::try_from(*rating).unwrap_or(0)))
            .execute(c)
            .await?;
        }
        Ok(get_review(c, referral, id).await?)
    })
    .await
}
