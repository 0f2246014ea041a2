//! Prints a few rows of each communication kind and the cells of a small population, and
//! the generation rate of each: `cargo run --release -p tdip-gen --example comm_sample
//! [ROWS] [DAY]`.

use std::time::Instant;

use tdip_gen::{
    Country, GenConfig, GenError, write_calls_csv, write_cells_csv, write_fixed_csv, write_mail_csv,
};

type Writer = fn(&GenConfig, &mut Vec<u8>) -> Result<u64, GenError>;

fn main() -> Result<(), GenError> {
    let mut args = std::env::args().skip(1);
    let rows: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let day: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let cfg = GenConfig::new("kpn", Country::Nl, rows, 1).on_day(day);
    let kinds: [(&str, Writer); 4] = [
        ("cell", |c, o| write_cells_csv(c, o)),
        ("mobile", |c, o| write_calls_csv(c, o)),
        ("fixed", |c, o| write_fixed_csv(c, o)),
        ("internet", |c, o| write_mail_csv(c, o)),
    ];
    for (kind, write) in kinds {
        let mut out = Vec::new();
        let t = Instant::now();
        let n = write(&cfg, &mut out)?;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "== {kind}: {n} rows, {:.1} MB in {secs:.2} s = {:.0} rows/s",
            out.len() as f64 / 1e6,
            n as f64 / secs
        );
        for line in String::from_utf8_lossy(&out).lines().take(6) {
            println!("{line}");
        }
    }
    Ok(())
}
