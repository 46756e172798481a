//! The Open Referral UK feed as the ecosystem checks it: every endpoint the
//! feed serves, every page of every list and every item, fetched over HTTP
//! and validated against the official ORUK 3.0 and HSDS 3.0 JSON Schemas
//! (vendored in `tests/standards/`, with their sources and licences; `$ref`s
//! resolve to those files, nothing is fetched). On data that exercises every
//! optional field the feed can send: programmes at a hub and without one,
//! open and running, sessions with and without times and topic, addresses of
//! one and of several parts, needs; and a family's enrolment, which must not
//! appear anywhere. Beyond the schemas: the profile's compliance rules (CORS
//! `*` on every answer, errors included; `GET /oruk` and `/oruk/`; absolute
//! `openapi_url`; `version` 3.0), consistent paging, no `null` and no empty
//! strings anywhere.

use jsonschema::Retrieve;
use jsonschema::Uri;
use jsonschema::Validator;
use reqwest::Method;
use sct_e2e::{assert_status, Reply, TestApp};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const ORUK: &str = "https://openreferraluk.org/specifications/3.0/schema/";
const HSDS: &str = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/";
/// A name that must never appear in the feed.
const PARENT: &str = "Jo Private-Parent";

/// Resolves the standards' `$ref` URLs to the vendored files, and nothing
/// else.
struct Vendored;

impl Retrieve for Vendored {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        vendored(uri.as_str())
    }
}

/// The vendored document at `u` (no fragment).
fn vendored(u: &str) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
    {
        let rel = if let Some(f) = u.strip_prefix(ORUK) {
            format!("oruk-3.0/schema/{f}")
        } else if let Some(f) = u.strip_prefix(HSDS) {
            format!("hsds-3.0/schema/{f}")
        } else {
            return Err(format!("{u} is not vendored in tests/standards").into());
        };
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/standards")
            .join(rel);
        Ok(serde_json::from_str(&std::fs::read_to_string(&path)?)?)
    }
}

/// The vendored document or part of one (`#` and a JSON pointer) at `url`.
fn load(url: &str) -> Value {
    let (doc, pointer) = url.split_once('#').unwrap_or((url, ""));
    let v = vendored(doc).unwrap_or_else(|e| panic!("{doc}: {e}"));
    v.pointer(pointer)
        .cloned()
        .unwrap_or_else(|| panic!("{url}: no such part"))
}

/// A `$ref` resolved against the URL of the document it is in.
fn join(base: &str, r: &str) -> String {
    let doc = base.split('#').next().unwrap_or(base);
    if r.starts_with("https://") {
        r.to_owned()
    } else if let Some(pointer) = r.strip_prefix('#') {
        format!("{doc}#{pointer}")
    } else {
        let dir = doc.rsplit_once('/').map_or(doc, |(d, _)| d);
        format!("{dir}/{r}")
    }
}

/// A schema and what it is made of (`$ref`, `allOf`, `anyOf`, `oneOf`),
/// each with the URL its own references resolve against.
fn parts(schema: &Value, base: &str) -> Vec<(Value, String)> {
    let mut out = Vec::new();
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let url = join(base, r);
        out.extend(parts(&load(&url), &url));
    }
    for k in ["allOf", "anyOf", "oneOf"] {
        for sub in schema
            .get(k)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.extend(parts(sub, base));
        }
    }
    out.push((schema.clone(), base.to_owned()));
    out
}

/// The fields of `v` that its schema does not define (what the ORUK
/// validator reports as warnings), as paths with `*` for array indices.
fn undefined(v: &Value, schema: &[(Value, String)], at: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => {
            let typed = schema.iter().any(|(s, _)| s.get("properties").is_some());
            for (k, x) in o {
                let mut sub = Vec::new();
                for (s, base) in schema {
                    if let Some(p) = s.get("properties").and_then(|p| p.get(k)) {
                        sub.extend(parts(p, base));
                    }
                }
                let here = format!("{at}/{k}");
                if sub.is_empty() {
                    if typed {
                        out.insert(here);
                    }
                } else {
                    undefined(x, &sub, &here, out);
                }
            }
        }
        Value::Array(a) => {
            let mut sub = Vec::new();
            for (s, base) in schema {
                if let Some(i) = s.get("items") {
                    sub.extend(parts(i, base));
                }
            }
            for x in a {
                undefined(x, &sub, &format!("{at}/*"), out);
            }
        }
        _ => {}
    }
}

