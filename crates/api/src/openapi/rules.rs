//! The rules the server enforces that no JSON Schema can state (records
//! that must exist, rules between fields, the policy's scale, dates not
//! after today), appended to the description of each operation that has
//! them, with the error code each answers. Every rule of shape is in the
//! schemas instead; tools/fuzz/schemathesis.toml allows these refusals for
//! positive data on these operations only.

use utoipa::openapi::OpenApi;
use utoipa::Modify;

const EXIST: &str = "must exist and be in the caller's reach";

/// `(operationId, rules)`: each rule ends with the `code` of the field
/// error it answers (422 `validation_failed`, the field named in `errors`).
pub(super) const RULES: &[(&str, &[&str])] = &[
    ("lookup_child", &["a `upn`, or all of `given_name`, `family_name` and `date_of_birth` (`required`)", "a `reason` that is not blank (`required`)"]),
    ("create_consultation", &["`school_urn` of a school with a zone (`unknown_school`, `school_mismatch`), required unless `subject` = `family` (`required`)", "`family_id` of a family in the caller's zone (`unknown_family`), required with `subject` = `family` (`required`) and refused with another subject (`family_consultation`)", "`termly_conversation_id` of the same school (`unknown_termly_conversation`)", "`upn` only with `subject` = `child` (`upn_with_cohort`)", "`held_on` not after today (`in_future`)"]),
    ("update_consultation", &["`subject` = `family` exactly when the consultation has a family (`required`, `family_consultation`)", "`upn` only with `subject` = `child` (`upn_with_cohort`)", "`held_on` not after today (`in_future`)"]),
    ("create_school_support", &["`cohort.referral_ids` referrals of the setting, each once (`unknown_referral`, `duplicate_referral`)", "`cohort.size` at least the referrals linked (`cohort_smaller_than_linked`)", "`cohort.year_groups` census codes (N1, N2, R, 1-14, X), each once (`invalid_year_group`, `duplicate_year_group`)", "a `cohort` for `cohort_group_work` (`cohort_required`)", "`ends_on` not before `starts_on` (`ends_before_starts`)", "staff roles each once (`duplicate_role`)"]),
    ("update_school_support", &["`cohort.referral_ids` referrals of the setting, each once (`unknown_referral`, `duplicate_referral`)", "`cohort.size` at least the referrals linked (`cohort_smaller_than_linked`)", "`cohort.year_groups` census codes (N1, N2, R, 1-14, X), each once (`invalid_year_group`, `duplicate_year_group`)", "a `cohort` for `cohort_group_work` (`cohort_required`)", "`ends_on` not before `starts_on` (`ends_before_starts`)", "staff roles each once (`duplicate_role`)"]),
    ("create_school_support_session", &["`practitioner_id` (or the caller) an active worker of the zone's team (`unknown_worker`)", "`held_on` not after today (`in_future`) nor before the work starts (`before_start`)"]),
    ("create_school_support_action", &["`owner_worker_id` for `team` only, an active worker of the zone's team (`invalid_owner`, `unknown_worker`)"]),
    ("update_school_support_action", &["`owner_worker_id` for `team` only, an active worker of the zone's team (`invalid_owner`, `unknown_worker`)"]),
    ("review_school_support", &["`reviewed_on` not after today (`in_future`) nor before the work starts (`before_start`)"]),
    ("create_policy", &["the band on the scale, low <= high (`band_outside_scale`)", "the factor lift not reaching below the scale's minimum (`invalid_factor_lift`)", "`urgent_from` not below `high_from` (`invalid_priority_weights`)", "name, description and pathway texts not blank (`invalid_text`)"]),
    ("update_policy", &["the band on the scale, low <= high (`band_outside_scale`)", "the factor lift not reaching below the scale's minimum (`invalid_factor_lift`)", "`urgent_from` not below `high_from` (`invalid_priority_weights`)", "name, description and pathway texts not blank (`invalid_text`)", "`version` the version of the path (`path_mismatch`)"]),
    ("simulate_policy", &["`to` not before `from` (`before_from`) and at most 3 years after it (`period_too_long`)"]),
    ("publish_policy", &["the version's `effective_from` today or later (`in_past`)"]),
    ("check_eligibility", &["INDES levels on the scale of the policy in force (the schema states 0-20, the widest scale a policy may have)"]),
    ("submit_referral", &["`school_urn` one of the caller's schools (`unknown_school`)", "INDES levels on the scale of the policy in force (the schema states 0-20, the widest a policy may have), one per area (`duplicate_area`)", "`consent.given_on` not after today (`in_future`)"]),
    ("correct_referral", &["INDES levels on the scale of the policy in force, one per area (`duplicate_area`)"]),
    ("close_referral", &["`indes` levels on the scale of the policy in force", "`final_ratings` name current goals of the plan (`ratings`)"]),
    ("allocate_referral", &["`worker_id` or `auto: true`, one of them (`one_of`)", "the worker is an active practitioner of the referral's team, under their cap"]),
    ("add_co_worker", &["`worker_id` an active worker of the referral's team"]),
    ("create_note", &["`occurred_on` not after today (`in_future`)"]),
    ("record_consent", &["`member_id` an adult of the referral's family with parental responsibility for its child (`no_parental_responsibility`), required for a parent or carer when the referral has a family (`required`), refused for the young person (`not_allowed`)", "`partner_ids` each a known partner (`unknown_partner`), once (`duplicate_partner`), required with `share_with_partner` (`partners_required`) and refused without it (`partners_without_scope`)", "each scope once (`duplicate_scope`)", "`given_on` not after today (`in_future`)", "`until` not before `given_on` (`until_before_given`)"]),
    ("record_review", &["`reviewed_on` not after today (`in_future`)", "ratings of the plan's current goals (`ratings`)"]),
    ("update_review", &["`reviewed_on` not after today (`in_future`)", "ratings of the plan's current goals (`ratings`)"]),
    ("put_plan", &["each goal's target above its baseline (`target_not_above_baseline`)", "goals and interventions not repeated (`duplicate_goal`, `duplicate_intervention`)", "interventions named exist and are active", "`family_plan_id` the plan of the referral's family (`unknown_family_plan`)"]),
    ("create_family_assessment", &["each child area's `child_member_id` a child member of the family (`not_a_member`)", "each child's area and each family area once (`duplicate_area`)", "at least one area (`required`)", "`assessed_on` not after today (`in_future`)"]),
    ("update_family_assessment", &["each child area's `child_member_id` a child member of the family (`not_a_member`)", "each child's area and each family area once (`duplicate_area`)", "at least one area (`required`)", "`assessed_on` not after today (`in_future`)"]),
    ("record_family_review", &["`reviewed_on` not after today (`in_future`)", "ratings of the family plan's current goals, each once (`ratings`)"]),
    ("update_family", &["`zone_id` (`unknown_zone`)", "`final_ratings` exactly when closing an open family whose plan has goals (`final_ratings_required`, `not_allowed`, `no_goals`), rating its current goals each once (`ratings`)"]),
    ("put_family_plan", &["each goal's target above its baseline (`target_not_above_baseline`)", "goal and action `id`s of this plan's current goals and actions (`unknown_goal`, `unknown_action`)", "an action's `owner_member_id` an adult member of the family (`not_a_member`), its `owner_worker_id` a worker (`unknown_worker`), not both (`owner_conflict`)"]),
    ("record_session", &["`intervention_id` of an intervention (`unknown_intervention`)", "`date` not after today"]),
    ("update_session", &["`intervention_id` of an intervention (`unknown_intervention`)", "`date` not after today"]),
    ("record_group_session", &["`referral_id`s of active referrals of one team in the caller's scope (`unknown_referral`)", "attendance given for exactly the referrals listed (`inconsistent_attendance`)"]),
    ("create_family_hub", &["`zone_id` (`unknown_zone`)"]),
    ("update_family_hub", &["`zone_id` (`unknown_zone`)"]),
    ("create_hub_connection", &["`school_urn` a school of the hub's zone (`unknown_school`, `school_not_in_hub_zone`)", "`introduced_by_worker_id` a worker of the zone's team (`unknown_worker`)", "`introduced_on` not after today (`in_future`)", "joint activities not blank (`length`)"]),
    ("update_hub_connection", &["`school_urn`, if given, the school of the path (`school_mismatch`)", "`introduced_by_worker_id` a worker of the zone's team (`unknown_worker`)", "`introduced_on` not after today (`in_future`)", "joint activities not blank (`length`)"]),
    ("create_feedback", &["the item it is about exists, is the school's and is finished (closed or held)", "a `comment`, if given, not blank (`length`)", "the rating on the scale (`off_scale`)"]),
    ("register_client", &["`schools` registered schools (`unknown_school`)"]),
    ("set_client_schools", &["`schools` registered schools (`unknown_school`)"]),
    ("create_partner", &["`zone_ids` zones (`unknown_zone`); a team manager's only their own (`zone_not_yours`)"]),
    ("update_partner", &["`zone_ids` zones (`unknown_zone`); a team manager changes only their own (`zone_not_yours`)"]),
    ("create_locality", &["`zone_id` (`unknown_zone`)", "`school_urns` registered settings (`unknown_school`) of the zone (`school_not_in_zone`), each once (`duplicate_school`)", "`name` not blank (`required`)"]),
    ("update_locality", &["`zone_id` (`unknown_zone`), changed only while no practice session was held for the locality (`locality_in_use`)", "`school_urns` registered settings (`unknown_school`) of the zone (`school_not_in_zone`), each once (`duplicate_school`)", "`name` not blank (`required`)"]),
    ("create_practice_session", &["`zone_id` (`unknown_zone`), a team manager's own (`zone_not_yours`)", "`locality_id` a locality of the zone (`locality_not_in_zone`), not retired (`locality_retired`)", "`attendees.settings[].urn` settings of the zone (`setting_not_in_zone`)", "`facilitator_id` and the workers attending exist", "`held_on` not after today"]),
    ("update_practice_session", &["`locality_id` a locality of the session's zone (`locality_not_in_zone`), not retired unless the session had it (`locality_retired`)", "`attendees.settings[].urn` settings of the session's zone (`setting_not_in_zone`)", "`facilitator_id` and the workers attending exist", "`held_on` not after today"]),
    ("create_programme", &["`zone_id` (`unknown_zone`)", "`hub_id` a hub (`unknown_hub`)", "`ends_on` not before `starts_on` (`before_start`)", "`age_to` not below `age_from` (`before_age_from`)"]),
    ("update_programme", &["`hub_id` a hub (`unknown_hub`)", "`ends_on` not before `starts_on` (`before_start`)", "`age_to` not below `age_from` (`before_age_from`)", "`capacity` not below the places taken (`below_enrolled`)"]),
    ("create_programme_session", &["`date` within the programme's dates (`outside_programme`)", "`ends_at` after `starts_at` (`before_start`)"]),
    ("update_programme_session", &["`date` within the programme's dates (`outside_programme`)", "`ends_at` after `starts_at` (`before_start`)"]),
    ("create_enrolment", &["`referral_id`, if given, a referral in the caller's reach (`unknown_referral`)", "a family enrolled once (`duplicate_enrolment`)", "`family_member_id` an adult member of a family of the programme's zone, of the referral's family when `referral_id` is given (`not_a_member`)", "`family_member_id` or `parent_carer_name` given (`required`)"]),
    ("create_school", &["`urn` an identifier of its `id_scheme`: 6 digits for `urn`, `EY` and 6 digits or 6 digits for `ofsted`, `LA-` and 1 to 20 capital letters or digits for `local` (`invalid_urn`)", "`zone_id`, if given (`unknown_zone`)"]),
    ("set_school_zone", &["`zone_id` (`unknown_zone`)"]),
    ("import_settings", &["the CSV file has the columns named (`missing_column`) and parses (`malformed_csv`)"]),
    ("import_schools", &["the CSV extract has the columns named (`missing_column`) and parses (`malformed_csv`)", "`zones`, if given, maps to existing zones (`invalid_zone_map`)"]),
    ("create_team", &["`zone_id` (`unknown_zone`)"]),
    ("create_termly_conversation", &["`school_urn` a school with a zone (`unknown_school`, `school_without_zone`)"]),
    ("offer_termly_conversations", &["`zone_id` (`unknown_zone`)"]),
    ("link_termly_conversation_referral", &["`referral_id` a referral of the conversation's school (`unknown_referral`)"]),
    ("hold_termly_conversation", &["`held_on` not after today (`in_future`)", "actions not blank (`length`)"]),
    ("create_subscription", &["the URL's host resolves to a public address, checked when created and when connecting (`url_not_allowed`)"]),
    ("update_subscription", &["the URL's host resolves to a public address (`url_not_allowed`)"]),
];

/// Appends each operation's rules to its description.
pub struct UnstatedRules;

impl Modify for UnstatedRules {
    fn modify(&self, doc: &mut OpenApi) {
        for item in doc.paths.paths.values_mut() {
            for op in crate::http::docs::operations_mut(item) {
                let Some(id) = op.operation_id.as_deref() else {
                    continue;
                };
                let Some((_, rules)) = RULES.iter().find(|(o, _)| *o == id) else {
                    continue;
                };
                let list: Vec<String> = rules.iter().map(|r| format!("- {r}")).collect();
                let text = format!(
                    "\n\nRules no schema states (422 `validation_failed`; `errors` names the field and its code, in brackets here; a record named {EXIST}):\n{}",
                    list.join("\n")
                );
                let d = op.description.get_or_insert_with(String::new);
                d.push_str(&text);
            }
        }
    }
}
