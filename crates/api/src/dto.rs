//! Request and response bodies of the API, with their OpenAPI schemas, and
//! their conversion to and from domain types and rows.

use chrono::{DateTime, NaiveDate, Utc};
use sct_domain as domain;
use sct_persistence::models::{
    HistoryRow, IntegrationClientRow, SchoolRow, TeamRow, WorkerRow, ZoneRow,
};
use sct_persistence::referrals::ReferralView;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// Declares a wire enum mirroring a domain enum, with conversions both ways,
/// so the schema lists the values and the domain stays free of utoipa.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident => $domain:path { $($variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl From<$name> for $domain {
            fn from(v: $name) -> Self {
                match v { $($name::$variant => <$domain>::$variant),+ }
            }
        }

        impl From<$domain> for $name {
            fn from(v: $domain) -> Self {
                match v { $(<$domain>::$variant => $name::$variant),+ }
            }
        }
    };
}

wire_enum!(
    /// An INDES area of need.
    IndesArea => domain::IndesArea {
        PhysicalDisability, Deafness, VisualImpairment, SpeechAndLanguage,
        SocialCommunicationAndInteraction, SocialEmotionalMentalHealth, LearningAndCognition,
    }
);
wire_enum!(
    /// A complicating factor weighed in priority and screening.
    ComplicatingFactor => domain::ComplicatingFactor {
        Engagement, Attendance, FamilyParenting, LimitedProgressAtSenSupport,
        RiskOfExclusion, EscalatingNeed, SchoolCapacity,
    }
);
wire_enum!(
    /// A plan already in place.
    ExistingPlan => domain::ExistingPlan { EarlyHelpPlan, SenSupportPlan, EhcPlan }
);
wire_enum!(
    /// Screening outcome.
    EligibilityOutcome => domain::Outcome { Eligible, BelowThreshold, AboveThreshold, InsufficientInformation }
);
wire_enum!(
    /// Where screening points the referrer.
    Pathway => domain::Pathway {
        SchoolAndCommunityTeam, OrdinarilyAvailableProvisionAndSenSupport,
        SpecialistAssessment, CompleteIndesAssessment,
    }
);
wire_enum!(
    /// Triage priority band.
    PriorityBand => domain::PriorityBand { Routine, High, Urgent }
);
wire_enum!(
    /// Status of a referral.
    ReferralStatus => domain::Status { Submitted, Accepted, Allocated, Active, Closed, Declined, Withdrawn }
);
wire_enum!(
    /// How a closed referral ended.
    ClosureOutcome => domain::ClosureOutcome { NeedsMet, SteppedDown, SteppedUp, Disengaged, MovedAway, Other }
);

/// SEN provision (school census): N none, K SEN Support, E EHC plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum SenProvision {
    N,
    K,
    E,
}

impl From<SenProvision> for domain::SenProvision {
    fn from(v: SenProvision) -> Self {
        match v {
            SenProvision::N => Self::NoSen,
            SenProvision::K => Self::SenSupport,
            SenProvision::E => Self::EhcPlan,
        }
    }
}

/// SEN type (census code) of the primary need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum SenType {
    Spld,
    Mld,
    Sld,
    Pmld,
    Semh,
    Slcn,
    Hi,
    Vi,
    Msi,
    Pd,
    Asd,
    Ds,
    Oth,
    Nsa,
}

impl SenType {
    /// The census code.
    pub fn code(self) -> domain::SenType {
        let json = serde_json::to_value(self).ok();
        json.as_ref()
            .and_then(|v| v.as_str())
            .and_then(|s| domain::SenType::parse(s).ok())
            .unwrap_or(domain::SenType::Oth)
    }
}

/// Who gave consent for the referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentGiver {
    ParentCarer,
    YoungPerson,
}

impl ConsentGiver {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ParentCarer => "parent_carer",
            Self::YoungPerson => "young_person",
        }
    }
}

/// One area's INDES level.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct IndesLevel {
    pub area: IndesArea,
    /// Level on the scale of the policy in force (default 1-5).
    #[schema(minimum = 0, maximum = 20, example = 4)]
    pub level: u8,
}

