//! Golden event digests: the demo's policies, every library scenario at each point of its grid,
//! every preset on the KTH SP2 log, the synthetic example under the queue orders, and the FGD
//! study's placements on an openb fill. The digest hashes the ordered stream of everything the
//! engine applied, so any change of behaviour — a job starting one microsecond earlier, a
//! different node, another victim — changes it.
//!
//! The values were recorded from the program before the scheduling core and the engine were
//! restructured; a refactoring must keep every one of them. A change of behaviour that is meant
//! (a bug fixed) updates the value here in the same commit, with the reason in its message.

use std::path::Path;

use scenarios::run::run;
use scenarios::{Override, load_file};

/// Runs `scenario` (a path relative to the `scenarios` crate, or `library:NAME`) with
/// `overrides` and returns its event digest.
fn digest(scenario: &str, overrides: &[&str]) -> String {
    let overrides: Vec<Override> = overrides.iter().map(|o| o.parse().unwrap()).collect();
    let loaded = load_file(Path::new(scenario), &overrides).unwrap_or_else(|e| panic!("{scenario}: {e}"));
    run(&loaded)
        .unwrap_or_else(|e| panic!("{scenario} {overrides:?}: {e}"))
        .record
        .event_digest
}

/// Checks every case and reports all mismatches at once (a behaviour change usually moves many).
fn check(cases: &[(&str, &[&str], &str)]) {
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|&(scenario, overrides, expected)| {
            let got = digest(scenario, overrides);
            (got != expected).then(|| format!("{scenario} {overrides:?}: expected {expected}, got {got}"))
        })
        .collect();
    assert!(wrong.is_empty(), "event digests moved:\n{}", wrong.join("\n"));
}

#[test]
fn the_demo_policies_keep_their_digests() {
    check(&[
        ("examples/demo.toml", &["policy.name=first-fit"], "45a56fb62b33a9a2"),
        ("examples/demo.toml", &["policy.name=best-fit"], "d56a5e511cf43725"),
        ("examples/demo.toml", &["policy.name=worst-fit"], "c37102fb909ed76f"),
    ]);
}

#[test]
fn every_library_scenario_keeps_its_digests() {
    check(&[
        ("library:cascading-failure", &[], "3db5aad3f1a802aa"),
        (
            "library:cascading-failure",
            &["faults.breaker.failures=2"],
            "7dba9d0e7cc1ec09",
        ),
        (
            "library:cascading-failure",
            &["faults.cascade.memory_limits=true"],
            "f8273c780f9fcf54",
        ),
        (
            "library:cascading-failure",
            &["faults.breaker.failures=2", "faults.cascade.memory_limits=true"],
            "f8273c780f9fcf54",
        ),
        ("library:cascading-failure", &["seed=7"], "73ca9268cdac4f2e"),
        ("library:preemption-paradox", &[], "a422482673189dff"),
        (
            "library:preemption-paradox",
            &["policy.preemption=none"],
            "4ca1d1f68a9d7b9c",
        ),
        (
            "library:preemption-paradox",
            &["policy.preemption=lowest-priority"],
            "a422482673189dff",
        ),
        (
            "library:preemption-paradox",
            &["policy.preemption=newest"],
            "a422482673189dff",
        ),
        (
            "library:preemption-paradox",
            &["policy.preemption=min-lost-work"],
            "945f07cdd9dd07f7",
        ),
        ("library:thermal-throttle", &[], "8d2b609ce3549729"),
        (
            "library:thermal-throttle",
            &["cluster.nodes_per_rack=12"],
            "5ae5cef4a1098203",
        ),
        ("library:tor-failure", &[], "5da158d0e82b031c"),
        ("library:tor-failure", &["seed=7"], "72056e9c45bae998"),
        ("library:pdu-trip", &[], "1969b1be316b5306"),
        ("library:pdu-trip", &["seed=7"], "a7473ca153e3710f"),
        ("library:spot-reclaim", &[], "50f5f7084748a7cf"),
        ("library:spot-reclaim", &["seed=7"], "ce510396a79fd6da"),
        // Recorded when the scenario was added (issue 17); fraction is also checked to equal
        // the file without [sharing] (tests/sharing.rs).
        (
            "library:gpu-sharing",
            &["sharing.mode=\"fraction\""],
            "c5421dfd54ae6a89",
        ),
        ("library:gpu-sharing", &["sharing.slice=\"10ms\""], "246ef06502498cbb"),
        ("library:gpu-sharing", &[], "30962c1e699899bd"),
        ("library:gpu-sharing", &["sharing.slice=\"200ms\""], "8b800870b4a2cb30"),
        ("library:gpu-sharing", &["sharing.mode=\"mps\""], "0252b92a3121cc95"),
        ("library:gpu-sharing", &["seed=7"], "b7cb3f93640bc60a"),
        // Recorded when the scenario was added (issue 16: hot spares, lemon exclusion, a
        // per-node rate spread); three points of its grid.
        ("library:spares-and-lemons", &[], "8a8db8ab9d7e0c43"),
        (
            "library:spares-and-lemons",
            &["training.hot_spares=2", "faults.lemons.failures=2"],
            "b762b86cf11331e2",
        ),
        (
            "library:spares-and-lemons",
            &["training.hot_spares=4", "faults.lemons.failures=3"],
            "005051f8905d6196",
        ),
        // Recorded when the scenario was added (issue 16, validation 3): two points of its
        // grid, the 16k-GPU job at 10 min (the file as written) and the 1k-GPU one at 30 min.
        ("library:ettr-vs-size", &[], "c351b5e37673c238"),
        (
            "library:ettr-vs-size",
            &[
                "workload.trace=\"library:gpus-1k.csv\"",
                "training.checkpoint_interval=\"30m\"",
            ],
            "254d458a276301cd",
        ),
    ]);
}

