//! A school's view of a term over HTTP (issue 15, item 3): the term's
//! conversation, consultations, referrals by status, feedback waiting; only
//! for the school, its MIS, the zone's team and la_admin; JSON and CSV.

use crate::delivery::active_referral;
use chrono::Datelike;
use reqwest::Method;
use sct_e2e::{assert_status, TestApp};
use serde_json::json;

/// The academic year and term of today, and today.
pub(crate) fn this_term() -> (String, &'static str, String) {
    let today = chrono::Utc::now().date_naive();
    let (start, term) = match today.month() {
        9..=12 => (today.year(), "autumn"),
        1..=3 => (today.year() - 1, "spring"),
        _ => (today.year() - 1, "summer"),
    };
    (
        format!("{start}/{:02}", (start + 1) % 100),
        term,
        today.to_string(),
    )
}

#[tokio::test]
async fn a_school_reads_its_term_and_no_other_school_does() {
    let app = TestApp::spawn().await;
    let t = app.team("SA1").await;
    let other = app.team("SA2").await;
    let urn = t.schools[0].urn.clone();
    let school = app.school(&urn);
    let (year, term, today) = this_term();

    // The term's conversation, offered, scheduled and held today.
    let offered = app
        .post(
            "/api/v1/termly-conversations",
            &app.manager(&t),
            &json!({"school_urn": urn, "academic_year": year, "term": term}),
        )
        .await;
    assert_status(&offered, 201);
    let conv = offered.id();
    let scheduled = app
        .call_if_match(
            Method::POST,
            &format!("/api/v1/termly-conversations/{conv}/schedule"),
            &school,
            Some(&offered.etag()),
            Some(&json!({"date": today})),
        )
        .await;
    assert_status(&scheduled, 200);
    let held = app
        .call_if_match(
            Method::POST,
            &format!("/api/v1/termly-conversations/{conv}/hold"),
            &app.practitioner(&t, 0),
            Some(&scheduled.etag()),
            Some(&json!({"held_on": today, "attendees": ["SENCo"], "children_discussed": 5,
                "actions": [{"description": "Refer two Year 3 children", "owner": "SENCo", "due_on": today, "done": false}]})),
        )
        .await;
    assert_status(&held, 200);
    // A consultation today, with feedback given on it.
    let c = app
        .post(
            "/api/v1/consultations",
            &app.practitioner(&t, 0),
            &json!({"school_urn": urn, "held_on": today, "topic": "Anxiety in Year 5", "subject": "cohort",
                "cohort": "Year 5", "indes_areas": ["social_emotional_mental_health"], "advice": "Worry groups"}),
        )
        .await;
    assert_status(&c, 201);
    assert_status(
        &app.post(
            "/api/v1/feedback",
            &school,
            &json!({"about": "consultation", "item_id": c.id(), "rating": 4, "confidence": 4}),
        )
        .await,
        201,
    );
    // Two referrals of the school, one closed; one of the other school.
    let (active, _) = active_referral(&app, &t, 0, 1).await;
    let (closing, etag) = active_referral(&app, &t, 0, 2).await;
    let closed = app
        .act(
            &closing,
            "close",
            &app.practitioner(&t, 0),
            &etag,
            &json!({"outcome": "needs_met"}),
        )
        .await;
    assert_status(&closed, 200);
    let (elsewhere, _) = active_referral(&app, &t, 1, 3).await;

    let path = format!("/api/v1/schools/{urn}/activity?academic_year={year}&term={term}");
    let view = app.get(&path, &school).await;
    assert_status(&view, 200);
    let b = &view.body;
    assert_eq!(b["termly_conversation"]["id"], json!(conv));
    assert_eq!(b["termly_conversation"]["status"], "held");
    assert_eq!(
        b["termly_conversation"]["actions"][0]["description"],
        "Refer two Year 3 children"
    );
    assert_eq!(b["consultations"][0]["id"], json!(c.id()));
    assert!(b["consultations"][0].get("upn").is_none());
    let ids: Vec<&str> = b["referrals"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, vec![active.as_str(), closing.as_str()]);
    assert!(
        !ids.contains(&elsewhere.as_str()),
        "another school's referral"
    );
    assert_eq!(
        b["referrals"]["by_status"],
        json!([{"status": "active", "count": 1}, {"status": "closed", "count": 1}])
    );
    // Waiting for feedback: the closed referral and the held conversation,
    // not the consultation the school has answered about.
    let mut waiting: Vec<(String, String)> = b["feedback_waiting"]
        .as_array()
        .expect("waiting")
        .iter()
        .map(|w| {
            (
                w["about"].as_str().unwrap_or_default().to_owned(),
                w["item_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    waiting.sort();
    assert_eq!(
        waiting,
        vec![
            ("referral".to_owned(), closing.clone()),
            ("termly_conversation".to_owned(), conv.clone()),
        ]
    );

    // The same for the MIS, the zone's team and la_admin.
    let (client, secret, _) = app.register_client(&[&urn]).await;
    let mis = app.client_token(&client, &secret).await;
    for token in [mis, app.practitioner(&t, 1), app.manager(&t), app.admin()] {
        let v = app.get(&path, &token).await;
        assert_status(&v, 200);
        assert_eq!(v.body["referrals"]["items"], b["referrals"]["items"]);
    }
    // Another school, another zone's team: not found.
    for token in [
        app.school(&t.schools[1].urn),
        app.school(&other.schools[0].urn),
        app.manager(&other),
    ] {
        app.get(&path, &token)
            .await
            .assert_problem(404, "not_found");
    }
    // Another term of the same school is empty.
    let empty = app
        .get(
            &format!("/api/v1/schools/{urn}/activity?academic_year=2001/02&term=spring"),
            &school,
        )
        .await;
    assert_status(&empty, 200);
    assert!(empty.body.get("termly_conversation").is_none());
    assert_eq!(empty.body["referrals"]["items"], json!([]));
    assert_eq!(empty.body["from"], "2002-01-01");
    // Bad terms.
    for bad in [
        "academic_year=2026/28&term=autumn",
        "academic_year=2026/27&term=winter",
        "term=autumn",
    ] {
        app.get(&format!("/api/v1/schools/{urn}/activity?{bad}"), &school)
            .await
            .assert_problem(400, "invalid_parameter");
    }

    // CSV: one line per item, with a header.
    let csv = app
        .call(
            Method::GET,
            &path,
            Some(&school),
            None,
            &[("accept", "text/csv")],
        )
        .await;
    assert_status(&csv, 200);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "section,kind,id,status,date,title,count");
    assert!(lines
        .iter()
        .any(|l| l.starts_with("referrals_by_status,,,closed,,,1")));
    assert!(lines
        .iter()
        .any(|l| l.starts_with(&format!("feedback_waiting,referral,{closing}"))));
}
