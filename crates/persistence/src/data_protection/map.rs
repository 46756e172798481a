//! The personal-data map: every `table.column` that can hold personal data,
//! whose it is, its category, and what erasure and retention anonymisation
//! do to it; every other column of the database is listed in
//! [`NOT_PERSONAL`]. Erasure, retention anonymisation and the subject access
//! export are driven by this map (see `super::apply`), and a test compares
//! it with `information_schema.columns` so that a new column cannot go
//! unclassified (`unclassified`). `docs/data-protection.md` is this map in
//! prose.

/// Whose personal data a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose {
    /// The referred child.
    Child,
    /// An adult of the child's family (a parent or carer).
    Adult,
    /// A worker: council or school staff, a partner's representative.
    Worker,
}

impl Whose {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Whose::Child => "child",
            Whose::Adult => "adult",
            Whose::Worker => "worker",
        }
    }
}

/// What kind of personal data a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Names, date of birth, UPN, external identifiers, user subjects.
    Identity,
    /// Phone, email, address.
    Contact,
    /// Special category: health and special educational needs.
    SpecialCategory,
    /// Free text, which may name or describe anyone.
    FreeText,
}

impl Category {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Identity => "identity",
            Category::Contact => "contact",
            Category::SpecialCategory => "special_category",
            Category::FreeText => "free_text",
        }
    }
}

/// What erasure and retention anonymisation do to a column, in the rows
/// linked to the child (see [`Table::link`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    /// Replaced by `[anonymised]` where not null.
    Redact,
    /// Set to null.
    Clear,
    /// The day of birth goes: 1 September that starts the school year of
    /// the child's cohort.
    BirthDate,
    /// The stand-in UPN of the anonymised child (same for every column).
    Upn,
    /// A JSON object: every value replaced by `[anonymised]`, keys kept.
    JsonValues,
    /// A JSON document: the values of these keys, at any depth, replaced by
    /// `[anonymised]` (or by null when `clear`).
    JsonKeys {
        keys: &'static [&'static str],
        clear: bool,
    },
    /// Rows naming the child (id, UPN or a referral's id) are deleted.
    DeleteRowsNaming,
    /// Kept, for the reason given (shown in docs/data-protection.md).
    Kept(&'static str),
}

/// One column holding personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonalColumn {
    pub table: &'static str,
    pub column: &'static str,
    pub whose: Whose,
    pub category: Category,
    pub treatment: Treatment,
}

/// How rows of a table are tied to one child: a SQL condition on the
/// table's row where `$1` is the child's id and `$2` the child's UPN as
/// recorded before the erasure, and the SQL expression of a row's key (for
/// the export and for changes to JSON documents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    pub name: &'static str,
    pub key: &'static str,
    pub link: &'static str,
}

