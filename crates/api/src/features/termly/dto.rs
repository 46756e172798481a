//! Request and response bodies of termly conversations and their coverage
//! report.

use crate::http::paging::list_page;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use sct_domain::termly as rules;
use sct_persistence::termly::TermlyView;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

crate::http::wire::named_enum! {
    /// A school term.
    pub enum Term {
        Autumn,
        Spring,
        Summer,
    }
}

impl Term {
    pub(crate) fn domain(self) -> rules::Term {
        match self {
            Self::Autumn => rules::Term::Autumn,
            Self::Spring => rules::Term::Spring,
            Self::Summer => rules::Term::Summer,
        }
    }

    fn from_str(s: &str) -> Self {
        s.parse().unwrap_or(Self::Autumn)
    }
}

crate::http::wire::named_enum! {
    /// Where a termly conversation is: `offered` (waiting for the school),
    /// `scheduled` (date agreed), `held` (recorded), `declined`.
    pub enum ConversationStatus {
        Offered,
        Scheduled,
        Held,
        Declined,
    }
}

impl ConversationStatus {
    fn from_str(s: &str) -> Self {
        s.parse().unwrap_or(Self::Offered)
    }
}

/// An action agreed in a conversation, as recorded (`due_on` may be sent
/// as `null` for none, as before).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AgreedActionInput {
    /// What is to be done (no child names: use initials or UPNs).
    #[schema(min_length = 1, max_length = 500)]
    #[validate(length(min = 1, max = 500))]
    pub description: String,
    /// Who does it (a role or a name of staff).
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub owner: String,
    /// By when.
    pub due_on: Option<NaiveDate>,
    /// Whether it is done.
    #[serde(default)]
    pub done: bool,
}

/// An action agreed in a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AgreedAction {
    /// What is to be done (no child names: use initials or UPNs).
    pub description: String,
    /// Who does it (a role or a name of staff).
    pub owner: String,
    /// By when (absent when no date was agreed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub due_on: Option<NaiveDate>,
    /// Whether it is done.
    #[serde(default)]
    pub done: bool,
}

impl From<AgreedActionInput> for AgreedAction {
    fn from(a: AgreedActionInput) -> Self {
        Self {
            description: a.description,
            owner: a.owner,
            due_on: a.due_on,
            done: a.done,
        }
    }
}

