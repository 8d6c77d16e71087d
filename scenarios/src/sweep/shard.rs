//! `--shard K/N`: a deterministic N-th of a sweep's runs, for job arrays.
//!
//! Run `i` belongs to shard `K` of `N` when `i mod N = K − 1`. Dealing runs round-robin
//! spreads every grid point (and so every cost) evenly over the shards.

use std::fmt;
use std::str::FromStr;

/// Shard `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// K, from 1 to `count`.
    pub index: u64,
    /// N, at least 1.
    pub count: u64,
}

impl Shard {
    /// Whether run `run` belongs to this shard.
    pub fn contains(&self, run: u64) -> bool {
        run % self.count == self.index - 1
    }

    /// The runs of this shard among `0..runs`, in order.
    pub fn runs(&self, runs: u64) -> impl Iterator<Item = u64> + '_ {
        (self.index - 1..runs).step_by(self.count as usize)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Text that is not a shard `K/N` with 1 ≤ K ≤ N; the text as given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a shard K/N with 1 ≤ K ≤ N (e.g. 2/8)")]
pub struct BadShard(pub String);

impl FromStr for Shard {
    type Err = BadShard;

    /// Parses `K/N` with 1 ≤ K ≤ N.
    fn from_str(text: &str) -> Result<Shard, BadShard> {
        let bad = || BadShard(text.to_string());
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u64 = k.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count || usize::try_from(count).is_err() {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_deal_runs_round_robin_and_cover_each_once() {
        let shard: Shard = "2/3".parse().unwrap();
        assert_eq!(shard.runs(8).collect::<Vec<_>>(), vec![1, 4, 7]);
        assert!(shard.contains(4) && !shard.contains(5));
        let mut all: Vec<u64> = (1..=3)
            .flat_map(|k| Shard { index: k, count: 3 }.runs(8).collect::<Vec<_>>())
            .collect();
        all.sort();
        assert_eq!(all, (0..8).collect::<Vec<_>>());
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert_eq!(shard.to_string(), "2/3");
    }
}
