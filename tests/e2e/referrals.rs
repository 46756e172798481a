//! Referrals over HTTP: submission and its refusals, screening, duplicate
//! external references, idempotent retries, reading scope, lists with
//! filters, paging and delta sync, and the council's triage queue.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use futures_util::future::join_all;
use sct_domain::Role;
use sct_e2e::{
    assert_field_error, assert_one_referral_per_key, days_from_today, referral_body, school_row,
    upn, Reply, TestApp,
};
use sct_persistence::organisation;
use serde_json::{json, Value};

const REFERRALS: &str = "/api/v1/referrals";
const CHECK: &str = "/api/v1/eligibility/check";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Asserts a 201 and returns the new referral's id.
#[track_caller]
fn created(reply: &Reply) -> String {
    assert_eq!(reply.status, 201, "expected 201, got: {}", reply.text);
    reply.id()
}

/// Asserts that neither a referral nor a child was stored.
async fn assert_nothing_stored(app: &TestApp) {
    assert_eq!(
        app.db.count("referrals").await,
        0,
        "no referral may be stored"
    );
    assert_eq!(app.db.count("children").await, 0, "no child may be stored");
}

/// POSTs a referral body with a token.
async fn submit_as(app: &TestApp, token: &str, body: &Value) -> Reply {
    app.post(REFERRALS, token, body).await
}

/// POSTs a referral body with an `Idempotency-Key`.
async fn submit_with_key(app: &TestApp, token: &str, body: &Value, key: &str) -> Reply {
    app.call(
        reqwest::Method::POST,
        REFERRALS,
        Some(token),
        Some(body),
        &[("idempotency-key", key)],
    )
    .await
}

/// GETs the referral list with a query string.
async fn list(app: &TestApp, token: &str, query: &str) -> Reply {
    app.get(&format!("{REFERRALS}?{query}"), token).await
}

/// The ids of a list page's items, in order.
#[track_caller]
fn item_ids(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, 200, "list failed: {}", reply.text);
    reply.body["items"]
        .as_array()
        .expect("items is a list")
        .iter()
        .map(|item| item["id"].as_str().expect("item id").to_owned())
        .collect()
}

/// The ids of the first page of a list.
async fn list_ids(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    item_ids(&list(app, token, query).await)
}

/// The same UPN with a check letter that cannot be right.
fn with_wrong_check_letter(upn: &str) -> String {
    let wrong = if upn.starts_with('A') { 'B' } else { 'A' };
    format!("{wrong}{}", &upn[1..])
}

/// A referral body with the complicating factors removed.
fn body_without_factors(urn: &str, upn: &str, level: u8) -> Value {
    let mut body = referral_body(urn, upn, level);
    body["complicating_factors"] = json!([]);
    body
}

/// A timestamp of a response body.
fn timestamp(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().expect("timestamp is text"))
        .expect("RFC 3339 timestamp")
        .with_timezone(&Utc)
}

/// A timestamp as a query parameter value (no `+` to escape).
fn query_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An eligibility check body with one level and the given factors.
fn check_body(level: u8, factors: &[&str]) -> Value {
    json!({
        "indes": [{"area": "learning_and_cognition", "level": level}],
        "sen_provision": "K",
        "complicating_factors": factors,
    })
}

// ---------------------------------------------------------------------------
// 1. Submission
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_submission_is_screened_routed_and_recorded() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let body = referral_body(urn, &upn(1), 4);
    let reply = app
        .call(
            reqwest::Method::POST,
            REFERRALS,
            Some(&app.school(urn)),
            Some(&body),
            &[("x-request-id", "trace-submit-1")],
        )
        .await;
    let id = created(&reply);
    let b = &reply.body;
    assert_eq!(reply.header("x-request-id"), Some("trace-submit-1"));

    assert_eq!(
        reply.header("location"),
        Some(format!("{REFERRALS}/{id}").as_str())
    );
    assert_eq!(reply.etag(), "\"v1\"");
    assert_eq!(b["version"], 1);
    assert_eq!(b["status"], "submitted");
    assert_eq!(b["school_urn"], urn.as_str());

    let reference = b["reference"].as_str().expect("reference");
    let created_year = &b["created_at"].as_str().expect("created_at")[..4];
    let parts: Vec<&str> = reference.split('-').collect();
    assert_eq!(parts.len(), 3, "reference {reference}");
    assert_eq!(parts[0], "SCT", "reference {reference}");
    assert_eq!(parts[1], created_year, "reference {reference}");
    assert_eq!(parts[2].len(), 6, "reference {reference}");
    assert!(
        parts[2].bytes().all(|c| c.is_ascii_digit()),
        "reference {reference}"
    );

    assert_eq!(b["zone"]["code"], "Z01");
    assert_eq!(b["zone"]["id"], t.zone.id.to_string());
    assert_eq!(b["team"]["id"], t.team.id.to_string());
    assert_eq!(b["team"]["name"], t.team.name.as_str());
    assert_eq!(b["triage_queue"], "team");
    assert_eq!(b["triage_reason"], Value::Null);
    assert_eq!(b["worker"], Value::Null);

    assert_eq!(b["child"]["upn"], upn(1));
    assert_eq!(b["child"]["given_name"], "Sam");
    assert_eq!(b["child"]["year_group"], "5");
    assert_eq!(b["consent"]["given_by"], "parent_carer");

    let e = &b["eligibility"];
    assert_eq!(e["outcome"], "eligible");
    assert_eq!(e["policy_version"], "2023.1");
    assert_eq!(e["pathway"], "school_and_community_team");
    assert_eq!(e["reasons"][0]["code"], "in_band");
    assert_eq!(
        e["reasons"][0]["areas"],
        json!(["social_emotional_mental_health"])
    );

    // (4-1)*10 for the highest level, +8 attendance, +12 risk of exclusion.
    let p = &b["priority"];
    assert_eq!(p["band"], "high");
    assert_eq!(p["score"], 50);
    assert_eq!(
        p["reasons"],
        json!([
            "highest INDES level 4: +30",
            "attendance: +8",
            "risk_of_exclusion: +12"
        ])
    );
    assert_eq!(b["created_at"], b["updated_at"]);
    let created_at = b["created_at"].as_str().expect("created_at");
    assert!(created_at.ends_with('Z'), "UTC timestamp: {created_at}");

    let history = app
        .get(&format!("{REFERRALS}/{id}/history"), &app.school(urn))
        .await;
    assert_eq!(history.status, 200, "{}", history.text);
    let items = history.body["items"].as_array().expect("history items");
    assert_eq!(items.len(), 1, "{}", history.text);
    assert_eq!(items[0]["action"], "submit");
    assert_eq!(items[0]["actor"], format!("school-{urn}"));
    assert_eq!(items[0]["actor_role"], "school");
    assert_eq!(items[0]["from_status"], Value::Null);
    assert_eq!(items[0]["to_status"], "submitted");
    assert_eq!(items[0]["details"]["routed_to_team"], t.team.id.to_string());
    assert_eq!(items[0]["request_id"], "trace-submit-1");
    assert_eq!(items[0]["reason"], body["reason"]);

    assert_eq!(app.db.count("referrals").await, 1);
    assert_eq!(app.db.count("referral_indes_levels").await, 2);
}

