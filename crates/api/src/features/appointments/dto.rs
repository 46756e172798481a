//! The diary's request and response bodies.

use crate::features::delivery::dto::AttendanceStatus;
use crate::features::delivery::dto::Attendees;
use crate::http::paging::list_page;
use crate::http::paging::list_params;
use crate::http::wire::wire_enum;
use chrono::DateTime;
use chrono::Utc;
use sct_domain::diary;
use sct_persistence::appointments::tokens::TokenRow;
use sct_persistence::appointments::AppointmentView;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

wire_enum!(
    /// `in_person` (at `place`) or `online`.
    AppointmentMode => diary::AppointmentMode { InPerson, Online } default = InPerson
);
wire_enum!(
    /// Who is expected: the `child`, a `parent_carer`, `school_staff`, a `partner` organisation's worker.
    Expected => diary::Expected { Child, ParentCarer, SchoolStaff, Partner } default = Child
);
wire_enum!(
    /// `planned`; `cancelled` beforehand; `completed`, recorded as the session it became.
    AppointmentStatus => diary::AppointmentStatus { Planned, Cancelled, Completed } default = Planned
);
wire_enum!(
    /// Who called it off: the `family`, the `school`, the `service`.
    CancelledBy => diary::CancelledBy { Family, School, Service } default = Service
);

/// The times, place, workers and who is expected.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"starts_at": "2026-12-07T09:30:00Z", "ends_at": "2026-12-07T10:30:00Z", "mode": "in_person", "place": "Family room, Riverside Primary", "expected": ["child", "parent_carer"], "worker_ids": ["0192f1c2-3d4e-7f00-8000-000000000001"]}))]
pub struct AppointmentPlan {
    /// When it starts (UTC or with an offset).
    pub starts_at: DateTime<Utc>,
    /// When it ends: after `starts_at`, at most 12 hours later (422 otherwise).
    pub ends_at: DateTime<Utc>,
    /// Face to face or online.
    pub mode: AppointmentMode,
    /// Where (a room, a school, a home): never shown in the calendar feed.
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub place: Option<String>,
    /// Who is expected (1 to 4, each once).
    #[validate(length(min = 1, max = 4))]
    #[schema(min_items = 1, max_items = 4)]
    pub expected: Vec<Expected>,
    /// The workers of the team who hold it (1 to 5, each once).
    #[validate(length(min = 1, max = 5))]
    #[schema(min_items = 1, max_items = 5)]
    pub worker_ids: Vec<Uuid>,
    /// Why a clash with another appointment of one of the workers is accepted; without it a clash answers 409 `appointment_clash`.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub clash_reason: Option<String>,
}

/// A new appointment: for a referral, a programme session, a family or a
/// school-support record (exactly one).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"referral_id": "0192f1c2-3d4e-7f00-8000-000000000000", "starts_at": "2026-12-07T09:30:00Z", "ends_at": "2026-12-07T10:30:00Z", "mode": "in_person", "place": "Family room, Riverside Primary", "expected": ["child", "parent_carer"], "worker_ids": ["0192f1c2-3d4e-7f00-8000-000000000001"]}))]
pub struct NewAppointment {
    /// The referral it is planned for.
    pub referral_id: Option<Uuid>,
    /// Or the programme session.
    pub programme_session_id: Option<Uuid>,
    /// Or the family (a family of the caller's zone).
    pub family_id: Option<Uuid>,
    /// Or the school-support record (work with a setting of the caller's zone).
    pub school_support_id: Option<Uuid>,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends: after `starts_at`, at most 12 hours later.
    pub ends_at: DateTime<Utc>,
    /// Face to face or online.
    pub mode: AppointmentMode,
    /// Where: never shown in the calendar feed.
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub place: Option<String>,
    /// Who is expected (1 to 4, each once).
    #[validate(length(min = 1, max = 4))]
    #[schema(min_items = 1, max_items = 4)]
    pub expected: Vec<Expected>,
    /// The workers who hold it (1 to 5, each once, of the team).
    #[validate(length(min = 1, max = 5))]
    #[schema(min_items = 1, max_items = 5)]
    pub worker_ids: Vec<Uuid>,
    /// Why a clash is accepted.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub clash_reason: Option<String>,
}

impl NewAppointment {
    /// The plan part.
    pub fn plan(self) -> AppointmentPlan {
        AppointmentPlan {
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            mode: self.mode,
            place: self.place,
            expected: self.expected,
            worker_ids: self.worker_ids,
            clash_reason: self.clash_reason,
        }
    }
}

/// Calling an appointment off beforehand.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cancelled_by": "family", "reason": "Child unwell"}))]
pub struct CancelBody {
    /// Who called it off.
    pub cancelled_by: CancelledBy,
    /// Why.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: Option<String>,
}

