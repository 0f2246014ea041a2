//! `tdip gen subscribers|cgnat|sessions`: deterministic synthetic subscriber files, and the
//! retained traffic data of the same population.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use flate2::Compression;
use flate2::write::GzEncoder;
use tdip_gen::{GenConfig, GenStats, snapshot_at, write_csv};

use crate::cli::{GenArgs, GenTrafficArgs};
use tdip_store::TrafficKind;

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

/// `tdip gen cgnat` / `tdip gen sessions`.
pub fn traffic(args: &GenTrafficArgs, kind: TrafficKind) -> Result<i32> {
    let mut cfg = tdip_gen::TrafficGenConfig::new(config(&args.population)?);
    if let Some(ips) = args.public_ips {
        cfg.public_ips = ips;
    }
    if !(64..=4096).contains(&args.block_size) || !args.block_size.is_power_of_two() {
        bail!("--block-size: a power of two from 64 to 4096");
    }
    cfg.block_size = args.block_size;
    cfg.blocks_per_subscriber = args.blocks_per_subscriber;
    let write = |out: &mut dyn Write| -> io::Result<u64> {
        match kind {
            TrafficKind::PortBlock => tdip_gen::write_cgnat_csv(&cfg, out),
            TrafficKind::AccessSession => tdip_gen::write_sessions_csv(&cfg, out),
            other => Err(io::Error::other(format!(
                "{} records are written by their own generator",
                other.as_str()
            ))),
        }
    };
    let rows = match &args.population.out {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut out = BufWriter::with_capacity(1 << 20, file);
            if path.extension().is_some_and(|e| e == "gz") {
                let mut gz = GzEncoder::new(out, Compression::fast());
                let rows = write(&mut gz)?;
                gz.finish()?.flush()?;
                rows
            } else {
                let rows = write(&mut out)?;
                out.flush()?;
                rows
            }
        }
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            let rows = write(&mut out)?;
            out.flush()?;
            rows
        }
    };
    eprintln!(
        "{rows} {} records for {} day {}; deliver with `tdip traffic deliver --provider {} --kind {}`",
        kind.as_str(),
        args.population.provider,
        args.population.day,
        args.population.provider,
        kind.as_str()
    );
    Ok(0)
}
