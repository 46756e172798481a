//! The bodies of a referral's lifecycle actions (accept, decline, redirect,
//! allocate, start, close, withdraw, reopen, co-workers), re-exported by
//! `dto` where the handlers and the contract name them.

use crate::features::follow_ups::dto::Escalation;
use crate::features::referrals::dto::ClosureOutcome;
use crate::features::referrals::dto::IndesLevel;
use crate::features::referrals::dto::RatingInput;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// Accept a referral (a note is required when screening said otherwise).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "Fits the team's SEMH offer"}))]
pub struct AcceptBody {
    /// Why the team accepts (required when screening advised otherwise).
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub note: Option<String>,
}

/// Decline a referral.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Needs are met by SEN Support", "signposting": "Ordinarily available provision guidance"}))]
pub struct DeclineBody {
    /// Why the team declines.
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub reason: String,
    /// Where the school or family is pointed instead.
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub signposting: String,
}

/// Redirect a referral to another team.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"team_id": "0192f1c2-3d4e-7f00-8000-000000000000", "reason": "School sits in the neighbouring zone"}))]
pub struct RedirectBody {
    /// The team to send the referral to.
    pub team_id: Uuid,
    /// Why it goes to that team.
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub reason: String,
}

/// A worker to add as a co-worker of a referral.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"worker_id": "0192f1c2-3d4e-7f00-8000-000000000007"}))]
pub struct CoWorkerBody {
    /// An active worker of the referral's team, not its allocated worker.
    pub worker_id: Uuid,
}

/// Allocate to a named worker, or automatically.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"auto": true}))]
pub struct AllocateBody {
    /// The worker (give this or `auto`).
    pub worker_id: Option<Uuid>,
    /// Lowest caseload relative to cap, never over the cap.
    pub auto: Option<bool>,
}

/// Start work, or a note-only action.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "First session booked"}))]
pub struct NoteBody {
    /// A note for the history.
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub note: Option<String>,
}

/// Close a referral.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "needs_met", "note": "Goals achieved", "final_ratings": [{"goal_id": "0192f1c2-3d4e-7f00-8000-000000000000", "rating": 8}], "indes": [{"area": "social_emotional_mental_health", "level": 2}]}))]
pub struct CloseBody {
    /// How the referral ends.
    pub outcome: ClosureOutcome,
    /// Required when the outcome is `other`.
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub note: Option<String>,
    /// The final rating (0-10) of every current goal of the support plan,
    /// recorded as a final review. Required when the referral has a plan,
    /// unless the outcome is `moved_away` or `disengaged` (then optional).
    #[schema(max_items = 20)]
    #[validate(length(max = 20), nested)]
    pub final_ratings: Option<Vec<RatingInput>>,
    /// INDES levels as they stand at closure (on the policy's scale, at most
    /// one per area), set against the intake levels in `indes_movement`.
    #[schema(min_items = 1, max_items = 7)]
    #[validate(length(min = 1, max = 7))]
    pub indes: Option<Vec<IndesLevel>>,
    /// Escalation outcomes at closure (optional, so that existing clients
    /// keep working; Local First Inclusion's reports count only closures
    /// that give it). Attendance outside 0-100, a count outside 0-200 or an
    /// EHC request dated in the future answers 422 naming the field.
    pub escalation: Option<Escalation>,
}

/// An action that needs a reason (withdraw, reopen).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Family moved out of county"}))]
pub struct ReasonBody {
    /// Why (recorded in the history).
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub reason: String,
}
