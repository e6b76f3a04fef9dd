//! The trades file of a replay: CSV, optionally gzip-compressed (`trades.csv.gz`), one print a
//! row, sorted by time:
//!
//! ```text
//! ts_event,symbol,price,size
//! 1737932400013000000,NQH25,21771.00,3
//! ```
//!
//! `ts_event` is UTC nanoseconds since the epoch (as in DBN), `price` a plain decimal (read
//! exactly, never through a float), `size` a positive whole number.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use flate2::{Compression, GzBuilder, read::MultiGzDecoder};

use crate::price::Price;
use crate::time::UnixNanos;

pub const HEADER: [&str; 4] = ["ts_event", "symbol", "price", "size"];

/// One print as written by generators and importers (symbol as an index into the manifest's
/// instruments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TradeRow {
    pub ts: UnixNanos,
    pub instrument: u16,
    pub price: Price,
    pub size: u32,
}

/// Opens a trades file, transparently gunzipping `*.gz`.
pub fn open(path: &Path) -> std::io::Result<Box<dyn Read>> {
    let f = File::open(path)?;
    let is_gz = path.extension().is_some_and(|e| e == "gz");
    Ok(if is_gz {
        Box::new(BufReader::with_capacity(
            1 << 20,
            MultiGzDecoder::new(BufReader::new(f)),
        ))
    } else {
        Box::new(BufReader::with_capacity(1 << 20, f))
    })
}

/// Writes rows (already sorted) to `path`; gzip when the name ends in `.gz`.
pub fn write(
    path: &Path,
    rows: &[TradeRow],
    symbols: &[String],
    decimals: &[u32],
) -> std::io::Result<()> {
    write_text(path, |out| write_rows(out, rows, symbols, decimals))
}

/// Creates `path` and lets `fill` write text into it, gzip-compressed when the name ends in
/// `.gz`. The gzip header carries no time or name, so the same text always gives the same bytes.
pub fn write_text(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let f = BufWriter::with_capacity(1 << 20, File::create(path)?);
    if path.extension().is_some_and(|e| e == "gz") {
        // Buffer above the encoder too: small writes straight into it are slow.
        let mut enc =
            BufWriter::with_capacity(1 << 16, GzBuilder::new().write(f, Compression::new(6)));
        fill(&mut enc)?;
        enc.into_inner()
            .map_err(std::io::IntoInnerError::into_error)?
            .finish()?
            .flush()
    } else {
        let mut f = f;
        fill(&mut f)?;
        f.flush()
    }
}

fn write_rows(
    out: &mut dyn Write,
    rows: &[TradeRow],
    symbols: &[String],
    decimals: &[u32],
) -> std::io::Result<()> {
    writeln!(out, "{}", HEADER.join(","))?;
    for r in rows {
        let i = r.instrument as usize;
        writeln!(
            out,
            "{},{},{},{}",
            r.ts,
            symbols[i],
            r.price.display(decimals[i]),
            r.size
        )?;
    }
    Ok(())
}
