//! The `cgnat` file of one day: the `end` records of the assignments left open the day
//! before, then every assignment of the day in order of start, each taking a block from
//! the pool (least recently released first, after a rest) or, for the midnight-crossing
//! ones, the night block the plan gave it.

use std::collections::VecDeque;
use std::io::Write;

use crate::numbers::{push_time, push_u64};

use super::plan::{DayPlan, MIN_GAP, QUARANTINE, Sub, permute};
use super::text::{Out, push_private, push_public, push_user};

/// Seconds in a day: the calendar's length.
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
        let at = (
            prev_start + i64::from(c.tail.start),
            prev_start + i64::from(c.tail.end),
        );
        row(
            plan,
            &mut out.buf,
            &plan.subs[c.sub],
            c.block,
            at.0,
            Some(at.1),
        );
        out.buf.extend_from_slice(b",end");
        out.end_row()?;
        rows += 1;
    }

    // Calendar of starts (subscriber positions) and of blocks back in the pool, by second.
    let mut starts: Vec<Vec<u32>> = vec![Vec::new(); DAY];
    let mut releases: Vec<Vec<u32>> = vec![Vec::new(); DAY];
    // Per subscriber: where to look for its next block, and which block number it is.
    let mut cursor: Vec<(u32, u32)> = vec![(0, 0); plan.subs.len()];
    let schedule = |s: usize, t: u32, k: u32, starts: &mut Vec<Vec<u32>>| -> (u32, u32) {
        let sub = &plan.subs[s];
        match plan.block(sub, t, k) {
            Some(b) => starts[b.start as usize].push(s as u32),
            None => {
                if let Some(tail) = &sub.tail {
                    starts[tail.start as usize].push(s as u32);
                }
                return (u32::MAX, k);
            }
        }
        (t, k)
    };
    for (s, sub) in plan.subs.iter().enumerate() {
        if !sub.v6_only {
            cursor[s] = schedule(s, plan.first_cursor(sub), 0, &mut starts);
        }
    }
    let nb = plan.pool.day_blocks();
    let order = permute(u64::from(nb), plan.ctx.key ^ 0x7a30 ^ u64::from(plan.day));
    let mut free: VecDeque<u32> = (0..u64::from(nb)).map(|b| order(b) as u32).collect();
    for second in 0..DAY {
        free.extend(std::mem::take(&mut releases[second]));
        let due = std::mem::take(&mut starts[second]);
        for s in due {
            let s = s as usize;
            let sub = &plan.subs[s];
            let (t, k) = cursor[s];
            let at = |x: u32| plan.day_start + i64::from(x);
            if t == u32::MAX {
                let tail = sub.tail.as_ref().expect("scheduled only with a tail");
                let end = (!tail.open).then(|| at(tail.end));
                row(plan, &mut out.buf, sub, sub.tail_block, at(tail.start), end);
                if closes {
                    out.buf.push(b',');
                }
                out.end_row()?;
                rows += 1;
                continue;
            }
            let b = plan.block(sub, t, k).expect("scheduled blocks exist");
            if let Some(day_block) = free.pop_front() {
                let g = plan.pool.day_block(day_block);
                row(plan, &mut out.buf, sub, g, at(b.start), Some(at(b.end)));
                if closes {
                    out.buf.push(b',');
                }
                out.end_row()?;
                rows += 1;
                let back = (b.end + QUARANTINE + 1) as usize;
                if back < DAY {
                    releases[back].push(day_block);
                }
            }
            cursor[s] = schedule(s, b.end + MIN_GAP, k + 1, &mut starts);
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
    push_private(buf, plan, sub.rank);
    buf.push(b',');
    push_user(buf, plan.ctx, sub.rank);
    buf.push(b',');
    push_time(buf, start);
    buf.push(b',');
    if let Some(end) = end {
        push_time(buf, end);
    }
}
