//! A practitioner's tasks (`GET /me/tasks`, issue 16, item 4): everything
//! due from the caller across plan reviews, follow-ups, supervision actions,
//! school-support actions and termly conversation actions, each with its source and the operation
//! that completes it there. Tasks are read from their sources, never
//! copied: completing one at its source takes it off the list.

use crate::http::access::only;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Forbidden;
use crate::http::error::ApiError;
use crate::http::extract::PageParams;
use crate::http::paging::bad_cursor;
use crate::http::paging::cursor_key;
use crate::http::paging::list_page;
use crate::http::paging::list_params;
use crate::http::paging::next_page;
use crate::http::paging::page_size;
use crate::http::state::AppState;
use crate::http::wire::WireName;
use actix_web::get;
use actix_web::web;
use actix_web::HttpResponse;
use chrono::Days;
use chrono::NaiveDate;
use sct_domain::Role;
use sct_persistence::tasks as repo;
use sct_persistence::tasks::After;
use sct_persistence::tasks::TaskRow;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

crate::http::wire::named_enum! {
    /// What a task is.
    pub enum TaskKind {
        /// A review of the support plan of a referral the caller works.
        ReviewDue,
        /// A follow-up to record of a closed referral the caller held.
        FollowUpDue,
        /// An action the caller owns from a supervision or community-of-practice meeting.
        PracticeAction,
        /// An action of a school-support record (work with a setting) that the caller owns.
        SchoolSupportAction,
        /// An action of a family's plan that the caller owns.
        FamilyPlanAction,
        /// An action of a termly conversation of the caller's zone whose owner is recorded as the caller (their name or subject).
        TermlyAction,
    }
}

/// The record a task is due on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskSourceKind {
    Referral,
    FollowUp,
    PracticeSession,
    SchoolSupport,
    FamilyPlan,
    TermlyConversation,
}

/// Where a task comes from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskSource {
    /// The kind of record.
    pub kind: TaskSourceKind,
    /// Its id.
    pub id: Uuid,
    /// Where to read it.
    #[schema(example = "/api/v1/referrals/0190c3a0-0000-7000-8000-000000000001/plan")]
    pub href: String,
}

/// How a task is completed: the operation on its source.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskCompletion {
    /// The HTTP method.
    #[schema(example = "POST")]
    pub method: String,
    /// The operation's path.
    #[schema(example = "/api/v1/referrals/0190c3a0-0000-7000-8000-000000000001/reviews")]
    pub href: String,
    /// What to send.
    #[schema(example = "Record the review (the referral's next review date moves on).")]
    pub how: String,
}

/// Something due from the caller.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Task {
    /// Stable identifier of the task: its kind, its record and, for a
    /// follow-up or a termly action, the months after closure or the
    /// action's position.
    #[schema(example = "review_due:0190c3a0-0000-7000-8000-000000000001:0")]
    pub id: String,
    /// What the task is.
    pub kind: TaskKind,
    /// When it is due; absent for an action agreed without a date.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub due_on: Option<NaiveDate>,
    /// Whether the due date has passed.
    pub overdue: bool,
    /// What is to be done (for actions, as agreed; no child names are recorded in actions).
    #[schema(example = "Review the support plan")]
    pub summary: String,
    /// The referral the task is about (reviews and follow-ups).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub referral_id: Option<Uuid>,
    /// The record it is due on.
    pub source: TaskSource,
    /// How to complete it at its source.
    pub complete: TaskCompletion,
}

list_page! {
    /// A page of tasks.
    TaskPage {
        /// Earliest due first; undated actions last.
        items: Task
    }
}

list_params! {
    /// Filters of the caller's tasks.
    TaskParams {
        /// Only tasks due before this day (exclusive; undated actions are then left out). Default: every open task.
        due_before: Option<NaiveDate>,
        /// Only tasks of this kind.
        kind: Option<TaskKind>,
    }
}

const UNDATED: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

fn after(c: Option<&str>) -> Result<Option<After>, ApiError> {
    let Some((due, kind, id, position)) = cursor_key::<(NaiveDate, String, Uuid, i32)>(c)? else {
        return Ok(None);
    };
    let kind = TaskKind::parse(&kind).ok_or_else(bad_cursor)?;
    Ok(Some(After {
        due,
        kind: kind.as_str().to_owned(),
        id,
        position,
    }))
}

