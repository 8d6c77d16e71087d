//! Named presets: a full choice of parts under one name (`[policy] name = "…"`).

/// A named combination of parts, each named as registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// The name scenarios use.
    pub name: &'static str,
    /// Queue order.
    pub queue: &'static str,
    /// Placement.
    pub placement: &'static str,
    /// Backfill rule.
    pub backfill: &'static str,
    /// Preemption victim rule.
    pub preemption: &'static str,
    /// Parameters the preset sets, written as in a scenario (`("backfill_depth", "4")`): each
    /// applies while the part reading it is the preset's own, unless the scenario sets it.
    pub params: &'static [(&'static str, &'static str)],
    /// One line for listings.
    pub summary: &'static str,
}

const fn preset(
    name: &'static str,
    queue: &'static str,
    placement: &'static str,
    backfill: &'static str,
    preemption: &'static str,
    summary: &'static str,
) -> Preset {
    Preset {
        name,
        queue,
        placement,
        backfill,
        preemption,
        params: &[],
        summary,
    }
}

impl Preset {
    /// The same preset setting `params`.
    const fn with_params(self, params: &'static [(&'static str, &'static str)]) -> Preset {
        Preset { params, ..self }
    }
}

/// This crate's presets, in listing order.
pub(crate) const BUILTIN: [Preset; 24] = [
    preset(
        "first-fit",
        "fifo",
        "first-fit",
        "none",
        "none",
        "FIFO order; each task on the lowest-numbered node it fits",
    ),
    preset(
        "best-fit",
        "fifo",
        "best-fit",
        "none",
        "none",
        "FIFO order; each task on the node left with the least free GPU capacity",
    ),
    preset(
        "worst-fit",
        "fifo",
        "worst-fit",
        "none",
        "none",
        "FIFO order; each task on the node left with the most free GPU capacity",
    ),
    preset(
        "packed",
        "fifo",
        "packed",
        "none",
        "none",
        "FIFO order; each job on the fewest racks, then nodes",
    ),
    preset(
        "spread",
        "fifo",
        "spread",
        "none",
        "none",
        "FIFO order; each job's tasks spread across racks",
    ),
    preset(
        "random",
        "fifo",
        "random",
        "none",
        "none",
        "FIFO order; each task on a random node it fits (seeded)",
    ),
    preset(
        "power-aware",
        "fifo",
        "power-aware",
        "none",
        "none",
        "FIFO order; each task in the rack with the most power headroom",
    ),
    preset(
        "thermal-aware",
        "fifo",
        "thermal-aware",
        "none",
        "none",
        "FIFO order; each task in the coolest rack (furthest below max-op)",
    ),
    preset(
        "fgd",
        "fifo",
        "fgd",
        "none",
        "none",
        "FIFO order; FGD (Weng et al., ATC '23): least growth of the workload-aware fragmentation",
    ),
    preset(
        "dot-product",
        "fifo",
        "dot-product",
        "none",
        "none",
        "FIFO order; the FGD study's dot-product placement",
    ),
    preset(
        "gpu-packing",
        "fifo",
        "gpu-packing",
        "none",
        "none",
        "FIFO order; the FGD study's GPU packing",
    ),
    preset(
        "gpu-clustering",
        "fifo",
        "gpu-clustering",
        "none",
        "none",
        "FIFO order; the FGD study's GPU clustering",
    ),
    preset(
        "paper-best-fit",
        "fifo",
        "paper-best-fit",
        "none",
        "none",
        "FIFO order; the FGD study's best fit (CPU and GPU, integer scores)",
    ),
    preset(
        "paper-random",
        "fifo",
        "paper-random",
        "none",
        "none",
        "FIFO order; the FGD study's random placement (random node, random device)",
    ),
    preset(
        "gang",
        "fifo",
        "packed",
        "none",
        "none",
        "gangs all or nothing, rack-aware packing; add time_slice to rotate waiting gangs",
    ),
    preset(
        "priority",
        "priority",
        "best-fit",
        "none",
        "none",
        "higher priority first; best fit",
    ),
    preset(
        "sjf",
        "sjf",
        "best-fit",
        "none",
        "none",
        "shortest requested run time first; best fit",
    ),
    preset(
        "drf",
        "drf",
        "best-fit",
        "none",
        "none",
        "Dominant Resource Fairness across users; best fit",
    ),
    preset(
        "lottery",
        "lottery",
        "best-fit",
        "none",
        "none",
        "lottery scheduling across users by tickets; best fit",
    ),
    preset(
        "fair-share",
        "fair-share",
        "best-fit",
        "none",
        "none",
        "hierarchical weighted fair share across queues, with quotas; best fit",
    ),
    preset(
        "easy-backfill",
        "fifo",
        "best-fit",
        "easy",
        "none",
        "FIFO with EASY backfilling (the first blocked job is protected); best fit",
    ),
    preset(
        "easy-backfill-4",
        "fifo",
        "best-fit",
        "easy",
        "none",
        "FIFO with EASY backfilling protecting the first 4 blocked jobs (backfill_depth sets k); best fit",
    )
    .with_params(&[("backfill_depth", "4")]),
    preset(
        "conservative-backfill",
        "fifo",
        "best-fit",
        "conservative",
        "none",
        "FIFO with conservative backfilling (every blocked job protected); best fit",
    ),
    preset(
        "priority-preempt",
        "priority",
        "best-fit",
        "none",
        "least-progress",
        "priority order; a blocked job preempts lower-priority jobs, least progress first",
    ),
];
