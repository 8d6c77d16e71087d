//! What a queue order offers in a round, checked against its contract: only waiting jobs, each
//! at most once a round. A broken order would otherwise end the run inside the round (a job
//! that is not held has no record to read) or keep the round from ever ending (the same job
//! offered again and again under backfilling, which goes on past a refusal).

use sim_core::ids::JobId;
use sim_core::job::JobState;
use sim_core::view::ClusterView;

/// How many jobs the queue order offered in the current round: more than are waiting means it
/// offered one twice. A count rather than a set of the jobs offered keeps the check to one
/// comparison; a repeat it does not catch yet does no harm (a job started twice is refused by
/// the engine, a job refused twice changes nothing), and an order repeating without end is
/// caught once the count passes the jobs waiting.
#[derive(Debug, Default)]
pub(crate) struct Offers {
    count: usize,
}

impl Offers {
    /// Starts a round: no job offered yet.
    pub(crate) fn begin_round(&mut self) {
        self.count = 0;
    }

    /// Notes that the queue order offered `id`, and says why that breaks its contract if it
    /// does: the job is not waiting, or the round has now offered more jobs than are waiting.
    pub(crate) fn offer(&mut self, view: &ClusterView<'_>, id: JobId) -> Option<String> {
        let Some(job) = view.jobs.get(id) else {
            return Some("the queue order offered a job that is not waiting (ended, or not arrived)".into());
        };
        if job.state != JobState::Pending {
            return Some(format!(
                "the queue order offered it while it is {}, not pending",
                job.state.as_str()
            ));
        }
        self.count += 1;
        (self.count > view.pending.len()).then(|| {
            format!(
                "the queue order offered more jobs in one round than the {} waiting: this one (at least) twice",
                view.pending.len()
            )
        })
    }
}
