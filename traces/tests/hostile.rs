//! Readers agree and are total: the trace reproducers of issue 13 (duplicate ids, pods out of
//! time order, wrapping CPU counts, bad SWF headers, absurd times, endless lines), each read
//! through `traces::open_reader` as a scenario or `trace stats` would.

use std::io::Read;

use traces::{Format, JobSource, ReadOptions, TraceError};

/// Reads every job of `text` as `format`; the first error, as its message.
fn read(name: &str, text: &str, format: Format) -> Result<usize, String> {
    read_bytes(name, text.as_bytes().to_vec(), format, &ReadOptions::default())
}

fn read_bytes(name: &str, bytes: Vec<u8>, format: Format, options: &ReadOptions) -> Result<usize, String> {
    let mut source: Box<dyn JobSource> =
        traces::open_reader(name, std::io::Cursor::new(bytes), Some(format), options).map_err(|e| e.to_string())?;
    let jobs: Vec<_> = source
        .by_ref()
        .collect::<Result<_, TraceError>>()
        .map_err(|e| e.to_string())?;
    Ok(jobs.len())
}

const PHILLY_HEADER: &str = "#job id,arrival time (sec),topology,shape,size,duration (sec)\n";
const OPENB_HEADER: &str =
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n";
const HELIOS_HEADER: &str =
    "job_id,user,vc,gpu_num,cpu_num,node_num,state,submit_time,start_time,end_time,duration,queue\n";
/// The end of every time-limit message.
const TIME_LIMIT_TAIL: &str = "the latest time this run may reach (limits.max_time, or without a horizon \
     limits.samples ÷ 12 × output.sample_interval; --max-time for `trace` commands): raise it if the trace is right";
const SWF_JOB: &str = "0 -1 -1 -1 1 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1";

/// An SWF job line: number, submit, run time, processors.
fn swf(number: u64, submit: &str, run: &str) -> String {
    let mut fields: Vec<String> = SWF_JOB.split(' ').map(str::to_string).collect();
    fields[0] = number.to_string();
    fields[1] = submit.to_string();
    fields[3] = run.to_string();
    fields.join(" ") + "\n"
}

#[test]
fn every_reader_refuses_a_repeated_job_id_naming_both_lines() {
    let native = read(
        "n.csv",
        "job_id,submit_s,duration_s,tasks,gpus_per_task\na,0,10,1,1\nb,1,10,1,1\na,2,10,1,1\n",
        Format::Native,
    );
    assert_eq!(
        native.unwrap_err(),
        "n.csv:4: column `job_id`: `a` appears twice (first on line 2); job ids must be unique"
    );
    let philly = read(
        "p.csv",
        &format!("{PHILLY_HEADER}7,0,CLOS,1,1,10\n8,1,CLOS,1,1,10\n7,2,CLOS,1,1,10\n"),
        Format::Philly,
    );
    assert_eq!(
        philly.unwrap_err(),
        "p.csv:4: column `job id`: `7` appears twice (first on line 2); job ids must be unique"
    );
    let openb = read(
        "o.csv",
        &format!("{OPENB_HEADER}pod-1,1000,0,1,1000,,LS,Running,0,100,0\npod-1,1000,0,1,1000,,LS,Running,5,100,5\n"),
        Format::Openb,
    );
    assert_eq!(
        openb.unwrap_err(),
        "o.csv:3: column `name`: `pod-1` appears twice (first on line 2); job ids must be unique"
    );
    let row = "1425511,u,v,1,1,1,COMPLETED,2020-06-09 18:41:01,,,10,0\n";
    let helios = read("h.csv", &format!("{HELIOS_HEADER}{row}{row}"), Format::Helios);
    assert_eq!(
        helios.unwrap_err(),
        "h.csv:3: column `job_id`: `1425511` appears twice (first on line 2); job ids must be unique"
    );
    let text = format!("{}{}", swf(4, "0", "10"), swf(4, "1", "10"));
    assert_eq!(
        read("s.swf", &text, Format::Swf).unwrap_err(),
        "s.swf:2: column `job number (field 1)`: `4` appears twice (first on line 1); job ids must be unique"
    );
}

#[test]
fn a_repeated_id_is_refused_even_when_a_row_is_skipped_by_rule() {
    // Philly skips duration-0 jobs; the id of the skipped row still counts.
    let philly = read(
        "p.csv",
        &format!("{PHILLY_HEADER}7,0,CLOS,1,1,0\n7,1,CLOS,1,1,10\n"),
        Format::Philly,
    );
    assert!(philly.unwrap_err().contains("`7` appears twice (first on line 2)"));
}

