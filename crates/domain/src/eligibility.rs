//! Eligibility screening and triage priority.
//!
//! Both are driven by a [`Policy`]: versioned data, not constants, because
//! the council sets and revises the INDES band the teams serve (default 3-4)
//! and how an EHC plan or complicating factors count. Screening is advice:
//! the team manager decides, and a decision against it needs a reason.

use crate::codes::SenProvision;
use crate::indes::{IndesArea, IndesProfile, IndesScale};
use crate::wire::WireName;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use strum::{AsRefStr, EnumIter, EnumString, IntoEnumIterator, IntoStaticStr};
use thiserror::Error;

/// A factor the council weighs when deciding priority.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplicatingFactor {
    Engagement,
    Attendance,
    FamilyParenting,
    LimitedProgressAtSenSupport,
    RiskOfExclusion,
    EscalatingNeed,
    SchoolCapacity,
}

/// A plan already in place for the child.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExistingPlan {
    EarlyHelpPlan,
    SenSupportPlan,
    EhcPlan,
}

/// The screening outcome.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Highest level inside the policy band.
    Eligible,
    /// Below the band: ordinarily available provision and SEN Support.
    BelowThreshold,
    /// Above the band: discuss with the council's SEND team.
    AboveThreshold,
    /// Not enough to screen on.
    InsufficientInformation,
}

impl Outcome {
    /// The pathway (signposting) that goes with the outcome.
    pub fn pathway(self) -> Pathway {
        match self {
            Self::Eligible => Pathway::SchoolAndCommunityTeam,
            Self::BelowThreshold => Pathway::OrdinarilyAvailableProvisionAndSenSupport,
            Self::AboveThreshold => Pathway::SpecialistAssessment,
            Self::InsufficientInformation => Pathway::CompleteIndesAssessment,
        }
    }
}

/// Where the screening points the referrer.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pathway {
    /// Early help from the School & Community Team.
    SchoolAndCommunityTeam,
    /// Ordinarily available provision and SEN Support in school.
    OrdinarilyAvailableProvisionAndSenSupport,
    /// Discuss the child with the council's SEND team (the wire name is
    /// kept from the first release; it is not a request for an EHC needs
    /// assessment, which is the SEND team's and the family's to consider).
    SpecialistAssessment,
    /// Complete the INDES assessment and refer again.
    CompleteIndesAssessment,
}

impl Pathway {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SchoolAndCommunityTeam => "school_and_community_team",
            Self::OrdinarilyAvailableProvisionAndSenSupport => {
                "ordinarily_available_provision_and_sen_support"
            }
            Self::SpecialistAssessment => "specialist_assessment",
            Self::CompleteIndesAssessment => "complete_indes_assessment",
        }
    }
}

/// How an EHC plan counts in screening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EhcPlanRule {
    /// Recorded as a reason, outcome unchanged.
    NoEffect,
    /// A child with an EHC plan is signposted to the plan's statutory
    /// review (above threshold for early help).
    AboveThreshold,
}

/// The INDES band the teams serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub low: u8,
    pub high: u8,
}

/// How complicating factors lift a profile just under the band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactorLift {
    /// How many distinct complicating factors it takes.
    pub min_factors: u8,
    /// How many levels under the band's low end a profile may sit and still
    /// be lifted into it (0 disables the lift).
    pub levels_below_band: u8,
}

/// Weights of the triage priority score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityWeights {
    /// Points per level of the highest area above the scale's minimum.
    pub per_level_of_highest: u32,
    /// Points for each further area inside the band.
    pub per_further_area_in_band: u32,
    /// Points for each complicating factor.
    pub factors: BTreeMap<ComplicatingFactor, u32>,
    /// Score from which a referral is `high` priority.
    pub high_from: u32,
    /// Score from which a referral is `urgent`.
    pub urgent_from: u32,
}

