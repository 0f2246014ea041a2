//! Command-line arguments. The options every command reads (`--data`, `--store`,
//! `--zone`) are global; the ones only some commands read are flattened into those
//! ([`flags`]).

mod flags;
mod redact;
mod report;
mod retention;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use tdip_server::LimitSettings;

pub use flags::{RemoteFlags, UnsealFlags, WitnessFlags};
pub use redact::Personal;
pub use report::{LangArg, ReportCmd, ReportFormat, VariantArg};
pub use retention::RetentionCmd;

/// The help heading of the options every command takes, before or after its name.
const GLOBAL: &str = "Global options";

/// tdip — Telecom Data Information Point.
#[derive(Parser)]
#[command(version, about, long_about = None)]
pub struct Cli {
    /// Data directory (custody record or dev key file, and the embedded store).
    #[arg(
        long,
        global = true,
        env = "TDIP_DATA",
        default_value = "tdip-data",
        value_name = "DIR",
        help_heading = GLOBAL
    )]
    pub data: PathBuf,
    /// The store: `sqlite:` (the data directory's tdip.db), `sqlite:PATH`, or
    /// `postgres://USER@HOST/DATABASE`.
    #[arg(
        long,
        global = true,
        env = "TDIP_STORE",
        hide_env_values = true,
        default_value = "sqlite:",
        value_name = "URL",
        help_heading = GLOBAL
    )]
    pub store: String,
    /// Legal time zone for times shown and typed: Europe/Amsterdam or Europe/Brussels.
    #[arg(
        long,
        global = true,
        env = "TDIP_ZONE",
        default_value = "Europe/Amsterdam",
        help_heading = GLOBAL
    )]
    pub zone: String,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the data directory with a new root key, shared among custodians (or a dev
    /// key file), and an empty store.
    Init(InitArgs),
    /// Check custodians' shares, or unseal a running service with them (--server).
    ///
    /// Checks the shares against this point's custody record: says for each whether it is
    /// accepted and why not, and whether they reach the threshold; nothing of them is
    /// kept. With --server, gives each to the running service instead, which stays
    /// unsealed by them until it stops.
    Unseal(UnsealArgs),
    /// Apply the store's pending migrations (opening a store does too) and exit.
    Migrate,
    /// Register and list providers.
    #[command(subcommand)]
    Providers(ProvidersCmd),
    /// Generate synthetic data.
    #[command(subcommand)]
    Gen(GenCmd),
    /// Deliver a provider's full subscriber file.
    ///
    /// Applied now when the point is unsealed (--share, or a dev key); on a sealed point
    /// it is accepted into the encrypted spool and applied when the point is unsealed
    /// (`tdip spool apply`). With --server, streamed to the running service instead.
    Deliver(DeliverArgs),
    /// Show the delivery log and which providers are late.
    Deliveries(DeliveriesArgs),
    /// Who held an identifier at a moment or during a period.
    ///
    /// Needs the point unsealed (--share, or a dev key), or a running service to ask
    /// (--server). Every lookup is a demand: judged against the catalogue and the officer
    /// registry, answered or refused, and logged.
    Lookup(Box<LookupArgs>),
    /// Retained traffic data (CGNAT port blocks, access sessions): deliver a batch, list
    /// the batch log.
    #[command(subcommand)]
    Traffic(TrafficCmd),
    /// Run the whole flow on generated data: providers, two days of deliveries, lookups.
    Demo(DemoArgs),
    /// The data keys: list them, rotate a provider's open key, shred a month.
    #[command(subcommand)]
    Keys(KeysCmd),
    /// Retention of data: what is due, destroy it (also run daily by `tdip serve`), what
    /// was destroyed.
    #[command(subcommand)]
    Retention(RetentionCmd),
    /// Reports from the logs: the yearly report to the minister, and checking one.
    #[command(subcommand)]
    Report(ReportCmd),
    /// Deliveries accepted while the point was sealed: list them, apply them.
    #[command(subcommand)]
    Spool(SpoolCmd),
    /// The catalogue of agencies and legal bases: check it, show it, export the defaults.
    #[command(subcommand)]
    Catalogue(CatalogueCmd),
    /// ETSI TS 103 120 (HI-1) messages: check a request and write tdip's response.
    #[command(subcommand)]
    Hi1(Hi1Cmd),
    /// The officers who may consult the point: register, suspend, reinstate, list.
    #[command(subcommand)]
    Officers(OfficersCmd),
    /// Suspend or reinstate a whole agency.
    #[command(subcommand)]
    Agencies(AgenciesCmd),
    /// The audit log: verify it, prove an entry, export a checkpoint, read it.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Serve the point over HTTPS: the JSON API, health, readiness and metrics.
    ///
    /// Given the custodians' shares (--share), the service starts unsealed; without them a
    /// point kept by custodians starts sealed, accepts deliveries into its spool, and is
    /// unsealed by `tdip unseal --server`.
    Serve(ServeArgs),
    /// API tokens for agencies', providers' and the operator's systems: issue, revoke, list.
    #[command(subcommand)]
    Tokens(TokensCmd),
    /// The client certificates of `tdip serve`'s callers (clients.toml): adopt an edit.
    #[command(subcommand)]
    Clients(ClientsCmd),
}

