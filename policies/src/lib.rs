//! # policies: scheduling policies for clustersim
//!
//! A policy is a queue order combined with a placement. [`resolve`] builds one from its name;
//! [`POLICIES`] lists the names with a line each (what `clustersim policies` prints).

pub mod placement;
pub mod queue;

use sim_core::policy::Policy;

use placement::{BestFit, FirstFit, WorstFit};
use queue::Fifo;

/// A named policy and what it does, in one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyInfo {
    /// The name scenarios use (`[policy] name = "…"`).
    pub name: &'static str,
    /// One line for listings.
    pub summary: &'static str,
}

/// Every policy [`resolve`] knows, in listing order.
pub const POLICIES: &[PolicyInfo] = &[
    PolicyInfo {
        name: "first-fit",
        summary: "FIFO order; each task on the lowest-numbered node it fits",
    },
    PolicyInfo {
        name: "best-fit",
        summary: "FIFO order; each task on the node left with the least free GPU capacity",
    },
    PolicyInfo {
        name: "worst-fit",
        summary: "FIFO order; each task on the node left with the most free GPU capacity",
    },
];

/// A policy name that is not in [`POLICIES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown policy `{name}`{hint}; known policies: {known}")]
pub struct UnknownPolicy {
    /// The name asked for.
    pub name: String,
    /// " (did you mean `…`?)" when a known name is close.
    hint: String,
    /// The known names, comma-separated.
    known: String,
}

/// Builds the policy called `name`.
pub fn resolve(name: &str) -> Result<Box<dyn Policy + Send>, UnknownPolicy> {
    let policy: Box<dyn Policy + Send> = match name {
        "first-fit" => Box::new(Fifo::new(name, Box::new(FirstFit))),
        "best-fit" => Box::new(Fifo::new(name, Box::new(BestFit))),
        "worst-fit" => Box::new(Fifo::new(name, Box::new(WorstFit))),
        _ => {
            let names = POLICIES.iter().map(|p| p.name);
            let hint = names
                .clone()
                .map(|known| (strsim::levenshtein(name, known), known))
                .filter(|&(distance, _)| distance <= 3)
                .min()
                .map(|(_, known)| format!(" (did you mean `{known}`?)"))
                .unwrap_or_default();
            let known = names.collect::<Vec<_>>().join(", ");
            return Err(UnknownPolicy {
                name: name.to_string(),
                hint,
                known,
            });
        }
    };
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_every_listed_name() {
        for info in POLICIES {
            assert_eq!(resolve(info.name).unwrap().name(), info.name);
        }
    }

    #[test]
    fn unknown_names_suggest_the_nearest() {
        let err = resolve("best-fti").err().unwrap();
        assert_eq!(
            err.to_string(),
            "unknown policy `best-fti` (did you mean `best-fit`?); known policies: first-fit, best-fit, worst-fit"
        );
        assert!(
            !resolve("zzzzzzzzzz")
                .err()
                .unwrap()
                .to_string()
                .contains("did you mean")
        );
    }
}
