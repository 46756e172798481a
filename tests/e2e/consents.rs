//! Consent as a record (issue 13, item 3): a referral's intake consent is
//! its first consent; staff record and withdraw consents; without a consent
//! for SCT involvement in force the referral can only be closed or
//! withdrawn and its webhooks stop; the refusals.

use reqwest::Method;
use sct_e2e::{Reply, TestApp, TestTeam};
use serde_json::{json, Value};

fn consents(id: &str) -> String {
    format!("/api/v1/referrals/{id}/consents")
}

async fn withdraw(
    app: &TestApp,
    id: &str,
    consent: &str,
    token: &str,
    etag: Option<&str>,
) -> Reply {
    app.call_if_match(
        Method::POST,
        &format!("/api/v1/referrals/{id}/consents/{consent}/withdraw"),
        token,
        etag,
        Some(&json!({"reason": "Mum phoned: no more involvement"})),
    )
    .await
}

/// A referral accepted, allocated to the first practitioner and started:
/// `(id, etag)`.
async fn active(app: &TestApp, t: &TestTeam, n: u32) -> (String, String) {
    let (id, etag) = app.submitted(t, n, 4).await;
    let mgr = app.manager(t);
    let accepted = app.act(&id, "accept", &mgr, &etag, &json!({})).await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    let worker = t.practitioners[0].id;
    let allocated = app
        .act(
            &id,
            "allocate",
            &mgr,
            &accepted.etag(),
            &json!({"worker_id": worker}),
        )
        .await;
    assert_eq!(allocated.status, 200, "{}", allocated.text);
    let started = app
        .act(
            &id,
            "start",
            &app.practitioner(t, 0),
            &allocated.etag(),
            &json!({}),
        )
        .await;
    assert_eq!(started.status, 200, "{}", started.text);
    (id, started.etag())
}