fn task(row: &TaskRow, today: NaiveDate) -> Option<Task> {
    let kind = TaskKind::parse(&row.kind)?;
    let (id, parent, pos) = (row.id, row.parent_id, row.position);
    let (summary, referral_id, source, complete) = match kind {
        TaskKind::ReviewDue => (
            "Review the support plan".to_owned(),
            Some(id),
            (TaskSourceKind::Referral, id, format!("/api/v1/referrals/{id}/plan")),
            (
                "POST",
                format!("/api/v1/referrals/{id}/reviews"),
                "Record the review (the referral's next review date moves on).",
            ),
        ),
        TaskKind::FollowUpDue => (
            format!("Record the {pos}-month follow-up"),
            Some(parent),
            (
                TaskSourceKind::FollowUp,
                id,
                format!("/api/v1/referrals/{parent}/follow-ups"),
            ),
            (
                "POST",
                format!("/api/v1/referrals/{parent}/follow-ups/{id}/record"),
                "Record whether the outcome was sustained, with the escalation outcomes now.",
            ),
        ),
        TaskKind::PracticeAction => (
            row.description.clone().unwrap_or_default(),
            None,
            (
                TaskSourceKind::PracticeSession,
                parent,
                format!("/api/v1/practice-sessions/{parent}"),
            ),
            (
                "PUT",
                format!("/api/v1/practice-sessions/{parent}/actions/{id}"),
                "Send {\"done\": true} with the meeting's ETag as If-Match.",
            ),
        ),
        TaskKind::SchoolSupportAction => (
            row.description.clone().unwrap_or_default(),
            None,
            (
                TaskSourceKind::SchoolSupport,
                parent,
                format!("/api/v1/school-support/{parent}"),
            ),
            (
                "PUT",
                format!("/api/v1/school-support/{parent}/actions/{id}"),
                "Send the action with `done: true` and the action's ETag as If-Match.",
            ),
        ),
        TaskKind::FamilyPlanAction => (
            row.description.clone().unwrap_or_default(),
            None,
            (
                TaskSourceKind::FamilyPlan,
                parent,
                format!("/api/v1/families/{parent}/plan"),
            ),
            (
                "PUT",
                format!("/api/v1/families/{parent}/plan"),
                "Write the plan again with this action (its id kept) `done: true`, with the plan's ETag as If-Match.",
            ),
        ),
        TaskKind::TermlyAction => (
            row.description.clone().unwrap_or_default(),
            None,
            (
                TaskSourceKind::TermlyConversation,
                parent,
                format!("/api/v1/termly-conversations/{parent}"),
            ),
            (
                "POST",
                format!("/api/v1/termly-conversations/{parent}/hold"),
                "Correct the conversation's record with this action (position given in the task id) marked done, with its ETag as If-Match.",
            ),
        ),
    };
    Some(Task {
        id: format!("{}:{id}:{pos}", kind.as_str()),
        kind,
        overdue: row.due_on.is_some_and(|d| d < today),
        due_on: row.due_on,
        summary,
        referral_id,
        source: TaskSource {
            kind: source.0,
            id: source.1,
            href: source.2,
        },
        complete: TaskCompletion {
            method: complete.0.to_owned(),
            href: complete.1,
            how: complete.2.to_owned(),
        },
    })
}

/// My tasks.
#[utoipa::path(
    tag = "Diary",
    summary = "List what is due from me",
    operation_id = "list_my_tasks",
    description = "Everything due from the caller's worker record, earliest due first (undated actions last), keyset paged: reviews of the support plans of the referrals they work (allocated or co-worker; the referral's review date), follow-ups still to record of the closed referrals they held, actions they own from supervision and community-of-practice meetings, from school-support records and from family plans, and actions of their zone's termly conversations whose owner is recorded as their name or subject. Each task names its source and the operation that completes it there; completing it at its source takes it off this list (nothing is copied). Team managers and practitioners; la_admin (no worker record), schools and integration clients get 403.",
    params(TaskParams),
    responses(
        (status = 200, description = "A page of tasks", body = TaskPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/me/tasks")]
pub async fn list_my_tasks(
    state: web::Data<AppState>,
    caller: Caller,
    p: web::Query<TaskParams>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, &[Role::TeamManager, Role::Practitioner])?;
    let p = p.into_inner();
    let (limit, n) = page_size(&PageParams {
        limit: p.limit,
        cursor: None,
    })?;
    let after = after(p.cursor.as_deref())?;
    // A team token that names no worker of its team has no tasks.
    let Some(worker) = caller.worker_id else {
        return Ok(HttpResponse::Ok().json(TaskPage {
            items: Vec::new(),
            next_cursor: None,
        }));
    };
    let last_day = match p.due_before {
        Some(d) => d.checked_sub_days(Days::new(1)).unwrap_or(NaiveDate::MIN),
        None => UNDATED,
    };
    let kind = p.kind.map(TaskKind::as_str);
    let mut conn = state.db.conn().await?;
    let mut rows =
        repo::of_worker(&mut conn, worker, last_day, kind, after.as_ref(), limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| {
        (
            r.due_on.unwrap_or(UNDATED),
            r.kind.clone(),
            r.id,
            r.position,
        )
    });
    let today = chrono::Utc::now().date_naive();
    Ok(HttpResponse::Ok().json(TaskPage {
        items: rows.iter().filter_map(|r| task(r, today)).collect(),
        next_cursor,
    }))
}

/// Registers the tasks operation.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(list_my_tasks);
}
