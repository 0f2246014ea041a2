//! `POST /v1/lookups`: a lookup as an agency's system sends it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::comm::CellDumpRequest;

/// A lookup as asked: exactly one identifier field, the moment or period, and the demand.
/// Times are legal local time (`YYYY-MM-DD HH:MM:SS`) or RFC 3339 with an offset.
#[derive(Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    /// Phone number (E.164 or national).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msisdn: Option<String>,
    /// IMSI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imsi: Option<String>,
    /// IMEI (14, 15 or 16 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imei: Option<String>,
    /// IP address or prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Provider-local end-user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// MAC address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// The moment asked about; default now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Start of the period asked about (with `to`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// End of the period asked about (with `from`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Country of a national phone number (NL or BE); default: the asking agency's
    /// jurisdiction's, as the catalogue says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The agency, as the catalogue names it. Over the API it may be left out: the
    /// caller's certificate or token says which agency asks, and a different one is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// The officer's id within the agency, as registered.
    #[serde(default)]
    pub officer: String,
    /// The legal basis asked under (e.g. `nl/sv-126na`).
    #[serde(default)]
    pub basis: String,
    /// The case or order reference.
    #[serde(default)]
    pub case: String,
    /// Who authorised the demand, where the basis requires it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorised_by: Option<String>,
    /// The demand is urgent.
    #[serde(default)]
    pub urgent: bool,
    /// The term the demand sets for its answer, instead of the deadline policy's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
    /// The port of the public address `ip`: who used that address and port at `at`,
    /// answered through retained traffic data (`POST /v1/traffic/lookups` only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::whole::option"
    )]
    pub port: Option<u16>,
    /// Identify the user of `ip` through retained traffic data without a port: answered
    /// only when one subscriber used the address then (`/v1/traffic/lookups` only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub through_traffic: bool,
    /// The retained traffic data of the identifier over the period, instead of who held
    /// it (`/v1/traffic/lookups` only): the records of `ip` or `user_id` (port blocks,
    /// sessions), or the communications of `msisdn`, `imsi`, `imei` or `email`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub traffic: bool,
    /// With `traffic`: the communications of `user_id` (an account) or `ip` (an address)
    /// instead of their port blocks and sessions (`/v1/traffic/lookups` only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub communications: bool,
    /// The devices, SIMs and numbers used together with `imei`, `imsi` or `msisdn` over the
    /// period, each with its first and last use (`/v1/traffic/lookups` only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub devices: bool,
    /// A cell dump: every communication through the cells named, or through every cell
    /// within a radius of a point, between `from` and `to`; no identifier is given
    /// (`/v1/traffic/lookups` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell_dump: Option<CellDumpRequest>,
    /// Seconds the logs may be off the moment asked, at most 3600 (default 0).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::whole::option"
    )]
    pub tolerance: Option<u32>,
}

impl std::fmt::Debug for LookupRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LookupRequest")
            .field("agency", &self.agency)
            .field("officer", &self.officer)
            .field("basis", &self.basis)
            .finish_non_exhaustive()
    }
}
