//! The MIG catalog: which GPU models can be partitioned, into which profiles, and where each
//! profile may be created.
//!
//! Source: NVIDIA, *Multi-Instance GPU User Guide*, section "Supported MIG Profiles",
//! <https://docs.nvidia.com/datacenter/tesla/mig-user-guide/supported-mig-profiles.html>.
//! Profile names, memory and SM fractions and instance counts were checked against that page's
//! tables (A30, A100-40GB and the note naming the A100-80GB profiles) and against a recorded
//! `nvidia-smi mig -lgip` listing of an H100-80GB; the start positions are the placements the
//! guide's per-model diagrams show (the same as `nvidia-smi mig -lgipp` prints, e.g. A100
//! profile 9, 3g.20gb: `{0,4}:4`), written from that knowledge, not copied from a listing:
//! H100, H200 and B200 share the A100's geometry with larger slices.
//!
//! # Geometry
//!
//! A GPU has `memory_slices` memory slices (8 on 7-slice GPUs, 4 on the A30) and
//! `compute_slices` compute slices (7, or 4). An instance of a profile created at start
//! position `p` holds memory slices `p .. p + memory` and compute slices `p .. p + compute`
//! (compute ≤ memory, so its compute lies inside its memory range). Two instances conflict
//! when their memory ranges overlap (NVML refuses the second one); that is the whole rule, and
//! why a free slice elsewhere does not help a profile whose valid starts are taken.

/// One MIG profile of one GPU model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MigProfile {
    /// Name as `nvidia-smi` prints it, e.g. `3g.20gb` or `1g.5gb+me`.
    pub name: &'static str,
    /// Compute slices (the `Ng` of the name).
    pub compute: u8,
    /// Memory slices.
    pub memory: u8,
    /// Most instances of this profile on one GPU (the guide's "Number of Instances Available").
    pub max_count: u8,
    /// Start positions (memory-slice index) at which an instance may be created.
    pub starts: &'static [u8],
    /// True for the `+me` variants (media extensions); at most one per GPU.
    pub media: bool,
}

impl MigProfile {
    /// Memory slices held by an instance started at `start`, as a bit mask.
    pub fn memory_mask(&self, start: u8) -> u8 {
        span(start, self.memory)
    }

    /// Compute slices held by an instance started at `start`, as a bit mask.
    pub fn compute_mask(&self, start: u8) -> u8 {
        span(start, self.compute)
    }
}

/// Bits `start .. start + len` of a byte.
fn span(start: u8, len: u8) -> u8 {
    let bits = if len >= 8 { 0xFF } else { (1u16 << len) as u8 - 1 };
    bits << start
}

/// One MIG-capable GPU model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MigModel {
    /// Model name as clusters name it (the keys of `power::catalog`, docs/models.md §1).
    pub gpu: &'static str,
    /// Memory slices of the whole GPU.
    pub memory_slices: u8,
    /// Compute slices of the whole GPU.
    pub compute_slices: u8,
    /// Its profiles, smallest first.
    pub profiles: &'static [MigProfile],
}

impl MigModel {
    /// The profile called `name`, with its index in [`MigModel::profiles`].
    pub fn profile(&self, name: &str) -> Option<(usize, &'static MigProfile)> {
        self.profiles.iter().enumerate().find(|(_, p)| p.name == name)
    }

    /// The profile of the whole GPU (all compute slices).
    pub fn whole(&self) -> &'static MigProfile {
        let whole = self.profiles.iter().find(|p| p.compute == self.compute_slices);
        whole.unwrap_or(&self.profiles[self.profiles.len() - 1])
    }
}

const fn p(name: &'static str, compute: u8, memory: u8, max_count: u8, starts: &'static [u8]) -> MigProfile {
    MigProfile {
        name,
        compute,
        memory,
        max_count,
        starts,
        media: false,
    }
}

const fn me(name: &'static str, starts: &'static [u8]) -> MigProfile {
    MigProfile {
        name,
        compute: 1,
        memory: 1,
        max_count: 1,
        starts,
        media: true,
    }
}

const ONE: &[u8] = &[0, 1, 2, 3, 4, 5, 6];
const PAIRS: &[u8] = &[0, 2, 4, 6];
const TWO: &[u8] = &[0, 2, 4];
const HALVES: &[u8] = &[0, 4];
const ZERO: &[u8] = &[0];

