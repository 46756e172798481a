//! Pure rules of the School & Community Teams service.
//!
//! Everything here is free of IO: identifiers and codes an MIS sends, the
//! INDES profile and the eligibility policy that screens it, the referral
//! state machine and the allocation of referrals to teams and workers. The
//! persistence and API crates convert to and from these types at their
//! borders, so a rule lives in exactly one place.

pub mod allocation;
pub mod caseload;
pub mod codes;
pub mod community;
pub mod consent;
pub mod correction;
pub mod delivery;
pub mod diary;
pub mod eligibility;
pub mod escalation;
pub mod feedback;
pub mod ids;
pub mod indes;
pub mod policy_versions;
pub mod precondition;
pub mod referral;
pub mod retention;
pub mod role;
pub mod school_support;
pub mod termly;
pub mod webhook;
pub mod wire;

pub use allocation::{choose_worker, route, AllocationChoice, AllocationError, Route, WorkerLoad};
pub use codes::{
    CodeError, IdScheme, SenProvision, SenType, SettingId, SettingKind, Upn, YearGroup,
    EARLY_YEARS_PHASE, SETTING_ID_PATTERN,
};
pub use correction::{may_correct, CorrectionRefusal};
pub use delivery::{
    Attendance, DeliveryOp, InterventionMode, PartnerKind, PracticeKind, ReviewKind, SessionFormat,
};
pub use eligibility::{
    AreaSet, Band, ComplicatingFactor, Decision, EhcPlanRule, EligibilityInput, ExistingPlan,
    FactorLift, FactorSet, Outcome, Pathway, PathwayTexts, Policy, PolicyError, Priority,
    PriorityBand, PriorityWeights, Reason, ReasonCode, Reasons,
};
pub use ids::{ChildId, ReferralId, TeamId, WorkerId, ZoneId};
pub use indes::{IndesArea, IndesEntry, IndesError, IndesProfile, IndesScale};
pub use precondition::VersionMatch;
pub use referral::{
    Action, ClosureOutcome, ReferralState, Request as TransitionRequest, Status, Transition,
    TransitionError,
};
pub use retention::{ReferralEnd, Retention, RetentionPolicy};
pub use role::Role;
pub use webhook::{
    AddressRefusal, AfterFailure, EventType, PrivateAddresses, RetryPolicy, Subscriber,
};
pub use wire::WireName;

/// The wire names of every enum are derived (strum, `snake_case` unless a
/// name is not derivable); these tests pin them, because they are stored in
/// the database and its CHECK constraints.
#[cfg(test)]
mod wire_names {
    use super::*;
    use crate::community::{EnrolmentStatus, ProgrammeStatus, ProgrammeType};
    use crate::termly::{ConversationAction, ConversationStatus, Term};
    use serde::de::DeserializeOwned;
    use serde::Serialize;
    use std::fmt::{Debug, Display};
    use std::str::FromStr;
    use strum::IntoEnumIterator;

    /// Every variant's name, joined by spaces, after checking that each
    /// derived form agrees and that the name parses back to the variant.
    fn names<T>() -> String
    where
        T: IntoEnumIterator + Copy + Debug + PartialEq + Display + AsRef<str> + FromStr,
        &'static str: From<T>,
    {
        let mut all = Vec::new();
        for v in T::iter() {
            let name = <&'static str>::from(v);
            assert_eq!(v.as_ref(), name);
            assert_eq!(v.to_string(), name);
            assert_eq!(name.parse::<T>().ok(), Some(v), "{name}");
            assert!(!all.contains(&name), "{name} twice");
            all.push(name);
        }
        all.join(" ")
    }

