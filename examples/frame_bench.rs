//! Time drawing full TUI frames: `cargo run --release --example frame_bench [REPLAY]`.

use color_eyre::eyre::Result;
use tapedeck::tui::bench::bench_frame;

fn main() -> Result<()> {
    color_eyre::install()?;
    let arg = std::env::args().nth(1);
    let replay = tapedeck::cli::open(arg.as_deref())?;
    println!("{}: {} prints", replay.title(), replay.store.print_count());
    for (w, h, frames) in [(200, 50, 2000), (120, 40, 1000), (80, 24, 1000)] {
        let s = bench_frame(&replay, w, h, frames);
        println!(
            "{w:>3}x{h:<3} {frames} frames: draw p50 {:>7.1?} p99 {:>7.1?} max {:>7.1?} | seek p50 {:>6.1?} p99 {:>6.1?}",
            s.p50, s.p99, s.max, s.seek_p50, s.seek_p99
        );
    }
    println!("target: p99 < 2 ms at 200x50");
    Ok(())
}
