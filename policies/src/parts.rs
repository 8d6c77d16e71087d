//! The parts a policy is combined from, each with the name scenarios use and one line of
//! description (what `clustersim policies` prints).

/// One named choice of a part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartInfo<T: 'static> {
    /// The name scenarios use.
    pub name: &'static str,
    /// The choice.
    pub value: T,
    /// One line for listings.
    pub summary: &'static str,
}

/// A part of a policy with a fixed set of named choices.
pub trait Part: Copy + PartialEq + 'static {
    /// The `[policy]` key that chooses it.
    const KEY: &'static str;
    /// Every choice, in listing order.
    const ALL: &'static [PartInfo<Self>];

    /// The choice called `name`, or a message naming the nearest valid name and all of them.
    fn parse(name: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value)
            .ok_or_else(|| unknown_name(Self::KEY, name, Self::ALL.iter().map(|p| p.name)))
    }

    /// The name of this choice.
    fn name(self) -> &'static str {
        Self::ALL.iter().find(|p| p.value == self).map_or("?", |p| p.name)
    }
}

/// "unknown KIND `name` (did you mean `…`?); known: a, b, c".
pub(crate) fn unknown_name<'a>(kind: &str, name: &str, known: impl Iterator<Item = &'a str> + Clone) -> String {
    let hint = known
        .clone()
        .map(|k| (strsim::levenshtein(name, k), k))
        .filter(|&(distance, k)| {
            (distance <= 3 && distance < name.chars().count()) || (name.len() >= 3 && k.contains(name))
        })
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default();
    let known = known.collect::<Vec<_>>().join(", ");
    format!("unknown {kind} `{name}`{hint}; known: {known}")
}

/// Which waiting job is considered next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueKind {
    /// Arrival order.
    Fifo,
    /// Higher priority first, then arrival.
    Priority,
    /// Shortest requested run time first, then arrival.
    Sjf,
    /// Dominant Resource Fairness across users (or queues).
    Drf,
    /// Lottery among users (or queues) by tickets.
    Lottery,
    /// Hierarchical fair share across queues by weight.
    FairShare,
}

impl Part for QueueKind {
    const KEY: &'static str = "queue";
    const ALL: &'static [PartInfo<Self>] = &[
        PartInfo {
            name: "fifo",
            value: QueueKind::Fifo,
            summary: "arrival order",
        },
        PartInfo {
            name: "priority",
            value: QueueKind::Priority,
            summary: "higher priority first, then arrival",
        },
        PartInfo {
            name: "sjf",
            value: QueueKind::Sjf,
            summary: "shortest requested run time (requested_s) first, then arrival",
        },
        PartInfo {
            name: "drf",
            value: QueueKind::Drf,
            summary: "Dominant Resource Fairness: the user (or queue) with the smallest dominant share over GPU, CPU and memory goes next",
        },
        PartInfo {
            name: "lottery",
            value: QueueKind::Lottery,
            summary: "each decision draws a user (or queue) with probability proportional to its tickets (seeded stream `lottery`)",
        },
        PartInfo {
            name: "fair-share",
            value: QueueKind::FairShare,
            summary: "hierarchical queues: at each level the child with the least GPUs held per unit of weight goes next",
        },
    ];
}

/// Where the tasks of a job go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlacementKind {
    /// Lowest node index.
    FirstFit,
    /// Least free GPU left on the node.
    BestFit,
    /// Most free GPU left on the node.
    WorstFit,
    /// Fewest racks, then fewest nodes.
    Packed,
    /// Across racks.
    Spread,
    /// Uniform among the nodes that fit.
    Random,
    /// Most rack power headroom, then best fit.
    PowerAware,
    /// Largest thermal margin, then best fit.
    ThermalAware,
    /// Fragmentation Gradient Descent (the FGD paper).
    Fgd,
    /// Smallest dot product of free resources and request (the FGD study's baseline).
    DotProduct,
    /// Shared GPUs, then used nodes, then idle nodes (the FGD study's baseline).
    GpuPacking,
    /// Tasks of one kind together (the FGD study's baseline).
    GpuClustering,
    /// Least free CPU and GPU, weighted equally (the FGD study's best fit).
    PaperBestFit,
    /// Uniform node, uniform device for shared tasks (the FGD study's random).
    PaperRandom,
}

