//! GPU sharing beyond fractions: MIG partitions with their real geometry ([`mig`]), time
//! slicing with its context-switch cost ([`time_slice`]) and MPS with its interference
//! ([`mps`]); [`SharingMode`] says which one a node's GPUs use, and [`SharingModel`] is the
//! world model that slows co-located tasks down in a run.

pub mod mig;
mod mode;
pub mod mps;
pub mod time_slice;
mod world;

pub use mode::{SHARING_MODES, SharingMode, UnknownMode};
pub use mps::Mps;
pub use time_slice::TimeSlice;
pub use world::{SharingConfig, SharingModel};
