//! One GPU in MIG mode: the instances created on it, which of them run a task, and the rules
//! that decide where a new instance may go.

use super::catalog::{MigModel, MigProfile};
use super::frag::Partitioning;

/// One GPU instance: a profile created at a start position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instance {
    /// Index of its profile in the model's [`MigModel::profiles`].
    pub profile: u8,
    /// Start position (memory-slice index).
    pub start: u8,
    /// True while a task runs in it.
    pub busy: bool,
}

/// Why a layout or an instance was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// The model has no such profile.
    #[error("GPU model `{gpu}` has no MIG profile `{profile}`")]
    NoSuchProfile {
        /// The GPU model.
        gpu: &'static str,
        /// The name asked for.
        profile: String,
    },
    /// The profile cannot be created at that position.
    #[error("MIG profile `{profile}` cannot start at slice {start} (valid starts: {valid:?})")]
    BadStart {
        /// The profile.
        profile: &'static str,
        /// The position asked for.
        start: u8,
        /// Where it may start.
        valid: &'static [u8],
    },
    /// The instance would share memory slices with one already there.
    #[error("MIG profile `{profile}` at slice {start} overlaps an existing instance")]
    Overlap {
        /// The profile.
        profile: &'static str,
        /// Its start.
        start: u8,
    },
    /// More instances of a profile than the GPU allows (one `+me` instance at most).
    #[error("at most {max} instance(s) of MIG profile `{profile}` per GPU")]
    TooMany {
        /// The profile.
        profile: &'static str,
        /// Its limit.
        max: u8,
    },
}

/// Most instances one GPU holds (7 on 7-slice GPUs: every instance has a compute slice).
const MAX_INSTANCES: usize = 8;

/// An unused entry of [`MigGpu`]'s instance array.
const NO_INSTANCE: Instance = Instance {
    profile: 0,
    start: 0,
    busy: false,
};

/// A GPU in MIG mode and its current layout. Its instances are kept inline, so copying a GPU
/// (a trial's what-if of a node) allocates nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MigGpu {
    model: &'static MigModel,
    slots: [Instance; MAX_INSTANCES],
    len: u8,
    memory: u8,
    busy_memory: u8,
    busy_compute: u8,
}

impl MigGpu {
    /// A GPU in MIG mode with no instance yet.
    pub fn new(model: &'static MigModel) -> MigGpu {
        MigGpu {
            model,
            slots: [NO_INSTANCE; MAX_INSTANCES],
            len: 0,
            memory: 0,
            busy_memory: 0,
            busy_compute: 0,
        }
    }

    /// A GPU with the instances `layout` names, as (profile name, start), all idle: a static
    /// layout of a cluster file. Every instance is checked as [`MigGpu::create`] checks it.
    pub fn with_layout(model: &'static MigModel, layout: &[(&str, u8)]) -> Result<MigGpu, LayoutError> {
        let mut gpu = MigGpu::new(model);
        for &(name, start) in layout {
            let (index, _) = model.profile(name).ok_or_else(|| LayoutError::NoSuchProfile {
                gpu: model.gpu,
                profile: name.to_string(),
            })?;
            gpu.create(index, start)?;
        }
        Ok(gpu)
    }

