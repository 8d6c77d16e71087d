//! Lottery scheduling (Waldspurger and Weihl, "Lottery Scheduling: Flexible
//! Proportional-Share Resource Management", OSDI 1994).
//!
//! Each user (or queue, with `share_by = "queue"`) holds tickets (`tickets = { alice = 3 }`,
//! 1 for anyone not listed). Each pick draws one ticket uniformly among the tickets of the
//! users that have a job waiting (one draw from the run's `lottery` stream per pick); the
//! winner's oldest waiting job is offered. So over many picks each user's share of starts
//! tends to its share of tickets, and the same seed gives the same draws.

use std::collections::BTreeMap;

use rand::RngExt;
use sim_core::ids::JobId;
use sim_core::job::Job;
use sim_core::observe::Record;
use sim_core::rng::{Stream, stream};
use sim_core::view::ClusterView;

use super::QueueOrder;
use super::groups::{GroupedWaiting, SHARE_BY, ShareBy};
use crate::params::{Kind, Param};
use crate::registry::{Factory, PartInfo, QueueOrderPart};

/// `lottery`.
pub(crate) const PART: QueueOrderPart = QueueOrderPart {
    info: PartInfo {
        name: "lottery",
        description: "each decision draws a user (or queue) with probability proportional to its tickets (seeded stream `lottery`)",
        params: &[
            SHARE_BY,
            Param {
                name: "tickets",
                kind: Kind::Counts { min: 1 },
                default: None,
                doc: "lottery tickets by user (or queue); 1 for anyone not listed",
                in_label: false,
            },
        ],
    },
    build: Factory::Static(&|params, context| {
        let tickets = params.counts("tickets").cloned().unwrap_or_default();
        Box::new(Lottery::new(ShareBy::of(params), tickets, context.seed))
    }),
};

/// Tickets drawn per pick.
pub struct Lottery {
    groups: GroupedWaiting,
    tickets_by_name: BTreeMap<String, u64>,
    /// Tickets of each group, by group index.
    tickets: Vec<u64>,
    rng: Stream,
}

impl Lottery {
    /// A lottery between users or queues holding `tickets` (1 for a name not listed), drawing
    /// from the `lottery` stream of `seed`.
    pub fn new(share_by: ShareBy, tickets: BTreeMap<String, u64>, seed: u64) -> Lottery {
        Lottery {
            groups: GroupedWaiting::new(share_by),
            tickets_by_name: tickets,
            tickets: Vec::new(),
            rng: stream(seed, "lottery"),
        }
    }
}

impl QueueOrder for Lottery {
    fn observe(&mut self, record: &Record, view: &ClusterView<'_>) {
        self.groups.observe(record, view);
        if self.tickets.len() < self.groups.len() {
            self.tickets.resize(self.groups.len(), 1);
        }
        if let Record::Arrived { job } = record {
            let job = view.job(*job);
            let g = self.groups.group(job);
            self.tickets[g] = self
                .tickets_by_name
                .get(self.groups.group_name(job))
                .copied()
                .unwrap_or(1);
        }
    }

    fn begin_round(&mut self, view: &ClusterView<'_>) {
        self.groups.begin_round(view);
    }

    fn next(&mut self, _view: &ClusterView<'_>) -> Option<JobId> {
        let total: u64 = self.groups.with_candidates().map(|(g, _)| self.tickets[g]).sum();
        if total == 0 {
            return None;
        }
        let mut ticket = self.rng.random_range(0..total);
        let winner = self
            .groups
            .with_candidates()
            .find(|&(g, _)| {
                if ticket < self.tickets[g] {
                    return true;
                }
                ticket -= self.tickets[g];
                false
            })
            .map(|(g, _)| g)
            .expect("the winning ticket belongs to a group with candidates");
        self.groups.pop(winner)
    }

    fn started(&mut self, _job: &Job) {}
}
