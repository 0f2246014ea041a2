//! Writing a subscription back as delivery cells, e.g. for generators and round trips.

use super::{Address, Column, Subscription};

impl Subscription {
    /// The subscription as delivery cells, in column order, absent fields left out.
    ///
    /// Lists are joined with `;`, times written as RFC 3339 in UTC. Parsing these cells
    /// again with [`super::parse_row`] gives back an equal subscription.
    pub fn to_row(&self) -> Vec<(Column, String)> {
        let mut out = Vec::with_capacity(Column::COUNT);
        let mut put = |col: Column, v: Option<String>| {
            if let Some(v) = v {
                out.push((col, v));
            }
        };
        let list = |v: &[String]| (!v.is_empty()).then(|| v.join(";"));
        put(Column::SubscriptionId, Some(self.subscription_id.clone()));
        put(Column::Service, Some(self.service.as_str().to_string()));
        put(Column::Supplementary, list(&self.supplementary));
        for kind in crate::ident::IdentKind::ALL {
            put(Column::of_ident(kind), list(self.identifier_list(kind)));
        }
        put(Column::Surname, self.surname.clone());
        put(Column::Organisation, self.organisation.clone());
        put(Column::GivenNames, self.given_names.clone());
        for (cols, addr) in [
            (Column::BILLING, &self.billing),
            (Column::INSTALL, &self.install),
        ] {
            if let Some(a) = addr {
                for (col, v) in cols.into_iter().zip(address_cells(a)) {
                    put(col, v);
                }
            }
        }
        let time = |t: Option<jiff::Timestamp>| t.map(|t| t.to_string());
        put(
            Column::SubscriptionStart,
            time(Some(self.subscription_start)),
        );
        put(Column::SubscriptionEnd, time(self.subscription_end));
        put(Column::RegistrationPlace, self.registration_place.clone());
        put(Column::ActivationAt, time(self.activation_at));
        put(Column::ActivationCell, self.activation_cell.clone());
        put(Column::RegistrationIp, self.registration_ip.clone());
        put(
            Column::RegistrationPort,
            self.registration_port.map(|p| p.to_string()),
        );
        put(Column::RegistrationNtp, self.registration_ntp.clone());
        put(Column::PortedFrom, self.ported_from.clone());
        put(Column::PortedTo, self.ported_to.clone());
        put(Column::PortedAt, time(self.ported_at));
        put(
            Column::PaymentMethod,
            self.payment_method.map(|m| m.as_str().to_string()),
        );
        put(Column::PaymentMeans, self.payment_means.clone());
        out
    }
}

/// The cells of an address in the order of [`Column::BILLING`].
fn address_cells(a: &Address) -> [Option<String>; 6] {
    [
        a.street.clone(),
        a.house_number.clone(),
        a.house_number_addition.clone(),
        a.postcode.clone(),
        a.city.clone(),
        Some(a.country.clone()),
    ]
}
