//! Linking the records of one communication (004 art. 7 §1): a call between two networks
//! is logged by both providers, a VoIP call entering the phone network by the VoIP
//! provider and by the phone network. Two records are one communication when both name the
//! same calling and called number and their starts lie within [`LINK_TOLERANCE`] of each
//! other (the providers' clocks and set-up times differ by seconds).

use super::{Communicated, FetchedComm};

/// How far apart two providers' starts of one communication may lie, in seconds.
pub const LINK_TOLERANCE: i64 = 10;

/// Groups `items` into communications, by start.
pub fn link(items: Vec<FetchedComm>) -> Vec<Communicated> {
    let mut linkable: Vec<(String, String, FetchedComm)> = Vec::new();
    let mut out: Vec<Communicated> = Vec::new();
    for item in items {
        let r = &item.record;
        match (&r.calling.number, &r.called.number) {
            (Some(a), Some(b)) if r.kind.links_by_number() => {
                linkable.push((a.clone(), b.clone(), item));
            }
            _ => out.push(Communicated {
                records: vec![item],
            }),
        }
    }
    linkable.sort_by(|x, y| {
        (&x.0, &x.1, x.2.record.start, &x.2.source.provider).cmp(&(
            &y.0,
            &y.1,
            y.2.record.start,
            &y.2.source.provider,
        ))
    });
    let mut current: Option<(String, String, i64, Communicated)> = None;
    for (a, b, item) in linkable {
        let start = item.record.start;
        match &mut current {
            Some((ca, cb, first, group))
                if *ca == a
                    && *cb == b
                    && start - *first <= LINK_TOLERANCE
                    && !group.records.iter().any(|r| {
                        r.source.provider == item.source.provider && r.batch == item.batch
                    }) =>
            {
                group.records.push(item);
            }
            _ => {
                if let Some((_, _, _, group)) = current.take() {
                    out.push(group);
                }
                current = Some((
                    a,
                    b,
                    start,
                    Communicated {
                        records: vec![item],
                    },
                ));
            }
        }
    }
    if let Some((_, _, _, group)) = current {
        out.push(group);
    }
    for group in &mut out {
        group.records.sort_by(|x, y| {
            (&x.source.provider, x.record.start).cmp(&(&y.source.provider, y.record.start))
        });
    }
    out.sort_by_key(Communicated::start);
    out
}
