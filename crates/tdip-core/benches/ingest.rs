//! Delivery throughput: first delivery, next day's re-delivery with 0.5% changes, and an
//! identical re-delivery; and what sealing costs of the first delivery.
//! `cargo bench -p tdip-core --bench ingest -- --rows 1000000`

mod common;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use common::*;

fn main() {
    let rows = arg("--rows", 1_000_000);
    runtime().block_on(async {
        let b = Bench::new(&["kpn"]).await;
        let day0 = b.generate("kpn", rows, 0);
        let day1 = b.generate("kpn", rows, 1);
        println!("ingest, {rows} rows, SQLite at {}", b.dir.path().display());
        let started = std::time::Instant::now();
        b.deliver("first delivery", "kpn", &day0, D0).await;
        let first = started.elapsed().as_secs_f64();
        let (sealed, secs) = b.seal_cost("kpn").await;
        println!(
            "{:<34} {sealed:>9} rows  {secs:>7.2} s  = {:.1}% of the first delivery's time",
            "  sealing them again, 2 threads",
            100.0 * secs / first
        );
        b.deliver("next day, 0.5% changed", "kpn", &day1, D0 + DAY)
            .await;
        b.deliver("identical re-delivery", "kpn", &day1, D0 + 2 * DAY)
            .await;
        println!("peak RSS {} MB", peak_rss_mb());
    });
}
