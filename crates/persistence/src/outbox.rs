//! The transactional outbox: an event is written in the same transaction as
//! the change it reports, so that it exists exactly when the change does.
//! The webhook worker (`crate::webhooks`) fans each event out to the
//! subscriptions that may hear it and delivers it.
//!
//! Another part of the platform publishes a new event type by adding a
//! variant to `sct_domain::EventType` (and to the CHECK constraints of
//! `outbox_events.event_type` and `webhook_subscriptions.events` in a
//! migration) and calling [`emit`] inside its own transaction.

use crate::schema::outbox_events;
use crate::{StoreResult, Wire};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Jsonb, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sct_domain::EventType;
use sct_domain::WireName;
use uuid::Uuid;

/// Records an event for webhook delivery. Call it on the connection of the
/// transaction that makes the change: if that transaction rolls back, the
/// event is gone too.
///
/// `school_urn` decides who may hear the event (a subscription of an
/// integration client only hears about its schools); `subject` is the object
/// the event is about (a referral's id): deliveries of one subject to one
/// subscription keep the order of `emit` calls. `data` goes out as the
/// body's `data` member, so it must carry identifiers, codes and timestamps
/// only, never a child's name or date of birth.
///
/// A referral's events (other than its submission, which carries its first
/// consent) stop while no consent for SCT involvement of the referral is in
/// force: nothing is recorded and a nil id is answered.
///
/// # Errors
/// `Constraint` when the school is unknown or the type is not allowed by the
/// table's CHECK; `Unavailable` or `Database`.
pub async fn emit(
    mut conn: &AsyncPgConnection,
    event: EventType,
    school_urn: &str,
    subject: Uuid,
    data: serde_json::Value,
    at: DateTime<Utc>,
) -> StoreResult<Uuid> {
    if event.as_str().starts_with("referral.")
        && event != EventType::ReferralSubmitted
        && !crate::consent_hold::involvement_on(conn, subject, at.date_naive()).await?
    {
        return Ok(Uuid::nil());
    }
    let id = Uuid::now_v7();
    // A referral's event is the team's it is routed to; any other event of
    // a school is its zone's (see `crate::webhooks::fan_out`).
    diesel::sql_query(
        "INSERT INTO outbox_events
             (id, event_type, school_urn, subject_id, data, occurred_at, team_id, zone_id)
         SELECT $1, $2, $3, $4, $5, $6, r.team_id,
                CASE WHEN r.id IS NULL THEN (SELECT s.zone_id FROM schools s WHERE s.urn = $3) END
         FROM (SELECT 1) AS one LEFT JOIN referrals r ON r.id = $4",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(event.as_str())
    .bind::<Text, _>(school_urn)
    .bind::<SqlUuid, _>(subject)
    .bind::<Jsonb, _>(data)
    .bind::<Timestamptz, _>(at)
    .execute(&mut conn)
    .await?;
    Ok(id)
}

/// Records an event of a zone that concerns no school (a programme's):
/// a team of the zone and the council hear it; no integration client does.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn emit_for_zone(
    mut conn: &AsyncPgConnection,
    event: EventType,
    zone: Uuid,
    subject: Uuid,
    data: serde_json::Value,
    at: DateTime<Utc>,
) -> StoreResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(outbox_events::table)
        .values((
            outbox_events::id.eq(id),
            outbox_events::event_type.eq(Wire(event)),
            outbox_events::subject_id.eq(subject),
            outbox_events::data.eq(data),
            outbox_events::occurred_at.eq(at),
            outbox_events::zone_id.eq(zone),
        ))
        .execute(&mut conn)
        .await?;
    Ok(id)
}
