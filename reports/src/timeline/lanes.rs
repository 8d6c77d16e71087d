//! Tracks of the timeline: one per GPU of a node (a pseudo-device for CPU-only tasks), split
//! into lanes so that tasks sharing one GPU never overlap on a track.

use std::collections::{BTreeMap, HashMap};

use sim_core::ids::{JobId, NodeId};
use sim_core::resources::TaskAlloc;

/// The device number standing for a node's CPUs (devices are bits of a 64-bit mask).
const CPU: u8 = 64;

/// One track: a lane of a device of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Track {
    pub(super) node: NodeId,
    device: u8,
    lane: u16,
}

/// The devices a task runs on, with its share of each (1.0 for a whole GPU).
pub(super) fn devices(task: &TaskAlloc) -> Vec<(u8, f64)> {
    if task.gpu_mask == 0 {
        return vec![(CPU, 0.0)];
    }
    let share = f64::from(task.milli_per_gpu) / 1000.0;
    (0..64u8)
        .filter(|d| task.gpu_mask & (1 << d) != 0)
        .map(|d| (d, share))
        .collect()
}

/// A track's name under its node's name: `r01-n3 gpu2`, `r01-n3 gpu2 · 1` for a second lane.
pub(super) fn track_name(node: &str, track: Track) -> String {
    let device = match track.device {
        CPU => "cpu".to_string(),
        d => format!("gpu{d}"),
    };
    match track.lane {
        0 => format!("{node} {device}"),
        lane => format!("{node} {device} · {lane}"),
    }
}

/// Where a track sorts within its rack: by node, device, lane.
pub(super) fn sort_index(track: Track) -> u64 {
    (track.node.index() as u64 * 65 + u64::from(track.device)) * 1024 + u64::from(track.lane)
}

/// Which job holds each lane, and the trace-event thread id of every lane used so far.
#[derive(Default)]
pub(super) struct Lanes {
    holders: HashMap<(NodeId, u8), Vec<Option<JobId>>>,
    tids: BTreeMap<Track, u32>,
}

impl Lanes {
    /// The lowest free lane of `device` on `node`, now held by `job`.
    pub(super) fn take(&mut self, node: NodeId, device: u8, job: JobId) -> Track {
        let lanes = self.holders.entry((node, device)).or_default();
        let lane = match lanes.iter().position(Option::is_none) {
            Some(free) => free,
            None => {
                lanes.push(None);
                lanes.len() - 1
            }
        };
        lanes[lane] = Some(job);
        let track = Track {
            node,
            device,
            lane: lane as u16,
        };
        let next = self.tids.len() as u32 + 1;
        self.tids.entry(track).or_insert(next);
        track
    }

    /// Frees `track`'s lane.
    pub(super) fn release(&mut self, track: Track) {
        if let Some(lane) = self
            .holders
            .get_mut(&(track.node, track.device))
            .and_then(|lanes| lanes.get_mut(usize::from(track.lane)))
        {
            *lane = None;
        }
    }

    /// The thread id of a track already taken.
    pub(super) fn tid(&self, track: Track) -> u32 {
        self.tids[&track]
    }

    /// Every track used, with its thread id, in (node, device, lane) order.
    pub(super) fn named(&self) -> impl Iterator<Item = (Track, u32)> + '_ {
        self.tids.iter().map(|(&track, &tid)| (track, tid))
    }
}
