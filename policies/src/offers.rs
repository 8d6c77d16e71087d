//! What a queue order offers in a round, checked against its contract: only waiting jobs, each
//! at most once a round. A broken order would otherwise end the run inside the round (a job
//! that is not held has no record to read) or keep the round from ever ending (the same job
//! offered again and again under backfilling, which goes on past a refusal).

use rustc_hash::FxHashSet;

use sim_core::ids::JobId;
use sim_core::job::JobState;
use sim_core::view::ClusterView;

/// The jobs offered so far in the current round (a set kept from round to round, so that a
/// round allocates nothing once the set has grown to the deepest queue).
#[derive(Debug, Default)]
pub(crate) struct Offers {
    offered: FxHashSet<JobId>,
}

impl Offers {
    /// Starts a round: no job offered yet.
    pub(crate) fn begin_round(&mut self) {
        self.offered.clear();
    }

    /// Notes that the queue order offered `id`, and says why that breaks its contract if it
    /// does: the job is not waiting, or was offered before in this round.
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
        (!self.offered.insert(id)).then(|| "the queue order offered it twice in one round".into())
    }
}