/// An eligibility policy version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Version label, e.g. `2026.1`; stored with every decision.
    pub version: String,
    /// The INDES scale.
    pub scale: IndesScale,
    /// The band the teams serve.
    pub band: Band,
    /// How an EHC plan counts.
    pub ehc_plan: EhcPlanRule,
    /// How complicating factors count.
    pub factor_lift: FactorLift,
    /// Triage priority weights.
    pub priority: PriorityWeights,
    /// Days after closure during which a referral may be reopened.
    pub reopen_window_days: u32,
    /// What the version is called.
    #[serde(default)]
    pub name: String,
    /// What the version rests on and what is the council's to decide.
    #[serde(default)]
    pub description: String,
    /// How each outcome's pathway reads to the referrer.
    #[serde(default)]
    pub pathways: PathwayTexts,
}

/// How each outcome's pathway reads to the referrer (policy data: the
/// council words them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathwayTexts {
    /// `eligible`.
    pub eligible: String,
    /// `below_threshold`.
    pub below_threshold: String,
    /// `above_threshold`.
    pub above_threshold: String,
    /// `insufficient_information`.
    pub insufficient_information: String,
}

impl Default for PathwayTexts {
    fn default() -> Self {
        Self {
            eligible: "Early help from the School & Community Team of the school's zone.".into(),
            below_threshold: "Ordinarily available provision and SEN Support in school.".into(),
            above_threshold: "Discuss with the SEND team: the needs described are above \
                the band of early help. This is not a request for an EHC needs assessment."
                .into(),
            insufficient_information: "Complete the INDES assessment and refer again.".into(),
        }
    }
}

impl PathwayTexts {
    /// The words of an outcome's pathway.
    pub fn of(&self, outcome: Outcome) -> &str {
        match outcome {
            Outcome::Eligible => &self.eligible,
            Outcome::BelowThreshold => &self.below_threshold,
            Outcome::AboveThreshold => &self.above_threshold,
            Outcome::InsufficientInformation => &self.insufficient_information,
        }
    }
}

/// The longest version label (it is a path segment).
pub const VERSION_MAX_LEN: usize = 32;
/// The highest level any scale may reach (the database's bound).
pub const SCALE_CEILING: u8 = 20;
/// The largest weight or threshold of the priority score, so that no sum
/// can overflow.
pub const WEIGHT_CEILING: u32 = 10_000;
/// The longest reopen window, in days.
pub const REOPEN_WINDOW_CEILING: u32 = 3_650;

/// Why a policy document was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    #[error("the policy needs a version label")]
    NoVersion,
    #[error("the version label is 1 to 32 letters, digits, dots, dashes or underscores")]
    VersionLabel,
    #[error("the scale's minimum must not exceed its maximum, within 0 to 20")]
    Scale,
    #[error("the band must lie on the scale with low <= high")]
    Band,
    #[error("levels_below_band must not reach below the scale's minimum")]
    FactorLift,
    #[error("urgent_from must not be below high_from")]
    PriorityBands,
    #[error("priority weights and thresholds are at most 10000")]
    Weights,
    #[error("the reopen window is at most 3650 days")]
    ReopenWindow,
    #[error("the name is 1 to 200 characters, not blank")]
    Name,
    #[error("the description is 1 to 4000 characters, not blank")]
    Description,
    #[error("each pathway text is 1 to 500 characters, not blank")]
    PathwayText,
}

impl PolicyError {
    /// The field of the policy document at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::NoVersion | Self::VersionLabel => "version",
            Self::Scale => "scale",
            Self::Band => "band",
            Self::FactorLift => "factor_lift",
            Self::PriorityBands | Self::Weights => "priority",
            Self::ReopenWindow => "reopen_window_days",
            Self::Name => "name",
            Self::Description => "description",
            Self::PathwayText => "pathways",
        }
    }

    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoVersion | Self::VersionLabel => "invalid_policy_version",
            Self::Scale => "invalid_scale",
            Self::Band => "band_outside_scale",
            Self::FactorLift => "invalid_factor_lift",
            Self::PriorityBands | Self::Weights => "invalid_priority_weights",
            Self::ReopenWindow => "invalid_reopen_window",
            Self::Name | Self::Description | Self::PathwayText => "invalid_text",
        }
    }
}

fn text_ok(s: &str, max: usize) -> bool {
    !s.trim().is_empty() && s.chars().count() <= max
}