impl Part for PlacementKind {
    const KEY: &'static str = "placement";
    const ALL: &'static [PartInfo<Self>] = &[
        PartInfo {
            name: "first-fit",
            value: PlacementKind::FirstFit,
            summary: "each task on the lowest-numbered node it fits",
        },
        PartInfo {
            name: "best-fit",
            value: PlacementKind::BestFit,
            summary: "each task on the node left with the least free GPU capacity",
        },
        PartInfo {
            name: "worst-fit",
            value: PlacementKind::WorstFit,
            summary: "each task on the node left with the most free GPU capacity",
        },
        PartInfo {
            name: "packed",
            value: PlacementKind::Packed,
            summary: "the whole job on the fewest racks, then the fewest nodes (one leaf switch when it can)",
        },
        PartInfo {
            name: "spread",
            value: PlacementKind::Spread,
            summary: "each task in the rack, then on the node, holding fewest of the job's tasks (failure isolation)",
        },
        PartInfo {
            name: "random",
            value: PlacementKind::Random,
            summary: "each task on a node drawn uniformly among those it fits (seeded stream `placement`)",
        },
        PartInfo {
            name: "power-aware",
            value: PlacementKind::PowerAware,
            summary: "each task in the rack with the most power headroom, then best fit (needs [power])",
        },
        PartInfo {
            name: "thermal-aware",
            value: PlacementKind::ThermalAware,
            summary: "each task in the rack furthest below its capping temperature, then best fit (needs [thermal])",
        },
        PartInfo {
            name: "fgd",
            value: PlacementKind::Fgd,
            summary: "FGD paper: each task where the expected fragmentation (against the workload's typical tasks) grows least; a shared task on the device that does; ties to the first node of a random order drawn per run",
        },
        PartInfo {
            name: "dot-product",
            value: PlacementKind::DotProduct,
            summary: "FGD study: the node whose free CPU and GPU (÷ 128 cores, 8 GPUs) has the smallest dot product with the request; fullest device; ties to the first node of a random order drawn per run",
        },
        PartInfo {
            name: "gpu-packing",
            value: PlacementKind::GpuPacking,
            summary: "FGD study: share a used GPU first, then free GPUs of a used node, then an idle node; fullest device; ties to the first node of a random order drawn per run",
        },
        PartInfo {
            name: "gpu-clustering",
            value: PlacementKind::GpuClustering,
            summary: "FGD study: tasks of one kind (shared, k GPUs) on nodes running only that kind, fuller first; fullest device; ties to the first node of a random order drawn per run",
        },
        PartInfo {
            name: "paper-best-fit",
            value: PlacementKind::PaperBestFit,
            summary: "FGD study's best fit: least free CPU and GPU left (÷ 128 cores, 8 GPUs, weighted ½ each), integer scores, ties by a random node order; fullest device",
        },
        PartInfo {
            name: "paper-random",
            value: PlacementKind::PaperRandom,
            summary: "FGD study's random: a node drawn among those the task fits, a shared task on a device drawn among those with room (seeded stream `placement`)",
        },
    ];
}

/// Whether later jobs may start ahead of a blocked one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackfillKind {
    /// The first job that cannot start blocks every job behind it.
    None,
    /// EASY backfilling: the first blocked job is protected.
    Easy,
    /// Conservative backfilling: every blocked job is protected.
    Conservative,
}

impl BackfillKind {
    /// How many blocked jobs get a reservation unless `backfill_depth` says otherwise: none
    /// without backfilling (the first blocked job ends the round), 1 for EASY, all for
    /// conservative.
    pub fn default_depth(self) -> Option<usize> {
        match self {
            BackfillKind::None => None,
            BackfillKind::Easy => Some(1),
            BackfillKind::Conservative => Some(usize::MAX),
        }
    }
}

impl Part for BackfillKind {
    const KEY: &'static str = "backfill";
    const ALL: &'static [PartInfo<Self>] = &[
        PartInfo {
            name: "none",
            value: BackfillKind::None,
            summary: "the first job that cannot start blocks every job behind it",
        },
        PartInfo {
            name: "easy",
            value: BackfillKind::Easy,
            summary: "EASY: a reservation for the first blocked job; later jobs start if they end before it or use only what it leaves",
        },
        PartInfo {
            name: "conservative",
            value: BackfillKind::Conservative,
            summary: "conservative: every blocked job reserved at its earliest fit (backfill_depth limits how many); a job starts early only if it delays none",
        },
    ];
}

/// Which running jobs a blocked higher-priority job preempts first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreemptionKind {
    /// No preemption.
    None,
    /// Smallest fraction of work done first.
    LeastProgress,
    /// Lowest priority first.
    LowestPriority,
    /// Most recently (re)started first.
    Newest,
    /// Least work lost since the last checkpoint (× GPUs) first.
    MinLostWork,
}

impl Part for PreemptionKind {
    const KEY: &'static str = "preemption";
    const ALL: &'static [PartInfo<Self>] = &[
        PartInfo {
            name: "none",
            value: PreemptionKind::None,
            summary: "never preempt",
        },
        PartInfo {
            name: "least-progress",
            value: PreemptionKind::LeastProgress,
            summary: "victims with the smallest fraction of their work done first",
        },
        PartInfo {
            name: "lowest-priority",
            value: PreemptionKind::LowestPriority,
            summary: "victims of the lowest priority first, then least progress",
        },
        PartInfo {
            name: "newest",
            value: PreemptionKind::Newest,
            summary: "the most recently (re)started victims first",
        },
        PartInfo {
            name: "min-lost-work",
            value: PreemptionKind::MinLostWork,
            summary: "victims losing the least GPU time since their last checkpoint first",
        },
    ];
}

/// What DRF and lottery share between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareBy {
    /// The trace's `user`.
    User,
    /// The trace's `queue`.
    Queue,
}

impl Part for ShareBy {
    const KEY: &'static str = "share_by";
    const ALL: &'static [PartInfo<Self>] = &[
        PartInfo {
            name: "user",
            value: ShareBy::User,
            summary: "DRF shares and lottery tickets belong to users",
        },
        PartInfo {
            name: "queue",
            value: ShareBy::Queue,
            summary: "DRF shares and lottery tickets belong to queues",
        },
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_suggest() {
        for info in QueueKind::ALL {
            assert_eq!(QueueKind::parse(info.name), Ok(info.value));
            assert_eq!(info.value.name(), info.name);
        }
        assert_eq!(
            QueueKind::parse("drff").unwrap_err(),
            "unknown queue `drff` (did you mean `drf`?); known: fifo, priority, sjf, drf, lottery, fair-share"
        );
        assert_eq!(
            PlacementKind::parse("pack").unwrap_err(),
            "unknown placement `pack` (did you mean `packed`?); known: first-fit, best-fit, worst-fit, packed, spread, random, power-aware, thermal-aware, fgd, dot-product, gpu-packing, gpu-clustering, paper-best-fit, paper-random"
        );
        assert!(!BackfillKind::parse("zzzzzz").unwrap_err().contains("did you mean"));
    }
}
