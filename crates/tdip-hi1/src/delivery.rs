//! HI-1 deliveries: the `DeliveryObject` carrying the records answering a
//! lawful-disclosure task, by default as a TS 102 657-shaped document in `BinaryData`
//! (see [`crate::ts102657`]), or in tdip's payload namespace [`RECORDS`] as `XMLData`
//! (schema `schema/tdip-records.xsd`).

use std::fmt;
use std::io;

use base64::Engine;
use jiff::Timestamp;
use quick_xml::Writer;
use sha2::{Digest, Sha256};
use tdip_model::subscription::{Address, Subscription};

use crate::request::Endpoint;
use crate::response::{Base, base, entry, seconds, text};
use crate::traffic_records::CommRecord;
use crate::ts102657;

/// The HI-1 delivery namespace (`DeliveryObject`).
pub const DELIVERY: &str = "http://uri.etsi.org/03120/common/2019/10/Delivery";
/// The namespace of tdip's delivery payload (`schema/tdip-records.xsd`).
pub const RECORDS: &str = "urn:tdip:records:1";
/// The payload's name in the manifest: a `Specification` with owner `tdip`, name
/// `RecordFormat` and this value.
pub const RECORD_FORMAT: &str = "tdip-records-1";

/// How the records answering a task are carried in its `DeliveryObject`, as the task's
/// `LDDeliveryDestination/LDHandoverFormat` asks (TS 102 657 unless it names tdip's own).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PayloadFormat {
    /// TS 102 657-shaped XML (namespace of v1.28.1) as `BinaryData`, announced in the
    /// `Manifest` as `ETSI` / `ManifestSpecification` / `TS102657-XML`: valid against
    /// ETSI's schema alone.
    #[default]
    Ts102657,
    /// tdip's own `urn:tdip:records:1` in `XMLData` (`schema/tdip-records.xsd`),
    /// announced as `tdip` / `RecordFormat` / `tdip-records-1`.
    TdipRecords,
}

/// A DeliveryObject as a GET shows it: the records answering one task.
///
/// `Debug` shows object identifiers, the reference and per record its provider and
/// validity, never an identifier or personal data of a record.
#[derive(Clone, PartialEq, Eq)]
pub struct DeliveryView {
    /// Its object identifier (a UUID).
    pub object: String,
    /// The owner's country code, e.g. `NL`.
    pub country: String,
    /// The owner's identifier (the point).
    pub owner: String,
    /// How many times it changed.
    pub generation: u64,
    /// The task it answers (the `LDTaskObject`'s identifier).
    pub associated: Vec<String>,
    /// When it last changed.
    pub last_changed: Timestamp,
    /// The task's reference (an LDID, `XX-…-…`).
    pub reference: String,
    /// The delivery's identifier (a UUID).
    pub delivery_id: String,
    /// The subscriber records, in order; numbered from 1 in the payload.
    pub records: Vec<Record>,
    /// The communication records (a `TrafficData` task's answer), in order; numbered on
    /// after the subscriber records. A delivery holding any is written as TS 102 657
    /// whatever its [`PayloadFormat`]: tdip's own record format has no element for them.
    pub comms: Vec<CommRecord>,
    /// How the records are carried (the task's `LDHandoverFormat`).
    pub format: PayloadFormat,
    /// The agency system the task came from (the request header's sender): TS 102 657's
    /// `requestID/countryCode` and `authorisedOrganisationID`.
    pub requester: Endpoint,
}

/// One subscription that held an identifier the task asked about.
///
/// `Debug` shows the format asked by, the provider, the validity, the basis and the
/// service, never the subscription's identifiers or personal data.
#[derive(Clone, PartialEq, Eq)]
pub struct Record {
    /// The `RequestValue` `FormatType` it answers, e.g. `InternationalE164`.
    pub format: String,
    /// The identifier searched, as tdip read the `RequestValue` (normalised: E.164 with
    /// `+`, an IP prefix in canonical form, …), so the requester sees what was asked.
    pub searched: String,
    /// The provider's id.
    pub provider: String,
    /// The provider's name.
    pub provider_name: String,
    /// Since when the subscription held the identifier as the answer shows it.
    pub valid_from: Timestamp,
    /// Until when, if it no longer does.
    pub valid_to: Option<Timestamp>,
    /// What the answer rests on, e.g. `observed`, `uncertain`, `inferred-from-start-date`.
    pub basis: String,
    /// The subscription.
    pub subscription: Subscription,
}

impl DeliveryView {
    /// How many records it holds, subscriber and communication records together.
    pub fn len(&self) -> usize {
        self.records.len() + self.comms.len()
    }

