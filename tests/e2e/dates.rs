//! One bound for every date and time at the boundary (issue 17, defect 3):
//! a date or time outside 1900-01-01..=2200-12-31 in a JSON body is a 422
//! naming the field, in a query parameter a 400 naming the parameter; never
//! a 500 from PostgreSQL refusing a year it cannot store.

use crate::delivery::{active_referral, add_intervention, goal_ids, plan_body};
use sct_e2e::{assert_status, referral_body, upn, Reply, TestApp};
use serde_json::{json, Value};

/// Dates PostgreSQL refuses or chrono cannot hold, and the edge of the bound.
const BAD_DATES: [&str; 5] = [
    "-5000-01-01",
    "+275760-01-01",
    "0000-01-01",
    "1899-12-31",
    "2201-01-01",
];

/// Asserts a 4xx problem whose `errors` name `field`.
#[track_caller]
fn assert_names(reply: &Reply, status: u16, field: &str, case: &str) {
    assert_eq!(reply.status, status, "{case}: {}", reply.text);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json"),
        "{case}"
    );
    let errors = reply.body["errors"].as_array().cloned().unwrap_or_default();
    assert!(
        errors.iter().any(|e| e["field"] == field),
        "{case}: expected an error naming {field}: {}",
        reply.text
    );
}

/// `value` with the string at the dotted `path` replaced by `date`.
fn with(value: &Value, path: &str, date: &str) -> Value {
    let mut v = value.clone();
    let mut at = &mut v;
    for part in path.split('.') {
        at = &mut at[part];
    }
    *at = json!(date);
    v
}

/// `+` must travel as `%2B` in a query (a bare `+` is a space).
fn q(date: &str) -> String {
    date.replace('+', "%2B")
}

#[tokio::test]
async fn dates_in_bodies_outside_the_bound_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let t = app.team("DT1").await;
    let urn = t.schools[0].urn.clone();
    let elsa = add_intervention(
        &app,
        "ELSA",
        "individual",
        &["social_emotional_mental_health"],
        true,
    )
    .await;
    let (referral, _) = active_referral(&app, &t, 0, 1).await;
    let practitioner = app.practitioner(&t, 0);
    let plan = app
        .put(
            &format!("/api/v1/referrals/{referral}/plan"),
            &practitioner,
            None,
            &plan_body(2, 7, &[&elsa]),
        )
        .await;
    assert_status(&plan, 201);
    let goals = goal_ids(&plan);

    let submission = referral_body(&urn, &upn(2), 4);
    let session = json!({
        "held_on": "2026-11-20",
        "intervention_id": elsa,
        "duration_minutes": 45,
        "attendance": "attended",
        "attendees": {"child": true, "parent_carer": false, "school_staff": true}
    });
    let review = json!({
        "reviewed_on": "2026-11-22",
        "ratings": [{"goal_id": goals[0], "rating": 5}, {"goal_id": goals[1], "rating": 4}]
    });
    let zone = app
        .post(
            "/api/v1/zones",
            &app.admin(),
            &json!({"name": "Zone DT2", "code": "DT2"}),
        )
        .await;
    assert_status(&zone, 201);
    let team = json!({"zone_id": zone.id(), "name": "SCT DT2", "operational_from": "2027-01-04"});
    let sessions = format!("/api/v1/referrals/{referral}/sessions");
    let reviews = format!("/api/v1/referrals/{referral}/reviews");
    let cases: [(&str, String, &Value, &str); 5] = [
        (
            "/api/v1/referrals",
            app.school(&urn),
            &submission,
            "consent.given_on",
        ),
        (
            "/api/v1/referrals",
            app.school(&urn),
            &submission,
            "child.date_of_birth",
        ),
        (&sessions, practitioner.clone(), &session, "held_on"),
        (&reviews, practitioner.clone(), &review, "reviewed_on"),
        ("/api/v1/teams", app.admin(), &team, "operational_from"),
    ];
    for (path, token, body, field) in cases {
        for date in BAD_DATES {
            let reply = app.post(path, &token, &with(body, field, date)).await;
            assert_names(&reply, 422, field, &format!("POST {path} {field}={date}"));
        }
    }
    // The edges themselves are dates like any other.
    let edge = app
        .post(
            "/api/v1/teams",
            &app.admin(),
            &with(&team, "operational_from", "2200-12-31"),
        )
        .await;
    assert_status(&edge, 201);
}

#[tokio::test]
async fn dates_and_times_in_queries_outside_the_bound_are_400_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for date in BAD_DATES {
        let time = format!("{}T00:00:00Z", q(date));
        let cases = [
            (
                format!("/api/v1/referrals?updated_since={time}"),
                Some(admin.as_str()),
                "updated_since",
            ),
            (
                format!("/api/v1/audit-events?from={time}"),
                Some(admin.as_str()),
                "from",
            ),
            (
                format!("/api/v1/audit-events?to={time}"),
                Some(admin.as_str()),
                "to",
            ),
            (
                format!("/api/v1/reports/referrals?from={}", q(date)),
                Some(admin.as_str()),
                "from",
            ),
            (
                format!("/api/v1/reports/outcomes?to={}", q(date)),
                Some(admin.as_str()),
                "to",
            ),
            // Public, no token.
            (
                format!("/oruk/services?modified_after={time}"),
                None,
                "modified_after",
            ),
            (
                format!("/oruk/service_at_locations?modified_after={time}"),
                None,
                "modified_after",
            ),
        ];
        for (path, token, field) in cases {
            let reply = app
                .call(reqwest::Method::GET, &path, token, None, &[])
                .await;
            assert_names(&reply, 400, field, &format!("GET {path}"));
            reply.assert_problem(400, "invalid_parameter");
        }
    }
    // Inside the bound, and an offset that stays inside it in UTC.
    let fine = app
        .get(
            "/api/v1/referrals?updated_since=1900-01-01T00:00:00%2B00:00",
            &admin,
        )
        .await;
    assert_status(&fine, 200);
    let fine = app
        .call(
            reqwest::Method::GET,
            "/oruk/services?modified_after=2200-12-31T23:59:59Z",
            None,
            None,
            &[],
        )
        .await;
    assert_status(&fine, 200);
}
