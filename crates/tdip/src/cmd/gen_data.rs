//! `tdip gen subscribers`: deterministic synthetic subscriber files.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use flate2::Compression;
use flate2::write::GzEncoder;
use tdip_gen::{GenConfig, GenStats, snapshot_at, write_csv};

use crate::cli::GenArgs;

pub fn run(args: &GenArgs) -> Result<i32> {
    let cfg = config(args)?;
    let stats = match &args.out {
        Some(path) => write_file(&cfg, path)?,
        None => write_csv(&cfg, BufWriter::new(io::stdout().lock()))?,
    };
    eprintln!(
        "{} rows for {} day {} ({} changed, {} added, {} removed since the day before); \
         deliver with --snapshot-at {}",
        stats.rows,
        args.provider,
        args.day,
        stats.changed_vs_previous_day,
        stats.added_vs_previous_day,
        stats.removed_vs_previous_day,
        snapshot_at(args.day)
    );
    Ok(0)
}

/// The generator configuration from the command line.
pub fn config(args: &GenArgs) -> Result<GenConfig> {
    let country = match args.country.to_ascii_uppercase().as_str() {
        "NL" => tdip_gen::Country::Nl,
        "BE" => tdip_gen::Country::Be,
        other => bail!("--country {other}: use NL or BE"),
    };
    let percent: f64 = args
        .change_rate
        .parse()
        .map_err(|_| anyhow!("--change-rate: give a percentage such as 0.5"))?;
    if !(0.0..=100.0).contains(&percent) {
        bail!("--change-rate: a percentage between 0 and 100");
    }
    Ok(GenConfig {
        provider: args.provider.clone(),
        country,
        rows: args.rows,
        seed: args.seed,
        day: args.day,
        change_rate_ppm: (percent * 10_000.0).round() as u32,
    })
}

/// Writes a generated file; `.gz` names are gzip-compressed.
pub fn write_file(cfg: &GenConfig, path: &Path) -> Result<GenStats> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let out = BufWriter::with_capacity(1 << 20, file);
    if path.extension().is_some_and(|e| e == "gz") {
        let mut gz = GzEncoder::new(out, Compression::fast());
        let stats = write_csv(cfg, &mut gz)?;
        gz.finish()?.flush()?;
        Ok(stats)
    } else {
        let mut out = out;
        let stats = write_csv(cfg, &mut out)?;
        out.flush()?;
        Ok(stats)
    }
}
