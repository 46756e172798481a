//! A referral's support plan: goals, chosen interventions, versions, and the delivery errors.

use crate::schema::{
    interventions, plan_goals, plan_interventions, plan_reviews, review_ratings,
    support_plan_versions, support_plans,
};
use crate::scope::{lock_in_scope, Scope};
use crate::store_error::store_error;
use crate::{Actor, StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sct_domain::delivery::{may_plan, RatingError};
use sct_domain::Status;
use sct_domain::WireName;
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = support_plans)]
pub struct SupportPlanRow {
    pub referral_id: Uuid,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    /// The family plan this plan serves (of the referral's family).
    pub family_plan_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = plan_goals)]
pub struct GoalRow {
    pub id: Uuid,
    pub referral_id: Uuid,
    pub position: i16,
    pub area: String,
    pub description: String,
    pub baseline: i16,
    pub target: i16,
    pub current: bool,
}

/// A goal with its latest rating.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalView {
    pub goal: GoalRow,
    /// The latest rating (from the newest review that rated it).
    pub latest: Option<(i16, NaiveDate)>,
}

/// A support plan as read.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanView {
    pub plan: SupportPlanRow,
    /// The current goals, in plan order.
    pub goals: Vec<GoalView>,
    /// The interventions chosen, in plan order.
    pub interventions: Vec<Uuid>,
}

/// A goal as written: `id` names an existing current goal to keep.
#[derive(Debug, Clone)]
pub struct GoalInput {
    pub id: Option<Uuid>,
    pub area: String,
    pub description: String,
    pub baseline: i16,
    pub target: i16,
}

/// Why a delivery record was not written.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("not found")]
    NotFound,
    #[error("the plan has changed since it was read (version {current})")]
    VersionMismatch { current: i32 },
    #[error("the plan exists: send If-Match with the ETag you last read")]
    IfMatchRequired,
    #[error("the referral is {0}: {1}")]
    NotOpen(&'static str, &'static str),
    #[error("the referral has no support plan yet")]
    NoPlan,
    #[error("{message}")]
    Field {
        field: String,
        code: &'static str,
        message: String,
    },
    #[error("the ratings are invalid")]
    Ratings(Vec<RatingError>),
    #[error(transparent)]
    Store(StoreError),
}

store_error!(DeliveryError, not_found);

pub(crate) fn field(
    field: String,
    code: &'static str,
    message: impl Into<String>,
) -> DeliveryError {
    DeliveryError::Field {
        field,
        code,
        message: message.into(),
    }
}

/// The refusal of a goal id that is not a current goal of the plan.
pub(crate) const UNKNOWN_GOAL: &str =
    "not a current goal of this plan (leave id out for a new goal)";

/// The precondition of writing a plan that may not exist yet: creating it
/// takes no `If-Match`; replacing it needs one that matches `current` (the
/// stored plan's version, `None` when there is no plan).
pub(crate) fn check_plan_version(
    current: Option<i32>,
    expected: Option<&sct_domain::VersionMatch>,
) -> Result<(), DeliveryError> {
    match (current, expected) {
        (Some(_), None) => Err(DeliveryError::IfMatchRequired),
        (Some(v), Some(e)) if !e.matches(v) => Err(DeliveryError::VersionMismatch { current: v }),
        (None, Some(_)) => Err(DeliveryError::VersionMismatch { current: 0 }),
        _ => Ok(()),
    }
}

/// Every id a list as written names (`ids[i]`, `None` for a new item) is
/// one of `known` and named once; else a `Field` error at `{list}[i].id`.
pub(crate) fn check_kept_ids(
    list: &str,
    ids: &[Option<Uuid>],
    known: &[Uuid],
    code: &'static str,
    message: &'static str,
) -> Result<(), DeliveryError> {
    for (i, id) in ids.iter().enumerate() {
        if let Some(id) = id {
            if !known.contains(id) || ids[..i].contains(&Some(*id)) {
                return Err(field(format!("{list}[{i}].id"), code, message));
            }
        }
    }
    Ok(())
}

pub(crate) fn status_of(s: &str) -> StoreResult<Status> {
    Status::parse(s).ok_or_else(|| {
        StoreError::Database(diesel::result::Error::DeserializationError(
            format!("unknown status {s}").into(),
        ))
    })
}

