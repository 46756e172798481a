//! The referral lifecycle over HTTP: every action of the state machine with
//! its `If-Match` guard, roles and scopes, allocation against caseload caps,
//! redirection, the council's triage queue and the reopen window.

use chrono::NaiveDate;
use futures_util::future::join_all;
use reqwest::Method;
use sct_e2e::{days_from_today, referral_body, upn, Reply, TestApp, TestTeam};
use serde_json::{json, Value};
use uuid::Uuid;

fn referral_path(id: &str) -> String {
    format!("/api/v1/referrals/{id}")
}

#[track_caller]
fn assert_ok(reply: &Reply) {
    assert_eq!(reply.status, 200, "body: {}", reply.text);
}

/// Reads a referral as la_admin.
async fn read(app: &TestApp, id: &str) -> Reply {
    let reply = app.get(&referral_path(id), &app.admin()).await;
    assert_ok(&reply);
    reply
}

/// The referral's version as stored now.
async fn version_of(app: &TestApp, id: &str) -> i64 {
    read(app, id).await.body["version"]
        .as_i64()
        .expect("version")
}

/// The referral's history as la_admin reads it.
async fn history(app: &TestApp, id: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/api/v1/referrals/{id}/history"), &app.admin())
        .await;
    assert_ok(&reply);
    reply.body["items"]
        .as_array()
        .expect("history items")
        .clone()
}

/// The actions recorded in a referral's history, oldest first.
async fn actions(app: &TestApp, id: &str) -> Vec<String> {
    history(app, id)
        .await
        .iter()
        .map(|h| h["action"].as_str().expect("action").to_owned())
        .collect()
}

/// A referral the team's manager has accepted: (id, etag).
async fn accepted(app: &TestApp, t: &TestTeam, child: u32) -> (String, String) {
    let (id, etag) = app.submitted(t, child, 4).await;
    let reply = app
        .act(&id, "accept", &app.manager(t), &etag, &json!({}))
        .await;
    assert_ok(&reply);
    (id, reply.etag())
}

/// Allocates a referral and returns the reply (not checked).
async fn allocate(app: &TestApp, t: &TestTeam, id: &str, etag: &str, body: &Value) -> Reply {
    app.act(id, "allocate", &app.manager(t), etag, body).await
}

/// A referral allocated to a named worker: (id, etag).
async fn allocated_to(app: &TestApp, t: &TestTeam, child: u32, worker: Uuid) -> (String, String) {
    let (id, etag) = accepted(app, t, child).await;
    let reply = allocate(app, t, &id, &etag, &json!({ "worker_id": worker })).await;
    assert_ok(&reply);
    (id, reply.etag())
}

