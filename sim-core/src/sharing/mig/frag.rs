//! MIG fragmentation: the FGD paper's measure (Weng et al., USENIX ATC '23, see
//! [`crate::frag`]) with compute slices in place of milli-GPUs and the MIG geometry deciding
//! what a task can use.
//!
//! - **Typical profiles** ([`MigMix`]): the profiles a workload asks for, with their counts as
//!   weights (fractional tasks count as the profile [`super::profile_for_milli`] maps them to).
//! - **One GPU, one profile `p`**: a free compute slice (one no busy instance holds) is
//!   *fragmented* for `p` when no instance of `p` that could be placed now covers it. Under
//!   dynamic partitioning "could be placed" means a valid start whose memory slices no busy
//!   instance holds; under a static layout, an idle instance of `p`. So with a 3g busy at 0 on
//!   an A100, compute slice 3 is fragmented for every profile (its memory slice is the 3g's),
//!   and with a 4g busy, the three free slices are fragmented for a 4g but not for a 1g.
//! - **GPU fragmentation** `F(g) = Σ_p w_p · frag_p(g) / Σ_p w_p`, in compute slices; the
//!   cluster amount is the sum over GPUs and the ratio divides it by the free compute slices.
//!
//! Values are kept exact as weighted integer sums ([`GpuSlices::weighted_frag`]) and divided
//! only when reported, as [`crate::frag`] does.

use super::catalog::MigModel;
use super::layout::MigGpu;

/// Which instances a task may use: those of a fixed layout, or any the geometry allows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Partitioning {
    /// The layout is fixed (from the cluster file): a task takes an idle instance of its
    /// profile.
    Static,
    /// Instances are created where a task goes, at any valid start whose memory slices no busy
    /// instance holds (idle instances in the way are removed: a reconfiguration).
    #[default]
    Dynamic,
}

/// Most profiles one model has.
const MAX_PROFILES: usize = 8;

/// The typical profiles of a workload on one GPU model, with their counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigMix {
    entries: Vec<(usize, u64)>,
    total: u64,
}

impl MigMix {
    /// A mix of `(profile index, count)`; profiles with a zero count are left out.
    pub fn new(entries: impl IntoIterator<Item = (usize, u64)>) -> MigMix {
        let entries: Vec<_> = entries.into_iter().filter(|&(_, n)| n > 0).collect();
        let total = entries.iter().map(|&(_, n)| n).sum();
        MigMix { entries, total }
    }

    /// The `(profile index, count)` entries.
    pub fn entries(&self) -> &[(usize, u64)] {
        &self.entries
    }

    /// The sum of the counts (the denominator of every fragmentation value).
    pub fn total(&self) -> u64 {
        self.total
    }
}

/// What the fragmentation of one GPU depends on, as bit masks: the slices busy instances hold
/// and, under a static layout, the idle instances of each profile. Cheap to copy, so a
/// placement can try "what if" without touching the GPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GpuSlices {
    model: &'static MigModel,
    busy_memory: u8,
    busy_compute: u8,
    idle: Option<[u8; MAX_PROFILES]>,
}

impl GpuSlices {
    /// The state of `gpu` under `partitioning`.
    pub fn of(gpu: &MigGpu, partitioning: Partitioning) -> GpuSlices {
        let idle = match partitioning {
            Partitioning::Dynamic => None,
            Partitioning::Static => {
                let mut idle = [0u8; MAX_PROFILES];
                for x in gpu.instances().iter().filter(|x| !x.busy) {
                    idle[usize::from(x.profile)] |= 1 << x.start;
                }
                Some(idle)
            }
        };
        GpuSlices {
            model: gpu.model(),
            busy_memory: gpu.busy_memory_mask(),
            busy_compute: gpu.busy_compute_mask(),
            idle,
        }
    }

    /// The state after a task of `profile` takes the instance at `start`.
    pub fn with(mut self, profile: usize, start: u8) -> GpuSlices {
        let prof = &self.model.profiles[profile];
        self.busy_memory |= prof.memory_mask(start);
        self.busy_compute |= prof.compute_mask(start);
        if let Some(idle) = &mut self.idle {
            idle[profile] &= !(1 << start);
        }
        self
    }

    /// Compute slices no busy instance holds.
    pub fn free_compute(&self) -> u32 {
        let all = ((1u16 << self.model.compute_slices) - 1) as u8;
        (all & !self.busy_compute).count_ones()
    }

