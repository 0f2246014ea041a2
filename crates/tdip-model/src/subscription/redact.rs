//! Hand-written `Debug` output that shows the shape of a record but no personal data.

use std::fmt;

use super::{Address, Subscription};

/// Prints `<redacted>`.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Prints `None` or `Some(<redacted>)`.
struct Present(bool);

impl fmt::Debug for Present {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0 { "Some(<redacted>)" } else { "None" })
    }
}

/// Prints how many values a list holds, e.g. `[<2 redacted>]`.
struct Count(usize);

impl fmt::Debug for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[<{} redacted>]", self.0)
    }
}

fn present<T>(v: &Option<T>) -> Present {
    Present(v.is_some())
}

impl fmt::Debug for Subscription {
    /// Service, supplementary services, times and payment method are shown; identifiers,
    /// names, addresses and payment means are redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("subscription_id", &Redacted)
            .field("service", &self.service)
            .field("supplementary", &self.supplementary)
            .field("msisdn", &Count(self.msisdn.len()))
            .field("imsi", &Count(self.imsi.len()))
            .field("imei", &Count(self.imei.len()))
            .field("ip", &Count(self.ip.len()))
            .field("email", &Count(self.email.len()))
            .field("user_id", &Count(self.user_id.len()))
            .field("mac", &Count(self.mac.len()))
            .field("surname", &present(&self.surname))
            .field("organisation", &present(&self.organisation))
            .field("given_names", &present(&self.given_names))
            .field("billing", &self.billing)
            .field("install", &self.install)
            .field("subscription_start", &self.subscription_start)
            .field("subscription_end", &self.subscription_end)
            .field("registration_place", &present(&self.registration_place))
            .field("activation_at", &self.activation_at)
            .field("activation_cell", &present(&self.activation_cell))
            .field("registration_ip", &present(&self.registration_ip))
            .field("registration_port", &present(&self.registration_port))
            .field("registration_ntp", &present(&self.registration_ntp))
            .field("ported_from", &present(&self.ported_from))
            .field("ported_to", &present(&self.ported_to))
            .field("ported_at", &self.ported_at)
            .field("payment_method", &self.payment_method)
            .field("payment_means", &present(&self.payment_means))
            .finish()
    }
}

impl fmt::Debug for Address {
    /// Only the country is shown; the other parts are redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Address")
            .field("street", &present(&self.street))
            .field("house_number", &present(&self.house_number))
            .field(
                "house_number_addition",
                &present(&self.house_number_addition),
            )
            .field("postcode", &present(&self.postcode))
            .field("city", &present(&self.city))
            .field("country", &self.country)
            .finish()
    }
}
