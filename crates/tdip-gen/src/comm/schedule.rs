//! Events of many subscribers in order of their start: each subscriber is a stream that
//! draws its next event, by an exponential waiting time through the [`Rhythm`], from the
//! moment its previous event is over; a priority queue holds one pending start per
//! stream, so memory grows with the streams, not with the events.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::GenError;
use crate::numbers::hash2;

use super::rhythm::Rhythm;

/// Seconds between the end of one event of a stream and the earliest start of its next.
const GAP: u32 = 20;

/// One subscriber's events on the day: they start in `[lo, hi)` (seconds of the day).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stream {
    pub lo: u32,
    pub hi: u32,
    pub seed: u64,
    /// Mean events per unit of the rhythm's intensity.
    pub rate: f64,
}

/// A uniform fraction in [0, 1) from the top 53 bits of a hash.
pub(crate) fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// The start of event `k` of `s` looked for from second `t`, if the day has room for it.
fn next(rhythm: &Rhythm, s: &Stream, t: u32, k: u32) -> Option<u32> {
    if t >= s.hi || s.rate <= 0.0 {
        return None;
    }
    let wait = -(1.0 - unit(hash2(s.seed, u64::from(k)))).ln() / s.rate;
    let start = rhythm.inverse(rhythm.at(t) + wait)?.max(t);
    (start < s.hi).then_some(start)
}

/// Calls `emit(stream, k, hash, start)` for every event of every stream in order of start
/// (ties in stream order); `emit` returns the second its event is over (may be past the
/// end of the day), from which the stream's next event is drawn.
pub(crate) fn run(
    rhythm: &Rhythm,
    streams: &[Stream],
    mut emit: impl FnMut(usize, u32, u64, u32) -> Result<u32, GenError>,
) -> Result<(), GenError> {
    let mut heap = BinaryHeap::with_capacity(streams.len());
    for (i, s) in streams.iter().enumerate() {
        if let Some(start) = next(rhythm, s, s.lo, 0) {
            heap.push(Reverse((start, i as u32, 0u32)));
        }
    }
    while let Some(Reverse((start, i, k))) = heap.pop() {
        let s = &streams[i as usize];
        let h = hash2(s.seed ^ 0xe7e7, u64::from(k));
        let over = emit(i as usize, k, h, start)?;
        let from = over.max(start) + GAP;
        if let Some(start) = next(rhythm, s, from, k + 1) {
            heap.push(Reverse((start, i, k + 1)));
        }
    }
    Ok(())
}
