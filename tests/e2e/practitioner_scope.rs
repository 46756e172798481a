//! A practitioner's scope (docs/adr/0007-practitioner-scope.md): the
//! referrals allocated to them and those they co-work, with every delivery
//! record of those referrals; nothing else of their team. One test per
//! endpoint of a referral's delivery records shows a colleague of the same
//! team who is not allocated answered 404 (and nothing changed), the
//! allocated practitioner answered, and a co-worker answered once a team
//! manager added them. Then the co-worker endpoints themselves, and the
//! worker record behind team tokens (a deactivated worker: 403).

use sct_domain::Role;
use sct_e2e::{assert_status, items, upn, Reply, TestApp, TestTeam};
use serde_json::{json, Value};

/// An active referral allocated to practitioner 0 of a team, with a plan, a
/// review and an individual session recorded by them.
struct Case {
    app: TestApp,
    t: TestTeam,
    id: String,
    /// The referral's ETag as last changed.
    etag: String,
    goals: Vec<String>,
    review: String,
    session: String,
}

const LEAD: usize = 0;
const COLLEAGUE: usize = 1;

fn session_body() -> Value {
    json!({
        "held_on": "2026-11-20",
        "duration_minutes": 45,
        "attendance": "attended",
        "attendees": {"child": true, "parent_carer": false, "school_staff": false}
    })
}

fn plan_body(goals: &[String]) -> Value {
    json!({
        "goals": [
            {"id": goals[0], "area": "social_emotional_mental_health", "description": "Comes into class calmly", "baseline": 2, "target": 7},
            {"id": goals[1], "area": "speech_and_language", "description": "Asks for help when stuck", "baseline": 3, "target": 8}
        ],
        "intervention_ids": []
    })
}

fn review_body(goals: &[String], rating: i64) -> Value {
    json!({"reviewed_on": "2026-11-22", "ratings": [{"goal_id": goals[0], "rating": rating}, {"goal_id": goals[1], "rating": 4}]})
}

/// Submits, accepts, allocates to practitioner 0 and starts a referral.
async fn active(app: &TestApp, t: &TestTeam, child: u32) -> (String, String) {
    let created = app.submit(&t.schools[0].urn, &upn(child), 4).await;
    assert_status(&created, 201);
    let id = created.id();
    let manager = app.manager(t);
    let accepted = app
        .act(&id, "accept", &manager, &created.etag(), &json!({}))
        .await;
    assert_status(&accepted, 200);
    let allocated = app
        .act(
            &id,
            "allocate",
            &manager,
            &accepted.etag(),
            &json!({"worker_id": t.practitioners[LEAD].id}),
        )
        .await;
    assert_status(&allocated, 200);
    let started = app
        .act(
            &id,
            "start",
            &app.practitioner(t, LEAD),
            &allocated.etag(),
            &json!({}),
        )
        .await;
    assert_status(&started, 200);
    (id, started.etag())
}

async fn case(code: &str) -> Case {
    let app = TestApp::spawn().await;
    let t = app.team(code).await;
    let (id, etag) = active(&app, &t, 1).await;
    let lead = app.practitioner(&t, LEAD);
    let plan = app
        .put(
            &format!("/api/v1/referrals/{id}/plan"),
            &lead,
            None,
            &json!({
                "goals": [
                    {"area": "social_emotional_mental_health", "description": "Comes into class calmly", "baseline": 2, "target": 7},
                    {"area": "speech_and_language", "description": "Asks for help when stuck", "baseline": 3, "target": 8}
                ],
                "intervention_ids": []
            }),
        )
        .await;
    assert_status(&plan, 201);
    let goals: Vec<String> = plan.body["goals"]
        .as_array()
        .expect("goals")
        .iter()
        .map(|g| g["id"].as_str().expect("id").to_owned())
        .collect();
    let review = app
        .post(
            &format!("/api/v1/referrals/{id}/reviews"),
            &lead,
            &review_body(&goals, 5),
        )
        .await;
    assert_status(&review, 201);
    let session = app
        .post(
            &format!("/api/v1/referrals/{id}/sessions"),
            &lead,
            &session_body(),
        )
        .await;
    assert_status(&session, 201);
    Case {
        review: review.id(),
        session: session.id(),
        app,
        t,
        id,
        etag,
        goals,
    }
}

