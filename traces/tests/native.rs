//! The native CSV reader on good and bad input.

use sim_core::job::JobSpec;
use sim_core::time::SimTime;
use traces::{JobSource, NativeReader, TraceError};

fn read(text: &str) -> Result<Vec<JobSpec>, TraceError> {
    NativeReader::new("t.csv", text.as_bytes())?.collect()
}

fn error(text: &str) -> String {
    read(text).unwrap_err().to_string()
}

#[test]
fn reads_every_column_in_any_order() {
    let text = "duration_s,job_id,submit_s,tasks,gpus_per_task,cpus_per_task,mem_gib_per_task,gpu_type,user,queue,priority,preemptible,checkpoint_s,requested_s,comm_fraction,x_note\n\
                3600,a,0,2,4,8,64,A100-80GB|H100-80GB,alice,prod,5,false,600,7200,0.2,hello\n\
                1.5,b,10.25,1,0.25,,,,,,,,,,,\n";
    let jobs = read(text).unwrap();
    let a = &jobs[0];
    assert_eq!(a.id, "a");
    assert_eq!((a.tasks, a.task.gpus, a.task.milli_per_gpu), (2, 4, 1000));
    assert_eq!((a.task.cpu_milli, a.task.mem_mib), (8000, 64 * 1024));
    assert_eq!(a.gpu_types, vec!["A100-80GB", "H100-80GB"]);
    assert_eq!(
        (a.user.as_str(), a.queue.as_str(), a.priority, a.preemptible),
        ("alice", "prod", 5, false)
    );
    assert_eq!(
        (a.checkpoint, a.requested),
        (SimTime::from_secs(600), SimTime::from_secs(7200))
    );
    assert_eq!(a.comm_fraction, 0.2);
    let b = &jobs[1];
    assert_eq!(
        (b.submit, b.duration),
        (SimTime::from_micros(10_250_000), SimTime::from_micros(1_500_000))
    );
    assert_eq!((b.task.gpus, b.task.milli_per_gpu), (1, 250));
    assert_eq!(
        (b.user.as_str(), b.queue.as_str(), b.priority, b.preemptible),
        ("default", "default", 0, true)
    );
    assert_eq!(b.requested, b.duration, "requested_s defaults to duration_s");
}

#[test]
fn crlf_files_read_the_same_and_name_the_right_lines() {
    let text = "job_id,submit_s,duration_s,tasks,gpus_per_task\r\na,0,10,1,1\r\n\r\nb,1,-5,1,1\r\n";
    assert_eq!(error(text), "t.csv:4: column `duration_s`: must be > 0, got `-5`");
    let ok = read("job_id,submit_s,duration_s,tasks,gpus_per_task\r\na,0,10,1,1\r\nb,1,5,1,1").unwrap();
    assert_eq!(ok.len(), 2);
}

#[test]
fn a_quote_left_open_is_refused_at_its_line_not_read_as_one_field_of_the_rows_after() {
    // Line 3 opens a quote in `user` that nothing closes: the CSV rules would make the rest
    // of the file part of that field, and job b would swallow c and d (two jobs read, no
    // error). No field may hold a line break, so the row is refused where the quote opened,
    // whether the quote runs to the end of the file (with or without CRLF or a final newline)
    // or is closed on a later line (line 4 here).
    let header = "job_id,submit_s,duration_s,tasks,gpus_per_task,user\n";
    let open = format!("{header}a,0,10,1,1,u\nb,1,10,1,1,\"u1\nc,2,10,1,1,u\nd,3,10,1,1,u\n");
    let to_end = "t.csv:3: field `user` holds a line break, running to the end of the file: a quote \
                  opened in it is not closed on its line (no field may span lines)";
    assert_eq!(error(&open), to_end);
    assert_eq!(error(&open.replace('\n', "\r\n")), to_end);
    assert_eq!(error(open.trim_end()), to_end);
    let closed = format!("{header}a,0,10,1,1,u\nb,1,10,1,1,\"u1\nc,2,10,1,1,u\"\nd,3,10,1,1,u\n");
    assert!(error(&closed).starts_with("t.csv:3: field `user` holds a line break, running to line 4:"));
    // In a number column, before the row's field count would be wrong.
    let number = format!("{header}a,0,10,1,\"1,u\nb,1,10,1,1,u\n");
    assert!(error(&number).starts_with("t.csv:2: field `gpus_per_task` holds a line break"));
}

#[test]
fn lines_of_spaces_are_blank_lines_and_rows_of_empty_fields_are_not() {
    // Line 3 holds spaces and a tab: skipped like the empty line 5; line 6 is still line 6.
    let text = "job_id,submit_s,duration_s,tasks,gpus_per_task\na,0,10,1,1\n  \t \nb,1,10,1,1\n\nc,2,-5,1,1\n";
    assert_eq!(error(text), "t.csv:6: column `duration_s`: must be > 0, got `-5`");
    assert_eq!(read(&text.replace("c,2,-5,1,1\n", "")).unwrap().len(), 2);
    // Five empty fields are a row, and a bad one.
    let empty = error("job_id,submit_s,duration_s,tasks,gpus_per_task\n,,,,\n");
    assert!(empty.starts_with("t.csv:2: column `job_id`"), "{empty}");
}

