//! The HI-1 objects the service keeps for their senders, in memory: authorisations (for
//! tasks sent later to rest on), tasks with their status, and deliveries. Each is kept
//! under its sender's agency and identifier, as received, so a GET returns it and an
//! identical resend is recognised; tasks and deliveries for [`KEPT`], an authorisation
//! until a day after its `EndTime` (so that a late task is told it ended) or
//! [`KEPT_AUTHORISATION`] after its last change, whichever is first.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tdip_hi1::{
    Authorisation, DeliveryView, Hi1Code, Listed, Outcome, Received, TaskStatus, TaskView,
};

/// How long a task and its delivery are kept for the sender to fetch.
pub const KEPT: Duration = Duration::from_secs(24 * 3600);

/// The longest an authorisation is kept after it was created or last updated (less if its
/// `EndTime` comes first): tasks sent later may rest on it meanwhile.
pub const KEPT_AUTHORISATION: Duration = Duration::from_secs(31 * 24 * 3600);

/// The most objects kept for one sender (authorisations, tasks and deliveries together):
/// memory stays bounded whatever a sender sends. A request keeps about three, each a few
/// kilobytes.
pub const MOST_PER_SENDER: usize = 500_000;

/// The most bytes of received objects kept for one sender: a message may be up to the
/// service's body limit, so the count of objects alone does not bound memory.
pub const MOST_BYTES_PER_SENDER: usize = 512 << 20;

/// What one record of a kept delivery is counted as (a subscription's fields, roughly).
const RECORD_BYTES: usize = 1024;

/// The objects kept, behind one lock.
pub struct Book {
    kept: Mutex<Shelves>,
    most: usize,
    most_bytes: usize,
}

impl Default for Book {
    fn default() -> Book {
        Book::with_most(MOST_PER_SENDER, MOST_BYTES_PER_SENDER)
    }
}

#[derive(Default)]
struct Shelves {
    /// By (agency, object identifier): each sender has its own identifiers.
    by_id: HashMap<Key, Kept>,
    /// Tasks' and deliveries' keys oldest first with the moment they expire (all live
    /// [`KEPT`], so the queue is in order of expiry): dropped from the front as new ones
    /// come. A key kept again since carries a later moment, and is not dropped.
    order: VecDeque<(Instant, Key)>,
    /// Authorisations' keys by the moment they expire, soonest first (their lives differ).
    authorisations: BinaryHeap<Reverse<(Instant, Key)>>,
    /// How many objects, and how many bytes of them, are kept per sender.
    per_sender: HashMap<String, Held>,
}

/// What one sender has kept.
#[derive(Clone, Copy, Default)]
struct Held {
    objects: usize,
    bytes: usize,
}

/// An object's key: the sender's agency and the object's identifier.
type Key = (String, String);

/// One object and when it is no longer kept.
struct Kept {
    until: Instant,
    object: Kind,
}

/// Boxed, so that the map moves small entries when it grows.
enum Kind {
    Authorisation(Box<KeptAuthorisation>),
    Task(Box<TaskView>),
    Delivery(Arc<DeliveryView>),
    /// Reserved by a CREATE being carried out (see [`Book::claim`]).
    Pending(Box<Received>),
}

struct KeptAuthorisation {
    authorisation: Authorisation,
    received: Received,
    generation: u64,
    last_changed: Timestamp,
}

/// What a CREATE of an identifier is, given what is kept for its sender.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// Nothing is kept under it: create (reserved, if asked, until kept or released).
    New,
    /// The same object sent again: answer as the first time, do nothing else.
    Identical,
    /// The same object is being created by another request of the sender right now.
    InFlight,
    /// Another object under the same identifier: refused.
    Different,
    /// The sender has as many objects kept as one may.
    Full,
}

impl Book {
    fn lock(&self) -> std::sync::MutexGuard<'_, Shelves> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A book that keeps at most `most` objects and `most_bytes` bytes of them per sender.
    pub fn with_most(most: usize, most_bytes: usize) -> Book {
        Book {
            kept: Mutex::default(),
            most,
            most_bytes,
        }
    }

    /// The most objects it keeps for one sender.
    pub fn most(&self) -> usize {
        self.most
    }

