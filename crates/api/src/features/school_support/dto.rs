//! School-support DTOs: the record, its cohort and staff, sessions, agreed
//! actions and review. Uses the referrals feature's `IndesArea` schema.

use crate::features::referrals::dto::IndesArea;
use crate::http::paging::list_page;
use crate::http::wire::wire_enum;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use sct_domain as domain;
use sct_domain::school_support as rules;
use sct_domain::WireName;
use sct_persistence::school_support::ActionRow;
use sct_persistence::school_support::SessionRow;
use sct_persistence::school_support::SupportRow;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

wire_enum!(
    /// What kind of work with the setting.
    SupportKind => rules::SupportKind {
        WholeSchoolApproach, StaffTraining, InclusionAudit, StaffCoaching, CohortGroupWork, TransitionWork,
    } default = WholeSchoolApproach
);
wire_enum!(
    /// The role of the setting's staff who took part (no names).
    StaffRole => rules::StaffRole {
        Headteacher, SeniorLeader, Senco, ClassTeacher, TeachingAssistant, PastoralStaff,
        EarlyYearsPractitioner, Other,
    } default = Other
);
wire_enum!(
    /// How the work ended, at its review.
    ReviewOutcome => rules::ReviewOutcome { Achieved, PartlyAchieved, NotAchieved, EndedEarly } default = Achieved
);
wire_enum!(
    /// Who owns an agreed action: the setting, or a worker of the team.
    ActionOwner => rules::ActionOwner { School, Team } default = School
);

/// How many of the setting's staff of one role took part.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffCount {
    /// Their role.
    pub role: StaffRole,
    /// How many (1 to 500).
    #[schema(minimum = 1, maximum = 500)]
    pub count: i64,
}

/// The children a piece of work is with: year groups and a number, never
/// names; optionally some of the setting's own referrals.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Cohort {
    /// Year groups (census codes N1, N2, R, 1-14, X), each once.
    #[schema(min_items = 1, max_items = 17, example = json!(["3"]))]
    #[validate(length(min = 1, max = 17))]
    pub year_groups: Vec<String>,
    /// How many children (0 to 2000; at least the referrals linked).
    #[schema(minimum = 0, maximum = 2000, example = 8)]
    pub size: i64,
    /// Referrals of the setting linked to the cohort (the other children are counted only).
    #[serde(default)]
    #[schema(max_items = 200)]
    #[validate(length(max = 200))]
    pub referral_ids: Vec<Uuid>,
}

/// The content of a school-support record (new or changed).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "cohort_group_work",
    "title": "Year 3 regulation group",
    "starts_on": "2026-09-15",
    "indes_areas": ["social_emotional_mental_health"],
    "staff": [{"role": "teaching_assistant", "count": 2}],
    "cohort": {"year_groups": ["3"], "size": 8},
    "aims": "Children name and manage their feelings in class"
}))]
pub struct SupportContent {
    /// What kind of work.
    pub kind: SupportKind,
    /// A short title (no child names).
    #[schema(min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300))]
    pub title: String,
    /// When the work starts.
    pub starts_on: NaiveDate,
    /// When it ends, if known (not before `starts_on`).
    pub ends_on: Option<NaiveDate>,
    /// INDES areas it addresses (each once).
    #[serde(default)]
    #[schema(value_type = std::collections::BTreeSet<IndesArea>, max_items = 7)]
    #[validate(length(max = 7))]
    pub indes_areas: Vec<IndesArea>,
    /// The setting's staff who took part, by role (each role once).
    #[serde(default)]
    #[schema(max_items = 8)]
    #[validate(length(max = 8))]
    pub staff: Vec<StaffCount>,
    /// The children it is with, if any (required for `cohort_group_work`).
    #[validate(nested)]
    pub cohort: Option<Cohort>,
    /// What the work aims at (no child names).
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub aims: Option<String>,
}

