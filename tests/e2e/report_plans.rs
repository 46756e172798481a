//! The reports added for issue 14 read by index: over the seeded referrals
//! of `indexes.rs` (20,000 referrals of 200 schools in 15 zones, analysed),
//! the statements of `/reports/schools`, `/reports/escalations`,
//! `/reports/capacity`, `/reports/waiting` and `/reports/practice` for one
//! zone's year (and a
//! practitioner's `/me/tasks`) read no big table by a sequential
//! scan nor throw away many rows, with the generic and the custom plan.
//! (Filling the waiting list's snapshot replays all history on purpose,
//! once a day; it is not a request path's statement.)

use crate::indexes::{plan_offences, SEED};
use sct_e2e::TestDb;

const BIG: [&str; 3] = ["referrals", "referral_history", "children"];

#[tokio::test]
async fn the_new_reports_read_one_zone_by_index() {
    let db = TestDb::new().await;
    let (client, conn) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client.batch_execute(SEED).await.expect("seed");
    let zone = "'a1000000-0000-4000-8000-000000000003'".to_owned();
    let from_ts = "'2025-09-01T00:00:00Z'".to_owned();
    let until_ts = "'2026-09-01T00:00:00Z'".to_owned();
    let from = "'2025-09-01'".to_owned();
    let to = "'2026-08-31'".to_owned();
    // A practitioner of zone 3 (`GET /me/tasks`: the whole list, first page).
    let worker = "'a3000000-0000-4000-8000-00000000012e'".to_owned();
    let null = "NULL".to_owned();
    let shapes: [(&str, &str, Vec<String>); 6] = [
        (
            "a practitioner's tasks, first page",
            sct_persistence::tasks::SQL,
            vec![
                worker,
                "'9999-12-31'".to_owned(),
                null.clone(),
                null.clone(),
                null.clone(),
                null.clone(),
                null,
                "51".to_owned(),
            ],
        ),
        (
            "schools report, one zone's year",
            sct_persistence::reports::schools::SQL,
            vec![
                from_ts.clone(),
                until_ts.clone(),
                from.clone(),
                to.clone(),
                zone.clone(),
            ],
        ),
        (
            "escalations report, one zone's year",
            sct_persistence::reports::escalations::SQL,
            vec![from_ts, until_ts, zone.clone()],
        ),
        (
            "capacity report, one zone's year",
            sct_persistence::reports::capacity::SQL,
            vec![from.clone(), to.clone(), to.clone(), zone.clone()],
        ),
        (
            "waiting report, one zone's year",
            sct_persistence::waiting::ROWS_SQL,
            vec![from.clone(), to.clone(), zone.clone()],
        ),
        (
            "practice report, one zone's year",
            sct_persistence::reports::practice::SQL,
            vec![from, to, zone],
        ),
    ];
    let mut failures = Vec::new();
    for (i, (name, sql, args)) in shapes.iter().enumerate() {
        failures.extend(plan_offences(&client, 900 + i, name, &BIG, sql, args).await);
    }
    assert!(
        failures.is_empty(),
        "report statements that are not index-backed:\n{}",
        failures.join("\n")
    );
}
