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

impl From<SenType> for domain::SenType {
    fn from(v: SenType) -> Self {
        match v {
            SenType::Spld => Self::Spld,
            SenType::Mld => Self::Mld,
            SenType::Sld => Self::Sld,
            SenType::Pmld => Self::Pmld,
            SenType::Semh => Self::Semh,
            SenType::Slcn => Self::Slcn,
            SenType::Hi => Self::Hi,
            SenType::Vi => Self::Vi,
            SenType::Msi => Self::Msi,
            SenType::Pd => Self::Pd,
            SenType::Asd => Self::Asd,
            SenType::Ds => Self::Ds,
            SenType::Oth => Self::Oth,
            SenType::Nsa => Self::Nsa,
        }
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
    /// The INDES area of need.
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
    /// The child's given name.
    #[schema(example = "Sam", min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100))]
    pub given_name: String,
    /// The child's family name.
    #[schema(example = "Example", min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100))]
    pub family_name: String,
    /// Date of birth (not in the future; up to 25 years old).
    #[schema(example = "2016-03-14")]
    pub date_of_birth: NaiveDate,
    /// National curriculum year: N1, N2, R, 1-14 or X.
    #[schema(example = "5", pattern = "^(N1|N2|R|X|[1-9]|1[0-4])$")]
    pub year_group: String,
    /// SEN provision from the school census: N, K or E.
    pub sen_provision: SenProvision,
    /// Required with K or E, absent with N; NSA only with K.
    pub primary_need: Option<SenType>,
}

/// Consent of the family: required before anything is stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// Who gave consent: the parent or carer, or the young person.
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
    /// The child being referred.
    #[validate(nested)]
    pub child: ChildInput,
    /// At most one level per area.
    #[schema(max_items = 7)]
    #[validate(length(max = 7))]
    pub indes: Vec<IndesLevel>,
    /// Complicating factors the school sees (each at most once).
    #[serde(default)]
    #[schema(max_items = 7)]
    #[validate(length(max = 7))]
    pub complicating_factors: Vec<ComplicatingFactor>,
    /// Plans already in place for the child.
    #[serde(default)]
    #[schema(max_items = 3)]
    #[validate(length(max = 3))]
    pub existing_plans: Vec<ExistingPlan>,
    /// The family's consent (required).
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
    /// INDES levels, at most one per area.
    #[schema(max_items = 7)]
    #[validate(length(max = 7))]
    pub indes: Vec<IndesLevel>,
    /// SEN provision from the school census, if known.
    pub sen_provision: Option<SenProvision>,
    /// Complicating factors weighed in screening and priority.
    #[serde(default)]
    #[schema(max_items = 7)]
    #[validate(length(max = 7))]
    pub complicating_factors: Vec<ComplicatingFactor>,
    /// Plans already in place for the child.
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
    /// The reason, for humans.
    pub detail: String,
    /// The areas that drove it.
    pub areas: Vec<IndesArea>,
}

/// A screening decision (advice: the team manager decides).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
pub struct Eligibility {
    /// The screening outcome.
    pub outcome: EligibilityOutcome,
    /// Version of the eligibility policy that screened it.
    pub policy_version: String,
    /// Why, in order of weight.
    pub reasons: Vec<EligibilityReason>,
    /// Where the screening points the referrer.
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
                    code: r.code.as_str().to_owned(),
                    detail: r.detail(),
                    areas: r.areas.iter().map(Into::into).collect(),
                })
                .collect(),
            pathway: d.pathway.into(),
        }
    }
}

/// Triage priority with the reasons behind its score.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
pub struct Priority {
    /// Triage priority band.
    pub band: PriorityBand,
    /// Priority score (higher is more urgent).
    pub score: u32,
    /// What raised the score.
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
    /// The screening decision.
    pub eligibility: Eligibility,
    /// The triage priority.
    pub priority: Priority,
}

/// A zone as a referral names it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ZoneRef {
    /// Zone id.
    pub id: Uuid,
    /// Zone code.
    pub code: String,
    /// Zone name.
    pub name: String,
}