/// The child being referred.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ChildInput {
    /// Unique pupil number with a valid DfE check letter.
    #[schema(
        example = "B801200005001",
        pattern = "^[A-HJ-NP-RT-Za-hj-np-rt-z][0-9]{11}[0-9A-HJ-NP-RT-Za-hj-np-rt-z]$",
        min_length = 13,
        max_length = 13
    )]
    #[validate(length(min = 13, max = 13))]
    pub upn: String,
    #[schema(example = "Sam", min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100))]
    pub given_name: String,
    #[schema(example = "Example", min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100))]
    pub family_name: String,
    #[schema(example = "2016-03-14")]
    pub date_of_birth: NaiveDate,
    /// National curriculum year: N1, N2, R, 1-14 or X.
    #[schema(example = "5", pattern = "^(N1|N2|R|X|[1-9]|1[0-4])$")]
    pub year_group: String,
    pub sen_provision: SenProvision,
    /// Required with K or E, absent with N; NSA only with K.
    pub primary_need: Option<SenType>,
}

/// Consent of the family: required before anything is stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    pub given_by: ConsentGiver,
    /// Not in the future.
    #[schema(example = "2026-11-20")]
    pub given_on: NaiveDate,
}

/// A new referral from a school or its MIS.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "school_urn": "121234",
    "external_reference": "ARBOR-55102",
    "child": {
        "upn": "B801200005001", "given_name": "Sam", "family_name": "Example",
        "date_of_birth": "2016-03-14", "year_group": "5", "sen_provision": "K", "primary_need": "SEMH"
    },
    "indes": [
        {"area": "social_emotional_mental_health", "level": 4},
        {"area": "speech_and_language", "level": 2}
    ],
    "complicating_factors": ["attendance", "risk_of_exclusion"],
    "existing_plans": ["sen_support_plan"],
    "consent": {"given_by": "parent_carer", "given_on": "2026-11-20"},
    "reason": "Free text from the school"
}))]
pub struct ReferralSubmission {
    /// URN of the referring school (one of the caller's schools).
    #[schema(pattern = "^[0-9]{6}$", example = "121234")]
    pub school_urn: String,
    /// The MIS's own id, unique per school.
    #[schema(min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100))]
    pub external_reference: Option<String>,
    #[validate(nested)]
    pub child: ChildInput,
    /// At most one level per area.
    #[schema(max_items = 7)]
    #[validate(length(max = 7))]
    pub indes: Vec<IndesLevel>,
    #[serde(default)]
    #[schema(max_items = 7)]
    #[validate(length(max = 7))]
    pub complicating_factors: Vec<ComplicatingFactor>,
    #[serde(default)]
    #[schema(max_items = 3)]
    #[validate(length(max = 3))]
    pub existing_plans: Vec<ExistingPlan>,
    #[validate(nested)]
    pub consent: Consent,
    /// Why the school is referring.
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub reason: String,
}

/// What the screening looks at, without storing anything.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "indes": [{"area": "social_emotional_mental_health", "level": 4}],
    "sen_provision": "K",
    "complicating_factors": ["attendance"]
}))]
pub struct EligibilityCheck {
    #[schema(max_items = 7)]
    #[validate(length(max = 7))]
    pub indes: Vec<IndesLevel>,
    pub sen_provision: Option<SenProvision>,
    #[serde(default)]
    #[schema(max_items = 7)]
    #[validate(length(max = 7))]
    pub complicating_factors: Vec<ComplicatingFactor>,
    #[serde(default)]
    #[schema(max_items = 3)]
    #[validate(length(max = 3))]
    pub existing_plans: Vec<ExistingPlan>,
}

/// One reason behind a screening decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
pub struct EligibilityReason {
    /// Stable machine code, e.g. `in_band`.
    pub code: String,
    pub detail: String,
    /// The areas that drove it.
    pub areas: Vec<IndesArea>,
}

/// A screening decision (advice: the team manager decides).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
pub struct Eligibility {
    pub outcome: EligibilityOutcome,
    pub policy_version: String,
    pub reasons: Vec<EligibilityReason>,
    pub pathway: Pathway,
}

impl From<&domain::Decision> for Eligibility {
    fn from(d: &domain::Decision) -> Self {
        Self {
            outcome: d.outcome.into(),
            policy_version: d.policy_version.clone(),
            reasons: d
                .reasons
                .iter()
                .map(|r| EligibilityReason {
                    code: r.code.clone(),
                    detail: r.detail.clone(),
                    areas: r.areas.iter().map(|a| (*a).into()).collect(),
                })
                .collect(),
            pathway: d.pathway.into(),
        }
    }
}

