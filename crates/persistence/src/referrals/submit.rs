//! Submission: duplicate checks, the referral, its child, levels, history, audit and outbox rows in one transaction.

use crate::audit::NewAuditEvent;
use crate::children::NewChild;
use crate::models::{ChildRow, IndesRow, NewHistoryRow, ReferralRow, TeamRow, WorkerRow, ZoneRow};
use crate::schema::{referral_history, referral_indes_levels, referrals, zones};
use crate::scope::Scope;
use crate::store_error::store_error;
use crate::{children, organisation, outbox};
use crate::{Actor, StoreError, StoreResult, Wire};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sct_domain::WireName;
use sct_domain::{route, EventType, Route, Status, TeamId, ZoneId};
use serde_json::json;
use uuid::Uuid;

/// A referral with everything a reader needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralView {
    pub referral: ReferralRow,
    /// The child as the reader may see them: the LA's record for staff, the
    /// referral's own snapshot of the child for a school or MIS client.
    pub child: ChildRow,
    /// Whether `child` is the LA's record (else the referral's snapshot).
    pub child_is_record: bool,
    pub indes: Vec<IndesRow>,
    pub zone: Option<ZoneRow>,
    pub team: Option<TeamRow>,
    pub worker: Option<WorkerRow>,
    /// Its current co-workers, in the order they were added.
    pub co_workers: Vec<WorkerRow>,
    /// The latest reassessed level of each area reassessed since intake
    /// (at a review or at closure).
    pub reassessed: Vec<super::reassessment::LatestLevel>,
    /// The escalation outcomes recorded at its closure, if it is closed
    /// (filled by a single read and by the closure, not by lists).
    pub closure_escalation: Option<crate::follow_ups::OutcomeRow>,
}

/// The child as a caller in `scope` may see them on referral `r`: staff see
/// the LA's record (`record`); a school or MIS client sees only what the
/// referral itself submitted, never the record, which another school's
/// referral may name differently (issue 13, item 6).
pub(crate) fn child_as_seen(record: Option<&ChildRow>, r: &ReferralRow) -> (ChildRow, bool) {
    match record {
        Some(k) => (k.clone(), true),
        None => (
            ChildRow {
                id: r.child_id,
                upn: r.submitted_upn.clone(),
                given_name: r.submitted_given_name.clone(),
                family_name: r.submitted_family_name.clone(),
                date_of_birth: r.submitted_date_of_birth,
                year_group: r.year_group.clone(),
                sen_provision: r.sen_provision.clone(),
                primary_need: r.primary_need.clone(),
                created_at: r.created_at,
                updated_at: r.updated_at,
            },
            false,
        ),
    }
}

/// Whether a caller in `scope` sees the LA's child record (staff) rather
/// than each referral's own snapshot of the child (schools, MIS clients).
pub(crate) fn sees_record(scope: &Scope) -> bool {
    !matches!(scope, Scope::Schools(_))
}

/// A referral ready to store: already parsed and screened.
#[derive(Debug, Clone)]
pub struct NewReferral {
    pub school_urn: String,
    pub external_reference: Option<String>,
    pub child: NewChild,
    pub indes: Vec<(String, i16)>,
    pub complicating_factors: Vec<String>,
    pub existing_plans: Vec<String>,
    pub consent_given_by: String,
    pub consent_given_on: NaiveDate,
    pub reason: String,
    pub eligibility_outcome: String,
    pub eligibility: serde_json::Value,
    pub policy_version: String,
    pub priority_band: String,
    pub priority_score: i32,
    pub priority_reasons: serde_json::Value,
    /// The family the referral belongs to (checked by the caller); the
    /// child becomes its member if not one already.
    pub family_id: Option<Uuid>,
    /// Where the referral came from.
    pub source_type: String,
    pub source_organisation: Option<String>,
}

