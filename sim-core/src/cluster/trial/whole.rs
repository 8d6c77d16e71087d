//! Placing a job whose tasks each take a whole node, in one pass over the nodes.
//!
//! Such a task leaves nothing of its node to another, and every node that can hold one has the
//! same free GPU capacity before it (all of its devices, or none on nodes without GPUs). So
//! first fit and best fit (whose key then ties, leaving its lower-id rule to decide) both put
//! a job of `n` such tasks on the `n` lowest-numbered nodes that fit it now: one walk in id
//! order finds them, instead of one search per task.

use super::Trial;
use crate::cluster::GpuTypeSet;
use crate::ids::NodeId;
use crate::resources::{TaskAlloc, TaskRequest};

impl Trial<'_> {
    /// True when [`Trial::take_whole_nodes`] may place `request`: every pool that holds it
    /// (on a GPU model in `allowed`, for a task with GPUs) is taken whole by it, no node is
    /// preferred, no rack power budget is in force (under one, a task's fit depends on the
    /// tasks taken before it in its rack), and no node is in MIG mode (whose instances follow
    /// their own placement rule).
    pub fn takes_whole_nodes(&self, request: &TaskRequest, allowed: GpuTypeSet) -> bool {
        if !self.preferred.is_empty() || self.cluster.power_limits().is_some() || self.cluster.mig().is_some() {
            return false;
        }
        let mut held = false;
        for pool in self.cluster.pools() {
            let on_allowed = request.gpus == 0 || allowed.contains(pool.gpu_type);
            if on_allowed && pool.holds(request) {
                if !pool.taken_whole_by(request) {
                    return false;
                }
                held = true;
            }
        }
        held
    }

    /// Takes `count` tasks of `request` on the `count` lowest-numbered nodes that fit one, and
    /// returns them in node order; `None`, with the trial unchanged, when fewer nodes fit. What
    /// `count` rounds of [`Trial::first_fit`] (or [`Trial::best_fit`]) and [`Trial::take`] give,
    /// for a request that [`Trial::takes_whole_nodes`] admits.
    pub fn take_whole_nodes(
        &mut self,
        request: &TaskRequest,
        allowed: GpuTypeSet,
        count: u32,
    ) -> Option<Vec<TaskAlloc>> {
        debug_assert!(self.takes_whole_nodes(request, allowed), "a request taking whole nodes");
        let count = count as usize;
        let need = request.gpu_milli();
        let mut touched: Vec<TaskAlloc> = self
            .touched
            .iter()
            .filter(|t| t.free_gpu_milli >= need)
            .filter_map(|t| self.fit(t.node, request, allowed))
            .collect();
        touched.sort_unstable_by_key(|task| task.node);
        let mut touched = touched.into_iter().peekable();
        let mut from = self.cursors.first_fit_from(request, allowed);
        let index = self.cluster.free_index();
        let mut chosen = Vec::with_capacity(count);
        let mut from_touched = 0;
        let mut untouched = index.first_at_least(from, need);
        while chosen.len() < count {
            let next_touched = touched.peek().map(|task| task.node);
            match untouched {
                Some(node) if next_touched.is_none_or(|t| node < t) => {
                    if !self.is_touched(node)
                        && let Some(task) = self.whole_fit_untouched(node, request, allowed)
                    {
                        chosen.push(task);
                    }
                    from = node.index() + 1;
                    untouched = index.first_at_least(from, need);
                }
                _ => match touched.next() {
                    Some(task) => {
                        chosen.push(task);
                        from_touched += 1;
                    }
                    None => break,
                },
            }
        }
        if chosen.len() < count {
            return None;
        }
        if let Some(last) = chosen.iter().rev().find(|task| task.node.index() < from) {
            // Every node before the last one taken from the index is now touched or does not
            // fit the request, and stays so for the trial's life (see `search`).
            self.cursors.set_first_fit_from(request, allowed, last.node.index());
        }
        self.reserve(count);
        for task in &chosen {
            // Without touched nodes among them, every node taken is untouched (no lookup).
            match (from_touched > 0).then(|| self.position(task.node)).flatten() {
                Some(position) => self.take_fitting(task, Some(position)),
                None => self.take_untouched(task),
            }
        }
        Some(chosen)
    }

    /// [`Trial::fit`] of a request [`Trial::takes_whole_nodes`] admits, on a node the trial has
    /// not touched, by the node's totals alone. Under that rule no node is preferred, there is
    /// no MIG and no power budget, and a node with the request's GPU capacity free has every
    /// device free, so the task's devices are all of them: no per-device search.
    #[inline]
    fn whole_fit_untouched(&self, node: NodeId, request: &TaskRequest, allowed: GpuTypeSet) -> Option<TaskAlloc> {
        let n = self.cluster.node(node);
        let fits = n.schedulable()
            && (request.gpus == 0 || allowed.contains(n.gpu_type))
            && n.free_cpu_milli >= request.cpu_milli
            && n.free_mem_mib >= request.mem_mib
            && n.free_gpu_milli >= request.gpu_milli();
        let found = fits.then(|| TaskAlloc {
            node,
            gpu_mask: u64::MAX.checked_shr(64u32.saturating_sub(request.gpus)).unwrap_or(0),
            milli_per_gpu: request.milli_per_gpu,
            cpu_milli: request.cpu_milli,
            mem_mib: request.mem_mib,
            mig: None,
        });
        debug_assert_eq!(found, self.fit_at(node, || None, request, allowed), "the totals decide");
        found
    }
}

