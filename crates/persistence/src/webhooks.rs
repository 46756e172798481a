//! Webhook subscriptions, deliveries and attempts, and the statements the
//! delivery worker runs: fan-out of outbox events to subscriptions, claiming
//! due deliveries with `FOR UPDATE SKIP LOCKED` (so that several `sct serve`
//! processes on one database send each delivery once), and recording the
//! outcome of each attempt.
//!
//! Who hears an event: a council subscription every one; an integration
//! client's those of its schools; a team's those of the referrals routed to
//! the team (`outbox_events.team_id`) and those of its zone
//! (`outbox_events.zone_id`: termly conversations, consultations,
//! programmes). A referral in the triage queue (no team yet) is heard by
//! the council only.

use crate::schema::{outbox_events, webhook_attempts, webhook_deliveries, webhook_subscriptions};
use crate::versioned::version_matches;
use crate::{StoreError, StoreResult, Wire};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Double, Int4, Jsonb, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sct_domain::EventType;
use uuid::Uuid;

/// A subscription row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_subscriptions)]
pub struct SubscriptionRow {
    pub id: Uuid,
    pub client_id: Option<Uuid>,
    pub created_by: String,
    pub url: String,
    pub events: Vec<String>,
    pub secret: String,
    pub active: bool,
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
    pub consecutive_failures: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    /// The team that owns it (made by the team's manager); `None` for a
    /// client's or the council's.
    pub team_id: Option<Uuid>,
}

/// A delivery row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub event_id: Uuid,
    pub event_seq: i64,
    pub subject_id: Uuid,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub leased_until: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An attempt row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub id: i64,
    pub delivery_id: Uuid,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
    pub succeeded: bool,
}

/// A delivery with its event type and every attempt, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryView {
    pub delivery: DeliveryRow,
    pub event_type: String,
    pub attempts: Vec<AttemptRow>,
}

/// Whose subscriptions a caller may see: every one (la_admin), one
/// integration client's or one team's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Council,
    Client(Uuid),
    Team(Uuid),
}

type BoxedSubscriptions<'a> = webhook_subscriptions::BoxedQuery<'a, diesel::pg::Pg>;

fn owned(q: BoxedSubscriptions<'_>, owner: Owner) -> BoxedSubscriptions<'_> {
    match owner {
        Owner::Council => q,
        Owner::Client(c) => q.filter(webhook_subscriptions::client_id.eq(c)),
        Owner::Team(t) => q.filter(webhook_subscriptions::team_id.eq(t)),
    }
}

/// Stores a new subscription.
///
/// # Errors
/// `Constraint` when a CHECK refuses it; `Unavailable` or `Database`.
pub async fn create_subscription(
    conn: &mut AsyncPgConnection,
    row: &SubscriptionRow,
) -> StoreResult<SubscriptionRow> {
    Ok(diesel::insert_into(webhook_subscriptions::table)
        .values(row)
        .returning(SubscriptionRow::as_returning())
        .get_result(conn)
        .await?)
}

/// One subscription the owner may see.
///
/// # Errors
/// `NotFound` when there is none (or it is another client's).
pub async fn get_subscription(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    owner: Owner,
) -> StoreResult<SubscriptionRow> {
    Ok(owned(webhook_subscriptions::table.into_boxed(), owner)
        .filter(webhook_subscriptions::id.eq(id))
        .select(SubscriptionRow::as_select())
        .first(conn)
        .await?)
}

/// The owner's subscriptions by id (UUIDv7: creation order) after `after`.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn list_subscriptions(
    conn: &mut AsyncPgConnection,
    owner: Owner,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<SubscriptionRow>> {
    let mut q = owned(webhook_subscriptions::table.into_boxed(), owner);
    if let Some(a) = after {
        q = q.filter(webhook_subscriptions::id.gt(a));
    }
    Ok(q.order(webhook_subscriptions::id.asc())
        .limit(limit)
        .select(SubscriptionRow::as_select())
        .load(conn)
        .await?)
}

/// What an update sets.
#[derive(Debug, Clone)]
pub struct SubscriptionChange<'a> {
    pub url: &'a str,
    pub events: &'a [String],
    pub active: bool,
    pub now: DateTime<Utc>,
}

