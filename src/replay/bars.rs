//! The bars file of a replay, for instruments known only from bars (a minute-aggregates flat
//! file, a yfinance export): CSV, optionally gzip-compressed, one bar a row, sorted by start:
//!
//! ```text
//! ts_event,symbol,open,high,low,close,volume,interval_s
//! 1737988200000000000,NVDA,124.80,125.08,124.68,124.78,1496396,60
//! ```
//!
//! `ts_event` is the bar's start (UTC ns). A bar becomes visible to the replay only when it is
//! complete, at `ts_event + interval_s`: nothing inside a bar is known before it closes.

use std::io::Write;
use std::path::Path;

pub use crate::engine::model::BarRow;

pub const HEADER: [&str; 8] = [
    "ts_event",
    "symbol",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "interval_s",
];

/// Writes bars (sorted by start); gzip when the name ends in `.gz`, with the same stable bytes
/// as the trades writer.
pub fn write(
    path: &Path,
    rows: &[BarRow],
    symbols: &[String],
    decimals: &[u32],
) -> std::io::Result<()> {
    super::trades::write_text(path, |out| write_rows(out, rows, symbols, decimals))
}

fn write_rows(
    out: &mut dyn Write,
    rows: &[BarRow],
    symbols: &[String],
    decimals: &[u32],
) -> std::io::Result<()> {
    writeln!(out, "{}", HEADER.join(","))?;
    for r in rows {
        let i = r.instrument as usize;
        let d = decimals[i];
        writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            r.ts,
            symbols[i],
            r.open.display(d),
            r.high.display(d),
            r.low.display(d),
            r.close.display(d),
            r.volume,
            r.interval_s
        )?;
    }
    Ok(())
}