/// A team as a referral names it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamRef {
    /// Team id.
    pub id: Uuid,
    /// Team name.
    pub name: String,
}

/// A worker as a referral names them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkerRef {
    /// Worker id.
    pub id: Uuid,
    /// The worker's name.
    pub name: String,
}

/// The referred child.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Child {
    /// Child id (one record per UPN).
    pub id: Uuid,
    /// Unique pupil number.
    pub upn: String,
    /// The child's given name.
    pub given_name: String,
    /// The child's family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// National curriculum year: N1, N2, R, 1-14 or X.
    pub year_group: String,
    /// SEN provision from the school census: N, K or E.
    pub sen_provision: String,
    /// SEN type of the primary need (census code), if any.
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
    /// Why the team declined.
    pub reason: String,
    /// Where the school or family was pointed instead.
    pub signposting: String,
}

/// How a referral was closed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClosureInfo {
    /// How the referral ended.
    pub outcome: ClosureOutcome,
    /// The closing note, if any.
    pub note: Option<String>,
    /// When it was closed.
    pub closed_at: DateTime<Utc>,
}

/// A referral.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Referral {
    /// Referral id.
    pub id: Uuid,
    /// Human-readable reference.
    #[schema(example = "SCT-2026-000123")]
    pub reference: String,
    /// Where the referral is in its lifecycle.
    pub status: ReferralStatus,
    /// URN of the referring school.
    pub school_urn: String,
    /// The MIS's own id, unique per school.
    pub external_reference: Option<String>,
    /// The zone it is routed to (the school's, or another after a redirect).
    pub zone: Option<ZoneRef>,
    /// The team it is routed to; null while it waits in the council's triage queue.
    pub team: Option<TeamRef>,
    /// Which queue it waits in.
    pub triage_queue: TriageQueue,
    /// Why it waits in the council's queue, if it does.
    pub triage_reason: Option<String>,
    /// The practitioner it is allocated to, if any.
    pub worker: Option<WorkerRef>,
    /// The referred child.
    pub child: Child,
    /// INDES levels, one per assessed area.
    pub indes: Vec<IndesLevel>,
    /// Complicating factors the school gave.
    pub complicating_factors: Vec<String>,
    /// Plans already in place.
    pub existing_plans: Vec<String>,
    /// The family's consent.
    pub consent: Consent,
    /// Why the school referred.
    pub reason: String,
    /// The screening decision (advice: the team manager decides).
    pub eligibility: Eligibility,
    /// Triage priority.
    pub priority: Priority,
    /// Why it was declined, when it was.
    pub decline: Option<DeclineInfo>,
    /// How it was closed, when it was.
    pub closure: Option<ClosureInfo>,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// When it was submitted.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
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
    /// Position in the history (increasing).
    pub id: i64,
    /// When the change happened.
    pub at: DateTime<Utc>,
    /// Subject of the actor's token.
    pub actor: String,
    /// The actor's role.
    pub actor_role: String,
    /// `submit` or the action taken.
    pub action: String,
    /// Status before the change (null for the submission).
    pub from_status: Option<String>,
    /// Status after the change.
    pub to_status: String,
    /// The reason or note given, if any.
    pub reason: Option<String>,
    /// Routing and allocation details.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// The x-request-id of the request that made the change.
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
    /// Every change, oldest first.
    pub items: Vec<HistoryEntry>,
}

/// Accept a referral (a note is required when screening said otherwise).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "Fits the team's SEMH offer"}))]
pub struct AcceptBody {
    /// Why the team accepts (required when screening advised otherwise).
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub note: Option<String>,
}

/// Decline a referral.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Needs are met by SEN Support", "signposting": "Ordinarily available provision guidance"}))]
pub struct DeclineBody {
    /// Why the team declines.
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
    /// The team to send the referral to.
    pub team_id: Uuid,
    /// Why it goes to that team.
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
    /// A note for the history.
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub note: Option<String>,
}