#[test]
fn openb_pods_out_of_time_order_are_refused() {
    let created_after_deleted = read(
        "o.csv",
        &format!("{OPENB_HEADER}a,1000,0,1,1000,,LS,Running,10000000000000,50,\n"),
        Format::Openb,
    );
    // 10^13 s, past the 100-year limit: refused for that first.
    assert_eq!(
        created_after_deleted.unwrap_err(),
        format!("o.csv:2: column `creation_time`: created at 10000000000000 s, past 3153600000 s, {TIME_LIMIT_TAIL}")
    );
    let created_after_deleted = read(
        "o.csv",
        &format!("{OPENB_HEADER}a,1000,0,1,1000,,LS,Running,100,50,\n"),
        Format::Openb,
    );
    assert_eq!(
        created_after_deleted.unwrap_err(),
        "o.csv:2: column `deletion_time`: 50 is before creation_time 100: a pod is deleted after it is created"
    );
    let scheduled_before_created = read(
        "o.csv",
        &format!("{OPENB_HEADER}a,1000,0,1,1000,,LS,Running,100,500,20\n"),
        Format::Openb,
    );
    assert_eq!(
        scheduled_before_created.unwrap_err(),
        "o.csv:2: column `scheduled_time`: 20 is before creation_time 100: a pod is scheduled after it is created"
    );
}

#[test]
fn helios_cpu_counts_that_would_wrap_and_absurd_years_are_refused() {
    let row = "1,u,v,1,18446744073709552,1,COMPLETED,2020-06-09 18:41:01,,,10,0\n";
    assert_eq!(
        read("h.csv", &format!("{HELIOS_HEADER}{row}"), Format::Helios).unwrap_err(),
        "h.csv:2: column `cpu_num`: too large, got `18446744073709552`"
    );
    let row = "1,u,v,1,1,1,COMPLETED,99999999999999-06-09 18:41:01,,,10,0\n";
    assert_eq!(
        read("h.csv", &format!("{HELIOS_HEADER}{row}"), Format::Helios).unwrap_err(),
        "h.csv:2: column `submit_time`: expected YYYY-MM-DD HH:MM:SS with a year from 1 to 9999, got \
         `99999999999999-06-09 18:41:01`"
    );
    // Within the calendar but 7979 years after the first row (midnight 2020-06-09 to 9999-06-09,
    // 2,914,269 days: `python3 -c "from datetime import date; print((date(9999,6,9)-date(2020,6,9)).days)"`).
    let rows = "1,u,v,1,1,1,COMPLETED,2020-06-09 18:41:01,,,10,0\n2,u,v,1,1,1,COMPLETED,9999-06-09 00:00:00,,,10,0\n";
    let err = read("h.csv", &format!("{HELIOS_HEADER}{rows}"), Format::Helios).unwrap_err();
    assert!(
        err.starts_with("h.csv:3: column `submit_time`: submitted at 251792841600 s, past 3153600000 s"),
        "{err}"
    );
}

#[test]
fn swf_machine_sizes_must_be_positive_and_given_once() {
    let header = |text: &str| traces::swf::read_header("s.swf", text.as_bytes()).map_err(|e| e.to_string());
    assert_eq!(
        header("; MaxProcs: -4\n").unwrap_err(),
        "s.swf:1: column `MaxProcs`: must be at least 1, got `-4`"
    );
    assert_eq!(
        header("; MaxNodes: 0\n").unwrap_err(),
        "s.swf:1: column `MaxNodes`: must be at least 1, got `0`"
    );
    assert_eq!(
        header("; MaxProcs: 512\n; Note: x\n; MaxProcs: 1024\n").unwrap_err(),
        "s.swf:3: column `MaxProcs`: says 1024, but line 1 says 512; give the key once"
    );
    assert_eq!(
        header("; MaxProcs: 512\n; MaxProcs: 512 (same)\n").map(|h| h.max_procs),
        Ok(Some(512)),
        "the same value twice is no conflict"
    );
    // The reader checks the header it passes too.
    let text = format!("; MaxProcs: -4\n{}", swf(1, "0", "10"));
    assert!(
        read("s.swf", &text, Format::Swf)
            .unwrap_err()
            .starts_with("s.swf:1: column `MaxProcs`")
    );
}

#[test]
fn absurd_times_are_refused_by_every_reader_naming_the_key_that_raises_the_limit() {
    let tail = TIME_LIMIT_TAIL;
    let native = read(
        "n.csv",
        "job_id,submit_s,duration_s,tasks,gpus_per_task\nlong,0,9999999999999,1,1\n",
        Format::Native,
    );
    assert_eq!(
        native.unwrap_err(),
        format!("n.csv:2: column `duration_s`: the job ends at 9999999999999 s, past 3153600000 s, {tail}")
    );
    let philly = read(
        "p.csv",
        &format!("{PHILLY_HEADER}1,0,CLOS,1,1,1000000000000\n"),
        Format::Philly,
    );
    assert!(
        philly
            .unwrap_err()
            .starts_with("p.csv:2: column `duration (sec)`: the job ends at 1000000000000 s, past"),
    );
    let swf_text = swf(1, "5", "10000000000000");
    assert!(
        read("s.swf", &swf_text, Format::Swf)
            .unwrap_err()
            .starts_with("s.swf:1: column `run time (field 4)`: the job ends at 10000000000005 s, past"),
    );
    // Submitted past the limit: the submit time is to blame, not the run time.
    let swf_text = swf(1, "10000000000000", "10");
    let late = read("s.swf", &swf_text, Format::Swf).unwrap_err();
    assert!(
        late.starts_with("s.swf:1: column `submit time (field 2)`: submitted at 10000000000000 s, past"),
        "{late}"
    );
    let openb = read(
        "o.csv",
        &format!("{OPENB_HEADER}a,1000,0,1,1000,,LS,Running,0,1000000000000,0\n"),
        Format::Openb,
    );
    assert!(
        openb
            .unwrap_err()
            .starts_with("o.csv:2: column `deletion_time`: deleted at 1000000000000 s")
    );
    // The limit is an option: a user with a longer trace raises it.
    let options = ReadOptions {
        max_time: sim_core::SimTime::from_secs(18_000_000_000_000),
        ..ReadOptions::default()
    };
    let text = "job_id,submit_s,duration_s,tasks,gpus_per_task\nlong,0,9999999999999,1,1\n";
    assert_eq!(read_bytes("n.csv", text.into(), Format::Native, &options), Ok(1));
}

