//! Reading the two `HI1Object`s tdip takes, an `AuthorisationObject` and an
//! `LDTaskObject`, with the leniency and the refusals docs/hi1.md lists ("Where tdip is
//! lenient, and where it refuses"). A problem here is the action's, never the message's.

use std::net::{Ipv4Addr, Ipv6Addr};

use jiff::Timestamp;

use crate::Hi1Error;
use crate::code::{Hi1Code, Verb};
use crate::delivery::{PayloadFormat, RECORD_FORMAT};
use crate::request::{
    AUTH, Address, Approval, Authorisation, COMMON, CORE, Destination, LdTask, RequestValue, TASK,
    entry, required,
};
use crate::tree::Element;

/// TS 103 280's common types (`IPAddressPort` and its parts).
pub const ETSI_TYPES: &str = "http://uri.etsi.org/03280/common/2017/07";

/// Why an action cannot be carried out: its code and description.
pub(crate) type Problem = (Hi1Code, String);

/// The children of `RequestDetails` tdip reads; any other is refused, since it may narrow
/// or change the question (`Subtype` does).
pub(crate) const DETAILS_READ: [&str; 6] = [
    "Type",
    "StartTime",
    "EndTime",
    "ObservedTime",
    "ObservedTimes",
    "RequestValues",
];

/// The text tdip refuses a delivery address with.
const HTTPS_ONLY: &str = "tdip pushes deliveries over HTTPS only, to a URL https://… or an \
                          IPAddressPort; leave DeliveryAddress out to fetch the delivery with GET";

pub(crate) fn authorisation(o: &Element) -> Result<Authorisation, Problem> {
    let object = required(o, &[(CORE, "ObjectIdentifier")])
        .map_err(|e| (Hi1Code::Unreadable, format!("the AuthorisationObject: {e}")))?;
    let owner = format!("authorisation {object}");
    let span = |name| {
        o.text_at(&[(AUTH, "AuthorisationTimespan"), (AUTH, name)])
            .map(|t| moment(t, name, &owner))
            .transpose()
    };
    let (start, end) = (span("StartTime")?, span("EndTime")?);
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        return Err((
            Hi1Code::Invalid,
            format!("{owner}: its EndTime lies before its StartTime"),
        ));
    }
    Ok(Authorisation {
        object: object.clone(),
        reference: o
            .text_at(&[(AUTH, "AuthorisationReference")])
            .map(str::to_owned),
        legal_type: o.child(AUTH, "AuthorisationLegalType").map(entry),
        start,
        end,
        approvals: o
            .children(AUTH, "AuthorisationApprovalDetails")
            .map(|a| {
                let text = |path: &[(&str, &str)]| a.text_at(path).map(str::to_owned);
                Approval {
                    kind: text(&[(COMMON, "ApprovalType")]),
                    reference: text(&[(COMMON, "ApprovalReference")]),
                    approver: text(&[(COMMON, "ApproverDetails"), (COMMON, "ApproverName")]),
                    emergency: emergency(a),
                }
            })
            .collect(),
    })
}

/// `ApprovalIsEmergency`, an xs:boolean: "true" or "1".
pub(crate) fn emergency(approval: &Element) -> bool {
    matches!(
        approval.text_at(&[(COMMON, "ApprovalIsEmergency")]),
        Some("true" | "1")
    )
}

pub(crate) fn ld_task(o: &Element, verb: &Verb) -> Result<LdTask, Problem> {
    let object = required(o, &[(CORE, "ObjectIdentifier")])
        .map_err(|e| (Hi1Code::Unreadable, format!("the LDTaskObject: {e}")))?;
    let reference = o
        .text_at(&[(TASK, "Reference")])
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    if reference.is_none() && *verb == Verb::Create {
        return Err((
            Hi1Code::Incomplete,
            Hi1Error::Needed {
                what: format!("task:Reference in task {object}"),
                why: "as the LDID the delivery names the task by".into(),
            }
            .to_string(),
        ));
    }
    let label = format!("task {}", reference.as_deref().unwrap_or(&object));
    let incomplete = |e: Hi1Error| (Hi1Code::Incomplete, format!("{label}: {e}"));
    let details = o.child(TASK, "RequestDetails");
    if let Some(other) = details.and_then(|d| {
        d.children
            .iter()
            .find(|c| c.ns != TASK || !DETAILS_READ.contains(&c.name.as_str()))
    }) {
        return Err((
            Hi1Code::Profile,
            Hi1Error::Profile(format!(
                "{label}: RequestDetails/{} is not read by tdip, and it may narrow or change \
                 what is asked in a way tdip cannot honour; leave it out (tdip reads Type, \
                 StartTime, EndTime, ObservedTime, ObservedTimes and RequestValues)",
                other.name
            ))
            .to_string(),
        ));
    }
    let time = |name| {
        details
            .and_then(|d| d.text_at(&[(TASK, name)]))
            .map(|t| moment(t, name, &label))
            .transpose()
    };
    let mut observed: Vec<i64> = time("ObservedTime")?.into_iter().collect();
    for t in details
        .into_iter()
        .flat_map(|d| d.children(TASK, "ObservedTimes"))
    {
        observed.push(moment(&t.text, "ObservedTimes", &label)?);
    }
    let values = details
        .and_then(|d| d.child(TASK, "RequestValues"))
        .map(|v| {
            v.children(TASK, "RequestValue")
                .map(|r| {
                    let format = required(r, &[(TASK, "FormatType"), (TASK, "FormatName")])?;
                    let value = required(r, &[(TASK, "Value")])?;
                    Ok(RequestValue {
                        owner: required(r, &[(TASK, "FormatType"), (TASK, "FormatOwner")])?,
                        value: read_value(&format, &value).to_owned(),
                        format,
                    })
                })
                .collect::<Result<Vec<_>, Hi1Error>>()
        })
        .transpose()
        .map_err(incomplete)?
        .unwrap_or_default();
    let destinations = o
        .at(&[(TASK, "DeliveryDetails")])
        .into_iter()
        .flat_map(|d| d.children(TASK, "LDDeliveryDestination"))
        .map(|d| destination(d, &label))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(LdTask {
        object,
        associated: o
            .child(CORE, "AssociatedObjects")
            .map(|a| {
                a.children(CORE, "AssociatedObject")
                    .map(|e| e.text.clone())
                    .collect()
            })
            .unwrap_or_default(),
        reference,
        desired_status: o.child(TASK, "DesiredStatus").map(entry),
        request_type: details.and_then(|d| d.child(TASK, "Type")).map(entry),
        start: time("StartTime")?,
        end: time("EndTime")?,
        observed,
        values,
        flags: o
            .child(TASK, "Flags")
            .map(|f| {
                f.children(TASK, "LDTaskFlag")
                    .map(|e| entry(e).value)
                    .collect()
            })
            .unwrap_or_default(),
        destinations,
    })
}

