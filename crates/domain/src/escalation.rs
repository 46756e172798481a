//! Escalation outcomes and follow-ups (issue 14, items 3 and 4): what Local
//! First Inclusion counts as "intervening earlier to prevent escalation"
//! (`../shared/DOMAIN.md`), recorded at a referral's closure and at the
//! follow-ups 3 and 6 months after it; and when a new referral of the same
//! child is a re-referral.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use strum::{AsRefStr, EnumIter, EnumString, IntoStaticStr};
use thiserror::Error;

/// Who asked the council for an EHC needs assessment (Children and Families
/// Act 2014 s36).
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EhcRequester {
    School,
    Parent,
    Other,
}

/// Where an EHC needs assessment request stands.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EhcResult {
    /// Not decided yet.
    Pending,
    /// The council agreed to assess.
    AgreedToAssess,
    /// The council refused to assess.
    RefusedToAssess,
    /// Assessed, and an EHC plan issued.
    PlanIssued,
    /// Assessed, and no plan issued.
    NoPlan,
}

/// The child's placement.
#[derive(IntoStaticStr, AsRefStr, EnumString, EnumIter, strum::Display)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// Still in a mainstream school (without a specialist base).
    MainstreamKept,
    /// A state-funded special school.
    StateSpecialSchool,
    /// A specialist resource base in a mainstream school.
    SpecialistResourceBase,
    /// Alternative provision.
    AlternativeProvision,
    /// An independent non-maintained special school (the high-cost
    /// placements Local First Inclusion aims to reduce).
    IndependentNonMaintained,
}

impl Placement {
    /// Whether the placement left mainstream.
    pub fn is_specialist(self) -> bool {
        self != Self::MainstreamKept
    }
}

/// A request for an EHC needs assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EhcRequest {
    pub requested_by: EhcRequester,
    pub requested_on: NaiveDate,
    pub result: EhcResult,
}

/// The escalation outcomes of a child at a closure or a follow-up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EscalationOutcome {
    /// The EHC needs assessment request since the referral, if any.
    pub ehc_request: Option<EhcRequest>,
    pub placement: Placement,
    /// Suspensions (fixed-period) since the referral.
    pub suspensions: i16,
    /// Permanent exclusions since the referral.
    pub permanent_exclusions: i16,
    /// Attendance, % of possible sessions, at referral.
    pub attendance_at_referral: Option<f64>,
    /// Attendance, % of possible sessions, now.
    pub attendance_now: Option<f64>,
    /// Stepped up to children's social care.
    pub step_up_social_care: bool,
    /// Stepped up to health services.
    pub step_up_health: bool,
}

/// The most suspensions or permanent exclusions one outcome may count.
pub const MAX_COUNT: i16 = 200;

/// Attendance below this is "persistent absence" (DfE).
pub const PERSISTENT_ABSENCE_BELOW: f64 = 90.0;

/// One refused field of an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum OutcomeProblem {
    /// An attendance outside 0-100.
    #[error("{0} is a percentage from 0 to 100")]
    AttendanceOutOfRange(&'static str),
    /// A count below 0 or above `MAX_COUNT`.
    #[error("{0} is a count from 0 to 200")]
    CountOutOfRange(&'static str),
    /// The request is dated after today.
    #[error("ehc_request.requested_on is in the future")]
    RequestInFuture,
}

impl OutcomeProblem {
    /// The field in the body.
    pub fn field(self) -> &'static str {
        match self {
            Self::AttendanceOutOfRange(f) | Self::CountOutOfRange(f) => f,
            Self::RequestInFuture => "ehc_request.requested_on",
        }
    }

    /// The machine code of the field error.
    pub fn code(self) -> &'static str {
        match self {
            Self::AttendanceOutOfRange(_) | Self::CountOutOfRange(_) => "out_of_range",
            Self::RequestInFuture => "in_future",
        }
    }
}

/// An attendance percentage rounded to one decimal, or `None` outside 0-100.
pub fn attendance(p: f64) -> Option<f64> {
    (p.is_finite() && (0.0..=100.0).contains(&p)).then(|| (p * 10.0).round() / 10.0)
}

