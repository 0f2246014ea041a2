//! Communications (calls, messages, e-mail, VoIP, service log-ins) and cell configurations
//! as the point keeps them once read (docs/traffic-format.md, kinds `fixed`, `mobile`,
//! `internet` and `cell`; Belgian decree 004 art. 3–7).
//!
//! Times are UTC seconds. Identifiers are normalised (numbers E.164, IMSI, IMEI with Luhn,
//! e-mail addresses, user ids). `Debug` shows the shape and the times, never an
//! identifier, a termination point or a cell id (they place a person).

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// Which network a communication was carried by (the kind of provider keeping it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Network {
    /// Fixed telephony (004 art. 3 §2).
    Fixed,
    /// Mobile telephony (004 art. 4 §2).
    Mobile,
    /// E-mail and internet telephony (004 art. 6 §2).
    Internet,
}

/// What kind of communication a record is (column `type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CommType {
    /// A telephone call (fixed or mobile).
    Call,
    /// A short message (an event: start = end).
    Sms,
    /// A multimedia message (an event: start = end).
    Mms,
    /// An e-mail sent or received (an event).
    Mail,
    /// A call over the internet (VoIP), possibly entering the public phone network.
    Voip,
    /// A log-in to the e-mail or VoIP service, until its log-off.
    Login,
}

impl CommType {
    /// Every type, in a stable order.
    pub const ALL: [CommType; 6] = [
        CommType::Call,
        CommType::Sms,
        CommType::Mms,
        CommType::Mail,
        CommType::Voip,
        CommType::Login,
    ];

    /// The format's name (`call`, `sms`, `mms`, `mail`, `voip`, `login`).
    pub fn as_str(self) -> &'static str {
        match self {
            CommType::Call => "call",
            CommType::Sms => "sms",
            CommType::Mms => "mms",
            CommType::Mail => "mail",
            CommType::Voip => "voip",
            CommType::Login => "login",
        }
    }

    /// Parses [`CommType::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        CommType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether the record is a point in time (start = end).
    pub fn is_event(self) -> bool {
        matches!(self, CommType::Sms | CommType::Mms | CommType::Mail)
    }

    /// Whether records of this type carry a conversation between two numbers that another
    /// provider may have seen too (calls, messages, VoIP calls).
    pub fn links_by_number(self) -> bool {
        matches!(
            self,
            CommType::Call | CommType::Sms | CommType::Mms | CommType::Voip
        )
    }
}

/// One side of a communication: every identifier the provider logged for it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// Phone number, E.164 (`+31612345678`); for a VoIP call, the number given to it in
    /// the public phone network.
    pub number: Option<String>,
    /// IMSI (mobile).
    pub imsi: Option<String>,
    /// IMEI (mobile), 15 digits.
    pub imei: Option<String>,
    /// E-mail address or VoIP account id (internet), normalised.
    pub account: Option<String>,
    /// IP address (internet).
    pub address: Option<IpAddr>,
    /// Source port (internet).
    pub port: Option<u16>,
    /// Location of the network termination point (fixed), as delivered.
    pub ntp: Option<String>,
    /// Cell at the start of the connection (mobile), the provider's cell id.
    pub cell_start: Option<String>,
    /// Cell at the end of the connection (mobile).
    pub cell_end: Option<String>,
}

impl Party {
    /// Whether nothing is known of this party.
    pub fn is_empty(&self) -> bool {
        *self == Party::default()
    }
}

/// One communication as a provider logged it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Communication {
    /// The network that carried it.
    pub network: Network,
    /// What it was.
    pub kind: CommType,
    /// The calling party (sender, account holder of a log-in).
    pub calling: Party,
    /// The called party (recipient); empty for a log-in.
    pub called: Party,
    /// The number the call was forwarded or transferred to (E.164).
    pub forwarded_to: Option<String>,
    /// Every further line of a conference (E.164), in the order delivered.
    pub lines: Vec<String>,
    /// Start (or the moment of an event), UTC seconds.
    pub start: i64,
    /// End, UTC seconds (= `start` for an event).
    pub end: i64,
    /// The telephony service used / technical characteristics (`voice`, `volte`, `fax`,
    /// `smtp`, `sip` …), as delivered.
    pub service: Option<String>,
}

impl Communication {
    /// Every phone number the record names: calling, called, forwarded-to, conference lines.
    pub fn numbers(&self) -> impl Iterator<Item = &str> {
        self.calling
            .number
            .iter()
            .chain(self.called.number.iter())
            .chain(self.forwarded_to.iter())
            .chain(self.lines.iter())
            .map(String::as_str)
    }

    /// Every cell id the record names (calling's start and end, called's start and end).
    pub fn cells(&self) -> impl Iterator<Item = &str> {
        [
            &self.calling.cell_start,
            &self.calling.cell_end,
            &self.called.cell_start,
            &self.called.cell_end,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
    }
}

/// A coordinate in micro-degrees (WGS 84): exact as delivered (at most six decimals), no
/// floating point in storage.
pub type MicroDegrees = i32;

/// A cell's configuration from a moment on (a dated change; docs/traffic-format.md, kind
/// `cell`): it holds until the next configuration of the same cell, or until a removal.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellConfig {
    /// The provider's cell id (e.g. a CGI `204-08-1234-56789`).
    pub cell_id: String,
    /// From when this configuration holds, UTC seconds.
    pub valid_from: i64,
    /// The cell was taken out of service at `valid_from` (no location follows).
    pub removed: bool,
    /// Latitude of the antenna, micro-degrees (`None` only for a removal).
    pub latitude: Option<MicroDegrees>,
    /// Longitude of the antenna, micro-degrees (`None` only for a removal).
    pub longitude: Option<MicroDegrees>,
    /// Direction of the beam, whole degrees from north (0–359); `None`: omnidirectional.
    pub azimuth: Option<u16>,
    /// Beam width, whole degrees (1–360).
    pub beam_width: Option<u16>,
    /// Postal address of the site, as delivered.
    pub address: Option<String>,
    /// Radio technology (`gsm`, `umts`, `lte`, `nr`), as delivered.
    pub technology: Option<String>,
}

impl fmt::Debug for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |v: bool| if v { "<redacted>" } else { "-" };
        f.debug_struct("Party")
            .field("number", &shown(self.number.is_some()))
            .field("imsi", &shown(self.imsi.is_some()))
            .field("imei", &shown(self.imei.is_some()))
            .field("account", &shown(self.account.is_some()))
            .field("address", &shown(self.address.is_some()))
            .field("port", &self.port)
            .field("ntp", &shown(self.ntp.is_some()))
            .field("cell_start", &shown(self.cell_start.is_some()))
            .field("cell_end", &shown(self.cell_end.is_some()))
            .finish()
    }
}

impl fmt::Debug for Communication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Communication")
            .field("network", &self.network)
            .field("kind", &self.kind)
            .field("calling", &self.calling)
            .field("called", &self.called)
            .field("forwarded", &self.forwarded_to.is_some())
            .field("lines", &self.lines.len())
            .field("start", &self.start)
            .field("end", &self.end)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for CellConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CellConfig")
            .field("cell_id", &"<redacted>")
            .field("valid_from", &self.valid_from)
            .field("removed", &self.removed)
            .finish_non_exhaustive()
    }
}