/// Triage priority with the reasons behind its score.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
pub struct Priority {
    pub band: PriorityBand,
    pub score: u32,
    pub reasons: Vec<String>,
}

impl From<&domain::Priority> for Priority {
    fn from(p: &domain::Priority) -> Self {
        Self {
            band: p.band.into(),
            score: p.score,
            reasons: p.reasons.clone(),
        }
    }
}

/// Answer of `/eligibility/check`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EligibilityResult {
    pub eligibility: Eligibility,
    pub priority: Priority,
}

/// A zone as a referral names it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ZoneRef {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

/// A team as a referral names it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamRef {
    pub id: Uuid,
    pub name: String,
}

/// A worker as a referral names them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkerRef {
    pub id: Uuid,
    pub name: String,
}

/// The referred child.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Child {
    pub id: Uuid,
    pub upn: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub year_group: String,
    pub sen_provision: String,
    pub primary_need: Option<String>,
}

/// Which queue a referral waits in.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriageQueue {
    /// The team of the school's zone.
    Team,
    /// The council's queue, worked by `la_admin`, while no team is operational.
    Council,
}

/// Why a referral was declined.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeclineInfo {
    pub reason: String,
    pub signposting: String,
}

/// How a referral was closed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClosureInfo {
    pub outcome: ClosureOutcome,
    pub note: Option<String>,
    pub closed_at: DateTime<Utc>,
}