/// Close a referral.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "needs_met", "note": "Goals achieved", "final_ratings": [{"goal_id": "0192f1c2-3d4e-7f00-8000-000000000000", "rating": 8}]}))]
pub struct CloseBody {
    /// How the referral ends.
    pub outcome: ClosureOutcome,
    /// Required when the outcome is `other`.
    #[schema(max_length = 4000)]
    #[validate(length(max = 4000))]
    pub note: Option<String>,
    /// The final rating (0-10) of every current goal of the support plan,
    /// recorded as a final review. Required when the referral has a plan,
    /// unless the outcome is `moved_away` or `disengaged` (then optional).
    #[schema(max_items = 20)]
    #[validate(length(max = 20), nested)]
    pub final_ratings: Option<Vec<crate::delivery_dto::RatingInput>>,
}

/// An action that needs a reason (withdraw, reopen).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Family moved out of county"}))]
pub struct ReasonBody {
    /// Why (recorded in the history).
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub reason: String,
}

/// A page of referrals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferralPage {
    /// Referrals of this page.
    pub items: Vec<Referral>,
    /// Absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A zone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Zone {
    /// Zone id.
    pub id: Uuid,
    /// Zone code, unique.
    #[schema(example = "Z01")]
    pub code: String,
    /// Zone name.
    pub name: String,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
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
    /// Zones of this page.
    pub items: Vec<Zone>,
    /// Cursor of the next page; absent on the last page.
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
    /// Zone name.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
}

/// Changes to a zone.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Zone 16 (Thetford)"}))]
pub struct ZoneUpdate {
    /// New zone name.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
}

/// A team.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Team {
    /// Team id.
    pub id: Uuid,
    /// The zone the team serves.
    pub zone_id: Uuid,
    /// Team name.
    pub name: String,
    /// Referrals route to the team from this date; before it they wait in the council's queue.
    pub operational_from: NaiveDate,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
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
    /// Teams of this page.
    pub items: Vec<Team>,
    /// Cursor of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A new team for a zone (one team per zone).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"zone_id": "0192f1c2-3d4e-7f00-8000-000000000000", "name": "SCT Zone 16", "operational_from": "2027-01-04"}))]
pub struct NewTeam {
    /// The zone the team serves (one team per zone).
    pub zone_id: Uuid,
    /// Team name.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Referrals route to the team from this date.
    pub operational_from: NaiveDate,
}

