//! The audit trail: append-only rows of who read or changed what. Writers
//! either call [`record`] inside the transaction of the change they audit
//! (so that the change and its audit row commit together) or, for reads,
//! after the response is known. The table refuses UPDATE, DELETE and
//! TRUNCATE (a trigger); this module only ever inserts and reads.

use crate::schema::audit_events;
use crate::{Actor, StoreResult};
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// One audit row to write. `None` is inserted as NULL (every nullable
/// column defaults to NULL), not as `DEFAULT`: diesel never caches the
/// prepared statement of an insert with `DEFAULT` values, and a one-row
/// insert is the audit statement sent most.
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
pub struct NewAuditEvent {
    pub occurred_at: DateTime<Utc>,
    pub request_id: Option<String>,
    pub actor: String,
    pub actor_role: String,
    pub client_id: Option<String>,
    /// The operation id (e.g. `accept_referral`), or `METHOD /route` when the
    /// route has none.
    pub action: String,
    pub method: Option<String>,
    pub route: Option<String>,
    pub subject_type: Option<String>,
    /// The one subject named, or `None` when the row names several
    /// (`subject_ids`) or none.
    pub subject_id: Option<String>,
    /// The HTTP status answered (for the CLI: 200 done, 204 nothing to do).
    pub outcome: i16,
    pub details: serde_json::Value,
    /// Two or more subjects of `subject_type` shown by one request (a list
    /// page): one row names them all (issue 18, item 4).
    pub subject_ids: Option<Vec<String>>,
}

/// A stored audit row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEventRow {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub request_id: Option<String>,
    pub actor: String,
    pub actor_role: String,
    pub client_id: Option<String>,
    pub action: String,
    pub method: Option<String>,
    pub route: Option<String>,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub outcome: i16,
    pub details: serde_json::Value,
    pub subject_ids: Option<Vec<String>>,
}

impl AuditEventRow {
    /// Every subject the row names: `subject_id`, or all of `subject_ids`.
    pub fn subjects(&self) -> Vec<String> {
        match (&self.subject_id, &self.subject_ids) {
            (Some(id), _) => vec![id.clone()],
            (None, Some(ids)) => ids.clone(),
            (None, None) => Vec::new(),
        }
    }
}

/// The start of "this row is one of the rows naming ..." (to be followed by
/// an array operator, its operand and `)`): the expression in the inner
/// select is the one the GIN index `audit_events_subjects_idx` is built on,
/// every subject a row names, old single-subject rows and page rows alike.
const SUBJECT_ROWS_SQL: &str = r#""audit_events"."id" = ANY (ARRAY(SELECT s.id FROM audit_events s WHERE coalesce(s.subject_ids, ARRAY[s.subject_id])"#;

impl NewAuditEvent {
    /// A row for an actor's action on one subject (or none).
    pub fn new(
        actor: &Actor,
        action: &str,
        subject: Option<(&str, String)>,
        outcome: u16,
        at: DateTime<Utc>,
    ) -> Self {
        let (subject_type, subject_id) = match subject {
            Some((t, id)) => (Some(t.to_owned()), Some(id)),
            None => (None, None),
        };
        Self {
            occurred_at: at,
            request_id: actor.request_id.clone(),
            actor: actor.subject.clone(),
            actor_role: actor.role.clone(),
            client_id: actor.client_id.clone(),
            action: action.to_owned(),
            method: None,
            route: None,
            subject_type,
            subject_id,
            outcome: i16::try_from(outcome).unwrap_or(599),
            details: serde_json::json!({}),
            subject_ids: None,
        }
    }

    /// A row for an actor's action on several subjects of one type (a list
    /// page): one subject goes in `subject_id` as [`NewAuditEvent::new`]
    /// puts it, two or more in `subject_ids`.
    pub fn many(
        actor: &Actor,
        action: &str,
        subject_type: &str,
        mut ids: Vec<String>,
        outcome: u16,
        at: DateTime<Utc>,
    ) -> Self {
        if ids.len() == 1 {
            let id = ids.pop().unwrap_or_default();
            return Self::new(actor, action, Some((subject_type, id)), outcome, at);
        }
        let mut row = Self::new(actor, action, None, outcome, at);
        if !ids.is_empty() {
            row.subject_type = Some(subject_type.to_owned());
            row.subject_ids = Some(ids);
        }
        row
    }

    /// The same row with the HTTP method and route pattern.
    #[must_use]
    pub fn via(mut self, method: &str, route: &str) -> Self {
        self.method = Some(method.to_owned());
        self.route = Some(route.to_owned());
        self
    }