impl Policy {
    /// The policy the service starts with: INDES levels 1-5, band 3-4 (MI
    /// sheet 34/23), two complicating factors lift a level-2 profile. Its
    /// name and description say which of it is the sheet's and which is
    /// the council's to decide.
    pub fn default_v1() -> Self {
        let factors = [
            (ComplicatingFactor::RiskOfExclusion, 12),
            (ComplicatingFactor::EscalatingNeed, 10),
            (ComplicatingFactor::Attendance, 8),
            (ComplicatingFactor::LimitedProgressAtSenSupport, 6),
            (ComplicatingFactor::FamilyParenting, 6),
            (ComplicatingFactor::Engagement, 5),
            (ComplicatingFactor::SchoolCapacity, 3),
        ]
        .into_iter()
        .collect();
        Self {
            version: "2023.1".into(),
            scale: IndesScale { min: 1, max: 5 },
            band: Band { low: 3, high: 4 },
            ehc_plan: EhcPlanRule::NoEffect,
            factor_lift: FactorLift {
                min_factors: 2,
                levels_below_band: 1,
            },
            priority: PriorityWeights {
                per_level_of_highest: 10,
                per_further_area_in_band: 5,
                factors,
                high_from: 40,
                urgent_from: 55,
            },
            reopen_window_days: 90,
            name: "Default: INDES levels 3 to 4 (MI sheet 34/23)".into(),
            description: "The band of INDES levels 3 to 4 is what MI sheet 34/23 \
                (28 February 2023) says the School & Community Teams serve; a later \
                council page says \"within level 3\". The scale (1 to 5), how an EHC \
                plan and complicating factors count, the priority weights and the \
                reopen window are this service's starting values, not published \
                council policy: they, and the band, are the council's to decide. \
                Screening is advice; the team manager decides."
                .into(),
            pathways: PathwayTexts::default(),
        }
    }