/// Replaces url, events and the active flag if the version is
/// `expected_version`; `None` when it moved on. Re-enabling clears the
/// failure count; disabling records who disabled it.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn update_subscription(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    change: &SubscriptionChange<'_>,
) -> StoreResult<Option<SubscriptionRow>> {
    use webhook_subscriptions as s;
    let current: Option<SubscriptionRow> = s::table
        .find(id)
        .filter(version_matches!(s::version, expected_version))
        .for_update()
        .select(SubscriptionRow::as_select())
        .first(conn)
        .await
        .optional()?;
    let Some(current) = current else {
        return Ok(None);
    };
    let (disabled_at, reason, failures) = match (current.active, change.active) {
        (_, true) => (None, None, 0),
        (true, false) => (
            Some(change.now),
            Some("disabled by its owner".to_owned()),
            current.consecutive_failures,
        ),
        (false, false) => (
            current.disabled_at,
            current.disabled_reason.clone(),
            current.consecutive_failures,
        ),
    };
    Ok(Some(
        diesel::update(s::table.find(id))
            .set((
                s::url.eq(change.url),
                s::events.eq(change.events.to_vec()),
                s::active.eq(change.active),
                s::disabled_at.eq(disabled_at),
                s::disabled_reason.eq(reason),
                s::consecutive_failures.eq(failures),
                s::updated_at.eq(change.now),
                s::version.eq(s::version + 1),
            ))
            .returning(SubscriptionRow::as_returning())
            .get_result(conn)
            .await?,
    ))
}

/// Deletes a subscription and its deliveries if the version is
/// `expected_version`; `false` when it moved on.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn delete_subscription(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
) -> StoreResult<bool> {
    let n = diesel::delete(
        webhook_subscriptions::table
            .find(id)
            .filter(version_matches!(
                webhook_subscriptions::version,
                expected_version
            )),
    )
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Deliveries of a subscription in event order, after the event sequence
/// number `after`, each with its attempts.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn list_deliveries(
    conn: &mut AsyncPgConnection,
    subscription: Uuid,
    after: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<DeliveryView>> {
    let mut q = webhook_deliveries::table
        .inner_join(outbox_events::table)
        .filter(webhook_deliveries::subscription_id.eq(subscription))
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(webhook_deliveries::event_seq.gt(a));
    }
    let rows: Vec<(DeliveryRow, String)> = q
        .order(webhook_deliveries::event_seq.asc())
        .limit(limit)
        .select((DeliveryRow::as_select(), outbox_events::event_type))
        .load(conn)
        .await?;
    with_attempts(conn, rows).await
}

async fn with_attempts(
    conn: &mut AsyncPgConnection,
    rows: Vec<(DeliveryRow, String)>,
) -> StoreResult<Vec<DeliveryView>> {
    let ids: Vec<Uuid> = rows.iter().map(|(d, _)| d.id).collect();
    let attempts: Vec<AttemptRow> = if ids.is_empty() {
        Vec::new()
    } else {
        webhook_attempts::table
            .filter(webhook_attempts::delivery_id.eq_any(&ids))
            .order(webhook_attempts::id.asc())
            .select(AttemptRow::as_select())
            .load(conn)
            .await?
    };
    Ok(rows
        .into_iter()
        .map(|(delivery, event_type)| DeliveryView {
            attempts: attempts
                .iter()
                .filter(|a| a.delivery_id == delivery.id)
                .cloned()
                .collect(),
            delivery,
            event_type,
        })
        .collect())
}

