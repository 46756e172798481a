//! Request and response bodies of service delivery: interventions, support
//! plans and their versions, sessions and reviews. Uses the referrals
//! feature's INDES areas and levels and goal ratings (a review and a closure
//! rate goals, and reassess INDES levels, alike).

use crate::features::referrals::dto::{IndesArea, IndesLevel, RatingInput};
use crate::http::paging::list_page;
use crate::http::wire::wire_enum;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use sct_domain as domain;
use sct_domain::WireName;
use sct_persistence::delivery::GoalView;
use sct_persistence::delivery::InterventionRow;
use sct_persistence::delivery::PlanVersionRow;
use sct_persistence::delivery::PlanView;
use sct_persistence::delivery::ReferralSession;
use sct_persistence::delivery::ReviewView;
use sct_persistence::delivery::SessionView;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

wire_enum!(
    /// How an intervention is delivered: `individual` (one child), `group`, `family` or `setting` (the school or early-years setting).
    InterventionMode => domain::InterventionMode { Individual, Group, Family, Setting } default = Individual
);
wire_enum!(
    /// `individual` (one referral) or `group` (several referrals of one team at once).
    SessionFormat => domain::SessionFormat { Individual, Group } default = Individual
);
wire_enum!(
    /// Whether the child or family took part: `attended`, `did_not_attend` or `cancelled`.
    AttendanceStatus => domain::Attendance { Attended, DidNotAttend, Cancelled } default = Attended
);
wire_enum!(
    /// `interim` (during the work) or `final` (recorded when the referral closes).
    ReviewKind => domain::ReviewKind { Interim, Final } default = Interim
);

pub(crate) fn area(s: &str) -> IndesArea {
    domain::IndesArea::parse(s).map_or(IndesArea::LearningAndCognition, IndesArea::from)
}

/// An intervention of the catalogue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Intervention {
    /// Intervention id.
    pub id: Uuid,
    /// Name, e.g. "Emotional literacy support".
    pub name: String,
    /// What it is and who it is for.
    pub description: String,
    /// The approach or model it follows.
    pub approach: String,
    /// How it is delivered.
    pub mode: InterventionMode,
    /// The INDES areas of need it addresses.
    pub areas: Vec<IndesArea>,
    /// The evidence it rests on (studies, guidance, accreditation).
    pub evidence_base: String,
    /// Typical number of sessions, if there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub typical_sessions: Option<i32>,
    /// Whether it is offered now (retired entries stay on old plans).
    pub active: bool,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<InterventionRow> for Intervention {
    fn from(r: InterventionRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            description: r.description,
            approach: r.approach,
            mode: InterventionMode::from_code(&r.mode),
            areas: r.areas.iter().map(String::as_str).map(area).collect(),
            evidence_base: r.evidence_base,
            typical_sessions: r.typical_sessions,
            active: r.active,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

list_page! {
    /// A page of interventions.
    InterventionPage {
        /// Interventions of this page.
        items: Intervention
    }
}

/// An intervention as la_admin writes it (create, or full replacement).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Emotional literacy support",
    "description": "Weekly one-to-one sessions building the child's vocabulary for feelings and strategies to manage them.",
    "approach": "ELSA model, delivered by a trained practitioner with termly supervision",
    "mode": "individual",
    "areas": ["social_emotional_mental_health"],
    "evidence_base": "ELSA network evaluations; EEF guidance on social and emotional learning",
    "typical_sessions": 8,
    "active": true
}))]
pub struct InterventionInput {
    /// Name.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// What it is and who it is for.
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub description: String,
    /// The approach or model it follows.
    #[schema(min_length = 1, max_length = 2000)]
    #[validate(length(min = 1, max = 2000))]
    pub approach: String,
    /// How it is delivered.
    pub mode: InterventionMode,
    /// The INDES areas it addresses: 1 to 7, each once.
    #[schema(value_type = std::collections::BTreeSet<IndesArea>, min_items = 1, max_items = 7)]
    #[validate(length(min = 1, max = 7))]
    pub areas: Vec<IndesArea>,
    /// The evidence it rests on.
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub evidence_base: String,
    /// Typical number of sessions (1 to 200).
    #[schema(minimum = 1, maximum = 200)]
    #[validate(range(min = 1, max = 200))]
    pub typical_sessions: Option<i32>,
    /// Whether it is offered (default true).
    pub active: Option<bool>,
}

