//! What an HI-1 request carries for tdip: its header, and per action the object created
//! (an `AuthorisationObject` or an `LDTaskObject`) with the fields a lawful-disclosure
//! task needs, mapped onto tdip's identifiers and moments.

use tdip_model::{IdentKind, normalize};

use crate::Hi1Error;
use crate::code::{Hi1Code, Verb};
use crate::delivery::PayloadFormat;
use crate::objects;
use crate::received::Received;
use crate::tree::{self, Element};

/// The HI-1 core namespace.
pub const CORE: &str = "http://uri.etsi.org/03120/common/2019/10/Core";
/// Common types (dictionary entries).
pub const COMMON: &str = "http://uri.etsi.org/03120/common/2016/02/Common";
/// Task objects.
pub const TASK: &str = "http://uri.etsi.org/03120/common/2020/09/Task";
/// Authorisation objects.
pub const AUTH: &str = "http://uri.etsi.org/03120/common/2020/09/Authorisation";

/// A party: country and unique identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// ISO 3166 country code.
    pub country: String,
    /// The party's identifier.
    pub id: String,
}

/// The message header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Who sent it.
    pub sender: Endpoint,
    /// Who it is for.
    pub receiver: Endpoint,
    /// The transaction (echoed in the response).
    pub transaction: String,
    /// When it was sent.
    pub timestamp: String,
    /// The ETSI version it claims.
    pub version: String,
    /// Who defines the national profile it follows.
    pub profile_owner: String,
    /// The profile's version.
    pub profile_version: String,
}

/// An ETSI dictionary entry: owner, dictionary name, value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Who defines the dictionary (`ETSI`, `3GPP`, a national profile).
    pub owner: String,
    /// The dictionary.
    pub name: String,
    /// The value.
    pub value: String,
}

/// One approval of an authorisation (`AuthorisationApprovalDetails`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    /// `ApprovalType`: what the approval is (tdip's profile: `Requester`, `Authorisation`).
    pub kind: Option<String>,
    /// `ApprovalReference`.
    pub reference: Option<String>,
    /// `ApproverDetails/ApproverName`.
    pub approver: Option<String>,
    /// `ApprovalIsEmergency`.
    pub emergency: bool,
}

/// An authorisation: the warrant or order the task rests on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorisation {
    /// Its object identifier (a UUID).
    pub object: String,
    /// The authorisation's reference (case or order reference).
    pub reference: Option<String>,
    /// Its legal type, if given.
    pub legal_type: Option<Entry>,
    /// Valid from (UTC seconds).
    pub start: Option<i64>,
    /// Valid until (UTC seconds).
    pub end: Option<i64>,
    /// Its approvals.
    pub approvals: Vec<Approval>,
}

/// One identifier a task asks about.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestValue {
    /// Who defines the format (`3GPP`, `ETSI`).
    pub owner: String,
    /// The format (`InternationalE164`, `IMSI`, …).
    pub format: String,
    /// The identifier.
    pub value: String,
}

impl std::fmt::Debug for RequestValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestValue")
            .field("owner", &self.owner)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl RequestValue {
    /// The tdip identifier kind of this value, or why tdip cannot answer it.
    pub fn kind(&self) -> Result<IdentKind, Hi1Error> {
        Ok(match self.format.as_str() {
            "InternationalE164" => IdentKind::Msisdn,
            "IMSI" => IdentKind::Imsi,
            "IMEI" => IdentKind::Imei,
            "IPv4Address" | "IPv6Address" | "IPv4CIDR" | "IPv6CIDR" | IP_ADDRESS_PORT => {
                IdentKind::Ip
            }
            "EmailAddress" | "InternationalizedEmailAddress" => IdentKind::Email,
            "MACAddress" => IdentKind::Mac,
            other => return Err(Hi1Error::UnsupportedFormat(other.to_owned())),
        })
    }

    /// The identifier as tdip reads it: its kind and normalised value, or why it is not
    /// valid (without the value).
    pub fn identifier(&self) -> Result<(IdentKind, String), Hi1Error> {
        let kind = self.kind()?;
        if self.format == IP_ADDRESS_PORT {
            return address_port(&self.value)
                .map(|(addr, port)| (kind, join_address_port(addr, port)))
                .ok_or_else(|| Hi1Error::InvalidValue {
                    format: self.format.clone(),
                    reason: "an IPAddressPort value is ADDRESS:PORT, an IPv6 address in brackets \
                             ([2001:db8::1]:443), the port from 0 to 65535"
                        .into(),
                });
        }
        // ETSI's InternationalE164 is 1 to 15 digits (TS 103 280). A leading '+' is
        // unambiguous and tolerated; a separator often means a national format or two
        // numbers pasted together, so it is refused rather than stripped (tdip's own
        // reader of provider files would accept it).
        let raw = if kind == IdentKind::Msisdn {
            let digits = self.value.strip_prefix('+').unwrap_or(&self.value);
            if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(Hi1Error::InvalidValue {
                    format: self.format.clone(),
                    reason: "an InternationalE164 value is 1 to 15 digits, ETSI TS 103 280; a \
                             leading + is tolerated"
                        .into(),
                });
            }
            format!("+{digits}")
        } else {
            self.value.clone()
        };
        // Read without a default country: an HI-1 number is international, so none is
        // needed and a national one is refused rather than guessed.
        normalize(kind, &raw, None)
            .map(|v| (kind, v))
            .map_err(|e| Hi1Error::InvalidValue {
                format: self.format.clone(),
                reason: e.to_string(),
            })
    }
}

