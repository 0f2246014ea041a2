//! The catalogue: jurisdictions, their legal bases (what data each permits, by which
//! queries, authorised by whom) and the agencies that may consult under them. It is
//! configuration (one TOML file per jurisdiction), validated whole when loaded: every
//! problem is reported with its file and line, and a catalogue with one problem is not
//! used at all.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use tdip_model::{Country, IdentKind, LegalZone};
use toml::Spanned;

/// The kinds of data a legal basis may permit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Who holds an identifier now.
    CurrentIdentification,
    /// Who held an identifier at a past moment or during a past period.
    HistoricalIdentification,
    /// Traffic data (who communicated with whom, when): the retained records themselves.
    Traffic,
    /// Identification through retained traffic data: who used a public address (and port)
    /// at a moment, answered through CGNAT port-block assignments and access sessions.
    TrafficIdentification,
    /// Location data.
    Location,
    /// Searches over the subscriber file by other than an identifier.
    FileAnalysis,
    /// A cell dump ("mastverkeersgegevens", 002 annex item 10): every communication through
    /// a cell, or the cells within a radius of a point, in a window — within the bound the
    /// basis sets ([`Basis::cell_dump`]).
    CellDump,
}

impl Category {
    /// Stable snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::CurrentIdentification => "current_identification",
            Category::HistoricalIdentification => "historical_identification",
            Category::Traffic => "traffic",
            Category::TrafficIdentification => "traffic_identification",
            Category::Location => "location",
            Category::FileAnalysis => "file_analysis",
            Category::CellDump => "cell_dump",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A jurisdiction: its legal time zone, bases and agencies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jurisdiction {
    /// Two lower-case letters (`nl`, `be`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Legal time zone of its officers.
    pub zone: LegalZone,
    /// The country whose national phone numbers its officers mean (`0470 12 34 56` asked
    /// by a Belgian agency is a Belgian number).
    pub country: Country,
}

/// A legal basis, by qualified id (`nl/sv-126n`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Basis {
    /// Qualified id: jurisdiction `/` basis.
    pub id: String,
    /// The article and what it is about, as officers know it.
    pub title: String,
    /// Data categories it permits (none: the point serves nothing under it).
    pub categories: BTreeSet<Category>,
    /// Identifier kinds it permits querying by.
    pub queries: BTreeSet<IdentKind>,
    /// Who must authorise a demand under it, if anyone beyond the officer.
    pub authorised_by: Option<String>,
    /// How far a cell dump may reach under it (given exactly when it permits `cell_dump`).
    pub cell_dump: Option<DumpBound>,
}

/// The bound a basis sets on a cell dump.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DumpBound {
    /// The longest window, in seconds.
    pub max_window_seconds: i64,
    /// The largest radius around a point, in metres (a dump of named cells has no radius).
    pub max_radius_metres: u32,
}

/// An agency, by qualified id (`nl/politie`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agency {
    /// Qualified id: jurisdiction `/` agency.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Qualified ids of the bases it may consult under.
    pub bases: BTreeSet<String>,
    /// An intelligence or security service: its figures are kept out of the published
    /// variant of the yearly report (the CIOT publishes them separately, or not at all).
    pub intelligence: bool,
}

/// An oversight body (`nl/ctivd`): reads the audit log and statistics, never subscriber
/// data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Oversight {
    /// Qualified id: jurisdiction `/` body.
    pub id: String,
    /// Display name.
    pub name: String,
    /// It may see which officer consulted (it investigates officers' consultations): its
    /// view of the statistics names officers; any other body's view numbers them.
    pub sees_officers: bool,
}

/// A validated catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalogue {
    /// By id.
    pub jurisdictions: BTreeMap<String, Jurisdiction>,
    /// By qualified id.
    pub bases: BTreeMap<String, Basis>,
    /// By qualified id.
    pub agencies: BTreeMap<String, Agency>,
    /// By qualified id.
    pub oversight: BTreeMap<String, Oversight>,
}

/// One problem in a catalogue file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file's name.
    pub file: String,
    /// Line (1-based), where known.
    pub line: Option<usize>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Every problem found in a catalogue; none of it is used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the catalogue is not valid ({} problem(s)):\n{}", .0.len(), lines(.0))]
pub struct CatalogueError(pub Vec<Problem>);

