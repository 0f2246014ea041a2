//! A calendar of one day by the second: items (subscriber or block positions), each in at
//! most one second at a time, chained through a link kept beside the item's own state
//! (one memory access for both), so scheduling costs no allocation and the memory is one
//! link and state per item plus one word per second.

/// No item.
const NONE: u32 = u32::MAX;

/// Items due per second of the day, each with a state `T`.
pub(crate) struct Calendar<T> {
    head: Vec<u32>,
    items: Vec<(u32, T)>,
}

impl<T: Clone> Calendar<T> {
    /// A calendar of `seconds` seconds for items `0..items`, each starting in `state`.
    pub(crate) fn new(seconds: usize, items: usize, state: T) -> Self {
        Calendar {
            head: vec![NONE; seconds],
            items: vec![(NONE, state); items],
        }
    }

    /// Schedules `item` (not scheduled elsewhere) at `second`; later than the calendar's
    /// end is never due.
    #[inline]
    pub(crate) fn push(&mut self, second: u32, item: u32) {
        if let Some(h) = self.head.get_mut(second as usize) {
            self.items[item as usize].0 = *h;
            *h = item;
        }
    }

    /// Takes the items due at `second` (the last scheduled first) as a chain to walk with
    /// [`Calendar::follow`].
    #[inline]
    pub(crate) fn take(&mut self, second: usize) -> Option<u32> {
        let h = std::mem::replace(&mut self.head[second], NONE);
        (h != NONE).then_some(h)
    }

    /// The item after `item` in a taken chain; read it before scheduling `item` again.
    #[inline]
    pub(crate) fn follow(&self, item: u32) -> Option<u32> {
        let n = self.items[item as usize].0;
        (n != NONE).then_some(n)
    }

    /// The state of `item`.
    #[inline]
    pub(crate) fn state(&mut self, item: usize) -> &mut T {
        &mut self.items[item].1
    }
}
