//! The `cgnat` file of one day: the `end` records of the assignments left open the day
//! before, then every assignment of the day in order of start, each taking a block from
//! the pool (least recently released first, after a rest) or, for the midnight-crossing
//! ones, the night block the plan gave it.

use std::collections::VecDeque;
use std::io::Write;

use crate::numbers::push_u64;

use super::calendar::Calendar;
use super::plan::{DayPlan, MIN_GAP, QUARANTINE, Step, Sub, permute};
use super::text::{Out, push_private, push_public, push_user};

/// Seconds in a day: the calendars' length.
const DAY: usize = 86_400;

/// Writes the file; returns the data rows written.
pub(crate) fn write<W: Write>(plan: &DayPlan, out: W) -> std::io::Result<u64> {
    let mut out = Out::new(out);
    let closes = plan.carry.iter().any(|c| !plan.subs[c.sub].v6_only);
    out.buf
        .extend_from_slice(b"public_ip,first_port,last_port,private_ip,user_id,start,end");
    if closes {
        out.buf.extend_from_slice(b",event");
    }
    out.end_row()?;
    let mut rows = 0u64;
    let prev_start = plan.day_start - 86_400;
    for c in plan.carry.iter().filter(|c| !plan.subs[c.sub].v6_only) {
        let at = |x: u32| prev_start + i64::from(x);
        let (start, end) = (at(c.tail.start), at(c.tail.end));
        row(
            plan,
            &mut out.buf,
            &plan.subs[c.sub],
            c.block,
            start,
            Some(end),
        );
        out.buf.extend_from_slice(b",end");
        out.end_row()?;
        rows += 1;
    }

    // Starts by second (subscriber positions) with each subscriber's next step, and
    // blocks back in the pool by second.
    let n = plan.subs.len();
    let mut starts = Calendar::new(DAY, n, Step::Done);
    let schedule = |s: usize, step: Step, starts: &mut Calendar<Step>| {
        let sub = &plan.subs[s];
        match step {
            Step::Block(b, _) => starts.push(b.start, s as u32),
            Step::Tail => starts.push(plan.tail_of(sub).map_or(u32::MAX, |t| t.start), s as u32),
            Step::Done => {}
        }
        *starts.state(s) = step;
    };
    for (s, sub) in plan.subs.iter().enumerate() {
        if !sub.v6_only {
            let step = plan.step(sub, plan.first_cursor(sub), 0);
            schedule(s, step, &mut starts);
        }
    }
    let nb = plan.pool.day_blocks();
    let order = permute(u64::from(nb), plan.ctx.key ^ 0x7a30 ^ u64::from(plan.day));
    // Blocks never handed out yet are taken in `order`, then the released ones, least
    // recently released first; memory grows with the subscribers, not with the pool.
    let mut fresh = 0u32;
    let mut free: VecDeque<u32> = VecDeque::new();
    // Releases by second: a subscriber has at most two blocks not yet back in the pool
    // (one resting, one held), one per parity of the block number.
    let mut releases = Calendar::new(DAY, 2 * n, 0u32);
    let at = |x: u32| plan.day_start + i64::from(x);
    for second in 0..DAY {
        let mut back = releases.take(second);
        while let Some(item) = back {
            back = releases.follow(item);
            free.push_back(*releases.state(item as usize));
        }
        let mut due = starts.take(second);
        while let Some(s) = due {
            due = starts.follow(s);
            if let Some(n) = due {
                // Start loading the next subscriber and its link while this one is written.
                std::hint::black_box(plan.subs[n as usize].seed);
                std::hint::black_box(starts.follow(n));
            }
            let s = s as usize;
            let sub = &plan.subs[s];
            match *starts.state(s) {
                Step::Block(b, k) => {
                    let day_block = if fresh < nb {
                        fresh += 1;
                        Some(order(u64::from(fresh - 1)) as u32)
                    } else {
                        free.pop_front()
                    };
                    if let Some(day_block) = day_block {
                        let g = plan.pool.day_block(day_block);
                        row(plan, &mut out.buf, sub, g, at(b.start), Some(at(b.end)));
                        if closes {
                            out.buf.push(b',');
                        }
                        out.end_row()?;
                        rows += 1;
                        let item = 2 * s + (k & 1) as usize;
                        *releases.state(item) = day_block;
                        releases.push(b.end + QUARANTINE + 1, item as u32);
                    }
                    let step = plan.step(sub, b.end + MIN_GAP, k + 1);
                    schedule(s, step, &mut starts);
                }
                Step::Tail => {
                    let Some(tail) = plan.tail_of(sub) else {
                        continue;
                    };
                    let end = (!tail.open).then(|| at(tail.end));
                    row(plan, &mut out.buf, sub, sub.tail_block, at(tail.start), end);
                    if closes {
                        out.buf.push(b',');
                    }
                    out.end_row()?;
                    rows += 1;
                    *starts.state(s) = Step::Done;
                }
                Step::Done => {}
            }
        }
    }
    out.finish()?;
    Ok(rows)
}

/// One assignment's columns up to `end` (without the row end).
fn row(plan: &DayPlan, buf: &mut Vec<u8>, sub: &Sub, g: u32, start: i64, end: Option<i64>) {
    let (ip, first, last) = plan.pool.ports(g);
    push_public(buf, plan.ctx, ip);
    buf.push(b',');
    push_u64(buf, u64::from(first));
    buf.push(b',');
    push_u64(buf, u64::from(last));
    buf.push(b',');
    push_private(buf, sub.private);
    buf.push(b',');
    push_user(buf, plan.ctx, sub.user);
    buf.push(b',');
    plan.clock.push(buf, start);
    buf.push(b',');
    if let Some(end) = end {
        plan.clock.push(buf, end);
    }
}
