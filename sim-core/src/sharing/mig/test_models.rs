//! The GPU model and profile lookup the MIG unit tests share.

use super::catalog::{MigModel, model};

/// The A100-40GB, the model the MIG tests partition.
pub(super) fn a100() -> &'static MigModel {
    model("A100-40GB").unwrap()
}

/// The index of the A100-40GB profile called `name`.
pub(super) fn idx(name: &str) -> usize {
    a100().profile(name).unwrap().0
}
