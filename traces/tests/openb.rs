//! The openb pod and node lists and the PAI machine spec, checked against awk on the shipped
//! files, and their bad-input errors.

use sim_core::job::JobSpec;
use sim_core::time::SimTime;
use traces::{Format, NodesFormat, ReadOptions, read_nodes};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/alibaba-openb-gpu-v2023/");
const PAI: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/alibaba-pai-gpu-v2020/pai_machine_spec.csv"
);

fn pods(list: &str) -> (Vec<JobSpec>, u64) {
    let path = format!("{DIR}openb_pod_list_{list}.csv");
    let mut source = traces::open(path.as_ref(), None, &ReadOptions::default()).unwrap();
    let jobs: Vec<JobSpec> = source.by_ref().collect::<Result<_, _>>().unwrap();
    (jobs, source.skipped().total())
}

fn gpu_hours(jobs: &[JobSpec]) -> f64 {
    jobs.iter().map(|j| j.gpus() * j.duration.as_secs_f64()).sum::<f64>() / 3600.0
}

/// Per list (lifetime = deletion − scheduled, or − creation when scheduled is empty; kept when
/// positive): `awk -F, 'NR>1 { st = ($11=="" ? $9 : $11); life = $10 - st; if (life > 0) { n++;
/// gh += $4*$5/1000*life; d += $4*$5; if ($6 != "") spec++ } else skip++ } END { printf
/// "%d %d %.4f %d %d\n", n, skip, gh/3600, d, spec }'` → default `8151 1 51498.7363 6086570 0`,
/// gpuspec33 `8151 1 51498.7363 6086570 2388`, gpushare100 `8149 3 15188.4082 3951980 0`.
#[test]
fn timed_pod_lists_match_awk() {
    for (list, jobs_expected, skipped_expected, hours, demand_milli, with_spec) in [
        ("default", 8151, 1, 51_498.736_3, 6_086_570, 0),
        ("gpuspec33", 8151, 1, 51_498.736_3, 6_086_570, 2388),
        ("gpushare100", 8149, 3, 15_188.408_2, 3_951_980, 0),
    ] {
        let (jobs, skipped) = pods(list);
        assert_eq!((jobs.len(), skipped), (jobs_expected, skipped_expected), "{list}");
        assert!((gpu_hours(&jobs) - hours).abs() < 1e-4, "{list}: {}", gpu_hours(&jobs));
        assert_eq!(jobs.iter().map(JobSpec::gpu_milli).sum::<u64>(), demand_milli, "{list}");
        assert_eq!(
            jobs.iter().filter(|j| !j.gpu_types.is_empty()).count(),
            with_spec,
            "{list}"
        );
        assert!(
            jobs.windows(2).all(|w| w[0].submit <= w[1].submit),
            "{list} is replayed in time order"
        );
    }
}

/// Chosen rows of default: `openb-pod-0061,11908,47104,1,1000,,BE,Pending,10001278,10001403,`
/// (never scheduled: lifetime 10001403 − 10001278 = 125 s) and gpuspec33's
/// `openb-pod-0021,8000,30517,1,440,G2|P100|T4|V100M16|V100M32,LS,Running,9671707,12902960,9671708`
/// (a shared GPU of 440 milli, lifetime 12902960 − 9671708 = 3231252 s).
#[test]
fn chosen_pods() {
    let (default, _) = pods("default");
    let pending = default.iter().find(|j| j.id == "openb-pod-0061").unwrap();
    assert_eq!(
        (pending.submit, pending.duration),
        (SimTime::from_secs(10_001_278), SimTime::from_secs(125))
    );
    assert_eq!(
        (pending.task.cpu_milli, pending.task.mem_mib, pending.queue.as_str()),
        (11_908, 47_104, "BE")
    );
    let (spec, _) = pods("gpuspec33");
    let shared = spec.iter().find(|j| j.id == "openb-pod-0021").unwrap();
    assert_eq!((shared.task.gpus, shared.task.milli_per_gpu), (1, 440));
    assert_eq!(shared.gpu_types, vec!["G2", "P100", "T4", "V100M16", "V100M32"]);
    assert_eq!(shared.duration, SimTime::from_secs(3_231_252));
}

/// gpushare100 is not in time order (SOURCE.md); it is replayed sorted by creation time, ties
/// in file order: `awk -F, 'NR>1 && $9==0 {print $1}'` → openb-pod-1337 then openb-pod-4194;
/// the latest creation, 12474700, is last in the file at openb-pod-7654.
#[test]
fn an_unsorted_list_is_replayed_in_time_order() {
    let (jobs, _) = pods("gpushare100");
    assert_eq!(
        (jobs[0].id.as_str(), jobs[1].id.as_str()),
        ("openb-pod-1337", "openb-pod-4194")
    );
    let last = jobs.last().unwrap();
    assert_eq!(
        (last.id.as_str(), last.submit),
        ("openb-pod-7654", SimTime::from_secs(12_474_700))
    );
}

