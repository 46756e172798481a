//! A worker's tasks (`GET /me/tasks`): what is due from them, read from the
//! records it is due on, in one statement. Nothing is copied: a task is done
//! when its source says so (a review recorded moves the referral's review
//! date; a follow-up recorded, an action marked done, leave the list).
//!
//! Sources: plan reviews due on the referrals they work (allocated or as a
//! co-worker, while allocated or active); follow-ups still to record of the
//! closed referrals they held; supervision (practice session) actions they
//! own; school-support actions they own; family plan actions they own;
//! termly conversation actions of their zone whose owner, as recorded,
//! is their name or subject.

use crate::StoreResult;
use chrono::NaiveDate;
use diesel::sql_types::{Date, Integer, Nullable, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// One task.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct TaskRow {
    /// `review_due`, `follow_up_due`, `practice_action`,
    /// `school_support_action`, `family_plan_action` or `termly_action`.
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// The record it is due on: referral, follow-up, practice action,
    /// school-support action, or termly conversation.
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    /// The follow-up's months after closure; the action's position.
    #[diesel(sql_type = Integer)]
    pub position: i32,
    #[diesel(sql_type = Nullable<Date>)]
    pub due_on: Option<NaiveDate>,
    /// The referral (reviews, follow-ups), practice session, school-support
    /// record, family (its plan) or termly conversation the task belongs to.
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub parent_id: Uuid,
    /// The action's text (actions only).
    #[diesel(sql_type = Nullable<Text>)]
    pub description: Option<String>,
}

/// Where a page starts: after this task in the list's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    /// The due date, or 9999-12-31 for an undated action (listed last).
    pub due: NaiveDate,
    pub kind: String,
    pub id: Uuid,
    pub position: i32,
}

/// The statement: `$1` the worker, `$2` the last due date included (the
/// undated count as 9999-12-31), `$3`..`$6` the page's start (or NULLs),
/// `$7` the kind (or NULL), `$8` the page size. Public for
/// `tests/e2e/indexes.rs`.
pub const SQL: &str = "WITH me AS (
             SELECT w.id, w.name, w.subject, t.zone_id
             FROM workers w JOIN teams t ON t.id = w.team_id
             WHERE w.id = $1
         )
         SELECT t.kind, t.id, t.position, t.due_on, t.parent_id, t.description
         FROM (
             SELECT 'review_due'::text AS kind, r.id, 0 AS position, r.review_due_on AS due_on,
                    r.id AS parent_id, NULL::text AS description
             FROM referrals r
             WHERE r.worker_id = $1 AND r.status IN ('allocated', 'active')
               AND r.review_due_on IS NOT NULL
             UNION ALL
             SELECT 'review_due', r.id, 0, r.review_due_on, r.id, NULL
             FROM referral_co_workers c JOIN referrals r ON r.id = c.referral_id
             WHERE c.worker_id = $1 AND c.removed_at IS NULL AND r.status IN ('allocated', 'active')
               AND r.review_due_on IS NOT NULL AND r.worker_id IS DISTINCT FROM $1
             UNION ALL
             SELECT 'follow_up_due', f.id, f.months::int, f.due_on, f.referral_id, NULL
             FROM referrals r JOIN follow_ups f ON f.referral_id = r.id AND f.closed_at = r.closed_at
             WHERE r.worker_id = $1 AND r.status = 'closed' AND f.recorded_at IS NULL
             UNION ALL
             SELECT 'practice_action', a.id, a.position::int, a.due_on, a.practice_session_id, a.description
             FROM practice_actions a
             WHERE a.owner_id = $1 AND NOT a.done
             UNION ALL
             SELECT 'school_support_action', a.id, 0, a.due_on, a.support_id, a.description
             FROM school_support_actions a
             WHERE a.owner_worker_id = $1 AND NOT a.done
             UNION ALL
             SELECT 'family_plan_action', a.id, a.position::int, a.due_on, a.family_id, a.description
             FROM family_plan_actions a
             WHERE a.owner_worker_id = $1 AND NOT a.done
             UNION ALL
             SELECT 'termly_action', c.id, (x.n - 1)::int, (x.a ->> 'due_on')::date, c.id,
                    x.a ->> 'description'
             FROM me
             JOIN termly_conversations c ON c.zone_id = me.zone_id AND c.status = 'held'
             CROSS JOIN LATERAL jsonb_array_elements(c.actions) WITH ORDINALITY AS x(a, n)
             WHERE NOT coalesce((x.a ->> 'done')::boolean, false)
               AND lower(btrim(x.a ->> 'owner')) IN (lower(btrim(me.name)), lower(btrim(me.subject)))
         ) t
         WHERE coalesce(t.due_on, DATE '9999-12-31') <= $2
           AND ($7::text IS NULL OR t.kind = $7)
           AND ($3::date IS NULL
                OR (coalesce(t.due_on, DATE '9999-12-31'), t.kind, t.id, t.position) > ($3, $4, $5, $6))
         ORDER BY coalesce(t.due_on, DATE '9999-12-31'), t.kind, t.id, t.position
         LIMIT $8";

/// The worker's tasks due on or before `last_day` (undated actions only
/// when `last_day` is 9999-12-31), of one `kind` or all, earliest first,
/// at most `limit` after `after`.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn of_worker(
    conn: &mut AsyncPgConnection,
    worker: Uuid,
    last_day: NaiveDate,
    kind: Option<&str>,
    after: Option<&After>,
    limit: i64,
) -> StoreResult<Vec<TaskRow>> {
    Ok(diesel::sql_query(SQL)
        .bind::<diesel::sql_types::Uuid, _>(worker)
        .bind::<Date, _>(last_day)
        .bind::<Nullable<Date>, _>(after.map(|a| a.due))
        .bind::<Nullable<Text>, _>(after.map(|a| a.kind.clone()))
        .bind::<Nullable<diesel::sql_types::Uuid>, _>(after.map(|a| a.id))
        .bind::<Nullable<Integer>, _>(after.map(|a| a.position))
        .bind::<Nullable<Text>, _>(kind)
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .load(conn)
        .await?)
}
