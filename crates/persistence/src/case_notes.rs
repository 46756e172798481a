//! Case notes of a referral (calls, visits, emails, meetings) and the
//! case's chronology: status changes, intake consent, sessions, reviews,
//! notes and appointments merged newest first in one statement (`UNION ALL`), keyset-paged.
//! A note's `text` is personal data: an erasure anonymises it
//! (`data_protection`), a subject access export includes it.

use crate::models::ReferralRow;
use crate::schema::case_notes;
use crate::scope::{co_works, lock_in_scope, Scope};
use crate::StoreResult;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sct_domain::caseload::sees_restricted;
use sct_domain::Role;
use uuid::Uuid;

/// A stored case note.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_notes)]
pub struct NoteRow {
    pub id: Uuid,
    pub referral_id: Uuid,
    pub kind: String,
    pub occurred_on: NaiveDate,
    pub text: String,
    pub visibility: String,
    pub author_worker_id: Option<Uuid>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub anonymised_at: Option<DateTime<Utc>>,
}

/// A note to record.
#[derive(Debug, Clone)]
pub struct NewNote {
    pub kind: String,
    pub occurred_on: NaiveDate,
    pub text: String,
    pub visibility: String,
    pub author_worker_id: Option<Uuid>,
}

/// Who reads: their role and worker record (if any).
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    pub role: Role,
    pub worker: Option<Uuid>,
}

/// Whether the reader sees the referral's restricted notes.
async fn sees_restricted_of(
    c: &mut AsyncPgConnection,
    row: &ReferralRow,
    reader: Reader,
) -> StoreResult<bool> {
    let works = match reader.worker {
        Some(w) => row.worker_id == Some(w) || co_works(c, row.id, w).await?,
        None => false,
    };
    Ok(sees_restricted(reader.role, works))
}

/// The referral, if in scope (`NotFound` otherwise), with whether the
/// reader sees its restricted notes.
async fn referral_for(
    c: &mut AsyncPgConnection,
    referral: Uuid,
    scope: &Scope,
    reader: Reader,
) -> StoreResult<(ReferralRow, bool)> {
    let row = crate::referrals::find(c, referral, scope).await?;
    let restricted = sees_restricted_of(c, &row, reader).await?;
    Ok((row, restricted))
}

/// Records a note on a referral in scope (`NotFound` otherwise). The
/// referral is locked so that a note and a change of who works the case do
/// not cross.
///
/// # Errors
/// `NotFound`, or a storage failure.
pub async fn create(
    c: &mut AsyncPgConnection,
    referral: Uuid,
    scope: &Scope,
    note: NewNote,
    recorded_by: &str,
    now: DateTime<Utc>,
) -> StoreResult<NoteRow> {
    let row = lock_in_scope(c, referral, scope).await?;
    let note = NoteRow {
        id: Uuid::now_v7(),
        referral_id: row.id,
        kind: note.kind,
        occurred_on: note.occurred_on,
        text: note.text,
        visibility: note.visibility,
        author_worker_id: note.author_worker_id,
        recorded_by: recorded_by.to_owned(),
        recorded_at: now,
        anonymised_at: None,
    };
    diesel::insert_into(case_notes::table)
        .values(&note)
        .execute(c)
        .await?;
    Ok(note)
}

/// Keyset of the notes list and of the chronology: newest first.
pub type NoteKeyset = (NaiveDate, DateTime<Utc>, Uuid);

/// A referral's notes the reader may see, newest first by (occurred_on,
/// recorded_at, id), `limit` of them after `after`.
///
/// # Errors
/// `NotFound` when the referral is not in scope, or a storage failure.
pub async fn list(
    c: &mut AsyncPgConnection,
    referral: Uuid,
    scope: &Scope,
    reader: Reader,
    after: Option<NoteKeyset>,
    limit: i64,
) -> StoreResult<Vec<NoteRow>> {
    let (_, restricted) = referral_for(c, referral, scope, reader).await?;
    let mut q = case_notes::table
        .filter(case_notes::referral_id.eq(referral))
        .into_boxed();
    if !restricted {
        q = q.filter(case_notes::visibility.eq("team"));
    }
    if let Some((on, at, id)) = after {
        q = q.filter(
            diesel::dsl::sql::<Bool>(
                r#"("case_notes"."occurred_on", "case_notes"."recorded_at", "case_notes"."id") < ("#,
            )
            .bind::<Date, _>(on)
            .sql(", ")
            .bind::<Timestamptz, _>(at)
            .sql(", ")
            .bind::<SqlUuid, _>(id)
            .sql(")"),
        );
    }
    Ok(q.order((
        case_notes::occurred_on.desc(),
        case_notes::recorded_at.desc(),
        case_notes::id.desc(),
    ))
    .limit(limit)
    .select(NoteRow::as_select())
    .load(c)
    .await?)
}

/// One note of a referral in scope, if the reader may see it (`NotFound`
/// otherwise, restricted included).
///
/// # Errors
/// `NotFound`, or a storage failure.
pub async fn get(
    c: &mut AsyncPgConnection,
    referral: Uuid,
    note: Uuid,
    scope: &Scope,
    reader: Reader,
) -> StoreResult<NoteRow> {
    let (_, restricted) = referral_for(c, referral, scope, reader).await?;
    let row: NoteRow = case_notes::table
        .filter(case_notes::id.eq(note))
        .filter(case_notes::referral_id.eq(referral))
        .select(NoteRow::as_select())
        .first(c)
        .await?;
    if row.visibility == "restricted" && !restricted {
        return Err(crate::StoreError::NotFound);
    }
    Ok(row)
}

