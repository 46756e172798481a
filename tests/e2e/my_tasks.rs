//! `GET /me/tasks` over HTTP: one task of each source for a practitioner,
//! in due order across pages, filters, completion at the source taking a
//! task off the list, and who may ask.

use sct_e2e::{assert_status, TestApp};
use serde_json::{json, Value};

fn ids(r: &Value) -> Vec<String> {
    r["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| t["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn a_practitioner_sees_one_task_of_each_source_in_due_order() {
    let app = TestApp::spawn().await;
    let team = app.team("TK").await;
    let other = app.team("TL").await;
    let me = &team.practitioners[0];
    let colleague = &team.practitioners[1];
    let token = app.practitioner(&team, 0);

    // A referral I am allocated with a review due 2026-12-10; one of my
    // colleague's where I am a co-worker, due 2026-12-05; a closed one I
    // held with a follow-up to record, due 2026-12-01, and one recorded.
    let (mine, _) = app.submitted(&team, 1, 4).await;
    let (shared, _) = app.submitted(&team, 2, 4).await;
    let (closed, _) = app.submitted(&team, 3, 4).await;
    let (not_mine, _) = app.submitted(&team, 4, 4).await;
    for (id, worker, status, due) in [
        (&mine, me.id, "active", "'2026-12-10'"),
        (&shared, colleague.id, "active", "'2026-12-05'"),
        (&not_mine, colleague.id, "active", "'2026-11-01'"),
        (&closed, me.id, "closed", "NULL"),
    ] {
        let closing = if status == "closed" {
            ", closed_at = '2026-09-01T10:00:00Z', closure_outcome = 'needs_met', closed_from = 'active'"
        } else {
            ""
        };
        app.db
            .sql(&format!(
                "UPDATE referrals SET status = '{status}', worker_id = '{worker}', review_due_on = {due}{closing}
                 WHERE id = '{id}'"
            ))
            .await
            .expect("referral");
    }
    app.db
        .sql(&format!(
            "INSERT INTO referral_co_workers (id, referral_id, worker_id, added_at, added_by)
             VALUES (gen_random_uuid(), '{shared}', '{}', now(), 'x')",
            me.id
        ))
        .await
        .expect("co-worker");
    let follow_up = uuid::Uuid::new_v4();
    for (id, months, recorded) in [(follow_up, 3, false), (uuid::Uuid::new_v4(), 6, true)] {
        let (s, at, by) = if recorded {
            ("true", "now()", "'x'")
        } else {
            ("NULL", "NULL", "NULL")
        };
        app.db
            .sql(&format!(
                "INSERT INTO follow_ups (id, referral_id, school_urn, zone_id, closed_at, months, due_on,
                     sustained, recorded_at, recorded_by, created_at)
                 SELECT '{id}', r.id, r.school_urn, r.zone_id, r.closed_at, {months},
                     (r.closed_at + make_interval(months => {months}))::date, {s}, {at}, {by}, now()
                 FROM referrals r WHERE r.id = '{closed}'"
            ))
            .await
            .expect("follow-up");
    }
    // A supervision action I own, due 2026-12-20, and one of my colleague's.
    let meeting = app
        .post(
            "/api/v1/practice-sessions",
            &app.manager(&team),
            &json!({
                "kind": "group_supervision",
                "zone_id": team.zone.id,
                "held_on": "2026-11-26",
                "facilitator_id": team.manager.id,
                "themes": ["emotionally based school avoidance"],
                "attendees": {"worker_ids": [me.id, colleague.id]},
                "actions": [
                    {"description": "Share the EBSA toolkit", "owner_id": me.id, "due_on": "2026-12-20"},
                    {"description": "Book the trainer", "owner_id": colleague.id, "due_on": "2026-12-02"}
                ]
            }),
        )
        .await;
    assert_status(&meeting, 201);
    let meeting_id = meeting.id();
    let action = meeting.body["actions"][0]["id"]
        .as_str()
        .expect("action id")
        .to_owned();
    // A termly conversation of the zone, held, with an action recorded as
    // mine by name (undated), one done, and one for the school.
    let conversation = uuid::Uuid::new_v4();
    let actions = json!([
        {"description": "Send the graduated approach pack", "owner": me.name.to_uppercase(), "done": false},
        {"description": "Already sent", "owner": me.name, "due_on": "2026-11-01", "done": true},
        {"description": "Update the SEN register", "owner": "SENCo", "due_on": "2026-11-01", "done": false}
    ]);
    app.db
        .sql(&format!(
            "INSERT INTO termly_conversations (id, school_urn, zone_id, academic_year, term, status,
                 held_on, attendees, children_discussed, actions, offered_by, version, created_at, updated_at)
             VALUES ('{conversation}', '{}', '{}', '2026/27', 'autumn', 'held', '2026-11-20',
                 ARRAY['SENCo'], 3, '{actions}', 'x', 1, now(), now())",
            team.schools[0].urn, team.zone.id
        ))
        .await
        .expect("termly conversation");

    // Work with the school: an action I own, due 2026-12-15, and one the
    // school owns.
    let support = app
        .post(
            "/api/v1/school-support",
            &token,
            &json!({
                "school_urn": team.schools[0].urn,
                "kind": "staff_training",
                "title": "Emotion coaching for all staff",
                "starts_on": "2026-11-02",
                "indes_areas": ["social_emotional_mental_health"],
                "staff": [{"role": "class_teacher", "count": 12}]
            }),
        )
        .await;
    assert_status(&support, 201);
    let support_id = support.id();
    let mut support_action = String::new();
    for body in [
        json!({"description": "Send the resources", "owner": "team", "owner_worker_id": me.id, "due_on": "2026-12-15"}),
        json!({"description": "Share the plan with staff", "owner": "school", "due_on": "2026-12-01"}),
    ] {
        let a = app
            .post(
                &format!("/api/v1/school-support/{support_id}/actions"),
                &token,
                &body,
            )
            .await;
        assert_status(&a, 201);
        if support_action.is_empty() {
            support_action = a.id();
        }
    }

    // A family plan of the zone with an action I own, due 2026-12-18.
    let family = app
        .post("/api/v1/families", &app.manager(&team), &json!({}))
        .await;
    assert_status(&family, 201);
    let plan = app
        .put(
            &format!("/api/v1/families/{}/plan", family.id()),
            &token,
            None,
            &json!({
                "goals": [{"area": "routines", "description": "Mornings without shouting", "baseline": 2, "target": 7}],
                "actions": [{"description": "Housing referral", "owner_worker_id": me.id, "due_on": "2026-12-18"}],
                "review_dates": ["2027-01-15"]
            }),
        )
        .await;
    assert_status(&plan, 201);
    let family_action = plan.body["actions"][0]["id"]
        .as_str()
        .expect("family plan action")
        .to_owned();

    let r = app.get("/api/v1/me/tasks", &token).await;
    assert_status(&r, 200);
    let expected = vec![
        format!("follow_up_due:{follow_up}:3"),
        format!("review_due:{shared}:0"),
        format!("review_due:{mine}:0"),
        format!("school_support_action:{support_action}:0"),
        format!("family_plan_action:{family_action}:0"),
        format!("practice_action:{action}:0"),
        format!("termly_action:{conversation}:0"),
    ];
    assert_eq!(ids(&r.body), expected, "{}", r.body);
    let items = r.body["items"].as_array().expect("items");
    assert_eq!(items[0]["kind"], "follow_up_due");
    assert_eq!(items[0]["due_on"], "2026-12-01");
    assert_eq!(items[0]["referral_id"], closed.as_str());
    assert_eq!(
        items[0]["complete"]["href"],
        format!("/api/v1/referrals/{closed}/follow-ups/{follow_up}/record")
    );
    assert_eq!(
        items[2]["source"]["href"],
        format!("/api/v1/referrals/{mine}/plan")
    );
    assert_eq!(items[3]["summary"], "Send the resources");
    assert_eq!(
        items[3]["complete"]["href"],
        format!("/api/v1/school-support/{support_id}/actions/{support_action}")
    );
    assert_eq!(items[4]["summary"], "Housing referral");
    assert_eq!(items[4]["source"]["kind"], "family_plan");
    assert_eq!(items[5]["summary"], "Share the EBSA toolkit");
    assert_eq!(items[5]["source"]["id"], meeting_id.as_str());
    assert_eq!(items[6]["summary"], "Send the graduated approach pack");
    assert!(
        items[6].get("due_on").is_none(),
        "absent, not null: {}",
        items[6]
    );
    assert_eq!(items[6]["overdue"], false);

    // Pages of two follow the same order.
    let mut seen = Vec::new();
    let mut path = "/api/v1/me/tasks?limit=2".to_owned();
    loop {
        let page = app.get(&path, &token).await;
        assert_status(&page, 200);
        seen.extend(ids(&page.body));
        match page.body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/me/tasks?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, expected);
    // Filters: due before a day (exclusive; undated left out), one kind.
    let r = app
        .get("/api/v1/me/tasks?due_before=2026-12-10", &token)
        .await;
    assert_eq!(ids(&r.body), expected[..2].to_vec());
    let r = app.get("/api/v1/me/tasks?kind=review_due", &token).await;
    assert_eq!(ids(&r.body), expected[1..3].to_vec());

    // Completing the action at its source takes it off the list.
    let done = app
        .put(
            &format!("/api/v1/practice-sessions/{meeting_id}/actions/{action}"),
            &token,
            Some(&meeting.etag()),
            &json!({"done": true}),
        )
        .await;
    assert_status(&done, 200);
    let r = app
        .get("/api/v1/me/tasks?kind=practice_action", &token)
        .await;
    assert!(ids(&r.body).is_empty(), "{}", r.body);

    // My colleague has their own: the referral they hold (not the shared
    // one's co-worker entry twice) and their action; the other zone's
    // practitioner has none of ours.
    let r = app
        .get("/api/v1/me/tasks", &app.practitioner(&team, 1))
        .await;
    assert_eq!(
        r.body["items"].as_array().expect("items").len(),
        3,
        "{}",
        r.body
    );
    let r = app
        .get("/api/v1/me/tasks", &app.practitioner(&other, 0))
        .await;
    assert!(ids(&r.body).is_empty());
    let r = app.get("/api/v1/me/tasks", &app.manager(&team)).await;
    assert_status(&r, 200);
    assert!(ids(&r.body).is_empty());

    // Who may not ask, and what is refused.
    for t in [app.admin(), app.school(&team.schools[0].urn)] {
        app.get("/api/v1/me/tasks", &t)
            .await
            .assert_problem(403, "forbidden_for_role");
    }
    app.get("/api/v1/me/tasks?cursor=Zm9yZ2Vk", &token)
        .await
        .assert_problem(400, "invalid_cursor");
    let r = app.get("/api/v1/me/tasks?kind=chores", &token).await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = app.get("/api/v1/me/tasks?worker_id=x", &token).await;
    assert_eq!(r.status, 400, "{}", r.text);
}