    /// The same row with details (identifiers and counts only).
    #[must_use]
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// Appends rows, in the caller's connection or transaction.
///
/// # Errors
/// `Unavailable` for any failure: the caller must then not acknowledge
/// what it audits.
pub async fn record(mut c: &AsyncPgConnection, events: &[NewAuditEvent]) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    // Whatever the cause, an audit row that cannot be stored means "retry
    // later" to the caller (503), never a conflict or a bug report.
    // One row: a statement prepared once per connection. Several: diesel
    // prepares a multi-row insert afresh each time (its text varies with the
    // row count).
    let inserted = match events {
        [one] => {
            diesel::insert_into(audit_events::table)
                .values(one)
                .execute(&mut c)
                .await
        }
        many => {
            diesel::insert_into(audit_events::table)
                .values(many)
                .execute(&mut c)
                .await
        }
    };
    inserted.map_err(|e| crate::StoreError::Unavailable(format!("audit trail: {e}")))?;
    Ok(())
}

/// Filters of the audit list (combined with AND).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub action: Option<String>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
}

type BoxedEvents<'a> = audit_events::BoxedQuery<'a, Pg>;

fn list_query<'a>(
    filter: &AuditFilter,
    after: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> BoxedEvents<'a> {
    let mut q = audit_events::table.into_boxed();
    if let Some(a) = &filter.actor {
        q = q.filter(audit_events::actor.eq(a.clone()));
    }
    if let Some(s) = &filter.subject_id {
        // Rows naming this subject, alone or in a page: one GIN index
        // lookup, evaluated once (an InitPlan), then the rows by primary
        // key. As a plain filter, the planner would walk the time index
        // and discard every other subject's rows.
        q = q.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(SUBJECT_ROWS_SQL)
                .sql(" @> ARRAY[")
                .bind::<diesel::sql_types::Text, _>(s.clone())
                .sql("]))"),
        );
    }
    if let Some(t) = &filter.subject_type {
        q = q.filter(audit_events::subject_type.eq(t.clone()));
    }
    if let Some(a) = &filter.action {
        q = q.filter(audit_events::action.eq(a.clone()));
    }
    if let Some(f) = filter.from {
        q = q.filter(audit_events::occurred_at.ge(f));
    }
    if let Some(t) = filter.to {
        q = q.filter(audit_events::occurred_at.lt(t));
    }
    if let Some((at, id)) = after {
        // A row comparison, so that the keyset is an index bound.
        q = q.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(
                r#"("audit_events"."occurred_at", "audit_events"."id") > ("#,
            )
            .bind::<diesel::sql_types::Timestamptz, _>(at)
            .sql(", ")
            .bind::<diesel::sql_types::BigInt, _>(id)
            .sql(")"),
        );
    }
    q.order((audit_events::occurred_at.asc(), audit_events::id.asc()))
        .limit(limit)
}

/// A page of audit rows, oldest first, after the keyset `after`.
///
/// # Errors
/// Storage failures.
pub async fn list(
    c: &mut AsyncPgConnection,
    filter: &AuditFilter,
    after: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> StoreResult<Vec<AuditEventRow>> {
    Ok(list_query(filter, after, limit)
        .select(AuditEventRow::as_select())
        .load(c)
        .await?)
}

/// The SQL text `list` sends, with `$n` placeholders (for `tests/e2e/indexes.rs`).
pub fn list_sql(filter: &AuditFilter, after: Option<(DateTime<Utc>, i64)>, limit: i64) -> String {
    let q = list_query(filter, after, limit).select(AuditEventRow::as_select());
    crate::statement_sql(&q)
}

/// The latest `limit` rows about any of these subjects, oldest first (a
/// subject access bundle's "who accessed it"). A list page's row comes back
/// naming only the subjects asked about.
///
/// # Errors
/// Storage failures.
pub async fn for_subjects(
    c: &mut AsyncPgConnection,
    subject_ids: &[String],
    limit: i64,
) -> StoreResult<Vec<AuditEventRow>> {
    let mut rows: Vec<AuditEventRow> = audit_events::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(SUBJECT_ROWS_SQL)
                .sql(" && ")
                .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(subject_ids.to_vec())
                .sql("))"),
        )
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(limit)
        .select(AuditEventRow::as_select())
        .load(c)
        .await?;
    rows.reverse();
    // A page row names other children's records too: keep only the
    // subjects asked about (one of them goes back in `subject_id`).
    for row in &mut rows {
        if let Some(ids) = row.subject_ids.take() {
            let mut mine: Vec<String> = ids
                .into_iter()
                .filter(|i| subject_ids.contains(i))
                .collect();
            if mine.len() == 1 {
                row.subject_id = mine.pop();
            } else {
                row.subject_ids = Some(mine);
            }
        }
    }
    Ok(rows)
}