#[tokio::test]
async fn a_referral_runs_its_whole_life_and_reopens_with_its_history() {
    let app = TestApp::spawn().await;
    let t = app.team("L01").await;
    let manager = app.manager(&t);
    let (id, etag) = app.submitted(&t, 1, 4).await;
    assert_eq!(etag, "\"v1\"");

    let accepted = app
        .call(
            Method::POST,
            &format!("{}/accept", referral_path(&id)),
            Some(&manager),
            Some(&json!({"note": "fits our SEMH offer"})),
            &[("if-match", &etag), ("x-request-id", "trace-accept-1")],
        )
        .await;
    assert_ok(&accepted);
    assert_eq!(accepted.body["status"], "accepted");
    assert_eq!(accepted.etag(), "\"v2\"");
    assert_eq!(accepted.body["version"], 2);

    let allocated = allocate(&app, &t, &id, &accepted.etag(), &json!({"auto": true})).await;
    assert_ok(&allocated);
    assert_eq!(allocated.body["status"], "allocated");
    assert_eq!(allocated.etag(), "\"v3\"");
    // All caseloads are 0: the tie goes to the lowest worker id.
    let expected = t
        .practitioners
        .iter()
        .map(|p| p.id)
        .min()
        .expect("practitioners");
    assert_eq!(allocated.body["worker"]["id"], expected.to_string());
    let index = t
        .practitioners
        .iter()
        .position(|p| p.id == expected)
        .expect("allocated worker is a practitioner");
    let practitioner = app.practitioner(&t, index);

    let started = app
        .act(
            &id,
            "start",
            &practitioner,
            &allocated.etag(),
            &json!({"note": "first session booked"}),
        )
        .await;
    assert_ok(&started);
    assert_eq!(started.body["status"], "active");
    assert_eq!(started.etag(), "\"v4\"");

    let closed = app
        .act(
            &id,
            "close",
            &practitioner,
            &started.etag(),
            &json!({"outcome": "needs_met"}),
        )
        .await;
    assert_ok(&closed);
    assert_eq!(closed.body["status"], "closed");
    assert_eq!(closed.body["closure"]["outcome"], "needs_met");
    assert!(
        closed.body["closure"]["closed_at"].is_string(),
        "{}",
        closed.text
    );
    assert_eq!(closed.etag(), "\"v5\"");

    let reopened = app
        .act(
            &id,
            "reopen",
            &manager,
            &closed.etag(),
            &json!({"reason": "anxiety returned"}),
        )
        .await;
    assert_ok(&reopened);
    assert_eq!(
        reopened.body["status"], "active",
        "back to the status it was closed from"
    );
    assert!(reopened.body["closure"].is_null(), "{}", reopened.text);
    assert_eq!(reopened.body["worker"]["id"], expected.to_string());
    assert_eq!(reopened.etag(), "\"v6\"");

    let current = read(&app, &id).await;
    assert_eq!(current.etag(), "\"v6\"");
    assert_eq!(current.body["status"], "active");

    let h = history(&app, &id).await;
    let school_sub = format!("school-{}", t.schools[0].urn);
    let worker_sub = t.practitioners[index].subject.as_str();
    let steps: Vec<(&str, Value, &str, &str)> = vec![
        ("submit", Value::Null, "submitted", school_sub.as_str()),
        (
            "accept",
            json!("submitted"),
            "accepted",
            t.manager.subject.as_str(),
        ),
        (
            "allocate",
            json!("accepted"),
            "allocated",
            t.manager.subject.as_str(),
        ),
        ("start", json!("allocated"), "active", worker_sub),
        ("close", json!("active"), "closed", worker_sub),
        (
            "reopen",
            json!("closed"),
            "active",
            t.manager.subject.as_str(),
        ),
    ];
    assert_eq!(h.len(), steps.len(), "{h:#?}");
    for (entry, (action, from, to, actor)) in h.iter().zip(&steps) {
        assert_eq!(entry["action"], *action, "{entry}");
        assert_eq!(entry["from_status"], *from, "{entry}");
        assert_eq!(entry["to_status"], *to, "{entry}");
        assert_eq!(entry["actor"], *actor, "{entry}");
        assert!(entry["at"].is_string(), "{entry}");
    }
    assert_eq!(h[1]["reason"], "fits our SEMH offer");
    assert_eq!(h[1]["request_id"], "trace-accept-1");
    assert_eq!(h[1]["actor_role"], "team_manager");
    assert_eq!(h[3]["reason"], "first session booked");
    assert_eq!(h[5]["reason"], "anxiety returned");
    assert_eq!(h[4]["details"]["outcome"], "needs_met");
    let details = &h[2]["details"];
    assert_eq!(details["to_worker"], expected.to_string(), "{details}");
    assert!(details["from_worker"].is_null(), "{details}");
    let why = details["allocation"].as_str().expect("allocation reason");
    assert!(why.contains("automatic"), "{why}");
    let ids: Vec<i64> = h.iter().map(|e| e["id"].as_i64().expect("id")).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first: {ids:?}");
}

#[tokio::test]
async fn actions_need_the_current_if_match_and_change_nothing_without_it() {
    let app = TestApp::spawn().await;
    let t = app.team("L02").await;
    let manager = app.manager(&t);
    let (id, _) = app.submitted(&t, 2, 4).await;

    let missing = app
        .call(
            Method::POST,
            &format!("{}/accept", referral_path(&id)),
            Some(&manager),
            Some(&json!({})),
            &[],
        )
        .await;
    missing.assert_problem(428, "if_match_required");
    assert_eq!(version_of(&app, &id).await, 1);

    let accepted = app.act(&id, "accept", &manager, "\"v1\"", &json!({})).await;
    assert_ok(&accepted);
    assert_eq!(accepted.etag(), "\"v2\"");

    let decline = json!({"reason": "needs met in school", "signposting": "SEN Support guidance"});
    let stale = app.act(&id, "decline", &manager, "\"v1\"", &decline).await;
    stale.assert_problem(412, "version_mismatch");
    for garbage in ["abc", "\"v\"", "v2", "\"v2x\"", "\"version-2\""] {
        let reply = app.act(&id, "decline", &manager, garbage, &decline).await;
        reply.assert_problem(412, "version_mismatch");
    }
    let future = app.act(&id, "decline", &manager, "\"v3\"", &decline).await;
    future.assert_problem(412, "version_mismatch");

    let now = read(&app, &id).await;
    assert_eq!(now.body["version"], 2);
    assert_eq!(now.etag(), "\"v2\"");
    assert_eq!(now.body["status"], "accepted");
    assert_eq!(actions(&app, &id).await, ["submit", "accept"]);
}

