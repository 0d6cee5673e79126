//! One bounded queue per subscriber.
//!
//! Policy for a slow reader: its queue keeps the newest `capacity` events. When it is full, the
//! oldest waiting event is dropped and counted, and the reader's next event is
//! `lagged {missed}`, placed where the gap is. Nothing is lost for the app's state: the
//! services (meter, outbox, cache, directory …) saw every event before any subscriber, so a
//! lagging reader re-reads what it shows (a list or snapshot command) instead of replaying the
//! gap. Publishing never waits for a reader, so a stalled reader can neither stall the socket
//! nor grow memory beyond its queue.

use crate::event::DomainEvent;
use crate::sync::lock;
use futures_util::task::AtomicWaker;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::task::{Context, Poll};

/// Events a subscriber may leave unread before the oldest are dropped.
pub const DEFAULT_SUBSCRIBER_CAPACITY: usize = 4096;

/// The queue between the publisher and one subscriber.
pub(crate) struct Queue {
    state: Mutex<State>,
    waker: AtomicWaker,
    capacity: usize,
}

struct State {
    events: VecDeque<DomainEvent>,
    /// Events dropped since the reader last took one.
    missed: u64,
    /// The client is gone: no more events will come.
    closed: bool,
    /// The reader is gone: stop publishing here.
    reader_gone: bool,
}

impl Queue {
    pub(crate) fn new(capacity: usize) -> Self {
        Queue {
            state: Mutex::new(State {
                events: VecDeque::new(),
                missed: 0,
                closed: false,
                reader_gone: false,
            }),
            waker: AtomicWaker::new(),
            capacity: capacity.max(1),
        }
    }

    /// Queues `event`, dropping the oldest waiting one when full. False once the reader is
    /// gone (the publisher then forgets this queue).
    pub(crate) fn push(&self, event: &DomainEvent) -> bool {
        {
            let mut s = lock(&self.state);
            if s.reader_gone {
                return false;
            }
            if s.events.len() >= self.capacity {
                s.events.pop_front();
                s.missed = s.missed.saturating_add(1);
            }
            s.events.push_back(event.clone());
        }
        self.waker.wake();
        true
    }

    /// No more events will come: the reader sees the end once it took what is queued.
    pub(crate) fn close(&self) {
        lock(&self.state).closed = true;
        self.waker.wake();
    }

    /// The reader went away.
    pub(crate) fn forget_reader(&self) {
        let mut s = lock(&self.state);
        s.reader_gone = true;
        s.events.clear();
    }

    /// The next event for the reader: `lagged` first when events were dropped (they were older
    /// than everything still queued).
    pub(crate) fn try_pop(&self) -> Option<DomainEvent> {
        let mut s = lock(&self.state);
        if s.missed > 0 {
            let missed = std::mem::take(&mut s.missed);
            return Some(DomainEvent::Lagged { missed });
        }
        s.events.pop_front()
    }

    fn is_closed(&self) -> bool {
        lock(&self.state).closed
    }

    /// Polls for the next event; `Ready(None)` once closed and drained.
    pub(crate) fn poll_pop(&self, cx: &mut Context<'_>) -> Poll<Option<DomainEvent>> {
        if let Some(e) = self.try_pop() {
            return Poll::Ready(Some(e));
        }
        self.waker.register(cx.waker());
        // Checked again after registering, so a push in between is not missed.
        match self.try_pop() {
            Some(e) => Poll::Ready(Some(e)),
            None if self.is_closed() => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(n: u64) -> DomainEvent {
        DomainEvent::Lagged { missed: 1000 + n }
    }

    #[test]
    fn a_full_queue_drops_the_oldest_and_reports_the_gap_first() {
        let q = Queue::new(3);
        for n in 0..5 {
            assert!(q.push(&ev(n)));
        }
        assert_eq!(q.try_pop(), Some(DomainEvent::Lagged { missed: 2 }));
        assert_eq!(q.try_pop(), Some(ev(2)));
        assert_eq!(q.try_pop(), Some(ev(3)));
        assert_eq!(q.try_pop(), Some(ev(4)));
        assert_eq!(q.try_pop(), None);
        q.forget_reader();
        assert!(!q.push(&ev(5)));
    }
}
