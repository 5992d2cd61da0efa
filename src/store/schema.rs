//! The tables, as the migrations under `migrations/` create them on both
//! backends.

diesel::table! {
    server_settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    topics (code) {
        code -> Text,
        name -> Text,
        category -> Text,
    }
}

diesel::table! {
    teaching_methods (code) {
        code -> Text,
        name -> Text,
    }
}

diesel::table! {
    offices (id) {
        id -> Text,
        name -> Text,
        tier -> Text,
        parent_id -> Nullable<Text>,
        region -> Text,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    office_tree (ancestor_id, descendant_id) {
        ancestor_id -> Text,
        descendant_id -> Text,
        depth -> Integer,
    }
}

diesel::table! {
    instructors (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        organisation -> Text,
        title -> Text,
        tier -> Nullable<Text>,
        city -> Text,
        lat -> Double,
        lon -> Double,
        yearly_capacity -> Integer,
        remote_ok -> Bool,
        max_travel_km -> Nullable<Double>,
        active -> Bool,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        external_id -> Nullable<Text>,
        owner_office_id -> Text,
        visibility -> Text,
        inputs_revision -> Integer,
    }
}

diesel::table! {
    instructor_expertise (instructor_id, topic) {
        instructor_id -> Text,
        topic -> Text,
        level -> Integer,
    }
}

diesel::table! {
    instructor_methods (instructor_id, method) {
        instructor_id -> Text,
        method -> Text,
    }
}

diesel::table! {
    unavailability (id) {
        id -> Text,
        instructor_id -> Text,
        start_at -> Timestamp,
        end_at -> Timestamp,
        note -> Text,
    }
}

diesel::table! {
    teaching_records (id) {
        id -> Text,
        instructor_id -> Text,
        title -> Text,
        delivered_at -> Timestamp,
        created_at -> Timestamp,
        session_id -> Nullable<Text>,
    }
}

diesel::table! {
    evaluations (id) {
        id -> Text,
        record_id -> Text,
        score -> Integer,
        evaluated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        instructor_id -> Nullable<Text>,
        created_at -> Timestamp,
        active -> Bool,
        token_version -> Integer,
        calendar_feed -> Nullable<Text>,
        office_id -> Text,
    }
}

diesel::table! {
    login_failures (username, client) {
        username -> Text,
        client -> Text,
        failures -> Integer,
        blocked_until -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    plans (id) {
        id -> Text,
        name -> Text,
        year -> Integer,
        tier -> Text,
        owner_id -> Text,
        created_at -> Timestamp,
        office_id -> Text,
    }
}

diesel::table! {
    classes (id) {
        id -> Text,
        plan_id -> Text,
        name -> Text,
        kind -> Text,
        city -> Text,
        lat -> Double,
        lon -> Double,
        start_date -> Date,
        end_date -> Date,
        min_cadre_share -> Double,
        created_at -> Timestamp,
        inputs_revision -> Integer,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        class_id -> Text,
        title -> Text,
        start_at -> Timestamp,
        end_at -> Timestamp,
        remote -> Bool,
        method -> Nullable<Text>,
        needed -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    session_topics (session_id, topic) {
        session_id -> Text,
        topic -> Text,
        min_level -> Integer,
    }
}

diesel::table! {
    staffing_runs (id) {
        id -> Text,
        plan_id -> Text,
        requested_by -> Text,
        state -> Text,
        request -> Text,
        as_of -> Timestamp,
        inputs_digest -> Nullable<Text>,
        result -> Nullable<Text>,
        error -> Nullable<Text>,
        attempts -> Integer,
        worker -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        applied_at -> Nullable<Timestamp>,
        dropped_pins -> Nullable<Text>,
        progress -> Nullable<Text>,
        distances -> Nullable<Text>,
        cancel_requested_at -> Nullable<Timestamp>,
        office_id -> Text,
    }
}

diesel::table! {
    staffing_run_problems (run_id) {
        run_id -> Text,
        problem -> Text,
    }
}

diesel::table! {
    assignments (id) {
        id -> Text,
        session_id -> Text,
        instructor_id -> Text,
        state -> Text,
        locked -> Bool,
        run_id -> Nullable<Text>,
        decline_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    exclusions (id) {
        id -> Text,
        instructor_id -> Text,
        session_id -> Nullable<Text>,
        class_id -> Nullable<Text>,
        reason -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    evaluation_forms (session_id) {
        session_id -> Text,
        opens_at -> Timestamp,
        closes_at -> Timestamp,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    evaluation_codes (code) {
        code -> Text,
        session_id -> Text,
        seq -> Integer,
        spent -> Bool,
    }
}

diesel::table! {
    evaluation_responses (id) {
        id -> Text,
        session_id -> Text,
        submitted_at -> Timestamp,
        content -> Nullable<Integer>,
        method -> Nullable<Integer>,
        usefulness -> Nullable<Integer>,
        comment -> Nullable<Text>,
    }
}

diesel::table! {
    road_distances (venue, profile, origin) {
        origin -> Text,
        venue -> Text,
        profile -> Text,
        km -> Double,
        fetched_at -> Timestamp,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        url -> Text,
        description -> Text,
        event_types -> Text,
        secret -> Text,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        failing_since -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        office_id -> Text,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> Text,
        event_type -> Text,
        payload -> Text,
        created_at -> Timestamp,
        office_id -> Text,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        event_id -> Text,
        endpoint_id -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        worker -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Text,
        delivery_id -> Text,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        duration_ms -> Integer,
        error -> Nullable<Text>,
        response_excerpt -> Nullable<Text>,
    }
}

diesel::joinable!(instructor_expertise -> instructors (instructor_id));
diesel::joinable!(instructor_expertise -> topics (topic));
diesel::joinable!(instructor_methods -> instructors (instructor_id));
diesel::joinable!(instructor_methods -> teaching_methods (method));
diesel::joinable!(unavailability -> instructors (instructor_id));
diesel::joinable!(teaching_records -> instructors (instructor_id));
diesel::joinable!(evaluations -> teaching_records (record_id));
diesel::joinable!(users -> instructors (instructor_id));
diesel::joinable!(plans -> users (owner_id));
diesel::joinable!(classes -> plans (plan_id));
diesel::joinable!(sessions -> classes (class_id));
diesel::joinable!(session_topics -> sessions (session_id));
diesel::joinable!(session_topics -> topics (topic));
diesel::joinable!(staffing_runs -> plans (plan_id));
diesel::joinable!(assignments -> sessions (session_id));
diesel::joinable!(assignments -> instructors (instructor_id));
diesel::joinable!(assignments -> staffing_runs (run_id));
diesel::joinable!(staffing_run_problems -> staffing_runs (run_id));
diesel::joinable!(exclusions -> instructors (instructor_id));
diesel::joinable!(evaluation_forms -> sessions (session_id));
diesel::joinable!(evaluation_codes -> evaluation_forms (session_id));
diesel::joinable!(evaluation_responses -> evaluation_forms (session_id));
diesel::joinable!(webhook_deliveries -> webhook_events (event_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));

diesel::allow_tables_to_appear_in_same_query!(
    offices,
    office_tree,
    server_settings,
    topics,
    teaching_methods,
    instructors,
    instructor_expertise,
    instructor_methods,
    unavailability,
    teaching_records,
    evaluations,
    users,
    login_failures,
    plans,
    classes,
    sessions,
    session_topics,
    staffing_runs,
    staffing_run_problems,
    assignments,
    exclusions,
    evaluation_forms,
    evaluation_codes,
    evaluation_responses,
    road_distances,
    webhook_endpoints,
    webhook_events,
    webhook_deliveries,
    webhook_attempts,
);
