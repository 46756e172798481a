//! The `sct` binary: serve, migrate, seed, token, openapi.

use clap::{Parser, Subcommand};
use sct_api::app::{server, AppContext};
use sct_api::config::Settings;
use sct_api::http::auth::{JwtKeys, TokenSpec};
use sct_domain::Role;
use sct_domain::WireName;
use std::net::TcpListener;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "sct", version, about = "School & Community Teams platform")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API on SCT_BIND (default 127.0.0.1:8080).
    Serve,
    /// Apply pending database migrations and put the default policy in force.
    Migrate,
    /// Seed demonstration data into an empty database.
    Seed,
    /// Print a signed development token.
    Token {
        /// la_admin, team_manager, practitioner, school or integration.
        #[arg(long)]
        role: String,
        /// A school URN (or another setting's identifier: `EY123456`,
        /// `LA-CM0042`) the token acts for (repeatable).
        #[arg(long = "school")]
        schools: Vec<String>,
        /// The team of a team_manager or practitioner.
        #[arg(long)]
        team: Option<uuid::Uuid>,
        /// The subject (for a practitioner or manager: the worker's
        /// subject); default `<role>-<random>`, a new one for every token.
        #[arg(long, alias = "subject")]
        sub: Option<String>,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Lifetime in seconds (at most 43200, 12 hours, without
        /// --allow-long-ttl).
        #[arg(long, default_value_t = 3600)]
        ttl: i64,
        /// Allow a lifetime over 12 hours.
        #[arg(long)]
        allow_long_ttl: bool,
    },
    /// Import the register of schools from a GIAS extract (CSV, UTF-8 or
    /// Windows-1252); prints the summary as JSON.
    ImportSchools {
        /// The extract.
        file: std::path::PathBuf,
        /// Keep only the schools of this LA code (e.g. 926).
        #[arg(long)]
        la: Option<String>,
        /// A `URN,zone_code` map that assigns schools to zones.
        #[arg(long)]
        zones: Option<std::path::PathBuf>,
    },
    /// Anonymise the children whose records are past retention
    /// (SCT_RETENTION_CLOSED_YEARS after their last referral ended): names,
    /// dates of birth (the school cohort stays), UPN and free text; counts
    /// for reports stay. Each child is one transaction with its audit rows.
    Retention {
        /// Count what has expired; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print the OpenAPI document.
    Openapi,
}

fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    sct_api::middleware::logging::init();
    let cli = Cli::parse();
    if let Command::Openapi = cli.command {
        print!("{}", sct_api::openapi::render());
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    // Whatever SCT_ENV says: development credentials only on loopback.
    if let Command::Serve = cli.command {
        if let Err(e) = settings.check_serve() {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        Command::Openapi => Ok(()),
        Command::Migrate => {
            let applied = sct_persistence::migrate(settings.database_url.expose()).await?;
            let db = sct_persistence::Db::connect(settings.database_url.expose(), 2)?;
            sct_persistence::policy::ensure_default(&mut *db.conn().await?).await?;
            println!(
                "migrations applied: {}",
                if applied.is_empty() {
                    "none pending".to_owned()
                } else {
                    applied.join(", ")
                }
            );
            Ok(())
        }
        Command::Retention { dry_run } => {
            let db = sct_persistence::Db::connect(settings.database_url.expose(), 2)?;
            let policy = sct_domain::RetentionPolicy {
                closed_years: settings.retention_closed_years,
            };
            let actor = sct_persistence::Actor {
                subject: "sct-retention".into(),
                role: "system".into(),
                request_id: Some(format!("retention-{}", uuid::Uuid::now_v7())),
                client_id: None,
            };
            let report = sct_persistence::data_protection::run_retention(
                &mut *db.conn().await?,
                policy,
                sct_persistence::now(),
                dry_run,
                &actor,
            )
            .await?;
            println!(
                "{}",
                serde_json::json!({
                    "dry_run": report.dry_run,
                    "retention_closed_years": policy.closed_years,
                    "cutoff": policy.cutoff(sct_persistence::now()),
                    "children": report.children,
                    "referrals": report.referrals,
                    "erasure_justifications": report.justifications,
                })
            );
            Ok(())
        }
        Command::Seed => {
            let db = sct_persistence::Db::connect(settings.database_url.expose(), 2)?;
            match sct_api::seed::seed(&mut *db.conn().await?).await? {
                Some(r) => println!(
                    "seeded {} zones with teams, {} workers, {} schools, {} interventions",
                    r.zones, r.workers, r.schools, r.interventions
                ),
                None => println!("the database already has data: nothing seeded"),
            }
            Ok(())
        }
        Command::ImportSchools { file, la, zones } => {
            use std::io::IsTerminal;
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let zones = match zones {
                Some(p) => Some(sct_api::features::organisation::gias::parse_zone_map(
                    &std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?,
                )?),
                None => None,
            };
            let bar = if std::io::stdout().is_terminal() {
                indicatif::ProgressBar::no_length()
            } else {
                indicatif::ProgressBar::hidden()
            };
            let db = sct_persistence::Db::connect(settings.database_url.expose(), 2)?;
            let summary = sct_api::features::organisation::gias::import(
                &mut *db.conn().await?,
                &bytes,
                &sct_api::features::organisation::gias::ImportOptions { la, zones },
                &|n| bar.inc(n),
            )
            .await?;
            bar.finish_and_clear();
            println!("{}", serde_json::to_string_pretty(&summary)?);
            Ok(())
        }
        Command::Token {
            role,
            schools,
            team,
            sub,
            name,
            ttl,
            allow_long_ttl,
        } => {
            let ttl = sct_api::config::dev_token_ttl(ttl, allow_long_ttl)?;
            let role = Role::parse(&role).ok_or(
                "unknown role: use la_admin, team_manager, practitioner, school or integration",
            )?;
            let keys = JwtKeys::load(&settings)?;
            let token = keys.issue(&TokenSpec {
                subject: sub.unwrap_or_else(|| sct_api::config::dev_token_subject(role.as_str())),
                role,
                name: name.unwrap_or_else(|| format!("Development {}", role.as_str())),
                schools,
                team_id: team,
                ttl_seconds: ttl,
                client_version: None,
            })?;
            println!("{token}");
            Ok(())
        }
        Command::Serve => {
            let keys = JwtKeys::load_with_jwks(&settings).await?;
            let timeouts = sct_persistence::Timeouts {
                statement: Duration::from_millis(settings.statement_timeout_ms),
                ..sct_persistence::Timeouts::default()
            };
            let db = sct_persistence::Db::connect_with(
                settings.database_url.expose(),
                settings.pool_size,
                &timeouts,
            )?;
            let read_db = settings
                .database_read_url
                .as_ref()
                .map(|url| {
                    sct_persistence::Db::connect_with(url.expose(), settings.pool_size, &timeouts)
                })
                .transpose()?;
            if read_db.is_some() {
                log::info!("reports and the audit list read from SCT_DATABASE_READ_URL");
            }
            let purge_db = db.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_hours(1));
                loop {
                    tick.tick().await;
                    if let Ok(mut c) = purge_db.conn().await {
                        match sct_persistence::idempotency::purge_expired(&mut c).await {
                            Ok(n) if n > 0 => log::info!("purged {n} expired idempotency keys"),
                            Ok(_) => {}
                            Err(e) => log::warn!("idempotency purge failed: {e}"),
                        }
                        // The waiting list's daily snapshot: each complete
                        // day once, a missed day from history.
                        let yesterday = sct_api::features::reports::waiting::yesterday();
                        match sct_persistence::waiting::fill(&mut c, yesterday).await {
                            Ok(n) if n > 0 => log::info!("took the waiting list of {n} day(s)"),
                            Ok(_) => {}
                            Err(e) => log::warn!("waiting list snapshot failed: {e}"),
                        }
                    }
                }
            });
            // The `.due` events: every process ticks, one sweeps per interval.
            sct_api::features::webhooks::sweep::spawn(db.clone(), settings.webhooks.due_sweep);
            // The webhook worker has a small pool of its own, so that a
            // burst of deliveries never starves requests of connections.
            sct_api::features::webhooks::worker::spawn(
                sct_persistence::Db::connect(settings.database_url.expose(), 2)?,
                settings.webhooks,
            );
            let listener = TcpListener::bind(&settings.bind)?;
            log::info!(
                "serving on http://{} (Swagger UI at /swagger-ui/)",
                listener.local_addr()?
            );
            let workers = settings.workers.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
            });
            server(
                AppContext {
                    db,
                    read_db,
                    keys,
                    cors_origins: settings.cors_origins.clone(),
                    waiting_days: settings.waiting_days,
                    integration: settings.integration,
                    retention_closed_years: settings.retention_closed_years,
                    webhooks: settings.webhooks,
                    limits: settings.limits,
                    public_url: settings.public_url.clone(),
                    follow_ups: settings.follow_ups.clone(),
                },
                listener,
                workers,
            )?
            .await?;
            Ok(())
        }
    }
}
