//! Pure rules of the School & Community Teams service.
//!
//! Everything here is free of IO: identifiers and codes an MIS sends, the
//! INDES profile and the eligibility policy that screens it, the referral
//! state machine and the allocation of referrals to teams and workers. The
//! persistence and API crates convert to and from these types at their
//! borders, so a rule lives in exactly one place.

pub mod allocation;
pub mod codes;
pub mod community;
pub mod delivery;
pub mod eligibility;
pub mod ids;
pub mod indes;
pub mod referral;
pub mod retention;
pub mod role;
pub mod termly;
pub mod webhook;

pub use allocation::{choose_worker, route, AllocationChoice, AllocationError, Route, WorkerLoad};
pub use codes::{CodeError, SenProvision, SenType, Upn, Urn, YearGroup};
pub use delivery::{
    Attendance, DeliveryOp, InterventionMode, PartnerKind, PracticeKind, ReviewKind, SessionFormat,
};
pub use eligibility::{
    AreaSet, Band, ComplicatingFactor, Decision, EhcPlanRule, EligibilityInput, ExistingPlan,
    FactorLift, FactorSet, Outcome, Pathway, Policy, PolicyError, Priority, PriorityBand,
    PriorityWeights, Reason, ReasonCode, Reasons,
};
pub use ids::{ChildId, ReferralId, TeamId, WorkerId, ZoneId};
pub use indes::{IndesArea, IndesEntry, IndesError, IndesProfile, IndesScale};
pub use referral::{
    Action, ClosureOutcome, ReferralState, Request as TransitionRequest, Status, Transition,
    TransitionError,
};
pub use retention::{ReferralEnd, Retention, RetentionPolicy};
pub use role::Role;
pub use webhook::{AddressRefusal, AfterFailure, EventType, PrivateAddresses, RetryPolicy};

/// Parses a snake_case wire name into an enum by looking it up in `ALL`.
///
/// Shared by every code enum so that the wire names are written once, in
/// each type's `as_str`.
pub(crate) fn parse_by_name<T: Copy>(
    all: &[T],
    name: &str,
    as_str: fn(T) -> &'static str,
) -> Option<T> {
    all.iter().copied().find(|v| as_str(*v) == name)
}
