//! Demonstration data for `make run`: 15 zones, each with one team (some
//! operational from June 2023, most by the end of that summer), a manager
//! and practitioners, schools spread over the zones, and a small catalogue
//! of interventions the teams offer. Only an empty database is seeded.

use chrono::NaiveDate;
use sct_persistence::delivery::{self as delivery, InterventionRow};
use sct_persistence::models::SchoolRow;
use sct_persistence::organisation::{self as cat, NewWorker};
use sct_persistence::{policy, Connection, StoreResult};

/// What seeding did.
#[derive(Debug, Default)]
pub struct SeedReport {
    pub zones: usize,
    pub workers: usize,
    pub schools: usize,
    pub interventions: usize,
}

const PHASES: [&str; 4] = ["Primary", "Primary", "Secondary", "Special"];

/// The demonstration catalogue: name, description, approach, mode, INDES
/// areas, evidence base, typical sessions.
type CatalogueEntry = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    i32,
);

const INTERVENTIONS: [CatalogueEntry; 6] = [
    (
        "Zones of Regulation",
        "A framework that teaches children to recognise how they feel, sort feelings into four coloured zones and choose a strategy to move between them.",
        "Small-group or whole-class lessons led by school staff, coached by the team, with a shared visual language at home and school",
        "group",
        &["social_emotional_mental_health", "social_communication_and_interaction"],
        "Kuypers (2011); practice-based evidence of improved self-regulation; consistent with EEF guidance on social and emotional learning",
        10,
    ),
    (
        "Lego-based therapy",
        "Children build Lego models together in set roles (engineer, supplier, builder) to practise joint attention, turn-taking and communication.",
        "Weekly sessions for three children with a trained adult facilitator, following LeGoff's model",
        "group",
        &["social_communication_and_interaction", "speech_and_language"],
        "LeGoff (2004); Owens et al. (2008); Narzisi et al. (2021) systematic review",
        12,
    ),
    (
        "Attention Autism",
        "A four-stage programme ('bucket time') that builds shared attention and communication through highly motivating visual activities.",
        "Daily short sessions led by trained school staff, modelled and supervised by the team",
        "setting",
        &["social_communication_and_interaction", "speech_and_language"],
        "Developed by Gina Davies; practice-based evidence from speech and language therapy services",
        20,
    ),
    (
        "Precision teaching",
        "Short daily timed practice of a small set of items (spellings, number facts, words) with progress charted to build fluency.",
        "Five to ten minutes a day one-to-one with a trained adult; the team sets up the probe sheets and reviews the charts",
        "individual",
        &["learning_and_cognition"],
        "Lindsley (1992); EEF guidance on special educational needs in mainstream schools",
        30,
    ),
    (
        "Social stories",
        "Short personalised stories that describe a situation, what people may think and feel, and what the child might do, to prepare for change or a difficult moment.",
        "Written with the child and family following Carol Gray's criteria, read regularly at home and school",
        "individual",
        &["social_communication_and_interaction", "social_emotional_mental_health"],
        "Gray (2015); Kokina and Kern (2010) meta-analysis",
        6,
    ),
    (
        "Emotional literacy support",
        "Weekly one-to-one sessions building the child's vocabulary for feelings and strategies to manage them.",
        "ELSA model, delivered by a trained practitioner with termly supervision",
        "individual",
        &["social_emotional_mental_health"],
        "ELSA network evaluations; EEF guidance on social and emotional learning",
        8,
    ),
];

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
                    id_scheme: "urn".into(),
                    kind: "school".into(),
                },
            )
            .await?;
            report.schools += 1;
        }
        report.zones += 1;
    }
    for (name, description, approach, mode, areas, evidence, sessions) in INTERVENTIONS {
        let now = sct_persistence::now();
        delivery::create_intervention(
            conn,
            &InterventionRow {
                id: uuid::Uuid::now_v7(),
                name: name.into(),
                description: description.into(),
                approach: approach.into(),
                mode: mode.into(),
                areas: areas.iter().map(|a| (*a).to_owned()).collect(),
                evidence_base: evidence.into(),
                typical_sessions: Some(sessions),
                active: true,
                created_at: now,
                updated_at: now,
                version: 1,
            },
        )
        .await?;
        report.interventions += 1;
    }
    Ok(Some(report))
}