/// A goal of a support plan as written. Give `id` to keep an existing goal
/// (and its ratings); leave it out for a new goal.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct GoalInput {
    /// An existing current goal of this plan, to keep it.
    pub id: Option<Uuid>,
    /// The INDES area the goal addresses.
    pub area: IndesArea,
    /// The goal in the family's words, without names.
    #[schema(min_length = 1, max_length = 2000)]
    #[validate(length(min = 1, max = 2000))]
    pub description: String,
    /// Where things stand now on the goal-based-outcome scale (0 = no progress, 10 = goal met).
    #[schema(minimum = 0, maximum = 10, example = 2)]
    pub baseline: i64,
    /// Where the family hopes to get to; above the baseline.
    #[schema(minimum = 0, maximum = 10, example = 7)]
    pub target: i64,
}

/// A support plan as written (create or full replacement).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "goals": [
        {"area": "social_emotional_mental_health", "description": "Comes into class calmly each morning", "baseline": 2, "target": 7},
        {"area": "speech_and_language", "description": "Asks an adult for help when stuck", "baseline": 3, "target": 8}
    ],
    "intervention_ids": ["0192f1c2-3d4e-7f00-8000-000000000000"]
}))]
pub struct PlanInput {
    /// 1 to 20 goals, in plan order.
    #[schema(min_items = 1, max_items = 20)]
    #[validate(nested)]
    pub goals: Vec<GoalInput>,
    /// The interventions chosen from the catalogue (active ones; a retired one may stay), each once.
    #[schema(max_items = 20)]
    #[serde(default)]
    pub intervention_ids: Vec<Uuid>,
    /// The family plan this plan serves: the plan of the referral's family (`GET /families/{id}/plan`).
    pub family_plan_id: Option<Uuid>,
}

/// A goal of the plan with its progress.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Goal {
    /// Goal id (kept across plan versions).
    pub id: Uuid,
    /// The INDES area the goal addresses.
    pub area: IndesArea,
    /// The goal.
    pub description: String,
    /// Baseline on the 0-10 goal-based-outcome scale.
    pub baseline: i16,
    /// Target on the 0-10 scale.
    pub target: i16,
    /// The latest rating from a review (or the final ratings), if rated yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub latest_rating: Option<i16>,
    /// When the latest rating was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub latest_rated_on: Option<NaiveDate>,
    /// Latest rating minus baseline (negative when things got worse); absent until rated.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub distance_travelled: Option<i16>,
}

impl From<&GoalView> for Goal {
    fn from(g: &GoalView) -> Self {
        let latest = g.latest.map(|l| l.0);
        Self {
            id: g.goal.id,
            area: area(&g.goal.area),
            description: g.goal.description.clone(),
            baseline: g.goal.baseline,
            target: g.goal.target,
            latest_rating: latest,
            latest_rated_on: g.latest.map(|l| l.1),
            distance_travelled: latest.map(|l| {
                domain::delivery::distance_travelled(
                    u8::try_from(g.goal.baseline).unwrap_or(0),
                    u8::try_from(l).unwrap_or(0),
                )
            }),
        }
    }
}

/// The support plan of a referral.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupportPlan {
    /// The referral the plan belongs to.
    pub referral_id: Uuid,
    /// The current goals with distance travelled.
    pub goals: Vec<Goal>,
    /// The interventions chosen, in plan order.
    pub intervention_ids: Vec<Uuid>,
    /// The family plan this plan serves, if it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub family_plan_id: Option<Uuid>,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// Who last changed the plan (token subject).
    pub updated_by: String,
    /// When the plan was first written.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&PlanView> for SupportPlan {
    fn from(v: &PlanView) -> Self {
        Self {
            referral_id: v.plan.referral_id,
            goals: v.goals.iter().map(Goal::from).collect(),
            intervention_ids: v.interventions.clone(),
            family_plan_id: v.plan.family_plan_id,
            version: v.plan.version,
            updated_by: v.plan.updated_by.clone(),
            created_at: v.plan.created_at,
            updated_at: v.plan.updated_at,
        }
    }
}