#[tokio::test]
async fn la_admin_may_submit_for_any_known_school() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[1].urn;
    let reply = submit_as(&app, &app.admin(), &referral_body(urn, &upn(2), 3)).await;
    created(&reply);
    assert_eq!(reply.body["team"]["id"], t.team.id.to_string());
    let history = app
        .get(&format!("{REFERRALS}/{}/history", reply.id()), &app.admin())
        .await;
    assert_eq!(history.body["items"][0]["actor"], "admin-1");
    assert_eq!(history.body["items"][0]["actor_role"], "la_admin");
}

// ---------------------------------------------------------------------------
// 2. Refusals of a submission: problem+json and nothing stored
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_submission_without_a_token_is_401_with_a_challenge() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let body = referral_body(&t.schools[0].urn, &upn(1), 4);
    let reply = app
        .call(reqwest::Method::POST, REFERRALS, None, Some(&body), &[])
        .await;
    reply.assert_problem(401, "missing_token");
    let challenge = reply.header("www-authenticate").expect("WWW-Authenticate");
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_submission_with_a_garbage_token_is_401_invalid_token() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let body = referral_body(&t.schools[0].urn, &upn(1), 4);
    let reply = submit_as(&app, "not.a.jwt", &body).await;
    reply.assert_problem(401, "invalid_token");
    let challenge = reply.header("www-authenticate").expect("WWW-Authenticate");
    assert!(challenge.contains("invalid_token"), "{challenge}");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn team_roles_submit_only_for_their_zones_schools() {
    // Staff may refer on behalf of a family (issue 13, item 5), for a school
    // of their own zone only: another zone's school is unknown to them (422
    // `unknown_school`) and nothing is stored.
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let other = app.team("Z02").await;
    let body = referral_body(&t.schools[0].urn, &upn(1), 4);
    for token in [app.practitioner(&other, 0), app.manager(&other)] {
        let reply = submit_as(&app, &token, &body).await;
        assert_field_error(&reply, "school_urn", "unknown_school");
    }
    assert_nothing_stored(&app).await;
    let reply = submit_as(&app, &app.manager(&t), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.body["source"]["type"], "school", "{}", reply.text);
}

