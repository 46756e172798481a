//! Rows and errors of community programmes.

use crate::schema::{
    family_hubs, programme_attendance, programme_enrolments, programme_sessions, programmes,
};
use crate::store_error::store_error;
use crate::StoreError;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use diesel::prelude::*;
use sct_domain::community::ProgrammeError;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = family_hubs)]
pub struct HubRow {
    pub id: Uuid,
    pub name: String,
    pub address: String,
    pub postcode: String,
    pub zone_id: Uuid,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = programmes)]
pub struct ProgrammeRow {
    pub id: Uuid,
    pub programme_type: String,
    pub title: String,
    pub description: String,
    pub intervention_id: Option<Uuid>,
    pub hub_id: Option<Uuid>,
    pub zone_id: Uuid,
    pub capacity: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub age_from: i32,
    pub age_to: i32,
    pub needs: Vec<String>,
    pub status: String,
    pub created_by: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The fields a programme update changes.
#[derive(Debug, Clone, PartialEq, AsChangeset)]
#[diesel(table_name = programmes, treat_none_as_null = true)]
pub struct ProgrammeChange {
    pub programme_type: String,
    pub title: String,
    pub description: String,
    pub intervention_id: Option<Uuid>,
    pub hub_id: Option<Uuid>,
    pub capacity: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub age_from: i32,
    pub age_to: i32,
    pub needs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = programme_sessions)]
pub struct SessionRow {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub session_date: NaiveDate,
    pub starts_at: Option<NaiveTime>,
    pub ends_at: Option<NaiveTime>,
    pub topic: Option<String>,
    pub created_at: DateTime<Utc>,
    pub version: i32,
    pub updated_at: Option<DateTime<Utc>>,
    /// Version of the session's attendance (its own ETag), 1 before any.
    pub attendance_version: i32,
}

/// The fields a session correction changes.
#[derive(Debug, Clone, PartialEq, AsChangeset)]
#[diesel(table_name = programme_sessions, treat_none_as_null = true)]
pub struct SessionChange {
    pub session_date: NaiveDate,
    pub starts_at: Option<NaiveTime>,
    pub ends_at: Option<NaiveTime>,
    pub topic: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = programme_enrolments)]
pub struct EnrolmentRow {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub parent_carer_name: Option<String>,
    pub contact_consent: bool,
    pub referral_id: Option<Uuid>,
    pub status: String,
    pub waiting_since: Option<DateTime<Utc>>,
    pub enrolled_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub enrolled_by: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The adult family member enrolled, when named.
    pub family_member_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = programme_attendance)]
pub struct AttendanceRow {
    pub session_id: Uuid,
    pub enrolment_id: Uuid,
    pub status: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A programme with its counts of places taken and families waiting.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeView {
    pub row: ProgrammeRow,
    pub enrolled: i64,
    pub waiting: i64,
    pub sessions: i64,
}

/// A failure of a community write.
#[derive(Debug, thiserror::Error)]
pub enum CommunityError {
    #[error("the record changed since it was read")]
    Stale,
    #[error(transparent)]
    Rule(#[from] ProgrammeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

store_error!(CommunityError);

// ---------------------------------------------------------------- hubs
