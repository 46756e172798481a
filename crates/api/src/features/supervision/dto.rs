//! Request and response bodies of advice and supervision: partners and
//! practice sessions.

use crate::features::school_support::dto::StaffRole;
use crate::http::paging::list_page;
use crate::http::wire::wire_enum;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use sct_domain as domain;
use sct_persistence::supervision::PartnerView;
use sct_persistence::supervision::PracticeView;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

wire_enum!(
    /// Kind of partner organisation: `health`, `social_care`, `voluntary` (voluntary sector) or `other`.
    PartnerKind => domain::PartnerKind { Health, SocialCare, Voluntary, Other } default = Other
);
wire_enum!(
    /// `community_of_practice` or `group_supervision`.
    PracticeKind => domain::PracticeKind { CommunityOfPractice, GroupSupervision } default = CommunityOfPractice
);

/// A partner organisation as written (create, or full replacement).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Norfolk Community Health and Care: school nursing",
    "kind": "health",
    "email": "schoolnursing@example.nhs.uk",
    "phone": "01603 000000",
    "address": "Example House, Norwich NR1 1AA",
    "website": "https://www.example.nhs.uk/school-nursing",
    "zone_ids": ["0192f1c2-3d4e-7f00-8000-000000000000"]
}))]
pub struct PartnerInput {
    /// The organisation's name.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Health, social care, voluntary sector or other.
    pub kind: PartnerKind,
    /// The organisation's contact email (not a person's).
    #[schema(format = Email, max_length = 200)]
    #[validate(length(max = 200), email)]
    pub email: Option<String>,
    /// The organisation's phone number.
    #[schema(max_length = 50)]
    #[validate(length(max = 50))]
    pub phone: Option<String>,
    /// The organisation's address.
    #[schema(max_length = 500)]
    #[validate(length(max = 500))]
    pub address: Option<String>,
    /// The organisation's website.
    #[schema(format = "uri", max_length = 300)]
    #[validate(length(max = 300), url)]
    pub website: Option<String>,
    /// The zones it works in (1 to 50). A team manager may only add or keep their own zone.
    #[schema(min_items = 1, max_items = 50)]
    #[validate(length(min = 1, max = 50))]
    pub zone_ids: Vec<Uuid>,
}

/// A partner organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Partner {
    /// Partner id.
    pub id: Uuid,
    /// The organisation's name.
    pub name: String,
    /// Kind of organisation.
    pub kind: PartnerKind,
    /// Contact email.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub email: Option<String>,
    /// Phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub phone: Option<String>,
    /// Address.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub address: Option<String>,
    /// Website.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub website: Option<String>,
    /// The zones it works in.
    pub zone_ids: Vec<Uuid>,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<PartnerView> for Partner {
    fn from(v: PartnerView) -> Self {
        Self {
            id: v.partner.id,
            name: v.partner.name,
            kind: PartnerKind::from_code(&v.partner.kind),
            email: v.partner.email,
            phone: v.partner.phone,
            address: v.partner.address,
            website: v.partner.website,
            zone_ids: v.zones,
            version: v.partner.version,
            created_at: v.partner.created_at,
            updated_at: v.partner.updated_at,
        }
    }
}

list_page! {
    /// A page of partners.
    PartnerPage {
        /// Partners of this page.
        items: Partner
    }
}

/// A partner organisation's representative at a meeting.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PartnerAttendeeInput {
    /// A partner working in the meeting's zone.
    pub partner_id: Uuid,
    /// The representative's name (a professional, never a child or family member).
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
}

/// A member of a setting's staff at a meeting: the setting and their role;
/// the name only if useful (it is personal data, kept with the workers').
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct SettingStaffAttendeeInput {
    /// The setting's URN (or other setting identifier): a setting of the
    /// meeting's zone (422 `setting_not_in_zone` otherwise).
    #[schema(min_length = 1, max_length = 32, example = "121234")]
    #[validate(length(min = 1, max = 32))]
    pub urn: String,
    /// Their role at the setting.
    pub role: StaffRole,
    /// Their name (optional; a professional, never a child or family member).
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
}

/// Who attended a practice session.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
pub struct AttendeesInput {
    /// Workers who attended.
    #[schema(max_items = 100)]
    #[validate(length(max = 100))]
    #[serde(default)]
    pub worker_ids: Vec<Uuid>,
    /// Partner representatives who attended.
    #[schema(max_items = 100)]
    #[validate(length(max = 100), nested)]
    #[serde(default)]
    pub partners: Vec<PartnerAttendeeInput>,
    /// Settings' staff who attended (settings of the meeting's zone).
    #[schema(max_items = 100)]
    #[validate(length(max = 100), nested)]
    #[serde(default)]
    pub settings: Vec<SettingStaffAttendeeInput>,
}

