//! INDES areas on the wire, and a referral's level movement: each area's
//! level at intake against its latest reassessment (at a review of the plan
//! or at closure). The referrals feature's DTOs re-export the area.

use crate::http::wire::wire_enum;
use chrono::NaiveDate;
use sct_domain as domain;
use sct_domain::WireName;
use sct_persistence::referrals::ReferralView;
use serde::Serialize;
use utoipa::ToSchema;

wire_enum!(
    /// An INDES area of need.
    IndesArea => domain::IndesArea {
        PhysicalDisability, Deafness, VisualImpairment, SpeechAndLanguage,
        SocialCommunicationAndInteraction, SocialEmotionalMentalHealth, LearningAndCognition,
    }
);

/// One area's level at intake against its latest reassessment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LevelMovement {
    /// The INDES area.
    pub area: IndesArea,
    /// The level at intake (as submitted, or corrected); absent when the area
    /// was first assessed at a review or at closure.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub intake_level: Option<u8>,
    /// The level at the latest reassessment of the area (a review or the
    /// closure), or the intake level while it was never reassessed.
    pub latest_level: u8,
    /// The day of that reassessment; absent while never reassessed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub latest_assessed_on: Option<NaiveDate>,
    /// `latest_level - intake_level`: negative is a lower level of need.
    /// Null without an intake level.
    #[schema(example = -1)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub change: Option<i16>,
}

/// Every area assessed at intake or since, in the order of the INDES areas.
pub(crate) fn movement(v: &ReferralView) -> Vec<LevelMovement> {
    let mut areas: Vec<domain::IndesArea> = v
        .indes
        .iter()
        .map(|l| l.area.as_str())
        .chain(v.reassessed.iter().map(|l| l.area.as_str()))
        .filter_map(domain::IndesArea::parse)
        .collect();
    areas.sort();
    areas.dedup();
    areas
        .into_iter()
        .filter_map(|area| {
            let intake = v
                .indes
                .iter()
                .find(|l| l.area == area.as_str())
                .map(|l| l.level);
            let latest = v.reassessed.iter().find(|l| l.area == area.as_str());
            let level = latest.map(|l| l.level).or(intake)?;
            Some(LevelMovement {
                area: area.into(),
                intake_level: intake.and_then(|l| u8::try_from(l).ok()),
                latest_level: u8::try_from(level).ok()?,
                latest_assessed_on: latest.map(|l| l.assessed_on),
                change: intake.map(|i| level - i),
            })
        })
        .collect()
}
