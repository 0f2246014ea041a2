//! `tdip gen cells|calls|fixed|mail`: the cell configuration changes and the
//! communications of day N of a synthetic population, in the traffic-format kinds
//! `cell`, `mobile`, `fixed` and `internet`.

use std::fs::File;
use std::io::{self, BufWriter, Write};

use anyhow::{Context, Result};
use flate2::Compression;
use flate2::write::GzEncoder;
use tdip_gen::{GenConfig, GenError};
use tdip_store::TrafficKind;

use super::gen_data::config;
use crate::cli::GenCommArgs;

/// Writes the file of `kind` for the population of `args` (standard output if no
/// `--out`; a `.gz` name compresses) and says how to deliver it.
pub fn run(args: &GenCommArgs, kind: TrafficKind) -> Result<i32> {
    let p = &args.population;
    let cfg = config(p)?;
    let rows = match &p.out {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut out = BufWriter::with_capacity(1 << 20, file);
            if path.extension().is_some_and(|e| e == "gz") {
                let mut gz = GzEncoder::new(out, Compression::fast());
                let rows = write(&cfg, kind, &mut gz)?;
                gz.finish()?.flush()?;
                rows
            } else {
                let rows = write(&cfg, kind, &mut out)?;
                out.flush()?;
                rows
            }
        }
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            let rows = write(&cfg, kind, &mut out)?;
            out.flush()?;
            rows
        }
    };
    let file = p
        .out
        .as_ref()
        .map_or_else(|| "FILE".to_string(), |f| f.display().to_string());
    eprintln!(
        "{rows} {} records for {} day {}; deliver with `tdip traffic deliver --provider {} \
         --kind {} {file}`",
        kind.as_str(),
        p.provider,
        p.day,
        p.provider,
        kind.as_str()
    );
    Ok(0)
}

fn write(cfg: &GenConfig, kind: TrafficKind, out: &mut dyn Write) -> Result<u64> {
    let rows: Result<u64, GenError> = match kind {
        TrafficKind::Cell => tdip_gen::write_cells_csv(cfg, out),
        TrafficKind::Mobile => tdip_gen::write_calls_csv(cfg, out),
        TrafficKind::Fixed => tdip_gen::write_fixed_csv(cfg, out),
        TrafficKind::Internet => tdip_gen::write_mail_csv(cfg, out),
        other => anyhow::bail!(
            "{} records are written by `tdip gen cgnat` or `tdip gen sessions`",
            other.as_str()
        ),
    };
    Ok(rows?)
}
