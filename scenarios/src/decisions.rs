//! `decisions.csv`, the why-log of a run (`run --explain`, `[output] explain = true`): what each
//! scheduling round decided about the jobs it considered, compacted so that a job waiting for
//! the same reason round after round is one row. See docs/scenarios.md for the columns, the
//! reason vocabulary and how to read the spans back, and [`policies::explain`] for where the
//! reasons come from.
//!
//! A start is written in its round. A wait is held open while the job's next considered rounds
//! give the same reason with the same parameters (for `behind-head`, whichever job is the head:
//! a long FIFO queue whose head changes often would otherwise write a row per waiting job per
//! head), and written once when the job's next round
//! says something else (`until_s` is that round's time) or when the run ends (`until_s` empty):
//! its `rounds` counts the rounds it stands for, from `t_s` to `last_s`. A job's rows are in time
//! order; rows of different jobs are in the order their spans closed.
//!
//! The jobs waiting behind the head share their counters: each round the queue stops at a head
//! adds one to the rounds of all of them at once (and a turn of the head when the head differs
//! from the last), and a job's wait behind the head notes only where the shared counts stood
//! when it began. A round costs the jobs it considered and those that began or stopped waiting
//! behind the head ([`policies::explain::CompactRound`]), not the length of the queue. To tell
//! how many distinct jobs a wait was behind (two heads may take turns many times), the turns
//! are kept as a Fenwick tree marking each head's latest turn (`Turns`): 4 bytes per turn and
//! an entry per job that was ever the head, a look-up and an update in log time.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use policies::explain::{Candidate, CompactRound, ExplainSink, Outcome, Reason, Victim};
use sim_core::SimTime;
use sim_core::ids::JobId;
use sim_core::view::ClusterView;

/// Columns of `decisions.csv`, in order. `candidates` lists, for a start by a placement that
/// scores nodes, its best candidate nodes for the first task as `node=score` joined by `;`, best
/// first ([`candidates_cell`], docs/scenarios.md); `victims`, for a start after preemption or
/// suspension, the jobs stopped as `job(why)` joined by `;`, in the victim rule's order
/// ([`victims_cell`]). `rounds`, `last_s` and `until_s` say which rounds a row stands for (the
/// module's documentation).
pub const DECISIONS_COLUMNS: [&str; 11] = [
    "t_s",
    "job_id",
    "outcome",
    "reason",
    "params",
    "nodes",
    "candidates",
    "victims",
    "rounds",
    "last_s",
    "until_s",
];

/// `decisions.csv` being written: rows go to a temporary file in the run's folder, renamed into
/// place by [`DecisionsCsv::commit`] (a failed run leaves nothing).
pub struct DecisionsCsv {
    shared: Arc<Mutex<Writer>>,
}

/// A wait not written yet: the same reason, with the same parameters, in every round since
/// `first` (behind the head of the queue: behind `distinct` heads in `heads` turns).
struct OpenWait {
    /// The reason (behind the head: the last head).
    reason: Reason,
    /// The job's trace id and the reason's parameters, formatted when the wait opened.
    job: String,
    params: String,
    /// Behind the head: how many turns of the head, how many distinct jobs they were, and the
    /// last one's trace id once there were several.
    heads: u64,
    distinct: u64,
    last_head: String,
    first: SimTime,
    last: SimTime,
    rounds: u64,
}

/// A wait behind the head that goes on while the queue stops at a head: its rounds and heads
/// are those the shared counts ([`Behind`]) gained since it joined, plus those it had before
/// (a wait the queue's order interrupted without a row, resumed).
struct WaitBehind {
    /// The job's trace id and `head=` the first head's, formatted when the wait opened.
    job: String,
    params: String,
    first: SimTime,
    /// Rounds, turns of the head and distinct heads before it joined the shared counts.
    rounds_before: u64,
    heads_before: u64,
    distinct_before: u64,
    /// The shared counts when it joined.
    joined_rounds: u64,
    joined_turns: u64,
}

/// The counts every wait behind the head shares.
#[derive(Default)]
struct Behind {
    /// Rounds in which the queue stopped at a head.
    rounds: u64,
    /// The turns of the head: each time it differed from the last round's.
    turns: Turns,
    /// The last such round's head, its trace id and time.
    head: Option<JobId>,
    head_id: String,
    last: SimTime,
}

