//! Passing control between the agent's thread (Python) and an engine thread: one side works
//! while the other waits, so a run can pause at each decision and resume when the agent
//! answers, without simulating anything twice.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// Whose turn it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Turn {
    /// The engine runs until the next decision (or the end).
    Engine,
    /// A decision waits for the agent's answer.
    Agent,
    /// The run is over; the engine thread has nothing more to say.
    Over,
}

/// State shared by the two threads, guarded by one lock; `T` is what they exchange.
pub struct Handoff<T> {
    state: Mutex<(Turn, T)>,
    changed: Condvar,
}

impl<T> Handoff<T> {
    /// The engine's turn first, with `value` as the exchanged state.
    pub fn new(value: T) -> Handoff<T> {
        Handoff {
            state: Mutex::new((Turn::Engine, value)),
            changed: Condvar::new(),
        }
    }

    /// Locks the state (a panic of the other thread does not make it unusable: the thread
    /// that panicked left the turn as it was, and the run's end reports it).
    pub fn lock(&self) -> MutexGuard<'_, (Turn, T)> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Gives the turn to `to` after `update` has changed the state, then waits until the turn
    /// is no longer `to`; returns the state as the other side left it.
    pub fn pass(&self, to: Turn, update: impl FnOnce(&mut T)) -> MutexGuard<'_, (Turn, T)> {
        let mut guard = self.lock();
        update(&mut guard.1);
        guard.0 = to;
        self.changed.notify_one();
        self.changed
            .wait_while(guard, |(turn, _)| *turn == to)
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets the turn to `to` without waiting (the engine's last word: [`Turn::Over`]).
    pub fn finish(&self, to: Turn, update: impl FnOnce(&mut T)) {
        let mut guard = self.lock();
        update(&mut guard.1);
        guard.0 = to;
        self.changed.notify_one();
    }

    /// Waits until the turn is no longer `turn`.
    pub fn wait_while(&self, turn: Turn) -> MutexGuard<'_, (Turn, T)> {
        let guard = self.lock();
        self.changed
            .wait_while(guard, |(t, _)| *t == turn)
            .unwrap_or_else(PoisonError::into_inner)
    }
}