impl Command {
    /// The `--witness-dir` given to a command that signs heads of the audit log.
    pub fn witness_dir(&self) -> Option<&Path> {
        let flags = match self {
            Command::Deliver(args) => &args.witness,
            Command::Lookup(args) => &args.witness,
            Command::Traffic(TrafficCmd::Deliver(args)) => &args.witness,
            Command::Serve(args) => &args.witness,
            Command::Keys(KeysCmd::Rotate { witness, .. } | KeysCmd::Shred { witness, .. })
            | Command::Spool(SpoolCmd::Apply { witness, .. })
            | Command::Retention(RetentionCmd::Run { witness, .. })
            | Command::Audit(AuditCmd::Checkpoint { witness, .. }) => witness,
            _ => return None,
        };
        flags.witness_dir.as_deref()
    }
}

/// Arguments of `tdip serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8443")]
    pub listen: std::net::SocketAddr,
    /// The server's certificate chain (PEM file).
    #[arg(long, value_name = "FILE")]
    pub tls_cert: PathBuf,
    /// The server's private key (PEM file).
    #[arg(long, value_name = "FILE")]
    pub tls_key: PathBuf,
    /// CA certificates (PEM file) whose client certificates may connect; the data
    /// directory's clients.toml says whom each certificate speaks for.
    #[arg(long, value_name = "FILE")]
    pub client_ca: Option<PathBuf>,
    /// Seconds between signed heads of the audit log while the service itself records
    /// nothing (entries it records are signed within a second).
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub sign_every: u64,
    /// When the daily retention run starts, legal local time (`HH:MM`, not in the DST
    /// change between 02:00 and 03:00); one also runs when the service starts.
    #[arg(long, value_name = "HH:MM", default_value = "03:30", value_parser = retention_at)]
    pub retention_at: jiff::civil::Time,
    /// Warn in the service's log from this many days before 1 March that the Belgian
    /// art. 9 statistics of the last year are due (`tdip report art9`); 0: never.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub art9_warn_days: u32,
    /// Limits that keep slow or numerous clients from exhausting the service.
    #[command(flatten)]
    pub limits: ServeLimits,
    /// The shares that unseal the service at its start; without them, a point kept by
    /// custodians starts sealed and is unsealed through `POST /v1/unseal`.
    #[command(flatten)]
    pub unseal: UnsealFlags,
    /// Where else to keep the heads the service signs.
    #[command(flatten)]
    pub witness: WitnessFlags,
    /// How HI-1 deliveries are pushed to the destinations tasks name.
    #[command(flatten)]
    pub push: PushFlags,
}

/// How `tdip serve` pushes HI-1 deliveries (docs/hi1.md#pushed-deliveries). Without
/// `--push-cert`, a task that names a `DeliveryAddress` is refused.
#[derive(Clone, Debug, Args)]
pub struct PushFlags {
    /// The point's client certificate chain (PEM file) presented to receivers.
    #[arg(long, value_name = "FILE", requires_all = ["push_key", "push_ca"])]
    pub push_cert: Option<PathBuf>,
    /// Its private key (PEM file).
    #[arg(long, value_name = "FILE", requires = "push_cert")]
    pub push_key: Option<PathBuf>,
    /// CA certificates (PEM file) that issue receivers' server certificates: no delivery
    /// goes to a destination whose certificate another CA issued.
    #[arg(long, value_name = "FILE", requires = "push_cert")]
    pub push_ca: Option<PathBuf>,
    /// Attempts per delivery and destination before the push is given up.
    #[arg(long, value_name = "N", default_value_t = tdip_server::hi1_push::ATTEMPTS)]
    pub push_attempts: u32,
    /// Seconds before the second attempt; each later wait doubles (at most 10 minutes).
    #[arg(long, value_name = "SECONDS", default_value_t = tdip_server::hi1_push::FIRST_RETRY.as_secs())]
    pub push_first_retry: u64,
}