/// The heads of the queue in turn, numbered from 1, for the distinct heads since a turn: a
/// Fenwick tree over the turns holding 1 at each head's latest turn and 0 elsewhere, so that the
/// distinct heads from turn `t` on are the sum from `t` on.
#[derive(Default)]
struct Turns {
    /// Fenwick sums: `tree[i - 1]` holds the marks of turns `i - lowbit(i) + 1 ..= i`.
    tree: Vec<u32>,
    /// Each head's latest turn.
    latest: HashMap<JobId, usize>,
}

impl Turns {
    /// Turns so far.
    fn count(&self) -> u64 {
        self.tree.len() as u64
    }

    /// `head` takes the next turn: its mark moves there from its latest turn.
    fn push(&mut self, head: JobId) {
        let turn = self.tree.len() + 1;
        if let Some(mut i) = self.latest.insert(head, turn) {
            while i < turn {
                self.tree[i - 1] -= 1;
                i += i & i.wrapping_neg();
            }
        }
        let low = turn & turn.wrapping_neg();
        let sum = 1 + self.prefix(turn - 1) - self.prefix(turn - low);
        self.tree.push(sum);
    }

    /// The marks of turns 1 to `turn`.
    fn prefix(&self, mut turn: usize) -> u32 {
        let mut sum = 0;
        while turn > 0 {
            sum += self.tree[turn - 1];
            turn -= turn & turn.wrapping_neg();
        }
        sum
    }

    /// How many distinct heads took the turns from `from` (at least 1) to the last.
    fn distinct_since(&self, from: u64) -> u64 {
        let from = usize::try_from(from).expect("a turn that was taken");
        u64::from(self.prefix(self.tree.len()) - self.prefix(from - 1))
    }
}

/// What a job's wait is, while open.
enum Open {
    /// Waiting for a reason of its own.
    Wait(OpenWait),
    /// Waiting behind the head, with the shared counts.
    Behind(WaitBehind),
}

/// The file, the open waits and the first write error.
struct Writer {
    out: csv::Writer<BufWriter<std::fs::File>>,
    path: Option<tempfile::TempPath>,
    error: Option<io::Error>,
    /// The open wait of each job that has one (only those: a slot for every job of a long run
    /// would grow with its trace), in job order.
    open: BTreeMap<JobId, Open>,
    /// The counts shared by the waits behind the head.
    behind: Behind,
}

/// The scheduler's end of a [`DecisionsCsv`].
struct Sink(Arc<Mutex<Writer>>);

impl DecisionsCsv {
    /// Starts `decisions.csv` in `dir` (created if needed).
    pub fn create(dir: &Path) -> io::Result<DecisionsCsv> {
        std::fs::create_dir_all(dir)?;
        let (file, path) = reports::atomic::temporary_for(dir, "decisions.csv")?;
        let mut out = csv::Writer::from_writer(BufWriter::new(file));
        out.write_record(DECISIONS_COLUMNS)?;
        Ok(DecisionsCsv {
            shared: Arc::new(Mutex::new(Writer {
                out,
                path: Some(path),
                error: None,
                open: BTreeMap::new(),
                behind: Behind::default(),
            })),
        })
    }

    /// The sink to give the scheduler ([`policies::resolve_explained`]).
    pub fn sink(&self) -> Box<dyn ExplainSink> {
        Box::new(Sink(Arc::clone(&self.shared)))
    }

    /// Writes the waits still open (with an empty `until_s`, in job order), flushes the rows and
    /// renames the file to `dir/decisions.csv`; returns its path, or the first write error.
    pub fn commit(self, dir: &Path) -> io::Result<PathBuf> {
        let mut writer = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        let open = std::mem::take(&mut writer.open);
        for wait in open.into_values() {
            let wait = writer.settle(wait);
            writer.close(wait, None);
        }
        if let Some(error) = writer.error.take() {
            return Err(error);
        }
        writer.out.flush()?;
        let target = dir.join("decisions.csv");
        let path = writer.path.take().expect("a decisions file is committed once");
        reports::atomic::persist(path, &target)?;
        Ok(target)
    }
}

