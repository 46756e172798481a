//! The bodies of the consultation operations.

use crate::features::referrals::dto::IndesArea;
use crate::http::paging::list_page;
use crate::http::paging::list_params;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use sct_domain as domain;
use sct_domain::WireName;
use sct_persistence::consultations::ConsultationRow;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

crate::http::wire::named_enum! {
    /// Whom the advice was about: one child (by UPN, optional), a cohort, or a
    /// family (`family_id`, with or without a school).
    pub enum ConsultationSubject {
        Child,
        Cohort,
        Family,
    }
}

impl ConsultationSubject {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// From the stored name (`child` for an unknown one).
    pub fn from_code(s: &str) -> Self {
        s.parse().unwrap_or(Self::Child)
    }
}

/// A consultation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Consultation {
    /// Consultation id.
    pub id: Uuid,
    /// The school advised (absent for advice to a family without a school).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub school_urn: Option<String>,
    /// The family advised (`subject: family`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub family_id: Option<Uuid>,
    /// The zone whose team gave the advice (the family's, for advice to a family).
    pub zone_id: Uuid,
    /// When the advice was given.
    pub held_on: NaiveDate,
    /// Topic.
    pub topic: String,
    /// A child, a cohort or a family.
    pub subject: ConsultationSubject,
    /// The child's UPN, if the school identified the child (never a name).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub upn: Option<String>,
    /// The cohort, for advice about a group (e.g. "Year 3").
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub cohort: Option<String>,
    /// INDES areas the advice addresses.
    pub indes_areas: Vec<IndesArea>,
    /// The advice given.
    pub advice: String,
    /// Follow-up agreed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub follow_up: Option<String>,
    /// The termly conversation it came from, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub termly_conversation_id: Option<Uuid>,
    /// The referral it became, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub referral_id: Option<Uuid>,
    /// Version for If-Match (also the ETag).
    pub version: i32,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<ConsultationRow> for Consultation {
    fn from(r: ConsultationRow) -> Self {
        Self {
            id: r.id,
            school_urn: r.school_urn,
            family_id: r.family_id,
            zone_id: r.zone_id,
            held_on: r.held_on,
            topic: r.topic,
            subject: ConsultationSubject::from_code(&r.subject),
            upn: r.upn,
            cohort: r.cohort,
            indes_areas: r
                .indes_areas
                .iter()
                .filter_map(|a| domain::IndesArea::parse(a).map(IndesArea::from))
                .collect(),
            advice: r.advice,
            follow_up: r.follow_up,
            termly_conversation_id: r.termly_conversation_id,
            referral_id: r.referral_id,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

list_page! {
    /// A page of consultations.
    ConsultationPage {
        /// The consultations.
        items: Consultation
    }
}

/// The content of a consultation (new or changed).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "held_on": "2026-11-20",
    "topic": "Emotionally based school avoidance",
    "subject": "child",
    "upn": "B801200005001",
    "indes_areas": ["social_emotional_mental_health"],
    "advice": "Graded re-entry plan; key adult at the gate",
    "follow_up": "Review in four weeks"
}))]
pub struct ConsultationContent {
    /// When the advice was given (not in the future).
    pub held_on: NaiveDate,
    /// Topic.
    #[schema(min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300))]
    pub topic: String,
    /// A child, a cohort or a family.
    pub subject: ConsultationSubject,
    /// The child's UPN, if identified (child consultations only; no names).
    #[schema(pattern = "^[A-Z][0-9]{11}[0-9A-Z]$")]
    pub upn: Option<String>,
    /// The cohort (e.g. "Year 3"), for cohort consultations.
    #[schema(min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300))]
    pub cohort: Option<String>,
    /// INDES areas the advice addresses (each once).
    #[serde(default)]
    #[schema(value_type = std::collections::BTreeSet<IndesArea>, max_items = 7)]
    #[validate(length(max = 7))]
    pub indes_areas: Vec<IndesArea>,
    /// The advice given.
    #[schema(min_length = 1, max_length = 8000)]
    #[validate(length(min = 1, max = 8000))]
    pub advice: String,
    /// Follow-up agreed.
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub follow_up: Option<String>,
    /// The termly conversation it came from (of the same school).
    pub termly_conversation_id: Option<Uuid>,
}

/// A new consultation: the school (or the family) and its content.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "school_urn": "121234",
    "held_on": "2026-11-20",
    "topic": "Year 3 cohort: regulation",
    "subject": "cohort",
    "cohort": "Year 3",
    "indes_areas": ["social_emotional_mental_health"],
    "advice": "Zones of regulation across the class; sensory breaks",
    "follow_up": "Practitioner visits in January"
}))]
pub struct NewConsultation {
    /// The school advised (in the caller's zone), by URN: a setting identifier (a 6-digit URN, or for a setting beyond GIAS its Ofsted registration number `EY123456` or local id `LA-…`); optional for advice to a family.
    #[schema(pattern = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$")]
    pub school_urn: Option<String>,
    /// The family advised (`subject: family` only; a family of the caller's zone).
    pub family_id: Option<Uuid>,
    /// When the advice was given (not in the future).
    pub held_on: NaiveDate,
    /// Topic.
    #[schema(min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300))]
    pub topic: String,
    /// A child, a cohort or a family.
    pub subject: ConsultationSubject,
    /// The child's UPN, if identified (child consultations only; no names).
    #[schema(pattern = "^[A-Z][0-9]{11}[0-9A-Z]$")]
    pub upn: Option<String>,
    /// The cohort (e.g. "Year 3"), for cohort consultations.
    #[schema(min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300))]
    pub cohort: Option<String>,
    /// INDES areas the advice addresses (each once).
    #[serde(default)]
    #[schema(value_type = std::collections::BTreeSet<IndesArea>, max_items = 7)]
    #[validate(length(max = 7))]
    pub indes_areas: Vec<IndesArea>,
    /// The advice given.
    #[schema(min_length = 1, max_length = 8000)]
    #[validate(length(min = 1, max = 8000))]
    pub advice: String,
    /// Follow-up agreed.
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub follow_up: Option<String>,
    /// The termly conversation it came from (of the same school).
    pub termly_conversation_id: Option<Uuid>,
}

impl NewConsultation {
    /// The school, the family and the content.
    pub fn content(self) -> (Option<String>, Option<Uuid>, ConsultationContent) {
        (
            self.school_urn,
            self.family_id,
            ConsultationContent {
                held_on: self.held_on,
                topic: self.topic,
                subject: self.subject,
                upn: self.upn,
                cohort: self.cohort,
                indes_areas: self.indes_areas,
                advice: self.advice,
                follow_up: self.follow_up,
                termly_conversation_id: self.termly_conversation_id,
            },
        )
    }
}

list_params! {
    /// Filters of the consultation list.
    ConsultationListParams {
        /// Only this school (its URN: a 6-digit URN, or for a setting beyond GIAS its Ofsted registration number `EY123456` or local id `LA-…`).
        #[param(pattern = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$")]
        school_urn: Option<String>,
        /// Only those from this termly conversation.
        termly_conversation_id: Option<Uuid>,
    }
}
