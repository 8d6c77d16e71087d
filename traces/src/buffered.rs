//! Workloads held in memory: for sources that must be seen whole before the first job can be
//! given out (pod lists out of time order, fill workloads).

use sim_core::job::JobSpec;

use crate::{JobSource, SkipReport, TraceError};

/// Jobs in memory, given out in order, with the skip counts of the file they came from.
pub struct BufferedSource {
    jobs: std::vec::IntoIter<JobSpec>,
    skipped: SkipReport,
}

impl BufferedSource {
    /// A source giving out `jobs` in this order.
    pub fn new(jobs: Vec<JobSpec>, skipped: SkipReport) -> Self {
        BufferedSource {
            jobs: jobs.into_iter(),
            skipped,
        }
    }

    /// Reads all of `source` and orders it by submit time; jobs submitted at the same time
    /// keep their order in the file.
    pub fn sorted(mut source: impl JobSource) -> Result<Self, TraceError> {
        let mut jobs = read_all(&mut source)?;
        jobs.sort_by_key(|job| job.submit);
        Ok(BufferedSource::new(jobs, source.skipped().clone()))
    }
}

/// Reads every job of `source`; stops at its first error.
pub fn read_all(source: &mut dyn JobSource) -> Result<Vec<JobSpec>, TraceError> {
    source.collect()
}

impl Iterator for BufferedSource {
    type Item = Result<JobSpec, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.jobs.next().map(Ok)
    }
}

impl JobSource for BufferedSource {
    fn skipped(&self) -> &SkipReport {
        &self.skipped
    }
}
