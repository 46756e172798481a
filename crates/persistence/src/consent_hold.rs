//! Whether a referral is on hold for want of consent: a consent for SCT
//! involvement in force (the domain's rule over its stored consents). Asked
//! by every write on a referral and its delivery records (the locked read
//! of `scope::lock_in_scope`, the lifecycle actions, co-workers,
//! follow-ups) and by the outbox before a referral's event. Kept apart from
//! `crate::consents`, which records consents under the scope's rules.

use crate::schema::consents;
use crate::{StoreError, StoreResult};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sct_domain::consent::{involvement_in_force, ConsentScope, ConsentTerms};
use sct_domain::WireName;
use uuid::Uuid;

/// The terms of a stored consent.
pub(crate) fn terms(
    scopes: &[String],
    given_on: NaiveDate,
    until: Option<NaiveDate>,
    withdrawn_on: Option<NaiveDate>,
) -> ConsentTerms {
    ConsentTerms {
        scopes: scopes
            .iter()
            .filter_map(|s| ConsentScope::parse(s))
            .collect(),
        given_on,
        until,
        withdrawn_on,
    }
}

/// Whether a consent for SCT involvement of the referral is in force on
/// `day` (the domain's rule over its stored consents).
///
/// # Errors
/// Database failures.
pub async fn involvement_on(
    mut conn: &AsyncPgConnection,
    referral: Uuid,
    day: NaiveDate,
) -> StoreResult<bool> {
    type Terms = (Vec<String>, NaiveDate, Option<NaiveDate>, Option<NaiveDate>);
    let rows: Vec<Terms> = consents::table
        .filter(consents::referral_id.eq(referral))
        .select((
            consents::scopes,
            consents::given_on,
            consents::until,
            consents::withdrawn_on,
        ))
        .load(&mut conn)
        .await?;
    let all: Vec<ConsentTerms> = rows
        .iter()
        .map(|(s, g, u, w)| terms(s, *g, *u, *w))
        .collect();
    Ok(involvement_in_force(&all, day))
}

/// `ConsentWithdrawn` unless a consent for SCT involvement of the referral
/// is in force today: the check of every write on a referral and its
/// delivery records except its consents, its closure and its withdrawal.
///
/// # Errors
/// `ConsentWithdrawn`; database failures.
pub async fn require_involvement(conn: &AsyncPgConnection, referral: Uuid) -> StoreResult<()> {
    if involvement_on(conn, referral, crate::now().date_naive()).await? {
        Ok(())
    } else {
        Err(StoreError::ConsentWithdrawn)
    }
}
