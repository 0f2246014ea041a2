//! The edge between the wire (`tdip-api`) and the application (`tdip-point`): a lookup as
//! the API's body gives it becomes the point's [`Asked`], and a consultation's answer the
//! [`Answered`] the API (and the CLI's `--json`) send.

use tdip_api::{
    Address, Answered, Evidence, Hit, LookupRequest, Payment, PaymentMethod, Searched, Service,
    Subscription, When,
};
use tdip_core::lookup;
use tdip_model::subscription as model;
use tdip_point::asked::Asked;

/// A lookup as the API's body (or the CLI's flags, through the same type) gives it.
pub fn asked(r: LookupRequest) -> Asked {
    Asked {
        msisdn: r.msisdn,
        imsi: r.imsi,
        imei: r.imei,
        ip: r.ip,
        email: r.email,
        user_id: r.user_id,
        mac: r.mac,
        at: r.at,
        from: r.from,
        to: r.to,
        country: r.country,
        agency: r.agency,
        officer: r.officer,
        basis: r.basis,
        case: r.case,
        authorised_by: r.authorised_by,
        urgent: r.urgent,
        term: r.term,
        port: r.port,
        through_traffic: r.through_traffic,
        traffic: r.traffic,
        tolerance: r.tolerance,
        communications: r.communications,
        devices: r.devices,
        cell_dump: r.cell_dump.map(|d| tdip_point::asked_traffic::DumpAsked {
            cells: d.cells,
            near: d.near,
            radius_metres: d.radius_metres,
        }),
    }
}

/// The answer to a consultation as the CLI's `--json` and the API give it: the
/// identifier searched (normalised), the answer's hits (times in UTC seconds), the
/// consultation's reference, the agency and legal basis granted, and when it was due.
pub fn answered(done: &tdip_core::consult::Consulted) -> Answered {
    let a = &done.answer;
    Answered {
        searched: Searched {
            kind: a.searched.kind.clone(),
            value: a.searched.value.clone(),
        },
        kind: a.kind.to_owned(),
        when: when(a.when),
        hits: a.hits.iter().map(hit).collect(),
        consultation: done.consultation.clone(),
        agency: done.grant.agency_name.clone(),
        legal_basis: done.grant.basis_title.clone(),
        due: done.due.at,
        due_rule: done.due.rule.as_str().to_owned(),
    }
}

pub(crate) fn when(w: lookup::When) -> When {
    match w {
        lookup::When::At { at } => When::At { at },
        lookup::When::Between { from, to } => When::Between { from, to },
    }
}

pub(crate) fn hit(h: &lookup::Hit) -> Hit {
    Hit {
        provider: h.provider.clone(),
        provider_name: h.provider_name.clone(),
        version: h.version,
        valid_from: h.valid_from,
        valid_to: h.valid_to,
        basis: basis(h.basis),
        subscription: subscription(&h.subscription),
        payments: h
            .payments
            .iter()
            .map(|p| Payment {
                at: p.at,
                method: p.method.map(payment_method),
                means: p.means.clone(),
            })
            .collect(),
    }
}

fn payment_method(p: model::PaymentMethod) -> PaymentMethod {
    match p {
        model::PaymentMethod::Transfer => PaymentMethod::Transfer,
        model::PaymentMethod::DirectDebit => PaymentMethod::DirectDebit,
        model::PaymentMethod::Card => PaymentMethod::Card,
        model::PaymentMethod::Cash => PaymentMethod::Cash,
        model::PaymentMethod::TopUp => PaymentMethod::TopUp,
    }
}

/// A hit's basis as the wire names it (the API's `basis`, HI-1's record basis).
pub(crate) fn basis(b: lookup::Evidence) -> Evidence {
    use lookup::Evidence as B;
    match b {
        B::Observed {
            first_delivery,
            last_delivery,
        } => Evidence::Observed {
            first_delivery,
            last_delivery,
        },
        B::AfterLatestDelivery {
            first_delivery,
            latest_delivery,
        } => Evidence::AfterLatestDelivery {
            first_delivery,
            latest_delivery,
        },
        B::ChangedBetween {
            last_delivery_with,
            first_delivery_without,
        } => Evidence::ChangedBetween {
            last_delivery_with,
            first_delivery_without,
        },
        B::AppearedBetween {
            last_delivery_without,
            first_delivery_with,
        } => Evidence::AppearedBetween {
            last_delivery_without,
            first_delivery_with,
        },
        B::InferredFromStartDate {
            subscription_start,
            first_delivery,
        } => Evidence::InferredFromStartDate {
            subscription_start,
            first_delivery,
        },
    }
}

/// The subscription as the wire gives it. Destructured whole, so a field added to the
/// model does not compile until the wire says whether it carries it.
fn subscription(s: &model::Subscription) -> Subscription {
    let model::Subscription {
        subscription_id,
        service,
        supplementary,
        msisdn,
        imsi,
        imei,
        ip,
        email,
        user_id,
        mac,
        surname,
        organisation,
        given_names,
        billing,
        install,
        subscription_start,
        subscription_end,
        registration_place,
        activation_at,
        activation_cell,
        registration_ip,
        registration_port,
        registration_ntp,
        ported_from,
        ported_to,
        ported_at,
        payment_method,
        payment_means,
    } = s.clone();
    let secs = |t: Option<jiff::Timestamp>| t.map(|t| t.as_second());
    Subscription {
        subscription_id,
        service: match service {
            model::Service::Fixed => Service::Fixed,
            model::Service::Mobile => Service::Mobile,
            model::Service::Internet => Service::Internet,
            model::Service::Email => Service::Email,
            model::Service::Voip => Service::Voip,
        },
        supplementary,
        msisdn,
        imsi,
        imei,
        ip,
        email,
        user_id,
        mac,
        surname,
        organisation,
        given_names,
        billing: billing.map(address),
        install: install.map(address),
        subscription_start: subscription_start.as_second(),
        subscription_end: secs(subscription_end),
        registration_place,
        activation_at: secs(activation_at),
        activation_cell,
        registration_ip,
        registration_port,
        registration_ntp,
        ported_from,
        ported_to,
        ported_at: secs(ported_at),
        payment_method: payment_method.map(self::payment_method),
        payment_means,
    }
}

fn address(a: model::Address) -> Address {
    let model::Address {
        street,
        house_number,
        house_number_addition,
        postcode,
        city,
        country,
    } = a;
    Address {
        street,
        house_number,
        house_number_addition,
        postcode,
        city,
        country,
    }
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
