//! `tdip audit witness`: a supervisor keeps the point's checkpoints in a directory and
//! checks each new one against the last kept; a fork or a rollback exits 1, naming both
//! heads.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use tdip_audit::TreeHead;
use tdip_core::audit::witness::{Witness, Witnessed};
use tdip_model::LegalZone;

use crate::render;

pub fn run(dir: &Path, file: &Path, zone: LegalZone) -> Result<i32> {
    let text =
        fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let head = |h: &TreeHead| {
        format!(
            "size {} root {} signed {}",
            h.size,
            hex::encode(h.root),
            render::time(h.at, zone)
        )
    };
    match Witness::new(dir).offer(&text)? {
        Witnessed::First(h) => {
            println!(
                "kept the first checkpoint ({}); its key is pinned in {}",
                head(&h),
                dir.join("key").display()
            );
            Ok(0)
        }
        Witnessed::Consistent { last, new } => {
            println!(
                "kept: {} extends the last kept, {}",
                head(&new),
                head(&last)
            );
            Ok(0)
        }
        Witnessed::Rollback { last, new } => {
            eprintln!(
                "ROLLBACK: the new checkpoint ({}) is smaller than the last one this witness kept \
                 ({}): the log was rolled back or truncated. Not kept; report it to the point's \
                 supervisor with both checkpoints",
                head(&new),
                head(&last)
            );
            Ok(1)
        }
        Witnessed::Fork { last, new } => {
            eprintln!(
                "FORK: the new checkpoint ({}) does not extend the last one this witness kept \
                 ({}): the log was rewritten. Not kept; report it to the point's supervisor with \
                 both checkpoints",
                head(&new),
                head(&last)
            );
            Ok(1)
        }
    }
}
