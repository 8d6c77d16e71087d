//! Rack power as a schedulable resource: with a power budget in force, a task may only start
//! where its rack's electrical power, computed at the clock the budget rule guarantees, stays
//! within the budget. The power model installs one [`PowerLine`] per node; the cluster keeps
//! each rack's committed power in whole milliwatts so that checks are exact and repeatable.

use crate::ids::{NodeId, RackId};

/// A node's electrical power as a function of its allocated GPU capacity `U` (milli-GPU):
/// `min(clip, idle + slope · U)`, in milliwatts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PowerLine {
    /// Power with nothing allocated, in mW.
    pub idle_mw: f64,
    /// Extra power per allocated milli-GPU, in mW.
    pub slope_mw_per_milli: f64,
    /// The node's maximum power, in mW.
    pub clip_mw: f64,
}

impl PowerLine {
    /// Power at `allocated_milli`, rounded to whole milliwatts.
    pub fn power_mw(&self, allocated_milli: u64) -> u64 {
        (self.idle_mw + self.slope_mw_per_milli * allocated_milli as f64)
            .min(self.clip_mw)
            .round() as u64
    }
}

/// Per-node power lines and per-rack budgets and commitments.
#[derive(Clone, Debug, PartialEq)]
pub struct PowerLimits {
    lines: Vec<PowerLine>,
    rack_budget_mw: Vec<u64>,
    rack_committed_mw: Vec<u64>,
    /// Racks that stay within budget even with every GPU allocated (no check needed).
    rack_never_binding: Vec<bool>,
    /// The most GPU capacity (milli-GPU) the budgets let the whole cluster hold at once, and
    /// the most one node may hold, starting from nothing allocated: what a job larger than
    /// either can never be given.
    reach: Reach,
}

/// What the budgets let the cluster hold from nothing allocated, in milli-GPU: in all, and on
/// one node (see [`PowerLimits::can_ever_hold`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Reach {
    total_milli: u64,
    node_milli: u64,
}

impl Reach {
    /// The reach of racks whose nodes have `lines` and hold at most `capacity_milli`, under
    /// `rack_budget_mw`. On one node: exactly what the rack's budget less its nodes' idle power
    /// buys there. In all, an upper bound: a node's power grows at least at its average rate
    /// over its whole capacity (the line is linear, then flat at the clip), so spending the
    /// headroom at those rates, cheapest node first, buys at least as much as any real
    /// allocation could (task sizes aside).
    fn of(lines: &[PowerLine], rack_budget_mw: &[u64], node_racks: &[RackId], capacity_milli: &[u64]) -> Reach {
        let mut by_rack: Vec<Vec<usize>> = vec![Vec::new(); rack_budget_mw.len()];
        for (node, rack) in node_racks.iter().enumerate() {
            by_rack[rack.index()].push(node);
        }
        // Extra power over idle with all of node `n`'s capacity allocated, in mW.
        let full = |n: usize| {
            let line = &lines[n];
            (line.slope_mw_per_milli * capacity_milli[n] as f64)
                .min(line.clip_mw - line.idle_mw)
                .max(0.0)
        };
        // The milli-GPU `extra` mW over idle buys on node `n` at `rate` mW per milli-GPU (all of
        // its capacity when its full power fits).
        let buys = |n: usize, extra: f64, rate: f64| match full(n) <= extra || rate <= 0.0 {
            true => capacity_milli[n],
            false => ((extra / rate).floor() as u64).min(capacity_milli[n]),
        };
        let mut reach = Reach::default();
        for (nodes, &budget) in by_rack.iter_mut().zip(rack_budget_mw) {
            let idle: f64 = nodes.iter().map(|&n| lines[n].idle_mw).sum();
            let headroom = (budget as f64 - idle).max(0.0);
            for &n in nodes.iter() {
                reach.node_milli = reach.node_milli.max(buys(n, headroom, lines[n].slope_mw_per_milli));
            }
            let average = |n: usize| full(n) / capacity_milli[n].max(1) as f64;
            nodes.sort_by(|&a, &b| average(a).total_cmp(&average(b)));
            let mut left = headroom;
            for &n in nodes.iter() {
                let milli = buys(n, left, average(n));
                reach.total_milli += milli;
                left -= milli as f64 * average(n);
                if left <= 0.0 {
                    break;
                }
            }
        }
        reach
    }
}

impl PowerLimits {
    /// Limits for nodes with `lines` (by node id) in racks with `rack_budget_mw` (by rack id);
    /// `node_racks` gives each node's rack, `allocated_milli` what each node holds now and
    /// `capacity_milli` the most it can hold.
    pub fn new(
        lines: Vec<PowerLine>,
        rack_budget_mw: Vec<u64>,
        node_racks: &[RackId],
        allocated_milli: &[u64],
        capacity_milli: &[u64],
    ) -> Self {
        let mut rack_committed_mw = vec![0; rack_budget_mw.len()];
        let mut rack_full_mw = vec![0; rack_budget_mw.len()];
        for (((line, rack), &allocated), &capacity) in
            lines.iter().zip(node_racks).zip(allocated_milli).zip(capacity_milli)
        {
            rack_committed_mw[rack.index()] += line.power_mw(allocated);
            rack_full_mw[rack.index()] += line.power_mw(capacity);
        }
        let rack_never_binding = rack_full_mw
            .iter()
            .zip(&rack_budget_mw)
            .map(|(full, budget)| full <= budget)
            .collect();
        let reach = Reach::of(&lines, &rack_budget_mw, node_racks, capacity_milli);
        PowerLimits {
            lines,
            rack_budget_mw,
            rack_committed_mw,
            rack_never_binding,
            reach,
        }
    }

