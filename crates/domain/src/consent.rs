//! Consent as a record (issue 13, item 3): who gave it, for what, how it
//! was recorded, from when and until when, and whether it is in force on a
//! day. While no consent for SCT involvement is in force, a referral can
//! only be closed or withdrawn.

use crate::referral::Action;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use strum::{AsRefStr, EnumIter, EnumString, IntoStaticStr};

/// What a consent covers.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentScope {
    /// The team working with the child and family at all.
    SctInvolvement,
    /// Sharing the work with the referring school.
    ShareWithSchool,
    /// Sharing with the partners the consent names.
    ShareWithPartner,
    /// Sharing with the Family Hub.
    ShareWithFamilyHub,
}

/// Who gave a consent.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentGiver {
    /// The young person themselves.
    YoungPerson,
    /// A parent or carer with parental responsibility.
    ParentCarer,
}

/// How a consent was recorded.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordedHow {
    /// A signed form or letter.
    Written,
    /// Said to a worker, who recorded it.
    Verbal,
    /// An online form or an email.
    Electronic,
    /// As the referral form stated it at intake (the referral's first consent).
    ReferralForm,
}

/// The terms of a consent that decide when it is in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentTerms {
    /// What it covers.
    pub scopes: Vec<ConsentScope>,
    /// The day it was given.
    pub given_on: NaiveDate,
    /// The last day it covers, if it ends.
    pub until: Option<NaiveDate>,
    /// The day it was withdrawn, if it was.
    pub withdrawn_on: Option<NaiveDate>,
}

impl ConsentTerms {
    /// Whether the consent is in force on `day`: given on or before it, not
    /// past its `until`, not withdrawn on or before it.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.given_on <= day
            && self.until.is_none_or(|u| day <= u)
            && self.withdrawn_on.is_none_or(|w| day < w)
    }

    /// Whether the consent is in force on `day` and covers `scope`.
    pub fn covers(&self, scope: ConsentScope, day: NaiveDate) -> bool {
        self.in_force_on(day) && self.scopes.contains(&scope)
    }
}

/// Whether any of a referral's consents covers SCT involvement on `day`.
pub fn involvement_in_force(consents: &[ConsentTerms], day: NaiveDate) -> bool {
    consents
        .iter()
        .any(|c| c.covers(ConsentScope::SctInvolvement, day))
}

/// Whether a lifecycle action is allowed while no consent for SCT
/// involvement is in force: closing and withdrawing only.
pub fn allowed_without_consent(action: Action) -> bool {
    matches!(action, Action::Close | Action::Withdraw)
}

/// Why a consent to record is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentRefusal {
    #[error("a consent covers at least one scope")]
    NoScope,
    #[error("a scope is named twice")]
    DuplicateScope,
    #[error("sharing with a partner names the partners")]
    PartnersRequired,
    #[error("partners are named only with the share_with_partner scope")]
    PartnersWithoutScope,
    #[error("a partner is named twice")]
    DuplicatePartner,
    #[error("consent cannot be dated in the future")]
    InFuture,
    #[error("until is before the day consent was given")]
    UntilBeforeGiven,
    #[error("the referral form is not a way to record a new consent")]
    NotReferralForm,
}

impl ConsentRefusal {
    /// The field the refusal is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::NoScope | Self::DuplicateScope => "scopes",
            Self::PartnersRequired | Self::PartnersWithoutScope | Self::DuplicatePartner => {
                "partner_ids"
            }
            Self::InFuture => "given_on",
            Self::UntilBeforeGiven => "until",
            Self::NotReferralForm => "recorded_how",
        }
    }

    /// The machine code of the refusal.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoScope => "required",
            Self::DuplicateScope => "duplicate_scope",
            Self::PartnersRequired => "partners_required",
            Self::PartnersWithoutScope => "partners_without_scope",
            Self::DuplicatePartner => "duplicate_partner",
            Self::InFuture => "in_future",
            Self::UntilBeforeGiven => "until_before_given",
            Self::NotReferralForm => "not_allowed",
        }
    }
}

