//! Multi-Instance GPU: the catalog of partitionable models ([`catalog`]), one GPU's layout
//! ([`layout`]), where a task's instance goes ([`place`]) and how fragmented the slices are
//! ([`frag`]).

pub mod catalog;
pub mod layout;

pub use catalog::{MODELS, MigModel, MigProfile, model, profile_for_milli};
pub use layout::{Instance, LayoutError, MigGpu};