/// A goal as a plan version recorded it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GoalSnapshot {
    /// Goal id.
    pub id: Uuid,
    /// The INDES area.
    pub area: IndesArea,
    /// The goal.
    pub description: String,
    /// Baseline (0-10).
    pub baseline: i16,
    /// Target (0-10).
    pub target: i16,
}

/// The content of a plan version.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
pub struct PlanSnapshot {
    /// The goals of that version.
    pub goals: Vec<GoalSnapshot>,
    /// The interventions of that version.
    pub intervention_ids: Vec<Uuid>,
}

/// One kept version of a support plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanVersion {
    /// The version number.
    pub version: i32,
    /// When it was written.
    pub recorded_at: DateTime<Utc>,
    /// Who wrote it (token subject).
    pub recorded_by: String,
    /// What it said.
    pub plan: PlanSnapshot,
}

impl From<PlanVersionRow> for PlanVersion {
    fn from(r: PlanVersionRow) -> Self {
        Self {
            version: r.version,
            recorded_at: r.recorded_at,
            recorded_by: r.recorded_by,
            plan: serde_json::from_value(r.document).unwrap_or_default(),
        }
    }
}

list_page! {
    /// A page of the versions of a support plan, oldest first.
    PlanVersions {
        /// The versions, oldest first.
        items: PlanVersion
    }
}

/// Who attended a session.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attendees {
    /// The child or young person.
    pub child: bool,
    /// A parent or carer.
    pub parent_carer: bool,
    /// School or setting staff.
    pub school_staff: bool,
}

/// An individual session delivered for one referral.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "held_on": "2026-11-24",
    "intervention_id": "0192f1c2-3d4e-7f00-8000-000000000000",
    "duration_minutes": 45,
    "attendance": "attended",
    "attendees": {"child": true, "parent_carer": false, "school_staff": true},
    "notes": "Practised the calm-down plan; used it twice unprompted"
}))]
pub struct SessionInput {
    /// The day of the session (not in the future).
    pub held_on: NaiveDate,
    /// The catalogue intervention delivered, if any.
    pub intervention_id: Option<Uuid>,
    /// Length in minutes (1 to 600).
    #[schema(minimum = 1, maximum = 600)]
    #[validate(range(min = 1, max = 600))]
    pub duration_minutes: i32,
    /// Whether the child or family took part.
    pub attendance: AttendanceStatus,
    /// Who attended (`attended` names at least one; the child cannot attend a missed or cancelled session).
    pub attendees: Attendees,
    /// What happened, without names of other children.
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub notes: Option<String>,
}

/// One referral's part in a group session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct GroupParticipantInput {
    /// An active referral of the caller's team.
    pub referral_id: Uuid,
    /// Whether this child or family took part.
    pub attendance: AttendanceStatus,
    /// Who attended for this referral.
    pub attendees: Attendees,
}

/// A group session covering several referrals of one team at once.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "held_on": "2026-11-25",
    "intervention_id": "0192f1c2-3d4e-7f00-8000-000000000000",
    "duration_minutes": 60,
    "notes": "Friendship group, week 3",
    "participants": [
        {"referral_id": "0192f1c2-3d4e-7f00-8000-000000000001", "attendance": "attended", "attendees": {"child": true, "parent_carer": false, "school_staff": true}},
        {"referral_id": "0192f1c2-3d4e-7f00-8000-000000000002", "attendance": "did_not_attend", "attendees": {"child": false, "parent_carer": false, "school_staff": false}}
    ]
}))]
pub struct GroupSessionInput {
    /// The day of the session (not in the future).
    pub held_on: NaiveDate,
    /// The catalogue intervention delivered, if any.
    pub intervention_id: Option<Uuid>,
    /// Length in minutes (1 to 600).
    #[schema(minimum = 1, maximum = 600)]
    #[validate(range(min = 1, max = 600))]
    pub duration_minutes: i32,
    /// What happened, without names of children.
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub notes: Option<String>,
    /// 2 to 30 referrals of one team, each once.
    #[schema(min_items = 2, max_items = 30)]
    #[validate(length(min = 2, max = 30))]
    pub participants: Vec<GroupParticipantInput>,
}

