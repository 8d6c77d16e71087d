//! The Llama 3 scenario (`library:llama3-54d`: one 16,128-GPU job for 54 days under Meta's
//! failure table, about 480 restarts of a 2,016-task gang) as a sweep of its seeds: 10 runs on
//! 1 and 2 threads. Criterion reports runs/s (one element = one run); 1,000 seeds take
//! 1,000 ÷ (runs/s on 2 threads) seconds (docs/performance.md).

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use scenarios::library;
use scenarios::schema::SweepSection;
use scenarios::sweep::expand::{Source, plan};

/// Seeds per measured sweep: enough to keep both threads busy, few enough for criterion's
/// ten samples to take under a minute.
const RUNS: u64 = 10;

fn llama3(c: &mut Criterion) {
    let entry = library::scenario("llama3-54d").expect("llama3-54d is in the library");
    let source = Source {
        text: entry.text,
        origin: "library:llama3-54d",
        base_dir: None,
    };
    let sweep = SweepSection {
        seeds: RUNS,
        ..SweepSection::default()
    };
    let plan = plan(&source, &[], Some(sweep)).expect("the library scenario is valid");
    assert_eq!(plan.runs(), RUNS);
    let dir = tempfile::tempdir().expect("a temporary folder");
    common::sweep_on_one_and_two_threads(c, "llama3_54d_seeds", &plan, &dir.path().join("out"), RUNS);
}

criterion_group! {
    name = benches;
    // No HTML plots (as in the sweep benchmark: plotters cannot find a font in this build).
    config = Criterion::default().without_plots();
    targets = llama3
}
criterion_main!(benches);