/// Every table with a column linked to a child, and how.
#[rustfmt::skip]
pub const TABLES: &[Table] = &[
    Table { name: "children", key: "id::text",
            link: "id = $1" },
    Table { name: "referrals", key: "id::text",
            link: "child_id = $1" },
    Table { name: "referral_indes_levels", key: "referral_id::text || '/' || area",
            link: "referral_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1)" },
    Table { name: "referral_history", key: "id::text",
            link: "referral_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1)" },
    Table { name: "child_history", key: "id::text",
            link: "child_id = $1" },
    Table { name: "child_conflicts", key: "id::text",
            link: "child_id = $1" },
    Table { name: "consultations", key: "id::text",
            link: "(upn = $2 OR referral_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1) OR family_id IN (SELECT m.family_id FROM family_members m WHERE m.child_id = $1))" },
    Table { name: "delivery_sessions", key: "id::text",
            link: "id IN (SELECT a.session_id FROM session_attendance a WHERE a.referral_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1))" },
    Table { name: "plan_reviews", key: "id::text",
            link: "referral_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1)" },
    Table { name: "plan_goals", key: "id::text",
            link: "referral_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1)" },
    Table { name: "support_plan_versions", key: "referral_id::text || '/' || version::text",
            link: "referral_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1)" },
    Table { name: "case_discussions", key: "id::text",
            link: "referral_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1)" },
    Table { name: "practice_actions", key: "id::text",
            link: "practice_session_id IN (SELECT d.practice_session_id FROM case_discussions d WHERE d.referral_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1))" },
    Table { name: "termly_conversations", key: "id::text",
            link: "id IN (SELECT t.conversation_id FROM termly_conversation_referrals t WHERE t.referral_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1))" },
    Table { name: "programme_enrolments", key: "id::text",
            link: "referral_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1)" },
    Table { name: "outbox_events", key: "id::text",
            link: "subject_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1)" },
    Table { name: "indes_reassessment_levels", key: "reassessment_id::text || '/' || area",
            link: "reassessment_id IN (SELECT x.id FROM indes_reassessments x WHERE x.referral_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1))" },
    Table { name: "case_notes", key: "id::text",
            link: "referral_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1)" },
    Table { name: "consents", key: "id::text",
            link: "referral_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1)" },
    Table { name: "follow_ups", key: "id::text",
            link: "referral_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1)" },
    Table { name: "escalation_outcomes", key: "id::text",
            link: "referral_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1)" },
    Table { name: "appointments", key: "id::text",
            link: "referral_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1) \
                   OR family_id IN (SELECT m.family_id FROM family_members m WHERE m.child_id = $1)" },
    Table { name: "school_feedback", key: "id::text",
            link: "about = 'referral' AND item_id IN (SELECT r.id FROM referrals r WHERE r.child_id = $1)" },
    Table { name: "school_support", key: "id::text",
            link: "referral_ids && ARRAY(SELECT r.id FROM referrals r WHERE r.child_id = $1)" },
    Table { name: "school_support_sessions", key: "id::text",
            link: "support_id IN (SELECT s.id FROM school_support s WHERE s.referral_ids && ARRAY(SELECT r.id FROM referrals r WHERE r.child_id = $1))" },
    Table { name: "school_support_actions", key: "id::text",
            link: "support_id IN (SELECT s.id FROM school_support s WHERE s.referral_ids && ARRAY(SELECT r.id FROM referrals r WHERE r.child_id = $1))" },
    Table { name: "erasure_justifications", key: "id::text",
            link: "child_id = $1" },
    Table { name: "child_lookups", key: "id::text",
            link: "false" },
    Table { name: "idempotency_keys", key: "scope || '/' || key",
            link: "false" },
    // A family's early help assessments and plan: erased with any child of the family.
    Table { name: "family_assessments", key: "id::text", link: "family_id IN (SELECT m.family_id FROM family_members m WHERE m.child_id = $1)" },
    Table { name: "family_assessment_areas", key: "assessment_id::text || '/' || position::text",
            link: "assessment_id IN (SELECT a.id FROM family_assessments a WHERE a.family_id IN (SELECT m.family_id FROM family_members m WHERE m.child_id = $1))" },
    Table { name: "family_plan_goals", key: "id::text", link: "family_id IN (SELECT m.family_id FROM family_members m WHERE m.child_id = $1)" },
    Table { name: "family_plan_actions", key: "id::text", link: "family_id IN (SELECT m.family_id FROM family_members m WHERE m.child_id = $1)" },
    Table { name: "family_plan_versions", key: "family_id::text || '/' || version::text",
            link: "family_id IN (SELECT m.family_id FROM family_members m WHERE m.child_id = $1)" },
    Table { name: "family_plan_reviews", key: "id::text", link: "family_id IN (SELECT m.family_id FROM family_members m WHERE m.child_id = $1)" },
    // A family's adults are data subjects of their own (the parents of
    // other children too): erased by their own erasure, see ADULT_TABLES.
    Table { name: "family_members", key: "id::text",
            link: "false" },
    Table { name: "member_relationships", key: "adult_member_id::text || '/' || child_member_id::text",
            link: "false" },
];

/// Every table with a column about an adult family member, and how its
/// rows are tied to one adult (`$1` is the adult member's id): the erasure
/// of an adult (and their export) is driven by these and by the `Adult`
/// columns of [`PERSONAL`].
#[rustfmt::skip]
pub const ADULT_TABLES: &[Table] = &[
    Table { name: "family_members", key: "id::text",
            link: "id = $1 AND kind = 'adult'" },
    Table { name: "member_relationships", key: "adult_member_id::text || '/' || child_member_id::text",
            link: "adult_member_id = $1" },
];

const fn col(
    table: &'static str,
    column: &'static str,
    whose: Whose,
    category: Category,
    treatment: Treatment,
) -> PersonalColumn {
    PersonalColumn {
        table,
        column,
        whose,
        category,
        treatment,
    }
}