#[tokio::test]
async fn actions_not_allowed_from_the_current_status_are_conflicts() {
    let app = TestApp::spawn().await;
    let t = app.team("L03").await;
    let manager = app.manager(&t);
    let school = app.school(&t.schools[0].urn);

    let (id, etag) = app.submitted(&t, 3, 4).await;
    let start = app.act(&id, "start", &manager, &etag, &json!({})).await;
    start.assert_problem(409, "invalid_transition");
    let reopen = app
        .act(
            &id,
            "reopen",
            &manager,
            &etag,
            &json!({"reason": "not closed"}),
        )
        .await;
    reopen.assert_problem(409, "invalid_transition");
    assert_eq!(version_of(&app, &id).await, 1);

    let accept = app.act(&id, "accept", &manager, &etag, &json!({})).await;
    assert_ok(&accept);
    let etag = accept.etag();
    let again = app.act(&id, "accept", &manager, &etag, &json!({})).await;
    again.assert_problem(409, "invalid_transition");
    let close = app
        .act(
            &id,
            "close",
            &manager,
            &etag,
            &json!({"outcome": "needs_met"}),
        )
        .await;
    close.assert_problem(409, "invalid_transition");
    assert_eq!(version_of(&app, &id).await, 2);

    let allocated = allocate(&app, &t, &id, &etag, &json!({"auto": true})).await;
    assert_ok(&allocated);
    let etag = allocated.etag();
    let withdraw = app
        .act(
            &id,
            "withdraw",
            &school,
            &etag,
            &json!({"reason": "family moved"}),
        )
        .await;
    withdraw.assert_problem(409, "invalid_transition");
    let decline = app
        .act(
            &id,
            "decline",
            &manager,
            &etag,
            &json!({"reason": "r", "signposting": "s"}),
        )
        .await;
    decline.assert_problem(409, "invalid_transition");
    let other = app.team("L25").await;
    let redirect = app
        .act(
            &id,
            "redirect",
            &manager,
            &etag,
            &json!({"team_id": other.team.id, "reason": "r"}),
        )
        .await;
    redirect.assert_problem(409, "invalid_transition");

    let now = read(&app, &id).await;
    assert_eq!(now.body["status"], "allocated");
    assert_eq!(now.body["version"], 3);
    assert_eq!(actions(&app, &id).await, ["submit", "accept", "allocate"]);
}

#[tokio::test]
async fn roles_are_refused_with_403_and_out_of_scope_referrals_with_404() {
    let app = TestApp::spawn().await;
    let t = app.team("L04").await;
    let other = app.team("L05").await;
    let school = app.school(&t.schools[0].urn);
    let (id, etag) = app.submitted(&t, 4, 4).await;

    let by_school = app.act(&id, "accept", &school, &etag, &json!({})).await;
    by_school.assert_problem(403, "forbidden_for_role");
    let by_manager = app
        .act(
            &id,
            "withdraw",
            &app.manager(&t),
            &etag,
            &json!({"reason": "not ours"}),
        )
        .await;
    by_manager.assert_problem(403, "forbidden_for_role");

    let other_manager = app.manager(&other);
    let foreign = app
        .act(&id, "accept", &other_manager, &etag, &json!({}))
        .await;
    foreign.assert_problem(404, "not_found");
    app.get(&referral_path(&id), &other_manager)
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("{}/history", referral_path(&id)), &other_manager)
        .await
        .assert_problem(404, "not_found");

    // The role check comes first: existence does not leak and 403 is stable.
    let unknown = Uuid::new_v4().to_string();
    let school_unknown = app
        .act(&unknown, "accept", &school, "\"v1\"", &json!({}))
        .await;
    school_unknown.assert_problem(403, "forbidden_for_role");
    let manager_unknown = app
        .act(&unknown, "accept", &app.manager(&t), "\"v1\"", &json!({}))
        .await;
    manager_unknown.assert_problem(404, "not_found");
    assert_eq!(version_of(&app, &id).await, 1);

    let accepted = app
        .act(&id, "accept", &app.manager(&t), &etag, &json!({}))
        .await;
    assert_ok(&accepted);
    let by_practitioner = app
        .act(
            &id,
            "allocate",
            &app.practitioner(&t, 0),
            &accepted.etag(),
            &json!({"auto": true}),
        )
        .await;
    by_practitioner.assert_problem(403, "forbidden_for_role");

    let to = t.practitioners[1].id;
    let allocated = allocate(&app, &t, &id, &accepted.etag(), &json!({ "worker_id": to })).await;
    assert_ok(&allocated);
    // Another practitioner of the same team does not hold the referral.
    let colleague = app
        .act(
            &id,
            "start",
            &app.practitioner(&t, 0),
            &allocated.etag(),
            &json!({}),
        )
        .await;
    colleague.assert_problem(404, "not_found");
    let holder = app
        .act(
            &id,
            "start",
            &app.practitioner(&t, 1),
            &allocated.etag(),
            &json!({}),
        )
        .await;
    assert_ok(&holder);
    assert_eq!(holder.body["status"], "active");
}

