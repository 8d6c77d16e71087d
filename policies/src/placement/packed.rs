//! Packed: the whole job on the fewest racks, then the fewest nodes, so a multi-node job's
//! traffic stays under one leaf switch when it can (rack-aware gang packing).
//!
//! The rule, in order:
//! 1. If some rack can hold every task, use the one that needs the fewest nodes; ties go to
//!    the rack left with the least free GPU capacity (best fit between racks), then the lower id.
//! 2. Otherwise take racks holding the most tasks first (ties to the lower id) until the job fits.
//! 3. Within the chosen racks: if one node holds every remaining task, the one of those left
//!    with the least free GPU capacity (then lower id) takes them; otherwise the node holding
//!    the most tasks (then least free GPU, then lower id) is filled, and so on.

use sim_core::cluster::Trial;
use sim_core::ids::NodeId;
use sim_core::job::Job;
use sim_core::resources::TaskAlloc;

use super::{Placement, copies_placed, copies_that_fit, give_back_all, gpus_of};
use crate::explain::Candidate;
use crate::registry::{Factory, PartInfo, PlacementPart};

/// `packed`.
pub(crate) const PART: PlacementPart = PlacementPart {
    info: PartInfo {
        name: "packed",
        description: "the whole job on the fewest racks, then the fewest nodes (one leaf switch when it can)",
        params: &[],
    },
    build: Factory::Static(&|_, _| Box::new(Packed)),
};

/// Fewest racks, then fewest nodes.
#[derive(Debug, Default)]
pub struct Packed;

/// A node that can hold some of the job's tasks.
#[derive(Clone, Copy)]
struct Room {
    node: NodeId,
    copies: u32,
    free_gpu_milli: u64,
}

/// Per rack, the nodes that can hold some of `job`'s tasks on `trial` (on a cluster with
/// MIG-mode nodes counted by placing them, since free capacity does not say what fits there).
fn rooms_of(trial: &mut Trial<'_>, job: &Job) -> Vec<Vec<Room>> {
    let cluster = trial.cluster();
    let by_placing = cluster.mig().is_some();
    let (task, allowed, tasks) = (&job.spec.task, job.allowed_gpu_types, job.spec.tasks);
    cluster
        .racks()
        .iter()
        .map(|rack| {
            rack.nodes
                .iter()
                .map(|&node| Room {
                    node,
                    copies: match by_placing {
                        true => copies_placed(trial, node, task, allowed, tasks),
                        false => copies_that_fit(trial, node, task, allowed, tasks),
                    },
                    free_gpu_milli: trial.free_gpu_milli(node),
                })
                .filter(|room| room.copies > 0)
                .collect()
        })
        .collect()
}

impl Placement for Packed {
    fn place(&mut self, trial: &mut Trial<'_>, job: &Job) -> Option<Vec<TaskAlloc>> {
        let tasks = job.spec.tasks;
        let racks = rooms_of(trial, job);
        let mut rooms = choose_racks(&racks, tasks, job.spec.task.gpu_milli())?;
        let plan = choose_nodes(&mut rooms, tasks);
        let mut placed = Vec::with_capacity(tasks as usize);
        for (node, count) in plan {
            for _ in 0..count {
                let Some(task) = trial.fit(node, &job.spec.task, job.allowed_gpu_types) else {
                    give_back_all(trial, &placed);
                    return None;
                };
                trial.take(&task).expect("a task that fits can be taken");
                placed.push(task);
            }
        }
        Some(placed)
    }

