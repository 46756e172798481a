//! Demonstration data for `make run`: 15 zones, each with one team (some
//! operational from June 2023, most by the end of that summer), a manager
//! and practitioners, and schools spread over the zones. Only an empty
//! database is seeded.

use chrono::NaiveDate;
use sct_persistence::catalogue::{self as cat, NewWorker};
use sct_persistence::models::SchoolRow;
use sct_persistence::{policy, Connection, StoreResult};

/// What seeding did.
#[derive(Debug, Default)]
pub struct SeedReport {
    pub zones: usize,
    pub workers: usize,
    pub schools: usize,
}

const PHASES: [&str; 4] = ["Primary", "Primary", "Secondary", "Special"];

/// Seeds an empty database; a database with zones is left alone.
///
/// # Errors
/// Any storage failure.
pub async fn seed(conn: &mut Connection) -> StoreResult<Option<SeedReport>> {
    policy::ensure_default(conn).await?;
    if cat::has_zones(conn).await? {
        return Ok(None);
    }
    let mut report = SeedReport::default();
    let june = NaiveDate::from_ymd_opt(2023, 6, 1).unwrap_or_default();
    let end_of_summer = NaiveDate::from_ymd_opt(2023, 8, 31).unwrap_or_default();
    for z in 1..=15u32 {
        let code = format!("Z{z:02}");
        let zone = cat::create_zone(conn, &code, &format!("Zone {z:02}")).await?;
        let opens = if z <= 5 { june } else { end_of_summer };
        let team = cat::create_team(
            conn,
            zone.id,
            &format!("School & Community Team {code}"),
            opens,
        )
        .await?;
        let lower = code.to_ascii_lowercase();
        cat::create_worker(
            conn,
            &NewWorker {
                team: team.id,
                subject: &format!("{lower}-manager"),
                name: &format!("Manager {code}"),
                job_role: "team_manager",
                caseload_cap: 0,
            },
        )
        .await?;
        for p in 1..=4 {
            cat::create_worker(
                conn,
                &NewWorker {
                    team: team.id,
                    subject: &format!("{lower}-practitioner-{p}"),
                    name: &format!("Practitioner {p} {code}"),
                    job_role: "practitioner",
                    caseload_cap: 10 + 2 * p,
                },
            )
            .await?;
        }
        report.workers += 5;
        for s in 0..4u32 {
            let n = (z - 1) * 4 + s;
            let now = sct_persistence::now();
            cat::create_school(
                conn,
                &SchoolRow {
                    urn: format!("{}", 121_000 + n),
                    name: format!("{} School {code}-{}", PHASES[s as usize], s + 1),
                    la_code: Some("926".into()),
                    establishment_number: Some(format!("{}", 2000 + n)),
                    phase: Some(PHASES[s as usize].into()),
                    status: "open".into(),
                    postcode: Some(format!("NR{} {}AA", z, s + 1)),
                    zone_id: Some(zone.id),
                    created_at: now,
                    updated_at: now,
                    version: 1,
                    la_name: None,
                    type_name: None,
                    district_code: None,
                    district_name: None,
                    pupil_count: None,
                    open_date: None,
                    close_date: None,
                    missing_from_extract_at: None,
                },
            )
            .await?;
            report.schools += 1;
        }
        report.zones += 1;
    }
    Ok(Some(report))
}