/// Changes to a team.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "SCT Zone 16", "operational_from": "2027-01-04"}))]
pub struct TeamUpdate {
    /// Team name.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Referrals route to the team from this date.
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
    /// Worker id.
    pub id: Uuid,
    /// The team the worker belongs to.
    pub team_id: Uuid,
    /// The identity provider's subject of the worker's tokens.
    pub subject: String,
    /// The worker's name.
    pub name: String,
    /// Practitioner or team manager.
    pub job_role: JobRole,
    /// The most referrals the worker may carry (allocated or active).
    pub caseload_cap: i32,
    /// Referrals allocated or active now.
    pub caseload: i64,
    /// Whether the worker takes new work.
    pub active: bool,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
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
    /// Workers of this page.
    pub items: Vec<Worker>,
    /// Cursor of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A new worker.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"subject": "worker-z01-5", "name": "Alex Practitioner", "job_role": "practitioner", "caseload_cap": 15}))]
pub struct NewWorker {
    /// The identity provider's subject (`sub`) of the worker's tokens, unique.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub subject: String,
    /// The worker's name.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Practitioner or team manager.
    pub job_role: JobRole,
    /// The most referrals the worker may carry (allocated or active).
    #[schema(minimum = 0, maximum = 200)]
    #[validate(range(min = 0, max = 200))]
    pub caseload_cap: i32,
}

/// Changes to a worker.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Alex Practitioner", "caseload_cap": 12, "active": true}))]
pub struct WorkerUpdate {
    /// The worker's name.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// The most referrals the worker may carry (allocated or active).
    #[schema(minimum = 0, maximum = 200)]
    #[validate(range(min = 0, max = 200))]
    pub caseload_cap: i32,
    /// Whether the worker takes new work.
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
    /// Unique reference number (DfE), 6 digits.
    #[schema(example = "121234")]
    pub urn: String,
    /// Establishment name.
    pub name: String,
    /// Local authority code (3 digits).
    pub la_code: Option<String>,
    /// Establishment number within the LA (4 digits).
    pub establishment_number: Option<String>,
    /// Phase of education, as GIAS names it.
    pub phase: Option<String>,
    /// Establishment status (GIAS).
    pub status: SchoolStatus,
    /// Postcode.
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
    /// Name of the district (GIAS `DistrictAdministrative (name)`).
    pub district_name: Option<String>,
    /// From GIAS `NumberOfPupils`.
    pub pupil_count: Option<i32>,
    /// From GIAS `OpenDate`.
    pub open_date: Option<NaiveDate>,
    /// From GIAS `CloseDate`.
    pub close_date: Option<NaiveDate>,
    /// Set when the newest GIAS extract of the school's LA no longer lists it.
    pub missing_from_extract_at: Option<DateTime<Utc>>,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
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
    /// Schools of this page.
    pub items: Vec<School>,
    /// Cursor of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A new school.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"urn": "121234", "name": "Example Primary School", "la_code": "926", "establishment_number": "2001", "phase": "Primary", "postcode": "NR1 1AA"}))]
pub struct NewSchool {
    /// Unique reference number (DfE), 6 digits.
    #[schema(pattern = "^[0-9]{6}$")]
    pub urn: String,
    /// Establishment name.
    #[schema(min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300))]
    pub name: String,
    /// Local authority code (3 digits).
    #[schema(pattern = "^[0-9]{3}$")]
    pub la_code: Option<String>,
    /// Establishment number within the LA (4 digits).
    #[schema(pattern = "^[0-9]{4}$")]
    pub establishment_number: Option<String>,
    /// Phase of education, as GIAS names it.
    #[schema(max_length = 100)]
    #[validate(length(max = 100))]
    pub phase: Option<String>,
    /// Establishment status (GIAS); default open.
    pub status: Option<SchoolStatus>,
    /// Postcode.
    #[schema(max_length = 10)]
    #[validate(length(max = 10))]
    pub postcode: Option<String>,
    /// The zone whose team serves the school, if known.
    pub zone_id: Option<Uuid>,
}

/// Moves a school to a zone (null: no zone; its referrals wait for the council).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"zone_id": "0192f1c2-3d4e-7f00-8000-000000000000"}))]
pub struct SchoolZone {
    /// The new zone, or null for none.
    pub zone_id: Option<Uuid>,
}

/// Liveness or readiness.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when live or ready.
    #[schema(example = "ok")]
    pub status: String,
}

/// Registers an integration client (an MIS vendor's connection) for schools.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Example MIS for Example Primary", "schools": ["121234"]}))]
pub struct NewIntegrationClient {
    /// A name the council recognises, e.g. the vendor and the schools.
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
    /// URNs of registered schools the client may act for.
    #[schema(min_items = 1, max_items = 500)]
    #[validate(length(min = 1, max = 500))]
    pub schools: Vec<String>,
}

/// An integration client. Its secret is never shown again after it is issued.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntegrationClient {
    /// The client's `client_id`.
    pub id: Uuid,
    /// The client's name.
    pub name: String,
    /// URNs of the schools the client may act for.
    pub schools: Vec<String>,
    /// Until when the secret replaced by the last rotation still works.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// Set once the client is revoked: its secrets and tokens no longer work.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// When the client was registered.
    pub created_at: DateTime<Utc>,
    /// When the client last changed.
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
    /// The `client_id` for `POST /oauth/token`.
    pub client_id: Uuid,
    /// 32 random bytes, base64url without padding. Store it now: only its
    /// Argon2id hash is kept.
    pub client_secret: String,
    /// The client as registered.
    pub client: IntegrationClient,
}

