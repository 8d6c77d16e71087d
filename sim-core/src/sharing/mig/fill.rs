//! The fill protocol of the FGD study (pods offered one at a time, never removed; a pod nothing
//! can take fails) on GPUs only, to compare how far MIG and fractional sharing fill the same
//! GPUs with the same pods.
//!
//! The cluster is `nodes × gpus_per_node` GPUs of one MIG model; CPU and memory are not
//! constrained (this is a packing study of GPU slices, not a run). A pod asks for `gpus`
//! devices of `milli` each:
//!
//! - **fraction**: a shared pod (`milli < 1000`) goes to the device with the least free
//!   milli-GPU that holds it (best fit); a whole-GPU pod of `g` devices to the node with the
//!   fewest fully free devices that has `g`.
//! - **MIG, dynamic partitioning**: a shared pod becomes the profile
//!   [`super::profile_for_milli`] maps it to and goes where the placement rule puts it, across
//!   all GPUs, its instance created there (no reconfiguration time: a fill has no clock); a
//!   whole-GPU pod takes `g` GPUs of one node with no instance (a 7g each).
//! - **MIG, static layouts**: every GPU starts with the layout given for its slot in the node
//!   and keeps it; a shared pod takes an idle instance of its profile, a whole-GPU pod idle 7g
//!   instances of one node.
//!
//! Allocation is measured in the pods' own terms (their milli-GPU ÷ capacity), so both modes
//! are comparable, and for MIG also in compute slices held ÷ slices (the rounding up to a
//! profile counts there).

use super::catalog::{MigModel, profile_for_milli};
use super::frag::{MigMix, Partitioning};
use super::layout::{LayoutError, MigGpu};
use super::place::{MigPlacement, place};

/// How the GPUs are shared in a fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FillSharing {
    /// Fractions of devices, best fit.
    Fraction,
    /// MIG instances created where the rule puts them.
    Mig(MigPlacement),
    /// MIG instances of fixed layouts ([`Fill::with_layouts`]), chosen by the rule.
    MigStatic(MigPlacement),
}

/// The state of a fill after some pods.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FillState {
    /// Milli-GPU the pods offered so far ask for.
    pub arrived_milli: u64,
    /// Milli-GPU of the pods placed.
    pub placed_milli: u64,
    /// Pods that found no room.
    pub failed: u64,
    /// MIG: compute slices held by instances (0 under fractions).
    pub slices_held: u64,
}

/// A fill in progress.
#[derive(Clone, Debug)]
pub struct Fill {
    sharing: FillSharing,
    model: &'static MigModel,
    gpus_per_node: usize,
    free_milli: Vec<u32>,
    mig: Vec<MigGpu>,
    mix: MigMix,
    state: FillState,
}

impl Fill {
    /// An empty cluster of `nodes × gpus_per_node` GPUs of `model`; `mix` is the typical
    /// profiles the fragmentation-aware rule protects.
    pub fn new(
        model: &'static MigModel,
        nodes: usize,
        gpus_per_node: usize,
        sharing: FillSharing,
        mix: MigMix,
    ) -> Fill {
        let gpus = nodes * gpus_per_node;
        Fill {
            sharing,
            model,
            gpus_per_node,
            free_milli: vec![1000; gpus],
            mig: vec![MigGpu::new(model); gpus],
            mix,
            state: FillState::default(),
        }
    }

    /// A cluster whose GPUs keep fixed layouts: `layouts[i]` (profile name, start) is the
    /// layout of GPU `i` of every node, so `gpus_per_node = layouts.len()`.
    pub fn with_layouts(
        model: &'static MigModel,
        nodes: usize,
        layouts: &[&[(&str, u8)]],
        rule: MigPlacement,
        mix: MigMix,
    ) -> Result<Fill, LayoutError> {
        let slots = layouts
            .iter()
            .map(|layout| MigGpu::with_layout(model, layout))
            .collect::<Result<Vec<_>, _>>()?;
        let mut fill = Fill::new(model, nodes, layouts.len(), FillSharing::MigStatic(rule), mix);
        for (i, gpu) in fill.mig.iter_mut().enumerate() {
            *gpu = slots[i % slots.len()];
        }
        Ok(fill)
    }

    /// Total capacity, in milli-GPU.
    pub fn capacity_milli(&self) -> u64 {
        self.free_milli.len() as u64 * 1000
    }

    /// Compute slices of the cluster.
    pub fn slices(&self) -> u64 {
        self.mig.len() as u64 * u64::from(self.model.compute_slices)
    }

    /// Where the fill stands.
    pub fn state(&self) -> FillState {
        self.state
    }

    /// Offers one pod of `gpus` devices of `milli` each (`gpus ≥ 1`, `milli` 1..=1000, and
    /// `gpus = 1` when `milli < 1000`); true when it was placed.
    pub fn offer(&mut self, gpus: u32, milli: u32) -> bool {
        let asked = u64::from(gpus) * u64::from(milli);
        self.state.arrived_milli += asked;
        let placed = match (self.sharing, milli < 1000) {
            (FillSharing::Fraction, true) => self.fraction_share(milli),
            (FillSharing::Mig(rule), true) => self.mig_share(milli, rule, Partitioning::Dynamic),
            (FillSharing::MigStatic(rule), true) => self.mig_share(milli, rule, Partitioning::Static),
            (_, false) => self.whole(gpus as usize),
        };
        if placed {
            self.state.placed_milli += asked;
        } else {
            self.state.failed += 1;
        }
        placed
    }