/// The `FormatName` of a request value naming a public address and port
/// (`198.51.100.7:40123`, `[2001:db8::1]:443`): who used them at the moment is answered
/// through retained traffic data (tdip's reading of ETSI's `IPAddressPort` type as text).
pub const IP_ADDRESS_PORT: &str = "IPAddressPort";

/// Reads `ADDRESS:PORT` (an IPv6 address in brackets).
pub fn address_port(text: &str) -> Option<(std::net::IpAddr, u16)> {
    text.trim().parse::<std::net::SocketAddr>().ok().map(|s| {
        let ip = match s.ip() {
            std::net::IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .map_or(std::net::IpAddr::V6(v6), std::net::IpAddr::V4),
            v4 => v4,
        };
        (ip, s.port())
    })
}

/// Writes `ADDRESS:PORT` as [`address_port`] reads it.
pub fn join_address_port(addr: std::net::IpAddr, port: u16) -> String {
    std::net::SocketAddr::new(addr, port).to_string()
}

/// Where a task's delivery is to go (`DeliveryDetails/LDDeliveryDestination`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    /// Where tdip pushes it; none: the agency fetches it with GET.
    pub address: Option<Address>,
    /// The payload it is to carry (`LDHandoverFormat`).
    pub format: PayloadFormat,
}

/// An address tdip pushes a delivery to. `Debug` shows the host only: it is an agency's
/// system, not personal data, and a path may carry more than that.
#[derive(Clone, PartialEq, Eq)]
pub enum Address {
    /// An `https://` URL: a `DeliveryAddress/URL` as given, or an `IPAddressPort` as
    /// `https://ADDR:PORT/` (an IPv6 address in brackets).
    Https(String),
}

impl Address {
    /// The host (and port) of the URL, without any user information before an `@`.
    pub fn host(&self) -> &str {
        let Address::Https(url) = self;
        let rest = url.get("https://".len()..).unwrap_or("");
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        authority.rsplit('@').next().unwrap_or("")
    }
}

impl std::fmt::Debug for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Https").field(&self.host()).finish()
    }
}

/// A lawful-disclosure task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LdTask {
    /// Its object identifier (a UUID).
    pub object: String,
    /// The objects it is associated with (its authorisation).
    pub associated: Vec<String>,
    /// The task's reference (its LDID): optional in ETSI's schema, required by tdip for
    /// a CREATE (the delivery names the task by it).
    pub reference: Option<String>,
    /// The status the requester wants (`AwaitingDisclosure`).
    pub desired_status: Option<Entry>,
    /// The kind of request (`IdentityAssociation`, `SubscriberData`, …).
    pub request_type: Option<Entry>,
    /// The moments asked about (UTC seconds): `ObservedTime`, then each `ObservedTimes`,
    /// in order.
    pub observed: Vec<i64>,
    /// The period asked about (UTC seconds).
    pub start: Option<i64>,
    /// End of the period.
    pub end: Option<i64>,
    /// The identifiers asked about.
    pub values: Vec<RequestValue>,
    /// Its flags' values (`IsEmergency`, `IsTest`, …).
    pub flags: Vec<String>,
    /// Where its delivery is to go; empty: fetched with GET, in the default format.
    pub destinations: Vec<Destination>,
}

