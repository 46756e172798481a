//! A family's early help assessments (issue 13, item 2): who assessed and
//! when, strengths and needs by area (a child member's INDES areas and the
//! family's own areas), and the family's own view. Who may see what is
//! decided by the API; this module stores and reads.

use crate::schema::{family_assessment_areas, family_assessments};
use crate::versioned::update_versioned;
use crate::{StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sct_domain::VersionMatch;
use uuid::Uuid;

/// An assessment.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = family_assessments)]
pub struct AssessmentRow {
    pub id: Uuid,
    pub family_id: Uuid,
    pub assessed_by: String,
    pub assessed_on: NaiveDate,
    pub family_view: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One area of an assessment, in assessment order.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = family_assessment_areas)]
pub struct AreaRow {
    pub assessment_id: Uuid,
    pub position: i16,
    pub child_member_id: Option<Uuid>,
    pub area: String,
    pub needs: String,
    pub strengths: String,
}

/// An area as written.
#[derive(Debug, Clone)]
pub struct AreaInput {
    pub child_member_id: Option<Uuid>,
    pub area: String,
    pub needs: String,
    pub strengths: String,
}

/// An assessment with its areas.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentView {
    pub assessment: AssessmentRow,
    pub areas: Vec<AreaRow>,
}

fn rows(id: Uuid, areas: Vec<AreaInput>) -> Vec<AreaRow> {
    areas
        .into_iter()
        .enumerate()
        .map(|(i, a)| AreaRow {
            assessment_id: id,
            position: i16::try_from(i).unwrap_or(i16::MAX),
            child_member_id: a.child_member_id,
            area: a.area,
            needs: a.needs,
            strengths: a.strengths,
        })
        .collect()
}

async fn areas_of(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> StoreResult<Vec<AreaRow>> {
    Ok(family_assessment_areas::table
        .filter(family_assessment_areas::assessment_id.eq_any(ids))
        .order((
            family_assessment_areas::assessment_id.asc(),
            family_assessment_areas::position.asc(),
        ))
        .select(AreaRow::as_select())
        .load(conn)
        .await?)
}

fn views(rows: Vec<AssessmentRow>, areas: &[AreaRow]) -> Vec<AssessmentView> {
    rows.into_iter()
        .map(|a| AssessmentView {
            areas: areas
                .iter()
                .filter(|x| x.assessment_id == a.id)
                .cloned()
                .collect(),
            assessment: a,
        })
        .collect()
}

/// Records an assessment (in the caller's transaction).
///
/// # Errors
/// Database failures.
pub async fn create(
    conn: &mut AsyncPgConnection,
    row: &AssessmentRow,
    areas: Vec<AreaInput>,
) -> StoreResult<AssessmentView> {
    diesel::insert_into(family_assessments::table)
        .values(row)
        .execute(conn)
        .await?;
    let areas = rows(row.id, areas);
    diesel::insert_into(family_assessment_areas::table)
        .values(&areas)
        .execute(conn)
        .await?;
    Ok(AssessmentView {
        assessment: row.clone(),
        areas,
    })
}

/// A family's assessments in id order (oldest first), after `after`.
///
/// # Errors
/// Database failures.
pub async fn list(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<AssessmentView>> {
    let mut q = family_assessments::table
        .filter(family_assessments::family_id.eq(family))
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(family_assessments::id.gt(a));
    }
    let found: Vec<AssessmentRow> = q
        .order(family_assessments::id.asc())
        .limit(limit)
        .select(AssessmentRow::as_select())
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = found.iter().map(|a| a.id).collect();
    let areas = areas_of(conn, &ids).await?;
    Ok(views(found, &areas))
}

/// One assessment of the family (`NotFound` for another family's).
///
/// # Errors
/// `NotFound`; database failures.
pub async fn get(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    id: Uuid,
) -> StoreResult<AssessmentView> {
    let a: AssessmentRow = family_assessments::table
        .find(id)
        .filter(family_assessments::family_id.eq(family))
        .select(AssessmentRow::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or(StoreError::NotFound)?;
    let areas = areas_of(conn, &[id]).await?;
    Ok(AssessmentView {
        assessment: a,
        areas,
    })
}

/// Replaces an assessment's date, view and areas when its version matches
/// (`None` when stale; the caller checked that it exists).
///
/// # Errors
/// Database failures.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected: VersionMatch,
    assessed_on: NaiveDate,
    family_view: Option<String>,
    areas: Vec<AreaInput>,
) -> StoreResult<Option<AssessmentView>> {
    let Some(a) = update_versioned!(
        conn,
        family_assessments,
        id,
        expected,
        crate::now(),
        AssessmentRow,
        (
            family_assessments::assessed_on.eq(assessed_on),
            family_assessments::family_view.eq(family_view),
        )
    )?
    else {
        return Ok(None);
    };
    diesel::delete(
        family_assessment_areas::table.filter(family_assessment_areas::assessment_id.eq(id)),
    )
    .execute(conn)
    .await?;
    let areas = rows(id, areas);
    diesel::insert_into(family_assessment_areas::table)
        .values(&areas)
        .execute(conn)
        .await?;
    Ok(Some(AssessmentView {
        assessment: a,
        areas,
    }))
}