/// One entry of a case's chronology.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct ChronologyRow {
    /// `status_change`, `consent`, `session`, `review`, `note` or
    /// `appointment`.
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// The id of the entry's record (the history row's number for a status
    /// change, the referral's id for its consent).
    #[diesel(sql_type = Text)]
    pub entry_id: String,
    /// The day it happened.
    #[diesel(sql_type = Date)]
    pub on_day: NaiveDate,
    /// When it was recorded.
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    /// The history action, who consented, the attendance, the review's or
    /// the note's kind.
    #[diesel(sql_type = Text)]
    pub detail: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub from_status: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub to_status: Option<String>,
    /// The reason, the session's, review's or note's text.
    #[diesel(sql_type = Nullable<Text>)]
    pub text: Option<String>,
    /// A note's visibility.
    #[diesel(sql_type = Nullable<Text>)]
    pub visibility: Option<String>,
    /// Who recorded it.
    #[diesel(sql_type = Nullable<Text>)]
    pub recorded_by: Option<String>,
}

/// Keyset of the chronology: (day, recorded at, kind, entry id), newest
/// first.
pub type ChronologyKeyset = (NaiveDate, DateTime<Utc>, String, String);

/// The statement of a chronology page. `$1` the referral, `$2` whether
/// restricted notes show, then the keyset (`$3`..`$6`) if any, then the
/// limit. Each branch reads one referral's rows by its index; new kinds of
/// entry (follow-ups) are further branches.
pub fn chronology_sql(keyset: bool) -> String {
    let after = if keyset {
        "WHERE (e.on_day, e.at, e.kind, e.entry_id) < ($3, $4, $5, $6) "
    } else {
        ""
    };
    let limit = if keyset { "$7" } else { "$3" };
    format!(
        "SELECT e.kind, e.entry_id, e.on_day, e.at, e.detail, e.from_status, e.to_status, \
                e.text, e.visibility, e.recorded_by FROM ( \
           SELECT 'status_change'::text AS kind, h.id::text AS entry_id, \
                  (h.at AT TIME ZONE 'UTC')::date AS on_day, h.at AS at, h.action AS detail, \
                  h.from_status, h.to_status, h.reason AS text, NULL::text AS visibility, \
                  h.actor AS recorded_by \
             FROM referral_history h WHERE h.referral_id = $1 \
           UNION ALL \
           SELECT 'consent', r.id::text, r.consent_given_on, r.created_at, r.consent_given_by, \
                  NULL, NULL, NULL, NULL, r.submitted_by \
             FROM referrals r WHERE r.id = $1 \
           UNION ALL \
           SELECT 'session', s.id::text, a.held_on, s.created_at, a.status, NULL, NULL, \
                  s.notes, NULL, s.recorded_by \
             FROM session_attendance a JOIN delivery_sessions s ON s.id = a.session_id \
            WHERE a.referral_id = $1 \
           UNION ALL \
           SELECT 'review', pr.id::text, pr.reviewed_on, pr.created_at, pr.kind, NULL, NULL, \
                  pr.notes, NULL, pr.recorded_by \
             FROM plan_reviews pr WHERE pr.referral_id = $1 \
           UNION ALL \
           SELECT 'note', n.id::text, n.occurred_on, n.recorded_at, n.kind, NULL, NULL, \
                  n.text, n.visibility, n.recorded_by \
             FROM case_notes n WHERE n.referral_id = $1 AND (n.visibility = 'team' OR $2) \
           UNION ALL \
           SELECT 'appointment', a.id::text, (a.starts_at AT TIME ZONE 'UTC')::date, a.created_at, \
                  a.status, NULL, NULL, NULL, NULL, a.created_by \
             FROM appointments a WHERE a.referral_id = $1 \
         ) e {after}\
         ORDER BY e.on_day DESC, e.at DESC, e.kind DESC, e.entry_id DESC LIMIT {limit}"
    )
}

/// A page of a referral's chronology, newest first.
///
/// # Errors
/// `NotFound` when the referral is not in scope, or a storage failure.
pub async fn chronology(
    c: &mut AsyncPgConnection,
    referral: Uuid,
    scope: &Scope,
    reader: Reader,
    after: Option<ChronologyKeyset>,
    limit: i64,
) -> StoreResult<Vec<ChronologyRow>> {
    let (_, restricted) = referral_for(c, referral, scope, reader).await?;
    let rows = match after {
        None => {
            diesel::sql_query(chronology_sql(false))
                .bind::<SqlUuid, _>(referral)
                .bind::<Bool, _>(restricted)
                .bind::<BigInt, _>(limit)
                .load(c)
                .await?
        }
        Some((on, at, kind, id)) => {
            diesel::sql_query(chronology_sql(true))
                .bind::<SqlUuid, _>(referral)
                .bind::<Bool, _>(restricted)
                .bind::<Date, _>(on)
                .bind::<Timestamptz, _>(at)
                .bind::<Text, _>(kind)
                .bind::<Text, _>(id)
                .bind::<BigInt, _>(limit)
                .load(c)
                .await?
        }
    };
    Ok(rows)
}

/// Every note of these referrals, oldest first (a subject access export).
///
/// # Errors
/// A storage failure.
pub async fn of_referrals(
    c: &mut AsyncPgConnection,
    ids: &[Uuid],
    limit: i64,
) -> StoreResult<Vec<NoteRow>> {
    Ok(case_notes::table
        .filter(case_notes::referral_id.eq_any(ids))
        .order((case_notes::recorded_at.asc(), case_notes::id.asc()))
        .limit(limit)
        .select(NoteRow::as_select())
        .load(c)
        .await?)
}
