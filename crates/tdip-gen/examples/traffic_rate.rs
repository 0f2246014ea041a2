//! Measures how fast the traffic generator writes (output discarded): the best of three
//! runs, by wall clock and — on Linux, where other processes may share the cores — by the
//! time this thread was actually on a CPU (/proc/thread-self/schedstat).
//!
//! `cargo run -p tdip-gen --release --example traffic_rate -- [rows] [day]`

use std::time::Instant;

use tdip_gen::{Country, GenConfig, TrafficGenConfig, write_cgnat_csv, write_sessions_csv};

/// Nanoseconds this thread has run on a CPU, where the kernel tells.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

type Writer = fn(&TrafficGenConfig, std::io::Sink) -> std::io::Result<u64>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rows: u64 = args.first().map_or(Ok(1_000_000), |s| s.parse())?;
    let day: u32 = args.get(1).map_or(Ok(1), |s| s.parse())?;
    let cfg = TrafficGenConfig::new(GenConfig::new("kpn", Country::Nl, rows, 1).on_day(day));
    let kinds: [(&str, Writer); 2] = [
        ("cgnat assignments", |c, o| write_cgnat_csv(c, o)),
        ("session records", |c, o| write_sessions_csv(c, o)),
    ];
    for (what, write) in kinds {
        let (mut wall, mut cpu, mut n) = (f64::MAX, f64::MAX, 0);
        for _ in 0..3 {
            let (t, c) = (Instant::now(), cpu_ns());
            n = write(&cfg, std::io::sink())?;
            wall = wall.min(t.elapsed().as_secs_f64());
            if let (Some(a), Some(b)) = (c, cpu_ns()) {
                cpu = cpu.min((b - a) as f64 / 1e9);
            }
        }
        print!(
            "{n} {what} of {rows} subscriptions: {wall:.3} s, {:.0}/s wall",
            n as f64 / wall
        );
        if cpu < f64::MAX {
            print!("; {cpu:.3} s on CPU, {:.0}/s", n as f64 / cpu);
        }
        println!();
    }
    Ok(())
}
