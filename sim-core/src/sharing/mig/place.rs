//! Where a task's MIG instance goes among the GPUs of one node.
//!
//! The candidates are (GPU, start) pairs the geometry allows: an idle instance of the task's
//! profile under a static layout, any start whose memory slices no busy instance holds under
//! dynamic partitioning. Three rules choose among them:
//!
//! - **first-fit**: the lowest GPU, then the lowest start;
//! - **best-fit**: the GPU left with the fewest free compute slices, then first-fit;
//! - **fragmentation-aware**: the candidate that raises the GPU's MIG fragmentation
//!   ([`super::frag`]) least for the workload's typical profiles: the Fragmentation Gradient
//!   Descent rule of Weng et al. (USENIX ATC '23) applied to MIG slices; ties go best-fit.
//!
//! Every rule is a scan over at most 64 GPUs × 8 starts with bit-mask arithmetic.

use std::fmt;
use std::str::FromStr;

use super::frag::{GpuSlices, MigMix, Partitioning};
use super::layout::MigGpu;

/// A MIG placement rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MigPlacement {
    /// Lowest GPU, lowest valid start.
    #[default]
    FirstFit,
    /// Fewest free compute slices left on the GPU.
    BestFit,
    /// Least increase of MIG fragmentation.
    FragAware,
}

/// The rule names, as scenarios write them.
pub const MIG_PLACEMENTS: [&str; 3] = ["first-fit", "best-fit", "frag-aware"];

/// An unknown placement name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown MIG placement `{0}` (expected one of: first-fit, best-fit, frag-aware)")]
pub struct UnknownPlacement(pub String);

impl FromStr for MigPlacement {
    type Err = UnknownPlacement;

    fn from_str(s: &str) -> Result<MigPlacement, UnknownPlacement> {
        match s {
            "first-fit" => Ok(MigPlacement::FirstFit),
            "best-fit" => Ok(MigPlacement::BestFit),
            "frag-aware" => Ok(MigPlacement::FragAware),
            _ => Err(UnknownPlacement(s.to_string())),
        }
    }
}

impl fmt::Display for MigPlacement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = match self {
            MigPlacement::FirstFit => 0,
            MigPlacement::BestFit => 1,
            MigPlacement::FragAware => 2,
        };
        f.write_str(MIG_PLACEMENTS[i])
    }
}

/// Start positions (bit mask) where a task of `profile` may go on `gpu`.
pub fn candidate_starts(gpu: &MigGpu, profile: usize, partitioning: Partitioning) -> u8 {
    match partitioning {
        Partitioning::Static => gpu.idle_starts(profile),
        Partitioning::Dynamic => gpu.open_starts(profile),
    }
}

/// The (GPU index, start) `rule` picks for a task of `profile` among `gpus` (all of one
/// model), or `None` when no GPU has room. `mix` is only read by the fragmentation-aware rule.
/// `usable` says which GPUs may be used (up, not failed…).
pub fn place(
    gpus: &[MigGpu],
    usable: impl Fn(usize) -> bool,
    profile: usize,
    partitioning: Partitioning,
    rule: MigPlacement,
    mix: &MigMix,
) -> Option<(usize, u8)> {
    // Key: (score, leftover free compute, gpu, start), smallest wins.
    let mut best: Option<(u64, u32, usize, u8)> = None;
    for (g, gpu) in gpus.iter().enumerate() {
        let starts = candidate_starts(gpu, profile, partitioning);
        if starts == 0 || !usable(g) {
            continue;
        }
        let first = starts.trailing_zeros() as u8;
        if rule == MigPlacement::FirstFit {
            return Some((g, first));
        }
        let slices = GpuSlices::of(gpu, partitioning);
        let compute = u32::from(gpu.model().profiles[profile].compute);
        let leftover = slices.free_compute() - compute.min(slices.free_compute());
        let mut consider = |score: u64, start: u8| {
            let key = (score, leftover, g, start);
            if best.is_none_or(|b| key < b) {
                best = Some(key);
            }
        };
        match rule {
            MigPlacement::FirstFit | MigPlacement::BestFit => consider(0, first),
            MigPlacement::FragAware => {
                let before = slices.weighted_frag(mix);
                let mut rest = starts;
                while rest != 0 {
                    let s = rest.trailing_zeros() as u8;
                    rest &= rest - 1;
                    let after = slices.with(profile, s).weighted_frag(mix);
                    // The increase, shifted so that a decrease (a task filling a fragment)
                    // still orders below every increase.
                    consider((after + u64::from(u32::MAX)).saturating_sub(before), s);
                }
            }
        }
    }
    best.map(|(_, _, g, s)| (g, s))
}

#[cfg(test)]
mod tests {
    use super::super::test_models::{a100, idx};
    use super::*;

    fn busy(layout: &[(&str, u8)]) -> MigGpu {
        let mut gpu = MigGpu::with_layout(a100(), layout).unwrap();
        for &(_, s) in layout {
            gpu.occupy(s);
        }
        gpu
    }

