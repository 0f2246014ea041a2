//! `tdip retention …`: the arguments of the retention commands.

use clap::Subcommand;

use super::flags::{UnsealFlags, WitnessFlags};

/// `tdip retention …`
#[derive(Debug, Subcommand)]
pub enum RetentionCmd {
    /// What is due for destruction now, per class, provider and period, with counts, and
    /// what falls due next (no data; works sealed).
    Plan {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Destroy what is due: data keys, rows and index entries, then the audit log's
    /// expired bodies; each step an audit entry. Finishes a run that was stopped first.
    /// Without --yes only shows the plan. Needs the point unsealed (--share).
    Run {
        /// Really destroy.
        #[arg(long)]
        yes: bool,
        /// The shares that unseal the point.
        #[command(flatten)]
        unseal: UnsealFlags,
        /// Where else to keep the heads it signs.
        #[command(flatten)]
        witness: WitnessFlags,
    },
    /// For a supervisor: everything the log records as destroyed (when, what, under which
    /// rule, keys and counts), and what falls due next (works sealed).
    Report {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Place a preservation order: a provider's data of a period kept past its term for a
    /// case, until a moment at the latest (logged; works sealed).
    Preserve {
        /// The provider whose data it holds.
        #[arg(long)]
        provider: String,
        /// `traffic`, `subscriber` or `all`.
        #[arg(long, default_value = "all")]
        class: String,
        /// Start of the period held (legal local time or RFC 3339).
        #[arg(long)]
        from: String,
        /// End of the period held.
        #[arg(long)]
        to: String,
        /// It holds until this moment at the latest.
        #[arg(long)]
        until: String,
        /// The case reference.
        #[arg(long)]
        case: String,
        /// The legal basis it is ordered under (e.g. `be/sv-39bis`).
        #[arg(long)]
        basis: String,
        /// Why: the order, the case file (logged).
        #[arg(long)]
        reason: String,
    },
    /// Extend a preservation order in force to a later end (logged).
    Extend {
        /// The order's id (`P-…`).
        #[arg(long)]
        id: String,
        /// Its new end.
        #[arg(long)]
        until: String,
        /// Why (logged).
        #[arg(long)]
        reason: String,
    },
    /// Lift a preservation order: what it held is destroyed by the next run, if due
    /// (logged).
    Lift {
        /// The order's id (`P-…`).
        #[arg(long)]
        id: String,
        /// Why (logged).
        #[arg(long)]
        reason: String,
    },
    /// The preservation orders, in force and ended (works sealed).
    Orders {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}
