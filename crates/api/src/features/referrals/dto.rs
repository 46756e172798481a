//! Request and response bodies of referrals: the submission, the referral as
//! read, its history and the bodies of its actions.

use crate::features::follow_ups::dto::Escalation;
use crate::features::referrals::indes::movement;
pub use crate::features::referrals::indes::IndesArea;
pub use crate::features::referrals::indes::LevelMovement;
use crate::http::paging::list_page;
use crate::http::wire::wire_enum;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use sct_domain as domain;
use sct_domain::WireName;
use sct_persistence::referrals::ReferralView;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

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
    /// Where screening points the referrer. `specialist_assessment` (of
    /// `above_threshold`) means: discuss the child with the council's SEND
    /// team; it is not a request for an EHC needs assessment. How each
    /// pathway reads is the policy's `pathways` (`/eligibility/policy`).
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

crate::http::wire::named_enum! {
    /// Who gave consent for the referral.
    pub enum ConsentGiver {
        ParentCarer,
        YoungPerson,
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
    /// URN of the referring school (one of the caller's schools): a 6-digit
    /// URN, or for a setting beyond GIAS (an early-years setting, a
    /// childminder) its Ofsted registration number `EY123456` or local id
    /// `LA-…`.
    #[schema(
        pattern = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$",
        example = "121234"
    )]
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
    /// The family the referral belongs to (staff: a family of their zone; a
    /// school: the family of one of its own referrals); the child joins it.
    pub family_id: Option<Uuid>,
    /// Where the referral came from: the school (default, and the only one
    /// for schools and MIS clients), or a practitioner on behalf of a family.
    #[validate(nested)]
    pub source: Option<crate::features::referrals::source::ReferralSource>,
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

/// The stable machine code of a screening reason.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ReasonCode {
    NoIndesLevels,
    AboveBand,
    InBand,
    ComplicatingFactorsLift,
    BelowBand,
    EhcPlanInPlace,
    EhcPlanNoted,
}

/// One reason behind a screening decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
pub struct EligibilityReason {
    /// Stable machine code, e.g. `in_band`.
    #[schema(value_type = ReasonCode)]
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

/// The referred child. Staff see the LA's record of the child (changed only
/// by staff); a school or MIS client sees the child as its own referral
/// described them, never details another school sent.
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
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub primary_need: Option<String>,
}

/// The child as the referrer submitted them on this referral (staff only:
/// it may differ from the LA's record, which a submission never changes).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubmittedChild {
    /// Unique pupil number as submitted.
    pub upn: String,
    /// Given name as submitted.
    pub given_name: String,
    /// Family name as submitted.
    pub family_name: String,
    /// Date of birth as submitted.
    pub date_of_birth: NaiveDate,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub note: Option<String>,
    /// When it was closed.
    pub closed_at: DateTime<Utc>,
    /// The escalation outcomes recorded at closure, wherever the referral is
    /// shown (its read, list pages and delta sync, the closure's answer);
    /// absent when none was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub escalation: Option<Escalation>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub external_reference: Option<String>,
    /// The zone it is routed to (the school's, or another after a redirect).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub zone: Option<ZoneRef>,
    /// The team it is routed to; absent while it waits in the council's triage queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub team: Option<TeamRef>,
    /// Which queue it waits in.
    pub triage_queue: TriageQueue,
    /// Why it waits in the council's queue, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub triage_reason: Option<String>,
    /// The practitioner it is allocated to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub worker: Option<WorkerRef>,
    /// Workers of the team who co-work it beside the allocated practitioner
    /// (added and removed by a team manager), in the order they were added.
    pub co_workers: Vec<WorkerRef>,
    /// The referred child: for staff the LA's record, for a school or MIS
    /// client the child as this referral submitted them.
    pub child: Child,
    /// Staff only (absent for schools and MIS clients): the child as this
    /// referral submitted them, when the reader sees the LA's record.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub submitted_child: Option<SubmittedChild>,
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
    /// The family the referral belongs to, if linked.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub family_id: Option<Uuid>,
    /// Where the referral came from.
    pub source: crate::features::referrals::source::ReferralSource,
    /// The screening decision (advice: the team manager decides).
    pub eligibility: Eligibility,
    /// The screening the referral was submitted with: differs from
    /// `eligibility` when a correction screened it again.
    pub submitted_eligibility: Eligibility,
    /// Each area's level at intake against its latest reassessment (at a
    /// review or at closure).
    pub indes_movement: Vec<LevelMovement>,
    /// Triage priority.
    pub priority: Priority,
    /// While it is active: when the plan's next review falls due (six weeks
    /// after work started or the last review; moving it does not change
    /// the version).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub review_due_on: Option<NaiveDate>,
    /// Why it was declined, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub decline: Option<DeclineInfo>,
    /// How it was closed, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub closure: Option<ClosureInfo>,
    /// The referral of the same child (the LA's record) closed within 12
    /// months before this one was submitted: this one re-refers the child.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub re_referral_of: Option<Uuid>,
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
            co_workers: v
                .co_workers
                .iter()
                .map(|w| WorkerRef {
                    id: w.id,
                    name: w.name.clone(),
                })
                .collect(),
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
            submitted_child: v.child_is_record.then(|| SubmittedChild {
                upn: r.submitted_upn.clone(),
                given_name: r.submitted_given_name.clone(),
                family_name: r.submitted_family_name.clone(),
                date_of_birth: r.submitted_date_of_birth,
            }),
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
            family_id: r.family_id,
            source: crate::features::referrals::source::ReferralSource::stored(
                &r.source_type,
                r.source_organisation.as_deref(),
            ),
            submitted_eligibility: r
                .submitted_eligibility
                .clone()
                .and_then(|e| serde_json::from_value(e).ok())
                .unwrap_or_else(|| eligibility.clone()),
            indes_movement: movement(v),
            eligibility,
            review_due_on: r.review_due_on,
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
                    escalation: v.closure_escalation.as_ref().map(Escalation::from),
                }),
                _ => None,
            },
            re_referral_of: r.re_referral_of,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

list_page! {
    /// A page of referrals.
    ReferralPage {
        /// Referrals of this page.
        items: Referral
    }
}

/// A goal's rating as given.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct RatingInput {
    /// A current goal of the plan rated (the referral's support plan, or
    /// the family's plan).
    pub goal_id: Uuid,
    /// The rating on the 0-10 goal-based-outcome scale.
    #[schema(minimum = 0, maximum = 10, example = 6)]
    #[validate(range(min = 0, max = 10))]
    pub rating: i64,
}