    /// Checks that the policy is coherent.
    ///
    /// # Errors
    /// A `PolicyError` naming the first incoherence.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.version.trim().is_empty() {
            return Err(PolicyError::NoVersion);
        }
        if self.version.len() > VERSION_MAX_LEN
            || !self
                .version
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        {
            return Err(PolicyError::VersionLabel);
        }
        if self.scale.min > self.scale.max || self.scale.max > SCALE_CEILING {
            return Err(PolicyError::Scale);
        }
        if self.band.low > self.band.high
            || !self.scale.contains(self.band.low)
            || !self.scale.contains(self.band.high)
        {
            return Err(PolicyError::Band);
        }
        if self.factor_lift.levels_below_band > self.band.low - self.scale.min {
            return Err(PolicyError::FactorLift);
        }
        let w = &self.priority;
        if w.per_level_of_highest > WEIGHT_CEILING
            || w.per_further_area_in_band > WEIGHT_CEILING
            || w.factors.values().any(|v| *v > WEIGHT_CEILING)
            || w.high_from > WEIGHT_CEILING
            || w.urgent_from > WEIGHT_CEILING
        {
            return Err(PolicyError::Weights);
        }
        if w.urgent_from < w.high_from {
            return Err(PolicyError::PriorityBands);
        }
        if self.reopen_window_days > REOPEN_WINDOW_CEILING {
            return Err(PolicyError::ReopenWindow);
        }
        if !text_ok(&self.name, 200) {
            return Err(PolicyError::Name);
        }
        if !text_ok(&self.description, 4000) {
            return Err(PolicyError::Description);
        }
        let p = &self.pathways;
        if ![
            &p.eligible,
            &p.below_threshold,
            &p.above_threshold,
            &p.insufficient_information,
        ]
        .iter()
        .all(|t| text_ok(t, 500))
        {
            return Err(PolicyError::PathwayText);
        }
        Ok(())
    }

    /// Screens a profile.
    pub fn decide(&self, input: &EligibilityInput<'_>) -> Decision {
        let mut reasons = Reasons::default();
        let has_ehc_plan = input.sen_provision == Some(SenProvision::EhcPlan)
            || input.existing_plans.contains(&ExistingPlan::EhcPlan);
        let factors = FactorSet::of(input.factors);
        let band = self.band;

        let outcome = match input.profile.highest() {
            None => {
                reasons.push(Reason::plain(ReasonCode::NoIndesLevels));
                Outcome::InsufficientInformation
            }
            Some(highest) => {
                let (code, outcome) = if highest > band.high {
                    (ReasonCode::AboveBand, Outcome::AboveThreshold)
                } else if highest >= band.low {
                    (ReasonCode::InBand, Outcome::Eligible)
                } else if self.lifts(highest, factors.len()) {
                    (ReasonCode::ComplicatingFactorsLift, Outcome::Eligible)
                } else {
                    (ReasonCode::BelowBand, Outcome::BelowThreshold)
                };
                reasons.push(Reason {
                    code,
                    areas: AreaSet::at_level(input.profile, highest),
                    highest,
                    band,
                    factors,
                });
                outcome
            }
        };

        let outcome = if has_ehc_plan {
            match self.ehc_plan {
                EhcPlanRule::AboveThreshold if outcome != Outcome::InsufficientInformation => {
                    reasons.push(Reason::plain(ReasonCode::EhcPlanInPlace));
                    Outcome::AboveThreshold
                }
                _ => {
                    reasons.push(Reason::plain(ReasonCode::EhcPlanNoted));
                    outcome
                }
            }
        } else {
            outcome
        };

        Decision {
            outcome,
            pathway: outcome.pathway(),
            policy_version: self.version.clone(),
            reasons,
        }
    }

    fn lifts(&self, highest: u8, factor_count: usize) -> bool {
        let lift = self.factor_lift;
        lift.levels_below_band > 0
            && lift.min_factors > 0
            && highest.saturating_add(lift.levels_below_band) >= self.band.low
            && factor_count >= usize::from(lift.min_factors)
    }

    /// Triage priority from the levels and complicating factors, with the
    /// reasons that make up the score.
    pub fn priority(&self, profile: &IndesProfile, factors: &[ComplicatingFactor]) -> Priority {
        let w = &self.priority;
        let mut score = 0u32;
        let mut reasons = Vec::new();
        if let Some(highest) = profile.highest() {
            let points = u32::from(highest.saturating_sub(self.scale.min)) * w.per_level_of_highest;
            score += points;
            reasons.push(format!("highest INDES level {highest}: +{points}"));
            let in_band = profile.areas_between(self.band.low, self.band.high).len();
            if in_band > 1 {
                let further = u32::try_from(in_band - 1).unwrap_or(0);
                let points = further * w.per_further_area_in_band;
                score += points;
                reasons.push(format!("{in_band} areas inside the band: +{points}"));
            }
        }
        for f in FactorSet::of(factors).iter() {
            let points = w.factors.get(&f).copied().unwrap_or(0);
            if points > 0 {
                score += points;
                reasons.push(format!("{}: +{points}", f.as_str()));
            }
        }
        let band = if score >= w.urgent_from {
            PriorityBand::Urgent
        } else if score >= w.high_from {
            PriorityBand::High
        } else {
            PriorityBand::Routine
        };
        Priority {
            band,
            score,
            reasons,
        }
    }
}

/// What screening looks at.
#[derive(Debug, Clone, Copy)]
pub struct EligibilityInput<'a> {
    pub profile: &'a IndesProfile,
    pub sen_provision: Option<SenProvision>,
    pub existing_plans: &'a [ExistingPlan],
    pub factors: &'a [ComplicatingFactor],
}

/// The complicating factors of a referral as a set: duplicates count once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FactorSet(u8);

impl FactorSet {
    /// The distinct factors of a list.
    pub fn of(factors: &[ComplicatingFactor]) -> Self {
        Self(factors.iter().fold(0, |bits, f| bits | (1 << *f as u8)))
    }

    /// How many distinct factors.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// No factor at all.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The factors in declaration order.
    pub fn iter(self) -> impl Iterator<Item = ComplicatingFactor> {
        ComplicatingFactor::iter().filter(move |f| self.0 & (1 << *f as u8) != 0)
    }
}

/// A set of INDES areas, iterated in section order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AreaSet(u8);

impl AreaSet {
    /// The areas of a profile assessed at `level`.
    pub fn at_level(profile: &IndesProfile, level: u8) -> Self {
        Self(
            profile
                .entries()
                .iter()
                .filter(|e| e.level == level)
                .fold(0, |bits, e| bits | (1 << e.area as u8)),
        )
    }