/// A session as one referral sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Session {
    /// Session id (shared by every referral of a group session).
    pub id: Uuid,
    /// The day of the session.
    pub held_on: NaiveDate,
    /// Individual or group.
    pub format: SessionFormat,
    /// The catalogue intervention delivered, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub intervention_id: Option<Uuid>,
    /// Length in minutes.
    pub duration_minutes: i32,
    /// Whether this referral's child or family took part.
    pub attendance: AttendanceStatus,
    /// Who attended for this referral.
    pub attendees: Attendees,
    /// How many referrals the session covered (1 for individual sessions).
    pub participants: i64,
    /// What happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub notes: Option<String>,
    /// Who recorded it (token subject).
    pub recorded_by: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Increases with every correction; the ETag is `"v{version}"`.
    pub version: i32,
}

impl From<&ReferralSession> for Session {
    fn from(s: &ReferralSession) -> Self {
        Self {
            id: s.session.id,
            held_on: s.session.held_on,
            format: SessionFormat::from_code(&s.session.format),
            intervention_id: s.session.intervention_id,
            duration_minutes: s.session.duration_minutes,
            attendance: AttendanceStatus::from_code(&s.attendance.status),
            attendees: Attendees {
                child: s.attendance.child_attended,
                parent_carer: s.attendance.parent_carer_attended,
                school_staff: s.attendance.school_staff_attended,
            },
            participants: s.participants,
            notes: s.session.notes.clone(),
            recorded_by: s.session.recorded_by.clone(),
            created_at: s.session.created_at,
            version: s.session.version,
        }
    }
}

list_page! {
    /// A page of a referral's sessions, newest first.
    SessionPage {
        /// Sessions of this page.
        items: Session
    }
}

/// One referral's part in a group session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupParticipant {
    /// The referral.
    pub referral_id: Uuid,
    /// Whether this child or family took part.
    pub attendance: AttendanceStatus,
    /// Who attended for this referral.
    pub attendees: Attendees,
}

/// A session with every referral it covered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupSession {
    /// Session id.
    pub id: Uuid,
    /// The team that delivered it.
    pub team_id: Uuid,
    /// The day of the session.
    pub held_on: NaiveDate,
    /// Individual or group.
    pub format: SessionFormat,
    /// The catalogue intervention delivered, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub intervention_id: Option<Uuid>,
    /// Length in minutes.
    pub duration_minutes: i32,
    /// What happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub notes: Option<String>,
    /// The referrals covered, with attendance.
    pub participants: Vec<GroupParticipant>,
    /// Who recorded it (token subject).
    pub recorded_by: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Increases with every correction; the ETag is `"v{version}"`.
    pub version: i32,
}

impl From<&SessionView> for GroupSession {
    fn from(v: &SessionView) -> Self {
        Self {
            id: v.session.id,
            team_id: v.session.team_id,
            held_on: v.session.held_on,
            format: SessionFormat::from_code(&v.session.format),
            intervention_id: v.session.intervention_id,
            duration_minutes: v.session.duration_minutes,
            notes: v.session.notes.clone(),
            participants: v
                .attendance
                .iter()
                .map(|a| GroupParticipant {
                    referral_id: a.referral_id,
                    attendance: AttendanceStatus::from_code(&a.status),
                    attendees: Attendees {
                        child: a.child_attended,
                        parent_carer: a.parent_carer_attended,
                        school_staff: a.school_staff_attended,
                    },
                })
                .collect(),
            recorded_by: v.session.recorded_by.clone(),
            created_at: v.session.created_at,
            version: v.session.version,
        }
    }
}