impl Case {
    fn lead(&self) -> String {
        self.app.practitioner(&self.t, LEAD)
    }

    fn colleague(&self) -> String {
        self.app.practitioner(&self.t, COLLEAGUE)
    }

    fn referral(&self) -> String {
        format!("/api/v1/referrals/{}", self.id)
    }

    async fn etag_now(&self) -> String {
        let r = self.app.get(&self.referral(), &self.app.admin()).await;
        assert_status(&r, 200);
        r.etag()
    }

    /// The team's manager makes the colleague a co-worker of the referral.
    async fn co_work(&mut self) -> Reply {
        let etag = self.etag_now().await;
        let added = self
            .app
            .call(
                reqwest::Method::POST,
                &format!("{}/co-workers", self.referral()),
                Some(&self.app.manager(&self.t)),
                Some(&json!({"worker_id": self.t.practitioners[COLLEAGUE].id})),
                &[("if-match", &etag)],
            )
            .await;
        assert_status(&added, 200);
        self.etag = added.etag();
        added
    }

    async fn get(&self, path: &str, token: &str) -> Reply {
        self.app.get(path, token).await
    }
}

fn not_found(r: &Reply) {
    r.assert_problem(404, "not_found");
}

// ---------------------------------------------------------------- the referral

#[tokio::test]
async fn get_referral_is_for_the_allocated_practitioner_and_co_workers() {
    let mut c = case("PS01").await;
    let path = c.referral();
    not_found(&c.get(&path, &c.colleague()).await);
    assert_status(&c.get(&path, &c.lead()).await, 200);
    c.co_work().await;
    let read = c.get(&path, &c.colleague()).await;
    assert_status(&read, 200);
    assert_eq!(
        read.body["co_workers"][0]["id"],
        c.t.practitioners[COLLEAGUE].id.to_string()
    );
}

#[tokio::test]
async fn list_referrals_holds_the_allocated_and_the_co_worked() {
    let mut c = case("PS02").await;
    let ids = |r: &Reply| -> Vec<String> {
        items(r)
            .iter()
            .map(|x| x["id"].as_str().expect("id").to_owned())
            .collect()
    };
    assert!(ids(&c.get("/api/v1/referrals", &c.colleague()).await).is_empty());
    assert_eq!(
        ids(&c.get("/api/v1/referrals", &c.lead()).await),
        vec![c.id.clone()]
    );
    c.co_work().await;
    assert_eq!(
        ids(&c.get("/api/v1/referrals", &c.colleague()).await),
        vec![c.id.clone()]
    );
}

#[tokio::test]
async fn referral_history_is_for_the_allocated_practitioner_and_co_workers() {
    let mut c = case("PS03").await;
    let path = format!("{}/history", c.referral());
    not_found(&c.get(&path, &c.colleague()).await);
    assert_status(&c.get(&path, &c.lead()).await, 200);
    c.co_work().await;
    let h = c.get(&path, &c.colleague()).await;
    assert_status(&h, 200);
    let last = items(&h).last().expect("entry").clone();
    assert_eq!(last["action"], "add_co_worker");
    assert_eq!(
        last["details"]["worker_id"],
        c.t.practitioners[COLLEAGUE].id.to_string()
    );
}

// ---------------------------------------------------------------- the plan

#[tokio::test]
async fn get_plan_is_for_the_allocated_practitioner_and_co_workers() {
    let mut c = case("PS04").await;
    let path = format!("{}/plan", c.referral());
    not_found(&c.get(&path, &c.colleague()).await);
    assert_status(&c.get(&path, &c.lead()).await, 200);
    c.co_work().await;
    assert_status(&c.get(&path, &c.colleague()).await, 200);
}

