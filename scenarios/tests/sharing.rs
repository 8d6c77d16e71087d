//! `[sharing]` in scenario files: the library's gpu-sharing runs, `fraction` moves nothing, and
//! bad values are refused naming the file, line and key.

use std::path::Path;

use scenarios::run::run;
use scenarios::{Override, load_file, load_str};

fn overrides(settings: &[&str]) -> Vec<Override> {
    settings.iter().map(|s| s.parse().unwrap()).collect()
}

fn library(settings: &[&str]) -> scenarios::run::ScenarioRun {
    let loaded = load_file(Path::new("library:gpu-sharing"), &overrides(settings)).unwrap();
    run(&loaded).unwrap()
}

/// The library scenario's text without its `[sharing]` table (and sweep).
fn without_sharing() -> String {
    let text = scenarios::library::scenario("gpu-sharing").unwrap().text;
    text[..text.find("[sharing]").unwrap()].to_string()
}

#[test]
fn fraction_mode_is_the_run_without_the_section() {
    let plain = load_str(&without_sharing(), "g.toml", None, &[]).unwrap();
    let plain = run(&plain).unwrap();
    let fraction = library(&["sharing.mode=\"fraction\""]);
    assert_eq!(fraction.record.event_digest, plain.record.event_digest);
    assert_eq!(fraction.record.summary.switch_lost_gpu_hours, None);
}

#[test]
fn time_slicing_costs_more_with_shorter_slices_and_mps_switches_never() {
    let ten = library(&["sharing.slice=\"10ms\""]).record.summary;
    let hundred = library(&[]).record.summary;
    let fraction = library(&["sharing.mode=\"fraction\""]).record.summary;
    let mps = library(&["sharing.mode=\"mps\""]).record.summary;
    // 10 ms slices lose 21 % of a shared GPU's time, 100 ms slices 2.1 %: the GPU-hours lost to
    // switches are of that order apart (the runs differ, so not exactly 10 ×).
    let (lost10, lost100) = (
        ten.switch_lost_gpu_hours.unwrap(),
        hundred.switch_lost_gpu_hours.unwrap(),
    );
    assert!(lost100 > 0.0 && lost10 > 5.0 * lost100, "{lost10} vs {lost100}");
    assert_eq!(mps.switch_lost_gpu_hours, Some(0.0));
    // Sharing never speeds a pod up: every mode's mean JCT is at least fraction's.
    let jct = |s: &sim_core::metrics::Summary| s.avg_jct_s.unwrap();
    for other in [&ten, &hundred, &mps] {
        assert!(jct(other) >= jct(&fraction), "{} < {}", jct(other), jct(&fraction));
    }
    assert!(jct(&ten) > jct(&hundred));
}

#[test]
fn bad_sharing_values_name_the_line_and_key() {
    let text = |sharing: &str| format!("{}[sharing]\n{sharing}\n", without_sharing());
    let err = |sharing: &str| load_str(&text(sharing), "g.toml", None, &[]).unwrap_err().to_string();
    let lines = without_sharing().lines().count();
    // A 3g.40gb may start at 0 or 4 only (docs/gpu-sharing.md).
    let mig = err("mode = \"mig\"\nmig_layouts = { \"A100-80GB\" = [\"3g.40gb@2\"] }");
    assert!(
        mig.contains(&format!("g.toml:{}", lines + 3)) && mig.contains("sharing.mig_layouts.A100-80GB"),
        "{mig}"
    );
    assert!(mig.contains("cannot start at slice 2"), "{mig}");
    let switch = err("slice = \"2ms\"\nswitch = \"2.1ms\"");
    assert!(
        switch.contains("sharing.switch") && switch.contains("shorter than the time slice"),
        "{switch}"
    );
    // A slice of zero, or shorter than the default 2.1 ms switch, is the slice's fault.
    for slice in ["0s", "1ms"] {
        let short = err(&format!("mode = \"time-slice\"\nslice = \"{slice}\""));
        assert!(
            short.contains(&format!("g.toml:{}: sharing.slice: \"{slice}\"", lines + 3)),
            "{short}"
        );
    }
    let slow = err("mode = \"mig\"\nmig_reconfig = \"100000d\"");
    assert!(
        slow.contains(&format!("g.toml:{}: sharing.mig_reconfig", lines + 3)) && slow.contains("at most \"1d\""),
        "{slow}"
    );
    let alpha = err("mode = \"mps\"\nmps_interference = -1");
    assert!(alpha.contains("sharing.mps_interference"), "{alpha}");
    let unknown = err("mode = \"timeslice\"");
    assert!(
        unknown.contains("timeslice") && unknown.contains("time-slice"),
        "{unknown}"
    );
}

#[test]
fn a_node_can_be_shared_its_own_way() {
    let loaded = load_file(Path::new("library:gpu-sharing"), &[]).unwrap();
    let first = scenarios::build::build_cluster(&loaded).unwrap().nodes()[0]
        .name
        .clone();
    // Only the first of the 4 nodes time-sliced at 10 ms: it loses GPU time to switches, less
    // than all four do.
    let one = library(&[
        "sharing.mode=\"fraction\"",
        "sharing.slice=\"10ms\"",
        &format!("sharing.nodes.{first}=\"time-slice\""),
    ]);
    let all = library(&["sharing.slice=\"10ms\""]);
    let (one, all) = (
        one.record.summary.switch_lost_gpu_hours.unwrap(),
        all.record.summary.switch_lost_gpu_hours.unwrap(),
    );
    assert!(one > 0.0 && one < all, "{one} vs {all}");
    // A node the cluster does not have is bad input naming the key.
    let loaded = load_file(
        Path::new("library:gpu-sharing"),
        &overrides(&["sharing.nodes.nope=\"mps\""]),
    )
    .unwrap();
    let err = run(&loaded).err().unwrap().to_string();
    assert!(
        err.contains("sharing.nodes.nope") && err.contains("no node `nope`"),
        "{err}"
    );
    // So is a GPU model it does not have, by mode or by interference (a typo was ignored).
    for set in [
        "sharing.gpu_types.A100-80G=\"mig\"",
        "sharing.mps_interference_by_gpu.A100-80G=0.2",
    ] {
        let loaded = load_file(Path::new("library:gpu-sharing"), &overrides(&[set])).unwrap();
        let err = run(&loaded).err().unwrap().to_string();
        assert!(err.contains("the cluster has no GPU model `A100-80G`"), "{err}");
    }
}