/// A new school-support record: the setting and the content.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "school_urn": "121234",
    "kind": "staff_training",
    "title": "Emotion coaching for all staff",
    "starts_on": "2026-09-15",
    "indes_areas": ["social_emotional_mental_health"],
    "staff": [{"role": "class_teacher", "count": 12}, {"role": "teaching_assistant", "count": 9}]
}))]
pub struct NewSupport {
    /// The setting's URN: a setting identifier (a 6-digit URN, or for a setting beyond GIAS its Ofsted registration number `EY123456` or local id `LA-…`) (in the caller's zone; another answers 404).
    #[schema(pattern = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$")]
    pub school_urn: String,
    /// What kind of work.
    pub kind: SupportKind,
    /// A short title (no child names).
    #[schema(min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300))]
    pub title: String,
    /// When the work starts.
    pub starts_on: NaiveDate,
    /// When it ends, if known (not before `starts_on`).
    pub ends_on: Option<NaiveDate>,
    /// INDES areas it addresses (each once).
    #[serde(default)]
    #[schema(value_type = std::collections::BTreeSet<IndesArea>, max_items = 7)]
    #[validate(length(max = 7))]
    pub indes_areas: Vec<IndesArea>,
    /// The setting's staff who took part, by role (each role once).
    #[serde(default)]
    #[schema(max_items = 8)]
    #[validate(length(max = 8))]
    pub staff: Vec<StaffCount>,
    /// The children it is with, if any (required for `cohort_group_work`).
    #[validate(nested)]
    pub cohort: Option<Cohort>,
    /// What the work aims at (no child names).
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub aims: Option<String>,
}

impl NewSupport {
    /// The setting and the content.
    pub fn content(self) -> (String, SupportContent) {
        (
            self.school_urn,
            SupportContent {
                kind: self.kind,
                title: self.title,
                starts_on: self.starts_on,
                ends_on: self.ends_on,
                indes_areas: self.indes_areas,
                staff: self.staff,
                cohort: self.cohort,
                aims: self.aims,
            },
        )
    }
}

/// The review of a piece of work.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupportReviewed {
    /// How it ended.
    pub outcome: ReviewOutcome,
    /// What was achieved and what next.
    pub summary: String,
    /// When it was reviewed.
    pub reviewed_on: NaiveDate,
}

/// An action agreed with the setting.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupportAction {
    /// Action id.
    pub id: Uuid,
    /// What is to be done.
    pub description: String,
    /// The setting or the team.
    pub owner: ActionOwner,
    /// The team's worker who owns it (team-owned actions).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub owner_worker_id: Option<Uuid>,
    /// By when (absent when no date was agreed).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub due_on: Option<NaiveDate>,
    /// Whether it is done.
    pub done: bool,
    /// Version for If-Match on the action (also its ETag).
    pub version: i32,
}

impl From<ActionRow> for SupportAction {
    fn from(r: ActionRow) -> Self {
        Self {
            id: r.id,
            description: r.description,
            owner: ActionOwner::from_code(&r.owner),
            owner_worker_id: r.owner_worker_id,
            due_on: r.due_on,
            done: r.done,
            version: r.version,
        }
    }
}

