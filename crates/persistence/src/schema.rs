// @generated-style diesel schema, written to match migrations/ exactly.
// A test (`schema_matches_database`) checks it against a migrated database.

diesel::table! {
    zones (id) {
        id -> Uuid,
        code -> Text,
        name -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    teams (id) {
        id -> Uuid,
        zone_id -> Uuid,
        name -> Text,
        operational_from -> Date,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    workers (id) {
        id -> Uuid,
        team_id -> Uuid,
        subject -> Text,
        name -> Text,
        job_role -> Text,
        caseload_cap -> Int4,
        active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    schools (urn) {
        urn -> Text,
        name -> Text,
        la_code -> Nullable<Text>,
        establishment_number -> Nullable<Text>,
        phase -> Nullable<Text>,
        status -> Text,
        postcode -> Nullable<Text>,
        zone_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        la_name -> Nullable<Text>,
        type_name -> Nullable<Text>,
        district_code -> Nullable<Text>,
        district_name -> Nullable<Text>,
        pupil_count -> Nullable<Int4>,
        open_date -> Nullable<Date>,
        close_date -> Nullable<Date>,
        missing_from_extract_at -> Nullable<Timestamptz>,
        id_scheme -> Text,
        kind -> Text,
    }
}

diesel::table! {
    children (id) {
        id -> Uuid,
        upn -> Text,
        given_name -> Text,
        family_name -> Text,
        date_of_birth -> Date,
        year_group -> Text,
        sen_provision -> Text,
        primary_need -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        anonymised_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    eligibility_policies (version) {
        version -> Text,
        document -> Jsonb,
        created_at -> Timestamptz,
        created_by -> Text,
        effective_from -> Date,
        published_at -> Nullable<Timestamptz>,
        published_by -> Nullable<Text>,
        updated_at -> Timestamptz,
        revision -> Int4,
    }
}

diesel::table! {
    referrals (id) {
        id -> Uuid,
        reference -> Text,
        school_urn -> Text,
        external_reference -> Nullable<Text>,
        child_id -> Uuid,
        status -> Text,
        zone_id -> Nullable<Uuid>,
        team_id -> Nullable<Uuid>,
        triage_reason -> Nullable<Text>,
        worker_id -> Nullable<Uuid>,
        eligibility_outcome -> Text,
        eligibility -> Jsonb,
        policy_version -> Text,
        priority_band -> Text,
        priority_score -> Int4,
        priority_reasons -> Jsonb,
        complicating_factors -> Array<Text>,
        existing_plans -> Array<Text>,
        sen_provision -> Text,
        primary_need -> Nullable<Text>,
        year_group -> Text,
        consent_given_by -> Text,
        consent_given_on -> Date,
        reason -> Text,
        decline_reason -> Nullable<Text>,
        signposting -> Nullable<Text>,
        closure_outcome -> Nullable<Text>,
        closure_note -> Nullable<Text>,
        closed_at -> Nullable<Timestamptz>,
        closed_from -> Nullable<Text>,
        submitted_by -> Text,
        submitted_by_role -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        anonymised_at -> Nullable<Timestamptz>,
        submitted_upn -> Text,
        submitted_given_name -> Text,
        submitted_family_name -> Text,
        submitted_date_of_birth -> Date,
        priority_rank -> Nullable<Int2>,
        priority_neg_score -> Nullable<Int4>,
        review_due_on -> Nullable<Date>,
        submitted_eligibility -> Nullable<Jsonb>,
        re_referral_of -> Nullable<Uuid>,
        family_id -> Nullable<Uuid>,
        source_type -> Text,
        source_organisation -> Nullable<Text>,
    }
}

diesel::table! {
    referral_indes_levels (referral_id, area) {
        referral_id -> Uuid,
        area -> Text,
        level -> Int2,
    }
}

diesel::table! {
    referral_history (id) {
        id -> Int8,
        referral_id -> Uuid,
        at -> Timestamptz,
        actor -> Text,
        actor_role -> Text,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Nullable<Text>,
        details -> Jsonb,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        fingerprint -> Text,
        state -> Text,
        response_status -> Nullable<Int4>,
        response_headers -> Nullable<Jsonb>,
        response_body -> Nullable<Bytea>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::joinable!(teams -> zones (zone_id));
diesel::joinable!(workers -> teams (team_id));
diesel::joinable!(schools -> zones (zone_id));
diesel::joinable!(referrals -> schools (school_urn));
diesel::joinable!(referrals -> children (child_id));
diesel::joinable!(referrals -> zones (zone_id));
diesel::joinable!(referrals -> teams (team_id));
diesel::joinable!(referrals -> workers (worker_id));
diesel::joinable!(referral_indes_levels -> referrals (referral_id));
diesel::joinable!(referral_history -> referrals (referral_id));

diesel::allow_tables_to_appear_in_same_query!(
    zones,
    teams,
    workers,
    schools,
    children,
    eligibility_policies,
    referrals,
    referral_indes_levels,
    referral_history,
    idempotency_keys,
);

diesel::table! {
    integration_clients (id) {
        id -> Uuid,
        name -> Text,
        schools -> Array<Text>,
        secret_hash -> Text,
        previous_secret_hash -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<Timestamptz>,
        token_version -> Int4,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Int8,
        occurred_at -> Timestamptz,
        request_id -> Nullable<Text>,
        actor -> Text,
        actor_role -> Text,
        client_id -> Nullable<Text>,
        action -> Text,
        method -> Nullable<Text>,
        route -> Nullable<Text>,
        subject_type -> Nullable<Text>,
        subject_id -> Nullable<Text>,
        outcome -> Int2,
        details -> Jsonb,
        subject_ids -> Nullable<Array<Text>>,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> Uuid,
        client_id -> Nullable<Uuid>,
        created_by -> Text,
        url -> Text,
        events -> Array<Text>,
        secret -> Text,
        active -> Bool,
        disabled_at -> Nullable<Timestamptz>,
        disabled_reason -> Nullable<Text>,
        consecutive_failures -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        team_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    outbox_events (id) {
        id -> Uuid,
        seq -> Int8,
        event_type -> Text,
        school_urn -> Nullable<Text>,
        subject_id -> Uuid,
        data -> Jsonb,
        occurred_at -> Timestamptz,
        fanned_out_at -> Nullable<Timestamptz>,
        team_id -> Nullable<Uuid>,
        zone_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        subscription_id -> Uuid,
        event_id -> Uuid,
        event_seq -> Int8,
        subject_id -> Uuid,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        leased_until -> Nullable<Timestamptz>,
        last_attempt_at -> Nullable<Timestamptz>,
        last_status_code -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Int8,
        delivery_id -> Uuid,
        attempted_at -> Timestamptz,
        status_code -> Nullable<Int4>,
        error -> Nullable<Text>,
        duration_ms -> Int4,
        succeeded -> Bool,
    }
}

diesel::joinable!(webhook_subscriptions -> integration_clients (client_id));
diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));
diesel::joinable!(webhook_deliveries -> outbox_events (event_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));

diesel::allow_tables_to_appear_in_same_query!(
    webhook_subscriptions,
    outbox_events,
    webhook_deliveries,
    webhook_attempts,
    integration_clients,
);

diesel::table! {
    child_history (id) {
        id -> Int8,
        child_id -> Uuid,
        referral_id -> Nullable<Uuid>,
        at -> Timestamptz,
        actor -> Text,
        changes -> Jsonb,
    }
}

diesel::table! {
    child_conflicts (id) {
        id -> Uuid,
        child_id -> Uuid,
        referral_id -> Uuid,
        status -> Text,
        recorded_date_of_birth -> Date,
        submitted_given_name -> Text,
        submitted_family_name -> Text,
        submitted_date_of_birth -> Date,
        resolution -> Nullable<Text>,
        resolution_note -> Nullable<Text>,
        resolved_by -> Nullable<Text>,
        resolved_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::joinable!(child_conflicts -> children (child_id));
diesel::joinable!(child_history -> children (child_id));
diesel::allow_tables_to_appear_in_same_query!(child_conflicts, child_history, children);

diesel::table! {
    interventions (id) {
        id -> Uuid,
        name -> Text,
        description -> Text,
        approach -> Text,
        mode -> Text,
        areas -> Array<Text>,
        evidence_base -> Text,
        typical_sessions -> Nullable<Int4>,
        active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    support_plans (referral_id) {
        referral_id -> Uuid,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        updated_by -> Text,
        family_plan_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    plan_goals (id) {
        id -> Uuid,
        referral_id -> Uuid,
        position -> Int2,
        area -> Text,
        description -> Text,
        baseline -> Int2,
        target -> Int2,
        current -> Bool,
    }
}

diesel::table! {
    plan_interventions (referral_id, intervention_id) {
        referral_id -> Uuid,
        intervention_id -> Uuid,
        position -> Int2,
    }
}

diesel::table! {
    support_plan_versions (referral_id, version) {
        referral_id -> Uuid,
        version -> Int4,
        document -> Jsonb,
        recorded_at -> Timestamptz,
        recorded_by -> Text,
    }
}

diesel::table! {
    delivery_sessions (id) {
        id -> Uuid,
        team_id -> Uuid,
        held_on -> Date,
        intervention_id -> Nullable<Uuid>,
        format -> Text,
        duration_minutes -> Int4,
        notes -> Nullable<Text>,
        recorded_by -> Text,
        created_at -> Timestamptz,
        version -> Int4,
        updated_at -> Nullable<Timestamptz>,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    session_attendance (session_id, referral_id) {
        session_id -> Uuid,
        referral_id -> Uuid,
        status -> Text,
        child_attended -> Bool,
        parent_carer_attended -> Bool,
        school_staff_attended -> Bool,
        held_on -> Date,
    }
}

diesel::table! {
    plan_reviews (id) {
        id -> Uuid,
        referral_id -> Uuid,
        kind -> Text,
        reviewed_on -> Date,
        notes -> Nullable<Text>,
        recorded_by -> Text,
        created_at -> Timestamptz,
        version -> Int4,
        updated_at -> Nullable<Timestamptz>,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    review_ratings (review_id, goal_id) {
        review_id -> Uuid,
        goal_id -> Uuid,
        rating -> Int2,
    }
}

diesel::table! {
    partners (id) {
        id -> Uuid,
        name -> Text,
        kind -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        website -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    partner_zones (partner_id, zone_id) {
        partner_id -> Uuid,
        zone_id -> Uuid,
    }
}

diesel::table! {
    practice_sessions (id) {
        id -> Uuid,
        kind -> Text,
        zone_id -> Uuid,
        held_on -> Date,
        facilitator_id -> Uuid,
        themes -> Array<Text>,
        created_by -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        locality_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    practice_attendees (id) {
        id -> Uuid,
        practice_session_id -> Uuid,
        worker_id -> Nullable<Uuid>,
        partner_id -> Nullable<Uuid>,
        representative_name -> Nullable<Text>,
        setting_urn -> Nullable<Text>,
        staff_role -> Nullable<Text>,
    }
}

diesel::table! {
    case_discussions (id) {
        id -> Uuid,
        practice_session_id -> Uuid,
        referral_id -> Uuid,
        summary -> Text,
    }
}

diesel::table! {
    practice_actions (id) {
        id -> Uuid,
        practice_session_id -> Uuid,
        position -> Int2,
        description -> Text,
        owner_id -> Uuid,
        due_on -> Date,
        done -> Bool,
    }
}

diesel::joinable!(session_attendance -> delivery_sessions (session_id));
diesel::joinable!(review_ratings -> plan_reviews (review_id));
diesel::joinable!(review_ratings -> plan_goals (goal_id));
diesel::joinable!(partner_zones -> partners (partner_id));

diesel::allow_tables_to_appear_in_same_query!(
    interventions,
    support_plans,
    plan_goals,
    plan_interventions,
    support_plan_versions,
    delivery_sessions,
    session_attendance,
    plan_reviews,
    review_ratings,
    partners,
    partner_zones,
    practice_sessions,
    practice_attendees,
    case_discussions,
    practice_actions,
);

diesel::table! {
    termly_conversations (id) {
        id -> Uuid,
        school_urn -> Text,
        zone_id -> Uuid,
        academic_year -> Text,
        term -> Text,
        status -> Text,
        scheduled_for -> Nullable<Date>,
        held_on -> Nullable<Date>,
        attendees -> Array<Text>,
        children_discussed -> Nullable<Int4>,
        actions -> Jsonb,
        notes -> Nullable<Text>,
        decline_reason -> Nullable<Text>,
        offered_by -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    termly_conversation_referrals (conversation_id, referral_id) {
        conversation_id -> Uuid,
        referral_id -> Uuid,
        linked_at -> Timestamptz,
        linked_by -> Text,
    }
}

diesel::table! {
    consultations (id) {
        id -> Uuid,
        school_urn -> Nullable<Text>,
        zone_id -> Uuid,
        held_on -> Date,
        topic -> Text,
        subject -> Text,
        upn -> Nullable<Text>,
        cohort -> Nullable<Text>,
        indes_areas -> Array<Text>,
        advice -> Text,
        follow_up -> Nullable<Text>,
        termly_conversation_id -> Nullable<Uuid>,
        referral_id -> Nullable<Uuid>,
        recorded_by -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        family_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    family_hubs (id) {
        id -> Uuid,
        name -> Text,
        address -> Text,
        postcode -> Text,
        zone_id -> Uuid,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    programmes (id) {
        id -> Uuid,
        programme_type -> Text,
        title -> Text,
        description -> Text,
        intervention_id -> Nullable<Uuid>,
        hub_id -> Nullable<Uuid>,
        zone_id -> Uuid,
        capacity -> Int4,
        starts_on -> Date,
        ends_on -> Date,
        age_from -> Int4,
        age_to -> Int4,
        needs -> Array<Text>,
        status -> Text,
        created_by -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    programme_sessions (id) {
        id -> Uuid,
        programme_id -> Uuid,
        session_date -> Date,
        starts_at -> Nullable<Time>,
        ends_at -> Nullable<Time>,
        topic -> Nullable<Text>,
        created_at -> Timestamptz,
        version -> Int4,
        updated_at -> Nullable<Timestamptz>,
        attendance_version -> Int4,
    }
}

diesel::table! {
    programme_enrolments (id) {
        id -> Uuid,
        programme_id -> Uuid,
        parent_carer_name -> Nullable<Text>,
        contact_consent -> Bool,
        referral_id -> Nullable<Uuid>,
        status -> Text,
        waiting_since -> Nullable<Timestamptz>,
        enrolled_at -> Nullable<Timestamptz>,
        cancelled_at -> Nullable<Timestamptz>,
        completed_at -> Nullable<Timestamptz>,
        enrolled_by -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        family_member_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    programme_attendance (session_id, enrolment_id) {
        session_id -> Uuid,
        enrolment_id -> Uuid,
        status -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamptz,
    }
}

diesel::joinable!(termly_conversations -> schools (school_urn));
diesel::joinable!(termly_conversation_referrals -> termly_conversations (conversation_id));
diesel::joinable!(consultations -> schools (school_urn));
diesel::joinable!(programmes -> family_hubs (hub_id));
diesel::joinable!(programme_sessions -> programmes (programme_id));
diesel::joinable!(programme_enrolments -> programmes (programme_id));

diesel::allow_tables_to_appear_in_same_query!(
    termly_conversations,
    termly_conversation_referrals,
    consultations,
    family_hubs,
    programmes,
    programme_sessions,
    programme_enrolments,
    programme_attendance,
);

diesel::table! {
    referral_co_workers (id) {
        id -> Uuid,
        referral_id -> Uuid,
        worker_id -> Uuid,
        added_at -> Timestamptz,
        added_by -> Text,
        removed_at -> Nullable<Timestamptz>,
        removed_by -> Nullable<Text>,
    }
}

diesel::joinable!(referral_co_workers -> referrals (referral_id));
diesel::joinable!(referral_co_workers -> workers (worker_id));

diesel::allow_tables_to_appear_in_same_query!(referral_co_workers, referrals);
diesel::allow_tables_to_appear_in_same_query!(referral_co_workers, workers);

diesel::table! {
    hub_school_connections (id) {
        id -> Uuid,
        hub_id -> Uuid,
        school_urn -> Text,
        introduced_on -> Date,
        introduced_by_worker_id -> Nullable<Uuid>,
        hub_contact_name -> Nullable<Text>,
        hub_contact_role -> Nullable<Text>,
        school_contact_name -> Nullable<Text>,
        school_contact_role -> Nullable<Text>,
        joint_activities -> Array<Text>,
        recorded_by -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(hub_school_connections -> family_hubs (hub_id));
diesel::joinable!(hub_school_connections -> schools (school_urn));

diesel::allow_tables_to_appear_in_same_query!(hub_school_connections, family_hubs);
diesel::allow_tables_to_appear_in_same_query!(hub_school_connections, schools);

diesel::table! {
    school_feedback (id) {
        id -> Uuid,
        school_urn -> Text,
        zone_id -> Uuid,
        about -> Text,
        item_id -> Uuid,
        rating -> Int2,
        confidence -> Int2,
        comment -> Nullable<Text>,
        given_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(school_feedback -> schools (school_urn));
diesel::allow_tables_to_appear_in_same_query!(school_feedback, schools);

diesel::table! {
    case_notes (id) {
        id -> Uuid,
        referral_id -> Uuid,
        kind -> Text,
        occurred_on -> Date,
        text -> Text,
        visibility -> Text,
        author_worker_id -> Nullable<Uuid>,
        recorded_by -> Text,
        recorded_at -> Timestamptz,
        anonymised_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    child_lookups (id) {
        id -> Uuid,
        reason -> Text,
        actor -> Text,
        looked_up_at -> Timestamptz,
    }
}

diesel::joinable!(case_notes -> referrals (referral_id));
diesel::allow_tables_to_appear_in_same_query!(case_notes, referrals);

diesel::table! {
    indes_reassessments (id) {
        id -> Uuid,
        referral_id -> Uuid,
        occasion -> Text,
        review_id -> Nullable<Uuid>,
        assessed_on -> Date,
        recorded_by -> Text,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    indes_reassessment_levels (reassessment_id, area) {
        reassessment_id -> Uuid,
        area -> Text,
        level -> Int2,
    }
}

diesel::joinable!(indes_reassessments -> referrals (referral_id));
diesel::joinable!(indes_reassessments -> plan_reviews (review_id));
diesel::joinable!(indes_reassessment_levels -> indes_reassessments (reassessment_id));

diesel::allow_tables_to_appear_in_same_query!(
    indes_reassessments,
    indes_reassessment_levels,
    referrals,
    plan_reviews,
);

diesel::table! {
    follow_ups (id) {
        id -> Uuid,
        referral_id -> Uuid,
        school_urn -> Text,
        zone_id -> Uuid,
        closed_at -> Timestamptz,
        months -> Int2,
        due_on -> Date,
        sustained -> Nullable<Bool>,
        recorded_at -> Nullable<Timestamptz>,
        recorded_by -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    escalation_outcomes (id) {
        id -> Uuid,
        referral_id -> Uuid,
        occasion -> Text,
        follow_up_id -> Nullable<Uuid>,
        closed_at -> Timestamptz,
        months_after_closure -> Int2,
        ehc_requested_by -> Nullable<Text>,
        ehc_requested_on -> Nullable<Date>,
        ehc_result -> Nullable<Text>,
        placement -> Text,
        suspensions -> Int2,
        permanent_exclusions -> Int2,
        attendance_at_referral -> Nullable<Float8>,
        attendance_now -> Nullable<Float8>,
        step_up_social_care -> Bool,
        step_up_health -> Bool,
        recorded_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(follow_ups -> referrals (referral_id));
diesel::joinable!(escalation_outcomes -> follow_ups (follow_up_id));
diesel::allow_tables_to_appear_in_same_query!(follow_ups, referrals, escalation_outcomes);

diesel::table! {
    waiting_snapshot_days (day) {
        day -> Date,
        taken_at -> Timestamptz,
    }
}

diesel::table! {
    waiting_snapshots (day, team_id) {
        day -> Date,
        team_id -> Nullable<Uuid>,
        zone_id -> Nullable<Uuid>,
        awaiting_acceptance -> Int4,
        awaiting_allocation -> Int4,
    }
}

diesel::table! {
    families (id) {
        id -> Uuid,
        zone_id -> Uuid,
        status -> Text,
        created_by -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    family_members (id) {
        id -> Uuid,
        family_id -> Uuid,
        kind -> Text,
        child_id -> Nullable<Uuid>,
        school_urn -> Nullable<Text>,
        role -> Nullable<Text>,
        given_name -> Nullable<Text>,
        family_name -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        address -> Nullable<Text>,
        preferred_contact_method -> Nullable<Text>,
        preferred_language -> Nullable<Text>,
        interpreter_needed -> Bool,
        safe_contact_notes -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        anonymised_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    member_relationships (adult_member_id, child_member_id) {
        adult_member_id -> Uuid,
        child_member_id -> Uuid,
        relationship -> Text,
        parental_responsibility -> Bool,
    }
}

diesel::joinable!(family_members -> families (family_id));
diesel::allow_tables_to_appear_in_same_query!(families, family_members, member_relationships);
diesel::allow_tables_to_appear_in_same_query!(families, referrals);
diesel::allow_tables_to_appear_in_same_query!(families, children);
diesel::allow_tables_to_appear_in_same_query!(families, zones);
diesel::allow_tables_to_appear_in_same_query!(families, schools);
diesel::allow_tables_to_appear_in_same_query!(family_members, referrals);
diesel::allow_tables_to_appear_in_same_query!(family_members, children);
diesel::allow_tables_to_appear_in_same_query!(family_members, zones);
diesel::allow_tables_to_appear_in_same_query!(family_members, schools);
diesel::allow_tables_to_appear_in_same_query!(member_relationships, referrals);
diesel::allow_tables_to_appear_in_same_query!(member_relationships, children);
diesel::allow_tables_to_appear_in_same_query!(member_relationships, zones);
diesel::allow_tables_to_appear_in_same_query!(member_relationships, schools);

diesel::table! {
    appointments (id) {
        id -> Uuid,
        team_id -> Uuid,
        referral_id -> Nullable<Uuid>,
        programme_session_id -> Nullable<Uuid>,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        mode -> Text,
        place -> Nullable<Text>,
        expected -> Array<Text>,
        status -> Text,
        attendance -> Nullable<Text>,
        cancelled_by -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        session_id -> Nullable<Uuid>,
        clash_reason -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        family_id -> Nullable<Uuid>,
        school_support_id -> Nullable<Uuid>,
        support_session_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    appointment_workers (appointment_id, worker_id) {
        appointment_id -> Uuid,
        worker_id -> Uuid,
    }
}

diesel::table! {
    calendar_tokens (id) {
        id -> Uuid,
        worker_id -> Uuid,
        token_hash -> Text,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        version -> Int4,
    }
}

diesel::joinable!(appointment_workers -> appointments (appointment_id));
diesel::joinable!(appointment_workers -> workers (worker_id));
diesel::joinable!(calendar_tokens -> workers (worker_id));

diesel::allow_tables_to_appear_in_same_query!(appointments, appointment_workers, workers);
diesel::allow_tables_to_appear_in_same_query!(appointments, referrals);
diesel::allow_tables_to_appear_in_same_query!(calendar_tokens, workers);

diesel::table! {
    school_support (id) {
        id -> Uuid,
        school_urn -> Text,
        zone_id -> Uuid,
        kind -> Text,
        title -> Text,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        indes_areas -> Array<Text>,
        staff -> Jsonb,
        cohort_year_groups -> Nullable<Array<Text>>,
        cohort_size -> Nullable<Int4>,
        referral_ids -> Array<Uuid>,
        aims -> Nullable<Text>,
        review_outcome -> Nullable<Text>,
        review_summary -> Nullable<Text>,
        reviewed_on -> Nullable<Date>,
        reviewed_by -> Nullable<Text>,
        recorded_by -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    school_support_sessions (id) {
        id -> Uuid,
        support_id -> Uuid,
        held_on -> Date,
        duration_minutes -> Int4,
        practitioner_id -> Uuid,
        children_count -> Int4,
        staff_count -> Int4,
        notes -> Nullable<Text>,
        recorded_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    school_support_actions (id) {
        id -> Uuid,
        support_id -> Uuid,
        description -> Text,
        owner -> Text,
        owner_worker_id -> Nullable<Uuid>,
        due_on -> Nullable<Date>,
        done -> Bool,
        recorded_by -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(school_support_sessions -> school_support (support_id));
diesel::joinable!(school_support_actions -> school_support (support_id));

diesel::allow_tables_to_appear_in_same_query!(
    school_support,
    school_support_sessions,
    school_support_actions,
);

diesel::table! {
    due_notices (event_type, subject_id, due_on) {
        event_type -> Text,
        subject_id -> Uuid,
        due_on -> Date,
        emitted_at -> Timestamptz,
    }
}

diesel::table! {
    sweeps (name) {
        name -> Text,
        last_run -> Timestamptz,
    }
}

diesel::table! {
    consents (id) {
        id -> Uuid,
        referral_id -> Uuid,
        given_by -> Text,
        member_id -> Nullable<Uuid>,
        scopes -> Array<Text>,
        partner_ids -> Array<Uuid>,
        recorded_how -> Text,
        given_on -> Date,
        until -> Nullable<Date>,
        notes -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamptz,
        withdrawn_on -> Nullable<Date>,
        withdrawn_at -> Nullable<Timestamptz>,
        withdrawn_by -> Nullable<Text>,
        withdrawal_reason -> Nullable<Text>,
        version -> Int4,
    }
}

diesel::joinable!(consents -> referrals (referral_id));
diesel::allow_tables_to_appear_in_same_query!(consents, referrals);

diesel::table! {
    localities (id) {
        id -> Uuid,
        zone_id -> Uuid,
        name -> Text,
        retired_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    locality_schools (locality_id, school_urn) {
        locality_id -> Uuid,
        school_urn -> Text,
    }
}

diesel::joinable!(locality_schools -> localities (locality_id));
diesel::joinable!(locality_schools -> schools (school_urn));
diesel::allow_tables_to_appear_in_same_query!(
    localities,
    locality_schools,
    schools,
    practice_sessions
);

diesel::table! {
    family_assessments (id) {
        id -> Uuid,
        family_id -> Uuid,
        assessed_by -> Text,
        assessed_on -> Date,
        family_view -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    family_assessment_areas (assessment_id, position) {
        assessment_id -> Uuid,
        position -> Int2,
        child_member_id -> Nullable<Uuid>,
        area -> Text,
        needs -> Text,
        strengths -> Text,
    }
}

diesel::table! {
    family_plans (family_id) {
        family_id -> Uuid,
        id -> Uuid,
        review_dates -> Array<Date>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        updated_by -> Text,
    }
}

diesel::table! {
    family_plan_goals (id) {
        id -> Uuid,
        family_id -> Uuid,
        position -> Int2,
        area -> Text,
        description -> Text,
        baseline -> Int2,
        target -> Int2,
        current -> Bool,
    }
}

diesel::table! {
    family_plan_actions (id) {
        id -> Uuid,
        family_id -> Uuid,
        position -> Int2,
        description -> Text,
        owner_worker_id -> Nullable<Uuid>,
        owner_member_id -> Nullable<Uuid>,
        due_on -> Nullable<Date>,
        done -> Bool,
    }
}

diesel::table! {
    family_plan_versions (family_id, version) {
        family_id -> Uuid,
        version -> Int4,
        document -> Jsonb,
        recorded_at -> Timestamptz,
        recorded_by -> Text,
    }
}

diesel::table! {
    family_plan_reviews (id) {
        id -> Uuid,
        family_id -> Uuid,
        kind -> Text,
        reviewed_on -> Date,
        notes -> Nullable<Text>,
        recorded_by -> Text,
        created_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    family_review_ratings (review_id, goal_id) {
        review_id -> Uuid,
        goal_id -> Uuid,
        rating -> Int2,
    }
}

diesel::joinable!(family_review_ratings -> family_plan_goals (goal_id));
diesel::joinable!(family_review_ratings -> family_plan_reviews (review_id));
diesel::allow_tables_to_appear_in_same_query!(
    family_plan_reviews,
    family_review_ratings,
    family_plan_goals
);
