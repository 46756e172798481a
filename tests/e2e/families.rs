//! Families (issue 13, items 1 and 5): a family with two children at two
//! schools and two adults on one page, each caller seeing as far as they
//! may; the refusals; referrals from other routes in; an adult's erasure
//! and export.

use reqwest::Method;
use sct_e2e::{referral_body, upn, Reply, TestApp, TestTeam};
use serde_json::{json, Value};

/// A referral of the `n`th child from a school: `(referral id, child id, etag)`.
async fn referred(app: &TestApp, urn: &str, n: u32) -> (String, String, String) {
    let r = app.submit(urn, &upn(n), 4).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let child = r.body["child"]["id"].as_str().expect("child").to_owned();
    (r.id(), child, r.etag())
}

async fn family(app: &TestApp, token: &str) -> String {
    let f = app.post("/api/v1/families", token, &json!({})).await;
    assert_eq!(f.status, 201, "{}", f.text);
    f.id()
}

async fn member(app: &TestApp, fam: &str, token: &str, body: &Value) -> Reply {
    app.post(&format!("/api/v1/families/{fam}/members"), token, body)
        .await
}

fn adult(given: &str, rels: &Value) -> Value {
    json!({
        "kind": "adult", "role": "parent", "given_name": given, "family_name": "Example",
        "phone": "07700 900123", "email": "jo@example.org", "address": "1 Example Road",
        "preferred_contact_method": "phone", "preferred_language": "Polish",
        "interpreter_needed": true,
        "safe_contact_notes": "Never tell the father where the children live",
        "relationships": rels
    })
}

/// Team A's two schools, a family of zone A with a child at each and two
/// adults: `(family, [child member ids], [adult member ids], [referral ids])`.
pub(crate) struct World {
    pub(crate) a: TestTeam,
    pub(crate) fam: String,
    pub(crate) kids: Vec<String>,
    pub(crate) adults: Vec<String>,
    pub(crate) referrals: Vec<String>,
}

pub(crate) async fn world(app: &TestApp) -> World {
    let a = app.team("A01").await;
    let (s1, s2) = (a.schools[0].urn.clone(), a.schools[1].urn.clone());
    let (r1, c1, e1) = referred(app, &s1, 1).await;
    let (r2, c2, e2) = referred(app, &s2, 2).await;
    let mgr = app.manager(&a);
    let fam = family(app, &mgr).await;
    let mut kids = Vec::new();
    for (c, s) in [(&c1, &s1), (&c2, &s2)] {
        let m = member(
            app,
            &fam,
            &mgr,
            &json!({"kind": "child", "child_id": c, "school_urn": s}),
        )
        .await;
        assert_eq!(m.status, 201, "{}", m.text);
        kids.push(m.id());
    }
    let jo = member(
        app,
        &fam,
        &mgr,
        &adult(
            "Jo",
            &json!([
                {"child_member_id": kids[0], "relationship": "mother", "parental_responsibility": true},
                {"child_member_id": kids[1], "relationship": "mother", "parental_responsibility": true}
            ]),
        ),
    )
    .await;
    assert_eq!(jo.status, 201, "{}", jo.text);
    let alex = member(
        app,
        &fam,
        &mgr,
        &json!({"kind": "adult", "role": "carer", "given_name": "Alex", "family_name": "Other",
                "relationships": [{"child_member_id": kids[1], "relationship": "step_parent", "parental_responsibility": false}]}),
    )
    .await;
    assert_eq!(alex.status, 201, "{}", alex.text);
    // Linked by staff, with If-Match on each referral.
    for (r, e) in [(&r1, &e1), (&r2, &e2)] {
        let l = app
            .put(
                &format!("/api/v1/referrals/{r}/family"),
                &mgr,
                Some(e),
                &json!({"family_id": fam}),
            )
            .await;
        assert_eq!(l.status, 200, "{}", l.text);
        assert_eq!(l.body["family_id"], json!(fam));
    }
    World {
        a,
        fam,
        kids,
        adults: vec![jo.id(), alex.id()],
        referrals: vec![r1, r2],
    }
}

