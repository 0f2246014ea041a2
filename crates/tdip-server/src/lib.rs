//! `tdip serve`: the point as a network service. HTTPS (rustls) with client certificates
//! or API tokens; the JSON API with its OpenAPI document; health, readiness and metrics.
//! The audit log's head is signed within a second of entries being recorded, every
//! `--sign-every` when quiet, and when the service stops.

mod api;
mod api_reports;
mod api_traffic;
mod conns;
mod deliveries;
pub mod error;
mod hi1;
mod hi1_book;
mod hi1_disclose;
pub mod hi1_push;
mod metrics;
pub mod retention_job;
mod tls;
pub mod wire;
pub mod wire_comm;
pub mod wire_traffic;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::{Context, Result};
use tdip_core::audit::Auditor;
use tdip_crypto::custodian::Unsealer;
use tdip_model::LegalZone;
use tdip_point::audit_store::AnyAudit;
use tdip_point::callers;
use tdip_point::point::{self, Point};
use tdip_point::store::AnyStore;
use tdip_point::stores::Stores;
use tdip_point::{SharedClock, point::Unsealing};

pub use api::router;
pub use conns::LimitSettings;
pub use deliveries::status_json;
pub use hi1_push::PushSettings;
pub use tls::Peer;
pub use wire::{answered, asked};
pub use wire_traffic::{batch as traffic_batch, traffic_answered};

/// How the service runs: everything `tdip serve` is told, as plain values.
pub struct ServerConfig {
    /// The point's data directory.
    pub data: PathBuf,
    /// The store's URL (`sqlite:` for the data directory's file, or `postgres://…`).
    pub store_url: String,
    /// Legal time zone for times read and shown.
    pub zone: LegalZone,
    /// The server's certificate chain (PEM file).
    pub tls_cert: PathBuf,
    /// The server's private key (PEM file).
    pub tls_key: PathBuf,
    /// CA certificates whose client certificates may connect, if any.
    pub client_ca: Option<PathBuf>,
    /// How often a head is signed while the service itself records nothing.
    pub sign_every: Duration,
    /// What each connection is allowed.
    pub limits: LimitSettings,
    /// How long, once told to stop, the service waits for the requests in progress to be
    /// answered before it cuts their connections ([`DRAIN`] unless told otherwise).
    pub drain: Duration,
    /// Custodians' share files to unseal with at start (read, used, not kept).
    pub shares: Vec<PathBuf>,
    /// Age identity files that open shares encrypted to their custodians.
    pub identities: Vec<PathBuf>,
    /// Where the service reads "now".
    pub clock: SharedClock,
    /// How HI-1 deliveries are pushed to the destinations tasks name; none: a task that
    /// names a `DeliveryAddress` is refused, and deliveries are fetched with GET.
    pub push: Option<PushSettings>,
    /// When the daily retention run starts, legal local time (one runs at start too).
    pub retention_at: jiff::civil::Time,
    /// From how many days before 1 March the service warns (in its log, at start and with
    /// each daily run) that the Belgian art. 9 statistics are due; 0: never.
    pub art9_warn_days: u32,
}

/// How long a stopping service waits for the requests in progress, by default: a large
/// delivery still uploading, or being applied, has that long to be answered.
pub const DRAIN: Duration = Duration::from_secs(30);