    fn fraction_share(&mut self, milli: u32) -> bool {
        let best = (0..self.free_milli.len())
            .filter(|&g| self.free_milli[g] >= milli)
            .min_by_key(|&g| (self.free_milli[g], g));
        best.map(|g| self.free_milli[g] -= milli).is_some()
    }

    fn mig_share(&mut self, milli: u32, rule: MigPlacement, partitioning: Partitioning) -> bool {
        let prof = profile_for_milli(self.model, milli);
        let (index, _) = self.model.profile(prof.name).expect("the profile is the model's");
        let Some((g, start)) = place(&self.mig, |_| true, index, partitioning, rule, &self.mix) else {
            return false;
        };
        let gpu = &mut self.mig[g];
        if partitioning == Partitioning::Dynamic {
            // Dynamic partitioning creates the instance; no idle one is ever in the way here,
            // since every instance is created busy and pods are never removed.
            gpu.create(index, start).expect("place() returns open starts");
        }
        gpu.occupy(start);
        self.state.slices_held += u64::from(prof.compute);
        true
    }

    /// `g` untouched GPUs of one node: the node with the fewest untouched GPUs that has `g`.
    fn whole(&mut self, g: usize) -> bool {
        let whole = self.model.whole();
        let (index, _) = self.model.profile(whole.name).expect("the whole-GPU profile");
        let untouched = |gpu: usize, fill: &Fill| match fill.sharing {
            FillSharing::Fraction => fill.free_milli[gpu] == 1000,
            FillSharing::Mig(_) => fill.mig[gpu].memory_mask() == 0,
            FillSharing::MigStatic(_) => fill.mig[gpu].idle_starts(index) != 0,
        };
        let nodes = self.free_milli.len() / self.gpus_per_node;
        let free_on = |n: usize, fill: &Fill| {
            (n * fill.gpus_per_node..(n + 1) * fill.gpus_per_node)
                .filter(|&gpu| untouched(gpu, fill))
                .count()
        };
        let Some(node) = (0..nodes)
            .filter(|&n| free_on(n, self) >= g)
            .min_by_key(|&n| (free_on(n, self), n))
        else {
            return false;
        };
        let chosen: Vec<usize> = (node * self.gpus_per_node..(node + 1) * self.gpus_per_node)
            .filter(|&gpu| untouched(gpu, self))
            .take(g)
            .collect();
        for gpu in chosen {
            self.free_milli[gpu] = 0;
            match self.sharing {
                FillSharing::Fraction => {}
                FillSharing::Mig(_) => {
                    self.mig[gpu].create(index, 0).expect("an untouched GPU takes a 7g");
                    self.mig[gpu].occupy(0);
                }
                FillSharing::MigStatic(_) => {
                    self.mig[gpu].occupy(0);
                }
            }
            if self.sharing != FillSharing::Fraction {
                self.state.slices_held += u64::from(whole.compute);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::catalog::model;
    use super::*;

    #[test]
    fn fractions_pack_what_mig_rounds_up() {
        // One GPU. Four 0.25 pods: fractions take all four (1000 milli); under MIG each is a
        // 2g (2/7 ≥ 0.25), and an A100 holds three 2g (starts 0, 2, 4): the fourth fails.
        let m = model("A100-40GB").unwrap();
        let mut fraction = Fill::new(m, 1, 1, FillSharing::Fraction, MigMix::new([]));
        let mut mig = Fill::new(m, 1, 1, FillSharing::Mig(MigPlacement::FirstFit), MigMix::new([]));
        let placed = |f: &mut Fill| (0..4).filter(|_| f.offer(1, 250)).count();
        assert_eq!(placed(&mut fraction), 4);
        assert_eq!(placed(&mut mig), 3);
        assert_eq!(mig.state().placed_milli, 750);
        assert_eq!(mig.state().slices_held, 6);
        assert_eq!(mig.state().failed, 1);
    }

    #[test]
    fn static_layouts_only_offer_their_instances() {
        // Nodes of 2 GPUs: a 7g and a 4g + 3g. A 0.5 pod (a 4g) takes the 4g; a second one
        // finds no idle 4g (the 7g is not cut); a 1-GPU whole pod takes the 7g; a 0.1 pod (a
        // 1g) finds no 1g instance.
        let m = model("A100-40GB").unwrap();
        let layouts: [&[(&str, u8)]; 2] = [&[("7g.40gb", 0)], &[("4g.20gb", 0), ("3g.20gb", 4)]];
        let mut fill = Fill::with_layouts(m, 1, &layouts, MigPlacement::FirstFit, MigMix::new([])).unwrap();
        assert!(fill.offer(1, 500));
        assert!(!fill.offer(1, 500));
        assert!(fill.offer(1, 1000));
        assert!(!fill.offer(1, 100));
        assert_eq!(fill.state().slices_held, 4 + 7);
        let bad: [&[(&str, u8)]; 1] = [&[("3g.20gb", 2)]];
        assert!(Fill::with_layouts(m, 1, &bad, MigPlacement::FirstFit, MigMix::new([])).is_err());
    }

    #[test]
    fn whole_gpu_pods_need_untouched_gpus_of_one_node() {
        // Two nodes of 2 GPUs; a 0.1 pod touches GPU 0 of node 0; a 2-GPU pod goes to node 1,
        // a second one finds no node with two untouched GPUs.
        let m = model("A100-80GB").unwrap();
        let mut mig = Fill::new(m, 2, 2, FillSharing::Mig(MigPlacement::BestFit), MigMix::new([]));
        assert!(mig.offer(1, 100));
        assert!(mig.offer(2, 1000));
        assert!(!mig.offer(2, 1000));
        assert_eq!(mig.state().slices_held, 1 + 14);
    }
}
