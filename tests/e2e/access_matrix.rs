//! The access matrix: `docs/security.md` decides, for every operation of the
//! OpenAPI document and every role, whether the call is allowed, allowed in
//! scope, or forbidden. This test parses that table, fails when an operation
//! has no row (a new endpoint needs a decision) or a row names no operation,
//! and calls every operation with every role's token against a seeded
//! database, checking the outcome against the table. Adding a row is the only
//! work a new operation needs: path parameters are filled from seeded ids by
//! resource and name, bodies from the document's examples.
//!
//! Then object-level authorisation: every owned resource read or changed by
//! a caller of the right role but the wrong school, zone, practitioner or
//! integration client answers 404 and changes nothing.

use reqwest::Method;
use sct_domain::Role;
use sct_e2e::{Reply, TestApp, TestTeam};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// The columns of the table, in order.
const ROLES: [&str; 6] = [
    "la_admin",
    "manager",
    "practitioner",
    "school",
    "integration",
    "anonymous",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Allowed,
    InScope,
    Forbidden,
}

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The rows of the access table in `docs/security.md`: operationId -> one
/// decision per role.
fn matrix() -> BTreeMap<String, Vec<Decision>> {
    let text = std::fs::read_to_string(root().join("docs/security.md")).expect("docs/security.md");
    let mut rows = BTreeMap::new();
    let mut in_table = false;
    for line in text.lines() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if !line.trim_start().starts_with('|') {
            in_table = false;
            continue;
        }
        if cells.first() == Some(&"operation") {
            assert_eq!(&cells[1..], ROLES, "the access table's columns");
            in_table = true;
            continue;
        }
        if !in_table
            || cells
                .iter()
                .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
        {
            continue;
        }
        let op = cells[0].trim_matches('`').to_owned();
        assert_eq!(cells.len(), 7, "row {op}: one cell per role");
        let decisions = cells[1..]
            .iter()
            .map(|c| match *c {
                "allowed" => Decision::Allowed,
                "in-scope" => Decision::InScope,
                "forbidden" => Decision::Forbidden,
                other => panic!("row {op}: unknown cell {other:?}"),
            })
            .collect();
        assert!(
            rows.insert(op.clone(), decisions).is_none(),
            "row {op} twice"
        );
    }
    assert!(
        !rows.is_empty(),
        "no access table found in docs/security.md"
    );
    rows
}

/// One operation of the document.
struct Operation {
    id: String,
    method: Method,
    path: String,
    op: Value,
}

fn document() -> Value {
    let text = std::fs::read_to_string(root().join("openapi/openapi.json")).expect("openapi.json");
    serde_json::from_str(&text).expect("json")
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let Ok(method) = Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else {
                continue;
            };
            out.push(Operation {
                id: op["operationId"].as_str().expect("operationId").to_owned(),
                method,
                path: path.clone(),
                op: op.clone(),
            });
        }
    }
    out
}

/// Resolves a `$ref` into the components.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let mut node = doc;
            for part in r.trim_start_matches("#/").split('/') {
                node = &node[part];
            }
            node
        }
        None => v,
    }
}

/// The seeded world the calls run against.
struct World {
    a: TestTeam,
    referral: String,
    client: String,
    client_secret: String,
    tokens: HashMap<&'static str, Option<String>>,
}

/// A fresh team, school, referral and integration client for the `n`th
/// operation, so that one operation's effects (a revoked client, an accepted
/// referral) never decide another's outcome.
async fn world(app: &TestApp, n: u32) -> World {
    let a = app.team(&format!("M{n:02}")).await;
    let urn = a.schools[0].urn.clone();
    let referral = app.submit(&urn, &sct_e2e::upn(n), 4).await;
    assert_eq!(referral.status, 201, "{}", referral.text);
    let (client, client_secret, _) = app.register_client(&[&urn]).await;
    let tokens = HashMap::from([
        ("la_admin", Some(app.admin())),
        ("manager", Some(app.manager(&a))),
        ("practitioner", Some(app.practitioner(&a, 0))),
        ("school", Some(app.school(&urn))),
        // A real OAuth token of a second client of the school, as an MIS
        // holds: the world's own client may be revoked by the operation.
        ("integration", Some(client_token(app, &[&urn]).await)),
        ("anonymous", None),
    ]);
    World {
        referral: referral.id(),
        client_secret,
        client,
        a,
        tokens,
    }
}

