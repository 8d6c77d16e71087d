//! `clustersim`: the command-line interface.
//!
//! Exit codes: 0 success (also when a reader closes standard output early); 1 a `check` that
//! failed; 2 bad input (a file, flag or value, named in the message; an input over the budget
//! of `[limits]`); 3 a run that failed for another reason (a policy made an invalid decision),
//! or some runs of a sweep failed; 4 an I/O failure that is not the input's fault (disk full,
//! no permission, read-only folder), nothing partial left; 130 a sweep interrupted by Ctrl-C.

#[macro_use]
mod stdout;
mod check;
mod cli;
mod compare;
mod demo;
mod progress;
mod report;
mod run;
mod sweep;
mod table;
mod trace;

use clap::Parser;

use cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(&args).map(|()| 0),
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
        Command::Trace(args) => trace::trace(&args).map(|()| 0),
    };
    match result {
        Ok(0) => {}
        Ok(code) => std::process::exit(code),
        Err(error) => {
            // Text from the input may be echoed: no raw control characters reach the terminal.
            let message = error.to_string();
            let shown: Vec<String> = message.split('\n').map(traces::escape::escaped).collect();
            eprintln!("error: {}", shown.join("\n"));
            std::process::exit(error.exit_code());
        }
    }
}
