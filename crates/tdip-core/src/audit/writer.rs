//! Group commit: entries from concurrent callers are appended together, in one durable
//! transaction, by one writer task; each caller is answered once its entries are durable.
//!
//! Where an append blocks its thread (SQLite), commits under sustained load are paced:
//! one starts at most every [`PACE`]. A commit's fixed cost is mostly its sync to disk
//! (about 90 µs of kernel time on the CI machine, whatever the group's size), so callers
//! that wait up to a millisecond for each other save most of the writer's CPU, which the
//! lookups need (BENCHMARKS.md). A caller that comes after a quiet spell is committed at
//! once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tdip_store::{AuditStore, NewAuditEntry, StoreError};
use tokio::sync::{mpsc, oneshot};

use super::event::{EntryBody, Event, FORMAT};

/// The entry to append for `event` at `at`: its stored body and the body's digest (the
/// Merkle leaf).
pub fn new_entry(at: i64, event: Event) -> NewAuditEntry {
    let kind = event.kind().to_owned();
    let body = EntryBody {
        v: FORMAT,
        at,
        event,
    }
    .to_bytes();
    NewAuditEntry {
        at,
        kind,
        digest: tdip_audit::digest(&body),
        body,
    }
}

/// Most entries committed together.
const GROUP: usize = 4096;

/// Least time between the starts of two commits of a blocking store.
const PACE: Duration = Duration::from_millis(1);

struct Job {
    entries: Vec<NewAuditEntry>,
    done: oneshot::Sender<Result<u64, StoreError>>,
}

/// The handle callers append through.
pub(super) struct Writer {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Writer {
    /// Starts the writer: a thread of its own when appends block their thread (SQLite),
    /// else a task on the current runtime. It ends when the handle is dropped and the
    /// queue is empty.
    pub(super) fn spawn<A: AuditStore + 'static>(store: Arc<A>) -> Writer {
        let (jobs, rx) = mpsc::unbounded_channel();
        if store.appends_block() {
            std::thread::Builder::new()
                .name("tdip-audit-writer".into())
                .spawn(move || {
                    tokio::runtime::Builder::new_current_thread()
                        .build()
                        .expect("the audit writer's runtime starts")
                        .block_on(run(store, rx, Some(PACE)));
                })
                .expect("the audit writer's thread starts");
        } else {
            tokio::spawn(run(store, rx, None));
        }
        Writer { jobs }
    }

    /// Appends `events` at `at` as consecutive entries; returns the first's number once
    /// the store has committed them.
    pub(super) async fn append(&self, at: i64, events: Vec<Event>) -> Result<u64, StoreError> {
        let entries = events
            .into_iter()
            .map(|event| new_entry(at, event))
            .collect();
        let (done, answer) = oneshot::channel();
        let stopped = || StoreError::Unavailable("the audit log writer stopped".into());
        self.jobs
            .send(Job { entries, done })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// The writer's loop; with `pace`, it runs on a thread of its own, which it may put to
/// sleep until the next commit is due.
async fn run<A: AuditStore>(
    store: Arc<A>,
    mut rx: mpsc::UnboundedReceiver<Job>,
    pace: Option<Duration>,
) {
    let mut last: Option<Instant> = None;
    while let Some(first) = rx.recv().await {
        if let Some(due) = last.zip(pace).map(|(at, pace)| at + pace) {
            let now = Instant::now();
            if now < due {
                std::thread::sleep(due - now);
            }
        }
        last = pace.map(|_| Instant::now());
        let mut jobs = vec![first];
        let mut count = jobs[0].entries.len();
        while count < GROUP {
            match rx.try_recv() {
                Ok(job) => {
                    count += job.entries.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let sizes: Vec<u64> = jobs.iter().map(|j| j.entries.len() as u64).collect();
        let batch: Vec<NewAuditEntry> = if jobs.len() == 1 {
            std::mem::take(&mut jobs[0].entries)
        } else {
            jobs.iter_mut()
                .flat_map(|j| std::mem::take(&mut j.entries))
                .collect()
        };
        match store.append_audit(&batch).await {
            Ok(mut seq) => {
                for (job, n) in jobs.into_iter().zip(sizes) {
                    let _ = job.done.send(Ok(seq));
                    seq += n;
                }
            }
            Err(e) => {
                for job in jobs {
                    let _ = job.done.send(Err(e.clone()));
                }
            }
        }
    }
}
