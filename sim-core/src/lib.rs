//! # sim-core: the clustersim engine and world model
//!
//! A deterministic discrete-event simulator of GPU clusters. This crate holds the engine and
//! everything it needs to know about the world; it does no I/O, parses no files and spawns no
//! threads (those live in `traces`, `scenarios` and `reports`).
//!
//! - [`time`]: integer-microsecond [`SimTime`] and duration strings (`"90s"`, `"4h"`).
//! - [`event_queue`]: the future event list, ordered by (time, insertion sequence).
//! - [`cluster`]: racks, nodes, typed GPUs, and exact milli-GPU / milli-CPU / MiB accounting.
//! - [`job`]: what a trace asks for and what happens to it; [`jobs`]: the window of them a run holds.
//! - [`ledger`]: a job's checkpoint cycle and where its time went (ETTR, goodput).
//! - [`frag`]: the workload-aware GPU fragmentation of the FGD paper.
//! - [`policy`]: the read-only view policies get and the decisions they return.
//! - [`faults`]: failures, incidents, cascades and the circuit breaker.
//! - [`model`]: the world models (failures, cascades, physics, fragmentation) behind one trait.
//! - [`engine`]: the event loop; [`observe`]: what it reports; [`metrics`]: collectors.
//! - [`run`]: one complete run with the standard collectors.
//! - [`rng`]: seeded random streams; [`fnv`]: the FNV-1a hash every crate uses.
//! - [`math`]: portable math (the same bits on every machine) and the random draws built on it.
//!
//! ```
//! use sim_core::cluster::{Cluster, NodeSpec};
//! use sim_core::engine::EngineConfig;
//! use sim_core::job::JobSpec;
//! use sim_core::policy::{Decision, Policy, StartKind};
//! use sim_core::resources::TaskRequest;
//! use sim_core::time::SimTime;
//! use sim_core::view::ClusterView;
//! use sim_core::cluster::Trial;
//!
//! /// Starts the first waiting job wherever its single task fits first.
//! struct Greedy;
//! impl Policy for Greedy {
//!     fn name(&self) -> &str { "greedy" }
//!     fn schedule(&mut self, view: &ClusterView<'_>, decisions: &mut Vec<Decision>) {
//!         let trial = Trial::new(view.cluster);
//!         for job in view.pending_jobs().take(1) {
//!             let fit = view.cluster.nodes().iter().enumerate()
//!                 .find_map(|(i, _)| trial.fit(sim_core::ids::NodeId::from_index(i), &job.spec.task, job.allowed_gpu_types));
//!             if let Some(task) = fit {
//!                 decisions.push(Decision::Start { job: job.id, placement: vec![task], kind: StartKind::Started });
//!             }
//!         }
//!     }
//! }
//!
//! let node = NodeSpec { name: "n0".into(), rack: "r0".into(), gpus: 8, gpu_type: "A100".into(),
//!                       cpu_milli: 96_000, mem_mib: 1 << 20 };
//! let cluster = Cluster::build(&[node]).unwrap();
//! let gpu = TaskRequest::with_gpu_amount(1.0, 0, 0).unwrap();
//! let jobs = vec![Ok::<_, std::io::Error>(JobSpec::new("a", SimTime::ZERO, SimTime::from_secs(60), 1, gpu))];
//! let config = EngineConfig { horizon: None, sample_interval: None, ..Default::default() };
//! let record = sim_core::run::simulate(cluster, jobs.into_iter(), &mut Greedy, config).unwrap();
//! assert_eq!(record.summary.jobs_completed, 1);
//! assert_eq!(record.summary.avg_jct_s, Some(60.0));
//! ```

pub mod cluster;
pub mod engine;
pub mod event_queue;
pub mod fabric;
pub mod faults;
pub mod fnv;
pub mod frag;
pub mod ids;
pub mod job;
pub mod jobs;
pub mod ledger;
pub mod math;
pub mod metrics;
pub mod model;
pub mod observe;
pub mod physics;
pub mod policy;
pub mod power;
pub mod resources;
pub mod rng;
pub mod run;
pub mod sharing;
pub mod thermal;
pub mod time;
pub mod view;

pub use time::SimTime;
