//! `jobs.swf`: the simulated schedule in the Standard Workload Format (version 2.2 of the
//! Parallel Workloads Archive), so that the tools that read archive logs (statistics, plots,
//! other simulators) read a run's outcome as they read a real machine's log: one line per job,
//! in submit order, with the wait, run time and status the simulation gave it.
//!
//! Jobs end in any order, so a job's line waits until every job submitted before it has ended
//! (or the run has): only lines of jobs that overtook a live one are held. Held lines stay in
//! memory up to 16 MiB; past that they go, in submit order, to a temporary file of their own
//! (a run behind a job that lives through it holds no more than that, and a byte a job to know
//! which have ended). Lines go to a temporary file first, and [`SwfLog::commit`]
//! writes `jobs.swf` from it (merged with the held lines' files) in a second pass, once it is
//! known whether the trace's job ids, users and queues are all numbers (which SWF needs) or must
//! be numbered.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Lines, Write};
use std::path::{Path, PathBuf};

use sim_core::SimTime;
use sim_core::cluster::Cluster;
use sim_core::job::JobSpec;
use sim_core::job::{Job, JobState};
use sim_core::observe::Observer;
use sim_core::view::ClusterView;

use crate::number::push_log_seconds;

/// The name the trace readers give a job without a user or queue (SWF's -1).
const UNNAMED: &str = "default";

/// Bytes of held lines kept in memory before they go to a file of their own.
const HOLD_LIMIT: usize = 16 << 20;

/// `jobs.swf` written as the run goes (see the module's documentation).
pub struct SwfLog {
    dir: PathBuf,
    /// Lines written in submit order, each after its job's arrival index and a tab.
    out: BufWriter<File>,
    path: tempfile::TempPath,
    /// Whether the job of arrival index `next + i` has been retired (its line held or set
    /// aside), for the jobs from `next` to the newest retired.
    retired: VecDeque<bool>,
    /// Lines of retired jobs not written yet, by arrival index.
    held: BTreeMap<usize, String>,
    /// Bytes of `held`, and the most it may reach before going to a file.
    held_bytes: usize,
    hold_limit: usize,
    /// Files of held lines set aside, each in submit order with the index before each line.
    set_aside: Vec<tempfile::TempPath>,
    next: usize,
    numbers: Numbers,
    /// The `Computer` of the header: what ran.
    computer: String,
    /// Nodes and processors of the cluster, known at the run's end.
    machine: Option<(usize, u64)>,
    /// Whether any job logged so far used GPUs, and whether any used none (CPU cores only):
    /// the machine's processors are counted as its jobs' are.
    gpu_jobs: bool,
    cpu_jobs: bool,
    error: Option<io::Error>,
}

/// Whether every job id, user and queue seen so far is a whole number as SWF writes them.
#[derive(Debug, Clone, Copy)]
struct Numbers {
    ids: bool,
    users: bool,
    queues: bool,
}

impl SwfLog {
    /// Starts `jobs.swf` in `dir` (created if needed); `computer` names the run in the header
    /// (scenario, policy, seed).
    pub fn create(dir: &Path, computer: String) -> io::Result<SwfLog> {
        SwfLog::with_hold_limit(dir, computer, HOLD_LIMIT)
    }

    /// [`SwfLog::create`], holding at most `hold_limit` bytes of lines in memory.
    fn with_hold_limit(dir: &Path, computer: String, hold_limit: usize) -> io::Result<SwfLog> {
        std::fs::create_dir_all(dir)?;
        let (file, path) = crate::atomic::temporary_for(dir, "jobs.swf")?;
        Ok(SwfLog {
            dir: dir.to_path_buf(),
            out: BufWriter::new(file),
            path,
            retired: VecDeque::new(),
            held: BTreeMap::new(),
            held_bytes: 0,
            hold_limit,
            set_aside: Vec::new(),
            next: 0,
            numbers: Numbers {
                ids: true,
                users: true,
                queues: true,
            },
            computer,
            machine: None,
            gpu_jobs: false,
            cpu_jobs: false,
            error: None,
        })
    }