impl Writer {
    /// Writes one row, keeping the first error.
    fn write(&mut self, record: [&str; 11]) {
        if self.error.is_none()
            && let Err(e) = self.out.write_record(record)
        {
            self.error = Some(e.into());
        }
    }

    /// Writes the row of `wait`, which held until `until` (`None`: the end of the run).
    fn close(&mut self, mut wait: OpenWait, until: Option<SimTime>) {
        let until = until.map(reports::number::seconds).unwrap_or_default();
        if wait.heads > 1 {
            wait.params = format!("{};heads={};last_head={}", wait.params, wait.distinct, wait.last_head);
            if wait.heads > wait.distinct {
                wait.params = format!("{};turns={}", wait.params, wait.heads);
            }
        }
        self.write([
            &reports::number::seconds(wait.first),
            &wait.job,
            "waits",
            wait.reason.name(),
            &wait.params,
            "",
            "",
            "",
            &wait.rounds.to_string(),
            &reports::number::seconds(wait.last),
            &until,
        ]);
    }
}

impl Writer {
    /// `open` as a wait with counters of its own: a wait behind the head gets the rounds and
    /// heads the shared counts gained since it joined, up to the last round that stopped at a
    /// head.
    fn settle(&self, open: Open) -> OpenWait {
        let wait = match open {
            Open::Wait(wait) => return wait,
            Open::Behind(wait) => wait,
        };
        let behind = &self.behind;
        let head = behind
            .head
            .expect("a wait behind the head joined in a round with a head");
        OpenWait {
            reason: Reason::BehindHead { head },
            job: wait.job,
            params: wait.params,
            heads: wait.heads_before + behind.turns.count() - wait.joined_turns + 1,
            distinct: wait.distinct_before + behind.turns.distinct_since(wait.joined_turns),
            last_head: behind.head_id.clone(),
            first: wait.first,
            last: behind.last,
            rounds: wait.rounds_before + behind.rounds - wait.joined_rounds + 1,
        }
    }

    /// A round stopped at `head`, at `now`: every wait behind the head gains it.
    fn stopped_at(&mut self, view: &ClusterView<'_>, head: JobId) {
        let behind = &mut self.behind;
        behind.rounds += 1;
        if behind.head != Some(head) {
            behind.turns.push(head);
            behind.head = Some(head);
            behind.head_id.clear();
            behind.head_id.push_str(&view.job(head).spec.id);
        }
        behind.last = view.now;
    }

    /// `job` begins waiting behind the head in this round (after [`Writer::stopped_at`]): a
    /// wait for another reason is written, a wait behind the head the queue's order interrupted
    /// goes on.
    fn joins(&mut self, view: &ClusterView<'_>, job: JobId) {
        let now = view.now;
        let behind = &self.behind;
        let head = behind.head.expect("a job joins in a round with a head");
        let (joined_rounds, joined_turns) = (behind.rounds, behind.turns.count());
        let wait = match self.open.remove(&job) {
            Some(Open::Wait(wait)) if matches!(wait.reason, Reason::BehindHead { .. }) => {
                let changed = wait.reason != Reason::BehindHead { head };
                WaitBehind {
                    job: wait.job,
                    params: wait.params,
                    first: wait.first,
                    rounds_before: wait.rounds,
                    heads_before: wait.heads - 1 + u64::from(changed),
                    // The head it waits behind now counted once if it is the last one before;
                    // another head of both spans counts twice (such a resumed wait is rare: an
                    // order of another crate skipping the job for some rounds).
                    distinct_before: wait.distinct - 1 + u64::from(changed),
                    joined_rounds,
                    joined_turns,
                }
            }
            previous => {
                if let Some(previous) = previous {
                    let previous = self.settle(previous);
                    self.close(previous, Some(now));
                }
                let reason = Reason::BehindHead { head };
                WaitBehind {
                    job: view.job(job).spec.id.clone(),
                    params: reason.params(view),
                    first: now,
                    rounds_before: 0,
                    heads_before: 0,
                    distinct_before: 0,
                    joined_rounds,
                    joined_turns,
                }
            }
        };
        self.open.insert(job, Open::Behind(wait));
    }
}

