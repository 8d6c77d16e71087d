//! The workload-aware GPU fragmentation of the FGD paper (Weng et al., "Beware of Fragmentation:
//! Scheduling GPU-Sharing Workloads with Fragmentation Gradient Descent", USENIX ATC '23), kept
//! beside the simple `frag` of docs/scenarios.md (largest free block ÷ free).
//!
//! Idle GPU capacity is *fragmented* for a task when the task cannot use it. Which tasks count is
//! the workload's business, so the measure is taken against a distribution of typical tasks:
//!
//! - **Typical tasks** ([`TaskMix::typical`]): the workload's tasks grouped by class (CPU,
//!   devices, share of each device, allowed GPU models; memory is not part of a class), the most
//!   popular classes that together make at least 95 % of the tasks (the popularity threshold of
//!   the paper's experiments), with their counts as weights.
//! - **One node, one class** `c` (CPU `k`, `g` devices of `m` milli-GPU each): the whole idle GPU
//!   capacity of the node is fragmented for `c` when `c` asks for no GPU, may not use the node's
//!   GPU model, needs more CPU than is free, or finds fewer than `g` devices with `m` free;
//!   otherwise the idle capacity of the devices with less than `m` free is.
//! - **Node fragmentation** `F(n) = Σ_c p_c · frag_c(n)`, `p_c` the class's share of the typical
//!   tasks; **cluster fragmentation amount** `Σ_n F(n)`; **ratio** the amount ÷ the idle GPU
//!   capacity (both over nodes that are up).
//!
//! Values are kept exact: a node's fragmentation is computed as `Σ_c count_c · frag_c(n)` in
//! whole milli-GPU (a "weighted" amount, [`TypicalTasks::node_frag`]) and divided by the total
//! count only when reported, so the cluster total can be updated node by node without drift.
//! The tracker ([`FragTracker`]), a world model built with the typical tasks, keeps every
//! node's value current as tasks start and end, and the view reads the totals in O(1)
//! ([`crate::view::ClusterView::gpu_frag`]).

mod mix;
mod tracker;

pub use mix::{DEFAULT_POPULARITY_PCT, TaskClass, TaskMix, TypicalClass, TypicalTasks};
pub use tracker::{FragTracker, GpuFrag};