    /// Its model.
    pub fn model(&self) -> &'static MigModel {
        self.model
    }

    /// Its instances, in creation order.
    pub fn instances(&self) -> &[Instance] {
        &self.slots[..usize::from(self.len)]
    }

    /// Memory slices held by instances (busy or idle), as a bit mask.
    pub fn memory_mask(&self) -> u8 {
        self.memory
    }

    /// Memory slices held by busy instances.
    pub fn busy_memory_mask(&self) -> u8 {
        self.busy_memory
    }

    /// Compute slices held by busy instances.
    pub fn busy_compute_mask(&self) -> u8 {
        self.busy_compute
    }

    /// Compute slices no busy instance holds, as a bit mask.
    pub fn free_compute_mask(&self) -> u8 {
        !self.busy_compute & full(self.model.compute_slices)
    }

    /// True when an instance of profile `profile` could be created at `start` now: a valid
    /// start, its memory slices free of every instance, and the profile's count limits kept.
    pub fn can_create(&self, profile: usize, start: u8) -> bool {
        self.check(profile, start, self.memory).is_ok()
    }

    /// Creates an idle instance of profile `profile` at `start`.
    pub fn create(&mut self, profile: usize, start: u8) -> Result<(), LayoutError> {
        self.check(profile, start, self.memory)?;
        let prof = &self.model.profiles[profile];
        self.memory |= prof.memory_mask(start);
        self.slots[usize::from(self.len)] = Instance {
            profile: profile as u8,
            start,
            busy: false,
        };
        self.len += 1;
        Ok(())
    }

    /// Removes the idle instance at `start`; false (nothing changed) when there is none.
    pub fn destroy(&mut self, start: u8) -> bool {
        let Some(i) = self.instances().iter().position(|x| x.start == start && !x.busy) else {
            return false;
        };
        let gone = self.slots[i];
        self.len -= 1;
        self.slots[i] = self.slots[usize::from(self.len)];
        self.slots[usize::from(self.len)] = NO_INSTANCE;
        self.memory &= !self.model.profiles[usize::from(gone.profile)].memory_mask(start);
        true
    }

    /// Starts a task in the idle instance at `start`; false when there is no idle one there.
    pub fn occupy(&mut self, start: u8) -> bool {
        self.set_busy(start, true)
    }

    /// Ends the task of the busy instance at `start`; false when there is no busy one there.
    pub fn release(&mut self, start: u8) -> bool {
        self.set_busy(start, false)
    }

    /// Start positions (bit mask) of idle instances of profile `profile`.
    pub fn idle_starts(&self, profile: usize) -> u8 {
        self.instances()
            .iter()
            .filter(|x| !x.busy && usize::from(x.profile) == profile)
            .fold(0, |m, x| m | 1 << x.start)
    }

    /// Start positions (bit mask) at which profile `profile` could be created if every idle
    /// instance were removed first: its memory clear of busy instances, its limits kept by the
    /// busy ones. What a repartitioning placement may use.
    pub fn open_starts(&self, profile: usize) -> u8 {
        let prof = &self.model.profiles[profile];
        if !self.within_limits(profile, prof, true) {
            return 0;
        }
        prof.starts
            .iter()
            .filter(|&&s| prof.memory_mask(s) & self.busy_memory == 0)
            .fold(0, |m, &s| m | 1 << s)
    }

    /// True when a task of profile `profile` may run at `start` now: in an idle instance of
    /// the profile there (either partitioning), or, under dynamic partitioning, in one created
    /// there once the idle instances in its way are removed ([`MigGpu::open_starts`]).
    pub fn fits(&self, profile: usize, start: u8, partitioning: Partitioning) -> bool {
        let bit = 1u8.checked_shl(u32::from(start)).unwrap_or(0);
        self.idle_starts(profile) & bit != 0
            || (partitioning == Partitioning::Dynamic && self.open_starts(profile) & bit != 0)
    }

    /// Starts a task of profile `profile` at `start` (which [`MigGpu::fits`]): in the idle
    /// instance there, or in a new one after removing the idle instances in its way. Returns the
    /// compute slices reconfigured (those of the removed instances and of the new one; 0 when an
    /// idle instance was reused), or `None`, changing nothing, when it does not fit.
    pub fn start_task(&mut self, profile: usize, start: u8, partitioning: Partitioning) -> Option<u8> {
        if self.idle_starts(profile) & (1 << start) != 0 {
            return self.occupy(start).then_some(0);
        }
        if partitioning == Partitioning::Static || self.open_starts(profile) & (1 << start) == 0 {
            return None;
        }
        let prof = &self.model.profiles[profile];
        let memory = prof.memory_mask(start);
        let mut slices = prof.compute_mask(start);
        let mut next = *self;
        let mut i = 0;
        while i < usize::from(next.len) {
            let x = next.slots[i];
            let p = &self.model.profiles[usize::from(x.profile)];
            if p.memory_mask(x.start) & memory != 0 || (prof.media && p.media) {
                debug_assert!(!x.busy, "an open start has no busy instance in its way");
                slices |= p.compute_mask(x.start);
                next.destroy(x.start);
            } else {
                i += 1;
            }
        }
        next.create(profile, start).ok()?;
        next.occupy(start);
        *self = next;
        Some(slices)
    }

    fn set_busy(&mut self, start: u8, busy: bool) -> bool {
        let len = usize::from(self.len);
        let Some(x) = self.slots[..len]
            .iter_mut()
            .find(|x| x.start == start && x.busy != busy)
        else {
            return false;
        };
        x.busy = busy;
        let prof = &self.model.profiles[usize::from(x.profile)];
        let (memory, compute) = (prof.memory_mask(start), prof.compute_mask(start));
        if busy {
            self.busy_memory |= memory;
            self.busy_compute |= compute;
        } else {
            self.busy_memory &= !memory;
            self.busy_compute &= !compute;
        }
        true
    }

    fn check(&self, profile: usize, start: u8, taken: u8) -> Result<(), LayoutError> {
        let prof = &self.model.profiles[profile];
        if !prof.starts.contains(&start) {
            return Err(LayoutError::BadStart {
                profile: prof.name,
                start,
                valid: prof.starts,
            });
        }
        if prof.memory_mask(start) & taken != 0 {
            return Err(LayoutError::Overlap {
                profile: prof.name,
                start,
            });
        }
        if !self.within_limits(profile, prof, false) {
            return Err(LayoutError::TooMany {
                profile: prof.name,
                max: if prof.media { 1 } else { prof.max_count },
            });
        }
        Ok(())
    }

    /// True when one more instance of `prof` keeps its count limit and the one-`+me` rule,
    /// counting every instance, or only the busy ones.
    fn within_limits(&self, profile: usize, prof: &MigProfile, busy_only: bool) -> bool {
        let counted = self.instances().iter().filter(|x| !busy_only || x.busy);
        let (mut same, mut media) = (0u8, false);
        for x in counted {
            same += u8::from(usize::from(x.profile) == profile);
            media |= self.model.profiles[usize::from(x.profile)].media;
        }
        same < prof.max_count && !(prof.media && media)
    }
}

