//! The sweep progress bar (indicatif) and Ctrl-C.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use scenarios::sweep::Progress;

/// Exit code of a run stopped by Ctrl-C (128 + SIGINT).
pub const INTERRUPTED: i32 = 130;

/// Set by the first Ctrl-C: start no further run. A second Ctrl-C exits at once (the journal
/// stays readable: a torn last line is dropped on resume).
pub fn stop_flag() -> &'static AtomicBool {
    static STOP: AtomicBool = AtomicBool::new(false);
    let installed = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(INTERRUPTED);
        }
        eprintln!("\ninterrupted: finishing the runs in progress (Ctrl-C again to quit at once)");
    });
    if let Err(e) = installed {
        eprintln!("warning: Ctrl-C will not stop the sweep cleanly: {e}");
    }
    &STOP
}

/// A progress bar on stderr: runs done, failed, rate, ETA. Hidden when stderr is not a
/// terminal or when `quiet`.
pub struct Bar {
    bar: ProgressBar,
    failed: AtomicU64,
}

impl Bar {
    /// A bar, drawn only where someone can see it.
    pub fn new(quiet: bool) -> Bar {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        if !quiet && std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {pos}/{len} runs, {msg} failed, {per_sec}, ETA {eta}",
            )
            .expect("the progress template is valid")
            .progress_chars("=> "),
        );
        bar.set_message("0");
        Bar {
            bar,
            failed: AtomicU64::new(0),
        }
    }

    /// Removes the bar from the terminal.
    pub fn clear(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn start(&self, todo: u64, _recorded: u64) {
        self.bar.set_length(todo);
        self.bar.reset_eta();
    }

    fn finished(&self, ok: bool) {
        if !ok {
            let failed = self.failed.fetch_add(1, Ordering::SeqCst) + 1;
            self.bar.set_message(failed.to_string());
        }
        self.bar.inc(1);
    }
}