/// The OpenAPI document, parsed once.
fn spec() -> &'static Value {
    static SPEC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    SPEC.get_or_init(document)
}

/// A value for a path or query parameter: a seeded id where the resource is
/// known, else the parameter's example or a value of its type.
fn parameter_value(w: &World, path: &str, param: &Value) -> String {
    let name = param["name"].as_str().unwrap_or_default();
    let placeholder = format!("{{{name}}}");
    let resource = path
        .split('/')
        .take_while(|s| *s != placeholder)
        .filter(|s| !s.starts_with('{'))
        .last()
        .unwrap_or_default();
    let seeded = match (resource, name) {
        ("referrals", "id") => Some(w.referral.clone()),
        ("integration-clients", "id") => Some(w.client.clone()),
        ("teams", "id") => Some(w.a.team.id.to_string()),
        ("workers", "worker_id") => Some(w.a.practitioners[0].id.to_string()),
        ("zones", "id") => Some(w.a.zone.id.to_string()),
        ("schools", "urn") => Some(w.a.schools[0].urn.clone()),
        _ => None,
    };
    if let Some(v) = seeded {
        return v;
    }
    let schema = &param["schema"];
    if let Some(e) = param.get("example").or_else(|| schema.get("example")) {
        return e.as_str().map_or_else(|| e.to_string(), str::to_owned);
    }
    if let Some(first) = schema["enum"].get(0).and_then(Value::as_str) {
        return first.to_owned();
    }
    // A named enum: `{"$ref": "#/components/schemas/Term"}`.
    if let Some(first) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .and_then(|name| spec()["components"]["schemas"][name]["enum"].get(0))
        .and_then(Value::as_str)
    {
        return first.to_owned();
    }
    match (schema["type"].as_str(), schema["format"].as_str()) {
        (_, Some("uuid")) => Uuid::new_v4().to_string(),
        (_, Some("date")) => "2026-01-01".to_owned(),
        (_, Some("date-time")) => "2026-01-01T00:00:00Z".to_owned(),
        (Some("integer" | "number"), _) => "1".to_owned(),
        _ => "100000".to_owned(),
    }
}

/// The request body: the document's example in the first content type, with
/// the seeded integration client's credentials in a client credentials form.
fn body(doc: &Value, w: &World, op: &Value) -> Option<(String, Vec<u8>)> {
    let content = op["requestBody"]["content"].as_object()?;
    let (ct, media) = content.iter().next()?;
    let schema = resolve(doc, &media["schema"]);
    let example = media
        .get("example")
        .or_else(|| schema.get("example"))
        .cloned()
        .unwrap_or_else(|| json!({}));
    let mut example = example;
    if let Some(map) = example.as_object_mut() {
        if map.contains_key("client_secret") {
            map.insert("client_id".into(), json!(w.client));
            map.insert("client_secret".into(), json!(w.client_secret));
        }
    }
    let bytes = match (ct.as_str(), &example) {
        ("application/x-www-form-urlencoded", Value::Object(map)) => map
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("&")
            .into_bytes(),
        (_, Value::String(s)) if !ct.contains("json") => s.clone().into_bytes(),
        _ => serde_json::to_vec(&example).expect("json"),
    };
    Some((ct.clone(), bytes))
}

