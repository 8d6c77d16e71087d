//! The report of a comparison folder: every chart exists in both formats and decodes, every
//! SVG names every policy, the page references every chart.

use std::path::Path;

use reports::compare::POLICY_KEY;
use reports::report::{comparison_charts, render};
use reports::sweep_manifest::SweepManifest;
use reports::sweep_table::{RunStatus, SweepRow, SweepTable, write_sweep_csv};
use sim_core::metrics::METRIC_NAMES;

const POLICIES: [&str; 3] = ["first-fit", "best-fit", "worst-fit"];

/// A comparison folder: 3 policies × 3 seeds, and each policy's first-seed run files.
fn comparison_folder(dir: &Path) {
    let mut rows = Vec::new();
    for (p, policy) in POLICIES.iter().enumerate() {
        for seed in 0..3u64 {
            let values: Vec<Option<f64>> = (0..METRIC_NAMES.len())
                .map(|m| Some((m + 1) as f64 * (1.0 + p as f64) + seed as f64))
                .collect();
            rows.push(SweepRow {
                run: p as u64 * 3 + seed,
                seed,
                params: vec![policy.to_string()],
                status: RunStatus::Ok(values),
            });
        }
        let folder = dir.join(policy);
        std::fs::create_dir_all(&folder).unwrap();
        let mut samples =
            String::from("t_s,gpu_alloc,gpu_util,frag,queue_len,running,power_kw,max_temp_c,down_nodes\n");
        for t in 0..50 {
            let alloc = (t as f64 / 50.0) / (1.0 + p as f64);
            samples.push_str(&format!("{},{alloc},{alloc},0.5,{},1,,,0\n", t * 600, t % 7));
        }
        std::fs::write(folder.join("timeseries.csv"), samples).unwrap();
        let mut jobs = String::from(
            "job_id,submit_s,start_s,end_s,state,wait_s,jct_s,restarts,preemptions,lost_gpu_s,ettr,goodput,checkpoint_s,lost_work_s,detection_s,rescheduling_s,warmup_s,nodes\n",
        );
        for j in 0..40 {
            let wait = j * (p + 1);
            jobs.push_str(&format!(
                "j{j},0,{wait},{},completed,{wait},{},0,0,0,1,1,0,0,0,0,0,n0\n",
                wait + 100,
                wait + 100
            ));
        }
        std::fs::write(folder.join("jobs.csv"), jobs).unwrap();
    }
    let table = SweepTable {
        params: vec![POLICY_KEY.into()],
        extra_metrics: Vec::new(),
        rows,
    };
    write_sweep_csv(&dir.join("sweep.csv"), &table).unwrap();
    SweepManifest {
        name: "unit".into(),
        scenario_digest: "0".repeat(16),
        runs: 9,
        seeds: 3,
        first_seed: 0,
        grid: [(POLICY_KEY.to_string(), POLICIES.map(String::from).to_vec())].into(),
        shard: None,
        metrics: Vec::new(),
        key_metrics: Vec::new(),
    }
    .write(&dir.join("sweep.json"))
    .unwrap();
}

#[test]
fn charts_decode_name_every_policy_and_are_all_on_the_page() {
    let dir = tempfile::tempdir().unwrap();
    comparison_folder(dir.path());
    let rendered = render(dir.path()).unwrap();
    let names: Vec<&str> = rendered.charts.iter().map(|c| c.name.as_str()).collect();
    for expected in [
        "alloc_over_time",
        "util_over_time",
        "queue_over_time",
        "jct_cdf",
        "wait_cdf",
        "avg_jct_s_by_policy",
        "gpu_alloc_ratio_by_policy",
    ] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    // A comparison written over this one removes every chart it drew.
    let known = comparison_charts(METRIC_NAMES);
    for name in &names {
        assert!(known.iter().any(|k| k == name), "{name} is not in comparison_charts");
    }
    // Every run's fragmentation is 0.5 at every sample: a note on the page, not an empty panel.
    let note = "Fragmentation over time (seed 0): 0.5 throughout (first-fit = best-fit = worst-fit); no chart drawn.";
    assert!(!names.contains(&"frag_over_time"));
    assert_eq!(rendered.notes, [note]);
    let page = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(page.contains(&format!("<li>{note}</li>")));
    for chart in &rendered.charts {
        let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&chart.png).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut pixels).unwrap();
        assert_eq!((frame.width, frame.height), (960, 560), "{}", chart.name);
        // Not a blank image: some pixels are neither white nor black (the coloured lines).
        assert!(
            pixels.chunks(3).any(|p| p[0] != p[1] || p[1] != p[2]),
            "{} has no colour",
            chart.name
        );
        let svg = std::fs::read_to_string(&chart.svg).unwrap();
        assert!(svg.starts_with("<svg"), "{}", chart.name);
        // Every policy is in the legend, alone or in a merged entry of identical series (the
        // queue lengths of the fixture are the same for every policy).
        for policy in POLICIES {
            assert!(svg.contains(policy), "{} lacks {policy}", chart.name);
        }
        if chart.name == "queue_over_time" {
            assert!(svg.contains("first-fit = best-fit = worst-fit"));
        }
        assert!(
            page.contains(&format!("<figure id=\"{}\">", chart.name)),
            "{}",
            chart.name
        );
        assert!(page.contains(&format!("href=\"{}.png\"", chart.name)), "{}", chart.name);
    }
    // Self-contained: the SVGs are inline, nothing is loaded from elsewhere.
    assert_eq!(page.matches("<svg").count(), rendered.charts.len());
    assert!(!page.contains("<script") && !page.contains("src=\"http"));
    // The comparison table marks a best value (first-fit has the lowest values, so for
    // lower-is-better metrics it is best).
    assert!(page.contains("<td class=\"best\">"));
    assert!(dir.path().join("comparison.csv").exists());
}

