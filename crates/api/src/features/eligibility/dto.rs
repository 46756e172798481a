//! The wire shapes of the eligibility policy: the policy as data, its
//! versions with their standing, a draft as sent, and a simulation's
//! answer. Uses the referrals feature's wire enums (outcomes, factors).

use crate::features::referrals::dto::ComplicatingFactor;
use crate::features::referrals::dto::EligibilityOutcome;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use sct_domain as domain;
use sct_domain::policy_versions::PolicyStatus as DomainStatus;
use sct_persistence::policy::PolicyRecord;
use serde::Deserialize;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use validator::Validate;

/// The eligibility policy in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyDocument {
    /// The policy as data: scale, band, EHC plan rule, factor lift, priority weights, reopen window, texts.
    pub policy: PolicyData,
}

/// An eligibility policy version as data (docs/adr/0005-indes-policy-as-data.md).
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyData {
    /// Version label, e.g. `2026.1`; stored with every decision.
    pub version: String,
    /// What the version is called.
    pub name: String,
    /// What the version rests on and what is the council's to decide.
    pub description: String,
    /// The INDES scale: every level given must lie on it.
    pub scale: PolicyScale,
    /// The band of INDES levels the teams serve.
    pub band: PolicyBand,
    /// How an EHC plan counts in screening.
    pub ehc_plan: EhcPlanRule,
    /// How complicating factors lift a profile just under the band.
    pub factor_lift: PolicyFactorLift,
    /// Weights of the triage priority score.
    pub priority: PolicyPriority,
    /// Days after closure during which a referral may be reopened.
    pub reopen_window_days: u32,
    /// How each outcome's pathway reads to the referrer.
    pub pathways: PolicyPathways,
}

/// The INDES scale of a policy.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyScale {
    /// Lowest level ("typically developing").
    #[schema(maximum = 20)]
    pub min: u8,
    /// Highest level ("complex"), at most 20.
    #[schema(maximum = 20)]
    pub max: u8,
}

/// The band of INDES levels the teams serve (inclusive); it must lie on the scale.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyBand {
    /// Lowest level in the band.
    #[schema(maximum = 20)]
    pub low: u8,
    /// Highest level in the band.
    #[schema(maximum = 20)]
    pub high: u8,
}

/// How an EHC plan counts in screening.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EhcPlanRule {
    /// Recorded as a reason, outcome unchanged.
    NoEffect,
    /// Signposted to the plan's statutory review (above threshold for early help).
    AboveThreshold,
}

/// How complicating factors lift a profile just under the band.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyFactorLift {
    /// How many distinct complicating factors it takes.
    pub min_factors: u8,
    /// How many levels under the band's low end a profile may sit and still
    /// be lifted into it (0 disables the lift; not below the scale's minimum).
    #[schema(maximum = 20)]
    pub levels_below_band: u8,
}

/// Weights of the triage priority score (each at most 10000).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyPriority {
    /// Points per level of the highest area above the scale's minimum.
    #[schema(maximum = 10000)]
    pub per_level_of_highest: u32,
    /// Points for each further area inside the band.
    #[schema(maximum = 10000)]
    pub per_further_area_in_band: u32,
    /// Points for each complicating factor, by factor (a factor left out counts 0).
    pub factors: BTreeMap<ComplicatingFactor, u32>,
    /// Score from which a referral is `high` priority.
    #[schema(maximum = 10000)]
    pub high_from: u32,
    /// Score from which a referral is `urgent` (not below `high_from`).
    #[schema(maximum = 10000)]
    pub urgent_from: u32,
}

/// How each outcome's pathway reads to the referrer (1 to 500 characters each).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PolicyPathways {
    /// For `eligible`.
    #[schema(min_length = 1, max_length = 500)]
    #[validate(length(min = 1, max = 500))]
    pub eligible: String,
    /// For `below_threshold`.
    #[schema(min_length = 1, max_length = 500)]
    #[validate(length(min = 1, max = 500))]
    pub below_threshold: String,
    /// For `above_threshold` (by default: discuss with the SEND team).
    #[schema(min_length = 1, max_length = 500)]
    #[validate(length(min = 1, max = 500))]
    pub above_threshold: String,
    /// For `insufficient_information`.
    #[schema(min_length = 1, max_length = 500)]
    #[validate(length(min = 1, max = 500))]
    pub insufficient_information: String,
}

impl From<&domain::PathwayTexts> for PolicyPathways {
    fn from(t: &domain::PathwayTexts) -> Self {
        Self {
            eligible: t.eligible.clone(),
            below_threshold: t.below_threshold.clone(),
            above_threshold: t.above_threshold.clone(),
            insufficient_information: t.insufficient_information.clone(),
        }
    }
}

