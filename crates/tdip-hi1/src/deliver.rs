//! The DELIVER message a point pushes to a task's delivery destination (a `DeliveryObject`
//! in an `ActionRequest`, as ETSI's `request5-Binary-Delivery.xml`), reading the
//! receiver's answer to it, and the `DELIVERResponse` a receiver answers it with.

use std::io;

use jiff::Timestamp;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, Event};

use crate::Hi1Error;
use crate::code::{Hi1Code, Verb};
use crate::delivery::{DELIVERY, DeliveryView, delivery_object};
use crate::request::{COMMON, CORE, Endpoint, Header, TASK, parse_request};
use crate::response::{ETSI_VERSION, XSI, endpoint, error, text};
use crate::tree::{self, Element};

/// A delivery pushed to the agency system a task came from: a request of its own (action
/// 0, `DELIVER`), from the task's receiver back to its sender.
///
/// `Debug` shows the delivery as [`DeliveryView`]'s does: never a record's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deliver {
    /// The header of the request that created the task: the DELIVER goes from its receiver
    /// to its sender, with its national profile.
    pub to: Header,
    /// The DELIVER's own transaction identifier (a UUID; not the task's).
    pub transaction: String,
    /// When it is sent.
    pub at: Timestamp,
    /// The delivery.
    pub delivery: DeliveryView,
}

impl Deliver {
    /// The DELIVER as an HI-1 message.
    pub fn to_xml(&self) -> String {
        let header = Hop {
            from: &self.to.receiver,
            to: &self.to.sender,
            transaction: &self.transaction,
            at: self.at,
            profile: (&self.to.profile_owner, &self.to.profile_version),
        };
        message(&header, |w| {
            w.create_element("RequestPayload")
                .write_inner_content(|w| {
                    w.create_element("ActionRequests")
                        .write_inner_content(|w| {
                            w.create_element("ActionRequest").write_inner_content(|w| {
                                text(w, "ActionIdentifier", "0")?;
                                w.create_element("DELIVER").write_inner_content(|w| {
                                    text(w, "Identifier", &self.delivery.object)?;
                                    delivery_object(w, &self.delivery)
                                })?;
                                Ok(())
                            })?;
                            Ok(())
                        })?;
                    Ok(())
                })?;
            Ok(())
        })
    }
}

/// Why a receiver did not take a DELIVER. The description is the receiver's own text (or
/// says what in its answer could not be read); tdip's DELIVER holds no identifier in the
/// clear outside the base64 payload, so an echo of it names none.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", match .code {
    Some(code) => format!("the receiver refused the delivery with error code {code}: {}", .description),
    None => format!("the receiver's answer is not a DELIVERResponse: {}", .description),
})]
pub struct DeliverRefused {
    /// The answer's `ErrorCode`, if it gave one.
    pub code: Option<u64>,
    /// Its `ErrorDescription`, or what is wrong with the answer.
    pub description: String,
}

/// Reads a receiver's HI-1 answer to a DELIVER: Ok when the `ActionResponse` for action 0
/// is a `DELIVERResponse`; otherwise its `ErrorInformation` (or the message-level one), or
/// what makes the answer no HI-1 response.
pub fn deliver_answer(xml: &str) -> Result<(), DeliverRefused> {
    let unreadable = |why: String| DeliverRefused {
        code: None,
        description: why,
    };
    let root = tree::parse(xml).map_err(|e| unreadable(format!("not an HI-1 response: {e}")))?;
    if root.ns != CORE || root.name != "HI1Message" {
        return Err(unreadable(
            "not an HI-1 response: its root is not HI1Message in the HI-1 core namespace".into(),
        ));
    }
    let payload = root
        .at(&[(CORE, "Payload"), (CORE, "ResponsePayload")])
        .ok_or_else(|| unreadable("not an HI-1 response: it has no ResponsePayload".into()))?;
    if let Some(e) = payload.child(CORE, "ErrorInformation") {
        return Err(refusal(e));
    }
    let answer = payload
        .at(&[(CORE, "ActionResponses")])
        .and_then(|a| {
            a.children(CORE, "ActionResponse")
                .find(|r| r.text_at(&[(CORE, "ActionIdentifier")]) == Some("0"))
        })
        .ok_or_else(|| unreadable("it has no ActionResponse for action 0".into()))?;
    if answer.child(CORE, "DELIVERResponse").is_some() {
        return Ok(());
    }
    if let Some(e) = answer.child(CORE, "ErrorInformation") {
        return Err(refusal(e));
    }
    let other = answer
        .children
        .iter()
        .find(|c| c.name != "ActionIdentifier")
        .map_or("nothing", |c| c.name.as_str());
    Err(unreadable(format!(
        "action 0 is answered with {other}, not a DELIVERResponse"
    )))
}