fn ids(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| x["id"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_family_with_two_children_at_two_schools_shows_on_one_page_as_far_as_each_caller_may_see()
{
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let (s1, s2) = (w.a.schools[0].urn.clone(), w.a.schools[1].urn.clone());
    let path = format!("/api/v1/families/{}", w.fam);

    // The zone's team: every member and both children's referrals.
    let page = app.get(&path, &app.practitioner(&w.a, 0)).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(page.body["members"].as_array().map(Vec::len), Some(4));
    let mut refs = ids(&page.body, "referrals");
    refs.sort();
    let mut want = w.referrals.clone();
    want.sort();
    assert_eq!(refs, want);
    let kid = &page.body["members"][0];
    assert_eq!(kid["kind"], "child");
    assert_eq!(kid["given_name"], "Sam", "staff see the LA's record");
    let jo = page.body["members"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["id"] == json!(w.adults[0])))
        .expect("jo")
        .clone();
    assert_eq!(
        jo["safe_contact_notes"],
        "Never tell the father where the children live"
    );
    assert_eq!(jo["relationships"].as_array().map(Vec::len), Some(2));

    // Each school: its own child and referral, never the other school's;
    // no child's names; adults without safe-contact notes.
    for (urn, kid, referral, other) in [
        (&s1, &w.kids[0], &w.referrals[0], &w.kids[1]),
        (&s2, &w.kids[1], &w.referrals[1], &w.kids[0]),
    ] {
        let p = app.get(&path, &app.school(urn)).await;
        assert_eq!(p.status, 200, "{}", p.text);
        assert_eq!(ids(&p.body, "referrals"), vec![referral.clone()]);
        assert!(p.body.get("referrals_elsewhere").is_none(), "{}", p.text);
        let members = p.body["members"].as_array().expect("members");
        let children: Vec<&Value> = members.iter().filter(|m| m["kind"] == "child").collect();
        assert_eq!(children.len(), 1, "{}", p.text);
        assert_eq!(children[0]["id"], json!(kid));
        assert!(children[0].get("given_name").is_none(), "{}", p.text);
        assert!(!p.text.contains(other.as_str()), "the other school's child");
        assert!(!p.text.contains("Never tell"), "safe-contact notes");
        assert!(p.text.contains("07700 900123"), "{}", p.text);
    }

    // Another zone's team and another zone's school: 404.
    let b = app.team("B02").await;
    app.get(&path, &app.manager(&b))
        .await
        .assert_problem(404, "not_found");
    app.get(&path, &app.school(&b.schools[0].urn))
        .await
        .assert_problem(404, "not_found");

    // Team B takes a sibling's referral into the family (la_admin links it):
    // team A sees it by id and zone only.
    let (r3, _, e3) = referred(&app, &b.schools[0].urn, 3).await;
    let l = app
        .put(
            &format!("/api/v1/referrals/{r3}/family"),
            &app.admin(),
            Some(&e3),
            &json!({"family_id": w.fam}),
        )
        .await;
    assert_eq!(l.status, 200, "{}", l.text);
    let page = app.get(&path, &app.manager(&w.a)).await;
    assert_eq!(ids(&page.body, "referrals").len(), 2);
    assert_eq!(ids(&page.body, "referrals_elsewhere"), vec![r3.clone()]);
    assert_eq!(
        page.body["referrals_elsewhere"][0]
            .as_object()
            .map(serde_json::Map::len),
        Some(2),
        "ids only: {}",
        page.text
    );
    let all = app.get(&path, &app.admin()).await;
    assert_eq!(ids(&all.body, "referrals").len(), 3);

    // Siblings by the family: the list by child, by school and by caller.
    let by_child = app
        .get(
            &format!(
                "/api/v1/families?child_id={}",
                page.body["members"][1]["child_id"].as_str().expect("child")
            ),
            &app.manager(&w.a),
        )
        .await;
    assert_eq!(ids(&by_child.body, "items"), vec![w.fam.clone()]);
    let by_school = app
        .get(&format!("/api/v1/families?school_urn={s2}"), &app.admin())
        .await;
    assert_eq!(ids(&by_school.body, "items"), vec![w.fam.clone()]);
    let mine = app.get("/api/v1/families", &app.school(&s1)).await;
    assert_eq!(ids(&mine.body, "items"), vec![w.fam.clone()]);
    let other_zone = app.get("/api/v1/families", &app.manager(&b)).await;
    assert_eq!(ids(&other_zone.body, "items"), Vec::<String>::new());
    let other_school = app
        .get("/api/v1/families", &app.school(&b.schools[1].urn))
        .await;
    assert_eq!(ids(&other_school.body, "items"), Vec::<String>::new());

    // The reads are audited for the family and the children and adults shown.
    let rows = app
        .db
        .sql(&format!(
            "SELECT DISTINCT subject_type FROM audit_events WHERE action = 'get_family' \
             AND coalesce(subject_ids, ARRAY[subject_id]) && ARRAY['{}', '{}', '{}']",
            w.fam,
            w.adults[0],
            page.body["members"][0]["child_id"].as_str().expect("c")
        ))
        .await
        .expect("audit");
    let mut kinds: Vec<String> = rows.iter().map(|r| r.get::<_, String>(0)).collect();
    kinds.sort();
    assert_eq!(kinds, vec!["child", "family", "family_member"]);
}

#[tokio::test]
async fn bad_members_stale_versions_and_other_zones_are_refused_and_store_nothing() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let mgr = app.manager(&w.a);
    let members = format!("/api/v1/families/{}/members", w.fam);
    let before = app.db.count("family_members").await;

    let stranger = json!([{"child_member_id": w.adults[1], "relationship": "father", "parental_responsibility": true}]);
    let r = member(&app, &w.fam, &mgr, &adult("Sam", &stranger)).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["code"], "not_a_member", "{}", r.text);
    for (field, value, code) in [
        ("phone", "call me maybe", "invalid_phone"),
        ("email", "jo at example", "invalid_email"),
    ] {
        let mut b = adult("Kim", &json!([]));
        b[field] = json!(value);
        let r = member(&app, &w.fam, &mgr, &b).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["code"], code, "{}", r.text);
    }
    // Added twice: a child, an adult of the same names.
    let kid = app.get(&format!("{members}/{}", w.kids[0]), &mgr).await;
    assert_eq!(kid.status, 200, "{}", kid.text);
    member(
        &app,
        &w.fam,
        &mgr,
        &json!({"kind": "child", "child_id": kid.body["child_id"]}),
    )
    .await
    .assert_problem(409, "already_exists");
    member(&app, &w.fam, &mgr, &adult("jo", &json!([])))
        .await
        .assert_problem(409, "already_exists");
    assert_eq!(app.db.count("family_members").await, before);

    // Stale or missing If-Match.
    let one = format!("{members}/{}", w.adults[1]);
    let change = json!({"kind": "adult", "role": "carer", "given_name": "Alex", "family_name": "Other", "phone": "+44 1603 222222"});
    app.put(&one, &mgr, Some("\"v9\""), &change)
        .await
        .assert_problem(412, "version_mismatch");
    assert_eq!(app.put(&one, &mgr, None, &change).await.status, 428);
    app.call_if_match(Method::DELETE, &one, &mgr, Some("\"v9\""), None)
        .await
        .assert_problem(412, "version_mismatch");
    let fam = format!("/api/v1/families/{}", w.fam);
    let zone = json!({"zone_id": w.a.zone.id, "status": "closed"});
    app.put(&fam, &mgr, Some("\"v9\""), &zone)
        .await
        .assert_problem(412, "version_mismatch");
    // The current version: changed (the relationship goes with the body).
    let ok = app.put(&one, &mgr, Some("\"v1\""), &change).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["phone"], "+44 1603 222222");
    assert!(ok.body.get("relationships").is_none(), "{}", ok.text);
    let gone = app
        .call_if_match(Method::DELETE, &one, &mgr, Some(&ok.etag()), None)
        .await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    assert_eq!(app.get(&one, &mgr).await.status, 404);

    // Another zone's team and the schools: 404 or 403, nothing changes.
    let b = app.team("B02").await;
    app.put(&fam, &app.manager(&b), Some("\"v1\""), &zone)
        .await
        .assert_problem(404, "not_found");
    member(&app, &w.fam, &app.manager(&b), &adult("Lee", &json!([])))
        .await
        .assert_problem(404, "not_found");
    member(
        &app,
        &w.fam,
        &app.school(&w.a.schools[0].urn),
        &adult("Lee", &json!([])),
    )
    .await
    .assert_problem(403, "forbidden_for_role");
    let p = app.get(&fam, &mgr).await;
    assert_eq!(p.body["status"], "open");
    assert_eq!(p.body["version"], 1);

    // A school names only the family of one of its own referrals.
    let other = family(&app, &app.manager(&b)).await;
    let mut body = referral_body(&w.a.schools[0].urn, &upn(8), 4);
    body["family_id"] = json!(other);
    let r = app
        .post("/api/v1/referrals", &app.school(&w.a.schools[0].urn), &body)
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["code"], "unknown_family", "{}", r.text);
    body["family_id"] = json!(w.fam);
    let r = app
        .post("/api/v1/referrals", &app.school(&w.a.schools[0].urn), &body)
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["family_id"], json!(w.fam));
    assert_eq!(r.body["source"], json!({"type": "school"}));
    let p = app.get(&fam, &mgr).await;
    assert_eq!(ids(&p.body, "referrals").len(), 3, "{}", p.text);
    assert_eq!(
        p.body["members"]
            .as_array()
            .map(|m| m.iter().filter(|m| m["kind"] == "child").count()),
        Some(3),
        "the referred child joined the family"
    );
}

