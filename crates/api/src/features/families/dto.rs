//! The bodies of the family operations.

use crate::features::referrals::dto::RatingInput;
use crate::http::paging::list_page;
use crate::http::paging::list_params;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

crate::http::wire::named_enum! {
    /// Whether a family is worked with.
    pub enum FamilyStatus {
        Open,
        Closed,
    }
}

crate::http::wire::named_enum! {
    /// A child of the family, or an adult.
    pub enum MemberKind {
        Child,
        Adult,
    }
}

crate::http::wire::named_enum! {
    /// An adult's role in the household.
    pub enum AdultRole {
        Parent,
        Carer,
        Other,
    }
}

crate::http::wire::named_enum! {
    /// How an adult prefers to be contacted.
    pub enum ContactMethod {
        Phone,
        Email,
        Letter,
        InPerson,
    }
}

crate::http::wire::named_enum! {
    /// An adult's relationship to a child of the family.
    pub enum Relationship {
        Mother,
        Father,
        StepParent,
        Grandparent,
        FosterCarer,
        KinshipCarer,
        Guardian,
        Sibling,
        Other,
    }
}

/// A new family.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"zone_id": "0192f5a0-0000-7000-8000-000000000001"}))]
pub struct FamilyInput {
    /// The zone whose team works with the family: a team's staff may leave
    /// it out (their zone) or name their own; la_admin names one.
    pub zone_id: Option<Uuid>,
}

/// A change of a family (with If-Match).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"zone_id": "0192f5a0-0000-7000-8000-000000000001", "status": "open"}))]
pub struct FamilyChange {
    /// The zone whose team works with the family (a move hands it over).
    pub zone_id: Uuid,
    /// Open or closed.
    pub status: FamilyStatus,
    /// Closing an open family whose plan has goals: the final rating of
    /// every current goal of the family plan, recorded as its final review
    /// (`GET /families/{id}/plan/reviews`). Refused on any other change.
    #[schema(min_items = 1, max_items = 20)]
    pub final_ratings: Option<Vec<RatingInput>>,
}

/// An adult's relationship to a child member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelationshipEntry {
    /// The child member (a member id of this family, of kind child).
    pub child_member_id: Uuid,
    /// What the adult is to the child.
    pub relationship: Relationship,
    /// Whether the adult holds parental responsibility for the child.
    pub parental_responsibility: bool,
}

/// A member to add or change: a child (`child_id`, the LA's child record,
/// and the school they attend) or an adult (the rest).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "adult", "role": "parent", "given_name": "Jo", "family_name": "Example",
    "phone": "07700 900123", "email": "jo@example.org", "address": "1 Example Road, Norwich NR1 1AA",
    "preferred_contact_method": "phone", "preferred_language": "Polish", "interpreter_needed": true,
    "safe_contact_notes": "Do not leave messages on the landline", "relationships": []
}))]
pub struct MemberInput {
    /// Child or adult (a change keeps it).
    pub kind: MemberKind,
    /// A child: the LA's child record (`child.id` of a referral); a change keeps it.
    pub child_id: Option<Uuid>,
    /// A child: the school or setting they attend, by URN: a 6-digit URN, or
    /// for a setting beyond GIAS its Ofsted registration number `EY123456`
    /// or local id `LA-…`.
    #[schema(
        pattern = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$",
        example = "100001"
    )]
    pub school_urn: Option<String>,
    /// An adult: parent, carer or other.
    pub role: Option<AdultRole>,
    /// An adult's given name.
    #[schema(min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100))]
    pub given_name: Option<String>,
    /// An adult's family name.
    #[schema(min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100))]
    pub family_name: Option<String>,
    /// A phone number: digits, spaces, `+`, `-`, `(` `)`; 7 to 15 digits (422 `invalid_phone`).
    #[schema(min_length = 1, max_length = 40, example = "07700 900123")]
    #[validate(length(min = 1, max = 40))]
    pub phone: Option<String>,
    /// An email address (422 `invalid_email`).
    #[schema(min_length = 3, max_length = 254, example = "jo@example.org")]
    #[validate(length(min = 3, max = 254))]
    pub email: Option<String>,
    /// A postal address.
    #[schema(min_length = 1, max_length = 500)]
    #[validate(length(min = 1, max = 500))]
    pub address: Option<String>,
    /// How the adult prefers to be contacted.
    pub preferred_contact_method: Option<ContactMethod>,
    /// The language the adult prefers.
    #[schema(min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100))]
    pub preferred_language: Option<String>,
    /// Whether an interpreter is needed.
    pub interpreter_needed: Option<bool>,
    /// What must never be disclosed to whom (never shown to schools or MIS clients).
    #[schema(min_length = 1, max_length = 2000)]
    #[validate(length(min = 1, max = 2000))]
    pub safe_contact_notes: Option<String>,
    /// An adult: their relationship to each child member they relate to.
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = 20))]
    pub relationships: Vec<RelationshipEntry>,
}