/// A referral.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Referral {
    pub id: Uuid,
    /// Human-readable reference.
    #[schema(example = "SCT-2026-000123")]
    pub reference: String,
    pub status: ReferralStatus,
    pub school_urn: String,
    pub external_reference: Option<String>,
    pub zone: Option<ZoneRef>,
    pub team: Option<TeamRef>,
    pub triage_queue: TriageQueue,
    /// Why it waits in the council's queue, if it does.
    pub triage_reason: Option<String>,
    pub worker: Option<WorkerRef>,
    pub child: Child,
    pub indes: Vec<IndesLevel>,
    pub complicating_factors: Vec<String>,
    pub existing_plans: Vec<String>,
    pub consent: Consent,
    pub reason: String,
    pub eligibility: Eligibility,
    pub priority: Priority,
    pub decline: Option<DeclineInfo>,
    pub closure: Option<ClosureInfo>,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Referral {
    /// Builds the representation from a stored view.
    pub fn from_view(v: &ReferralView) -> Self {
        let r = &v.referral;
        let eligibility: Eligibility = serde_json::from_value(r.eligibility.clone())
            .unwrap_or_else(|_| Eligibility {
                outcome: domain::Outcome::parse(&r.eligibility_outcome)
                    .unwrap_or(domain::Outcome::InsufficientInformation)
                    .into(),
                policy_version: r.policy_version.clone(),
                reasons: Vec::new(),
                pathway: Pathway::CompleteIndesAssessment,
            });
        let priority_reasons: Vec<String> =
            serde_json::from_value(r.priority_reasons.clone()).unwrap_or_default();
        Self {
            id: r.id,
            reference: r.reference.clone(),
            status: domain::Status::parse(&r.status)
                .unwrap_or(domain::Status::Submitted)
                .into(),
            school_urn: r.school_urn.clone(),
            external_reference: r.external_reference.clone(),
            zone: v.zone.as_ref().map(|z| ZoneRef {
                id: z.id,
                code: z.code.clone(),
                name: z.name.clone(),
            }),
            team: v.team.as_ref().map(|t| TeamRef {
                id: t.id,
                name: t.name.clone(),
            }),
            triage_queue: if r.team_id.is_some() {
                TriageQueue::Team
            } else {
                TriageQueue::Council
            },
            triage_reason: r.triage_reason.clone(),
            worker: v.worker.as_ref().map(|w| WorkerRef {
                id: w.id,
                name: w.name.clone(),
            }),
            child: Child {
                id: v.child.id,
                upn: v.child.upn.clone(),
                given_name: v.child.given_name.clone(),
                family_name: v.child.family_name.clone(),
                date_of_birth: v.child.date_of_birth,
                year_group: r.year_group.clone(),
                sen_provision: r.sen_provision.clone(),
                primary_need: r.primary_need.clone(),
            },
            indes: v
                .indes
                .iter()
                .filter_map(|l| {
                    Some(IndesLevel {
                        area: domain::IndesArea::parse(&l.area)?.into(),
                        level: u8::try_from(l.level).ok()?,
                    })
                })
                .collect(),
            complicating_factors: r.complicating_factors.clone(),
            existing_plans: r.existing_plans.clone(),
            consent: Consent {
                given_by: if r.consent_given_by == "young_person" {
                    ConsentGiver::YoungPerson
                } else {
                    ConsentGiver::ParentCarer
                },
                given_on: r.consent_given_on,
            },
            reason: r.reason.clone(),
            eligibility,
            priority: Priority {
                band: domain::PriorityBand::parse(&r.priority_band)
                    .unwrap_or(domain::PriorityBand::Routine)
                    .into(),
                score: u32::try_from(r.priority_score).unwrap_or(0),
                reasons: priority_reasons,
            },
            decline: match (&r.decline_reason, &r.signposting) {
                (Some(reason), signposting) if r.status == "declined" => Some(DeclineInfo {
                    reason: reason.clone(),
                    signposting: signposting.clone().unwrap_or_default(),
                }),
                _ => None,
            },
            closure: match (&r.closure_outcome, r.closed_at) {
                (Some(o), Some(at)) => domain::ClosureOutcome::parse(o).map(|o| ClosureInfo {
                    outcome: o.into(),
                    note: r.closure_note.clone(),
                    closed_at: at,
                }),
                _ => None,
            },
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// One change in a referral's life.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Subject of the actor's token.
    pub actor: String,
    pub actor_role: String,
    /// `submit` or the action taken.
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: Option<String>,
    /// Routing and allocation details.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub request_id: Option<String>,
}

impl From<HistoryRow> for HistoryEntry {
    fn from(h: HistoryRow) -> Self {
        Self {
            id: h.id,
            at: h.at,
            actor: h.actor,
            actor_role: h.actor_role,
            action: h.action,
            from_status: h.from_status,
            to_status: h.to_status,
            reason: h.reason,
            details: h.details,
            request_id: h.request_id,
        }
    }
}

/// The history of a referral, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct History {
    pub items: Vec<HistoryEntry>,
}

/// Accept a referral (a note is required when screening said otherwise).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "Fits the team's SEMH offer"}))]
pub struct AcceptBody {
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub note: Option<String>,
}

/// Decline a referral.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Needs are met by SEN Support", "signposting": "Ordinarily available provision guidance"}))]
pub struct DeclineBody {
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub reason: String,
    /// Where the school or family is pointed instead.
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub signposting: String,
}

/// Redirect a referral to another team.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"team_id": "0192f1c2-3d4e-7f00-8000-000000000000", "reason": "School sits in the neighbouring zone"}))]
pub struct RedirectBody {
    pub team_id: Uuid,
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub reason: String,
}

/// Allocate to a named worker, or automatically.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"auto": true}))]
pub struct AllocateBody {
    /// The worker (give this or `auto`).
    pub worker_id: Option<Uuid>,
    /// Lowest caseload relative to cap, never over the cap.
    pub auto: Option<bool>,
}

/// Start work, or a note-only action.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "First session booked"}))]
pub struct NoteBody {
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub note: Option<String>,
}

/// Close a referral.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "needs_met", "note": "Goals achieved"}))]
pub struct CloseBody {
    pub outcome: ClosureOutcome,
    /// Required when the outcome is `other`.
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub note: Option<String>,
}

/// An action that needs a reason (withdraw, reopen).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Family moved out of county"}))]
pub struct ReasonBody {
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub reason: String,
}

/// A page of referrals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferralPage {
    pub items: Vec<Referral>,
    /// Absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A zone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Zone {
    pub id: Uuid,
    #[schema(example = "Z01")]
    pub code: String,
    pub name: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ZoneRow> for Zone {
    fn from(z: ZoneRow) -> Self {
        Self {
            id: z.id,
            code: z.code,
            name: z.name,
            version: z.version,
            created_at: z.created_at,
            updated_at: z.updated_at,
        }
    }
}

/// A page of zones.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ZonePage {
    pub items: Vec<Zone>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A new zone.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "Z16", "name": "Zone 16"}))]
