//! Every node's fragmentation kept current as a world model, and the cluster totals.

use super::TypicalTasks;
use crate::cluster::Cluster;
use crate::ids::{JobId, NodeId};
use crate::model::{Effects, ModelCtx, NodeChange, WorldModel};

/// The cluster's fragmentation at one instant (nodes that are up).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GpuFrag {
    /// Fragmented GPU capacity, in milli-GPU (the paper's fragmentation amount).
    pub frag_milli: f64,
    /// Idle GPU capacity, in milli-GPU.
    pub idle_milli: u64,
}

impl GpuFrag {
    /// The fragmentation amount in GPUs.
    pub fn gpus(&self) -> f64 {
        self.frag_milli / 1000.0
    }

    /// The share of idle GPU capacity that is fragmented; 0 when nothing is idle.
    pub fn ratio(&self) -> f64 {
        if self.idle_milli == 0 {
            0.0
        } else {
            self.frag_milli / self.idle_milli as f64
        }
    }
}

/// The FGD fragmentation tracker, a world model: it measures every node against the typical
/// tasks it was built with when the run starts, and again whenever a job starts or stops on the
/// node or the node changes, so the cluster totals ([`FragTracker::totals`]) are read in O(1).
/// Observers find it in the view ([`crate::view::ClusterView::gpu_frag`]).
#[derive(Clone, Debug, PartialEq)]
pub struct FragTracker {
    typical: TypicalTasks,
    node_weighted: Vec<u64>,
    total_weighted: u64,
}

impl FragTracker {
    /// A tracker of `typical`; it measures the cluster when the run starts ([`FragTracker::measure`]).
    pub fn new(typical: TypicalTasks) -> FragTracker {
        FragTracker {
            typical,
            node_weighted: Vec::new(),
            total_weighted: 0,
        }
    }

    /// The distribution measured against.
    pub fn typical(&self) -> &TypicalTasks {
        &self.typical
    }

    /// Measures every node of `cluster` afresh.
    pub fn measure(&mut self, cluster: &Cluster) {
        self.node_weighted = (0..cluster.nodes().len())
            .map(|i| weighted_of(&self.typical, cluster, NodeId::from_index(i)))
            .collect();
        self.total_weighted = self.node_weighted.iter().sum();
    }

    /// Measures `node` again after it changed.
    pub fn refresh(&mut self, cluster: &Cluster, node: NodeId) {
        let weighted = weighted_of(&self.typical, cluster, node);
        self.set(node, weighted);
    }

    /// Records `weighted` as `node`'s fragmentation.
    fn set(&mut self, node: NodeId, weighted: u64) {
        let slot = &mut self.node_weighted[node.index()];
        self.total_weighted = self.total_weighted - *slot + weighted;
        *slot = weighted;
    }

    /// One node's fragmentation, weighted as [`TypicalTasks::node_frag`] returns it.
    pub fn node(&self, node: NodeId) -> u64 {
        self.node_weighted[node.index()]
    }

    /// The totals, with the cluster's idle capacity.
    pub fn totals(&self, idle_milli: u64) -> GpuFrag {
        GpuFrag {
            frag_milli: self.typical.milli(self.total_weighted),
            idle_milli,
        }
    }

    /// Measures the nodes of a job that started or stopped.
    /// A wide job leaves its nodes alike (all full, or all idle again), so a node in the same
    /// state as the one measured before it takes its measure instead of being measured again.
    fn refresh_job(&mut self, ctx: &ModelCtx<'_>, job: JobId) {
        let mut last: Option<(NodeId, u64)> = None;
        for task in &ctx.jobs[job].alloc {
            let weighted = match last {
                Some((seen, weighted)) if same_state(ctx.cluster, seen, task.node) => weighted,
                _ => weighted_of(&self.typical, ctx.cluster, task.node),
            };
            self.set(task.node, weighted);
            last = Some((task.node, weighted));
        }
    }
}

impl WorldModel for FragTracker {
    fn name(&self) -> &'static str {
        "fgd-fragmentation"
    }

    fn start(&mut self, ctx: &mut ModelCtx<'_>, _effects: &mut Effects) {
        self.measure(ctx.cluster);
    }

    fn job_started(&mut self, ctx: &mut ModelCtx<'_>, job: JobId, _effects: &mut Effects) {
        self.refresh_job(ctx, job);
    }

    fn job_stopped(&mut self, ctx: &mut ModelCtx<'_>, job: JobId, _effects: &mut Effects) {
        self.refresh_job(ctx, job);
    }

    fn node_changed(&mut self, ctx: &mut ModelCtx<'_>, node: NodeId, _change: NodeChange, _effects: &mut Effects) {
        self.refresh(ctx.cluster, node);
    }
}

/// True when nodes `a` and `b` have the same measure: both down, or both up with the same GPU
/// model, free CPU and free capacity on each device (all that [`weighted_of`] reads).
fn same_state(cluster: &Cluster, a: NodeId, b: NodeId) -> bool {
    let (na, nb) = (cluster.node(a), cluster.node(b));
    match (na.up, nb.up) {
        (false, false) => true,
        (true, true) => {
            // Nodes of at most one device with the same free capacity have the same devices.
            na.gpu_type == nb.gpu_type
                && na.free_cpu_milli == nb.free_cpu_milli
                && na.free_gpu_milli == nb.free_gpu_milli
                && na.gpu_count == nb.gpu_count
                && (na.gpu_count <= 1 || cluster.gpu_free_milli(a) == cluster.gpu_free_milli(b))
        }
        _ => false,
    }
}

