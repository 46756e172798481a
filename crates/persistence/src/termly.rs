//! Termly conversations with schools: offering a term's conversation to a
//! zone's open schools at once, reading and changing them in the caller's
//! reach, the referrals and consultations that came out of them, and the
//! coverage report.

use crate::schema::{
    consultations, referrals, termly_conversation_referrals, termly_conversations,
};
use crate::store_error::store_error;
use crate::versioned::update_versioned;
use crate::{StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use uuid::Uuid;

/// What part of the service-delivery records a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Everything (la_admin).
    All,
    /// Records of one zone (the zone's team: managers and practitioners).
    Zone(Uuid),
    /// Records of these schools (school users).
    Schools(Vec<String>),
    /// Nothing (a token without a team, say).
    Nothing,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = termly_conversations)]
pub struct TermlyRow {
    pub id: Uuid,
    pub school_urn: String,
    pub zone_id: Uuid,
    pub academic_year: String,
    pub term: String,
    pub status: String,
    pub scheduled_for: Option<NaiveDate>,
    pub held_on: Option<NaiveDate>,
    pub attendees: Vec<String>,
    pub children_discussed: Option<i32>,
    pub actions: serde_json::Value,
    pub notes: Option<String>,
    pub decline_reason: Option<String>,
    pub offered_by: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The changeable state of a conversation, written whole by each action.
#[derive(Debug, Clone, PartialEq, AsChangeset)]
#[diesel(table_name = termly_conversations, treat_none_as_null = true)]
pub struct TermlyState {
    pub status: String,
    pub scheduled_for: Option<NaiveDate>,
    pub held_on: Option<NaiveDate>,
    pub attendees: Vec<String>,
    pub children_discussed: Option<i32>,
    pub actions: serde_json::Value,
    pub notes: Option<String>,
    pub decline_reason: Option<String>,
}

impl TermlyRow {
    /// The changeable state as stored.
    pub fn state(&self) -> TermlyState {
        TermlyState {
            status: self.status.clone(),
            scheduled_for: self.scheduled_for,
            held_on: self.held_on,
            attendees: self.attendees.clone(),
            children_discussed: self.children_discussed,
            actions: self.actions.clone(),
            notes: self.notes.clone(),
            decline_reason: self.decline_reason.clone(),
        }
    }
}

/// A conversation with the referrals and consultations that came from it.
#[derive(Debug, Clone, PartialEq)]
pub struct TermlyView {
    pub row: TermlyRow,
    pub referral_ids: Vec<Uuid>,
    pub consultation_ids: Vec<Uuid>,
}

/// Filters of the list.
#[derive(Debug, Clone, Default)]
pub struct TermlyFilter {
    pub academic_year: Option<String>,
    pub term: Option<String>,
    pub status: Option<String>,
    pub school_urn: Option<String>,
    pub zone_id: Option<Uuid>,
}

type Boxed<'a> = termly_conversations::BoxedQuery<'a, diesel::pg::Pg>;

fn in_reach<'a>(q: Boxed<'a>, reach: &Reach) -> Boxed<'a> {
    match reach {
        Reach::All => q,
        Reach::Zone(z) => q.filter(termly_conversations::zone_id.eq(*z)),
        Reach::Schools(urns) => q.filter(termly_conversations::school_urn.eq_any(urns.clone())),
        Reach::Nothing => q.filter(termly_conversations::id.is_null()),
    }
}