/// What every request handler shares.
pub struct State {
    /// The data directory.
    pub data: PathBuf,
    /// The store's URL.
    pub store_url: String,
    /// Legal time zone for times read and shown.
    pub zone: LegalZone,
    /// The catalogue in force (read at start).
    pub catalogue: tdip_access::Catalogue,
    /// The deadline policy in force (read at start).
    pub deadlines: tdip_access::DeadlinePolicy,
    /// The delivery policy in force (read at start, sealed or not).
    pub policy: tdip_core::ingest::DeliveryPolicy,
    /// Who may call.
    pub callers: callers::Callers,
    /// The store and the audit log's store, opened once at start: the handlers of a
    /// sealed point read and record through them, and the point works on the same ones
    /// once unsealed.
    stores: Stores,
    /// The audit log without keys (shared with `callers`): what is recorded while sealed.
    log: Arc<Auditor<AnyAudit>>,
    /// The open point, once unsealed.
    point: RwLock<Option<Arc<Point>>>,
    /// The shares given so far, while sealed by custodians.
    unsealer: tokio::sync::Mutex<Option<Unsealer>>,
    /// The HI-1 authorisations, tasks and deliveries kept for their senders.
    tasks: Arc<hi1_book::Book>,
    /// How deliveries are pushed to the destinations tasks name, if the operator
    /// configured it.
    push: Option<Arc<hi1_push::Pusher>>,
    /// Held while the spool is applied, so deliveries apply one at a time, in order (and
    /// while retention runs, so a delivery never sees a destruction half-recorded).
    applying: tokio::sync::Mutex<()>,
    /// How the daily retention job stands.
    retention: retention_job::JobState,
    /// Where the service reads "now".
    pub clock: SharedClock,
}

impl State {
    /// The service's state for the point in `data`: unsealed at once when it runs on a dev
    /// key file or custodians' share files are `given` (as `--share` unseals every other
    /// command: read, used, not kept; refused if they do not reach the threshold), else
    /// sealed until custodians give their shares through the API.
    pub async fn open(
        data: PathBuf,
        store_url: String,
        zone: LegalZone,
        given: &Unsealing<'_>,
        clock: SharedClock,
    ) -> Result<State> {
        // Opened once; the log is checked against the head file here, sealed or not.
        let stores = point::open_stores(&data, &store_url).await?;
        // The access files are checked against the audit log, sealed or not.
        let log = Arc::new(Auditor::new(stores.audit.clone(), None));
        let catalogue = point::catalogue_checked(&data, &log, clock.now()).await?;
        let deadlines = point::deadlines(&data)?;
        let policy = point::delivery_policy(&data)?;
        let callers = callers::Callers::load(&data, log.clone(), clock.clone()).await?;
        let (opened, unsealer) = match point::dev_root_key(&data)? {
            Some(root) => {
                if !given.shares.is_empty() {
                    tracing::warn!("note: --share is not used: this point runs on a dev key file");
                }
                let p = point::open_root(
                    &data,
                    stores.clone(),
                    root,
                    None,
                    point::Check::Everything,
                    clock.clone(),
                )
                .await?;
                (Some(Arc::new(p)), None)
            }
            None if !given.shares.is_empty() => {
                let p = point::open_checked(
                    &data,
                    &store_url,
                    given,
                    point::Check::Everything,
                    clock.clone(),
                )
                .await
                .context("the service does not start sealed when given --share")?;
                (Some(Arc::new(p)), None)
            }
            None => (None, Some(Unsealer::new(point::custody(&data)?))),
        };
        Ok(State {
            data,
            store_url,
            zone,
            catalogue,
            deadlines,
            policy,
            callers,
            stores,
            log,
            point: RwLock::new(opened),
            unsealer: tokio::sync::Mutex::new(unsealer),
            tasks: Arc::default(),
            push: None,
            applying: tokio::sync::Mutex::new(()),
            retention: retention_job::JobState::default(),
            clock,
        })
    }

    /// The same state, pushing HI-1 deliveries with `pusher`.
    pub fn pushing(mut self, pusher: hi1_push::Pusher) -> State {
        self.push = Some(Arc::new(pusher));
        self
    }

    /// The point's country, as HI-1 names owners' countries.
    pub fn country(&self) -> &'static str {
        match self.zone {
            LegalZone::Amsterdam => "NL",
            LegalZone::Brussels => "BE",
        }
    }

    /// The point, if unsealed.
    pub fn point(&self) -> Option<Arc<Point>> {
        self.point.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The store, opened at start (the unsealed point's too).
    pub fn store(&self) -> &AnyStore {
        &self.stores.store
    }

    /// The audit log without keys, for what is recorded or read while sealed.
    pub fn log(&self) -> &Auditor<AnyAudit> {
        &self.log
    }

    /// The stores opened at start, for the point to open on when unsealed.
    fn stores(&self) -> Stores {
        self.stores.clone()
    }

    fn set_point(&self, p: Point) {
        *self.point.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(p));
    }
}