/// A case discussed, summarised without names.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CaseDiscussionInput {
    /// A referral of the zone's team (another zone's referral is refused with 422).
    pub referral_id: Uuid,
    /// The discussion, summarised without names of the child or family. The
    /// API does not screen the text: practitioners are responsible for it.
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub summary: String,
}

/// An action agreed at a practice session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PracticeActionInput {
    /// What is to be done.
    #[schema(min_length = 1, max_length = 2000)]
    #[validate(length(min = 1, max = 2000))]
    pub description: String,
    /// The worker who owns it.
    pub owner_id: Uuid,
    /// When it is due.
    pub due_on: NaiveDate,
}

/// A community-of-practice or group-supervision meeting.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "group_supervision",
    "zone_id": "0192f1c2-3d4e-7f00-8000-000000000000",
    "held_on": "2026-11-26",
    "facilitator_id": "0192f1c2-3d4e-7f00-8000-000000000001",
    "themes": ["emotionally based school avoidance", "transition to secondary"],
    "attendees": {
        "worker_ids": ["0192f1c2-3d4e-7f00-8000-000000000002"],
        "partners": [{"partner_id": "0192f1c2-3d4e-7f00-8000-000000000003", "name": "Jo Nurse"}],
        "settings": [{"urn": "121234", "role": "senco"}, {"urn": "121235", "role": "early_years_practitioner", "name": "Sam Keyworker"}]
    },
    "locality_id": "0192f1c2-3d4e-7f00-8000-000000000005",
    "case_discussions": [{"referral_id": "0192f1c2-3d4e-7f00-8000-000000000004", "summary": "Year 5 pupil, mornings improving; agreed joint visit with school nursing"}],
    "actions": [{"description": "Share the EBSA toolkit with the cluster SENCOs", "owner_id": "0192f1c2-3d4e-7f00-8000-000000000002", "due_on": "2026-12-10"}]
}))]
pub struct PracticeSessionInput {
    /// Community of practice or group supervision.
    pub kind: PracticeKind,
    /// The zone (a team member's own zone).
    pub zone_id: Uuid,
    /// The day of the meeting.
    pub held_on: NaiveDate,
    /// The facilitating worker, of the zone's team.
    pub facilitator_id: Uuid,
    /// Themes discussed (up to 20).
    #[schema(value_type = Vec<Theme>, max_items = 20)]
    #[validate(length(max = 20))]
    #[serde(default)]
    pub themes: Vec<String>,
    /// Who attended.
    #[validate(nested)]
    #[serde(default)]
    pub attendees: AttendeesInput,
    /// The locality the meeting was held for: a locality of the meeting's
    /// zone, not retired (422 `locality_not_in_zone`, `locality_retired`).
    pub locality_id: Option<Uuid>,
    /// Cases discussed (referrals of the zone's team), up to 50.
    #[schema(max_items = 50)]
    #[validate(length(max = 50), nested)]
    #[serde(default)]
    pub case_discussions: Vec<CaseDiscussionInput>,
    /// Actions agreed, up to 50.
    #[schema(max_items = 50)]
    #[validate(length(max = 50), nested)]
    #[serde(default)]
    pub actions: Vec<PracticeActionInput>,
}

/// A correction of a practice session: everything but its zone and its
/// actions (actions change one by one).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "community_of_practice",
    "held_on": "2026-11-26",
    "facilitator_id": "0192f1c2-3d4e-7f00-8000-000000000001",
    "themes": ["emotionally based school avoidance"],
    "attendees": {"worker_ids": ["0192f1c2-3d4e-7f00-8000-000000000002"], "partners": [], "settings": [{"urn": "121234", "role": "senco"}]},
    "case_discussions": [{"referral_id": "0192f1c2-3d4e-7f00-8000-000000000004", "summary": "Year 5 pupil, mornings improving"}]
}))]
pub struct PracticeSessionUpdate {
    /// Community of practice or group supervision.
    pub kind: PracticeKind,
    /// The day of the meeting.
    pub held_on: NaiveDate,
    /// The facilitating worker, of the zone's team.
    pub facilitator_id: Uuid,
    /// Themes discussed (up to 20).
    #[schema(value_type = Vec<Theme>, max_items = 20)]
    #[validate(length(max = 20))]
    #[serde(default)]
    pub themes: Vec<String>,
    /// Who attended.
    #[validate(nested)]
    #[serde(default)]
    pub attendees: AttendeesInput,
    /// The locality the meeting was held for: a locality of the meeting's
    /// zone, not retired (422 `locality_not_in_zone`, `locality_retired`).
    pub locality_id: Option<Uuid>,
    /// Cases discussed (referrals of the zone's team), up to 50.
    #[schema(max_items = 50)]
    #[validate(length(max = 50), nested)]
    #[serde(default)]
    pub case_discussions: Vec<CaseDiscussionInput>,
}

