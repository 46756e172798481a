//! Reviews of a family's plan (issue 13, item 2: "reviews rate family
//! goals; closure records them") over HTTP: a review rates every current
//! family goal; the plan shows the latest rating; closing the family
//! records the final ratings in the same transaction, and is refused
//! without them; who may (the zone's team and la_admin; another zone 404;
//! schools 403); bad payloads 422 storing nothing.

use crate::families::world;
use sct_e2e::{assert_field_error, assert_status, TestApp};
use serde_json::{json, Value};

fn ratings(goals: &[String], values: &[i64]) -> Value {
    json!(goals
        .iter()
        .zip(values)
        .map(|(g, r)| json!({"goal_id": g, "rating": r}))
        .collect::<Vec<_>>())
}

#[tokio::test]
async fn a_family_plan_is_reviewed_and_closing_the_family_records_its_final_ratings() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let mgr = app.manager(&w.a);
    let pr = app.practitioner(&w.a, 0);
    let fam = format!("/api/v1/families/{}", w.fam);
    let path = format!("{fam}/plan/reviews");

    // No plan yet: 404.
    let early = json!({"reviewed_on": "2026-11-30", "ratings": [{"goal_id": uuid::Uuid::nil(), "rating": 3}]});
    app.post(&path, &pr, &early)
        .await
        .assert_problem(404, "not_found");
    let plan = app
        .put(
            &format!("{fam}/plan"),
            &pr,
            None,
            &json!({"goals": [
                {"area": "routines", "description": "Mornings without shouting", "baseline": 2, "target": 7},
                {"area": "parenting", "description": "Praise before correction", "baseline": 3, "target": 8}]}),
        )
        .await;
    assert_status(&plan, 201);
    let goals: Vec<String> = (0..2)
        .map(|i| {
            plan.body["goals"][i]["id"]
                .as_str()
                .expect("goal")
                .to_owned()
        })
        .collect();

    // Bad payloads: 422, nothing stored.
    let review = |values: &[i64]| json!({"reviewed_on": "2026-11-30", "ratings": ratings(&goals, values), "notes": "Calmer mornings"});
    let mut one_missing = review(&[5]);
    one_missing["ratings"] = ratings(&goals[..1], &[5]);
    assert_field_error(
        &app.post(&path, &pr, &one_missing).await,
        "ratings",
        "goal_not_rated",
    );
    assert_field_error(
        &app.post(&path, &pr, &review(&[5, 11])).await,
        "ratings[1].rating",
        "off_gbo_scale",
    );
    let mut other_goal = review(&[5, 6]);
    other_goal["ratings"][1]["goal_id"] = json!(uuid::Uuid::nil());
    assert_field_error(
        &app.post(&path, &pr, &other_goal).await,
        "ratings[1].goal_id",
        "unknown_goal",
    );
    let mut future = review(&[5, 6]);
    future["reviewed_on"] = json!("2199-01-01");
    assert_field_error(
        &app.post(&path, &pr, &future).await,
        "reviewed_on",
        "in_future",
    );
    let mut unknown = review(&[5, 6]);
    unknown["score"] = json!(1);
    app.post(&path, &pr, &unknown)
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(app.db.count("family_plan_reviews").await, 0);

    // Who may: schools and MIS clients never (403); another zone's team 404.
    let school = app.school(&w.a.schools[0].urn);
    app.post(&path, &school, &review(&[5, 6]))
        .await
        .assert_problem(403, "forbidden_for_role");
    app.get(&path, &school)
        .await
        .assert_problem(403, "forbidden_for_role");
    let b = app.team("B02").await;
    let other = app.manager(&b);
    app.post(&path, &other, &review(&[5, 6]))
        .await
        .assert_problem(404, "not_found");
    app.get(&path, &other)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(app.db.count("family_plan_reviews").await, 0);

    // A review: 201, replayed by its key; the plan shows the latest rating.
    let made = app
        .post_keyed(&path, &pr, "fam-review-1", &review(&[5, 6]))
        .await;
    assert_status(&made, 201);
    assert_eq!(made.body["kind"], "interim");
    assert_eq!(made.body["ratings"][0]["distance_travelled"], 3);
    assert_eq!(made.body["ratings"][1]["rating"], 6);
    assert_eq!(made.body["recorded_by"], w.a.practitioners[0].subject);
    let again = app
        .post_keyed(&path, &pr, "fam-review-1", &review(&[5, 6]))
        .await;
    assert_eq!(again.body["id"], made.body["id"], "{}", again.text);
    assert_eq!(app.db.count("family_plan_reviews").await, 1);
    let read = app.get(&format!("{fam}/plan"), &mgr).await;
    assert_eq!(read.body["goals"][0]["latest_rating"], 5, "{}", read.text);
    assert_eq!(read.body["goals"][1]["distance_travelled"], 3);
    let one = app.get(&format!("{path}/{}", made.id()), &mgr).await;
    assert_status(&one, 200);
    assert_eq!(one.body["notes"], "Calmer mornings");
    let f2 = app.post("/api/v1/families", &mgr, &json!({})).await;
    app.get(
        &format!("/api/v1/families/{}/plan/reviews/{}", f2.id(), made.id()),
        &mgr,
    )
    .await
    .assert_problem(404, "not_found");

    // Closing: final ratings are required, refused on a change that does
    // not close, checked like a review's; a refusal changes nothing.
    let family = app.get(&fam, &mgr).await;
    let etag = family.etag();
    let close = |status: &str, r: Option<Value>| {
        let mut b = json!({"zone_id": w.a.zone.id, "status": status});
        if let Some(r) = r {
            b["final_ratings"] = r;
        }
        b
    };
    assert_field_error(
        &app.put(&fam, &pr, Some(&etag), &close("closed", None))
            .await,
        "final_ratings",
        "final_ratings_required",
    );
    assert_field_error(
        &app.put(
            &fam,
            &pr,
            Some(&etag),
            &close("open", Some(ratings(&goals, &[7, 7]))),
        )
        .await,
        "final_ratings",
        "not_allowed",
    );
    assert_field_error(
        &app.put(
            &fam,
            &pr,
            Some(&etag),
            &close("closed", Some(ratings(&goals[..1], &[7]))),
        )
        .await,
        "final_ratings",
        "goal_not_rated",
    );
    app.put(
        &fam,
        &pr,
        Some("\"v99\""),
        &close("closed", Some(ratings(&goals, &[7, 8]))),
    )
    .await
    .assert_problem(412, "version_mismatch");
    assert_eq!(app.get(&fam, &mgr).await.body["status"], "open");
    assert_eq!(app.db.count("family_plan_reviews").await, 1);
    let closed = app
        .put(
            &fam,
            &pr,
            Some(&etag),
            &close("closed", Some(ratings(&goals, &[7, 8]))),
        )
        .await;
    assert_status(&closed, 200);
    assert_eq!(closed.body["status"], "closed");
    let list = app.get(&path, &app.admin()).await;
    assert_status(&list, 200);
    let items = list.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{}", list.text);
    assert_eq!(items[1]["kind"], "final");
    assert_eq!(items[1]["ratings"][1]["distance_travelled"], 5);
    // Paged: one a page, the cursor leads to the final review.
    let page = app.get(&format!("{path}?limit=1"), &mgr).await;
    let cursor = page.body["next_cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let next = app
        .get(&format!("{path}?limit=1&cursor={cursor}"), &mgr)
        .await;
    assert_eq!(next.body["items"][0]["kind"], "final", "{}", next.text);
    // A closed family's plan is not reviewed again.
    app.post(&path, &pr, &review(&[8, 8]))
        .await
        .assert_problem(409, "invalid_transition");

    // A family without a plan closes without ratings, and refuses them.
    let f2 = f2.id();
    let bare = format!("/api/v1/families/{f2}");
    let tag = app.get(&bare, &mgr).await.etag();
    assert_field_error(
        &app.put(
            &bare,
            &mgr,
            Some(&tag),
            &close("closed", Some(ratings(&goals, &[7, 8]))),
        )
        .await,
        "final_ratings",
        "no_goals",
    );
    assert_status(
        &app.put(&bare, &mgr, Some(&tag), &close("closed", None))
            .await,
        200,
    );
}