#[tokio::test]
async fn accepting_against_the_screening_needs_a_note() {
    let app = TestApp::spawn().await;
    let t = app.team("L06").await;
    let manager = app.manager(&t);
    let urn = &t.schools[0].urn;
    // Highest level 2 without complicating factors (two would lift it into the band).
    let mut body = referral_body(urn, &upn(6), 2);
    body["complicating_factors"] = json!([]);
    let created = app.post("/api/v1/referrals", &app.school(urn), &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["eligibility"]["outcome"], "below_threshold");
    let id = created.id();

    let bare = app.act(&id, "accept", &manager, "\"v1\"", &json!({})).await;
    bare.assert_problem(422, "reason_required");
    let blank = app
        .act(&id, "accept", &manager, "\"v1\"", &json!({"note": "   "}))
        .await;
    blank.assert_problem(422, "reason_required");
    assert_eq!(version_of(&app, &id).await, 1);

    let note = "school capacity is exhausted; SEMH escalating";
    let with_note = app
        .act(&id, "accept", &manager, "\"v1\"", &json!({ "note": note }))
        .await;
    assert_ok(&with_note);
    assert_eq!(with_note.body["status"], "accepted");
    let h = history(&app, &id).await;
    assert_eq!(h.last().expect("entry")["reason"], note);

    let above = app.submit(urn, &upn(5), 5).await;
    assert_eq!(above.status, 201, "{}", above.text);
    assert_eq!(above.body["eligibility"]["outcome"], "above_threshold");
    let bare = app
        .act(&above.id(), "accept", &manager, "\"v1\"", &json!({}))
        .await;
    bare.assert_problem(422, "reason_required");
    let with_note = app
        .act(
            &above.id(),
            "accept",
            &manager,
            "\"v1\"",
            &json!({"note": "assessment waiting list is long"}),
        )
        .await;
    assert_ok(&with_note);
}

#[tokio::test]
async fn declining_needs_a_reason_and_signposting_and_shows_them() {
    let app = TestApp::spawn().await;
    let t = app.team("L07").await;
    let manager = app.manager(&t);
    let (id, etag) = app.submitted(&t, 7, 4).await;

    let no_signposting = app
        .act(
            &id,
            "decline",
            &manager,
            &etag,
            &json!({"reason": "needs met in school"}),
        )
        .await;
    no_signposting.assert_problem(422, "validation_failed");
    assert_eq!(
        no_signposting.body["errors"][0]["field"], "signposting",
        "{}",
        no_signposting.text
    );
    let blank = app
        .act(
            &id,
            "decline",
            &manager,
            &etag,
            &json!({"reason": "  ", "signposting": "OAP guidance"}),
        )
        .await;
    blank.assert_problem(422, "reason_required");
    assert_eq!(version_of(&app, &id).await, 1);

    let empty = app
        .act(
            &id,
            "decline",
            &manager,
            &etag,
            &json!({"reason": "needs met", "signposting": ""}),
        )
        .await;
    empty.assert_problem(422, "validation_failed");
    assert_eq!(version_of(&app, &id).await, 1);

    let body = json!({"reason": "needs met by SEN Support", "signposting": "Ordinarily available provision guidance"});
    let declined = app.act(&id, "decline", &manager, &etag, &body).await;
    assert_ok(&declined);
    assert_eq!(declined.body["status"], "declined");
    assert_eq!(
        declined.body["decline"]["reason"],
        "needs met by SEN Support"
    );
    assert_eq!(
        declined.body["decline"]["signposting"],
        "Ordinarily available provision guidance"
    );
    let seen = app
        .get(&referral_path(&id), &app.school(&t.schools[0].urn))
        .await;
    assert_ok(&seen);
    assert_eq!(
        seen.body["decline"]["signposting"],
        "Ordinarily available provision guidance"
    );
    let again = app
        .act(&id, "accept", &manager, &declined.etag(), &json!({}))
        .await;
    again.assert_problem(409, "invalid_transition");
}

#[tokio::test]
async fn declining_with_blank_signposting_is_refused() {
    let app = TestApp::spawn().await;
    let t = app.team("L24").await;
    let (id, etag) = app.submitted(&t, 24, 4).await;
    let blank = app
        .act(
            &id,
            "decline",
            &app.manager(&t),
            &etag,
            &json!({"reason": "needs met in school", "signposting": "   "}),
        )
        .await;
    assert_eq!(blank.status, 422, "{}", blank.text);
    assert_eq!(
        blank.header("content-type"),
        Some("application/problem+json")
    );
    let now = read(&app, &id).await;
    assert_eq!(now.body["status"], "submitted");
}

#[tokio::test]
async fn the_referring_school_withdraws_and_another_school_cannot_see_it() {
    let app = TestApp::spawn().await;
    let t = app.team("L08").await;
    let (id, etag) = app.submitted(&t, 8, 4).await;

    let other = app.school(&t.schools[1].urn);
    let foreign = app
        .act(
            &id,
            "withdraw",
            &other,
            &etag,
            &json!({"reason": "not ours"}),
        )
        .await;
    foreign.assert_problem(404, "not_found");
    let no_reason = app
        .act(
            &id,
            "withdraw",
            &app.school(&t.schools[0].urn),
            &etag,
            &json!({"reason": " "}),
        )
        .await;
    no_reason.assert_problem(422, "reason_required");
    assert_eq!(version_of(&app, &id).await, 1);

    let owner = app.school(&t.schools[0].urn);
    let withdrawn = app
        .act(
            &id,
            "withdraw",
            &owner,
            &etag,
            &json!({"reason": "family moved out of county"}),
        )
        .await;
    assert_ok(&withdrawn);
    assert_eq!(withdrawn.body["status"], "withdrawn");
    let h = history(&app, &id).await;
    let last = h.last().expect("entry");
    assert_eq!(last["action"], "withdraw");
    assert_eq!(last["actor_role"], "school");
    assert_eq!(last["reason"], "family moved out of county");
}