#[tokio::test]
async fn plan_versions_are_for_the_allocated_practitioner_and_co_workers() {
    let mut c = case("PS05").await;
    let path = format!("{}/plan/versions", c.referral());
    not_found(&c.get(&path, &c.colleague()).await);
    assert_status(&c.get(&path, &c.lead()).await, 200);
    c.co_work().await;
    assert_status(&c.get(&path, &c.colleague()).await, 200);
}

#[tokio::test]
async fn put_plan_is_for_the_allocated_practitioner_and_co_workers() {
    let mut c = case("PS06").await;
    let path = format!("{}/plan", c.referral());
    let body = plan_body(&c.goals);
    not_found(
        &c.app
            .put(&path, &c.colleague(), Some("\"v1\""), &body)
            .await,
    );
    assert_eq!(c.app.db.count("support_plan_versions").await, 1);
    let by_lead = c.app.put(&path, &c.lead(), Some("\"v1\""), &body).await;
    assert_status(&by_lead, 200);
    c.co_work().await;
    let by_co_worker = c
        .app
        .put(&path, &c.colleague(), Some(&by_lead.etag()), &body)
        .await;
    assert_status(&by_co_worker, 200);
}

// ---------------------------------------------------------------- reviews

#[tokio::test]
async fn list_reviews_is_for_the_allocated_practitioner_and_co_workers() {
    let mut c = case("PS07").await;
    let path = format!("{}/reviews", c.referral());
    not_found(&c.get(&path, &c.colleague()).await);
    assert_status(&c.get(&path, &c.lead()).await, 200);
    c.co_work().await;
    assert_eq!(items(&c.get(&path, &c.colleague()).await).len(), 1);
}

#[tokio::test]
async fn get_review_is_for_the_allocated_practitioner_and_co_workers() {
    let mut c = case("PS08").await;
    let path = format!("{}/reviews/{}", c.referral(), c.review);
    not_found(&c.get(&path, &c.colleague()).await);
    assert_status(&c.get(&path, &c.lead()).await, 200);
    c.co_work().await;
    assert_status(&c.get(&path, &c.colleague()).await, 200);
}

#[tokio::test]
async fn record_review_is_for_the_allocated_practitioner_and_co_workers() {
    let mut c = case("PS09").await;
    let path = format!("{}/reviews", c.referral());
    let body = review_body(&c.goals, 6);
    not_found(&c.app.post(&path, &c.colleague(), &body).await);
    assert_eq!(c.app.db.count("plan_reviews").await, 1);
    assert_status(&c.app.post(&path, &c.lead(), &body).await, 201);
    c.co_work().await;
    assert_status(&c.app.post(&path, &c.colleague(), &body).await, 201);
    assert_eq!(c.app.db.count("plan_reviews").await, 3);
}

#[tokio::test]
async fn update_review_is_for_the_allocated_practitioner_and_co_workers() {
    let mut c = case("PS10").await;
    let path = format!("{}/reviews/{}", c.referral(), c.review);
    not_found(
        &c.app
            .put(
                &path,
                &c.colleague(),
                Some("\"v1\""),
                &review_body(&c.goals, 7),
            )
            .await,
    );
    let by_lead = c
        .app
        .put(&path, &c.lead(), Some("\"v1\""), &review_body(&c.goals, 7))
        .await;
    assert_status(&by_lead, 200);
    c.co_work().await;
    let by_co_worker = c
        .app
        .put(
            &path,
            &c.colleague(),
            Some(&by_lead.etag()),
            &review_body(&c.goals, 8),
        )
        .await;
    assert_status(&by_co_worker, 200);
}

// ---------------------------------------------------------------- sessions

#[tokio::test]
async fn list_sessions_is_for_the_allocated_practitioner_and_co_workers() {
    let mut c = case("PS11").await;
    let path = format!("{}/sessions", c.referral());
    not_found(&c.get(&path, &c.colleague()).await);
    assert_status(&c.get(&path, &c.lead()).await, 200);
    c.co_work().await;
    assert_eq!(items(&c.get(&path, &c.colleague()).await).len(), 1);
}

