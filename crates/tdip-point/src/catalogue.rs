//! Catalogue files: the catalogue of agencies and legal bases read from TOML files, or
//! the shipped one.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result};
use tdip_access::{Catalogue, CatalogueError};

/// The catalogue of `files`, or the shipped one when none is given; the outer error is a
/// file that cannot be read, the inner one every problem of a catalogue that can.
pub fn load(files: &[PathBuf]) -> Result<Result<Catalogue, CatalogueError>> {
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