use Category::{Contact, FreeText, Identity, SpecialCategory};
use Treatment::{BirthDate, Clear, JsonValues, Kept, Redact, Upn};
use Whose::{Adult, Child, Worker};

const FOR_REPORTS: &str =
    "kept for report counts: with names, day of birth and UPN gone it no longer identifies the child";
const WORKER: &str =
    "a worker's identifier or name: kept with the worker's own records, not erased with a child";
const AUDIT: &str = "the append-only audit trail holds identifiers only";
const CONNECTION: &str =
    "staff contacts and joint activities of a Family Hub's connection with a school: no child's data; changed by the zone's team";
const LOOKUP: &str =
    "a staff lookup's reason, not tied to a child's record: deleted by the retention job with the erasure justifications";
const FAMILY_SHAPE: &str =
    "who is whose parent or carer, and a yes/no: with the adult's names and contact details gone it no longer identifies them";
const JUSTIFICATION: &str =
    "the erasure's own justification: deleted by the retention job once the retention period has passed since the erasure";

/// Every column that can hold personal data.
#[rustfmt::skip]
pub const PERSONAL: &[PersonalColumn] = &[
    // The LA's record of the child.
    col("children", "upn", Child, Identity, Upn),
    col("children", "given_name", Child, Identity, Redact),
    col("children", "family_name", Child, Identity, Redact),
    col("children", "date_of_birth", Child, Identity, BirthDate),
    col("children", "year_group", Child, Identity, Kept(FOR_REPORTS)),
    col("children", "sen_provision", Child, SpecialCategory, Kept(FOR_REPORTS)),
    col("children", "primary_need", Child, SpecialCategory, Kept(FOR_REPORTS)),
    // A referral, with its own snapshot of the child as submitted.
    col("referrals", "submitted_upn", Child, Identity, Upn),
    col("referrals", "submitted_given_name", Child, Identity, Redact),
    col("referrals", "submitted_family_name", Child, Identity, Redact),
    col("referrals", "submitted_date_of_birth", Child, Identity, BirthDate),
    col("referrals", "external_reference", Child, Identity, Clear),
    col("referrals", "year_group", Child, Identity, Kept(FOR_REPORTS)),
    col("referrals", "sen_provision", Child, SpecialCategory, Kept(FOR_REPORTS)),
    col("referrals", "primary_need", Child, SpecialCategory, Kept(FOR_REPORTS)),
    col("referrals", "complicating_factors", Child, SpecialCategory, Kept(FOR_REPORTS)),
    col("referrals", "existing_plans", Child, SpecialCategory, Kept(FOR_REPORTS)),
    col("referrals", "reason", Child, FreeText, Redact),
    col("referrals", "decline_reason", Child, FreeText, Redact),
    col("referrals", "signposting", Child, FreeText, Redact),
    col("referrals", "closure_note", Child, FreeText, Redact),
    col("referrals", "submitted_by", Worker, Identity, Kept(WORKER)),
    col("referral_indes_levels", "level", Child, SpecialCategory, Kept(FOR_REPORTS)),
    col("referral_history", "reason", Child, FreeText, Redact),
    col("referral_history", "actor", Worker, Identity, Kept(WORKER)),
    // Changes to the LA's record, and UPN conflicts.
    col("child_history", "changes", Child, Identity, JsonValues),
    col("child_history", "actor", Worker, Identity, Kept(WORKER)),
    col("child_conflicts", "recorded_date_of_birth", Child, Identity, BirthDate),
    col("child_conflicts", "submitted_given_name", Child, Identity, Redact),
    col("child_conflicts", "submitted_family_name", Child, Identity, Redact),
    col("child_conflicts", "submitted_date_of_birth", Child, Identity, BirthDate),
    col("child_conflicts", "resolution_note", Child, FreeText, Redact),
    col("child_conflicts", "resolved_by", Worker, Identity, Kept(WORKER)),
    // Advice to a school about a child.
    col("consultations", "upn", Child, Identity, Upn),
    col("consultations", "topic", Child, FreeText, Redact),
    col("consultations", "advice", Child, FreeText, Redact),
    col("consultations", "follow_up", Child, FreeText, Redact),
    col("consultations", "recorded_by", Worker, Identity, Kept(WORKER)),
    // Service delivery.
    col("plan_goals", "description", Child, FreeText, Redact),
    col("support_plan_versions", "document", Child, FreeText, Treatment::JsonKeys { keys: &["description"], clear: false }),
    col("support_plan_versions", "recorded_by", Worker, Identity, Kept(WORKER)),
    col("support_plans", "updated_by", Worker, Identity, Kept(WORKER)),
    col("delivery_sessions", "notes", Child, FreeText, Redact),
    col("delivery_sessions", "recorded_by", Worker, Identity, Kept(WORKER)),
    col("delivery_sessions", "updated_by", Worker, Identity, Kept(WORKER)),
    col("plan_reviews", "notes", Child, FreeText, Redact),
    col("plan_reviews", "recorded_by", Worker, Identity, Kept(WORKER)),
    col("plan_reviews", "updated_by", Worker, Identity, Kept(WORKER)),
    // Supervision and partnership practice.
    col("case_discussions", "summary", Child, FreeText, Redact),
    col("practice_actions", "description", Child, FreeText, Redact),
    col("practice_sessions", "created_by", Worker, Identity, Kept(WORKER)),
    // The name of a partner's representative (always) or of a setting's
    // staff member (optional) who attended.
    col("practice_attendees", "representative_name", Worker, Identity, Kept(WORKER)),
    col("referral_co_workers", "added_by", Worker, Identity, Kept(WORKER)),
    col("referral_co_workers", "removed_by", Worker, Identity, Kept(WORKER)),
    // Termly conversations with a school.
    col("termly_conversations", "notes", Child, FreeText, Redact),
    col("termly_conversations", "decline_reason", Child, FreeText, Redact),
    col("termly_conversations", "actions", Child, FreeText, Treatment::JsonKeys { keys: &["description"], clear: false }),
    col("termly_conversations", "attendees", Worker, Identity, Kept(WORKER)),
    col("termly_conversations", "offered_by", Worker, Identity, Kept(WORKER)),
    col("termly_conversation_referrals", "linked_by", Worker, Identity, Kept(WORKER)),
    // Community programmes: the parent or carer enrolled.
    col("programme_enrolments", "parent_carer_name", Adult, Identity, Redact),
    col("programme_enrolments", "enrolled_by", Worker, Identity, Kept(WORKER)),
    col("programme_attendance", "recorded_by", Worker, Identity, Kept(WORKER)),
    col("programmes", "created_by", Worker, Identity, Kept(WORKER)),
    // INDES levels reassessed at reviews and closure.
    col("indes_reassessment_levels", "level", Child, SpecialCategory, Kept(FOR_REPORTS)),
    col("indes_reassessments", "recorded_by", Worker, Identity, Kept(WORKER)),
    // Case notes of a referral, and staff lookups' reasons.
    col("case_notes", "text", Child, FreeText, Redact),
    col("case_notes", "recorded_by", Worker, Identity, Kept(WORKER)),
    col("child_lookups", "reason", Child, FreeText, Kept(LOOKUP)),
    // The diary: where an appointment is (a family's home, say), why it was
    // called off, why a clash was accepted; who planned it.
    col("appointments", "place", Child, Contact, Redact),
    col("appointments", "cancel_reason", Child, FreeText, Redact),
    col("appointments", "clash_reason", Child, FreeText, Redact),
    col("appointments", "created_by", Worker, Identity, Kept(WORKER)),
    col("child_lookups", "actor", Worker, Identity, Kept(WORKER)),
    // Consents of a referral: notes on how it was given and why it was
    // withdrawn; who recorded and withdrew it.
    col("consents", "notes", Child, FreeText, Redact),
    col("consents", "withdrawal_reason", Child, FreeText, Redact),
    col("consents", "recorded_by", Worker, Identity, Kept(WORKER)),
    col("consents", "withdrawn_by", Worker, Identity, Kept(WORKER)),
    // Family Hubs and schools: the named staff contact at each end.
    col("hub_school_connections", "hub_contact_name", Worker, Identity, Kept(CONNECTION)),
    col("hub_school_connections", "school_contact_name", Worker, Identity, Kept(CONNECTION)),
    col("hub_school_connections", "joint_activities", Worker, FreeText, Kept(CONNECTION)),
    col("hub_school_connections", "recorded_by", Worker, Identity, Kept(WORKER)),
    // Schools' feedback: a comment may name the child of a closed referral.
    col("school_feedback", "comment", Child, FreeText, Redact),
    col("school_feedback", "given_by", Worker, Identity, Kept(WORKER)),
    // School support: work with a setting, children counted; its free text
    // may still name a child, so it goes with a linked referral's child.
    col("school_support", "title", Child, FreeText, Redact),
    col("school_support", "aims", Child, FreeText, Redact),
    col("school_support", "review_summary", Child, FreeText, Redact),
    col("school_support", "reviewed_by", Worker, Identity, Kept(WORKER)),
    col("school_support", "recorded_by", Worker, Identity, Kept(WORKER)),
    col("school_support_sessions", "notes", Child, FreeText, Redact),
    col("school_support_sessions", "recorded_by", Worker, Identity, Kept(WORKER)),
    col("school_support_actions", "description", Child, FreeText, Redact),
    col("school_support_actions", "recorded_by", Worker, Identity, Kept(WORKER)),
    // Escalation outcomes at closure and follow-ups (counted by reports).
    col("escalation_outcomes", "ehc_requested_by", Child, SpecialCategory, Kept(FOR_REPORTS)),
    col("escalation_outcomes", "ehc_requested_on", Child, SpecialCategory, Kept(FOR_REPORTS)),
    col("escalation_outcomes", "ehc_result", Child, SpecialCategory, Kept(FOR_REPORTS)),
    col("escalation_outcomes", "placement", Child, SpecialCategory, Kept(FOR_REPORTS)),
    col("escalation_outcomes", "suspensions", Child, SpecialCategory, Kept(FOR_REPORTS)),
    col("escalation_outcomes", "permanent_exclusions", Child, SpecialCategory, Kept(FOR_REPORTS)),
    col("escalation_outcomes", "attendance_at_referral", Child, SpecialCategory, Kept(FOR_REPORTS)),
    col("escalation_outcomes", "attendance_now", Child, SpecialCategory, Kept(FOR_REPORTS)),
    col("escalation_outcomes", "step_up_social_care", Child, SpecialCategory, Kept(FOR_REPORTS)),
    col("escalation_outcomes", "step_up_health", Child, SpecialCategory, Kept(FOR_REPORTS)),
    col("escalation_outcomes", "recorded_by", Worker, Identity, Kept(WORKER)),
    col("follow_ups", "sustained", Child, SpecialCategory, Kept(FOR_REPORTS)),
    col("follow_ups", "recorded_by", Worker, Identity, Kept(WORKER)),
    // Families: the adults of a household, and each one's relationship to each child.
    col("families", "created_by", Worker, Identity, Kept(WORKER)),
    col("family_members", "given_name", Adult, Identity, Redact),
    col("family_members", "family_name", Adult, Identity, Redact),
    col("family_members", "role", Adult, Identity, Kept(FAMILY_SHAPE)),
    col("family_members", "phone", Adult, Contact, Redact),
    col("family_members", "email", Adult, Contact, Redact),
    col("family_members", "address", Adult, Contact, Redact),
    col("family_members", "preferred_contact_method", Adult, Contact, Clear),
    col("family_members", "preferred_language", Adult, Identity, Redact),
    col("family_members", "interpreter_needed", Adult, Identity, Kept(FAMILY_SHAPE)),
    col("family_members", "safe_contact_notes", Adult, FreeText, Redact),
    col("member_relationships", "relationship", Adult, Identity, Kept(FAMILY_SHAPE)),
    col("member_relationships", "parental_responsibility", Adult, Identity, Kept(FAMILY_SHAPE)),
    // A family's early help assessments and plan (erased with any child of the family).
    col("family_assessments", "family_view", Child, FreeText, Redact),
    col("family_assessments", "assessed_by", Worker, Identity, Kept(WORKER)),
    col("family_assessment_areas", "needs", Child, FreeText, Redact),
    col("family_assessment_areas", "strengths", Child, FreeText, Redact),
    col("family_plans", "updated_by", Worker, Identity, Kept(WORKER)),
    col("family_plan_goals", "description", Child, FreeText, Redact),
    col("family_plan_actions", "description", Child, FreeText, Redact),
    col("family_plan_versions", "document", Child, FreeText, Treatment::JsonKeys { keys: &["description"], clear: false }),
    col("family_plan_versions", "recorded_by", Worker, Identity, Kept(WORKER)),
    col("family_plan_reviews", "notes", Child, FreeText, Redact),
    col("family_plan_reviews", "recorded_by", Worker, Identity, Kept(WORKER)),
    // Stored webhook payloads (events of the child's referrals).
    col("outbox_events", "data", Child, Identity, Treatment::JsonKeys { keys: &["external_reference"], clear: true }),
    // Stored answers of writes replayed for an Idempotency-Key.
    col("idempotency_keys", "response_body", Child, Identity, Treatment::DeleteRowsNaming),
    // The erasure's justification, and the audit trail.
    col("erasure_justifications", "justification", Child, FreeText, Kept(JUSTIFICATION)),
    col("audit_events", "actor", Worker, Identity, Kept(AUDIT)),
    // Workers and the people who configure the service.
    col("workers", "subject", Worker, Identity, Kept(WORKER)),
    col("workers", "name", Worker, Identity, Kept(WORKER)),
    col("eligibility_policies", "created_by", Worker, Identity, Kept(WORKER)),
    col("eligibility_policies", "published_by", Worker, Identity, Kept(WORKER)),
    col("webhook_subscriptions", "created_by", Worker, Identity, Kept(WORKER)),
];