    /// Candidates: the racks that can hold the whole job, in the order of step 1 (fewest nodes
    /// needed, then least free GPU capacity left, then lower id), each as the node its first
    /// task would go to (step 3), scored by the GPUs the rack would have free after the job.
    /// None when no single rack can hold the job (it spans racks).
    fn candidates(&mut self, trial: &Trial<'_>, job: &Job, k: usize, out: &mut Vec<Candidate>) {
        let tasks = job.spec.tasks;
        let needed = u64::from(tasks) * job.spec.task.gpu_milli();
        // A scratch copy to count on (the why-log only; the trial itself must not change).
        let mut fitting: Vec<((u32, u64, usize), Candidate)> = rooms_of(&mut trial.clone(), job)
            .into_iter()
            .enumerate()
            .filter(|(_, rooms)| total_copies(rooms) >= tasks)
            .filter_map(|(id, mut rooms)| {
                let left = rooms.iter().map(|r| r.free_gpu_milli).sum::<u64>() - needed;
                let order = (nodes_needed(&rooms, tasks), left, id);
                let (node, _) = *choose_nodes(&mut rooms, tasks).first()?;
                Some((
                    order,
                    Candidate {
                        node,
                        score: gpus_of(left),
                    },
                ))
            })
            .collect();
        fitting.sort_by_key(|(order, _)| *order);
        out.extend(fitting.into_iter().take(k).map(|(_, c)| c));
    }
}

fn total_copies(rooms: &[Room]) -> u32 {
    rooms.iter().map(|r| r.copies).fold(0, u32::saturating_add)
}

/// Nodes a rack needs for `tasks` when its largest rooms are used first.
fn nodes_needed(rooms: &[Room], tasks: u32) -> u32 {
    let mut copies: Vec<u32> = rooms.iter().map(|r| r.copies).collect();
    copies.sort_unstable_by(|a, b| b.cmp(a));
    let mut left = tasks;
    let mut used = 0;
    for c in copies {
        if left == 0 {
            break;
        }
        left = left.saturating_sub(c);
        used += 1;
    }
    used
}

/// The rooms of the racks the job goes to (steps 1 and 2), or `None` if it fits nowhere.
fn choose_racks(racks: &[Vec<Room>], tasks: u32, task_gpu_milli: u64) -> Option<Vec<Room>> {
    let one_rack = racks
        .iter()
        .enumerate()
        .filter(|(_, rooms)| total_copies(rooms) >= tasks)
        .min_by_key(|&(id, rooms)| {
            let free: u64 = rooms.iter().map(|r| r.free_gpu_milli).sum();
            (nodes_needed(rooms, tasks), free - u64::from(tasks) * task_gpu_milli, id)
        });
    if let Some((_, rooms)) = one_rack {
        return Some(rooms.clone());
    }
    let mut order: Vec<usize> = (0..racks.len()).collect();
    order.sort_by_key(|&r| (std::cmp::Reverse(total_copies(&racks[r])), r));
    let mut chosen = Vec::new();
    let mut covered = 0u32;
    for r in order {
        if covered >= tasks {
            break;
        }
        covered = covered.saturating_add(total_copies(&racks[r]));
        chosen.extend_from_slice(&racks[r]);
    }
    (covered >= tasks).then_some(chosen)
}