/// Arguments of `tdip unseal`.
#[derive(Debug, Args)]
pub struct UnsealArgs {
    /// The shares to check (or, with --server, to give the service).
    #[command(flatten)]
    pub unseal: UnsealFlags,
    /// The running service to unseal, instead of checking the shares locally.
    #[command(flatten)]
    pub remote: RemoteFlags,
}

/// What `tdip serve` allows each connection (docs/api.md#limits).
#[derive(Clone, Debug, Args)]
pub struct ServeLimits {
    /// Seconds a client has to complete the TLS handshake.
    #[arg(long, value_name = "SECONDS", default_value_t = LimitSettings::default().handshake_timeout)]
    pub handshake_timeout: u64,
    /// Seconds from when a connection is ready for a request (after the handshake, or
    /// after the previous answer) until that request's whole header has arrived.
    #[arg(long, value_name = "SECONDS", default_value_t = LimitSettings::default().header_timeout)]
    pub header_timeout: u64,
    /// Seconds a connection may stay open without sending a byte of its next request
    /// (at most --header-timeout, which bounds that wait too).
    #[arg(long, value_name = "SECONDS", default_value_t = LimitSettings::default().idle_timeout)]
    pub idle_timeout: u64,
    /// Seconds a request body (an upload) may send nothing while the service waits for
    /// it; a slow upload that keeps sending is never cut.
    #[arg(long, value_name = "SECONDS", default_value_t = LimitSettings::default().body_timeout)]
    pub body_timeout: u64,
    /// Connections served at once; keep it well below the open-file limit (`ulimit -n`).
    /// When full, a new connection takes the place of the oldest one that has no request
    /// in progress; if every one has, it waits until one is done.
    #[arg(long, value_name = "N", default_value_t = LimitSettings::default().max_connections)]
    pub max_connections: usize,
}

/// `tdip tokens …`
#[derive(Debug, Subcommand)]
pub enum TokensCmd {
    /// Issue a token; it is shown once, and only its digest is kept.
    Issue {
        /// Who holds it (for the list and the log).
        #[arg(long)]
        name: Personal,
        /// For an agency's system (e.g. nl/politie).
        #[arg(long, group = "role")]
        agency: Option<String>,
        /// For a provider's system.
        #[arg(long, group = "role")]
        provider: Option<String>,
        /// For the operator (unseals; never reads subscriber data).
        #[arg(long, group = "role")]
        operator: bool,
        /// For an oversight body of the catalogue (e.g. nl/ctivd): reads the statistics of
        /// its jurisdiction's agencies (`/v1/reports/figures`), never subscriber data.
        #[arg(long, group = "role")]
        oversight: Option<String>,
    },
    /// Revoke a token: the service refuses it from the next request.
    Revoke {
        /// The token's id (its part after `tdip_`).
        id: String,
    },
    /// List the tokens issued, revoked ones included.
    List,
    /// Accept tokens.toml as it is now (after reviewing a change made outside tdip):
    /// logs its digest, which the service then holds it to.
    Adopt,
}

/// `tdip clients …`
#[derive(Debug, Subcommand)]
pub enum ClientsCmd {
    /// Accept clients.toml as it is now (after reviewing it): logs its digest, which the
    /// service holds it to at every start. Run it after every edit of the file.
    Adopt,
}