/// An `ErrorInformation`'s code and description.
fn refusal(e: &Element) -> DeliverRefused {
    DeliverRefused {
        code: e
            .text_at(&[(CORE, "ErrorCode")])
            .and_then(|c| c.parse().ok()),
        description: e
            .text_at(&[(CORE, "ErrorDescription")])
            .unwrap_or("(no ErrorDescription)")
            .to_owned(),
    }
}

/// The answer an agency's receiver gives a DELIVER: per action a `DELIVERResponse` naming
/// the delivered object, or an `ErrorInformation` (code 2001) for an action that is not a
/// DELIVER; back to its sender, same transaction.
pub fn acknowledge(deliver_xml: &str, at: Timestamp) -> Result<String, Hi1Error> {
    let request = parse_request(deliver_xml).map_err(|u| u.error)?;
    let h = &request.header;
    let header = Hop {
        from: &h.receiver,
        to: &h.sender,
        transaction: &h.transaction,
        at,
        profile: (&h.profile_owner, &h.profile_version),
    };
    Ok(message(&header, |w| {
        w.create_element("ResponsePayload")
            .write_inner_content(|w| {
                w.create_element("ActionResponses")
                    .write_inner_content(|w| {
                        for a in &request.actions {
                            w.create_element("ActionResponse")
                                .write_inner_content(|w| {
                                    text(w, "ActionIdentifier", &a.id)?;
                                    match (&a.verb, &a.target) {
                                        (Verb::Deliver, Some(id)) => {
                                            w.create_element("DELIVERResponse")
                                                .write_inner_content(|w| {
                                                    text(w, "Identifier", id)
                                                })?;
                                            Ok(())
                                        }
                                        _ => error(
                                            w,
                                            Hi1Code::Verb,
                                            &format!(
                                                "action {}: this receiver takes only DELIVER \
                                                 with the Identifier of the object delivered",
                                                a.id
                                            ),
                                        ),
                                    }
                                })?;
                        }
                        Ok(())
                    })?;
                Ok(())
            })?;
        Ok(())
    }))
}

/// Who a message goes from and to, its transaction, time and national profile.
struct Hop<'a> {
    from: &'a Endpoint,
    to: &'a Endpoint,
    transaction: &'a str,
    at: Timestamp,
    profile: (&'a str, &'a str),
}

/// An HI-1 message with this header and the payload `body` writes.
fn message(h: &Hop<'_>, body: impl FnOnce(&mut Writer<Vec<u8>>) -> io::Result<()>) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    write(&mut w, h, body).expect("writing XML into memory does not fail");
    String::from_utf8(w.into_inner()).expect("the writer writes UTF-8")
}

fn write(
    w: &mut Writer<Vec<u8>>,
    h: &Hop<'_>,
    body: impl FnOnce(&mut Writer<Vec<u8>>) -> io::Result<()>,
) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    w.create_element("HI1Message")
        .with_attribute(("xmlns", CORE))
        .with_attribute(("xmlns:xsi", XSI))
        .with_attribute(("xmlns:common", COMMON))
        .with_attribute(("xmlns:task", TASK))
        .with_attribute(("xmlns:delivery", DELIVERY))
        .write_inner_content(|w| {
            w.create_element("Header").write_inner_content(|w| {
                endpoint(w, "SenderIdentifier", h.from)?;
                endpoint(w, "ReceiverIdentifier", h.to)?;
                text(w, "TransactionIdentifier", h.transaction)?;
                // A QualifiedMicrosecondDateTime: six decimals, always.
                text(
                    w,
                    "Timestamp",
                    &h.at.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
                )?;
                w.create_element("Version").write_inner_content(|w| {
                    text(w, "ETSIVersion", ETSI_VERSION)?;
                    text(w, "NationalProfileOwner", h.profile.0)?;
                    text(w, "NationalProfileVersion", h.profile.1)
                })?;
                Ok(())
            })?;
            w.create_element("Payload").write_inner_content(body)?;
            Ok(())
        })?;
    Ok(())
}
