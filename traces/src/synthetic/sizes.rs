//! GPUs per job: a weighted mix of sizes, and the gang layout that turns a size into tasks.

use rand::RngExt;
use sim_core::resources::{MILLI_PER_GPU, TaskRequest};
use sim_core::rng::Stream;
use sim_core::sharing::mig::MigName;

use super::weighted::{WeightError, Weighted};

/// Why a size mix cannot be used: a bucket key that is not a size, or bad weights.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SizeError {
    /// A range whose ends are not both powers of two (`16-1000`).
    #[error("`{0}`: a range is two powers of two, like 16-1024")]
    RangeEnds(String),
    /// A range from large to small (`64-16`).
    #[error("`{0}`: the range must go from small to large")]
    RangeOrder(String),
    /// Not a number of GPUs (`four`).
    #[error("`{0}` is not a GPU count (4, 0.5 or a range 16-1024)")]
    NotACount(String),
    /// A number that is neither whole nor a share of one GPU of at least 0.001 (`1.5`, `0`).
    #[error("`{0}`: a size is a whole number of GPUs or a share of one between 0.001 and 1")]
    NotASize(String),
    /// A key shaped like a MIG profile (`3g.41gb`) that no model of the catalog has.
    #[error("`{0}` is not a MIG profile of any GPU model (profiles are named as nvidia-smi prints them, e.g. 3g.40gb)")]
    UnknownMig(String),
    /// The weights of the buckets.
    #[error(transparent)]
    Weights(#[from] WeightError),
}

/// One bucket of a size mix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SizeBucket {
    /// Exactly this many milli-GPU (1000 per whole GPU; 1..999 a share of one GPU).
    Milli(u64),
    /// The powers of two from `2^low` to `2^high` GPUs, each equally likely (log-uniform).
    PowersOfTwo {
        /// Exponent of the smallest size.
        low: u32,
        /// Exponent of the largest size.
        high: u32,
    },
    /// One task in an instance of this MIG profile (a key like `3g.40gb`).
    Mig(MigName),
}

/// One drawn job size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobSize {
    /// This many milli-GPU, laid out by [`layout`].
    Milli(u64),
    /// One task in an instance of this MIG profile.
    Mig(MigName),
}

impl SizeBucket {
    /// Reads a bucket key: `4` (GPUs), `0.5` (a share of one GPU), `16-1024` (powers of two)
    /// or a MIG profile (`3g.40gb`: one task in an instance of it).
    pub fn parse(key: &str) -> Result<SizeBucket, SizeError> {
        if let Some(mig) = MigName::parse(key.trim()) {
            return Ok(SizeBucket::Mig(mig));
        }
        if key.contains("g.") {
            return Err(SizeError::UnknownMig(key.to_string()));
        }
        if let Some((low, high)) = key.split_once('-') {
            let exponent = |text: &str| {
                text.trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| n.is_power_of_two())
                    .map(u64::trailing_zeros)
                    .ok_or_else(|| SizeError::RangeEnds(key.to_string()))
            };
            let (low, high) = (exponent(low)?, exponent(high)?);
            if low > high {
                return Err(SizeError::RangeOrder(key.to_string()));
            }
            return Ok(SizeBucket::PowersOfTwo { low, high });
        }
        let gpus: f64 = key.trim().parse().map_err(|_| SizeError::NotACount(key.to_string()))?;
        let milli = (gpus * f64::from(MILLI_PER_GPU)).round();
        let whole_or_share = milli >= 1.0 && (gpus < 1.0 || gpus.fract() == 0.0);
        if !gpus.is_finite() || !whole_or_share {
            return Err(SizeError::NotASize(key.to_string()));
        }
        Ok(SizeBucket::Milli(milli as u64))
    }

    /// Mean size of the bucket, in GPUs.
    fn mean_gpus(self) -> f64 {
        match self {
            SizeBucket::Milli(m) => m as f64 / f64::from(MILLI_PER_GPU),
            SizeBucket::Mig(mig) => f64::from(mig.milli().unwrap_or(MILLI_PER_GPU)) / f64::from(MILLI_PER_GPU),
            SizeBucket::PowersOfTwo { low, high } => {
                (low..=high).map(|e| sim_core::math::powi(2.0, e as i32)).sum::<f64>() / f64::from(high - low + 1)
            }
        }
    }
}

/// GPUs per job, as a weighted mix of buckets.
#[derive(Clone, Debug, PartialEq)]
pub struct SizeMix {
    buckets: Weighted<SizeBucket>,
}

impl SizeMix {
    /// The mix of (bucket, weight) pairs.
    pub fn new(entries: Vec<(SizeBucket, f64)>) -> Result<SizeMix, SizeError> {
        Ok(SizeMix {
            buckets: Weighted::new(entries)?,
        })
    }

    /// DL training mix of GAVEL's `_generate_scale_factor` (docs/models.md §6, H): 1 GPU 0.70,
    /// 2 GPUs 0.10, 4 GPUs 0.15, 8 GPUs 0.05.
    pub fn dl() -> SizeMix {
        let m = |gpus: u64| SizeBucket::Milli(gpus * 1000);
        SizeMix::new(vec![(m(1), 0.70), (m(2), 0.10), (m(4), 0.15), (m(8), 0.05)]).expect("valid weights")
    }

