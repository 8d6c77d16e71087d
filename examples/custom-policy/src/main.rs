//! Runs a scenario that may name this crate's parts and writes the usual output files (with
//! this crate's metric after the built-in ones): `cargo run -p custom-policy -- SCENARIO OUT`
//! (default: this crate's `scenario.toml`, into `out`).

use std::path::PathBuf;

fn main() -> Result<(), scenarios::ScenarioError> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let scenario = args
        .next()
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenario.toml"));
    let out = args.next().unwrap_or_else(|| PathBuf::from("out"));
    let loaded = scenarios::load_file_with(&scenario, &[], &custom_policy::registry())?;
    let run = scenarios::run::run(&loaded)?;
    scenarios::output::write_outputs(&out, &loaded, &run, None)?;
    let own: Vec<String> = run
        .record
        .extra_metrics
        .iter()
        .map(|(name, value)| format!("{name} {value:?}"))
        .collect();
    println!(
        "{}: policy {}, {} jobs completed, mean JCT {:?} s, {}; files in {}",
        loaded.origin,
        run.policy,
        run.record.summary.jobs_completed,
        run.record.summary.avg_jct_s,
        own.join(", "),
        out.display()
    );
    Ok(())
}