/// One delivery of a subscription.
///
/// # Errors
/// `NotFound` when the subscription has no such delivery.
pub async fn get_delivery(
    conn: &mut AsyncPgConnection,
    subscription: Uuid,
    id: Uuid,
) -> StoreResult<DeliveryView> {
    let row: (DeliveryRow, String) = webhook_deliveries::table
        .inner_join(outbox_events::table)
        .filter(webhook_deliveries::subscription_id.eq(subscription))
        .filter(webhook_deliveries::id.eq(id))
        .select((DeliveryRow::as_select(), outbox_events::event_type))
        .first(conn)
        .await?;
    with_attempts(conn, vec![row])
        .await?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// Queues a delivery again, now, with a fresh retry budget (the same
/// `webhook-id`). An attempt in flight no longer decides its status.
///
/// # Errors
/// `NotFound` when the subscription has no such delivery.
pub async fn replay_delivery(
    conn: &mut AsyncPgConnection,
    subscription: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<DeliveryView> {
    use webhook_deliveries as d;
    let n = diesel::update(
        d::table
            .filter(d::subscription_id.eq(subscription))
            .filter(d::id.eq(id)),
    )
    .set((
        d::status.eq("pending"),
        d::attempts.eq(0),
        d::next_attempt_at.eq(now),
        d::leased_until.eq(None::<DateTime<Utc>>),
        d::updated_at.eq(now),
    ))
    .execute(conn)
    .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    get_delivery(conn, subscription, id).await
}

/// Key of the advisory lock that serialises fan-out across processes, so
/// that deliveries of one referral are created in event order.
const FAN_OUT_LOCK: i64 = 7_272_741;

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// Creates a delivery for every active subscription that may hear each of
/// the oldest `limit` events not yet fanned out, and marks them fanned out.
/// Returns how many events it handled (0 when another process holds the
/// fan-out lock).
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn fan_out(conn: &mut AsyncPgConnection, limit: i64) -> StoreResult<usize> {
    conn.transaction(async |c| {
        let lock: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
            .bind::<BigInt, _>(FAN_OUT_LOCK)
            .get_result(c)
            .await?;
        if !lock.locked {
            return Ok(0);
        }
        let n = diesel::sql_query(
            "WITH ev AS (
                SELECT id, seq, event_type, school_urn, subject_id, team_id, zone_id FROM outbox_events
                WHERE fanned_out_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE
            ), ins AS (
                INSERT INTO webhook_deliveries
                    (id, subscription_id, event_id, event_seq, subject_id, status, attempts,
                     next_attempt_at, created_at, updated_at)
                SELECT gen_random_uuid(), s.id, ev.id, ev.seq, ev.subject_id, 'pending', 0,
                       now(), now(), now()
                FROM ev
                JOIN webhook_subscriptions s ON s.active AND ev.event_type = ANY (s.events)
                LEFT JOIN integration_clients c ON c.id = s.client_id
                LEFT JOIN teams t ON t.id = s.team_id
                WHERE (s.client_id IS NULL AND s.team_id IS NULL)
                   OR (c.revoked_at IS NULL AND ev.school_urn = ANY (c.schools))
                   OR ev.team_id = t.id OR ev.zone_id = t.zone_id
                ON CONFLICT (subscription_id, event_id) DO NOTHING
            )
            UPDATE outbox_events SET fanned_out_at = now() WHERE id IN (SELECT id FROM ev)",
        )
        .bind::<BigInt, _>(limit)
        .execute(c)
        .await?;
        Ok::<_, StoreError>(n)
    })
    .await
}

/// A delivery a worker has claimed, with what it needs to send it.
#[derive(Debug, Clone, QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Int4)]
    pub attempts: i32,
    #[diesel(sql_type = Timestamptz)]
    pub leased_until: DateTime<Utc>,
    #[diesel(sql_type = SqlUuid)]
    pub subscription_id: Uuid,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Text)]
    pub secret: String,
    #[diesel(sql_type = Text)]
    pub event_type: Wire<EventType>,
    #[diesel(sql_type = Jsonb)]
    pub data: serde_json::Value,
    #[diesel(sql_type = Timestamptz)]
    pub occurred_at: DateTime<Utc>,
    /// Whether the subscription may still hear about the event's school
    /// (the client may have lost the school or been revoked since fan-out).
    #[diesel(sql_type = Bool)]
    pub in_scope: bool,
}