/// The plan of a referral, if it has one (the caller checked the scope).
pub async fn load_plan(c: &mut AsyncPgConnection, referral: Uuid) -> StoreResult<Option<PlanView>> {
    let Some(plan) = support_plans::table
        .find(referral)
        .select(SupportPlanRow::as_select())
        .first(c)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    let goals: Vec<GoalRow> = plan_goals::table
        .filter(plan_goals::referral_id.eq(referral))
        .filter(plan_goals::current.eq(true))
        .order(plan_goals::position.asc())
        .select(GoalRow::as_select())
        .load(c)
        .await?;
    let ids: Vec<Uuid> = goals.iter().map(|g| g.id).collect();
    // Newest review first, so the first rating seen per goal is the latest.
    let ratings: Vec<(Uuid, i16, NaiveDate)> = review_ratings::table
        .inner_join(plan_reviews::table)
        .filter(review_ratings::goal_id.eq_any(&ids))
        .order((plan_reviews::created_at.desc(), plan_reviews::id.desc()))
        .select((
            review_ratings::goal_id,
            review_ratings::rating,
            plan_reviews::reviewed_on,
        ))
        .load(c)
        .await?;
    let interventions: Vec<Uuid> = plan_interventions::table
        .filter(plan_interventions::referral_id.eq(referral))
        .order(plan_interventions::position.asc())
        .select(plan_interventions::intervention_id)
        .load(c)
        .await?;
    Ok(Some(PlanView {
        plan,
        goals: goals
            .into_iter()
            .map(|g| GoalView {
                latest: ratings
                    .iter()
                    .find(|(id, _, _)| *id == g.id)
                    .map(|(_, r, d)| (*r, *d)),
                goal: g,
            })
            .collect(),
        interventions,
    }))
}

/// The JSON snapshot of a plan version.
pub(crate) fn snapshot(view: &PlanView) -> serde_json::Value {
    json!({
        "goals": view.goals.iter().map(|g| json!({
            "id": g.goal.id,
            "area": g.goal.area,
            "description": g.goal.description,
            "baseline": g.goal.baseline,
            "target": g.goal.target,
        })).collect::<Vec<_>>(),
        "intervention_ids": view.interventions,
    })
}

