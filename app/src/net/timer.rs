//! The timer thread: the reducer has no clock, so it asks to be woken
//! ([`crate::effect::Effect::WakeAt`]) and this thread sends [`Action::Tick`] when the
//! moment comes. Several requests due together give one tick.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::action::Action;
use crate::net::wake::Wake;

/// Runs until the request channel closes (the executor was dropped).
pub fn timer_loop(requests: &Receiver<DateTime<Utc>>, actions: &Sender<Action>, wake: &Wake) {
    let mut due: BinaryHeap<Reverse<DateTime<Utc>>> = BinaryHeap::new();
    loop {
        let next = match due.peek() {
            None => requests.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(Reverse(at)) => {
                let wait = (*at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
                requests.recv_timeout(wait)
            }
        };
        match next {
            Ok(at) => due.push(Reverse(at)),
            Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {
                let now = Utc::now();
                while due.peek().is_some_and(|Reverse(at)| *at <= now) {
                    due.pop();
                }
                if actions.send(Action::Tick { now }).is_err() {
                    return;
                }
                wake();
            }
        }
    }
}