/// Calls one operation as one role.
async fn call(app: &TestApp, doc: &Value, w: &World, o: &Operation, role: &str) -> Reply {
    let params = o.op["parameters"].as_array().cloned().unwrap_or_default();
    let mut path = o.path.clone();
    let mut query = Vec::new();
    for p in &params {
        let name = p["name"].as_str().unwrap_or_default();
        match p["in"].as_str() {
            Some("path") => {
                path = path.replace(&format!("{{{name}}}"), &parameter_value(w, &o.path, p));
            }
            Some("query") if p["required"] == json!(true) => {
                query.push((name.to_owned(), parameter_value(w, &o.path, p)));
            }
            _ => {}
        }
    }
    let mut req = app
        .client
        .request(o.method.clone(), app.url(&path))
        .query(&query);
    for p in &params {
        let name = p["name"].as_str().unwrap_or_default();
        if p["in"] == "header" && name.eq_ignore_ascii_case("if-match") {
            req = req.header("if-match", "\"v1\"");
        }
        if p["in"] == "header" && name.eq_ignore_ascii_case("idempotency-key") {
            req = req.header("idempotency-key", Uuid::new_v4().to_string());
        }
    }
    if let Some(Some(t)) = w.tokens.get(role) {
        req = req.bearer_auth(t);
    }
    if let Some((ct, bytes)) = body(doc, w, &o.op) {
        req = req.header("content-type", ct).body(bytes);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap_or_default();
    Reply {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

#[tokio::test]
async fn every_operation_has_a_decision_for_every_role_and_the_server_keeps_it() {
    let table = matrix();
    let doc = document();
    let ops = operations(&doc);
    let mut failures = Vec::new();
    for o in &ops {
        if !table.contains_key(&o.id) {
            failures.push(format!(
                "{} ({} {}) has no row in docs/security.md: decide who may call it",
                o.id, o.method, o.path
            ));
        }
    }
    for id in table.keys() {
        if !ops.iter().any(|o| &o.id == id) {
            failures.push(format!(
                "docs/security.md has a row for {id}, which the document does not have"
            ));
        }
    }
    let app = TestApp::spawn().await;
    let mut checked = 0;
    let mut observed = Vec::new();
    for (n, o) in (1..).zip(&ops) {
        let Some(row) = table.get(&o.id) else {
            continue;
        };
        let w = world(&app, n).await;
        let mut cells = Vec::new();
        for (role, expected) in ROLES.iter().zip(row) {
            let reply = call(&app, &doc, &w, o, role).await;
            checked += 1;
            let refused = match *role {
                "anonymous" => reply.status == 401,
                _ => reply.status == 403,
            };
            let denied = reply.status == 401 || reply.status == 403;
            cells.push(if denied { "forbidden" } else { "allowed" });
            let ok = match expected {
                Decision::Forbidden => refused,
                Decision::Allowed | Decision::InScope => !denied,
            };
            if !ok {
                failures.push(format!(
                    "{} as {role}: the table says {expected:?}, the server answered {}: {}",
                    o.id, reply.status, reply.text
                ));
            }
            if denied {
                assert_eq!(
                    reply.header("content-type"),
                    Some("application/problem+json"),
                    "{} as {role}",
                    o.id
                );
            }
            assert_ne!(reply.status, 500, "{} as {role}: {}", o.id, reply.text);
        }
        observed.push(format!("| `{}` | {} |", o.id, cells.join(" | ")));
    }
    eprintln!(
        "access matrix: {} operations x {} roles = {checked} calls checked",
        ops.len(),
        ROLES.len()
    );
    assert!(
        failures.is_empty(),
        "{} disagreements with docs/security.md:\n{}\n\nobserved:\n{}",
        failures.len(),
        failures.join("\n"),
        observed.join("\n")
    );
    assert_eq!(checked, ops.len() * ROLES.len());
}

/// An OAuth token for a newly registered integration client of `schools`.
async fn client_token(app: &TestApp, schools: &[&str]) -> String {
    let (id, secret, _) = app.register_client(schools).await;
    app.client_token(&id, &secret).await
}

/// What a referral looks like to la_admin: its version and history length.
async fn referral_state(app: &TestApp, id: &str) -> (Value, usize) {
    let r = app
        .get(&format!("/api/v1/referrals/{id}"), &app.admin())
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let h = app
        .get(&format!("/api/v1/referrals/{id}/history"), &app.admin())
        .await;
    assert_eq!(h.status, 200, "{}", h.text);
    let n = h.body["items"].as_array().map_or(0, Vec::len);
    (r.body["version"].clone(), n)
}

#[tokio::test]
async fn objects_outside_the_scope_answer_404_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let a = app.team("A01").await;
    let b = app.team("B02").await;
    let urn = a.schools[0].urn.clone();
    let r = app.submit(&urn, &sct_e2e::upn(7), 4).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.id();
    let acc = app
        .act(&id, "accept", &app.manager(&a), &r.etag(), &json!({}))
        .await;
    assert_eq!(acc.status, 200, "{}", acc.text);
    let alloc = app
        .act(
            &id,
            "allocate",
            &app.manager(&a),
            &acc.etag(),
            &json!({"worker_id": a.practitioners[0].id}),
        )
        .await;
    assert_eq!(alloc.status, 200, "{}", alloc.text);
    let etag = alloc.etag();
    let before = referral_state(&app, &id).await;

    let other_school = app.school(&b.schools[0].urn);
    let same_zone_other_school = app.school(&a.schools[1].urn);
    let other_manager = app.manager(&b);
    let other_practitioner = app.practitioner(&a, 1);
    let other_zone_practitioner = app.practitioner(&b, 0);
    let other_integration = app.token(Role::Integration, &[&b.schools[0].urn], None, "mis-b");
    let other_client = client_token(&app, &[&b.schools[0].urn]).await;

    let referral = format!("/api/v1/referrals/{id}");
    let history = format!("{referral}/history");
    let reads: Vec<(&str, &String)> = vec![
        ("another zone's school", &other_school),
        ("another school of the same zone", &same_zone_other_school),
        ("another zone's manager", &other_manager),
        ("another practitioner of the team", &other_practitioner),
        ("another zone's practitioner", &other_zone_practitioner),
        (
            "an integration token for another school",
            &other_integration,
        ),
        ("another integration client", &other_client),
    ];
    let mut cases = 0;
    for (who, token) in &reads {
        for path in [&referral, &history] {
            let reply = app.get(path, token).await;
            assert_eq!(reply.status, 404, "{who} GET {path}: {}", reply.text);
            reply.assert_problem(404, "not_found");
            cases += 1;
        }
    }
    let actions: Vec<(&str, &String, &str, Value)> = vec![
        (
            "another zone's school",
            &other_school,
            "withdraw",
            json!({"reason": "x"}),
        ),
        (
            "another school of the same zone",
            &same_zone_other_school,
            "withdraw",
            json!({"reason": "x"}),
        ),
        (
            "an integration token for another school",
            &other_integration,
            "withdraw",
            json!({"reason": "x"}),
        ),
        (
            "another integration client",
            &other_client,
            "withdraw",
            json!({"reason": "x"}),
        ),
        (
            "another zone's manager",
            &other_manager,
            "allocate",
            json!({"auto": true}),
        ),
        (
            "another zone's manager",
            &other_manager,
            "close",
            json!({"outcome": "needs_met"}),
        ),
        ("another zone's manager", &other_manager, "start", json!({})),
        (
            "another zone's manager",
            &other_manager,
            "decline",
            json!({"reason": "x", "signposting": "y"}),
        ),
        (
            "another zone's manager",
            &other_manager,
            "redirect",
            json!({"team_id": b.team.id, "reason": "x"}),
        ),
        (
            "another practitioner of the team",
            &other_practitioner,
            "start",
            json!({}),
        ),
        (
            "another practitioner of the team",
            &other_practitioner,
            "close",
            json!({"outcome": "needs_met"}),
        ),
        (
            "another zone's practitioner",
            &other_zone_practitioner,
            "start",
            json!({}),
        ),
    ];
    for (who, token, action, body) in &actions {
        let reply = app.act(&id, action, token, &etag, body).await;
        assert_eq!(reply.status, 404, "{who} {action}: {}", reply.text);
        reply.assert_problem(404, "not_found");
        cases += 1;
    }
    // Lists never show the referral to those outside its scope.
    for (who, token) in &reads {
        let list = app.get("/api/v1/referrals", token).await;
        assert_eq!(list.status, 200, "{who}: {}", list.text);
        let ids: Vec<&str> = list.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["id"].as_str())
            .collect();
        assert!(!ids.contains(&id.as_str()), "{who} lists the referral");
        cases += 1;
    }
    assert_eq!(referral_state(&app, &id).await, before, "nothing changed");

    // Schools: a school or integration client sees only its own.
    let school_path = format!("/api/v1/schools/{urn}");
    for (who, token) in [
        ("another zone's school", &other_school),
        ("another school of the same zone", &same_zone_other_school),
        (
            "an integration token for another school",
            &other_integration,
        ),
        ("another integration client", &other_client),
    ] {
        let reply = app.get(&school_path, token).await;
        assert_eq!(reply.status, 404, "{who}: {}", reply.text);
        cases += 1;
    }
    // Teams' workers: a manager sees only their own team's.
    let workers = format!("/api/v1/teams/{}/workers", a.team.id);
    let worker = format!("{workers}/{}", a.practitioners[0].id);
    for path in [&workers, &worker] {
        let reply = app.get(path, &other_manager).await;
        assert_eq!(
            reply.status, 404,
            "another zone's manager GET {path}: {}",
            reply.text
        );
        cases += 1;
    }
    // The controls: those in scope do see it.
    for token in [app.school(&urn), app.manager(&a), app.practitioner(&a, 0)] {
        assert_eq!(app.get(&referral, &token).await.status, 200);
    }
    eprintln!("object-level cases tried: {cases}");
    assert_eq!(cases, 7 * 2 + 12 + 7 + 4 + 2);
}
