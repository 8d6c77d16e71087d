//! The why-log: what a scheduling round decided about each job it considered, and why a job
//! that did not start waits.
//!
//! Explaining is off unless a run asks for it ([`crate::resolve_explained`]): the scheduler then
//! carries an [`ExplainSink`] and, at the end of every round, hands it a [`CompactRound`]: one
//! [`Considered`] per job the round looked at and, when the queue stopped at a blocked job
//! without backfilling, that head, with only the jobs that began or stopped waiting behind it
//! (a long FIFO queue behind a head costs nothing per waiting job and round; a sink that wants
//! a row for each expands it, [`CompactRound::every_row`]). The reasons come from the parts
//! that said no (the quota check, the placement's refusal, the backfill plan, the preemption
//! rule, the queue order stopping at its head); when explaining is off none of this runs and
//! nothing is allocated.
//!
//! For a job started in its turn or by backfilling, by a placement that ranks nodes (best, worst
//! fit, spread, packed, power- and thermal-aware, FGD and the other scored placements of the FGD
//! study), the row also lists the best `top_k` candidate nodes for its first task with their
//! scores ([`Candidate`], [`crate::placement::Placement::candidates`]), as the round saw them
//! just before placing it.
//!
//! For a start that preempted or suspended running jobs, the row names the victims, in the
//! order the victim rule ranked them, each with what the rule ranked it by ([`Victim`],
//! [`crate::preemption::VictimOrder::explain`]).
//!
//! Thermal caps and open breakers never refuse a start in this simulator: they slow jobs down or
//! take nodes down, and a job kept out by downed nodes waits for `no-model-up`, `no-node-fits`
//! or `too-few-free`.

use sim_core::cluster::Trial;
use sim_core::ids::{JobId, NodeId, RackId};
use sim_core::job::{Job, JobState};
use sim_core::observe::{Membership, Record};
use sim_core::policy::StartKind;
use sim_core::resources::{MILLI_PER_GPU, TaskAlloc};
use sim_core::time::SimTime;
use sim_core::view::ClusterView;

/// Why a considered job did not start this round (the closed vocabulary of `decisions.csv`).
#[derive(Clone, Debug, PartialEq)]
pub enum Reason {
    /// No node can take one task: none has enough free GPUs of an allowed model.
    NoNodeFits {
        /// GPUs one task needs.
        gpus: f64,
        /// The GPU models the job may use (`any` when unrestricted).
        model: String,
        /// The most free GPUs on any up node of an allowed model.
        best_free: f64,
    },
    /// Some node has room for one task's GPUs, but none of those has the memory one task
    /// needs.
    NoNodeFitsMemory {
        /// Memory one task needs, GiB.
        mem_gib: f64,
        /// The GPU models the job may use (`any` when unrestricted).
        model: String,
        /// The most free memory, GiB, on an up node of an allowed model with room for one
        /// task's GPUs.
        best_free: f64,
    },
    /// Some node has room for one task's GPUs and memory, but none of those has the CPU cores
    /// one task needs.
    NoNodeFitsCpus {
        /// CPU cores one task needs.
        cpus: f64,
        /// The GPU models the job may use (`any` when unrestricted).
        model: String,
        /// The most free CPU cores on an up node of an allowed model with room for one task's
        /// GPUs and memory.
        best_free: f64,
    },
    /// The cluster has fewer free GPUs in total than the job needs.
    TooFewFree {
        /// Free GPUs in the whole cluster (after this round's earlier starts).
        free: f64,
        /// GPUs the job needs.
        needed: f64,
    },
    /// Without backfilling, the queue stopped at a job that could not start (reported as a
    /// [`CompactRound`]'s head; [`CompactRound::every_row`] makes it a reason of each job behind).
    BehindHead {
        /// The blocked head.
        head: JobId,
    },
    /// It fits now, but would run into the backfill reservation of another job.
    Reservation {
        /// The job holding the reservation.
        job: JobId,
        /// When that reservation starts.
        until: SimTime,
    },
    /// Starting it would take a queue past its quota.
    OverQuota {
        /// The queue whose quota it would exceed.
        queue: String,
    },
    /// Free GPUs exist, but the rack's power budget (admit mode) refuses more draw.
    PowerBudget {
        /// The rack of the best such node.
        rack: RackId,
    },
    /// Every node of the GPU models the job may use is down or unreachable.
    NoModelUp {
        /// The GPU models the job may use.
        model: String,
    },
    /// Single tasks fit, but not every task of the gang at once.
    GangNotCoPlaced {
        /// Tasks of the gang.
        tasks: u32,
        /// Nodes on which one task fits now.
        nodes_fitting: usize,
    },
    /// Preemption was allowed but the preemptible lower-priority jobs would not free enough.
    TooFewVictims {
        /// Jobs that could have been preempted.
        candidates: usize,
    },
}

