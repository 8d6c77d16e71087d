//! A workload read once: the pass that finds its typical tasks (which every run needs before
//! its first event, for the FGD fragmentation it reports) keeps the jobs it read, up to a bound,
//! and the run replays them instead of parsing the trace a second time.
//!
//! Memory stays bounded: past [`KEPT_JOBS`] jobs the kept ones are dropped and the run reads
//! the workload again from its start, as it would without this module.

use sim_core::frag::{TaskMix, TypicalTasks};
use sim_core::job::JobSpec;
use traces::{JobSource, SkipReport, TraceError};

/// The most jobs kept for the run (about 300 bytes each): larger workloads are read twice.
pub const KEPT_JOBS: usize = 150_000;

/// Jobs per chunk of the kept list: kept in chunks, the jobs are never copied to a larger list
/// as it grows, and the memory touched is the jobs' own.
const CHUNK: usize = 4096;

/// The jobs of a workload as its stream gave them, replayed as the same stream: the same jobs
/// and, at every point, the same skip report (rows skipped before the jobs given so far; all
/// of them once the stream has ended).
pub struct KeptJobs {
    /// The jobs, in chunks of [`CHUNK`] (a chunk's memory goes back as the replay passes it).
    jobs: std::iter::Flatten<std::vec::IntoIter<Vec<JobSpec>>>,
    /// How many jobs the replay has given so far.
    given: usize,
    /// `(n, report)`: the stream's skip report once it had given `n` jobs, for each `n` at which
    /// it had changed, in order.
    reports: Vec<(usize, SkipReport)>,
    /// How many entries of `reports` the replay has reached.
    reached: usize,
    /// The report at the end of the stream.
    at_end: SkipReport,
    /// True once the replay has said the stream ended.
    ended: bool,
    empty: SkipReport,
}

impl Iterator for KeptJobs {
    type Item = Result<JobSpec, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        let Some(job) = self.jobs.next() else {
            self.ended = true;
            return None;
        };
        self.given += 1;
        while self.reports.get(self.reached).is_some_and(|&(n, _)| n <= self.given) {
            self.reached += 1;
        }
        Some(Ok(job))
    }
}

impl JobSource for KeptJobs {
    fn skipped(&self) -> &SkipReport {
        if self.ended {
            return &self.at_end;
        }
        match self.reached {
            0 => &self.empty,
            n => &self.reports[n - 1].1,
        }
    }
}

/// What the typical-task pass leaves for the run.
pub enum Workload {
    /// The whole stream, kept.
    Kept(Box<KeptJobs>),
    /// The stream was too long to keep: the run opens it again.
    Reopen,
}

/// Reads `source` to its end, handing every job to `count` and keeping the jobs (with the skip
/// reports the run would see) while there are at most `limit` of them.
fn read_keeping(
    source: &mut dyn JobSource,
    mut count: impl FnMut(&JobSpec),
    limit: usize,
) -> Result<Workload, TraceError> {
    let mut kept: Option<Vec<Vec<JobSpec>>> = Some(Vec::new());
    let mut reports: Vec<(usize, SkipReport)> = Vec::new();
    let mut seen = 0usize;
    let mut last_total = 0u64;
    while let Some(job) = source.next() {
        let job = job?;
        count(&job);
        seen += 1;
        if seen > limit {
            kept = None;
            reports.clear();
        }
        if let Some(chunks) = kept.as_mut() {
            match chunks.last_mut() {
                Some(chunk) if chunk.len() < CHUNK => chunk.push(job),
                _ => {
                    let mut chunk = Vec::with_capacity(CHUNK.min(limit));
                    chunk.push(job);
                    chunks.push(chunk);
                }
            }
            let total = source.skipped().total();
            if total != last_total {
                reports.push((seen, source.skipped().clone()));
                last_total = total;
            }
        }
    }
    let Some(jobs) = kept else {
        return Ok(Workload::Reopen);
    };
    Ok(Workload::Kept(Box::new(KeptJobs {
        jobs: jobs.into_iter().flatten(),
        given: 0,
        reports,
        reached: 0,
        at_end: source.skipped().clone(),
        ended: false,
        empty: SkipReport::default(),
    })))
}

/// The typical tasks of a stream as `cluster` runs them, `hot_spares` nodes held out (see
/// [`TaskMix::add_as_admitted`]), from a pass that keeps it (see `read_keeping`).
pub fn typical_keeping(
    source: &mut dyn JobSource,
    threshold: u32,
    cluster: &sim_core::cluster::Cluster,
    hot_spares: u32,
) -> Result<(TypicalTasks, Workload), TraceError> {
    let mut mix = TaskMix::new();
    let workload = read_keeping(source, |job| mix.add_as_admitted(job, cluster, hot_spares), KEPT_JOBS)?;
    Ok((mix.typical(threshold, cluster), workload))
}

#[cfg(test)]
mod tests {
    use super::*;
    use traces::{Format, ReadOptions};

    /// Five SWF rows: jobs 1, 3 and 4 run; job 2 (run time -1) and job 5 (submit time -1) are
    /// skipped, one between jobs and one after the last.
    const SWF: &str = "\
1 0 -1 10 1 -1 -1 1 20 -1 1 1 1 -1 -1 -1 -1 -1
2 5 -1 -1 1 -1 -1 1 20 -1 1 1 1 -1 -1 -1 -1 -1
3 6 -1 10 2 -1 -1 2 20 -1 1 1 1 -1 -1 -1 -1 -1
4 7 -1 10 1 -1 -1 1 20 -1 1 1 1 -1 -1 -1 -1 -1
5 -1 -1 10 1 -1 -1 1 20 -1 1 1 1 -1 -1 -1 -1 -1
";

    fn open() -> Box<dyn JobSource> {
        traces::open_reader("t.swf", SWF.as_bytes(), Some(Format::Swf), &ReadOptions::default()).unwrap()
    }

    #[test]
    fn the_replay_gives_what_the_stream_gave_with_its_skip_reports() {
        // The oracle is the reader itself: after every call of `next`, the replay's job and skip
        // report equal those of a fresh stream read alongside it.
        let Workload::Kept(mut kept) = read_keeping(&mut *open(), |_| {}, 10).unwrap() else {
            panic!("three jobs are under the limit of ten");
        };
        let mut stream = open();
        assert_eq!(kept.skipped(), stream.skipped());
        let mut ids = Vec::new();
        loop {
            let (a, b) = (kept.next(), stream.next());
            assert_eq!(a.is_some(), b.is_some());
            assert_eq!(kept.skipped(), stream.skipped());
            let (Some(a), Some(b)) = (a, b) else { break };
            let (a, b) = (a.unwrap(), b.unwrap());
            assert_eq!(a.id, b.id);
            assert_eq!((a.submit, a.duration, a.tasks), (b.submit, b.duration, b.tasks));
            ids.push(a.id);
        }
        assert_eq!(ids, ["1", "3", "4"]);
        // Both skipped rows count once the stream has ended.
        assert_eq!(kept.skipped().total(), 2);
    }

    #[test]
    fn a_stream_longer_than_the_limit_is_read_again() {
        assert!(matches!(
            read_keeping(&mut *open(), |_| {}, 2).unwrap(),
            Workload::Reopen
        ));
    }
}