/// Claims up to `limit` due deliveries for `lease_seconds`: pending, due,
/// not leased by another worker, of an active subscription, and the oldest
/// pending one of their subject for their subscription (per-referral
/// order). Rows another worker is claiming at the same moment are skipped.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    limit: i64,
    lease_seconds: f64,
) -> StoreResult<Vec<Claimed>> {
    Ok(diesel::sql_query(
        "UPDATE webhook_deliveries d
         SET leased_until = now() + make_interval(secs => $2), updated_at = now()
         FROM webhook_subscriptions s, outbox_events ev
         WHERE s.id = d.subscription_id AND ev.id = d.event_id
           AND d.id IN (
             SELECT d2.id FROM webhook_deliveries d2
             JOIN webhook_subscriptions s2 ON s2.id = d2.subscription_id
             WHERE d2.status = 'pending' AND d2.next_attempt_at <= now()
               AND (d2.leased_until IS NULL OR d2.leased_until < now())
               AND s2.active
               AND NOT EXISTS (
                 SELECT 1 FROM webhook_deliveries e
                 WHERE e.subscription_id = d2.subscription_id
                   AND e.subject_id = d2.subject_id
                   AND e.status = 'pending'
                   AND e.event_seq < d2.event_seq)
             ORDER BY d2.next_attempt_at, d2.event_seq
             LIMIT $1
             FOR UPDATE OF d2 SKIP LOCKED)
         RETURNING d.id, d.attempts, d.leased_until, s.id AS subscription_id, s.url, s.secret,
           ev.event_type, ev.data, ev.occurred_at,
           (s.client_id IS NULL OR EXISTS (
              SELECT 1 FROM integration_clients c
              WHERE c.id = s.client_id AND c.revoked_at IS NULL
                AND ev.school_urn = ANY (c.schools))) AS in_scope",
    )
    .bind::<BigInt, _>(limit)
    .bind::<Double, _>(lease_seconds)
    .load(conn)
    .await?)
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx answer.
    Delivered { status_code: i32 },
    /// A failure; retry at `retry_at`, or give up when `None`.
    Failed {
        status_code: Option<i32>,
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
    /// Not sent: the subscription may no longer hear about the school.
    OutOfScope,
}

/// What recording an attempt did to the subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// The subscription was disabled by this failure.
    pub disabled: bool,
}

