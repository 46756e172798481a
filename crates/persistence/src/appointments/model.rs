//! The diary's rows and the caller's reach over them.

use crate::schema::appointments;
use crate::scope::Scope;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

/// A stored appointment.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = appointments)]
pub struct AppointmentRow {
    pub id: Uuid,
    pub team_id: Uuid,
    pub referral_id: Option<Uuid>,
    pub programme_session_id: Option<Uuid>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub mode: String,
    pub place: Option<String>,
    pub expected: Vec<String>,
    pub status: String,
    pub attendance: Option<String>,
    pub cancelled_by: Option<String>,
    pub cancel_reason: Option<String>,
    pub session_id: Option<Uuid>,
    pub clash_reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub family_id: Option<Uuid>,
    pub school_support_id: Option<Uuid>,
    pub support_session_id: Option<Uuid>,
}

/// An appointment with its workers.
#[derive(Debug, Clone, PartialEq)]
pub struct AppointmentView {
    pub row: AppointmentRow,
    pub workers: Vec<Uuid>,
}

/// What an appointment is for: exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About {
    Referral(Uuid),
    ProgrammeSession(Uuid),
    Family(Uuid),
    SchoolSupport(Uuid),
}

/// The times, place, workers and who is expected (a new appointment, or
/// the whole of a change).
#[derive(Debug, Clone)]
pub struct Plan {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub mode: String,
    pub place: Option<String>,
    pub expected: Vec<String>,
    pub workers: Vec<Uuid>,
    /// Why a clash is accepted (none: a clash is refused).
    pub clash_reason: Option<String>,
}

/// Who acts on appointments: la_admin every one; a team manager their
/// team's; a practitioner those they are a worker of, or of referrals they
/// work, and new ones of their team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    All,
    Team(Uuid),
    Worker { team: Uuid, worker: Uuid },
    Nothing,
}

impl Access {
    /// The referral scope of the same caller.
    pub fn scope(&self) -> Scope {
        match self {
            Self::All => Scope::All,
            Self::Team(t) => Scope::Team(*t),
            Self::Worker { worker, .. } => Scope::Worker(*worker),
            Self::Nothing => Scope::Worker(Uuid::nil()),
        }
    }
}