impl From<&domain::Policy> for PolicyData {
    fn from(p: &domain::Policy) -> Self {
        Self {
            version: p.version.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            scale: PolicyScale {
                min: p.scale.min,
                max: p.scale.max,
            },
            band: PolicyBand {
                low: p.band.low,
                high: p.band.high,
            },
            ehc_plan: match p.ehc_plan {
                domain::EhcPlanRule::NoEffect => EhcPlanRule::NoEffect,
                domain::EhcPlanRule::AboveThreshold => EhcPlanRule::AboveThreshold,
            },
            factor_lift: PolicyFactorLift {
                min_factors: p.factor_lift.min_factors,
                levels_below_band: p.factor_lift.levels_below_band,
            },
            priority: PolicyPriority {
                per_level_of_highest: p.priority.per_level_of_highest,
                per_further_area_in_band: p.priority.per_further_area_in_band,
                factors: p
                    .priority
                    .factors
                    .iter()
                    .map(|(f, w)| (ComplicatingFactor::from(*f), *w))
                    .collect(),
                high_from: p.priority.high_from,
                urgent_from: p.priority.urgent_from,
            },
            reopen_window_days: p.reopen_window_days,
            pathways: PolicyPathways::from(&p.pathways),
        }
    }
}

/// A draft version as sent: the whole policy and the day it would take effect.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "version": "2027.1",
    "name": "Within level 3 (test and learn)",
    "description": "The council's later wording: the teams serve children within INDES level 3. Level 4 is discussed with the SEND team.",
    "scale": {"min": 1, "max": 5},
    "band": {"low": 3, "high": 3},
    "ehc_plan": "no_effect",
    "factor_lift": {"min_factors": 2, "levels_below_band": 1},
    "priority": {"per_level_of_highest": 10, "per_further_area_in_band": 5, "factors": {"risk_of_exclusion": 12, "attendance": 8}, "high_from": 40, "urgent_from": 55},
    "reopen_window_days": 90,
    "effective_from": "2027-01-04"
}))]
pub struct PolicyDraft {
    /// Version label: 1 to 32 letters, digits, dots, dashes or underscores;
    /// unique. A change (`PUT`) must name the version of its path.
    #[schema(pattern = "^[A-Za-z0-9\\._-]{1,32}$")]
    pub version: String,
    /// What the version is called.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// What the version rests on and what is the council's to decide.
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub description: String,
    /// The INDES scale (at most 0 to 20).
    pub scale: PolicyScale,
    /// The band of INDES levels the teams serve: on the scale, low <= high.
    pub band: PolicyBand,
    /// How an EHC plan counts in screening.
    pub ehc_plan: EhcPlanRule,
    /// How complicating factors lift a profile just under the band.
    pub factor_lift: PolicyFactorLift,
    /// Weights of the triage priority score.
    pub priority: PolicyPriority,
    /// Days after closure during which a referral may be reopened.
    #[schema(maximum = 3650)]
    pub reopen_window_days: u32,
    /// How each outcome's pathway reads; left out, the default words
    /// (`above_threshold`: discuss with the SEND team).
    #[validate(nested)]
    pub pathways: Option<PolicyPathways>,
    /// The day (UTC) it takes effect once published; publishing needs it
    /// to be today or later.
    pub effective_from: NaiveDate,
}

impl PolicyDraft {
    /// The domain's policy (not yet validated).
    pub fn to_domain(&self) -> domain::Policy {
        domain::Policy {
            version: self.version.clone(),
            scale: domain::IndesScale {
                min: self.scale.min,
                max: self.scale.max,
            },
            band: domain::Band {
                low: self.band.low,
                high: self.band.high,
            },
            ehc_plan: match self.ehc_plan {
                EhcPlanRule::NoEffect => domain::EhcPlanRule::NoEffect,
                EhcPlanRule::AboveThreshold => domain::EhcPlanRule::AboveThreshold,
            },
            factor_lift: domain::FactorLift {
                min_factors: self.factor_lift.min_factors,
                levels_below_band: self.factor_lift.levels_below_band,
            },
            priority: domain::PriorityWeights {
                per_level_of_highest: self.priority.per_level_of_highest,
                per_further_area_in_band: self.priority.per_further_area_in_band,
                factors: self
                    .priority
                    .factors
                    .iter()
                    .map(|(f, w)| ((*f).into(), *w))
                    .collect(),
                high_from: self.priority.high_from,
                urgent_from: self.priority.urgent_from,
            },
            reopen_window_days: self.reopen_window_days,
            name: self.name.clone(),
            description: self.description.clone(),
            pathways: self
                .pathways
                .as_ref()
                .map_or_else(domain::PathwayTexts::default, |p| domain::PathwayTexts {
                    eligible: p.eligible.clone(),
                    below_threshold: p.below_threshold.clone(),
                    above_threshold: p.above_threshold.clone(),
                    insufficient_information: p.insufficient_information.clone(),
                }),
        }
    }
}

