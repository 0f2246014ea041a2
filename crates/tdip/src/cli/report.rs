//! `tdip report …`: the arguments of the report commands.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};

/// Which figures a yearly report holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VariantArg {
    /// For publication: the intelligence and security services' figures left out.
    Published,
    /// Every agency (not for publication).
    Full,
}

/// The encoding of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// The report as one JSON document (what `tdip report verify` reads).
    Json,
    /// One CSV row per figure: table, agency, basis, month, name, value.
    Csv,
    /// A table to read on the terminal.
    Text,
    /// One self-contained HTML page with SVG charts, for people (and print).
    Html,
}

/// The language of an HTML report's labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// Dutch.
    Nl,
    /// English.
    En,
}

/// `tdip report …`
#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// The yearly report to the minister: consultations per agency, legal basis and month,
    /// hits and no-hits, refusals by reason, deadline compliance per rule, and each
    /// provider's delivery record — counted from the audit log over its latest signed head
    /// (which the report names). Reads no subscriber data.
    Yearly {
        /// The calendar year (legal local time).
        #[arg(long)]
        year: Option<i16>,
        /// Instead of a year: from this moment (legal local time or RFC 3339).
        #[arg(long, conflicts_with = "year", requires = "to")]
        from: Option<String>,
        /// ... up to this moment.
        #[arg(long, conflicts_with = "year", requires = "from")]
        to: Option<String>,
        /// Which figures: `published` leaves the intelligence services out.
        #[arg(long, value_enum)]
        variant: VariantArg,
        /// The encoding.
        #[arg(long, value_enum, default_value = "text")]
        format: ReportFormat,
        /// The language of the HTML page's labels.
        #[arg(long, value_enum, default_value = "nl")]
        lang: LangArg,
        /// Write it here instead of to standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The Belgian art. 9 statistics (decree 004), one file per provider: the cases in which
    /// its data were provided, how old the data were when asked (buckets and quantiles),
    /// and the requests the point could not meet — counted from the audit log over its
    /// latest signed head, for the agencies of the provider's jurisdiction. Due 1 March.
    Art9 {
        /// The calendar year (legal local time).
        #[arg(long)]
        year: i16,
        /// Only this provider.
        #[arg(long)]
        provider: Option<String>,
        /// Where to write `art9-YEAR-PROVIDER.json` and `.csv`.
        #[arg(long)]
        out_dir: std::path::PathBuf,
    },
    /// Count a report's figures again from the log, over the signed head it names, and say
    /// whether they match. Exits 1 when they do not (or the head is not this log's).
    Verify {
        /// The report (JSON, as `tdip report yearly --format json` or `tdip report art9`
        /// wrote it).
        report: PathBuf,
    },
}
