//! Measures how fast the traffic generator writes (output discarded).
//!
//! `cargo run -p tdip-gen --release --example traffic_rate -- [rows] [day]`

use std::time::Instant;

use tdip_gen::{Country, GenConfig, TrafficGenConfig, write_cgnat_csv, write_sessions_csv};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rows: u64 = args.first().map_or(Ok(1_000_000), |s| s.parse())?;
    let day: u32 = args.get(1).map_or(Ok(1), |s| s.parse())?;
    let cfg = TrafficGenConfig::new(GenConfig::new("kpn", Country::Nl, rows, 1).on_day(day));
    let t = Instant::now();
    let n = write_cgnat_csv(&cfg, std::io::sink())?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "cgnat: {n} assignments of {rows} subscriptions in {secs:.3} s: {:.0} assignments/s",
        n as f64 / secs
    );
    let t = Instant::now();
    let n = write_sessions_csv(&cfg, std::io::sink())?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "session: {n} sessions in {secs:.3} s: {:.0} sessions/s",
        n as f64 / secs
    );
    Ok(())
}
