//! A traffic answer as the officer reads it: the consultation's heading, then for an
//! identification each candidate's chain of evidence ("ports 40000–40511 of 198.51.100.7
//! were assigned to user u123 from … to … (provider P, batch B); u123 was subscription S,
//! held by …; observed in the deliveries of …"), for a records query every record;
//! communications, device histories and cell dumps through `render_comm`.

use tdip_api::{Candidate, Fit, PortBlock, Session, Source, TrafficAnswered, TrafficRecord, When};
use tdip_model::LegalZone;

use crate::render::{hit, time};

/// The whole answer.
pub fn answered(a: &TrafficAnswered, zone: LegalZone) -> String {
    let mut out = format!(
        "consultation {} — {} under {} ({}); due {} ({})\n",
        a.consultation,
        a.agency,
        a.legal_basis,
        a.category,
        time(a.due, zone),
        a.due_rule
    );
    let searched = match a.port {
        Some(port) => format!("{} port {port}", a.searched.value),
        None => a.searched.value.clone(),
    };
    let when = match a.when {
        When::At { at } => format!("at {}", time(at, zone)),
        When::Between { from, to } => {
            format!("between {} and {}", time(from, zone), time(to, zone))
        }
    };
    let tolerance = if a.tolerance_seconds > 0 {
        format!(" (clock tolerance ±{} s)", a.tolerance_seconds)
    } else {
        String::new()
    };
    if a.category == "cell_dump" {
        out.push_str(&format!("cell dump {when}\n"));
        crate::render_comm::dump(&mut out, a, zone);
        return out;
    }
    out.push_str(&format!(
        "searched: {} {searched} {when}{tolerance}\n",
        a.searched.kind
    ));
    if a.category == "traffic" {
        // The answer says which question it answers by what it holds; an empty one is a
        // no-hit whichever it was.
        if !a.devices.is_empty() {
            crate::render_comm::devices(&mut out, a, zone);
            return out;
        }
        if !a.communications.is_empty() {
            crate::render_comm::communications(&mut out, a, zone);
            return out;
        }
        return records(out, a, zone);
    }
    if a.port_needed {
        out.push_str(
            "PORT NEEDED: more than one subscriber used this address then; ask again with the \
             port (--port) to name one.\n",
        );
        return out;
    }
    if a.candidates.is_empty() {
        out.push_str(&format!(
            "NO HIT: no retained assignment or session covers this address{} {when}.\n",
            if a.port.is_some() { " and port" } else { "" }
        ));
        return out;
    }
    let n = a.candidates.len();
    if n > 1 {
        out.push_str(&format!(
            "{n} CANDIDATES within the clock tolerance; each says how it fits the moment:\n"
        ));
    } else {
        out.push_str("1 HIT:\n");
    }
    for c in &a.candidates {
        out.push('\n');
        out.push_str(&candidate(c, zone));
    }
    out
}

fn candidate(c: &Candidate, zone: LegalZone) -> String {
    let mut out = String::new();
    if let Some(b) = &c.assignment {
        out.push_str(&format!(
            "  ports {}–{} of {} were assigned to {} from {} to {} ({}){}\n",
            b.first_port,
            b.last_port,
            b.public_ip,
            holder(b),
            time(b.start, zone),
            until(b.end, zone),
            source(&b.source),
            fit(c.assignment_fit),
        ));
    }
    if let Some(s) = &c.session {
        out.push_str(&format!(
            "  {} was held by session of user {} from {} to {}{} ({}){}\n",
            s.address,
            s.user_id,
            time(s.login, zone),
            until(s.logoff, zone),
            s.ntp_start
                .as_ref()
                .map_or(String::new(), |n| format!(", line {n}")),
            source(&s.source),
            fit(c.session_fit),
        ));
    }
    match &c.user_id {
        None => out.push_str(
            "  the chain ends here: no end-user id is logged, and no session held the private \
             address then\n",
        ),
        Some(user) if c.subscribers.is_empty() => out.push_str(&format!(
            "  the subscriber file of this provider shows no subscription with user id {user} \
             at that moment\n"
        )),
        Some(user) => {
            for h in &c.subscribers {
                out.push_str(&format!(
                    "  user id {user} was subscription {} of {}:\n",
                    h.subscription.subscription_id, h.provider
                ));
                out.push_str(&hit(h, zone));
            }
        }
    }
    out
}

fn holder(b: &PortBlock) -> String {
    match (&b.user_id, &b.private_ip) {
        (Some(u), Some(p)) => format!("user {u} (private address {p})"),
        (Some(u), None) => format!("user {u}"),
        (None, Some(p)) => format!("private address {p}"),
        (None, None) => "(nobody logged)".into(),
    }
}

fn until(end: Option<i64>, zone: LegalZone) -> String {
    end.map_or_else(
        || "(still assigned at the latest batch)".to_owned(),
        |e| time(e, zone),
    )
}

fn source(s: &Source) -> String {
    let mut out = format!("provider {}, batch {}", s.provider, s.batch);
    if let Some(opened) = &s.opened_in {
        out.push_str(&format!(", opened in batch {opened}"));
    }
    out
}

fn fit(f: Option<Fit>) -> String {
    match f {
        None | Some(Fit::Covers) => String::new(),
        Some(Fit::EndedBefore { seconds }) => format!(
            "\n    ENDED {seconds} s BEFORE the moment asked: a candidate only within the clock tolerance"
        ),
        Some(Fit::StartedAfter { seconds }) => format!(
            "\n    STARTED {seconds} s AFTER the moment asked: a candidate only within the clock tolerance"
        ),
    }
}

fn records(mut out: String, a: &TrafficAnswered, zone: LegalZone) -> String {
    if a.records.is_empty() {
        out.push_str("NO HIT: no retained traffic data of this identifier in the period.\n");
        return out;
    }
    out.push_str(&format!("{} RECORDS:\n", a.records.len()));
    for r in &a.records {
        out.push_str(&match r {
            TrafficRecord::Cgnat(b) => format!(
                "  {} → {}  ports {}–{} of {} to {} ({})\n",
                time(b.start, zone),
                until(b.end, zone),
                b.first_port,
                b.last_port,
                b.public_ip,
                holder(b),
                source(&b.source)
            ),
            TrafficRecord::Session(s) => session(s, zone),
        });
    }
    if a.truncated {
        out.push_str("(more records matched: ask for a shorter period)\n");
    }
    out
}

fn session(s: &Session, zone: LegalZone) -> String {
    let volume = match (s.uploaded, s.downloaded) {
        (None, None) => String::new(),
        (up, down) => format!(
            ", up {} B, down {} B",
            up.map_or("?".into(), |v| v.to_string()),
            down.map_or("?".into(), |v| v.to_string())
        ),
    };
    format!(
        "  {} → {}  session of user {} with {}{}{}{} ({})\n",
        time(s.login, zone),
        until(s.logoff, zone),
        s.user_id,
        s.address,
        s.ntp_start
            .as_ref()
            .map_or(String::new(), |n| format!(", line {n}")),
        s.cell
            .as_ref()
            .map_or(String::new(), |c| format!(", cell {c}")),
        volume,
        source(&s.source)
    )
}
