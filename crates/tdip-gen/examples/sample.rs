//! Prints a small generated subscriber file to stdout.
//!
//! `cargo run -p tdip-gen --example sample -- [rows] [day] [provider] [nl|be]`

use tdip_gen::{Country, GenConfig, write_csv};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rows = args.first().map_or(Ok(20), |s| s.parse())?;
    let day = args.get(1).map_or(Ok(0), |s| s.parse())?;
    let provider = args.get(2).map_or("kpn", String::as_str);
    let country = match args.get(3).map(String::as_str) {
        Some("be") => Country::Be,
        _ => Country::Nl,
    };
    let cfg = GenConfig::new(provider, country, rows, 42).on_day(day);
    let stats = write_csv(&cfg, std::io::stdout().lock())?;
    eprintln!("{stats:?}");
    Ok(())
}
