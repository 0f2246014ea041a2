//! The columns of the delivery format, in the order of `docs/delivery-format.md`.

use crate::ident::IdentKind;

macro_rules! columns {
    ($($variant:ident => $name:literal,)*) => {
        /// One column of the delivery format.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Column {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl Column {
            /// Every column, in the order of the format document.
            pub const ALL: &'static [Column] = &[$(Column::$variant,)*];

            /// The exact column name, as in a CSV header or JSON key.
            pub fn name(self) -> &'static str {
                match self {
                    $(Column::$variant => $name,)*
                }
            }
        }
    };
}

columns! {
    SubscriptionId => "subscription_id",
    Service => "service",
    Supplementary => "supplementary",
    Msisdn => "msisdn",
    Imsi => "imsi",
    Imei => "imei",
    Ip => "ip",
    Email => "email",
    UserId => "user_id",
    Mac => "mac",
    Surname => "surname",
    Organisation => "organisation",
    GivenNames => "given_names",
    BillingStreet => "billing_street",
    BillingHouseNumber => "billing_house_number",
    BillingHouseNumberAddition => "billing_house_number_addition",
    BillingPostcode => "billing_postcode",
    BillingCity => "billing_city",
    BillingCountry => "billing_country",
    InstallStreet => "install_street",
    InstallHouseNumber => "install_house_number",
    InstallHouseNumberAddition => "install_house_number_addition",
    InstallPostcode => "install_postcode",
    InstallCity => "install_city",
    InstallCountry => "install_country",
    SubscriptionStart => "subscription_start",
    SubscriptionEnd => "subscription_end",
    RegistrationPlace => "registration_place",
    ActivationAt => "activation_at",
    ActivationCell => "activation_cell",
    RegistrationIp => "registration_ip",
    RegistrationPort => "registration_port",
    RegistrationNtp => "registration_ntp",
    PortedFrom => "ported_from",
    PortedTo => "ported_to",
    PortedAt => "ported_at",
    PaymentMethod => "payment_method",
    PaymentMeans => "payment_means",
    PaymentAt => "payment_at",
}

impl Column {
    /// The number of columns.
    pub const COUNT: usize = Self::ALL.len();

    /// The columns every row and every header must have.
    pub const REQUIRED: [Column; 3] = [
        Column::SubscriptionId,
        Column::Service,
        Column::SubscriptionStart,
    ];

    /// The columns of the billing address: street, house number, addition, postcode,
    /// city, country.
    pub const BILLING: [Column; 6] = [
        Column::BillingStreet,
        Column::BillingHouseNumber,
        Column::BillingHouseNumberAddition,
        Column::BillingPostcode,
        Column::BillingCity,
        Column::BillingCountry,
    ];

    /// The columns of the installation address, in the order of [`Column::BILLING`].
    pub const INSTALL: [Column; 6] = [
        Column::InstallStreet,
        Column::InstallHouseNumber,
        Column::InstallHouseNumberAddition,
        Column::InstallPostcode,
        Column::InstallCity,
        Column::InstallCountry,
    ];

    /// The column with this exact name, if any.
    pub fn from_name(name: &str) -> Option<Column> {
        Self::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// The position of the column in [`Column::ALL`], `0..COUNT`.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether every row must have a value in this column.
    pub fn is_required(self) -> bool {
        Self::REQUIRED.contains(&self)
    }

    /// Whether the column holds a `;`-separated list.
    pub fn is_list(self) -> bool {
        matches!(self, Column::Supplementary | Column::PaymentAt) || self.ident_kind().is_some()
    }

    /// The identifier kind held by this column, for the identifier columns.
    pub fn ident_kind(self) -> Option<IdentKind> {
        Some(match self {
            Column::Msisdn => IdentKind::Msisdn,
            Column::Imsi => IdentKind::Imsi,
            Column::Imei => IdentKind::Imei,
            Column::Ip => IdentKind::Ip,
            Column::Email => IdentKind::Email,
            Column::UserId => IdentKind::UserId,
            Column::Mac => IdentKind::Mac,
            _ => return None,
        })
    }

    /// The column holding identifiers of `kind`.
    pub fn of_ident(kind: IdentKind) -> Column {
        match kind {
            IdentKind::Msisdn => Column::Msisdn,
            IdentKind::Imsi => Column::Imsi,
            IdentKind::Imei => Column::Imei,
            IdentKind::Ip => Column::Ip,
            IdentKind::Email => Column::Email,
            IdentKind::UserId => Column::UserId,
            IdentKind::Mac => Column::Mac,
        }
    }
}

impl std::fmt::Display for Column {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_indices_agree() {
        assert_eq!(Column::COUNT, 39);
        for (i, c) in Column::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
            assert_eq!(Column::from_name(c.name()), Some(*c));
        }
        assert_eq!(Column::from_name("MSISDN"), None);
        for k in IdentKind::ALL {
            assert_eq!(Column::of_ident(k).ident_kind(), Some(k));
            assert_eq!(Column::of_ident(k).name(), k.as_str());
        }
        assert!(Column::Supplementary.is_list());
        assert!(Column::PaymentAt.is_list());
        assert!(!Column::Surname.is_list());
    }
}