impl ExplainSink for Sink {
    fn compact_round(&mut self, view: &ClusterView<'_>, round: &CompactRound<'_>) {
        let mut writer = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if writer.error.is_some() {
            return;
        }
        let now = view.now;
        for &job in round.left {
            if let Some(open) = writer.open.remove(&job) {
                let wait = writer.settle(open);
                writer.open.insert(job, Open::Wait(wait));
            }
        }
        for row in round.rows {
            if let (Outcome::Waits(reason), Some(Open::Wait(open))) = (&row.outcome, writer.open.get_mut(&row.job))
                && open.reason == *reason
            {
                open.rounds += 1;
                open.last = now;
                continue;
            }
            if let Some(previous) = writer.open.remove(&row.job) {
                let previous = writer.settle(previous);
                writer.close(previous, Some(now));
            }
            let job = view.job(row.job).spec.id.as_str();
            if let Outcome::Waits(reason) = &row.outcome {
                writer.open.insert(
                    row.job,
                    Open::Wait(OpenWait {
                        reason: reason.clone(),
                        job: job.to_string(),
                        params: reason.params(view),
                        heads: 1,
                        distinct: 1,
                        last_head: String::new(),
                        first: now,
                        last: now,
                        rounds: 1,
                    }),
                );
                continue;
            }
            let t = reports::number::seconds(now);
            let nodes: Vec<&str> = row
                .tasks
                .iter()
                .map(|task| view.cluster.node(task.node).name.as_str())
                .collect();
            let candidates = candidates_cell(view, &row.candidates);
            let victims = victims_cell(view, &row.victims);
            writer.write([
                &t,
                job,
                row.outcome.name(),
                "",
                "",
                &nodes.join("+"),
                &candidates,
                &victims,
                "1",
                &t,
                "",
            ]);
        }
        if let Some(head) = round.head {
            writer.stopped_at(view, head);
            for &job in round.joined {
                writer.joins(view, job);
            }
        }
    }
}

/// The `candidates` cell: each candidate as `node=score` (the node's name, the score as
/// [`reports::number::decimal`] writes it), best first, joined by `;`; empty without candidates.
pub fn candidates_cell(view: &ClusterView<'_>, candidates: &[Candidate]) -> String {
    let mut cell = String::new();
    for (i, candidate) in candidates.iter().enumerate() {
        if i > 0 {
            cell.push(';');
        }
        cell.push_str(&view.cluster.node(candidate.node).name);
        cell.push('=');
        reports::number::push_decimal(&mut cell, candidate.score);
    }
    cell
}

/// The `victims` cell: each victim as `job(why)` (its trace id, and what the victim rule ranked
/// it by, [`Victim::why`]; the bare id when the rule says nothing), in the rule's order, joined
/// by `;`; empty without victims.
pub fn victims_cell(view: &ClusterView<'_>, victims: &[Victim]) -> String {
    let mut cell = String::new();
    for (i, victim) in victims.iter().enumerate() {
        if i > 0 {
            cell.push(';');
        }
        cell.push_str(&view.job(victim.job).spec.id);
        if !victim.why.is_empty() {
            cell.push('(');
            cell.push_str(&victim.why);
            cell.push(')');
        }
    }
    cell
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Heads b, a, b, a, c in turns 1 to 5: from turn 1 on the distinct heads are b, a, c (3);
    /// from 3 on b, a, c (3); from 4 on a, c (2); from 5 on c (1). Then b again (turn 6): from
    /// 4 on a, c, b (3), from 5 on c, b (2), from 6 on b alone (1).
    #[test]
    fn turns_count_the_distinct_heads_since_a_turn() {
        let (a, b, c) = (JobId::from_index(0), JobId::from_index(1), JobId::from_index(2));
        let mut turns = Turns::default();
        for head in [b, a, b, a, c] {
            turns.push(head);
        }
        assert_eq!(turns.count(), 5);
        let since = |turns: &Turns| (1..=turns.count()).map(|t| turns.distinct_since(t)).collect::<Vec<_>>();
        assert_eq!(since(&turns), [3, 3, 3, 2, 1]);
        turns.push(b);
        assert_eq!(since(&turns), [3, 3, 3, 3, 2, 1]);
    }
}