impl Reason {
    /// Its name in `decisions.csv`.
    pub fn name(&self) -> &'static str {
        match self {
            Reason::NoNodeFits { .. } => "no-node-fits",
            Reason::NoNodeFitsMemory { .. } => "no-node-fits-memory",
            Reason::NoNodeFitsCpus { .. } => "no-node-fits-cpus",
            Reason::TooFewFree { .. } => "too-few-free",
            Reason::BehindHead { .. } => "behind-head",
            Reason::Reservation { .. } => "reservation",
            Reason::OverQuota { .. } => "over-quota",
            Reason::PowerBudget { .. } => "power-budget",
            Reason::NoModelUp { .. } => "no-model-up",
            Reason::GangNotCoPlaced { .. } => "gang-not-co-placed",
            Reason::TooFewVictims { .. } => "too-few-victims",
        }
    }

    /// Its parameters as `key=value;…`, job ids as their trace ids and racks by name.
    pub fn params(&self, view: &ClusterView<'_>) -> String {
        match self {
            Reason::NoNodeFits { gpus, model, best_free } => {
                format!("gpus={gpus};model={model};best_free={best_free}")
            }
            Reason::NoNodeFitsMemory {
                mem_gib,
                model,
                best_free,
            } => {
                format!("mem_gib={mem_gib};model={model};best_free={best_free}")
            }
            Reason::NoNodeFitsCpus { cpus, model, best_free } => {
                format!("cpus={cpus};model={model};best_free={best_free}")
            }
            Reason::TooFewFree { free, needed } => format!("free={free};needed={needed}"),
            Reason::BehindHead { head } => format!("head={}", view.job(*head).spec.id),
            Reason::Reservation { job, until } => {
                format!("job={};until_s={}", view.job(*job).spec.id, until.as_secs_f64())
            }
            Reason::OverQuota { queue } => format!("queue={queue}"),
            Reason::PowerBudget { rack } => format!("rack={}", view.cluster.racks()[rack.index()].name),
            Reason::NoModelUp { model } => format!("model={model}"),
            Reason::GangNotCoPlaced { tasks, nodes_fitting } => format!("tasks={tasks};nodes_fitting={nodes_fitting}"),
            Reason::TooFewVictims { candidates } => format!("candidates={candidates}"),
        }
    }
}

/// What a round did with a job it considered.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Started in its turn.
    Started,
    /// Started ahead of a blocked job, by backfilling.
    Backfilled,
    /// Started after preempting or suspending running jobs.
    PreemptedOthers,
    /// Left waiting, for this reason.
    Waits(Reason),
}

impl Outcome {
    /// Its name in `decisions.csv` (for a start, its [`StartKind::name`]).
    pub fn name(&self) -> &'static str {
        match self.start_kind() {
            Some(kind) => kind.name(),
            None => "waits",
        }
    }

    /// For a start, how the job came to start (what the engine reports with it); `None` for a
    /// wait.
    pub fn start_kind(&self) -> Option<StartKind> {
        match self {
            Outcome::Started => Some(StartKind::Started),
            Outcome::Backfilled => Some(StartKind::Backfilled),
            Outcome::PreemptedOthers => Some(StartKind::PreemptedOthers),
            Outcome::Waits(_) => None,
        }
    }
}

impl From<StartKind> for Outcome {
    fn from(kind: StartKind) -> Outcome {
        match kind {
            StartKind::Started => Outcome::Started,
            StartKind::Backfilled => Outcome::Backfilled,
            StartKind::PreemptedOthers => Outcome::PreemptedOthers,
        }
    }
}

