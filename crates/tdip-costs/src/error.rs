//! What can be wrong with a tariff table or a declaration line. Messages name the field
//! and what to do; none carries an identifier or any other personal datum.

/// A tariff table or a line that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CostError {
    /// The tariff file cannot be read.
    #[error("the tariff table is not valid: {0}")]
    Table(String),
    /// The activity number is not one of Annex I's.
    #[error("activity {0} is not in Annex I (1 to 11)")]
    UnknownActivity(u8),
    /// No tariff of the table covers the date.
    #[error(
        "no tariff covers {date}: the table's indicative tariffs apply from {from}; a line \
         performed earlier cannot be priced by this table"
    )]
    BeforeTable {
        /// The date asked.
        date: jiff::civil::Date,
        /// The table's first date.
        from: jiff::civil::Date,
    },
    /// The indexation of a 1 June on or before the date is not configured.
    #[error(
        "the indexation of 1 June {0} is not in the tariff table: add the contract-wage \
         percentage for the market sector (CPB) of that year as [[index]] year = {0}, \
         percent = \"…\" (art. 4); tariffs are never guessed"
    )]
    IndexMissing(i16),
    /// The quantity does not match the activity's unit.
    #[error("activity {activity} is priced {unit}: give the quantity as {wanted}")]
    WrongQuantity {
        /// The activity.
        activity: u8,
        /// Its unit, as the annex says it.
        unit: &'static str,
        /// What to give instead.
        wanted: &'static str,
    },
    /// A quantity of zero.
    #[error("the quantity is zero: a line declares work that was done")]
    ZeroQuantity,
    /// A claim above the indicative tariff with no substantiation (art. 2 §3).
    #[error(
        "the amount claimed ({claimed}) is above the indicative tariff ({tariff}): give a \
         substantiation (art. 2 §3), or claim the tariff"
    )]
    AboveTariffWithoutSubstantiation {
        /// What was claimed.
        claimed: rust_decimal::Decimal,
        /// What the tariff gives.
        tariff: rust_decimal::Decimal,
    },
    /// A negative claim.
    #[error("the amount claimed is negative: claim what the work cost, at least 0")]
    NegativeClaim,
}