#[tokio::test]
async fn closing_needs_an_outcome_and_other_needs_a_note() {
    let app = TestApp::spawn().await;
    let t = app.team("L09").await;
    let manager = app.manager(&t);
    let (id, etag) = allocated_to(&app, &t, 9, t.practitioners[0].id).await;

    let other = app
        .act(&id, "close", &manager, &etag, &json!({"outcome": "other"}))
        .await;
    other.assert_problem(422, "reason_required");
    let missing = app
        .act(&id, "close", &manager, &etag, &json!({"note": "done"}))
        .await;
    assert_eq!(missing.status, 422, "{}", missing.text);
    assert_eq!(
        missing.header("content-type"),
        Some("application/problem+json")
    );
    let unknown = app
        .act(
            &id,
            "close",
            &manager,
            &etag,
            &json!({"outcome": "finished"}),
        )
        .await;
    assert_eq!(unknown.status, 422, "{}", unknown.text);
    assert_eq!(version_of(&app, &id).await, 3);

    let closed = app
        .act(
            &id,
            "close",
            &manager,
            &etag,
            &json!({"outcome": "other", "note": "moved to a special school"}),
        )
        .await;
    assert_ok(&closed);
    assert_eq!(closed.body["closure"]["outcome"], "other");
    assert_eq!(closed.body["closure"]["note"], "moved to a special school");
}

#[tokio::test]
async fn action_bodies_are_json_objects_of_known_fields() {
    let app = TestApp::spawn().await;
    let t = app.team("L26").await;
    let (id, etag) = app.submitted(&t, 26, 4).await;
    let url = app.url(&format!("{}/accept", referral_path(&id)));
    let manager = app.manager(&t);
    let send = |content_type: &'static str, body: &'static str| {
        app.client
            .post(&url)
            .bearer_auth(&manager)
            .header("if-match", etag.as_str())
            .header("content-type", content_type)
            .body(body)
            .send()
    };

    let text = send("text/plain", "{}").await.expect("request");
    assert_eq!(text.status(), 415);
    let malformed = send("application/json", "{\"note\": ")
        .await
        .expect("request");
    assert_eq!(malformed.status(), 400);
    let unknown = send(
        "application/json",
        "{\"note\": \"ok\", \"status\": \"allocated\"}",
    )
    .await
    .expect("request");
    assert_eq!(unknown.status(), 422);
    let problem: Value = unknown.json().await.expect("problem+json");
    assert_eq!(problem["errors"][0]["code"], "unknown_field", "{problem}");
    assert_eq!(version_of(&app, &id).await, 1);
}

#[tokio::test]
async fn manual_allocation_checks_team_membership() {
    let app = TestApp::spawn().await;
    let t = app.team("L10").await;
    let other = app.team("L11").await;
    let (id, etag) = accepted(&app, &t, 10).await;

    let foreign = allocate(
        &app,
        &t,
        &id,
        &etag,
        &json!({"worker_id": other.practitioners[0].id}),
    )
    .await;
    foreign.assert_problem(422, "worker_not_in_team");
    let nobody = allocate(&app, &t, &id, &etag, &json!({"worker_id": Uuid::new_v4()})).await;
    nobody.assert_problem(422, "worker_not_in_team");
    let manager_as_worker =
        allocate(&app, &t, &id, &etag, &json!({"worker_id": t.manager.id})).await;
    assert_eq!(
        manager_as_worker.status, 422,
        "a manager carries no caseload: {}",
        manager_as_worker.text
    );
    assert_eq!(version_of(&app, &id).await, 2);

    let named = t.practitioners[2].id;
    let allocated = allocate(&app, &t, &id, &etag, &json!({ "worker_id": named })).await;
    assert_ok(&allocated);
    assert_eq!(allocated.body["worker"]["id"], named.to_string());
    assert_eq!(allocated.body["worker"]["name"], t.practitioners[2].name);
    let h = history(&app, &id).await;
    let why = h.last().expect("entry")["details"]["allocation"]
        .as_str()
        .expect("reason")
        .to_owned();
    assert!(why.contains("manager"), "{why}");
}