/// A node a scored placement could have put a job's first task on, with its score in the
/// placement's own terms (see [`crate::placement::Placement::candidates`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// The node.
    pub node: NodeId,
    /// Its score.
    pub score: f64,
}

/// A running job that a start preempted or suspended, and why the victim rule chose it.
#[derive(Clone, Debug, PartialEq)]
pub struct Victim {
    /// The job stopped.
    pub job: JobId,
    /// What the rule ranked it by, as `key=value` pairs joined by `,` (`lost_gpu_s=7200`);
    /// empty when the rule says nothing.
    pub why: String,
}

/// One job considered by one round.
#[derive(Clone, Debug, PartialEq)]
pub struct Considered {
    /// The job.
    pub job: JobId,
    /// What the round did with it.
    pub outcome: Outcome,
    /// Where it started (empty while it waits).
    pub tasks: Vec<TaskAlloc>,
    /// For a start by a scored placement, its best candidates for the first task, best first
    /// (at most the run's `top_k`; empty otherwise).
    pub candidates: Vec<Candidate>,
    /// For a start after preempting or suspending running jobs, the jobs stopped, in the
    /// victim rule's order (empty otherwise).
    pub victims: Vec<Victim>,
}

/// One round as the scheduler explains it: the jobs it considered and, when the queue stopped
/// at a blocked job, who waits behind it, told as a change from the round before.
#[derive(Clone, Copy, Debug)]
pub struct CompactRound<'a> {
    /// The jobs the round considered, in order (a job time slicing started after it was
    /// refused appears once, as its start).
    pub rows: &'a [Considered],
    /// The blocked job the queue stopped at (no backfilling): every other waiting job of the
    /// view (pending and not among `rows`) waits behind it this round. `None` when the queue
    /// did not stop.
    pub head: Option<JobId>,
    /// The jobs waiting behind `head` this round that did not in the previous round, in
    /// pending order; the others waiting behind it did, and their wait goes on.
    pub joined: &'a [JobId],
    /// Jobs that waited behind the head in the previous round and neither wait behind it now
    /// nor are among `rows`: they left the queue unconsidered (rejected), or the queue did not
    /// offer them this round. Their wait does not go on this round.
    pub left: &'a [JobId],
}

impl CompactRound<'_> {
    /// Every row of the round: `rows`, then one `waits` row for `behind-head` per job waiting
    /// behind the head, in pending order (a row per waiting job and round).
    pub fn every_row(&self, view: &ClusterView<'_>) -> Vec<Considered> {
        let mut rows = self.rows.to_vec();
        if let Some(head) = self.head {
            let mut considered: Vec<JobId> = self.rows.iter().map(|r| r.job).collect();
            considered.sort_unstable();
            rows.extend(
                view.pending
                    .iter()
                    .filter(|job| considered.binary_search(job).is_err())
                    .map(|&job| Considered {
                        job,
                        outcome: Outcome::Waits(Reason::BehindHead { head }),
                        tasks: Vec::new(),
                        candidates: Vec::new(),
                        victims: Vec::new(),
                    }),
            );
        }
        rows
    }
}