#[tokio::test]
async fn a_practitioner_refers_on_behalf_of_a_family_and_a_school_refers_as_the_school() {
    let app = TestApp::spawn().await;
    let a = app.team("A01").await;
    let b = app.team("B02").await;
    let urn = a.schools[0].urn.clone();
    let mut body = referral_body(&urn, &upn(21), 4);
    body["source"] = json!({"type": "health_visitor", "organisation": "Healthy Child Programme"});
    let r = app
        .post("/api/v1/referrals", &app.practitioner(&a, 0), &body)
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["source"]["type"], "health_visitor");
    assert_eq!(r.body["school_urn"], json!(urn), "the child's school");
    let seen = app
        .get(&format!("/api/v1/referrals/{}", r.id()), &app.school(&urn))
        .await;
    assert_eq!(
        seen.body["source"]["organisation"],
        "Healthy Child Programme"
    );
    // A team's staff refer for their zone's schools only.
    let mut elsewhere = referral_body(&b.schools[0].urn, &upn(22), 4);
    elsewhere["source"] = json!({"type": "family_hub", "organisation": "Hub"});
    let r = app
        .post("/api/v1/referrals", &app.manager(&a), &elsewhere)
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["code"], "unknown_school", "{}", r.text);
    // A school refers as the school.
    let mut school = referral_body(&urn, &upn(23), 4);
    school["source"] = json!({"type": "parent_carer"});
    let r = app
        .post("/api/v1/referrals", &app.school(&urn), &school)
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(
        r.body["errors"][0]["code"], "source_not_school",
        "{}",
        r.text
    );
}