    /// The areas in section order.
    pub fn iter(self) -> impl Iterator<Item = IndesArea> {
        IndesArea::iter().filter(move |a| self.0 & (1 << *a as u8) != 0)
    }

    /// The areas in section order, as a vector.
    pub fn to_vec(self) -> Vec<IndesArea> {
        self.iter().collect()
    }

    /// No area.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// The stable machine code of a reason.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReasonCode {
    NoIndesLevels,
    AboveBand,
    InBand,
    ComplicatingFactorsLift,
    BelowBand,
    EhcPlanInPlace,
    EhcPlanNoted,
}

impl ReasonCode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoIndesLevels => "no_indes_levels",
            Self::AboveBand => "above_band",
            Self::InBand => "in_band",
            Self::ComplicatingFactorsLift => "complicating_factors_lift",
            Self::BelowBand => "below_band",
            Self::EhcPlanInPlace => "ehc_plan_in_place",
            Self::EhcPlanNoted => "ehc_plan_noted",
        }
    }
}

impl PartialEq<&str> for ReasonCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One reason behind a decision. It holds the facts; [`Reason::detail`]
/// words them for humans only when asked, so screening allocates nothing
/// but the policy version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reason {
    /// Stable machine code.
    pub code: ReasonCode,
    /// The areas that drove it.
    pub areas: AreaSet,
    /// The highest level assessed (0 when the reason is not about levels).
    pub highest: u8,
    /// The band of the policy that screened.
    pub band: Band,
    /// The distinct complicating factors considered.
    pub factors: FactorSet,
}

impl Reason {
    fn plain(code: ReasonCode) -> Self {
        Self {
            code,
            areas: AreaSet::default(),
            highest: 0,
            band: Band { low: 0, high: 0 },
            factors: FactorSet::default(),
        }
    }

    /// For humans.
    pub fn detail(&self) -> String {
        let (h, low, high) = (self.highest, self.band.low, self.band.high);
        match self.code {
            ReasonCode::NoIndesLevels => "no INDES area was assessed".to_owned(),
            ReasonCode::AboveBand => {
                format!("highest level {h} is above the band {low}-{high}")
            }
            ReasonCode::InBand => format!("highest level {h} is inside the band {low}-{high}"),
            ReasonCode::ComplicatingFactorsLift => format!(
                "highest level {h} is just below the band, with {} complicating factors ({})",
                self.factors.len(),
                self.factors
                    .iter()
                    .map(ComplicatingFactor::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ReasonCode::BelowBand => {
                format!("highest level {h} is below the band {low}-{high}")
            }
            ReasonCode::EhcPlanInPlace => {
                "the child has an EHC plan: its statutory review is the route".to_owned()
            }
            ReasonCode::EhcPlanNoted => {
                "the child has an EHC plan; screening is unchanged by policy".to_owned()
            }
        }
    }
}

/// The reasons of a decision, in order of weight: at most one about the
/// levels and one about an EHC plan, held inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reasons {
    items: [Option<Reason>; 2],
}

impl Reasons {
    fn push(&mut self, reason: Reason) {
        let slot = self
            .items
            .iter_mut()
            .find(|slot| slot.is_none())
            .expect("a decision has at most two reasons");
        *slot = Some(reason);
    }

    /// The reasons in order.
    pub fn iter(&self) -> impl Iterator<Item = &Reason> {
        self.items.iter().flatten()
    }

    /// How many reasons.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// No reason (never the case for a decision).
    pub fn is_empty(&self) -> bool {
        self.items[0].is_none()
    }
}

impl std::ops::Index<usize> for Reasons {
    type Output = Reason;
    fn index(&self, i: usize) -> &Reason {
        self.items[i].as_ref().expect("no reason at that index")
    }
}

/// A screening decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub outcome: Outcome,
    pub pathway: Pathway,
    pub policy_version: String,
    pub reasons: Reasons,
}

/// Priority band of the triage queue.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorityBand {
    Routine,
    High,
    Urgent,
}

/// Triage priority with its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Priority {
    pub band: PriorityBand,
    pub score: u32,
    pub reasons: Vec<String>,
}

#[cfg(test)]
mod tests;