/// Every other column, table by table (space-separated): no personal data
/// (identifiers of records, codes, counts, timestamps, organisations'
/// details).
pub const NOT_PERSONAL: &[(&str, &str)] = &[
    ("zones", "id code name created_at updated_at version"),
    (
        "teams",
        "id zone_id name operational_from created_at updated_at version",
    ),
    (
        "workers",
        "id team_id job_role caseload_cap active created_at updated_at version",
    ),
    (
        "schools",
        "urn name la_code establishment_number phase status postcode zone_id \
         created_at updated_at version la_name type_name district_code \
         district_name pupil_count open_date close_date missing_from_extract_at \
         id_scheme kind",
    ),
    ("children", "id created_at updated_at anonymised_at"),
    ("eligibility_policies", "version document created_at effective_from published_at updated_at revision"),
    (
        "referrals",
        "id reference school_urn child_id status zone_id team_id triage_reason \
         worker_id eligibility_outcome eligibility policy_version priority_band \
         priority_score priority_reasons consent_given_by consent_given_on \
         closure_outcome closed_at closed_from submitted_by_role version \
         created_at updated_at anonymised_at priority_rank priority_neg_score \
         review_due_on submitted_eligibility re_referral_of \
         family_id source_type \
         source_organisation",
    ),
    ("referral_indes_levels", "referral_id area"),
    (
        "referral_history",
        "id referral_id at actor_role action from_status to_status details \
         request_id",
    ),
    (
        "idempotency_keys",
        "scope key fingerprint state response_status response_headers \
         created_at expires_at",
    ),
    (
        "integration_clients",
        "id name schools secret_hash previous_secret_hash \
         previous_secret_expires_at token_version revoked_at created_at \
         updated_at version",
    ),
    (
        "audit_events",
        "id occurred_at request_id actor_role client_id action method route \
         subject_type subject_id subject_ids outcome details",
    ),
    (
        "webhook_subscriptions",
        "id client_id url events secret active disabled_at disabled_reason \
         consecutive_failures created_at updated_at version team_id",
    ),
    (
        "outbox_events",
        "id seq event_type school_urn subject_id occurred_at fanned_out_at \
         team_id zone_id",
    ),
    ("due_notices", "event_type subject_id due_on emitted_at"),
    ("sweeps", "name last_run"),
    (
        "webhook_deliveries",
        "id subscription_id event_id event_seq subject_id status attempts \
         next_attempt_at leased_until last_attempt_at last_status_code \
         last_error created_at updated_at",
    ),
    (
        "webhook_attempts",
        "id delivery_id attempted_at status_code error duration_ms succeeded",
    ),
    ("child_history", "id child_id referral_id at"),
    (
        "child_conflicts",
        "id child_id referral_id status resolution resolved_at created_at \
         updated_at version",
    ),
    (
        "interventions",
        "id name description approach mode areas evidence_base typical_sessions \
         active created_at updated_at version",
    ),
    ("support_plans", "referral_id version created_at updated_at family_plan_id"),
    ("family_assessments", "id family_id assessed_on version created_at updated_at"),
    ("family_assessment_areas", "assessment_id position child_member_id area"),
    ("family_plans", "family_id id review_dates version created_at updated_at"),
    ("family_plan_goals", "id family_id position area baseline target current"),
    ("family_plan_actions", "id family_id position owner_worker_id owner_member_id due_on done"),
    ("family_plan_versions", "family_id version recorded_at"),
    ("family_plan_reviews", "id family_id kind reviewed_on created_at version"),
    ("family_review_ratings", "review_id goal_id rating"),
    (
        "plan_goals",
        "id referral_id position area baseline target current",
    ),
    ("plan_interventions", "referral_id intervention_id position"),
    ("support_plan_versions", "referral_id version recorded_at"),
    (
        "delivery_sessions",
        "id team_id held_on intervention_id format duration_minutes created_at \
         version updated_at",
    ),
    (
        "session_attendance",
        "session_id referral_id status child_attended parent_carer_attended \
         school_staff_attended held_on",
    ),
    (
        "plan_reviews",
        "id referral_id kind reviewed_on created_at version updated_at",
    ),
    ("review_ratings", "review_id goal_id rating"),
    (
        "partners",
        "id name kind email phone address website created_at updated_at version",
    ),
    ("partner_zones", "partner_id zone_id"),
    (
        "practice_sessions",
        "id kind zone_id held_on facilitator_id themes created_at updated_at \
         version locality_id",
    ),
    (
        "practice_attendees",
        "id practice_session_id worker_id partner_id setting_urn staff_role",
    ),
    (
        "localities",
        "id zone_id name retired_at version created_at updated_at",
    ),
    ("locality_schools", "locality_id school_urn"),
    ("case_discussions", "id practice_session_id referral_id"),
    (
        "practice_actions",
        "id practice_session_id position owner_id due_on done",
    ),
    (
        "termly_conversations",
        "id school_urn zone_id academic_year term status scheduled_for held_on \
         children_discussed version created_at updated_at",
    ),
    (
        "termly_conversation_referrals",
        "conversation_id referral_id linked_at",
    ),
    (
        "consultations",
        "id school_urn zone_id held_on subject cohort indes_areas \
         termly_conversation_id referral_id version created_at updated_at family_id",
    ),
    (
        "family_hubs",
        "id name address postcode zone_id version created_at updated_at",
    ),
    (
        "programmes",
        "id programme_type title description intervention_id hub_id zone_id \
         capacity starts_on ends_on age_from age_to needs status version \
         created_at updated_at",
    ),
    (
        "programme_sessions",
        "id programme_id session_date starts_at ends_at topic created_at \
         version updated_at attendance_version",
    ),
    (
        "programme_enrolments",
        "id programme_id contact_consent referral_id status waiting_since \
         enrolled_at cancelled_at completed_at version created_at updated_at family_member_id",
    ),
    (
        "programme_attendance",
        "session_id enrolment_id status recorded_at",
    ),
    (
        "referral_co_workers",
        "id referral_id worker_id added_at removed_at",
    ),
    ("erasure_justifications", "id child_id recorded_at"),
    (
        "families",
        "id zone_id status version created_at updated_at",
    ),
    (
        "family_members",
        "id family_id kind child_id school_urn version created_at updated_at \
         anonymised_at",
    ),
    ("member_relationships", "adult_member_id child_member_id"),
    (
        "hub_school_connections",
        "id hub_id school_urn introduced_on introduced_by_worker_id \
         hub_contact_role school_contact_role version created_at updated_at",
    ),
    (
        "case_notes",
        "id referral_id kind occurred_on visibility author_worker_id recorded_at anonymised_at",
    ),
    ("child_lookups", "id looked_up_at"),
    (
        "appointments",
        "id team_id referral_id programme_session_id starts_at ends_at mode expected status attendance cancelled_by session_id created_at updated_at version \
         family_id school_support_id support_session_id",
    ),
    ("appointment_workers", "appointment_id worker_id"),
    (
        "consents",
        "id referral_id given_by member_id scopes partner_ids recorded_how given_on until \
         recorded_at withdrawn_on withdrawn_at version",
    ),
    (
        "calendar_tokens",
        "id worker_id token_hash created_at revoked_at version",
    ),
    (
        "indes_reassessments",
        "id referral_id occasion review_id assessed_on recorded_at",
    ),
    ("indes_reassessment_levels", "reassessment_id area"),
    (
        "follow_ups",
        "id referral_id school_urn zone_id closed_at months due_on recorded_at \
         version created_at",
    ),
    (
        "escalation_outcomes",
        "id referral_id occasion follow_up_id closed_at months_after_closure created_at",
    ),
    (
        "school_feedback",
        "id school_urn zone_id about item_id rating confidence created_at",
    ),
    (
        "school_support",
        "id school_urn zone_id kind starts_on ends_on indes_areas staff \
         cohort_year_groups cohort_size referral_ids review_outcome reviewed_on \
         version created_at updated_at",
    ),
    (
        "school_support_sessions",
        "id support_id held_on duration_minutes practitioner_id children_count \
         staff_count created_at",
    ),
    (
        "school_support_actions",
        "id support_id owner owner_worker_id due_on done version created_at updated_at",
    ),
    ("waiting_snapshot_days", "day taken_at"),
    (
        "waiting_snapshots",
        "day team_id zone_id awaiting_acceptance awaiting_allocation",
    ),
];