/// The low `n` bits.
fn full(n: u8) -> u8 {
    ((1u16 << n) - 1) as u8
}

#[cfg(test)]
mod tests {
    use super::super::catalog::{MODELS, model};
    use super::*;

    /// Every maximal layout (no instance of `names` can be added) built from `names`, as lists
    /// of compute sizes left to right. Instances are added in increasing start order, so each
    /// set of instances is built once.
    fn maximal_layouts(m: &'static MigModel, names: &[&str]) -> Vec<Vec<u8>> {
        let profiles: Vec<usize> = names.iter().map(|n| m.profile(n).unwrap().0).collect();
        let addable = |gpu: &MigGpu, after: Option<u8>| {
            let mut out = Vec::new();
            for &p in &profiles {
                for &s in m.profiles[p].starts {
                    if gpu.can_create(p, s) && after.is_none_or(|a| s > a) {
                        out.push((p, s));
                    }
                }
            }
            out
        };
        let mut found = Vec::new();
        let mut stack = vec![MigGpu::new(m)];
        while let Some(gpu) = stack.pop() {
            if addable(&gpu, None).is_empty() {
                let mut sizes: Vec<_> = gpu
                    .instances()
                    .iter()
                    .map(|x| (x.start, m.profiles[usize::from(x.profile)].compute))
                    .collect();
                sizes.sort();
                found.push(sizes.into_iter().map(|(_, c)| c).collect());
                continue;
            }
            let rightmost = gpu.instances().iter().map(|x| x.start).max();
            for (p, s) in addable(&gpu, rightmost) {
                let mut next = gpu;
                next.create(p, s).unwrap();
                stack.push(next);
            }
        }
        found.sort();
        found
    }

