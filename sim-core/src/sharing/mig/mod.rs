//! Multi-Instance GPU: the catalog of partitionable models ([`catalog`]), one GPU's layout
//! ([`layout`]: also how a task's instance is reused or created, repartitioning the GPU),
//! where a task's instance goes ([`mod@place`]) and how fragmented the slices are ([`frag`]), and
//! a GPU-only fill to compare MIG with fractional sharing ([`fill`]).

pub mod catalog;
pub mod fill;
pub mod frag;
pub mod layout;
pub mod place;
#[cfg(test)]
mod test_models;

pub use catalog::{MODELS, MigModel, MigName, MigProfile, instance_milli, model, profile_for_milli};
pub use frag::{GpuSlices, MigMix, Partitioning, gpu_frag};
pub use layout::{Instance, LayoutError, MigGpu};
pub use place::{MIG_PLACEMENTS, MigPlacement, UnknownPlacement, candidate_starts, place};