/// multigpu50 has no times: `awk -F, 'NR>1 {n++; d+=$4*$5} END {print n, d}'` → `9061 11358800`.
#[test]
fn the_untimed_list_arrives_at_zero() {
    let (jobs, skipped) = pods("multigpu50");
    assert_eq!((jobs.len(), skipped), (9061, 0));
    assert_eq!(jobs.iter().map(JobSpec::gpu_milli).sum::<u64>(), 11_358_800);
    assert!(
        jobs.iter()
            .all(|j| j.submit == SimTime::ZERO && j.duration == SimTime::from_secs(616))
    );
    let path = format!("{DIR}openb_pod_list_multigpu50.csv");
    let options = ReadOptions {
        untimed_pod_duration: SimTime::from_secs(60),
        ..ReadOptions::default()
    };
    let mut source = traces::open(path.as_ref(), Some(Format::Openb), &options).unwrap();
    assert_eq!(source.next().unwrap().unwrap().duration, SimTime::from_secs(60));
}

/// gpu_node: `awk -F, 'NR>1 {n++; g+=$4; c+=$2; m[$5]+=$4} END {…}'` → 1213 nodes, 6212 GPUs,
/// 107018000 milli-CPU; G2 4392 GPUs, T4 842, V100M16 195. all_node: 1523 nodes, 310 without
/// GPUs, 125514000 milli-CPU. Rows 1 and 1213: `openb-node-0000,64000,262144,2,P100`,
/// `openb-node-1212,96000,393216,8,G2`.
#[test]
fn openb_node_lists_match_awk() {
    let read = |name: &str| {
        let path = format!("{DIR}{name}");
        read_nodes(&path, std::fs::File::open(&path).unwrap(), None, None).unwrap()
    };
    let nodes = read("openb_node_list_gpu_node.csv");
    assert_eq!(nodes.len(), 1213);
    assert_eq!(nodes.iter().map(|n| n.gpus).sum::<u32>(), 6212);
    assert_eq!(nodes.iter().map(|n| n.cpu_milli).sum::<u64>(), 107_018_000);
    let gpus_of = |model: &str| {
        nodes
            .iter()
            .filter(|n| n.gpu_type == model)
            .map(|n| n.gpus)
            .sum::<u32>()
    };
    assert_eq!((gpus_of("G2"), gpus_of("T4"), gpus_of("V100M16")), (4392, 842, 195));
    let first = &nodes[0];
    assert_eq!(
        (
            first.name.as_str(),
            first.cpu_milli,
            first.mem_mib,
            first.gpus,
            first.gpu_type.as_str()
        ),
        ("openb-node-0000", 64_000, 262_144, 2, "P100")
    );
    assert_eq!(nodes[1212].name, "openb-node-1212");
    assert_eq!(
        (
            nodes[0].rack.as_str(),
            nodes[1].rack.as_str(),
            nodes[1212].rack.as_str()
        ),
        ("r000", "r000", "r606"),
        "two nodes a rack by default: 1213 nodes make 607 racks"
    );
    let all = read("openb_node_list_all_node.csv");
    assert_eq!(all.len(), 1523);
    assert_eq!(all.iter().filter(|n| n.gpus == 0 && n.gpu_type.is_empty()).count(), 310);
    assert_eq!(all.iter().map(|n| n.cpu_milli).sum::<u64>(), 125_514_000);
}

