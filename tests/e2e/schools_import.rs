//! The GIAS import: `POST /schools/import` over HTTP (summary, re-runs that
//! change nothing, schools that disappear from a newer extract, refusals)
//! and the library function `sct import-schools` calls, with a zone map.

use sct_api::features::organisation::gias::{import, parse_zone_map, ImportOptions};
use sct_e2e::{Reply, TestApp};
use sct_persistence::organisation;
use serde_json::json;

const IMPORT: &str = "/api/v1/schools/import";

/// urn, status, type, district code, pupils, close date.
type Row = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i32>,
    Option<String>,
);

/// A GIAS extract (or zone map) of `tests/fixtures/gias`.
fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(sct_e2e::fixture("gias").join(name)).expect("fixture")
}

async fn send(app: &TestApp, query: &str, body: Vec<u8>) -> Reply {
    app.post_bytes(&format!("{IMPORT}{query}"), &app.admin(), "text/csv", body)
        .await
}

#[tokio::test]
async fn an_extract_imports_once_and_a_rerun_changes_nothing() {
    let app = TestApp::spawn().await;
    let first = send(&app, "?la=926", fixture("edubase_926.csv")).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["read"], 6);
    assert_eq!(first.body["inserted"], 4);
    assert_eq!(first.body["updated"], 0);
    assert_eq!(first.body["unchanged"], 0);
    assert_eq!(first.body["marked_missing"], 0);
    assert_eq!(
        first.body["skipped"],
        json!([
            {"line": 6, "urn": "900005", "reason": "wrong LA: 873"},
            {"line": 7, "reason": "bad URN \"ABC123\""},
        ])
    );

    let school = app.get("/api/v1/schools/900001", &app.admin()).await;
    assert_eq!(school.status, 200, "{}", school.text);
    assert_eq!(
        school.body["name"],
        "St Ren\u{e9}e's Church of England Primary School, Norwich"
    );
    assert_eq!(school.body["la_code"], "926");
    assert_eq!(school.body["phase"], "Primary");
    assert_eq!(school.body["type_name"], "Voluntary aided school");
    assert_eq!(school.body["district_code"], "E07000148");
    assert_eq!(school.body["district_name"], "Norwich");
    assert_eq!(school.body["pupil_count"], 212);
    assert_eq!(school.body["open_date"], "1995-09-01");
    assert!(school.body["missing_from_extract_at"].is_null());
    let statuses = app
        .db
        .sql("SELECT urn, status, type_name, district_code, pupil_count, close_date::text FROM schools ORDER BY urn")
        .await
        .expect("sql");
    let got: Vec<Row> = statuses
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect();
    assert_eq!(got.len(), 4);
    assert_eq!(got[0].2.as_deref(), Some("Voluntary aided school"));
    assert_eq!(got[0].3.as_deref(), Some("E07000148"));
    assert_eq!(got[0].4, Some(212));
    assert_eq!(got[1].1, "proposed_to_close");
    assert_eq!(got[2].1, "closed");
    assert_eq!(got[2].5.as_deref(), Some("2019-08-31"));
    assert_eq!(got[3].1, "proposed_to_open");
    assert_eq!(got[3].4, None);

    let again = send(&app, "?la=926", fixture("edubase_926.csv")).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["inserted"], 0);
    assert_eq!(again.body["updated"], 0);
    assert_eq!(again.body["unchanged"], 4);
    assert_eq!(again.body["marked_missing"], 0);
    assert_eq!(again.body["skipped"], first.body["skipped"]);
    let versions = app
        .db
        .sql("SELECT count(*) FROM schools WHERE version <> 1")
        .await
        .expect("sql");
    assert_eq!(
        versions[0].get::<_, i64>(0),
        0,
        "a re-run must not touch rows"
    );
}