#[tokio::test]
async fn a_school_may_not_submit_for_another_school() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let body = referral_body(&t.schools[0].urn, &upn(1), 4);
    let reply = submit_as(&app, &app.school(&t.schools[1].urn), &body).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(
        reply.body["errors"][0]["field"], "school_urn",
        "{}",
        reply.text
    );
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn an_unknown_school_is_refused_for_la_admin() {
    let app = TestApp::spawn().await;
    app.team("Z01").await;
    let reply = submit_as(&app, &app.admin(), &referral_body("999999", &upn(1), 4)).await;
    assert_field_error(&reply, "school_urn", "unknown_school");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_bad_upn_check_letter_is_refused() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let reply = app.submit(urn, &with_wrong_check_letter(&upn(1)), 4).await;
    assert_field_error(&reply, "child.upn", "invalid_upn_check_letter");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_submission_without_consent_is_refused() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let mut body = referral_body(urn, &upn(1), 4);
    body.as_object_mut().expect("object").remove("consent");
    let reply = submit_as(&app, &app.school(urn), &body).await;
    assert_field_error(&reply, "consent", "required");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn consent_dated_in_the_future_is_refused() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let mut body = referral_body(urn, &upn(1), 4);
    body["consent"]["given_on"] = json!(days_from_today(2).to_string());
    let reply = submit_as(&app, &app.school(urn), &body).await;
    assert_field_error(&reply, "consent.given_on", "in_future");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn an_indes_level_outside_the_policy_scale_is_refused() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let reply = app.submit(urn, &upn(1), 6).await;
    assert_field_error(&reply, "indes[0]", "indes_level_out_of_range");
    let mut zero = referral_body(urn, &upn(1), 4);
    zero["indes"][1]["level"] = json!(0);
    let reply = submit_as(&app, &app.school(urn), &zero).await;
    assert_field_error(&reply, "indes[1]", "indes_level_out_of_range");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_duplicate_indes_area_is_refused() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let mut body = referral_body(urn, &upn(1), 4);
    body["indes"] = json!([
        {"area": "deafness", "level": 3},
        {"area": "deafness", "level": 4}
    ]);
    let reply = submit_as(&app, &app.school(urn), &body).await;
    assert_field_error(&reply, "indes[1]", "duplicate_indes_area");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn nsa_primary_need_with_an_ehc_plan_is_refused() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let mut body = referral_body(urn, &upn(1), 4);
    body["child"]["sen_provision"] = json!("E");
    body["child"]["primary_need"] = json!("NSA");
    let reply = submit_as(&app, &app.school(urn), &body).await;
    assert_field_error(&reply, "child.primary_need", "nsa_requires_sen_support");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_primary_need_without_sen_provision_is_refused() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let mut body = referral_body(urn, &upn(1), 4);
    body["child"]["sen_provision"] = json!("N");
    let reply = submit_as(&app, &app.school(urn), &body).await;
    assert_field_error(&reply, "child.primary_need", "primary_need_without_sen");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn an_unknown_top_level_field_is_refused() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let mut body = referral_body(urn, &upn(1), 4);
    body["status"] = json!("accepted");
    let reply = submit_as(&app, &app.school(urn), &body).await;
    assert_field_error(&reply, "status", "unknown_field");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn an_unknown_nested_field_is_refused_with_its_path() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let mut body = referral_body(urn, &upn(1), 4);
    body["child"]["id"] = json!("00000000-0000-0000-0000-000000000000");
    let reply = submit_as(&app, &app.school(urn), &body).await;
    assert_field_error(&reply, "child.id", "unknown_field");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_value_of_the_wrong_type_names_its_field() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let mut body = referral_body(urn, &upn(1), 4);
    body["indes"][1]["level"] = json!("high");
    let reply = submit_as(&app, &app.school(urn), &body).await;
    assert_field_error(&reply, "indes[1].level", "invalid_value");
    let mut body = referral_body(urn, &upn(1), 4);
    body["complicating_factors"] = json!(["bad_weather"]);
    let reply = submit_as(&app, &app.school(urn), &body).await;
    assert_field_error(&reply, "complicating_factors[0]", "invalid_value");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let reply = app
        .post_bytes(
            REFERRALS,
            &app.school(urn),
            "application/json",
            br#"{"school_urn": "#.to_vec(),
        )
        .await;
    reply.assert_problem(400, "malformed_json");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_text_plain_body_is_415() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let bytes = serde_json::to_vec(&referral_body(urn, &upn(1), 4)).expect("json");
    let reply = app
        .post_bytes(REFERRALS, &app.school(urn), "text/plain", bytes)
        .await;
    reply.assert_problem(415, "unsupported_media_type");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_body_over_64_kib_is_413() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let mut body = referral_body(urn, &upn(1), 4);
    body["reason"] = json!("x".repeat(70 * 1024));
    let bytes = serde_json::to_vec(&body).expect("json");
    let reply = app
        .post_bytes(REFERRALS, &app.school(urn), "application/json", bytes)
        .await;
    reply.assert_problem(413, "payload_too_large");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn year_group_15_is_refused() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let mut body = referral_body(urn, &upn(1), 4);
    body["child"]["year_group"] = json!("15");
    let reply = submit_as(&app, &app.school(urn), &body).await;
    assert_field_error(&reply, "child.year_group", "invalid_year_group");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn every_invalid_field_is_reported_at_once() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let mut body = referral_body(urn, &with_wrong_check_letter(&upn(1)), 4);
    body["child"]["year_group"] = json!("15");
    body["consent"]["given_on"] = json!(days_from_today(5).to_string());
    let reply = submit_as(&app, &app.school(urn), &body).await;
    assert_field_error(&reply, "child.upn", "invalid_upn_check_letter");
    assert_field_error(&reply, "child.year_group", "invalid_year_group");
    assert_field_error(&reply, "consent.given_on", "in_future");
    assert_nothing_stored(&app).await;
}

// ---------------------------------------------------------------------------
// 3. Eligibility
// ---------------------------------------------------------------------------

#[tokio::test]
async fn submissions_are_screened_against_the_policy() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let token = app.school(urn);

    let below = submit_as(&app, &token, &body_without_factors(urn, &upn(1), 2)).await;
    created(&below);
    assert_eq!(below.body["eligibility"]["outcome"], "below_threshold");
    assert_eq!(
        below.body["eligibility"]["pathway"],
        "ordinarily_available_provision_and_sen_support"
    );
    assert_eq!(
        below.body["eligibility"]["reasons"][0]["code"],
        "below_band"
    );

    let above = app.submit(urn, &upn(2), 5).await;
    created(&above);
    assert_eq!(above.body["eligibility"]["outcome"], "above_threshold");
    assert_eq!(
        above.body["eligibility"]["pathway"],
        "specialist_assessment"
    );
    assert_eq!(
        above.body["eligibility"]["reasons"][0]["code"],
        "above_band"
    );

    // The default body carries two complicating factors.
    let lifted = app.submit(urn, &upn(3), 2).await;
    created(&lifted);
    assert_eq!(lifted.body["eligibility"]["outcome"], "eligible");
    assert_eq!(
        lifted.body["eligibility"]["pathway"],
        "school_and_community_team"
    );
    assert_eq!(
        lifted.body["eligibility"]["reasons"][0]["code"],
        "complicating_factors_lift"
    );

    let mut empty = referral_body(urn, &upn(4), 4);
    empty["indes"] = json!([]);
    let unknown = submit_as(&app, &token, &empty).await;
    created(&unknown);
    assert_eq!(
        unknown.body["eligibility"]["outcome"],
        "insufficient_information"
    );
    assert_eq!(
        unknown.body["eligibility"]["pathway"],
        "complete_indes_assessment"
    );
    assert_eq!(unknown.body["indes"], json!([]));

    assert_eq!(app.db.count("referrals").await, 4);
}