    /// Writes `jobs.swf` into `dir` whole (header, then one line per job in submit order) and
    /// returns its path; the first write error of the run instead, if any.
    pub fn commit(mut self, dir: &Path) -> io::Result<std::path::PathBuf> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        debug_assert!(
            self.held.is_empty() && self.retired.is_empty(),
            "every job is retired by the end"
        );
        self.out.flush()?;
        let jobs = self.next;
        let target = dir.join("jobs.swf");
        let mut sources = vec![BufReader::new(File::open(&self.path)?).lines()];
        for path in &self.set_aside {
            sources.push(BufReader::new(File::open(path)?).lines());
        }
        crate::write_atomic(&target, |w| {
            write_header(w, &self.computer, jobs, self.machine)?;
            let mut names = Renumbering::new(self.numbers);
            let mut merged = InSubmitOrder::new(sources)?;
            let mut position = 0;
            while let Some(raw) = merged.next_line()? {
                w.write_all(names.final_line(&raw, position).as_bytes())?;
                position += 1;
            }
            debug_assert_eq!(position, jobs, "a line per job");
            Ok(())
        })?;
        Ok(target)
    }

    /// Holds the line of `job` until every job before it is written, then writes all it can.
    fn retire(&mut self, job: &Job) {
        let spec = &job.spec;
        self.numbers.ids &= is_swf_number(&spec.id);
        self.numbers.users &= spec.user == UNNAMED || is_swf_number(&spec.user);
        self.numbers.queues &= spec.queue == UNNAMED || is_swf_number(&spec.queue);
        self.gpu_jobs |= spec.task.gpus > 0;
        self.cpu_jobs |= spec.task.gpus == 0;
        let index = job.id.index();
        let slot = index - self.next;
        if self.retired.len() <= slot {
            self.retired.resize(slot + 1, false);
        }
        let line = raw_line(job);
        if slot == 0 {
            // The next line in submit order (the common case): written at once, never held.
            self.retired.pop_front();
            self.write_next(&line);
        } else {
            self.retired[slot] = true;
            self.held_bytes += line.len();
            self.held.insert(index, line);
        }
        while self.retired.front() == Some(&true) {
            self.retired.pop_front();
            // A line set aside is in its own file; the rest are written now.
            match self.held.remove(&self.next) {
                Some(line) => {
                    self.held_bytes -= line.len();
                    self.write_next(&line);
                }
                None => self.next += 1,
            }
        }
        if self.held_bytes > self.hold_limit {
            let set_aside = self.set_aside_held();
            self.keep_error(set_aside);
        }
    }

    /// Moves the held lines, in submit order, to a file of their own.
    fn set_aside_held(&mut self) -> io::Result<()> {
        let (file, path) = crate::atomic::temporary_for(&self.dir, "jobs.swf.held")?;
        self.set_aside.push(path);
        let mut out = BufWriter::new(file);
        for (index, line) in std::mem::take(&mut self.held) {
            write_indexed(&mut out, index, &line)?;
        }
        self.held_bytes = 0;
        out.flush()
    }

    /// Writes the line of job `next` in submit order and moves on to the next job.
    fn write_next(&mut self, line: &str) {
        let written = write_indexed(&mut self.out, self.next, line);
        self.keep_error(written);
        self.next += 1;
    }

    /// Keeps the first error of the run, for [`SwfLog::commit`].
    fn keep_error(&mut self, result: io::Result<()>) {
        if let Err(e) = result
            && self.error.is_none()
        {
            self.error = Some(e);
        }
    }
}

/// Writes `line` (a raw line, ending in a line break) after `index` and a tab.
fn write_indexed(out: &mut impl Write, index: usize, line: &str) -> io::Result<()> {
    let mut number = itoa::Buffer::new();
    out.write_all(number.format(index).as_bytes())?;
    out.write_all(b"\t")?;
    out.write_all(line.as_bytes())
}

/// The raw lines of several files, each in submit order with its job's index before it, merged
/// into one submit order.
struct InSubmitOrder {
    sources: Vec<Lines<BufReader<File>>>,
    /// The next line of each source that has one, smallest index first.
    heads: BinaryHeap<Reverse<(usize, usize)>>,
    lines: Vec<String>,
}

impl InSubmitOrder {
    fn new(mut sources: Vec<Lines<BufReader<File>>>) -> io::Result<InSubmitOrder> {
        let mut heads = BinaryHeap::new();
        let mut lines = vec![String::new(); sources.len()];
        for (source, lines_of) in sources.iter_mut().enumerate() {
            if let Some((index, line)) = next_indexed(lines_of)? {
                lines[source] = line;
                heads.push(Reverse((index, source)));
            }
        }
        Ok(InSubmitOrder { sources, heads, lines })
    }