async fn history_actions(app: &TestApp, id: &str) -> Vec<Value> {
    let h = app
        .get(&format!("/api/v1/referrals/{id}/history"), &app.admin())
        .await;
    assert_eq!(h.status, 200, "{}", h.text);
    h.body["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_withdrawn_consent_holds_the_referral_until_it_is_closed_or_consent_is_given_again() {
    let app = TestApp::spawn().await;
    let t = app.team("C01").await;
    let (id, etag) = active(&app, &t, 1).await;
    let worker = app.practitioner(&t, 0);
    let mgr = app.manager(&t);

    // The intake consent is the referral's first consent.
    let list = app.get(&consents(&id), &worker).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.etag(), etag, "the referral's version tag");
    assert_eq!(list.body["involvement_in_force"], true);
    let items = list.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{}", list.text);
    let intake = items[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(items[0]["recorded_how"], "referral_form");
    assert_eq!(items[0]["given_by"], "parent_carer");
    assert_eq!(
        items[0]["scopes"],
        json!(["sct_involvement", "share_with_school"])
    );
    assert_eq!(items[0]["status"], "in_force");
    assert!(
        items[0]["recorded_by"].is_string(),
        "staff see who recorded it"
    );

    // The school reads its referral's consents without the staff-only fields.
    let school = app.school(&t.schools[0].urn);
    let seen = app.get(&consents(&id), &school).await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    assert_eq!(seen.body["items"][0]["status"], "in_force");
    assert!(
        seen.body["items"][0].get("recorded_by").is_none(),
        "{}",
        seen.text
    );

    // A further consent: sharing with the Family Hub, from the young person.
    let recorded = app
        .post(
            &consents(&id),
            &worker,
            &json!({"given_by": "young_person", "scopes": ["share_with_family_hub"],
                    "recorded_how": "verbal", "given_on": "2026-01-05", "notes": "Said yes at school"}),
        )
        .await;
    assert_eq!(recorded.status, 201, "{}", recorded.text);
    assert!(recorded
        .header("location")
        .is_some_and(|l| l.ends_with(&recorded.id())));
    assert_eq!(recorded.body["status"], "in_force");
    let etag = recorded.etag();
    assert_ne!(etag, list.etag(), "the referral's version moved on");
    let one = app
        .get(&format!("{}/{}", consents(&id), recorded.id()), &worker)
        .await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.body["notes"], "Said yes at school");
    assert_eq!(one.etag(), etag);

    // Withdrawal: If-Match on the referral.
    withdraw(&app, &id, &intake, &worker, None)
        .await
        .assert_problem(428, "if_match_required");
    withdraw(&app, &id, &intake, &worker, Some(&list.etag()))
        .await
        .assert_problem(412, "version_mismatch");
    let withdrawn = withdraw(&app, &id, &intake, &worker, Some(&etag)).await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.text);
    assert_eq!(withdrawn.body["status"], "withdrawn");
    assert!(
        withdrawn.body["withdrawn_on"].is_string(),
        "{}",
        withdrawn.text
    );
    let etag = withdrawn.etag();
    let list = app.get(&consents(&id), &worker).await;
    assert_eq!(list.body["involvement_in_force"], false, "{}", list.text);
    let hub = list.body["items"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == json!(recorded.id())))
        .cloned()
        .unwrap_or_default();
    assert_eq!(hub["status"], "in_force", "the hub consent stays");

    // Withdrawn twice: 409, nothing changed.
    withdraw(&app, &id, &intake, &worker, Some(&etag))
        .await
        .assert_problem(409, "consent_already_withdrawn");

    // Every other change of the referral and its records: 409, no event.
    let events = app.db.count("outbox_events").await;
    let note = app
        .post(
            &format!("/api/v1/referrals/{id}/notes"),
            &worker,
            &json!({"kind": "call", "occurred_on": "2026-01-06", "text": "Called"}),
        )
        .await;
    note.assert_problem(409, "consent_withdrawn");
    let realloc = app
        .act(&id, "allocate", &mgr, &etag, &json!({"auto": true}))
        .await;
    realloc.assert_problem(409, "consent_withdrawn");
    let co = app
        .call_if_match(
            Method::POST,
            &format!("/api/v1/referrals/{id}/co-workers"),
            &mgr,
            Some(&etag),
            Some(&json!({"worker_id": t.practitioners[1].id})),
        )
        .await;
    co.assert_problem(409, "consent_withdrawn");
    let review = app
        .post(
            &format!("/api/v1/referrals/{id}/reviews"),
            &worker,
            &json!({"reviewed_on": "2026-11-22", "ratings": [{"goal_id": uuid::Uuid::nil(), "rating": 4}]}),
        )
        .await;
    review.assert_problem(409, "consent_withdrawn");
    assert_eq!(
        app.get(&consents(&id), &worker).await.etag(),
        etag,
        "nothing changed"
    );

    // Closing still works, and sends no webhook.
    let closed = app
        .act(
            &id,
            "close",
            &worker,
            &etag,
            &json!({"outcome": "needs_met"}),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    assert_eq!(closed.body["status"], "closed");
    assert_eq!(
        app.db.count("outbox_events").await,
        events,
        "webhooks stopped"
    );

    // Consent given again lifts the hold: the referral can be reopened.
    let again = app
        .post(
            &consents(&id),
            &worker,
            &json!({"given_by": "parent_carer", "scopes": ["sct_involvement"],
                    "recorded_how": "written", "given_on": "2026-01-07", "until": "2027-01-07"}),
        )
        .await;
    assert_eq!(again.status, 201, "{}", again.text);
    let reopened = app
        .act(
            &id,
            "reopen",
            &mgr,
            &again.etag(),
            &json!({"reason": "family asked again"}),
        )
        .await;
    assert_eq!(reopened.status, 200, "{}", reopened.text);
    assert!(
        app.db.count("outbox_events").await > events,
        "webhooks again"
    );

    // History entries for each consent change.
    let h = history_actions(&app, &id).await;
    let changes: Vec<(&str, &Value)> = h
        .iter()
        .filter(|e| {
            e["action"]
                .as_str()
                .is_some_and(|a| a.ends_with("_consent"))
        })
        .map(|e| (e["action"].as_str().unwrap_or(""), &e["details"]))
        .collect();
    assert_eq!(changes.len(), 3, "{h:#?}");
    assert_eq!(changes[0].0, "record_consent");
    assert_eq!(changes[1].0, "withdraw_consent");
    assert_eq!(changes[1].1["consent_id"], json!(intake));
    assert_eq!(changes[1].1["involvement_in_force"], false);
    assert_eq!(changes[2].1["involvement_in_force"], true);
    // And audit rows naming the consent.
    let audit = app
        .get(
            &format!("/api/v1/audit-events?subject_id={intake}"),
            &app.admin(),
        )
        .await;
    assert_eq!(audit.status, 200, "{}", audit.text);
    assert!(audit.text.contains("withdraw_consent"), "{}", audit.text);
}