/// Where the rows of the why-log go (a `decisions.csv` writer). Called once per round in which
/// some job was considered, or began or stopped waiting behind the head, with the round's view
/// (for names and the time).
pub trait ExplainSink: Send {
    /// Takes every row of the round ([`CompactRound::every_row`]): one per job the round
    /// considered, in order, then one per job waiting behind the head. Called by the default
    /// [`ExplainSink::compact_round`]; the default ignores them.
    fn round(&mut self, _view: &ClusterView<'_>, _rows: &[Considered]) {}

    /// Takes the round as the scheduler tells it. The default expands it into every row for
    /// [`ExplainSink::round`], which costs a row per waiting job and round; a sink that keeps
    /// the waits behind the head open from round to round (`decisions.csv`) takes it as it is.
    fn compact_round(&mut self, view: &ClusterView<'_>, round: &CompactRound<'_>) {
        self.round(view, &round.every_row(view));
    }
}

/// The scheduler's explaining state: the sink, the current round's rows and who waits behind
/// the head of the queue.
pub(crate) struct Explainer {
    sink: Box<dyn ExplainSink>,
    rows: Vec<Considered>,
    /// Rounds ended so far.
    round: u64,
    /// The blocked job the current round's queue stopped at.
    head: Option<JobId>,
    /// By job index: the round that last considered it (numbered from 1; 0: none).
    considered: Vec<u64>,
    /// By job index: whether it waited behind the head in the last round.
    behind: Vec<bool>,
    /// The jobs waiting behind the head, with some that have stopped since (`behind` tells).
    members: Vec<JobId>,
    /// How many jobs wait behind the head (those of `members` still `behind`).
    waiting: usize,
    /// Jobs that may begin waiting behind the head this round: those the last round
    /// considered, and those that joined the queue since.
    maybe: Vec<JobId>,
    /// This round's [`CompactRound::joined`] and [`CompactRound::left`].
    joined: Vec<JobId>,
    left: Vec<JobId>,
    /// Records seen other than arrivals: changes of the cluster or of the jobs on it.
    changes: u64,
    /// The last refusal of a placement on the cluster as it was ([`Explainer::refused_again`]):
    /// the job, `changes` and the cluster's state version then, and the reason.
    refused: Option<(JobId, u64, u64, Reason)>,
    /// Candidates listed per start.
    top_k: usize,
    /// The candidates of the job about to be placed ([`Explainer::rank`]), taken by its start.
    candidates: Vec<Candidate>,
    /// The victims of the job about to start ([`Explainer::stopped`]), taken by its start.
    victims: Vec<Victim>,
}

impl Explainer {
    /// Explaining into `sink`, listing the best `top_k` candidates of each start by a scored
    /// placement.
    pub(crate) fn new(sink: Box<dyn ExplainSink>, top_k: usize) -> Explainer {
        Explainer {
            sink,
            rows: Vec::new(),
            round: 0,
            head: None,
            considered: Vec::new(),
            behind: Vec::new(),
            members: Vec::new(),
            waiting: 0,
            maybe: Vec::new(),
            joined: Vec::new(),
            left: Vec::new(),
            changes: 0,
            refused: None,
            top_k,
            candidates: Vec::new(),
            victims: Vec::new(),
        }
    }

    /// Asks `placement` for its best candidates for `job` on `trial`, before it places the job.
    pub(crate) fn rank(&mut self, placement: &mut dyn crate::placement::Placement, trial: &Trial<'_>, job: &Job) {
        self.candidates.clear();
        if self.top_k > 0 {
            placement.candidates(trial, job, self.top_k, &mut self.candidates);
            self.candidates.truncate(self.top_k);
        }
    }

    /// Notes the victims of the start about to be recorded: each job stopped, with what the
    /// victim rule ranked it by (`why`).
    pub(crate) fn stopped(&mut self, victims: &[JobId], mut why: impl FnMut(JobId) -> String) {
        self.victims.clear();
        self.victims
            .extend(victims.iter().map(|&job| Victim { job, why: why(job) }));
    }

    /// Records what the round did with `job`; a start takes the candidates last ranked, a start
    /// after preemption the victims last noted.
    pub(crate) fn note(&mut self, job: JobId, outcome: Outcome, tasks: &[TaskAlloc]) {
        let (candidates, victims) = match outcome {
            Outcome::Started | Outcome::Backfilled => (std::mem::take(&mut self.candidates), Vec::new()),
            Outcome::PreemptedOthers => (Vec::new(), std::mem::take(&mut self.victims)),
            Outcome::Waits(_) => (Vec::new(), Vec::new()),
        };
        self.candidates.clear();
        self.victims.clear();
        self.rows.push(Considered {
            job,
            outcome,
            tasks: tasks.to_vec(),
            candidates,
            victims,
        });
    }

    /// Takes back the row of `job` noted this round (a blocked job that time slicing then
    /// started: its start is noted instead).
    pub(crate) fn retract(&mut self, job: JobId) {
        if let Some(at) = self.rows.iter().rposition(|r| r.job == job) {
            self.rows.remove(at);
        }
    }

    /// Notes that the queue stopped at `head`: every waiting job not considered this round
    /// waits behind it.
    pub(crate) fn stops_at(&mut self, head: JobId) {
        self.head = Some(head);
    }

