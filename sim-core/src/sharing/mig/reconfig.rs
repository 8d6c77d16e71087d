//! Repartitioning one MIG GPU for a task: reuse an idle instance, create one in free slices,
//! remove idle instances in the way first, or wait for busy ones to end.
//!
//! Changing a GPU's layout requires the instances it touches to be empty, and costs time during
//! which the slices concerned serve nothing (NVIDIA's guide: GPU instances are created and
//! destroyed while others keep running; the time is a scenario knob, there is no published
//! figure). [`plan`] chooses the cheapest change for one task; [`apply`] carries it out and says
//! which compute slices were reconfigured, so a run can charge
//! `reconfiguration time × slices ÷ compute_slices` of GPU time.

use super::layout::MigGpu;

/// What it takes to give a task of one profile an instance on a GPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// An idle instance of the profile is there: no reconfiguration.
    Reuse {
        /// Its start.
        start: u8,
    },
    /// Create an instance at `start` after removing the idle instances at `remove` (a bit mask
    /// of starts; 0 when the slices are free): a reconfiguration.
    Create {
        /// Where the new instance starts.
        start: u8,
        /// Starts of the idle instances removed first.
        remove: u8,
    },
    /// No start is clear of busy instances: the busy instances at `blocking` (bit mask of
    /// starts) must end first, for the start that needs the fewest compute slices drained.
    Wait {
        /// The start that would be used.
        start: u8,
        /// Starts of the busy instances in its way.
        blocking: u8,
    },
}

/// The cheapest way to place a task of `profile` on `gpu`: reuse (lowest start), else create
/// (fewest compute slices of idle instances removed, then lowest start), else wait (fewest
/// busy compute slices in the way, then lowest start). `None` when waiting would not help:
/// busy instances already reach the profile's count limit (or hold the one `+me` instance).
pub fn plan(gpu: &MigGpu, profile: usize) -> Option<Plan> {
    let idle = gpu.idle_starts(profile);
    if idle != 0 {
        return Some(Plan::Reuse {
            start: idle.trailing_zeros() as u8,
        });
    }
    let model = gpu.model();
    let prof = &model.profiles[profile];
    // (start, instances in the way that are idle / busy, their compute slices)
    let in_the_way = |start: u8, busy: bool| {
        let memory = prof.memory_mask(start);
        let mut starts = 0u8;
        let mut compute = 0u32;
        for x in gpu.instances().iter().filter(|x| x.busy == busy) {
            let p = &model.profiles[usize::from(x.profile)];
            if p.memory_mask(x.start) & memory != 0 {
                starts |= 1 << x.start;
                compute += u32::from(p.compute);
            }
        }
        (starts, compute)
    };
    let open = gpu.open_starts(profile);
    if open != 0 {
        let start = prof
            .starts
            .iter()
            .copied()
            .filter(|&s| open & (1 << s) != 0)
            .min_by_key(|&s| (in_the_way(s, false).1, s))?;
        return Some(Plan::Create {
            start,
            remove: in_the_way(start, false).0,
        });
    }
    let busy_same = gpu
        .instances()
        .iter()
        .filter(|x| x.busy && usize::from(x.profile) == profile)
        .count();
    let busy_media = gpu
        .instances()
        .iter()
        .any(|x| x.busy && model.profiles[usize::from(x.profile)].media);
    if busy_same >= usize::from(prof.max_count) || (prof.media && busy_media) {
        return None;
    }
    let start = prof
        .starts
        .iter()
        .copied()
        .min_by_key(|&s| (in_the_way(s, true).1, s))?;
    Some(Plan::Wait {
        start,
        blocking: in_the_way(start, true).0,
    })
}

