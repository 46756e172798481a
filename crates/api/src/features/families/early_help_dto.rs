//! Request and response bodies of a family's early help assessments and its
//! family plan (issue 13, item 2). A child's areas use the referrals
//! feature's INDES areas; the family's own areas are [`FamilyArea`].

use crate::features::referrals::dto::IndesArea;
use crate::features::referrals::dto::RatingInput;
use crate::http::paging::list_page;
use crate::http::wire::wire_enum;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use sct_domain as domain;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

wire_enum!(
    /// An area of the family's life: `parenting`, `routines`, `housing`, `health`, `finances` or `relationships`.
    FamilyArea => domain::delivery::family::FamilyArea { Parenting, Routines, Housing, Health, Finances, Relationships } default = Parenting
);

/// A child's INDES area as assessed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ChildAreaInput {
    /// The child member of the family the area is about.
    pub child_member_id: Uuid,
    /// The INDES area.
    pub area: IndesArea,
    /// The needs seen in the area, without names.
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub needs: String,
    /// The strengths seen in the area.
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub strengths: String,
}

/// A family area as assessed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct FamilyAreaInput {
    /// The family area.
    pub area: FamilyArea,
    /// The needs seen in the area, without names.
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub needs: String,
    /// The strengths seen in the area.
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub strengths: String,
}

/// An early help assessment as written (record or full replacement).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "assessed_on": "2026-12-01",
    "child_areas": [{"child_member_id": "0192f1c2-3d4e-7f00-8000-000000000001", "area": "social_emotional_mental_health", "needs": "Anxious at the school gate", "strengths": "Talks readily at home"}],
    "family_areas": [{"area": "routines", "needs": "Mornings are rushed", "strengths": "A settled bedtime"}],
    "family_view": "We want calmer mornings"
}))]
pub struct AssessmentInput {
    /// When the assessment was made (not in the future).
    pub assessed_on: NaiveDate,
    /// The children's INDES areas assessed (each child and area once).
    #[schema(max_items = 50)]
    #[validate(length(max = 50), nested)]
    #[serde(default)]
    pub child_areas: Vec<ChildAreaInput>,
    /// The family areas assessed (each once).
    #[schema(max_items = 6)]
    #[validate(length(max = 6), nested)]
    #[serde(default)]
    pub family_areas: Vec<FamilyAreaInput>,
    /// The family's own view, in their words.
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub family_view: Option<String>,
}

/// An early help assessment of a family.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assessment {
    /// Assessment id.
    pub id: Uuid,
    /// The family assessed.
    pub family_id: Uuid,
    /// Who assessed (the worker's token subject).
    pub assessed_by: String,
    /// When the assessment was made.
    pub assessed_on: NaiveDate,
    /// The children's INDES areas, in assessment order.
    pub child_areas: Vec<ChildAreaInput>,
    /// The family areas, in assessment order.
    pub family_areas: Vec<FamilyAreaInput>,
    /// The family's own view.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub family_view: Option<String>,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// Recorded.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

list_page! {
    /// A page of a family's assessments, oldest first.
    AssessmentPage {
        /// The assessments.
        items: Assessment
    }
}

/// A family goal as written. Give `id` to keep a current goal.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct FamilyGoalInput {
    /// A current goal of this plan, to keep it.
    pub id: Option<Uuid>,
    /// The family area the goal addresses.
    pub area: FamilyArea,
    /// The goal in the family's words, without names.
    #[schema(min_length = 1, max_length = 2000)]
    #[validate(length(min = 1, max = 2000))]
    pub description: String,
    /// Where things stand now on the goal-based-outcome scale (0-10).
    #[schema(minimum = 0, maximum = 10, example = 2)]
    pub baseline: i64,
    /// Where the family hopes to get to (0-10); above the baseline.
    #[schema(minimum = 0, maximum = 10, example = 7)]
    pub target: i64,
}

/// An action of the family plan as written. Its owner is a worker
/// (`owner_worker_id`) or an adult of the family (`owner_member_id`), not both.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    /// An action of this plan, to keep its id.
    pub id: Option<Uuid>,
    /// What is to be done, without names.
    #[schema(min_length = 1, max_length = 500)]
    #[validate(length(min = 1, max = 500))]
    pub description: String,
    /// The worker who owns it.
    pub owner_worker_id: Option<Uuid>,
    /// The adult family member who owns it.
    pub owner_member_id: Option<Uuid>,
    /// When it is due.
    pub due_on: Option<NaiveDate>,
    /// Whether it is done.
    #[serde(default)]
    pub done: bool,
}

