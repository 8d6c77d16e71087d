//! Tentative placement: what the cluster would look like after some tasks are placed, without
//! changing it. Policies use a trial to place a gang task by task (and several jobs in one
//! scheduling round); the cluster uses one to check an allocation before applying it.

mod positions;
mod search;
mod whole;

use positions::Positions;

use super::{AllocError, Cluster, GpuTypeSet, MigState, PowerLimits, devices_of, fit::pick_gpus, mig::pick_instance};
use crate::ids::NodeId;
use crate::resources::{MAX_GPUS_PER_NODE, MILLI_PER_GPU, MigSlot, TaskAlloc, TaskRequest};
use crate::sharing::mig::MigGpu;

/// Free resources of one node after the trial's tentative tasks.
#[derive(Clone)]
struct TouchedNode {
    node: NodeId,
    /// Where the node's devices start in [`Trial::devices`], and how many it has.
    first_device: u32,
    device_count: u32,
    /// Where the node's MIG devices start in [`Trial::mig`], or `u32::MAX` when it is not in
    /// MIG mode.
    first_mig: u32,
    free_cpu_milli: u64,
    free_mem_mib: u64,
    free_gpu_milli: u64,
}

/// The free resources of one node as a trial sees them (see [`Trial::free`]).
struct Free<'t> {
    devices: &'t [u16],
    gpu_milli: u64,
    cpu_milli: u64,
    mem_mib: u64,
}

/// An overlay of tentative allocations on a borrowed cluster. Cloning it is cheap (only the
/// touched nodes are copied), so a policy can explore a what-if (the cluster after some jobs
/// end or are preempted) without disturbing the trial it started from.
///
/// Searches for the best, worst or first node that fits a task ([`Trial::best_fit`],
/// [`Trial::worst_fit`], [`Trial::first_fit`]) combine the cluster's free-capacity index, for the
/// nodes the trial has not touched, with the trial's own ordering of the nodes it has, so a wide
/// job is placed in O(tasks × log nodes).
pub struct Trial<'c> {
    cluster: &'c Cluster,
    touched: Vec<TouchedNode>,
    /// Free milli-GPU of the devices of the touched nodes, each node's devices together (a
    /// touched node copies only the devices it has).
    devices: Vec<u16>,
    /// The MIG layouts of the devices of the touched MIG-mode nodes, each node's together.
    mig: Vec<MigGpu>,
    /// Position in `touched` of each touched node, built once more than [`INDEX_AFTER`] nodes are
    /// touched (before that a linear scan is quicker).
    positions: Positions,
    /// An emptied index of an earlier trial, whose memory `positions` is built in.
    spare_positions: SparePositions,
    /// The touched nodes by (free milli-GPU after the tentative tasks, id), built by the first
    /// search (a trial that only checks an allocation never needs it).
    by_free: Option<search::TouchedOrder>,
    /// Where the searches resume in the cluster's index (see [`search`]).
    cursors: search::Cursors,
    /// Nodes to try first (sorted), and whether the search is restricted to them right now
    /// (see [`Trial::prefer`]).
    preferred: Vec<NodeId>,
    only_preferred: bool,
    /// The task a search of this trial found last, while the trial has not changed since: it
    /// fits, so taking it needs no second check.
    proposed: Option<TaskAlloc>,
}

/// The lists of a trial that has ended, emptied and kept for the next one: a policy places its
/// jobs on a new trial every round, whose lists would otherwise be allocated and grown again.
pub struct TrialMemory {
    touched: Vec<TouchedNode>,
    devices: Vec<u16>,
    positions: SparePositions,
}

impl Default for TrialMemory {
    fn default() -> Self {
        TrialMemory {
            touched: Vec::new(),
            devices: Vec::new(),
            positions: SparePositions(Some(Positions::Unbuilt)),
        }
    }
}

/// For a trial whose memory is kept from round to round ([`Trial::reusing`]), the emptied node
/// index of an earlier one to build its own in (`Unbuilt` before the first); `None` for any
/// other trial. A copy of a trial (a what-if) does not take it along: it would copy memory it
/// may never use.
#[derive(Debug, Default)]
struct SparePositions(Option<Positions>);

impl Clone for Trial<'_> {
    /// A copy of the overlay: only the touched nodes are copied, and the node index is built
    /// for the copy as for a new trial (a kept trial's table, as large as the cluster, is not).
    fn clone(&self) -> Self {
        let nodes = self.cluster.nodes().len();
        Trial {
            cluster: self.cluster,
            touched: self.touched.clone(),
            devices: self.devices.clone(),
            mig: self.mig.clone(),
            positions: self.positions.copy(self.touched.iter().map(|t| t.node), nodes),
            spare_positions: SparePositions(None),
            by_free: self.by_free.clone(),
            cursors: self.cursors.clone(),
            preferred: self.preferred.clone(),
            only_preferred: self.only_preferred,
            proposed: self.proposed,
        }
    }
}

