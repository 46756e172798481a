//! Criterion benchmarks of the rules on the submission and allocation
//! paths: the eligibility decision (target: at least 5 million a second on
//! one core), the automatic allocation choice, and UPN parsing with its
//! check letter. `make bench` runs them; `cargo bench -p sct-domain` alone
//! works too.

use criterion::{criterion_group, criterion_main, Criterion};
use sct_domain::{
    choose_worker, AllocationChoice, ComplicatingFactor, EligibilityInput, ExistingPlan, IndesArea,
    IndesEntry, IndesProfile, Policy, SenProvision, Upn, WorkerId, WorkerLoad,
};
use std::hint::black_box;

fn eligibility(c: &mut Criterion) {
    let policy = Policy::default_v1();
    let profile = IndesProfile::parse(
        &[
            IndesEntry {
                area: IndesArea::SocialEmotionalMentalHealth,
                level: 4,
            },
            IndesEntry {
                area: IndesArea::SpeechAndLanguage,
                level: 2,
            },
        ],
        policy.scale,
    )
    .expect("valid profile");
    let factors = [
        ComplicatingFactor::Attendance,
        ComplicatingFactor::RiskOfExclusion,
    ];
    let plans = [ExistingPlan::SenSupportPlan];
    c.bench_function("eligibility_decide", |b| {
        b.iter(|| {
            policy.decide(black_box(&EligibilityInput {
                profile: &profile,
                sen_provision: Some(SenProvision::SenSupport),
                existing_plans: &plans,
                factors: &factors,
            }))
        });
    });
    c.bench_function("eligibility_priority", |b| {
        b.iter(|| policy.priority(black_box(&profile), black_box(&factors)));
    });
}

fn allocation(c: &mut Criterion) {
    // A team of ten practitioners with different caseloads and caps.
    let team: Vec<WorkerLoad> = (0..10u32)
        .map(|i| WorkerLoad {
            worker: WorkerId(uuid::Uuid::from_u128(u128::from(i) + 1)),
            caseload: 5 + (i * 7) % 11,
            cap: 12 + 2 * (i % 4),
            active: i != 3,
        })
        .collect();
    c.bench_function("allocation_choose_auto", |b| {
        b.iter(|| choose_worker(AllocationChoice::Auto, black_box(&team), None));
    });
}

fn upn(c: &mut Criterion) {
    c.bench_function("upn_parse", |b| {
        b.iter(|| Upn::parse(black_box("B801200005001")));
    });
}

criterion_group!(benches, eligibility, allocation, upn);
criterion_main!(benches);
