//! What the fuzzer feeds: the shipped sample files of every reader (their first rows, so that a
//! case costs microseconds) and every scenario example and library file, each with the entry
//! point that reads it and the properties an accepted input must have.

use std::collections::HashSet;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use scenarios::build::build_cluster;
use scenarios::{Override, load_str};
use sim_core::time::SimTime;
use traces::stats::TraceStats;
use traces::{Format, JobSource, NodesFormat, ReadOptions};

/// Rows kept from each shipped data file.
const ROWS: usize = 40;

/// One input the fuzzer mutates, and how it is read.
pub struct Target {
    /// A name for reports (`philly`, `scenario:demo.toml`, …).
    pub name: String,
    /// The valid input.
    pub seed_input: Vec<u8>,
    /// How it is read.
    pub reader: Reader,
}

/// The entry point a target goes through.
pub enum Reader {
    /// A job trace, read as this format (and once more with the format detected).
    Trace(Format),
    /// A nodes file.
    Nodes(NodesFormat),
    /// A scenario file, relative paths against this folder.
    Scenario(PathBuf),
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// The first [`ROWS`] lines of a file (comments and header included).
fn head(path: &str) -> Vec<u8> {
    let bytes = std::fs::read(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    let end = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(ROWS - 1)
        .map_or(bytes.len(), |(i, _)| i + 1);
    bytes[..end].to_vec()
}

/// The rows of the Helios README the reader's own tests use (no Helios log is shipped).
const HELIOS: &str = "job_id,user,vc,gpu_num,cpu_num,node_num,state,submit_time,start_time,end_time,duration,queue\n\
    1425511,uXBbc,vcJkd,1,1,1,COMPLETED,2020-06-09 18:41:01,2020-06-09 18:41:01,2020-06-10 04:55:09,36848,0\n\
    1425512,uVMrF,vchbv,4,16,1,FAILED,2020-06-09 18:41:27,2020-06-09 18:41:27,2020-06-09 18:45:36,249,0\n\
    1425513,uzqls,vcpDC,1,1,1,CANCELLED,2020-06-09 18:41:28,2020-06-09 18:41:28,2020-06-17 14:15:21,675233,0\n\
    1425514,uA,vcA,16,64,2,COMPLETED,2020-06-09 18:41:30,2020-06-09 18:42:00,2020-06-09 19:42:00,3600,30\n";

/// A native nodes file.
const NATIVE_NODES: &str = "node,rack,gpus,gpu_type,cpus,mem_gib\nn0,r0,8,A100-80GB,96,1024\nn1,r0,8,A100-80GB,96,1024\n\
                            n2,r1,4,V100-32GB,48,512\n";

/// Every target.
pub fn targets() -> Vec<Target> {
    let trace = |name: &str, bytes: Vec<u8>, format| Target {
        name: name.to_string(),
        seed_input: bytes,
        reader: Reader::Trace(format),
    };
    let nodes = |name: &str, bytes: Vec<u8>, format| Target {
        name: name.to_string(),
        seed_input: bytes,
        reader: Reader::Nodes(format),
    };
    let philly = head("traces/data/philly-rfold/philly_trace.csv");
    let mut native = Vec::new();
    traces::write_native(
        &mut traces::PhillyReader::new("philly", philly.as_slice()),
        &mut native,
        "memory",
    )
    .expect("the Philly sample converts");
    let openb = "traces/data/alibaba-openb-gpu-v2023";
    let mut all = vec![
        trace("philly", philly, Format::Philly),
        trace("native", native, Format::Native),
        trace(
            "swf-kth",
            head("traces/data/swf-kth-sp2-1996/KTH-SP2-1996-2.1-cln.swf"),
            Format::Swf,
        ),
        trace(
            "swf-lublin",
            head("traces/data/swf-lublin-256/lublin_256.swf"),
            Format::Swf,
        ),
        trace(
            "openb-pods",
            head(&format!("{openb}/openb_pod_list_default.csv")),
            Format::Openb,
        ),
        trace(
            "openb-untimed",
            head(&format!("{openb}/openb_pod_list_multigpu50.csv")),
            Format::Openb,
        ),
        trace("helios", HELIOS.as_bytes().to_vec(), Format::Helios),
        trace(
            "library-cascade",
            head("scenarios/library/traces/cascading-failure.csv"),
            Format::Native,
        ),
        nodes(
            "openb-nodes",
            head(&format!("{openb}/openb_node_list_gpu_node.csv")),
            NodesFormat::Openb,
        ),
        nodes(
            "pai-machines",
            head("traces/data/alibaba-pai-gpu-v2020/pai_machine_spec.csv"),
            NodesFormat::Pai,
        ),
        nodes("native-nodes", NATIVE_NODES.as_bytes().to_vec(), NodesFormat::Native),
    ];
    for folder in ["scenarios/examples", "scenarios/library"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(repo(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        for path in files {
            all.push(Target {
                name: format!("scenario:{}", path.file_name().unwrap().to_string_lossy()),
                seed_input: std::fs::read(&path).unwrap(),
                reader: Reader::Scenario(repo(folder)),
            });
        }
    }
    all
}

/// Keeps a fuzzed scenario's cluster and workload small enough that building one costs
/// microseconds: the budget itself is under test here, not the machine.
fn small_budget() -> Vec<Override> {
    [
        "limits.nodes=4096",
        "limits.gpus=32768",
        "limits.jobs=100000",
        "limits.grid_points=64",
    ]
    .iter()
    .map(|s| s.parse().expect("valid override"))
    .collect()
}

impl Target {
    /// Reads `input` as this target does and checks what was accepted; a broken property
    /// panics (the harness catches and reports it with the input).
    pub fn run(&self, input: &[u8]) {
        match &self.reader {
            Reader::Trace(format) => {
                check_trace(&self.name, input, Some(*format));
                check_trace(&self.name, input, None);
            }
            Reader::Nodes(format) => {
                if let Ok(specs) = traces::read_nodes(&self.name, input, Some(*format), None) {
                    let _ = sim_core::cluster::Cluster::build(&specs);
                }
            }
            Reader::Scenario(dir) => check_scenario(&self.name, input, dir),
        }
    }
}

/// Reads a trace whole; every accepted job must be runnable and within the time limit, every
/// id once, and its statistics finite.
fn check_trace(name: &str, input: &[u8], format: Option<Format>) {
    let options = ReadOptions::default();
    let Ok(mut source) = traces::open_reader(name, Cursor::new(input.to_vec()), format, &options) else {
        return;
    };
    let mut ids = HashSet::new();
    for job in &mut *source {
        let Ok(job) = job else { return };
        assert!(
            job.duration > SimTime::ZERO,
            "{name}: job `{}` of duration 0 accepted",
            job.id
        );
        assert!(job.tasks >= 1, "{name}: job `{}` without tasks accepted", job.id);
        let end = job.submit.as_micros().checked_add(job.duration.as_micros());
        assert!(
            end.is_some_and(|end| end <= options.max_time.as_micros()),
            "{name}: job `{}` ends past the time limit",
            job.id
        );
        assert!(ids.insert(job.id.clone()), "{name}: id `{}` accepted twice", job.id);
    }
    let Ok(mut again) = traces::open_reader(name, Cursor::new(input.to_vec()), format, &options) else {
        panic!("{name}: opened once, refused the second time");
    };
    if let Ok(stats) = TraceStats::collect(&mut *again as &mut dyn JobSource) {
        for value in [stats.duration_mean_s, stats.duration_p99_s, stats.total_gpu_hours] {
            assert!(
                value.is_finite(),
                "{name}: statistics of an accepted trace are not finite"
            );
        }
    }
}

/// Loads a scenario and builds what `validate` builds from it (cluster, physics, faults).
fn check_scenario(name: &str, input: &[u8], dir: &Path) {
    let Ok(text) = std::str::from_utf8(input) else { return };
    let Ok(loaded) = load_str(text, name, Some(dir.to_path_buf()), &small_budget()) else {
        return;
    };
    let Ok(cluster) = build_cluster(&loaded) else { return };
    let _ = scenarios::physics_build::physics_config(&loaded.scenario, &cluster, &loaded.origin);
    let _ = scenarios::faults_build::faults_config(&loaded, &cluster);
}
