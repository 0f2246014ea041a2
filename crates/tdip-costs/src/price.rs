//! One declaration line priced: the tariff in force on the day the work was performed
//! (legal local time), times the quantity in the activity's unit, raised by the surcharge
//! that applies, rounded once to the cent. A claim above that needs a substantiation
//! (art. 2 §3), which the commissioning authority may question before approving.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tdip_model::LegalZone;

use crate::{Activity, CostError, Surcharge, TariffInForce, TariffTable, Unit, cents, surcharge};

/// How much work a line declares, in its activity's unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Quantity {
    /// Activities performed (a tap placed, a provision).
    Count(u32),
    /// Minutes of work, for an hourly tariff: priced to the minute.
    Minutes(u32),
    /// Days, for the daily file.
    Days(u32),
}

/// A line as the provider declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineInput {
    /// The activity of Annex I.
    pub activity: Activity,
    /// How much.
    pub quantity: Quantity,
    /// When the work was performed (UTC seconds; its start, for hourly work).
    pub performed_at: i64,
    /// Whether it had to be performed urgently (Annex III B).
    pub urgent: bool,
    /// The provider declaring (a group agreement may cover it).
    pub provider: String,
    /// The amount claimed, where it differs from the tariff.
    pub claimed: Option<Decimal>,
    /// Why a claim above the tariff is what the work cost (art. 2 §3).
    pub substantiation: Option<String>,
}

/// A priced line, with everything its amount rests on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    /// The activity's number.
    pub activity: Activity,
    /// How much.
    pub quantity: Quantity,
    /// The tariff in force, and how it was derived.
    pub tariff: TariffInForce,
    /// The surcharge applied.
    pub surcharge: Surcharge,
    /// Tariff × quantity × (1 + surcharge), rounded to the cent.
    #[serde(with = "rust_decimal::serde::str")]
    pub at_tariff: Decimal,
    /// What is declared: the claim if one was made, else the amount at tariff.
    #[serde(with = "rust_decimal::serde::str")]
    pub declared: Decimal,
    /// The substantiation of a claim above the tariff.
    pub substantiation: Option<String>,
}

impl PricedLine {
    /// Whether the line claims more than the tariff gives (the authority checks these).
    pub fn above_tariff(&self) -> bool {
        self.declared > self.at_tariff
    }
}

/// Prices `line` by `table`, its day and surcharge read in `zone`.
pub fn price(
    line: &LineInput,
    table: &TariffTable,
    zone: LegalZone,
) -> Result<PricedLine, CostError> {
    let units = match (line.activity.unit(), line.quantity) {
        (_, Quantity::Count(0) | Quantity::Minutes(0) | Quantity::Days(0)) => {
            return Err(CostError::ZeroQuantity);
        }
        (Unit::Each, Quantity::Count(n)) | (Unit::Day, Quantity::Days(n)) => Decimal::from(n),
        (Unit::Hour, Quantity::Minutes(m)) => Decimal::from(m) / Decimal::from(60),
        (unit, _) => {
            let (unit, wanted) = match unit {
                Unit::Each => ("per activity", "a count"),
                Unit::Hour => ("per hour", "minutes"),
                Unit::Day => ("per day", "days"),
            };
            return Err(CostError::WrongQuantity {
                activity: line.activity.number(),
                unit,
                wanted,
            });
        }
    };
    let day = jiff::Timestamp::from_second(line.performed_at)
        .map(|t| t.to_zoned(zone.tz()).date())
        .map_err(|_| CostError::Table("the moment of the work is out of range".into()))?;
    let tariff = table.tariff_on(line.activity, &line.provider, day)?;
    let surcharge = if tariff.surcharges {
        surcharge(
            line.performed_at,
            line.urgent,
            zone,
            &table.office,
            table.liberation,
        )
    } else {
        Surcharge::None
    };
    let at_tariff = cents(tariff.amount * units * (Decimal::ONE + surcharge.fraction()));
    let substantiation = line
        .substantiation
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let declared = match line.claimed {
        Some(c) if c.is_sign_negative() => return Err(CostError::NegativeClaim),
        Some(c) if c > at_tariff && substantiation.is_none() => {
            return Err(CostError::AboveTariffWithoutSubstantiation {
                claimed: c,
                tariff: at_tariff,
            });
        }
        Some(c) => cents(c),
        None => at_tariff,
    };
    Ok(PricedLine {
        activity: line.activity,
        quantity: line.quantity,
        tariff,
        surcharge,
        at_tariff,
        declared,
        substantiation,
    })
}
