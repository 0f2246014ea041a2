//! Measures single-threaded generation speed (output discarded).
//!
//! `cargo run -p tdip-gen --release --example throughput -- [rows] [day] [nl|be]`

use std::time::Instant;

use tdip_gen::{Country, GenConfig, write_csv};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rows: u64 = args.first().map_or(Ok(1_000_000), |s| s.parse())?;
    let day: u32 = args.get(1).map_or(Ok(0), |s| s.parse())?;
    let (provider, country) = match args.get(2).map(String::as_str) {
        Some("be") => ("proximus", Country::Be),
        _ => ("kpn", Country::Nl),
    };
    let cfg = GenConfig::new(provider, country, rows, 1).on_day(day);
    let mut out = CountingSink(0);
    let t = Instant::now();
    let stats = write_csv(&cfg, &mut out)?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{} rows, {} bytes in {:.3} s: {:.0} rows/s, {:.1} MB/s ({stats:?})",
        stats.rows,
        out.0,
        secs,
        stats.rows as f64 / secs,
        out.0 as f64 / secs / 1e6
    );
    Ok(())
}

/// Discards output but counts bytes.
struct CountingSink(u64);

impl std::io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