fn lines(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The Dutch and Belgian catalogues shipped with tdip, as (file name, text).
pub const DEFAULTS: [(&str, &str); 2] = [
    ("nl.toml", include_str!("../catalogue/nl.toml")),
    ("be.toml", include_str!("../catalogue/be.toml")),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    jurisdiction: RawJurisdiction,
    #[serde(default)]
    basis: Vec<RawBasis>,
    #[serde(default)]
    agency: Vec<RawAgency>,
    #[serde(default)]
    oversight: Vec<RawOversight>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOversight {
    id: Spanned<String>,
    name: String,
    #[serde(default)]
    sees_officers: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJurisdiction {
    id: Spanned<String>,
    name: String,
    zone: Spanned<String>,
    country: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBasis {
    id: Spanned<String>,
    title: String,
    categories: Spanned<Vec<Category>>,
    queries: Vec<Spanned<String>>,
    authorised_by: Option<String>,
    cell_dump: Option<Spanned<RawDumpBound>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDumpBound {
    max_window_minutes: u32,
    max_radius_metres: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgency {
    id: Spanned<String>,
    name: String,
    bases: Vec<Spanned<String>>,
    #[serde(default)]
    intelligence: bool,
}

impl Catalogue {
    /// The shipped Dutch and Belgian catalogues.
    pub fn defaults() -> Result<Catalogue, CatalogueError> {
        Catalogue::from_files(&DEFAULTS)
    }

    /// The country whose national phone numbers the officers of `agency` mean: its
    /// jurisdiction's. None for an agency the catalogue does not hold.
    pub fn country_of(&self, agency: &str) -> Option<Country> {
        let agency = self.agencies.get(agency)?;
        let (jurisdiction, _) = agency.id.split_once('/')?;
        self.jurisdictions.get(jurisdiction).map(|j| j.country)
    }

    /// Reads and validates catalogue files, given as (file name, text).
    pub fn from_files(files: &[(&str, &str)]) -> Result<Catalogue, CatalogueError> {
        let mut cat = Catalogue {
            jurisdictions: BTreeMap::new(),
            bases: BTreeMap::new(),
            agencies: BTreeMap::new(),
            oversight: BTreeMap::new(),
        };
        let mut problems = Vec::new();
        for (name, text) in files {
            let mut at = |span: Option<Range<usize>>, message: String| {
                problems.push(Problem {
                    file: (*name).to_owned(),
                    line: span.map(|s| line_of(text, s.start)),
                    message,
                });
            };
            match toml::from_str::<RawFile>(text) {
                Ok(raw) => cat.add(raw, &mut at),
                Err(e) => at(e.span(), e.message().to_owned()),
            }
        }
        if problems.is_empty() {
            Ok(cat)
        } else {
            Err(CatalogueError(problems))
        }
    }

    fn add(&mut self, raw: RawFile, at: &mut impl FnMut(Option<Range<usize>>, String)) {
        let j = &raw.jurisdiction;
        let jid = j.id.get_ref().clone();
        if jid.len() != 2 || !jid.bytes().all(|b| b.is_ascii_lowercase()) {
            at(
                Some(j.id.span()),
                format!("jurisdiction id {jid:?} must be two lower-case letters, e.g. \"nl\""),
            );
        }
        let zone = match j.zone.get_ref().parse::<LegalZone>() {
            Ok(zone) => Some(zone),
            Err(e) => {
                at(Some(j.zone.span()), format!("zone: {e}"));
                None
            }
        };
        // A file written before jurisdictions named their country: the id is the country's
        // code (`nl`, `be`), if it is one tdip knows.
        let country = match &j.country {
            Some(c) => match c.get_ref().parse::<Country>() {
                Ok(country) => Some(country),
                Err(e) => {
                    at(Some(c.span()), format!("country: {e}"));
                    None
                }
            },
            None => match jid.parse::<Country>() {
                Ok(country) => Some(country),
                Err(_) => {
                    at(
                        Some(j.id.span()),
                        format!(
                            "jurisdiction {jid} names no country: give country = \"NL\" or \
                             \"BE\", whose national phone numbers its officers mean"
                        ),
                    );
                    None
                }
            },
        };
        if self.jurisdictions.contains_key(&jid) {
            at(
                Some(j.id.span()),
                format!("jurisdiction {jid} is defined twice; keep one file per jurisdiction"),
            );
            return;
        }
        if let (Some(zone), Some(country)) = (zone, country) {
            self.jurisdictions.insert(
                jid.clone(),
                Jurisdiction {
                    id: jid.clone(),
                    name: j.name.clone(),
                    zone,
                    country,
                },
            );
        }
        for b in raw.basis {
            let id = format!("{jid}/{}", b.id.get_ref());
            check_local_id(&b.id, "legal basis", at);
            let mut queries = BTreeSet::new();
            for q in &b.queries {
                match q.get_ref().parse::<IdentKind>() {
                    Ok(kind) => {
                        queries.insert(kind);
                    }
                    Err(e) => at(Some(q.span()), format!("query {:?}: {e}", q.get_ref())),
                }
            }
            let categories: BTreeSet<Category> = b.categories.get_ref().iter().copied().collect();
            if categories.is_empty() != b.queries.is_empty() {
                at(
                    Some(b.categories.span()),
                    format!(
                        "legal basis {id}: give both the categories it permits and the queries \
                         it permits them by, or neither (a basis this point serves nothing under)"
                    ),
                );
            }
            let permits_dump = categories.contains(&Category::CellDump);
            let cell_dump = match &b.cell_dump {
                Some(bound) => {
                    let r = bound.get_ref();
                    if !permits_dump {
                        at(
                            Some(bound.span()),
                            format!(
                                "legal basis {id}: a cell_dump bound is given but the basis does \
                                 not permit cell_dump; add the category or remove the bound"
                            ),
                        );
                    }
                    if !(1..=1440).contains(&r.max_window_minutes)
                        || !(1..=50_000).contains(&r.max_radius_metres)
                    {
                        at(
                            Some(bound.span()),
                            format!(
                                "legal basis {id}: cell_dump needs max_window_minutes from 1 to \
                                 1440 and max_radius_metres from 1 to 50000"
                            ),
                        );
                    }
                    Some(DumpBound {
                        max_window_seconds: i64::from(r.max_window_minutes) * 60,
                        max_radius_metres: r.max_radius_metres,
                    })
                }
                None => {
                    if permits_dump {
                        at(
                            Some(b.categories.span()),
                            format!(
                                "legal basis {id} permits cell_dump without a bound; add \
                                 [basis.cell_dump] with max_window_minutes and max_radius_metres"
                            ),
                        );
                    }
                    None
                }
            };
            if self.bases.contains_key(&id) {
                at(
                    Some(b.id.span()),
                    format!("legal basis {id} is defined twice"),
                );
                continue;
            }
            self.bases.insert(
                id.clone(),
                Basis {
                    id,
                    title: b.title,
                    categories,
                    queries,
                    authorised_by: b.authorised_by.filter(|a| !a.trim().is_empty()),
                    cell_dump,
                },
            );
        }
        for a in raw.agency {
            let id = format!("{jid}/{}", a.id.get_ref());
            check_local_id(&a.id, "agency", at);
            let mut bases = BTreeSet::new();
            for b in &a.bases {
                let basis = format!("{jid}/{}", b.get_ref());
                if !self.bases.contains_key(&basis) {
                    at(
                        Some(b.span()),
                        format!(
                            "agency {id} names legal basis {basis}, which this catalogue does \
                             not define; define it under [[basis]] or correct the name"
                        ),
                    );
                }
                bases.insert(basis);
            }
            if self.agencies.contains_key(&id) {
                at(Some(a.id.span()), format!("agency {id} is defined twice"));
                continue;
            }
            self.agencies.insert(
                id.clone(),
                Agency {
                    id,
                    name: a.name,
                    bases,
                    intelligence: a.intelligence,
                },
            );
        }
        for o in raw.oversight {
            let id = format!("{jid}/{}", o.id.get_ref());
            check_local_id(&o.id, "oversight body", at);
            if self.oversight.contains_key(&id) || self.agencies.contains_key(&id) {
                at(
                    Some(o.id.span()),
                    format!("{id} is defined twice (an oversight body is not also an agency)"),
                );
                continue;
            }
            self.oversight.insert(
                id.clone(),
                Oversight {
                    id,
                    name: o.name,
                    sees_officers: o.sees_officers,
                },
            );
        }
    }
}

fn check_local_id(
    id: &Spanned<String>,
    what: &str,
    at: &mut impl FnMut(Option<Range<usize>>, String),
) {
    let s = id.get_ref();
    let ok = !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        at(
            Some(id.span()),
            format!("{what} id {s:?} must be 1-32 lower-case letters, digits or '-'"),
        );
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}