/// The 7-slice geometry with the model's profile names, smallest to largest:
/// 1g (1 memory slice), 1g+me, 1g with 2 memory slices, 2g, 3g, 4g, 7g.
const fn seven(names: [&'static str; 7]) -> [MigProfile; 7] {
    [
        p(names[0], 1, 1, 7, ONE),
        me(names[1], ONE),
        p(names[2], 1, 2, 4, PAIRS),
        p(names[3], 2, 2, 3, TWO),
        p(names[4], 3, 4, 2, HALVES),
        p(names[5], 4, 4, 1, ZERO),
        p(names[6], 7, 8, 1, ZERO),
    ]
}

static A100_40GB: [MigProfile; 7] = seven([
    "1g.5gb",
    "1g.5gb+me",
    "1g.10gb",
    "2g.10gb",
    "3g.20gb",
    "4g.20gb",
    "7g.40gb",
]);
static A100_80GB: [MigProfile; 7] = seven([
    "1g.10gb",
    "1g.10gb+me",
    "1g.20gb",
    "2g.20gb",
    "3g.40gb",
    "4g.40gb",
    "7g.80gb",
]);
static H200_141GB: [MigProfile; 7] = seven([
    "1g.18gb",
    "1g.18gb+me",
    "1g.35gb",
    "2g.35gb",
    "3g.71gb",
    "4g.71gb",
    "7g.141gb",
]);
static B200: [MigProfile; 7] = seven([
    "1g.23gb",
    "1g.23gb+me",
    "1g.45gb",
    "2g.45gb",
    "3g.90gb",
    "4g.90gb",
    "7g.180gb",
]);
/// The A30: 4 memory and 4 compute slices; its 2g profile also has a `+me` variant.
static A30_24GB: [MigProfile; 5] = [
    p("1g.6gb", 1, 1, 4, &[0, 1, 2, 3]),
    me("1g.6gb+me", &[0, 1, 2, 3]),
    p("2g.12gb", 2, 2, 2, &[0, 2]),
    MigProfile {
        name: "2g.12gb+me",
        compute: 2,
        memory: 2,
        max_count: 1,
        starts: &[0, 2],
        media: true,
    },
    p("4g.24gb", 4, 4, 1, ZERO),
];

/// Every MIG-capable model of the catalog. The 80 GB Hopper boards have the A100-80GB's profile
/// names.
pub static MODELS: [MigModel; 8] = [
    MigModel {
        gpu: "A100-40GB",
        memory_slices: 8,
        compute_slices: 7,
        profiles: &A100_40GB,
    },
    MigModel {
        gpu: "A100-80GB",
        memory_slices: 8,
        compute_slices: 7,
        profiles: &A100_80GB,
    },
    MigModel {
        gpu: "A100-80GB-PCIE",
        memory_slices: 8,
        compute_slices: 7,
        profiles: &A100_80GB,
    },
    MigModel {
        gpu: "H100-80GB",
        memory_slices: 8,
        compute_slices: 7,
        profiles: &A100_80GB,
    },
    MigModel {
        gpu: "H100-PCIE",
        memory_slices: 8,
        compute_slices: 7,
        profiles: &A100_80GB,
    },
    MigModel {
        gpu: "H200-141GB",
        memory_slices: 8,
        compute_slices: 7,
        profiles: &H200_141GB,
    },
    MigModel {
        gpu: "B200",
        memory_slices: 8,
        compute_slices: 7,
        profiles: &B200,
    },
    MigModel {
        gpu: "A30-24GB",
        memory_slices: 4,
        compute_slices: 4,
        profiles: &A30_24GB,
    },
];

/// The catalog entry of GPU model `gpu`, if it can run MIG.
pub fn model(gpu: &str) -> Option<&'static MigModel> {
    MODELS.iter().find(|m| m.gpu == gpu)
}

/// A MIG profile as a task names it (`mig = "3g.40gb"`), independent of the GPU model it will
/// run on, small enough for a `Copy` task request: the profile's first place in [`MODELS`]
/// (model index × 8 + profile index + 1), 0 for no profile. A name means the same geometry on
/// every model that has it, so a node resolves it with [`MigModel::profile`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MigName(u8);

impl MigName {
    /// No profile: the task asks for GPUs or a fraction.
    pub const NONE: MigName = MigName(0);

    /// The name of a profile of some model of the catalog, or `None` for an unknown name.
    pub fn parse(name: &str) -> Option<MigName> {
        MODELS.iter().enumerate().find_map(|(m, model)| {
            let (p, _) = model.profile(name)?;
            Some(MigName((m * 8 + p + 1) as u8))
        })
    }