/// A member of a family as the caller may see them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Member {
    /// Member id.
    pub id: Uuid,
    /// Child or adult.
    pub kind: MemberKind,
    /// A child: the LA's child record.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub child_id: Option<Uuid>,
    /// A child: the school or setting they attend.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub school_urn: Option<String>,
    /// An adult's role.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub role: Option<AdultRole>,
    /// Given name (a child's: from the LA's record, for staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub given_name: Option<String>,
    /// Family name (a child's: from the LA's record, for staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub family_name: Option<String>,
    /// A child's date of birth (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub date_of_birth: Option<NaiveDate>,
    /// An adult's phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub phone: Option<String>,
    /// An adult's email.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub email: Option<String>,
    /// An adult's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub address: Option<String>,
    /// How an adult prefers to be contacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub preferred_contact_method: Option<ContactMethod>,
    /// An adult's preferred language.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub preferred_language: Option<String>,
    /// Whether an adult needs an interpreter.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub interpreter_needed: Option<bool>,
    /// Staff only: what must never be disclosed to whom.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub safe_contact_notes: Option<String>,
    /// An adult's relationships to the child members the caller may see.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub relationships: Vec<RelationshipEntry>,
    /// When an adult's personal data was erased.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub anonymised_at: Option<DateTime<Utc>>,
    /// Version for If-Match (the member's ETag).
    pub version: i32,
    /// Added.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The members of a family as the caller may see them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberList {
    /// Children first, then adults, each in the order added.
    pub items: Vec<Member>,
}

/// A referral of the family, as far as the caller may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FamilyReferral {
    /// Referral id.
    pub id: Uuid,
    /// Reference.
    #[schema(example = "SCT-2026-000123")]
    pub reference: String,
    /// Lifecycle status (`submitted`, `accepted`, ...).
    #[schema(example = "accepted")]
    pub status: String,
    /// The referring school.
    pub school_urn: String,
    /// The zone it is routed to.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub zone_id: Option<Uuid>,
    /// The child (the LA's child record).
    pub child_id: Uuid,
    /// Submitted.
    pub created_at: DateTime<Utc>,
}

/// A referral of the family in another zone than the caller's team's: its
/// id and zone only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferralElsewhere {
    /// Referral id.
    pub id: Uuid,
    /// Its zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub zone_id: Option<Uuid>,
}

/// A family's page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Family {
    /// Family id.
    pub id: Uuid,
    /// The zone whose team works with the family.
    pub zone_id: Uuid,
    /// Open or closed.
    pub status: FamilyStatus,
    /// The members the caller may see.
    pub members: Vec<Member>,
    /// Every child's referrals the caller may see in full: la_admin all; a
    /// team's staff their zone's; a school its own.
    pub referrals: Vec<FamilyReferral>,
    /// A team's staff: the family's referrals in other zones, ids only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub referrals_elsewhere: Vec<ReferralElsewhere>,
    /// Version for If-Match (also the ETag).
    pub version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A family in a list (the page lists members and referrals).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FamilySummary {
    /// Family id.
    pub id: Uuid,
    /// Its zone.
    pub zone_id: Uuid,
    /// Open or closed.
    pub status: FamilyStatus,
    /// Version.
    pub version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
}

list_page! {
    /// A page of families.
    FamilyPage {
        /// Families by id.
        items: FamilySummary
    }
}

list_params! {
    /// Filters of the family list.
    FamilyListParams {
        /// Only this zone's (a team's staff see their zone's only).
        zone_id: Option<Uuid>,
        /// Only families with a child at this school (a member's school or a
        /// referral's), by URN: a setting identifier (a 6-digit URN, or for a setting beyond GIAS its Ofsted registration number `EY123456` or local id `LA-…`).
        #[param(pattern = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$")]
        school_urn: Option<String>,
        /// Only the families this child (the LA's child record) is a member of.
        child_id: Option<Uuid>,
    }
}

/// Links a referral to a family.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"family_id": "0192f5a0-0000-7000-8000-000000000002"}))]
pub struct FamilyLink {
    /// The family (of the caller's zone; la_admin any).
    pub family_id: Uuid,
}

/// A referral's family after a link.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferralFamily {
    /// The referral.
    pub referral_id: Uuid,
    /// Its family.
    pub family_id: Uuid,
    /// The referral's new version (its ETag).
    pub version: i32,
}

/// What erasing an adult member did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdultErased {
    /// The member.
    pub member_id: Uuid,
    /// When.
    pub anonymised_at: DateTime<Utc>,
}

/// Everything held about an adult member, table by table (subject access).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdultExport {
    /// The member.
    pub member_id: Uuid,
    /// Every column of the personal-data map about the adult, table by table, in the rows that hold it (a family member's own row and their relationships).
    pub held: Vec<crate::features::data_protection::HeldTable>,
}
