//! The SWF reader on the shipped PWA logs (checked against awk) and on bad input.

use sim_core::job::JobSpec;
use sim_core::time::SimTime;
use traces::swf::{SwfHeader, read_header};
use traces::{JobSource, SwfProcessor, SwfReader, TraceError};

const KTH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/swf-kth-sp2-1996/KTH-SP2-1996-2.1-cln.swf"
);
const LUBLIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/swf-lublin-256/lublin_256.swf");

fn read_file(path: &str) -> (Vec<JobSpec>, traces::SkipReport) {
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let mut reader = SwfReader::new(path, file, SwfProcessor::Gpu);
    let jobs: Vec<JobSpec> = reader.by_ref().collect::<Result<_, _>>().unwrap();
    (jobs, reader.skipped().clone())
}

fn read_text(text: &str) -> Result<Vec<JobSpec>, TraceError> {
    SwfReader::new("t.swf", text.as_bytes(), SwfProcessor::Gpu).collect()
}

/// Whole KTH log. Independent check (size = field 5, else 8; kept when run time > 0 and size > 0;
/// requested = field 9 when > 0, else the run time):
/// `awk '!/^;/ && NF { s = ($5 != -1 ? $5 : $8); if ($4 > 0 && s > 0 && $2 != -1) { n++;
///  g += s*$4; r += ($9 > 0 ? $9 : $4); u[$12]=1 } else skip++ } END { printf "%d %d %.3f %.0f %d\n",
///  n, skip, g/3600, r, length(u) }'` → `28467 9 560164.311 388974180 214`.
#[test]
fn kth_matches_awk() {
    let (jobs, skipped) = read_file(KTH);
    assert_eq!(jobs.len(), 28_467);
    let reasons: Vec<(&str, u64)> = skipped.reasons().collect();
    assert_eq!(
        reasons,
        vec![
            ("processors unknown (-1 in fields 5 and 8)", 1),
            ("run time 0 or less (cannot run)", 8)
        ],
        "SOURCE.md: job 27313 has -1 processors, 8 jobs run 0 s"
    );
    let gpu_hours: f64 = jobs.iter().map(|j| j.gpus() * j.duration.as_secs_f64()).sum::<f64>() / 3600.0;
    assert!((gpu_hours - 560_164.311).abs() < 0.001, "{gpu_hours}");
    let requested: u64 = jobs.iter().map(|j| j.requested.as_micros() / 1_000_000).sum();
    assert_eq!(requested, 388_974_180);
    let mut users: Vec<&str> = jobs.iter().map(|j| j.user.as_str()).collect();
    users.sort_unstable();
    users.dedup();
    assert_eq!(users.len(), 214);
}

/// Chosen KTH rows (`awk '!/^;/ && NF {c++} c==1 || c==1000 || c==28476'`):
/// `15 599850 192180 3477 4 … 4 53940 … 12 12 …`, `1014 1397694 1380 18087 1 … 1 21600 … 13 13 …`,
/// `28490 29363618 720 8 1 … 1 30000 … 98 198 …`.
#[test]
fn kth_chosen_rows() {
    let (jobs, _) = read_file(KTH);
    let find = |id: &str| jobs.iter().find(|j| j.id == id).unwrap();
    let first = find("15");
    assert_eq!(
        (first.submit, first.duration, first.tasks, first.requested),
        (
            SimTime::from_secs(599_850),
            SimTime::from_secs(3477),
            4,
            SimTime::from_secs(53_940)
        )
    );
    assert_eq!(
        (first.task.gpus, first.task.milli_per_gpu),
        (1, 1000),
        "one GPU per processor"
    );
    assert_eq!((first.user.as_str(), first.queue.as_str()), ("12", "default"));
    let middle = find("1014");
    assert_eq!(
        (middle.submit, middle.duration, middle.tasks),
        (SimTime::from_secs(1_397_694), SimTime::from_secs(18_087), 1)
    );
    let last = jobs.last().unwrap();
    assert_eq!(
        (last.id.as_str(), last.submit, last.duration, last.user.as_str()),
        ("28490", SimTime::from_secs(29_363_618), SimTime::from_secs(8), "98")
    );
    assert!(
        jobs.iter().all(|j| j.id != "27313"),
        "the job with -1 processors is skipped"
    );
}

/// Whole Lublin file: `awk '!/^;/ && NF { n++; g += $5*$4; r += $4 } END { printf "%d %.3f %.0f\n",
/// n, g/3600, r }'` → `10000 581328.102 48627667` (field 9 is -1 everywhere, so requested =
/// run time); row 5000 is `5000 3947329 -1 7800 2 … 0 …` (queue 0).
#[test]
fn lublin_matches_awk() {
    let (jobs, skipped) = read_file(LUBLIN);
    assert_eq!((jobs.len(), skipped.total()), (10_000, 0));
    let gpu_hours: f64 = jobs.iter().map(|j| j.gpus() * j.duration.as_secs_f64()).sum::<f64>() / 3600.0;
    assert!((gpu_hours - 581_328.102).abs() < 0.001, "{gpu_hours}");
    assert!(jobs.iter().all(|j| j.requested == j.duration));
    let row = &jobs[4999];
    assert_eq!(
        (
            row.id.as_str(),
            row.submit,
            row.duration,
            row.tasks,
            row.queue.as_str(),
            row.user.as_str()
        ),
        (
            "5000",
            SimTime::from_secs(3_947_329),
            SimTime::from_secs(7800),
            2,
            "0",
            "default"
        )
    );
}

