//! HI-1 responses: per action a `CREATEResponse`, a `GETResponse` (a task, or a delivery
//! with its records), a `LISTResponse` or an `ErrorInformation`, or one
//! `ErrorInformation` for a message that cannot be read at all. Written with quick-xml's
//! writer (which escapes text) and valid against ETSI's schema (the tests check each kind
//! with `xmllint`).

use std::io;

use jiff::Timestamp;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::code::Hi1Code;
use crate::delivery::{DELIVERY, DeliveryView, delivery_object};
use crate::objects::ETSI_TYPES;
use crate::received::{Received, needed, write_tree};
use crate::request::{AUTH, COMMON, CORE, Endpoint, Header, TASK};
use crate::tree::Element;

/// XML Schema instance, for `xsi:type`.
pub(crate) const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The status of a lawful-disclosure task (ETSI dictionary `LDTaskStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskStatus {
    /// Waiting for an approval.
    AwaitingApproval,
    /// Accepted; the disclosure is being made.
    AwaitingDisclosure,
    /// Disclosed: the answer is available.
    Disclosed,
    /// No disclosure can be made.
    DisclosureNotAvailable,
    /// Refused.
    Rejected,
    /// Withdrawn by the requester.
    Cancelled,
    /// Failed at the point.
    Error,
    /// Not valid.
    Invalid,
}

impl TaskStatus {
    /// The dictionary value.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::AwaitingApproval => "AwaitingApproval",
            TaskStatus::AwaitingDisclosure => "AwaitingDisclosure",
            TaskStatus::Disclosed => "Disclosed",
            TaskStatus::DisclosureNotAvailable => "DisclosureNotAvailable",
            TaskStatus::Rejected => "Rejected",
            TaskStatus::Cancelled => "Cancelled",
            TaskStatus::Error => "Error",
            TaskStatus::Invalid => "Invalid",
        }
    }
}

/// A task as a GET shows it: identity, status and why, and (when kept) the task as
/// received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskView {
    /// Its object identifier.
    pub object: String,
    /// The owner's country.
    pub country: String,
    /// The owner (who created it).
    pub owner: String,
    /// How many times it changed.
    pub generation: u64,
    /// Its authorisation.
    pub associated: Vec<String>,
    /// When it last changed.
    pub last_changed: Timestamp,
    /// The task's reference (an LDID, `XX-…-…`).
    pub reference: String,
    /// Its status.
    pub status: TaskStatus,
    /// Why it is in that status, for a refusal or failure: code and description.
    pub reason: Option<(Hi1Code, String)>,
    /// The `LDTaskObject` as received. When given, the GET shows it (its own object
    /// identifier, country, owner, associated objects, `Reference`, `DesiredStatus`,
    /// `RequestDetails`, `DeliveryDetails`, `Flags`) with this view's `Generation`,
    /// `LastChanged`, `Status` and `StatusReason`; when not, only this view.
    pub received: Option<Received>,
}

/// One object a LIST names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// `LDTask` or `Authorisation` (ETSI dictionary `ObjectType`).
    pub kind: &'static str,
    /// Its object identifier.
    pub object: String,
    /// How many times it changed.
    pub generation: u64,
    /// When it last changed.
    pub last_changed: Timestamp,
}

/// The ETSI version tdip speaks.
pub const ETSI_VERSION: &str = "V1.12.1";

/// How tdip answers one action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The object was created under this identifier.
    Created(String),
    /// The object of this identifier was updated (an authorisation: the service keeps
    /// the new one in place of the old): an `UPDATEResponse`.
    Updated(String),
    /// A GET of a task: the task as it stands.
    Got(TaskView),
    /// A GET of an authorisation: the `AuthorisationObject` as received.
    GotAuthorisation(Received),
    /// A GET of a delivery: the `DeliveryObject` with the records answering its task.
    Delivered(DeliveryView),
    /// A LIST: the objects the sender may see.
    Listed(Vec<Listed>),
    /// The action failed: a code (see `docs/hi1.md`) and a description for the sender.
    Failed {
        /// Error code.
        code: Hi1Code,
        /// What is wrong and what to do (never an identifier's value).
        description: String,
    },
}

/// A response to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The request's header: the response goes back to its sender, same transaction.
    pub to: Header,
    /// When the response is sent.
    pub at: Timestamp,
    /// Per action, by its identifier; or, for a message that could not be read, one
    /// top-level error.
    pub body: Body,
}

/// What a response carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// Per action: its identifier and outcome.
    Actions(Vec<(String, Outcome)>),
    /// The whole message failed.
    Error {
        /// Error code.
        code: Hi1Code,
        /// What is wrong.
        description: String,
    },
}

impl Response {
    /// The response as an HI-1 message.
    pub fn to_xml(&self) -> String {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        self.write(&mut w)
            .expect("writing XML into memory does not fail");
        String::from_utf8(w.into_inner()).expect("the writer writes UTF-8")
    }

    fn write(&self, w: &mut Writer<Vec<u8>>) -> io::Result<()> {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
        w.create_element("HI1Message")
            .with_attribute(("xmlns", CORE))
            .with_attribute(("xmlns:xsi", XSI))
            .with_attribute(("xmlns:common", COMMON))
            .with_attribute(("xmlns:task", TASK))
            .with_attribute(("xmlns:delivery", DELIVERY))
            .write_inner_content(|w| {
                w.create_element("Header").write_inner_content(|w| {
                    // Back to the sender, from its receiver.
                    endpoint(w, "SenderIdentifier", &self.to.receiver)?;
                    endpoint(w, "ReceiverIdentifier", &self.to.sender)?;
                    text(w, "TransactionIdentifier", &self.to.transaction)?;
                    // A QualifiedMicrosecondDateTime: six decimals, always.
                    text(
                        w,
                        "Timestamp",
                        &self.at.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
                    )?;
                    w.create_element("Version").write_inner_content(|w| {
                        text(w, "ETSIVersion", ETSI_VERSION)?;
                        text(w, "NationalProfileOwner", &self.to.profile_owner)?;
                        text(w, "NationalProfileVersion", &self.to.profile_version)
                    })?;
                    Ok(())
                })?;
                w.create_element("Payload").write_inner_content(|w| {
                    w.create_element("ResponsePayload")
                        .write_inner_content(|w| match &self.body {
                            Body::Error { code, description } => error(w, *code, description),
                            Body::Actions(actions) => {
                                w.create_element("ActionResponses")
                                    .write_inner_content(|w| {
                                        for (id, outcome) in actions {
                                            action(w, id, outcome)?;
                                        }
                                        Ok(())
                                    })?;
                                Ok(())
                            }
                        })?;
                    Ok(())
                })?;
                Ok(())
            })?;
        Ok(())
    }
}

fn action(w: &mut Writer<Vec<u8>>, id: &str, outcome: &Outcome) -> io::Result<()> {
    w.create_element("ActionResponse")
        .write_inner_content(|w| {
            text(w, "ActionIdentifier", id)?;
            match outcome {
                Outcome::Created(identifier) => {
                    w.create_element("CREATEResponse")
                        .write_inner_content(|w| text(w, "Identifier", identifier))?;
                    Ok(())
                }
                Outcome::Updated(identifier) => {
                    w.create_element("UPDATEResponse")
                        .write_inner_content(|w| text(w, "Identifier", identifier))?;
                    Ok(())
                }
                Outcome::GotAuthorisation(received) => {
                    let tree = received.tree();
                    w.create_element("GETResponse")
                        .write_inner_content(|w| write_tree(w, &tree, &undeclared(&tree)))?;
                    Ok(())
                }
                Outcome::Got(task) => {
                    w.create_element("GETResponse")
                        .write_inner_content(|w| task_object(w, task))?;
                    Ok(())
                }
                Outcome::Delivered(delivery) => {
                    w.create_element("GETResponse")
                        .write_inner_content(|w| delivery_object(w, delivery))?;
                    Ok(())
                }
                Outcome::Listed(objects) => {
                    w.create_element("LISTResponse").write_inner_content(|w| {
                        for o in objects {
                            w.create_element("ListResponseRecord")
                                .write_inner_content(|w| {
                                    entry(w, "ObjectType", "ETSI", "ObjectType", o.kind)?;
                                    text(w, "Identifier", &o.object)?;
                                    text(w, "Generation", &o.generation.to_string())?;
                                    text(w, "LastChanged", &seconds(o.last_changed))
                                })?;
                        }
                        Ok(())
                    })?;
                    Ok(())
                }
                Outcome::Failed { code, description } => error(w, *code, description),
            }
        })?;
    Ok(())
}

/// The fields every `HI1Object` begins with.
pub(crate) struct Base<'a> {
    pub object: &'a str,
    pub country: &'a str,
    pub owner: &'a str,
    pub generation: u64,
    pub associated: &'a [String],
    pub last_changed: Timestamp,
}

/// Writes the fields every `HI1Object` begins with.
pub(crate) fn base(w: &mut Writer<Vec<u8>>, b: &Base<'_>) -> io::Result<()> {
    text(w, "ObjectIdentifier", b.object)?;
    text(w, "CountryCode", b.country)?;
    text(w, "OwnerIdentifier", b.owner)?;
    text(w, "Generation", &b.generation.to_string())?;
    if !b.associated.is_empty() {
        w.create_element("AssociatedObjects")
            .write_inner_content(|w| {
                for a in b.associated {
                    text(w, "AssociatedObject", a)?;
                }
                Ok(())
            })?;
    }
    text(w, "LastChanged", &seconds(b.last_changed))
}

/// The namespaces `e` uses that the response's root does not declare.
fn undeclared(e: &Element) -> Vec<&'static str> {
    needed(e)
        .into_iter()
        .filter(|ns| [AUTH, ETSI_TYPES].contains(ns))
        .collect()
}

fn task_object(w: &mut Writer<Vec<u8>>, t: &TaskView) -> io::Result<()> {
    let received = t.received.as_ref().map(Received::tree).unwrap_or_default();
    let mut start = w
        .create_element("HI1Object")
        .with_attribute(("xsi:type", "task:LDTaskObject"));
    for ns in undeclared(&received) {
        let prefix = if ns == AUTH {
            "xmlns:auth"
        } else {
            "xmlns:etsi"
        };
        start = start.with_attribute((prefix, ns));
    }
    start.write_inner_content(|w| {
        let own = |name: &str| received.text_at(&[(CORE, name)]).map(str::to_owned);
        let object = own("ObjectIdentifier").unwrap_or_else(|| t.object.clone());
        let country = own("CountryCode").unwrap_or_else(|| t.country.clone());
        let owner = own("OwnerIdentifier").unwrap_or_else(|| t.owner.clone());
        let associated: Vec<String> = match received.child(CORE, "AssociatedObjects") {
            Some(a) => a.children.iter().map(|c| c.text.clone()).collect(),
            None => t.associated.clone(),
        };
        let b = Base {
            object: &object,
            country: &country,
            owner: &owner,
            generation: t.generation,
            associated: &associated,
            last_changed: t.last_changed,
        };
        base(w, &b)?;
        let reference = received
            .text_at(&[(TASK, "Reference")])
            .unwrap_or(&t.reference);
        if !reference.is_empty() {
            text(w, "task:Reference", reference)?;
        }
        entry(w, "task:Status", "ETSI", "LDTaskStatus", t.status.as_str())?;
        if let Some((code, description)) = &t.reason {
            w.create_element("task:StatusReason")
                .write_inner_content(|w| {
                    text(w, "ErrorCode", &code.to_string())?;
                    text(w, "ErrorDescription", description)
                })?;
        }
        // The rest as received, in the schema's order (Received keeps that order and
        // has no Status or StatusReason of the sender's).
        for c in received
            .children
            .iter()
            .filter(|c| c.ns == TASK && c.name != "Reference")
        {
            write_tree(w, c, &[])?;
        }
        Ok(())
    })?;
    Ok(())
}

/// A dictionary entry named `element`.
pub(crate) fn entry(
    w: &mut Writer<Vec<u8>>,
    element: &str,
    owner: &str,
    name: &str,
    value: &str,
) -> io::Result<()> {
    w.create_element(element).write_inner_content(|w| {
        text(w, "common:Owner", owner)?;
        text(w, "common:Name", name)?;
        text(w, "common:Value", value)
    })?;
    Ok(())
}

/// An ETSI QualifiedDateTime to the second, UTC.
pub(crate) fn seconds(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub(crate) fn error(w: &mut Writer<Vec<u8>>, code: Hi1Code, description: &str) -> io::Result<()> {
    w.create_element("ErrorInformation")
        .write_inner_content(|w| {
            text(w, "ErrorCode", &code.to_string())?;
            text(w, "ErrorDescription", description)
        })?;
    Ok(())
}

pub(crate) fn endpoint(w: &mut Writer<Vec<u8>>, name: &str, e: &Endpoint) -> io::Result<()> {
    w.create_element(name).write_inner_content(|w| {
        text(w, "CountryCode", &e.country)?;
        text(w, "UniqueIdentifier", &e.id)
    })?;
    Ok(())
}

pub(crate) fn text(w: &mut Writer<Vec<u8>>, name: &str, value: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}
