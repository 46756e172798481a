//! Reading the diary: one appointment, a window of appointments (a worker's,
//! a team's, every one), and a worker's calendar feed (initials only).

use super::model::{Access, AppointmentRow, AppointmentView};
use crate::schema::{appointment_workers, appointments, children, referrals};
use crate::scope::{in_scope, Scope};
use crate::StoreResult;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// The appointment with its workers.
pub(crate) async fn with_workers(
    c: &mut AsyncPgConnection,
    row: AppointmentRow,
) -> StoreResult<AppointmentView> {
    let mut list: Vec<Uuid> = appointment_workers::table
        .filter(appointment_workers::appointment_id.eq(row.id))
        .select(appointment_workers::worker_id)
        .load(c)
        .await?;
    list.sort();
    Ok(AppointmentView { row, workers: list })
}

/// Whether the caller may read and act on the appointment.
pub(crate) async fn visible(
    c: &mut AsyncPgConnection,
    view: &AppointmentView,
    access: &Access,
) -> StoreResult<bool> {
    Ok(match access {
        Access::All => true,
        Access::Team(t) => view.row.team_id == *t,
        Access::Worker { worker, .. } => {
            if view.workers.contains(worker) {
                true
            } else if let Some(r) = view.row.referral_id {
                let row = crate::referrals::find(c, r, &Scope::All).await?;
                in_scope(c, &row, &Scope::Worker(*worker)).await?
            } else {
                false
            }
        }
        Access::Nothing => false,
    })
}

/// One appointment the caller may read (`NotFound` otherwise).
///
/// # Errors
/// `NotFound`, or a storage failure.
pub async fn get(
    c: &mut AsyncPgConnection,
    id: Uuid,
    access: &Access,
) -> StoreResult<AppointmentView> {
    let row: AppointmentRow = appointments::table
        .find(id)
        .select(AppointmentRow::as_select())
        .first(c)
        .await?;
    let view = with_workers(c, row).await?;
    if visible(c, &view, access).await? {
        Ok(view)
    } else {
        Err(crate::StoreError::NotFound)
    }
}

/// Whose diary a list reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose {
    /// One worker's appointments.
    Worker(Uuid),
    /// A team's appointments.
    Team(Uuid),
    /// Every appointment (la_admin).
    All,
}

/// Keyset of a window: (starts_at, id), earliest first.
pub type Keyset = (DateTime<Utc>, Uuid);

/// Appointments starting in `[from, to)`, earliest first, `limit` of them
/// after `after`, each with its workers.
///
/// # Errors
/// A storage failure.
pub async fn list(
    c: &mut AsyncPgConnection,
    whose: Whose,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    after: Option<Keyset>,
    limit: i64,
) -> StoreResult<Vec<AppointmentView>> {
    let mut q = appointments::table
        .filter(appointments::starts_at.ge(from))
        .filter(appointments::starts_at.lt(to))
        .into_boxed();
    match whose {
        Whose::Worker(w) => {
            q = q.filter(
                appointments::id.eq_any(
                    appointment_workers::table
                        .filter(appointment_workers::worker_id.eq(w))
                        .select(appointment_workers::appointment_id),
                ),
            );
        }
        Whose::Team(t) => q = q.filter(appointments::team_id.eq(t)),
        Whose::All => {}
    }
    if let Some((at, id)) = after {
        q = q.filter(
            appointments::starts_at
                .gt(at)
                .or(appointments::starts_at.eq(at).and(appointments::id.gt(id))),
        );
    }
    let rows: Vec<AppointmentRow> = q
        .order((appointments::starts_at.asc(), appointments::id.asc()))
        .limit(limit)
        .select(AppointmentRow::as_select())
        .load(c)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let pairs: Vec<(Uuid, Uuid)> = appointment_workers::table
        .filter(appointment_workers::appointment_id.eq_any(&ids))
        .select((
            appointment_workers::appointment_id,
            appointment_workers::worker_id,
        ))
        .order((
            appointment_workers::appointment_id,
            appointment_workers::worker_id,
        ))
        .load(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let list = pairs
                .iter()
                .filter(|(a, _)| *a == row.id)
                .map(|(_, w)| *w)
                .collect();
            AppointmentView { row, workers: list }
        })
        .collect())
}

/// One appointment of a calendar feed: its row and the child's names (of
/// which the feed shows the initials only).
#[derive(Debug, Clone)]
pub struct FeedItem {
    pub row: AppointmentRow,
    pub child: Option<(String, String)>,
}

/// A worker's appointments starting in `[from, to)` (at most `limit`), for
/// the calendar feed.
///
/// # Errors
/// A storage failure.
pub async fn feed(
    c: &mut AsyncPgConnection,
    worker: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<FeedItem>> {
    let rows = list(c, Whose::Worker(worker), from, to, None, limit).await?;
    let ids: Vec<Uuid> = rows.iter().filter_map(|v| v.row.referral_id).collect();
    let names: Vec<(Uuid, String, String)> = referrals::table
        .inner_join(children::table)
        .filter(referrals::id.eq_any(&ids))
        .select((referrals::id, children::given_name, children::family_name))
        .load(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|v| {
            let child = v.row.referral_id.and_then(|r| {
                names
                    .iter()
                    .find(|(id, _, _)| *id == r)
                    .map(|(_, g, f)| (g.clone(), f.clone()))
            });
            FeedItem { row: v.row, child }
        })
        .collect())
}

/// The team of a worker (`NotFound` for no such worker).
///
/// # Errors
/// `NotFound`, or a storage failure.
pub async fn worker_team(c: &mut AsyncPgConnection, worker: Uuid) -> StoreResult<Uuid> {
    Ok(crate::schema::workers::table
        .find(worker)
        .select(crate::schema::workers::team_id)
        .first(c)
        .await?)
}
