//! The bare event queue in the classic hold model: pop the earliest event, push one a random
//! increment later, at a constant number of pending events.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sim_core::event_queue::EventQueue;
use sim_core::time::SimTime;

/// Hold operations timed per iteration.
const OPS: u64 = 100_000;

fn hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("event_queue_hold");
    group.throughput(Throughput::Elements(OPS));
    for pending in [1_000usize, 10_000, 100_000, 1_000_000] {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let increments: Vec<u64> = (0..OPS).map(|_| rng.random_range(1..2 * pending as u64)).collect();
        let mut queue = EventQueue::with_capacity(pending + 1);
        for i in 0..pending {
            queue.push(SimTime(rng.random_range(0..pending as u64)), i as u32);
        }
        group.bench_with_input(BenchmarkId::from_parameter(pending), &pending, |b, _| {
            b.iter(|| {
                for &inc in &increments {
                    let (t, e) = queue.pop().expect("the queue never empties in the hold model");
                    queue.push(SimTime(t.0 + inc), black_box(e));
                }
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // No HTML plots: the figures are read from the terminal, and criterion's plotters backend
    // cannot find a font once `reports` turns on plotters' embedded-font (`ab_glyph`) mode.
    config = Criterion::default().without_plots();
    targets = hold
}
criterion_main!(benches);