impl EscalationOutcome {
    /// The outcome's problems (none: it may be stored), given today's date.
    pub fn problems(&self, today: NaiveDate) -> Vec<OutcomeProblem> {
        let mut out = Vec::new();
        for (field, p) in [
            ("attendance_at_referral", self.attendance_at_referral),
            ("attendance_now", self.attendance_now),
        ] {
            if p.is_some_and(|p| attendance(p).is_none()) {
                out.push(OutcomeProblem::AttendanceOutOfRange(field));
            }
        }
        for (field, n) in [
            ("suspensions", self.suspensions),
            ("permanent_exclusions", self.permanent_exclusions),
        ] {
            if !(0..=MAX_COUNT).contains(&n) {
                out.push(OutcomeProblem::CountOutOfRange(field));
            }
        }
        if self.ehc_request.is_some_and(|r| r.requested_on > today) {
            out.push(OutcomeProblem::RequestInFuture);
        }
        out
    }

    /// Whether anything escalated: an EHC needs assessment request, a
    /// placement out of mainstream, a permanent exclusion, or a step-up.
    pub fn escalated(&self) -> bool {
        self.ehc_request.is_some()
            || self.placement.is_specialist()
            || self.permanent_exclusions > 0
            || self.step_up_social_care
            || self.step_up_health
    }
}

/// When follow-ups fall due after a closure: months after it, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpSchedule(Vec<u8>);

/// The default schedule: 3 and 6 months.
pub const DEFAULT_FOLLOW_UP_MONTHS: [u8; 2] = [3, 6];

/// Why a schedule is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error(
    "follow-ups are 1 to 4 distinct whole months from 1 to 36 after closure, in increasing order"
)]
pub struct ScheduleError;

impl FollowUpSchedule {
    /// A schedule of 1 to 4 offsets, each 1-36 months, strictly increasing.
    ///
    /// # Errors
    /// `ScheduleError` otherwise.
    pub fn new(months: Vec<u8>) -> Result<Self, ScheduleError> {
        let ordered = months.windows(2).all(|w| w[0] < w[1]);
        let ranged = months.iter().all(|m| (1..=36).contains(m));
        if (1..=4).contains(&months.len()) && ordered && ranged {
            Ok(Self(months))
        } else {
            Err(ScheduleError)
        }
    }

    /// Parses "3,6".
    ///
    /// # Errors
    /// `ScheduleError` for anything but a valid list.
    pub fn parse(s: &str) -> Result<Self, ScheduleError> {
        let months = s
            .split(',')
            .map(|m| m.trim().parse::<u8>().map_err(|_| ScheduleError))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(months)
    }

    /// The offsets, in months.
    pub fn months(&self) -> &[u8] {
        &self.0
    }

    /// The follow-ups of a closure on `closed_on`: (months, due date).
    pub fn due_dates(&self, closed_on: NaiveDate) -> Vec<(u8, NaiveDate)> {
        self.0
            .iter()
            .filter_map(|m| {
                closed_on
                    .checked_add_months(Months::new(u32::from(*m)))
                    .map(|d| (*m, d))
            })
            .collect()
    }
}

impl Default for FollowUpSchedule {
    fn default() -> Self {
        Self(DEFAULT_FOLLOW_UP_MONTHS.to_vec())
    }
}

/// Why a follow-up cannot be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum FollowUpRefusal {
    /// It was recorded already (409).
    #[error("this follow-up has been recorded already")]
    AlreadyRecorded,
    /// The referral is not closed (reopened since): an outcome follows a closure (409).
    #[error("the referral is not closed: follow-up outcomes are recorded after its closure")]
    ReferralNotClosed,
}

/// Whether a follow-up may be recorded now.
///
/// # Errors
/// A recorded follow-up is never recorded again; an outcome needs the
/// referral closed.
pub fn may_record(recorded: bool, referral_closed: bool) -> Result<(), FollowUpRefusal> {
    if recorded {
        Err(FollowUpRefusal::AlreadyRecorded)
    } else if !referral_closed {
        Err(FollowUpRefusal::ReferralNotClosed)
    } else {
        Ok(())
    }
}

/// A new referral of a child within this many months of a closure of one of
/// the child's referrals is a re-referral.
pub const RE_REFERRAL_MONTHS: u32 = 12;

/// The earliest closure date that makes a referral submitted on `submitted_on` a re-referral.
pub fn re_referral_since(submitted_on: NaiveDate) -> NaiveDate {
    submitted_on
        .checked_sub_months(Months::new(RE_REFERRAL_MONTHS))
        .unwrap_or(NaiveDate::MIN)
}