async fn links(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> StoreResult<HashMap<Uuid, (Vec<Uuid>, Vec<Uuid>)>> {
    let refs: Vec<(Uuid, Uuid)> = termly_conversation_referrals::table
        .filter(termly_conversation_referrals::conversation_id.eq_any(ids))
        .order((
            termly_conversation_referrals::conversation_id,
            termly_conversation_referrals::referral_id,
        ))
        .select((
            termly_conversation_referrals::conversation_id,
            termly_conversation_referrals::referral_id,
        ))
        .load(conn)
        .await?;
    let consults: Vec<(Option<Uuid>, Uuid)> = consultations::table
        .filter(consultations::termly_conversation_id.eq_any(ids))
        .order((consultations::termly_conversation_id, consultations::id))
        .select((consultations::termly_conversation_id, consultations::id))
        .load(conn)
        .await?;
    let mut out: HashMap<Uuid, (Vec<Uuid>, Vec<Uuid>)> = HashMap::new();
    for (c, r) in refs {
        out.entry(c).or_default().0.push(r);
    }
    for (c, id) in consults
        .into_iter()
        .filter_map(|(c, id)| c.map(|c| (c, id)))
    {
        out.entry(c).or_default().1.push(id);
    }
    Ok(out)
}

async fn view(conn: &mut AsyncPgConnection, row: TermlyRow) -> StoreResult<TermlyView> {
    let mut l = links(conn, &[row.id]).await?;
    let (referral_ids, consultation_ids) = l.remove(&row.id).unwrap_or_default();
    Ok(TermlyView {
        row,
        referral_ids,
        consultation_ids,
    })
}

/// One conversation in the caller's reach.
///
/// # Errors
/// `NotFound` when it does not exist or is out of reach.
pub async fn get_row(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reach: &Reach,
) -> StoreResult<TermlyRow> {
    Ok(in_reach(termly_conversations::table.into_boxed(), reach)
        .filter(termly_conversations::id.eq(id))
        .select(TermlyRow::as_select())
        .first(conn)
        .await?)
}

/// One conversation with its links.
///
/// # Errors
/// `NotFound` when it does not exist or is out of reach.
pub async fn get(conn: &mut AsyncPgConnection, id: Uuid, reach: &Reach) -> StoreResult<TermlyView> {
    let row = get_row(conn, id, reach).await?;
    view(conn, row).await
}

/// Conversations in reach, ordered by id, after the cursor.
///
/// # Errors
/// Database failures.
pub async fn list(
    conn: &mut AsyncPgConnection,
    reach: &Reach,
    f: &TermlyFilter,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<TermlyView>> {
    let mut q = in_reach(termly_conversations::table.into_boxed(), reach);
    if let Some(y) = &f.academic_year {
        q = q.filter(termly_conversations::academic_year.eq(y.clone()));
    }
    if let Some(t) = &f.term {
        q = q.filter(termly_conversations::term.eq(t.clone()));
    }
    if let Some(s) = &f.status {
        q = q.filter(termly_conversations::status.eq(s.clone()));
    }
    if let Some(u) = &f.school_urn {
        q = q.filter(termly_conversations::school_urn.eq(u.clone()));
    }
    if let Some(z) = f.zone_id {
        q = q.filter(termly_conversations::zone_id.eq(z));
    }
    if let Some(a) = after {
        q = q.filter(termly_conversations::id.gt(a));
    }
    let rows: Vec<TermlyRow> = q
        .order(termly_conversations::id.asc())
        .limit(limit)
        .select(TermlyRow::as_select())
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut l = links(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (referral_ids, consultation_ids) = l.remove(&row.id).unwrap_or_default();
            TermlyView {
                row,
                referral_ids,
                consultation_ids,
            }
        })
        .collect())
}

/// Offers one school's conversation.
///
/// # Errors
/// `Constraint` (unique) when the school already has this term's.
pub async fn create(conn: &mut AsyncPgConnection, row: &TermlyRow) -> StoreResult<TermlyView> {
    let row: TermlyRow = diesel::insert_into(termly_conversations::table)
        .values(row)
        .returning(TermlyRow::as_returning())
        .get_result(conn)
        .await?;
    // The zone's team hears of the offer in the same transaction.
    crate::outbox::emit(
        conn,
        sct_domain::EventType::TermlyConversationOffered,
        &row.school_urn,
        row.id,
        offered_data(
            &row.school_urn,
            row.id,
            row.zone_id,
            &row.academic_year,
            &row.term,
        ),
        row.created_at,
    )
    .await?;
    view(conn, row).await
}

/// The payload of `termly_conversation.offered`: identifiers and the term.
fn offered_data(
    school_urn: &str,
    id: Uuid,
    zone: Uuid,
    academic_year: &str,
    term: &str,
) -> serde_json::Value {
    serde_json::json!({
        "termly_conversation_id": id,
        "school_urn": school_urn,
        "zone_id": zone,
        "academic_year": academic_year,
        "term": term,
        "status": "offered",
    })
}

/// What offering a term to a zone did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct OfferOutcome {
    /// Open schools of the zone.
    #[diesel(sql_type = BigInt)]
    pub schools: i64,
    /// Conversations created now.
    #[diesel(sql_type = BigInt)]
    pub created: i64,
}