    /// What a CREATE of `received` under `id` is, decided and (when `reserve` and new)
    /// reserved under one lock, so that two requests sending the same object at once do
    /// not both carry it out: the second is told it is in flight.
    pub fn claim(&self, agency: &str, id: &str, received: &Received, reserve: bool) -> Claim {
        let mut kept = self.lock();
        kept.expire(Instant::now());
        if let Some(k) = kept.live(agency, id) {
            return match &k.object {
                Kind::Authorisation(a) if &a.received == received => Claim::Identical,
                Kind::Task(t) if t.received.as_ref() == Some(received) => Claim::Identical,
                Kind::Pending(r) if **r == *received => Claim::InFlight,
                _ => Claim::Different,
            };
        }
        let held = kept.per_sender.get(agency).copied().unwrap_or_default();
        if held.objects >= self.most || held.bytes + received.xml().len() > self.most_bytes {
            return Claim::Full;
        }
        if reserve {
            let pending = Kind::Pending(Box::new(received.clone()));
            kept.put(agency, id.to_owned(), KEPT, pending);
        }
        Claim::New
    }

    /// Gives up a reservation that was not kept (the CREATE was refused).
    pub fn release(&self, agency: &str, id: &str) {
        let mut kept = self.lock();
        let key = (agency.to_owned(), id.to_owned());
        if let Some(Kept {
            until,
            object: Kind::Pending(_),
        }) = kept.by_id.get(&key)
        {
            let until = *until;
            kept.forget(until, key);
        }
    }

    /// Keeps an authorisation (created, or updated: generation one more than the one it
    /// replaces).
    pub fn keep_authorisation(
        &self,
        agency: &str,
        authorisation: Authorisation,
        received: Received,
        now: Timestamp,
    ) {
        let mut kept = self.lock();
        let id = authorisation.object.clone();
        let generation = match kept.live(agency, &id).map(|k| &k.object) {
            Some(Kind::Authorisation(a)) => a.generation + 1,
            _ => 1,
        };
        // Kept a day past its end, so that a task sent late is told it ended.
        let mut life = KEPT_AUTHORISATION;
        if let Some(end) = authorisation.end {
            let left = u64::try_from(end - now.as_second()).unwrap_or(0);
            life = life.min(Duration::from_secs(left) + KEPT);
        }
        let object = Kind::Authorisation(Box::new(KeptAuthorisation {
            authorisation,
            received,
            generation,
            last_changed: now,
        }));
        kept.put(agency, id, life, object);
    }

    /// The authorisation kept under `id` for `agency`.
    pub fn authorisation(&self, agency: &str, id: &str) -> Option<Authorisation> {
        match &self.lock().live(agency, id)?.object {
            Kind::Authorisation(a) => Some(a.authorisation.clone()),
            _ => None,
        }
    }

    /// Keeps a task as it stands.
    pub fn keep_task(&self, agency: &str, task: TaskView) {
        let id = task.object.clone();
        self.lock()
            .put(agency, id, KEPT, Kind::Task(Box::new(task)));
    }

    /// Keeps a delivery.
    pub fn keep_delivery(&self, agency: &str, delivery: Arc<DeliveryView>) {
        let id = delivery.object.clone();
        self.lock().put(agency, id, KEPT, Kind::Delivery(delivery));
    }

    /// Changes a kept task's status (a push that failed for good): one generation on.
    pub fn set_status(
        &self,
        agency: &str,
        task: &str,
        status: TaskStatus,
        reason: Option<(Hi1Code, String)>,
        now: Timestamp,
    ) {
        let mut kept = self.lock();
        let key = (agency.to_owned(), task.to_owned());
        if let Some(Kept {
            object: Kind::Task(t),
            ..
        }) = kept.by_id.get_mut(&key)
        {
            t.status = status;
            t.reason = reason;
            t.generation += 1;
            t.last_changed = now;
        }
    }

