//! An `HI1Object` as received, kept to be echoed by a GET and to tell an identical
//! resend from a changed one: compact canonical XML of what tdip reads of the object.

use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

use crate::objects::{ETSI_TYPES, emergency, moment, read_value};
use crate::request::{AUTH, COMMON, CORE, TASK};
use crate::response::seconds;
use crate::tree::{self, Element};

/// XML Schema instance, for `xsi:type`.
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// An `AuthorisationObject` or `LDTaskObject` as received, in canonical form: tdip's
/// prefixes with the namespaces declared on the object, text escaped, the elements tdip
/// reads in schema order (any other dropped, and `Generation`, `LastChanged`, `Status`
/// and `StatusReason` too: they are the point's to give), and values tdip reads
/// leniently written as it reads them (an `InternationalE164` without `+`, times in UTC
/// without fractions), so that the echo is valid against ETSI's schema. Two sends of
/// the same object are equal whatever their prefixes, whitespace or such spelling. It
/// costs about its XML size; `Debug` shows only that size (it holds identifiers).
#[derive(Clone, PartialEq, Eq)]
pub struct Received(Box<str>);

impl std::fmt::Debug for Received {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Received({} bytes)", self.0.len())
    }
}

/// How one element is kept.
enum Shape {
    /// Its text as received.
    Text,
    /// A QualifiedDateTime, written in UTC to the second.
    Time,
    /// An xs:boolean, written `true` or `false`.
    Emergency,
    /// A request value, written as tdip reads it (by its sibling `FormatName`).
    Value,
    /// These children, in this order.
    Node(&'static [Field]),
}

/// An element kept: namespace, local name, shape.
struct Field(&'static str, &'static str, Shape);

const ENTRY: &[Field] = &[
    Field(COMMON, "Owner", Shape::Text),
    Field(COMMON, "Name", Shape::Text),
    Field(COMMON, "Value", Shape::Text),
];

const ASSOCIATED: Field = Field(
    CORE,
    "AssociatedObjects",
    Shape::Node(&[Field(CORE, "AssociatedObject", Shape::Text)]),
);

const DETAILS: &[Field] = &[
    Field(TASK, "Type", Shape::Node(ENTRY)),
    Field(TASK, "StartTime", Shape::Time),
    Field(TASK, "EndTime", Shape::Time),
    Field(TASK, "ObservedTime", Shape::Time),
    Field(TASK, "ObservedTimes", Shape::Time),
    Field(
        TASK,
        "RequestValues",
        Shape::Node(&[Field(
            TASK,
            "RequestValue",
            Shape::Node(&[
                Field(
                    TASK,
                    "FormatType",
                    Shape::Node(&[
                        Field(TASK, "FormatOwner", Shape::Text),
                        Field(TASK, "FormatName", Shape::Text),
                    ]),
                ),
                Field(TASK, "Value", Shape::Value),
            ]),
        )]),
    ),
];

const IP_ADDRESS_PORT: &[Field] = &[
    Field(
        ETSI_TYPES,
        "address",
        Shape::Node(&[
            Field(ETSI_TYPES, "IPv4Address", Shape::Text),
            Field(ETSI_TYPES, "IPv6Address", Shape::Text),
        ]),
    ),
    Field(
        ETSI_TYPES,
        "port",
        Shape::Node(&[Field(ETSI_TYPES, "TCPPort", Shape::Text)]),
    ),
];

const DESTINATION: &[Field] = &[
    Field(
        TASK,
        "DeliveryAddress",
        Shape::Node(&[
            Field(TASK, "IPAddressPort", Shape::Node(IP_ADDRESS_PORT)),
            Field(TASK, "URL", Shape::Text),
        ]),
    ),
    Field(TASK, "LDHandoverFormat", Shape::Node(ENTRY)),
];

const TASK_OBJECT: &[Field] = &[
    Field(CORE, "ObjectIdentifier", Shape::Text),
    Field(CORE, "CountryCode", Shape::Text),
    Field(CORE, "OwnerIdentifier", Shape::Text),
    ASSOCIATED,
    Field(TASK, "Reference", Shape::Text),
    Field(TASK, "DesiredStatus", Shape::Node(ENTRY)),
    Field(TASK, "RequestDetails", Shape::Node(DETAILS)),
    Field(
        TASK,
        "DeliveryDetails",
        Shape::Node(&[Field(
            TASK,
            "LDDeliveryDestination",
            Shape::Node(DESTINATION),
        )]),
    ),
    Field(
        TASK,
        "Flags",
        Shape::Node(&[Field(TASK, "LDTaskFlag", Shape::Node(ENTRY))]),
    ),
];

const APPROVAL: &[Field] = &[
    Field(COMMON, "ApprovalType", Shape::Text),
    Field(COMMON, "ApprovalReference", Shape::Text),
    Field(
        COMMON,
        "ApproverDetails",
        Shape::Node(&[Field(COMMON, "ApproverName", Shape::Text)]),
    ),
    Field(COMMON, "ApprovalIsEmergency", Shape::Emergency),
];

const AUTHORISATION_OBJECT: &[Field] = &[
    Field(CORE, "ObjectIdentifier", Shape::Text),
    Field(CORE, "CountryCode", Shape::Text),
    Field(CORE, "OwnerIdentifier", Shape::Text),
    ASSOCIATED,
    Field(AUTH, "AuthorisationReference", Shape::Text),
    Field(AUTH, "AuthorisationLegalType", Shape::Node(ENTRY)),
    Field(
        AUTH,
        "AuthorisationTimespan",
        Shape::Node(&[
            Field(AUTH, "StartTime", Shape::Time),
            Field(AUTH, "EndTime", Shape::Time),
        ]),
    ),
    Field(AUTH, "AuthorisationApprovalDetails", Shape::Node(APPROVAL)),
];

/// The prefix tdip writes each namespace with (the core one is the default).
pub(crate) const PREFIXES: [(&str, &str); 6] = [
    (CORE, ""),
    (XSI, "xsi"),
    (COMMON, "common"),
    (TASK, "task"),
    (AUTH, "auth"),
    (ETSI_TYPES, "etsi"),
];

impl Received {
    /// The object `o` (an `HI1Object` already read) in canonical form; none if it is
    /// neither an authorisation nor a task.
    pub(crate) fn of(o: &Element) -> Option<Received> {
        let (ns, name) = o.xsi_type.as_ref()?;
        let fields = match (ns.as_str(), name.as_str()) {
            (TASK, "LDTaskObject") => TASK_OBJECT,
            (AUTH, "AuthorisationObject") => AUTHORISATION_OBJECT,
            _ => return None,
        };
        let kept = Element {
            ns: CORE.into(),
            name: "HI1Object".into(),
            xsi_type: o.xsi_type.clone(),
            text: String::new(),
            children: keep(o, fields),
        };
        let mut w = Writer::new(Vec::new());
        write_tree(&mut w, &kept, &needed(&kept)).ok()?;
        let xml = String::from_utf8(w.into_inner()).ok()?;
        Some(Received(xml.into_boxed_str()))
    }