    /// The next raw line in submit order, without its index.
    fn next_line(&mut self) -> io::Result<Option<String>> {
        let Some(Reverse((_, source))) = self.heads.pop() else {
            return Ok(None);
        };
        let line = match next_indexed(&mut self.sources[source])? {
            Some((index, next)) => {
                self.heads.push(Reverse((index, source)));
                std::mem::replace(&mut self.lines[source], next)
            }
            None => std::mem::take(&mut self.lines[source]),
        };
        Ok(Some(line))
    }
}

/// The next line of `lines` as (index, raw line without its index).
fn next_indexed(lines: &mut Lines<BufReader<File>>) -> io::Result<Option<(usize, String)>> {
    let Some(mut line) = lines.next().transpose()? else {
        return Ok(None);
    };
    let malformed = || io::Error::new(io::ErrorKind::InvalidData, "a held SWF line without its index");
    let tab = line.find('\t').ok_or_else(malformed)?;
    let index = line[..tab].parse().map_err(|_| malformed())?;
    line.drain(..=tab);
    Ok(Some((index, line)))
}

impl Observer for SwfLog {
    fn on_retired(&mut self, job: &Job, _view: &ClusterView<'_>) {
        self.retire(job);
    }

    fn on_end(&mut self, _end: SimTime, view: &ClusterView<'_>) {
        let in_gpus = self.gpu_jobs || !self.cpu_jobs;
        self.machine = Some((view.cluster.nodes().len(), machine_processors(view.cluster, in_gpus)));
    }
}

/// The processors of a job: its GPUs (a shared device counts whole), or, for a job without
/// GPUs, its CPU cores (rounded up per task). One SWF processor is one GPU or one core as the
/// SWF reader maps them (`workload.swf_processor`), so an SWF trace keeps its job sizes.
fn job_processors(spec: &JobSpec) -> u64 {
    let task = &spec.task;
    let per_task = if task.gpus > 0 {
        u64::from(task.gpus)
    } else {
        task.cpu_milli.div_ceil(1000)
    };
    u64::from(spec.tasks) * per_task
}

/// The processors of the machine, counted as [`job_processors`] counts its jobs': its GPUs
/// (`in_gpus`, some job used GPUs), or its CPU cores when the jobs used none (an SWF log read
/// with `swf_processor = "cpu"`) or the machine has no GPU.
fn machine_processors(cluster: &Cluster, in_gpus: bool) -> u64 {
    let gpus: u64 = cluster.nodes().iter().map(|n| u64::from(n.gpu_count)).sum();
    if in_gpus && gpus > 0 {
        gpus
    } else {
        cluster.nodes().iter().map(|n| n.cpu_milli / 1000).sum()
    }
}

/// SWF's status of a job in `state`: 1 completed; 0 failed, including a job killed at its
/// time limit (`timeout`), as archive logs record such jobs; 5 cancelled, for a job refused
/// because it can never fit; -1 for a job still waiting, held or running when the run ended.
fn status(state: JobState) -> i8 {
    match state {
        JobState::Completed => 1,
        JobState::Failed | JobState::Timeout => 0,
        JobState::NeverFits => 5,
        JobState::Pending | JobState::Running | JobState::Held => -1,
    }
}

/// The job's line before numbering: id, submit, wait, run time, allocated processors,
/// requested processors, requested time, status, user and queue, separated by tabs (names may
/// hold spaces; tabs and line breaks in them become spaces). An unknown value is -1.
fn raw_line(job: &Job) -> String {
    let spec = &job.spec;
    let wait = job.first_start.map(|start| start - spec.submit);
    let ended = job.end.filter(|_| job.state.is_terminal());
    let run = job.first_start.zip(ended).map(|(start, end)| end - start);
    let processors = job_processors(spec);
    let mut line = String::with_capacity(64);
    let mut number = itoa::Buffer::new();
    push_name(&mut line, &spec.id);
    for time in [Some(spec.submit), wait, run] {
        line.push('\t');
        match time {
            Some(t) => push_log_seconds(&mut line, t),
            None => line.push_str("-1"),
        }
    }
    line.push('\t');
    line.push_str(if job.first_start.is_some() {
        number.format(processors)
    } else {
        "-1"
    });
    line.push('\t');
    line.push_str(number.format(processors));
    line.push('\t');
    push_log_seconds(&mut line, spec.requested);
    line.push('\t');
    line.push_str(number.format(status(job.state)));
    line.push('\t');
    push_name(&mut line, &spec.user);
    line.push('\t');
    push_name(&mut line, &spec.queue);
    line.push('\n');
    line
}

