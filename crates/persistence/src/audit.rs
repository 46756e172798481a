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

/// One audit row to write.
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = audit_events)]
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
    pub subject_id: Option<String>,
    /// The HTTP status answered (for the CLI: 200 done, 204 nothing to do).
    pub outcome: i16,
    pub details: serde_json::Value,
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
}

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
        }
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
    diesel::insert_into(audit_events::table)
        .values(events)
        .execute(&mut c)
        .await
        .map_err(|e| crate::StoreError::Unavailable(format!("audit trail: {e}")))?;
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
        q = q.filter(audit_events::subject_id.eq(s.clone()));
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
    let text = diesel::debug_query::<Pg, _>(&q).to_string();
    match text.rfind(" -- binds: ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// The latest `limit` rows about any of these subjects, oldest first (a
/// subject access bundle's "who accessed it").
///
/// # Errors
/// Storage failures.
pub async fn for_subjects(
    c: &mut AsyncPgConnection,
    subject_ids: &[String],
    limit: i64,
) -> StoreResult<Vec<AuditEventRow>> {
    let mut rows: Vec<AuditEventRow> = audit_events::table
        .filter(audit_events::subject_id.eq_any(subject_ids))
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(limit)
        .select(AuditEventRow::as_select())
        .load(c)
        .await?;
    rows.reverse();
    Ok(rows)
}