impl LdTask {
    /// How error texts name the task: its reference, or its object identifier when it
    /// has none.
    pub fn label(&self) -> &str {
        self.reference.as_deref().unwrap_or(&self.object)
    }

    /// The moments or the period asked about (UTC seconds, both ends included): each
    /// observed moment as `(t, t)`, or one `(StartTime, EndTime)`.
    pub fn periods(&self) -> Result<Vec<(i64, i64)>, Hi1Error> {
        let task = self.label();
        match (self.observed.as_slice(), self.start, self.end) {
            ([], Some(s), Some(e)) if s <= e => Ok(vec![(s, e)]),
            ([], Some(_), Some(_)) => Err(Hi1Error::Period(format!(
                "task {task}: its EndTime lies before its StartTime"
            ))),
            ([], _, _) => Err(Hi1Error::Period(format!(
                "task {task} gives neither ObservedTime (or ObservedTimes) nor both StartTime \
                 and EndTime"
            ))),
            (_, None, None) => Ok(self.observed.iter().map(|&t| (t, t)).collect()),
            (_, _, _) => Err(Hi1Error::Period(format!(
                "task {task} gives both observed moments and a StartTime or EndTime; choose \
                 one: the moments (ObservedTime, ObservedTimes) or one period (StartTime and \
                 EndTime), or send two tasks"
            ))),
        }
    }
}

/// What an action creates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Object {
    /// An authorisation.
    Authorisation(Authorisation),
    /// A lawful-disclosure task.
    LdTask(LdTask),
    /// Another HI-1 object, by its `xsi:type` local name.
    Other(String),
}

/// One action of the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    /// The action's identifier within the message.
    pub id: String,
    /// `CREATE`, `GET`, `LIST`, …
    pub verb: Verb,
    /// The object of a CREATE (or UPDATE); none for the others, and none when the
    /// object cannot be read (see `problem`).
    pub object: Option<Object>,
    /// The object a GET (or DELETE) names by its `Identifier`.
    pub target: Option<String>,
    /// The object type a LIST asks for (`ObjectType` value); none for all.
    pub list_type: Option<String>,
    /// Why this action cannot be carried out although the message was read: the code
    /// and description it is answered with (the other actions are judged on their own).
    pub problem: Option<(Hi1Code, String)>,
    /// The `HI1Object` of a CREATE or UPDATE as received (canonical; see [`Received`]),
    /// for an authorisation or task that was read.
    pub received: Option<Received>,
    /// The `ObjectIdentifier` of its `HI1Object`, when it has one, even if the object
    /// cannot be read otherwise (so that a task resting on it can be told why it fails).
    pub object_id: Option<String>,
}

/// An HI-1 request message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The header.
    pub header: Header,
    /// The actions, in order.
    pub actions: Vec<Action>,
}

/// A message that cannot be answered action by action: the error, and its header when
/// that could be read (the message is then answered with one top-level
/// `ErrorInformation`; without it there is no one to answer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    /// The header, if it could be read.
    pub header: Option<Header>,
    /// What is wrong.
    pub error: Hi1Error,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for Unreadable {}

/// Reads an HI-1 request message. A problem inside one action is that action's
/// `problem`; only a message whose XML, header or list of actions cannot be read (or an
/// action without an `ActionIdentifier`) is [`Unreadable`].
#[expect(
    clippy::result_large_err,
    reason = "read once per message; the header travels by value to the response writer"
)]
pub fn parse_request(xml: &str) -> Result<Request, Unreadable> {
    let unreadable = |header: Option<&Header>, error| Unreadable {
        header: header.cloned(),
        error,
    };
    let root = tree::parse(xml).map_err(|e| unreadable(None, e))?;
    if root.ns != CORE || root.name != "HI1Message" {
        return Err(unreadable(
            None,
            Hi1Error::Missing("the root element HI1Message in the HI-1 core namespace".into()),
        ));
    }
    let header = header(&root).map_err(|e| unreadable(None, e))?;
    let requests = root
        .at(&[
            (CORE, "Payload"),
            (CORE, "RequestPayload"),
            (CORE, "ActionRequests"),
        ])
        .ok_or_else(|| {
            unreadable(
                Some(&header),
                Hi1Error::Missing("Payload/RequestPayload/ActionRequests".into()),
            )
        })?;
    let actions = requests
        .children(CORE, "ActionRequest")
        .map(action)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| unreadable(Some(&header), e))?;
    if actions.is_empty() {
        return Err(unreadable(
            Some(&header),
            Hi1Error::Missing("an ActionRequest".into()),
        ));
    }
    Ok(Request { header, actions })
}