#[tokio::test]
async fn a_worker_at_their_cap_takes_no_more_referrals() {
    let app = TestApp::spawn().await;
    let opens = NaiveDate::from_ymd_opt(2023, 6, 1).expect("date");
    let t = app.team_with("L12", opens, &[1, 5], 1).await;
    let capped = t.practitioners[0].id;
    let (first, first_etag) = allocated_to(&app, &t, 12, capped).await;

    let (id, etag) = accepted(&app, &t, 13).await;
    let full = allocate(&app, &t, &id, &etag, &json!({ "worker_id": capped })).await;
    full.assert_problem(409, "worker_at_capacity");
    let now = read(&app, &id).await;
    assert_eq!(now.body["status"], "accepted");
    assert!(now.body["worker"].is_null());

    let auto = allocate(&app, &t, &id, &etag, &json!({"auto": true})).await;
    assert_ok(&auto);
    assert_eq!(auto.body["worker"]["id"], t.practitioners[1].id.to_string());

    // A closed referral leaves the caseload: the worker has room again.
    let closed = app
        .act(
            &first,
            "close",
            &app.manager(&t),
            &first_etag,
            &json!({"outcome": "needs_met"}),
        )
        .await;
    assert_ok(&closed);
    let (next, next_etag) = accepted(&app, &t, 14).await;
    let room = allocate(&app, &t, &next, &next_etag, &json!({ "worker_id": capped })).await;
    assert_ok(&room);
    assert_eq!(room.body["worker"]["id"], capped.to_string());
}

#[tokio::test]
async fn automatic_allocation_never_goes_over_a_cap() {
    let app = TestApp::spawn().await;
    let opens = NaiveDate::from_ymd_opt(2023, 6, 1).expect("date");
    let t = app.team_with("L13", opens, &[1, 1], 1).await;
    let mut chosen = Vec::new();
    for child in 20..22 {
        let (id, etag) = accepted(&app, &t, child).await;
        let reply = allocate(&app, &t, &id, &etag, &json!({"auto": true})).await;
        assert_ok(&reply);
        chosen.push(
            reply.body["worker"]["id"]
                .as_str()
                .expect("worker")
                .to_owned(),
        );
    }
    assert_ne!(chosen[0], chosen[1], "each goes to a different worker");

    let (id, etag) = accepted(&app, &t, 22).await;
    let third = allocate(&app, &t, &id, &etag, &json!({"auto": true})).await;
    third.assert_problem(409, "no_worker_capacity");
    assert_eq!(version_of(&app, &id).await, 2);
    let over = app
        .db
        .sql(
            "SELECT w.id FROM workers w JOIN referrals r ON r.worker_id = w.id \
             WHERE r.status IN ('allocated', 'active') GROUP BY w.id, w.caseload_cap \
             HAVING count(*) > w.caseload_cap",
        )
        .await
        .expect("query");
    assert!(over.is_empty(), "a worker is over their cap");
}

#[tokio::test]
async fn reallocation_moves_the_referral_and_records_both_workers() {
    let app = TestApp::spawn().await;
    let t = app.team("L14").await;
    let first = t.practitioners[0].id;
    let second = t.practitioners[1].id;
    let (id, etag) = allocated_to(&app, &t, 14, first).await;

    let same = allocate(&app, &t, &id, &etag, &json!({ "worker_id": first })).await;
    same.assert_problem(409, "already_allocated_to_worker");

    let moved = allocate(&app, &t, &id, &etag, &json!({ "worker_id": second })).await;
    assert_ok(&moved);
    assert_eq!(moved.body["status"], "allocated");
    assert_eq!(moved.body["worker"]["id"], second.to_string());
    assert_eq!(moved.etag(), "\"v4\"");
    let h = history(&app, &id).await;
    let last = h.last().expect("entry");
    assert_eq!(last["action"], "allocate");
    assert_eq!(last["from_status"], "allocated");
    assert_eq!(last["to_status"], "allocated");
    assert_eq!(last["details"]["from_worker"], first.to_string());
    assert_eq!(last["details"]["to_worker"], second.to_string());

    // The first holder no longer sees it; the new one does.
    app.get(&referral_path(&id), &app.practitioner(&t, 0))
        .await
        .assert_problem(404, "not_found");
    assert_ok(&app.get(&referral_path(&id), &app.practitioner(&t, 1)).await);

    // Automatic reallocation picks someone other than the holder.
    let auto = allocate(&app, &t, &id, &moved.etag(), &json!({"auto": true})).await;
    assert_ok(&auto);
    assert_ne!(auto.body["worker"]["id"], second.to_string());
    let h = history(&app, &id).await;
    assert_eq!(
        h.last().expect("entry")["details"]["from_worker"],
        second.to_string()
    );
}