    /// Its id (0 for [`MigName::NONE`], below 72 for every profile): an index into
    /// per-model tables.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    /// True for [`MigName::NONE`].
    pub fn is_none(self) -> bool {
        self.0 == 0
    }

    /// The profile's name (`None` for [`MigName::NONE`]).
    pub fn name(self) -> Option<&'static str> {
        let i = usize::from(self.0.checked_sub(1)?);
        Some(MODELS[i / 8].profiles[i % 8].name)
    }

    /// The profile's share of a whole GPU in milli-GPU, rounded down
    /// (`compute · 1000 ÷ compute_slices`: a 3g of 7 slices holds 428), what a task in such an
    /// instance counts as holding; `None` for [`MigName::NONE`].
    pub fn milli(self) -> Option<u32> {
        let i = usize::from(self.0.checked_sub(1)?);
        let model = &MODELS[i / 8];
        Some(instance_milli(model, &model.profiles[i % 8]))
    }

    /// The GPU models of the catalog that have this profile.
    pub fn models(self) -> impl Iterator<Item = &'static MigModel> {
        let name = self.name();
        MODELS
            .iter()
            .filter(move |m| name.is_some_and(|n| m.profile(n).is_some()))
    }
}

/// What a task in an instance of `profile` counts as holding of the GPU, in milli-GPU: its
/// compute share rounded down, so the instances of any valid layout sum to at most 1000 and a
/// 7g instance holds exactly 1000.
pub fn instance_milli(model: &MigModel, profile: &MigProfile) -> u32 {
    u32::from(profile.compute) * 1000 / u32::from(model.compute_slices)
}