/// How it went: the session it became.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"attendance": "attended", "attendees": {"child": true, "parent_carer": true, "school_staff": false}, "notes": "Worked through the morning routine chart."}))]
pub struct CompleteBody {
    /// Attended, did not attend, or cancelled on the day.
    pub attendance: AttendanceStatus,
    /// Who cancelled: required with `cancelled`, refused otherwise (422).
    pub cancelled_by: Option<CancelledBy>,
    /// Who attended (`attended` names at least one; nobody attends a missed or cancelled one).
    pub attendees: Attendees,
    /// The catalogue intervention delivered, if any.
    pub intervention_id: Option<Uuid>,
    /// Length in minutes (1 to 600; default: the appointment's length).
    #[validate(range(min = 1, max = 600))]
    #[schema(minimum = 1, maximum = 600)]
    pub duration_minutes: Option<i32>,
    /// What happened, without names of other children.
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    pub notes: Option<String>,
    /// For a school-support appointment attended: how many children took part (0 to 2000, default 0); refused for other appointments (422).
    #[validate(range(min = 0, max = 2000))]
    #[schema(minimum = 0, maximum = 2000)]
    pub children_count: Option<i32>,
    /// For a school-support appointment attended: how many of the setting's staff took part (0 to 500, default 0); refused for other appointments (422).
    #[validate(range(min = 0, max = 500))]
    #[schema(minimum = 0, maximum = 500)]
    pub staff_count: Option<i32>,
}

/// A planned appointment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Appointment {
    /// Appointment id.
    pub id: Uuid,
    /// The team whose diary holds it.
    pub team_id: Uuid,
    /// The referral it is for (or null).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub referral_id: Option<Uuid>,
    /// The programme session it is for (or null).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub programme_session_id: Option<Uuid>,
    /// The family it is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub family_id: Option<Uuid>,
    /// The school-support record it is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub school_support_id: Option<Uuid>,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends.
    pub ends_at: DateTime<Utc>,
    /// Face to face or online.
    pub mode: AppointmentMode,
    /// Where.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub place: Option<String>,
    /// Who is expected.
    pub expected: Vec<Expected>,
    /// The workers who hold it.
    pub worker_ids: Vec<Uuid>,
    /// Planned, cancelled or completed.
    pub status: AppointmentStatus,
    /// How it went, once completed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub attendance: Option<AttendanceStatus>,
    /// Who called it off (cancelled, or completed as cancelled on the day).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub cancelled_by: Option<CancelledBy>,
    /// Why it was called off beforehand.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub cancel_reason: Option<String>,
    /// The session it became (a referral's appointment, once completed).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub session_id: Option<Uuid>,
    /// The school-support session it became (a school-support appointment completed as attended).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub support_session_id: Option<Uuid>,
    /// Why a clash was accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub clash_reason: Option<String>,
    /// Who planned it (token subject).
    pub created_by: String,
    /// When it was planned.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
}

impl From<&AppointmentView> for Appointment {
    fn from(v: &AppointmentView) -> Self {
        let r = &v.row;
        Self {
            id: r.id,
            team_id: r.team_id,
            referral_id: r.referral_id,
            programme_session_id: r.programme_session_id,
            family_id: r.family_id,
            school_support_id: r.school_support_id,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            mode: AppointmentMode::from_code(&r.mode),
            place: r.place.clone(),
            expected: r.expected.iter().map(|e| Expected::from_code(e)).collect(),
            worker_ids: v.workers.clone(),
            status: AppointmentStatus::from_code(&r.status),
            attendance: r.attendance.as_deref().map(AttendanceStatus::from_code),
            cancelled_by: r.cancelled_by.as_deref().map(CancelledBy::from_code),
            cancel_reason: r.cancel_reason.clone(),
            session_id: r.session_id,
            support_session_id: r.support_session_id,
            clash_reason: r.clash_reason.clone(),
            created_by: r.created_by.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        }
    }
}

list_page! {
    /// A page of appointments, earliest first.
    AppointmentPage {
        /// The appointments, earliest first.
        items: Appointment
    }
}

list_params! {
    /// Which appointments to list.
    AppointmentQuery {
        /// One worker's diary: a worker id, or `me` for the caller's own. Without it: a practitioner's own diary, a team manager's team, every appointment for la_admin.
        #[param(value_type = Option<String>, pattern = "^(me|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$")]
        worker_id: Option<String>,
        /// Appointments starting at or after this instant.
        #[param(example = "2026-12-07T00:00:00Z")]
        from: DateTime<Utc>,
        /// And before this one: after `from`, at most 31 days later (400 otherwise).
        #[param(example = "2026-12-14T00:00:00Z")]
        to: DateTime<Utc>,
    }
}

/// A calendar token: the feed's URL is shown once, when it is created.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarToken {
    /// Token id (to revoke it).
    pub id: Uuid,
    /// The worker whose diary the feed shows.
    pub worker_id: Uuid,
    /// The secret feed path (`/api/v1/calendar/{token}.ics`): only in the answer that creates it, never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub feed_path: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When revoked (the feed then answers 404).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub revoked_at: Option<DateTime<Utc>>,
    /// The ETag is `"v{version}"`.
    pub version: i32,
}

impl CalendarToken {
    /// The token's public view; `feed_path` only when it is created.
    pub fn of(r: &TokenRow, feed_path: Option<String>) -> Self {
        Self {
            id: r.id,
            worker_id: r.worker_id,
            feed_path,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
            version: r.version,
        }
    }
}

/// The caller's calendar tokens.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarTokenList {
    /// Newest first, revoked ones included (at most 100).
    pub items: Vec<CalendarToken>,
}
