//! Running many independent runs on a rayon pool: parallel only across runs, each run on one
//! thread. A run that returns an error or panics becomes a failed result; the others go on.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;

use crate::error::ScenarioError;

/// How to run.
pub struct RunnerOptions<'a> {
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Set (e.g. by Ctrl-C) to start no further run; runs in progress finish.
    pub stop: &'a AtomicBool,
    /// Start at most this many runs, then stop as if interrupted.
    pub max_runs: Option<u64>,
}

/// Why one run failed: the error it returned, or its panic.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RunFailure<W> {
    /// The run returned an error.
    #[error("{0}")]
    Failed(W),
    /// The run panicked; the panic's message.
    #[error("panicked: {0}")]
    Panicked(String),
}

/// Runs `work` for every index in `todo` and hands each result to `done` as it completes (in
/// completion order, one call at a time). Returns the first error `done` returned, after which
/// no further run starts.
pub fn run_parallel<T, W, E>(
    todo: &[u64],
    options: &RunnerOptions<'_>,
    work: impl Fn(u64) -> Result<T, W> + Sync,
    done: impl FnMut(u64, Result<T, RunFailure<W>>) -> Result<(), E> + Send,
) -> Result<Result<(), E>, ScenarioError>
where
    T: Send,
    W: Send,
    E: Send,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.max(1))
        .build()
        .map_err(|e| ScenarioError::Input(format!("cannot start {} threads: {e}", options.threads)))?;
    let started = AtomicU64::new(0);
    let sink_failed = AtomicBool::new(false);
    let sink = Mutex::new((done, Ok(())));
    pool.install(|| {
        todo.par_iter().with_max_len(1).for_each(|&index| {
            if options.stop.load(Ordering::SeqCst) || sink_failed.load(Ordering::SeqCst) {
                return;
            }
            if options
                .max_runs
                .is_some_and(|max| started.fetch_add(1, Ordering::SeqCst) >= max)
            {
                return;
            }
            let result = match catch_unwind(AssertUnwindSafe(|| work(index))) {
                Ok(result) => result.map_err(RunFailure::Failed),
                Err(payload) => Err(RunFailure::Panicked(panic_message(payload.as_ref()))),
            };
            let mut guard = sink.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let (done, status) = &mut *guard;
            if status.is_ok()
                && let Err(e) = done(index, result)
            {
                *status = Err(e);
                sink_failed.store(true, Ordering::SeqCst);
            }
        });
    });
    let (_, status) = sink.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
    Ok(status)
}

/// The text of a panic payload (`panic!("…")` gives a `&str` or a `String`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(todo: &[u64], threads: usize, max_runs: Option<u64>) -> Vec<(u64, Result<u64, RunFailure<String>>)> {
        let stop = AtomicBool::new(false);
        let options = RunnerOptions {
            threads,
            stop: &stop,
            max_runs,
        };
        let mut seen = Vec::new();
        let work = |i: u64| {
            if i == 3 {
                panic!("run {i} exploded");
            }
            if i == 5 {
                Err("bad value".to_string())
            } else {
                Ok(i * i)
            }
        };
        run_parallel(todo, &options, work, |i, r| {
            seen.push((i, r));
            Ok::<(), ()>(())
        })
        .unwrap()
        .unwrap();
        seen.sort_by_key(|(i, _)| *i);
        seen
    }

    #[test]
    fn a_panicking_run_is_recorded_as_failed_and_the_others_complete() {
        let todo: Vec<u64> = (0..8).collect();
        for threads in [1, 2] {
            let seen = collect(&todo, threads, None);
            assert_eq!(seen.len(), 8);
            assert_eq!(seen[3].1, Err(RunFailure::Panicked("run 3 exploded".to_string())));
            assert_eq!(seen[3].1.as_ref().unwrap_err().to_string(), "panicked: run 3 exploded");
            assert_eq!(seen[5].1, Err(RunFailure::Failed("bad value".to_string())));
            assert_eq!(seen[7].1, Ok(49));
        }
    }

    #[test]
    fn max_runs_and_stop_start_no_further_runs() {
        let todo: Vec<u64> = (0..8).collect();
        assert_eq!(collect(&todo, 2, Some(3)).len(), 3);
        let stop = AtomicBool::new(true);
        let options = RunnerOptions {
            threads: 1,
            stop: &stop,
            max_runs: None,
        };
        let mut calls = 0;
        run_parallel(&todo, &options, Ok::<u64, String>, |_, _| {
            calls += 1;
            Ok::<(), ()>(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(calls, 0);
    }

    #[test]
    fn a_failing_sink_stops_the_runs_and_is_returned() {
        let stop = AtomicBool::new(false);
        let options = RunnerOptions {
            threads: 1,
            stop: &stop,
            max_runs: None,
        };
        let todo: Vec<u64> = (0..8).collect();
        let mut calls = 0;
        let status = run_parallel(&todo, &options, Ok::<u64, String>, |_, _| {
            calls += 1;
            Err("disk full")
        })
        .unwrap();
        assert_eq!((status, calls), (Err("disk full"), 1));
    }
}
