//! The Alibaba GPU cluster trace v2023 ("openb", the inputs of the FGD paper, Weng et al.,
//! USENIX ATC '23; `traces/data/alibaba-openb-gpu-v2023/SOURCE.md`): node lists become a
//! cluster, pod lists become jobs.

pub mod nodes;
pub mod pods;

pub use pods::{DEFAULT_UNTIMED_POD_DURATION, OpenbPodReader};