/// The validators of one kind of answer: ORUK's and HSDS's schema.
struct Schemas {
    name: &'static str,
    validators: Vec<(String, Validator)>,
    /// The schema's URL, per standard.
    urls: Vec<String>,
}

fn schemas(name: &'static str, files: &[&str]) -> Schemas {
    let mut urls = Vec::new();
    let validators = files
        .iter()
        .map(|f| {
            let url = if let Some(o) = f.strip_prefix("oruk:") {
                format!("{ORUK}{o}")
            } else if let Some(path) = f.strip_prefix("hsds-api:") {
                // The response schema the HSDS OpenAPI states for the path.
                let path = path.replace('~', "~0").replace('/', "~1");
                format!("{HSDS}openapi.json#/paths/{path}/get/responses/200/content/application~1json/schema")
            } else {
                format!("{HSDS}{}", f.trim_start_matches("hsds:"))
            };
            urls.push(url.clone());
            let v = jsonschema::options()
                .with_retriever(Vendored)
                .should_validate_formats(true)
                .build(&json!({"$ref": url}))
                .unwrap_or_else(|e| panic!("{f}: {e}"));
            ((*f).to_owned(), v)
        })
        .collect();
    Schemas {
        name,
        validators,
        urls,
    }
}

/// Every fetch and every finding, reported together at the end.
struct Check<'a> {
    app: &'a TestApp,
    errors: Vec<String>,
    fetched: usize,
    /// Fields that neither standard defines.
    undefined: BTreeSet<String>,
}

