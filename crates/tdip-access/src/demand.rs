//! A demand for data and its judgement against the catalogue: granted, or refused with a
//! reason the officer can act on.

use std::fmt;

use tdip_model::IdentKind;

use crate::catalogue::{Catalogue, Category};
use crate::code::RefusalCode;

/// How urgent the demand is, as the officer declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Urgency {
    /// The normal course.
    Normal,
    /// Urgent (danger to life, a suspect about to flee, …).
    Urgent,
}

/// What every query carries besides the identifier asked about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Demand {
    /// Qualified agency id (`nl/politie`).
    pub agency: String,
    /// The officer's id within the agency.
    pub officer: String,
    /// Qualified legal basis id (`nl/sv-126na`).
    pub basis: String,
    /// The case or order reference (parketnummer, request reference).
    pub case_reference: String,
    /// Who authorised the demand, where the basis requires it.
    pub authorised_by: Option<String>,
    /// Declared urgency.
    pub urgency: Urgency,
    /// The data category asked for.
    pub category: Category,
    /// The kind of identifier asked about.
    pub query: IdentKind,
    /// The term the demand sets for its answer (UTC seconds), instead of the deadline
    /// policy's.
    pub term: Option<i64>,
}

/// Why a demand is refused. The messages speak to the officer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A required field is empty.
    #[error("the demand has no {0}; fill it in and ask again")]
    Missing(&'static str),
    /// The agency is not in the catalogue.
    #[error("agency {0} is not authorised to consult this point")]
    UnknownAgency(String),
    /// An oversight body asked for subscriber data.
    #[error(
        "{0} oversees this point: it reads the audit log and the statistics, and may not query \
         subscriber data"
    )]
    Oversight(String),
    /// The basis is not in the catalogue.
    #[error("legal basis {0} is not known to this point; choose one of your agency's bases")]
    UnknownBasis(String),
    /// The agency does not hold the basis.
    #[error("{agency} may not consult under {basis}; its bases are: {held}")]
    BasisNotHeld {
        /// Agency.
        agency: String,
        /// Basis asked under.
        basis: String,
        /// The bases it holds.
        held: String,
    },
    /// The basis does not permit the category.
    #[error("{basis} does not permit {category} data{permitted}")]
    CategoryNotPermitted {
        /// Basis.
        basis: String,
        /// Category asked for.
        category: Category,
        /// What it does permit, as a clause.
        permitted: String,
    },
    /// The basis does not permit querying by this kind of identifier.
    #[error("{basis} does not permit a query by {query}")]
    QueryNotPermitted {
        /// Basis.
        basis: String,
        /// Identifier kind asked by.
        query: IdentKind,
    },
    /// The basis needs an authorising official and none was named.
    #[error("{basis} needs the demand to be authorised by the {by}: name who authorised it")]
    AuthorisationMissing {
        /// Basis.
        basis: String,
        /// Who must authorise.
        by: String,
    },
}

impl Refusal {
    /// The refusal's stable code, for logs, statistics and machine clients.
    pub fn code(&self) -> RefusalCode {
        match self {
            Refusal::Missing(_) => RefusalCode::MissingField,
            Refusal::UnknownAgency(_) => RefusalCode::UnknownAgency,
            Refusal::Oversight(_) => RefusalCode::OversightOnly,
            Refusal::UnknownBasis(_) => RefusalCode::UnknownBasis,
            Refusal::BasisNotHeld { .. } => RefusalCode::BasisNotHeld,
            Refusal::CategoryNotPermitted { .. } => RefusalCode::CategoryNotPermitted,
            Refusal::QueryNotPermitted { .. } => RefusalCode::QueryNotPermitted,
            Refusal::AuthorisationMissing { .. } => RefusalCode::AuthorisationMissing,
        }
    }
}

/// A granted demand: what the point may answer under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// Agency name, for the answer's heading.
    pub agency_name: String,
    /// The basis title, for the answer's heading.
    pub basis_title: String,
}

impl Catalogue {
    /// Judges a demand: every check in the order an officer would fix them.
    pub fn authorise(&self, d: &Demand) -> Result<Grant, Refusal> {
        for (value, name) in [
            (&d.agency, "agency"),
            (&d.officer, "officer"),
            (&d.basis, "legal basis"),
            (&d.case_reference, "case or order reference"),
        ] {
            if value.trim().is_empty() {
                return Err(Refusal::Missing(name));
            }
        }
        if self.oversight.contains_key(&d.agency) {
            return Err(Refusal::Oversight(d.agency.clone()));
        }
        let agency = self
            .agencies
            .get(&d.agency)
            .ok_or_else(|| Refusal::UnknownAgency(d.agency.clone()))?;
        let basis = self
            .bases
            .get(&d.basis)
            .ok_or_else(|| Refusal::UnknownBasis(d.basis.clone()))?;
        if !agency.bases.contains(&basis.id) {
            return Err(Refusal::BasisNotHeld {
                agency: agency.id.clone(),
                basis: basis.id.clone(),
                held: agency.bases.iter().cloned().collect::<Vec<_>>().join(", "),
            });
        }
        if !basis.categories.contains(&d.category) {
            let permitted = if basis.categories.is_empty() {
                ": this point serves no data under it".to_owned()
            } else {
                format!(
                    "; it permits {}",
                    list(basis.categories.iter().map(|c| c.as_str()))
                )
            };
            return Err(Refusal::CategoryNotPermitted {
                basis: basis.id.clone(),
                category: d.category,
                permitted,
            });
        }
        // A cell dump asks by cell or area, not by an identifier: its bound is checked by
        // the point against `Basis::cell_dump`.
        if d.category != Category::CellDump && !basis.queries.contains(&d.query) {
            return Err(Refusal::QueryNotPermitted {
                basis: basis.id.clone(),
                query: d.query,
            });
        }
        let named = d
            .authorised_by
            .as_deref()
            .is_some_and(|a| !a.trim().is_empty());
        if let Some(by) = basis.authorised_by.as_ref().filter(|_| !named) {
            return Err(Refusal::AuthorisationMissing {
                basis: basis.id.clone(),
                by: by.clone(),
            });
        }
        Ok(Grant {
            agency_name: agency.name.clone(),
            basis_title: basis.title.clone(),
        })
    }
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

impl fmt::Display for Urgency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Urgency::Normal => "normal",
            Urgency::Urgent => "urgent",
        })
    }
}
