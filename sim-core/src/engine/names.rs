//! Interning of tenant and queue names into dense ids.

use rustc_hash::FxHashMap;

/// Names in order of first appearance, with a lookup from name to position. The map is only
/// looked up, never iterated, so its hash order cannot leak into results; its hash is the fast
/// one (every job's tenant and queue are looked up as it arrives).
#[derive(Default)]
pub(super) struct Names {
    names: Vec<String>,
    index: FxHashMap<String, u32>,
}

impl Names {
    /// The id of `name`, adding it if new.
    pub(super) fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = u32::try_from(self.names.len()).expect("fewer than 2^32 distinct names");
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), id);
        id
    }

    /// The names, indexed by id.
    pub(super) fn into_names(self) -> Vec<String> {
        self.names
    }
}