    #[test]
    fn the_guides_nineteen_a100_configurations_are_exactly_the_maximal_layouts() {
        // The A100 diagram of the MIG user guide lists 19 configurations of 1g.5gb, 2g.10gb,
        // 3g.20gb, 4g.20gb and 7g.40gb instances, left to right (written out here by hand).
        let mut guide: Vec<Vec<u8>> = vec![
            vec![7],
            vec![4, 3],
            vec![4, 2, 1],
            vec![4, 1, 1, 1],
            vec![3, 3],
            vec![3, 2, 1],
            vec![3, 1, 1, 1],
            vec![2, 2, 3],
            vec![2, 1, 1, 3],
            vec![1, 1, 2, 3],
            vec![1, 1, 1, 1, 3],
            vec![2, 2, 2, 1],
            vec![2, 1, 1, 2, 1],
            vec![1, 1, 2, 2, 1],
            vec![1, 1, 1, 1, 2, 1],
            vec![2, 2, 1, 1, 1],
            vec![2, 1, 1, 1, 1, 1],
            vec![1, 1, 2, 1, 1, 1],
            vec![1, 1, 1, 1, 1, 1, 1],
        ];
        guide.sort();
        let m = model("A100-40GB").unwrap();
        let found = maximal_layouts(m, &["1g.5gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"]);
        assert_eq!(found, guide);
    }

    #[test]
    fn valid_combinations_build() {
        let m = model("A100-40GB").unwrap();
        for layout in [
            &[("7g.40gb", 0)][..],
            &[("4g.20gb", 0), ("3g.20gb", 4)],
            &[("3g.20gb", 0), ("3g.20gb", 4)],
            &[("2g.10gb", 0), ("2g.10gb", 2), ("2g.10gb", 4), ("1g.5gb", 6)],
            &[("1g.10gb", 0), ("1g.10gb", 2), ("1g.10gb", 4), ("1g.10gb", 6)],
            &[("1g.5gb+me", 0), ("1g.5gb", 1), ("2g.10gb", 2), ("3g.20gb", 4)],
        ] {
            assert!(MigGpu::with_layout(m, layout).is_ok(), "{layout:?}");
        }
    }

    #[test]
    fn invalid_combinations_are_refused_with_the_reason() {
        let m = model("A100-40GB").unwrap();
        let err = |layout: &[(&str, u8)]| MigGpu::with_layout(m, layout).unwrap_err();
        // 3g.20gb may start only at 0 or 4.
        assert!(matches!(err(&[("3g.20gb", 2)]), LayoutError::BadStart { start: 2, .. }));
        // No 1g may start at slice 7 (it has memory but no compute slice of its own).
        assert!(matches!(err(&[("1g.5gb", 7)]), LayoutError::BadStart { .. }));
        // 3g + 2g + 2g: the second 2g would have to start at 6.
        assert!(matches!(
            err(&[("3g.20gb", 0), ("2g.10gb", 4), ("2g.10gb", 6)]),
            LayoutError::BadStart { .. }
        ));
        // 4g at 0 holds memory 0..3, so a 3g at 0 overlaps it.
        assert!(matches!(
            err(&[("4g.20gb", 0), ("3g.20gb", 0)]),
            LayoutError::Overlap { .. }
        ));
        // 2g at 2 overlaps a 3g at 0 (memory 0..3), although compute slice 3 is free.
        assert!(matches!(
            err(&[("3g.20gb", 0), ("2g.10gb", 2)]),
            LayoutError::Overlap { .. }
        ));
        // One media-extension instance per GPU.
        assert!(matches!(
            err(&[("1g.5gb+me", 0), ("1g.5gb+me", 1)]),
            LayoutError::TooMany { max: 1, .. }
        ));
        assert!(matches!(err(&[("9g.1gb", 0)]), LayoutError::NoSuchProfile { .. }));
    }

    #[test]
    fn the_a30_takes_one_media_instance_of_any_size() {
        let m = model("A30-24GB").unwrap();
        assert!(MigGpu::with_layout(m, &[("2g.12gb", 0), ("1g.6gb", 2), ("1g.6gb", 3)]).is_ok());
        assert!(MigGpu::with_layout(m, &[("2g.12gb+me", 0), ("1g.6gb", 2), ("1g.6gb", 3)]).is_ok());
        let both = MigGpu::with_layout(m, &[("2g.12gb+me", 0), ("1g.6gb+me", 2)]);
        assert!(matches!(both, Err(LayoutError::TooMany { max: 1, .. })), "{both:?}");
        // The 2g starts at 0 or 2 only.
        assert!(matches!(
            MigGpu::with_layout(m, &[("2g.12gb", 1)]),
            Err(LayoutError::BadStart { .. })
        ));
    }