/// A correction of a recorded session: the shared fields, and the
/// attendance of every referral it covered (exactly those referrals).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "held_on": "2026-11-24",
    "intervention_id": null,
    "duration_minutes": 50,
    "notes": "Practised the calm-down plan; used it twice unprompted",
    "participants": [
        {"referral_id": "0192f1c2-3d4e-7f00-8000-000000000001", "attendance": "attended", "attendees": {"child": true, "parent_carer": true, "school_staff": false}}
    ]
}))]
pub struct SessionCorrectionInput {
    /// The day of the session (not in the future).
    pub held_on: NaiveDate,
    /// The catalogue intervention delivered, if any.
    pub intervention_id: Option<Uuid>,
    /// Length in minutes (1 to 600).
    #[schema(minimum = 1, maximum = 600)]
    #[validate(range(min = 1, max = 600))]
    pub duration_minutes: i32,
    /// What happened, without names of other children.
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub notes: Option<String>,
    /// Every referral the session covered, each once, with its attendance (one for an individual session).
    #[schema(min_items = 1, max_items = 30)]
    #[validate(length(min = 1, max = 30))]
    pub participants: Vec<GroupParticipantInput>,
}

/// A review of the plan: every current goal rated again.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "reviewed_on": "2026-12-08",
    "ratings": [{"goal_id": "0192f1c2-3d4e-7f00-8000-000000000000", "rating": 5}],
    "notes": "Mornings much calmer; help-seeking still hard",
    "indes": [{"area": "social_emotional_mental_health", "level": 3}]
}))]
pub struct ReviewInput {
    /// The day of the review (not in the future).
    pub reviewed_on: NaiveDate,
    /// One rating for every current goal of the plan.
    #[schema(min_items = 1, max_items = 20)]
    pub ratings: Vec<RatingInput>,
    /// What the review found.
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub notes: Option<String>,
    /// INDES levels as they stand at the review (on the policy's scale, at
    /// most one per area), set against the intake levels in the referral's
    /// `indes_movement`. Optional: a review that did not reassess leaves the
    /// latest levels as they were. Correcting a review with `indes` replaces
    /// its levels; without, they stay.
    #[schema(min_items = 1, max_items = 7)]
    #[validate(length(min = 1, max = 7))]
    pub indes: Option<Vec<IndesLevel>>,
}

/// A goal's rating in a review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GoalRating {
    /// The goal rated.
    pub goal_id: Uuid,
    /// The rating (0-10).
    pub rating: i16,
    /// This rating minus the goal's baseline.
    pub distance_travelled: i16,
}

/// A review of a support plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Review {
    /// Review id.
    pub id: Uuid,
    /// Interim, or final (at closure).
    pub kind: ReviewKind,
    /// The day of the review.
    pub reviewed_on: NaiveDate,
    /// What the review found.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub notes: Option<String>,
    /// The rating of every goal.
    pub ratings: Vec<GoalRating>,
    /// Who recorded it (token subject).
    pub recorded_by: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Increases with every correction; the ETag is `"v{version}"`.
    pub version: i32,
}

impl From<&ReviewView> for Review {
    fn from(v: &ReviewView) -> Self {
        Self {
            id: v.review.id,
            kind: ReviewKind::from_code(&v.review.kind),
            reviewed_on: v.review.reviewed_on,
            notes: v.review.notes.clone(),
            ratings: v
                .ratings
                .iter()
                .map(|(g, r, baseline)| GoalRating {
                    goal_id: *g,
                    rating: *r,
                    distance_travelled: r - baseline,
                })
                .collect(),
            recorded_by: v.review.recorded_by.clone(),
            created_at: v.review.created_at,
            version: v.review.version,
        }
    }
}

list_page! {
    /// A page of reviews, oldest first.
    ReviewPage {
        /// Reviews of this page.
        items: Review
    }
}
