//! What an HI-1 request carries for tdip: its header, and per action the object created
//! (an `AuthorisationObject` or an `LDTaskObject`) with the fields a lawful-disclosure
//! task needs, mapped onto tdip's identifiers and moments.

use jiff::Timestamp;
use tdip_model::{IdentKind, normalize};

use crate::Hi1Error;
use crate::code::Verb;
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
            "IPv4Address" | "IPv6Address" | "IPv4CIDR" | "IPv6CIDR" => IdentKind::Ip,
            "EmailAddress" | "InternationalizedEmailAddress" => IdentKind::Email,
            "MACAddress" => IdentKind::Mac,
            other => return Err(Hi1Error::UnsupportedFormat(other.to_owned())),
        })
    }

    /// The identifier as tdip reads it: its kind and normalised value, or why it is not
    /// valid (without the value).
    pub fn identifier(&self) -> Result<(IdentKind, String), Hi1Error> {
        let kind = self.kind()?;
        // ETSI's InternationalE164 is the digits of an international number, no '+'.
        let raw = if kind == IdentKind::Msisdn && !self.value.starts_with('+') {
            format!("+{}", self.value)
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

/// A lawful-disclosure task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LdTask {
    /// Its object identifier (a UUID).
    pub object: String,
    /// The objects it is associated with (its authorisation).
    pub associated: Vec<String>,
    /// The task's reference.
    pub reference: String,
    /// The status the requester wants (`AwaitingDisclosure`).
    pub desired_status: Option<Entry>,
    /// The kind of request (`IdentityAssociation`, `SubscriberData`, …).
    pub request_type: Option<Entry>,
    /// The moment asked about (UTC seconds).
    pub observed: Option<i64>,
    /// The period asked about (UTC seconds).
    pub start: Option<i64>,
    /// End of the period.
    pub end: Option<i64>,
    /// The identifiers asked about.
    pub values: Vec<RequestValue>,
    /// Its flags' values (`IsEmergency`, `IsTest`, …).
    pub flags: Vec<String>,
}

impl LdTask {
    /// The moment or period asked about (UTC seconds, both ends included): the
    /// `ObservedTime`, or `StartTime` to `EndTime`.
    pub fn period(&self) -> Result<(i64, i64), Hi1Error> {
        match (self.observed, self.start, self.end) {
            (Some(t), _, _) => Ok((t, t)),
            (None, Some(s), Some(e)) if s <= e => Ok((s, e)),
            (None, Some(_), Some(_)) => Err(Hi1Error::Period(format!(
                "task {}: its EndTime lies before its StartTime",
                self.reference
            ))),
            _ => Err(Hi1Error::Period(format!(
                "task {} gives neither ObservedTime nor both StartTime and EndTime",
                self.reference
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
    /// The object of a CREATE (or UPDATE); none for the others.
    pub object: Option<Object>,
    /// The object a GET (or DELETE) names by its `Identifier`.
    pub target: Option<String>,
    /// The object type a LIST asks for (`ObjectType` value); none for all.
    pub list_type: Option<String>,
}

/// An HI-1 request message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The header.
    pub header: Header,
    /// The actions, in order.
    pub actions: Vec<Action>,
}

/// Reads an HI-1 request message.
pub fn parse_request(xml: &str) -> Result<Request, Hi1Error> {
    let root = tree::parse(xml)?;
    if root.ns != CORE || root.name != "HI1Message" {
        return Err(Hi1Error::Missing(
            "the root element HI1Message in the HI-1 core namespace".into(),
        ));
    }
    let header = root
        .child(CORE, "Header")
        .ok_or_else(|| Hi1Error::Missing("Header".into()))?;
    let endpoint = |name: &str| -> Result<Endpoint, Hi1Error> {
        Ok(Endpoint {
            country: required(header, &[(CORE, name), (CORE, "CountryCode")])?,
            id: required(header, &[(CORE, name), (CORE, "UniqueIdentifier")])?,
        })
    };
    let header = Header {
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
    };
    let requests = root
        .at(&[
            (CORE, "Payload"),
            (CORE, "RequestPayload"),
            (CORE, "ActionRequests"),
        ])
        .ok_or_else(|| Hi1Error::Missing("Payload/RequestPayload/ActionRequests".into()))?;
    let actions = requests
        .children(CORE, "ActionRequest")
        .map(action)
        .collect::<Result<Vec<_>, _>>()?;
    if actions.is_empty() {
        return Err(Hi1Error::Missing("an ActionRequest".into()));
    }
    Ok(Request { header, actions })
}

fn action(a: &Element) -> Result<Action, Hi1Error> {
    let id = required(a, &[(CORE, "ActionIdentifier")])?;
    let verb = a
        .children
        .iter()
        .find(|c| c.ns == CORE && c.name != "ActionIdentifier")
        .ok_or_else(|| Hi1Error::Missing(format!("the verb of action {id}")))?;
    let object = match verb.child(CORE, "HI1Object") {
        None => None,
        Some(o) => Some(
            match o.xsi_type.as_ref().map(|(ns, n)| (ns.as_str(), n.as_str())) {
                Some((AUTH, "AuthorisationObject")) => Object::Authorisation(authorisation(o)?),
                Some((TASK, "LDTaskObject")) => Object::LdTask(ld_task(o)?),
                Some((_, other)) => Object::Other(other.to_owned()),
                None => {
                    return Err(Hi1Error::Missing(format!(
                        "the xsi:type of action {id}'s object"
                    )));
                }
            },
        ),
    };
    Ok(Action {
        id,
        verb: Verb::from_name(&verb.name),
        object,
        target: verb.text_at(&[(CORE, "Identifier")]).map(str::to_owned),
        list_type: verb
            .text_at(&[(CORE, "ObjectType"), (COMMON, "Value")])
            .map(str::to_owned),
    })
}

fn authorisation(o: &Element) -> Result<Authorisation, Hi1Error> {
    let span = |name| {
        o.text_at(&[(AUTH, "AuthorisationTimespan"), (AUTH, name)])
            .map(moment)
            .transpose()
    };
    Ok(Authorisation {
        object: required(o, &[(CORE, "ObjectIdentifier")])?,
        reference: o
            .text_at(&[(AUTH, "AuthorisationReference")])
            .map(str::to_owned),
        legal_type: o.child(AUTH, "AuthorisationLegalType").map(entry),
        start: span("StartTime")?,
        end: span("EndTime")?,
        approvals: o
            .children(AUTH, "AuthorisationApprovalDetails")
            .map(|a| {
                let text = |path: &[(&str, &str)]| a.text_at(path).map(str::to_owned);
                Approval {
                    kind: text(&[(COMMON, "ApprovalType")]),
                    reference: text(&[(COMMON, "ApprovalReference")]),
                    approver: text(&[(COMMON, "ApproverDetails"), (COMMON, "ApproverName")]),
                    // xs:boolean: "true" or "1".
                    emergency: matches!(
                        a.text_at(&[(COMMON, "ApprovalIsEmergency")]),
                        Some("true" | "1")
                    ),
                }
            })
            .collect(),
    })
}

fn ld_task(o: &Element) -> Result<LdTask, Hi1Error> {
    let details = o.child(TASK, "RequestDetails");
    let time = |name| {
        details
            .and_then(|d| d.text_at(&[(TASK, name)]))
            .map(moment)
            .transpose()
    };
    let values = details
        .and_then(|d| d.child(TASK, "RequestValues"))
        .map(|v| {
            v.children(TASK, "RequestValue")
                .map(|r| {
                    Ok(RequestValue {
                        owner: required(r, &[(TASK, "FormatType"), (TASK, "FormatOwner")])?,
                        format: required(r, &[(TASK, "FormatType"), (TASK, "FormatName")])?,
                        value: required(r, &[(TASK, "Value")])?,
                    })
                })
                .collect::<Result<Vec<_>, Hi1Error>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(LdTask {
        object: required(o, &[(CORE, "ObjectIdentifier")])?,
        associated: o
            .child(CORE, "AssociatedObjects")
            .map(|a| {
                a.children(CORE, "AssociatedObject")
                    .map(|e| e.text.clone())
                    .collect()
            })
            .unwrap_or_default(),
        reference: required(o, &[(TASK, "Reference")])?,
        desired_status: o.child(TASK, "DesiredStatus").map(entry),
        request_type: details.and_then(|d| d.child(TASK, "Type")).map(entry),
        observed: time("ObservedTime")?,
        start: time("StartTime")?,
        end: time("EndTime")?,
        values,
        flags: o
            .child(TASK, "Flags")
            .map(|f| {
                f.children(TASK, "LDTaskFlag")
                    .map(|e| entry(e).value)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

fn entry(e: &Element) -> Entry {
    let text = |name| e.text_at(&[(COMMON, name)]).unwrap_or_default().to_owned();
    Entry {
        owner: text("Owner"),
        name: text("Name"),
        value: text("Value"),
    }
}

fn required(e: &Element, path: &[(&str, &str)]) -> Result<String, Hi1Error> {
    match e.text_at(path) {
        Some(t) if !t.is_empty() => Ok(t.to_owned()),
        _ => Err(Hi1Error::Missing(
            path.iter().map(|(_, n)| *n).collect::<Vec<_>>().join("/"),
        )),
    }
}

/// An ETSI QualifiedDateTime (RFC 3339 with an offset) as UTC seconds.
fn moment(s: &str) -> Result<i64, Hi1Error> {
    s.parse::<Timestamp>()
        .map(|t| t.as_second())
        .map_err(|e| Hi1Error::Time(format!("{s}: {e}")))
}
