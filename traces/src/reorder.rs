//! Streaming sort for traces that are nearly in submit order: jobs pass through a window of at
//! most [`WINDOW`] jobs and leave it earliest first. A job earlier than one already given out
//! (disorder deeper than the window) is an error naming its line, never a silent reorder.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use sim_core::job::JobSpec;
use sim_core::time::SimTime;

use crate::{JobSource, SkipReport, TraceError};

/// Jobs held back at most.
pub const WINDOW: usize = 4096;

/// A job waiting in the window: ordered by submit time, then by position in the file.
struct Held {
    submit: SimTime,
    position: u64,
    job: JobSpec,
}

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        (self.submit, self.position) == (other.submit, other.position)
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Held {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.submit, self.position).cmp(&(other.submit, other.position))
    }
}

/// A source whose jobs (with their line numbers) may be slightly out of submit order.
pub(crate) trait LinedSource: Iterator<Item = Result<(JobSpec, u64), TraceError>> + Send {
    /// The file, for errors.
    fn file(&self) -> &str;
    /// Rows skipped so far.
    fn skipped(&self) -> &SkipReport;
}

/// [`LinedSource`] jobs given out in submit order.
pub(crate) struct Reordered<S> {
    inner: S,
    window: BinaryHeap<Reverse<Held>>,
    position: u64,
    last_out: SimTime,
    failed: bool,
}

impl<S: LinedSource> Reordered<S> {
    pub(crate) fn new(inner: S) -> Self {
        Reordered {
            inner,
            window: BinaryHeap::new(),
            position: 0,
            last_out: SimTime::ZERO,
            failed: false,
        }
    }
}

impl<S: LinedSource> Iterator for Reordered<S> {
    type Item = Result<JobSpec, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        while self.window.len() < WINDOW {
            match self.inner.next() {
                None => break,
                Some(Err(e)) => {
                    self.failed = true;
                    return Some(Err(e));
                }
                Some(Ok((job, line))) => {
                    if job.submit < self.last_out {
                        self.failed = true;
                        return Some(Err(TraceError::Row {
                            file: self.inner.file().to_string(),
                            line,
                            reason: format!(
                                "submitted at {} s, before a job {WINDOW} or more rows earlier (at {} s): sort the file by submit time",
                                job.submit, self.last_out
                            ),
                        }));
                    }
                    self.position += 1;
                    self.window.push(Reverse(Held {
                        submit: job.submit,
                        position: self.position,
                        job,
                    }));
                }
            }
        }
        let Reverse(held) = self.window.pop()?;
        self.last_out = held.submit;
        Some(Ok(held.job))
    }
}

impl<S: LinedSource> JobSource for Reordered<S> {
    fn skipped(&self) -> &SkipReport {
        self.inner.skipped()
    }
}