/// Checks a consent a worker records on `today` (every refusal, in order).
pub fn check_new<P: PartialEq>(
    scopes: &[ConsentScope],
    partners: &[P],
    how: RecordedHow,
    given_on: NaiveDate,
    until: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<ConsentRefusal> {
    let mut refusals = Vec::new();
    if scopes.is_empty() {
        refusals.push(ConsentRefusal::NoScope);
    }
    if scopes
        .iter()
        .enumerate()
        .any(|(i, s)| scopes[..i].contains(s))
    {
        refusals.push(ConsentRefusal::DuplicateScope);
    }
    let sharing = scopes.contains(&ConsentScope::ShareWithPartner);
    if sharing && partners.is_empty() {
        refusals.push(ConsentRefusal::PartnersRequired);
    }
    if !sharing && !partners.is_empty() {
        refusals.push(ConsentRefusal::PartnersWithoutScope);
    }
    if partners
        .iter()
        .enumerate()
        .any(|(i, p)| partners[..i].contains(p))
    {
        refusals.push(ConsentRefusal::DuplicatePartner);
    }
    if how == RecordedHow::ReferralForm {
        refusals.push(ConsentRefusal::NotReferralForm);
    }
    if given_on > today {
        refusals.push(ConsentRefusal::InFuture);
    }
    if until.is_some_and(|u| u < given_on) {
        refusals.push(ConsentRefusal::UntilBeforeGiven);
    }
    refusals
}

/// The scopes of the consent a referral's intake form records.
pub const INTAKE_SCOPES: [ConsentScope; 2] =
    [ConsentScope::SctInvolvement, ConsentScope::ShareWithSchool];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::WireName;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).expect("a day of December")
    }

    fn terms(given: u32, until: Option<u32>, withdrawn: Option<u32>) -> ConsentTerms {
        ConsentTerms {
            scopes: INTAKE_SCOPES.to_vec(),
            given_on: day(given),
            until: until.map(day),
            withdrawn_on: withdrawn.map(day),
        }
    }

    #[test]
    fn in_force_from_the_day_given() {
        let t = terms(5, None, None);
        assert!(!t.in_force_on(day(4)));
        assert!(t.in_force_on(day(5)));
        assert!(t.in_force_on(day(31)));
    }

    #[test]
    fn in_force_until_its_last_day_inclusive() {
        let t = terms(5, Some(10), None);
        assert!(t.in_force_on(day(10)));
        assert!(!t.in_force_on(day(11)));
    }

    #[test]
    fn a_withdrawal_ends_it_on_the_day() {
        let t = terms(5, None, Some(8));
        assert!(t.in_force_on(day(7)));
        assert!(!t.in_force_on(day(8)));
        assert!(!t.in_force_on(day(20)));
    }

    #[test]
    fn covers_only_its_scopes() {
        let t = terms(5, None, None);
        assert!(t.covers(ConsentScope::SctInvolvement, day(6)));
        assert!(t.covers(ConsentScope::ShareWithSchool, day(6)));
        assert!(!t.covers(ConsentScope::ShareWithPartner, day(6)));
        assert!(!t.covers(ConsentScope::SctInvolvement, day(4)));
    }

    #[test]
    fn involvement_needs_one_consent_in_force_with_the_scope() {
        let sharing_only = ConsentTerms {
            scopes: vec![ConsentScope::ShareWithFamilyHub],
            ..terms(1, None, None)
        };
        assert!(!involvement_in_force(&[], day(6)));
        assert!(!involvement_in_force(
            &[sharing_only.clone(), terms(1, None, Some(3))],
            day(6)
        ));
        assert!(involvement_in_force(
            &[sharing_only, terms(1, None, Some(3)), terms(4, None, None)],
            day(6)
        ));
    }

    #[test]
    fn only_close_and_withdraw_go_without_consent() {
        assert!(allowed_without_consent(Action::Close));
        assert!(allowed_without_consent(Action::Withdraw));
        for a in [
            Action::Accept,
            Action::Decline,
            Action::Redirect,
            Action::Allocate,
            Action::Start,
            Action::Reopen,
        ] {
            assert!(!allowed_without_consent(a), "{a:?}");
        }
    }

    #[test]
    fn a_new_consent_is_checked() {
        use ConsentScope::*;
        let ok = check_new::<u8>(
            &[SctInvolvement],
            &[],
            RecordedHow::Verbal,
            day(5),
            Some(day(5)),
            day(5),
        );
        assert!(ok.is_empty());
        let partners = check_new(
            &[ShareWithPartner],
            &[] as &[u8],
            RecordedHow::Written,
            day(5),
            None,
            day(5),
        );
        assert_eq!(partners, vec![ConsentRefusal::PartnersRequired]);
        let stray = check_new(
            &[SctInvolvement, SctInvolvement],
            &[1u8, 1],
            RecordedHow::ReferralForm,
            day(6),
            Some(day(4)),
            day(5),
        );
        assert_eq!(
            stray,
            vec![
                ConsentRefusal::DuplicateScope,
                ConsentRefusal::PartnersWithoutScope,
                ConsentRefusal::DuplicatePartner,
                ConsentRefusal::NotReferralForm,
                ConsentRefusal::InFuture,
                ConsentRefusal::UntilBeforeGiven,
            ]
        );
        assert_eq!(
            check_new::<u8>(&[], &[], RecordedHow::Written, day(5), None, day(5)),
            vec![ConsentRefusal::NoScope]
        );
    }

    #[test]
    fn wire_names_are_stable() {
        assert_eq!(ConsentScope::SctInvolvement.as_str(), "sct_involvement");
        assert_eq!(
            ConsentScope::ShareWithFamilyHub.as_str(),
            "share_with_family_hub"
        );
        assert_eq!(ConsentGiver::ParentCarer.as_str(), "parent_carer");
        assert_eq!(RecordedHow::ReferralForm.as_str(), "referral_form");
        assert_eq!(
            ConsentScope::parse("share_with_partner"),
            Some(ConsentScope::ShareWithPartner)
        );
        assert_eq!(ConsentScope::parse("anything"), None);
    }
}
