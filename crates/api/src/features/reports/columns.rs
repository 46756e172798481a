//! The CSV columns and file name of each report.

use crate::features::reports::common::{
    tabular, CaseloadReport, CaseloadRow, InterventionReport, InterventionReportRow, OutcomeReport,
    OutcomeRow, ProgrammeReport, ProgrammeReportRow, ResponsivenessReport, ResponsivenessRow,
    StepChangeReport, StepChangeRow,
};

pub(crate) const RESPONSIVENESS_COLUMNS: [&str; 11] = [
    "zone_code",
    "all_zones",
    "submitted",
    "accepted",
    "allocated",
    "acceptance_median_hours",
    "acceptance_p90_hours",
    "allocation_median_hours",
    "allocation_p90_hours",
    "waiting",
    "waiting_beyond_threshold",
];

pub(crate) const CASELOAD_COLUMNS: [&str; 13] = [
    "zone_code",
    "team_id",
    "team_name",
    "team_total",
    "worker_id",
    "worker_name",
    "active",
    "practitioners",
    "caseload",
    "cap",
    "utilisation",
    "at_or_over_cap",
    "closed_in_period",
];

pub(crate) const OUTCOME_COLUMNS: [&str; 5] = [
    "zone_code",
    "all_zones",
    "outcome",
    "closed",
    "median_days_open",
];

pub(crate) const STEP_CHANGE_COLUMNS: [&str; 9] = [
    "zone_code",
    "all_zones",
    "closed",
    "needs_met",
    "stepped_down",
    "stepped_up",
    "net_stepped_down",
    "stepped_down_share",
    "stepped_up_share",
];

pub(crate) const PROGRAMME_COLUMNS: [&str; 16] = [
    "zone_code",
    "programme_id",
    "title",
    "programme_type",
    "status",
    "starts_on",
    "ends_on",
    "capacity",
    "enrolled",
    "waiting",
    "completed",
    "cancelled",
    "sessions_held",
    "attended",
    "attendance_marks",
    "attendance_rate",
];

pub(crate) const INTERVENTION_COLUMNS: [&str; 13] = [
    "intervention_id",
    "name",
    "mode",
    "active",
    "referrals",
    "sessions",
    "attended",
    "did_not_attend",
    "cancelled",
    "goals_reviewed",
    "mean_baseline",
    "mean_latest_rating",
    "mean_distance_travelled",
];

tabular! {
    ResponsivenessReport => ResponsivenessRow, "responsiveness", RESPONSIVENESS_COLUMNS, + waiting_days;
    CaseloadReport => CaseloadRow, "caseloads", CASELOAD_COLUMNS;
    OutcomeReport => OutcomeRow, "outcomes", OUTCOME_COLUMNS;
    StepChangeReport => StepChangeRow, "step-changes", STEP_CHANGE_COLUMNS;
    ProgrammeReport => ProgrammeReportRow, "programmes", PROGRAMME_COLUMNS;
    InterventionReport => InterventionReportRow, "interventions", INTERVENTION_COLUMNS;
}