/// `name` with tabs and line breaks as spaces, so that it stays one field of a raw line.
fn push_name(line: &mut String, name: &str) {
    line.extend(
        name.chars()
            .map(|c| if matches!(c, '\t' | '\n' | '\r') { ' ' } else { c }),
    );
}

/// True for a whole number as SWF writes one: decimal digits without a leading zero (or `0`),
/// small enough for any reader.
fn is_swf_number(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 18
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'))
}

/// Turns raw lines into SWF lines: job ids, users and queues as written when every one of its
/// kind is a number, otherwise numbered (jobs by submit order from 1, users and queues by first
/// appearance from 1); a job without a user or queue gets -1.
struct Renumbering {
    numbers: Numbers,
    users: HashMap<String, usize>,
    queues: HashMap<String, usize>,
}

impl Renumbering {
    fn new(numbers: Numbers) -> Renumbering {
        Renumbering {
            numbers,
            users: HashMap::new(),
            queues: HashMap::new(),
        }
    }

    /// The SWF line of the raw line of the job at `position` (from 0) in submit order.
    fn final_line(&mut self, raw: &str, position: usize) -> String {
        let fields: Vec<&str> = raw.split('\t').collect();
        let [
            id,
            submit,
            wait,
            run,
            allocated,
            requested,
            requested_time,
            status,
            user,
            queue,
        ] = fields[..]
        else {
            unreachable!("a raw line has ten fields, written by `raw_line`")
        };
        let id = if self.numbers.ids {
            id.to_string()
        } else {
            (position + 1).to_string()
        };
        let user = name_number(user, self.numbers.users, &mut self.users);
        let queue = name_number(queue, self.numbers.queues, &mut self.queues);
        format!(
            "{id} {submit} {wait} {run} {allocated} -1 -1 {requested} {requested_time} -1 {status} {user} -1 -1 {queue} -1 -1 -1\n"
        )
    }
}

/// A user's or queue's SWF number: -1 without a name, the name itself when every name is a
/// number, otherwise its place in order of first appearance (from 1).
fn name_number(name: &str, as_written: bool, seen: &mut HashMap<String, usize>) -> String {
    if name == UNNAMED {
        return "-1".to_string();
    }
    if as_written {
        return name.to_string();
    }
    let next = seen.len() + 1;
    seen.entry(name.to_string()).or_insert(next).to_string()
}