/// Where a version stands today.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PolicyStatus {
    /// Not published: it may change and screens nothing.
    Draft,
    /// Published, taking effect on a day still to come.
    Published,
    /// The version that screens referrals today.
    InForce,
    /// Published, and no longer (or never) in force: a later one took over.
    Superseded,
}

impl From<DomainStatus> for PolicyStatus {
    fn from(s: DomainStatus) -> Self {
        match s {
            DomainStatus::Draft => Self::Draft,
            DomainStatus::Published => Self::Published,
            DomainStatus::InForce => Self::InForce,
            DomainStatus::Superseded => Self::Superseded,
        }
    }
}

/// A policy version with its standing.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyVersion {
    /// Version label.
    #[schema(example = "2027.1")]
    pub version: String,
    /// Where it stands today.
    pub status: PolicyStatus,
    /// The day (UTC) it takes effect (once published).
    pub effective_from: NaiveDate,
    /// When it was published; absent for a draft.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub published_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Increases with every change; the ETag is `"v{revision}"`.
    pub revision: i32,
    /// The policy itself.
    pub policy: PolicyData,
}

impl PolicyVersion {
    /// The wire shape of a stored version with its status.
    pub fn of(r: &PolicyRecord, status: DomainStatus) -> Self {
        Self {
            version: r.policy.version.clone(),
            status: status.into(),
            effective_from: r.effective_from,
            published_at: r.published_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            revision: r.revision,
            policy: PolicyData::from(&r.policy),
        }
    }
}

/// Every policy version, newest first (a handful: one page).
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyVersionList {
    /// The versions.
    pub items: Vec<PolicyVersion>,
}

/// The period of a simulation: referrals submitted on these days (UTC).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"from": "2026-01-01", "to": "2026-12-31"}))]
pub struct SimulationPeriod {
    /// First day.
    pub from: NaiveDate,
    /// Last day (not before `from`, at most 3 years after it).
    pub to: NaiveDate,
}

/// How many referrals screened one outcome the version screens another.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeMove {
    /// The outcome they were screened with (by the version that screened each).
    pub from: EligibilityOutcome,
    /// The outcome under the simulated version.
    pub to: EligibilityOutcome,
    /// How many referrals.
    pub referrals: u32,
}

/// One outcome, before and under the simulated version.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeCount {
    /// The outcome.
    pub outcome: EligibilityOutcome,
    /// Referrals screened with it.
    pub before: u32,
    /// Referrals the simulated version screens with it.
    pub after: u32,
    /// Referrals screened with it that would leave it.
    pub leaving: u32,
    /// Referrals that would come to it from another outcome.
    pub arriving: u32,
}

/// What a version would have decided for the referrals of a period; nothing is stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct Simulation {
    /// The version simulated.
    pub version: String,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period.
    pub to: NaiveDate,
    /// Referrals submitted in the period.
    pub referrals: u32,
    /// Referrals whose outcome would change.
    pub changed: u32,
    /// Referrals with a level off the version's scale (a submission would be refused under it); not in `moves`.
    pub off_scale: u32,
    /// Outcome by outcome: before, after, leaving and arriving.
    pub outcomes: Vec<OutcomeCount>,
    /// Every pair of outcomes (old to new) with at least one referral, unchanged pairs included.
    pub moves: Vec<OutcomeMove>,
}

impl Simulation {
    /// The answer for a tally.
    pub fn of(
        version: String,
        period: &SimulationPeriod,
        t: &domain::policy_versions::Tally,
    ) -> Self {
        use strum::IntoEnumIterator;
        let outcomes = domain::Outcome::iter()
            .map(|o| {
                let stay = t.count(o, o);
                OutcomeCount {
                    outcome: o.into(),
                    before: t.before(o),
                    after: t.after(o),
                    leaving: t.before(o) - stay,
                    arriving: t.after(o) - stay,
                }
            })
            .collect();
        Self {
            version,
            from: period.from,
            to: period.to,
            referrals: t.total(),
            changed: t.changed(),
            off_scale: t.off_scale,
            outcomes,
            moves: t
                .nonzero()
                .into_iter()
                .map(|(from, to, n)| OutcomeMove {
                    from: from.into(),
                    to: to.into(),
                    referrals: n,
                })
                .collect(),
        }
    }
}