impl Check<'_> {
    /// GETs `path` (with an `Origin` the server does not list), checks the
    /// compliance rules every answer obeys, and returns it.
    async fn get(&mut self, path: &str) -> Reply {
        let r = self
            .app
            .call(
                Method::GET,
                path,
                None,
                None,
                &[("origin", "https://directory.example")],
            )
            .await;
        self.fetched += 1;
        if r.header("access-control-allow-origin") != Some("*") {
            self.errors.push(format!(
                "{path}: Access-Control-Allow-Origin is {:?}",
                r.header("access-control-allow-origin")
            ));
        }
        if r.text.contains(PARENT) {
            self.errors
                .push(format!("{path}: personal data: {}", r.text));
        }
        r
    }

    /// GETs `path`, expects 200 and validates it against `s`.
    async fn valid(&mut self, path: &str, s: &Schemas) -> Value {
        let r = self.get(path).await;
        if r.status != 200 {
            self.errors
                .push(format!("{path}: status {}: {}", r.status, r.text));
            return Value::Null;
        }
        self.validate(path, &r.body, s);
        r.body
    }

    fn validate(&mut self, path: &str, body: &Value, s: &Schemas) {
        for (file, v) in &s.validators {
            for e in v.iter_errors(body) {
                self.errors.push(format!(
                    "{path} ({} by {file}): {} at {}",
                    s.name,
                    e,
                    e.instance_path()
                ));
            }
        }
        plain(path, body, &mut self.errors);
        // Fields neither standard defines (each defines some the other
        // does not: HSDS's `eligibility_description`, ORUK's `term`).
        let mut neither: Option<BTreeSet<String>> = None;
        for url in &s.urls {
            let mut found = BTreeSet::new();
            undefined(body, &parts(&json!({"$ref": url}), ""), "", &mut found);
            neither = Some(match neither {
                None => found,
                Some(n) => n.intersection(&found).cloned().collect(),
            });
        }
        self.undefined.extend(
            neither
                .unwrap_or_default()
                .into_iter()
                .map(|f| format!("{}: {f}", s.name)),
        );
    }

    /// Fetches every page of a list (`per_page` items each), validating each
    /// against `s` and checking the envelope; returns every item.
    async fn pages(&mut self, list: &str, per_page: i64, s: &Schemas) -> Vec<Value> {
        let sep = if list.contains('?') { '&' } else { '?' };
        let mut all = Vec::new();
        let mut page = 1;
        let mut total_pages = 1;
        let mut total_items = 0;
        while page <= total_pages {
            let path = format!("{list}{sep}page={page}&per_page={per_page}");
            let body = self.valid(&path, s).await;
            let Some(contents) = body["contents"].as_array() else {
                self.errors.push(format!("{path}: no contents"));
                return all;
            };
            let n = i64::try_from(contents.len()).expect("len");
            total_items = body["total_items"].as_i64().unwrap_or(-1);
            total_pages = body["total_pages"].as_i64().unwrap_or(0);
            let expect_pages = ((total_items + per_page - 1) / per_page).max(1);
            let on_page = (total_items - (page - 1) * per_page).clamp(0, per_page);
            for (ok, what) in [
                (body["size"] == json!(n), "size is the items on the page"),
                (body["page_number"] == json!(page), "page_number"),
                (total_pages == expect_pages, "total_pages"),
                (n == on_page, "the page holds what total_items says"),
                (body["first_page"] == json!(page == 1), "first_page"),
                (body["last_page"] == json!(page == total_pages), "last_page"),
                (body["empty"] == json!(n == 0), "empty"),
            ] {
                if !ok {
                    self.errors.push(format!("{path}: {what}: {body}"));
                }
            }
            all.extend(contents.iter().cloned());
            page += 1;
        }
        let ids: BTreeSet<&str> = all.iter().filter_map(|c| c["id"].as_str()).collect();
        if ids.len() != all.len() || i64::try_from(all.len()).ok() != Some(total_items) {
            self.errors.push(format!(
                "{list}: {} items over the pages ({} distinct), total_items {total_items}",
                all.len(),
                ids.len()
            ));
        }
        all
    }
}

