//! `tdip catalogue check|show|export`: the catalogue of agencies and legal bases.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use tdip_access::{Catalogue, DEFAULTS};

use crate::cli::CatalogueCmd;

pub fn run(cmd: &CatalogueCmd) -> Result<i32> {
    match cmd {
        CatalogueCmd::Check { files } => match load(files)? {
            Ok(c) => {
                println!(
                    "the catalogue is valid: {} jurisdictions, {} agencies, {} legal bases",
                    c.jurisdictions.len(),
                    c.agencies.len(),
                    c.bases.len()
                );
                Ok(0)
            }
            Err(e) => {
                eprintln!("{e}");
                Ok(1)
            }
        },
        CatalogueCmd::Show { files } => {
            let c = load(files)??;
            for agency in c.agencies.values() {
                println!("{} — {}", agency.id, agency.name);
                for id in &agency.bases {
                    let b = &c.bases[id];
                    let what: Vec<&str> = b.categories.iter().map(|c| c.as_str()).collect();
                    println!(
                        "    {:<16} {}; {}{}",
                        b.id,
                        b.title,
                        if what.is_empty() {
                            "serves no data here".to_owned()
                        } else {
                            what.join(", ")
                        },
                        b.authorised_by
                            .as_ref()
                            .map_or(String::new(), |by| format!("; authorised by the {by}"))
                    );
                }
            }
            for o in c.oversight.values() {
                println!(
                    "{} — {} (oversight: reads the audit log and statistics, queries nothing)",
                    o.id, o.name
                );
            }
            Ok(0)
        }
        CatalogueCmd::Export { dir } => {
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            for (name, text) in DEFAULTS {
                let path = dir.join(name);
                if path.exists() {
                    bail!("{} exists; export into another directory", path.display());
                }
                fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                println!("{}", path.display());
            }
            Ok(0)
        }
        CatalogueCmd::Adopt => unreachable!("needs the data directory: run by cmd::run"),
    }
}

/// The catalogue of `files`, or the shipped one; the outer error is a file that cannot be read.
pub fn load(files: &[PathBuf]) -> Result<Result<Catalogue, tdip_access::CatalogueError>> {
    if files.is_empty() {
        return Ok(Catalogue::defaults());
    }
    let mut texts = Vec::new();
    for f in files {
        let text = fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        texts.push((f.display().to_string(), text));
    }
    let named: Vec<(&str, &str)> = texts
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    Ok(Catalogue::from_files(&named))
}
