//! Delta sync under concurrent writes: an MIS polls `updated_since` and
//! follows the cursor while other clients submit and act; when the writes
//! stop and the settling horizon has passed, it has seen every referral at
//! its final version.

use sct_e2e::{upn, TestApp};
use serde_json::json;
use std::cell::Cell;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const SETTLE_MS: u64 = 300;

#[tokio::test]
async fn syncing_while_others_write_misses_nothing() {
    let settle = SETTLE_MS.to_string();
    let app = TestApp::spawn_with(&[("SCT_SYNC_SETTLE_MS", settle.as_str())]).await;
    let t = app.team("DS1").await;
    let urn = t.schools[0].urn.clone();
    let school = app.school(&urn);
    let manager = app.manager(&t);
    let start = (chrono::Utc::now() - chrono::Duration::seconds(5))
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let writers_done = Cell::new(0u32);
    let writers: u32 = 3;
    let per_writer: u32 = 12;

    let write = |w: u32| {
        let (app, school, manager, urn, done) = (&app, &school, &manager, &urn, &writers_done);
        async move {
            for i in 0..per_writer {
                let r = app
                    .post(
                        "/api/v1/referrals",
                        school,
                        &sct_e2e::referral_body(urn, &upn(w * 100 + i), 4),
                    )
                    .await;
                assert_eq!(r.status, 201, "{}", r.text);
                let a = app
                    .act(&r.id(), "accept", manager, &r.etag(), &json!({}))
                    .await;
                assert_eq!(a.status, 200, "{}", a.text);
            }
            done.set(done.get() + 1);
        }
    };

    let sync = async {
        let mut seen: HashMap<String, i64> = HashMap::new();
        let mut since = start.clone();
        let mut cursor: Option<String> = None;
        let mut polls = 0u32;
        let mut quiet_since: Option<Instant> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/referrals?updated_since={since}&limit=7&cursor={c}"),
                None => format!("/api/v1/referrals?updated_since={since}&limit=7"),
            };
            let page = app.get(&path, &school).await;
            assert_eq!(page.status, 200, "{}", page.text);
            polls += 1;
            let items = page.body["items"].as_array().expect("items");
            for item in items {
                let id = item["id"].as_str().expect("id").to_owned();
                let version = item["version"].as_i64().expect("version");
                let e = seen.entry(id).or_insert(version);
                *e = (*e).max(version);
            }
            if let Some(c) = page.body["next_cursor"].as_str() {
                cursor = Some(c.to_owned());
                continue;
            }
            cursor = None;
            if let Some(last) = items.last() {
                since = last["updated_at"].as_str().expect("updated_at").to_owned();
            }
            if writers_done.get() == writers {
                let q = *quiet_since.get_or_insert_with(Instant::now);
                // One full pass after the horizon has passed since the last write.
                if q.elapsed() > Duration::from_millis(SETTLE_MS * 2) {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
        (seen, polls)
    };

    let ((), (), (), (seen, polls)) = futures_util::join!(write(1), write(2), write(3), sync);
    let truth = app
        .db
        .sql("SELECT id::text, version FROM referrals")
        .await
        .expect("sql");
    assert_eq!(
        truth.len(),
        usize::try_from(writers * per_writer).expect("fits")
    );
    for row in &truth {
        let id: String = row.get(0);
        let version: i32 = row.get(1);
        assert_eq!(
            seen.get(&id).copied(),
            Some(i64::from(version)),
            "referral {id} missed or seen at an old version"
        );
    }
    eprintln!(
        "delta sync: {} referrals x 2 changes by {writers} writers, all seen at their final version in {polls} polls",
        truth.len()
    );
}
