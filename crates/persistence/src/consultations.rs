//! Consultations: advice a team gives a school about a child or a cohort,
//! or a family (with or without a school), without a referral, and turning one into a referral in one transaction
//! through the referral submission path (screening, routing, history).

use crate::referrals::{self, NewReferral, ReferralView, SubmitError};
use crate::schema::consultations;
use crate::termly::{self, Reach};
use crate::versioned::update_versioned;
use crate::{Actor, StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = consultations)]
pub struct ConsultationRow {
    pub id: Uuid,
    /// The school advised; absent for advice to a family without a school.
    pub school_urn: Option<String>,
    pub zone_id: Uuid,
    pub held_on: NaiveDate,
    pub topic: String,
    pub subject: String,
    pub upn: Option<String>,
    pub cohort: Option<String>,
    pub indes_areas: Vec<String>,
    pub advice: String,
    pub follow_up: Option<String>,
    pub termly_conversation_id: Option<Uuid>,
    pub referral_id: Option<Uuid>,
    pub recorded_by: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The family advised (`subject: family`).
    pub family_id: Option<Uuid>,
}

/// The fields an update may change.
#[derive(Debug, Clone, PartialEq, AsChangeset)]
#[diesel(table_name = consultations, treat_none_as_null = true)]
pub struct ConsultationChange {
    pub held_on: NaiveDate,
    pub topic: String,
    pub subject: String,
    pub upn: Option<String>,
    pub cohort: Option<String>,
    pub indes_areas: Vec<String>,
    pub advice: String,
    pub follow_up: Option<String>,
    pub termly_conversation_id: Option<Uuid>,
}

type Boxed<'a> = consultations::BoxedQuery<'a, diesel::pg::Pg>;

fn in_reach<'a>(q: Boxed<'a>, reach: &Reach) -> Boxed<'a> {
    match reach {
        Reach::All => q,
        Reach::Zone(z) => q.filter(consultations::zone_id.eq(*z)),
        // Advice to a family without a school is not a school's to read.
        Reach::Schools(urns) => q.filter(consultations::school_urn.eq_any(urns.clone())),
        Reach::Nothing => q.filter(consultations::id.is_null()),
    }
}

/// One consultation in reach.
///
/// # Errors
/// `NotFound` when absent or out of reach.
pub async fn get(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reach: &Reach,
) -> StoreResult<ConsultationRow> {
    Ok(in_reach(consultations::table.into_boxed(), reach)
        .filter(consultations::id.eq(id))
        .select(ConsultationRow::as_select())
        .first(conn)
        .await?)
}

/// Filters of the list.
#[derive(Debug, Clone, Default)]
pub struct ConsultationFilter {
    pub school_urn: Option<String>,
    pub termly_conversation_id: Option<Uuid>,
}

/// Consultations in reach ordered by id.
///
/// # Errors
/// Database failures.
pub async fn list(
    conn: &mut AsyncPgConnection,
    reach: &Reach,
    f: &ConsultationFilter,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<ConsultationRow>> {
    let mut q = in_reach(consultations::table.into_boxed(), reach);
    if let Some(u) = &f.school_urn {
        q = q.filter(consultations::school_urn.eq(u.clone()));
    }
    if let Some(c) = f.termly_conversation_id {
        q = q.filter(consultations::termly_conversation_id.eq(c));
    }
    if let Some(a) = after {
        q = q.filter(consultations::id.gt(a));
    }
    Ok(q.order(consultations::id.asc())
        .limit(limit)
        .select(ConsultationRow::as_select())
        .load(conn)
        .await?)
}

/// Records a consultation.
///
/// # Errors
/// Database failures.
pub async fn create(
    conn: &mut AsyncPgConnection,
    row: &ConsultationRow,
) -> StoreResult<ConsultationRow> {
    conn.transaction(async |c| {
        let saved: ConsultationRow = diesel::insert_into(consultations::table)
            .values(row)
            .returning(ConsultationRow::as_returning())
            .get_result(c)
            .await?;
        // The event commits with the consultation: identifiers and dates
        // only, never the topic, advice or a UPN. It is a school's event:
        // advice to a family without a school sends none.
        if let Some(urn) = &saved.school_urn {
            crate::outbox::emit(
                c,
                sct_domain::EventType::ConsultationRecorded,
                urn,
                saved.id,
                serde_json::json!({
                    "consultation_id": saved.id,
                    "school_urn": urn,
                    "zone_id": saved.zone_id,
                    "held_on": saved.held_on,
                    "termly_conversation_id": saved.termly_conversation_id,
                }),
                crate::now(),
            )
            .await?;
        }
        Ok::<_, StoreError>(saved)
    })
    .await
}

/// Changes a consultation if its version matches.
///
/// # Errors
/// Database failures; `Ok(None)` when the version moved.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    change: &ConsultationChange,
    now: DateTime<Utc>,
) -> StoreResult<Option<ConsultationRow>> {
    Ok(update_versioned!(
        conn,
        consultations,
        id,
        expected_version,
        now,
        ConsultationRow,
        (change,)
    )?)
}

/// Why a consultation could not become a referral.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error("the consultation changed since it was read")]
    Stale,
    #[error("the consultation already became referral {0}")]
    AlreadyReferred(Uuid),
    #[error(transparent)]
    Submit(#[from] SubmitError),
}

impl From<diesel::result::Error> for ConvertError {
    fn from(e: diesel::result::Error) -> Self {
        ConvertError::Submit(SubmitError::Store(e.into()))
    }
}

impl From<StoreError> for ConvertError {
    fn from(e: StoreError) -> Self {
        ConvertError::Submit(SubmitError::Store(e))
    }
}

/// Submits a referral from a consultation and links both ways, in one
/// transaction: the consultation is locked, the referral goes through the
/// same submission as any other (routing, INDES levels, history), and the
/// consultation's termly conversation, if any, gets the referral too.
///
/// # Errors
/// `Stale` when the version moved, `AlreadyReferred`, or the submission's
/// own errors.
pub async fn convert(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    new: NewReferral,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(ConsultationRow, ReferralView), ConvertError> {
    conn.transaction(async |c| {
        let row: ConsultationRow = consultations::table
            .find(id)
            .for_update()
            .select(ConsultationRow::as_select())
            .first(c)
            .await?;
        if let Some(r) = row.referral_id {
            return Err(ConvertError::AlreadyReferred(r));
        }
        if !expected_version.matches(row.version) {
            return Err(ConvertError::Stale);
        }
        let view = referrals::submit_in_tx(c, new, actor, now).await?;
        let rid = view.referral.id;
        let row: ConsultationRow = diesel::update(consultations::table.find(id))
            .set((
                consultations::referral_id.eq(rid),
                consultations::updated_at.eq(now),
                consultations::version.eq(consultations::version + 1),
            ))
            .returning(ConsultationRow::as_returning())
            .get_result(c)
            .await?;
        if let Some(conv) = row.termly_conversation_id {
            termly::link_in_tx(c, conv, rid, &actor.subject, now).await?;
        }
        Ok((row, view))
    })
    .await
}
