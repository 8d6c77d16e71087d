//! The Philly reader on the shipped file, checked against independent awk computations.

use sim_core::time::SimTime;
use traces::{JobSource, PhillyReader};

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/philly-rfold/philly_trace.csv");

/// Counts and totals of the whole file.
///
/// Independent check (the file's rows with duration > 0; GPU-hours = Σ size × duration / 3600;
/// multi-server = shapes with a `+`):
/// `tr -d '\r' < philly_trace.csv | awk -F, 'NR>1 && $6>0 {n++; g+=$5*$6; if ($4 ~ /\+/) m++}
///  END {printf "%d %.3f %d\n", n, g/3600, m}'` → `111539 3622168.774 3696`.
#[test]
fn the_whole_trace_matches_awk() {
    let mut reader = PhillyReader::new(FILE, std::fs::File::open(FILE).unwrap());
    let jobs: Vec<_> = reader.by_ref().collect::<Result<_, _>>().unwrap();
    assert_eq!(jobs.len(), 111_539);
    assert_eq!(reader.skipped().total(), 10, "ten rows have duration 0 (SOURCE.md)");
    let gpu_hours: f64 = jobs.iter().map(|j| j.gpus() * j.duration.as_secs_f64()).sum::<f64>() / 3600.0;
    assert!((gpu_hours - 3_622_168.774).abs() < 0.001, "{gpu_hours}");
    assert_eq!(jobs.iter().filter(|j| j.tasks > 1).count(), 3_696);
}

/// Chosen rows: `awk -F, 'NR==1001 || NR==111550'` gives `999,3513146.0,CLOS,1,1,224.0` and
/// `111548,11176511.0,CLOS,1,1,64.0`; the first data row is `0,0.0,CLOS,1,1,3613033.0`.
#[test]
fn chosen_rows_match() {
    let jobs: Vec<_> = PhillyReader::new(FILE, std::fs::File::open(FILE).unwrap())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let by_id = |id: &str| jobs.iter().find(|j| j.id == id).unwrap();
    assert_eq!(
        (by_id("0").submit, by_id("0").duration),
        (SimTime::ZERO, SimTime::from_secs(3_613_033))
    );
    assert_eq!(
        (by_id("999").submit, by_id("999").duration),
        (SimTime::from_secs(3_513_146), SimTime::from_secs(224))
    );
    let last = jobs.last().unwrap();
    assert_eq!(
        (last.id.as_str(), last.submit, last.duration),
        ("111548", SimTime::from_secs(11_176_511), SimTime::from_secs(64))
    );
}