/// A termly conversation with a school.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TermlyConversation {
    /// Conversation id.
    pub id: Uuid,
    /// The school's URN.
    #[schema(example = "121234")]
    pub school_urn: String,
    /// The zone whose team holds it (the school's zone when offered).
    pub zone_id: Uuid,
    /// Academic year, `YYYY/YY`.
    #[schema(example = "2026/27")]
    pub academic_year: String,
    /// Term of the academic year.
    pub term: Term,
    /// Status.
    pub status: ConversationStatus,
    /// The agreed date, once scheduled.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub scheduled_for: Option<NaiveDate>,
    /// The date it took place, once held.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub held_on: Option<NaiveDate>,
    /// Who attended (staff names or roles).
    pub attendees: Vec<String>,
    /// How many children were discussed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub children_discussed: Option<i32>,
    /// Actions agreed.
    pub actions: Vec<AgreedAction>,
    /// Notes of the conversation (no child names).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub notes: Option<String>,
    /// Why the school declined, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub decline_reason: Option<String>,
    /// Referrals that came out of it.
    pub referral_ids: Vec<Uuid>,
    /// Consultations that came out of it.
    pub consultation_ids: Vec<Uuid>,
    /// Version for If-Match (also the ETag).
    pub version: i32,
    /// When it was offered.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<TermlyView> for TermlyConversation {
    fn from(v: TermlyView) -> Self {
        let r = v.row;
        Self {
            id: r.id,
            school_urn: r.school_urn,
            zone_id: r.zone_id,
            academic_year: r.academic_year,
            term: Term::from_str(&r.term),
            status: ConversationStatus::from_str(&r.status),
            scheduled_for: r.scheduled_for,
            held_on: r.held_on,
            attendees: r.attendees,
            children_discussed: r.children_discussed,
            actions: serde_json::from_value(r.actions).unwrap_or_default(),
            notes: r.notes,
            decline_reason: r.decline_reason,
            referral_ids: v.referral_ids,
            consultation_ids: v.consultation_ids,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

list_page! {
    /// A page of termly conversations.
    TermlyConversationPage {
        /// The conversations.
        items: TermlyConversation
    }
}

/// Offer one school its conversation of a term.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"school_urn": "121234", "academic_year": "2026/27", "term": "spring"}))]
pub struct NewTermlyConversation {
    /// The school's URN: a setting identifier (a 6-digit URN, or for a setting beyond GIAS its Ofsted registration number `EY123456` or local id `LA-…`).
    #[schema(pattern = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$")]
    pub school_urn: String,
    /// Academic year, `YYYY/YY` with consecutive years.
    #[schema(pattern = "^[0-9]{4}/[0-9]{2}$")]
    pub academic_year: String,
    /// Term.
    pub term: Term,
}

/// Offer a term's conversation to every open school of a zone.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"zone_id": "0190c3a0-0000-7000-8000-000000000001", "academic_year": "2026/27", "term": "spring"}))]
pub struct TermlyOffer {
    /// The zone.
    pub zone_id: Uuid,
    /// Academic year, `YYYY/YY` with consecutive years.
    #[schema(pattern = "^[0-9]{4}/[0-9]{2}$")]
    pub academic_year: String,
    /// Term.
    pub term: Term,
}

/// What an offer did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TermlyOfferResult {
    /// The zone.
    pub zone_id: Uuid,
    /// Academic year.
    pub academic_year: String,
    /// Term.
    pub term: Term,
    /// Open schools of the zone (settings beyond GIAS included).
    pub schools: i64,
    /// Conversations offered now.
    pub created: i64,
    /// Schools that already had this term's conversation.
    pub already_offered: i64,
}

/// Agree (or move) the date.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"date": "2027-01-20"}))]
pub struct ScheduleConversation {
    /// The agreed date.
    pub date: NaiveDate,
}

/// Decline this term's conversation.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Ofsted inspection this term"}))]
pub struct DeclineConversation {
    /// Why (optional).
    #[schema(max_length = 1000)]
    #[validate(length(max = 1000))]
    pub reason: Option<String>,
}

/// Record the conversation held (or correct the record).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "held_on": "2027-01-20",
    "attendees": ["SENCo", "Head teacher", "SCT practitioner"],
    "children_discussed": 6,
    "actions": [{"description": "Refer child UPN B801200005001", "owner": "SENCo", "due_on": "2027-02-01", "done": false}],
    "notes": "Year 3 cohort: rising SEMH needs"
}))]
pub struct HoldConversation {
    /// The date it took place (not in the future).
    pub held_on: NaiveDate,
    /// Who attended.
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    pub attendees: Vec<String>,
    /// How many children were discussed.
    #[schema(minimum = 0, maximum = 1000)]
    #[validate(range(min = 0, max = 1000))]
    pub children_discussed: i32,
    /// Actions agreed.
    #[serde(default)]
    #[schema(max_items = 100)]
    #[validate(length(max = 100), nested)]
    pub actions: Vec<AgreedActionInput>,
    /// Notes (no child names).
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub notes: Option<String>,
}

/// Link a referral of the school that came out of the conversation.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"referral_id": "0190c3a0-0000-7000-8000-0000000000aa"}))]
pub struct LinkReferral {
    /// The referral (of the conversation's school).
    pub referral_id: Uuid,
}

/// One zone's coverage of a term.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TermlyCoverageZone {
    /// Zone id.
    pub zone_id: Uuid,
    /// Zone code.
    pub zone_code: String,
    /// Zone name.
    pub zone_name: String,
    /// Open schools of the zone (settings beyond GIAS included).
    pub schools: i64,
    /// Schools offered the conversation (any status).
    pub offered: i64,
    /// Offered, no answer yet.
    pub awaiting_reply: i64,
    /// Date agreed.
    pub scheduled: i64,
    /// Held.
    pub held: i64,
    /// Declined.
    pub declined: i64,
    /// Open schools not yet offered.
    pub not_offered: i64,
}

/// Coverage of a term's conversations, per zone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TermlyCoverage {
    /// Academic year.
    pub academic_year: String,
    /// Term.
    pub term: Term,
    /// One row per zone in the caller's reach, by zone code.
    pub zones: Vec<TermlyCoverageZone>,
}