/// `awk -F, '{n++; g+=$5; c+=$3; m[$2]+=$5; k[$2]++} END {…}'` → 1897 machines, 6742 GPUs,
/// 156576 cores; CPU 83 machines with 0 GPUs, MISC 2240 GPUs, V100 832, V100M32 1080. Row 1000:
/// `ecefb687419faa1c8fe9eb59,P100,64,512,2`.
#[test]
fn pai_machines_match_awk() {
    let nodes = read_nodes(PAI, std::fs::File::open(PAI).unwrap(), None, Some(8)).unwrap();
    assert_eq!(nodes.len(), 1897);
    assert_eq!(nodes.iter().map(|n| n.gpus).sum::<u32>(), 6742);
    assert_eq!(nodes.iter().map(|n| n.cpu_milli).sum::<u64>(), 156_576_000);
    assert_eq!(
        nodes.iter().filter(|n| n.gpu_type.is_empty()).count(),
        83,
        "CPU machines"
    );
    let gpus_of = |model: &str| {
        nodes
            .iter()
            .filter(|n| n.gpu_type == model)
            .map(|n| n.gpus)
            .sum::<u32>()
    };
    assert_eq!(
        (gpus_of("MISC"), gpus_of("V100"), gpus_of("V100M32")),
        (2240, 832, 1080)
    );
    let row = &nodes[999];
    assert_eq!(
        (
            row.name.as_str(),
            row.gpu_type.as_str(),
            row.cpu_milli,
            row.mem_mib,
            row.gpus
        ),
        ("ecefb687419faa1c8fe9eb59", "P100", 64_000, 512 * 1024, 2)
    );
    assert_eq!(
        (nodes[999].rack.as_str(), nodes[1896].rack.as_str()),
        ("r124", "r237"),
        "8 a rack: 1897 → 238 racks"
    );
}

const HEADER: &str =
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time";

fn pod_error(text: &str) -> String {
    let reader = std::io::Cursor::new(text.as_bytes().to_vec());
    match traces::open_reader("p.csv", reader, Some(Format::Openb), &ReadOptions::default()) {
        Ok(mut source) => source.find_map(Result::err).map(|e| e.to_string()).unwrap_or_default(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_pod_lists_name_file_line_and_field() {
    let cases = [
        (
            format!("{HEADER}\na,1,1,1,1000,,LS,Running,0,5\n"),
            "p.csv:2: expected 11 fields like the header, found 10",
        ),
        (
            format!("{HEADER}\na,1,1,1,1000,,LS,Running,0,5,0,9\n"),
            "p.csv:2: expected 11 fields like the header, found 12",
        ),
        (
            format!("{HEADER}\na,1,1,one,1000,,LS,Running,0,5,0\n"),
            "p.csv:2: column `num_gpu`: expected a whole number ≥ 0, got `one`",
        ),
        (
            format!("{HEADER}\na,1,1,1,1000,,LS,Running,0,-5,0\n"),
            "p.csv:2: column `deletion_time`: must be ≥ 0, got `-5`",
        ),
        (
            format!("{HEADER}\r\na,1,1,1,1000,,LS,Running,0,5,0\r\nb,1,1,1,x,,LS,Running,0,5,0\r\n"),
            "p.csv:3: column `gpu_milli`: expected a whole number ≥ 0, got `x`",
        ),
        (
            format!("{HEADER}\n"),
            "p.csv: no pods to run: the file has a header but no runnable rows (0 skipped)",
        ),
        (String::new(), "p.csv: empty file: expected a header row"),
        (
            "name,cpu_milli,memory_mib,num_gpu\n".to_string(),
            "p.csv:1: missing required column(s): gpu_milli",
        ),
        (
            format!("{HEADER}\na,1,1,1,1000,,LS,Failed,3,3,3\n"),
            "p.csv: no pods to run: the file has a header but no runnable rows (1 skipped)",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(pod_error(&text), expected, "{text:?}");
    }
}

#[test]
fn bad_node_files_name_file_line_and_field() {
    let err = |text: &str, format| {
        read_nodes("n.csv", text.as_bytes(), format, None)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err("sn,cpu_milli,memory_mib,gpu,model\nn0,64000,1024,two,T4\n", None),
        "n.csv:2: column `gpu`: expected a whole number ≥ 0, got `two`"
    );
    assert_eq!(
        err("sn,cpu_milli,memory_mib,gpu,model\r\nn0,64000,1024\r\n", None),
        "n.csv:2: expected 5 fields like the header, found 3"
    );
    assert_eq!(
        err("m,T4,96,512,2\nm2,T4,ninety,512,2\n", Some(NodesFormat::Pai)),
        "n.csv:2: column `cap_cpu`: expected a number, got `ninety`"
    );
    assert_eq!(
        err("m,T4,96,512,2,9\n", Some(NodesFormat::Pai)),
        "n.csv:1: expected 5 fields (machine, gpu_type, cap_cpu, cap_mem, cap_gpu), found 6"
    );
    assert_eq!(
        err("m,T4,96,512,2\r\nm2,T4,96,512\r\n", None),
        "n.csv:2: expected 5 fields (machine, gpu_type, cap_cpu, cap_mem, cap_gpu), found 4"
    );
    assert_eq!(
        err("", Some(NodesFormat::Pai)),
        "n.csv: no nodes: the pai node file has no rows"
    );
    assert!(err("x,y\n", None).starts_with("n.csv: cannot tell the nodes format from the first line `x,y`"));
}
