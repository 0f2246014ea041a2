//! The `session` file of one day: the `end` records of the sessions left open the day
//! before, then every session of the day in order of log-in. A session spans one or more
//! of the subscriber's port blocks (the same sequence the `cgnat` file draws), from a few
//! seconds before the first to a few seconds after the last.

use std::io::Write;

use crate::numbers::{hash2, mix64, push_time, push_u64};

use super::plan::{DayPlan, MIN_GAP, Sub, Tail};
use super::text::{Out, push_ntp, push_prefix, push_private, push_user};

/// Seconds in a day: the calendar's length.
const DAY: usize = 86_400;

/// Writes the file; returns the data rows written.
pub(crate) fn write<W: Write>(plan: &DayPlan, out: W) -> std::io::Result<u64> {
    let mut out = Out::new(out);
    let closes = !plan.carry.is_empty();
    out.buf
        .extend_from_slice(b"user_id,address,ntp_start,ntp_end,login,logoff,uploaded,downloaded");
    if closes {
        out.buf.extend_from_slice(b",event");
    }
    out.end_row()?;
    let mut rows = 0u64;
    let prev_start = plan.day_start - 86_400;
    for c in &plan.carry {
        let sub = &plan.subs[c.sub];
        let (login, logoff) = (c.tail.login, c.tail.logoff);
        let seed = hash2(c.tail.hash, 0x5e55);
        let at = |x: u32| prev_start + i64::from(x);
        row(
            plan,
            &mut out.buf,
            sub,
            at(login),
            Some((at(logoff), logoff - login, seed)),
        );
        out.buf.extend_from_slice(b",end");
        out.end_row()?;
        rows += 1;
    }

    // Calendar of log-ins (subscriber positions) by second; per subscriber where to look
    // for the first block of its next session and its number (u32::MAX: the tail is next).
    let mut logins: Vec<Vec<u32>> = vec![Vec::new(); DAY];
    let mut cursor: Vec<(u32, u32)> = vec![(0, 0); plan.subs.len()];
    let schedule = |s: usize, t: u32, k: u32, logins: &mut Vec<Vec<u32>>| -> (u32, u32) {
        let sub = &plan.subs[s];
        if let Some(b) = plan.block(sub, t, k) {
            logins[(b.start - b.login_lead) as usize].push(s as u32);
            return (t, k);
        }
        if let Some(tail) = &sub.tail {
            logins[tail.login as usize].push(s as u32);
        }
        (u32::MAX, k)
    };
    for (s, sub) in plan.subs.iter().enumerate() {
        cursor[s] = schedule(s, plan.first_cursor(sub), 0, &mut logins);
    }
    let at = |x: u32| plan.day_start + i64::from(x);
    for second in 0..DAY {
        for s in std::mem::take(&mut logins[second]) {
            let s = s as usize;
            let sub = &plan.subs[s];
            let (mut t, mut k) = cursor[s];
            if t == u32::MAX {
                let tail: &Tail = sub.tail.as_ref().expect("scheduled only with a tail");
                let seed = hash2(tail.hash, 0x5e55);
                let logoff =
                    (!tail.open).then(|| (at(tail.logoff), tail.logoff - tail.login, seed));
                row(plan, &mut out.buf, sub, at(tail.login), logoff);
                if closes {
                    out.buf.push(b',');
                }
                out.end_row()?;
                rows += 1;
                continue;
            }
            let first = plan.block(sub, t, k).expect("scheduled blocks exist");
            let mut last = first;
            loop {
                t = last.end + MIN_GAP;
                k += 1;
                if last.last_in_session {
                    break;
                }
                match plan.block(sub, t, k) {
                    Some(b) => last = b,
                    None => break,
                }
            }
            let login = first.start - first.login_lead;
            let logoff = last.end + last.logoff_lag;
            let seed = hash2(sub.seed, 0x5e55 ^ u64::from(k) << 8);
            row(
                plan,
                &mut out.buf,
                sub,
                at(login),
                Some((at(logoff), logoff - login, seed)),
            );
            if closes {
                out.buf.push(b',');
            }
            out.end_row()?;
            rows += 1;
            cursor[s] = schedule(s, t, k, &mut logins);
        }
    }
    out.finish()?;
    Ok(rows)
}

/// One session's columns up to `downloaded` (without the row end); a closed session has
/// its log-off, length in seconds and a seed for its volumes.
fn row(plan: &DayPlan, buf: &mut Vec<u8>, sub: &Sub, login: i64, end: Option<(i64, u32, u64)>) {
    push_user(buf, plan.ctx, sub.rank);
    buf.push(b',');
    if sub.v6_only {
        push_prefix(buf, plan, sub.rank);
    } else {
        push_private(buf, plan, sub.rank);
    }
    buf.push(b',');
    push_ntp(buf, plan.ctx, sub.rank);
    buf.push(b',');
    if end.is_some() {
        push_ntp(buf, plan.ctx, sub.rank);
    }
    buf.push(b',');
    push_time(buf, login);
    buf.push(b',');
    if let Some((logoff, secs, seed)) = end {
        push_time(buf, logoff);
        let (up, down) = volumes(secs, seed);
        buf.push(b',');
        push_u64(buf, up);
        buf.push(b',');
        push_u64(buf, down);
    } else {
        buf.extend_from_slice(b",,");
    }
}

/// Bytes sent and received in a session of `secs` seconds: on average about 1 Mbit/s
/// down, heavy-tailed, uploads a few to twenty per cent of that.
fn volumes(secs: u32, seed: u64) -> (u64, u64) {
    let h = mix64(seed);
    let u = (h >> 40) as f64 / (1u64 << 24) as f64;
    let v = (h & 0xff_ffff) as f64 / (1u64 << 24) as f64;
    let down = f64::from(secs) * 125_000.0 * (0.02 + 3.0 * u * u);
    ((down * (0.03 + 0.2 * v)) as u64, down as u64)
}
