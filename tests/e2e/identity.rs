//! The child's identity across schools, over HTTP (issue 13, item 6): the
//! LA's record changes only by staff; what a school or MIS client sends is
//! kept as its referral's own snapshot of the child and shown back to it
//! alone; a known UPN with other details raises a conflict for staff and
//! never answers the known child's details; a school never sees another
//! school's names, date of birth or referral, through any endpoint.

use sct_e2e::{referral_body, upn, Reply, TestApp};
use serde_json::{json, Value};

fn body(urn: &str, upn: &str, given: &str, family: &str, dob: &str) -> Value {
    let mut b = referral_body(urn, upn, 4);
    b["child"]["given_name"] = json!(given);
    b["child"]["family_name"] = json!(family);
    b["child"]["date_of_birth"] = json!(dob);
    b
}

/// The reply names none of `needles`.
fn blind(r: &Reply, needles: &[&str], what: &str) {
    for n in needles {
        assert!(!r.text.contains(n), "{what} shows {n}: {}", r.text);
    }
}

#[tokio::test]
async fn a_school_never_sees_or_changes_another_schools_child() {
    let app = TestApp::spawn().await;
    let t = app.team("ID1").await;
    let (a, b) = (t.schools[0].urn.clone(), t.schools[1].urn.clone());
    let known = upn(31);
    let admin = app.admin();

    // School A refers the child.
    let first = app
        .post(
            "/api/v1/referrals",
            &app.school(&a),
            &body(&a, &known, "Aoife", "Original", "2016-03-14"),
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.text);
    let child = first.body["child"]["id"]
        .as_str()
        .expect("child")
        .to_owned();
    let a_ref = first.id();

    // School B's MIS sends the same UPN with other names and another date
    // of birth: 201 with what it sent, never the known child's details.
    let (client, secret, _) = app.register_client(&[&b]).await;
    let mis = app.client_token(&client, &secret).await;
    let wrong = app
        .post(
            "/api/v1/referrals",
            &mis,
            &body(&b, &known, "Jordan", "Other", "2015-05-05"),
        )
        .await;
    assert_eq!(wrong.status, 201, "{}", wrong.text);
    assert_eq!(wrong.body["child"]["given_name"], "Jordan");
    assert_eq!(wrong.body["child"]["family_name"], "Other");
    assert_eq!(wrong.body["child"]["date_of_birth"], "2015-05-05");
    assert!(wrong.body.get("submitted_child").is_none());
    blind(
        &wrong,
        &["Aoife", "Original", "2016-03-14", &a_ref],
        "the MIS's 201",
    );

    // School B itself sends the UPN with the right date of birth and other
    // names: the record is not renamed, and B sees only what it sent.
    let right_dob = app
        .post(
            "/api/v1/referrals",
            &app.school(&b),
            &body(&b, &known, "Bea", "Renamed", "2016-03-14"),
        )
        .await;
    assert_eq!(right_dob.status, 201, "{}", right_dob.text);
    assert_eq!(right_dob.body["child"]["given_name"], "Bea");
    blind(&right_dob, &["Aoife", "Original", &a_ref], "B's 201");
    let names = app
        .db
        .sql(&format!(
            "SELECT given_name, family_name FROM children WHERE id = '{child}'"
        ))
        .await
        .expect("child");
    assert_eq!(names[0].get::<_, String>(0), "Aoife");
    assert_eq!(names[0].get::<_, String>(1), "Original");

    // Both raised a conflict for staff.
    let open = app.get("/api/v1/child-conflicts?status=open", &admin).await;
    assert_eq!(open.status, 200, "{}", open.text);
    let submitted: Vec<&str> = open.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["submitted_given_name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(submitted, ["Jordan", "Bea"]);
    let conflict = open.body["items"][0]["id"].as_str().expect("id").to_owned();

    // A consultation about the child with school A.
    let consultation = app
        .post(
            "/api/v1/consultations",
            &app.manager(&t),
            &json!({
                "school_urn": a, "held_on": "2026-11-20", "topic": "School avoidance",
                "subject": "child", "upn": known,
                "indes_areas": ["social_emotional_mental_health"],
                "advice": "Graded re-entry; key adult"
            }),
        )
        .await;
    assert_eq!(consultation.status, 201, "{}", consultation.text);

    // Every read school B (or its MIS) can make: nothing of school A's.
    for token in [app.school(&b), mis.clone()] {
        let own = [wrong.id(), right_dob.id()];
        for path in [
            "/api/v1/referrals".to_owned(),
            "/api/v1/referrals?updated_since=2020-01-01T00:00:00Z".to_owned(),
            format!("/api/v1/referrals/{}", own[0]),
            format!("/api/v1/referrals/{}", own[1]),
            format!("/api/v1/referrals/{}/history", own[0]),
            "/api/v1/consultations".to_owned(),
        ] {
            let r = app.get(&path, &token).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text);
            blind(&r, &["Aoife", "Original", &a_ref], &path);
            if path.ends_with("/consultations") {
                blind(&r, &[&known, &consultation.id()], &path);
            }
        }
        let list = app.get("/api/v1/referrals", &token).await;
        assert_eq!(list.body["items"].as_array().map(Vec::len), Some(2));
        for path in [
            format!("/api/v1/referrals/{a_ref}"),
            format!("/api/v1/referrals/{a_ref}/history"),
            format!("/api/v1/consultations/{}", consultation.id()),
        ] {
            app.get(&path, &token)
                .await
                .assert_problem(404, "not_found");
        }
        for path in [
            format!("/api/v1/children/{child}/history"),
            format!("/api/v1/children/{child}/export"),
            "/api/v1/child-conflicts".to_owned(),
            format!("/api/v1/child-conflicts/{conflict}"),
        ] {
            app.get(&path, &token)
                .await
                .assert_problem(403, "forbidden_for_role");
        }
    }

    // School A still sees its child as it sent them, and none of B's.
    for path in [
        format!("/api/v1/referrals/{a_ref}"),
        "/api/v1/referrals".to_owned(),
    ] {
        let r = app.get(&path, &app.school(&a)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.contains("Aoife"), "{}", r.text);
        blind(
            &r,
            &["Jordan", "Other", "Bea", "Renamed", "2015-05-05"],
            &path,
        );
    }
    // Stored webhook payloads name no child.
    let payloads = app
        .db
        .sql("SELECT data::text FROM outbox_events")
        .await
        .expect("outbox");
    for row in payloads {
        let data: String = row.get(0);
        for n in ["Aoife", "Original", "Jordan", "Bea", "2016-03-14"] {
            assert!(!data.contains(n), "{data}");
        }
    }
    // Staff see the LA's record and each referral's snapshot.
    let staff = app
        .get(&format!("/api/v1/referrals/{}", wrong.id()), &admin)
        .await;
    assert_eq!(staff.body["child"]["given_name"], "Aoife");
    assert_eq!(staff.body["submitted_child"]["given_name"], "Jordan");
}