/// A page of integration clients.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntegrationClientPage {
    /// The clients on this page.
    pub items: Vec<IntegrationClient>,
    /// Cursor of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The client credentials grant's form (RFC 6749 section 4.4.2), sent as
/// `application/x-www-form-urlencoded`. Authenticate with HTTP Basic or with
/// `client_id` and `client_secret` here, not both.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(example = json!({"grant_type": "client_credentials", "client_id": "0192f1c2-3d4e-7f00-8000-000000000000", "client_secret": "the-secret-shown-once"}))]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    #[schema(example = "client_credentials")]
    pub grant_type: String,
    /// Ignored: a client's token always carries all its schools.
    pub scope: Option<String>,
    /// The client id, when not sent with HTTP Basic.
    pub client_id: Option<String>,
    /// The client secret, when not sent with HTTP Basic.
    pub client_secret: Option<String>,
}

/// An access token (RFC 6749 section 5.1).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT with role `integration` and the client's schools.
    pub access_token: String,
    /// Always `Bearer`.
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
    /// For humans; do not parse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// One row of the audit trail: who did what to which subject, when, with
/// what outcome. Identifiers only, never personal data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEvent {
    /// Position in the trail (increasing).
    pub id: i64,
    /// When it was recorded.
    pub occurred_at: DateTime<Utc>,
    /// The x-request-id of the request (or of a `sct retention` run).
    pub request_id: Option<String>,
    /// Subject (`sub`) of the actor's token; `sct-retention` for the retention job.
    #[schema(example = "z01-manager")]
    pub actor: String,
    /// The actor's role: la_admin, team_manager, practitioner, school, integration or system.
    #[schema(example = "team_manager")]
    pub actor_role: String,
    /// The integration client, for tokens from `POST /oauth/token`.
    pub client_id: Option<String>,
    /// The operation id (e.g. `accept_referral`), `retention_anonymise` or `erase_child`.
    #[schema(example = "get_referral")]
    pub action: String,
    /// HTTP method of the request (absent for the retention job).
    pub method: Option<String>,
    /// Route pattern of the request, e.g. `/api/v1/referrals/{id}`.
    pub route: Option<String>,
    /// What kind of record the subject is: `referral`, `child`, `team`, `school`, ...
    #[schema(example = "referral")]
    pub subject_type: Option<String>,
    /// Id (or URN) of the subject.
    pub subject_id: Option<String>,
    /// The HTTP status answered.
    #[schema(example = 200)]
    pub outcome: i16,
    /// Identifiers and counts the action recorded (an erasure's override and justification).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl From<sct_persistence::audit::AuditEventRow> for AuditEvent {
    fn from(r: sct_persistence::audit::AuditEventRow) -> Self {
        Self {
            id: r.id,
            occurred_at: r.occurred_at,
            request_id: r.request_id,
            actor: r.actor,
            actor_role: r.actor_role,
            client_id: r.client_id,
            action: r.action,
            method: r.method,
            route: r.route,
            subject_type: r.subject_type,
            subject_id: r.subject_id,
            outcome: r.outcome,
            details: r.details,
        }
    }
}

/// A page of the audit trail.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEventPage {
    /// Rows of this page, oldest first.
    pub items: Vec<AuditEvent>,
    /// Absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A referral with its history, in a subject access bundle.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportedReferral {
    /// The referral as the API shows it.
    pub referral: Referral,
    /// Every change of the referral, oldest first.
    pub history: Vec<HistoryEntry>,
}

/// Everything held about a child: a subject access bundle.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChildExport {
    /// When the bundle was made.
    pub generated_at: DateTime<Utc>,
    /// The child's record.
    pub child: Child,
    /// When the child's personal data was anonymised (retention or erasure), if it was.
    pub anonymised_at: Option<DateTime<Utc>>,
    /// Every referral of the child, with its history.
    pub referrals: Vec<ExportedReferral>,
    /// Who accessed or changed the child's data: every audit row about the child or any of their referrals, oldest first.
    pub access: Vec<AuditEvent>,
}

