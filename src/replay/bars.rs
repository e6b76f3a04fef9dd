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

use crate::price::Price;
use crate::time::UnixNanos;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarRow {
    /// Bar start.
    pub ts: UnixNanos,
    pub instrument: u16,
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    pub volume: u64,
    pub interval_s: u32,
}

impl BarRow {
    /// A bar from its start, instrument, `[open, high, low, close]`, volume and length.
    pub fn from_ohlc(
        ts: UnixNanos,
        instrument: u16,
        [open, high, low, close]: [Price; 4],
        volume: u64,
        interval_s: u32,
    ) -> BarRow {
        BarRow {
            ts,
            instrument,
            open,
            high,
            low,
            close,
            volume,
            interval_s,
        }
    }

    /// When the bar is complete and may be shown.
    pub fn visible_at(&self) -> UnixNanos {
        self.ts + self.interval_s as i64 * crate::time::NANOS_PER_SEC
    }
}

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