/// Serves the point `config` names on `listener` until `shutdown` resolves, then stops
/// taking connections, lets the requests in progress finish (up to `config.drain`, then
/// cuts them), and signs the audit log's head. `ready` is called with the address once the point is open and the service answers.
pub async fn serve(
    config: ServerConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    ready: impl FnOnce(SocketAddr),
) -> Result<()> {
    let limits = conns::Limits::new(&config.limits)?;
    let tls = tls::server_config(
        &config.tls_cert,
        &config.tls_key,
        config.client_ca.as_deref(),
    )?;
    let given = Unsealing {
        shares: &config.shares,
        identities: &config.identities,
    };
    let pusher = config
        .push
        .as_ref()
        .map(hi1_push::Pusher::new)
        .transpose()?;
    let mut state = State::open(
        config.data.clone(),
        config.store_url.clone(),
        config.zone,
        &given,
        config.clock.clone(),
    )
    .await?;
    if let Some(p) = pusher {
        state = state.pushing(p);
    }
    let state = Arc::new(state);
    // The first head reads the whole log into memory: done before serving, not under load.
    if let Some(p) = state.point() {
        p.finish().await;
    }
    let address = listener.local_addr()?;
    tracing::info!(
        "tdip serves https://{address} ({}); the API is described at /openapi.json",
        if state.point().is_some() {
            "unsealed"
        } else {
            "sealed: give custodians' shares with POST /v1/unseal"
        }
    );
    ready(address);
    let signer = tokio::spawn(sign_heads(
        state.clone(),
        config.sign_every.max(Duration::from_secs(1)),
    ));
    let retention = tokio::spawn(retention_job::daily(
        state.clone(),
        config.retention_at,
        config.art9_warn_days,
    ));
    tls::serve(
        listener,
        tls,
        router(state.clone()),
        limits,
        config.drain,
        shutdown,
    )
    .await;
    signer.abort();
    retention.abort();
    if let Some(p) = state.point() {
        p.finish().await;
    }
    tracing::info!("tdip stopped; the audit log's head is signed");
    Ok(())
}

/// Resolves when the process is asked to stop: Ctrl-C, or SIGTERM on Unix.
pub async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return ctrl_c.await.unwrap_or(()),
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await.unwrap_or(());
}

/// Signs a head over the audit log while the point is unsealed: within a second of
/// entries being recorded by the service, and every `quiet` otherwise (entries that other
/// processes, such as sealed commands, wrote to the same log).
async fn sign_heads(state: Arc<State>, quiet: Duration) {
    let busy = quiet.min(Duration::from_secs(1));
    // The first head was signed before serving: the first tick is one period on.
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + busy, busy);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (mut seen, mut last) = (0, tokio::time::Instant::now());
    loop {
        ticks.tick().await;
        let quiet_over = last.elapsed() >= quiet;
        if let Some(p) = state.point() {
            let recorded = p.auditor.recorded();
            if recorded != seen || quiet_over {
                p.finish().await;
                seen = recorded;
            }
        }
        if quiet_over {
            metrics::upkeep();
            last = tokio::time::Instant::now();
        }
    }
}

#[cfg(test)]
mod comm_tests;
#[cfg(test)]
mod deliveries_tests;
#[cfg(test)]
mod hi1_book_tests;
#[cfg(test)]
mod hi1_kept_tests;
#[cfg(test)]
mod hi1_push_tests;
#[cfg(test)]
mod hi1_tests;
#[cfg(test)]
mod reports_tests;
#[cfg(test)]
mod retention_job_tests;
#[cfg(test)]
mod searched_tests;
#[cfg(test)]
mod signing_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod traffic_tests;