/// Touched nodes looked up by a linear scan before the trial builds its node index: a trial
/// that places one job touches a handful, and the engine builds one for every start.
const INDEX_AFTER: usize = 8;

impl<'c> Trial<'c> {
    /// A trial with nothing placed yet.
    pub fn new(cluster: &'c Cluster) -> Self {
        Trial {
            cluster,
            touched: Vec::new(),
            devices: Vec::new(),
            mig: Vec::new(),
            positions: Positions::Unbuilt,
            spare_positions: SparePositions::default(),
            by_free: None,
            cursors: search::Cursors::default(),
            preferred: Vec::new(),
            only_preferred: false,
            proposed: None,
        }
    }

    /// A trial with nothing placed yet, in the memory of an ended one.
    pub fn reusing(cluster: &'c Cluster, memory: TrialMemory) -> Self {
        let mut trial = Trial::new(cluster);
        trial.touched = memory.touched;
        trial.devices = memory.devices;
        trial.spare_positions = memory.positions;
        trial
    }

    /// Ends the trial, keeping its memory for [`Trial::reusing`].
    pub fn into_memory(self) -> TrialMemory {
        let (mut touched, mut devices) = (self.touched, self.devices);
        let positions = match self.positions {
            Positions::Unbuilt => self.spare_positions.0.unwrap_or(Positions::Unbuilt),
            built => built.emptied(touched.iter().map(|t| t.node)),
        };
        touched.clear();
        devices.clear();
        TrialMemory {
            touched,
            devices,
            positions: SparePositions(Some(positions)),
        }
    }

    /// Asks placements to put each task on one of `nodes` when it fits there, and elsewhere only
    /// when it fits on none of them (placements built on [`Trial::fit`] honour it task by
    /// task). Backfilling prefers, for a reservation, the nodes whose capacity is busy now, so
    /// that what is free now stays free for jobs that can start now.
    pub fn prefer(&mut self, mut nodes: Vec<NodeId>) {
        nodes.sort_unstable();
        nodes.dedup();
        self.preferred = nodes;
        self.only_preferred = false;
    }

    /// Makes room for `nodes` more touched nodes at once (a placement about to place that many
    /// tasks), instead of growing step by step.
    pub fn reserve(&mut self, nodes: usize) {
        self.touched.reserve(nodes);
    }

    /// True when some nodes are preferred (see [`Trial::prefer`]).
    pub fn has_preference(&self) -> bool {
        !self.preferred.is_empty()
    }

    /// Restricts [`Trial::fit`] to the preferred nodes (`true`), or lifts the restriction.
    pub fn restrict_to_preferred(&mut self, only: bool) {
        self.only_preferred = only && !self.preferred.is_empty();
    }

