//! A family's plan (issue 13, item 2): family goals on the 0-10 scale,
//! actions with an owner (a worker or a member of the family) and a due
//! date, review dates; versioned like a support plan, every version kept.

use crate::delivery::{check_kept_ids, check_plan_version, field, DeliveryError, UNKNOWN_GOAL};
use crate::schema::{
    family_members, family_plan_actions, family_plan_goals, family_plan_versions, family_plans,
    workers,
};
use crate::{Actor, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

/// A family plan.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = family_plans)]
pub struct FamilyPlanRow {
    pub family_id: Uuid,
    pub id: Uuid,
    pub review_dates: Vec<NaiveDate>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// A family goal.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = family_plan_goals)]
pub struct FamilyGoalRow {
    pub id: Uuid,
    pub family_id: Uuid,
    pub position: i16,
    pub area: String,
    pub description: String,
    pub baseline: i16,
    pub target: i16,
    pub current: bool,
}

/// An action of a family plan.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = family_plan_actions)]
pub struct ActionRow {
    pub id: Uuid,
    pub family_id: Uuid,
    pub position: i16,
    pub description: String,
    pub owner_worker_id: Option<Uuid>,
    pub owner_member_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub done: bool,
}

/// A family plan as read.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyPlanView {
    pub plan: FamilyPlanRow,
    /// The current goals, in plan order.
    pub goals: Vec<FamilyGoalRow>,
    /// The actions, in plan order.
    pub actions: Vec<ActionRow>,
}

/// A family goal as written: `id` names a current goal to keep.
#[derive(Debug, Clone)]
pub struct FamilyGoalInput {
    pub id: Option<Uuid>,
    pub area: String,
    pub description: String,
    pub baseline: i16,
    pub target: i16,
}

/// An action as written: `id` names an action of the plan to keep.
#[derive(Debug, Clone)]
pub struct ActionInput {
    pub id: Option<Uuid>,
    pub description: String,
    pub owner_worker_id: Option<Uuid>,
    pub owner_member_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub done: bool,
}

/// The family's plan, if it has one.
///
/// # Errors
/// Database failures.
pub async fn load(c: &mut AsyncPgConnection, family: Uuid) -> StoreResult<Option<FamilyPlanView>> {
    let Some(plan) = family_plans::table
        .find(family)
        .select(FamilyPlanRow::as_select())
        .first(c)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    let goals = family_plan_goals::table
        .filter(family_plan_goals::family_id.eq(family))
        .filter(family_plan_goals::current.eq(true))
        .order(family_plan_goals::position.asc())
        .select(FamilyGoalRow::as_select())
        .load(c)
        .await?;
    let actions = family_plan_actions::table
        .filter(family_plan_actions::family_id.eq(family))
        .order(family_plan_actions::position.asc())
        .select(ActionRow::as_select())
        .load(c)
        .await?;
    Ok(Some(FamilyPlanView {
        plan,
        goals,
        actions,
    }))
}

/// The family a family plan (by the plan's id) belongs to.
///
/// # Errors
/// Database failures.
pub async fn family_of_plan(c: &mut AsyncPgConnection, plan: Uuid) -> StoreResult<Option<Uuid>> {
    Ok(family_plans::table
        .filter(family_plans::id.eq(plan))
        .select(family_plans::family_id)
        .first(c)
        .await
        .optional()?)
}

fn snapshot(v: &FamilyPlanView) -> serde_json::Value {
    json!({
        "goals": v.goals.iter().map(|g| json!({
            "id": g.id, "area": g.area, "description": g.description,
            "baseline": g.baseline, "target": g.target,
        })).collect::<Vec<_>>(),
        "actions": v.actions.iter().map(|a| json!({
            "id": a.id, "description": a.description, "owner_worker_id": a.owner_worker_id,
            "owner_member_id": a.owner_member_id, "due_on": a.due_on, "done": a.done,
        })).collect::<Vec<_>>(),
        "review_dates": v.plan.review_dates,
    })
}

/// Checks the ids and owners of a plan as written against the family.
async fn check_refs(
    c: &mut AsyncPgConnection,
    family: Uuid,
    goals: &[FamilyGoalInput],
    actions: &[ActionInput],
) -> Result<(), DeliveryError> {
    let current: Vec<Uuid> = family_plan_goals::table
        .filter(family_plan_goals::family_id.eq(family))
        .filter(family_plan_goals::current.eq(true))
        .select(family_plan_goals::id)
        .load(c)
        .await?;
    let named: Vec<Option<Uuid>> = goals.iter().map(|g| g.id).collect();
    check_kept_ids("goals", &named, &current, "unknown_goal", UNKNOWN_GOAL)?;
    let before: Vec<Uuid> = family_plan_actions::table
        .filter(family_plan_actions::family_id.eq(family))
        .select(family_plan_actions::id)
        .load(c)
        .await?;
    let adults: Vec<Uuid> = family_members::table
        .filter(family_members::family_id.eq(family))
        .filter(family_members::kind.eq("adult"))
        .select(family_members::id)
        .load(c)
        .await?;
    let wanted: Vec<Uuid> = actions.iter().filter_map(|a| a.owner_worker_id).collect();
    let known: Vec<Uuid> = workers::table
        .filter(workers::id.eq_any(&wanted))
        .select(workers::id)
        .load(c)
        .await?;
    let named: Vec<Option<Uuid>> = actions.iter().map(|a| a.id).collect();
    check_kept_ids(
        "actions",
        &named,
        &before,
        "unknown_action",
        "not an action of this plan (leave id out for a new action)",
    )?;
    for (i, a) in actions.iter().enumerate() {
        if a.owner_member_id.is_some_and(|m| !adults.contains(&m)) {
            return Err(field(
                format!("actions[{i}].owner_member_id"),
                "not_a_member",
                "not an adult member of this family",
            ));
        }
        if a.owner_worker_id.is_some_and(|w| !known.contains(&w)) {
            return Err(field(
                format!("actions[{i}].owner_worker_id"),
                "unknown_worker",
                "no such worker",
            ));
        }
    }
    Ok(())
}

/// Writes a family's plan (in the caller's transaction): creates it
/// (`expected_version` must then be `None`) or replaces it (the version
/// must match). Goals and actions named by id keep their id; goals left out
/// are retired, actions left out deleted. The new version's snapshot is
/// kept. Returns the plan and whether it was created.
///
/// # Errors
/// `IfMatchRequired`, `VersionMismatch`, `Field` (unknown goal or action,
/// an owner not of the family or no worker); database failures.
#[allow(clippy::too_many_arguments)]
pub async fn put(
    c: &mut AsyncPgConnection,
    family: Uuid,
    expected_version: Option<sct_domain::VersionMatch>,
    goals: Vec<FamilyGoalInput>,
    actions: Vec<ActionInput>,
    review_dates: Vec<NaiveDate>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(FamilyPlanView, bool), DeliveryError> {
    let existing: Option<FamilyPlanRow> = family_plans::table
        .find(family)
        .for_update()
        .select(FamilyPlanRow::as_select())
        .first(c)
        .await
        .optional()?;
    check_plan_version(
        existing.as_ref().map(|p| p.version),
        expected_version.as_ref(),
    )?;
    check_refs(c, family, &goals, &actions).await?;
    let version = existing.as_ref().map_or(1, |p| p.version + 1);
    let plan = FamilyPlanRow {
        family_id: family,
        id: existing.as_ref().map_or_else(Uuid::now_v7, |p| p.id),
        review_dates: review_dates.clone(),
        version,
        created_at: existing.as_ref().map_or(now, |p| p.created_at),
        updated_at: now,
        updated_by: actor.subject.clone(),
    };
    diesel::insert_into(family_plans::table)
        .values(&plan)
        .on_conflict(family_plans::family_id)
        .do_update()
        .set((
            family_plans::review_dates.eq(review_dates),
            family_plans::version.eq(version),
            family_plans::updated_at.eq(now),
            family_plans::updated_by.eq(&actor.subject),
        ))
        .execute(c)
        .await?;
    diesel::update(family_plan_goals::table.filter(family_plan_goals::family_id.eq(family)))
        .set(family_plan_goals::current.eq(false))
        .execute(c)
        .await?;
    for (i, g) in goals.into_iter().enumerate() {
        let row = FamilyGoalRow {
            id: g.id.unwrap_or_else(Uuid::now_v7),
            family_id: family,
            position: i16::try_from(i).unwrap_or(i16::MAX),
            area: g.area,
            description: g.description,
            baseline: g.baseline,
            target: g.target,
            current: true,
        };
        diesel::insert_into(family_plan_goals::table)
            .values(&row)
            .on_conflict(family_plan_goals::id)
            .do_update()
            .set((
                family_plan_goals::position.eq(row.position),
                family_plan_goals::area.eq(&row.area),
                family_plan_goals::description.eq(&row.description),
                family_plan_goals::baseline.eq(row.baseline),
                family_plan_goals::target.eq(row.target),
                family_plan_goals::current.eq(true),
            ))
            .execute(c)
            .await?;
    }
    diesel::delete(family_plan_actions::table.filter(family_plan_actions::family_id.eq(family)))
        .execute(c)
        .await?;
    let rows: Vec<ActionRow> = actions
        .into_iter()
        .enumerate()
        .map(|(i, a)| ActionRow {
            id: a.id.unwrap_or_else(Uuid::now_v7),
            family_id: family,
            position: i16::try_from(i).unwrap_or(i16::MAX),
            description: a.description,
            owner_worker_id: a.owner_worker_id,
            owner_member_id: a.owner_member_id,
            due_on: a.due_on,
            done: a.done,
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(family_plan_actions::table)
            .values(&rows)
            .execute(c)
            .await?;
    }
    let view = load(c, family).await?.ok_or(DeliveryError::NotFound)?;
    diesel::insert_into(family_plan_versions::table)
        .values((
            family_plan_versions::family_id.eq(family),
            family_plan_versions::version.eq(version),
            family_plan_versions::document.eq(snapshot(&view)),
            family_plan_versions::recorded_at.eq(now),
            family_plan_versions::recorded_by.eq(&actor.subject),
        ))
        .execute(c)
        .await?;
    Ok((view, existing.is_none()))
}

/// A kept version of a family plan.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = family_plan_versions)]
pub struct FamilyPlanVersionRow {
    pub family_id: Uuid,
    pub version: i32,
    pub document: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

/// Every version of a family's plan, oldest first.
///
/// # Errors
/// Database failures.
pub async fn versions(
    c: &mut AsyncPgConnection,
    family: Uuid,
    after_version: Option<i32>,
    limit: i64,
) -> StoreResult<Vec<FamilyPlanVersionRow>> {
    Ok(family_plan_versions::table
        .filter(family_plan_versions::family_id.eq(family))
        .filter(family_plan_versions::version.gt(after_version.unwrap_or(0)))
        .order(family_plan_versions::version.asc())
        .limit(limit)
        .select(FamilyPlanVersionRow::as_select())
        .load(c)
        .await?)
}