#[tokio::test]
async fn record_session_is_for_the_allocated_practitioner_and_co_workers() {
    let mut c = case("PS12").await;
    let path = format!("{}/sessions", c.referral());
    not_found(&c.app.post(&path, &c.colleague(), &session_body()).await);
    assert_eq!(c.app.db.count("delivery_sessions").await, 1);
    assert_status(&c.app.post(&path, &c.lead(), &session_body()).await, 201);
    c.co_work().await;
    assert_status(
        &c.app.post(&path, &c.colleague(), &session_body()).await,
        201,
    );
    assert_eq!(c.app.db.count("delivery_sessions").await, 3);
}

#[tokio::test]
async fn get_session_is_for_the_allocated_practitioner_and_co_workers() {
    let mut c = case("PS13").await;
    let path = format!("/api/v1/sessions/{}", c.session);
    not_found(&c.get(&path, &c.colleague()).await);
    assert_status(&c.get(&path, &c.lead()).await, 200);
    c.co_work().await;
    assert_status(&c.get(&path, &c.colleague()).await, 200);
}

#[tokio::test]
async fn update_session_is_for_the_allocated_practitioner_and_co_workers() {
    let mut c = case("PS14").await;
    let path = format!("/api/v1/sessions/{}", c.session);
    let referral = c.id.clone();
    let fix = |minutes: i64| {
        json!({
            "held_on": "2026-11-19",
            "duration_minutes": minutes,
            "participants": [{"referral_id": referral, "attendance": "attended", "attendees": {"child": true, "parent_carer": true, "school_staff": false}}]
        })
    };
    not_found(
        &c.app
            .put(&path, &c.colleague(), Some("\"v1\""), &fix(30))
            .await,
    );
    let by_lead = c.app.put(&path, &c.lead(), Some("\"v1\""), &fix(40)).await;
    assert_status(&by_lead, 200);
    c.co_work().await;
    let by_co_worker = c
        .app
        .put(&path, &c.colleague(), Some(&by_lead.etag()), &fix(50))
        .await;
    assert_status(&by_co_worker, 200);
    assert_eq!(by_co_worker.body["duration_minutes"], 50);
}

#[tokio::test]
async fn record_group_session_covers_only_referrals_the_practitioner_works() {
    let mut c = case("PS15").await;
    let (other, _) = active(&c.app, &c.t, 2).await;
    let participant = |id: &str| json!({"referral_id": id, "attendance": "attended", "attendees": {"child": true, "parent_carer": false, "school_staff": false}});
    let group = json!({
        "held_on": "2026-11-21",
        "duration_minutes": 60,
        "participants": [participant(&c.id), participant(&other)]
    });
    let refused = c
        .app
        .post("/api/v1/group-sessions", &c.colleague(), &group)
        .await;
    sct_e2e::assert_field_error(&refused, "participants[0].referral_id", "unknown_referral");
    assert_eq!(c.app.db.count("delivery_sessions").await, 1);
    assert_status(
        &c.app
            .post("/api/v1/group-sessions", &c.lead(), &group)
            .await,
        201,
    );
    // Co-working one of the two is not enough: the second is named.
    c.co_work().await;
    sct_e2e::assert_field_error(
        &c.app
            .post("/api/v1/group-sessions", &c.colleague(), &group)
            .await,
        "participants[1].referral_id",
        "unknown_referral",
    );
    let mine = json!({
        "held_on": "2026-11-21",
        "duration_minutes": 60,
        "participants": [participant(&c.id)]
    });
    // A group of one is refused by the body's rules, not the scope.
    assert_eq!(
        c.app
            .post("/api/v1/group-sessions", &c.colleague(), &mine)
            .await
            .status,
        422
    );
    assert_eq!(c.app.db.count("delivery_sessions").await, 2);
}

// ---------------------------------------------------------------- co-workers

