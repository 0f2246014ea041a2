//! The running state of one delivery: claims on the previous snapshot, duplicates,
//! errors, versions waiting to be written, and what the delivery changes.

use hashbrown::HashMap;
use tdip_model::Reason;
use tdip_store::{BlindIndex, DeliveryOutcome, DeliveryTx, NewDelivery, NewVersion};

use crate::payments::{Payment, PaymentSealer};

use super::DeliveryRequest;
use super::report::{DeliveryReport, MAX_ERRORS, RowError};
use super::worker::{Fresh, Outcome, Paid};
use crate::CoreError;
use crate::snapshot::{Delta, Entry, Snapshot};

/// The running state of one delivery.
pub(super) struct Run {
    pub(super) errors: Vec<RowError>,
    pub(super) error_count: u64,
    /// Per previous entry: the line that claimed it (0: none yet).
    pub(super) claimed: Vec<u64>,
    /// Subscriptions new in this delivery, with their line.
    pub(super) new_keys: HashMap<BlindIndex, u64>,
    pub(super) pending: Vec<Fresh>,
    pub(super) pairs: Vec<(BlindIndex, i64)>,
    pub(super) prefix_lengths: Vec<(u8, u8)>,
    pub(super) new_entries: Vec<Entry>,
    pub(super) changed_prev: Vec<u32>,
    pub(super) reformatted: Vec<(u32, [u8; 16])>,
    pub(super) opened: u64,
    pub(super) changed: u64,
    pub(super) unchanged: u64,
    /// Payments waiting to be sealed and written, by subscription.
    pub(super) payments: Vec<(BlindIndex, Payment)>,
    /// Payments written that the store did not hold yet.
    pub(super) payments_new: u64,
    /// Payments listed that are older than the payment term, or of a month destroyed.
    pub(super) payments_not_kept: u64,
}

impl Run {
    pub(super) fn new(previous: usize) -> Self {
        Run {
            errors: Vec::new(),
            error_count: 0,
            claimed: vec![0; previous],
            new_keys: HashMap::new(),
            pending: Vec::new(),
            pairs: Vec::new(),
            prefix_lengths: Vec::new(),
            new_entries: Vec::new(),
            changed_prev: Vec::new(),
            reformatted: Vec::new(),
            opened: 0,
            changed: 0,
            unchanged: 0,
            payments: Vec::new(),
            payments_new: 0,
            payments_not_kept: 0,
        }
    }

    fn pay(&mut self, sub_key: BlindIndex, paid: Paid) {
        if self.error_count == 0 {
            self.payments_not_kept += paid.past_term;
            self.payments
                .extend(paid.payments.into_iter().map(|p| (sub_key, p)));
        }
    }

