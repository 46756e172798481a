//! The bodies of the consent operations. The families feature uses
//! `ConsentRecord` and `consent_out` for a family's consents.

use crate::http::wire::wire_enum;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use sct_domain::consent as domain;
use sct_persistence::consents::ConsentRow;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

wire_enum!(
    /// What a consent covers: `sct_involvement` (the team working with the child and family at all), `share_with_school` (sharing the work with the referring school), `share_with_partner` (sharing with the partners named in `partner_ids`), `share_with_family_hub`.
    ConsentScope => domain::ConsentScope { SctInvolvement, ShareWithSchool, ShareWithPartner, ShareWithFamilyHub } default = SctInvolvement
);
wire_enum!(
    /// Who gave a consent: the `young_person`, or a `parent_carer` with parental responsibility.
    ConsentGivenBy => domain::ConsentGiver { YoungPerson, ParentCarer } default = ParentCarer
);
wire_enum!(
    /// How a consent was recorded: `written` (a signed form or letter), `verbal` (said to a worker, who recorded it), `electronic` (an online form, an email), or `referral_form` (as the referral stated it at intake: the referral's first consent).
    ConsentRecordedHow => domain::RecordedHow { Written, Verbal, Electronic, ReferralForm } default = Written
);

/// How a new consent was recorded (a referral's first consent is the
/// referral form's; later ones are recorded one of these ways).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentMethod {
    /// A signed form or letter.
    Written,
    /// Said to a worker, who recorded it.
    Verbal,
    /// An online form or an email.
    Electronic,
}

impl From<ConsentMethod> for domain::RecordedHow {
    fn from(m: ConsentMethod) -> Self {
        match m {
            ConsentMethod::Written => Self::Written,
            ConsentMethod::Verbal => Self::Verbal,
            ConsentMethod::Electronic => Self::Electronic,
        }
    }
}

/// Whether a consent is in force today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    /// Given, not past its `until`, not withdrawn.
    InForce,
    /// Given for a day still to come.
    NotYetInForce,
    /// Past its `until`.
    Expired,
    /// Withdrawn.
    Withdrawn,
}

/// A consent to record.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"given_by": "parent_carer", "member_id": "0193a3c2-7b1e-7c3d-9a2b-5c6d7e8f9a0b", "scopes": ["sct_involvement", "share_with_school", "share_with_partner"], "partner_ids": ["0193a3c2-7b1e-7c3d-9a2b-5c6d7e8f9a0c"], "recorded_how": "written", "given_on": "2026-12-01", "until": "2027-07-31"}))]
pub struct ConsentInput {
    /// Who gave it.
    pub given_by: ConsentGivenBy,
    /// The adult family member who gave it (`parent_carer` only): an adult of the referral's family with parental responsibility for its child. Required when the referral belongs to a family.
    #[serde(default)]
    pub member_id: Option<Uuid>,
    /// What it covers (1 to 4 scopes, each once).
    #[validate(length(min = 1, max = 4))]
    #[schema(min_items = 1, max_items = 4)]
    pub scopes: Vec<ConsentScope>,
    /// The partners it may be shared with: required with `share_with_partner`, refused without it; each a known partner (`GET /partners`).
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub partner_ids: Option<Vec<Uuid>>,
    /// How it was recorded.
    pub recorded_how: ConsentMethod,
    /// The day it was given (not in the future).
    pub given_on: NaiveDate,
    /// The last day it covers, if it ends (not before `given_on`).
    #[serde(default)]
    pub until: Option<NaiveDate>,
    /// How it was given, in a worker's words (up to 2000 characters).
    #[serde(default)]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// The withdrawal of a consent.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Mum phoned: the family no longer wants the team involved."}))]
pub struct ConsentWithdrawal {
    /// Why and by whom it was withdrawn (1 to 2000 characters).
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// A consent. Schools and their MIS clients see what it covers, its status
/// and dates; the adult who gave it, the partners, the notes and who
/// recorded it are for staff.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentRecord {
    /// Consent id.
    pub id: Uuid,
    /// The referral it is for.
    pub referral_id: Uuid,
    /// Who gave it.
    pub given_by: ConsentGivenBy,
    /// The adult family member who gave it (staff only; absent for the young person and for a referral form's consent).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub member_id: Option<Uuid>,
    /// What it covers.
    pub scopes: Vec<ConsentScope>,
    /// The partners it may be shared with (staff only; absent when none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub partner_ids: Option<Vec<Uuid>>,
    /// How it was recorded.
    pub recorded_how: ConsentRecordedHow,
    /// The day it was given.
    pub given_on: NaiveDate,
    /// The last day it covers, if it ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub until: Option<NaiveDate>,
    /// Whether it is in force today.
    pub status: ConsentStatus,
    /// How it was given (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub notes: Option<String>,
    /// Subject of the token that recorded it (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub recorded_by: Option<String>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The day it was withdrawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub withdrawn_on: Option<NaiveDate>,
    /// When it was withdrawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Why it was withdrawn (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub withdrawal_reason: Option<String>,
}

/// The consents of a referral.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferralConsents {
    /// Every consent, oldest first (by the day given).
    pub items: Vec<ConsentRecord>,
    /// Whether a consent for SCT involvement is in force today: while not, the referral can only be closed or withdrawn.
    pub involvement_in_force: bool,
}

/// The consents of a family's referrals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FamilyConsents {
    /// Every consent of the family's referrals the caller may see, oldest first (by the day given).
    pub items: Vec<ConsentRecord>,
}

/// A consent as `staff` or a school sees it today.
pub fn consent_out(c: &ConsentRow, staff: bool, today: NaiveDate) -> ConsentRecord {
    let terms = c.terms();
    let status = if c.withdrawn_at.is_some() {
        ConsentStatus::Withdrawn
    } else if terms.in_force_on(today) {
        ConsentStatus::InForce
    } else if c.given_on > today {
        ConsentStatus::NotYetInForce
    } else {
        ConsentStatus::Expired
    };
    let staff_only = |v: Option<String>| if staff { v } else { None };
    ConsentRecord {
        id: c.id,
        referral_id: c.referral_id,
        given_by: ConsentGivenBy::from_code(&c.given_by),
        member_id: c.member_id.filter(|_| staff),
        scopes: terms.scopes.into_iter().map(ConsentScope::from).collect(),
        partner_ids: (staff && !c.partner_ids.is_empty()).then(|| c.partner_ids.clone()),
        recorded_how: ConsentRecordedHow::from_code(&c.recorded_how),
        given_on: c.given_on,
        until: c.until,
        status,
        notes: staff_only(c.notes.clone()),
        recorded_by: staff_only(Some(c.recorded_by.clone())),
        recorded_at: c.recorded_at,
        withdrawn_on: c.withdrawn_on,
        withdrawn_at: c.withdrawn_at,
        withdrawal_reason: staff_only(c.withdrawal_reason.clone()),
    }
}
