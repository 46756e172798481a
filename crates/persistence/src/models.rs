//! Row structs: one per table, converted to and from domain types at the
//! border of this crate.

use crate::schema::{
    children, eligibility_policies, integration_clients, referral_history, referral_indes_levels,
    referrals, schools, teams, workers, zones,
};
use crate::Wire;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use sct_domain::Status;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Identifiable)]
#[diesel(table_name = zones)]
pub struct ZoneRow {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Identifiable)]
#[diesel(table_name = teams)]
pub struct TeamRow {
    pub id: Uuid,
    pub zone_id: Uuid,
    pub name: String,
    pub operational_from: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Identifiable)]
#[diesel(table_name = workers)]
pub struct WorkerRow {
    pub id: Uuid,
    pub team_id: Uuid,
    pub subject: String,
    pub name: String,
    pub job_role: String,
    pub caseload_cap: i32,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = schools)]
pub struct SchoolRow {
    pub urn: String,
    pub name: String,
    pub la_code: Option<String>,
    pub establishment_number: Option<String>,
    pub phase: Option<String>,
    pub status: String,
    pub postcode: Option<String>,
    pub zone_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    // Recorded by the GIAS import.
    pub la_name: Option<String>,
    pub type_name: Option<String>,
    pub district_code: Option<String>,
    pub district_name: Option<String>,
    pub pupil_count: Option<i32>,
    pub open_date: Option<NaiveDate>,
    pub close_date: Option<NaiveDate>,
    pub missing_from_extract_at: Option<DateTime<Utc>>,
    /// How `urn` was issued: `urn` (GIAS), `ofsted` or `local`.
    pub id_scheme: String,
    /// `school`, `early_years_setting`, `childminder` or `other`.
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Identifiable)]
#[diesel(table_name = children)]
pub struct ChildRow {
    pub id: Uuid,
    pub upn: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub year_group: String,
    pub sen_provision: String,
    pub primary_need: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = eligibility_policies)]
pub struct PolicyRow {
    pub version: String,
    pub document: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub effective_from: chrono::NaiveDate,
    pub published_at: Option<DateTime<Utc>>,
    pub published_by: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub revision: i32,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Identifiable, AsChangeset)]
#[diesel(table_name = referrals, treat_none_as_null = true)]
pub struct ReferralRow {
    pub id: Uuid,
    pub reference: String,
    pub school_urn: String,
    pub external_reference: Option<String>,
    pub child_id: Uuid,
    pub status: String,
    pub zone_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub triage_reason: Option<String>,
    pub worker_id: Option<Uuid>,
    pub eligibility_outcome: String,
    pub eligibility: serde_json::Value,
    pub policy_version: String,
    pub priority_band: String,
    pub priority_score: i32,
    pub priority_reasons: serde_json::Value,
    pub complicating_factors: Vec<String>,
    pub existing_plans: Vec<String>,
    pub sen_provision: String,
    pub primary_need: Option<String>,
    pub year_group: String,
    pub consent_given_by: String,
    pub consent_given_on: NaiveDate,
    pub reason: String,
    pub decline_reason: Option<String>,
    pub signposting: Option<String>,
    pub closure_outcome: Option<String>,
    pub closure_note: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_from: Option<String>,
    pub submitted_by: String,
    pub submitted_by_role: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    // The child as this referral's referrer described them (see
    // `children`: the LA's record changes only by staff).
    pub submitted_upn: String,
    pub submitted_given_name: String,
    pub submitted_family_name: String,
    pub submitted_date_of_birth: NaiveDate,
    /// When the plan's next review falls due (active referrals).
    pub review_due_on: Option<NaiveDate>,
    /// The screening at submission, kept by the first correction that
    /// re-screens the referral (null until then: `eligibility` is it).
    pub submitted_eligibility: Option<serde_json::Value>,
    /// The referral of the same child closed within 12 months before this
    /// one was submitted (a re-referral), set at submission.
    pub re_referral_of: Option<Uuid>,
    /// The family the referral belongs to, if linked.
    pub family_id: Option<Uuid>,
    /// Where the referral came from: `school`, or a practitioner's type.
    pub source_type: String,
    /// The referring organisation, when not the school.
    pub source_organisation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = referral_indes_levels)]
pub struct IndesRow {
    pub referral_id: Uuid,
    pub area: String,
    pub level: i16,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = referral_history)]
pub struct HistoryRow {
    pub id: i64,
    pub referral_id: Uuid,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_role: String,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: Option<String>,
    pub details: serde_json::Value,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = referral_history)]
pub struct NewHistoryRow {
    pub referral_id: Uuid,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_role: String,
    pub action: String,
    pub from_status: Option<Wire<Status>>,
    pub to_status: Wire<Status>,
    pub reason: Option<String>,
    pub details: serde_json::Value,
    pub request_id: Option<String>,
}

/// An integration client. The hashes never leave the API crate's
/// credential checks.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = integration_clients)]
pub struct IntegrationClientRow {
    pub id: Uuid,
    pub name: String,
    pub schools: Vec<String>,
    pub secret_hash: String,
    pub previous_secret_hash: Option<String>,
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub token_version: i32,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}
