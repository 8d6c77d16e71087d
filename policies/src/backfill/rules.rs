//! The backfill rules a scenario names (`[policy] backfill`): each sets how many blocked jobs
//! get a reservation, the rest of backfilling being the same for all (see [`super`]).

use crate::params::{Kind, Param, Params};
use crate::registry::{BackfillPart, Factory, PartInfo};

/// `backfill_depth` with the default of each rule (`None`: every blocked job).
const fn depth(default: Option<&'static str>) -> Param {
    Param {
        name: "backfill_depth",
        kind: Kind::Count {
            min: 1,
            max: u32::MAX as u64,
        },
        default,
        doc: "blocked jobs protected by a reservation, in queue order (like Slurm's bf_max_job_test); backfill = \"none\" turns backfilling off",
        in_label: true,
    }
}

/// The depth of `params`, every blocked job when it has none.
fn written_depth(params: &Params) -> Option<usize> {
    Some(params.count("backfill_depth").map_or(usize::MAX, |d| d as usize))
}

/// `none`.
pub(crate) const NONE: BackfillPart = BackfillPart {
    info: PartInfo {
        name: "none",
        description: "the first job that cannot start blocks every job behind it",
        params: &[],
    },
    build: Factory::Static(&|_| None),
};

/// `easy`.
pub(crate) const EASY: BackfillPart = BackfillPart {
    info: PartInfo {
        name: "easy",
        description: "EASY: a reservation for the first blocked job; later jobs start if they end before it or use only what it leaves",
        params: &[depth(Some("1"))],
    },
    build: Factory::Static(&written_depth),
};

/// `conservative`.
pub(crate) const CONSERVATIVE: BackfillPart = BackfillPart {
    info: PartInfo {
        name: "conservative",
        description: "conservative: every blocked job reserved at its earliest fit (backfill_depth limits how many); a job starts early only if it delays none",
        params: &[depth(None)],
    },
    build: Factory::Static(&written_depth),
};