/// Carries out a [`Plan::Reuse`] or [`Plan::Create`] for `profile`: the task's instance is
/// busy afterwards. Returns the compute slices reconfigured (those of the removed instances and
/// of the new one; 0 for a reuse), or `None` for a [`Plan::Wait`] or a plan that no longer
/// fits the GPU (nothing changed then).
pub fn apply(gpu: &mut MigGpu, profile: usize, plan: Plan) -> Option<u8> {
    match plan {
        Plan::Reuse { start } => gpu.occupy(start).then_some(0),
        Plan::Create { start, remove } => {
            let model = gpu.model();
            let mut trial = *gpu;
            let mut slices = 0u8;
            let mut rest = remove;
            while rest != 0 {
                let s = rest.trailing_zeros() as u8;
                rest &= rest - 1;
                let x = *trial.instances().iter().find(|x| x.start == s && !x.busy)?;
                slices |= model.profiles[usize::from(x.profile)].compute_mask(s);
                trial.destroy(s);
            }
            trial.create(profile, start).ok()?;
            trial.occupy(start);
            slices |= model.profiles[profile].compute_mask(start);
            *gpu = trial;
            Some(slices)
        }
        Plan::Wait { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_models::{a100, idx};
    use super::*;

    #[test]
    fn an_idle_instance_of_the_profile_is_reused() {
        let mut gpu = MigGpu::with_layout(a100(), &[("3g.20gb", 0), ("3g.20gb", 4)]).unwrap();
        let p = plan(&gpu, idx("3g.20gb"));
        assert_eq!(p, Some(Plan::Reuse { start: 0 }));
        assert_eq!(apply(&mut gpu, idx("3g.20gb"), p.unwrap()), Some(0));
        assert_eq!(gpu.busy_compute_mask(), 0b000_0111);
    }

    #[test]
    fn free_slices_are_preferred_to_removing_idle_instances() {
        // Idle 4g at 0, nothing at 4..7: a 2g goes to 4 (free slices, nothing removed) rather
        // than 0 or 2 (both under the idle 4g).
        let mut gpu = MigGpu::with_layout(a100(), &[("4g.20gb", 0)]).unwrap();
        let p = plan(&gpu, idx("2g.10gb"));
        assert_eq!(p, Some(Plan::Create { start: 4, remove: 0 }));
        // Reconfigured: the new 2g's compute slices 4 and 5.
        assert_eq!(apply(&mut gpu, idx("2g.10gb"), p.unwrap()), Some(0b011_0000));
        // A 3g now: 4 is taken by the busy 2g, 0 needs the idle 4g removed.
        let p = plan(&gpu, idx("3g.20gb"));
        assert_eq!(p, Some(Plan::Create { start: 0, remove: 1 }));
        // Reconfigured: the 4g's slices 0..3 and the 3g's 0..2 = 0..3.
        assert_eq!(apply(&mut gpu, idx("3g.20gb"), p.unwrap()), Some(0b000_1111));
        assert_eq!(gpu.busy_compute_mask(), 0b011_0111);
    }

    #[test]
    fn busy_instances_in_the_way_mean_waiting_for_the_cheapest_to_end() {
        // Busy 1g at 0 and busy 3g at 4: a 4g (start 0 only) waits for the 1g; a 7g for both.
        let mut gpu = MigGpu::with_layout(a100(), &[("1g.5gb", 0), ("3g.20gb", 4)]).unwrap();
        gpu.occupy(0);
        gpu.occupy(4);
        assert_eq!(plan(&gpu, idx("4g.20gb")), Some(Plan::Wait { start: 0, blocking: 1 }));
        assert_eq!(
            plan(&gpu, idx("7g.40gb")),
            Some(Plan::Wait {
                start: 0,
                blocking: 1 | 1 << 4
            })
        );
        assert_eq!(
            apply(&mut gpu, idx("4g.20gb"), Plan::Wait { start: 0, blocking: 1 }),
            None
        );
        // A 2g can be created at 2 without waiting.
        assert_eq!(plan(&gpu, idx("2g.10gb")), Some(Plan::Create { start: 2, remove: 0 }));
        // Two busy 3g: a third can never go there.
        let mut full = MigGpu::with_layout(a100(), &[("3g.20gb", 0), ("3g.20gb", 4)]).unwrap();
        full.occupy(0);
        full.occupy(4);
        assert_eq!(plan(&full, idx("3g.20gb")), None);
        // A busy 1g+me: a second media instance can never be created, wherever it starts.
        let mut media = MigGpu::with_layout(a100(), &[("1g.5gb+me", 6)]).unwrap();
        media.occupy(6);
        assert_eq!(plan(&media, idx("1g.5gb+me")), None);
        assert_eq!(plan(&media, idx("1g.5gb")), Some(Plan::Create { start: 0, remove: 0 }));
    }
}
