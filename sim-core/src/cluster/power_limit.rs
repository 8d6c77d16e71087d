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
        PowerLimits {
            lines,
            rack_budget_mw,
            rack_committed_mw,
            rack_never_binding,
        }
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
}
