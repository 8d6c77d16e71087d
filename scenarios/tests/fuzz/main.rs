//! A seeded, in-process mutation fuzzer over every trace reader, node reader and the scenario
//! loader (docs/limits.md, "Fuzzing"): each case mutates a shipped sample (byte flips,
//! truncation, field swaps, numeric extremes, duplicated, repeated and reordered rows, control
//! bytes), reads it through the same entry point the program uses, and checks that nothing
//! panics, nothing takes long, and what is accepted is sound.
//!
//! `cargo test` runs a small fixed budget. A longer run is one command:
//!
//! ```text
//! FUZZ_CASES=1000000 FUZZ_SEED=7 cargo test --release -p scenarios --test fuzz -- --ignored --nocapture
//! ```
//!
//! A failing case is printed (target, seed, case number, the input escaped) and written to
//! `target/fuzz-failures/`; copy it into `tests/fuzz/corpus/<target>/` to keep it as a
//! regression case: every file there is replayed before the random cases.

mod mutate;
mod targets;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use targets::{Target, targets};

/// Cases of the budget `cargo test` runs (a few seconds in the debug profile).
const SMALL_BUDGET: u64 = 1500;
/// Cases of the long run when `FUZZ_CASES` is not set.
const LONG_BUDGET: u64 = 200_000;
/// A case slower than this is reported as a hang.
const SLOW_CASE: Duration = Duration::from_secs(2);

/// A case that broke a property.
struct Failure {
    target: String,
    case: String,
    input: Vec<u8>,
    what: String,
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Runs one case, catching a panic or a slow case as a failure.
fn run_case(target: &Target, case: String, input: Vec<u8>, failures: &mut Vec<Failure>) {
    let started = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| target.run(&input)));
    let what = match outcome {
        Err(panic) => Some(
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic".into()),
        ),
        Ok(()) if started.elapsed() > SLOW_CASE => Some(format!("took {:?}", started.elapsed())),
        Ok(()) => None,
    };
    if let Some(what) = what {
        failures.push(Failure {
            target: target.name.clone(),
            case,
            input,
            what,
        });
    }
}

/// The saved regression cases of `target`.
fn corpus(target: &Target) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz/corpus")
        .join(target.name.replace(':', "_"));
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect()
}

/// Replays the corpus, then `cases` random cases from `seed`, round-robin over the targets;
/// fails with every broken case listed.
fn fuzz(cases: u64, seed: u64) {
    let all = targets();
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    let started = Instant::now();
    let mut replayed = 0;
    for target in &all {
        for (path, input) in corpus(target) {
            run_case(target, path.display().to_string(), input, &mut failures);
            replayed += 1;
        }
        run_case(
            target,
            "the unmutated sample".into(),
            target.seed_input.clone(),
            &mut failures,
        );
    }
    let mut streams: Vec<_> = all
        .iter()
        .map(|t| sim_core::rng::stream(seed, &format!("fuzz:{}", t.name)))
        .collect();
    for case in 0..cases {
        let i = (case % all.len() as u64) as usize;
        let input = mutate::mutate(&all[i].seed_input, &mut streams[i]);
        run_case(&all[i], format!("seed {seed}, case {case}"), input, &mut failures);
    }
    std::panic::set_hook(previous_hook);
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!(
        "fuzz: {replayed} corpus cases, then {cases} cases over {} targets in {elapsed:.2} s ({:.0} cases/s), {} failures",
        all.len(),
        cases as f64 / elapsed.max(1e-9),
        failures.len()
    );
    if failures.is_empty() {
        return;
    }
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fuzz-failures");
    let _ = std::fs::create_dir_all(&out);
    let report: Vec<String> = failures
        .iter()
        .enumerate()
        .map(|(n, f)| {
            let file = out.join(format!("{}-{n}.bin", f.target.replace(':', "_")));
            let _ = std::fs::write(&file, &f.input);
            let shown: String = String::from_utf8_lossy(&f.input).chars().take(2000).collect();
            format!(
                "{} ({}): {}\n  saved as {}\n  input: {}",
                f.target,
                f.case,
                f.what,
                file.display(),
                traces::escape::escaped(&shown)
            )
        })
        .collect();
    panic!("{} fuzz cases failed:\n{}", failures.len(), report.join("\n"));
}

#[test]
fn fuzz_small_budget() {
    fuzz(env_u64("FUZZ_SMALL_CASES", SMALL_BUDGET), 13);
}

#[test]
#[ignore = "the long budget: FUZZ_CASES=N FUZZ_SEED=S cargo test --release -p scenarios --test fuzz -- --ignored"]
fn fuzz_long() {
    fuzz(env_u64("FUZZ_CASES", LONG_BUDGET), env_u64("FUZZ_SEED", 1));
}