/// An erasure request.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"override": true, "justification": "Court order 2026/123 requires erasure despite the retention period"}))]
pub struct ErasureBody {
    /// Erase although a legal retention applies (an open referral, or one
    /// that ended less than the retention period ago). Needs a justification.
    #[serde(default, rename = "override")]
    #[schema(default = false)]
    pub override_retention: bool,
    /// Why the retention is overridden; recorded in the audit trail.
    #[schema(min_length = 10, max_length = 2000)]
    #[validate(length(min = 10, max = 2000))]
    pub justification: Option<String>,
}

/// What an erasure did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErasureResult {
    /// The child.
    pub child_id: Uuid,
    /// When the personal data was anonymised.
    pub anonymised_at: DateTime<Utc>,
    /// How many of the child's referrals had their free text anonymised.
    pub referrals_anonymised: usize,
    /// Whether a legal retention was overridden.
    #[serde(rename = "override")]
    pub override_retention: bool,
}

/// A webhook event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum WebhookEventType {
    /// A referral was submitted.
    #[serde(rename = "referral.submitted")]
    ReferralSubmitted,
    /// A referral's status changed (every change, including to allocated and closed).
    #[serde(rename = "referral.status_changed")]
    ReferralStatusChanged,
    /// A referral was allocated or reallocated to a worker.
    #[serde(rename = "referral.allocated")]
    ReferralAllocated,
    /// A referral was closed with an outcome.
    #[serde(rename = "referral.closed")]
    ReferralClosed,
    /// A termly conversation was booked (or its date moved).
    #[serde(rename = "termly_conversation.scheduled")]
    TermlyConversationScheduled,
    /// A consultation was recorded for a school.
    #[serde(rename = "consultation.recorded")]
    ConsultationRecorded,
}

impl From<WebhookEventType> for domain::EventType {
    fn from(v: WebhookEventType) -> Self {
        match v {
            WebhookEventType::ReferralSubmitted => Self::ReferralSubmitted,
            WebhookEventType::ReferralStatusChanged => Self::ReferralStatusChanged,
            WebhookEventType::ReferralAllocated => Self::ReferralAllocated,
            WebhookEventType::ReferralClosed => Self::ReferralClosed,
            WebhookEventType::TermlyConversationScheduled => Self::TermlyConversationScheduled,
            WebhookEventType::ConsultationRecorded => Self::ConsultationRecorded,
        }
    }
}

impl From<domain::EventType> for WebhookEventType {
    fn from(v: domain::EventType) -> Self {
        match v {
            domain::EventType::ReferralSubmitted => Self::ReferralSubmitted,
            domain::EventType::ReferralStatusChanged => Self::ReferralStatusChanged,
            domain::EventType::ReferralAllocated => Self::ReferralAllocated,
            domain::EventType::ReferralClosed => Self::ReferralClosed,
            domain::EventType::TermlyConversationScheduled => Self::TermlyConversationScheduled,
            domain::EventType::ConsultationRecorded => Self::ConsultationRecorded,
        }
    }
}

/// A new webhook subscription.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://mis.example/hooks/sct", "events": ["referral.submitted", "referral.status_changed"]}))]
pub struct NewWebhookSubscription {
    /// Where to POST events: http or https, resolving only to public
    /// addresses (loopback is allowed in development).
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "https://mis.example/hooks/sct"
    )]
    #[validate(length(min = 1, max = 2000))]
    pub url: String,
    /// The event types to receive (at least one).
    #[schema(min_items = 1, max_items = 20)]
    #[validate(length(min = 1, max = 20))]
    pub events: Vec<WebhookEventType>,
}