/// `tdip officers …`
#[derive(Debug, Subcommand)]
pub enum OfficersCmd {
    /// Register an officer of an agency in the catalogue.
    Add {
        /// Agency (e.g. nl/politie).
        #[arg(long)]
        agency: String,
        /// The officer's id within the agency.
        #[arg(long)]
        officer: String,
        /// The officer's name, for the administrator's list.
        #[arg(long)]
        name: Personal,
        /// The authorisation ends at this moment (legal local time or RFC 3339).
        #[arg(long)]
        valid_until: Option<String>,
    },
    /// Suspend an officer: the next query is refused.
    Suspend {
        /// Agency.
        #[arg(long)]
        agency: String,
        /// Officer id.
        #[arg(long)]
        officer: String,
        /// Why (logged, and told to the officer).
        #[arg(long)]
        reason: String,
    },
    /// Set when an officer's authorisation ends (renew it), or lift the end.
    Renew {
        /// Agency.
        #[arg(long)]
        agency: String,
        /// Officer id.
        #[arg(long)]
        officer: String,
        /// The new end (legal local time or RFC 3339).
        #[arg(long, required_unless_present = "no_end", conflicts_with = "no_end")]
        valid_until: Option<String>,
        /// The authorisation has no end.
        #[arg(long)]
        no_end: bool,
    },
    /// Lift an officer's suspension.
    Reinstate {
        /// Agency.
        #[arg(long)]
        agency: String,
        /// Officer id.
        #[arg(long)]
        officer: String,
    },
    /// Accept the officer registry and agency suspensions as the store holds them now
    /// (after reviewing an integrity finding): logs every officer's registration, which
    /// consultations are then judged against.
    Adopt,
    /// List the registered officers.
    List {
        /// Only this agency.
        #[arg(long)]
        agency: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

/// `tdip agencies …`
#[derive(Debug, Subcommand)]
pub enum AgenciesCmd {
    /// Suspend an agency: none of its officers may consult the point.
    Suspend {
        /// Agency.
        agency: String,
        /// Why (logged, and told to its officers).
        #[arg(long)]
        reason: String,
    },
    /// Lift an agency's suspension.
    Reinstate {
        /// Agency.
        agency: String,
    },
    /// List the suspended agencies.
    Suspended,
}

/// `tdip audit …` (works sealed: none of these reads subscriber data).
#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check every entry and the whole log against every signed head (and a supervisor's
    /// checkpoints): says where a change lies if there is one.
    Verify {
        /// A checkpoint a supervisor kept (`tdip audit checkpoint`); may be repeated.
        #[arg(long = "checkpoint", value_name = "FILE")]
        checkpoints: Vec<PathBuf>,
        /// Also hold the store to the log: every accepted delivery in the delivery log,
        /// and each provider's versions, index entries and snapshot index as its latest
        /// accepted delivery left them.
        #[arg(long)]
        check_store: bool,
    },
    /// Record the store as it is now as each provider's state (after restoring a backup
    /// older than the log, when the deliveries since are lost): logged, and from then on
    /// the store is held to this state.
    AdoptStore {
        /// Yes, adopt it.
        #[arg(long)]
        yes: bool,
    },
    /// An inclusion proof of entry N in the latest signed head.
    Prove {
        /// Entry number (from 0).
        entry: u64,
    },
    /// Print the latest signed head as a checkpoint, for a supervisor to keep. With the
    /// point unsealed (--share), first signs a head over every entry.
    Checkpoint {
        /// Also print the consistency proof from the head of this size (the last one the
        /// supervisor kept), for `tdip audit witness`.
        #[arg(long, value_name = "SIZE")]
        since: Option<u64>,
        /// The shares that unseal the point, to sign a head first.
        #[command(flatten)]
        unseal: UnsealFlags,
        /// Where else to keep the head it signs.
        #[command(flatten)]
        witness: WitnessFlags,
    },
    /// A supervisor's witness: keep checkpoints in DIR and check each new one against the
    /// last kept (signature under the key pinned on first use, size not smaller,
    /// consistency proof). Exits 1 on a fork or a rollback, naming both heads. Needs no
    /// data directory.
    Witness {
        /// Where the witness keeps its checkpoints and the pinned key.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// The new checkpoint (`tdip audit checkpoint --since SIZE`).
        file: PathBuf,
    },
    /// Read the log (oversight): entries with their bodies, newest last.
    Log {
        /// First entry.
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// Entries to show.
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// JSON Lines output.
        #[arg(long)]
        json: bool,
    },
    /// An officer's own consultations: what was asked, under what, and the outcome.
    History {
        /// Agency.
        #[arg(long, env = "TDIP_AGENCY")]
        agency: String,
        /// Officer id.
        #[arg(long, env = "TDIP_OFFICER")]
        officer: String,
    },
    /// Destroy the bodies of entries whose retention class says they must go (digests stay,
    /// so every head and proof still verifies). Without --yes only says what is due.
    Purge {
        /// Really destroy them.
        #[arg(long)]
        yes: bool,
    },
    /// Show the retention classes in force (the data directory's `audit-retention.toml`,
    /// else the shipped ones).
    Retention,
    /// Deadlines as the log shows them: per rule, answers and time to answer; every answer
    /// given after its due time; every demand the point failed to answer.
    Deadlines {
        /// From this moment (legal local time or RFC 3339); default the log's start.
        #[arg(long)]
        from: Option<String>,
        /// Up to this moment; default now.
        #[arg(long)]
        to: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

/// `tdip hi1 …`
#[derive(Debug, Subcommand)]
pub enum Hi1Cmd {
    /// Read an HI-1 request, judge each action as the point would, and print tdip's
    /// response (valid against ETSI's schema). Exits 3 if an action is refused. Reads no
    /// subscriber data: for agencies' integrators to test their messages.
    Respond {
        /// The request (an HI1Message, XML).
        request: PathBuf,
        /// Also read each task as the demands it makes for this agency (tdip's HI-1
        /// profile) and judge them against the point's catalogue.
        #[arg(long)]
        agency: Option<String>,
        /// Write the response here instead of to standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Judge as at this moment (legal local time `YYYY-MM-DD HH:MM:SS` or RFC 3339):
        /// whether each authorisation is in force then; default now.
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
}

/// `tdip catalogue …`
#[derive(Debug, Subcommand)]
pub enum CatalogueCmd {
    /// Validate catalogue files (one per jurisdiction; the shipped Dutch and Belgian ones
    /// if none is given): every problem, with its file and line.
    Check {
        /// Catalogue files (TOML).
        files: Vec<PathBuf>,
    },
    /// Show each agency and the legal bases it may consult under, with what they permit.
    Show {
        /// Catalogue files (TOML); the shipped ones if none is given.
        files: Vec<PathBuf>,
    },
    /// Write the shipped catalogue files into DIR, to edit them.
    Export {
        /// Directory to write `nl.toml` and `be.toml` into (refuses to overwrite).
        dir: PathBuf,
    },
    /// Accept the data directory's catalogue (catalogue/*.toml, or the shipped one if
    /// there are none) as it is now: logs its digest. Lookups refuse a catalogue changed
    /// since the last adoption.
    Adopt,
}

/// `tdip spool …`
#[derive(Debug, Subcommand)]
pub enum SpoolCmd {
    /// List the spooled deliveries, waiting or set aside (works sealed).
    List,
    /// Apply the spooled deliveries in the order they arrived, each validated and logged
    /// like any delivery. Needs the point unsealed (--share); `tdip deliver` with shares
    /// does this first too. An entry that cannot be applied is set aside, recorded as a
    /// rejected delivery, and the others go on.
    Apply {
        /// The shares that unseal the point.
        #[command(flatten)]
        unseal: UnsealFlags,
        /// Where else to keep the heads it signs.
        #[command(flatten)]
        witness: WitnessFlags,
    },
    /// Remove a spool entry that was set aside because it could not be applied (works
    /// sealed; logged). Entries waiting to be applied cannot be discarded.
    Discard {
        /// The entry's name, as `tdip spool list` shows it.
        name: String,
    },
}

/// `tdip keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// List the data keys, live and destroyed (descriptions only; works sealed).
    List {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Start a new open key for a provider, seal its open versions again under it, then
    /// destroy the older open keys. Lookups and deliveries go on meanwhile. Needs the
    /// point unsealed (--share).
    Rotate {
        /// Provider id.
        #[arg(long)]
        provider: String,
        /// The shares that unseal the point.
        #[command(flatten)]
        unseal: UnsealFlags,
        /// Where else to keep the heads it signs.
        #[command(flatten)]
        witness: WitnessFlags,
    },
    /// Crypto-shred a month: destroy the keys of the versions whose validity ended in it,
    /// so that they cannot be read again anywhere, backups of the store included.
    /// Irreversible; without --yes only says what it would destroy.
    Shred {
        /// The month, `YYYY-MM` (UTC); it must be over.
        #[arg(long)]
        month: String,
        /// Only this provider's keys of that month.
        #[arg(long)]
        provider: Option<String>,
        /// Really destroy them.
        #[arg(long)]
        yes: bool,
        /// The shares that unseal the point: shredding rotates the providers' open keys
        /// first (see above).
        #[command(flatten)]
        unseal: UnsealFlags,
        /// Where else to keep the heads it signs.
        #[command(flatten)]
        witness: WitnessFlags,
    },
}

/// `tdip init`
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Split the root key among this many custodians (at most 255).
    #[arg(long, requires = "threshold", conflicts_with = "dev_key")]
    pub custodians: Option<usize>,
    /// Shares needed to unseal (at least 2, at most --custodians).
    #[arg(long, requires = "custodians")]
    pub threshold: Option<usize>,
    /// Where to write the custodians' share files (never inside the data directory):
    /// hand each to its custodian and delete it there.
    #[arg(long, requires = "custodians", value_name = "DIR")]
    pub shares_out: Option<PathBuf>,
    /// A custodian's age public key (`age1…`), once per custodian in order: each share
    /// file is then written encrypted to its custodian (`….age`), and unsealing needs
    /// the custodians' identity files (--identity).
    #[arg(
        long = "custodian-key",
        requires = "custodians",
        value_name = "AGE_KEY"
    )]
    pub custodian_keys: Vec<String>,
    /// Keep the root key in a local file instead: demos and tests only; the point then
    /// says on every start that it is not sealed.
    #[arg(long)]
    pub dev_key: bool,
}

/// `tdip providers …`
#[derive(Debug, Subcommand)]
pub enum ProvidersCmd {
    /// Register a provider.
    Add {
        /// Provider id, `[a-z0-9][a-z0-9-]{0,31}`.
        id: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Country whose national phone numbers the provider delivers: NL or BE.
        #[arg(long)]
        country: String,
        /// Time zone of the provider's local times (default: the country's).
        #[arg(long)]
        provider_zone: Option<String>,
    },
    /// List providers.
    List {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

/// `tdip gen …`
#[derive(Debug, Subcommand)]
pub enum GenCmd {
    /// A provider's full subscriber file for day N, in delivery format v1 (CSV).
    Subscribers(GenArgs),
    /// The CGNAT port-block assignments of day N of the same population
    /// (docs/traffic-format.md, kind cgnat; the same end-user ids).
    Cgnat(GenTrafficArgs),
    /// The internet-access sessions of day N of the same population (kind session).
    Sessions(GenTrafficArgs),
    /// The cell configuration changes of day N of the provider (kind cell): on day 0 every
    /// cell, later only that day's dated changes.
    Cells(GenCommArgs),
    /// The mobile calls, SMS and MMS of day N of the same population (kind mobile).
    Calls(GenCommArgs),
    /// The fixed-line calls of day N of the same population (kind fixed).
    Fixed(GenCommArgs),
    /// The e-mail, mail log-in and VoIP records of day N of the same population (kind
    /// internet).
    Mail(GenCommArgs),
}

/// Arguments of `tdip gen cells|calls|fixed|mail`.
#[derive(Debug, Args)]
pub struct GenCommArgs {
    /// The subscriber population, as given to `tdip gen subscribers`.
    #[command(flatten)]
    pub population: GenArgs,
}

/// Arguments of `tdip gen cgnat` and `tdip gen sessions`.
#[derive(Debug, Args)]
pub struct GenTrafficArgs {
    /// The subscriber population, as given to `tdip gen subscribers`.
    #[command(flatten)]
    pub population: GenArgs,
    /// Public addresses in the CGNAT pool (default: one per 64 subscriptions).
    #[arg(long)]
    pub public_ips: Option<u32>,
    /// Ports per block: a power of two from 64 to 4096.
    #[arg(long, default_value_t = 512)]
    pub block_size: u16,
    /// Mean blocks per internet subscriber per day.
    #[arg(long, default_value_t = 4)]
    pub blocks_per_subscriber: u32,
}

/// `tdip traffic …`
#[derive(Debug, Subcommand)]
pub enum TrafficCmd {
    /// Deliver one batch of retained traffic data (docs/traffic-format.md): applied
    /// atomically, or rejected with every bad record; delivering the same batch again
    /// changes nothing. Needs the point unsealed, or --server.
    Deliver(Box<TrafficDeliverArgs>),
    /// The traffic batch log, newest first.
    Batches(TrafficBatchesArgs),
}

/// Arguments of `tdip traffic deliver`.
#[derive(Debug, Args)]
pub struct TrafficDeliverArgs {
    /// Provider id.
    #[arg(long)]
    pub provider: String,
    /// cgnat (port-block assignments) or session (access sessions).
    #[arg(long)]
    pub kind: String,
    /// The provider's id of the batch, [A-Za-z0-9._:-]{1,64}; default the file name
    /// without its extensions.
    #[arg(long)]
    pub batch: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// The batch file (CSV or JSON Lines, optionally gzip-compressed).
    pub file: PathBuf,
    /// The shares that unseal the point.
    #[command(flatten)]
    pub unseal: UnsealFlags,
    /// The running service to deliver through, instead of the local data directory.
    #[command(flatten)]
    pub remote: RemoteFlags,
    /// Where else to keep the heads it signs.
    #[command(flatten)]
    pub witness: WitnessFlags,
}

/// Arguments of `tdip traffic batches`.
#[derive(Debug, Args)]
pub struct TrafficBatchesArgs {
    /// Only this provider.
    #[arg(long)]
    pub provider: Option<String>,
    /// Log entries to show.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `tdip gen subscribers`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Provider id; different providers get disjoint numbers.
    #[arg(long)]
    pub provider: String,
    /// NL or BE.
    #[arg(long, default_value = "NL")]
    pub country: String,
    /// Subscriptions on day 0.
    #[arg(long, default_value_t = 10_000)]
    pub rows: u64,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Day N of the same population (0 = first delivery).
    #[arg(long, default_value_t = 0)]
    pub day: u32,
    /// Percentage of rows that change per day.
    #[arg(long, value_name = "PERCENT", default_value = "0.5")]
    pub change_rate: String,
    /// Output file (`.gz` compresses); standard output if absent.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Arguments of `tdip deliver`. On a point kept by custodians and given no --share, the
/// file is accepted into the encrypted spool and applied when the point is unsealed.
#[derive(Debug, Args)]
pub struct DeliverArgs {
    /// Provider id.
    #[arg(long)]
    pub provider: String,
    /// The moment the provider took the snapshot (RFC 3339, or legal local time).
    #[arg(long, value_name = "TIME")]
    pub snapshot_at: String,
    /// csv or jsonl (default: from the file name).
    #[arg(long)]
    pub format: Option<String>,
    /// Write the machine-readable report (JSON) to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// This complete snapshot means to close more of the provider's open subscriptions
    /// than a delivery may close unasked (`delivery.toml`; default more than 10% and at
    /// least 10): without it such a delivery is refused. The choice is logged.
    #[arg(long)]
    pub allow_mass_close: bool,
    /// The delivery file (CSV or JSON Lines, optionally gzip-compressed).
    pub file: PathBuf,
    /// The shares that unseal the point, to apply the delivery now.
    #[command(flatten)]
    pub unseal: UnsealFlags,
    /// The running service to deliver through, instead of the local data directory.
    #[command(flatten)]
    pub remote: RemoteFlags,
    /// Where else to keep the heads it signs.
    #[command(flatten)]
    pub witness: WitnessFlags,
}

/// Arguments of `tdip deliveries`.
#[derive(Debug, Args)]
pub struct DeliveriesArgs {
    /// Only this provider.
    #[arg(long)]
    pub provider: Option<String>,
    /// Log entries to show.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    /// Grace period after 24 hours before a provider counts as late, in hours.
    #[arg(long, value_name = "HOURS", default_value_t = 2)]
    pub grace_hours: u32,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
    /// The running service to ask, instead of the local data directory.
    #[command(flatten)]
    pub remote: RemoteFlags,
}

/// Arguments of `tdip lookup`.
#[derive(Args)]
// Exactly one identifier, and `--at` or `--from` with `--to`: judged by the demand, not
// by clap, so that a lookup asking wrongly is refused and logged like every demand.
pub struct LookupArgs {
    /// Phone number (E.164 or national).
    #[arg(long)]
    pub msisdn: Option<String>,
    /// IMSI.
    #[arg(long)]
    pub imsi: Option<String>,
    /// IMEI (14, 15 or 16 digits).
    #[arg(long)]
    pub imei: Option<String>,
    /// IP address or prefix.
    #[arg(long)]
    pub ip: Option<String>,
    /// E-mail address.
    #[arg(long)]
    pub email: Option<String>,
    /// Provider-local end-user id.
    #[arg(long)]
    pub user_id: Option<String>,
    /// MAC address.
    #[arg(long)]
    pub mac: Option<String>,
    /// The moment (legal local time `YYYY-MM-DD HH:MM:SS` or RFC 3339); default now.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Start of a period (instead of --at; with --to), written as --at is.
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// End of a period (with --from).
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Country of a national phone number (NL or BE); default: the asking agency's
    /// jurisdiction's.
    #[arg(long)]
    pub country: Option<String>,
    /// The port of the public address (--ip): who used that address and port at --at,
    /// answered through the retained CGNAT port blocks and sessions.
    #[arg(long, help_heading = "Retained traffic data")]
    pub port: Option<u16>,
    /// Identify the user of --ip through retained traffic data without a port (answered
    /// only when one subscriber used the address then).
    #[arg(long, help_heading = "Retained traffic data")]
    pub through_traffic: bool,
    /// List the retained traffic records (port blocks, sessions) of --ip or --user-id over
    /// --from/--to, instead of who held it.
    #[arg(long, help_heading = "Retained traffic data")]
    pub traffic: bool,
    /// Seconds the logs may be off the moment asked (at most 3600; default 0): candidates
    /// within it are each answered, saying how they fit.
    #[arg(long, value_name = "SECONDS", help_heading = "Retained traffic data")]
    pub tolerance: Option<u32>,
    /// With --traffic: the communications of --user-id (an account) or --ip (an address)
    /// instead of its port blocks and sessions.
    #[arg(long, help_heading = "Retained traffic data")]
    pub communications: bool,
    /// The devices, SIMs and numbers used together with --imei, --imsi or --msisdn over
    /// --from/--to, each with its first and last use.
    #[arg(long, help_heading = "Retained traffic data")]
    pub devices: bool,
    /// A cell dump: every communication through the cells --cell, or through every cell
    /// within --radius of --near, between --from and --to (no identifier).
    #[arg(long, help_heading = "Retained traffic data")]
    pub cell_dump: bool,
    /// A cell of the dump (repeatable; all of one provider).
    #[arg(
        long = "cell",
        value_name = "PROVIDER:CELL-ID",
        requires = "cell_dump",
        help_heading = "Retained traffic data"
    )]
    pub cells: Vec<String>,
    /// The centre of the dump's area, decimal degrees with at most six decimals
    /// (52.370216,4.895168).
    #[arg(
        long,
        value_name = "LAT,LON",
        requires = "cell_dump",
        allow_hyphen_values = true,
        help_heading = "Retained traffic data"
    )]
    pub near: Option<String>,
    /// The radius of the dump's area around --near, metres.
    #[arg(
        long,
        value_name = "METRES",
        requires = "cell_dump",
        help_heading = "Retained traffic data"
    )]
    pub radius: Option<u32>,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
    /// The demand: who asks, under what. Every lookup is judged against the catalogue and
    /// the officer registry and logged; a missing field is refused (and logged).
    #[command(flatten)]
    pub demand: DemandArgs,
    /// The shares that unseal the point.
    #[command(flatten)]
    pub unseal: UnsealFlags,
    /// The running service to ask, instead of the local data directory.
    #[command(flatten)]
    pub remote: RemoteFlags,
    /// Where else to keep the heads it signs.
    #[command(flatten)]
    pub witness: WitnessFlags,
}