#[tokio::test]
async fn the_eligibility_check_answers_every_outcome_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let token = app.practitioner(&t, 0);

    let below = app.post(CHECK, &token, &check_body(2, &[])).await;
    assert_eq!(below.status, 200, "{}", below.text);
    assert_eq!(below.body["eligibility"]["outcome"], "below_threshold");
    assert_eq!(
        below.body["eligibility"]["pathway"],
        "ordinarily_available_provision_and_sen_support"
    );
    assert_eq!(below.body["eligibility"]["policy_version"], "2023.1");
    assert_eq!(below.body["priority"]["band"], "routine");
    assert_eq!(below.body["priority"]["score"], 10);

    let above = app.post(CHECK, &token, &check_body(5, &[])).await;
    assert_eq!(above.status, 200, "{}", above.text);
    assert_eq!(above.body["eligibility"]["outcome"], "above_threshold");
    assert_eq!(
        above.body["eligibility"]["pathway"],
        "specialist_assessment"
    );

    let lifted = app
        .post(
            CHECK,
            &token,
            &check_body(2, &["attendance", "risk_of_exclusion"]),
        )
        .await;
    assert_eq!(lifted.status, 200, "{}", lifted.text);
    assert_eq!(lifted.body["eligibility"]["outcome"], "eligible");
    assert_eq!(
        lifted.body["eligibility"]["reasons"][0]["code"],
        "complicating_factors_lift"
    );

    let one_factor_twice = app
        .post(CHECK, &token, &check_body(2, &["attendance", "attendance"]))
        .await;
    assert_eq!(one_factor_twice.status, 200, "{}", one_factor_twice.text);
    assert_eq!(
        one_factor_twice.body["eligibility"]["outcome"],
        "below_threshold"
    );

    let empty = app.post(CHECK, &token, &json!({"indes": []})).await;
    assert_eq!(empty.status, 200, "{}", empty.text);
    assert_eq!(
        empty.body["eligibility"]["outcome"],
        "insufficient_information"
    );
    assert_eq!(
        empty.body["eligibility"]["pathway"],
        "complete_indes_assessment"
    );

    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn any_authenticated_role_may_check_eligibility_but_not_anonymously() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let tokens = [
        app.admin(),
        app.manager(&t),
        app.practitioner(&t, 1),
        app.school(&t.schools[0].urn),
        app.token(Role::Integration, &[&t.schools[1].urn], None, "mis-vendor"),
    ];
    for token in &tokens {
        let reply = app.post(CHECK, token, &check_body(3, &[])).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.body["eligibility"]["outcome"], "eligible");
    }
    let anonymous = app
        .call(
            reqwest::Method::POST,
            CHECK,
            None,
            Some(&check_body(3, &[])),
            &[],
        )
        .await;
    anonymous.assert_problem(401, "missing_token");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn the_eligibility_check_refuses_levels_off_the_scale() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let reply = app.post(CHECK, &app.manager(&t), &check_body(6, &[])).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["code"], "indes_level_out_of_range");
}

#[tokio::test]
async fn the_policy_in_force_has_band_3_to_4() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let reply = app
        .get("/api/v1/eligibility/policy", &app.school(&t.schools[0].urn))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let policy = &reply.body["policy"];
    assert_eq!(policy["version"], "2023.1");
    assert_eq!(policy["band"], json!({"low": 3, "high": 4}));
    assert_eq!(policy["scale"], json!({"min": 1, "max": 5}));
}

// ---------------------------------------------------------------------------
// 4. external_reference is unique per school
// ---------------------------------------------------------------------------

#[tokio::test]
async fn an_external_reference_is_unique_per_school() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let (first_urn, second_urn) = (&t.schools[0].urn, &t.schools[1].urn);

    let mut body = referral_body(first_urn, &upn(1), 4);
    body["external_reference"] = json!("ARBOR-55102");
    let first = submit_as(&app, &app.school(first_urn), &body).await;
    let first_id = created(&first);
    assert_eq!(first.body["external_reference"], "ARBOR-55102");

    let mut again = referral_body(first_urn, &upn(2), 3);
    again["external_reference"] = json!("ARBOR-55102");
    let duplicate = submit_as(&app, &app.school(first_urn), &again).await;
    duplicate.assert_problem(409, "duplicate_external_reference");
    assert_eq!(duplicate.body["existing_referral_id"], first_id.as_str());
    assert_eq!(
        duplicate.body["existing_reference"],
        first.body["reference"]
    );
    assert_eq!(app.db.count("referrals").await, 1);

    let mut elsewhere = referral_body(second_urn, &upn(3), 4);
    elsewhere["external_reference"] = json!("ARBOR-55102");
    let other_school = submit_as(&app, &app.school(second_urn), &elsewhere).await;
    let other_id = created(&other_school);
    assert_ne!(other_id, first_id);
    assert_eq!(app.db.count("referrals").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_submissions_with_one_external_reference_store_one() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let token = app.school(urn);
    let bodies: Vec<Value> = (0..8)
        .map(|n| {
            let mut body = referral_body(urn, &upn(n + 1), 4);
            body["external_reference"] = json!("SIMS-RACE");
            body
        })
        .collect();

    let replies = join_all(bodies.iter().map(|b| submit_as(&app, &token, b))).await;

    let winners: Vec<String> = replies
        .iter()
        .filter(|r| r.status == 201)
        .map(Reply::id)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one submission wins");
    for reply in replies.iter().filter(|r| r.status != 201) {
        reply.assert_problem(409, "duplicate_external_reference");
        assert_eq!(reply.body["existing_referral_id"], winners[0].as_str());
    }
    assert_eq!(app.db.count("referrals").await, 1);
}

// ---------------------------------------------------------------------------
// 5. Idempotency-Key
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_same_key_and_body_replays_the_first_response() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let token = app.school(urn);
    let body = referral_body(urn, &upn(1), 4);

    let first = submit_with_key(&app, &token, &body, "key-0001").await;
    created(&first);
    assert_eq!(first.header("idempotent-replayed"), None);

    let replay = submit_with_key(&app, &token, &body, "key-0001").await;
    assert_eq!(replay.status, 201, "{}", replay.text);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.body, first.body);
    assert_eq!(replay.id(), first.id());
    assert_eq!(replay.header("location"), first.header("location"));
    assert_eq!(replay.header("etag"), first.header("etag"));
    assert_eq!(app.db.count("referrals").await, 1);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_422() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let token = app.school(urn);
    created(&submit_with_key(&app, &token, &referral_body(urn, &upn(1), 4), "key-0002").await);

    let other = submit_with_key(&app, &token, &referral_body(urn, &upn(1), 3), "key-0002").await;
    other.assert_problem(422, "idempotency_key_reused");
    assert_eq!(app.db.count("referrals").await, 1);
}