#[tokio::test]
async fn an_adult_is_erased_by_the_map_and_exported_before() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let one = format!("/api/v1/families/{}/members/{}", w.fam, w.adults[0]);
    let export = app.get(&format!("{one}/export"), &app.admin()).await;
    assert_eq!(export.status, 200, "{}", export.text);
    assert!(export.text.contains("07700 900123"), "{}", export.text);
    assert!(
        export.text.contains("member_relationships"),
        "{}",
        export.text
    );
    app.post(&format!("{one}/erase"), &app.manager(&w.a), &json!({}))
        .await
        .assert_problem(403, "forbidden_for_role");
    let done = app
        .post(&format!("{one}/erase"), &app.admin(), &json!({}))
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    app.post(&format!("{one}/erase"), &app.admin(), &json!({}))
        .await
        .assert_problem(409, "already_erased");
    for token in [
        app.admin(),
        app.manager(&w.a),
        app.school(&w.a.schools[0].urn),
    ] {
        for path in [
            one.clone(),
            format!("/api/v1/families/{}", w.fam),
            format!("/api/v1/families/{}/members", w.fam),
        ] {
            let r = app.get(&path, &token).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text);
            for gone in [
                "Jo",
                "07700 900123",
                "jo@example.org",
                "Example Road",
                "Polish",
                "Never tell",
            ] {
                assert!(
                    !r.text.contains(&format!("\"{gone}")),
                    "{path} shows {gone}: {}",
                    r.text
                );
            }
        }
    }
    let m = app.get(&one, &app.admin()).await;
    assert_eq!(m.body["given_name"], "[anonymised]");
    assert_eq!(m.body["role"], "parent", "the family keeps its shape");
    assert_eq!(m.body["relationships"].as_array().map(Vec::len), Some(2));
    assert!(m.body["anonymised_at"].is_string());
    // The other adult is untouched.
    let alex = app
        .get(
            &format!("/api/v1/families/{}/members/{}", w.fam, w.adults[1]),
            &app.admin(),
        )
        .await;
    assert_eq!(alex.body["given_name"], "Alex");
}
