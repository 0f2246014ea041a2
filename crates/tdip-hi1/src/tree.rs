//! A namespace-resolved element tree of one HI-1 message, read with quick-xml's
//! namespace-aware reader (its serde layer does not resolve namespaces). Only what HI-1
//! needs: element names as (namespace, local name), text, and `xsi:type` resolved.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::name::{QName, ResolveResult};
use quick_xml::{NsReader, XmlVersion};

use crate::Hi1Error;

/// XML Schema instance: `xsi:type`.
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Most elements one message may hold: a guard against messages built to exhaust memory.
const MOST_ELEMENTS: usize = 100_000;

/// Deepest nesting accepted (ETSI's messages nest about 15 deep): a guard against
/// messages built to exhaust the stack.
const MOST_DEPTH: usize = 64;

/// One element. `Debug` shows names and structure, never text: a message's text holds
/// the identifiers asked about.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// Namespace URI, empty if none.
    pub ns: String,
    /// Local name.
    pub name: String,
    /// `xsi:type`, resolved: (namespace URI, local name).
    pub xsi_type: Option<(String, String)>,
    /// Its text, whitespace trimmed.
    pub text: String,
    /// Child elements in order.
    pub children: Vec<Element>,
}

impl std::fmt::Debug for Element {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Element")
            .field("ns", &self.ns)
            .field("name", &self.name)
            .field("xsi_type", &self.xsi_type)
            .field("children", &self.children)
            .finish_non_exhaustive()
    }
}

impl Element {
    /// The first child named `name` in namespace `ns`.
    pub fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.ns == ns && c.name == name)
    }

    /// Every child named `name` in namespace `ns`.
    pub fn children<'a>(&'a self, ns: &'a str, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children
            .iter()
            .filter(move |c| c.ns == ns && c.name == name)
    }

    /// The element at `path` (namespace, name pairs) below this one.
    pub fn at(&self, path: &[(&str, &str)]) -> Option<&Element> {
        path.iter()
            .try_fold(self, |e, (ns, name)| e.child(ns, name))
    }

    /// The text at `path`, if the element is there.
    pub fn text_at(&self, path: &[(&str, &str)]) -> Option<&str> {
        self.at(path).map(|e| e.text.as_str())
    }
}

/// Reads a whole message into its root element.
pub fn parse(xml: &str) -> Result<Element, Hi1Error> {
    let mut reader = NsReader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut count = 0usize;
    let bad = |reader: &NsReader<&[u8]>, e: &dyn std::fmt::Display| Hi1Error::Xml {
        at: reader.buffer_position(),
        reason: e.to_string(),
    };
    loop {
        let event = reader.read_event().map_err(|e| bad(&reader, &e))?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                count += 1;
                if count > MOST_ELEMENTS {
                    return Err(bad(&reader, &"the message has too many elements"));
                }
                let (ns, local) = reader.resolver().resolve_element(start.name());
                let mut el = Element {
                    ns: namespace(&ns),
                    name: local.as_ref().to_owned(),
                    ..Element::default()
                };
                for attr in start.attributes() {
                    let attr = attr.map_err(|e| bad(&reader, &e))?;
                    let (ans, alocal) = reader.resolver().resolve_attribute(attr.key);
                    if namespace(&ans) == XSI && alocal.as_ref() == "type" {
                        let value = attr
                            .normalized_value(XmlVersion::Implicit1_0)
                            .map_err(|e| bad(&reader, &e))?;
                        let (tns, tlocal) =
                            reader.resolver().resolve_element(QName(value.as_ref()));
                        if let ResolveResult::Unknown(p) = &tns {
                            return Err(bad(
                                &reader,
                                &format!("xsi:type {value} uses the undeclared prefix {p}"),
                            ));
                        }
                        el.xsi_type = Some((namespace(&tns), tlocal.as_ref().to_owned()));
                    }
                }
                if let ResolveResult::Unknown(p) = &ns {
                    return Err(bad(
                        &reader,
                        &format!("element {} uses the undeclared prefix {p}", el.name),
                    ));
                }
                if matches!(event, Event::Empty(_)) {
                    attach(&mut stack, el)?;
                } else if stack.len() == MOST_DEPTH {
                    return Err(bad(
                        &reader,
                        &format!("elements nest more than {MOST_DEPTH} deep"),
                    ));
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let mut el = stack
                    .pop()
                    .ok_or_else(|| bad(&reader, &"an end tag without a start"))?;
                el.text = el.text.trim().to_owned();
                if stack.is_empty() {
                    return Ok(el);
                }
                attach(&mut stack, el)?;
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let name = r.xml10_content();
                let resolved = match r.resolve_char_ref().map_err(|e| bad(&reader, &e))? {
                    Some(c) => c.to_string(),
                    None => resolve_predefined_entity(&name)
                        .ok_or_else(|| bad(&reader, &format!("unknown entity &{name};")))?
                        .to_owned(),
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::DocType(_) => {
                return Err(bad(
                    &reader,
                    &"a DOCTYPE is not accepted in an HI-1 message",
                ));
            }
            Event::Eof => return Err(bad(&reader, &"the message ends before its root element")),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
}

fn attach(stack: &mut [Element], el: Element) -> Result<(), Hi1Error> {
    match stack.last_mut() {
        Some(parent) => {
            parent.children.push(el);
            Ok(())
        }
        None => Err(Hi1Error::Xml {
            at: 0,
            reason: "the message has no root element around its content".into(),
        }),
    }
}

fn namespace(r: &ResolveResult<'_>) -> String {
    match r {
        ResolveResult::Bound(ns) => ns.as_ref().to_owned(),
        _ => String::new(),
    }
}
