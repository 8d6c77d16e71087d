//! `clustersim`: the command-line interface. Its exit codes are listed in [`exit`].

#[macro_use]
mod stdout;
mod check;
mod cli;
mod compare;
mod demo;
mod exit;
mod progress;
mod report;
mod run;
mod sweep;
mod table;
mod trace;

use clap::Parser;

use cli::{Cli, Command};

/// mimalloc instead of the system allocator: a run allocates and frees small objects per job
/// (specs, allocations, rows), and this cuts 4-6 % of the instructions of an archive replay and
/// more of its time (docs/performance.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Validate(args) => run::validate(&args).map(|()| 0),
        Command::Demo(args) => demo::demo(&args).map(|()| 0),
        Command::Policies => {
            run::list_policies();
            Ok(0)
        }
        Command::CommFraction(args) => {
            run::comm_fraction(&args);
            Ok(0)
        }
        Command::Scenarios(args) => run::list_scenarios(&args).map(|()| 0),
        Command::Sweep(args) => sweep::sweep(&args),
        Command::Merge(args) => sweep::merge_command(&args),
        Command::Compare(args) => compare::compare(&args),
        Command::Report(args) => report::report(&args),
        Command::Check(args) => check::check_command(&args),
        Command::Why(args) => run::why(&args).map(|()| 0),
        Command::Trace(args) => trace::trace(&args).map(|()| 0),
    };
    match result {
        Ok(0) => {}
        Ok(code) => std::process::exit(code),
        Err(error) => exit::fail(&error),
    }
}
