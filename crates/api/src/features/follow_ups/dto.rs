//! The escalation outcome (at closure and at follow-ups) and the follow-up
//! on the wire. The referrals feature uses `Escalation` in the closure's
//! body and the referral's `closure`.

use crate::http::error::ApiError;
use crate::http::error::FieldError;
use crate::http::paging::list_page;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use sct_domain::escalation::EhcRequest;
use sct_domain::escalation::EhcRequester;
use sct_domain::escalation::EhcResult;
use sct_domain::escalation::EscalationOutcome;
use sct_domain::escalation::Placement;
use sct_persistence::follow_ups::FollowUpRow;
use sct_persistence::follow_ups::OutcomeRow;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Who asked for an EHC needs assessment (the schema of `EhcRequester`).
#[derive(ToSchema)]
#[schema(as = EhcRequester)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
enum EhcRequesterSchema {
    School,
    Parent,
    Other,
}

/// Where an EHC needs assessment request stands (the schema of `EhcResult`).
#[derive(ToSchema)]
#[schema(as = EhcResult)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
enum EhcResultSchema {
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

/// The child's placement (the schema of `Placement`).
#[derive(ToSchema)]
#[schema(as = Placement)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
enum PlacementSchema {
    /// Still in a mainstream school.
    MainstreamKept,
    /// A state-funded special school.
    StateSpecialSchool,
    /// A specialist resource base in a mainstream school.
    SpecialistResourceBase,
    /// Alternative provision.
    AlternativeProvision,
    /// An independent non-maintained special school.
    IndependentNonMaintained,
}

/// A request for an EHC needs assessment (Children and Families Act 2014 s36).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EhcRequestInfo {
    /// Who asked.
    #[schema(value_type = EhcRequesterSchema)]
    pub requested_by: EhcRequester,
    /// When (not in the future).
    pub requested_on: NaiveDate,
    /// Where it stands.
    #[schema(value_type = EhcResultSchema)]
    pub result: EhcResult,
}

/// Escalation outcomes as Local First Inclusion counts them, at a closure
/// or a follow-up.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"ehc_request": {"requested_by": "parent", "requested_on": "2026-09-14", "result": "refused_to_assess"}, "placement": "mainstream_kept", "suspensions": 1, "permanent_exclusions": 0, "attendance_at_referral": 84.5, "attendance_now": 93.1, "step_up_social_care": false, "step_up_health": false}))]
pub struct Escalation {
    /// The EHC needs assessment request since the referral; null when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub ehc_request: Option<EhcRequestInfo>,
    /// The child's placement now.
    #[schema(value_type = PlacementSchema)]
    pub placement: Placement,
    /// Suspensions (fixed-period) since the referral.
    #[schema(minimum = 0, maximum = 200)]
    pub suspensions: i16,
    /// Permanent exclusions since the referral.
    #[schema(minimum = 0, maximum = 200)]
    pub permanent_exclusions: i16,
    /// Attendance at referral, % of possible sessions (0-100, one decimal
    /// kept); null when not known. Below 90 is persistent absence.
    #[schema(nullable = false, minimum = 0, maximum = 100)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendance_at_referral: Option<f64>,
    /// Attendance now, % of possible sessions (0-100, one decimal kept).
    #[schema(nullable = false, minimum = 0, maximum = 100)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendance_now: Option<f64>,
    /// Stepped up to children's social care.
    pub step_up_social_care: bool,
    /// Stepped up to health services.
    pub step_up_health: bool,
}

