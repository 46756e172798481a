//! The Open Referral UK feed: public, read-only, no personal data, in the
//! HSDS 3.0 shapes and the ORUK page envelope, field by field.

use reqwest::Method;
use sct_e2e::{assert_status, Reply, TestApp};
use serde_json::{json, Value};

async fn public_get(app: &TestApp, path: &str) -> Reply {
    app.call(
        Method::GET,
        path,
        None,
        None,
        &[("origin", "https://directory.example")],
    )
    .await
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    k.sort();
    k
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    k.sort();
    k
}

#[tokio::test]
async fn the_feed_serves_published_programmes_in_hsds_shapes() {
    let app = TestApp::spawn().await;
    let t = app.team("OR1").await;
    let zone = t.zone.id.to_string();
    let admin = app.admin();
    let hub = app
        .post("/api/v1/family-hubs", &admin, &json!({"name": "Dereham Family Hub", "address": "2 Market Place, Dereham", "postcode": "NR19 2AA", "zone_id": zone}))
        .await;
    assert_status(&hub, 201);
    let mk = |title: &str, kind: &str| {
        json!({
            "programme_type": kind, "title": title, "description": "For parents and carers",
            "zone_id": zone, "hub_id": hub.id(), "capacity": 10,
            "starts_on": "2027-01-11", "ends_on": "2027-03-01",
            "audience": {"age_from": 5, "age_to": 11, "needs": ["anxiety"]}
        })
    };
    let open = app
        .post(
            "/api/v1/programmes",
            &admin,
            &mk("Worry group", "support_group"),
        )
        .await;
    let draft = app
        .post(
            "/api/v1/programmes",
            &admin,
            &mk("Draft workshop", "workshop"),
        )
        .await;
    assert_status(&draft, 201);
    app.post(&format!("/api/v1/programmes/{}/sessions", open.id()), &admin, &json!({"date": "2027-01-11", "starts_at": "10:00:00", "ends_at": "11:30:00", "topic": "Worry monsters"})).await;
    let r = app
        .call(
            Method::POST,
            &format!("/api/v1/programmes/{}/status", open.id()),
            Some(&admin),
            Some(&json!({"status": "open"})),
            &[("if-match", &open.etag())],
        )
        .await;
    assert_status(&r, 200);
    // A family enrols: nothing of it may appear in the feed.
    app.post(
        &format!("/api/v1/programmes/{}/enrolments", open.id()),
        &admin,
        &json!({"parent_carer_name": "Jo Private", "contact_consent": true}),
    )
    .await;

    let info = public_get(&app, "/oruk/").await;
    assert_status(&info, 200);
    assert_eq!(
        keys(&info.body),
        sorted(&["version", "profile", "openapi_url"])
    );
    assert_eq!(info.body["version"], "3.0");

    // List items hold the one-to-one fields; `full=true` nests them fully.
    let flat = public_get(&app, "/oruk/services").await;
    assert_status(&flat, 200);
    assert_eq!(
        keys(&flat.body["contents"][0]),
        sorted(&[
            "id",
            "organization_id",
            "name",
            "description",
            "status",
            "minimum_age",
            "maximum_age",
            "eligibility_description",
            "application_process",
            "last_modified",
            "organization"
        ])
    );
    let page = public_get(&app, "/oruk/services?full=true").await;
    assert_status(&page, 200);
    assert_eq!(
        page.header("access-control-allow-origin"),
        Some("*"),
        "ORUK answers any origin with *"
    );
    assert_eq!(
        keys(&page.body),
        sorted(&[
            "total_items",
            "total_pages",
            "page_number",
            "size",
            "first_page",
            "last_page",
            "empty",
            "contents"
        ])
    );
    assert_eq!(page.body["total_items"], 1);
    assert_eq!(page.body["total_pages"], 1);
    assert_eq!(page.body["page_number"], 1);
    assert_eq!(page.body["size"], 1, "size: the items on the page");
    assert_eq!(page.body["first_page"], true);
    assert_eq!(page.body["last_page"], true);
    assert_eq!(page.body["empty"], false);
    let s = &page.body["contents"][0];
    assert_eq!(
        keys(s),
        sorted(&[
            "id",
            "organization_id",
            "name",
            "description",
            "status",
            "minimum_age",
            "maximum_age",
            "eligibility_description",
            "application_process",
            "last_modified",
            "organization",
            "service_at_locations",
            "attributes",
            "schedules"
        ])
    );
    assert_eq!(s["id"], open.id().as_str());
    assert_eq!(s["name"], "Worry group");
    assert_eq!(s["status"], "active");
    assert_eq!(s["minimum_age"], 5);
    assert_eq!(s["maximum_age"], 11);
    assert_eq!(
        keys(&s["organization"]),
        sorted(&["id", "name", "description"])
    );
    assert_eq!(s["organization"]["id"], s["organization_id"]);
    let sal = &s["service_at_locations"][0];
    assert_eq!(
        keys(sal),
        sorted(&["id", "service_id", "location_id", "location"])
    );
    assert_eq!(sal["location_id"], hub.id().as_str());
    let loc = &sal["location"];
    assert_eq!(
        keys(loc),
        sorted(&["id", "location_type", "name", "addresses"])
    );
    assert_eq!(loc["location_type"], "physical");
    let addr = &loc["addresses"][0];
    assert_eq!(
        keys(addr),
        sorted(&[
            "id",
            "location_id",
            "address_1",
            "city",
            "state_province",
            "postal_code",
            "country",
            "address_type"
        ])
    );
    assert_eq!(addr["postal_code"], "NR19 2AA");
    assert_eq!(addr["address_1"], "2 Market Place");
    assert_eq!(addr["city"], "Dereham");
    assert_eq!(addr["state_province"], "England");
    assert_eq!(addr["country"], "GB");
    let attribute = &s["attributes"][0];
    assert_eq!(
        keys(attribute),
        sorted(&[
            "id",
            "link_id",
            "taxonomy_term_id",
            "link_type",
            "link_entity",
            "taxonomy_term"
        ])
    );
    assert_eq!(attribute["link_id"], s["id"]);
    assert_eq!(attribute["link_entity"], "service");
    let term = &attribute["taxonomy_term"];
    assert_eq!(attribute["taxonomy_term_id"], term["id"]);
    assert_eq!(
        keys(term),
        sorted(&[
            "id",
            "code",
            "term",
            "name",
            "description",
            "taxonomy",
            "taxonomy_id",
            "language"
        ])
    );
    assert_eq!(term["code"], "support_group");
    let sched = &s["schedules"][0];
    assert_eq!(
        keys(sched),
        sorted(&[
            "id",
            "service_id",
            "valid_from",
            "valid_to",
            "dtstart",
            "opens_at",
            "closes_at",
            "description"
        ])
    );
    assert_eq!(sched["dtstart"], "2027-01-11");
    assert_eq!(sched["opens_at"], "10:00:00");
    assert!(
        !page.text.contains("Jo Private"),
        "personal data leaked: {}",
        page.text
    );

    // One service; a draft is not published.
    let one = public_get(&app, &format!("/oruk/services/{}", open.id())).await;
    assert_status(&one, 200);
    assert_eq!(one.body["id"], open.id().as_str());
    public_get(&app, &format!("/oruk/services/{}", draft.id()))
        .await
        .assert_problem(404, "not_found");

    // Taxonomy filter: the term of the open programme finds it; another finds none.
    let by_term = public_get(
        &app,
        &format!(
            "/oruk/services?taxonomy_term_id={}",
            term["id"].as_str().expect("id")
        ),
    )
    .await;
    assert_eq!(by_term.body["total_items"], 1);
    let taxonomies = public_get(&app, "/oruk/taxonomies").await;
    assert_status(&taxonomies, 200);
    assert_eq!(taxonomies.body["total_items"], 1);
    let tax = &taxonomies.body["contents"][0];
    assert_eq!(keys(tax), sorted(&["id", "name", "description", "version"]));
    assert_eq!(tax["id"], term["taxonomy_id"]);
    let other_term = public_get(
        &app,
        &format!("/oruk/services?taxonomy_term_id={}", uuid::Uuid::nil()),
    )
    .await;
    assert_eq!(other_term.body["total_items"], 0);
    assert_eq!(other_term.body["empty"], true);

    let sals = public_get(&app, "/oruk/service_at_locations").await;
    assert_status(&sals, 200);
    let first = &sals.body["contents"][0];
    assert_eq!(
        keys(first),
        sorted(&["id", "service_id", "location_id", "service", "location"])
    );
    assert_eq!(first["service"]["name"], "Worry group");
    assert_eq!(
        keys(&first["location"]),
        sorted(&["id", "location_type", "name"]),
        "addresses with full=true"
    );
    let full = public_get(&app, "/oruk/service_at_locations?full=true").await;
    assert_eq!(
        full.body["contents"][0]["location"]["addresses"][0]["postal_code"],
        "NR19 2AA"
    );

    // Paging by number and bad parameters.
    let p2 = public_get(&app, "/oruk/services?page=2&per_page=1").await;
    assert_eq!(p2.body["page_number"], 2);
    assert_eq!(p2.body["empty"], true);
    assert_eq!(p2.body["first_page"], false);
    public_get(&app, "/oruk/services?per_page=0")
        .await
        .assert_problem(400, "invalid_parameter");
    public_get(&app, "/oruk/services?page=0")
        .await
        .assert_problem(400, "invalid_parameter");
}