/// Who asks, under what legal basis: carried by every lookup. The environment variables
/// let an officer's terminal set them once.
#[derive(Args)]
#[command(next_help_heading = "The demand")]
pub struct DemandArgs {
    /// Your agency, as the catalogue names it (e.g. nl/politie; `tdip catalogue show`).
    #[arg(long, env = "TDIP_AGENCY")]
    pub agency: Option<String>,
    /// Your officer id within the agency, as registered (`tdip officers list`).
    #[arg(long, env = "TDIP_OFFICER")]
    pub officer: Option<String>,
    /// The legal basis you ask under (e.g. nl/sv-126na).
    #[arg(long, env = "TDIP_BASIS")]
    pub basis: Option<String>,
    /// The case or order reference (parketnummer, request reference).
    #[arg(long = "case", env = "TDIP_CASE", value_name = "REFERENCE")]
    pub case_reference: Option<String>,
    /// Who authorised the demand, where the basis requires it (e.g. the public prosecutor).
    #[arg(long, env = "TDIP_AUTHORISED_BY")]
    pub authorised_by: Option<String>,
    /// The demand is urgent.
    #[arg(long)]
    pub urgent: bool,
    /// The term the demand sets for its answer, in legal local time, instead of the
    /// deadline policy's (real time for identification data).
    #[arg(long, value_name = "TIME")]
    pub term: Option<String>,
}

/// Arguments of `tdip demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Subscriptions per provider.
    #[arg(long, default_value_t = 20_000)]
    pub rows: u64,
    /// Where the demo point is served when the flow is done (a free port if it is taken).
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub listen: std::net::SocketAddr,
    /// End after the flow instead of serving the demo point.
    #[arg(long)]
    pub no_serve: bool,
}

/// Reads `--retention-at` against both legal zones (the zone is known only once the
/// catalogue is read; a time valid in one is valid in the other, both change at 02:00).
fn retention_at(text: &str) -> Result<jiff::civil::Time, String> {
    tdip_server::retention_job::parse_at(text, tdip_model::LegalZone::Amsterdam)?;
    tdip_server::retention_job::parse_at(text, tdip_model::LegalZone::Brussels)
}