    /// False when the budgets could never let a job of `tasks` tasks of `task_milli` milli-GPU
    /// each run, even on an empty cluster: more than they let the cluster hold in all, or a
    /// task more than they let any one node hold. (True says only that they might.)
    pub fn can_ever_hold(&self, tasks: u32, task_milli: u64) -> bool {
        task_milli <= self.reach.node_milli && u64::from(tasks) * task_milli <= self.reach.total_milli
    }

    /// True when a rack cannot exceed its budget whatever is placed on it.
    pub fn never_binding(&self, rack: RackId) -> bool {
        self.rack_never_binding[rack.index()]
    }

    /// The power line of a node.
    pub fn line(&self, node: NodeId) -> &PowerLine {
        &self.lines[node.index()]
    }

    /// A rack's budget, in mW.
    pub fn budget_mw(&self, rack: RackId) -> u64 {
        self.rack_budget_mw[rack.index()]
    }

    /// Power committed in a rack by its nodes' allocations, in mW.
    pub fn committed_mw(&self, rack: RackId) -> u64 {
        self.rack_committed_mw[rack.index()]
    }

    /// Budget left in a rack, in mW (0 when over).
    pub fn headroom_mw(&self, rack: RackId) -> u64 {
        self.budget_mw(rack).saturating_sub(self.committed_mw(rack))
    }

    /// Records that a node's allocation went from `before` to `after` milli-GPU.
    pub(super) fn reallocate(&mut self, node: NodeId, rack: RackId, before: u64, after: u64) {
        let line = self.lines[node.index()];
        let committed = &mut self.rack_committed_mw[rack.index()];
        *committed = *committed + line.power_mw(after) - line.power_mw(before);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_is_linear_then_clipped() {
        // 1 kW idle, 1 W per milli-GPU, clipped at 4 kW: 2000 milli → 3 kW; 8000 → 4 kW.
        let line = PowerLine {
            idle_mw: 1e6,
            slope_mw_per_milli: 1e3,
            clip_mw: 4e6,
        };
        assert_eq!(line.power_mw(2000), 3_000_000);
        assert_eq!(line.power_mw(8000), 4_000_000);
    }

    #[test]
    fn budgets_reach_what_their_headroom_buys() {
        // Two racks of one 8-GPU node each: 1.4 kW idle, 0.425 W per milli-GPU, 4.8 kW at most.
        // Rack 0's 3 kW budget leaves 1.6 kW: 1.6e6 / 425 = 3,764 milli-GPU. Rack 1's 10 kW
        // budget holds the whole node, 8,000. Together 11,764; on one node at most 8,000.
        let line = PowerLine {
            idle_mw: 1.4e6,
            slope_mw_per_milli: 425.0,
            clip_mw: 4.8e6,
        };
        let racks = [RackId(0), RackId(1)];
        let limits = PowerLimits::new(
            vec![line; 2],
            vec![3_000_000, 10_000_000],
            &racks,
            &[0, 0],
            &[8000, 8000],
        );
        assert_eq!(
            limits.reach,
            Reach {
                total_milli: 11_764,
                node_milli: 8000
            }
        );
        assert!(limits.can_ever_hold(1, 8000) && limits.can_ever_hold(2, 5882));
        assert!(!limits.can_ever_hold(2, 8000) && !limits.can_ever_hold(1, 8001));
        // A node that reaches its clip early is cheaper on average than its slope says: node 0
        // (1 W per milli-GPU, no clip) and node 1 (2 W per milli-GPU, clipped 500 W over idle),
        // 1,000 milli-GPU each, 500 W of headroom: node 1 alone takes all 1,000 (its full power
        // fits), which spending by slope (node 0 first: 500) would miss.
        let cheap = PowerLine {
            idle_mw: 0.0,
            slope_mw_per_milli: 1000.0,
            clip_mw: 1e9,
        };
        let clipped = PowerLine {
            idle_mw: 0.0,
            slope_mw_per_milli: 2000.0,
            clip_mw: 500_000.0,
        };
        let mixed = PowerLimits::new(
            vec![cheap, clipped],
            vec![500_000],
            &[RackId(0); 2],
            &[0, 0],
            &[1000, 1000],
        );
        assert!(mixed.can_ever_hold(1, 1000));
        // A budget below the idle power holds nothing.
        let over = PowerLimits::new(vec![line], vec![500_000], &[RackId(0)], &[0], &[8000]);
        assert!(!over.can_ever_hold(1, 1));
    }
}