/// Whether a referral submitted on `submitted_on` re-refers a child whose
/// referral closed on `closed_on`.
pub fn is_re_referral(closed_on: NaiveDate, submitted_on: NaiveDate) -> bool {
    closed_on <= submitted_on && closed_on >= re_referral_since(submitted_on)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn outcome() -> EscalationOutcome {
        EscalationOutcome {
            ehc_request: None,
            placement: Placement::MainstreamKept,
            suspensions: 0,
            permanent_exclusions: 0,
            attendance_at_referral: Some(84.5),
            attendance_now: Some(93.0),
            step_up_social_care: false,
            step_up_health: false,
        }
    }

    #[test]
    fn attendance_is_a_percentage_rounded_to_a_tenth() {
        assert_eq!(attendance(0.0), Some(0.0));
        assert_eq!(attendance(100.0), Some(100.0));
        assert_eq!(attendance(89.96), Some(90.0));
        assert_eq!(attendance(100.01), None);
        assert_eq!(attendance(-0.1), None);
        assert_eq!(attendance(f64::NAN), None);
    }

    #[test]
    fn a_plain_outcome_has_no_problem_and_no_escalation() {
        let o = outcome();
        assert!(o.problems(d("2026-12-01")).is_empty());
        assert!(!o.escalated());
    }

    #[test]
    fn problems_name_their_fields() {
        let mut o = outcome();
        o.attendance_now = Some(101.0);
        o.attendance_at_referral = Some(-1.0);
        o.suspensions = -1;
        o.permanent_exclusions = 201;
        o.ehc_request = Some(EhcRequest {
            requested_by: EhcRequester::Parent,
            requested_on: d("2026-12-02"),
            result: EhcResult::Pending,
        });
        let p = o.problems(d("2026-12-01"));
        let fields: Vec<_> = p.iter().map(|p| (p.field(), p.code())).collect();
        assert_eq!(
            fields,
            [
                ("attendance_at_referral", "out_of_range"),
                ("attendance_now", "out_of_range"),
                ("suspensions", "out_of_range"),
                ("permanent_exclusions", "out_of_range"),
                ("ehc_request.requested_on", "in_future"),
            ]
        );
    }

    #[test]
    fn escalation_is_any_request_specialist_placement_exclusion_or_step_up() {
        let base = outcome();
        let mut suspended = base;
        suspended.suspensions = 3;
        assert!(
            !suspended.escalated(),
            "a suspension alone is no escalation"
        );
        let mut o = base;
        o.placement = Placement::IndependentNonMaintained;
        assert!(o.escalated());
        let mut o = base;
        o.permanent_exclusions = 1;
        assert!(o.escalated());
        let mut o = base;
        o.step_up_health = true;
        assert!(o.escalated());
        let mut o = base;
        o.ehc_request = Some(EhcRequest {
            requested_by: EhcRequester::School,
            requested_on: d("2026-06-01"),
            result: EhcResult::RefusedToAssess,
        });
        assert!(o.escalated());
    }

    #[test]
    fn follow_ups_fall_due_months_after_closure() {
        let s = FollowUpSchedule::default();
        assert_eq!(
            s.due_dates(d("2026-08-31")),
            [(3, d("2026-11-30")), (6, d("2027-02-28"))]
        );
        assert_eq!(
            FollowUpSchedule::parse(" 1, 12 ")
                .expect("schedule")
                .months(),
            [1, 12]
        );
        for bad in ["", "6,3", "3,3", "0,3", "3,37", "1,2,3,4,5", "x"] {
            assert_eq!(FollowUpSchedule::parse(bad), Err(ScheduleError), "{bad}");
        }
    }

    #[test]
    fn recording_needs_a_closed_referral_and_happens_once() {
        assert_eq!(may_record(false, true), Ok(()));
        assert_eq!(
            may_record(true, true),
            Err(FollowUpRefusal::AlreadyRecorded)
        );
        assert_eq!(
            may_record(true, false),
            Err(FollowUpRefusal::AlreadyRecorded)
        );
        assert_eq!(
            may_record(false, false),
            Err(FollowUpRefusal::ReferralNotClosed)
        );
    }

    #[test]
    fn a_re_referral_is_within_twelve_months_of_a_closure() {
        let submitted = d("2027-03-15");
        assert!(is_re_referral(d("2026-03-15"), submitted));
        assert!(is_re_referral(d("2027-03-15"), submitted));
        assert!(!is_re_referral(d("2026-03-14"), submitted));
        assert!(!is_re_referral(d("2027-03-16"), submitted));
        assert_eq!(re_referral_since(d("2028-02-29")), d("2027-02-28"));
    }
}
