//! Consents of a referral (issue 13, item 3): recorded and withdrawn under
//! the referral's row lock, with history and audit rows in the same
//! transaction. A referral's first consent is the one its intake form
//! states. Whether a consent for SCT involvement is in force is asked by
//! every write on a referral and its delivery records
//! (`crate::consent_hold`, called by `scope::lock_in_scope` and the
//! lifecycle actions) and by the outbox before a referral's event.

use crate::audit::NewAuditEvent;
use crate::models::ReferralRow;
use crate::referrals::insert_history;
use crate::schema::{consents, family_members, member_relationships, partners, referrals};
use crate::scope::{in_scope, Scope};
use crate::store_error::store_error;
use crate::{Actor, StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sct_domain::consent::{ConsentGiver, ConsentScope, ConsentTerms, RecordedHow, INTAKE_SCOPES};
use sct_domain::WireName;
use sct_domain::{Status, VersionMatch};
use serde_json::json;
use uuid::Uuid;

/// A consent as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = consents)]
pub struct ConsentRow {
    pub id: Uuid,
    pub referral_id: Uuid,
    pub given_by: String,
    pub member_id: Option<Uuid>,
    pub scopes: Vec<String>,
    pub partner_ids: Vec<Uuid>,
    pub recorded_how: String,
    pub given_on: NaiveDate,
    pub until: Option<NaiveDate>,
    pub notes: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub withdrawn_on: Option<NaiveDate>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_by: Option<String>,
    pub withdrawal_reason: Option<String>,
    pub version: i32,
}

impl ConsentRow {
    /// The terms that decide when it is in force.
    pub fn terms(&self) -> ConsentTerms {
        crate::consent_hold::terms(&self.scopes, self.given_on, self.until, self.withdrawn_on)
    }
}

/// A consent to record (checked by the domain's `check_new` first).
#[derive(Debug, Clone)]
pub struct NewConsent {
    pub given_by: ConsentGiver,
    pub member_id: Option<Uuid>,
    pub scopes: Vec<ConsentScope>,
    pub partner_ids: Vec<Uuid>,
    pub recorded_how: RecordedHow,
    pub given_on: NaiveDate,
    pub until: Option<NaiveDate>,
    pub notes: Option<String>,
}

/// Why a consent change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConsentError {
    /// The referral (or the consent) is unknown or out of scope.
    #[error("not found")]
    NotFound,
    #[error("the referral has changed since it was read (version {current})")]
    VersionMismatch { current: i32 },
    #[error("the consent was already withdrawn")]
    AlreadyWithdrawn,
    /// An invalid field of the body: (field, code, message).
    #[error("{2}")]
    Field(&'static str, &'static str, String),
    #[error(transparent)]
    Store(StoreError),
}

store_error!(ConsentError, not_found);