#[test]
fn every_preset_keeps_its_digest_on_the_kth_sp2_log() {
    let presets: &[(&str, &str)] = &[
        ("first-fit", "14b05ccbb12b695a"),
        ("best-fit", "3ea963b611651b68"),
        ("worst-fit", "144314ab14b3fdf1"),
        ("packed", "eb9cfd164d95e02c"),
        ("spread", "803401e1a240d052"),
        ("random", "9ae874dd90613df9"),
        ("fgd", "f1b9890eeaa69999"),
        ("dot-product", "a7f1f606439db035"),
        ("gpu-packing", "ad78c1b255c57059"),
        ("gpu-clustering", "a7f1f606439db035"),
        ("paper-best-fit", "a7f1f606439db035"),
        ("paper-random", "9ae874dd90613df9"),
        ("gang", "eb9cfd164d95e02c"),
        ("priority", "3ea963b611651b68"),
        ("sjf", "b13c58c509e36297"),
        ("drf", "a0f4d6a27eaeaa10"),
        ("lottery", "673d0bfdf7ec436c"),
        ("fair-share", "3ea963b611651b68"),
        ("priority-preempt", "3ea963b611651b68"),
    ];
    let sets: Vec<String> = presets.iter().map(|(p, _)| format!("policy.name={p}")).collect();
    let cases: Vec<(&str, [&str; 1], &str)> = presets
        .iter()
        .zip(&sets)
        .map(|(&(_, expected), set)| ("examples/kth-sp2.toml", [set.as_str()], expected))
        .collect();
    let cases: Vec<(&str, &[&str], &str)> = cases.iter().map(|(s, o, e)| (*s, &o[..], *e)).collect();
    check(&cases);
}