fn header(root: &Element) -> Result<Header, Hi1Error> {
    let header = root
        .child(CORE, "Header")
        .ok_or_else(|| Hi1Error::Missing("Header".into()))?;
    let endpoint = |name: &str| -> Result<Endpoint, Hi1Error> {
        Ok(Endpoint {
            country: required(header, &[(CORE, name), (CORE, "CountryCode")])?,
            id: required(header, &[(CORE, name), (CORE, "UniqueIdentifier")])?,
        })
    };
    Ok(Header {
        sender: endpoint("SenderIdentifier")?,
        receiver: endpoint("ReceiverIdentifier")?,
        transaction: required(header, &[(CORE, "TransactionIdentifier")])?,
        timestamp: required(header, &[(CORE, "Timestamp")])?,
        version: required(header, &[(CORE, "Version"), (CORE, "ETSIVersion")])?,
        profile_owner: required(header, &[(CORE, "Version"), (CORE, "NationalProfileOwner")])?,
        profile_version: required(
            header,
            &[(CORE, "Version"), (CORE, "NationalProfileVersion")],
        )?,
    })
}

/// One action; `Err` only when it has no identifier to be answered by.
fn action(a: &Element) -> Result<Action, Hi1Error> {
    let id = required(a, &[(CORE, "ActionIdentifier")])?;
    // An xs:nonNegativeInteger, echoed in the answer: another value would make the
    // answer itself invalid, so the message is answered as a whole.
    if !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Hi1Error::Missing(
            "ActionIdentifier that is a number (0, 1, …) for each action".into(),
        ));
    }
    let mut action = Action {
        id: id.clone(),
        verb: Verb::Other(String::new()),
        object: None,
        target: None,
        list_type: None,
        problem: None,
        received: None,
        object_id: None,
    };
    let Some(verb) = a
        .children
        .iter()
        .find(|c| c.ns == CORE && c.name != "ActionIdentifier")
    else {
        action.problem = Some((
            Hi1Code::Unreadable,
            format!(
                "action {id}: {}",
                Hi1Error::Missing("verb (GET, CREATE, UPDATE, LIST or DELIVER)".into())
            ),
        ));
        return Ok(action);
    };
    action.verb = Verb::from_name(&verb.name);
    action.target = verb.text_at(&[(CORE, "Identifier")]).map(str::to_owned);
    action.list_type = verb
        .text_at(&[(CORE, "ObjectType"), (COMMON, "Value")])
        .map(str::to_owned);
    let Some(o) = verb.child(CORE, "HI1Object") else {
        return Ok(action);
    };
    action.object_id = o
        .text_at(&[(CORE, "ObjectIdentifier")])
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let read = match o.xsi_type.as_ref().map(|(ns, n)| (ns.as_str(), n.as_str())) {
        Some((AUTH, "AuthorisationObject")) => objects::authorisation(o).map(Object::Authorisation),
        Some((TASK, "LDTaskObject")) => objects::ld_task(o, &action.verb).map(Object::LdTask),
        Some((_, other)) => Ok(Object::Other(other.to_owned())),
        None => Err((
            Hi1Code::Unreadable,
            Hi1Error::Missing("xsi:type of the HI1Object".into()).to_string(),
        )),
    };
    match read {
        Ok(object) => {
            if matches!(action.verb, Verb::Create | Verb::Update)
                && !matches!(object, Object::Other(_))
            {
                action.received = Received::of(o);
            }
            action.object = Some(object);
        }
        Err((code, why)) => action.problem = Some((code, format!("action {id}: {why}"))),
    }
    Ok(action)
}

pub(crate) fn entry(e: &Element) -> Entry {
    let text = |name| e.text_at(&[(COMMON, name)]).unwrap_or_default().to_owned();
    Entry {
        owner: text("Owner"),
        name: text("Name"),
        value: text("Value"),
    }
}

pub(crate) fn required(e: &Element, path: &[(&str, &str)]) -> Result<String, Hi1Error> {
    match e.text_at(path) {
        Some(t) if !t.is_empty() => Ok(t.to_owned()),
        _ => Err(Hi1Error::Missing(
            path.iter().map(|(_, n)| *n).collect::<Vec<_>>().join("/"),
        )),
    }
}
