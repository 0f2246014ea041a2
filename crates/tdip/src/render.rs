//! Human-readable output: times in legal local time, tables, lookup answers.

use tdip_api::{Address, Answered, Evidence, Hit, Payment, Subscription, When};
use tdip_model::{LegalZone, format_time};

/// Formats UTC seconds in the legal zone, to the second.
pub fn time(secs: i64, zone: LegalZone) -> String {
    match jiff::Timestamp::from_second(secs) {
        Ok(ts) => format_time(ts, zone),
        Err(_) => format!("(invalid time {secs})"),
    }
}

/// A lookup's answer as the officer reads it, the same whether the point answered here or
/// through the service: the consultation's heading, the identifier searched (what the
/// input was read as), then every hit.
pub fn answered(a: &Answered, zone: LegalZone) -> String {
    format!(
        "consultation {} — {} under {}; due {} ({})\n{}",
        a.consultation,
        a.agency,
        a.legal_basis,
        time(a.due, zone),
        a.due_rule,
        answer(a, zone)
    )
}

/// The answer's body: the identifier searched, then every hit.
pub fn answer(a: &Answered, zone: LegalZone) -> String {
    let mut out = format!("searched: {} {}\n", a.searched.kind, a.searched.value);
    let kind = &a.kind;
    let when = match a.when {
        When::At { at } => format!("at {}", time(at, zone)),
        When::Between { from, to } => {
            format!("between {} and {}", time(from, zone), time(to, zone))
        }
    };
    let hits = &a.hits;
    if hits.is_empty() {
        out.push_str(&format!(
            "NO HIT: no provider's deliveries show this {kind} {when}.\n"
        ));
        return out;
    }
    let n = hits.len();
    out.push_str(&format!(
        "{n} HIT{} for this {kind} {when}:\n",
        if n == 1 { "" } else { "S" },
    ));
    for hit in hits {
        out.push('\n');
        out.push_str(&self::hit(hit, zone));
    }
    out
}

pub fn hit(h: &Hit, zone: LegalZone) -> String {
    let s = &h.subscription;
    let mut out = format!(
        "  provider     {} ({})  version {}\n",
        h.provider, h.provider_name, h.version
    );
    let until = h
        .valid_to
        .map_or("still delivered".to_owned(), |t| time(t, zone));
    out.push_str(&format!(
        "  valid        {} → {}\n",
        time(h.valid_from, zone),
        until
    ));
    out.push_str(&format!("  basis        {}\n", basis(&h.basis, zone)));
    out.push_str(&subscription(s, zone));
    out.push_str(&payments(&h.payments, zone));
    out
}

/// How the subscription is paid, then each payment held (the payment history of delivery
/// format version 2), one per line.
fn payments(list: &[Payment], zone: LegalZone) -> String {
    let mut out = String::new();
    for (i, p) in list.iter().enumerate() {
        let label = if i == 0 { "payments" } else { "" };
        let method = p
            .method
            .map(|m| format!(" {}", m.as_str()))
            .unwrap_or_default();
        let means = p
            .means
            .as_deref()
            .map(|m| format!(" {m}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {label:<12} {}{method}{means}\n",
            time(p.at, zone)
        ));
    }
    out
}

pub fn basis(b: &Evidence, zone: LegalZone) -> String {
    match *b {
        Evidence::Observed {
            first_delivery,
            last_delivery,
        } => format!(
            "observed in the deliveries of {} to {}",
            time(first_delivery, zone),
            time(last_delivery, zone)
        ),
        Evidence::AfterLatestDelivery {
            first_delivery,
            latest_delivery,
        } => format!(
            "observed from {} up to the provider's latest delivery of {}; the moment asked is later",
            time(first_delivery, zone),
            time(latest_delivery, zone)
        ),
        Evidence::ChangedBetween {
            last_delivery_with,
            first_delivery_without,
        } => format!(
            "UNCERTAIN: shown in the delivery of {}, gone from the one of {}; the change lies between",
            time(last_delivery_with, zone),
            time(first_delivery_without, zone)
        ),
        Evidence::AppearedBetween {
            last_delivery_without,
            first_delivery_with,
        } => format!(
            "UNCERTAIN: absent from the delivery of {}, shown in the one of {}; the change lies between",
            time(last_delivery_without, zone),
            time(first_delivery_with, zone)
        ),
        Evidence::InferredFromStartDate {
            subscription_start,
            first_delivery,
        } => format!(
            "INFERRED from the subscription start date ({}) only; first observed in the delivery of {}",
            time(subscription_start, zone),
            time(first_delivery, zone)
        ),
    }
}

fn subscription(s: &Subscription, zone: LegalZone) -> String {
    let mut out = String::new();
    let mut line = |label: &str, value: String| {
        if !value.is_empty() {
            out.push_str(&format!("  {label:<12} {value}\n"));
        }
    };
    let name = [s.surname.as_deref(), s.given_names.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    line("subscriber", name);
    line("organisation", s.organisation.clone().unwrap_or_default());
    line(
        "subscription",
        format!("{} ({:?})", s.subscription_id, s.service).to_lowercase(),
    );
    line("msisdn", s.msisdn.join(", "));
    line("imsi", s.imsi.join(", "));
    line("imei", s.imei.join(", "));
    line("ip", s.ip.join(", "));
    line("email", s.email.join(", "));
    line("user id", s.user_id.join(", "));
    line("mac", s.mac.join(", "));
    line(
        "billing",
        s.billing.as_ref().map(address).unwrap_or_default(),
    );
    line(
        "installation",
        s.install.as_ref().map(address).unwrap_or_default(),
    );
    let end = s
        .subscription_end
        .map(|t| format!(" until {}", time(t, zone)))
        .unwrap_or_default();
    line(
        "subscribed",
        format!("since {}{end}", time(s.subscription_start, zone)),
    );
    line(
        "paid by",
        [
            s.payment_method.map(|m| m.as_str().to_owned()),
            s.payment_means.clone(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" "),
    );
    out
}

fn address(a: &Address) -> String {
    let street = [
        a.street.as_deref(),
        a.house_number.as_deref(),
        a.house_number_addition.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let city = [a.postcode.as_deref(), a.city.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    [street, city, a.country.clone()]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}
