//! A referral's history as read: one entry per change, with the details of
//! each kind of change as typed fields (the stored JSON read into them).

use crate::features::referrals::dto::{ClosureOutcome, ReferralStatus};
use crate::http::wire::ActorRole;
use chrono::DateTime;
use chrono::Utc;
use sct_domain as domain;
use sct_domain::WireName;
use sct_persistence::models::HistoryRow;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// What a history entry records: the submission, a lifecycle action, a
/// co-worker added or removed, a correction of the screening inputs, a link
/// to a family, a follow-up recorded after closure, or a consent recorded
/// or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HistoryAction {
    Submit,
    Accept,
    Decline,
    Redirect,
    Allocate,
    Start,
    Close,
    Withdraw,
    Reopen,
    AddCoWorker,
    RemoveCoWorker,
    Correct,
    /// Staff linked the referral to a family (`details.family_id`).
    LinkFamily,
    /// A follow-up after closure was recorded (`details.follow_up_id`).
    RecordFollowUp,
    /// A consent was recorded (`details.consent_id`).
    RecordConsent,
    /// A consent was withdrawn (`details.consent_id`).
    WithdrawConsent,
}

/// A field of a correction's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CorrectedField {
    Indes,
    ComplicatingFactors,
    ExistingPlans,
    Reason,
}

/// The details of a change, by the entry's `action` (every key is absent
/// for the actions not named):
/// - `submit`: `routed_to_team`, or `council_triage` when no team was
///   operational;
/// - `redirect`: `from_team` (absent if it had none) and `to_team`;
/// - `allocate`: `from_worker` (absent on the first allocation),
///   `to_worker` and `allocation` (how the worker was chosen);
/// - `close`: `outcome` and `final_review` (the final review holding the
///   goals' last ratings, if any were given);
/// - `add_co_worker` and `remove_co_worker`: `worker_id`;
/// - `correct`: `changed` (the fields that changed, never their values),
///   `policy_version`, `eligibility_changed` and `priority_changed`;
/// - `record_consent` and `withdraw_consent`: `consent_id` and
///   `involvement_in_force`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct HistoryDetails {
    /// `submit`: the team the referral was routed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub routed_to_team: Option<Uuid>,
    /// `submit`: why it went to the council's queue instead (e.g. `no_zone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, max_length = 200)]
    pub council_triage: Option<String>,
    /// `redirect`: the team it left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub from_team: Option<Uuid>,
    /// `redirect`: the team it went to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub to_team: Option<Uuid>,
    /// `allocate`: the worker before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub from_worker: Option<Uuid>,
    /// `allocate`: the worker allocated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub to_worker: Option<Uuid>,
    /// `allocate`: how the worker was chosen, with their caseload and cap
    /// (e.g. `automatic: lowest caseload relative to cap (3 of 12)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, max_length = 200)]
    pub allocation: Option<String>,
    /// `close`: the outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub outcome: Option<ClosureOutcome>,
    /// `close`: the final review recorded with the closure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub final_review: Option<Uuid>,
    /// `add_co_worker`, `remove_co_worker`: the co-worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub worker_id: Option<Uuid>,
    /// `correct`: the fields of the body that changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub changed: Option<Vec<CorrectedField>>,
    /// `correct`: the version of the policy the referral was screened again with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, max_length = 64)]
    pub policy_version: Option<String>,
    /// `correct`: whether the screening outcome or pathway changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub eligibility_changed: Option<bool>,
    /// `correct`: whether the priority changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub priority_changed: Option<bool>,
    /// `link_family`: the family the referral now belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub family_id: Option<Uuid>,
    /// `record_follow_up`: the follow-up recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub follow_up: Option<Uuid>,
    /// `record_follow_up`: months after closure it was due (e.g. 3 or 6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub months: Option<i16>,
    /// `record_follow_up`: whether the closure's outcome was sustained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub sustained: Option<bool>,
    /// `record_consent`, `withdraw_consent`: the consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub consent_id: Option<Uuid>,
    /// `record_consent`, `withdraw_consent`: whether a consent for SCT involvement is in force after the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub involvement_in_force: Option<bool>,
}

impl HistoryDetails {
    /// From the stored JSON (a stored `null` reads as absent; a row that
    /// does not read reads as no details).
    pub fn from_stored(v: serde_json::Value) -> Self {
        serde_json::from_value(v).unwrap_or_default()
    }
}

/// One change in a referral's life.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// Position in the history (increasing).
    pub id: i64,
    /// When the change happened.
    pub at: DateTime<Utc>,
    /// Subject of the actor's token.
    pub actor: String,
    /// The actor's role.
    pub actor_role: ActorRole,
    /// `submit` or the action taken.
    pub action: HistoryAction,
    /// Status before the change (absent for the submission).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub from_status: Option<ReferralStatus>,
    /// Status after the change.
    pub to_status: ReferralStatus,
    /// The reason or note given, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub reason: Option<String>,
    /// Routing, allocation, closure, co-worker and correction details.
    pub details: HistoryDetails,
    /// The x-request-id of the request that made the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub request_id: Option<String>,
}

fn status(s: &str) -> Option<ReferralStatus> {
    domain::Status::parse(s).map(ReferralStatus::from)
}

impl From<HistoryRow> for HistoryEntry {
    fn from(h: HistoryRow) -> Self {
        Self {
            id: h.id,
            at: h.at,
            actor: h.actor,
            actor_role: ActorRole::from_code(&h.actor_role),
            action: serde_json::from_value(serde_json::Value::String(h.action))
                .unwrap_or(HistoryAction::Correct),
            from_status: h.from_status.as_deref().and_then(status),
            to_status: status(&h.to_status).unwrap_or(ReferralStatus::Submitted),
            reason: h.reason,
            details: HistoryDetails::from_stored(h.details),
            request_id: h.request_id,
        }
    }
}

/// The history of a referral, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct History {
    /// Every change, oldest first.
    pub items: Vec<HistoryEntry>,
}