/// A school-support record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SchoolSupport {
    /// Record id.
    pub id: Uuid,
    /// The setting.
    pub school_urn: String,
    /// The zone whose team does the work.
    pub zone_id: Uuid,
    /// What kind of work.
    pub kind: SupportKind,
    /// Its title.
    pub title: String,
    /// When it starts.
    pub starts_on: NaiveDate,
    /// When it ends, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub ends_on: Option<NaiveDate>,
    /// INDES areas it addresses.
    pub indes_areas: Vec<IndesArea>,
    /// The setting's staff who took part, by role.
    pub staff: Vec<StaffCount>,
    /// The children it is with, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub cohort: Option<Cohort>,
    /// What it aims at.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub aims: Option<String>,
    /// Actions agreed, in the order recorded.
    pub actions: Vec<SupportAction>,
    /// The review, once recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub review: Option<SupportReviewed>,
    /// Version for If-Match (also the ETag).
    pub version: i32,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl SchoolSupport {
    /// The record with its actions.
    pub fn of(r: SupportRow, actions: Vec<ActionRow>) -> Self {
        let staff: Vec<StaffCount> = serde_json::from_value(r.staff).unwrap_or_default();
        let cohort = match (r.cohort_year_groups, r.cohort_size) {
            (Some(year_groups), Some(size)) => Some(Cohort {
                year_groups,
                size: i64::from(size),
                referral_ids: r.referral_ids,
            }),
            _ => None,
        };
        let review = match (r.review_outcome, r.review_summary, r.reviewed_on) {
            (Some(o), Some(summary), Some(reviewed_on)) => Some(SupportReviewed {
                outcome: ReviewOutcome::from_code(&o),
                summary,
                reviewed_on,
            }),
            _ => None,
        };
        Self {
            id: r.id,
            school_urn: r.school_urn,
            zone_id: r.zone_id,
            kind: SupportKind::from_code(&r.kind),
            title: r.title,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            indes_areas: r
                .indes_areas
                .iter()
                .filter_map(|a| domain::IndesArea::parse(a).map(IndesArea::from))
                .collect(),
            staff,
            cohort,
            aims: r.aims,
            actions: actions.into_iter().map(SupportAction::from).collect(),
            review,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

list_page! {
    /// A page of school-support records.
    SchoolSupportPage {
        /// The records.
        items: SchoolSupport
    }
}

/// A new session of a piece of work.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "held_on": "2026-10-01",
    "duration_minutes": 45,
    "children_count": 8,
    "staff_count": 1,
    "notes": "Feelings thermometer introduced"
}))]
pub struct NewSession {
    /// When it was held (not after today, not before the work starts).
    pub held_on: NaiveDate,
    /// How long, in minutes (1 to 480).
    #[schema(minimum = 1, maximum = 480)]
    pub duration_minutes: i64,
    /// The team's worker who led it (default: the caller's own worker record).
    pub practitioner_id: Option<Uuid>,
    /// Children present, referred or not, counted only (0 to 2000).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2000)]
    pub children_count: i64,
    /// The setting's staff present (0 to 500).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 500)]
    pub staff_count: i64,
    /// Notes (no child names or other personal data).
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub notes: Option<String>,
}

/// A session of a piece of work.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupportSession {
    /// Session id.
    pub id: Uuid,
    /// The record it belongs to.
    pub support_id: Uuid,
    /// When it was held.
    pub held_on: NaiveDate,
    /// How long, in minutes.
    pub duration_minutes: i32,
    /// The team's worker who led it.
    pub practitioner_id: Uuid,
    /// Children present, counted only.
    pub children_count: i32,
    /// The setting's staff present.
    pub staff_count: i32,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub notes: Option<String>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

impl From<SessionRow> for SupportSession {
    fn from(r: SessionRow) -> Self {
        Self {
            id: r.id,
            support_id: r.support_id,
            held_on: r.held_on,
            duration_minutes: r.duration_minutes,
            practitioner_id: r.practitioner_id,
            children_count: r.children_count,
            staff_count: r.staff_count,
            notes: r.notes,
            created_at: r.created_at,
        }
    }
}

/// The sessions of a piece of work.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupportSessionList {
    /// The sessions by date (at most 1000).
    pub items: Vec<SupportSession>,
    /// How many sessions.
    pub sessions: i64,
    /// Their minutes in all.
    pub total_minutes: i64,
}

/// An agreed action (new or changed).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "description": "Share the regulation plan with all Year 3 staff",
    "owner": "school",
    "due_on": "2026-10-31",
    "done": false
}))]
pub struct ActionContent {
    /// What is to be done (no child names).
    #[schema(min_length = 1, max_length = 500)]
    #[validate(length(min = 1, max = 500))]
    pub description: String,
    /// The setting or the team.
    pub owner: ActionOwner,
    /// The team's worker who owns it: required for `team`, absent for `school`.
    pub owner_worker_id: Option<Uuid>,
    /// By when.
    pub due_on: Option<NaiveDate>,
    /// Whether it is done.
    #[serde(default)]
    pub done: bool,
}

/// The review of a piece of work (once).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "outcome": "achieved",
    "summary": "Staff use emotion coaching daily; the group ends",
    "reviewed_on": "2026-12-10"
}))]
pub struct NewReview {
    /// How it ended.
    pub outcome: ReviewOutcome,
    /// What was achieved and what next (no child names).
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub summary: String,
    /// When it was reviewed (not after today).
    pub reviewed_on: NaiveDate,
}
