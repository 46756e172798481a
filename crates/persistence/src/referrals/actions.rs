//! Lifecycle actions under a row lock, with history, audit and outbox rows in the same transaction.

use super::read::views;
use super::submit::{event_data, insert_history, ReferralView};
use crate::audit::NewAuditEvent;
use crate::models::ReferralRow;
use crate::schema::referrals;
use crate::scope::{in_scope, Scope};
use crate::store_error::store_error;
use crate::{organisation, outbox};
use crate::{Actor, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sct_domain::WireName;
use sct_domain::{
    choose_worker, Action, AllocationChoice, AllocationError, ClosureOutcome, EventType, Outcome,
    ReferralState, Status, TransitionError, TransitionRequest, WorkerId,
};
use serde_json::json;
use uuid::Uuid;

/// An action with its inputs.
#[derive(Debug, Clone)]
pub enum ActionInput {
    Accept {
        note: Option<String>,
    },
    Decline {
        reason: String,
        signposting: String,
    },
    Redirect {
        team_id: Uuid,
        reason: String,
    },
    Allocate {
        choice: AllocationChoice,
    },
    Start {
        note: Option<String>,
    },
    Close {
        outcome: ClosureOutcome,
        note: Option<String>,
        /// Final rating (goal id, 0-10) of every goal of the support plan.
        final_ratings: Option<Vec<(Uuid, i64)>>,
        /// INDES levels (area, level) as they stand at closure.
        indes: Option<Vec<(String, i16)>>,
        /// Escalation outcomes at closure (checked by the caller).
        escalation: Option<sct_domain::escalation::EscalationOutcome>,
    },
    Withdraw {
        reason: String,
    },
    Reopen {
        reason: String,
    },
}

impl ActionInput {
    /// The domain action.
    pub fn action(&self) -> Action {
        match self {
            Self::Accept { .. } => Action::Accept,
            Self::Decline { .. } => Action::Decline,
            Self::Redirect { .. } => Action::Redirect,
            Self::Allocate { .. } => Action::Allocate,
            Self::Start { .. } => Action::Start,
            Self::Close { .. } => Action::Close,
            Self::Withdraw { .. } => Action::Withdraw,
            Self::Reopen { .. } => Action::Reopen,
        }
    }

    fn reason(&self) -> Option<&str> {
        match self {
            Self::Accept { note } | Self::Start { note } | Self::Close { note, .. } => {
                note.as_deref()
            }
            Self::Decline { reason, .. }
            | Self::Redirect { reason, .. }
            | Self::Withdraw { reason }
            | Self::Reopen { reason } => Some(reason),
            Self::Allocate { .. } => None,
        }
    }
}

/// Why an action was refused.
#[derive(Debug, thiserror::Error)]
pub enum ActError {
    #[error("not found")]
    NotFound,
    #[error("the referral has changed since it was read (version {current})")]
    VersionMismatch { current: i32 },
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    Allocation(#[from] AllocationError),
    #[error("the referral waits in the council's triage queue: redirect it to a team first")]
    NotRouted,
    #[error("no such team")]
    UnknownTeam,
    #[error("the referral is already with that team")]
    SameTeam,
    #[error("that team is not operational until {0}")]
    TeamNotOperational(NaiveDate),
    /// Invalid fields of the body: (field, code, message).
    #[error("the body is invalid")]
    Fields(Vec<(String, &'static str, String)>),
    #[error(transparent)]
    Store(StoreError),
}

impl From<crate::delivery::DeliveryError> for ActError {
    fn from(e: crate::delivery::DeliveryError) -> Self {
        use crate::delivery::DeliveryError as D;
        match e {
            D::Field {
                field,
                code,
                message,
            } => ActError::Fields(vec![(field, code, message)]),
            D::Ratings(errors) => ActError::Fields(
                errors
                    .into_iter()
                    .map(|r| (r.field("final_ratings"), r.code(), r.to_string()))
                    .collect(),
            ),
            D::NotFound => ActError::NotFound,
            D::Store(s) => ActError::Store(s),
            other => ActError::Store(StoreError::Database(
                diesel::result::Error::QueryBuilderError(other.to_string().into()),
            )),
        }
    }
}

store_error!(ActError, not_found);

/// Context of an action.
#[derive(Debug, Clone)]
pub struct ActContext<'a> {
    pub actor: &'a Actor,
    pub role: sct_domain::Role,
    pub scope: &'a Scope,
    pub expected_version: sct_domain::VersionMatch,
    pub now: DateTime<Utc>,
    /// The policy's reopen window; only a reopen reads it.
    pub reopen_window_days: u32,
    /// When a closure's follow-ups fall due; only a closure reads it.
    pub follow_ups: sct_domain::escalation::FollowUpSchedule,
}

/// Takes an action on a referral: locks it, checks the version, asks the
/// domain whether the transition is allowed, applies it and records it in
/// the history, in one transaction.
pub async fn act(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    input: ActionInput,
    ctx: &ActContext<'_>,
) -> Result<ReferralView, ActError> {
    conn.transaction(async |c| act_in_tx(c, id, &input, ctx).await)
        .await
}

pub(crate) async fn act_in_tx(
    c: &mut AsyncPgConnection,
    id: Uuid,
    input: &ActionInput,
    ctx: &ActContext<'_>,
) -> Result<ReferralView, ActError> {
    let mut row: ReferralRow = referrals::table
        .find(id)
        .for_update()
        .select(ReferralRow::as_select())
        .first(c)
        .await?;
    if !in_scope(c, &row, ctx.scope).await? {
        return Err(ActError::NotFound);
    }
    if !ctx.expected_version.matches(row.version) {
        return Err(ActError::VersionMismatch {
            current: row.version,
        });
    }
    // Without a consent for SCT involvement in force, a referral can only
    // be closed or withdrawn.
    if !sct_domain::consent::allowed_without_consent(input.action()) {
        crate::consent_hold::require_involvement(c, row.id).await?;
    }
    let status = parse_status(&row.status)?;
    let state = ReferralState {
        status,
        eligibility: Outcome::parse(&row.eligibility_outcome)
            .unwrap_or(Outcome::InsufficientInformation),
        closed_at: row.closed_at,
        closed_from: row.closed_from.as_deref().and_then(Status::parse),
    };
    let closure = match input {
        ActionInput::Close { outcome, .. } => Some(*outcome),
        _ => None,
    };
    let transition = state.apply(&TransitionRequest {
        action: input.action(),
        role: ctx.role,
        now: ctx.now,
        reason: input.reason(),
        signposting: match input {
            ActionInput::Decline { signposting, .. } => Some(signposting),
            _ => None,
        },
        closure,
        reopen_window_days: ctx.reopen_window_days,
    })?;

    let mut details = json!({});
    match input {
        ActionInput::Accept { .. }
        | ActionInput::Start { .. }
        | ActionInput::Reopen { .. }
        | ActionInput::Withdraw { .. } => {}
        ActionInput::Decline {
            reason,
            signposting,
        } => {
            row.decline_reason = Some(reason.clone());
            row.signposting = Some(signposting.clone());
        }
        ActionInput::Redirect { team_id, .. } => {
            let team = match organisation::get_team(c, *team_id).await {
                Ok(t) => t,
                Err(StoreError::NotFound) => return Err(ActError::UnknownTeam),
                Err(e) => return Err(e.into()),
            };
            if row.team_id == Some(team.id) {
                return Err(ActError::SameTeam);
            }
            if team.operational_from > ctx.now.date_naive() {
                return Err(ActError::TeamNotOperational(team.operational_from));
            }
            details = json!({ "from_team": row.team_id, "to_team": team.id });
            row.team_id = Some(team.id);
            row.zone_id = Some(team.zone_id);
            row.triage_reason = None;
            row.worker_id = None;
            // Co-workers are of the old team: their access ends here.
            super::co_workers::end_co_working(c, row.id, None, ctx.actor, ctx.now).await?;
        }
        ActionInput::Allocate { choice } => {
            let team = row.team_id.ok_or(ActError::NotRouted)?;
            let loads = organisation::lock_team_loads(c, team).await?;
            let (worker, why) = choose_worker(*choice, &loads, row.worker_id.map(WorkerId))?;
            details =
                json!({ "from_worker": row.worker_id, "to_worker": worker.0, "allocation": why });
            row.worker_id = Some(worker.0);
            // A co-worker who becomes the lead co-works no more.
            super::co_workers::end_co_working(c, row.id, Some(worker.0), ctx.actor, ctx.now)
                .await?;
        }
        ActionInput::Close {
            outcome,
            note,
            final_ratings,
            indes,
            escalation,
        } => {
            let review = crate::delivery::record_final_ratings(
                c,
                row.id,
                *outcome,
                final_ratings.as_deref(),
                ctx.actor,
                ctx.now,
            )
            .await?;
            if let Some(levels) = indes {
                super::reassessment::record(
                    c,
                    row.id,
                    super::reassessment::Occasion::Closure(review.as_ref().map(|r| r.review.id)),
                    ctx.now.date_naive(),
                    levels,
                    ctx.actor,
                    ctx.now,
                )
                .await?;
            }
            crate::follow_ups::on_closure(
                c,
                &row,
                ctx.now,
                escalation.as_ref(),
                &ctx.follow_ups.due_dates(ctx.now.date_naive()),
                ctx.actor,
            )
            .await?;
            row.closure_outcome = Some(outcome.as_str().to_owned());
            row.closure_note.clone_from(note);
            row.closed_at = Some(ctx.now);
            row.closed_from = Some(status.as_str().to_owned());
            details = json!({
                "outcome": outcome.as_str(),
                "final_review": review.map(|r| r.review.id),
            });
        }
    }
    if matches!(input, ActionInput::Reopen { .. }) {
        row.closure_outcome = None;
        row.closure_note = None;
        row.closed_at = None;
        row.closed_from = None;
    }
    transition.to.as_str().clone_into(&mut row.status);
    // Reviews fall due while work is under way: from the start (or a
    // reopening into active work) the first one is an interval away.
    row.review_due_on = if transition.to == Status::Active {
        row.review_due_on
            .or_else(|| Some(sct_domain::caseload::next_review_due(ctx.now.date_naive())))
    } else {
        None
    };
    row.version += 1;
    // Stamped after the row lock was granted, so that the time between the
    // stamp and the commit stays short (delta sync's settling horizon).
    row.updated_at = crate::now().max(ctx.now);
    diesel::update(referrals::table.find(row.id))
        .set(&row)
        .execute(c)
        .await?;
    // The history row, the audit row and the events name the updated
    // referral and not each other: one round trip for all of them.
    let conn: &AsyncPgConnection = c;
    let action = input.action().as_str();
    let audit_rows = [NewAuditEvent::new(
        ctx.actor,
        &format!("{action}_referral"),
        Some(("referral", row.id.to_string())),
        200,
        ctx.now,
    )
    .via("POST", &format!("/api/v1/referrals/{{id}}/{action}"))];
    let mut events = Vec::new();
    if transition.from != transition.to {
        events.push(EventType::ReferralStatusChanged);
    }
    match input {
        ActionInput::Allocate { .. } => events.push(EventType::ReferralAllocated),
        ActionInput::Close { .. } => events.push(EventType::ReferralClosed),
        _ => {}
    }
    let data = event_data(&row, Some(transition.from));
    // In the same transaction: the events exist exactly when the change does.
    let emits = async {
        for event in events {
            outbox::emit(conn, event, &row.school_urn, row.id, data.clone(), ctx.now).await?;
        }
        Ok::<(), StoreError>(())
    };
    crate::pipeline::pipelined!(
        insert_history(
            conn,
            row.id,
            ctx.actor,
            action,
            Some(transition.from),
            transition.to,
            input.reason(),
            details,
            ctx.now,
        ),
        // The audit row commits with the change, or neither does.
        crate::audit::record(conn, &audit_rows),
        emits,
    )?;
    views(c, vec![row], ctx.scope)
        .await?
        .pop()
        .ok_or(ActError::Store(StoreError::NotFound))
}

pub(crate) fn parse_status(s: &str) -> Result<Status, ActError> {
    Status::parse(s).ok_or_else(|| {
        ActError::Store(StoreError::Database(
            diesel::result::Error::DeserializationError(format!("unknown status {s}").into()),
        ))
    })
}