    pub(super) fn error(&mut self, line: u64, field: &str, reason: Reason) {
        self.error_count += 1;
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(RowError {
                line,
                field: field.to_owned(),
                reason,
            });
        }
    }

    pub(super) fn duplicate(&mut self, line: u64, first: u64) {
        let reason = Reason::counted(
            "appears more than once in this delivery (first on line {})",
            &[first],
        );
        self.error(line, "subscription_id", reason);
    }

    /// Marks a previous entry as present in this delivery; false if it already was.
    pub(super) fn claim(&mut self, prev: u32, line: u64) -> bool {
        let slot = &mut self.claimed[prev as usize];
        if *slot != 0 {
            let first = *slot;
            self.duplicate(line, first);
            return false;
        }
        *slot = line;
        true
    }

    pub(super) fn take(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Unchanged { line, prev } => {
                if self.claim(prev, line) {
                    self.unchanged += 1;
                }
            }
            Outcome::Reformatted {
                line,
                prev,
                raw_fp,
                sub_key,
                paid,
            } => {
                if self.claim(prev, line) {
                    self.unchanged += 1;
                    self.reformatted.push((prev, raw_fp));
                    self.pay(sub_key, paid);
                }
            }
            Outcome::Fresh(mut fresh) => {
                let fresh_ok = match fresh.prev {
                    Some(prev) => {
                        let ok = self.claim(prev, fresh.line);
                        if ok {
                            self.changed += 1;
                            self.changed_prev.push(prev);
                        }
                        ok
                    }
                    None => match self.new_keys.try_insert(fresh.sub_key, fresh.line) {
                        Ok(_) => {
                            self.opened += 1;
                            true
                        }
                        Err(e) => {
                            let first = *e.entry.get();
                            self.duplicate(fresh.line, first);
                            false
                        }
                    },
                };
                if fresh_ok {
                    let paid = std::mem::take(&mut fresh.paid);
                    self.pay(fresh.sub_key, paid);
                }
                if fresh_ok && self.error_count == 0 {
                    self.pending.push(*fresh);
                }
            }
            Outcome::Invalid { line, errors } => {
                for e in errors {
                    self.error(line, e.field, e.reason);
                }
            }
        }
    }

    pub(super) async fn flush<T: DeliveryTx>(
        &mut self,
        tx: &mut T,
        valid_from: i64,
        seen_before: Option<i64>,
    ) -> Result<(), CoreError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let versions: Vec<NewVersion> = self
            .pending
            .iter_mut()
            .map(|f| NewVersion {
                sub_key: f.sub_key,
                valid_from,
                seen_before,
                sealed: std::mem::take(&mut f.sealed),
            })
            .collect();
        let ids = tx.insert_versions(&versions).await?;
        for (fresh, id) in self.pending.drain(..).zip(ids) {
            self.pairs.extend(fresh.indexes.iter().map(|b| (*b, id)));
            self.prefix_lengths.extend_from_slice(&fresh.prefix_lengths);
            self.new_entries.push(Entry {
                sub_key: fresh.sub_key,
                raw_fp: fresh.raw_fp,
                canon_fp: fresh.canon_fp,
                version_id: id,
            });
        }
        Ok(())
    }

    /// Seals the payments waiting and writes them (a payment the store holds already is
    /// left as it is).
    pub(super) async fn flush_payments<T: DeliveryTx>(
        &mut self,
        tx: &mut T,
        sealer: &mut PaymentSealer<'_>,
    ) -> Result<(), CoreError> {
        if self.payments.is_empty() {
            return Ok(());
        }
        let mut sealed = Vec::with_capacity(self.payments.len());
        for (sub_key, payment) in self.payments.drain(..) {
            match sealer.seal(&sub_key, &payment)? {
                Some(p) => sealed.push(p),
                None => self.payments_not_kept += 1,
            }
        }
        self.payments_new += tx.insert_payments(&sealed).await?;
        Ok(())
    }

    /// Envelope rules: a snapshot is not taken after it was received, snapshots never go
    /// back in time, a second delivery for the same moment must describe the same state,
    /// and a delivery closes a large share of the open subscriptions only when it says it
    /// means to. Returns whether this delivery is such an allowed mass closure.
    pub(super) fn check_envelope(
        &mut self,
        previous: &Snapshot,
        req: &DeliveryRequest,
        latest: Option<i64>,
    ) -> bool {
        if let Some(reason) = req.policy.future_snapshot(req.snapshot_at, req.received_at) {
            self.error(0, "snapshot_at", reason);
        }
        let vanished = self.vanished(previous);
        let open = previous.entries.len() as u64;
        let mass_close = req.policy.is_mass_close(vanished, open);
        // Only said of a file whose rows are all good: a file with bad rows is rejected
        // for them, and what it would close is beside the point.
        if mass_close && !req.allow_mass_close && self.error_count == 0 {
            let reason = Reason::counted(
                "would close {} of the provider's {} open subscriptions, more than the {}% a \
                 delivery may close unasked; a full snapshot lists every current subscription: \
                 if the file is complete and these subscriptions really ended, deliver it again \
                 with --allow-mass-close (API: allow_mass_close=true)",
                &[vanished, open, u64::from(req.policy.mass_close_percent)],
            );
            self.error(0, "file", reason);
        }
        let Some(latest) = latest else {
            return mass_close;
        };
        if req.snapshot_at < latest {
            let reason = "is before the provider's latest accepted delivery; snapshots must not \
                          go back in time (declare the moment the snapshot was taken)";
            self.error(0, "snapshot_at", reason.into());
        } else if req.snapshot_at == latest && (self.opened + self.changed + vanished > 0) {
            let reason = "equals the provider's latest accepted delivery but the content differs; \
                          a new state needs a new snapshot moment";
            self.error(0, "snapshot_at", reason.into());
        }
        mass_close
    }

    /// Previous entries not present in this delivery.
    pub(super) fn vanished(&self, previous: &Snapshot) -> u64 {
        debug_assert_eq!(self.claimed.len(), previous.entries.len());
        self.claimed.iter().filter(|c| **c == 0).count() as u64
    }

    /// Version ids to close: changed and vanished subscriptions.
    pub(super) fn closing(&self, previous: &Snapshot) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .changed_prev
            .iter()
            .map(|p| previous.entries[*p as usize].version_id)
            .collect();
        ids.extend(
            self.claimed
                .iter()
                .zip(&previous.entries)
                .filter(|(c, _)| **c == 0)
                .map(|(_, e)| e.version_id),
        );
        ids.sort_unstable();
        ids
    }

    /// What this delivery changes in the snapshot index.
    pub(super) fn delta(&self, previous: &Snapshot) -> Delta {
        let mut upserts = self.new_entries.clone();
        upserts.extend(self.reformatted.iter().map(|(p, raw_fp)| Entry {
            raw_fp: *raw_fp,
            ..previous.entries[*p as usize]
        }));
        let removals = self
            .claimed
            .iter()
            .zip(&previous.entries)
            .filter(|(c, _)| **c == 0)
            .map(|(_, e)| e.sub_key)
            .collect();
        Delta { upserts, removals }
    }

    pub(super) fn report(mut self, id: i64, log: &NewDelivery) -> DeliveryReport {
        self.errors.sort_by_key(|e| e.line);
        DeliveryReport {
            delivery: log.outcome.as_str(),
            id,
            provider: log.provider.clone(),
            rows: log.rows,
            opened: log.opened,
            changed: log.changed,
            closed: log.closed,
            unchanged: if log.outcome == DeliveryOutcome::Accepted {
                self.unchanged
            } else {
                0
            },
            checksum: log.checksum.iter().map(|b| format!("{b:02x}")).collect(),
            errors_truncated: self.error_count - self.errors.len() as u64,
            mass_close: false,
            payments: self.payments_new,
            payments_not_kept: self.payments_not_kept,
            applied: None,
            errors: self.errors,
        }
    }
}