    /// The cluster under the overlay.
    pub fn cluster(&self) -> &'c Cluster {
        self.cluster
    }

    /// The free milli-GPU of the devices of touched node `t`.
    fn devices_of_touched(&self, t: &TouchedNode) -> &[u16] {
        let first = t.first_device as usize;
        &self.devices[first..first + t.device_count as usize]
    }

    #[inline]
    fn position(&self, node: NodeId) -> Option<usize> {
        if self.positions.is_built() {
            self.positions.get(node)
        } else {
            self.touched.iter().position(|t| t.node == node)
        }
    }

    /// True when the trial holds its own copy of `node`.
    fn is_touched(&self, node: NodeId) -> bool {
        self.position(node).is_some()
    }

    /// What is free of `node` after the tentative tasks, found with one lookup.
    fn free(&self, node: NodeId) -> Free<'_> {
        self.free_at(node, self.position(node))
    }

    /// What is free of `node`, whose overlay entry is at `position` (if touched).
    fn free_at(&self, node: NodeId, position: Option<usize>) -> Free<'_> {
        match position {
            Some(i) => {
                let t = &self.touched[i];
                Free {
                    devices: self.devices_of_touched(t),
                    gpu_milli: t.free_gpu_milli,
                    cpu_milli: t.free_cpu_milli,
                    mem_mib: t.free_mem_mib,
                }
            }
            None => {
                let n = self.cluster.node(node);
                Free {
                    devices: self.cluster.gpu_free_milli(node),
                    gpu_milli: n.free_gpu_milli,
                    cpu_milli: n.free_cpu_milli,
                    mem_mib: n.free_mem_mib,
                }
            }
        }
    }

    /// Free milli-GPU of each device of `node`, after the tentative tasks.
    pub fn gpu_free_milli(&self, node: NodeId) -> &[u16] {
        self.free(node).devices
    }

    /// Free GPU capacity of `node`, in milli-GPU, after the tentative tasks.
    pub fn free_gpu_milli(&self, node: NodeId) -> u64 {
        self.free(node).gpu_milli
    }

    /// [`Trial::free_gpu_milli`] of every node, in node order, found in one pass over the
    /// nodes (a look-up per node costs a search of the touched nodes): what a pass that reads
    /// every node, as explaining a refusal or ranking the nodes does, needs.
    pub fn free_gpu_milli_of_nodes(&self) -> impl Iterator<Item = u64> + '_ {
        let mut touched: Vec<(NodeId, u64)> = self.touched.iter().map(|t| (t.node, t.free_gpu_milli)).collect();
        touched.sort_unstable();
        let mut touched = touched.into_iter().peekable();
        self.cluster.nodes().iter().enumerate().map(move |(index, node)| {
            match touched.next_if(|(id, _)| id.index() == index) {
                Some((_, free)) => free,
                None => node.free_gpu_milli,
            }
        })
    }

    /// Free CPU (milli-cores) and memory (MiB) of `node` after the tentative tasks.
    pub fn free_cpu_mem(&self, node: NodeId) -> (u64, u64) {
        let free = self.free(node);
        (free.cpu_milli, free.mem_mib)
    }

    /// Where a task would go on `node` (which devices), or `None` if it does not fit there now
    /// or the node's GPU model is not in `allowed` (CPU-only tasks ignore the model).
    pub fn fit(&self, node: NodeId, request: &TaskRequest, allowed: GpuTypeSet) -> Option<TaskAlloc> {
        self.fit_at(node, || self.position(node), request, allowed)
    }

    /// [`Trial::fit`] with the node's overlay position found by `position`, asked only once the
    /// cheaper checks pass.
    fn fit_at(
        &self,
        node: NodeId,
        position: impl FnOnce() -> Option<usize>,
        request: &TaskRequest,
        allowed: GpuTypeSet,
    ) -> Option<TaskAlloc> {
        let n = self.cluster.node(node);
        if !n.schedulable() || (request.gpus > 0 && !allowed.contains(n.gpu_type)) {
            return None;
        }
        if self.only_preferred && self.preferred.binary_search(&node).is_err() {
            return None;
        }
        let position = position();
        let free = self.free_at(node, position);
        if free.cpu_milli < request.cpu_milli || free.mem_mib < request.mem_mib || free.gpu_milli < request.gpu_milli()
        {
            return None;
        }
        let (gpu_mask, milli_per_gpu, mig) = if self.cluster.mig.is_some() && request.gpus > 0 {
            self.fit_mig(node, position, free.devices, request)?
        } else {
            (pick_gpus(free.devices, request)?, request.milli_per_gpu, None)
        };
        let gpu_milli = u64::from(gpu_mask.count_ones()) * u64::from(milli_per_gpu);
        if self
            .rack_power_after(node, gpu_milli)
            .is_some_and(|(need, budget)| need > budget)
        {
            return None;
        }
        Some(TaskAlloc {
            node,
            gpu_mask,
            milli_per_gpu,
            cpu_milli: request.cpu_milli,
            mem_mib: request.mem_mib,
            mig,
        })
    }

    /// The devices, share and MIG instance of a GPU task on `node` in a cluster with MIG-mode
    /// nodes: on a MIG-mode node the instance [`pick_instance`] chooses for the profile the
    /// request runs in; elsewhere the usual devices, unless the request names a profile.
    fn fit_mig(
        &self,
        node: NodeId,
        position: Option<usize>,
        devices: &[u16],
        request: &TaskRequest,
    ) -> Option<(u64, u32, Option<crate::resources::MigSlot>)> {
        let Some(gpus) = self.mig_gpus_at(node, position) else {
            return request
                .mig
                .is_none()
                .then(|| Some((pick_gpus(devices, request)?, request.milli_per_gpu, None)))?;
        };
        let mig = self.cluster.mig()?;
        let profile = mig.profile_for(self.cluster.node(node).gpu_type, request)?;
        let count = if request.milli_per_gpu >= MILLI_PER_GPU && request.mig.is_none() {
            request.gpus
        } else {
            1
        };
        let gpu_type = self.cluster.node(node).gpu_type;
        let (mask, slot, milli) = pick_instance(
            gpus,
            devices,
            profile,
            count,
            mig.partitioning(),
            mig.placement(),
            mig.mix_of(gpu_type),
        )?;
        Some((mask, milli, Some(slot)))
    }

    /// The MIG layouts of `node`'s devices after the tentative tasks (its overlay entry at
    /// `position` if touched), when it is in MIG mode.
    fn mig_gpus_at(&self, node: NodeId, position: Option<usize>) -> Option<&[MigGpu]> {
        match position {
            Some(i) => {
                let t = &self.touched[i];
                let first = t.first_mig as usize;
                (t.first_mig != u32::MAX).then(|| &self.mig[first..first + t.device_count as usize])
            }
            None => self.cluster.mig()?.gpus_of(node, self.cluster.node(node).gpu_count),
        }
    }

    /// Applies `task`'s MIG instance to the overlay of its node (touched already): started
    /// with `take`, ended without.
    #[inline]
    fn mig_change(&mut self, task: &TaskAlloc, take: bool) {
        if let (Some(slot), Some(mig)) = (task.mig, self.cluster.mig()) {
            self.mig_change_slot(task, slot, mig, take);
        }
    }

    /// [`Trial::mig_change`] of a task with an instance, on a cluster with MIG-mode nodes.
    fn mig_change_slot(&mut self, task: &TaskAlloc, slot: MigSlot, mig: &MigState, take: bool) {
        let partitioning = mig.partitioning();
        let Some(i) = self.position(task.node) else { return };
        let t = &self.touched[i];
        if t.first_mig == u32::MAX {
            return;
        }
        let first = t.first_mig as usize;
        let gpus = &mut self.mig[first..first + t.device_count as usize];
        for gpu in devices_of(task.gpu_mask) {
            if take {
                gpus[gpu].start_task(usize::from(slot.profile), slot.start, partitioning);
            } else {
                gpus[gpu].release(slot.start);
            }
        }
    }

    /// Checks `task`'s MIG instance against its node's layouts after the tentative tasks: on a
    /// MIG-mode node a GPU task names an instance that fits each of its devices; elsewhere it
    /// names none.
    fn check_mig(&self, task: &TaskAlloc, position: Option<usize>) -> Result<(), AllocError> {
        let node = self.cluster.node(task.node);
        let refuse = |reason: &'static str| AllocError::Mig {
            node: node.name.clone(),
            reason,
        };
        let gpus = self.mig_gpus_at(task.node, position);
        match (gpus, task.mig) {
            (None, None) => Ok(()),
            (None, Some(_)) => Err(refuse("the node is not in MIG mode")),
            (Some(_), None) if task.gpu_mask == 0 => Ok(()),
            (Some(_), None) => Err(refuse("a GPU task on a MIG-mode node needs an instance")),
            (Some(gpus), Some(slot)) => {
                let partitioning = self.cluster.mig().map(|m| m.partitioning()).unwrap_or_default();
                let model = gpus.first().map(|g| g.model());
                let milli = model
                    .and_then(|m| m.profiles.get(usize::from(slot.profile)).map(|p| (m, p)))
                    .map(|(m, p)| crate::sharing::mig::instance_milli(m, p))
                    .ok_or_else(|| refuse("no such MIG profile on the node's GPU model"))?;
                if milli != task.milli_per_gpu {
                    return Err(refuse("the share is not the instance's"));
                }
                let fits = devices_of(task.gpu_mask)
                    .all(|gpu| gpus[gpu].fits(usize::from(slot.profile), slot.start, partitioning));
                if fits {
                    Ok(())
                } else {
                    Err(refuse("the MIG instance is not free at that start"))
                }
            }
        }
    }

    /// Allocated GPU capacity of `node` after the tentative tasks, in milli-GPU.
    pub fn allocated_gpu_milli(&self, node: NodeId) -> u64 {
        self.cluster.node(node).gpu_milli() - self.free_gpu_milli(node)
    }

    /// With rack power budgets in force: the power `node`'s rack would draw (mW) if `extra_milli`
    /// more GPU capacity were allocated on `node`, and the rack's budget.
    #[inline]
    fn rack_power_after(&self, node: NodeId, extra_milli: u64) -> Option<(u64, u64)> {
        let limits = self.cluster.power_limits()?;
        self.rack_power_under(limits, node, extra_milli)
    }

    /// [`Trial::rack_power_after`] under `limits` (apart, so that the check without budgets,
    /// made for every task placed, stays a test of one field).
    fn rack_power_under(&self, limits: &PowerLimits, node: NodeId, extra_milli: u64) -> Option<(u64, u64)> {
        let rack = self.cluster.node(node).rack;
        if limits.never_binding(rack) {
            return None;
        }
        let mut need = limits.committed_mw(rack);
        for t in self.touched.iter().filter(|t| self.cluster.node(t.node).rack == rack) {
            let line = limits.line(t.node);
            need = need + line.power_mw(self.allocated_gpu_milli(t.node))
                - line.power_mw(self.cluster.node(t.node).allocated_gpu_milli());
        }
        let line = limits.line(node);
        let allocated = self.allocated_gpu_milli(node);
        need = need + line.power_mw(allocated + extra_milli) - line.power_mw(allocated);
        Some((need, limits.budget_mw(rack)))
    }

    /// Remembers `found`, the answer of a search, as fitting the trial as it is now (see
    /// [`Trial::take`]), and returns it.
    fn propose(&mut self, found: Option<TaskAlloc>) -> Option<TaskAlloc> {
        self.proposed = found;
        found
    }

    /// Copies `node` from the cluster into the overlay and returns its position; the caller
    /// changes it at once and lists it in the free-capacity order ([`Trial::change_at`]).
    fn add_touched(&mut self, node: NodeId) -> usize {
        let n = self.cluster.node(node);
        let first_device = self.devices.len() as u32;
        match self.cluster.gpu_free_milli(node) {
            // One device, the commonest node of a replayed HPC log: a push, not a copy call.
            &[only] => self.devices.push(only),
            devices => self.devices.extend_from_slice(devices),
        }
        let mut first_mig = u32::MAX;
        if let Some(gpus) = self.cluster.mig().and_then(|m| m.gpus_of(node, n.gpu_count)) {
            first_mig = self.mig.len() as u32;
            self.mig.extend_from_slice(gpus);
        }
        self.touched.push(TouchedNode {
            node,
            first_device,
            device_count: n.gpu_count,
            first_mig,
            free_cpu_milli: n.free_cpu_milli,
            free_mem_mib: n.free_mem_mib,
            free_gpu_milli: n.free_gpu_milli,
        });
        let position = self.touched.len() - 1;
        if self.positions.is_built() {
            self.positions.insert(node, position);
        } else if self.touched.len() > INDEX_AFTER {
            let nodes = self.cluster.nodes().len();
            let touched = self.touched.iter().map(|t| t.node);
            self.positions = match std::mem::take(&mut self.spare_positions).0 {
                Some(spare) => Positions::build_in(spare, touched, nodes),
                None => Positions::build(touched, nodes),
            };
        }
        position
    }

    /// [`Trial::take_fitting`] of a task, known to fit, on a node the trial has not touched and
    /// that is not in MIG mode: the node's overlay entry is made with the task already taken,
    /// in one step (a wide job on many nodes takes each of its nodes this way).
    fn take_untouched(&mut self, task: &TaskAlloc) {
        debug_assert_eq!(self.check_at(task, None), Ok(()), "a task found to fit fits");
        if task.mig.is_some() || self.cluster.mig().is_some() {
            self.take_fitting(task, None);
            return;
        }
        self.proposed = None;
        let i = self.add_touched(task.node);
        let t = &mut self.touched[i];
        let first = t.first_device as usize;
        subtract(t, &mut self.devices[first..first + t.device_count as usize], task);
        if let Some(order) = self.by_free.as_mut() {
            order.insert(t.free_gpu_milli, task.node);
        }
    }

    /// Runs `change` on the overlay entry of `node` and keeps the free-capacity order current.
    fn change(&mut self, node: NodeId, change: impl FnOnce(&mut TouchedNode, &mut [u16])) {
        let position = self.position(node);
        self.change_at(node, position, change);
    }

    /// Runs `change` on the overlay entry of `node`, at `position` if it is touched (copied from
    /// the cluster first if not), and keeps the free-capacity order current.
    fn change_at(&mut self, node: NodeId, position: Option<usize>, change: impl FnOnce(&mut TouchedNode, &mut [u16])) {
        self.proposed = None;
        let i = position.unwrap_or_else(|| self.add_touched(node));
        let t = &mut self.touched[i];
        let before = t.free_gpu_milli;
        let first = t.first_device as usize;
        change(t, &mut self.devices[first..first + t.device_count as usize]);
        let after = self.touched[i].free_gpu_milli;
        if let Some(order) = self.by_free.as_mut() {
            if position.is_none() {
                order.insert(after, node);
            } else if before != after {
                order.remove(before, node);
                order.insert(after, node);
            }
        }
    }

    /// Adds a task to the overlay after checking that its node has what it claims.
    pub fn take(&mut self, task: &TaskAlloc) -> Result<(), AllocError> {
        let position = self.position(task.node);
        if self.proposed != Some(*task) {
            self.check_at(task, position)?;
        }
        self.take_fitting(task, position);
        Ok(())
    }

    /// Adds `task`, known to fit (checked in debug builds), to the overlay entry of its node at
    /// `position` (if touched): [`Trial::take`] after its check, for a placement that found the
    /// task's node itself.
    fn take_fitting(&mut self, task: &TaskAlloc, position: Option<usize>) {
        debug_assert_eq!(self.check_at(task, position), Ok(()), "a task found to fit fits");
        self.change_at(task.node, position, |t, devices| subtract(t, devices, task));
        self.mig_change(task, true);
    }

    /// Checks that `task`'s node has what it claims after the tentative tasks, changing nothing.
    pub fn check(&self, task: &TaskAlloc) -> Result<(), AllocError> {
        self.check_at(task, self.position(task.node))
    }

    /// [`Trial::check`] of a task whose node's overlay entry is at `position` (if touched).
    fn check_at(&self, task: &TaskAlloc, position: Option<usize>) -> Result<(), AllocError> {
        let node = self
            .cluster
            .nodes
            .get(task.node.index())
            .ok_or(AllocError::NoSuchNode(task.node.0))?;
        if !node.up {
            return Err(AllocError::NodeDown(node.name.clone()));
        }
        if !node.reachable {
            return Err(AllocError::Unreachable(node.name.clone()));
        }
        if node.spare {
            return Err(AllocError::Spare(node.name.clone()));
        }
        if let Some((need_mw, budget_mw)) = self.rack_power_after(task.node, task.gpu_milli())
            && need_mw > budget_mw
        {
            let rack = self.cluster.racks()[node.rack.index()].name.clone();
            return Err(AllocError::PowerBudget {
                rack,
                need_mw,
                budget_mw,
            });
        }
        if task.milli_per_gpu > MILLI_PER_GPU || (task.gpu_mask != 0 && task.milli_per_gpu == 0) {
            return Err(AllocError::BadShare(task.milli_per_gpu));
        }
        if node.gpu_count < MAX_GPUS_PER_NODE && task.gpu_mask >> node.gpu_count != 0 {
            let gpu = 63 - task.gpu_mask.leading_zeros();
            return Err(AllocError::NoSuchGpu {
                node: node.name.clone(),
                gpu,
            });
        }
        let insufficient = |resource| AllocError::Insufficient {
            node: node.name.clone(),
            resource,
        };
        let free = self.free_at(task.node, position);
        if free.cpu_milli < task.cpu_milli {
            return Err(insufficient("CPU"));
        }
        if free.mem_mib < task.mem_mib {
            return Err(insufficient("memory"));
        }
        let share = task.milli_per_gpu as u16;
        if !holds_share(free.devices, task.gpu_mask, share) {
            return Err(insufficient("GPU"));
        }
        if self.cluster.mig.is_some() || task.mig.is_some() {
            self.check_mig(task, position)?;
        }
        Ok(())
    }

    /// True when nothing of `node` is taken after the tentative tasks and all of it can be
    /// used (see [`super::Node::is_idle`]).
    pub fn is_idle(&self, node: NodeId) -> bool {
        let n = self.cluster.node(node);
        if !n.schedulable() || n.failed_gpus != 0 {
            return false;
        }
        let free = self.free(node);
        free.gpu_milli == n.gpu_milli() && free.cpu_milli == n.cpu_milli && free.mem_mib == n.mem_mib
    }

    /// Keeps what is free of `task`'s claim out of reach: on each of its devices up to its share,
    /// and up to its CPU and memory. Backfilling withholds, for a job that would run across a
    /// reservation, the resources the reservation will need (whatever of them is busy now is
    /// out of reach anyway).
    pub fn withhold(&mut self, task: &TaskAlloc) {
        if task.mig.is_some() && self.check_mig(task, self.position(task.node)).is_ok() {
            self.change(task.node, |_, _| {});
            self.mig_change(task, true);
        }
        let share = task.milli_per_gpu as u16;
        self.change(task.node, |t, devices| {
            for gpu in devices_of(task.gpu_mask) {
                let taken = devices[gpu].min(share);
                devices[gpu] -= taken;
                t.free_gpu_milli -= u64::from(taken);
            }
            t.free_cpu_milli -= t.free_cpu_milli.min(task.cpu_milli);
            t.free_mem_mib -= t.free_mem_mib.min(task.mem_mib);
        });
    }

    /// Keeps out of reach on `node` up to `gpu_milli[i]` of what is free of device `i`, and up
    /// to `cpu_milli` and `mem_mib` of its free CPU and memory (an amount of zero or less keeps
    /// nothing): the part of reservations' claims there that the jobs running now will not have
    /// freed in time (see [`Trial::withhold`]).
    pub fn withhold_amounts(&mut self, node: NodeId, gpu_milli: &[i64], cpu_milli: i64, mem_mib: i64) {
        let at_least_zero = |x: i64| u64::try_from(x).unwrap_or(0);
        self.change(node, |t, devices| {
            for (free, &claim) in devices.iter_mut().zip(gpu_milli) {
                let taken = (*free).min(u16::try_from(at_least_zero(claim)).unwrap_or(u16::MAX));
                *free -= taken;
                t.free_gpu_milli -= u64::from(taken);
            }
            t.free_cpu_milli -= t.free_cpu_milli.min(at_least_zero(cpu_milli));
            t.free_mem_mib -= t.free_mem_mib.min(at_least_zero(mem_mib));
        });
    }

    /// Keeps all that is free of `node` out of reach (see [`Trial::withhold`]).
    pub fn withhold_node(&mut self, node: NodeId) {
        self.change(node, |t, devices| {
            devices.fill(0);
            t.free_gpu_milli = 0;
            t.free_cpu_milli = 0;
            t.free_mem_mib = 0;
        });
    }

    /// Returns a task's resources to the overlay: undoes a [`Trial::take`] of the same task (a
    /// gang that could not be placed whole gives back the tasks it had placed), or frees what a
    /// running job's task holds in the cluster (a policy weighing a preemption, or the cluster
    /// after a job ends). The task must hold what it claims, as the engine's allocations do.
    pub fn give_back(&mut self, task: &TaskAlloc) {
        self.cursors.clear();
        let share = task.milli_per_gpu as u16;
        self.change(task.node, |t, devices| {
            for gpu in devices_of(task.gpu_mask) {
                devices[gpu] += share;
                debug_assert!(
                    u32::from(devices[gpu]) <= MILLI_PER_GPU,
                    "give_back of a task that does not hold its devices"
                );
            }
            t.free_cpu_milli += task.cpu_milli;
            t.free_mem_mib += task.mem_mib;
            t.free_gpu_milli += task.gpu_milli();
        });
        self.mig_change(task, false);
    }
}

