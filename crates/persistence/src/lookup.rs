//! "Was this child known to us before?" (issue 16, item 5): staff find a
//! child by UPN, or by names and date of birth, and learn whether they have
//! current or past referrals and which team holds them. The lookup's
//! reason is kept in `child_lookups` (free text that may name people; the
//! retention job deletes it) and the audit rows, written in the same
//! transaction, name it by id.

use crate::audit::{self, NewAuditEvent};
use crate::schema::{child_lookups, children, referrals, teams, zones};
use crate::{Actor, StoreResult};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sct_domain::caseload::LookupKey;
use serde_json::json;
use uuid::Uuid;

/// A referral of a matched child, as a lookup sees it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct KnownReferral {
    pub child_id: Uuid,
    pub referral_id: Uuid,
    pub reference: String,
    pub status: String,
    pub team_id: Option<Uuid>,
    pub team_name: Option<String>,
    pub zone_id: Option<Uuid>,
    pub zone_code: Option<String>,
    pub zone_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupResult {
    pub lookup_id: Uuid,
    /// The children that matched (usually none or one).
    pub children: Vec<Uuid>,
    /// Their referrals, oldest first.
    pub referrals: Vec<KnownReferral>,
}

/// Looks a child up and records the lookup (its reason and its audit rows:
/// one naming the lookup, one per matched child) in one transaction.
///
/// # Errors
/// A storage failure.
pub async fn lookup(
    c: &mut AsyncPgConnection,
    key: &LookupKey,
    reason: &str,
    actor: &Actor,
    action: &str,
    route: (&str, &str),
    now: DateTime<Utc>,
) -> StoreResult<LookupResult> {
    let key = key.clone();
    let reason = reason.to_owned();
    let actor = actor.clone();
    let action = action.to_owned();
    let (method, path) = (route.0.to_owned(), route.1.to_owned());
    c.transaction(async move |t| {
        let mut q = children::table
            .filter(children::anonymised_at.is_null())
            .into_boxed();
        q = match &key {
            LookupKey::Upn(upn) => q.filter(children::upn.eq(upn.to_uppercase())),
            LookupKey::NamesAndBirth {
                given_name,
                family_name,
                date_of_birth,
            } => q
                .filter(children::date_of_birth.eq(*date_of_birth))
                .filter(lower(children::family_name).eq(family_name.to_lowercase()))
                .filter(lower(children::given_name).eq(given_name.to_lowercase())),
        };
        let matched: Vec<Uuid> = q
            .order(children::id.asc())
            .limit(20)
            .select(children::id)
            .load(t)
            .await?;
        let referrals: Vec<KnownReferral> = if matched.is_empty() {
            Vec::new()
        } else {
            referrals::table
                .left_join(teams::table.on(teams::id.nullable().eq(referrals::team_id)))
                .left_join(zones::table.on(zones::id.nullable().eq(referrals::zone_id)))
                .filter(referrals::child_id.eq_any(&matched))
                .order((referrals::created_at.asc(), referrals::id.asc()))
                .select((
                    referrals::child_id,
                    referrals::id,
                    referrals::reference,
                    referrals::status,
                    referrals::team_id,
                    teams::name.nullable(),
                    referrals::zone_id,
                    zones::code.nullable(),
                    zones::name.nullable(),
                    referrals::created_at,
                    referrals::closed_at,
                ))
                .load(t)
                .await?
        };
        let lookup_id = Uuid::now_v7();
        diesel::insert_into(child_lookups::table)
            .values((
                child_lookups::id.eq(lookup_id),
                child_lookups::reason.eq(&reason),
                child_lookups::actor.eq(&actor.subject),
                child_lookups::looked_up_at.eq(now),
            ))
            .execute(t)
            .await?;
        let details = json!({
            "lookup_id": lookup_id,
            "by": key.kind(),
            "children_found": matched.len(),
        });
        let mut events = vec![NewAuditEvent::new(
            &actor,
            &action,
            Some(("child_lookup", lookup_id.to_string())),
            200,
            now,
        )
        .via(&method, &path)
        .with_details(details.clone())];
        events.extend(matched.iter().map(|child| {
            NewAuditEvent::new(
                &actor,
                &action,
                Some(("child", child.to_string())),
                200,
                now,
            )
            .via(&method, &path)
            .with_details(details.clone())
        }));
        audit::record(t, &events).await?;
        Ok(LookupResult {
            lookup_id,
            children: matched,
            referrals,
        })
    })
    .await
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
