//! The interventions catalogue.

use crate::schema::interventions;
use crate::versioned::update_versioned;
use crate::StoreResult;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A catalogue entry.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Identifiable, AsChangeset)]
#[diesel(table_name = interventions, treat_none_as_null = true)]
pub struct InterventionRow {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub approach: String,
    pub mode: String,
    pub areas: Vec<String>,
    pub evidence_base: String,
    pub typical_sessions: Option<i32>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

/// Filters of the catalogue list (combined with AND).
#[derive(Debug, Clone, Default)]
pub struct InterventionFilter {
    pub active: Option<bool>,
    pub mode: Option<String>,
    pub area: Option<String>,
}

/// Catalogue entries ordered by id (time-ordered), after the cursor.
pub async fn list_interventions(
    c: &mut AsyncPgConnection,
    filter: &InterventionFilter,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<InterventionRow>> {
    let mut q = interventions::table.into_boxed();
    if let Some(a) = filter.active {
        q = q.filter(interventions::active.eq(a));
    }
    if let Some(m) = &filter.mode {
        q = q.filter(interventions::mode.eq(m.clone()));
    }
    if let Some(area) = &filter.area {
        q = q.filter(interventions::areas.contains(vec![area.clone()]));
    }
    if let Some(a) = after {
        q = q.filter(interventions::id.gt(a));
    }
    Ok(q.order(interventions::id.asc())
        .limit(limit)
        .select(InterventionRow::as_select())
        .load(c)
        .await?)
}

/// One catalogue entry.
pub async fn get_intervention(c: &mut AsyncPgConnection, id: Uuid) -> StoreResult<InterventionRow> {
    Ok(interventions::table
        .find(id)
        .select(InterventionRow::as_select())
        .first(c)
        .await?)
}

/// Adds a catalogue entry.
pub async fn create_intervention(
    c: &mut AsyncPgConnection,
    row: &InterventionRow,
) -> StoreResult<InterventionRow> {
    Ok(diesel::insert_into(interventions::table)
        .values(row)
        .returning(InterventionRow::as_returning())
        .get_result(c)
        .await?)
}

/// Replaces a catalogue entry's fields if its version still matches
/// (`None`: the version moved on).
pub async fn update_intervention(
    c: &mut AsyncPgConnection,
    row: &InterventionRow,
    expected_version: sct_domain::VersionMatch,
) -> StoreResult<Option<InterventionRow>> {
    Ok(update_versioned!(
        c,
        interventions,
        row.id,
        expected_version,
        crate::now(),
        InterventionRow,
        (
            interventions::name.eq(&row.name),
            interventions::description.eq(&row.description),
            interventions::approach.eq(&row.approach),
            interventions::mode.eq(&row.mode),
            interventions::areas.eq(&row.areas),
            interventions::evidence_base.eq(&row.evidence_base),
            interventions::typical_sessions.eq(row.typical_sessions),
            interventions::active.eq(row.active),
        )
    )?)
}