/// Tables of the database that hold no data of the service (the migration
/// ledger).
pub const IGNORED_TABLES: &[&str] = &["__diesel_schema_migrations"];

/// Whether `table.column` is in the map, as personal or not.
pub fn classified(table: &str, column: &str) -> bool {
    PERSONAL
        .iter()
        .any(|p| p.table == table && p.column == column)
        || NOT_PERSONAL
            .iter()
            .any(|(t, cols)| *t == table && cols.split_whitespace().any(|c| c == column))
}

/// The link of a table to a child, if the map has one.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

/// The columns of `schema` (in `information_schema.columns`) that the map
/// does not classify, as `table.column`, sorted; and the map's entries that
/// no longer name a column of the database.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn unclassified(
    c: &mut diesel_async::AsyncPgConnection,
    schema: &str,
) -> crate::StoreResult<(Vec<String>, Vec<String>)> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Column {
        #[diesel(sql_type = diesel::sql_types::Text)]
        table_name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        column_name: String,
    }
    let rows: Vec<Column> = diesel::sql_query(
        "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name \
         FROM information_schema.columns c \
         JOIN information_schema.tables t \
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = $1 AND t.table_type = 'BASE TABLE' \
         ORDER BY 1, 2",
    )
    .bind::<diesel::sql_types::Text, _>(schema)
    .load(c)
    .await?;
    let missing: Vec<String> = rows
        .iter()
        .filter(|r| !IGNORED_TABLES.contains(&r.table_name.as_str()))
        .filter(|r| !classified(&r.table_name, &r.column_name))
        .map(|r| format!("{}.{}", r.table_name, r.column_name))
        .collect();
    let exists = |t: &str, c: &str| rows.iter().any(|r| r.table_name == t && r.column_name == c);
    let mut stale: Vec<String> = PERSONAL
        .iter()
        .map(|p| (p.table, p.column))
        .chain(
            NOT_PERSONAL
                .iter()
                .flat_map(|(t, cols)| cols.split_whitespace().map(move |c| (*t, c))),
        )
        .filter(|(t, c)| !exists(t, c))
        .map(|(t, c)| format!("{t}.{c}"))
        .collect();
    stale.sort();
    Ok((missing, stale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_column_is_classified_once() {
        let mut seen = std::collections::HashSet::new();
        for p in PERSONAL {
            assert!(
                seen.insert((p.table, p.column)),
                "{}.{} twice",
                p.table,
                p.column
            );
        }
        for (t, cols) in NOT_PERSONAL {
            for c in cols.split_whitespace() {
                assert!(seen.insert((*t, c)), "{t}.{c} twice");
            }
        }
    }

    #[test]
    fn docs_name_every_personal_column() {
        let doc = include_str!("../../../../docs/data-protection.md");
        for p in PERSONAL {
            let row = format!("| `{}` | `{}` |", p.table, p.column);
            assert!(doc.contains(&row), "docs/data-protection.md lacks {row}");
        }
    }

    #[test]
    fn every_family_table_with_an_adult_column_is_tied_to_the_adult() {
        for p in PERSONAL {
            if p.whose == Whose::Adult && p.table != "programme_enrolments" {
                assert!(
                    ADULT_TABLES.iter().any(|t| t.name == p.table),
                    "{}.{} has no link to an adult member",
                    p.table,
                    p.column
                );
            }
        }
    }

    #[test]
    fn every_erased_column_has_a_link_to_the_child() {
        for p in PERSONAL {
            if matches!(p.whose, Whose::Child | Whose::Adult) {
                assert!(
                    table(p.table).is_some(),
                    "{}.{} has no link",
                    p.table,
                    p.column
                );
            }
        }
    }
}