#[tokio::test]
async fn idempotency_keys_are_scoped_per_caller() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let (first_urn, second_urn) = (&t.schools[0].urn, &t.schools[1].urn);

    let first = submit_with_key(
        &app,
        &app.school(first_urn),
        &referral_body(first_urn, &upn(1), 4),
        "shared-key",
    )
    .await;
    let first_id = created(&first);

    let second = submit_with_key(
        &app,
        &app.school(second_urn),
        &referral_body(second_urn, &upn(2), 4),
        "shared-key",
    )
    .await;
    let second_id = created(&second);
    assert_ne!(first_id, second_id);
    assert_eq!(second.header("idempotent-replayed"), None);

    // Another user of the first school, the very same body and key.
    let colleague = app.token(Role::School, &[first_urn], None, "school-colleague");
    let third = submit_with_key(
        &app,
        &colleague,
        &referral_body(first_urn, &upn(1), 4),
        "shared-key",
    )
    .await;
    let third_id = created(&third);
    assert_ne!(third_id, first_id);
    assert_eq!(app.db.count("referrals").await, 3);
}

#[tokio::test]
async fn an_invalid_idempotency_key_is_400() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let token = app.school(urn);
    let body = referral_body(urn, &upn(1), 4);

    let too_long = "k".repeat(300);
    let reply = submit_with_key(&app, &token, &body, &too_long).await;
    reply.assert_problem(400, "invalid_idempotency_key");
    let with_space = submit_with_key(&app, &token, &body, "two words").await;
    with_space.assert_problem(400, "invalid_idempotency_key");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_refused_request_does_not_burn_its_key() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;

    // Refused while validating the body.
    let token = app.school(urn);
    let bad = referral_body(urn, &with_wrong_check_letter(&upn(1)), 4);
    let refused = submit_with_key(&app, &token, &bad, "retry-1").await;
    assert_field_error(&refused, "child.upn", "invalid_upn_check_letter");
    let corrected = submit_with_key(&app, &token, &referral_body(urn, &upn(1), 4), "retry-1").await;
    created(&corrected);
    assert_eq!(corrected.header("idempotent-replayed"), None);

    // Refused while storing (the school is unknown).
    let admin = app.admin();
    let unknown = submit_with_key(
        &app,
        &admin,
        &referral_body("999999", &upn(2), 4),
        "retry-2",
    )
    .await;
    assert_field_error(&unknown, "school_urn", "unknown_school");
    let fixed = submit_with_key(&app, &admin, &referral_body(urn, &upn(2), 4), "retry-2").await;
    created(&fixed);
    assert_eq!(app.db.count("referrals").await, 2);
}

#[tokio::test]
async fn a_duplicate_external_reference_does_not_burn_its_key() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let token = app.school(urn);
    let mut first = referral_body(urn, &upn(1), 4);
    first["external_reference"] = json!("MIS-7");
    created(&submit_as(&app, &token, &first).await);

    let mut clash = referral_body(urn, &upn(2), 4);
    clash["external_reference"] = json!("MIS-7");
    let refused = submit_with_key(&app, &token, &clash, "retry-3").await;
    refused.assert_problem(409, "duplicate_external_reference");
    clash["external_reference"] = json!("MIS-8");
    created(&submit_with_key(&app, &token, &clash, "retry-3").await);
    assert_eq!(app.db.count("referrals").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_with_one_key_create_one_referral() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let token = app.school(urn);
    let body = referral_body(urn, &upn(1), 4);

    let replies =
        join_all((0..16).map(|_| submit_with_key(&app, &token, &body, "burst-key"))).await;

    assert_one_referral_per_key(&replies);
    assert_eq!(app.db.count("referrals").await, 1);
    assert_eq!(app.db.count("children").await, 1);
}

// ---------------------------------------------------------------------------
// 6. One child record per UPN
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_later_referral_reuses_the_child_without_renaming_it() {
    // The old behaviour (a later referral renamed the child everywhere,
    // issue 13) is gone: the record keeps its names, the later referral
    // keeps its own snapshot and raises a conflict for staff.
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let child_upn = upn(42);
    let first = app.submit(&t.schools[0].urn, &child_upn, 4).await;
    created(&first);

    let urn = &t.schools[1].urn;
    let mut body = referral_body(urn, &child_upn, 3);
    body["child"]["given_name"] = json!("Samantha");
    body["child"]["year_group"] = json!("6");
    let second = submit_as(&app, &app.school(urn), &body).await;
    created(&second);

    assert_eq!(second.body["child"]["id"], first.body["child"]["id"]);
    assert_eq!(second.body["child"]["given_name"], "Samantha");
    assert_eq!(app.db.count("children").await, 1);
    assert_eq!(app.db.count("referrals").await, 2);
    assert_eq!(app.db.count("child_conflicts").await, 1);

    let rows = app
        .db
        .sql("SELECT given_name, year_group FROM children")
        .await
        .expect("children");
    assert_eq!(rows[0].get::<_, String>(0), "Sam");
    assert_eq!(rows[0].get::<_, String>(1), "5");

    let reread = app
        .get(&format!("{REFERRALS}/{}", first.id()), &app.admin())
        .await;
    assert_eq!(reread.status, 200, "{}", reread.text);
    assert_eq!(reread.body["child"]["given_name"], "Sam");
    let own = app
        .get(
            &format!("{REFERRALS}/{}", first.id()),
            &app.school(&t.schools[0].urn),
        )
        .await;
    assert_eq!(own.body["child"]["given_name"], "Sam");
}

