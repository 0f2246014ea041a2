//! The records of a delivery as a TS 102 657-shaped `RetainedDataMessage` (XML, namespace
//! of v1.28.1), the document a `DeliveryObject` carries base64-encoded as `BinaryData`.
//! Element names follow what is known of TS 102 657 (see `docs/hi1.md`, "Deliveries");
//! what it has no element for travels in tdip's extension element [`EXTENSION`].

use std::io;

use jiff::Timestamp;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, Event};
use tdip_model::subscription::{Address, Service, Subscription};

use crate::delivery::{DeliveryView, Record, list, nonempty, opt, opt_time, present};
use crate::response::{seconds, text};

/// The XML namespace of ETSI TS 102 657 V1.28.1 (retained data handover).
pub const TS102657: &str = "http://uri.etsi.org/02657/v1.28.1#/RetainedData";
/// The namespace of tdip's extension element inside a TS 102 657 `ResponseRecord`: what
/// TS 102 657 has no element for (the identifier searched, provider, validity, basis, …).
pub const EXTENSION: &str = "urn:tdip:ts102657-extension:1";

/// The TS 102 657 document answering the delivery's task: UTF-8 XML with its own XML
/// declaration.
pub(crate) fn document(d: &DeliveryView) -> Vec<u8> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    write(&mut w, d).expect("writing XML into memory does not fail");
    w.into_inner()
}

fn write(w: &mut Writer<Vec<u8>>, d: &DeliveryView) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("RetainedDataMessage")
        .with_attribute(("xmlns", TS102657))
        .with_attribute(("xmlns:tdip", EXTENSION))
        .write_inner_content(|w| {
            w.create_element("retainedDataHeader")
                .write_inner_content(|w| {
                    w.create_element("requestID").write_inner_content(|w| {
                        text(w, "countryCode", &d.requester.country)?;
                        text(w, "authorisedOrganisationID", &d.requester.id)?;
                        text(w, "requestNumber", &d.reference)
                    })?;
                    // The point answers for the providers it holds deliveries of; each
                    // record names its provider in the extension.
                    text(w, "cSPID", &format!("{}-{}", d.country, d.owner))?;
                    text(w, "timeStamp", &generalized(d.last_changed))
                })?;
            w.create_element("retainedDataPayload")
                .write_inner_content(|w| {
                    w.create_element("responseMessage")
                        .write_inner_content(|w| {
                            w.create_element("responseStatus")
                                .write_inner_content(|w| {
                                    w.create_element("responseComplete").write_empty()?;
                                    Ok(())
                                })?;
                            w.create_element("responseRecords")
                                .write_inner_content(|w| {
                                    for (i, r) in d.records.iter().enumerate() {
                                        record(w, i + 1, r)?;
                                    }
                                    let after = d.records.len() + 1;
                                    for (i, r) in d.comms.iter().enumerate() {
                                        crate::ts102657_telephony::record(w, after + i, r)?;
                                    }
                                    Ok(())
                                })?;
                            Ok(())
                        })?;
                    Ok(())
                })?;
            Ok(())
        })?;
    Ok(())
}

/// Whether TS 102 657 files the service under its telephony records (else network access).
fn telephony(s: Service) -> bool {
    matches!(s, Service::Fixed | Service::Mobile | Service::Voip)
}

/// One `ResponseRecord`: a telephony or network-access subscriber, then tdip's extension.
fn record(w: &mut Writer<Vec<u8>>, number: usize, r: &Record) -> io::Result<()> {
    let s = &r.subscription;
    w.create_element("ResponseRecord")
        .write_inner_content(|w| {
            text(w, "recordNumber", &number.to_string())?;
            w.create_element("recordPayload").write_inner_content(|w| {
                if telephony(s.service) {
                    w.create_element("telephonyRecord")
                        .write_inner_content(|w| {
                            w.create_element("telephonySubscriber")
                                .write_inner_content(|w| {
                                    subscriber(w, s)?;
                                    w.create_element("telephonySubscriptions")
                                        .write_inner_content(|w| {
                                            subscription(w, "TelephonySubscription", s)
                                        })?;
                                    Ok(())
                                })?;
                            Ok(())
                        })?;
                } else {
                    w.create_element("networkAccessRecord")
                        .write_inner_content(|w| {
                            w.create_element("naSubscriber").write_inner_content(|w| {
                                subscriber(w, s)?;
                                w.create_element("naSubscriptions")
                                    .write_inner_content(|w| {
                                        subscription(w, "NASubscription", s)
                                    })?;
                                Ok(())
                            })?;
                            Ok(())
                        })?;
                }
                Ok(())
            })?;
            extension(w, r)
        })?;
    Ok(())
}

