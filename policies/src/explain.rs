//! The why-log: what a scheduling round decided about each job it considered, and why a job
//! that did not start waits.
//!
//! Explaining is off unless a run asks for it ([`crate::resolve_explained`]): the scheduler then
//! carries an [`ExplainSink`] and, at the end of every round, hands it one [`Considered`] per
//! job the round looked at. The reasons come from the parts that said no (the quota check,
//! the placement's refusal, the backfill plan, the preemption rule, the queue order stopping at
//! its head); when explaining is off none of this runs and nothing is allocated.
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
use sim_core::job::Job;
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
    /// The cluster has fewer free GPUs in total than the job needs.
    TooFewFree {
        /// Free GPUs in the whole cluster (after this round's earlier starts).
        free: f64,
        /// GPUs the job needs.
        needed: f64,
    },
    /// Without backfilling, the queue stopped at a job that could not start.
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

/// Where the rows of the why-log go (a `decisions.csv` writer). Called once per round in which
/// some job was considered, with the round's view (for names and the time).
pub trait ExplainSink: Send {
    /// Takes the round's rows, in the order the round considered the jobs.
    fn round(&mut self, view: &ClusterView<'_>, rows: &[Considered]);
}

/// The scheduler's explaining state: the sink and the current round's rows.
pub(crate) struct Explainer {
    sink: Box<dyn ExplainSink>,
    rows: Vec<Considered>,
    /// Scratch: the jobs noted this round, sorted.
    seen: Vec<JobId>,
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
            seen: Vec::new(),
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

    /// Notes every job of `pending` not considered yet as waiting behind `head`, where the
    /// queue stopped.
    pub(crate) fn behind(&mut self, pending: &[JobId], head: JobId) {
        self.seen.clear();
        self.seen.extend(self.rows.iter().map(|r| r.job));
        self.seen.sort_unstable();
        for &job in pending {
            if self.seen.binary_search(&job).is_err() {
                self.note(job, Outcome::Waits(Reason::BehindHead { head }), &[]);
            }
        }
    }

    /// Hands the round's rows to the sink.
    pub(crate) fn end_round(&mut self, view: &ClusterView<'_>) {
        if !self.rows.is_empty() {
            self.sink.round(view, &self.rows);
            self.rows.clear();
        }
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
/// count, the power budget), then the gang. The default refusal of every placement.
pub fn refusal(trial: &Trial<'_>, free_gpu_milli: u64, job: &Job) -> Reason {
    let needed = job.spec.gpu_milli();
    if needed > free_gpu_milli {
        return Reason::TooFewFree {
            free: gpus(free_gpu_milli),
            needed: gpus(needed),
        };
    }
    let request = &job.spec.task;
    let cluster = trial.cluster();
    let mut any_up = false;
    let mut best_free = 0;
    let mut fitting = 0;
    let mut power: Option<RackId> = None;
    for (index, node) in cluster.nodes().iter().enumerate() {
        let id = sim_core::ids::NodeId::from_index(index);
        if request.gpus > 0 && !job.allowed_gpu_types.contains(node.gpu_type) {
            continue;
        }
        if !node.schedulable() {
            continue;
        }
        any_up = true;
        let free = trial.free_gpu_milli(id);
        best_free = best_free.max(free);
        if trial.fit(id, request, job.allowed_gpu_types).is_some() {
            fitting += 1;
            continue;
        }
        let (cpu, mem) = trial.free_cpu_mem(id);
        let enough = free >= request.gpu_milli() && cpu >= request.cpu_milli && mem >= request.mem_mib;
        if enough && power.is_none() && cluster.power_limits().is_some_and(|p| !p.never_binding(node.rack)) {
            power = Some(node.rack);
        }
    }
    let model = models(job);
    if !any_up {
        return Reason::NoModelUp { model };
    }
    if fitting > 0 {
        return Reason::GangNotCoPlaced {
            tasks: job.spec.tasks,
            nodes_fitting: fitting,
        };
    }
    if let Some(rack) = power {
        return Reason::PowerBudget { rack };
    }
    Reason::NoNodeFits {
        gpus: gpus(request.gpu_milli()),
        model,
        best_free: gpus(best_free),
    }
}
