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
    }
}

diesel::table! {
    eligibility_policies (version) {
        version -> Text,
        document -> Jsonb,
        active -> Bool,
        created_at -> Timestamptz,
        created_by -> Text,
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
        school_urn -> Text,
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
    }
}

diesel::table! {
    programme_enrolments (id) {
        id -> Uuid,
        programme_id -> Uuid,
        parent_carer_name -> Text,
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