#[tokio::test]
async fn a_team_manager_adds_and_removes_a_co_worker_with_if_match() {
    let mut c = case("PS16").await;
    let app = &c.app;
    let colleague_id = c.t.practitioners[COLLEAGUE].id;
    let path = format!("{}/co-workers", c.referral());
    let body = json!({"worker_id": colleague_id});
    let manager = app.manager(&c.t);
    let etag = c.etag.clone();

    // Refusals: the role, If-Match, another team's manager, the worker.
    app.call(
        reqwest::Method::POST,
        &path,
        Some(&c.lead()),
        Some(&body),
        &[("if-match", &etag)],
    )
    .await
    .assert_problem(403, "forbidden_for_role");
    app.post(&path, &manager, &body)
        .await
        .assert_problem(428, "if_match_required");
    app.call(
        reqwest::Method::POST,
        &path,
        Some(&manager),
        Some(&body),
        &[("if-match", "\"v1\"")],
    )
    .await
    .assert_problem(412, "version_mismatch");
    let other = app.team("PS17").await;
    app.call(
        reqwest::Method::POST,
        &path,
        Some(&app.manager(&other)),
        Some(&body),
        &[("if-match", &etag)],
    )
    .await
    .assert_problem(404, "not_found");
    for (worker, code) in [
        (other.practitioners[0].id, "worker_not_in_team"),
        (c.t.practitioners[LEAD].id, "already_allocated_to_worker"),
    ] {
        let r = app
            .call(
                reqwest::Method::POST,
                &path,
                Some(&manager),
                Some(&json!({"worker_id": worker})),
                &[("if-match", &etag)],
            )
            .await;
        assert_eq!(r.body["code"], code, "{}", r.text);
    }

    let added = c.co_work().await;
    assert_eq!(added.body["co_workers"][0]["id"], colleague_id.to_string());
    let again = c
        .app
        .call(
            reqwest::Method::POST,
            &path,
            Some(&manager),
            Some(&body),
            &[("if-match", &c.etag)],
        )
        .await;
    again.assert_problem(409, "already_exists");
    let app = &c.app;
    // One audit row of the change (the refusals above have theirs, with
    // their status) and its webhook event.
    let audit = app
        .db
        .sql(&format!(
            "SELECT count(*) FROM audit_events WHERE action = 'add_co_worker' AND outcome = 200 AND subject_type = 'referral' AND subject_id = '{}'",
            c.id
        ))
        .await
        .expect("audit");
    assert_eq!(audit[0].get::<_, i64>(0), 1);
    let events = app
        .db
        .sql(&format!(
            "SELECT count(*) FROM outbox_events WHERE event_type = 'referral.co_workers_changed' AND subject_id = '{}'",
            c.id
        ))
        .await
        .expect("outbox");
    assert_eq!(events[0].get::<_, i64>(0), 1);

    // Removed: the colleague is out of scope again.
    let remove = format!("{path}/{colleague_id}");
    app.call(reqwest::Method::DELETE, &remove, Some(&manager), None, &[])
        .await
        .assert_problem(428, "if_match_required");
    let removed = app
        .call(
            reqwest::Method::DELETE,
            &remove,
            Some(&manager),
            None,
            &[("if-match", &c.etag)],
        )
        .await;
    assert_status(&removed, 200);
    assert_eq!(removed.body["co_workers"], json!([]));
    app.call(
        reqwest::Method::DELETE,
        &remove,
        Some(&manager),
        None,
        &[("if-match", &removed.etag())],
    )
    .await
    .assert_problem(404, "not_found");
    not_found(&app.get(&c.referral(), &c.colleague()).await);
    let h = app
        .get(&format!("{}/history", c.referral()), &manager)
        .await;
    assert_eq!(
        items(&h).last().expect("entry")["action"],
        "remove_co_worker"
    );
}

