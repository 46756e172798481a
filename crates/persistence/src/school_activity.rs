//! A school's view of what the team did with it in a term (issue 15, item
//! 3): the term's conversation, consultations, referrals by status,
//! programmes its families were enrolled on, and the feedback still waiting
//! for the school. Each part is one statement over the school's indexes and
//! bounded by `MAX_ITEMS`.

use crate::schema::{consultations, termly_conversations};
use crate::termly::TermlyRow;
use crate::StoreResult;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// The most items one part of the view lists (counts stay exact).
pub const MAX_ITEMS: i64 = 500;

/// The school's conversation of the term, if one was offered.
///
/// # Errors
/// Database failures.
pub async fn conversation(
    conn: &mut AsyncPgConnection,
    urn: &str,
    academic_year: &str,
    term: &str,
) -> StoreResult<Option<TermlyRow>> {
    Ok(termly_conversations::table
        .filter(termly_conversations::school_urn.eq(urn))
        .filter(termly_conversations::academic_year.eq(academic_year))
        .filter(termly_conversations::term.eq(term))
        .select(TermlyRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// A consultation of the term, without its subject's identity.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct ConsultationLine {
    pub id: Uuid,
    pub held_on: NaiveDate,
    pub topic: String,
    pub subject: String,
}

/// The school's consultations held in the window, by date.
///
/// # Errors
/// Database failures.
pub async fn consultations(
    conn: &mut AsyncPgConnection,
    urn: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<ConsultationLine>> {
    Ok(consultations::table
        .filter(consultations::school_urn.eq(urn))
        .filter(consultations::held_on.between(from, to))
        .order((consultations::held_on.asc(), consultations::id.asc()))
        .limit(MAX_ITEMS)
        .select((
            consultations::id,
            consultations::held_on,
            consultations::topic,
            consultations::subject,
        ))
        .load(conn)
        .await?)
}

/// A referral of the school that was open at some time in the window.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct ReferralLine {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Timestamptz)]
    pub submitted_at: DateTime<Utc>,
    /// How many referrals of the window have this line's status.
    #[diesel(sql_type = BigInt)]
    pub of_status: i64,
}

/// The school's referrals submitted by the window's end and not ended
/// before its start, oldest first, each with the count of its status.
///
/// # Errors
/// Database failures.
pub async fn referrals(
    conn: &mut AsyncPgConnection,
    urn: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<ReferralLine>> {
    Ok(diesel::sql_query(
        "SELECT id, status, created_at AS submitted_at,
                count(*) OVER (PARTITION BY status) AS of_status
           FROM referrals
          WHERE school_urn = $1
            AND created_at < ($3::date + 1)::timestamptz
            AND (closed_at IS NULL OR closed_at >= $2::date::timestamptz)
          ORDER BY created_at, id
          LIMIT $4",
    )
    .bind::<Text, _>(urn)
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<BigInt, _>(MAX_ITEMS)
    .load(conn)
    .await?)
}

/// A programme families of the school's referrals were enrolled on.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct ProgrammeLine {
    #[diesel(sql_type = SqlUuid)]
    pub programme_id: Uuid,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = BigInt)]
    pub enrolments: i64,
}

/// Programmes running in the window with enrolments linked to the school's
/// referrals, with how many.
///
/// # Errors
/// Database failures.
pub async fn programmes(
    conn: &mut AsyncPgConnection,
    urn: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<ProgrammeLine>> {
    Ok(diesel::sql_query(
        "SELECT p.id AS programme_id, p.title, count(*) AS enrolments
           FROM programme_enrolments e
           JOIN referrals r ON r.id = e.referral_id
           JOIN programmes p ON p.id = e.programme_id
          WHERE r.school_urn = $1
            AND p.starts_on <= $3 AND p.ends_on >= $2
            AND e.status <> 'cancelled'
          GROUP BY p.id, p.title
          ORDER BY p.title, p.id
          LIMIT $4",
    )
    .bind::<Text, _>(urn)
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<BigInt, _>(MAX_ITEMS)
    .load(conn)
    .await?)
}

/// An item finished in the window that the school has not yet given
/// feedback on.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct WaitingLine {
    #[diesel(sql_type = Text)]
    pub about: String,
    #[diesel(sql_type = SqlUuid)]
    pub item_id: Uuid,
    #[diesel(sql_type = Date)]
    pub finished_on: NaiveDate,
}

/// Referrals closed, consultations held and the conversation held in the
/// window, with no feedback of the school yet, oldest first.
///
/// # Errors
/// Database failures.
pub async fn feedback_waiting(
    conn: &mut AsyncPgConnection,
    urn: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<WaitingLine>> {
    Ok(diesel::sql_query(
        "SELECT about, item_id, finished_on FROM (
             SELECT 'referral' AS about, id AS item_id, (closed_at AT TIME ZONE 'UTC')::date AS finished_on
               FROM referrals
              WHERE school_urn = $1 AND status = 'closed'
                AND closed_at >= $2::date::timestamptz AND closed_at < ($3::date + 1)::timestamptz
             UNION ALL
             SELECT 'consultation', id, held_on FROM consultations
              WHERE school_urn = $1 AND held_on BETWEEN $2 AND $3
             UNION ALL
             SELECT 'termly_conversation', id, held_on FROM termly_conversations
              WHERE school_urn = $1 AND status = 'held' AND held_on BETWEEN $2 AND $3
         ) i
         WHERE NOT EXISTS (SELECT 1 FROM school_feedback f
                            WHERE f.school_urn = $1 AND f.about = i.about AND f.item_id = i.item_id)
         ORDER BY finished_on, item_id
         LIMIT $4",
    )
    .bind::<Text, _>(urn)
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<BigInt, _>(MAX_ITEMS)
    .load(conn)
    .await?)
}

/// A school-support record running in the window, with its sessions held
/// in the window.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct SupportLine {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Date)]
    pub starts_on: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Nullable<Date>)]
    pub ends_on: Option<NaiveDate>,
    #[diesel(sql_type = BigInt)]
    pub sessions: i64,
    #[diesel(sql_type = BigInt)]
    pub minutes: i64,
    #[diesel(sql_type = BigInt)]
    pub children_seen: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub review_outcome: Option<String>,
}

/// The school's support records that ran in the window (started by its
/// end, not ended or reviewed before its start), with the count, minutes
/// and children counted of their sessions in the window; by start.
///
/// # Errors
/// Database failures.
pub async fn school_support(
    conn: &mut AsyncPgConnection,
    urn: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<SupportLine>> {
    Ok(diesel::sql_query(
        "SELECT s.id, s.kind, s.title, s.starts_on, s.ends_on, s.review_outcome,
                count(x.id) AS sessions,
                coalesce(sum(x.duration_minutes), 0)::bigint AS minutes,
                coalesce(sum(x.children_count), 0)::bigint AS children_seen
           FROM school_support s
           LEFT JOIN school_support_sessions x
                  ON x.support_id = s.id AND x.held_on BETWEEN $2 AND $3
          WHERE s.school_urn = $1
            AND s.starts_on <= $3
            AND coalesce(s.ends_on, s.reviewed_on, $3) >= $2
          GROUP BY s.id
          ORDER BY s.starts_on, s.id
          LIMIT $4",
    )
    .bind::<Text, _>(urn)
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<BigInt, _>(MAX_ITEMS)
    .load(conn)
    .await?)
}