/// A webhook subscription's new settings (all replaced).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://mis.example/hooks/sct", "events": ["referral.status_changed"], "active": true}))]
pub struct WebhookSubscriptionUpdate {
    /// Where to POST events (same rules as on creation).
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "https://mis.example/hooks/sct"
    )]
    #[validate(length(min = 1, max = 2000))]
    pub url: String,
    /// The event types to receive (at least one).
    #[schema(min_items = 1, max_items = 20)]
    #[validate(length(min = 1, max = 20))]
    pub events: Vec<WebhookEventType>,
    /// `false` pauses deliveries; `true` re-enables a subscription the
    /// platform disabled after repeated failures (its failure count restarts).
    pub active: bool,
}

/// A webhook subscription.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookSubscription {
    /// The subscription's id.
    pub id: Uuid,
    /// The integration client that owns it; absent for a council subscription.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<Uuid>,
    /// Where events are POSTed.
    pub url: String,
    /// The event types it receives.
    pub events: Vec<WebhookEventType>,
    /// Whether deliveries are made.
    pub active: bool,
    /// When it was disabled (by its owner, or after repeated failures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<DateTime<Utc>>,
    /// Why it was disabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    /// Failed attempts since the last success.
    pub consecutive_failures: i32,
    /// The signing secret (`whsec_` + base64 key): present only in the
    /// answer to creation. Store it then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<sct_persistence::webhooks::SubscriptionRow> for WebhookSubscription {
    fn from(s: sct_persistence::webhooks::SubscriptionRow) -> Self {
        Self {
            id: s.id,
            client_id: s.client_id,
            url: s.url,
            events: s
                .events
                .iter()
                .filter_map(|e| domain::EventType::parse(e))
                .map(WebhookEventType::from)
                .collect(),
            active: s.active,
            disabled_at: s.disabled_at,
            disabled_reason: s.disabled_reason,
            consecutive_failures: s.consecutive_failures,
            secret: None,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A page of webhook subscriptions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookSubscriptionPage {
    /// The subscriptions on this page.
    pub items: Vec<WebhookSubscription>,
    /// Cursor of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (or for an earlier event of the same referral).
    Pending,
    /// A 2xx answer was received.
    Succeeded,
    /// Every attempt failed; replay it to try again.
    Failed,
    /// Not sent: the subscription's client may no longer act for the school.
    Cancelled,
}

/// One attempt to deliver an event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookAttempt {
    /// When it was made.
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status, if it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i32>,
    /// What went wrong, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: i32,
    /// Whether it succeeded (a 2xx answer).
    pub succeeded: bool,
}

/// The delivery of one event to one subscription, with every attempt.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookDelivery {
    /// The delivery's id, sent as `webhook-id` (the same on every retry and replay).
    pub id: Uuid,
    /// The outbox event delivered.
    pub event_id: Uuid,
    /// Its type.
    pub event_type: String,
    /// The referral (or other object) the event is about.
    pub subject_id: Uuid,
    /// Where the delivery stands.
    pub status: DeliveryStatus,
    /// Attempts counted against the retry budget since the last replay.
    pub attempts: i32,
    /// When the next attempt is due (pending deliveries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// HTTP status of the last attempt, if the receiver answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_status_code: Option<i32>,
    /// Error of the last attempt, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When the delivery was created.
    pub created_at: DateTime<Utc>,
    /// Every attempt, oldest first.
    pub attempt_log: Vec<WebhookAttempt>,
}

impl From<sct_persistence::webhooks::DeliveryView> for WebhookDelivery {
    fn from(v: sct_persistence::webhooks::DeliveryView) -> Self {
        let d = v.delivery;
        let status = match d.status.as_str() {
            "succeeded" => DeliveryStatus::Succeeded,
            "failed" => DeliveryStatus::Failed,
            "cancelled" => DeliveryStatus::Cancelled,
            _ => DeliveryStatus::Pending,
        };
        Self {
            id: d.id,
            event_id: d.event_id,
            event_type: v.event_type,
            subject_id: d.subject_id,
            status,
            attempts: d.attempts,
            next_attempt_at: (status == DeliveryStatus::Pending).then_some(d.next_attempt_at),
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            created_at: d.created_at,
            attempt_log: v
                .attempts
                .into_iter()
                .map(|a| WebhookAttempt {
                    attempted_at: a.attempted_at,
                    status_code: a.status_code,
                    error: a.error,
                    duration_ms: a.duration_ms,
                    succeeded: a.succeeded,
                })
                .collect(),
        }
    }
}