#[test]
fn rendering_twice_gives_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    comparison_folder(dir.path());
    let first = render(dir.path()).unwrap();
    let bytes: Vec<Vec<u8>> = first.charts.iter().map(|c| std::fs::read(&c.png).unwrap()).collect();
    let page = std::fs::read(&first.page).unwrap();
    let second = render(dir.path()).unwrap();
    let again: Vec<Vec<u8>> = second.charts.iter().map(|c| std::fs::read(&c.png).unwrap()).collect();
    assert_eq!(bytes, again);
    assert_eq!(page, std::fs::read(&second.page).unwrap());
}

#[test]
fn a_run_page_says_time_in_one_unit_everywhere() {
    // A 50-hour run with failures and rack samples: the time series, the incident chart, the
    // heatmaps and the CDFs all measure time in hours (a 50 h span is below three days), where
    // the page used to mix "s", "h" and "hours".
    let dir = tempfile::tempdir().unwrap();
    let at = dir.path();
    let mut samples = String::from("t_s,gpu_alloc,gpu_util,frag,queue_len,running,power_kw,max_temp_c,down_nodes\n");
    let mut racks = String::from("t_s,rack,power_kw,inlet_c,max_temp_c,uplink_util\n");
    for hour in 0..=50 {
        let t = hour * 3600;
        let load = f64::from(hour % 5) / 5.0;
        samples.push_str(&format!(
            "{t}.0,{load},{load},0.5,{},{},3.0,60.0,{}\n",
            hour % 3,
            hour % 4,
            hour % 2
        ));
        for rack in ["r0", "r1"] {
            racks.push_str(&format!("{t}.0,{rack},{},24.0,{},\n", 2.0 + load, 50.0 + 10.0 * load));
        }
    }
    std::fs::write(at.join("timeseries.csv"), samples).unwrap();
    std::fs::write(at.join("racks.csv"), racks).unwrap();
    std::fs::write(
        at.join("incidents.csv"),
        "id,time_s,component,unit,kind,cause,parent,nodes_down,jobs_killed,jobs_requeued,jobs_failed,end_s\n",
    )
    .unwrap();
    let mut jobs = String::from(
        "job_id,submit_s,start_s,end_s,state,wait_s,jct_s,restarts,preemptions,lost_gpu_s,ettr,goodput,checkpoint_s,lost_work_s,detection_s,rescheduling_s,warmup_s,nodes\n",
    );
    for j in 1..40 {
        jobs.push_str(&format!(
            "j{j},0.0,{j}.0,{}.0,completed,{j}.0,{}.0,0,0,0.0,1.0,1.0,0.0,0.0,0.0,0.0,0.0,n0\n",
            j * 900,
            j * 900
        ));
    }
    std::fs::write(at.join("jobs.csv"), jobs).unwrap();
    std::fs::write(
        at.join("summary.json"),
        r#"{"jobs_completed": 39, "scenario": {"name": "unit"}, "policy": "first-fit", "seed": 1, "event_digest": "0"}"#,
    )
    .unwrap();
    let waits = [
        ("behind-head".to_string(), 5400.0, 75.0),
        ("too-few-free".to_string(), 1800.0, 25.0),
    ];
    let drawn = reports::run_report::render_run_folder(at, Some(&waits)).unwrap();
    let (charts, _) = reports::report::split(drawn);
    // Every chart drawn is on the page, the incidents chart included, under a paragraph that
    // says what happened: 39 jobs completed (summary.json), no incident (incidents.csv holds
    // only its header), 7200 job-s = 2 job-hours of waiting split 75 / 25 %.
    let page = std::fs::read_to_string(at.join("report.html")).unwrap();
    for chart in &charts {
        assert!(
            page.contains(&format!("<figure id=\"{}\">", chart.name)),
            "{}",
            chart.name
        );
    }
    assert!(
        page.contains(
            "<p>What happened: 0 jobs arrived and 39 completed. Jobs waited 2 job-hours in all \
             (decisions.csv): 75 % behind-head, 25 % too-few-free.</p>"
        ),
        "{page}"
    );
    let names: Vec<&str> = charts.iter().map(|c| c.name.as_str()).collect();
    for name in &names {
        assert!(
            reports::run_report::RUN_CHARTS.contains(name),
            "{name} is missing from RUN_CHARTS, so a later run would leave it behind"
        );
    }
    for expected in [
        "incidents",
        "alloc_over_time",
        "jct_cdf",
        "power_heatmap",
        "temperature_heatmap",
    ] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    for chart in &charts {
        let svg = std::fs::read_to_string(&chart.svg).unwrap();
        let time_labels: Vec<&str> = ["seconds", "minutes", "days", "time (h)", ", s ("]
            .into_iter()
            .filter(|unit| svg.contains(unit))
            .collect();
        assert!(time_labels.is_empty(), "{}: {time_labels:?}", chart.name);
        assert!(svg.contains("hours"), "{} names no unit", chart.name);
    }
}