/// The consent a referral's intake form states: its first consent.
pub(crate) async fn record_intake(
    mut conn: &AsyncPgConnection,
    row: &ReferralRow,
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let given_by = if row.consent_given_by == ConsentGiver::YoungPerson.as_str() {
        ConsentGiver::YoungPerson
    } else {
        ConsentGiver::ParentCarer
    };
    diesel::insert_into(consents::table)
        .values(&ConsentRow {
            id: Uuid::now_v7(),
            referral_id: row.id,
            given_by: given_by.as_str().to_owned(),
            member_id: None,
            scopes: INTAKE_SCOPES
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            partner_ids: Vec::new(),
            recorded_how: RecordedHow::ReferralForm.as_str().to_owned(),
            given_on: row.consent_given_on,
            until: None,
            notes: None,
            recorded_by: actor.subject.clone(),
            recorded_at: now,
            withdrawn_on: None,
            withdrawn_at: None,
            withdrawn_by: None,
            withdrawal_reason: None,
            version: 1,
        })
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// The consents of a referral, oldest first (by the day given).
///
/// # Errors
/// Database failures.
pub async fn of_referrals(
    conn: &mut AsyncPgConnection,
    referrals: &[Uuid],
) -> StoreResult<Vec<ConsentRow>> {
    Ok(consents::table
        .filter(consents::referral_id.eq_any(referrals.to_vec()))
        .order((consents::given_on.asc(), consents::id.asc()))
        .select(ConsentRow::as_select())
        .load(conn)
        .await?)
}

async fn lock_referral(
    c: &mut AsyncPgConnection,
    id: Uuid,
    scope: &Scope,
    expected: Option<VersionMatch>,
) -> Result<ReferralRow, ConsentError> {
    let row: ReferralRow = referrals::table
        .find(id)
        .for_update()
        .select(ReferralRow::as_select())
        .first(c)
        .await?;
    if !in_scope(c, &row, scope).await? {
        return Err(ConsentError::NotFound);
    }
    if let Some(v) = expected {
        if !v.matches(row.version) {
            return Err(ConsentError::VersionMismatch {
                current: row.version,
            });
        }
    }
    Ok(row)
}

/// Whether `member` is an adult of the referral's family with parental
/// responsibility for the referral's child.
async fn has_parental_responsibility(
    c: &mut AsyncPgConnection,
    row: &ReferralRow,
    member: Uuid,
) -> StoreResult<bool> {
    let Some(family) = row.family_id else {
        return Ok(false);
    };
    let adult: Option<String> = family_members::table
        .filter(family_members::id.eq(member))
        .filter(family_members::family_id.eq(family))
        .select(family_members::kind)
        .first(c)
        .await
        .optional()?;
    if adult.as_deref() != Some("adult") {
        return Ok(false);
    }
    let children: Vec<Uuid> = family_members::table
        .filter(family_members::family_id.eq(family))
        .filter(family_members::child_id.eq(row.child_id))
        .select(family_members::id)
        .load(c)
        .await?;
    Ok(diesel::select(diesel::dsl::exists(
        member_relationships::table
            .filter(member_relationships::adult_member_id.eq(member))
            .filter(member_relationships::parental_responsibility.eq(true))
            .filter(member_relationships::child_member_id.eq_any(children)),
    ))
    .get_result(c)
    .await?)
}

/// Bumps the referral's version and writes the history and audit rows of
/// a consent change.
#[allow(clippy::too_many_arguments)]
async fn note_change(
    c: &mut AsyncPgConnection,
    row: &ReferralRow,
    consent: &ConsentRow,
    action: &str,
    route: &str,
    status: u16,
    reason: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<i32, ConsentError> {
    let version = row.version + 1;
    diesel::update(referrals::table.find(row.id))
        .set((
            referrals::version.eq(version),
            referrals::updated_at.eq(crate::now().max(now)),
        ))
        .execute(c)
        .await?;
    let in_force = crate::consent_hold::involvement_on(c, row.id, now.date_naive()).await?;
    let state = Status::parse(&row.status).unwrap_or(Status::Submitted);
    let details = json!({ "consent_id": consent.id, "involvement_in_force": in_force });
    let audit_rows = [
        NewAuditEvent::new(
            actor,
            action,
            Some(("referral", row.id.to_string())),
            status,
            now,
        )
        .via("POST", route)
        .with_details(details.clone()),
        NewAuditEvent::new(
            actor,
            action,
            Some(("consent", consent.id.to_string())),
            status,
            now,
        )
        .via("POST", route),
    ];
    let conn: &AsyncPgConnection = c;
    crate::pipeline::pipelined!(
        insert_history(
            conn,
            row.id,
            actor,
            action,
            Some(state),
            state,
            reason,
            details,
            now,
        ),
        crate::audit::record(conn, &audit_rows),
    )?;
    Ok(version)
}

/// Records a consent of a referral in the caller's scope; the referral's
/// version moves on. Answers the consent and the referral's new version.
///
/// # Errors
/// `NotFound`; `Field` for a parent or carer who is not an adult of the
/// referral's family with parental responsibility for its child, and for
/// an unknown partner; database failures.
pub async fn record(
    conn: &mut AsyncPgConnection,
    referral: Uuid,
    new: NewConsent,
    scope: &Scope,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(ConsentRow, i32), ConsentError> {
    conn.transaction(async |c| {
        let row = lock_referral(c, referral, scope, None).await?;
        match (new.given_by, new.member_id) {
            (ConsentGiver::YoungPerson, Some(_)) => {
                return Err(ConsentError::Field(
                    "member_id",
                    "not_allowed",
                    "the young person's consent names no adult".to_owned(),
                ))
            }
            (ConsentGiver::ParentCarer, None) if row.family_id.is_some() => {
                return Err(ConsentError::Field(
                    "member_id",
                    "required",
                    "name the adult of the referral's family who gave it".to_owned(),
                ))
            }
            (ConsentGiver::ParentCarer, Some(m))
                if !has_parental_responsibility(c, &row, m).await? =>
            {
                return Err(ConsentError::Field(
                    "member_id",
                    "no_parental_responsibility",
                    "not an adult of the referral's family with parental responsibility for its child".to_owned(),
                ));
            }
            _ => {}
        }
        if !new.partner_ids.is_empty() {
            let known: i64 = partners::table
                .filter(partners::id.eq_any(new.partner_ids.clone()))
                .count()
                .get_result(c)
                .await?;
            if usize::try_from(known).unwrap_or(0) != new.partner_ids.len() {
                return Err(ConsentError::Field(
                    "partner_ids",
                    "unknown_partner",
                    "no such partner".to_owned(),
                ));
            }
        }
        let consent = ConsentRow {
            id: Uuid::now_v7(),
            referral_id: row.id,
            given_by: new.given_by.as_str().to_owned(),
            member_id: new.member_id,
            scopes: new.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            partner_ids: new.partner_ids,
            recorded_how: new.recorded_how.as_str().to_owned(),
            given_on: new.given_on,
            until: new.until,
            notes: new.notes,
            recorded_by: actor.subject.clone(),
            recorded_at: now,
            withdrawn_on: None,
            withdrawn_at: None,
            withdrawn_by: None,
            withdrawal_reason: None,
            version: 1,
        };
        diesel::insert_into(consents::table)
            .values(&consent)
            .execute(c)
            .await?;
        let version = note_change(
            c,
            &row,
            &consent,
            "record_consent",
            "/api/v1/referrals/{id}/consents",
            201,
            None,
            actor,
            now,
        )
        .await?;
        Ok((consent, version))
    })
    .await
}

/// Withdraws a consent of a referral in the caller's scope if the
/// referral's version matches; the referral's version moves on. Answers
/// the consent and the referral's new version.
///
/// # Errors
/// `NotFound` (also a consent of another referral); `VersionMismatch`;
/// `AlreadyWithdrawn`; database failures.
#[allow(clippy::too_many_arguments)]
pub async fn withdraw(
    conn: &mut AsyncPgConnection,
    referral: Uuid,
    consent: Uuid,
    reason: String,
    expected: VersionMatch,
    scope: &Scope,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(ConsentRow, i32), ConsentError> {
    conn.transaction(async |c| {
        let row = lock_referral(c, referral, scope, Some(expected)).await?;
        let mut found: ConsentRow = consents::table
            .filter(consents::id.eq(consent))
            .filter(consents::referral_id.eq(row.id))
            .for_update()
            .select(ConsentRow::as_select())
            .first(c)
            .await?;
        if found.withdrawn_at.is_some() {
            return Err(ConsentError::AlreadyWithdrawn);
        }
        found.withdrawn_on = Some(now.date_naive());
        found.withdrawn_at = Some(now);
        found.withdrawn_by = Some(actor.subject.clone());
        found.withdrawal_reason = Some(reason);
        found.version += 1;
        diesel::update(consents::table.find(found.id))
            .set((
                consents::withdrawn_on.eq(found.withdrawn_on),
                consents::withdrawn_at.eq(found.withdrawn_at),
                consents::withdrawn_by.eq(&found.withdrawn_by),
                consents::withdrawal_reason.eq(&found.withdrawal_reason),
                consents::version.eq(found.version),
            ))
            .execute(c)
            .await?;
        let version = note_change(
            c,
            &row,
            &found,
            "withdraw_consent",
            "/api/v1/referrals/{id}/consents/{consent_id}/withdraw",
            200,
            found.withdrawal_reason.as_deref(),
            actor,
            now,
        )
        .await?;
        Ok((found, version))
    })
    .await
}
