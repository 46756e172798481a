//! The end-to-end tests: one test binary, one module per feature. Each test
//! boots the real `sct` application on port 0 against a database of its own
//! (see the support crate, `tests/support`).
//!
//! One binary links `sct-api` once instead of once per file. Isolation is
//! unchanged: nextest (`make test`) runs every test in a process of its own,
//! which the tests that need it rely on (`trust` installs the process's
//! logger; `faults` stops and starts a PostgreSQL cluster of its own).
//!
//! One module: `cargo nextest run --test e2e referrals::` (with the
//! `DATABASE_URL` that `make test` uses: `scripts/db.sh url`).

mod access_matrix;
mod appointments;
mod audit;
mod auth;
mod capacity;
mod caseload;
mod catalogue;
mod children;
mod community;
mod conditional;
mod consents;
mod consultations;
mod corrections;
mod data_protection;
mod dates;
mod delivery;
mod delta_sync;
mod early_years;
mod eligibility_policies;
mod escalation_reports;
mod families;
mod family_flow;
mod family_plans;
mod family_reviews;
mod faults;
mod feedback;
mod follow_ups;
mod hub_connections;
mod identity;
mod indexes;
mod integration_clients;
mod lifecycle;
mod localities;
mod metrics;
mod my_tasks;
mod oruk;
mod oruk_conformance;
mod panics;
mod personal_data;
mod practice_reports;
mod practitioner_scope;
mod read_subjects;
mod referrals;
mod report_plans;
mod reports;
mod school_activity;
mod school_reports;
mod school_support;
mod schools_import;
mod smoke;
mod staff_webhooks;
mod supervision;
mod termly;
mod trust;
mod waiting_list;
mod webhooks;
mod writes;