#[tokio::test]
async fn consents_refuse_bad_input_other_callers_and_adults_without_parental_responsibility() {
    let app = TestApp::spawn().await;
    let t = app.team("C02").await;
    let other = app.team("C03").await;
    let (id, _) = app.submitted(&t, 2, 4).await;
    let mgr = app.manager(&t);
    let path = consents(&id);
    let body = json!({"given_by": "young_person", "scopes": ["sct_involvement"],
                      "recorded_how": "electronic", "given_on": "2026-01-05"});
    let before = app.db.count("consents").await;

    // Wrong role: schools read, never record.
    let school = app.school(&t.schools[0].urn);
    app.post(&path, &school, &body)
        .await
        .assert_problem(403, "forbidden_for_role");
    // Another school, another zone's team: 404, to read or write.
    let other_school = app.school(&t.schools[1].urn);
    app.get(&path, &other_school)
        .await
        .assert_problem(404, "not_found");
    app.get(&path, &app.manager(&other))
        .await
        .assert_problem(404, "not_found");
    app.post(&path, &app.manager(&other), &body)
        .await
        .assert_problem(404, "not_found");

    // Bad input: 422 naming the field.
    let bad = |patch: Value| {
        let mut b = body.clone();
        for (k, v) in patch.as_object().cloned().unwrap_or_default() {
            b[k] = v;
        }
        b
    };
    let unknown_partner = app
        .post(
            &path,
            &mgr,
            &bad(json!({"scopes": ["share_with_partner"], "partner_ids": ["0193a3c2-7b1e-7c3d-9a2b-5c6d7e8f9a0c"]})),
        )
        .await;
    unknown_partner.assert_problem(422, "validation_failed");
    assert!(
        unknown_partner.text.contains("unknown_partner"),
        "{}",
        unknown_partner.text
    );
    let no_partner = app
        .post(&path, &mgr, &bad(json!({"scopes": ["share_with_partner"]})))
        .await;
    no_partner.assert_problem(422, "validation_failed");
    assert!(
        no_partner.text.contains("partners_required"),
        "{}",
        no_partner.text
    );
    let future = app
        .post(&path, &mgr, &bad(json!({"given_on": "2100-01-01"})))
        .await;
    assert!(future.text.contains("in_future"), "{}", future.text);
    let stray = app.post(&path, &mgr, &bad(json!({"surprise": true}))).await;
    assert_eq!(stray.status, 422, "{}", stray.text);
    let form = app
        .post(&path, &mgr, &bad(json!({"recorded_how": "referral_form"})))
        .await;
    assert_eq!(form.status, 422, "{}", form.text);
    assert_eq!(app.db.count("consents").await, before, "nothing stored");

    // A known partner: recorded.
    let partner = app
        .post(
            "/api/v1/partners",
            &mgr,
            &json!({"name": "School nursing", "kind": "health", "email": "team@example.nhs.uk",
                    "phone": "01603 000000", "zone_ids": [t.zone.id]}),
        )
        .await;
    assert_eq!(partner.status, 201, "{}", partner.text);
    let shared = app
        .post(
            &path,
            &mgr,
            &bad(json!({"scopes": ["share_with_partner"], "partner_ids": [partner.id()]})),
        )
        .await;
    assert_eq!(shared.status, 201, "{}", shared.text);
    assert_eq!(shared.body["partner_ids"], json!([partner.id()]));

    // A family: only an adult member with parental responsibility for the
    // referral's child gives a parent's consent.
    let child = app.get(&format!("/api/v1/referrals/{id}"), &mgr).await;
    let child_id = child.body["child"]["id"]
        .as_str()
        .expect("child")
        .to_owned();
    let fam = app.post("/api/v1/families", &mgr, &json!({})).await;
    assert_eq!(fam.status, 201, "{}", fam.text);
    let fam = fam.id();
    let members = format!("/api/v1/families/{fam}/members");
    let kid = app
        .post(
            &members,
            &mgr,
            &json!({"kind": "child", "child_id": child_id, "school_urn": t.schools[0].urn}),
        )
        .await;
    assert_eq!(kid.status, 201, "{}", kid.text);
    let adult = |given: &str, pr: bool| {
        json!({"kind": "adult", "role": "parent", "given_name": given, "family_name": "Example",
               "relationships": [{"child_member_id": kid.id(), "relationship": "mother", "parental_responsibility": pr}]})
    };
    let jo = app.post(&members, &mgr, &adult("Jo", true)).await;
    assert_eq!(jo.status, 201, "{}", jo.text);
    let alex = app.post(&members, &mgr, &adult("Alex", false)).await;
    assert_eq!(alex.status, 201, "{}", alex.text);
    let etag = app.get(&path, &mgr).await.etag();
    let linked = app
        .put(
            &format!("/api/v1/referrals/{id}/family"),
            &mgr,
            Some(&etag),
            &json!({"family_id": fam}),
        )
        .await;
    assert_eq!(linked.status, 200, "{}", linked.text);
    let parent = |m: Option<String>| {
        let mut b = bad(json!({"given_by": "parent_carer", "recorded_how": "written"}));
        if let Some(m) = m {
            b["member_id"] = json!(m);
        }
        b
    };
    let without = app.post(&path, &mgr, &parent(Some(alex.id()))).await;
    without.assert_problem(422, "validation_failed");
    assert!(
        without.text.contains("no_parental_responsibility"),
        "{}",
        without.text
    );
    let unnamed = app.post(&path, &mgr, &parent(None)).await;
    unnamed.assert_problem(422, "validation_failed");
    let young = app
        .post(&path, &mgr, &bad(json!({"member_id": jo.id()})))
        .await;
    young.assert_problem(422, "validation_failed");
    let given = app.post(&path, &mgr, &parent(Some(jo.id()))).await;
    assert_eq!(given.status, 201, "{}", given.text);
    assert_eq!(given.body["member_id"], json!(jo.id()));

    // The family's consents: staff in full, the school without the adult.
    let fam_consents = format!("/api/v1/families/{fam}/consents");
    let staff = app.get(&fam_consents, &app.practitioner(&t, 0)).await;
    assert_eq!(staff.status, 200, "{}", staff.text);
    assert_eq!(
        staff.body["items"].as_array().map(Vec::len),
        Some(3),
        "{}",
        staff.text
    );
    assert!(staff.text.contains(&jo.id()));
    let seen = app.get(&fam_consents, &school).await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    assert_eq!(seen.body["items"].as_array().map(Vec::len), Some(3));
    assert!(!seen.text.contains(&jo.id()), "{}", seen.text);
    assert!(!seen.text.contains(&partner.id()), "{}", seen.text);
    app.get(&fam_consents, &app.manager(&other))
        .await
        .assert_problem(404, "not_found");
    app.get(&fam_consents, &other_school)
        .await
        .assert_problem(404, "not_found");

    // A consent of another referral is not found under this one.
    let (id2, etag2) = app.submitted(&t, 3, 4).await;
    withdraw(&app, &id2, &given.id(), &mgr, Some(&etag2))
        .await
        .assert_problem(404, "not_found");
}