const ENVELOPE: [&str; 8] = [
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
];

#[tokio::test]
async fn services_at_locations_taxonomy_terms_and_search_filters() {
    let app = TestApp::spawn().await;
    let t = app.team("OR3").await;
    let zone = t.zone.id.to_string();
    let admin = app.admin();
    let mut hubs = Vec::new();
    for (name, postcode) in [
        ("Thetford Family Hub", "IP24 1AA"),
        ("Dereham Family Hub", "NR19 2AA"),
    ] {
        let h = app
            .post("/api/v1/family-hubs", &admin, &json!({"name": name, "address": "1 Example Street", "postcode": postcode, "zone_id": zone}))
            .await;
        assert_status(&h, 201);
        hubs.push(h.id());
    }
    let mut ids = Vec::new();
    for (title, kind, hub) in [
        ("Worry group", "support_group", Some(&hubs[0])),
        (
            "Incredible Years 100% parenting",
            "parenting_programme",
            Some(&hubs[1]),
        ),
        ("Online sleep workshop", "workshop", None),
    ] {
        let p = app
            .post(
                "/api/v1/programmes",
                &admin,
                &json!({
                    "programme_type": kind, "title": title, "description": "For parents and carers",
                    "zone_id": zone, "hub_id": hub, "capacity": 10,
                    "starts_on": "2027-01-11", "ends_on": "2027-03-01",
                    "audience": {"age_from": 5, "age_to": 11, "needs": []}
                }),
            )
            .await;
        assert_status(&p, 201);
        let r = app
            .call(
                Method::POST,
                &format!("/api/v1/programmes/{}/status", p.id()),
                Some(&admin),
                Some(&json!({"status": "open"})),
                &[("if-match", &p.etag())],
            )
            .await;
        assert_status(&r, 200);
        ids.push(p.id());
    }
    let draft = app
        .post(
            "/api/v1/programmes",
            &admin,
            &json!({
                "programme_type": "workshop", "title": "Draft worry workshop", "description": "D",
                "zone_id": zone, "hub_id": hubs[0], "capacity": 10,
                "starts_on": "2027-01-11", "ends_on": "2027-03-01",
                "audience": {"age_from": 5, "age_to": 11, "needs": []}
            }),
        )
        .await;
    assert_status(&draft, 201);

    // One service at its location, field by field.
    let sal = public_get(&app, &format!("/oruk/service_at_locations/{}", ids[0])).await;
    assert_status(&sal, 200);
    assert_eq!(
        keys(&sal.body),
        sorted(&["id", "service_id", "location_id", "service", "location"])
    );
    assert_eq!(sal.body["id"], ids[0]);
    assert_eq!(sal.body["service_id"], ids[0]);
    assert_eq!(sal.body["location_id"], hubs[0]);
    assert_eq!(
        keys(&sal.body["service"]),
        sorted(&["id", "name", "status"])
    );
    assert_eq!(sal.body["service"]["name"], "Worry group");
    assert_eq!(sal.body["service"]["status"], "active");
    let loc = &sal.body["location"];
    assert_eq!(
        keys(loc),
        sorted(&["id", "location_type", "name", "addresses"])
    );
    assert_eq!(loc["name"], "Thetford Family Hub");
    assert_eq!(loc["location_type"], "physical");
    let addr = &loc["addresses"][0];
    assert_eq!(
        keys(addr),
        sorted(&[
            "id",
            "location_id",
            "address_1",
            "city",
            "state_province",
            "postal_code",
            "country",
            "address_type"
        ])
    );
    assert_eq!(addr["postal_code"], "IP24 1AA");
    // An address of one part is its first line and its town.
    assert_eq!(addr["address_1"], "1 Example Street");
    assert_eq!(addr["city"], "1 Example Street");
    assert_eq!(addr["country"], "GB");
    for missing in [ids[2].clone(), draft.id(), uuid::Uuid::nil().to_string()] {
        public_get(&app, &format!("/oruk/service_at_locations/{missing}"))
            .await
            .assert_problem(404, "not_found");
    }

    // Taxonomy terms: the three programme types.
    let terms = public_get(&app, "/oruk/taxonomy_terms").await;
    assert_status(&terms, 200);
    assert_eq!(keys(&terms.body), sorted(&ENVELOPE));
    assert_eq!(terms.body["total_items"], 3);
    assert_eq!(terms.body["total_pages"], 1);
    assert_eq!(terms.body["empty"], false);
    let contents = terms.body["contents"].as_array().expect("contents");
    assert_eq!(contents.len(), 3);
    let term = &contents[0];
    assert_eq!(
        keys(term),
        sorted(&[
            "id",
            "code",
            "term",
            "name",
            "description",
            "taxonomy",
            "taxonomy_id",
            "language"
        ])
    );
    assert_eq!(term["code"], "parenting_programme");
    assert_eq!(term["language"], "en");
    let taxonomy = public_get(&app, "/oruk/taxonomies").await;
    assert_eq!(term["taxonomy_id"], taxonomy.body["contents"][0]["id"]);
    let second = public_get(&app, "/oruk/taxonomy_terms?page=2&per_page=2").await;
    assert_eq!(second.body["page_number"], 2);
    assert_eq!(second.body["last_page"], true);
    assert_eq!(second.body["contents"].as_array().expect("c").len(), 1);
    public_get(&app, "/oruk/taxonomy_terms?per_page=0")
        .await
        .assert_problem(400, "invalid_parameter");
    let support = contents
        .iter()
        .find(|c| c["code"] == "support_group")
        .expect("support_group");
    let one = public_get(
        &app,
        &format!(
            "/oruk/taxonomy_terms/{}",
            support["id"].as_str().expect("id")
        ),
    )
    .await;
    assert_status(&one, 200);
    assert_eq!(&one.body, support);
    public_get(&app, &format!("/oruk/taxonomy_terms/{}", uuid::Uuid::nil()))
        .await
        .assert_problem(404, "not_found");

    // Filters on services: text, taxonomy term, postcode (district).
    let names = |r: &Reply| -> Vec<String> {
        r.body["contents"]
            .as_array()
            .expect("contents")
            .iter()
            .map(|s| s["name"].as_str().expect("name").to_owned())
            .collect()
    };
    let worry = public_get(&app, "/oruk/services?text=WORRY").await;
    assert_status(&worry, 200);
    assert_eq!(names(&worry), vec!["Worry group"], "drafts stay out");
    assert_eq!(worry.body["total_items"], 1);
    let literal = public_get(&app, "/oruk/services?text=100%25").await;
    assert_eq!(names(&literal), vec!["Incredible Years 100% parenting"]);
    let pct = public_get(&app, "/oruk/services?text=%25").await;
    assert_eq!(
        names(&pct),
        vec!["Incredible Years 100% parenting"],
        "% is literal"
    );
    let by_term = public_get(
        &app,
        &format!(
            "/oruk/services?taxonomy_term_id={}",
            support["id"].as_str().expect("id")
        ),
    )
    .await;
    assert_eq!(names(&by_term), vec!["Worry group"]);
    for pc in ["IP24", "ip24%201zz", "IP241ZZ"] {
        let r = public_get(&app, &format!("/oruk/services?postcode={pc}")).await;
        assert_status(&r, 200);
        assert_eq!(names(&r), vec!["Worry group"], "{pc}");
    }
    let none = public_get(&app, "/oruk/services?postcode=IP2").await;
    assert_eq!(none.body["total_items"], 0);
    assert_eq!(none.body["empty"], true);
    let combined = public_get(&app, "/oruk/services?text=worry&postcode=NR19").await;
    assert_eq!(combined.body["total_items"], 0);
    let at_locations = public_get(&app, "/oruk/service_at_locations?postcode=NR19").await;
    assert_eq!(at_locations.body["contents"][0]["service_id"], ids[1]);
    for bad in [
        "postcode=NOTAPOSTCODE",
        "postcode=%25",
        "text=",
        "near=IP24",
        "format=abcdefghijklmnopqrstu",
        "proximity=123456789012345678901",
    ] {
        public_get(&app, &format!("/oruk/services?{bad}"))
            .await
            .assert_problem(400, "invalid_parameter");
    }
}

