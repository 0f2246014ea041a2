//! The `session` file of one day: the `end` records of the sessions left open the day
//! before, then every session of the day in order of log-in. A session spans one or more
//! of the subscriber's port blocks (the same sequence the `cgnat` file draws), from a few
//! seconds before the first to a few seconds after the last.

use std::io::Write;

use crate::numbers::{hash2, mix64, push_u64};

use super::calendar::Calendar;
use super::plan::{DayPlan, MIN_GAP, Step, Sub};
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

    // Log-ins by second (subscriber positions), with each subscriber's next step: the
    // first block of its next session, or its tail.
    let n = plan.subs.len();
    let mut logins = Calendar::new(DAY, n, Step::Done);
    let schedule = |s: usize, step: Step, logins: &mut Calendar<Step>| {
        let sub = &plan.subs[s];
        match step {
            Step::Block(b, _) => logins.push(b.start - u32::from(b.login_lead), s as u32),
            Step::Tail => logins.push(plan.tail_of(sub).map_or(u32::MAX, |t| t.login), s as u32),
            Step::Done => {}
        }
        *logins.state(s) = step;
    };
    for (s, sub) in plan.subs.iter().enumerate() {
        let step = plan.step(sub, plan.first_cursor(sub), 0);
        schedule(s, step, &mut logins);
    }
    let at = |x: u32| plan.day_start + i64::from(x);
    for second in 0..DAY {
        let mut due = logins.take(second);
        while let Some(s) = due {
            due = logins.follow(s);
            if let Some(n) = due {
                // Start loading the next subscriber and its link while this one is written.
                std::hint::black_box(plan.subs[n as usize].seed);
                std::hint::black_box(logins.follow(n));
            }
            let s = s as usize;
            let sub = &plan.subs[s];
            let (first, mut k) = match *logins.state(s) {
                Step::Block(b, k) => (b, k),
                Step::Tail => {
                    let Some(tail) = plan.tail_of(sub) else {
                        continue;
                    };
                    let seed = hash2(tail.hash, 0x5e55);
                    let logoff =
                        (!tail.open).then(|| (at(tail.logoff), tail.logoff - tail.login, seed));
                    row(plan, &mut out.buf, sub, at(tail.login), logoff);
                    if closes {
                        out.buf.push(b',');
                    }
                    out.end_row()?;
                    rows += 1;
                    *logins.state(s) = Step::Done;
                    continue;
                }
                Step::Done => continue,
            };
            // The session runs to the block marked last in it, or the day's last block.
            let mut last = first;
            let step = loop {
                let step = plan.step(sub, last.end + MIN_GAP, k + 1);
                match step {
                    Step::Block(b, kb) if !last.last_in_session => (last, k) = (b, kb),
                    _ => break step,
                }
            };
            let login = first.start - u32::from(first.login_lead);
            let logoff = last.end + u32::from(last.logoff_lag);
            let seed = hash2(sub.seed, 0x5e55 ^ u64::from(k) << 8);
            let end = Some((at(logoff), logoff - login, seed));
            row(plan, &mut out.buf, sub, at(login), end);
            if closes {
                out.buf.push(b',');
            }
            out.end_row()?;
            rows += 1;
            schedule(s, step, &mut logins);
        }
    }
    out.finish()?;
    Ok(rows)
}

/// One session's columns up to `downloaded` (without the row end); a closed session has
/// its log-off, length in seconds and a seed for its volumes.
fn row(plan: &DayPlan, buf: &mut Vec<u8>, sub: &Sub, login: i64, end: Option<(i64, u32, u64)>) {
    push_user(buf, plan.ctx, sub.user);
    buf.push(b',');
    if sub.v6_only {
        push_prefix(buf, plan, sub.rank);
    } else {
        push_private(buf, sub.private);
    }
    buf.push(b',');
    push_ntp(buf, plan.ctx, sub.rank);
    buf.push(b',');
    if end.is_some() {
        push_ntp(buf, plan.ctx, sub.rank);
    }
    buf.push(b',');
    plan.clock.push(buf, login);
    buf.push(b',');
    if let Some((logoff, secs, seed)) = end {
        plan.clock.push(buf, logoff);
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