    /// As `names`, and serde writes and reads the same names.
    fn serde_names<T>() -> String
    where
        T: IntoEnumIterator + Copy + Debug + PartialEq + Display + AsRef<str> + FromStr,
        T: Serialize + DeserializeOwned,
        &'static str: From<T>,
    {
        for v in T::iter() {
            let json = serde_json::Value::String(<&'static str>::from(v).to_owned());
            assert_eq!(serde_json::to_value(v).expect("serialise"), json);
            assert_eq!(serde_json::from_value::<T>(json).expect("read"), v);
        }
        names::<T>()
    }

    #[test]
    fn every_wire_enum_round_trips_every_variant_through_its_name() {
        let cases = [
            (serde_names::<Status>(), "submitted accepted allocated active closed declined withdrawn"),
            (serde_names::<Action>(), "accept decline redirect allocate start close withdraw reopen"),
            (serde_names::<ClosureOutcome>(), "needs_met stepped_down stepped_up disengaged moved_away other"),
            (serde_names::<Role>(), "la_admin team_manager practitioner school integration"),
            (serde_names::<IndesArea>(), "physical_disability deafness visual_impairment speech_and_language social_communication_and_interaction social_emotional_mental_health learning_and_cognition"),
            (serde_names::<ComplicatingFactor>(), "engagement attendance family_parenting limited_progress_at_sen_support risk_of_exclusion escalating_need school_capacity"),
            (serde_names::<ExistingPlan>(), "early_help_plan sen_support_plan ehc_plan"),
            (serde_names::<Outcome>(), "eligible below_threshold above_threshold insufficient_information"),
            (serde_names::<Pathway>(), "school_and_community_team ordinarily_available_provision_and_sen_support specialist_assessment complete_indes_assessment"),
            (serde_names::<PriorityBand>(), "routine high urgent"),
            (names::<crate::policy_versions::PolicyStatus>(), "draft published in_force superseded"),
            (names::<ReasonCode>(), "no_indes_levels above_band in_band complicating_factors_lift below_band ehc_plan_in_place ehc_plan_noted"),
            (serde_names::<EventType>(), "referral.submitted referral.status_changed referral.allocated referral.co_workers_changed referral.closed termly_conversation.scheduled consultation.recorded referral.follow_up_recorded review.due follow_up.due termly_conversation.offered enrolment.promoted"),
            (serde_names::<InterventionMode>(), "individual group family setting"),
            (serde_names::<SessionFormat>(), "individual group"),
            (serde_names::<Attendance>(), "attended did_not_attend cancelled"),
            (serde_names::<ReviewKind>(), "interim final"),
            (serde_names::<PartnerKind>(), "health social_care voluntary other"),
            (serde_names::<PracticeKind>(), "community_of_practice group_supervision"),
            (names::<ProgrammeType>(), "parenting_programme support_group workshop"),
            (names::<ProgrammeStatus>(), "draft open running completed cancelled"),
            (names::<EnrolmentStatus>(), "enrolled waiting cancelled completed"),
            (names::<Term>(), "autumn spring summer"),
            (names::<ConversationStatus>(), "offered scheduled held declined"),
            (names::<ConversationAction>(), "schedule decline hold reoffer"),
            (serde_names::<crate::escalation::EhcRequester>(), "school parent other"),
            (serde_names::<crate::escalation::EhcResult>(), "pending agreed_to_assess refused_to_assess plan_issued no_plan"),
            (serde_names::<crate::escalation::Placement>(), "mainstream_kept state_special_school specialist_resource_base alternative_provision independent_non_maintained"),
            (serde_names::<IdScheme>(), "urn ofsted local"),
            (serde_names::<SettingKind>(), "school early_years_setting childminder other"),
            (names::<SenProvision>(), "N K E"),
            (names::<SenType>(), "SPLD MLD SLD PMLD SEMH SLCN HI VI MSI PD ASD DS OTH NSA"),
        ];
        for (derived, pinned) in cases {
            assert_eq!(derived, pinned);
        }
        assert_eq!(ProgrammeType::ALL.len(), 3);
    }

    #[test]
    fn unknown_names_are_refused_and_census_codes_read_in_any_case() {
        assert_eq!(Status::parse("Submitted"), None);
        assert_eq!(Role::parse("admin"), None);
        assert_eq!(EventType::parse("referral_submitted"), None);
        assert_eq!(SenType::parse(" semh "), Ok(SenType::Semh));
        assert_eq!(SenProvision::parse(" K"), Ok(SenProvision::SenSupport));
        assert_eq!(SenProvision::parse("k"), Err(CodeError::SenProvision));
    }
}