// ---------------------------------------------------------------------------
// 7. Reading scope
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_referral_is_read_only_within_the_callers_scope() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let other = app.team("Z02").await;
    let urn = &t.schools[0].urn;
    let id = created(&app.submit(urn, &upn(1), 4).await);
    let path = format!("{REFERRALS}/{id}");
    let history = format!("{path}/history");

    let allowed = [app.school(urn), app.manager(&t), app.admin()];
    for token in &allowed {
        let read = app.get(&path, token).await;
        assert_eq!(read.status, 200, "{}", read.text);
        assert_eq!(read.etag(), "\"v1\"");
        assert_eq!(read.id(), id);
        let h = app.get(&history, token).await;
        assert_eq!(h.status, 200, "{}", h.text);
        assert_eq!(h.body["items"][0]["action"], "submit");
    }

    let refused = [
        app.school(&t.schools[1].urn),
        app.school(&other.schools[0].urn),
        app.manager(&other),
        app.practitioner(&t, 0),
        app.practitioner(&other, 0),
    ];
    for token in &refused {
        app.get(&path, token).await.assert_problem(404, "not_found");
        app.get(&history, token)
            .await
            .assert_problem(404, "not_found");
    }
}

#[tokio::test]
async fn only_the_allocated_practitioner_reads_a_referral() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let submitted = app.submit(urn, &upn(1), 4).await;
    let id = created(&submitted);
    let manager = app.manager(&t);

    let accepted = app
        .act(&id, "accept", &manager, &submitted.etag(), &json!({}))
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    let worker = t.practitioners[0].id.to_string();
    let allocated = app
        .act(
            &id,
            "allocate",
            &manager,
            &accepted.etag(),
            &json!({"worker_id": worker}),
        )
        .await;
    assert_eq!(allocated.status, 200, "{}", allocated.text);
    assert_eq!(allocated.body["worker"]["id"], worker.as_str());

    let path = format!("{REFERRALS}/{id}");
    let mine = app.get(&path, &app.practitioner(&t, 0)).await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(mine.etag(), allocated.etag());
    let history = app
        .get(&format!("{path}/history"), &app.practitioner(&t, 0))
        .await;
    assert_eq!(history.status, 200, "{}", history.text);
    let actions: Vec<&str> = history.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|h| h["action"].as_str().expect("action"))
        .collect();
    assert_eq!(actions, ["submit", "accept", "allocate"]);

    app.get(&path, &app.practitioner(&t, 1))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        list_ids(&app, &app.practitioner(&t, 0), "").await,
        vec![id.clone()]
    );
    assert!(list_ids(&app, &app.practitioner(&t, 1), "")
        .await
        .is_empty());
}

#[tokio::test]
async fn unknown_or_malformed_ids_are_404() {
    let app = TestApp::spawn().await;
    app.team("Z01").await;
    let admin = app.admin();
    for path in [
        format!("{REFERRALS}/not-a-uuid"),
        format!("{REFERRALS}/not-a-uuid/history"),
        format!("{REFERRALS}/{}", uuid::Uuid::new_v4()),
        format!("{REFERRALS}/{}/history", uuid::Uuid::new_v4()),
    ] {
        app.get(&path, &admin)
            .await
            .assert_problem(404, "not_found");
    }
}

// ---------------------------------------------------------------------------
// 8. Lists
// ---------------------------------------------------------------------------

