//! Exit codes, and the one place an error becomes a message and a code.
//!
//! 0 success (also when a reader closes standard output early); 1 a `check` that failed; 2 bad
//! input (a file, flag or value, named in the message; an input over the budget of `[limits]`);
//! 3 a run that failed for another reason (a policy made an invalid decision), or some runs of a
//! sweep (or of the shards a merge joined) failed; 4 an I/O failure that is not the input's fault (disk full, no permission,
//! read-only folder), nothing partial left; 130 a sweep interrupted by Ctrl-C.

use scenarios::ScenarioError;
use scenarios::error::Failure;

/// A `check` that found a regression.
pub const REGRESSED: i32 = 1;
/// Bad input.
pub const INPUT: i32 = 2;
/// A run that failed (a policy's invalid decision), or a sweep or merge with failed runs.
pub const RUN_FAILED: i32 = 3;
/// An I/O failure that is not the input's fault.
pub const IO: i32 = 4;
/// A run stopped by Ctrl-C (128 + SIGINT).
pub const INTERRUPTED: i32 = 130;

/// The exit code of who must act on an error.
fn code(failure: Failure) -> i32 {
    match failure {
        Failure::Input => INPUT,
        Failure::Machine => IO,
        Failure::Run => RUN_FAILED,
    }
}

/// Prints `error` on standard error and ends the process with its exit code.
pub fn fail(error: &ScenarioError) -> ! {
    // Text from the input may be echoed: no raw control characters reach the terminal.
    let message = error.to_string();
    let shown: Vec<String> = message.split('\n').map(traces::escape::escaped).collect();
    eprintln!("error: {}", shown.join("\n"));
    std::process::exit(code(error.failure()));
}
