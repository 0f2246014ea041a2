//! Group commit: entries from concurrent callers are appended together, in one durable
//! transaction, by one writer task; each caller is answered once its entries are durable.

use std::sync::Arc;

use tdip_store::{AuditStore, NewAuditEntry, StoreError};
use tokio::sync::{mpsc, oneshot};

use super::event::{Body, Event, FORMAT};

/// Most entries committed together.
const GROUP: usize = 4096;

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
                        .block_on(run(store, rx));
                })
                .expect("the audit writer's thread starts");
        } else {
            tokio::spawn(run(store, rx));
        }
        Writer { jobs }
    }

    /// Appends `events` at `at` as consecutive entries; returns the first's number once
    /// the store has committed them.
    pub(super) async fn append(&self, at: i64, events: Vec<Event>) -> Result<u64, StoreError> {
        let entries = events
            .into_iter()
            .map(|event| {
                let kind = event.kind().to_owned();
                let body = Body {
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
            })
            .collect();
        let (done, answer) = oneshot::channel();
        let stopped = || StoreError::Unavailable("the audit log writer stopped".into());
        self.jobs
            .send(Job { entries, done })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn run<A: AuditStore>(store: Arc<A>, mut rx: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = rx.recv().await {
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