/// How many tasks go on which node (step 3).
fn choose_nodes(rooms: &mut Vec<Room>, tasks: u32) -> Vec<(NodeId, u32)> {
    let mut plan = Vec::new();
    let mut left = tasks;
    while left > 0 && !rooms.is_empty() {
        let whole = rooms
            .iter()
            .enumerate()
            .filter(|(_, r)| r.copies >= left)
            .min_by_key(|(_, r)| (r.free_gpu_milli, r.node));
        let (index, count) = match whole {
            Some((i, _)) => (i, left),
            None => {
                let (i, r) = rooms
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, r)| (std::cmp::Reverse(r.copies), r.free_gpu_milli, r.node))
                    .expect("rooms is not empty");
                (i, r.copies)
            }
        };
        plan.push((rooms[index].node, count));
        left -= count;
        rooms.swap_remove(index);
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::FirstFit;
    use crate::placement::tests::{job, racks};

    fn nodes_of(placed: &[TaskAlloc]) -> Vec<u32> {
        placed.iter().map(|t| t.node.0).collect()
    }

    #[test]
    fn a_gang_stays_in_one_rack_when_one_can_hold_it() {
        // Rack 0: nodes 0, 1 with 4 GPUs; rack 1: nodes 2, 3, 4 with 4 GPUs. Node 1 is
        // half taken (2 free). A 3 × 4-GPU gang: rack 0 holds only 1 task (node 0), rack 1
        // holds 3 on 3 nodes → rack 1, nodes 2, 3, 4. First fit would take nodes 0, 2, 3
        // and straddle two racks.
        let cluster = racks(&[vec![4, 4], vec![4, 4, 4]]);
        let mut trial = Trial::new(&cluster);
        let half = FirstFit.place(&mut trial, &job(1, 2.0)).unwrap();
        assert_eq!(nodes_of(&half), vec![0]);
        let mut ff_trial = trial.clone();
        assert_eq!(
            nodes_of(&FirstFit.place(&mut ff_trial, &job(3, 4.0)).unwrap()),
            vec![1, 2, 3]
        );
        assert_eq!(
            nodes_of(&Packed.place(&mut trial, &job(3, 4.0)).unwrap()),
            vec![2, 3, 4]
        );
    }

    #[test]
    fn candidates_are_the_racks_that_hold_the_job_in_the_order_of_step_1() {
        // Racks of 8 + 4, 4, and 2 + 2 GPUs (nodes 0, 1 | 2 | 3, 4). A 2 × 2-GPU gang: rack 0
        // holds both on one node (node 0 or 1: 1 node), rack 1 on node 2 (1 node), rack 2 only
        // on two nodes. Step 1: one node needed, then the least left: rack 1 (4 − 4 = 0), rack 0
        // (12 − 4 = 8), then rack 2 (2 nodes; 4 − 4 = 0). Rack 0's tasks go to node 1, left
        // tighter (4 − 4 = 0 < 8 − 4); rack 2's first to node 3 (lower id).
        let cluster = racks(&[vec![8, 4], vec![4], vec![2, 2]]);
        let trial = Trial::new(&cluster);
        let mut out = Vec::new();
        Packed.candidates(&trial, &job(2, 2.0), 3, &mut out);
        let listed: Vec<(u32, f64)> = out.iter().map(|c| (c.node.0, c.score)).collect();
        assert_eq!(listed, [(2, 0.0), (1, 8.0), (3, 0.0)]);
        let placed = Packed.place(&mut Trial::new(&cluster), &job(2, 2.0)).unwrap();
        assert_eq!(nodes_of(&placed), vec![2, 2], "the first candidate is the pick");
        // A 4 × 4-GPU gang fits no single rack: no candidates.
        out.clear();
        Packed.candidates(&trial, &job(4, 4.0), 3, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn fewest_nodes_then_tightest() {
        // One rack: nodes of 8, 4, 2 free GPUs. Four 1-GPU tasks: node 0 (8) and node 1 (4)
        // can each take all four; node 1 is left tighter (0 < 4) → all on node 1.
        // Then five 1-GPU tasks: only node 0 takes five → node 0.
        let cluster = racks(&[vec![8, 4, 2]]);
        let mut trial = Trial::new(&cluster);
        assert_eq!(nodes_of(&Packed.place(&mut trial, &job(4, 1.0)).unwrap()), vec![1; 4]);
        assert_eq!(nodes_of(&Packed.place(&mut trial, &job(5, 1.0)).unwrap()), vec![0; 5]);
    }

    #[test]
    fn spills_over_the_fewest_racks() {
        // Racks of 1, 3 and 2 nodes × 4 GPUs; a 5 × 4-GPU gang fits no single rack: the rack
        // holding most (rack 1, 3 tasks) then rack 2 (2 tasks) → nodes 1, 2, 3, 4, 5; the
        // job fails on a 7-task gang (6 nodes) and the trial is left untouched.
        let cluster = racks(&[vec![4], vec![4, 4, 4], vec![4, 4]]);
        let mut trial = Trial::new(&cluster);
        assert!(Packed.place(&mut trial, &job(7, 4.0)).is_none());
        assert_eq!(trial.free_gpu_milli(NodeId(1)), 4000);
        let mut placed = nodes_of(&Packed.place(&mut trial, &job(5, 4.0)).unwrap());
        placed.sort_unstable();
        assert_eq!(placed, vec![1, 2, 3, 4, 5]);
    }
}