/// No `null` and no empty string anywhere: the schemas allow only values,
/// and ORUK wants required text filled.
fn plain(path: &str, v: &Value, errors: &mut Vec<String>) {
    fn walk(v: &Value, at: &str, out: &mut Vec<String>) {
        match v {
            Value::Null => out.push(format!("null at {at}")),
            Value::String(s) if s.trim().is_empty() => out.push(format!("empty string at {at}")),
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, &format!("{at}/{i}"), out);
                }
            }
            Value::Object(o) => {
                for (k, x) in o {
                    walk(x, &format!("{at}/{k}"), out);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(v, "", &mut found);
    errors.extend(found.into_iter().map(|f| format!("{path}: {f}")));
}

/// Hubs, programmes (open, running, draft; at a hub and not), sessions
/// with and without their optional fields, and an enrolment.
async fn seed(app: &TestApp) {
    let t = app.team("OC1").await;
    let zone = t.zone.id.to_string();
    let admin = app.admin();
    let mut hubs = Vec::new();
    for (name, address, postcode) in [
        (
            "Thetford Family Hub",
            "Unit 4, Mill Lane, Thetford",
            "IP24 1AA",
        ),
        ("Dereham Family Hub", "2 Market Place", "NR19 2AA"),
    ] {
        let h = app
            .post(
                "/api/v1/family-hubs",
                &admin,
                &json!({"name": name, "address": address, "postcode": postcode, "zone_id": zone}),
            )
            .await;
        assert_status(&h, 201);
        hubs.push(Some(h.id()));
    }
    hubs.push(None);
    let kinds = ["parenting_programme", "support_group", "workshop"];
    for i in 0..7_usize {
        let hub = &hubs[i % 3];
        let p = app
            .post(
                "/api/v1/programmes",
                &admin,
                &json!({
                    "programme_type": kinds[i % 3], "title": format!("Programme {i}"),
                    "description": "For parents and carers", "zone_id": zone, "hub_id": hub,
                    "capacity": 10, "starts_on": "2027-01-11", "ends_on": "2027-03-01",
                    "audience": {"age_from": 2 + i, "age_to": 11, "needs": if i % 2 == 0 { json!(["anxiety", "sleep"]) } else { json!([]) }}
                }),
            )
            .await;
        assert_status(&p, 201);
        if i == 6 {
            continue; // a draft: not in the feed
        }
        let session = if i % 2 == 0 {
            json!({"date": "2027-01-11", "starts_at": "10:00:00", "ends_at": "11:30:00", "topic": "Routines"})
        } else {
            json!({"date": "2027-01-18"})
        };
        let s = app
            .post(
                &format!("/api/v1/programmes/{}/sessions", p.id()),
                &admin,
                &session,
            )
            .await;
        assert_status(&s, 201);
        let mut etag = app
            .get(&format!("/api/v1/programmes/{}", p.id()), &admin)
            .await
            .etag();
        let statuses: &[&str] = if i == 0 {
            &["open", "running"]
        } else {
            &["open"]
        };
        for status in statuses {
            let r = app
                .call(
                    Method::POST,
                    &format!("/api/v1/programmes/{}/status", p.id()),
                    Some(&admin),
                    Some(&json!({"status": status})),
                    &[("if-match", &etag)],
                )
                .await;
            assert_status(&r, 200);
            etag = r.etag();
        }
        if i == 1 {
            let e = app
                .post(
                    &format!("/api/v1/programmes/{}/enrolments", p.id()),
                    &admin,
                    &json!({"parent_carer_name": PARENT, "contact_consent": true}),
                )
                .await;
            assert_status(&e, 201);
        }
    }
}

#[tokio::test]
async fn every_oruk_endpoint_and_page_passes_the_official_schemas() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    // ORUK's files as its OpenAPI names them; HSDS's list responses as its
    // OpenAPI states them (a page of `compiled/*_list.json` items), its
    // items by the modular schemas (its OpenAPI names `compiled/service.json`
    // etc., large inlined copies of them, and even for a service at a
    // location, where the modular `service_at_location.json` is meant).
    let info = schemas("api details", &["oruk:api_details.json", "hsds-api:/"]);
    let service_list = schemas(
        "service list",
        &["oruk:service_list.json", "hsds-api:/services"],
    );
    let service = schemas("service", &["oruk:service.json", "hsds:service.json"]);
    let sal_list = schemas(
        "service at location list",
        &[
            "oruk:service_at_location_list.json",
            "hsds-api:/service_at_locations",
        ],
    );
    let sal = schemas(
        "service at location",
        &[
            "oruk:service_at_location.json",
            "hsds:service_at_location.json",
        ],
    );
    let taxonomy_list = schemas(
        "taxonomy list",
        &["oruk:taxonomy_list.json", "hsds-api:/taxonomies"],
    );
    let taxonomy = schemas("taxonomy", &["oruk:taxonomy.json", "hsds:taxonomy.json"]);
    let term_list = schemas(
        "taxonomy term list",
        &["oruk:taxonomy_term_list.json", "hsds-api:/taxonomy_terms"],
    );
    let term = schemas(
        "taxonomy term",
        &["oruk:taxonomy_term.json", "hsds:taxonomy_term.json"],
    );
    let org_list = schemas(
        "organization list",
        &["oruk:organization_list.json", "hsds-api:/organizations"],
    );
    let org = schemas(
        "organization",
        &["oruk:organization.json", "hsds:organization.json"],
    );
    // The validators bite: the feed's former faults are errors under each
    // schema (a `$ref` into another file, a format, a fixed value).
    let id = "5c7a0000-0000-4000-8000-000000000011";
    for (s, bad) in [
        (
            &info,
            json!({"version": "3.0", "profile": "https://openreferraluk.org/", "openapi_url": "/api/v1/openapi.json"}),
        ),
        (
            &term,
            json!({"id": id, "name": "n", "description": "d", "parent_id": null}),
        ),
        (
            &service,
            json!({"id": id, "name": "n", "status": "open",
                   "schedules": [{"id": id, "opens_at": null}]}),
        ),
        (
            &sal,
            json!({"id": id, "location": {"id": id, "location_type": "hub", "latitude": null}}),
        ),
    ] {
        for (file, v) in &s.validators {
            assert!(!v.is_valid(&bad), "{file} accepts {bad}");
        }
    }
    let mut c = Check {
        app: &app,
        errors: Vec::new(),
        fetched: 0,
        undefined: BTreeSet::new(),
    };

    // `/` with and without the slash; the OpenAPI document it names is
    // absolute and answers.
    for path in ["/oruk/", "/oruk"] {
        let body = c.valid(path, &info).await;
        assert_eq!(body["version"], "3.0", "{path}");
        let url = body["openapi_url"].as_str().expect("openapi_url");
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        let doc = reqwest::get(url).await.expect("openapi_url answers");
        assert_eq!(doc.status().as_u16(), 200, "{url}");
    }

    // Every list, every page, at two page sizes; every item.
    let mut service_ids = BTreeSet::new();
    for (list, per_page) in [
        ("/oruk/services", 2),
        ("/oruk/services", 50),
        ("/oruk/services?full=true", 2),
    ] {
        for s in c.pages(list, per_page, &service_list).await {
            service_ids.insert(s["id"].as_str().expect("id").to_owned());
        }
    }
    assert_eq!(service_ids.len(), 6, "the six published programmes");
    let mut optional = BTreeSet::new();
    for id in &service_ids {
        let s = c.valid(&format!("/oruk/services/{id}"), &service).await;
        for sch in s["schedules"].as_array().into_iter().flatten() {
            optional.extend(
                ["opens_at", "closes_at", "description"]
                    .into_iter()
                    .filter(|k| sch.get(*k).is_some()),
            );
        }
        if s["service_at_locations"]
            .as_array()
            .is_some_and(Vec::is_empty)
        {
            optional.insert("no location");
        }
        if s["attributes"][0]["taxonomy_term"]["id"] == s["attributes"][0]["taxonomy_term_id"] {
            optional.insert("attributes");
        }
    }
    assert_eq!(
        optional.into_iter().collect::<Vec<_>>(),
        vec![
            "attributes",
            "closes_at",
            "description",
            "no location",
            "opens_at"
        ],
        "the seed exercises every optional field"
    );
    let mut sal_ids = BTreeSet::new();
    for (list, per_page) in [
        ("/oruk/service_at_locations", 2),
        ("/oruk/service_at_locations", 50),
        ("/oruk/service_at_locations?full=true", 2),
    ] {
        for s in c.pages(list, per_page, &sal_list).await {
            sal_ids.insert(s["id"].as_str().expect("id").to_owned());
        }
    }
    assert_eq!(sal_ids.len(), 4, "the published programmes at a hub");
    for id in &sal_ids {
        c.valid(&format!("/oruk/service_at_locations/{id}"), &sal)
            .await;
    }
    for per_page in [1, 50] {
        for t in c.pages("/oruk/taxonomies", per_page, &taxonomy_list).await {
            let id = t["id"].as_str().expect("id");
            c.valid(&format!("/oruk/taxonomies/{id}"), &taxonomy).await;
        }
        for t in c.pages("/oruk/taxonomy_terms", per_page, &term_list).await {
            let id = t["id"].as_str().expect("id");
            c.valid(&format!("/oruk/taxonomy_terms/{id}"), &term).await;
        }
        for o in c.pages("/oruk/organizations", per_page, &org_list).await {
            let id = o["id"].as_str().expect("id");
            c.valid(&format!("/oruk/organizations/{id}"), &org).await;
            c.valid(&format!("/oruk/organizations/{id}?full_service=true"), &org)
                .await;
        }
    }

    // The standard query parameters are accepted, and the answers stay valid.
    let taxonomy_id = c.get("/oruk/taxonomies").await.body["contents"][0]["id"].clone();
    let org_id = c.get("/oruk/organizations").await.body["contents"][0]["id"].clone();
    let term_id = c.get("/oruk/taxonomy_terms").await.body["contents"][0]["id"].clone();
    let (tx, og, tm) = (
        taxonomy_id.as_str().expect("id"),
        org_id.as_str().expect("id"),
        term_id.as_str().expect("id"),
    );
    let standard = format!(
        "search=programme&taxonomy_term_id={tm}&taxonomy_id={tx}&organization_id={og}\
         &modified_after=2020-01-01T00:00:00Z&minimal=true&full=true&format=json"
    );
    c.pages(&format!("/oruk/services?{standard}"), 1, &service_list)
        .await;
    c.pages(
        &format!("/oruk/service_at_locations?{standard}&postcode=IP24&proximity=1000"),
        1,
        &sal_list,
    )
    .await;
    c.pages(
        "/oruk/taxonomies?search=programme&format=json",
        1,
        &taxonomy_list,
    )
    .await;
    c.pages(
        &format!("/oruk/taxonomy_terms?search=group&format=json&taxonomy_id={tx}&top_only=true"),
        1,
        &term_list,
    )
    .await;
    c.pages(
        "/oruk/organizations?search=teams&full_service=true&full=true&format=json",
        1,
        &org_list,
    )
    .await;
    let other = uuid::Uuid::nil();
    for (path, s) in [
        (
            format!("/oruk/services?organization_id={other}"),
            &service_list,
        ),
        (format!("/oruk/services?taxonomy_id={other}"), &service_list),
        (
            "/oruk/services?taxonomy_term_id=nonsense".to_owned(),
            &service_list,
        ),
        (
            format!("/oruk/service_at_locations?taxonomy_id={other}"),
            &sal_list,
        ),
        (format!("/oruk/taxonomy_terms?parent_id={tm}"), &term_list),
        ("/oruk/organizations?search=nobody".to_owned(), &org_list),
    ] {
        let body = c.valid(&path, s).await;
        if body["total_items"] != 0 || body["empty"] != true || body["total_pages"] != 1 {
            c.errors
                .push(format!("{path}: expected one empty page: {body}"));
        }
    }

    // Errors carry CORS `*` too (checked by `get`).
    for (path, status) in [
        (format!("/oruk/services/{other}"), 404),
        (format!("/oruk/taxonomies/{other}"), 404),
        (format!("/oruk/organizations/{other}"), 404),
        ("/oruk/services?per_page=0".to_owned(), 400),
        ("/oruk/services?unknown=1".to_owned(), 400),
        ("/oruk/nothing-here".to_owned(), 404),
    ] {
        let r = c.get(&path).await;
        if r.status != status {
            c.errors
                .push(format!("{path}: status {} not {status}", r.status));
        }
    }

    // Fields neither standard defines: none but those listed here, each
    // with its reason.
    let expected: BTreeSet<String> = [
        // The summary of the service that ORUK's list item has, kept on the
        // item too (neither item schema defines it).
        "service at location: /service",
        // Nested arrays in lists, asked for with `full=true` (ORUK's
        // list schemas hold the one-to-one fields only).
        "service at location list: /contents/*/location/addresses",
        "service list: /contents/*/attributes",
        "service list: /contents/*/schedules",
        "service list: /contents/*/service_at_locations",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(
        c.undefined, expected,
        "fields neither ORUK nor HSDS defines"
    );
    assert!(
        c.errors.is_empty(),
        "{} finding(s) over {} answers:\n{}",
        c.errors.len(),
        c.fetched,
        c.errors.join("\n")
    );
    assert!(c.fetched > 60, "{} answers checked", c.fetched);
}