/// Why a submission was not stored.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("unknown school")]
    UnknownSchool,
    /// GIAS records the school as closed.
    #[error("the school is recorded as closed")]
    SchoolClosed,
    #[error("the school already referred this child under that external reference")]
    Duplicate { existing: Uuid, reference: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

store_error!(SubmitError);

pub(crate) async fn find_duplicate(
    mut conn: &AsyncPgConnection,
    school: &str,
    external: &str,
) -> StoreResult<Option<(Uuid, String)>> {
    Ok(referrals::table
        .filter(referrals::school_urn.eq(school))
        .filter(referrals::external_reference.eq(external))
        .select((referrals::id, referrals::reference))
        .first(&mut conn)
        .await
        .optional()?)
}

/// Stores a new referral: upserts the child by UPN, routes the referral to
/// the team of the school's zone (or the council's triage queue), writes its
/// INDES levels and the first history row, all in one transaction.
pub async fn submit(
    conn: &mut AsyncPgConnection,
    new: NewReferral,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReferralView, SubmitError> {
    let school_urn = new.school_urn.clone();
    let external = new.external_reference.clone();
    let result = conn
        .transaction(async |c| submit_in_tx(c, new, actor, now).await)
        .await;
    match result {
        // The unique constraint closes the race between two submissions
        // with one external reference: name the one that won.
        Err(SubmitError::Store(StoreError::Constraint { constraint, .. }))
            if constraint == "referrals_school_urn_external_reference_key" =>
        {
            let ext = external.unwrap_or_default();
            match find_duplicate(conn, &school_urn, &ext).await? {
                Some((existing, reference)) => Err(SubmitError::Duplicate {
                    existing,
                    reference,
                }),
                None => Err(SubmitError::Store(StoreError::NotFound)),
            }
        }
        other => other,
    }
}

pub(crate) async fn submit_in_tx(
    c: &mut AsyncPgConnection,
    new: NewReferral,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReferralView, SubmitError> {
    let school = match organisation::get_school(c, &new.school_urn).await {
        Ok(s) => s,
        Err(StoreError::NotFound) => return Err(SubmitError::UnknownSchool),
        Err(e) => return Err(e.into()),
    };
    // A school GIAS records as closed takes no new referrals (its open
    // referrals stay with their team).
    if school.status == "closed" {
        return Err(SubmitError::SchoolClosed);
    }
    // Independent reads share one round trip (pipelined on a shared
    // reference to the connection; see `views`).
    let conn: &AsyncPgConnection = c;
    let duplicate = async {
        match &new.external_reference {
            Some(ext) => find_duplicate(conn, &new.school_urn, ext).await,
            None => Ok(None),
        }
    };
    let team = async {
        match school.zone_id {
            Some(z) => organisation::team_of_zone(conn, z).await,
            None => Ok(None),
        }
    };
    let zone = async {
        match school.zone_id {
            Some(z) => Ok::<_, StoreError>(
                zones::table
                    .find(z)
                    .select(ZoneRow::as_select())
                    .first::<ZoneRow>(&mut &*conn)
                    .await
                    .optional()?,
            ),
            None => Ok(None),
        }
    };
    let (duplicate, team, zone) = crate::pipeline::pipelined!(duplicate, team, zone)?;
    if let Some((existing, reference)) = duplicate {
        return Err(SubmitError::Duplicate {
            existing,
            reference,
        });
    }
    let routed = route(
        school.zone_id.map(ZoneId),
        team.as_ref().map(|t| (TeamId(t.id), t.operational_from)),
        now.date_naive(),
    );
    let (zone_id, team_id, triage_reason) = match routed {
        Route::Team { zone, team } => (Some(zone.0), Some(team.0), None),
        Route::CouncilTriage { zone, reason } => (zone.map(|z| z.0), None, Some(reason.to_owned())),
    };

    // One record per UPN, changed only by staff: a later referral with other
    // names or date of birth is flagged for review, never merged; the
    // referral keeps its own snapshot of the child either way.
    let seq = async {
        Ok::<i64, StoreError>(
            diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "nextval('referral_reference_seq')",
            ))
            .get_result(&mut &*conn)
            .await?,
        )
    };
    let ((child, child_outcome), seq) =
        crate::pipeline::pipelined!(children::upsert(conn, &new.child, now), seq)?;
    let submitted_child = new.child.clone();
    // A referral of the child closed within 12 months re-refers it.
    let re_referral_of: Option<Uuid> = referrals::table
        .filter(referrals::child_id.eq(child.id))
        .filter(referrals::closed_at.is_not_null())
        .filter(
            referrals::closed_at.ge(sct_domain::escalation::re_referral_since(now.date_naive())
                .and_hms_opt(0, 0, 0)
                .map_or(now, |t| t.and_utc())),
        )
        .order(referrals::closed_at.desc())
        .select(referrals::id)
        .first(&mut &*conn)
        .await
        .optional()?;

    let row = ReferralRow {
        id: Uuid::now_v7(),
        reference: format!("SCT-{}-{seq:06}", now.year()),
        school_urn: new.school_urn,
        external_reference: new.external_reference,
        child_id: child.id,
        status: Status::Submitted.as_str().to_owned(),
        zone_id,
        team_id,
        triage_reason: triage_reason.clone(),
        worker_id: None,
        eligibility_outcome: new.eligibility_outcome,
        submitted_eligibility: None,
        eligibility: new.eligibility,
        policy_version: new.policy_version,
        priority_band: new.priority_band,
        priority_score: new.priority_score,
        priority_reasons: new.priority_reasons,
        complicating_factors: new.complicating_factors,
        existing_plans: new.existing_plans,
        sen_provision: new.child.sen_provision,
        primary_need: new.child.primary_need,
        year_group: new.child.year_group,
        consent_given_by: new.consent_given_by,
        consent_given_on: new.consent_given_on,
        reason: new.reason,
        decline_reason: None,
        signposting: None,
        closure_outcome: None,
        closure_note: None,
        closed_at: None,
        closed_from: None,
        submitted_by: actor.subject.clone(),
        submitted_by_role: actor.role.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
        submitted_upn: new.child.upn,
        submitted_given_name: new.child.given_name,
        submitted_family_name: new.child.family_name,
        submitted_date_of_birth: new.child.date_of_birth,
        review_due_on: None,
        re_referral_of,
        family_id: new.family_id,
        source_type: new.source_type,
        source_organisation: new.source_organisation,
    };
    diesel::insert_into(referrals::table)
        .values(&row)
        .execute(&mut &*conn)
        .await?;
    if let Some(family) = row.family_id {
        crate::families::join_child(conn, family, child.id, Some(&row.school_urn), now).await?;
    }
    // Everything else names the referral: once it exists, the five writes
    // are independent and share one round trip.
    let mut levels: Vec<IndesRow> = new
        .indes
        .into_iter()
        .map(|(area, level)| IndesRow {
            referral_id: row.id,
            area,
            level,
        })
        .collect();
    let details = match (team_id, &triage_reason) {
        (Some(t), _) => json!({ "routed_to_team": t }),
        (None, reason) => json!({ "council_triage": reason }),
    };
    // The audit rows and the event commit with the referral, or none does.
    let route = "/api/v1/referrals";
    let audit_rows = [
        NewAuditEvent::new(
            actor,
            "submit_referral",
            Some(("referral", row.id.to_string())),
            201,
            now,
        )
        .via("POST", route),
        NewAuditEvent::new(
            actor,
            "submit_referral",
            Some(("child", child.id.to_string())),
            201,
            now,
        )
        .via("POST", route),
    ];
    let indes_insert = async {
        if levels.is_empty() {
            return Ok(());
        }
        diesel::insert_into(referral_indes_levels::table)
            .values(&levels)
            .execute(&mut &*conn)
            .await?;
        Ok::<(), StoreError>(())
    };
    crate::pipeline::pipelined!(
        crate::children::record(
            conn,
            &child,
            &child_outcome,
            &submitted_child,
            row.id,
            &actor.subject,
            now,
        ),
        indes_insert,
        crate::consents::record_intake(conn, &row, actor, now),
        insert_history(
            conn,
            row.id,
            actor,
            "submit",
            None,
            Status::Submitted,
            Some(&row.reason),
            details,
            now,
        ),
        crate::audit::record(conn, &audit_rows),
        outbox::emit(
            conn,
            EventType::ReferralSubmitted,
            &row.school_urn,
            row.id,
            event_data(&row, None),
            now,
        ),
    )?;
    // The view from what this transaction wrote: no second read. A school
    // or MIS client is answered with what it sent, never the LA's record.
    sort_levels(&mut levels);
    let staff = sct_domain::Role::parse(&actor.role).is_some_and(|r| !r.acts_for_schools());
    let (child, child_is_record) = child_as_seen(staff.then_some(&child), &row);
    Ok(ReferralView {
        zone,
        // The zone's team only when the referral was routed to it (not
        // while the team is not yet operational).
        team: team.filter(|t| Some(t.id) == team_id),
        worker: None,
        co_workers: Vec::new(),
        reassessed: Vec::new(),
        child,
        child_is_record,
        indes: levels,
        referral: row,
        closure_escalation: None,
    })
}

pub(crate) fn sort_levels(levels: &mut [IndesRow]) {
    levels
        .sort_by_key(|l| sct_domain::IndesArea::parse(&l.area).map_or(usize::MAX, |a| a as usize));
}

/// The `data` of a referral's webhook events: identifiers, codes and
/// timestamps only (never the child's name or date of birth).
pub(crate) fn event_data(row: &ReferralRow, previous_status: Option<Status>) -> serde_json::Value {
    json!({
        "referral_id": row.id,
        "reference": row.reference,
        "school_urn": row.school_urn,
        "external_reference": row.external_reference,
        "status": row.status,
        "previous_status": previous_status.map(Status::as_str),
        "team_id": row.team_id,
        "worker_id": row.worker_id,
        "closure_outcome": row.closure_outcome,
        "version": row.version,
        "updated_at": row.updated_at,
    })
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_history(
    mut c: &AsyncPgConnection,
    referral: Uuid,
    actor: &Actor,
    action: &str,
    from: Option<Status>,
    to: Status,
    reason: Option<&str>,
    details: serde_json::Value,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::insert_into(referral_history::table)
        .values(&NewHistoryRow {
            referral_id: referral,
            at,
            actor: actor.subject.clone(),
            actor_role: actor.role.clone(),
            action: action.to_owned(),
            from_status: from.map(Wire),
            to_status: Wire(to),
            reason: reason.map(str::to_owned),
            details,
            request_id: actor.request_id.clone(),
        })
        .execute(&mut c)
        .await?;
    Ok(())
}