/// A request value as tdip reads it: an `InternationalE164` without a leading `+`.
pub(crate) fn read_value<'a>(format: &str, value: &'a str) -> &'a str {
    if format == "InternationalE164" {
        value.strip_prefix('+').unwrap_or(value)
    } else {
        value
    }
}

fn destination(d: &Element, label: &str) -> Result<Destination, Problem> {
    let profile = |why: String| {
        (
            Hi1Code::Profile,
            Hi1Error::Profile(format!("{label}: {why}")).to_string(),
        )
    };
    let format = match d.child(TASK, "LDHandoverFormat").map(entry) {
        None => PayloadFormat::Ts102657,
        Some(f) => match (f.owner.as_str(), f.name.as_str(), f.value.as_str()) {
            ("ETSI", "ManifestSpecification", "TS102657-XML") => PayloadFormat::Ts102657,
            ("tdip", "RecordFormat", RECORD_FORMAT) => PayloadFormat::TdipRecords,
            (owner, name, value) => {
                return Err(profile(format!(
                    "LDHandoverFormat {owner}/{name}/{value} is not a payload tdip delivers; \
                     give ETSI/ManifestSpecification/TS102657-XML (the default) or \
                     tdip/RecordFormat/{RECORD_FORMAT}"
                )));
            }
        },
    };
    let address = match d.child(TASK, "DeliveryAddress") {
        None => None,
        Some(a) => Some(address(a).ok_or_else(|| profile(HTTPS_ONLY.into()))?),
    };
    Ok(Destination { address, format })
}

/// A `DeliveryAddress` tdip can push to, or none.
fn address(a: &Element) -> Option<Address> {
    let kind = a.children.first()?;
    if kind.ns != TASK || a.children.len() != 1 {
        return None;
    }
    match kind.name.as_str() {
        "URL" => {
            let scheme = kind.text.get(..8)?;
            let host = kind.text.get(8..)?;
            (scheme.eq_ignore_ascii_case("https://") && !host.is_empty())
                .then(|| Address::Https(kind.text.clone()))
        }
        "IPAddressPort" => {
            let port: u16 = kind
                .text_at(&[(ETSI_TYPES, "port"), (ETSI_TYPES, "TCPPort")])?
                .parse()
                .ok()
                .filter(|p| *p > 0)?;
            let ip = kind.child(ETSI_TYPES, "address")?;
            if let Some(v4) = ip.text_at(&[(ETSI_TYPES, "IPv4Address")]) {
                let v4: Ipv4Addr = v4.parse().ok()?;
                Some(Address::Https(format!("https://{v4}:{port}/")))
            } else {
                let v6: Ipv6Addr = ip.text_at(&[(ETSI_TYPES, "IPv6Address")])?.parse().ok()?;
                Some(Address::Https(format!("https://[{v6}]:{port}/")))
            }
        }
        _ => None,
    }
}

/// An ETSI QualifiedDateTime as UTC seconds: the second that contains the moment
/// (fractions are truncated). Without a zone it is refused, never guessed.
pub(crate) fn moment(s: &str, element: &str, owner: &str) -> Result<i64, Problem> {
    let zoned = s.ends_with(['Z', 'z'])
        || s.len() > 6 && {
            let tail = &s.as_bytes()[s.len() - 6..];
            matches!(tail[0], b'+' | b'-')
                && tail[1..3].iter().all(u8::is_ascii_digit)
                && tail[3] == b':'
                && tail[4..].iter().all(u8::is_ascii_digit)
        };
    // An offset written otherwise (`+0100`, `+01`) is named as such, not as missing.
    let other_offset = s.rfind('T').is_some_and(|t| s[t..].contains(['+', '-']));
    if !zoned && other_offset {
        return Err((
            Hi1Code::Invalid,
            format!(
                "{owner}: its {element} writes its offset in another form than ±hh:mm; an \
                 ETSI QualifiedDateTime ends in Z or ±hh:mm (e.g. +01:00)"
            ),
        ));
    }
    if !zoned {
        return Err((
            Hi1Code::Invalid,
            format!(
                "{owner}: its {element} has no time zone; an ETSI QualifiedDateTime ends in Z \
                 or ±hh:mm, and tdip does not guess one"
            ),
        ));
    }
    let t = s.parse::<Timestamp>().map_err(|e| {
        (
            Hi1Code::Invalid,
            format!("{owner}: {}", Hi1Error::Time(format!("{element}: {e}"))),
        )
    })?;
    Ok(t.as_second() - i64::from(t.subsec_nanosecond() < 0))
}
