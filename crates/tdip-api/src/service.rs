//! The service's other bodies and query strings: health, unsealing, deliveries and the
//! deadline report. (A delivery's report, the delivery log and the deadline report are
//! JSON the service builds from the engine's own types, not types of this crate yet.)

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// What `GET /health` and `GET /ready` answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Status {
    /// `live`, `ready`.
    pub status: String,
}

/// A custodian's share, as the text of the share file (`POST /v1/unseal`).
// No `Debug`: the share is key material.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnsealRequest {
    /// The share file's text (not encrypted: open an `.age` share file first).
    pub share: String,
}

/// How far unsealing is.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct Unsealing {
    /// Whether the point is still sealed.
    pub sealed: bool,
    /// Valid shares given so far.
    pub have: u8,
    /// Shares needed.
    pub need: u8,
}

/// `POST /v1/deliveries`: the upload's parameters, in the query string.
#[derive(Clone, Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Upload {
    /// The moment the provider took the snapshot (RFC 3339, or legal local time).
    pub snapshot_at: String,
    /// `csv` or `jsonl` (either optionally gzip-compressed: that is seen from the bytes).
    pub format: String,
    /// The provider; the caller's own if left out, and refused if another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The snapshot means to close more of the provider's open subscriptions than a
    /// delivery may close unasked (default false); logged when used.
    #[serde(default)]
    pub allow_mass_close: bool,
}

/// `GET /v1/deliveries`: which deliveries to list.
#[derive(Clone, Debug, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Listing {
    /// How many of the latest log entries (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// `GET /v1/deadlines`: the period of the report.
#[derive(Clone, Debug, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Period {
    /// From (legal local time or RFC 3339); default the log's start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// To; default now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// `GET /v1/reports/figures`: the period of a supervisor's view and how it is shown.
#[derive(Clone, Debug, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FiguresQuery {
    /// From (legal local time or RFC 3339); default the start of this calendar year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// To; default now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// `json` (default: the report `tdip report verify` checks) or `html` (the page with
    /// its charts, for people).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The page's language: `nl` (default) or `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// `POST /v1/traffic/batches`: what the uploaded batch is (docs/traffic-format.md).
#[derive(Clone, Debug, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrafficUpload {
    /// `cgnat` (port-block assignments) or `session` (access sessions).
    pub kind: String,
    /// The provider's id of the batch, `[A-Za-z0-9._:-]{1,64}`: delivering the same batch
    /// again changes nothing.
    pub batch: String,
    /// The provider; the caller's own if left out, and refused if another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}
