//! `tapedeck tape`: the prints between two times, streamed.

use std::io::{BufWriter, Write};

use color_eyre::eyre::{Result, bail};
use serde_json::json;

use crate::replay::Replay;
use crate::time::{UnixNanos, clock_millis, rfc3339_in};

pub fn run(
    r: &Replay,
    from: UnixNanos,
    to: UnixNanos,
    symbols: &[String],
    as_json: bool,
) -> Result<()> {
    if to < from {
        bail!("--to is before --from");
    }
    let s = &r.store;
    let mut keep = vec![symbols.is_empty(); s.instruments.len()];
    for sym in symbols {
        match s.symbol_index(sym) {
            Some(i) => keep[i] = true,
            None => bail!(
                "unknown symbol {sym:?}; this replay has {}",
                s.instruments
                    .iter()
                    .map(|i| i.symbol.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
    let keep_fn = |i: usize| keep[i];
    let mut out = BufWriter::new(std::io::stdout().lock());
    if as_json {
        writeln!(out, "[")?;
    }
    let mut first = true;
    for p in s.prints_between(from, to, &keep_fn) {
        let info = &s.instruments[p.instrument as usize];
        if as_json {
            if !first {
                writeln!(out, ",")?;
            }
            let row = json!({
                "ts": rfc3339_in(p.ts, r.tz),
                "ts_ns": p.ts,
                "symbol": info.symbol,
                "price": p.price,
                "size": p.size,
            });
            write!(out, "  {row}")?;
        } else {
            writeln!(
                out,
                "{}  {:<6} {:>10} {:>8}",
                clock_millis(p.ts, r.tz),
                info.symbol,
                p.price.display(info.decimals).to_string(),
                p.size
            )?;
        }
        first = false;
    }
    if as_json {
        writeln!(out, "{}]", if first { "" } else { "\n" })?;
    }
    out.flush()?;
    Ok(())
}