/// Offers a term's conversation to every open school of a zone that has not
/// had it offered yet, in one statement (concurrent offers cannot duplicate:
/// the unique key absorbs them).
///
/// # Errors
/// Database failures.
pub async fn offer_zone(
    conn: &mut AsyncPgConnection,
    zone: Uuid,
    academic_year: &str,
    term: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<OfferOutcome> {
    Ok(diesel::sql_query(
        "WITH open_schools AS (
             SELECT urn FROM schools WHERE zone_id = $1 AND status = 'open'
         ), inserted AS (
             INSERT INTO termly_conversations
                 (id, school_urn, zone_id, academic_year, term, status, offered_by, created_at, updated_at)
             SELECT gen_random_uuid(), urn, $1, $2, $3, 'offered', $4, $5, $5 FROM open_schools
             ON CONFLICT (school_urn, academic_year, term) DO NOTHING
             RETURNING id, school_urn
         ), events AS (
             -- As `outbox::emit` writes them (the school's zone is $1).
             INSERT INTO outbox_events
                 (id, event_type, school_urn, subject_id, data, occurred_at, zone_id)
             SELECT gen_random_uuid(), 'termly_conversation.offered', i.school_urn, i.id,
                    jsonb_build_object('termly_conversation_id', i.id, 'school_urn', i.school_urn,
                                       'zone_id', $1, 'academic_year', $2, 'term', $3,
                                       'status', 'offered'),
                    $5, $1
             FROM inserted i ORDER BY i.id
             RETURNING 1
         )
         SELECT (SELECT count(*) FROM open_schools) AS schools,
                (SELECT count(*) FROM events) AS created",
    )
    .bind::<SqlUuid, _>(zone)
    .bind::<Text, _>(academic_year)
    .bind::<Text, _>(term)
    .bind::<Text, _>(actor)
    .bind::<Timestamptz, _>(now)
    .get_result(conn)
    .await?)
}

/// Writes an action's result if the version still matches.
///
/// # Errors
/// Database failures; `Ok(None)` when the version moved.
pub async fn save(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    state: &TermlyState,
    now: DateTime<Utc>,
) -> StoreResult<Option<TermlyView>> {
    let row: Option<TermlyRow> = conn
        .transaction(async |c| {
            let before: Option<(String, Option<NaiveDate>)> = termly_conversations::table
                .find(id)
                .select((
                    termly_conversations::status,
                    termly_conversations::scheduled_for,
                ))
                .for_update()
                .first(c)
                .await
                .optional()?;
            let row: Option<TermlyRow> = update_versioned!(
                c,
                termly_conversations,
                id,
                expected_version,
                now,
                TermlyRow,
                (state,)
            )?;
            // Booked, or its date moved: the school's MIS hears of it in
            // the same transaction (identifiers, term and dates only).
            if let Some(r) = &row {
                let was = before.as_ref().map(|(s, d)| (s.as_str(), *d));
                if r.status == "scheduled" && was != Some(("scheduled", r.scheduled_for)) {
                    crate::outbox::emit(
                        c,
                        sct_domain::EventType::TermlyConversationScheduled,
                        &r.school_urn,
                        r.id,
                        serde_json::json!({
                            "termly_conversation_id": r.id,
                            "school_urn": r.school_urn,
                            "academic_year": r.academic_year,
                            "term": r.term,
                            "status": r.status,
                            "scheduled_for": r.scheduled_for,
                            "version": r.version,
                            "updated_at": r.updated_at,
                        }),
                        now,
                    )
                    .await?;
                }
                // Offered again (after a decline): the zone's team hears of it.
                if r.status == "offered" && was.map(|(s, _)| s) != Some("offered") {
                    crate::outbox::emit(
                        c,
                        sct_domain::EventType::TermlyConversationOffered,
                        &r.school_urn,
                        r.id,
                        offered_data(&r.school_urn, r.id, r.zone_id, &r.academic_year, &r.term),
                        now,
                    )
                    .await?;
                }
            }
            Ok::<_, StoreError>(row)
        })
        .await?;
    match row {
        Some(r) => Ok(Some(view(conn, r).await?)),
        None => Ok(None),
    }
}

/// Why a referral could not be linked.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("the referral is not one of this school's")]
    OtherSchool,
    #[error(transparent)]
    Store(#[from] StoreError),
}

store_error!(LinkError);

/// Links an existing referral of the conversation's school (idempotent) and
/// bumps the conversation's version when a new link is made.
///
/// # Errors
/// `OtherSchool` when the referral is unknown or of another school.
pub async fn link_referral(
    conn: &mut AsyncPgConnection,
    conversation: &TermlyRow,
    referral: Uuid,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<TermlyView, LinkError> {
    let id = conversation.id;
    let urn = conversation.school_urn.clone();
    let actor = actor.to_owned();
    let row = conn
        .transaction(async |c| {
            let school: Option<String> = referrals::table
                .find(referral)
                .select(referrals::school_urn)
                .first(c)
                .await
                .optional()?;
            if school.as_deref() != Some(urn.as_str()) {
                return Err(LinkError::OtherSchool);
            }
            let n = diesel::insert_into(termly_conversation_referrals::table)
                .values((
                    termly_conversation_referrals::conversation_id.eq(id),
                    termly_conversation_referrals::referral_id.eq(referral),
                    termly_conversation_referrals::linked_at.eq(now),
                    termly_conversation_referrals::linked_by.eq(&actor),
                ))
                .on_conflict_do_nothing()
                .execute(c)
                .await?;
            let q = termly_conversations::table.find(id);
            let row: TermlyRow = if n > 0 {
                diesel::update(q)
                    .set((
                        termly_conversations::updated_at.eq(now),
                        termly_conversations::version.eq(termly_conversations::version + 1),
                    ))
                    .returning(TermlyRow::as_returning())
                    .get_result(c)
                    .await?
            } else {
                q.select(TermlyRow::as_select()).first(c).await?
            };
            Ok::<_, LinkError>(row)
        })
        .await?;
    Ok(view(conn, row).await?)
}

/// Links a referral created from a consultation to that consultation's
/// conversation, inside the caller's transaction.
pub(crate) async fn link_in_tx(
    c: &mut AsyncPgConnection,
    conversation: Uuid,
    referral: Uuid,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::insert_into(termly_conversation_referrals::table)
        .values((
            termly_conversation_referrals::conversation_id.eq(conversation),
            termly_conversation_referrals::referral_id.eq(referral),
            termly_conversation_referrals::linked_at.eq(now),
            termly_conversation_referrals::linked_by.eq(actor),
        ))
        .on_conflict_do_nothing()
        .execute(c)
        .await?;
    diesel::update(termly_conversations::table.find(conversation))
        .set((
            termly_conversations::updated_at.eq(now),
            termly_conversations::version.eq(termly_conversations::version + 1),
        ))
        .execute(c)
        .await?;
    Ok(())
}

/// One zone's line of the coverage report.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct CoverageRow {
    #[diesel(sql_type = SqlUuid)]
    pub zone_id: Uuid,
    #[diesel(sql_type = Text)]
    pub zone_code: String,
    #[diesel(sql_type = Text)]
    pub zone_name: String,
    #[diesel(sql_type = BigInt)]
    pub schools: i64,
    #[diesel(sql_type = BigInt)]
    pub offered: i64,
    #[diesel(sql_type = BigInt)]
    pub awaiting_reply: i64,
    #[diesel(sql_type = BigInt)]
    pub scheduled: i64,
    #[diesel(sql_type = BigInt)]
    pub held: i64,
    #[diesel(sql_type = BigInt)]
    pub declined: i64,
    #[diesel(sql_type = BigInt)]
    pub not_offered: i64,
}

/// Per zone: the zone's open schools and where their conversation of the
/// term stands. One statement over the unique key's index.
///
/// # Errors
/// Database failures.
pub async fn coverage(
    conn: &mut AsyncPgConnection,
    academic_year: &str,
    term: &str,
    zone: Option<Uuid>,
) -> StoreResult<Vec<CoverageRow>> {
    Ok(diesel::sql_query(
        "SELECT z.id AS zone_id, z.code AS zone_code, z.name AS zone_name,
                count(s.urn) AS schools,
                count(c.id) AS offered,
                count(c.id) FILTER (WHERE c.status = 'offered') AS awaiting_reply,
                count(c.id) FILTER (WHERE c.status = 'scheduled') AS scheduled,
                count(c.id) FILTER (WHERE c.status = 'held') AS held,
                count(c.id) FILTER (WHERE c.status = 'declined') AS declined,
                count(s.urn) FILTER (WHERE c.id IS NULL) AS not_offered
           FROM zones z
           LEFT JOIN schools s ON s.zone_id = z.id AND s.status = 'open'
           LEFT JOIN termly_conversations c
                  ON c.school_urn = s.urn AND c.academic_year = $1 AND c.term = $2
          WHERE ($3::uuid IS NULL OR z.id = $3)
          GROUP BY z.id, z.code, z.name
          ORDER BY z.code",
    )
    .bind::<Text, _>(academic_year)
    .bind::<Text, _>(term)
    .bind::<Nullable<SqlUuid>, _>(zone)
    .load(conn)
    .await?)
}