    /// The canonical XML: one `HI1Object` element with its namespaces declared.
    pub fn xml(&self) -> &str {
        &self.0
    }

    /// The object as an element tree (it reads back, being tdip's own writing).
    pub(crate) fn tree(&self) -> Element {
        tree::parse(&self.0).unwrap_or_default()
    }
}

/// The children of `e` that `fields` keep, in their order, with their text canonical.
fn keep(e: &Element, fields: &[Field]) -> Vec<Element> {
    let mut out = Vec::new();
    for Field(ns, name, shape) in fields {
        for c in e.children(ns, name) {
            let text = match shape {
                Shape::Text => c.text.clone(),
                Shape::Time => match moment(&c.text, name, "") {
                    Ok(t) => jiff::Timestamp::from_second(t).map_or(c.text.clone(), seconds),
                    Err(_) => c.text.clone(),
                },
                Shape::Emergency => emergency(e).to_string(),
                Shape::Value => {
                    let format = e
                        .text_at(&[(TASK, "FormatType"), (TASK, "FormatName")])
                        .unwrap_or("");
                    read_value(format, &c.text).to_owned()
                }
                Shape::Node(_) => String::new(),
            };
            let children = match shape {
                Shape::Node(inner) => keep(c, inner),
                _ => Vec::new(),
            };
            out.push(Element {
                ns: (*ns).into(),
                name: (*name).into(),
                xsi_type: None,
                text,
                children,
            });
        }
    }
    out
}

fn prefixed(ns: &str, name: &str) -> String {
    match PREFIXES.iter().find(|(n, _)| *n == ns) {
        Some((_, "")) | None => name.to_owned(),
        Some((_, p)) => format!("{p}:{name}"),
    }
}

/// Whether `e` or an element below it is in namespace `ns`.
pub(crate) fn uses(e: &Element, ns: &str) -> bool {
    e.ns == ns || e.children.iter().any(|c| uses(c, ns))
}

/// The namespaces `e` needs declared: those it or its descendants use, and its
/// `xsi:type`'s (with `xsi` itself).
pub(crate) fn needed(e: &Element) -> Vec<&'static str> {
    let type_ns = e.xsi_type.as_ref().map(|(ns, _)| ns.as_str());
    PREFIXES
        .iter()
        .map(|(ns, _)| *ns)
        .filter(|ns| uses(e, ns) || type_ns == Some(ns) || (*ns == XSI && type_ns.is_some()))
        .collect()
}

/// Writes `e` with tdip's prefixes, declaring the namespaces `declare` on it.
pub(crate) fn write_tree(w: &mut Writer<Vec<u8>>, e: &Element, declare: &[&str]) -> io::Result<()> {
    let name = prefixed(&e.ns, &e.name);
    let mut start = BytesStart::new(name.as_str());
    for (ns, prefix) in PREFIXES.iter().filter(|(ns, _)| declare.contains(ns)) {
        if prefix.is_empty() {
            start.push_attribute(("xmlns", *ns));
        } else {
            start.push_attribute((format!("xmlns:{prefix}").as_str(), *ns));
        }
    }
    if let Some((ns, local)) = &e.xsi_type {
        start.push_attribute(("xsi:type", prefixed(ns, local).as_str()));
    }
    if e.children.is_empty() && e.text.is_empty() {
        w.write_event(Event::Empty(start))?;
        return Ok(());
    }
    w.write_event(Event::Start(start))?;
    if e.children.is_empty() {
        w.write_event(Event::Text(BytesText::new(&e.text)))?;
    }
    for c in &e.children {
        write_tree(w, c, &[])?;
    }
    w.write_event(Event::End(BytesEnd::new(name.as_str())))?;
    Ok(())
}
