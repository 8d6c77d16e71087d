//! Progress on the terminal (indicatif): the sweep bar, the spinner of a long run; and Ctrl-C.
//! Nothing is drawn with `--quiet` or when standard error is not a terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use scenarios::sweep::Progress;
use sim_core::observe::Observer;
use sim_core::view::ClusterView;

/// A run shows its spinner once it has taken this long: short runs stay silent.
const RUN_SPINNER_AFTER: Duration = Duration::from_millis(500);

/// Instants between looks at the clock (a look costs far more than an instant's bookkeeping).
const INSTANTS_PER_LOOK: u32 = 4096;

/// Set by the first Ctrl-C: start no further run. A second Ctrl-C exits at once (the journal
/// stays readable: a torn last line is dropped on resume).
pub fn stop_flag() -> &'static AtomicBool {
    static STOP: AtomicBool = AtomicBool::new(false);
    let installed = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(crate::exit::INTERRUPTED);
        }
        eprintln!("\ninterrupted: finishing the runs in progress (Ctrl-C again to quit at once)");
    });
    if let Err(e) = installed {
        eprintln!("warning: Ctrl-C will not stop the sweep cleanly: {e}");
    }
    &STOP
}

/// A progress bar on stderr: runs done, failed, rate, ETA. Hidden when stderr is not a
/// terminal or when `quiet`, and until the sweep knows how many runs it has to do.
pub struct Bar {
    bar: ProgressBar,
    failed: AtomicU64,
    visible: bool,
}

impl Bar {
    /// A bar, drawn only where someone can see it.
    pub fn new(quiet: bool) -> Bar {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {pos}/{len} runs, {msg} failed, {rate}, ETA {eta}",
            )
            .expect("the progress template is valid")
            .with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&rate(state.per_sec()));
            })
            .progress_chars("=> "),
        );
        bar.set_message("0");
        Bar {
            bar,
            failed: AtomicU64::new(0),
            visible: !quiet && std::io::stderr().is_terminal(),
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
        if self.visible {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn finished(&self, ok: bool) {
        if !ok {
            let failed = self.failed.fetch_add(1, Ordering::SeqCst) + 1;
            self.bar.set_message(failed.to_string());
        }
        self.bar.inc(1);
    }
}

/// Runs per second as the bar shows it, rounded to what can be read at a glance: whole runs
/// per second from 10 on (`83 runs/s`), one decimal below (`8.3 runs/s`), per minute or per
/// hour for runs longer than a second or a minute (`4.5 runs/min`).
fn rate(per_sec: f64) -> String {
    match per_sec {
        r if !r.is_finite() || r <= 0.0 => "0 runs/s".into(),
        r if r >= 10.0 => format!("{r:.0} runs/s"),
        r if r >= 1.0 => format!("{r:.1} runs/s"),
        r if r * 60.0 >= 1.0 => format!("{:.1} runs/min", r * 60.0),
        r => format!("{:.1} runs/h", r * 3600.0),
    }
}

/// The spinner of one run: simulated time reached and the jobs running and waiting, shown on a
/// terminal once the run has taken [`RUN_SPINNER_AFTER`]. It watches the run as an observer and
/// changes nothing in it.
pub struct RunSpinner {
    bar: ProgressBar,
    visible: bool,
    started: Instant,
    instants: u32,
}

impl RunSpinner {
    /// A spinner that may appear, unless `quiet` or standard error is not a terminal.
    pub fn new(quiet: bool) -> RunSpinner {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed} {msg}").expect("the spinner template is valid"),
        );
        RunSpinner {
            bar,
            visible: !quiet && std::io::stderr().is_terminal(),
            started: Instant::now(),
            instants: 0,
        }
    }

    /// Removes the spinner from the terminal.
    pub fn clear(&self) {
        self.bar.finish_and_clear();
    }
}

/// What the spinner says at `view`.
pub fn run_message(view: &ClusterView<'_>) -> String {
    let days = view.now.as_secs_f64() / 86_400.0;
    format!(
        "simulated {days:.2} days: {} jobs arrived, {} running, {} waiting",
        view.jobs.len(),
        view.running.len(),
        view.pending.len()
    )
}

impl Observer for RunSpinner {
    fn on_instant_end(&mut self, view: &ClusterView<'_>) {
        self.instants += 1;
        if !self.visible || self.instants < INSTANTS_PER_LOOK {
            return;
        }
        self.instants = 0;
        if self.started.elapsed() < RUN_SPINNER_AFTER {
            return;
        }
        if self.bar.is_hidden() {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
        self.bar.set_message(run_message(view));
    }
}

#[cfg(test)]
mod tests {
    use super::rate;

    #[test]
    fn rates_are_rounded_to_what_reads_at_a_glance() {
        // 83.1945/s whole; 8.31945/s to a tenth; 0.075/s is 4.5 a minute; 0.001/s is 3.6 an hour.
        assert_eq!(rate(83.1945), "83 runs/s");
        assert_eq!(rate(8.31945), "8.3 runs/s");
        assert_eq!(rate(0.075), "4.5 runs/min");
        assert_eq!(rate(0.001), "3.6 runs/h");
        // Before the first run finishes there is no rate.
        assert_eq!(rate(0.0), "0 runs/s");
        assert_eq!(rate(f64::NAN), "0 runs/s");
    }
}