/// An attendee of a practice session: a worker, a partner's representative,
/// or a member of a setting's staff.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PracticeAttendee {
    /// The worker, for a worker.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub worker_id: Option<Uuid>,
    /// The partner organisation, for a representative.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub partner_id: Option<Uuid>,
    /// The name: always for a partner's representative, if given for a
    /// setting's staff member.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub representative_name: Option<String>,
    /// The setting, for a member of a setting's staff.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub setting_urn: Option<String>,
    /// Their role at the setting, for a member of a setting's staff.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub staff_role: Option<StaffRole>,
}

/// A case discussed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseDiscussion {
    /// Discussion id.
    pub id: Uuid,
    /// The referral discussed.
    pub referral_id: Uuid,
    /// The summary, without names.
    pub summary: String,
}

/// An action agreed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PracticeAction {
    /// Action id.
    pub id: Uuid,
    /// What is to be done.
    pub description: String,
    /// The worker who owns it.
    pub owner_id: Uuid,
    /// When it is due.
    pub due_on: NaiveDate,
    /// Whether it is done.
    pub done: bool,
}

/// A theme discussed: 1 to 200 characters, not only spaces. (Only the
/// schema of an item of `themes`; the field stays a `Vec<String>`.)
pub struct Theme;

impl utoipa::PartialSchema for Theme {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("A theme: 1 to 200 characters, not only spaces."))
            .min_length(Some(1))
            .max_length(Some(200))
            // Not only spaces, and no NUL (see `NoNul` in openapi.rs).
            .pattern(Some(r"^[^\u0000]*[^\s\u0000][^\u0000]*$"))
            .into()
    }
}

impl ToSchema for Theme {}

/// A practice session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PracticeSession {
    /// Practice session id.
    pub id: Uuid,
    /// Community of practice or group supervision.
    pub kind: PracticeKind,
    /// The zone.
    pub zone_id: Uuid,
    /// The locality of the zone it was held for.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub locality_id: Option<Uuid>,
    /// The day of the meeting.
    pub held_on: NaiveDate,
    /// The facilitating worker.
    pub facilitator_id: Uuid,
    /// Themes discussed.
    pub themes: Vec<String>,
    /// Who attended.
    pub attendees: Vec<PracticeAttendee>,
    /// Cases discussed.
    pub case_discussions: Vec<CaseDiscussion>,
    /// Actions agreed.
    pub actions: Vec<PracticeAction>,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// Who recorded it (token subject).
    pub created_by: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<PracticeView> for PracticeSession {
    fn from(v: PracticeView) -> Self {
        Self {
            id: v.session.id,
            kind: PracticeKind::from_code(&v.session.kind),
            zone_id: v.session.zone_id,
            locality_id: v.session.locality_id,
            held_on: v.session.held_on,
            facilitator_id: v.session.facilitator_id,
            themes: v.session.themes,
            attendees: v
                .attendees
                .into_iter()
                .map(|a| PracticeAttendee {
                    worker_id: a.worker_id,
                    partner_id: a.partner_id,
                    representative_name: a.representative_name,
                    staff_role: a.staff_role.as_deref().map(StaffRole::from_code),
                    setting_urn: a.setting_urn,
                })
                .collect(),
            case_discussions: v
                .discussions
                .into_iter()
                .map(|d| CaseDiscussion {
                    id: d.id,
                    referral_id: d.referral_id,
                    summary: d.summary,
                })
                .collect(),
            actions: v
                .actions
                .into_iter()
                .map(|a| PracticeAction {
                    id: a.id,
                    description: a.description,
                    owner_id: a.owner_id,
                    due_on: a.due_on,
                    done: a.done,
                })
                .collect(),
            version: v.session.version,
            created_by: v.session.created_by,
            created_at: v.session.created_at,
            updated_at: v.session.updated_at,
        }
    }
}

list_page! {
    /// A page of practice sessions, newest first.
    PracticeSessionPage {
        /// Practice sessions of this page.
        items: PracticeSession
    }
}

/// Marks an action done or not done.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"done": true}))]
pub struct ActionDoneInput {
    /// Whether the action is done.
    pub done: bool,
}