    /// Whether it holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The format its payload is written in: its [`PayloadFormat`], except that
    /// communication records are always written as TS 102 657.
    pub fn written_as(&self) -> PayloadFormat {
        if self.comms.is_empty() {
            self.format
        } else {
            PayloadFormat::Ts102657
        }
    }
}

impl fmt::Debug for DeliveryView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeliveryView")
            .field("object", &self.object)
            .field("country", &self.country)
            .field("owner", &self.owner)
            .field("generation", &self.generation)
            .field("associated", &self.associated)
            .field("last_changed", &self.last_changed)
            .field("reference", &self.reference)
            .field("delivery_id", &self.delivery_id)
            .field("records", &self.records)
            .field("comms", &self.comms)
            .field("format", &self.format)
            .field("requester", &self.requester)
            .finish()
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("format", &self.format)
            .field("provider", &self.provider)
            .field("provider_name", &self.provider_name)
            .field("valid_from", &self.valid_from)
            .field("valid_to", &self.valid_to)
            .field("basis", &self.basis)
            .field("service", &self.subscription.service)
            .finish_non_exhaustive()
    }
}

/// The `HI1Object` of type `delivery:DeliveryObject` (prefixes `delivery` and `common`
/// declared on the message's root): one sequence, the whole answer, in the delivery's
/// [`PayloadFormat`].
pub(crate) fn delivery_object(w: &mut Writer<Vec<u8>>, d: &DeliveryView) -> io::Result<()> {
    w.create_element("HI1Object")
        .with_attribute(("xsi:type", "delivery:DeliveryObject"))
        .write_inner_content(|w| {
            let b = Base {
                object: &d.object,
                country: &d.country,
                owner: &d.owner,
                generation: d.generation,
                associated: &d.associated,
                last_changed: d.last_changed,
            };
            base(w, &b)?;
            w.create_element("delivery:Reference")
                .write_inner_content(|w| text(w, "delivery:LDID", &d.reference))?;
            text(w, "delivery:DeliveryID", &d.delivery_id)?;
            text(w, "delivery:SequenceNumber", "1")?;
            text(w, "delivery:LastSequence", "true")?;
            let format = d.written_as();
            let (owner, name, value) = match format {
                PayloadFormat::Ts102657 => ("ETSI", "ManifestSpecification", TS102657_XML),
                PayloadFormat::TdipRecords => ("tdip", "RecordFormat", RECORD_FORMAT),
            };
            w.create_element("delivery:Manifest")
                .write_inner_content(|w| entry(w, "delivery:Specification", owner, name, value))?;
            w.create_element("delivery:Delivery")
                .write_inner_content(|w| match format {
                    PayloadFormat::Ts102657 => binary(w, &ts102657::document(d)),
                    PayloadFormat::TdipRecords => xml_records(w, d),
                })?;
            Ok(())
        })?;
    Ok(())
}

/// The manifest's `Specification` value (owner `ETSI`, name `ManifestSpecification`) for a
/// TS 102 657 XML payload, as ETSI's example `request5-Binary-Delivery.xml` announces it.
pub const TS102657_XML: &str = "TS102657-XML";

/// `BinaryData`: the document base64-encoded, its content type, and the lowercase hex
/// SHA-256 of its bytes.
fn binary(w: &mut Writer<Vec<u8>>, document: &[u8]) -> io::Result<()> {
    w.create_element("delivery:BinaryData")
        .write_inner_content(|w| {
            text(
                w,
                "delivery:Data",
                &base64::engine::general_purpose::STANDARD.encode(document),
            )?;
            text(w, "delivery:ContentType", "application/xml")?;
            text(
                w,
                "delivery:Checksum",
                &hex::encode(Sha256::digest(document).as_slice()),
            )?;
            text(w, "delivery:ChecksumType", "SHA-256")
        })?;
    Ok(())
}