    /// [`place`] under dynamic partitioning with every GPU usable.
    fn anywhere(gpus: &[MigGpu], profile: usize, rule: MigPlacement, mix: &MigMix) -> Option<(usize, u8)> {
        place(gpus, |_| true, profile, Partitioning::Dynamic, rule, mix)
    }

    #[test]
    fn first_fit_takes_the_lowest_valid_start() {
        // GPU 0 has a busy 1g at 0: a 3g cannot start at 0 and the next valid start is 4.
        let gpus = [busy(&[("1g.5gb", 0)]), MigGpu::new(a100())];
        let mix = MigMix::new([]);
        let three = idx("3g.20gb");
        let got = anywhere(&gpus, three, MigPlacement::FirstFit, &mix);
        assert_eq!(got, Some((0, 4)));
        // A 4g only starts at 0: GPU 0 cannot take it although 6 of its slices are free.
        let four = idx("4g.20gb");
        let got = anywhere(&gpus, four, MigPlacement::FirstFit, &mix);
        assert_eq!(got, Some((1, 0)));
        assert_eq!(
            place(
                &gpus,
                |g| g == 0,
                four,
                Partitioning::Dynamic,
                MigPlacement::FirstFit,
                &mix
            ),
            None
        );
    }

    #[test]
    fn best_fit_prefers_the_fullest_gpu() {
        // GPU 0: empty (7 free); GPU 1: a busy 4g (3 free). A 1g leaves 6 or 2: GPU 1.
        let gpus = [MigGpu::new(a100()), busy(&[("4g.20gb", 0)])];
        let mix = MigMix::new([]);
        let got = anywhere(&gpus, idx("1g.5gb"), MigPlacement::BestFit, &mix);
        assert_eq!(got, Some((1, 4)));
    }

    #[test]
    fn frag_aware_keeps_room_for_the_typical_3g() {
        // A busy 1g at 0, and the typical task is a 3g, which now fits only at 4. A new 1g at
        // 1, 2 or 3 keeps that 3g possible; at 4, 5 or 6 it kills it. First-fit would also
        // pick 1 here, so the point is the scores, checked by hand below.
        let gpus = [busy(&[("1g.5gb", 0)])];
        let mix = MigMix::new([(idx("3g.20gb"), 1)]);
        let one = idx("1g.5gb");
        let got = anywhere(&gpus, one, MigPlacement::FragAware, &mix);
        assert_eq!(got, Some((0, 1)));
        // By hand, before: free 1..6, 3g usable at 4 covers 4..6, fragmented 1..3 = 3.
        // After a 1g at 1: free 2..6, fragmented 2..3 = 2 (a decrease). After a 1g at 4:
        // free 1..3, 5, 6, no 3g start left: 5 fragmented.
        let s = GpuSlices::of(&gpus[0], Partitioning::Dynamic);
        assert_eq!(s.weighted_frag(&mix), 3);
        assert_eq!(s.with(one, 1).weighted_frag(&mix), 2);
        assert_eq!(s.with(one, 4).weighted_frag(&mix), 5);
    }

    #[test]
    fn frag_aware_differs_from_first_fit_when_the_low_start_blocks_a_typical_2g() {
        // A busy 3g at 0; typical task 2g (valid starts 0, 2, 4: only 4 is open). By hand,
        // fragmented slices for a 2g after a new 1g at 4: {3, 5, 6} = 3; at 5: {3, 4, 6} = 3;
        // at 6: {3} = 1 (the 2g at 4 still fits). First-fit takes 4, frag-aware 6.
        let gpus = [busy(&[("3g.20gb", 0)])];
        let mix = MigMix::new([(idx("2g.10gb"), 1)]);
        let one = idx("1g.5gb");
        let ff = anywhere(&gpus, one, MigPlacement::FirstFit, &mix);
        let fa = anywhere(&gpus, one, MigPlacement::FragAware, &mix);
        assert_eq!((ff, fa), (Some((0, 4)), Some((0, 6))));
    }

    #[test]
    fn static_layouts_offer_only_their_idle_instances() {
        let gpus = [MigGpu::with_layout(a100(), &[("4g.20gb", 0), ("3g.20gb", 4)]).unwrap()];
        let mix = MigMix::new([]);
        let got = place(
            &gpus,
            |_| true,
            idx("1g.5gb"),
            Partitioning::Static,
            MigPlacement::FirstFit,
            &mix,
        );
        assert_eq!(got, None, "no 1g instance in the layout");
        let got = place(
            &gpus,
            |_| true,
            idx("3g.20gb"),
            Partitioning::Static,
            MigPlacement::BestFit,
            &mix,
        );
        assert_eq!(got, Some((0, 4)));
    }

    #[test]
    fn names_round_trip() {
        for name in MIG_PLACEMENTS {
            assert_eq!(name.parse::<MigPlacement>().unwrap().to_string(), name);
        }
        assert!("worst-fit".parse::<MigPlacement>().is_err());
    }
}
