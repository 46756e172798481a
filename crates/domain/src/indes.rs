//! INDES (Identification of Needs Descriptors in Educational Settings): the
//! seven areas of need and a child's profile of levels across them.
//!
//! The scale (lowest and highest level) is policy data: the council revised
//! the scoring in 2026 and the number of levels is not public, so nothing
//! here fixes it.

use crate::wire::WireName;
use serde::{Deserialize, Serialize};
use strum::{AsRefStr, EnumIter, EnumString, IntoStaticStr};
use thiserror::Error;

/// An INDES section (area of need).
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndesArea {
    PhysicalDisability,
    Deafness,
    VisualImpairment,
    SpeechAndLanguage,
    SocialCommunicationAndInteraction,
    SocialEmotionalMentalHealth,
    LearningAndCognition,
}

/// The range of levels a policy version recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndesScale {
    /// Lowest level ("typically developing").
    pub min: u8,
    /// Highest level ("complex").
    pub max: u8,
}

impl IndesScale {
    /// Whether a level lies on the scale.
    pub fn contains(self, level: u8) -> bool {
        (self.min..=self.max).contains(&level)
    }
}

/// One area's level in a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndesEntry {
    pub area: IndesArea,
    pub level: u8,
}

/// Why a profile was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IndesError {
    #[error("area {0} appears more than once")]
    DuplicateArea(&'static str),
    #[error("level {level} of area {area} is outside the policy's scale {min} to {max}")]
    LevelOutsideScale {
        area: &'static str,
        level: u8,
        min: u8,
        max: u8,
    },
}

impl IndesError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            IndesError::DuplicateArea(_) => "duplicate_indes_area",
            IndesError::LevelOutsideScale { .. } => "indes_level_out_of_range",
        }
    }

    /// Index of the offending entry in the input, if known.
    pub fn area(&self) -> &'static str {
        match self {
            IndesError::DuplicateArea(a) | IndesError::LevelOutsideScale { area: a, .. } => a,
        }
    }
}

/// A child's INDES profile: at most one level per area, every level on the
/// scale of the policy it was checked against. Kept in section order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct IndesProfile {
    entries: Vec<IndesEntry>,
}

impl IndesProfile {
    /// Builds a profile, refusing duplicate areas and levels off the scale.
    /// Reports every problem, in input order.
    ///
    /// # Errors
    /// The list of `IndesError`s, one per offending entry.
    pub fn parse(entries: &[IndesEntry], scale: IndesScale) -> Result<Self, Vec<IndesError>> {
        let mut errors = Vec::new();
        let mut seen = Vec::with_capacity(entries.len());
        for e in entries {
            if seen.contains(&e.area) {
                errors.push(IndesError::DuplicateArea(e.area.as_str()));
                continue;
            }
            seen.push(e.area);
            if !scale.contains(e.level) {
                errors.push(IndesError::LevelOutsideScale {
                    area: e.area.as_str(),
                    level: e.level,
                    min: scale.min,
                    max: scale.max,
                });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut entries = entries.to_vec();
        entries.sort_by_key(|e| e.area);
        Ok(Self { entries })
    }

    /// The entries in INDES section order.
    pub fn entries(&self) -> &[IndesEntry] {
        &self.entries
    }

    /// Whether no area was assessed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The highest level across areas.
    pub fn highest(&self) -> Option<u8> {
        self.entries.iter().map(|e| e.level).max()
    }

    /// The areas at a given level, in section order.
    pub fn areas_at(&self, level: u8) -> Vec<IndesArea> {
        self.entries
            .iter()
            .filter(|e| e.level == level)
            .map(|e| e.area)
            .collect()
    }

    /// The areas whose level lies in `low..=high`, in section order.
    pub fn areas_between(&self, low: u8, high: u8) -> Vec<IndesArea> {
        self.entries
            .iter()
            .filter(|e| (low..=high).contains(&e.level))
            .map(|e| e.area)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    const SCALE: IndesScale = IndesScale { min: 1, max: 5 };

    fn e(area: IndesArea, level: u8) -> IndesEntry {
        IndesEntry { area, level }
    }

    #[test]
    fn there_are_seven_areas_with_round_tripping_names() {
        assert_eq!(IndesArea::iter().len(), 7);
        for a in IndesArea::iter() {
            assert_eq!(IndesArea::parse(a.as_str()), Some(a));
        }
        assert_eq!(IndesArea::parse("autism"), None);
    }

    #[test]
    fn a_profile_keeps_section_order_and_finds_the_highest() {
        let p = IndesProfile::parse(
            &[
                e(IndesArea::LearningAndCognition, 2),
                e(IndesArea::SpeechAndLanguage, 4),
            ],
            SCALE,
        )
        .expect("valid");
        assert_eq!(p.entries()[0].area, IndesArea::SpeechAndLanguage);
        assert_eq!(p.highest(), Some(4));
        assert_eq!(p.areas_at(4), vec![IndesArea::SpeechAndLanguage]);
        assert_eq!(p.areas_between(1, 3), vec![IndesArea::LearningAndCognition]);
    }

    #[test]
    fn duplicate_areas_are_refused() {
        let err = IndesProfile::parse(
            &[e(IndesArea::Deafness, 2), e(IndesArea::Deafness, 3)],
            SCALE,
        )
        .expect_err("duplicate");
        assert_eq!(err, vec![IndesError::DuplicateArea("deafness")]);
        assert_eq!(err[0].code(), "duplicate_indes_area");
    }

    #[test]
    fn levels_off_the_scale_are_refused() {
        let err = IndesProfile::parse(
            &[e(IndesArea::Deafness, 0), e(IndesArea::VisualImpairment, 6)],
            SCALE,
        )
        .expect_err("off scale");
        assert_eq!(err.len(), 2);
        assert_eq!(err[1].code(), "indes_level_out_of_range");
        assert_eq!(err[1].area(), "visual_impairment");
    }

    #[test]
    fn an_empty_profile_has_no_highest_level() {
        let p = IndesProfile::parse(&[], SCALE).expect("empty is a valid profile");
        assert!(p.is_empty());
        assert_eq!(p.highest(), None);
    }
}