    /// Follows the jobs joining the queue (to be checked at the end of the next round) and
    /// those leaving it while they wait behind the head (rejected).
    pub(crate) fn observe(&mut self, record: &Record) {
        if !matches!(record, Record::Arrived { .. }) {
            self.changes += 1;
        }
        match record.waiting_change() {
            Some(Membership::Joins(job)) => self.maybe.push(job),
            Some(Membership::Leaves(job)) if self.behind.get(job.index()).copied().unwrap_or(false) => {
                self.stop_waiting(job);
                self.left.push(job);
            }
            Some(Membership::Leaves(_)) | None => {}
        }
    }

    /// Why the placement refused `job` when it last did, if that was on the cluster as it is:
    /// nothing but arrivals since and the same state version (`version`). The caller asks only
    /// for a trial on which nothing was tried yet this round. A blocked head of the queue is
    /// then not diagnosed again round after round.
    pub(crate) fn refused_again(&self, job: JobId, version: u64) -> Option<&Reason> {
        match &self.refused {
            Some((last, changes, at, reason)) if *last == job && *changes == self.changes && *at == version => {
                Some(reason)
            }
            _ => None,
        }
    }

    /// Remembers why the placement refused `job` on the cluster as it is, at state version
    /// `version` (see [`Explainer::refused_again`]).
    pub(crate) fn refused(&mut self, job: JobId, version: u64, reason: &Reason) {
        self.refused = Some((job, self.changes, version, reason.clone()));
    }

    fn stop_waiting(&mut self, job: JobId) {
        self.behind[job.index()] = false;
        self.waiting -= 1;
    }