#[tokio::test]
async fn an_allocation_body_names_a_worker_or_asks_for_auto_not_both() {
    let app = TestApp::spawn().await;
    let t = app.team("L15").await;
    let (id, etag) = accepted(&app, &t, 15).await;
    let worker = t.practitioners[0].id;
    for body in [
        json!({ "worker_id": worker, "auto": true }),
        json!({}),
        json!({ "auto": false }),
        json!({ "worker": worker }),
    ] {
        let reply = allocate(&app, &t, &id, &etag, &body).await;
        reply.assert_problem(422, "validation_failed");
    }
    assert_eq!(version_of(&app, &id).await, 2);
    assert_eq!(actions(&app, &id).await, ["submit", "accept"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_accepts_with_one_etag_let_exactly_one_through() {
    let app = TestApp::spawn().await;
    let t = app.team("L16").await;
    let manager = app.manager(&t);
    let admin = app.admin();
    let (id, etag) = app.submitted(&t, 16, 4).await;
    let empty = json!({});

    let replies = join_all((0..6).map(|i| {
        let token = if i % 2 == 0 { &manager } else { &admin };
        app.act(&id, "accept", token, &etag, &empty)
    }))
    .await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 409 | 412)),
        "{statuses:?}"
    );
    assert_eq!(version_of(&app, &id).await, 2);
    let accepts = actions(&app, &id)
        .await
        .into_iter()
        .filter(|a| a == "accept")
        .count();
    assert_eq!(accepts, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_automatic_allocations_respect_the_caps() {
    let app = TestApp::spawn().await;
    let opens = NaiveDate::from_ymd_opt(2023, 6, 1).expect("date");
    let t = app.team_with("L17", opens, &[1, 1], 1).await;
    let mut accepted_referrals = Vec::new();
    for child in 30..34 {
        accepted_referrals.push(accepted(&app, &t, child).await);
    }
    let auto = json!({"auto": true});
    let replies = join_all(
        accepted_referrals
            .iter()
            .map(|(id, etag)| allocate(&app, &t, id, etag, &auto)),
    )
    .await;
    let ok: Vec<&Reply> = replies.iter().filter(|r| r.status == 200).collect();
    assert_eq!(
        ok.len(),
        2,
        "{:?}",
        replies.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    assert_ne!(ok[0].body["worker"]["id"], ok[1].body["worker"]["id"]);
    for r in replies.iter().filter(|r| r.status != 200) {
        r.assert_problem(409, "no_worker_capacity");
    }
}

#[tokio::test]
async fn a_manager_redirects_a_referral_to_another_operational_team() {
    let app = TestApp::spawn().await;
    let a = app.team("L18").await;
    let b = app.team("L19").await;
    let later = app.team_with("L20", days_from_today(60), &[3], 1).await;
    let (id, etag) = app.submitted(&a, 18, 4).await;
    let manager_a = app.manager(&a);

    let no_reason = app
        .act(
            &id,
            "redirect",
            &manager_a,
            &etag,
            &json!({"team_id": b.team.id, "reason": " "}),
        )
        .await;
    no_reason.assert_problem(422, "reason_required");
    let same = app
        .act(
            &id,
            "redirect",
            &manager_a,
            &etag,
            &json!({"team_id": a.team.id, "reason": "stay"}),
        )
        .await;
    same.assert_problem(409, "already_with_team");
    let unknown = app
        .act(
            &id,
            "redirect",
            &manager_a,
            &etag,
            &json!({"team_id": Uuid::new_v4(), "reason": "where?"}),
        )
        .await;
    assert_eq!(unknown.status, 422, "{}", unknown.text);
    assert_eq!(
        unknown.header("content-type"),
        Some("application/problem+json")
    );
    let closed_team = app
        .act(
            &id,
            "redirect",
            &manager_a,
            &etag,
            &json!({"team_id": later.team.id, "reason": "new zone"}),
        )
        .await;
    closed_team.assert_problem(409, "team_not_operational");
    assert_eq!(version_of(&app, &id).await, 1);

    let reason = "the school sits in the neighbouring zone";
    let moved = app
        .act(
            &id,
            "redirect",
            &manager_a,
            &etag,
            &json!({ "team_id": b.team.id, "reason": reason }),
        )
        .await;
    assert_ok(&moved);
    assert_eq!(moved.body["status"], "submitted");
    assert_eq!(moved.body["team"]["id"], b.team.id.to_string());
    assert_eq!(moved.body["zone"]["id"], b.zone.id.to_string());
    assert_eq!(moved.body["triage_queue"], "team");

    app.get(&referral_path(&id), &manager_a)
        .await
        .assert_problem(404, "not_found");
    let manager_b = app.manager(&b);
    let seen = app.get(&referral_path(&id), &manager_b).await;
    assert_ok(&seen);
    assert_eq!(seen.body["team"]["id"], b.team.id.to_string());
    let back_to_b = app
        .act(
            &id,
            "redirect",
            &manager_b,
            &moved.etag(),
            &json!({"team_id": b.team.id, "reason": "again"}),
        )
        .await;
    back_to_b.assert_problem(409, "already_with_team");

    let h = history(&app, &id).await;
    let last = h.last().expect("entry");
    assert_eq!(last["action"], "redirect");
    assert_eq!(last["reason"], reason);
    assert_eq!(last["details"]["from_team"], a.team.id.to_string());
    assert_eq!(last["details"]["to_team"], b.team.id.to_string());

    // The receiving team triages it afresh, and may send it back once accepted.
    let accept = app
        .act(&id, "accept", &manager_b, &moved.etag(), &json!({}))
        .await;
    assert_ok(&accept);
    let back = app
        .act(
            &id,
            "redirect",
            &manager_b,
            &accept.etag(),
            &json!({"team_id": a.team.id, "reason": "wrong zone after all"}),
        )
        .await;
    assert_ok(&back);
    assert_eq!(back.body["status"], "submitted");
    assert_eq!(back.body["team"]["id"], a.team.id.to_string());
    assert_ok(&app.get(&referral_path(&id), &manager_a).await);
    app.get(&referral_path(&id), &manager_b)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn referrals_of_a_zone_without_an_operational_team_wait_for_the_council() {
    let app = TestApp::spawn().await;
    let open = app.team("L21").await;
    let later = app.team_with("L22", days_from_today(30), &[3], 1).await;
    let admin = app.admin();
    let urn = later.schools[0].urn.clone();

    let created = app.submit(&urn, &upn(21), 4).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["triage_queue"], "council");
    assert!(created.body["team"].is_null(), "{}", created.text);
    assert_eq!(created.body["triage_reason"], "team_not_yet_operational");
    let id = created.id();

    // The future team's manager does not work the council's queue.
    app.get(&referral_path(&id), &app.manager(&later))
        .await
        .assert_problem(404, "not_found");
    let queue = app.get("/api/v1/referrals?queue=council", &admin).await;
    assert_ok(&queue);
    let listed: Vec<&str> = queue.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    assert_eq!(listed, [id.as_str()]);

    let routed = app
        .act(
            &id,
            "redirect",
            &admin,
            &created.etag(),
            &json!({"team_id": open.team.id, "reason": "interim cover"}),
        )
        .await;
    assert_ok(&routed);
    assert_eq!(routed.body["triage_queue"], "team");
    assert_eq!(routed.body["team"]["id"], open.team.id.to_string());
    assert_eq!(routed.body["status"], "submitted");
    let seen = app.get(&referral_path(&id), &app.manager(&open)).await;
    assert_ok(&seen);

    // Accepted in the council's queue, it cannot be allocated to anyone.
    let waiting = app.submit(&urn, &upn(22), 4).await;
    assert_eq!(waiting.status, 201, "{}", waiting.text);
    let waiting_id = waiting.id();
    let accepted = app
        .act(&waiting_id, "accept", &admin, &waiting.etag(), &json!({}))
        .await;
    assert_ok(&accepted);
    let auto = app
        .act(
            &waiting_id,
            "allocate",
            &admin,
            &accepted.etag(),
            &json!({"auto": true}),
        )
        .await;
    auto.assert_problem(409, "referral_not_routed");
    let manual = app
        .act(
            &waiting_id,
            "allocate",
            &admin,
            &accepted.etag(),
            &json!({"worker_id": later.practitioners[0].id}),
        )
        .await;
    manual.assert_problem(409, "referral_not_routed");
    assert_eq!(version_of(&app, &waiting_id).await, 2);
}

#[tokio::test]
async fn reopening_restores_the_status_only_within_the_window() {
    let app = TestApp::spawn().await;
    let t = app.team("L23").await;
    let manager = app.manager(&t);
    let (id, etag) = allocated_to(&app, &t, 23, t.practitioners[0].id).await;

    let closed = app
        .act(
            &id,
            "close",
            &manager,
            &etag,
            &json!({"outcome": "moved_away"}),
        )
        .await;
    assert_ok(&closed);
    let no_reason = app
        .act(
            &id,
            "reopen",
            &manager,
            &closed.etag(),
            &json!({"reason": ""}),
        )
        .await;
    assert_eq!(no_reason.status, 422, "{}", no_reason.text);
    let by_practitioner = app
        .act(
            &id,
            "reopen",
            &app.practitioner(&t, 0),
            &closed.etag(),
            &json!({"reason": "back"}),
        )
        .await;
    by_practitioner.assert_problem(403, "forbidden_for_role");
    let reopened = app
        .act(
            &id,
            "reopen",
            &manager,
            &closed.etag(),
            &json!({"reason": "family returned"}),
        )
        .await;
    assert_ok(&reopened);
    assert_eq!(
        reopened.body["status"], "allocated",
        "closed from allocated"
    );
    assert_eq!(
        reopened.body["worker"]["id"],
        t.practitioners[0].id.to_string()
    );

    let closed = app
        .act(
            &id,
            "close",
            &manager,
            &reopened.etag(),
            &json!({"outcome": "needs_met"}),
        )
        .await;
    assert_ok(&closed);
    app.db
        .sql("UPDATE referrals SET closed_at = now() - interval '100 days'")
        .await
        .expect("age the closure");
    let late = app
        .act(
            &id,
            "reopen",
            &manager,
            &closed.etag(),
            &json!({"reason": "too late"}),
        )
        .await;
    late.assert_problem(409, "reopen_window_passed");
    let now = read(&app, &id).await;
    assert_eq!(now.body["status"], "closed");
    assert_eq!(now.etag(), closed.etag());
}