/// Writes a referral's plan: creates it (`expected_version` must then be
/// `None`) or replaces it (the version must match). Goals named by id keep
/// their id (and their ratings); goals left out are retired. The new
/// version's snapshot is kept. Returns the plan and whether it was created.
#[allow(clippy::too_many_arguments)]
pub async fn put_plan(
    conn: &mut AsyncPgConnection,
    referral: Uuid,
    scope: &Scope,
    expected_version: Option<sct_domain::VersionMatch>,
    goals: Vec<GoalInput>,
    chosen: Vec<Uuid>,
    family_plan: Option<Uuid>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(PlanView, bool), DeliveryError> {
    conn.transaction(async |c| {
        let row = lock_in_scope(c, referral, scope).await?;
        let status = status_of(&row.status)?;
        if !may_plan(status) {
            return Err(DeliveryError::NotOpen(
                status.as_str(),
                "a plan is written while the referral is allocated or active",
            ));
        }
        if let Some(fp) = family_plan {
            let family = crate::family_plans::family_of_plan(c, fp).await?;
            if family.is_none() || family != row.family_id {
                return Err(field(
                    "family_plan_id".to_owned(),
                    "unknown_family_plan",
                    "no such family plan, or not the plan of the referral's family",
                ));
            }
        }
        let existing: Option<SupportPlanRow> = support_plans::table
            .find(referral)
            .for_update()
            .select(SupportPlanRow::as_select())
            .first(c)
            .await
            .optional()?;
        check_plan_version(
            existing.as_ref().map(|p| p.version),
            expected_version.as_ref(),
        )?;
        let current_ids: Vec<Uuid> = plan_goals::table
            .filter(plan_goals::referral_id.eq(referral))
            .filter(plan_goals::current.eq(true))
            .select(plan_goals::id)
            .load(c)
            .await?;
        let named: Vec<Option<Uuid>> = goals.iter().map(|g| g.id).collect();
        check_kept_ids("goals", &named, &current_ids, "unknown_goal", UNKNOWN_GOAL)?;
        let before: Vec<Uuid> = plan_interventions::table
            .filter(plan_interventions::referral_id.eq(referral))
            .select(plan_interventions::intervention_id)
            .load(c)
            .await?;
        let found: Vec<(Uuid, bool)> = interventions::table
            .filter(interventions::id.eq_any(&chosen))
            .select((interventions::id, interventions::active))
            .load(c)
            .await?;
        for (i, id) in chosen.iter().enumerate() {
            match found.iter().find(|(f, _)| f == id) {
                None => {
                    return Err(field(
                        format!("intervention_ids[{i}]"),
                        "unknown_intervention",
                        "no such intervention in the catalogue",
                    ))
                }
                // A retired intervention may stay on a plan that has it,
                // but is not chosen afresh.
                Some((_, false)) if !before.contains(id) => {
                    return Err(field(
                        format!("intervention_ids[{i}]"),
                        "inactive_intervention",
                        "the intervention is no longer offered",
                    ))
                }
                Some(_) => {}
            }
        }
        let version = existing.as_ref().map_or(1, |p| p.version + 1);
        let plan = SupportPlanRow {
            referral_id: referral,
            version,
            created_at: existing.as_ref().map_or(now, |p| p.created_at),
            updated_at: now,
            updated_by: actor.subject.clone(),
            family_plan_id: family_plan,
        };
        diesel::insert_into(support_plans::table)
            .values(&plan)
            .on_conflict(support_plans::referral_id)
            .do_update()
            .set((
                support_plans::version.eq(version),
                support_plans::updated_at.eq(now),
                support_plans::updated_by.eq(&actor.subject),
                support_plans::family_plan_id.eq(family_plan),
            ))
            .execute(c)
            .await?;
        diesel::update(plan_goals::table.filter(plan_goals::referral_id.eq(referral)))
            .set(plan_goals::current.eq(false))
            .execute(c)
            .await?;
        for (i, g) in goals.into_iter().enumerate() {
            let position = i16::try_from(i).unwrap_or(i16::MAX);
            match g.id {
                Some(id) => {
                    diesel::update(plan_goals::table.find(id))
                        .set((
                            plan_goals::position.eq(position),
                            plan_goals::area.eq(g.area),
                            plan_goals::description.eq(g.description),
                            plan_goals::baseline.eq(g.baseline),
                            plan_goals::target.eq(g.target),
                            plan_goals::current.eq(true),
                        ))
                        .execute(c)
                        .await?;
                }
                None => {
                    diesel::insert_into(plan_goals::table)
                        .values(&GoalRow {
                            id: Uuid::now_v7(),
                            referral_id: referral,
                            position,
                            area: g.area,
                            description: g.description,
                            baseline: g.baseline,
                            target: g.target,
                            current: true,
                        })
                        .execute(c)
                        .await?;
                }
            }
        }
        diesel::delete(
            plan_interventions::table.filter(plan_interventions::referral_id.eq(referral)),
        )
        .execute(c)
        .await?;
        let links: Vec<_> = chosen
            .iter()
            .enumerate()
            .map(|(i, id)| {
                (
                    plan_interventions::referral_id.eq(referral),
                    plan_interventions::intervention_id.eq(*id),
                    plan_interventions::position.eq(i16::try_from(i).unwrap_or(i16::MAX)),
                )
            })
            .collect();
        if !links.is_empty() {
            diesel::insert_into(plan_interventions::table)
                .values(&links)
                .execute(c)
                .await?;
        }
        let view = load_plan(c, referral)
            .await?
            .ok_or(DeliveryError::NotFound)?;
        diesel::insert_into(support_plan_versions::table)
            .values((
                support_plan_versions::referral_id.eq(referral),
                support_plan_versions::version.eq(version),
                support_plan_versions::document.eq(snapshot(&view)),
                support_plan_versions::recorded_at.eq(now),
                support_plan_versions::recorded_by.eq(&actor.subject),
            ))
            .execute(c)
            .await?;
        Ok((view, existing.is_none()))
    })
    .await
}

/// A kept version of a plan.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = support_plan_versions)]
pub struct PlanVersionRow {
    pub referral_id: Uuid,
    pub version: i32,
    pub document: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

/// Every version of a referral's plan, oldest first.
pub async fn plan_versions(
    c: &mut AsyncPgConnection,
    referral: Uuid,
    after_version: Option<i32>,
    limit: i64,
) -> StoreResult<Vec<PlanVersionRow>> {
    Ok(support_plan_versions::table
        .filter(support_plan_versions::referral_id.eq(referral))
        .filter(support_plan_versions::version.gt(after_version.unwrap_or(0)))
        .order(support_plan_versions::version.asc())
        .limit(limit)
        .select(PlanVersionRow::as_select())
        .load(c)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::{check_kept_ids, check_plan_version, DeliveryError};
    use sct_domain::VersionMatch;
    use uuid::Uuid;

    #[test]
    fn a_plan_is_created_without_if_match_and_replaced_with_a_matching_one() {
        assert!(check_plan_version(None, None).is_ok());
        assert!(check_plan_version(Some(3), Some(&VersionMatch::version(3))).is_ok());
        assert!(check_plan_version(Some(3), Some(&VersionMatch::parse("*"))).is_ok());
        assert!(matches!(
            check_plan_version(Some(3), None),
            Err(DeliveryError::IfMatchRequired)
        ));
        assert!(matches!(
            check_plan_version(Some(3), Some(&VersionMatch::version(2))),
            Err(DeliveryError::VersionMismatch { current: 3 })
        ));
        assert!(matches!(
            check_plan_version(None, Some(&VersionMatch::version(1))),
            Err(DeliveryError::VersionMismatch { current: 0 })
        ));
    }

    #[test]
    fn kept_ids_must_be_known_and_named_once() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let check =
            |ids: &[Option<Uuid>]| check_kept_ids("goals", ids, &[a, b], "unknown_goal", "m");
        assert!(check(&[Some(a), None, Some(b), None]).is_ok());
        let at = |r: Result<(), DeliveryError>| match r {
            Err(DeliveryError::Field { field, code, .. }) => (field, code),
            other => panic!("expected a field error, got {other:?}"),
        };
        assert_eq!(
            at(check(&[None, Some(Uuid::now_v7())])),
            ("goals[1].id".to_owned(), "unknown_goal")
        );
        assert_eq!(at(check(&[Some(a), Some(b), Some(a)])).0, "goals[2].id");
    }
}
