//! `clustersim`: the command-line interface.
//!
//! Exit codes: 0 success; 1 a `check` that failed; 2 bad input (a file, flag or value, named in
//! the message); 3 a run that failed for another reason (a policy made an invalid decision).

mod cli;
mod demo;
mod run;
mod table;
mod trace;

use clap::Parser;

use cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Validate(args) => run::validate(&args),
        Command::Demo(args) => demo::demo(&args),
        Command::Policies => {
            run::list_policies();
            Ok(())
        }
        Command::Trace(args) => trace::trace(&args),
    };
    if let Err(error) = result {
        eprintln!("error: {error}");
        std::process::exit(error.exit_code());
    }
}