/// `XMLData` with one `records` element in tdip's namespace [`RECORDS`].
fn xml_records(w: &mut Writer<Vec<u8>>, d: &DeliveryView) -> io::Result<()> {
    w.create_element("delivery:XMLData")
        .write_inner_content(|w| {
            w.create_element("records")
                .with_attribute(("xmlns", RECORDS))
                .write_inner_content(|w| {
                    for (i, r) in d.records.iter().enumerate() {
                        record(w, i + 1, r)?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    Ok(())
}

/// One `ResponseRecord` of the payload (default namespace [`RECORDS`]).
fn record(w: &mut Writer<Vec<u8>>, number: usize, r: &Record) -> io::Result<()> {
    w.create_element("ResponseRecord")
        .write_inner_content(|w| {
            text(w, "recordNumber", &number.to_string())?;
            text(w, "requestFormat", &r.format)?;
            text(w, "requestValue", &r.searched)?;
            text(w, "provider", &r.provider)?;
            nonempty(w, "providerName", &r.provider_name)?;
            text(w, "validFrom", &seconds(r.valid_from))?;
            opt_time(w, "validTo", r.valid_to)?;
            nonempty(w, "basis", &r.basis)?;
            w.create_element("recordPayload")
                .write_inner_content(|w| subscription(w, &r.subscription))?;
            Ok(())
        })?;
    Ok(())
}

/// The subscription's fields that are present, in the payload schema's order.
fn subscription(w: &mut Writer<Vec<u8>>, s: &Subscription) -> io::Result<()> {
    text(w, "subscriptionID", &s.subscription_id)?;
    text(w, "service", s.service.as_str())?;
    list(w, "supplementaryService", &s.supplementary)?;
    list(w, "partyNumber", &s.msisdn)?;
    list(w, "iMSI", &s.imsi)?;
    list(w, "iMEI", &s.imei)?;
    list(w, "ipAddress", &s.ip)?;
    list(w, "emailAddress", &s.email)?;
    list(w, "userID", &s.user_id)?;
    for mac in s.mac.iter().filter(|m| !m.is_empty()) {
        w.create_element("naDevice")
            .write_inner_content(|w| text(w, "macAddress", mac))?;
    }
    let names = [&s.surname, &s.given_names, &s.organisation];
    if names.iter().any(|n| present(n).is_some()) || s.billing.is_some() || s.install.is_some() {
        w.create_element("naSubscriber").write_inner_content(|w| {
            opt(w, "surname", &s.surname)?;
            opt(w, "givenNames", &s.given_names)?;
            opt(w, "organisation", &s.organisation)?;
            if let Some(a) = &s.billing {
                address(w, "billingAddress", a)?;
            }
            if let Some(a) = &s.install {
                address(w, "installationAddress", a)?;
            }
            Ok(())
        })?;
    }
    text(w, "subscriptionStart", &seconds(s.subscription_start))?;
    opt_time(w, "subscriptionEnd", s.subscription_end)?;
    opt(w, "registrationPlace", &s.registration_place)?;
    opt_time(w, "activationTime", s.activation_at)?;
    opt(w, "activationCell", &s.activation_cell)?;
    opt(w, "registrationIPAddress", &s.registration_ip)?;
    if let Some(port) = s.registration_port {
        text(w, "registrationPort", &port.to_string())?;
    }
    opt(w, "registrationNTP", &s.registration_ntp)?;
    opt(w, "portedFrom", &s.ported_from)?;
    opt(w, "portedTo", &s.ported_to)?;
    opt_time(w, "portedAt", s.ported_at)?;
    if let Some(m) = s.payment_method {
        text(w, "paymentMethod", m.as_str())?;
    }
    opt(w, "paymentMeans", &s.payment_means)
}

fn address(w: &mut Writer<Vec<u8>>, name: &str, a: &Address) -> io::Result<()> {
    w.create_element(name).write_inner_content(|w| {
        opt(w, "street", &a.street)?;
        opt(w, "houseNumber", &a.house_number)?;
        opt(w, "houseNumberAddition", &a.house_number_addition)?;
        opt(w, "postcode", &a.postcode)?;
        opt(w, "city", &a.city)?;
        text(w, "country", &a.country)
    })?;
    Ok(())
}

/// A non-empty value.
pub(crate) fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|v| !v.is_empty())
}

/// An element for a value that is present and not empty; nothing otherwise.
pub(crate) fn opt(w: &mut Writer<Vec<u8>>, name: &str, v: &Option<String>) -> io::Result<()> {
    match present(v) {
        Some(v) => text(w, name, v),
        None => Ok(()),
    }
}

/// An element for a value that is not empty; nothing otherwise.
pub(crate) fn nonempty(w: &mut Writer<Vec<u8>>, name: &str, v: &str) -> io::Result<()> {
    if v.is_empty() {
        return Ok(());
    }
    text(w, name, v)
}

pub(crate) fn opt_time(
    w: &mut Writer<Vec<u8>>,
    name: &str,
    t: Option<Timestamp>,
) -> io::Result<()> {
    match t {
        Some(t) => text(w, name, &seconds(t)),
        None => Ok(()),
    }
}

/// An element per non-empty value.
pub(crate) fn list(w: &mut Writer<Vec<u8>>, name: &str, values: &[String]) -> io::Result<()> {
    for v in values.iter().filter(|v| !v.is_empty()) {
        text(w, name, v)?;
    }
    Ok(())
}
