//! Corrections after submission (`PUT /referrals/{id}`): the screening
//! inputs replaced, the referral re-screened, the screening it was submitted
//! with kept (`submitted_eligibility`, set by the first correction), and a history entry naming the
//! fields that changed. Runs in the caller's transaction (the write
//! kernel's): the row stays locked from `lock_for_correction` to the end.

use super::actions::parse_status;
use super::read::views;
use super::submit::{insert_history, ReferralView};
use crate::models::{IndesRow, ReferralRow};
use crate::schema::{referral_indes_levels, referrals};
use crate::scope::{lock_in_scope, Scope};
use crate::store_error::store_error;
use crate::{Actor, StoreError};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sct_domain::{may_correct, CorrectionRefusal, Role, VersionMatch};
use serde_json::json;
use uuid::Uuid;

/// The corrected screening inputs, parsed and sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// (area, level), one per area.
    pub indes: Vec<(String, i16)>,
    /// Sorted, without repeats.
    pub complicating_factors: Vec<String>,
    /// Sorted, without repeats.
    pub existing_plans: Vec<String>,
    pub reason: String,
}

/// The screening of the corrected inputs under the policy in force.
#[derive(Debug, Clone)]
pub struct Screening {
    pub eligibility_outcome: String,
    pub eligibility: serde_json::Value,
    pub policy_version: String,
    pub priority_band: String,
    pub priority_score: i32,
    pub priority_reasons: serde_json::Value,
}

/// Why a correction was refused.
#[derive(Debug, thiserror::Error)]
pub enum CorrectError {
    #[error("not found")]
    NotFound,
    #[error("the referral has changed since it was read (version {current})")]
    VersionMismatch { current: i32 },
    #[error(transparent)]
    Refused(#[from] CorrectionRefusal),
    #[error(transparent)]
    Store(StoreError),
}

store_error!(CorrectError, not_found);

/// Locks a referral in scope for a correction by `role`: checks its
/// version and that it may be corrected now.
///
/// # Errors
/// `NotFound` out of scope, `VersionMismatch`, `Refused`.
pub async fn lock_for_correction(
    c: &mut AsyncPgConnection,
    id: Uuid,
    scope: &Scope,
    expected: VersionMatch,
    role: Role,
) -> Result<ReferralRow, CorrectError> {
    let row = lock_in_scope(c, id, scope).await?;
    if !expected.matches(row.version) {
        return Err(CorrectError::VersionMismatch {
            current: row.version,
        });
    }
    let status = parse_status(&row.status).map_err(|_| StoreError::NotFound)?;
    may_correct(role, status)?;
    Ok(row)
}

/// The names of the fields a correction changes, in the body's order.
pub fn changed_fields(
    row: &ReferralRow,
    levels: &[IndesRow],
    new: &Correction,
) -> Vec<&'static str> {
    let mut current: Vec<(String, i16)> =
        levels.iter().map(|l| (l.area.clone(), l.level)).collect();
    current.sort();
    let mut wanted = new.indes.clone();
    wanted.sort();
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v.dedup();
        v
    };
    let mut changed = Vec::new();
    if current != wanted {
        changed.push("indes");
    }
    if sorted(&row.complicating_factors) != new.complicating_factors {
        changed.push("complicating_factors");
    }
    if sorted(&row.existing_plans) != new.existing_plans {
        changed.push("existing_plans");
    }
    if row.reason != new.reason {
        changed.push("reason");
    }
    changed
}

/// Applies a correction to the locked row: levels replaced, fields and
/// screening updated, the version moved on, a `correct` history entry
/// naming the changed fields (and nothing of the child). A correction that
/// changes nothing changes nothing (no new version, no history).
pub async fn apply_correction(
    c: &mut AsyncPgConnection,
    mut row: ReferralRow,
    new: Correction,
    screening: Screening,
    actor: &Actor,
    now: DateTime<Utc>,
    scope: &Scope,
) -> Result<ReferralView, CorrectError> {
    let current = views(c, vec![row.clone()], scope)
        .await?
        .pop()
        .ok_or(StoreError::NotFound)?;
    let changed = changed_fields(&row, &current.indes, &new);
    if changed.is_empty() {
        return Ok(current);
    }
    let status = parse_status(&row.status).map_err(|_| StoreError::NotFound)?;
    let eligibility_changed = row.eligibility_outcome != screening.eligibility_outcome;
    let priority_changed = row.priority_band != screening.priority_band
        || row.priority_score != screening.priority_score;
    if changed.contains(&"indes") {
        diesel::delete(
            referral_indes_levels::table.filter(referral_indes_levels::referral_id.eq(row.id)),
        )
        .execute(c)
        .await?;
        let levels: Vec<IndesRow> = new
            .indes
            .iter()
            .map(|(area, level)| IndesRow {
                referral_id: row.id,
                area: area.clone(),
                level: *level,
            })
            .collect();
        if !levels.is_empty() {
            diesel::insert_into(referral_indes_levels::table)
                .values(&levels)
                .execute(c)
                .await?;
        }
    }
    row.complicating_factors = new.complicating_factors;
    row.existing_plans = new.existing_plans;
    row.reason = new.reason;
    // The screening it was submitted with is kept by the first correction.
    if row.submitted_eligibility.is_none() {
        row.submitted_eligibility = Some(row.eligibility.clone());
    }
    row.eligibility_outcome = screening.eligibility_outcome;
    row.eligibility = screening.eligibility;
    row.policy_version = screening.policy_version.clone();
    row.priority_band = screening.priority_band;
    row.priority_score = screening.priority_score;
    row.priority_reasons = screening.priority_reasons;
    row.version += 1;
    row.updated_at = crate::now().max(now);
    diesel::update(referrals::table.find(row.id))
        .set(&row)
        .execute(c)
        .await?;
    // Field names and codes only: the values stay on the referral.
    let details = json!({
        "changed": changed,
        "policy_version": screening.policy_version,
        "eligibility_changed": eligibility_changed,
        "priority_changed": priority_changed,
    });
    insert_history(
        c,
        row.id,
        actor,
        "correct",
        Some(status),
        status,
        None,
        details,
        now,
    )
    .await?;
    Ok(views(c, vec![row], scope)
        .await?
        .pop()
        .ok_or(StoreError::NotFound)?)
}