    /// LLM-era mix (docs/models.md §6, an estimate within ACME and KOK, L): 1 GPU 0.70, 2 0.10,
    /// 4 0.11, 8 0.04, and 16–1024 GPUs (powers of two, log-uniform) 0.05.
    pub fn llm() -> SizeMix {
        let m = |gpus: u64| SizeBucket::Milli(gpus * 1000);
        let large = SizeBucket::PowersOfTwo { low: 4, high: 10 };
        SizeMix::new(vec![
            (m(1), 0.70),
            (m(2), 0.10),
            (m(4), 0.11),
            (m(8), 0.04),
            (large, 0.05),
        ])
        .expect("valid weights")
    }

    /// Expected GPUs per job.
    pub fn mean_gpus(&self) -> f64 {
        self.buckets.probabilities().map(|(b, p)| p * b.mean_gpus()).sum()
    }

    /// Every size the mix can draw, in milli-GPU (a MIG profile as its share of a GPU).
    pub fn sizes(&self) -> Vec<u64> {
        self.buckets
            .probabilities()
            .flat_map(|(bucket, _)| match *bucket {
                SizeBucket::Milli(m) => vec![m],
                SizeBucket::Mig(mig) => vec![u64::from(mig.milli().unwrap_or(MILLI_PER_GPU))],
                SizeBucket::PowersOfTwo { low, high } => (low..=high).map(|e| (1u64 << e) * 1000).collect(),
            })
            .collect()
    }

    /// Draws one job size.
    pub fn draw(&self, stream: &mut Stream) -> JobSize {
        match *self.buckets.draw(stream) {
            SizeBucket::Milli(m) => JobSize::Milli(m),
            SizeBucket::Mig(mig) => JobSize::Mig(mig),
            SizeBucket::PowersOfTwo { low, high } => JobSize::Milli((1u64 << stream.random_range(low..=high)) * 1000),
        }
    }
}

/// The gang layout of docs/models.md §6 on nodes of `gpus_per_node` GPUs: `tasks = ceil(g / n)`,
/// `gpus_per_task = min(g, n)`; shares of one GPU are one task. `None` when a size above one
/// node is not a whole number of nodes.
pub fn layout(size_milli: u64, gpus_per_node: u32) -> Option<(u32, TaskRequest)> {
    let per_node = u64::from(gpus_per_node) * u64::from(MILLI_PER_GPU);
    if size_milli < u64::from(MILLI_PER_GPU) {
        let task = TaskRequest {
            gpus: 1,
            milli_per_gpu: size_milli as u32,
            cpu_milli: 0,
            mem_mib: 0,
            mig: sim_core::sharing::mig::MigName::NONE,
        };
        return Some((1, task));
    }
    if size_milli > per_node && !size_milli.is_multiple_of(per_node) {
        return None;
    }
    let tasks = size_milli.div_ceil(per_node);
    let task = TaskRequest {
        gpus: (size_milli.min(per_node) / u64::from(MILLI_PER_GPU)) as u32,
        milli_per_gpu: MILLI_PER_GPU,
        cpu_milli: 0,
        mem_mib: 0,
        mig: sim_core::sharing::mig::MigName::NONE,
    };
    Some((u32::try_from(tasks).ok()?, task))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_keys() {
        assert_eq!(SizeBucket::parse("4"), Ok(SizeBucket::Milli(4000)));
        assert_eq!(SizeBucket::parse("0.25"), Ok(SizeBucket::Milli(250)));
        assert_eq!(
            SizeBucket::parse("16-1024"),
            Ok(SizeBucket::PowersOfTwo { low: 4, high: 10 })
        );
        assert!(SizeBucket::parse("1.5").is_err());
        assert!(SizeBucket::parse("12-24").is_err());
        assert!(SizeBucket::parse("x").is_err());
    }

    #[test]
    fn mig_profile_keys_draw_one_instance() {
        let three = MigName::parse("3g.40gb").unwrap();
        assert_eq!(SizeBucket::parse("3g.40gb"), Ok(SizeBucket::Mig(three)));
        assert_eq!(
            SizeBucket::parse("3g.41gb"),
            Err(SizeError::UnknownMig("3g.41gb".into()))
        );
        let mix = SizeMix::new(vec![(SizeBucket::Mig(three), 1.0)]).unwrap();
        // A 3g of 7 compute slices counts as 3000 / 7 = 428 milli-GPU, rounded down.
        assert_eq!(mix.sizes(), [428]);
        assert!((mix.mean_gpus() - 0.428).abs() < 1e-12);
        let mut stream = sim_core::rng::stream(1, "sizes");
        assert_eq!(mix.draw(&mut stream), JobSize::Mig(three));
    }

    #[test]
    fn means_by_hand() {
        // DL: 0.7·1 + 0.1·2 + 0.15·4 + 0.05·8 = 1.9.
        assert!((SizeMix::dl().mean_gpus() - 1.9).abs() < 1e-12);
        // LLM: 0.7 + 0.2 + 0.44 + 0.32 + 0.05 · (16 + 32 + … + 1024) / 7 = 1.66 + 0.05 · 2032 / 7.
        assert!((SizeMix::llm().mean_gpus() - (1.66 + 0.05 * 2032.0 / 7.0)).abs() < 1e-12);
        assert_eq!(SizeMix::llm().sizes().last(), Some(&1_024_000));
    }

    #[test]
    fn gang_layout_on_eight_gpu_nodes() {
        let shape = |milli| layout(milli, 8).map(|(tasks, t)| (tasks, t.gpus, t.milli_per_gpu));
        assert_eq!(shape(250), Some((1, 1, 250)));
        assert_eq!(shape(4000), Some((1, 4, 1000)));
        assert_eq!(shape(8000), Some((1, 8, 1000)));
        assert_eq!(shape(64_000), Some((8, 8, 1000)));
        assert_eq!(shape(12_000), None);
    }
}