/// The header comments: format version, what ran, the job count and the machine's size.
fn write_header(w: &mut impl Write, computer: &str, jobs: usize, machine: Option<(usize, u64)>) -> io::Result<()> {
    writeln!(w, "; Version: 2.2")?;
    writeln!(w, "; Computer: {}", computer.replace(['\n', '\r'], " "))?;
    writeln!(
        w,
        "; Note: written by clustersim {}: the simulated schedule; wait time, run time and status are the simulation's",
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(w, "; MaxJobs: {jobs}")?;
    writeln!(w, "; MaxRecords: {jobs}")?;
    if let Some((nodes, processors)) = machine {
        writeln!(w, "; MaxNodes: {nodes}")?;
        writeln!(w, "; MaxProcs: {processors}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Job `i` (trace id `10 + i`, submitted at `i` s), started at 100 s and ended at
    /// `100 + i` s, completed, on one GPU.
    fn ended_job(i: u32) -> Job {
        use sim_core::cluster::GpuTypeSet;
        use sim_core::ids::{JobId, QueueId, UserId};
        use sim_core::resources::TaskRequest;
        let task = TaskRequest::with_gpu_amount(1.0, 0, 0).unwrap();
        let submit = SimTime::from_secs(u64::from(i));
        let spec = JobSpec::new((10 + i).to_string(), submit, SimTime::from_secs(100), 1, task);
        let mut job = Job::new(JobId(i), spec, UserId(0), QueueId(0), GpuTypeSet::ANY);
        job.state = JobState::Completed;
        job.first_start = Some(SimTime::from_secs(100));
        job.end = Some(SimTime::from_secs(100 + u64::from(i)));
        job
    }

    #[test]
    fn lines_set_aside_past_the_hold_limit_come_back_in_submit_order() {
        // Six jobs retired in the order 3, 1, 5, 0, 4, 2. With a limit of one byte every line
        // held goes to a file of its own at once (3; then 1; then 5; 0 lets 0 and 1 out but
        // not 3, set aside; …), and the committed log must equal the one written with no
        // limit: ids 10 … 15 in submit order, each waiting 100 − i s and running i s.
        let dir = tempfile::tempdir().unwrap();
        let mut logs = Vec::new();
        for (name, limit) in [("all-held", usize::MAX), ("set-aside", 1)] {
            let out = dir.path().join(name);
            let mut log = SwfLog::with_hold_limit(&out, "test".to_string(), limit).unwrap();
            for i in [3, 1, 5, 0, 4, 2] {
                log.retire(&ended_job(i));
            }
            if limit == 1 {
                assert!(log.set_aside.len() >= 3, "{} files set aside", log.set_aside.len());
            }
            log.machine = Some((6, 6));
            let path = log.commit(&out).unwrap();
            logs.push(std::fs::read_to_string(path).unwrap());
            let left: Vec<_> = std::fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(left, ["jobs.swf"], "temporary files removed");
        }
        assert_eq!(logs[0], logs[1]);
        let jobs: Vec<&str> = logs[1].lines().filter(|l| !l.starts_with(';')).collect();
        let expected: Vec<String> = (0..6)
            .map(|i| format!("{} {i} {} {i} 1 -1 -1 1 100 -1 1 -1 -1 -1 -1 -1 -1 -1", 10 + i, 100 - i))
            .collect();
        assert_eq!(jobs, expected);
    }

    #[test]
    fn swf_numbers_are_plain_decimal_digits() {
        for yes in ["0", "1", "42", "123456789012345678"] {
            assert!(is_swf_number(yes), "{yes}");
        }
        for no in ["", "007", "-1", "1.5", "a1", "1234567890123456789", " 1"] {
            assert!(!is_swf_number(no), "{no}");
        }
    }

    #[test]
    fn numbered_traces_keep_their_numbers_and_named_ones_are_numbered_in_order() {
        // The same two raw lines under both rules. As written: ids 7 and 9, users 12 and -1
        // (unnamed), queue 3 both times. Numbered: ids by position (1, 2), users by first
        // appearance (alice 1), queue `gpu` 1 both times.
        let numbered = Numbers {
            ids: true,
            users: true,
            queues: true,
        };
        let mut names = Renumbering::new(numbered);
        assert_eq!(
            names.final_line("7\t0\t5\t100\t2\t2\t120\t1\t12\t3", 0),
            "7 0 5 100 2 -1 -1 2 120 -1 1 12 -1 -1 3 -1 -1 -1\n"
        );
        assert_eq!(
            names.final_line("9\t10.5\t-1\t-1\t-1\t4\t60\t-1\tdefault\t3", 1),
            "9 10.5 -1 -1 -1 -1 -1 4 60 -1 -1 -1 -1 -1 3 -1 -1 -1\n"
        );
        let named = Numbers {
            ids: false,
            users: false,
            queues: false,
        };
        let mut names = Renumbering::new(named);
        let lines = [
            names.final_line("a\t0\t0\t10\t1\t1\t10\t1\tbob\tgpu", 0),
            names.final_line("b\t1\t0\t10\t1\t1\t10\t1\talice\tgpu", 1),
            names.final_line("c\t2\t0\t10\t1\t1\t10\t0\tbob\tdefault", 2),
        ];
        let fields = |line: &str, at: [usize; 3]| at.map(|i| line.split(' ').nth(i).unwrap().to_string());
        assert_eq!(fields(&lines[0], [0, 11, 14]), ["1", "1", "1"]);
        assert_eq!(fields(&lines[1], [0, 11, 14]), ["2", "2", "1"]);
        assert_eq!(fields(&lines[2], [0, 11, 14]), ["3", "1", "-1"]);
    }
}