#[tokio::test]
async fn redirecting_a_referral_ends_its_co_workers() {
    let mut c = case("PS18").await;
    c.co_work().await;
    let other = c.app.team("PS19").await;
    // Close is the only way out of active for a practitioner; a manager may
    // reopen-and-redirect only before allocation, so test the end of
    // co-working on a fresh, accepted referral.
    let created = c.app.submit(&c.t.schools[0].urn, &upn(3), 4).await;
    let manager = c.app.manager(&c.t);
    let accepted = c
        .app
        .act(
            &created.id(),
            "accept",
            &manager,
            &created.etag(),
            &json!({}),
        )
        .await;
    assert_status(&accepted, 200);
    let path = format!("/api/v1/referrals/{}/co-workers", created.id());
    let added = c
        .app
        .call(
            reqwest::Method::POST,
            &path,
            Some(&manager),
            Some(&json!({"worker_id": c.t.practitioners[COLLEAGUE].id})),
            &[("if-match", &accepted.etag())],
        )
        .await;
    assert_status(&added, 200);
    assert_status(
        &c.app
            .get(
                &format!("/api/v1/referrals/{}", created.id()),
                &c.colleague(),
            )
            .await,
        200,
    );
    let redirected = c
        .app
        .act(
            &created.id(),
            "redirect",
            &manager,
            &added.etag(),
            &json!({"team_id": other.team.id, "reason": "The family moved"}),
        )
        .await;
    assert_status(&redirected, 200);
    assert_eq!(redirected.body["co_workers"], json!([]));
    not_found(
        &c.app
            .get(
                &format!("/api/v1/referrals/{}", created.id()),
                &c.colleague(),
            )
            .await,
    );
}

// ---------------------------------------------------------------- the worker record

#[tokio::test]
async fn a_deactivated_worker_is_refused_everywhere() {
    let c = case("PS20").await;
    let app = &c.app;
    let lead = c.lead();
    let manager = app.manager(&c.t);
    assert_status(&app.get(&c.referral(), &lead).await, 200);
    for (worker, token) in [(&c.t.practitioners[LEAD], &lead), (&c.t.manager, &manager)] {
        let path = format!("/api/v1/teams/{}/workers/{}", c.t.team.id, worker.id);
        let off = app
            .put(
                &path,
                &app.admin(),
                Some("\"v1\""),
                &json!({"name": worker.name, "caseload_cap": worker.caseload_cap, "active": false}),
            )
            .await;
        assert_status(&off, 200);
        for path in [
            c.referral(),
            "/api/v1/referrals".to_owned(),
            format!("{}/plan", c.referral()),
            format!("/api/v1/sessions/{}", c.session),
            "/api/v1/consultations".to_owned(),
            "/api/v1/termly-conversations".to_owned(),
            "/api/v1/programmes".to_owned(),
            "/api/v1/schools".to_owned(),
        ] {
            app.get(&path, token)
                .await
                .assert_problem(403, "worker_deactivated");
        }
    }
}

#[tokio::test]
async fn team_reach_comes_from_the_worker_record_not_the_token() {
    let c = case("PS21").await;
    let app = &c.app;
    let other = app.team("PS22").await;
    // A token that names the other team for a worker of this one, and a
    // token for a subject that is no registered worker: neither reaches
    // the other team's consultations, termly conversations or programmes.
    let forged = [
        app.token(
            Role::Practitioner,
            &[],
            Some(other.team.id),
            &c.t.practitioners[LEAD].subject,
        ),
        app.token(Role::Practitioner, &[], Some(other.team.id), "nobody"),
        app.token(Role::TeamManager, &[], Some(other.team.id), "nobody"),
    ];
    let consultation = json!({
        "school_urn": other.schools[0].urn,
        "held_on": "2026-11-20",
        "topic": "School avoidance",
        "subject": "child",
        "upn": upn(7),
        "indes_areas": ["social_emotional_mental_health"],
        "advice": "Graded re-entry; key adult",
        "follow_up": "Review in four weeks"
    });
    let mine = app
        .post("/api/v1/consultations", &app.manager(&other), &consultation)
        .await;
    assert_status(&mine, 201);
    for token in &forged {
        let listed = app.get("/api/v1/consultations", token).await;
        assert_status(&listed, 200);
        assert!(items(&listed).is_empty(), "{}", listed.text);
        not_found(
            &app.get(&format!("/api/v1/consultations/{}", mine.id()), token)
                .await,
        );
        let termly = app.get("/api/v1/termly-conversations", token).await;
        assert_status(&termly, 200);
        assert!(items(&termly).is_empty(), "{}", termly.text);
    }
}