#[test]
fn the_synthetic_example_keeps_its_digests_under_every_queue_order() {
    check(&[
        ("examples/synthetic.toml", &[], "7699bb395ab937ba"),
        ("examples/synthetic.toml", &["policy.name=priority"], "7699bb395ab937ba"),
        ("examples/synthetic.toml", &["policy.name=sjf"], "7699bb395ab937ba"),
        ("examples/synthetic.toml", &["policy.name=drf"], "7699bb395ab937ba"),
        ("examples/synthetic.toml", &["policy.name=lottery"], "7699bb395ab937ba"),
        (
            "examples/synthetic.toml",
            &["policy.name=fair-share"],
            "7699bb395ab937ba",
        ),
        (
            "examples/synthetic.toml",
            &["policy.name=priority-preempt"],
            "7699bb395ab937ba",
        ),
        ("examples/synthetic.toml", &["policy.name=gang"], "efd80b05f2090abe"),
        (
            "examples/synthetic.toml",
            &[
                "policy.name=gang",
                "policy.time_slice=\"1h\"",
                "policy.switch_overhead=\"30s\"",
            ],
            "efd80b05f2090abe",
        ),
        ("examples/synthetic.toml", &["policy.name=packed"], "efd80b05f2090abe"),
        ("examples/synthetic.toml", &["policy.name=spread"], "40bf787ebeba6573"),
    ]);
}

#[test]
fn the_fgd_placements_keep_their_digests_on_an_openb_fill() {
    check(&[
        ("examples/openb-fill.toml", &["policy.name=fgd"], "90cc5256b8a71489"),
        (
            "examples/openb-fill.toml",
            &["policy.name=best-fit"],
            "0bf9568f8ed67edc",
        ),
        (
            "examples/openb-fill.toml",
            &["policy.name=dot-product"],
            "35136fb96bf49214",
        ),
        (
            "examples/openb-fill.toml",
            &["policy.name=gpu-packing"],
            "347c4a8420575ce3",
        ),
        (
            "examples/openb-fill.toml",
            &["policy.name=gpu-clustering"],
            "57024964fbd249e1",
        ),
        (
            "examples/openb-fill.toml",
            &["policy.name=paper-best-fit"],
            "478e76edf770b29b",
        ),
        (
            "examples/openb-fill.toml",
            &["policy.name=paper-random"],
            "ed1adccf37065773",
        ),
    ]);
}

/// Explaining every round (`run --explain`) changes nothing the engine applies: the same
/// digests as above with the why-log on, for FIFO, EASY and conservative backfilling,
/// preemption, a random placement and a cascading failure.
#[test]
fn explaining_changes_no_digest() {
    /// Counts the rows and drops them.
    struct Count(std::sync::Arc<std::sync::atomic::AtomicU64>);
    impl policies::explain::ExplainSink for Count {
        fn round(&mut self, _: &sim_core::view::ClusterView<'_>, rows: &[policies::explain::Considered]) {
            self.0
                .fetch_add(rows.len() as u64, std::sync::atomic::Ordering::Relaxed);
        }
    }
    let cases: &[(&str, &[&str])] = &[
        ("examples/demo.toml", &["policy.name=best-fit"]),
        ("examples/kth-sp2.toml", &["policy.name=random"]),
        ("examples/kth-sp2.toml", &["policy.name=priority-preempt"]),
        ("examples/kth-sp2.toml", &["policy.name=lottery"]),
        (
            "examples/kth-sp2.toml",
            &["policy.name=best-fit", "policy.backfill=easy"],
        ),
        (
            "examples/kth-sp2.toml",
            &["policy.name=best-fit", "policy.backfill=conservative"],
        ),
        ("library:cascading-failure", &[]),
    ];
    for &(scenario, overrides) in cases {
        let parsed: Vec<Override> = overrides.iter().map(|o| o.parse().unwrap()).collect();
        let loaded = load_file(Path::new(scenario), &parsed).unwrap();
        let rows = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let sink = Box::new(Count(rows.clone()));
        let explained =
            scenarios::run::run_explaining(&loaded, Vec::new(), &mut Vec::new(), None, false, Some(sink)).unwrap();
        assert_eq!(
            explained.record.event_digest,
            digest(scenario, overrides),
            "{scenario} {overrides:?}"
        );
        assert!(
            rows.load(std::sync::atomic::Ordering::Relaxed) > 0,
            "{scenario}: nothing explained"
        );
    }
}
