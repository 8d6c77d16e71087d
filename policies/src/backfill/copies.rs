//! Copies of a per-node list that a plan takes round after round: the entries changed since the
//! last copy are noted, so that the copy taken last is brought up to date entry by entry rather
//! than copied whole (on 10,000 nodes, 80 KB a round).

/// Lists shorter than this are always copied whole (at most 32 KiB of busy-until times):
/// cheaper than noting their entries.
const COPIED_WHOLE_BELOW: usize = 4096;

/// The entries of a list changed since the last copy taken of it.
#[derive(Debug, Default)]
pub(crate) struct ChangedEntries {
    /// The changed entries, each once (meaningful unless `all`).
    changed: Vec<u32>,
    /// Per entry, true when it is in `changed`.
    marked: Vec<bool>,
    /// True when the next copy is whole: the list is short or was rebuilt, or more entries
    /// changed than are worth noting.
    all: bool,
    /// The stamp of the last copy taken (0: none yet); each copy is given the next.
    stamp: u64,
}

impl ChangedEntries {
    /// Starts over for a list of `len` entries, all changed.
    pub(crate) fn reset(&mut self, len: usize) {
        self.changed.clear();
        self.marked = vec![false; len];
        self.all = true;
    }

    /// Notes that `entries` may have changed. Past a quarter of the list, the next copy is
    /// whole instead.
    pub(crate) fn note(&mut self, entries: impl IntoIterator<Item = usize>) {
        if self.all {
            return;
        }
        for i in entries {
            if self.marked[i] {
                continue;
            }
            if self.changed.len() >= self.marked.len() / 4 {
                self.unmark();
                self.all = true;
                return;
            }
            self.marked[i] = true;
            self.changed.push(i as u32);
        }
    }

    /// Makes `copy` equal to `list`. `stamp` names the copy (0: a new one): when it is the copy
    /// taken last, only the entries changed since are written; `stamp` is then renewed.
    pub(crate) fn copy<T: Copy + PartialEq>(&mut self, list: &[T], copy: &mut Vec<T>, stamp: &mut u64) {
        if *stamp != 0 && *stamp == self.stamp && !self.all && copy.len() == list.len() {
            for &i in &self.changed {
                copy[i as usize] = list[i as usize];
            }
        } else {
            copy.clear();
            copy.extend_from_slice(list);
        }
        self.unmark();
        self.all = list.len() < COPIED_WHOLE_BELOW;
        self.stamp += 1;
        *stamp = self.stamp;
        debug_assert!(copy[..] == list[..], "the copy is the list");
    }

    /// Forgets the changed entries.
    fn unmark(&mut self) {
        for &i in &self.changed {
            self.marked[i as usize] = false;
        }
        self.changed.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Two copies taken in turn or not, of a list long enough to be copied entry by entry,
        /// whatever changes between them (a few entries or many): each copy, once taken, is
        /// the list (the reference: the list itself, compared entry by entry).
        #[test]
        fn every_copy_taken_is_the_list(
            len in COPIED_WHOLE_BELOW..COPIED_WHOLE_BELOW + 64,
            steps in proptest::collection::vec(
                (proptest::collection::vec((any::<u16>(), any::<u8>()), 0..40), any::<bool>(), 0usize..3),
                1..40,
            ),
            rebuilt_at in 0usize..40,
        ) {
            let mut list = vec![0u8; len];
            let mut changes = ChangedEntries::default();
            changes.reset(len);
            let mut copies = [(Vec::new(), 0u64), (Vec::new(), 0u64)];
            for (step, (writes, second, many)) in steps.into_iter().enumerate() {
                // Many: a quarter of the list and more, which makes the next copy whole.
                let spread = if many == 0 { len } else { 64 };
                for &(at, value) in &writes {
                    let i = usize::from(at) % spread;
                    list[i] = value;
                    changes.note([i]);
                }
                if many == 0 {
                    let wide: Vec<usize> = (0..len / 4 + 1).collect();
                    changes.note(wide);
                }
                if step == rebuilt_at {
                    changes.reset(len);
                }
                let (copy, stamp) = &mut copies[usize::from(second)];
                changes.copy(&list, copy, stamp);
                prop_assert_eq!(&copy[..], &list[..]);
            }
        }
    }

    #[test]
    fn a_short_list_is_copied_whole_and_only_the_last_copy_is_updated() {
        // By hand: a list of 4 is short, so it notes nothing and every copy is whole.
        let mut changes = ChangedEntries::default();
        changes.reset(4);
        let (mut copy, mut stamp) = (Vec::new(), 0);
        changes.copy(&[1, 2, 3, 4], &mut copy, &mut stamp);
        assert_eq!((copy.as_slice(), stamp), (&[1, 2, 3, 4][..], 1));
        changes.note([2]);
        assert!(changes.changed.is_empty(), "a short list notes no entry");
        // A long list: after a copy, one changed entry is noted; a copy with an older stamp (a,
        // taken before b) is rewritten whole: the entry spoilt in it is mended.
        let mut list = vec![0u32; COPIED_WHOLE_BELOW];
        changes.reset(list.len());
        let (mut a, mut b) = ((Vec::new(), 0), (Vec::new(), 0));
        changes.copy(&list, &mut a.0, &mut a.1);
        changes.copy(&list, &mut b.0, &mut b.1);
        list[7] = 9;
        changes.note([7]);
        assert_eq!(changes.changed, [7]);
        a.0[100] = 5;
        changes.copy(&list, &mut a.0, &mut a.1);
        assert_eq!((a.0[7], a.0[100]), (9, 0), "the older copy is rewritten whole");
        list[8] = 3;
        changes.note([8]);
        assert_eq!(changes.changed, [8], "a copy forgets what it wrote");
        changes.copy(&list, &mut a.0, &mut a.1);
        assert_eq!(a.0[8], 3);
        changes.copy(&list, &mut b.0, &mut b.1);
        assert_eq!(b.0, list, "a copy two stamps old is rewritten whole");
    }
}