#[tokio::test]
async fn service_information_organizations_and_cors_on_every_answer() {
    let app = TestApp::spawn_with(&[("SCT_PUBLIC_URL", "https://sct.example/")]).await;
    // `/oruk` and `/oruk/`: absolute `openapi_url` from SCT_PUBLIC_URL.
    for path in ["/oruk", "/oruk/"] {
        let r = public_get(&app, path).await;
        assert_status(&r, 200);
        assert_eq!(r.body["version"], "3.0");
        assert_eq!(
            r.body["openapi_url"],
            "https://sct.example/api/v1/openapi.json"
        );
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    }
    // CORS `*` with no Origin at all, and on errors.
    let nil = uuid::Uuid::nil();
    for (path, status) in [
        ("/oruk/services".to_owned(), 200),
        (format!("/oruk/services/{nil}"), 404),
        ("/oruk/services?per_page=0".to_owned(), 400),
        ("/oruk/nothing".to_owned(), 404),
    ] {
        let r = app.call(Method::GET, &path, None, None, &[]).await;
        assert_eq!(r.status, status, "{path}: {}", r.text);
        assert_eq!(r.header("access-control-allow-origin"), Some("*"), "{path}");
    }
    // The organization: the council's SCT service, which every service names.
    let orgs = public_get(&app, "/oruk/organizations").await;
    assert_status(&orgs, 200);
    assert_eq!(keys(&orgs.body), sorted(&ENVELOPE));
    assert_eq!(orgs.body["total_items"], 1);
    let org = &orgs.body["contents"][0];
    assert_eq!(keys(org), sorted(&["id", "name", "description"]));
    assert_eq!(org["name"], "School & Community Teams");
    let id = org["id"].as_str().expect("id");
    let one = public_get(&app, &format!("/oruk/organizations/{id}")).await;
    assert_status(&one, 200);
    assert_eq!(&one.body, org);
    public_get(&app, &format!("/oruk/organizations/{nil}"))
        .await
        .assert_problem(404, "not_found");
    let none = public_get(&app, &format!("/oruk/services?organization_id={nil}")).await;
    assert_eq!(none.body["total_items"], 0);
    assert_eq!(none.body["total_pages"], 1);
    assert_eq!(none.body["size"], 0);
    // The taxonomy by id; terms of another taxonomy or with a parent: none.
    let tax = public_get(&app, "/oruk/taxonomies").await;
    let tid = tax.body["contents"][0]["id"].as_str().expect("id");
    let one = public_get(&app, &format!("/oruk/taxonomies/{tid}")).await;
    assert_status(&one, 200);
    assert_eq!(one.body, tax.body["contents"][0]);
    public_get(&app, &format!("/oruk/taxonomies/{nil}"))
        .await
        .assert_problem(404, "not_found");
    let all = public_get(
        &app,
        &format!("/oruk/taxonomy_terms?taxonomy_id={tid}&top_only=true"),
    )
    .await;
    assert_eq!(all.body["total_items"], 3);
    let other = public_get(&app, &format!("/oruk/taxonomy_terms?taxonomy_id={nil}")).await;
    assert_eq!(other.body["total_items"], 0);
    let searched = public_get(&app, "/oruk/taxonomy_terms?search=WORKSHOP").await;
    assert_eq!(searched.body["total_items"], 1);
    assert_eq!(searched.body["contents"][0]["code"], "workshop");
}