#[test]
fn a_byte_order_mark_before_an_swf_log_is_not_part_of_its_first_line() {
    // Two jobs, the file starting with the UTF-8 mark some editors write.
    let text = format!("\u{feff}{}{}", swf(1, "0", "10"), swf(2, "5", "10"));
    assert_eq!(read("s.swf", &text, Format::Swf), Ok(2));
    let header = format!("\u{feff}; MaxProcs: 4\n{}", swf(1, "0", "10"));
    assert_eq!(read("s.swf", &header, Format::Swf), Ok(1));
}

#[test]
fn nan_and_infinity_are_never_accepted() {
    for value in ["nan", "NaN", "inf", "-inf", "infinity"] {
        let native = read(
            "n.csv",
            &format!("job_id,submit_s,duration_s,tasks,gpus_per_task\na,0,{value},1,1\n"),
            Format::Native,
        );
        assert!(native.unwrap_err().contains("expected a finite number"), "{value}");
        let gpus = read(
            "n.csv",
            &format!("job_id,submit_s,duration_s,tasks,gpus_per_task\na,0,5,1,{value}\n"),
            Format::Native,
        );
        assert!(gpus.unwrap_err().contains("column `gpus_per_task`"), "{value}");
        let swf_text = swf(1, value, "10");
        assert!(read("s.swf", &swf_text, Format::Swf).is_err(), "{value}");
    }
}

#[test]
fn a_file_without_line_breaks_is_refused_at_the_line_limit_for_every_format() {
    // /dev/zero as a trace: 1 GiB of NUL bytes is never read into one line.
    for format in [
        Format::Native,
        Format::Philly,
        Format::Openb,
        Format::Helios,
        Format::Swf,
    ] {
        let zeros = std::io::repeat(0).take(1 << 30);
        let mut source: Box<dyn JobSource> =
            match traces::open_reader("/dev/zero", zeros, Some(format), &ReadOptions::default()) {
                Ok(source) => source,
                Err(e) => {
                    assert!(
                        e.to_string()
                            .starts_with("/dev/zero:1: the row starting here is longer than 1048576 bytes")
                    );
                    continue;
                }
            };
        let err = source.next().expect("an error, not the end").unwrap_err().to_string();
        assert!(
            err.starts_with("/dev/zero:1: the row starting here is longer than 1048576 bytes"),
            "{format}: {err}"
        );
    }
}

#[test]
fn control_characters_in_echoed_values_are_escaped() {
    let native = read(
        "n.csv",
        "job_id,submit_s,duration_s,tasks,gpus_per_task\na,0,1\u{0}0,1,1\n",
        Format::Native,
    );
    assert_eq!(
        native.unwrap_err(),
        "n.csv:2: column `duration_s`: expected a number, got `1\\u{0}0`"
    );
    let helios = read(
        "h.csv",
        &format!("{HELIOS_HEADER}1,u,v,1,1,1,COMPLETED,\u{1b}[31m\0,,,10,0\n"),
        Format::Helios,
    );
    assert_eq!(
        helios.unwrap_err(),
        "h.csv:2: column `submit_time`: expected YYYY-MM-DD HH:MM:SS with a year from 1 to 9999, got `\\u{1b}[31m\\u{0}`"
    );
}

#[test]
fn a_nodes_file_longer_than_the_budget_is_refused_at_the_first_node_past_it() {
    let text =
        "node,rack,gpus,gpu_type,cpus,mem_gib\nn0,r0,8,A100,96,1024\nn1,r0,8,A100,96,1024\nn2,r1,8,A100,96,1024\n";
    let read = |max| traces::read_nodes_at_most("n.csv", text.as_bytes(), None, None, max).map(|n| n.len());
    assert_eq!(read(3).unwrap(), 3);
    assert_eq!(
        read(2).unwrap_err().to_string(),
        "n.csv:4: more than 2 nodes, the most a cluster may have here; raise limits.nodes in the scenario if the \
         machine can hold them"
    );
}
