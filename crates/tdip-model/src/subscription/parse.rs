//! Validation of a header and of a row against the delivery format.

use jiff::Timestamp;

use super::address::parse_address;
use super::fields::{list, port, text};
use super::payment::normalize_payment_means;
use super::{
    Column, FieldError, ParseContext, PaymentMethod, RawRow, SUPPLEMENTARY, Service, Subscription,
};
use crate::Reason;
use crate::ident::{IdentKind, normalize, parse_ip_addr};
use crate::time::parse_time;

/// Longest free-text value (names, street, city, places, cell ids, operators).
const TEXT_MAX: usize = 200;

/// Collects the values and the errors of one row.
struct Fields<'r, 'a> {
    raw: &'r RawRow<'a>,
    ctx: &'r ParseContext,
    errors: Vec<FieldError>,
}

impl Fields<'_, '_> {
    /// The checked value of an optional cell; a failed check is recorded.
    fn optional<T, E: Into<Reason>>(
        &mut self,
        col: Column,
        check: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let v = self.raw.get(col)?;
        match check(v) {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(FieldError::new(col.name(), e));
                None
            }
        }
    }

    /// Like [`Fields::optional`], but an absent cell is an error too.
    fn required<T, E: Into<Reason>>(
        &mut self,
        col: Column,
        check: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        if self.raw.get(col).is_none() {
            self.errors.push(FieldError::new(
                col.name(),
                "is missing; a value is required",
            ));
            return None;
        }
        self.optional(col, check)
    }

    fn text(&mut self, col: Column) -> Option<String> {
        self.optional(col, |v| text(v, TEXT_MAX))
    }

    fn time(&mut self, col: Column) -> Option<Timestamp> {
        let zone = self.ctx.zone;
        self.optional(col, |v| parse_time(v, zone))
    }

    /// A `;`-separated list checked item by item; an absent cell is an empty list.
    fn list<E: Into<Reason>>(
        &mut self,
        col: Column,
        check: impl FnMut(&str) -> Result<String, E>,
    ) -> Vec<String> {
        let Some(v) = self.raw.get(col) else {
            return Vec::new();
        };
        let (values, errors) = list(v, check);
        self.errors.extend(
            errors
                .into_iter()
                .map(|reason| FieldError::new(col.name(), reason)),
        );
        values
    }
}

fn supplementary(item: &str) -> Result<String, Reason> {
    SUPPLEMENTARY
        .iter()
        .find(|s| s.eq_ignore_ascii_case(item))
        .map(|s| s.to_string())
        .ok_or(Reason::new(
            "is not a supplementary service; expected one of call_forwarding, voicemail, sms, \
             fax, group_call, extra_bandwidth, conference, roaming, data, static_ip",
        ))
}

/// Validates every field of `raw` and returns the normalised subscription, or every
/// problem of the row (not just the first), in column order.
///
/// Besides the per-column rules, a row needs at least one identifier (reported as field
/// `identifier`) and a surname or an organisation (reported as field `surname`), and
/// `subscription_end` must not lie before `subscription_start`.
pub fn parse_row(raw: &RawRow<'_>, ctx: &ParseContext) -> Result<Subscription, Vec<FieldError>> {
    let mut f = Fields {
        raw,
        ctx,
        errors: Vec::new(),
    };
    let subscription_id = f.required(Column::SubscriptionId, |v| text(v, 64));
    let service = f.required(Column::Service, str::parse::<Service>);
    let supplementary = f.list(Column::Supplementary, supplementary);
    let country = ctx.default_country;
    let [msisdn, imsi, imei, ip, email, user_id, mac] =
        IdentKind::ALL.map(|kind| f.list(Column::of_ident(kind), |v| normalize(kind, v, country)));
    let any_identifier = IdentKind::ALL.iter().any(|k| {
        raw.get(Column::of_ident(*k))
            .is_some_and(|v| v.split(';').any(|item| !item.trim().is_empty()))
    });
    if !any_identifier {
        f.errors.push(FieldError::new(
            "identifier",
            "a row needs at least one identifier: msisdn, imsi, imei, ip, email, user_id or mac",
        ));
    }

    let surname = f.text(Column::Surname);
    let organisation = f.text(Column::Organisation);
    let given_names = f.text(Column::GivenNames);
    if raw.get(Column::Surname).is_none() && raw.get(Column::Organisation).is_none() {
        f.errors.push(FieldError::new(
            Column::Surname.name(),
            "a row needs a surname or an organisation",
        ));
    }
    let billing = parse_address(raw, Column::BILLING, country, &mut f.errors);
    let install = parse_address(raw, Column::INSTALL, country, &mut f.errors);

    let zone = ctx.zone;
    let subscription_start = f.required(Column::SubscriptionStart, |v| parse_time(v, zone));
    let subscription_end = f.time(Column::SubscriptionEnd);
    if let (Some(start), Some(end)) = (subscription_start, subscription_end)
        && end < start
    {
        f.errors.push(FieldError::new(
            Column::SubscriptionEnd.name(),
            "lies before subscription_start",
        ));
    }
    let registration_place = f.text(Column::RegistrationPlace);
    let activation_at = f.time(Column::ActivationAt);
    let activation_cell = f.text(Column::ActivationCell);
    let registration_ip = f.optional(Column::RegistrationIp, |v| {
        parse_ip_addr(v).map(|a| a.to_string())
    });
    let registration_port = f.optional(Column::RegistrationPort, port);
    let registration_ntp = f.text(Column::RegistrationNtp);
    let ported_from = f.text(Column::PortedFrom);
    let ported_to = f.text(Column::PortedTo);
    let ported_at = f.time(Column::PortedAt);
    let payment_method = f.optional(Column::PaymentMethod, str::parse::<PaymentMethod>);
    let payment_means = f.optional(Column::PaymentMeans, normalize_payment_means);

    match (subscription_id, service, subscription_start) {
        (Some(subscription_id), Some(service), Some(subscription_start)) if f.errors.is_empty() => {
            Ok(Subscription {
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
            })
        }
        _ => Err(f.errors),
    }
}