#[test]
fn headers_give_the_machine_size() {
    let header = |path: &str| read_header(path, std::io::BufReader::new(std::fs::File::open(path).unwrap())).unwrap();
    assert_eq!(
        header(KTH),
        SwfHeader {
            max_procs: Some(100),
            max_nodes: Some(100)
        }
    );
    assert_eq!(
        header(LUBLIN).processors(),
        Some(256),
        "MaxNodes stands in for MaxProcs"
    );
}

const GOOD: &str = "1 0 -1 10 2 -1 -1 2 20 -1 1 3 -1 -1 -1 -1 -1 -1";

#[test]
fn bad_lines_name_file_line_and_field() {
    let cases = [
        (
            "1 0 -1 10 2 -1 -1 2 20 -1 1 3 -1 -1 -1 -1 -1",
            "t.swf:2: expected 18 whitespace-separated fields (SWF), found 17",
        ),
        (
            "1 0 -1 10 2 -1 -1 2 20 -1 1 3 -1 -1 -1 -1 -1 -1 7",
            "t.swf:2: expected 18 whitespace-separated fields (SWF), found 19",
        ),
        (
            "1 0 -1 ten 2 -1 -1 2 20 -1 1 3 -1 -1 -1 -1 -1 -1",
            "t.swf:2: column `run time (field 4)`: expected a number, got `ten`",
        ),
        (
            "1 0 -1 10 2.5 -1 -1 2 20 -1 1 3 -1 -1 -1 -1 -1 -1",
            "t.swf:2: column `allocated processors (field 5)`: expected a whole number, got `2.5`",
        ),
        (
            "1 -7 -1 10 2 -1 -1 2 20 -1 1 3 -1 -1 -1 -1 -1 -1",
            "t.swf:2: column `submit time (field 2)`: must be ≥ 0 or -1 (unknown), got `-7`",
        ),
    ];
    for (line, expected) in cases {
        let text = format!("; MaxProcs: 4\n{line}\n");
        assert_eq!(read_text(&text).unwrap_err().to_string(), expected, "{line}");
    }
    let unsorted = format!(
        "{}\n{}\n",
        GOOD.replacen("1 0", "1 50", 1),
        GOOD.replacen("1 0", "2 40", 1)
    );
    assert_eq!(
        read_text(&unsorted).unwrap_err().to_string(),
        "t.swf:2: column `submit time (field 2)`: 40 is earlier than the previous job's 50: jobs must be sorted by submit time"
    );
}

#[test]
fn negative_run_times_are_counted_skips() {
    let text = format!("{}\n{GOOD}\n", "9 0 -1 -5 2 -1 -1 2 20 -1 1 3 -1 -1 -1 -1 -1 -1");
    let mut reader = SwfReader::new("t.swf", text.as_bytes(), SwfProcessor::Gpu);
    assert_eq!(reader.by_ref().filter_map(Result::ok).count(), 1);
    assert_eq!(reader.skipped().to_string(), "1 × run time 0 or less (cannot run)");
}

#[test]
fn crlf_blank_lines_and_a_missing_final_newline_read_the_same() {
    let lf = read_text(&format!("; MaxProcs: 4\n{GOOD}\n")).unwrap();
    let crlf = read_text(&format!("; MaxProcs: 4\r\n\r\n{GOOD}")).unwrap();
    assert_eq!(lf, crlf);
    assert_eq!(lf[0].requested, SimTime::from_secs(20));
    let err = read_text("; x\r\n\r\n1 0 -1 10 2 -1 -1 2 20 -1 1 3 -1 -1 -1 -1 -1\r\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.swf:3: expected 18 whitespace-separated fields (SWF), found 17",
        "line numbers count CRLF and blank lines"
    );
}

#[test]
fn empty_and_header_only_files_are_errors() {
    assert_eq!(read_text("").unwrap_err().to_string(), "t.swf: empty file");
    assert_eq!(
        read_text("; Version: 2.2\n; MaxProcs: 8\n").unwrap_err().to_string(),
        "t.swf: no jobs to run (0 job lines skipped)"
    );
    assert_eq!(
        read_text("1 0 -1 0 2 -1 -1 2 20 -1 1 3 -1 -1 -1 -1 -1 -1\n")
            .unwrap_err()
            .to_string(),
        "t.swf: no jobs to run (1 job lines skipped)"
    );
}