/// `genericSubscriberInfo`: the organisation and the person, the billing address with
/// the person if named, else with the organisation.
fn subscriber(w: &mut Writer<Vec<u8>>, s: &Subscription) -> io::Result<()> {
    let org = present(&s.organisation);
    let person = present(&s.surname).is_some() || present(&s.given_names).is_some();
    if org.is_none() && !person && s.billing.is_none() {
        return Ok(());
    }
    let billing_with_org = org.is_some() && !person;
    w.create_element("genericSubscriberInfo")
        .write_inner_content(|w| {
            if let Some(name) = org {
                w.create_element("organizationInfo")
                    .write_inner_content(|w| {
                        text(w, "name", name)?;
                        match &s.billing {
                            Some(a) if billing_with_org => address(w, "address", a),
                            _ => Ok(()),
                        }
                    })?;
            }
            if !billing_with_org && (person || s.billing.is_some()) {
                w.create_element("individualInfo")
                    .write_inner_content(|w| {
                        if person {
                            w.create_element("name").write_inner_content(|w| {
                                opt(w, "surname", &s.surname)?;
                                opt(w, "firstname", &s.given_names)
                            })?;
                        }
                        match &s.billing {
                            Some(a) => address(w, "address", a),
                            None => Ok(()),
                        }
                    })?;
            }
            Ok(())
        })?;
    Ok(())
}

/// The subscription: its id and time span, the numbers and SIM/device identities of a
/// telephony subscription, the installation address.
fn subscription(w: &mut Writer<Vec<u8>>, element: &str, s: &Subscription) -> io::Result<()> {
    w.create_element(element).write_inner_content(|w| {
        text(w, "subscriptionID", &s.subscription_id)?;
        w.create_element("timeSpan").write_inner_content(|w| {
            text(w, "startTime", &generalized(s.subscription_start))?;
            match s.subscription_end {
                Some(t) => text(w, "endTime", &generalized(t)),
                None => Ok(()),
            }
        })?;
        if telephony(s.service) && s.msisdn.iter().any(|n| !n.is_empty()) {
            w.create_element("registeredNumbers")
                .write_inner_content(|w| list(w, "partyNumber", &s.msisdn))?;
        }
        if let Some(a) = &s.install {
            address(w, "installationAddress", a)?;
        }
        if telephony(s.service) {
            list(w, "iMSI", &s.imsi)?;
            list(w, "iMEI", &s.imei)?;
        }
        Ok(())
    })?;
    Ok(())
}

/// A TS 102 657 `PostalAddress`; a house number's addition follows the number after a
/// space (TS 102 657 has no element for it).
fn address(w: &mut Writer<Vec<u8>>, name: &str, a: &Address) -> io::Result<()> {
    w.create_element(name).write_inner_content(|w| {
        opt(w, "streetName", &a.street)?;
        let number = match (present(&a.house_number), present(&a.house_number_addition)) {
            (Some(n), Some(x)) => Some(format!("{n} {x}")),
            (Some(n), None) => Some(n.to_owned()),
            (None, Some(x)) => Some(x.to_owned()),
            (None, None) => None,
        };
        opt(w, "streetNumber", &number)?;
        opt(w, "postalCode", &a.postcode)?;
        opt(w, "city", &a.city)?;
        text(w, "country", &a.country)
    })?;
    Ok(())
}

/// `tdip:extension`: what the record holds that TS 102 657 has no element for (or none
/// known to tdip), names as in tdip's own payload schema, times RFC 3339 UTC.
fn extension(w: &mut Writer<Vec<u8>>, r: &Record) -> io::Result<()> {
    let s = &r.subscription;
    w.create_element("tdip:extension")
        .write_inner_content(|w| {
            text(w, "tdip:requestFormat", &r.format)?;
            text(w, "tdip:requestValue", &r.searched)?;
            text(w, "tdip:provider", &r.provider)?;
            nonempty(w, "tdip:providerName", &r.provider_name)?;
            text(w, "tdip:validFrom", &seconds(r.valid_from))?;
            opt_time(w, "tdip:validTo", r.valid_to)?;
            nonempty(w, "tdip:basis", &r.basis)?;
            text(w, "tdip:service", s.service.as_str())?;
            list(w, "tdip:supplementaryService", &s.supplementary)?;
            if !telephony(s.service) {
                list(w, "tdip:partyNumber", &s.msisdn)?;
                list(w, "tdip:iMSI", &s.imsi)?;
                list(w, "tdip:iMEI", &s.imei)?;
            }
            list(w, "tdip:ipAddress", &s.ip)?;
            list(w, "tdip:emailAddress", &s.email)?;
            list(w, "tdip:userID", &s.user_id)?;
            list(w, "tdip:macAddress", &s.mac)?;
            opt(w, "tdip:registrationPlace", &s.registration_place)?;
            opt_time(w, "tdip:activationTime", s.activation_at)?;
            opt(w, "tdip:activationCell", &s.activation_cell)?;
            opt(w, "tdip:registrationIPAddress", &s.registration_ip)?;
            if let Some(port) = s.registration_port {
                text(w, "tdip:registrationPort", &port.to_string())?;
            }
            opt(w, "tdip:registrationNTP", &s.registration_ntp)?;
            opt(w, "tdip:portedFrom", &s.ported_from)?;
            opt(w, "tdip:portedTo", &s.ported_to)?;
            opt_time(w, "tdip:portedAt", s.ported_at)?;
            if let Some(m) = s.payment_method {
                text(w, "tdip:paymentMethod", m.as_str())?;
            }
            opt(w, "tdip:paymentMeans", &s.payment_means)
        })?;
    Ok(())
}

/// An ASN.1 GeneralizedTime as its XML encoding writes it, UTC to the second
/// (`20261124120000Z`).
pub(crate) fn generalized(t: Timestamp) -> String {
    t.strftime("%Y%m%d%H%M%SZ").to_string()
}
