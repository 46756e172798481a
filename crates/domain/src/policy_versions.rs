//! Versions of the eligibility policy over time, and "test and learn": which
//! published version is in force on a day, the status of each version, and
//! what a draft would have decided for referrals already screened.
//!
//! A version is a draft until it is published; a published version takes
//! effect from its `effective_from` day (UTC). On a day, the version in force
//! is the published one with the latest `effective_from` on or before it
//! (of two on the same day, the one published last). Every referral keeps
//! the version that screened it.

use crate::codes::SenProvision;
use crate::eligibility::{ComplicatingFactor, EligibilityInput, ExistingPlan, Outcome, Policy};
use crate::indes::{IndesEntry, IndesProfile};
use chrono::{DateTime, Months, NaiveDate, Utc};
use strum::{AsRefStr, EnumIter, EnumString, IntoEnumIterator, IntoStaticStr};
use thiserror::Error;

/// Where a version stands.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyStatus {
    /// Not published: it may change, and screens nothing.
    Draft,
    /// Published, taking effect on a day still to come.
    Published,
    /// The version that screens referrals today.
    InForce,
    /// Published and in force once, or never (a later one took over).
    Superseded,
}

/// What decides a version's standing: when it was published (if it was)
/// and the day it takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing<'a> {
    pub version: &'a str,
    pub effective_from: NaiveDate,
    pub published_at: Option<DateTime<Utc>>,
}

/// The version in force on `today`, if any was published by then.
pub fn in_force<'a>(versions: &[Standing<'a>], today: NaiveDate) -> Option<&'a str> {
    versions
        .iter()
        .filter_map(|s| s.published_at.map(|at| (s.effective_from, at, s.version)))
        .filter(|(from, _, _)| *from <= today)
        .max()
        .map(|(_, _, v)| v)
}

/// The status of `version` on `today` among all the versions.
pub fn status_of(
    versions: &[Standing<'_>],
    version: &Standing<'_>,
    today: NaiveDate,
) -> PolicyStatus {
    if version.published_at.is_none() {
        PolicyStatus::Draft
    } else if in_force(versions, today) == Some(version.version) {
        PolicyStatus::InForce
    } else if version.effective_from > today {
        PolicyStatus::Published
    } else {
        PolicyStatus::Superseded
    }
}

/// The first day, after `today`, on which the version in force may change:
/// the earliest `effective_from` of a published version still to come.
pub fn next_change(versions: &[Standing<'_>], today: NaiveDate) -> Option<NaiveDate> {
    versions
        .iter()
        .filter(|s| s.published_at.is_some() && s.effective_from > today)
        .map(|s| s.effective_from)
        .min()
}

/// Why a version may not be published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PublishRefusal {
    #[error("the version is already published")]
    AlreadyPublished,
    #[error("the effective date {0} is in the past: choose today or a later day")]
    EffectiveInPast(NaiveDate),
}

/// Whether a version may be published on `today`.
///
/// # Errors
/// Already published (409), or an effective date before today (422).
pub fn may_publish(
    published_at: Option<DateTime<Utc>>,
    effective_from: NaiveDate,
    today: NaiveDate,
) -> Result<(), PublishRefusal> {
    if published_at.is_some() {
        return Err(PublishRefusal::AlreadyPublished);
    }
    if effective_from < today {
        return Err(PublishRefusal::EffectiveInPast(effective_from));
    }
    Ok(())
}

/// The longest period a simulation re-screens, in months.
pub const SIMULATION_MAX_MONTHS: u32 = 36;

/// Why a simulation's period was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PeriodError {
    #[error("`to` must not be before `from`")]
    Reversed,
    #[error("the period is longer than 3 years")]
    TooLong,
}

/// Checks a simulation's period: `from..=to`, at most 3 years (`to` no
/// later than the day 36 months after `from`).
///
/// # Errors
/// `Reversed` or `TooLong`.
pub fn check_period(from: NaiveDate, to: NaiveDate) -> Result<(), PeriodError> {
    if to < from {
        return Err(PeriodError::Reversed);
    }
    match from.checked_add_months(Months::new(SIMULATION_MAX_MONTHS)) {
        Some(limit) if to <= limit => Ok(()),
        _ => Err(PeriodError::TooLong),
    }
}

/// A referral as it was screened: its outcome and the inputs screening saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screened {
    pub outcome: Outcome,
    pub entries: Vec<IndesEntry>,
    pub sen_provision: Option<SenProvision>,
    pub existing_plans: Vec<ExistingPlan>,
    pub factors: Vec<ComplicatingFactor>,
}

/// What a draft would have decided, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// `[old][new]`: referrals screened `old` that the draft screens `new`
    /// (indexed in `Outcome` declaration order).
    pub pairs: [[u32; 4]; 4],
    /// Referrals with a level off the draft's scale (a submission would be
    /// refused under it): counted here, not in `pairs`.
    pub off_scale: u32,
}

fn index(o: Outcome) -> usize {
    Outcome::iter().position(|x| x == o).unwrap_or(0)
}

impl Tally {
    /// Referrals counted, off-scale ones included.
    pub fn total(&self) -> u32 {
        self.pairs.iter().flatten().sum::<u32>() + self.off_scale
    }

    /// Referrals whose outcome would change (off-scale ones excluded).
    pub fn changed(&self) -> u32 {
        let mut n = 0;
        for (i, row) in self.pairs.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                if i != j {
                    n += c;
                }
            }
        }
        n
    }

    /// How many `old` would become `new`.
    pub fn count(&self, old: Outcome, new: Outcome) -> u32 {
        self.pairs[index(old)][index(new)]
    }

    /// Screened `outcome` before (off-scale ones included).
    pub fn before(&self, outcome: Outcome) -> u32 {
        self.pairs[index(outcome)].iter().sum()
    }

    /// Screened `outcome` by the draft.
    pub fn after(&self, outcome: Outcome) -> u32 {
        self.pairs.iter().map(|row| row[index(outcome)]).sum()
    }

    /// The non-zero pairs, in outcome order.
    pub fn nonzero(&self) -> Vec<(Outcome, Outcome, u32)> {
        let mut out = Vec::new();
        for old in Outcome::iter() {
            for new in Outcome::iter() {
                let c = self.count(old, new);
                if c > 0 {
                    out.push((old, new, c));
                }
            }
        }
        out
    }
}

/// Re-screens referrals under `draft` and counts, outcome by outcome, how
/// they would move. Pure: it decides nothing and stores nothing.
pub fn simulate<'a>(draft: &Policy, referrals: impl IntoIterator<Item = &'a Screened>) -> Tally {
    let mut tally = Tally::default();
    for r in referrals {
        let Ok(profile) = IndesProfile::parse(&r.entries, draft.scale) else {
            tally.off_scale += 1;
            continue;
        };
        let d = draft.decide(&EligibilityInput {
            profile: &profile,
            sen_provision: r.sen_provision,
            existing_plans: &r.existing_plans,
            factors: &r.factors,
        });
        tally.pairs[index(r.outcome)][index(d.outcome)] += 1;
    }
    tally
}

#[cfg(test)]
mod tests;
