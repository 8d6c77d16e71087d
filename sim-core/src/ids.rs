//! Dense typed indices. Every id is a position in a `Vec`, so lookups are O(1) and iteration
//! in id order is the natural, deterministic order.

macro_rules! dense_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub u32);

        impl $name {
            /// The id as a `Vec` index.
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// The id of the element at `index`.
            pub fn from_index(index: usize) -> Self {
                $name(u32::try_from(index).expect(concat!(stringify!($name), " space exhausted (over 2^32 elements)")))
            }
        }
    };
}

dense_id!(
    /// A node (server) of the cluster.
    NodeId
);
dense_id!(
    /// A rack: a group of nodes under one leaf switch.
    RackId
);
dense_id!(
    /// A job, numbered in arrival order.
    JobId
);
dense_id!(
    /// A pool: the nodes of one capacity (see [`crate::cluster::Pool`]).
    PoolId
);
dense_id!(
    /// A GPU model in the cluster's catalog (at most 64 per cluster, so that sets fit a `u64`).
    GpuTypeId
);
dense_id!(
    /// A tenant (the trace's `user`).
    UserId
);
dense_id!(
    /// A scheduling queue (the trace's `queue`).
    QueueId
);
