//! The incident library: listed, embedded (runs from any folder), and telling the stories its
//! files promise.

use std::path::Path;
use std::process::Command;

use scenarios::library::LIBRARY;
use scenarios::run::run;
use scenarios::{Override, load_file};
use sim_core::SimTime;

fn cascade(overrides: &[&str]) -> scenarios::run::ScenarioRun {
    let overrides: Vec<Override> = overrides.iter().map(|o| o.parse().unwrap()).collect();
    let loaded = load_file(Path::new("library:cascading-failure"), &overrides).unwrap();
    run(&loaded).unwrap()
}

/// Nodes that went down within 10 minutes of the first failure (at 1 h).
fn down_within_10_min(run: &scenarios::run::ScenarioRun) -> u32 {
    let until = SimTime::from_secs(3600 + 600);
    run.record
        .incidents
        .iter()
        .filter(|i| i.at <= until)
        .map(|i| i.nodes_down)
        .sum()
}

#[test]
fn one_failure_takes_more_than_50_nodes_down_within_10_minutes() {
    let run = cascade(&[]);
    assert_eq!(run.record.incidents[0].cause.name(), "scripted");
    assert!(run.record.incidents[1..].iter().all(|i| i.kind == "overload"));
    let down = down_within_10_min(&run);
    assert!(down > 50, "{down} nodes down");
}

#[test]
fn the_breaker_or_memory_limits_keep_the_damage_under_5_nodes() {
    for mitigation in ["faults.breaker.failures=2", "faults.cascade.memory_limits=true"] {
        let run = cascade(&[mitigation]);
        let peak = run.record.summary.max_nodes_down.unwrap();
        assert!(peak < 5, "{mitigation}: {peak} nodes down");
        assert!(down_within_10_min(&run) < 5, "{mitigation}");
    }
}

#[test]
fn every_library_scenario_loads_and_the_list_names_them_all() {
    for entry in LIBRARY {
        let loaded = load_file(Path::new(&format!("library:{}", entry.name)), &[]).unwrap();
        assert_eq!(loaded.scenario.name, entry.name);
        assert!(entry.text.starts_with("# "), "{} has no story", entry.name);
        assert!(
            !loaded.scenario.output.key_metrics.is_empty(),
            "{} names no key metrics",
            entry.name
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .arg("scenarios")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let listing = String::from_utf8(output.stdout).unwrap();
    for entry in LIBRARY {
        assert!(listing.contains(entry.name), "{listing}");
    }
}

#[test]
fn a_library_run_works_from_any_folder_and_writes_its_incident_story() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args(["run", "library:tor-failure", "--out", "out"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("tor-failure      r1"), "{stdout}");
    let csv = std::fs::read_to_string(dir.path().join("out/incidents.csv")).unwrap();
    assert!(csv.starts_with("id,time_s,component,unit,kind,cause,parent,nodes_down,jobs_killed"));
    assert!(csv.contains("\n0,7200.0,tor,r1,tor-failure,scripted,,0,"), "{csv}");
    for chart in ["incidents.png", "incidents.svg"] {
        assert!(dir.path().join("out").join(chart).exists(), "{chart}");
    }
    // The scenario's key metrics (interruptions, lost_gpu_hours, …) lead the printed table.
    let table: Vec<&str> = stdout.lines().skip(3).take(2).collect();
    assert!(table[0].starts_with("interruptions "), "{stdout}");
    assert!(table[1].starts_with("lost_gpu_hours "), "{stdout}");
}

#[test]
fn a_streamed_run_has_the_summary_of_the_same_run_kept_in_memory() {
    // `clustersim run` streams jobs.csv, so jobs reach the totals as they end; a run kept in
    // memory hands them over in arrival order. The summary must not depend on that order.
    // pdu-trip: jobs end out of submit order (the first to end was not the first submitted),
    // some work is lost, and slowdowns are summed over 400 jobs.
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args(["run", "library:pdu-trip", "--no-report", "--quiet", "--out", "out"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let summary_json = std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap();
    let streamed: serde_json::Value = serde_json::from_str(&summary_json).unwrap();
    let loaded = load_file(Path::new("library:pdu-trip"), &[]).unwrap();
    // Both sides read back from JSON text (serde_json's parser may be an ulp off the written
    // digits; the same digits read the same).
    let kept = serde_json::to_string(&run(&loaded).unwrap().record.summary).unwrap();
    let kept: serde_json::Value = serde_json::from_str(&kept).unwrap();
    for (key, value) in kept.as_object().unwrap() {
        assert_eq!(
            &streamed[key], value,
            "{key}: streamed run against the run kept in memory"
        );
    }
    // The makespan runs from the first submission (the smallest submit time in jobs.csv) to
    // the end of the run (summary.json's end_s), whichever job ended first.
    let mut jobs = csv::Reader::from_path(dir.path().join("out/jobs.csv")).unwrap();
    let submits: Vec<f64> = jobs
        .deserialize::<std::collections::HashMap<String, String>>()
        .map(|row| row.unwrap()["submit_s"].parse().unwrap())
        .collect();
    let first_submit = submits.iter().copied().fold(f64::INFINITY, f64::min);
    assert!(
        submits[0] > first_submit,
        "the first row (first job to end) was not submitted first"
    );
    let end_s = streamed["end_s"].as_f64().unwrap();
    assert_eq!(streamed["makespan_s"].as_f64().unwrap(), end_s - first_submit);
}

#[test]
fn a_run_streams_racks_csv_as_the_run_record_would_write_it_and_none_without_physics() {
    // `clustersim run` writes racks.csv as samples are taken; the same scenario run in memory
    // keeps its rack samples, and the file written from them at once must be the same bytes.
    // A scenario without physical models (cascading-failure) makes no racks.csv at all.
    let dir = tempfile::tempdir().unwrap();
    for name in ["pdu-trip", "cascading-failure"] {
        let output = Command::new(env!("CARGO_BIN_EXE_clustersim"))
            .args([
                "run",
                &format!("library:{name}"),
                "--no-report",
                "--quiet",
                "--out",
                name,
            ])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let loaded = load_file(Path::new("library:pdu-trip"), &[]).unwrap();
    let record = run(&loaded).unwrap().record;
    assert!(record.racks.len() > 100, "pdu-trip samples its racks");
    let mut at_once = Vec::new();
    reports::run_files::write_racks(&mut at_once, &record.racks, &record.rack_names).unwrap();
    let streamed = std::fs::read(dir.path().join("pdu-trip/racks.csv")).unwrap();
    assert!(streamed == at_once, "streamed racks.csv differs from the record's");
    assert!(!dir.path().join("cascading-failure/racks.csv").exists());
    assert!(dir.path().join("cascading-failure/timeseries.csv").exists());
}

#[test]
fn an_unknown_library_name_is_bad_input() {
    let output = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args(["run", "library:cascading"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown library scenario `cascading`"));
}
