//! `write_native` output reads back to the same jobs, for every format.

use sim_core::job::JobSpec;
use traces::{JobSource, NativeReader, ReadOptions};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/");

fn round_trip(file: &str) -> (Vec<JobSpec>, Vec<JobSpec>) {
    let path = format!("{DATA}{file}");
    let read = || -> Box<dyn JobSource> { traces::open(path.as_ref(), None, &ReadOptions::default()).unwrap() };
    let mut out = Vec::new();
    let written = traces::write_native(&mut *read(), &mut out, "mem").unwrap();
    let original: Vec<JobSpec> = read().collect::<Result<_, _>>().unwrap();
    assert_eq!(written as usize, original.len());
    let back: Vec<JobSpec> = NativeReader::new("mem", out.as_slice())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    (original, back)
}

#[test]
fn every_format_survives_conversion_to_native() {
    for file in [
        "swf-kth-sp2-1996/KTH-SP2-1996-2.1-cln.swf",
        "swf-lublin-256/lublin_256.swf",
        "alibaba-openb-gpu-v2023/openb_pod_list_gpuspec33.csv",
        "alibaba-openb-gpu-v2023/openb_pod_list_multigpu50.csv",
        "philly-rfold/philly_trace.csv",
    ] {
        let (original, back) = round_trip(file);
        assert_eq!(original, back, "{file}");
    }
}

#[test]
fn the_first_converted_rows_read_as_expected() {
    let path = format!("{DATA}alibaba-openb-gpu-v2023/openb_pod_list_default.csv");
    let mut source = traces::open(path.as_ref(), None, &ReadOptions::default()).unwrap();
    let mut out = Vec::new();
    traces::write_native(&mut *source, &mut out, "mem").unwrap();
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "job_id,submit_s,duration_s,tasks,gpus_per_task,cpus_per_task,mem_gib_per_task,gpu_type,user,queue,priority,preemptible,checkpoint_s,requested_s,comm_fraction,mig"
        )
    );
    // openb-pod-0000,12000,16384,1,1000,,LS,Running,0,12537496,0: 12 cores, 16 GiB, one GPU.
    assert_eq!(
        lines.next(),
        Some("openb-pod-0000,0,12537496,1,1,12,16,,default,LS,0,true,0,12537496,,")
    );
    // openb-pod-0001,6000,12288,1,460,,LS,Running,427061,12902960,427061: 0.46 of a GPU.
    assert_eq!(
        lines.next(),
        Some("openb-pod-0001,427061,12475899,1,0.46,6,12,,default,LS,0,true,0,12475899,,")
    );
}

#[test]
fn mig_profiles_survive_conversion() {
    let text = "job_id,submit_s,duration_s,tasks,gpus_per_task,mig\na,0,10,1,1,3g.40gb\nb,1,10,1,0.25,\n";
    let original: Vec<JobSpec> = NativeReader::new("mem", text.as_bytes())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = Vec::new();
    let mut source = NativeReader::new("mem", text.as_bytes()).unwrap();
    traces::write_native(&mut source, &mut out, "mem").unwrap();
    let written = String::from_utf8(out.clone()).unwrap();
    // The MIG task is one GPU with its profile; the quarter-GPU pod keeps its share.
    assert!(
        written.contains("\na,0,10,1,1,0,0,,default,default,0,true,0,10,,3g.40gb\n"),
        "{written}"
    );
    assert!(written.contains("\nb,1,10,1,0.25,"), "{written}");
    let back: Vec<JobSpec> = NativeReader::new("mem", out.as_slice())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(original, back);
}

/// A format without a communication share column gives none: its jobs' `comm_fraction` is
/// written empty, so `workload.comm_fraction` applies to the converted trace as to the original
/// (a multi-task SWF job then reads back with the scenario's share). A native trace with the
/// column keeps what it gives, 0 included.
#[test]
fn a_share_the_trace_did_not_give_is_written_empty() {
    let swf = "1 0 -1 100 4 -1 -1 4 100 -1 1 1 1 -1 1 -1 -1 -1\n";
    let mut source = traces::open_reader("t.swf", swf.as_bytes(), None, &ReadOptions::default()).unwrap();
    let mut out = Vec::new();
    traces::write_native(&mut *source, &mut out, "mem").unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().nth(1), Some("1,0,100,4,1,0,0,,1,1,0,true,0,100,,"));
    let options = ReadOptions {
        comm_fraction: Some(0.5),
        ..ReadOptions::default()
    };
    let back: Vec<JobSpec> = traces::open_reader("t.csv", std::io::Cursor::new(text.into_bytes()), None, &options)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(back[0].comm_fraction, 0.5);
    let native = "job_id,submit_s,duration_s,tasks,gpus_per_task,comm_fraction\na,0,10,2,1,0\nb,0,10,2,1,\n";
    let mut source = traces::open_reader("n.csv", native.as_bytes(), None, &ReadOptions::default()).unwrap();
    let mut out = Vec::new();
    traces::write_native(&mut *source, &mut out, "mem").unwrap();
    let text = String::from_utf8(out).unwrap();
    let shares: Vec<&str> = text.lines().skip(1).map(|l| l.split(',').nth(14).unwrap()).collect();
    assert_eq!(shares, ["0", "0"]);
}