#[test]
fn bad_rows_name_file_line_and_column() {
    let header = "job_id,submit_s,duration_s,tasks,gpus_per_task\n";
    let cases = [
        ("a,0,10,1\n", "t.csv:2: expected 5 fields like the header, found 4"),
        (
            "a,0,ten,1,1\n",
            "t.csv:2: column `duration_s`: expected a number, got `ten`",
        ),
        ("a,0,0,1,1\n", "t.csv:2: column `duration_s`: must be > 0, got `0`"),
        ("a,-1,10,1,1\n", "t.csv:2: column `submit_s`: must be ≥ 0, got `-1`"),
        ("a,0,10,0,1\n", "t.csv:2: column `tasks`: must be ≥ 1, got `0`"),
        (
            "a,0,10,1,1.5\n",
            "t.csv:2: column `gpus_per_task`: 1 or more GPUs must be a whole number (a task shares at most one device), got 1.5",
        ),
        (
            ",0,10,1,1\n",
            "t.csv:2: column `job_id`: is empty; the column is required",
        ),
        (
            "a,5,10,1,1\nb,4,10,1,1\n",
            "t.csv:3: column `submit_s`: 4 is earlier than the previous row's 5: rows must be sorted by submit_s",
        ),
        (
            "a,0,10,1,1\na,1,10,1,1\n",
            "t.csv:3: column `job_id`: `a` appears twice (first on line 2); job ids must be unique",
        ),
    ];
    for (rows, expected) in cases {
        assert_eq!(error(&format!("{header}{rows}")), expected, "rows: {rows:?}");
    }
}

#[test]
fn bad_headers_and_empty_files_are_errors() {
    assert_eq!(
        error("job_id,submit_s,duraton_s,tasks,gpus_per_task\n"),
        "t.csv:1: unknown column `duraton_s` (did you mean `duration_s`? columns of your own must start with `x_`)"
    );
    assert_eq!(
        error("job_id,submit_s,tasks\n"),
        "t.csv:1: missing required column(s): duration_s, gpus_per_task"
    );
    assert_eq!(
        error("job_id,job_id,submit_s,duration_s,tasks,gpus_per_task\n"),
        "t.csv:1: column `job_id` appears twice"
    );
    assert_eq!(
        error("job_id,submit_s,duration_s,tasks,gpus_per_task\n"),
        "t.csv: no jobs: the file has a header but no rows"
    );
    assert_eq!(error(""), "t.csv: empty file: expected a header row");
}

#[test]
fn the_reader_stops_after_the_first_error_and_skips_nothing() {
    let mut reader = NativeReader::new(
        "t.csv",
        "job_id,submit_s,duration_s,tasks,gpus_per_task\na,0,x,1,1\nb,0,1,1,1\n".as_bytes(),
    )
    .unwrap();
    assert!(reader.next().unwrap().is_err());
    assert!(reader.next().is_none());
    assert_eq!(reader.skipped().total(), 0);
}

#[test]
fn spaces_around_names_and_values_are_ignored() {
    let jobs =
        read(" job_id , submit_s,duration_s ,tasks,gpus_per_task, user\n a , 1.5 , 10 ,2, 0.5 , bob \n").unwrap();
    assert_eq!((jobs[0].id.as_str(), jobs[0].user.as_str()), ("a", "bob"));
    assert_eq!(
        (jobs[0].submit, jobs[0].tasks, jobs[0].task.milli_per_gpu),
        (SimTime::from_micros(1_500_000), 2, 500)
    );
}

#[test]
fn a_mig_profile_is_one_instance_holding_its_share() {
    let header = "job_id,submit_s,duration_s,tasks,gpus_per_task,gpu_type,mig\n";
    let jobs = read(&format!(
        "{header}a,0,10,1,1,,3g.40gb\nb,1,10,1,1,A100-40GB,1g.5gb\nc,2,10,1,0.5,,\n"
    ))
    .unwrap();
    let a = &jobs[0].task;
    // 3g.40gb: 3 of the 7 compute slices of an A100-80GB or H100-80GB, 3000 / 7 = 428.57,
    // rounded down to 428 milli-GPU.
    assert_eq!((a.gpus, a.milli_per_gpu, a.mig.name()), (1, 428, Some("3g.40gb")));
    // 1g.5gb: one slice of seven, 1000 / 7 = 142.86 → 142.
    assert_eq!(
        (jobs[1].task.milli_per_gpu, jobs[1].task.mig.name()),
        (142, Some("1g.5gb"))
    );
    assert_eq!(jobs[1].gpu_types, ["A100-40GB"]);
    // An empty `mig` is a plain request.
    assert!(jobs[2].task.mig.is_none());
    assert_eq!(jobs[2].task.milli_per_gpu, 500);
}

#[test]
fn bad_mig_fields_name_file_line_and_column() {
    let header = "job_id,submit_s,duration_s,tasks,gpus_per_task,gpu_type,mig\n";
    let err = |row: &str| error(&format!("{header}{row}\n"));
    assert_eq!(
        err("a,0,10,1,1,,3g.41gb"),
        "t.csv:2: column `mig`: unknown MIG profile `3g.41gb` (profiles are named as nvidia-smi prints them, \
         e.g. `3g.40gb`; docs/gpu-sharing.md)"
    );
    assert_eq!(
        err("a,0,10,1,1,A100-40GB|V100,3g.40gb"),
        "t.csv:2: column `mig`: MIG profile `3g.40gb` is not a profile of GPU model A100-40GB|V100 (it is one \
         of: A100-80GB, A100-80GB-PCIE, H100-80GB, H100-PCIE)"
    );
    assert_eq!(
        err("a,0,10,1,2,,3g.40gb"),
        "t.csv:2: column `gpus_per_task`: a task in a MIG instance takes one GPU: gpus_per_task must be 1, got `2`"
    );
    assert!(err("a,0,10,1,0.5,,1g.10gb").contains("gpus_per_task must be 1, got `0.5`"));
}
