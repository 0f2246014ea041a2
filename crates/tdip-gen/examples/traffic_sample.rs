//! Writes one day of traffic of a small population to stdout, for a look.
//!
//! `cargo run -p tdip-gen --example traffic_sample -- [cgnat|session] [rows] [day]`

use tdip_gen::{Country, GenConfig, TrafficGenConfig, write_cgnat_csv, write_sessions_csv};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rows: u64 = args.get(1).map_or(Ok(200), |s| s.parse())?;
    let day: u32 = args.get(2).map_or(Ok(1), |s| s.parse())?;
    let cfg = TrafficGenConfig::new(GenConfig::new("kpn", Country::Nl, rows, 1).on_day(day));
    let out = std::io::stdout().lock();
    match args.first().map(String::as_str) {
        Some("session") => write_sessions_csv(&cfg, out)?,
        _ => write_cgnat_csv(&cfg, out)?,
    };
    Ok(())
}