/// Takes `task` out of the overlay entry `t` of its node, whose devices are `devices`.
#[inline]
fn subtract(t: &mut TouchedNode, devices: &mut [u16], task: &TaskAlloc) {
    let share = task.milli_per_gpu as u16;
    for gpu in devices_of(task.gpu_mask) {
        devices[gpu] -= share;
    }
    t.free_cpu_milli -= task.cpu_milli;
    t.free_mem_mib -= task.mem_mib;
    t.free_gpu_milli -= task.gpu_milli();
}

/// True when every device of `mask` has at least `share` milli-GPU free in `devices` (the
/// mask is within the node's devices).
pub(super) fn holds_share(devices: &[u16], mask: u64, share: u16) -> bool {
    let mut rest = mask;
    while rest != 0 {
        if devices[rest.trailing_zeros() as usize] < share {
            return false;
        }
        rest &= rest - 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::tests::uniform;

    #[test]
    fn fractional_tasks_share_a_device_until_it_is_full() {
        // Four 0.25-GPU tasks fill device 0 (4 × 250 = 1000); a fifth goes to device 1.
        let cluster = uniform(1, 1, 2);
        let mut trial = Trial::new(&cluster);
        let quarter = TaskRequest::with_gpu_amount(0.25, 0, 0).unwrap();
        for _ in 0..4 {
            let task = trial.fit(NodeId(0), &quarter, GpuTypeSet::ANY).unwrap();
            assert_eq!(task.gpu_mask, 0b01);
            trial.take(&task).unwrap();
        }
        let fifth = trial.fit(NodeId(0), &quarter, GpuTypeSet::ANY).unwrap();
        assert_eq!(fifth.gpu_mask, 0b10);
        assert_eq!(trial.free_gpu_milli(NodeId(0)), 1000);
        trial.take(&fifth).unwrap();
        trial.give_back(&fifth);
        assert_eq!(trial.gpu_free_milli(NodeId(0)), &[0, 1000]);
        // The cluster itself is untouched.
        assert_eq!(cluster.allocated_gpu_milli(), 0);
    }

    #[test]
    fn free_capacity_of_every_node_reads_the_touched_ones_from_the_trial() {
        // Three nodes of 4 GPUs: a 2-GPU task tried on node 2, then a 1-GPU task on node 0 (so
        // the touched nodes are out of node order), leave 3, 4 and 2 GPUs free, as a look-up
        // of each node says; the cluster still has 4 free on each.
        let cluster = uniform(1, 3, 4);
        let mut trial = Trial::new(&cluster);
        for (node, gpus) in [(2, 2.0), (0, 1.0)] {
            let request = TaskRequest::with_gpu_amount(gpus, 0, 0).unwrap();
            let task = trial.fit(NodeId(node), &request, GpuTypeSet::ANY).unwrap();
            trial.take(&task).unwrap();
        }
        let all: Vec<u64> = trial.free_gpu_milli_of_nodes().collect();
        assert_eq!(all, [3000, 4000, 2000]);
        let each: Vec<u64> = (0..3).map(|n| trial.free_gpu_milli(NodeId(n))).collect();
        assert_eq!(all, each);
        assert_eq!(
            Trial::new(&cluster).free_gpu_milli_of_nodes().collect::<Vec<_>>(),
            [4000; 3]
        );
    }

    #[test]
    fn nodes_with_enough_free_are_found_on_the_cluster_and_in_the_trial() {
        // Five nodes of 4 GPUs. The cluster runs 3 GPUs on node 1 and 4 on node 3; the trial
        // takes 2 on node 0 and gives node 3 back. Free: 2, 1, 4, 4, 4. At least 2 GPUs: nodes
        // 0, 2, 3, 4; at least 3: 2, 3, 4 (node 0 has 4 on the cluster, 2 in the trial); with
        // a limit of 2 the search stops short.
        let mut cluster = uniform(1, 5, 4);
        let held = |node, gpu_mask| TaskAlloc {
            node: NodeId(node),
            gpu_mask,
            milli_per_gpu: 1000,
            cpu_milli: 0,
            mem_mib: 0,
            mig: None,
        };
        cluster.allocate(&[held(1, 0b0111), held(3, 0b1111)]).unwrap();
        let mut trial = Trial::new(&cluster);
        trial.take(&held(0, 0b0011)).unwrap();
        trial.give_back(&held(3, 0b1111));
        let found = |need, limit| {
            let mut nodes = Vec::new();
            let complete = trial.nodes_with_at_least(need, limit, &mut nodes);
            nodes.sort_unstable();
            (complete, nodes.iter().map(|n| n.0).collect::<Vec<_>>())
        };
        assert_eq!(found(2000, 10), (true, vec![0, 2, 3, 4]));
        assert_eq!(found(3000, 10), (true, vec![2, 3, 4]));
        assert_eq!(found(1000, 5), (true, vec![0, 1, 2, 3, 4]));
        assert!(!found(2000, 2).0);
    }

    #[test]
    fn give_back_frees_what_a_running_task_holds() {
        // A running task holds devices 0 and 1 of node 0; a trial that releases it sees the
        // whole node free, and a clone taken before the release still sees it held.
        let mut cluster = uniform(1, 1, 4);
        let running = TaskAlloc {
            node: NodeId(0),
            gpu_mask: 0b0011,
            milli_per_gpu: 1000,
            cpu_milli: 1000,
            mem_mib: 10,
            mig: None,
        };
        cluster.allocate(&[running]).unwrap();
        let mut trial = Trial::new(&cluster);
        let before = trial.clone();
        trial.give_back(&running);
        assert_eq!(trial.gpu_free_milli(NodeId(0)), &[1000; 4]);
        assert_eq!(trial.free_gpu_milli(NodeId(0)), 4000);
        assert_eq!(trial.free_cpu_mem(NodeId(0)), (64_000, 512 * 1024));
        assert_eq!(before.free_gpu_milli(NodeId(0)), 2000);
        assert_eq!(cluster.allocated_gpu_milli(), 2000);
    }

    #[test]
    fn a_trial_touching_many_nodes_keeps_each_apart() {
        // Twenty 2-GPU nodes, one GPU taken on each in turn (past the indexing threshold), then
        // a second on node 3: every node's count is its own.
        let cluster = uniform(1, 20, 2);
        let mut trial = Trial::new(&cluster);
        let one = TaskRequest::with_gpu_amount(1.0, 0, 0).unwrap();
        for i in 0..20 {
            let task = trial.fit(NodeId(i), &one, GpuTypeSet::ANY).unwrap();
            trial.take(&task).unwrap();
        }
        let task = trial.fit(NodeId(3), &one, GpuTypeSet::ANY).unwrap();
        trial.take(&task).unwrap();
        let copy = trial.clone();
        let free: Vec<u64> = (0..20).map(|i| copy.free_gpu_milli(NodeId(i))).collect();
        let mut expected = vec![1000; 20];
        expected[3] = 0;
        assert_eq!(free, expected);
        assert!(copy.fit(NodeId(3), &one, GpuTypeSet::ANY).is_none());
    }

    #[test]
    fn take_refuses_what_is_not_there() {
        let cluster = uniform(1, 1, 2);
        let mut trial = Trial::new(&cluster);
        let bad = TaskAlloc {
            node: NodeId(0),
            gpu_mask: 0b100,
            milli_per_gpu: 1000,
            cpu_milli: 0,
            mem_mib: 0,
            mig: None,
        };
        assert!(matches!(trial.take(&bad), Err(AllocError::NoSuchGpu { gpu: 2, .. })));
        let cpu = TaskAlloc {
            node: NodeId(0),
            gpu_mask: 0,
            milli_per_gpu: 0,
            cpu_milli: 65_000,
            mem_mib: 0,
            mig: None,
        };
        assert!(matches!(
            trial.take(&cpu),
            Err(AllocError::Insufficient { resource: "CPU", .. })
        ));
        let missing = TaskAlloc {
            node: NodeId(7),
            gpu_mask: 0,
            milli_per_gpu: 0,
            cpu_milli: 0,
            mem_mib: 0,
            mig: None,
        };
        assert_eq!(trial.take(&missing), Err(AllocError::NoSuchNode(7)));
    }

    #[test]
    fn type_constraints_apply_to_gpu_tasks_only() {
        let cluster = uniform(1, 1, 2);
        let trial = Trial::new(&cluster);
        let gpu = TaskRequest::with_gpu_amount(1.0, 0, 0).unwrap();
        let cpu_only = TaskRequest::with_gpu_amount(0.0, 1000, 0).unwrap();
        assert!(trial.fit(NodeId(0), &gpu, GpuTypeSet::NONE).is_none());
        assert!(trial.fit(NodeId(0), &cpu_only, GpuTypeSet::NONE).is_some());
    }
}