/// A page of deliveries, in event order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookDeliveryPage {
    /// The deliveries on this page.
    pub items: Vec<WebhookDelivery>,
    /// Cursor of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Where a UPN conflict stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConflictStatus {
    /// Waiting for an la_admin.
    Open,
    /// Resolved.
    Resolved,
}

/// How a UPN conflict is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConflictResolution {
    /// The recorded details stand (the referral's details were wrong).
    KeepRecorded,
    /// The referral's name and date of birth replace the recorded ones (with history).
    UseSubmitted,
}

/// A referral that named a known UPN with another date of birth: it was
/// linked to the recorded child, not merged, and waits for review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChildConflict {
    /// The conflict's id.
    pub id: Uuid,
    /// The recorded child.
    pub child_id: Uuid,
    /// The UPN both share.
    pub upn: String,
    /// The referral that brought the other date of birth.
    pub referral_id: Uuid,
    /// Open or resolved.
    pub status: ConflictStatus,
    /// The date of birth on record.
    pub recorded_date_of_birth: NaiveDate,
    /// The given name the referral sent.
    pub submitted_given_name: String,
    /// The family name the referral sent.
    pub submitted_family_name: String,
    /// The date of birth the referral sent.
    pub submitted_date_of_birth: NaiveDate,
    /// How it was resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<ConflictResolution>,
    /// The reviewer's note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution_note: Option<String>,
    /// Who resolved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_by: Option<String>,
    /// When it was resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// When it was flagged.
    pub created_at: DateTime<Utc>,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
}

impl From<sct_persistence::children::ConflictView> for ChildConflict {
    fn from((c, upn): sct_persistence::children::ConflictView) -> Self {
        Self {
            id: c.id,
            child_id: c.child_id,
            upn,
            referral_id: c.referral_id,
            status: if c.status == "open" {
                ConflictStatus::Open
            } else {
                ConflictStatus::Resolved
            },
            recorded_date_of_birth: c.recorded_date_of_birth,
            submitted_given_name: c.submitted_given_name,
            submitted_family_name: c.submitted_family_name,
            submitted_date_of_birth: c.submitted_date_of_birth,
            resolution: c.resolution.as_deref().map(|r| {
                if r == "use_submitted" {
                    ConflictResolution::UseSubmitted
                } else {
                    ConflictResolution::KeepRecorded
                }
            }),
            resolution_note: c.resolution_note,
            resolved_by: c.resolved_by,
            resolved_at: c.resolved_at,
            created_at: c.created_at,
            version: c.version,
        }
    }
}

/// A page of UPN conflicts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChildConflictPage {
    /// The conflicts on this page.
    pub items: Vec<ChildConflict>,
    /// Cursor of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The decision on a UPN conflict.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"resolution": "keep_recorded", "note": "Checked with the school: the referral had a typing error"}))]
pub struct ResolveChildConflict {
    /// Keep the recorded details, or take the referral's.
    pub resolution: ConflictResolution,
    /// Why (optional, at most 2000 characters).
    #[schema(max_length = 2000)]
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

/// A change to a child's record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChildHistoryEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (the token subject of the referrer or reviewer).
    pub actor: String,
    /// The referral whose details brought the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referral_id: Option<Uuid>,
    /// Every changed field: `{field: {from, to}}`.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
}

/// Query of the conflict list.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConflictQuery {
    /// Only conflicts with this status.
    pub status: Option<ConflictStatus>,
    /// Items per page (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor`.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}