#[tokio::test]
async fn lists_show_only_the_callers_scope() {
    let app = TestApp::spawn().await;
    let a = app.team("ZA").await;
    let b = app.team("ZB").await;
    let (a0, a1, b0) = (&a.schools[0].urn, &a.schools[1].urn, &b.schools[0].urn);
    let first = created(&app.submit(a0, &upn(1), 4).await);
    let second = created(&app.submit(a0, &upn(2), 4).await);
    let third = created(&app.submit(a1, &upn(3), 4).await);
    let fourth = created(&app.submit(b0, &upn(4), 4).await);

    assert_eq!(
        list_ids(&app, &app.school(a0), "").await,
        [first.as_str(), second.as_str()]
    );
    assert_eq!(list_ids(&app, &app.school(a1), "").await, [third.as_str()]);
    assert_eq!(
        list_ids(&app, &app.manager(&a), "").await,
        [first.as_str(), second.as_str(), third.as_str()]
    );
    assert_eq!(
        list_ids(&app, &app.manager(&b), "").await,
        [fourth.as_str()]
    );
    assert_eq!(
        list_ids(&app, &app.admin(), "").await,
        [
            first.as_str(),
            second.as_str(),
            third.as_str(),
            fourth.as_str()
        ]
    );
    let two_schools = app.token(Role::Integration, &[a1, b0], None, "mis-vendor");
    assert_eq!(
        list_ids(&app, &two_schools, "").await,
        [third.as_str(), fourth.as_str()]
    );

    // A filter narrows the scope, never widens it.
    assert!(list_ids(&app, &app.school(a0), &format!("school_urn={a1}"))
        .await
        .is_empty());
    assert!(
        list_ids(&app, &app.manager(&a), &format!("team_id={}", b.team.id))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn lists_filter_by_status_team_school_eligibility_and_external_reference() {
    let app = TestApp::spawn().await;
    let a = app.team("ZA").await;
    let b = app.team("ZB").await;
    let (a0, a1, b0) = (&a.schools[0].urn, &a.schools[1].urn, &b.schools[0].urn);

    let mut tagged = referral_body(a0, &upn(1), 4);
    tagged["external_reference"] = json!("MIS-1");
    let first = submit_as(&app, &app.school(a0), &tagged).await;
    let first_id = created(&first);
    let below =
        created(&submit_as(&app, &app.school(a0), &body_without_factors(a0, &upn(2), 2)).await);
    let above = created(&app.submit(a1, &upn(3), 5).await);
    let other_team = created(&app.submit(b0, &upn(4), 4).await);

    let accepted = app
        .act(
            &first_id,
            "accept",
            &app.manager(&a),
            &first.etag(),
            &json!({}),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    assert_eq!(accepted.body["status"], "accepted");

    let admin = app.admin();
    assert_eq!(
        list_ids(&app, &admin, "status=accepted").await,
        [first_id.as_str()]
    );
    assert_eq!(
        list_ids(&app, &admin, "status=submitted").await,
        [below.as_str(), above.as_str(), other_team.as_str()]
    );
    assert!(list_ids(&app, &admin, "status=closed").await.is_empty());
    assert_eq!(
        list_ids(&app, &admin, &format!("team_id={}", b.team.id)).await,
        [other_team.as_str()]
    );
    assert_eq!(
        list_ids(&app, &admin, &format!("school_urn={a1}")).await,
        [above.as_str()]
    );
    assert_eq!(
        list_ids(&app, &admin, "eligibility=below_threshold").await,
        [below.as_str()]
    );
    assert_eq!(
        list_ids(&app, &admin, "eligibility=above_threshold").await,
        [above.as_str()]
    );
    assert_eq!(
        list_ids(&app, &admin, "eligibility=eligible").await,
        [first_id.as_str(), other_team.as_str()]
    );
    assert_eq!(
        list_ids(&app, &admin, "external_reference=MIS-1").await,
        [first_id.as_str()]
    );
    assert!(list_ids(&app, &admin, "external_reference=MIS-2")
        .await
        .is_empty());
    assert!(list_ids(&app, &admin, "queue=council").await.is_empty());
    assert_eq!(
        list_ids(
            &app,
            &admin,
            &format!("team_id={}&status=submitted", a.team.id)
        )
        .await,
        [below.as_str(), above.as_str()]
    );
}

#[tokio::test]
async fn paging_visits_every_referral_exactly_once() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let mut submitted = Vec::new();
    for n in 0..5 {
        let urn = &t.schools[usize::try_from(n % 2).expect("index")].urn;
        submitted.push(created(&app.submit(urn, &upn(n + 1), 4).await));
    }

    let admin = app.admin();
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut query = "limit=2".to_owned();
    loop {
        let page = list(&app, &admin, &query).await;
        let ids = item_ids(&page);
        sizes.push(ids.len());
        seen.extend(ids);
        match page.body.get("next_cursor") {
            Some(cursor) => {
                let cursor = cursor.as_str().expect("cursor is text");
                query = format!("limit=2&cursor={cursor}");
            }
            None => break,
        }
        assert!(sizes.len() < 10, "paging does not end");
    }
    assert_eq!(sizes, [2, 2, 1]);
    assert_eq!(seen, submitted, "every referral once, in creation order");

    // A cursor of the creation order does not fit a delta sync.
    let first = list(&app, &admin, "limit=2").await;
    let cursor = first.body["next_cursor"].as_str().expect("cursor");
    let since = query_time(Utc::now() - Duration::hours(1));
    list(
        &app,
        &admin,
        &format!("updated_since={since}&cursor={cursor}"),
    )
    .await
    .assert_problem(400, "invalid_cursor");

    // A page exactly as long as what is left has no cursor.
    let all = list(&app, &admin, "limit=5").await;
    assert_eq!(item_ids(&all).len(), 5);
    assert!(all.body.get("next_cursor").is_none(), "{}", all.text);
}

#[tokio::test]
async fn bad_list_parameters_are_400() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    created(&app.submit(&t.schools[0].urn, &upn(1), 4).await);
    let admin = app.admin();

    for query in [
        "limit=0",
        "limit=201",
        "limit=-1",
        "limit=ten",
        "colour=red",
        "status=lost",
        "school_urn=12",
        "team_id=not-a-uuid",
        "eligibility=maybe",
        "queue=nowhere",
        "updated_since=yesterday",
    ] {
        list(&app, &admin, query)
            .await
            .assert_problem(400, "invalid_parameter");
    }
    for cursor in ["%21%21%21", "bm90LWEtY3Vyc29y"] {
        list(&app, &admin, &format!("cursor={cursor}"))
            .await
            .assert_problem(400, "invalid_cursor");
    }
    let ok = list(&app, &admin, "limit=200").await;
    assert_eq!(item_ids(&ok).len(), 1);
    assert_eq!(list_ids(&app, &admin, "limit=1").await.len(), 1);
}

#[tokio::test]
async fn updated_since_returns_changes_in_order_of_change() {
    let app = TestApp::spawn().await;
    let t = app.team("Z01").await;
    let urn = &t.schools[0].urn;
    let first = app.submit(urn, &upn(1), 4).await;
    let second = app.submit(urn, &upn(2), 4).await;
    let third = app.submit(urn, &upn(3), 4).await;
    let (first_id, second_id, third_id) = (created(&first), created(&second), created(&third));
    let before_changes = timestamp(&third.body["updated_at"]) + Duration::microseconds(1);

    // Change the second, then the first: the sync lists them in that order.
    let manager = app.manager(&t);
    let changed_second = app
        .act(&second_id, "accept", &manager, &second.etag(), &json!({}))
        .await;
    assert_eq!(changed_second.status, 200, "{}", changed_second.text);
    assert_eq!(changed_second.etag(), "\"v2\"");
    let changed_first = app
        .act(&first_id, "accept", &manager, &first.etag(), &json!({}))
        .await;
    assert_eq!(changed_first.status, 200, "{}", changed_first.text);

    let admin = app.admin();
    let sync = list(
        &app,
        &admin,
        &format!("updated_since={}", query_time(before_changes)),
    )
    .await;
    assert_eq!(item_ids(&sync), [second_id.as_str(), first_id.as_str()]);
    assert!(!item_ids(&sync).contains(&third_id));
    let stamps: Vec<DateTime<Utc>> = sync.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| timestamp(&i["updated_at"]))
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");
    assert!(stamps.iter().all(|s| *s >= before_changes));

    // The same instant with another offset selects the same changes.
    let offset = chrono::FixedOffset::east_opt(3600).expect("offset");
    let in_paris = before_changes
        .with_timezone(&offset)
        .to_rfc3339_opts(SecondsFormat::Micros, true)
        .replace('+', "%2B");
    assert_eq!(
        list_ids(&app, &admin, &format!("updated_since={in_paris}")).await,
        [second_id.as_str(), first_id.as_str()]
    );

    // "At or after": the exact time of a change includes that change.
    let at_second = timestamp(&changed_second.body["updated_at"]);
    assert_eq!(
        list_ids(
            &app,
            &admin,
            &format!("updated_since={}", query_time(at_second))
        )
        .await,
        [second_id.as_str(), first_id.as_str()]
    );
    let at_first = timestamp(&changed_first.body["updated_at"]);
    assert_eq!(
        list_ids(
            &app,
            &admin,
            &format!("updated_since={}", query_time(at_first))
        )
        .await,
        [first_id.as_str()]
    );

    // Paging a delta sync keeps the order of change.
    let page = list(
        &app,
        &admin,
        &format!("updated_since={}&limit=1", query_time(before_changes)),
    )
    .await;
    assert_eq!(item_ids(&page), [second_id.as_str()]);
    let cursor = page.body["next_cursor"].as_str().expect("cursor");
    let rest = list(
        &app,
        &admin,
        &format!(
            "updated_since={}&limit=1&cursor={cursor}",
            query_time(before_changes)
        ),
    )
    .await;
    assert_eq!(item_ids(&rest), [first_id.as_str()]);
    assert!(rest.body.get("next_cursor").is_none(), "{}", rest.text);

    // A sync from before everything lists every referral, oldest change first.
    let everything = timestamp(&first.body["created_at"]);
    assert_eq!(
        list_ids(
            &app,
            &admin,
            &format!("updated_since={}", query_time(everything))
        )
        .await,
        [third_id.as_str(), second_id.as_str(), first_id.as_str()]
    );
}