#[cfg(test)]
mod tests {
    use crate::cluster::tests::uniform;
    use crate::cluster::{GpuTypeSet, Trial};
    use crate::ids::NodeId;
    use crate::resources::{TaskAlloc, TaskRequest};

    fn gpus(n: f64) -> TaskRequest {
        TaskRequest::with_gpu_amount(n, 1000, 16).unwrap()
    }

    /// A task already running on `node`, on the devices of `gpu_mask`, whole.
    fn running(node: u32, gpu_mask: u64) -> TaskAlloc {
        TaskAlloc {
            node: NodeId(node),
            gpu_mask,
            milli_per_gpu: 1000,
            cpu_milli: 1000,
            mem_mib: 16,
            mig: None,
        }
    }

    fn nodes(tasks: &[TaskAlloc]) -> Vec<u32> {
        tasks.iter().map(|t| t.node.0).collect()
    }

    #[test]
    fn whole_nodes_are_the_lowest_numbered_that_fit_as_first_and_best_fit_take_them() {
        // Eight 4-GPU nodes; node 1 runs a 1-GPU task, node 4 a 4-GPU one. The trial gives
        // node 4 back (touched, free again) and takes 2 GPUs of node 0 (touched, no longer
        // whole). Nodes that fit a 4-GPU task, in id order: 2, 3, 4, 5, 6, 7.
        let mut cluster = uniform(1, 8, 4);
        let (one, four) = (running(1, 0b1), running(4, 0b1111));
        cluster.allocate(&[one, four]).unwrap();
        let mut trial = Trial::new(&cluster);
        trial.give_back(&four);
        let two = trial.fit(NodeId(0), &gpus(2.0), GpuTypeSet::ANY).unwrap();
        trial.take(&two).unwrap();
        let whole = gpus(4.0);
        assert!(trial.takes_whole_nodes(&whole, GpuTypeSet::ANY));
        assert!(!trial.takes_whole_nodes(&gpus(2.0), GpuTypeSet::ANY));

        let mut by_first_fit = trial.clone();
        let mut by_best_fit = trial.clone();
        let first = trial.take_whole_nodes(&whole, GpuTypeSet::ANY, 3).unwrap();
        assert_eq!(nodes(&first), [2, 3, 4]);
        assert!(first.iter().all(|t| t.gpu_mask == 0b1111));
        let second = trial.take_whole_nodes(&whole, GpuTypeSet::ANY, 3).unwrap();
        assert_eq!(nodes(&second), [5, 6, 7]);
        // Nothing is left; a refusal changes nothing.
        assert_eq!(trial.take_whole_nodes(&whole, GpuTypeSet::ANY, 1), None);
        assert_eq!(trial.free_gpu_milli(NodeId(7)), 0);
        assert_eq!(trial.free_gpu_milli(NodeId(0)), 2000);

        // The same six tasks, one search and take at a time.
        let both = [first, second].concat();
        assert_eq!(
            one_by_one(&mut by_first_fit, |t| t.first_fit(&whole, GpuTypeSet::ANY)),
            both
        );
        assert_eq!(
            one_by_one(&mut by_best_fit, |t| t.best_fit(&whole, GpuTypeSet::ANY)),
            both
        );
    }