/// A family plan as written (create or full replacement).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "goals": [{"area": "routines", "description": "Mornings without shouting", "baseline": 2, "target": 7}],
    "actions": [{"description": "Visual morning timetable", "owner_member_id": "0192f1c2-3d4e-7f00-8000-000000000002", "due_on": "2026-12-20"}],
    "review_dates": ["2027-01-15"]
}))]
pub struct FamilyPlanInput {
    /// 1 to 20 family goals, in plan order.
    #[schema(min_items = 1, max_items = 20)]
    #[validate(nested)]
    pub goals: Vec<FamilyGoalInput>,
    /// Up to 50 actions, in plan order.
    #[schema(max_items = 50)]
    #[validate(length(max = 50), nested)]
    #[serde(default)]
    pub actions: Vec<ActionInput>,
    /// Up to 20 dates the plan is to be reviewed.
    #[schema(max_items = 20)]
    #[validate(length(max = 20))]
    #[serde(default)]
    pub review_dates: Vec<NaiveDate>,
}

/// A family goal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FamilyGoal {
    /// Goal id (kept across plan versions).
    pub id: Uuid,
    /// The family area.
    pub area: FamilyArea,
    /// The goal.
    pub description: String,
    /// Baseline on the 0-10 scale.
    pub baseline: i16,
    /// Target on the 0-10 scale.
    pub target: i16,
    /// The goal's rating at the latest review that rated it (absent before
    /// the first review, and in a kept version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0, maximum = 10)]
    pub latest_rating: Option<i16>,
    /// The latest rating minus the baseline (absent with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub distance_travelled: Option<i16>,
}

/// An action of a family plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanAction {
    /// Action id.
    pub id: Uuid,
    /// What is to be done.
    pub description: String,
    /// The worker who owns it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub owner_worker_id: Option<Uuid>,
    /// The adult family member who owns it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub owner_member_id: Option<Uuid>,
    /// When it is due.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub due_on: Option<NaiveDate>,
    /// Whether it is done.
    pub done: bool,
}

/// A family's plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FamilyPlan {
    /// Plan id (a support plan names it with `family_plan_id`).
    pub id: Uuid,
    /// The family.
    pub family_id: Uuid,
    /// The current goals.
    pub goals: Vec<FamilyGoal>,
    /// The actions.
    pub actions: Vec<PlanAction>,
    /// When the plan is to be reviewed.
    pub review_dates: Vec<NaiveDate>,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// Who last changed the plan (token subject).
    pub updated_by: String,
    /// When the plan was first written.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// The content of a family plan version.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
pub struct FamilyPlanSnapshot {
    /// The goals of that version.
    pub goals: Vec<FamilyGoal>,
    /// The actions of that version.
    pub actions: Vec<PlanAction>,
    /// The review dates of that version.
    pub review_dates: Vec<NaiveDate>,
}

/// One kept version of a family plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FamilyPlanVersion {
    /// The version number.
    pub version: i32,
    /// When it was written.
    pub recorded_at: DateTime<Utc>,
    /// Who wrote it (token subject).
    pub recorded_by: String,
    /// What it said.
    pub plan: FamilyPlanSnapshot,
}

list_page! {
    /// A page of the versions of a family plan, oldest first.
    FamilyPlanVersions {
        /// The versions, oldest first.
        items: FamilyPlanVersion
    }
}

/// A review of a family plan: a rating of every current family goal.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "reviewed_on": "2026-11-20",
    "ratings": [{"goal_id": "0192f5a0-0000-7000-8000-0000000000c1", "rating": 6}],
    "notes": "Mornings calmer; the housing appointment is booked."
}))]
pub struct FamilyReviewInput {
    /// The day of the review (not in the future).
    pub reviewed_on: NaiveDate,
    /// One rating for every current goal of the family plan.
    #[schema(min_items = 1, max_items = 20)]
    pub ratings: Vec<RatingInput>,
    /// What the review found.
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub notes: Option<String>,
}