/// Maps the header names to columns, in the order given.
///
/// Reports unknown names (field `header`), columns named twice and missing required
/// columns (field = the column). No error quotes a name of the header: a file without a
/// header row has a data row there. When the line looks like data — no required column
/// named, and at most a few names that are columns (a service `email` is one) — the one
/// error says that the header row looks missing; otherwise an unknown name is located by
/// its position, and a near miss of a column name is told which column it resembles.
pub fn check_header(names: &[&str]) -> Result<Vec<Column>, Vec<FieldError>> {
    let names: Vec<&str> = names.iter().map(|n| n.trim()).collect();
    let known: Vec<Column> = names.iter().filter_map(|n| Column::from_name(n)).collect();
    let required = known.iter().any(|c| Column::REQUIRED.contains(c));
    if known.is_empty() || (!required && known.len() * 2 < names.len()) {
        return Err(vec![FieldError::new(
            "header",
            "the first line looks like a data row, not a header: a CSV delivery starts with a \
             header naming its columns (subscription_id, service, …; see the delivery format)",
        )]);
    }
    let mut columns = Vec::with_capacity(names.len());
    let mut errors = Vec::new();
    let mut seen = [false; Column::COUNT];
    for (i, name) in names.iter().enumerate() {
        let pos = i as u64 + 1;
        match Column::from_name(name) {
            Some(c) if seen[c.index()] => errors.push(FieldError::new(
                c.name(),
                Reason::counted(
                    "column appears more than once in the header (again at position {})",
                    &[pos],
                ),
            )),
            Some(c) => {
                seen[c.index()] = true;
                columns.push(c);
            }
            None if name.is_empty() => errors.push(FieldError::new(
                "header",
                Reason::counted("the column at position {} has no name", &[pos]),
            )),
            None => errors.push(FieldError::new(
                "header",
                match near_miss(name) {
                    Some(c) => {
                        Reason::counted("unknown column at position {}; did you mean ", &[pos])
                            .then(c.name())
                            .then("?")
                    }
                    None => Reason::counted(
                        "unknown column at position {}; expected a column name of the delivery \
                         format",
                        &[pos],
                    ),
                },
            )),
        }
    }
    for c in Column::REQUIRED {
        if !seen[c.index()] {
            errors.push(FieldError::new(
                c.name(),
                "required column is missing from the header",
            ));
        }
    }
    if errors.is_empty() {
        Ok(columns)
    } else {
        Err(errors)
    }
}

/// The column whose name is within two edits of `name` (ignoring case), if any.
fn near_miss(name: &str) -> Option<Column> {
    let lower = name.to_lowercase();
    if lower.chars().count() < 3 {
        return None;
    }
    Column::ALL
        .iter()
        .map(|c| (edit_distance(&lower, c.name()), *c))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