#[tokio::test]
async fn a_school_missing_from_a_newer_extract_is_marked_and_comes_back() {
    let app = TestApp::spawn().await;
    let full = fixture("edubase_926.csv");
    assert_eq!(send(&app, "?la=926", full.clone()).await.status, 200);
    let newer: Vec<u8> = full
        .split(|b| *b == b'\n')
        .filter(|line| !line.windows(8).any(|w| w == b"\"900002\""))
        .collect::<Vec<_>>()
        .join(&b'\n');
    let reply = send(&app, "?la=926", newer).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["marked_missing"], 1);
    let marked = app
        .db
        .sql("SELECT urn FROM schools WHERE missing_from_extract_at IS NOT NULL")
        .await
        .expect("sql");
    assert_eq!(marked.len(), 1);
    assert_eq!(marked[0].get::<_, String>(0), "900002");

    let back = send(&app, "?la=926", full).await;
    assert_eq!(back.body["updated"], 1, "{}", back.text);
    assert_eq!(back.body["marked_missing"], 0);
    assert_eq!(
        app.db
            .sql("SELECT urn FROM schools WHERE missing_from_extract_at IS NOT NULL")
            .await
            .expect("sql")
            .len(),
        0
    );
}

#[tokio::test]
async fn imports_are_refused_to_others_and_in_other_formats() {
    let app = TestApp::spawn().await;
    let t = app.team("GA").await;
    let school = app.school(&t.schools[0].urn);
    app.post_bytes(IMPORT, &school, "text/csv", fixture("edubase_926.csv"))
        .await
        .assert_problem(403, "forbidden_for_role");
    app.post_bytes(
        IMPORT,
        &app.manager(&t),
        "text/csv",
        fixture("edubase_926.csv"),
    )
    .await
    .assert_problem(403, "forbidden_for_role");
    app.post_bytes(
        IMPORT,
        &app.admin(),
        "application/json",
        b"{\"urn\": \"900001\"}".to_vec(),
    )
    .await
    .assert_problem(415, "unsupported_media_type");
    let missing = send(&app, "", fixture("missing_column.csv")).await;
    missing.assert_problem(422, "validation_failed");
    assert_eq!(missing.body["errors"][0]["field"], "NumberOfPupils");
    assert_eq!(missing.body["errors"][0]["code"], "missing_column");
    send(&app, "?la=Norfolk", fixture("edubase_926.csv"))
        .await
        .assert_problem(400, "invalid_parameter");
    // Nothing of the refused imports was written (the team's two schools only).
    assert_eq!(app.db.count("schools").await, 2);
}

#[tokio::test]
async fn the_library_import_assigns_zones_from_a_map_and_skips_unknown_codes() {
    let app = TestApp::spawn().await;
    let mut conn = app.pool.conn().await.expect("conn");
    let zone = organisation::create_zone(&mut conn, "GZ1", "Zone GZ1")
        .await
        .expect("zone");
    let map = parse_zone_map(&fixture("zones.csv")).expect("map");
    let options = ImportOptions {
        la: None,
        zones: Some(map),
    };
    let summary = import(&mut conn, &fixture("edubase_926.csv"), &options, &|_| {})
        .await
        .expect("import");
    assert_eq!(summary.read, 6);
    // Without --la, the other LA's school is imported too.
    assert_eq!(summary.inserted, 4);
    let reasons: Vec<(u64, &str)> = summary
        .skipped
        .iter()
        .map(|s| (s.line, s.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        vec![(5, "unknown zone code \"NOPE\""), (7, "bad URN \"ABC123\"")]
    );
    let zoned = organisation::get_school(&mut conn, "900001")
        .await
        .expect("school");
    assert_eq!(zoned.zone_id, Some(zone.id));
    let unzoned = organisation::get_school(&mut conn, "900005")
        .await
        .expect("school");
    assert_eq!(unzoned.zone_id, None);

    let again = import(&mut conn, &fixture("edubase_926.csv"), &options, &|_| {})
        .await
        .expect("import");
    assert_eq!(again.unchanged, 4);
    assert_eq!(again.inserted + again.updated, 0);
}
