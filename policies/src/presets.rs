//! Named presets: a full choice of parts under one name (`[policy] name = "…"`).

use crate::parts::{BackfillKind, PlacementKind, PreemptionKind, QueueKind};

/// A named combination of parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// The name scenarios use.
    pub name: &'static str,
    /// Queue order.
    pub queue: QueueKind,
    /// Placement.
    pub placement: PlacementKind,
    /// Backfilling.
    pub backfill: BackfillKind,
    /// How many blocked jobs backfilling protects, when not the kind's default.
    pub backfill_depth: Option<u32>,
    /// Preemption rule.
    pub preemption: PreemptionKind,
    /// One line for listings.
    pub summary: &'static str,
}

const fn preset(
    name: &'static str,
    queue: QueueKind,
    placement: PlacementKind,
    backfill: BackfillKind,
    preemption: PreemptionKind,
    summary: &'static str,
) -> Preset {
    Preset {
        name,
        queue,
        placement,
        backfill,
        backfill_depth: None,
        preemption,
        summary,
    }
}

impl Preset {
    /// The same preset protecting `depth` blocked jobs.
    const fn with_depth(self, depth: u32) -> Preset {
        Preset {
            backfill_depth: Some(depth),
            ..self
        }
    }
}

use BackfillKind as B;
use PlacementKind as P;
use PreemptionKind as X;
use QueueKind as Q;

/// Every preset, in listing order.
pub const PRESETS: &[Preset] = &[
    preset(
        "first-fit",
        Q::Fifo,
        P::FirstFit,
        B::None,
        X::None,
        "FIFO order; each task on the lowest-numbered node it fits",
    ),
    preset(
        "best-fit",
        Q::Fifo,
        P::BestFit,
        B::None,
        X::None,
        "FIFO order; each task on the node left with the least free GPU capacity",
    ),
    preset(
        "worst-fit",
        Q::Fifo,
        P::WorstFit,
        B::None,
        X::None,
        "FIFO order; each task on the node left with the most free GPU capacity",
    ),
    preset(
        "packed",
        Q::Fifo,
        P::Packed,
        B::None,
        X::None,
        "FIFO order; each job on the fewest racks, then nodes",
    ),
    preset(
        "spread",
        Q::Fifo,
        P::Spread,
        B::None,
        X::None,
        "FIFO order; each job's tasks spread across racks",
    ),
    preset(
        "random",
        Q::Fifo,
        P::Random,
        B::None,
        X::None,
        "FIFO order; each task on a random node it fits (seeded)",
    ),
    preset(
        "power-aware",
        Q::Fifo,
        P::PowerAware,
        B::None,
        X::None,
        "FIFO order; each task in the rack with the most power headroom",
    ),
    preset(
        "thermal-aware",
        Q::Fifo,
        P::ThermalAware,
        B::None,
        X::None,
        "FIFO order; each task in the coolest rack (furthest below max-op)",
    ),
    preset(
        "fgd",
        Q::Fifo,
        P::Fgd,
        B::None,
        X::None,
        "FIFO order; FGD (Weng et al., ATC '23): least growth of the workload-aware fragmentation",
    ),
    preset(
        "dot-product",
        Q::Fifo,
        P::DotProduct,
        B::None,
        X::None,
        "FIFO order; the FGD study's dot-product placement",
    ),
    preset(
        "gpu-packing",
        Q::Fifo,
        P::GpuPacking,
        B::None,
        X::None,
        "FIFO order; the FGD study's GPU packing",
    ),
    preset(
        "gpu-clustering",
        Q::Fifo,
        P::GpuClustering,
        B::None,
        X::None,
        "FIFO order; the FGD study's GPU clustering",
    ),
    preset(
        "paper-best-fit",
        Q::Fifo,
        P::PaperBestFit,
        B::None,
        X::None,
        "FIFO order; the FGD study's best fit (CPU and GPU, integer scores)",
    ),
    preset(
        "paper-random",
        Q::Fifo,
        P::PaperRandom,
        B::None,
        X::None,
        "FIFO order; the FGD study's random placement (random node, random device)",
    ),
    preset(
        "gang",
        Q::Fifo,
        P::Packed,
        B::None,
        X::None,
        "gangs all or nothing, rack-aware packing; add time_slice to rotate waiting gangs",
    ),
    preset(
        "priority",
        Q::Priority,
        P::BestFit,
        B::None,
        X::None,
        "higher priority first; best fit",
    ),
    preset(
        "sjf",
        Q::Sjf,
        P::BestFit,
        B::None,
        X::None,
        "shortest requested run time first; best fit",
    ),
    preset(
        "drf",
        Q::Drf,
        P::BestFit,
        B::None,
        X::None,
        "Dominant Resource Fairness across users; best fit",
    ),
    preset(
        "lottery",
        Q::Lottery,
        P::BestFit,
        B::None,
        X::None,
        "lottery scheduling across users by tickets; best fit",
    ),
    preset(
        "fair-share",
        Q::FairShare,
        P::BestFit,
        B::None,
        X::None,
        "hierarchical weighted fair share across queues, with quotas; best fit",
    ),
    preset(
        "easy-backfill",
        Q::Fifo,
        P::BestFit,
        B::Easy,
        X::None,
        "FIFO with EASY backfilling (the first blocked job is protected); best fit",
    ),
    preset(
        "easy-backfill-4",
        Q::Fifo,
        P::BestFit,
        B::Easy,
        X::None,
        "FIFO with EASY backfilling protecting the first 4 blocked jobs (backfill_depth sets k); best fit",
    )
    .with_depth(4),
    preset(
        "conservative-backfill",
        Q::Fifo,
        P::BestFit,
        B::Conservative,
        X::None,
        "FIFO with conservative backfilling (every blocked job protected); best fit",
    ),
    preset(
        "priority-preempt",
        Q::Priority,
        P::BestFit,
        B::None,
        X::LeastProgress,
        "priority order; a blocked job preempts lower-priority jobs, least progress first",
    ),
];

/// The preset called `name`.
pub fn find(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}