    /// Six tasks found by `search` and taken, one at a time.
    fn one_by_one(
        trial: &mut Trial<'_>,
        mut search: impl FnMut(&mut Trial<'_>) -> Option<TaskAlloc>,
    ) -> Vec<TaskAlloc> {
        (0..6)
            .map(|_| {
                let task = search(trial).unwrap();
                trial.take(&task).unwrap();
                task
            })
            .collect()
    }

    #[test]
    fn nodes_taken_whole_leave_the_free_capacity_order_of_later_searches() {
        // Four 2-GPU nodes. A best-fit search first (which orders the touched nodes by free
        // capacity): a 1-GPU task goes to node 0 and is taken. Two whole-node tasks then take
        // nodes 1 and 2. Best fit for another 1-GPU task must pick node 0 (1 GPU free, the
        // tightest), and after that node 3; nodes 1 and 2 hold nothing more.
        let cluster = uniform(1, 4, 2);
        let mut trial = Trial::new(&cluster);
        let one = gpus(1.0);
        let first = trial.best_fit(&one, GpuTypeSet::ANY).unwrap();
        assert_eq!(first.node, NodeId(0));
        trial.take(&first).unwrap();
        let whole = trial.take_whole_nodes(&gpus(2.0), GpuTypeSet::ANY, 2).unwrap();
        assert_eq!(nodes(&whole), [1, 2]);
        assert_eq!(trial.free_cpu_mem(NodeId(1)), (64_000 - 1000, 512 * 1024 - 16));
        let second = trial.best_fit(&one, GpuTypeSet::ANY).unwrap();
        assert_eq!(second.node, NodeId(0));
        trial.take(&second).unwrap();
        let third = trial.best_fit(&one, GpuTypeSet::ANY).unwrap();
        assert_eq!(third.node, NodeId(3));
        assert!(trial.fit(NodeId(1), &one, GpuTypeSet::ANY).is_none());
        // Giving node 2's task back moves it in that order: a 2-GPU task now fits there only.
        trial.give_back(&whole[1]);
        let again = trial.best_fit(&gpus(2.0), GpuTypeSet::ANY).unwrap();
        assert_eq!(again.node, NodeId(2));
    }

    #[test]
    fn first_fit_resumes_each_request_where_its_own_walk_stopped() {
        // Six 4-GPU nodes; node 1 already runs a 1-GPU task (worked by hand). Whole nodes take
        // 0 and 2 (the whole nodes' walk passes 1). A 2-GPU task must then take untouched node
        // 1: its own walk has not started, and it must not resume where the whole nodes' did.
        // Node 1 then has one GPU left, so the next two take node 3; a whole node then takes 4.
        let mut cluster = uniform(1, 6, 4);
        cluster.allocate(&[running(1, 0b1)]).unwrap();
        let mut trial = Trial::new(&cluster);
        let (whole, half) = (gpus(4.0), gpus(2.0));
        let half_task = |trial: &mut Trial<'_>| {
            let task = trial.first_fit(&half, GpuTypeSet::ANY).unwrap();
            trial.take(&task).unwrap();
            task.node.0
        };
        assert_eq!(
            nodes(&trial.take_whole_nodes(&whole, GpuTypeSet::ANY, 2).unwrap()),
            [0, 2]
        );
        assert_eq!(half_task(&mut trial), 1);
        assert_eq!(half_task(&mut trial), 3);
        assert_eq!(half_task(&mut trial), 3);
        assert_eq!(nodes(&trial.take_whole_nodes(&whole, GpuTypeSet::ANY, 1).unwrap()), [4]);
    }

    #[test]
    fn too_few_nodes_leave_the_trial_unchanged() {
        // Three free 4-GPU nodes cannot take four whole-node tasks; afterwards all three
        // still take three.
        let cluster = uniform(1, 3, 4);
        let mut trial = Trial::new(&cluster);
        assert_eq!(trial.take_whole_nodes(&gpus(4.0), GpuTypeSet::ANY, 4), None);
        assert_eq!(trial.free_gpu_milli(NodeId(0)), 4000);
        let taken = trial.take_whole_nodes(&gpus(4.0), GpuTypeSet::ANY, 3).unwrap();
        assert_eq!(nodes(&taken), [0, 1, 2]);
    }
}