    /// Compute slices an instance of `profile` placed now could cover.
    fn usable(&self, profile: usize) -> u8 {
        let prof = &self.model.profiles[profile];
        let starts = match &self.idle {
            Some(idle) => idle[profile],
            None => prof
                .starts
                .iter()
                .filter(|&&s| prof.memory_mask(s) & self.busy_memory == 0)
                .fold(0, |m, &s| m | 1 << s),
        };
        let mut usable = 0u8;
        let mut rest = starts;
        while rest != 0 {
            let s = rest.trailing_zeros() as u8;
            usable |= prof.compute_mask(s);
            rest &= rest - 1;
        }
        usable
    }

    /// Free compute slices fragmented for `profile`.
    pub fn frag_for(&self, profile: usize) -> u32 {
        let all = ((1u16 << self.model.compute_slices) - 1) as u8;
        (all & !self.busy_compute & !self.usable(profile)).count_ones()
    }

    /// `Σ_p count_p · frag_p`: the GPU's fragmentation times the mix's total, exact.
    pub fn weighted_frag(&self, mix: &MigMix) -> u64 {
        mix.entries.iter().map(|&(p, n)| n * u64::from(self.frag_for(p))).sum()
    }
}

/// A GPU's fragmentation for `mix`, in compute slices (0 for an empty mix).
pub fn gpu_frag(gpu: &MigGpu, partitioning: Partitioning, mix: &MigMix) -> f64 {
    if mix.total == 0 {
        return 0.0;
    }
    GpuSlices::of(gpu, partitioning).weighted_frag(mix) as f64 / mix.total as f64
}

#[cfg(test)]
mod tests {
    use super::super::test_models::{a100, idx};
    use super::*;

    #[test]
    fn a_busy_3g_strands_the_slice_under_its_memory() {
        let mut gpu = MigGpu::new(a100());
        gpu.create(idx("3g.20gb"), 0).unwrap();
        gpu.occupy(0);
        let s = GpuSlices::of(&gpu, Partitioning::Dynamic);
        // Free compute: 3, 4, 5, 6. Slice 3's memory belongs to the 3g, so nothing covers it.
        assert_eq!(s.free_compute(), 4);
        assert_eq!(s.frag_for(idx("1g.5gb")), 1, "1g at 4, 5, 6 cover 4..6");
        assert_eq!(s.frag_for(idx("3g.20gb")), 1, "3g at 4 covers 4..6");
        assert_eq!(s.frag_for(idx("4g.20gb")), 4, "4g only starts at 0");
        // Mix 3 × 1g + 1 × 4g: (3·1 + 1·4) / 4 = 1.75 slices.
        let mix = MigMix::new([(idx("1g.5gb"), 3), (idx("4g.20gb"), 1)]);
        assert_eq!(s.weighted_frag(&mix), 7);
        assert_eq!(gpu_frag(&gpu, Partitioning::Dynamic, &mix), 1.75);
    }

    #[test]
    fn a_static_layout_only_offers_its_idle_instances() {
        // Layout 4g + 3g, nothing busy: for a 1g every free slice is fragmented (no 1g
        // instance exists), for a 3g the 4g's slices are, for a 4g the 3g's.
        let gpu = MigGpu::with_layout(a100(), &[("4g.20gb", 0), ("3g.20gb", 4)]).unwrap();
        let s = GpuSlices::of(&gpu, Partitioning::Static);
        assert_eq!(s.frag_for(idx("1g.5gb")), 7);
        assert_eq!(s.frag_for(idx("3g.20gb")), 4);
        assert_eq!(s.frag_for(idx("4g.20gb")), 3);
        // The same GPU partitioned dynamically: nothing is fragmented for a 1g or a 7g.
        let d = GpuSlices::of(&gpu, Partitioning::Dynamic);
        assert_eq!(d.frag_for(idx("1g.5gb")), 0);
        assert_eq!(d.frag_for(idx("7g.40gb")), 0);
        // Taking the 3g: the 4g's 4 slices stay free, and are fragmented for a 3g now.
        let after = s.with(idx("3g.20gb"), 4);
        assert_eq!(after.free_compute(), 4);
        assert_eq!(after.frag_for(idx("3g.20gb")), 4);
        assert_eq!(after.frag_for(idx("4g.20gb")), 0);
    }

    #[test]
    fn an_empty_mix_has_no_fragmentation() {
        let gpu = MigGpu::new(a100());
        assert_eq!(gpu_frag(&gpu, Partitioning::Dynamic, &MigMix::new([])), 0.0);
    }
}