/// Records an attempt of a claimed delivery and its effect on the delivery
/// (only while the worker's lease still holds: a replay or another worker's
/// later claim wins) and on the subscription's consecutive failures,
/// disabling it after `disable_after` of them.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn record_attempt(
    conn: &mut AsyncPgConnection,
    claimed: &Claimed,
    outcome: &Outcome,
    duration_ms: i32,
    disable_after: i32,
    now: DateTime<Utc>,
) -> StoreResult<Recorded> {
    use webhook_deliveries as d;
    use webhook_subscriptions as s;
    conn.transaction(async |c| {
        let (status_code, error, succeeded) = match outcome {
            Outcome::Delivered { status_code } => (Some(*status_code), None, true),
            Outcome::Failed {
                status_code, error, ..
            } => (*status_code, Some(error.clone()), false),
            Outcome::OutOfScope => (
                None,
                Some("not sent: the subscription may no longer hear about this school".to_owned()),
                false,
            ),
        };
        diesel::insert_into(webhook_attempts::table)
            .values((
                webhook_attempts::delivery_id.eq(claimed.id),
                webhook_attempts::attempted_at.eq(now),
                webhook_attempts::status_code.eq(status_code),
                webhook_attempts::error.eq(&error),
                webhook_attempts::duration_ms.eq(duration_ms),
                webhook_attempts::succeeded.eq(succeeded),
            ))
            .execute(c)
            .await?;
        let (status, next) = match outcome {
            Outcome::Delivered { .. } => ("succeeded", None),
            Outcome::Failed {
                retry_at: Some(at), ..
            } => ("pending", Some(*at)),
            Outcome::Failed { retry_at: None, .. } => ("failed", None),
            Outcome::OutOfScope => ("cancelled", None),
        };
        let mine = d::table
            .filter(d::id.eq(claimed.id))
            .filter(d::leased_until.eq(claimed.leased_until));
        let counted = i32::from(!matches!(outcome, Outcome::OutOfScope));
        match next {
            Some(at) => {
                diesel::update(mine)
                    .set((
                        d::status.eq(status),
                        d::attempts.eq(d::attempts + counted),
                        d::next_attempt_at.eq(at),
                        d::leased_until.eq(None::<DateTime<Utc>>),
                        d::last_attempt_at.eq(now),
                        d::last_status_code.eq(status_code),
                        d::last_error.eq(&error),
                        d::updated_at.eq(now),
                    ))
                    .execute(c)
                    .await?
            }
            None => {
                diesel::update(mine)
                    .set((
                        d::status.eq(status),
                        d::attempts.eq(d::attempts + counted),
                        d::leased_until.eq(None::<DateTime<Utc>>),
                        d::last_attempt_at.eq(now),
                        d::last_status_code.eq(status_code),
                        d::last_error.eq(&error),
                        d::updated_at.eq(now),
                    ))
                    .execute(c)
                    .await?
            }
        };
        let mut disabled = false;
        match outcome {
            Outcome::Delivered { .. } => {
                diesel::update(s::table.find(claimed.subscription_id))
                    .filter(s::consecutive_failures.gt(0))
                    .set(s::consecutive_failures.eq(0))
                    .execute(c)
                    .await?;
            }
            Outcome::Failed { .. } => {
                let failures: Option<i32> = diesel::update(s::table.find(claimed.subscription_id))
                    .set(s::consecutive_failures.eq(s::consecutive_failures + 1))
                    .returning(s::consecutive_failures)
                    .get_result(c)
                    .await
                    .optional()?;
                if failures.is_some_and(|n| n >= disable_after) {
                    let n = diesel::update(
                        s::table
                            .find(claimed.subscription_id)
                            .filter(s::active.eq(true)),
                    )
                    .set((
                        s::active.eq(false),
                        s::disabled_at.eq(Some(now)),
                        s::disabled_reason.eq(Some(format!(
                            "{disable_after} consecutive failed deliveries"
                        ))),
                        s::updated_at.eq(now),
                        s::version.eq(s::version + 1),
                    ))
                    .execute(c)
                    .await?;
                    disabled = n == 1;
                }
            }
            Outcome::OutOfScope => {}
        }
        Ok::<_, StoreError>(Recorded { disabled })
    })
    .await
}

#[derive(QueryableByName)]
struct Depth {
    #[diesel(sql_type = BigInt)]
    pending_events: i64,
    #[diesel(sql_type = BigInt)]
    pending_deliveries: i64,
}

/// Events not yet fanned out and deliveries still pending (for metrics).
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn depth(conn: &mut AsyncPgConnection) -> StoreResult<(i64, i64)> {
    let d: Depth = diesel::sql_query(
        "SELECT (SELECT count(*) FROM outbox_events WHERE fanned_out_at IS NULL) AS pending_events,
                (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending') AS pending_deliveries",
    )
    .get_result(conn)
    .await?;
    Ok((d.pending_events, d.pending_deliveries))
}