    /// Ends the round: works out who began or stopped waiting behind the head from the jobs
    /// that may have (not from the whole queue) and hands the round to the sink.
    pub(crate) fn end_round(&mut self, view: &ClusterView<'_>) {
        self.round += 1;
        let round = self.round;
        for row in &self.rows {
            let index = row.job.index();
            if self.considered.len() <= index {
                self.considered.resize(index + 1, 0);
                self.behind.resize(index + 1, false);
            }
            self.considered[index] = round;
            if self.behind[index] {
                self.behind[index] = false;
                self.waiting -= 1;
            }
        }
        let head = self.head.take();
        if head.is_some() {
            for job in std::mem::take(&mut self.maybe) {
                let index = job.index();
                if self.considered.len() <= index {
                    self.considered.resize(index + 1, 0);
                    self.behind.resize(index + 1, false);
                }
                let waits = view.jobs.get(job).is_some_and(|j| j.state == JobState::Pending);
                if waits && self.considered[index] != round && !self.behind[index] {
                    self.behind[index] = true;
                    self.waiting += 1;
                    self.joined.push(job);
                    self.members.push(job);
                }
            }
            self.joined.sort_unstable();
        } else {
            // The queue did not stop, so it offered every waiting job, unless an order of
            // another crate skipped some: those stop waiting behind the head here, and may begin
            // again in a later round.
            for job in std::mem::take(&mut self.members) {
                if self.behind[job.index()] {
                    self.stop_waiting(job);
                    self.left.push(job);
                }
            }
            self.maybe.clear();
            if self.rows.len() < view.pending.len() {
                self.maybe.extend_from_slice(view.pending);
            }
        }
        if self.members.len() > 2 * self.waiting + 64 {
            let behind = &self.behind;
            self.members.retain(|job| behind[job.index()]);
        }
        self.maybe.extend(self.rows.iter().map(|r| r.job));
        if !self.rows.is_empty() || !self.joined.is_empty() || !self.left.is_empty() {
            let compact = CompactRound {
                rows: &self.rows,
                head,
                joined: &self.joined,
                left: &self.left,
            };
            self.sink.compact_round(view, &compact);
        }
        self.rows.clear();
        self.joined.clear();
        self.left.clear();
    }
}

/// GPUs from milli-GPU.
fn gpus(milli: u64) -> f64 {
    milli as f64 / f64::from(MILLI_PER_GPU)
}

/// The GPU models `job` may use, `any` when unrestricted, else names joined by `|`.
fn models(job: &Job) -> String {
    if job.spec.gpu_types.is_empty() {
        "any".to_string()
    } else {
        job.spec.gpu_types.join("|")
    }
}

/// Why `job` cannot be placed on `trial` now, from the trial as the placement saw it: the
/// cluster-wide free total, then the nodes of the allowed models (up or not, the best free
/// count, the power budget), then the gang, then what the nodes lack for one task: GPUs, else
/// (on the nodes with room for its GPUs) memory, else (on those with room for its memory too)
/// CPU cores. The default refusal of every placement.
pub fn refusal(trial: &Trial<'_>, free_gpu_milli: u64, job: &Job) -> Reason {
    let request = &job.spec.task;
    let cluster = trial.cluster();
    // Whether any node of the allowed models is up comes first: with all of them down, the free
    // capacity elsewhere (or none at all) is not why the job waits.
    let usable = |node: &sim_core::cluster::Node| {
        (request.gpus == 0 || job.allowed_gpu_types.contains(node.gpu_type)) && node.schedulable()
    };
    if !cluster.nodes().iter().any(usable) {
        return Reason::NoModelUp { model: models(job) };
    }
    let needed = job.spec.gpu_milli();
    if needed > free_gpu_milli {
        return Reason::TooFewFree {
            free: gpus(free_gpu_milli),
            needed: gpus(needed),
        };
    }
    let mut best_free = 0;
    let mut fitting = 0;
    let mut power: Option<RackId> = None;
    // The most free memory on the nodes with room for a task's GPUs, and the most free CPU on
    // those with room for its memory too (`None` while there is no such node).
    let mut best_mem: Option<u64> = None;
    let mut best_cpu: Option<u64> = None;
    let mut cpu_room = false;
    for ((index, node), free) in cluster.nodes().iter().enumerate().zip(trial.free_gpu_milli_of_nodes()) {
        if request.gpus > 0 && !job.allowed_gpu_types.contains(node.gpu_type) {
            continue;
        }
        if !node.schedulable() {
            continue;
        }
        best_free = best_free.max(free);
        // Too little free GPU capacity: it neither fits (`fit` checks this first) nor has room
        // that only the memory, the CPU or the power budget refuses.
        if free < request.gpu_milli() {
            continue;
        }
        let id = sim_core::ids::NodeId::from_index(index);
        if trial.fit(id, request, job.allowed_gpu_types).is_some() {
            fitting += 1;
            continue;
        }
        let (cpu, mem) = trial.free_cpu_mem(id);
        best_mem = best_mem.max(Some(mem));
        if mem < request.mem_mib {
            continue;
        }
        best_cpu = best_cpu.max(Some(cpu));
        if cpu < request.cpu_milli {
            continue;
        }
        cpu_room = true;
        if power.is_none() && cluster.power_limits().is_some_and(|p| !p.never_binding(node.rack)) {
            power = Some(node.rack);
        }
    }
    let model = models(job);
    if fitting > 0 {
        return Reason::GangNotCoPlaced {
            tasks: job.spec.tasks,
            nodes_fitting: fitting,
        };
    }
    if let Some(rack) = power {
        return Reason::PowerBudget { rack };
    }
    match (best_mem, best_cpu) {
        (Some(mem), None) => Reason::NoNodeFitsMemory {
            mem_gib: mib_to_gib(request.mem_mib),
            model,
            best_free: mib_to_gib(mem),
        },
        (_, Some(cpu)) if !cpu_room => Reason::NoNodeFitsCpus {
            cpus: milli_to_cores(request.cpu_milli),
            model,
            best_free: milli_to_cores(cpu),
        },
        // No node has room for a task's GPUs, or one has room for all it needs but not in a
        // shape the task can take (a share on one device, a MIG profile).
        _ => Reason::NoNodeFits {
            gpus: gpus(request.gpu_milli()),
            model,
            best_free: gpus(best_free),
        },
    }
}

/// GiB from MiB.
fn mib_to_gib(mib: u64) -> f64 {
    mib as f64 / 1024.0
}

/// CPU cores from milli-cores.
fn milli_to_cores(milli: u64) -> f64 {
    milli as f64 / 1000.0
}
