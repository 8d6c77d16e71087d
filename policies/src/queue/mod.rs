//! Queue orders: which waiting job is considered next.

mod fifo;

pub use fifo::Fifo;