    #[test]
    fn busy_instances_hold_their_slices() {
        let m = model("A100-80GB").unwrap();
        let mut gpu = MigGpu::with_layout(m, &[("3g.40gb", 0), ("2g.20gb", 4), ("1g.10gb", 6)]).unwrap();
        assert_eq!(gpu.free_compute_mask(), 0x7F);
        assert!(gpu.occupy(0));
        assert!(!gpu.occupy(0), "already busy");
        assert_eq!(gpu.busy_compute_mask(), 0b000_0111);
        assert_eq!(gpu.busy_memory_mask(), 0b0000_1111);
        let (one, _) = m.profile("1g.10gb").unwrap();
        assert_eq!(gpu.idle_starts(one), 1 << 6);
        // With the idle 2g and 1g removed, a 1g could go at 4, 5 or 6 (3 is under the 3g).
        assert_eq!(gpu.open_starts(one), 0b0111_0000);
        assert!(!gpu.destroy(0), "busy instances stay");
        assert!(gpu.destroy(4));
        assert!(gpu.release(0));
        assert_eq!(gpu.busy_compute_mask(), 0);
        // Left: the idle 3g.40gb at 0 (memory 0..3) and the idle 1g.10gb at 6 (memory 6).
        assert_eq!(gpu.memory_mask(), 0b0100_1111);
    }

    #[test]
    fn every_model_has_a_whole_gpu_profile() {
        for m in &MODELS {
            assert_eq!(m.whole().compute, m.compute_slices, "{}", m.gpu);
            assert!(MigGpu::with_layout(m, &[(m.whole().name, 0)]).is_ok());
        }
    }

    #[test]
    fn a_task_reuses_an_idle_instance_or_repartitions_only_when_dynamic() {
        use super::super::test_models::{a100, idx};
        // Idle 3g at 0 and 4 (A100-40GB): a 3g task reuses the one at 0, nothing reconfigured.
        let mut gpu = MigGpu::with_layout(a100(), &[("3g.20gb", 0), ("3g.20gb", 4)]).unwrap();
        assert_eq!(gpu.start_task(idx("3g.20gb"), 0, Partitioning::Static), Some(0));
        assert_eq!(gpu.busy_compute_mask(), 0b000_0111);

        // Idle 4g at 0: a 2g at 4 lies in free slices, so only the new 2g's compute slices 4
        // and 5 are reconfigured; then a 3g at 0 must remove the idle 4g (slices 0..3, which
        // hold the 3g's 0..2): 0..3 reconfigured.
        let mut gpu = MigGpu::with_layout(a100(), &[("4g.20gb", 0)]).unwrap();
        assert_eq!(
            gpu.start_task(idx("2g.10gb"), 4, Partitioning::Static),
            None,
            "no 2g instance in the layout"
        );
        assert_eq!(
            gpu.start_task(idx("2g.10gb"), 4, Partitioning::Dynamic),
            Some(0b011_0000)
        );
        assert_eq!(
            gpu.start_task(idx("3g.20gb"), 0, Partitioning::Dynamic),
            Some(0b000_1111)
        );
        assert_eq!(gpu.busy_compute_mask(), 0b011_0111);

        // Busy 1g at 0 and busy 3g at 4: a 4g (start 0 only) cannot be cut until the 1g ends,
        // and refusing changes nothing.
        let mut gpu = MigGpu::with_layout(a100(), &[("1g.5gb", 0), ("3g.20gb", 4)]).unwrap();
        gpu.occupy(0);
        gpu.occupy(4);
        let before = gpu;
        assert_eq!(gpu.start_task(idx("4g.20gb"), 0, Partitioning::Dynamic), None);
        assert_eq!(gpu, before);
        // A busy 1g+me: a second media instance can never be created, wherever it starts.
        let mut media = MigGpu::with_layout(a100(), &[("1g.5gb+me", 6)]).unwrap();
        media.occupy(6);
        assert_eq!(media.open_starts(idx("1g.5gb+me")), 0);
        assert_eq!(
            media.start_task(idx("1g.5gb"), 0, Partitioning::Dynamic),
            Some(0b000_0001)
        );
    }
}
