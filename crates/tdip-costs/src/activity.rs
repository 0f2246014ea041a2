//! The activities of Annex I, with the sub-steps the annex lists for each and the unit the
//! indicative tariff of Annex III A is given in.

use serde::{Deserialize, Serialize};

use crate::CostError;

/// What an indicative tariff is per.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    /// Per activity performed.
    Each,
    /// Per hour of work (4: faults; 11: complex queries), declared in minutes.
    Hour,
    /// Per day (5: the daily file delivered to the CIOT).
    Day,
}

/// One of Annex I's eleven activities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Activity(u8);

/// Number, Dutch name (as the annex), English name, unit, sub-steps.
const ANNEX: [(u8, &str, &str, Unit, &[&str]); 11] = [
    (
        1,
        "Het plaatsen van een tap",
        "Placing a tap",
        Unit::Each,
        &[
            "Aannemen van de last of het bevel",
            "Administratieve/Technische toets",
            "Invoeren van de gegevens in het systeem (incl. afloopdatum)",
            "Instandhouden van de verbinding",
            "Archiveren",
            "Factureren",
        ],
    ),
    (
        2,
        "Het verlengen van een tap",
        "Extending a tap",
        Unit::Each,
        &[
            "Aannemen van de last of het bevel",
            "Administratieve/Technische toets",
            "Invoeren van gegevens in het systeem",
            "Archiveren",
            "Factureren",
        ],
    ),
    (
        3,
        "Het vervroegd afsluiten van een tap",
        "Ending a tap early",
        Unit::Each,
        &[
            "Aanname vervroegde afsluiting",
            "Invoeren van gegevens in het systeem",
            "Archiveren",
            "Factureren",
        ],
    ),
    (
        4,
        "Oplossen van storingen",
        "Resolving faults",
        Unit::Hour,
        &["Oplossen van storingen", "Factureren"],
    ),
    (
        5,
        "Het periodiek aanleveren van een bestand aan het CIOT",
        "Delivering the file to the CIOT",
        Unit::Day,
        &["Updaten van het bestand", "Factureren"],
    ),
    (
        6,
        "Informatieverstrekking: huidige identificerende gegevens",
        "Providing current identifying data",
        Unit::Each,
        PROVISION,
    ),
    (
        7,
        "Informatieverstrekking: historische identificerende gegevens",
        "Providing historical identifying data",
        Unit::Each,
        PROVISION,
    ),
    (
        8,
        "Informatieverstrekking: historische verkeersgegevens van een gebruiker",
        "Providing a user's historical traffic data",
        Unit::Each,
        PROVISION,
    ),
    (
        9,
        "Informatieverstrekking: een identificerend gegeven (bestandsanalyse, art. 13.4 Tw)",
        "Providing on an identifying datum (file analysis)",
        Unit::Each,
        PROVISION,
    ),
    (
        10,
        "Informatieverstrekking: gegevens van een basisstation (mastverkeersgegevens)",
        "Providing base-station data (cell dump)",
        Unit::Each,
        PROVISION,
    ),
    (
        11,
        "Het meewerken aan complexe zoekvragen",
        "Cooperating on complex queries",
        Unit::Hour,
        &[
            "Aanname van de zoekvragen",
            "Administratieve/Technische toetsing",
            "Uitvoeren van de zoekvragen",
            "Versturen van het antwoord",
            "Archiveren",
            "Factureren",
        ],
    ),
];

const PROVISION: &[&str] = &[
    "Aanname van de bevraging",
    "Administratieve toets",
    "Bevraging van het systeem",
    "Versturen van het antwoord",
    "Archiveren",
    "Factureren",
];

impl Activity {
    /// Every activity, 1 to 11.
    pub fn all() -> impl Iterator<Item = Activity> {
        (1..=11).map(Activity)
    }

    /// Its number in Annex I.
    pub fn number(self) -> u8 {
        self.0
    }

    fn row(
        self,
    ) -> &'static (
        u8,
        &'static str,
        &'static str,
        Unit,
        &'static [&'static str],
    ) {
        &ANNEX[usize::from(self.0 - 1)]
    }

    /// Its name as the annex gives it (Dutch).
    pub fn name_nl(self) -> &'static str {
        self.row().1
    }

    /// Its name in English.
    pub fn name_en(self) -> &'static str {
        self.row().2
    }

    /// What its indicative tariff is per.
    pub fn unit(self) -> Unit {
        self.row().3
    }

    /// The sub-steps the annex lists (what a declaration's specification of work names).
    pub fn steps(self) -> &'static [&'static str] {
        self.row().4
    }
}

impl TryFrom<u8> for Activity {
    type Error = CostError;

    fn try_from(n: u8) -> Result<Activity, CostError> {
        if (1..=11).contains(&n) {
            Ok(Activity(n))
        } else {
            Err(CostError::UnknownActivity(n))
        }
    }
}

impl From<Activity> for u8 {
    fn from(a: Activity) -> u8 {
        a.0
    }
}

impl std::fmt::Display for Activity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}