pub struct NewZone {
    /// Upper-case letters, digits and dashes.
    #[schema(pattern = "^[A-Z0-9][A-Z0-9-]{0,31}$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
}

/// Changes to a zone.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Zone 16 (Thetford)"}))]
pub struct ZoneUpdate {
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
}

/// A team.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Team {
    pub id: Uuid,
    pub zone_id: Uuid,
    pub name: String,
    /// Referrals route to the team from this date; before it they wait in the council's queue.
    pub operational_from: NaiveDate,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TeamRow> for Team {
    fn from(t: TeamRow) -> Self {
        Self {
            id: t.id,
            zone_id: t.zone_id,
            name: t.name,
            operational_from: t.operational_from,
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// A page of teams.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamPage {
    pub items: Vec<Team>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A new team for a zone (one team per zone).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"zone_id": "0192f1c2-3d4e-7f00-8000-000000000000", "name": "SCT Zone 16", "operational_from": "2027-01-04"}))]
pub struct NewTeam {
    pub zone_id: Uuid,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    pub operational_from: NaiveDate,
}

/// Changes to a team.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "SCT Zone 16", "operational_from": "2027-01-04"}))]
pub struct TeamUpdate {
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    pub operational_from: NaiveDate,
}

/// A worker's job in the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobRole {
    Practitioner,
    TeamManager,
}

impl JobRole {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Practitioner => "practitioner",
            Self::TeamManager => "team_manager",
        }
    }
}

/// A worker with their caseload.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Worker {
    pub id: Uuid,
    pub team_id: Uuid,
    /// The identity provider's subject of the worker's tokens.
    pub subject: String,
    pub name: String,
    pub job_role: JobRole,
    /// The most referrals the worker may carry (allocated or active).
    pub caseload_cap: i32,
    /// Referrals allocated or active now.
    pub caseload: i64,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Worker {
    /// From a row and its caseload.
    pub fn from_row(w: WorkerRow, caseload: i64) -> Self {
        Self {
            id: w.id,
            team_id: w.team_id,
            subject: w.subject,
            name: w.name,
            job_role: if w.job_role == "team_manager" {
                JobRole::TeamManager
            } else {
                JobRole::Practitioner
            },
            caseload_cap: w.caseload_cap,
            caseload,
            active: w.active,
            version: w.version,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// A page of workers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkerPage {
    pub items: Vec<Worker>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A new worker.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"subject": "worker-z01-5", "name": "Alex Practitioner", "job_role": "practitioner", "caseload_cap": 15}))]
pub struct NewWorker {
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub subject: String,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    pub job_role: JobRole,
    #[schema(minimum = 0, maximum = 200)]
    #[validate(range(min = 0, max = 200))]
    pub caseload_cap: i32,
}

/// Changes to a worker.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Alex Practitioner", "caseload_cap": 12, "active": true}))]
pub struct WorkerUpdate {
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[schema(minimum = 0, maximum = 200)]
    #[validate(range(min = 0, max = 200))]
    pub caseload_cap: i32,
    pub active: bool,
}

/// Status of an establishment (GIAS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SchoolStatus {
    Open,
    Closed,
    ProposedToOpen,
    ProposedToClose,
}

impl SchoolStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
            Self::ProposedToOpen => "proposed_to_open",
            Self::ProposedToClose => "proposed_to_close",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "closed" => Self::Closed,
            "proposed_to_open" => Self::ProposedToOpen,
            "proposed_to_close" => Self::ProposedToClose,
            _ => Self::Open,
        }
    }
}