impl Escalation {
    /// The domain outcome, checked against today's date (422 naming each
    /// bad field: attendance outside 0-100, a count outside 0-200, a
    /// request dated in the future), under `prefix` in the body.
    ///
    /// # Errors
    /// `ValidationFailed`.
    pub fn checked(&self, prefix: &str, today: NaiveDate) -> Result<EscalationOutcome, ApiError> {
        let o = EscalationOutcome {
            ehc_request: self.ehc_request.as_ref().map(|r| EhcRequest {
                requested_by: r.requested_by,
                requested_on: r.requested_on,
                result: r.result,
            }),
            placement: self.placement,
            suspensions: self.suspensions,
            permanent_exclusions: self.permanent_exclusions,
            attendance_at_referral: self.attendance_at_referral,
            attendance_now: self.attendance_now,
            step_up_social_care: self.step_up_social_care,
            step_up_health: self.step_up_health,
        };
        let problems = o.problems(today);
        if problems.is_empty() {
            return Ok(o);
        }
        Err(ApiError::validation(
            problems
                .into_iter()
                .map(|p| {
                    FieldError::new(format!("{prefix}.{}", p.field()), p.code(), p.to_string())
                })
                .collect(),
        ))
    }
}

impl From<&OutcomeRow> for Escalation {
    fn from(r: &OutcomeRow) -> Self {
        let o = r.outcome();
        Self {
            ehc_request: o.ehc_request.map(|e| EhcRequestInfo {
                requested_by: e.requested_by,
                requested_on: e.requested_on,
                result: e.result,
            }),
            placement: o.placement,
            suspensions: o.suspensions,
            permanent_exclusions: o.permanent_exclusions,
            attendance_at_referral: o.attendance_at_referral,
            attendance_now: o.attendance_now,
            step_up_social_care: o.step_up_social_care,
            step_up_health: o.step_up_health,
        }
    }
}

/// Whether a follow-up is still to record.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpStatus {
    /// Still to record.
    Pending,
    /// Recorded (once; it cannot be changed).
    Recorded,
}

/// A follow-up of a closed referral.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowUp {
    /// Follow-up id.
    pub id: Uuid,
    /// The referral it follows.
    pub referral_id: Uuid,
    /// The referring school.
    #[schema(example = "100001")]
    pub school_urn: String,
    /// The zone of the referral's team.
    pub zone_id: Uuid,
    /// When the closure it follows happened.
    pub closed_at: DateTime<Utc>,
    /// Months after the closure.
    #[schema(example = 3)]
    pub months: i16,
    /// When it falls due.
    pub due_on: NaiveDate,
    /// Pending or recorded.
    pub status: FollowUpStatus,
    /// Once recorded: whether the closure's outcome was sustained.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub sustained: Option<bool>,
    /// Once recorded: the escalation outcomes then.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub outcome: Option<Escalation>,
    /// When it was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub recorded_at: Option<DateTime<Utc>>,
    /// Its version; the ETag (and the If-Match of its recording) is `"v{version}"`.
    pub version: i32,
}

impl FollowUp {
    /// The representation of a stored follow-up and its outcome.
    pub fn from_rows(f: &FollowUpRow, o: Option<&OutcomeRow>) -> Self {
        Self {
            id: f.id,
            referral_id: f.referral_id,
            school_urn: f.school_urn.clone(),
            zone_id: f.zone_id,
            closed_at: f.closed_at,
            months: f.months,
            due_on: f.due_on,
            status: if f.recorded_at.is_some() {
                FollowUpStatus::Recorded
            } else {
                FollowUpStatus::Pending
            },
            sustained: f.sustained,
            outcome: o.map(Escalation::from),
            recorded_at: f.recorded_at,
            version: f.version,
        }
    }
}

/// The follow-ups of a referral, by due date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowUps {
    /// The follow-ups, earliest due first.
    pub items: Vec<FollowUp>,
}

list_page! {
    /// A page of follow-ups to record, earliest due first.
    FollowUpPage {
        /// The follow-ups.
        items: FollowUp
    }
}

/// Recording a follow-up.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"sustained": true, "outcome": {"placement": "mainstream_kept", "suspensions": 0, "permanent_exclusions": 0, "attendance_at_referral": 84.5, "attendance_now": 95.0, "step_up_social_care": false, "step_up_health": false}}))]
pub struct RecordFollowUpBody {
    /// Whether the outcome of the closure was sustained.
    pub sustained: bool,
    /// The escalation outcomes now.
    pub outcome: Escalation,
}