// ---------------------------------------------------------------------------
// 9. Council triage
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_zone_without_an_operational_team_goes_to_council_triage() {
    let app = TestApp::spawn().await;
    let open = app.team("Z01").await;
    let future = app.team_with("Z9", days_from_today(60), &[5], 1).await;
    let urn = &future.schools[0].urn;

    let reply = app.submit(urn, &upn(1), 4).await;
    let id = created(&reply);
    assert_eq!(reply.body["triage_queue"], "council");
    assert_eq!(reply.body["team"], Value::Null);
    assert_eq!(reply.body["triage_reason"], "team_not_yet_operational");
    assert_eq!(reply.body["zone"]["code"], "Z9");
    assert_eq!(reply.body["status"], "submitted");

    created(&app.submit(&open.schools[0].urn, &upn(2), 4).await);

    let admin = app.admin();
    assert_eq!(list_ids(&app, &admin, "queue=council").await, [id.as_str()]);

    let history = app.get(&format!("{REFERRALS}/{id}/history"), &admin).await;
    assert_eq!(history.status, 200, "{}", history.text);
    assert_eq!(
        history.body["items"][0]["details"]["council_triage"],
        "team_not_yet_operational"
    );

    let manager = app.manager(&future);
    app.get(&format!("{REFERRALS}/{id}"), &manager)
        .await
        .assert_problem(404, "not_found");
    assert!(list_ids(&app, &manager, "").await.is_empty());
    assert!(list_ids(&app, &app.manager(&open), "queue=council")
        .await
        .is_empty());

    // The referring school still follows its referral.
    let read = app
        .get(&format!("{REFERRALS}/{id}"), &app.school(urn))
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
}

#[tokio::test]
async fn queue_team_lists_only_referrals_routed_to_a_team() {
    let app = TestApp::spawn().await;
    let open = app.team("Z01").await;
    let future = app.team_with("Z9", days_from_today(60), &[5], 1).await;
    let council = created(&app.submit(&future.schools[0].urn, &upn(1), 4).await);
    let routed = created(&app.submit(&open.schools[0].urn, &upn(2), 4).await);
    let admin = app.admin();
    assert_eq!(
        list_ids(&app, &admin, "").await,
        [council.as_str(), routed.as_str()]
    );
    assert_eq!(
        list_ids(&app, &admin, "queue=team").await,
        [routed.as_str()]
    );
}

#[tokio::test]
async fn a_zone_without_a_team_or_a_school_without_a_zone_goes_to_council_triage() {
    let app = TestApp::spawn().await;
    {
        let mut conn = app.pool.conn().await.expect("conn");
        let zone = organisation::create_zone(&mut conn, "Z-EMPTY", "Zone without a team")
            .await
            .expect("zone");
        for (urn, zone) in [("777001", Some(zone.id)), ("777002", None)] {
            let school = school_row(urn, &format!("School {urn}"), zone);
            organisation::create_school(&mut conn, &school)
                .await
                .expect("school");
        }
    }

    let no_team = app.submit("777001", &upn(1), 4).await;
    created(&no_team);
    assert_eq!(no_team.body["triage_queue"], "council");
    assert_eq!(no_team.body["team"], Value::Null);
    assert_eq!(no_team.body["zone"]["code"], "Z-EMPTY");
    assert_eq!(no_team.body["triage_reason"], "zone_has_no_team");

    let no_zone = app.submit("777002", &upn(2), 4).await;
    created(&no_zone);
    assert_eq!(no_zone.body["triage_queue"], "council");
    assert_eq!(no_zone.body["zone"], Value::Null);
    assert_eq!(no_zone.body["triage_reason"], "school_has_no_zone");

    assert_eq!(
        list_ids(&app, &app.admin(), "queue=council").await,
        [no_team.id(), no_zone.id()]
    );
}