    /// The object kept under `id` for `agency`, as a GET answers it.
    pub fn get(&self, agency: &str, id: &str) -> Outcome {
        match self.lock().live(agency, id).map(|k| &k.object) {
            Some(Kind::Task(t)) => Outcome::Got(TaskView::clone(t)),
            Some(Kind::Delivery(d)) => Outcome::Delivered(DeliveryView::clone(d)),
            Some(Kind::Authorisation(a)) => Outcome::GotAuthorisation(a.received.clone()),
            Some(Kind::Pending(_)) | None => Outcome::Failed {
                code: Hi1Code::UnknownObject,
                description: format!(
                    "no object {id} is kept for this sender: authorisations are kept until \
                     a day after their EndTime (at most {} days), tasks and deliveries for {} hours, and \
                     a refused CREATE keeps nothing (docs/hi1.md)",
                    KEPT_AUTHORISATION.as_secs() / 86_400,
                    KEPT.as_secs() / 3600
                ),
            },
        }
    }

    /// The sender's objects, of the `ObjectType` asked (`Authorisation`, `LDTask`,
    /// `Delivery`) or all, oldest change first.
    pub fn list(&self, agency: &str, of: Option<&str>) -> Outcome {
        let kept = self.lock();
        let now = Instant::now();
        let mut listed: Vec<Listed> = kept
            .by_id
            .iter()
            .filter(|((a, _), k)| a == agency && k.until > now)
            .filter_map(|((_, id), k)| {
                let (kind, generation, last_changed) = match &k.object {
                    Kind::Authorisation(a) => ("Authorisation", a.generation, a.last_changed),
                    Kind::Task(t) => ("LDTask", t.generation, t.last_changed),
                    Kind::Delivery(d) => ("Delivery", d.generation, d.last_changed),
                    Kind::Pending(_) => return None,
                };
                Some(Listed {
                    kind,
                    object: id.clone(),
                    generation,
                    last_changed,
                })
            })
            .filter(|l| of.is_none_or(|kind| kind == l.kind))
            .collect();
        listed.sort_by(|a, b| (a.last_changed, &a.object).cmp(&(b.last_changed, &b.object)));
        Outcome::Listed(listed)
    }
}

impl Kind {
    /// What it is counted as against its sender's bytes: the object as received, or a
    /// delivery's records.
    fn bytes(&self) -> usize {
        match self {
            Kind::Authorisation(a) => a.received.xml().len(),
            Kind::Task(t) => t.received.as_ref().map_or(0, |r| r.xml().len()),
            Kind::Delivery(d) => d.records.len() * RECORD_BYTES,
            Kind::Pending(r) => r.xml().len(),
        }
    }
}

impl Shelves {
    fn live(&self, agency: &str, id: &str) -> Option<&Kept> {
        // A lookup by borrowed parts would need a custom key type; the clone is two short
        // strings.
        let key = (agency.to_owned(), id.to_owned());
        self.by_id.get(&key).filter(|k| k.until > Instant::now())
    }

    fn put(&mut self, agency: &str, id: String, life: Duration, object: Kind) {
        let now = Instant::now();
        self.expire(now);
        let until = now + life;
        let key = (agency.to_owned(), id);
        if matches!(object, Kind::Authorisation(_)) {
            self.authorisations.push(Reverse((until, key.clone())));
        } else {
            self.order.push_back((until, key.clone()));
        }
        let sender = key.0.clone();
        let bytes = object.bytes();
        let replaced = self.by_id.insert(key, Kept { until, object });
        let held = self.per_sender.entry(sender).or_default();
        match replaced {
            Some(old) => held.bytes -= old.object.bytes(),
            None => held.objects += 1,
        }
        held.bytes += bytes;
    }

    /// Drops what expired by `now`, unless kept again since.
    fn expire(&mut self, now: Instant) {
        while self.order.front().is_some_and(|(until, _)| *until <= now) {
            if let Some((until, key)) = self.order.pop_front() {
                self.forget(until, key);
            }
        }
        while self
            .authorisations
            .peek()
            .is_some_and(|Reverse((until, _))| *until <= now)
        {
            if let Some(Reverse((until, key))) = self.authorisations.pop() {
                self.forget(until, key);
            }
        }
    }

    fn forget(&mut self, until: Instant, key: Key) {
        if self.by_id.get(&key).is_some_and(|k| k.until == until)
            && let Some(gone) = self.by_id.remove(&key)
            && let Some(held) = self.per_sender.get_mut(&key.0)
        {
            held.objects -= 1;
            held.bytes -= gone.object.bytes();
            if held.objects == 0 {
                self.per_sender.remove(&key.0);
            }
        }
    }
}