/// The weighted fragmentation of `node` as the cluster holds it now (0 while it is down).
fn weighted_of(typical: &TypicalTasks, cluster: &Cluster, node: NodeId) -> u64 {
    let n = cluster.node(node);
    if !n.up {
        return 0;
    }
    typical.node_frag(n.gpu_type, n.free_cpu_milli, cluster.gpu_free_milli(node))
}

#[cfg(test)]
mod tests {
    use super::FragTracker;
    use crate::cluster::{Cluster, GpuTypeSet, NodeSpec};
    use crate::frag::{TypicalClass, TypicalTasks};
    use crate::ids::NodeId;
    use crate::resources::{TaskAlloc, TaskRequest};

    fn class(cpu: u64, gpus: u32, milli: u32, allowed: GpuTypeSet, count: u64) -> TypicalClass {
        TypicalClass {
            request: TaskRequest {
                gpus,
                milli_per_gpu: milli,
                cpu_milli: cpu,
                mem_mib: 0,
                mig: crate::sharing::mig::MigName::NONE,
            },
            allowed,
            count,
        }
    }

    fn node(name: &str, gpus: u32, ty: &str, cpu: u64) -> NodeSpec {
        NodeSpec {
            name: name.into(),
            rack: "r".into(),
            gpus,
            gpu_type: ty.into(),
            cpu_milli: cpu,
            mem_mib: 1 << 20,
        }
    }

    fn shared(gpu: u32, milli: u32) -> TaskAlloc {
        TaskAlloc {
            node: NodeId(0),
            gpu_mask: 1 << gpu,
            milli_per_gpu: milli,
            cpu_milli: 4000,
            mem_mib: 0,
            mig: None,
        }
    }

    #[test]
    fn fragmentation_of_a_hand_built_cluster() {
        // Node a: 4 GPUs of model A (id 0), 16 cores; two 4-core tasks hold 400 milli of device 2
        // and 800 of device 3: devices free [1000, 1000, 600, 200] (idle 2800), 8 cores free.
        // Node b: 2 GPUs of model B (id 1), 8 cores, idle: [1000, 1000] (idle 2000).
        // Typical tasks (count): c1 1 × 1000, 4 cores (2); c2 1 × 500, 2 cores (1);
        // c3 4 × 1000, 1 core (1); c4 CPU only, 1 core (1); c5 1 × 1000, 16 cores (1);
        // c6 1 × 1000, 1 core, model B only (1). Weight 7.
        let mut cluster = Cluster::build(&[node("a", 4, "A", 16_000), node("b", 2, "B", 8000)]).unwrap();
        cluster.allocate(&[shared(2, 400), shared(3, 800)]).unwrap();
        let b_only = GpuTypeSet(0b10);
        let any = GpuTypeSet::ANY;
        let mut tracker = FragTracker::new(TypicalTasks::new(vec![
            class(4000, 1, 1000, any, 2),
            class(2000, 1, 500, any, 1),
            class(1000, 4, 1000, any, 1),
            class(1000, 0, 0, any, 1),
            class(16_000, 1, 1000, any, 1),
            class(1000, 1, 1000, b_only, 1),
        ]));
        tracker.measure(&cluster);
        let totals = |tracker: &FragTracker, cluster: &Cluster| tracker.totals(cluster.free_gpu_milli_total());
        // Node a: c1 fits (2 whole devices free): the 600 and 200 it cannot use, 800 (× 2);
        // c2 fits on 3 devices: the 200, 200; c3 needs 4 whole devices, 2 free: all 2800;
        // c4 asks for no GPU: 2800; c5 lacks CPU (16 > 8 cores): 2800; c6 may not use model A:
        // 2800. Σ = 1600 + 200 + 4 × 2800 = 13,000, ÷ 7 = 1857.14 milli.
        assert_eq!(tracker.node(NodeId(0)), 13_000);
        // Node b: c1, c2, c6 fit with nothing left over: 0; c3, c4, c5: 2000 each. Σ = 6000.
        assert_eq!(tracker.node(NodeId(1)), 6000);
        // Cluster: 19,000 ÷ 7 = 2714.29 milli of 4800 idle: ratio 0.5655.
        let frag = totals(&tracker, &cluster);
        assert!((frag.frag_milli - 19_000.0 / 7.0).abs() < 1e-9);
        assert_eq!(frag.idle_milli, 4800);
        assert!((frag.ratio() - 19_000.0 / 7.0 / 4800.0).abs() < 1e-12);
        assert!((frag.gpus() - 2.714_285_714).abs() < 1e-9);

        // The 800-milli task ends: node a has [1000, 1000, 600, 1000] and 12 cores free. c1: 600
        // (× 2); c2: 0; c3: 3 whole devices < 4: 3600; c4, c5 (12 < 16 cores), c6: 3600 each.
        // Σ = 1200 + 4 × 3600 = 15,600; the cluster 21,600.
        cluster.release(&[shared(3, 800)]);
        tracker.refresh(&cluster, NodeId(0));
        assert_eq!(tracker.node(NodeId(0)), 15_600);
        assert!((totals(&tracker, &cluster).frag_milli - 21_600.0 / 7.0).abs() < 1e-9);

        // Node b goes down: neither its fragmentation nor its idle capacity counts.
        assert!(cluster.set_node_up(NodeId(1), false));
        tracker.refresh(&cluster, NodeId(1));
        let frag = totals(&tracker, &cluster);
        assert!((frag.frag_milli - 15_600.0 / 7.0).abs() < 1e-9);
        assert_eq!(frag.idle_milli, 3600);
    }
}