/// The profile a fractional request of `milli` milli-GPU (1..=1000) maps to on `model`, so
/// that shared-GPU pods of fraction traces (openb's `gpu_milli`) can run on MIG GPUs.
///
/// The rule: the profile with the fewest compute slices whose compute share
/// (`compute ÷ compute_slices`) is at least the fraction, among those the one with the fewest
/// memory slices; `+me` variants are never chosen. Compared in integers
/// (`compute · 1000 ≥ milli · compute_slices`). So on a 7-slice GPU 0.1 → 1g (1/7 = 0.143),
/// 0.25 and 0.2 → 2g (2/7 = 0.286), 0.4 → 3g, 0.5 → 4g, 0.6 and more → 7g (no 5g or 6g).
pub fn profile_for_milli(model: &MigModel, milli: u32) -> &'static MigProfile {
    let fits =
        |p: &&MigProfile| !p.media && u64::from(p.compute) * 1000 >= u64::from(milli) * u64::from(model.compute_slices);
    model
        .profiles
        .iter()
        .filter(fits)
        .min_by_key(|p| (p.compute, p.memory))
        .unwrap_or_else(|| model.whole())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_profile_names_resolve_to_their_geometry() {
        // 3g.40gb is first listed on the A100-80GB (model 1, profile 4): id 1·8 + 4 + 1 = 13.
        let name = MigName::parse("3g.40gb").unwrap();
        assert_eq!(name.name(), Some("3g.40gb"));
        // 3 of 7 compute slices: 3000 / 7 = 428.57, rounded down.
        assert_eq!(name.milli(), Some(428));
        let models: Vec<_> = name.models().map(|m| m.gpu).collect();
        assert_eq!(models, ["A100-80GB", "A100-80GB-PCIE", "H100-80GB", "H100-PCIE"]);
        assert_eq!(MigName::parse("3g.41gb"), None);
        assert!(MigName::NONE.is_none() && MigName::NONE.name().is_none());
        // The A30's whole GPU is 4 of 4 slices.
        assert_eq!(MigName::parse("4g.24gb").unwrap().milli(), Some(1000));
    }

    #[test]
    fn a100_40gb_matches_the_guide_table() {
        // The guide's A100-SXM4-40GB table: (name, memory fraction in eighths, SM sevenths,
        // instances available), and the placements of its diagram.
        let m = model("A100-40GB").unwrap();
        let rows: Vec<_> = m
            .profiles
            .iter()
            .map(|p| (p.name, p.memory, p.compute, p.max_count, p.starts))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("1g.5gb", 1, 1, 7, &[0u8, 1, 2, 3, 4, 5, 6][..]),
                ("1g.5gb+me", 1, 1, 1, &[0, 1, 2, 3, 4, 5, 6][..]),
                ("1g.10gb", 2, 1, 4, &[0, 2, 4, 6][..]),
                ("2g.10gb", 2, 2, 3, &[0, 2, 4][..]),
                ("3g.20gb", 4, 3, 2, &[0, 4][..]),
                ("4g.20gb", 4, 4, 1, &[0][..]),
                ("7g.40gb", 8, 7, 1, &[0][..]),
            ]
        );
    }

    #[test]
    fn a30_matches_the_guide_table() {
        // The guide's A30-24GB table: memory and SMs in quarters, instances available; one
        // `+me` instance per GPU (the single JPEG/OFA unit).
        let m = model("A30-24GB").unwrap();
        assert_eq!((m.memory_slices, m.compute_slices), (4, 4));
        let rows: Vec<_> = m
            .profiles
            .iter()
            .map(|p| (p.name, p.memory, p.compute, p.max_count, p.media))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("1g.6gb", 1, 1, 4, false),
                ("1g.6gb+me", 1, 1, 1, true),
                ("2g.12gb", 2, 2, 2, false),
                ("2g.12gb+me", 2, 2, 1, true),
                ("4g.24gb", 4, 4, 1, false),
            ]
        );
    }

    #[test]
    fn eighty_gb_names_follow_the_guide_note() {
        // "For A100-SXM4-80GB, the profile names will change according to the memory
        // proportion – for example, 1g.10gb, 1g.10gb+me, 1g.20gb, 2g.20gb, 3g.40gb, 4g.40gb,
        // 7g.80gb respectively."
        for gpu in ["A100-80GB", "H100-80GB"] {
            let names: Vec<_> = model(gpu).unwrap().profiles.iter().map(|p| p.name).collect();
            assert_eq!(
                names,
                [
                    "1g.10gb",
                    "1g.10gb+me",
                    "1g.20gb",
                    "2g.20gb",
                    "3g.40gb",
                    "4g.40gb",
                    "7g.80gb"
                ]
            );
        }
        let h200: Vec<_> = model("H200-141GB").unwrap().profiles.iter().map(|p| p.name).collect();
        assert_eq!(
            h200,
            [
                "1g.18gb",
                "1g.18gb+me",
                "1g.35gb",
                "2g.35gb",
                "3g.71gb",
                "4g.71gb",
                "7g.141gb"
            ]
        );
        assert!(model("V100-32GB").is_none());
    }

    #[test]
    fn every_placement_lies_inside_the_gpu() {
        for m in &MODELS {
            for prof in m.profiles {
                assert!(prof.compute <= prof.memory, "{} {}", m.gpu, prof.name);
                for &s in prof.starts {
                    assert!(s + prof.memory <= m.memory_slices, "{} {} at {s}", m.gpu, prof.name);
                    assert!(s + prof.compute <= m.compute_slices, "{} {} at {s}", m.gpu, prof.name);
                }
            }
        }
    }

    #[test]
    fn masks() {
        let m = model("A100-40GB").unwrap();
        let (_, three) = m.profile("3g.20gb").unwrap();
        assert_eq!(three.memory_mask(4), 0b1111_0000);
        assert_eq!(three.compute_mask(4), 0b0111_0000);
        assert_eq!(m.whole().memory_mask(0), 0xFF);
        assert_eq!(m.whole().compute_mask(0), 0x7F);
    }

    #[test]
    fn fractions_map_to_the_smallest_profile_that_holds_them() {
        // k/7 thresholds: 1/7 = 0.1428…, 2/7 = 0.2857…, 3/7 = 0.4285…, 4/7 = 0.5714….
        let m = model("A100-80GB").unwrap();
        let name = |milli| profile_for_milli(m, milli).name;
        assert_eq!(name(100), "1g.10gb");
        assert_eq!(name(142), "1g.10gb");
        assert_eq!(name(143), "2g.20gb");
        assert_eq!(name(250), "2g.20gb");
        assert_eq!(name(400), "3g.40gb");
        assert_eq!(name(500), "4g.40gb");
        assert_eq!(name(571), "4g.40gb");
        assert_eq!(name(572), "7g.80gb");
        assert_eq!(name(1000), "7g.80gb");
        let a30 = model("A30-24GB").unwrap();
        assert_eq!(profile_for_milli(a30, 250).name, "1g.6gb");
        assert_eq!(profile_for_milli(a30, 300).name, "2g.12gb");
    }
}
