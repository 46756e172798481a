//! The diary (issue 16, item 2): planned appointments for a referral, a
//! programme session, a family or a school-support record, their workers, clashes of one worker's appointments,
//! and the session an appointment became. Reads and the calendar feed are
//! in `read`, calendar tokens in `tokens`.

pub mod model;
pub mod read;
pub mod tokens;

pub use model::{About, Access, AppointmentRow, AppointmentView, Plan};

use crate::delivery::{record_session, NewSession, Participant, SessionError};
use crate::models::WorkerRow;
use crate::schema::{
    appointment_workers, appointments, families, programme_sessions, programmes, school_support,
    teams, workers,
};
use crate::scope::lock_in_scope;
use crate::store_error::store_error;
use crate::{Actor, StoreError};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sct_domain::diary::{may_change, AppointmentStatus};
use sct_domain::WireName;
use uuid::Uuid;

/// Why an appointment write was refused.
#[derive(Debug, thiserror::Error)]
pub enum AppointmentError {
    #[error("not found")]
    NotFound,
    #[error("the appointment has changed since it was read (version {current})")]
    VersionMismatch { current: i32 },
    #[error("the appointment is {0}: only a planned appointment changes")]
    NotPlanned(&'static str),
    #[error("worker {0} is not a worker of the appointment's team")]
    NotInTeam(Uuid),
    #[error("worker {0} is deactivated")]
    Inactive(Uuid),
    #[error("worker {worker} already has appointment {with} at that time")]
    Clash { worker: Uuid, with: Uuid },
    #[error("the referral is not with a team yet")]
    NoTeam,
    #[error(transparent)]
    Session(SessionError),
    #[error(transparent)]
    Store(StoreError),
}

store_error!(AppointmentError, not_found);

fn status_of(row: &AppointmentRow) -> AppointmentStatus {
    AppointmentStatus::parse(&row.status).unwrap_or(AppointmentStatus::Completed)
}

/// The team an appointment about `about` belongs to, if the caller may
/// plan it: a referral's team (the referral in the caller's scope), or for
/// a programme session, a family or a school-support record the caller's
/// team (la_admin: the first worker's), of the record's zone.
async fn team_for(
    c: &mut AsyncPgConnection,
    about: About,
    access: &Access,
    first_worker: Uuid,
) -> Result<Uuid, AppointmentError> {
    let zone: Uuid = match about {
        About::Referral(id) => {
            let row = lock_in_scope(c, id, &access.scope()).await?;
            return row.team_id.ok_or(AppointmentError::NoTeam);
        }
        About::ProgrammeSession(id) => {
            programme_sessions::table
                .inner_join(programmes::table)
                .filter(programme_sessions::id.eq(id))
                .select(programmes::zone_id)
                .first(c)
                .await?
        }
        About::Family(id) => {
            families::table
                .find(id)
                .select(families::zone_id)
                .first(c)
                .await?
        }
        About::SchoolSupport(id) => {
            school_support::table
                .find(id)
                .select(school_support::zone_id)
                .first(c)
                .await?
        }
    };
    let team = match access {
        Access::All => workers::table
            .find(first_worker)
            .select(workers::team_id)
            .first::<Uuid>(c)
            .await
            .optional()?
            .ok_or(AppointmentError::NotInTeam(first_worker))?,
        Access::Team(t) | Access::Worker { team: t, .. } => *t,
        Access::Nothing => return Err(AppointmentError::NotFound),
    };
    let team_zone: Uuid = teams::table
        .find(team)
        .select(teams::zone_id)
        .first(c)
        .await?;
    if team_zone != zone {
        return Err(AppointmentError::NotFound);
    }
    Ok(team)
}

/// Checks the workers (of `team`, active), then, under a transaction-long
/// advisory lock per worker (so that two plans for one worker cannot both
/// pass), that none of them has another appointment at that time unless a
/// reason accepts the clash.
async fn check_workers(
    c: &mut AsyncPgConnection,
    team: Uuid,
    plan: &Plan,
    this: Option<Uuid>,
) -> Result<(), AppointmentError> {
    let rows: Vec<WorkerRow> = workers::table
        .filter(workers::id.eq_any(&plan.workers))
        .select(WorkerRow::as_select())
        .load(c)
        .await?;
    for w in &plan.workers {
        match rows.iter().find(|r| r.id == *w) {
            Some(r) if r.team_id != team => return Err(AppointmentError::NotInTeam(*w)),
            None => return Err(AppointmentError::NotInTeam(*w)),
            Some(r) if !r.active => return Err(AppointmentError::Inactive(*w)),
            Some(_) => {}
        }
    }
    let mut sorted = plan.workers.clone();
    sorted.sort();
    for w in &sorted {
        diesel::sql_query(
            "SELECT pg_advisory_xact_lock(hashtextextended('appointment-worker:' || $1::text, 0))",
        )
        .bind::<diesel::sql_types::Uuid, _>(*w)
        .execute(c)
        .await?;
    }
    if plan.clash_reason.is_some() {
        return Ok(());
    }
    let clash: Option<(Uuid, Uuid)> = appointment_workers::table
        .inner_join(appointments::table)
        .filter(appointment_workers::worker_id.eq_any(&sorted))
        .filter(appointments::status.ne(AppointmentStatus::Cancelled.as_str()))
        .filter(appointments::starts_at.lt(plan.ends_at))
        .filter(appointments::ends_at.gt(plan.starts_at))
        .filter(appointments::id.ne(this.unwrap_or_else(Uuid::nil)))
        .select((appointment_workers::worker_id, appointments::id))
        .order(appointments::starts_at.asc())
        .first(c)
        .await
        .optional()?;
    match clash {
        Some((worker, with)) => Err(AppointmentError::Clash { worker, with }),
        None => Ok(()),
    }
}

async fn set_workers(
    c: &mut AsyncPgConnection,
    id: Uuid,
    list: &[Uuid],
) -> Result<(), diesel::result::Error> {
    diesel::delete(appointment_workers::table.filter(appointment_workers::appointment_id.eq(id)))
        .execute(c)
        .await?;
    let rows: Vec<_> = list
        .iter()
        .map(|w| {
            (
                appointment_workers::appointment_id.eq(id),
                appointment_workers::worker_id.eq(*w),
            )
        })
        .collect();
    diesel::insert_into(appointment_workers::table)
        .values(rows)
        .execute(c)
        .await?;
    Ok(())
}

/// Plans an appointment (in the caller's transaction).
///
/// # Errors
/// `NotFound` (the referral or programme session out of reach), a worker
/// refused, a clash, or a storage failure.
pub async fn create(
    c: &mut AsyncPgConnection,
    about: About,
    plan: Plan,
    access: &Access,
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<AppointmentView, AppointmentError> {
    let first = <[Uuid]>::first(&plan.workers)
        .copied()
        .ok_or(AppointmentError::NotInTeam(Uuid::nil()))?;
    let team = team_for(c, about, access, first).await?;
    check_workers(c, team, &plan, None).await?;
    let (mut referral_id, mut programme_session_id, mut family_id, mut school_support_id) =
        (None, None, None, None);
    match about {
        About::Referral(r) => referral_id = Some(r),
        About::ProgrammeSession(s) => programme_session_id = Some(s),
        About::Family(f) => family_id = Some(f),
        About::SchoolSupport(s) => school_support_id = Some(s),
    }
    let row = AppointmentRow {
        id: Uuid::now_v7(),
        team_id: team,
        referral_id,
        programme_session_id,
        starts_at: plan.starts_at,
        ends_at: plan.ends_at,
        mode: plan.mode,
        place: plan.place,
        expected: plan.expected,
        status: AppointmentStatus::Planned.as_str().to_owned(),
        attendance: None,
        cancelled_by: None,
        cancel_reason: None,
        session_id: None,
        clash_reason: plan.clash_reason,
        created_by: created_by.to_owned(),
        created_at: now,
        updated_at: now,
        version: 1,
        family_id,
        school_support_id,
        support_session_id: None,
    };
    diesel::insert_into(appointments::table)
        .values(&row)
        .execute(c)
        .await?;
    set_workers(c, row.id, &plan.workers).await?;
    Ok(AppointmentView {
        row,
        workers: plan.workers,
    })
}

/// Locks an appointment the caller may act on, at the expected version and
/// still planned.
async fn lock_planned(
    c: &mut AsyncPgConnection,
    id: Uuid,
    access: &Access,
    expected: sct_domain::VersionMatch,
) -> Result<AppointmentView, AppointmentError> {
    let row: AppointmentRow = appointments::table
        .find(id)
        .for_update()
        .select(AppointmentRow::as_select())
        .first(c)
        .await?;
    let view = read::with_workers(c, row).await?;
    if !read::visible(c, &view, access).await? {
        return Err(AppointmentError::NotFound);
    }
    if !expected.matches(view.row.version) {
        return Err(AppointmentError::VersionMismatch {
            current: view.row.version,
        });
    }
    let status = status_of(&view.row);
    if !may_change(status) {
        return Err(AppointmentError::NotPlanned(status.as_str()));
    }
    Ok(view)
}

/// Replaces an appointment's times, place, workers and who is expected.
///
/// # Errors
/// As `create`, a stale version, or an appointment no longer planned.
pub async fn update(
    c: &mut AsyncPgConnection,
    id: Uuid,
    plan: Plan,
    access: &Access,
    expected: sct_domain::VersionMatch,
    now: DateTime<Utc>,
) -> Result<AppointmentView, AppointmentError> {
    let mut view = lock_planned(c, id, access, expected).await?;
    check_workers(c, view.row.team_id, &plan, Some(id)).await?;
    let r = &mut view.row;
    r.starts_at = plan.starts_at;
    r.ends_at = plan.ends_at;
    r.mode = plan.mode;
    r.place = plan.place;
    r.expected = plan.expected;
    r.clash_reason = plan.clash_reason;
    r.version += 1;
    r.updated_at = now.max(r.updated_at);
    diesel::update(appointments::table.find(id))
        .set((
            appointments::starts_at.eq(r.starts_at),
            appointments::ends_at.eq(r.ends_at),
            appointments::mode.eq(&r.mode),
            appointments::place.eq(&r.place),
            appointments::expected.eq(&r.expected),
            appointments::clash_reason.eq(&r.clash_reason),
            appointments::version.eq(r.version),
            appointments::updated_at.eq(r.updated_at),
        ))
        .execute(c)
        .await?;
    set_workers(c, id, &plan.workers).await?;
    view.workers = plan.workers;
    Ok(view)
}

/// Calls a planned appointment off.
///
/// # Errors
/// `NotFound`, a stale version, an appointment no longer planned.
pub async fn cancel(
    c: &mut AsyncPgConnection,
    id: Uuid,
    by: &str,
    reason: Option<String>,
    access: &Access,
    expected: sct_domain::VersionMatch,
    now: DateTime<Utc>,
) -> Result<AppointmentView, AppointmentError> {
    let mut view = lock_planned(c, id, access, expected).await?;
    let r = &mut view.row;
    AppointmentStatus::Cancelled
        .as_str()
        .clone_into(&mut r.status);
    r.cancelled_by = Some(by.to_owned());
    r.cancel_reason = reason;
    r.version += 1;
    r.updated_at = now.max(r.updated_at);
    diesel::update(appointments::table.find(id))
        .set((
            appointments::status.eq(&r.status),
            appointments::cancelled_by.eq(&r.cancelled_by),
            appointments::cancel_reason.eq(&r.cancel_reason),
            appointments::version.eq(r.version),
            appointments::updated_at.eq(r.updated_at),
        ))
        .execute(c)
        .await?;
    Ok(view)
}

/// How an appointment went.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `attended`, `did_not_attend` or `cancelled`.
    pub attendance: String,
    /// Who cancelled (with `cancelled`).
    pub cancelled_by: Option<String>,
    /// The session to record (a referral's appointment), its attendance
    /// included; `None` for a programme session's appointment (its
    /// register is kept with the programme) and a family's.
    pub session: Option<(NewSession, Participant)>,
    /// For a school-support record's appointment that was attended: the
    /// record's session to record (its id, support id, practitioner and
    /// date are filled in here).
    pub support_session: Option<crate::school_support::SessionRow>,
}

/// Completes a planned appointment by recording the session it became
/// (for a referral: a session of the referral, in the same transaction) and
/// linking the two.
///
/// # Errors
/// As `cancel`, or the session refused.
pub async fn complete(
    c: &mut AsyncPgConnection,
    id: Uuid,
    outcome: Outcome,
    access: &Access,
    expected: sct_domain::VersionMatch,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<AppointmentView, AppointmentError> {
    let mut view = lock_planned(c, id, access, expected).await?;
    let session_id = match (view.row.referral_id, outcome.session) {
        (Some(referral), Some((new, mut participant))) => {
            participant.referral_id = referral;
            let recorded = record_session(c, new, vec![participant], &access.scope(), actor, now)
                .await
                .map_err(AppointmentError::Session)?;
            Some(recorded.session.id)
        }
        _ => None,
    };
    let support_session_id = match (view.row.school_support_id, outcome.support_session) {
        (Some(support), Some(mut row)) => {
            row.id = Uuid::now_v7();
            row.support_id = support;
            row.practitioner_id = <[Uuid]>::first(&view.workers)
                .copied()
                .unwrap_or(row.practitioner_id);
            row.created_at = now;
            Some(crate::school_support::add_session(c, &row).await?.id)
        }
        _ => None,
    };
    let r = &mut view.row;
    AppointmentStatus::Completed
        .as_str()
        .clone_into(&mut r.status);
    r.attendance = Some(outcome.attendance);
    r.cancelled_by = outcome.cancelled_by;
    r.session_id = session_id;
    r.support_session_id = support_session_id;
    r.version += 1;
    r.updated_at = now.max(r.updated_at);
    diesel::update(appointments::table.find(id))
        .set((
            appointments::status.eq(&r.status),
            appointments::attendance.eq(&r.attendance),
            appointments::cancelled_by.eq(&r.cancelled_by),
            appointments::session_id.eq(r.session_id),
            appointments::support_session_id.eq(r.support_session_id),
            appointments::version.eq(r.version),
            appointments::updated_at.eq(r.updated_at),
        ))
        .execute(c)
        .await?;
    Ok(view)
}