/// A school, keyed by URN.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct School {
    #[schema(example = "121234")]
    pub urn: String,
    pub name: String,
    pub la_code: Option<String>,
    pub establishment_number: Option<String>,
    pub phase: Option<String>,
    pub status: SchoolStatus,
    pub postcode: Option<String>,
    /// The zone whose team serves the school.
    pub zone_id: Option<Uuid>,
    /// From GIAS `LA (name)`.
    pub la_name: Option<String>,
    /// From GIAS `TypeOfEstablishment (name)`.
    pub type_name: Option<String>,
    /// GSS code of the district (GIAS `DistrictAdministrative (code)`).
    #[schema(example = "E07000148")]
    pub district_code: Option<String>,
    pub district_name: Option<String>,
    /// From GIAS `NumberOfPupils`.
    pub pupil_count: Option<i32>,
    pub open_date: Option<NaiveDate>,
    pub close_date: Option<NaiveDate>,
    /// Set when the newest GIAS extract of the school's LA no longer lists it.
    pub missing_from_extract_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<SchoolRow> for School {
    fn from(s: SchoolRow) -> Self {
        Self {
            status: SchoolStatus::parse(&s.status),
            urn: s.urn,
            name: s.name,
            la_code: s.la_code,
            establishment_number: s.establishment_number,
            phase: s.phase,
            postcode: s.postcode,
            zone_id: s.zone_id,
            la_name: s.la_name,
            type_name: s.type_name,
            district_code: s.district_code,
            district_name: s.district_name,
            pupil_count: s.pupil_count,
            open_date: s.open_date,
            close_date: s.close_date,
            missing_from_extract_at: s.missing_from_extract_at,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A page of schools.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SchoolPage {
    pub items: Vec<School>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A new school.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"urn": "121234", "name": "Example Primary School", "la_code": "926", "establishment_number": "2001", "phase": "Primary", "postcode": "NR1 1AA"}))]
pub struct NewSchool {
    #[schema(pattern = "^[0-9]{6}$")]
    pub urn: String,
    #[schema(min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300))]
    pub name: String,
    #[schema(pattern = "^[0-9]{3}$")]
    pub la_code: Option<String>,
    #[schema(pattern = "^[0-9]{4}$")]
    pub establishment_number: Option<String>,
    #[schema(max_length = 100)]
    #[validate(length(max = 100))]
    pub phase: Option<String>,
    pub status: Option<SchoolStatus>,
    #[schema(max_length = 10)]
    #[validate(length(max = 10))]
    pub postcode: Option<String>,
    pub zone_id: Option<Uuid>,
}

/// Moves a school to a zone (null: no zone; its referrals wait for the council).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"zone_id": "0192f1c2-3d4e-7f00-8000-000000000000"}))]
pub struct SchoolZone {
    pub zone_id: Option<Uuid>,
}

/// Liveness or readiness.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// Registers an integration client (an MIS vendor's connection) for schools.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Example MIS for Example Primary", "schools": ["121234"]}))]
pub struct NewIntegrationClient {
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// URNs of registered schools the client may act for.
    #[schema(min_items = 1, max_items = 500)]
    #[validate(length(min = 1, max = 500))]
    pub schools: Vec<String>,
}

/// Replaces the schools an integration client may act for. Tokens already
/// issued act for the new list from their next request.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"schools": ["121234", "121235"]}))]
pub struct ClientSchools {
    #[schema(min_items = 1, max_items = 500)]
    #[validate(length(min = 1, max = 500))]
    pub schools: Vec<String>,
}

/// An integration client. Its secret is never shown again after it is issued.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntegrationClient {
    /// The client's `client_id`.
    pub id: Uuid,
    pub name: String,
    pub schools: Vec<String>,
    /// Until when the secret replaced by the last rotation still works.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// Set once the client is revoked: its secrets and tokens no longer work.
    pub revoked_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<IntegrationClientRow> for IntegrationClient {
    fn from(c: IntegrationClientRow) -> Self {
        Self {
            id: c.id,
            name: c.name,
            schools: c.schools,
            previous_secret_expires_at: c.previous_secret_expires_at,
            revoked_at: c.revoked_at,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// Credentials shown once: on registration and on each rotation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClientCredentials {
    pub client_id: Uuid,
    /// 32 random bytes, base64url without padding. Store it now: only its
    /// Argon2id hash is kept.
    pub client_secret: String,
    pub client: IntegrationClient,
}

/// A page of integration clients.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntegrationClientPage {
    pub items: Vec<IntegrationClient>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The client credentials grant's form (RFC 6749 section 4.4.2), sent as
/// `application/x-www-form-urlencoded`. Authenticate with HTTP Basic or with
/// `client_id` and `client_secret` here, not both.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    #[schema(example = "client_credentials")]
    pub grant_type: String,
    /// Ignored: a client's token always carries all its schools.
    pub scope: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// An access token (RFC 6749 section 5.1).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT with role `integration` and the client's schools.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
}

/// An OAuth 2.0 error (RFC 6749 section 5.2), not problem+json.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant`,
    /// `unauthorized_client`, `unsupported_grant_type` or `invalid_scope`.
    #[schema(example = "invalid_client")]
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}
