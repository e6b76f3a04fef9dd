//! Any other CSV, with its columns named on the command line or recognised from the header:
//! prints (timestamp, symbol, price, size) or bars (timestamp, symbol, open, high, low, close,
//! volume), which covers yfinance and Kibot exports. A column is named by its header name or
//! its 1-based number; `A+B` joins columns with a space (Kibot's separate date and time).
//! Timestamps are epoch seconds, milliseconds, microseconds or nanoseconds (guessed from the
//! number of digits unless `--ts-unit` says) or text (RFC 3339, `YYYY-MM-DD HH:MM[:SS]` in
//! `--tz`, or `--ts-format`). Rows are never duplicates unless an id column is named.

use std::io::BufRead;

use super::csv_rows::Rows;
use super::fields::{
    EpochUnit, TextTime, parse_epoch, parse_price, parse_price_rounded, parse_size, parse_volume,
    shown,
};
use super::format::{Format, ImportFormat, Input, Sniff};
use super::report::Reject;
use super::sink::{NO_ID, Sink, Sym, vendor_id};
use crate::price::Price;
use crate::replay::bars::BarRow;

/// Any other CSV: the fallback for a text header no other format claims.
pub struct GenericCsv;

impl Format {
    #[allow(non_upper_case_globals)]
    pub const Csv: Format = Format::of(&GenericCsv);
}

impl ImportFormat for GenericCsv {
    fn name(&self) -> &'static str {
        "csv"
    }

    /// Any text that is not JSON: the columns are found (or named on the command line) when
    /// reading.
    fn detect(&self, sniff: &Sniff) -> bool {
        sniff
            .first_line()
            .is_some_and(|l| !l.starts_with(['{', '[']))
    }

    fn read(&self, mut input: Input<'_>, sink: &mut Sink) -> Result<String, String> {
        let o = input.opts;
        read(input.bytes()?, &o.columns, o.tz, input.fixed_symbol(), sink)
    }
}

/// How timestamps are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TsUnit {
    Epoch(EpochUnit),
    Text,
}

/// Column mapping and reading options for generic CSV.
#[derive(Debug, Clone, Default)]
pub struct CsvColumns {
    pub ts: Option<String>,
    pub symbol: Option<String>,
    pub price: Option<String>,
    pub size: Option<String>,
    pub open: Option<String>,
    pub high: Option<String>,
    pub low: Option<String>,
    pub close: Option<String>,
    pub volume: Option<String>,
    /// A trade id or sequence column: rows equal in it and everything else are duplicates.
    pub id: Option<String>,
    pub ts_unit: Option<TsUnit>,
    /// chrono format, e.g. `%m/%d/%Y %H:%M`.
    pub ts_format: Option<String>,
    /// Bar length in seconds (default: the smallest spacing between an instrument's bars).
    pub bar_interval: Option<u32>,
    pub no_header: bool,
    /// Lines before the header (or the first row) to ignore.
    pub skip_lines: usize,
    /// Field separator (default `,`).
    pub delimiter: Option<u8>,
    /// Round every price to this many decimals (prices written as binary floats).
    pub price_decimals: Option<u32>,
}

/// Decimals prices with more than nine (always a binary float printed in full) are rounded to.
const FLOAT_ARTIFACT_DECIMALS: u32 = 4;

const TS_NAMES: &[&str] = &[
    "ts_event",
    "timestamp",
    "ts",
    "datetime",
    "date_time",
    "time",
    "date",
    "window_start",
];

/// Finds the columns of a spec: names or 1-based numbers joined by `+`.
fn resolve(spec: &str, rows: &Rows, flag: &str) -> Result<Vec<usize>, String> {
    spec.split('+')
        .map(|part| {
            let p = part.trim();
            if let Ok(n) = p.parse::<usize>()
                && n >= 1
                && (rows.header.is_empty() || n <= rows.header.len())
            {
                return Ok(n - 1);
            }
            rows.column(&[p.to_ascii_lowercase().as_str()])
                .ok_or_else(|| {
                    format!(
                        "{flag} {p:?}: no such column (header: {})",
                        rows.header.join(",")
                    )
                })
        })
        .collect()
}

#[allow(clippy::ref_option)] // takes the column flags as parsed
fn pick(
    spec: &Option<String>,
    guesses: &[&str],
    rows: &Rows,
    flag: &str,
) -> Result<Option<Vec<usize>>, String> {
    match spec {
        Some(s) => resolve(s, rows, flag).map(Some),
        None => Ok(rows.column(guesses).map(|c| vec![c])),
    }
}

enum Layout {
    Trades {
        price: usize,
        size: usize,
    },
    Bars {
        ohlc: [usize; 4],
        volume: Option<usize>,
    },
}

pub fn read(
    reader: Box<dyn BufRead + Send>,
    c: &CsvColumns,
    tz: chrono_tz::Tz,
    fixed_symbol: Option<&str>,
    sink: &mut Sink,
) -> Result<String, String> {
    let mut rows = Rows::new(
        reader,
        !c.no_header,
        c.delimiter.unwrap_or(b','),
        c.skip_lines,
    )?;
    let one = |v: Option<Vec<usize>>| v.and_then(|v| v.first().copied());
    let ohlc = [
        one(pick(&c.open, &["open"], &rows, "--open-col")?),
        one(pick(&c.high, &["high"], &rows, "--high-col")?),
        one(pick(&c.low, &["low"], &rows, "--low-col")?),
        one(pick(&c.close, &["close"], &rows, "--close-col")?),
    ];
    // yfinance's multi-index CSV: `Price,Close,High,...` then `Ticker,NVDA,...`, `Datetime,,`.
    let yfinance = rows.header.first().is_some_and(|h| h == "price") && ohlc[3].is_some();
    let layout = if c.price.is_none() && ohlc.iter().all(Option::is_some) {
        Layout::Bars {
            ohlc: ohlc.map(std::option::Option::unwrap_or_default),
            volume: one(pick(&c.volume, &["volume", "vol"], &rows, "--volume-col")?),
        }
    } else {
        let price = one(pick(
            &c.price,
            &["price", "last", "trade_price", "px"],
            &rows,
            "--price-col",
        )?)
        .ok_or("no price column: name one with --price-col (or --open-col ... for bars)")?;
        let size = one(pick(
            &c.size,
            &["size", "qty", "quantity", "volume", "shares"],
            &rows,
            "--size-col",
        )?)
        .ok_or("no size column: name one with --size-col")?;
        Layout::Trades { price, size }
    };
    let ts_cols = match &c.ts {
        Some(spec) => resolve(spec, &rows, "--ts-col")?,
        None if yfinance => vec![0],
        None => match (rows.column(&["date"]), rows.column(&["time"])) {
            (Some(d), Some(t))
                if rows
                    .column(&["datetime", "timestamp", "ts_event"])
                    .is_none() =>
            {
                vec![d, t]
            }
            _ => vec![
                rows.column(TS_NAMES)
                    .ok_or("no timestamp column: name one with --ts-col")?,
            ],
        },
    };
    let symbol_col = one(pick(
        &c.symbol,
        &["symbol", "ticker", "sym"],
        &rows,
        "--symbol-col",
    )?);
    let mut fixed = fixed_symbol.map(|s| s.as_bytes().to_vec());
    if symbol_col.is_none() && fixed.is_none() && !yfinance {
        return Err("no symbol column: name one with --symbol-col or give --symbol".into());
    }
    let id_col = one(pick(&c.id, &[], &rows, "--id-col")?);
    let text_time = TextTime {
        format: c.ts_format.clone(),
        tz,
    };
    let mut ts_text = Vec::new();
    let mut preamble = yfinance;
    while let Some(line) = rows.next(sink) {
        let r = &rows.rec;
        if preamble {
            match r.get(0).map(<[u8]>::to_ascii_lowercase) {
                Some(f) if f == b"ticker" => {
                    if fixed.is_none() && symbol_col.is_none() {
                        fixed = r.get(1).map(<[u8]>::to_vec);
                    }
                    continue;
                }
                Some(f)
                    if (f == b"datetime" || f == b"date")
                        && r.iter().skip(1).all(<[u8]>::is_empty) =>
                {
                    continue;
                }
                _ => {
                    preamble = false;
                    if fixed.is_none() && symbol_col.is_none() {
                        return Err(
                            "no symbol column: name one with --symbol-col or give --symbol".into(),
                        );
                    }
                }
            }
        }
        let name: &[u8] = match (symbol_col, &fixed) {
            (Some(col), _) => r.get(col).unwrap_or(b""),
            (None, Some(f)) => f,
            (None, None) => b"",
        };
        let inst = match sink.symbol(name, None) {
            Sym::Id(i) => i,
            other => {
                sink.bad_symbol(line, other, name);
                continue;
            }
        };
        let raw_ts: &[u8] = if ts_cols.len() == 1 {
            r.get(ts_cols[0]).unwrap_or(b"")
        } else {
            ts_text.clear();
            for (k, &col) in ts_cols.iter().enumerate() {
                if k > 0 {
                    ts_text.push(b' ');
                }
                ts_text.extend_from_slice(r.get(col).unwrap_or(b""));
            }
            &ts_text
        };
        let numeric = !raw_ts.is_empty()
            && raw_ts
                .iter()
                .all(|b| b.is_ascii_digit() || *b == b'.' || *b == b'-');
        let ts = match c.ts_unit {
            Some(TsUnit::Epoch(unit)) => parse_epoch(raw_ts, Some(unit)),
            Some(TsUnit::Text) => std::str::from_utf8(raw_ts)
                .ok()
                .and_then(|s| text_time.parse(s)),
            None if numeric && c.ts_format.is_none() => parse_epoch(raw_ts, None),
            None => std::str::from_utf8(raw_ts)
                .ok()
                .and_then(|s| text_time.parse(s)),
        };
        let Some(ts) = ts else {
            let v = shown(raw_ts);
            sink.reject(line, Reject::Timestamp, "timestamp", || {
                format!("{v:?} is not an epoch number or a time in a known format (see --ts-unit, --ts-format)")
            });
            continue;
        };
        let price = |sink: &mut Sink, col: usize, field: &str| -> Option<Price> {
            let b = r.get(col).unwrap_or(b"");
            let parsed = match c.price_decimals {
                Some(d) => parse_price_rounded(b, d),
                None => parse_price(b).or_else(|e| {
                    if e.contains("more than 9 decimal places") {
                        parse_price_rounded(b, FLOAT_ARTIFACT_DECIMALS)
                    } else {
                        Err(e)
                    }
                }),
            };
            match parsed {
                Ok(p) => Some(p),
                Err(e) => {
                    sink.reject(line, Reject::Price, field, || e);
                    None
                }
            }
        };
        match layout {
            Layout::Trades { price: pc, size } => {
                let Some(p) = price(sink, pc, "price") else {
                    continue;
                };
                let s = match parse_size(r.get(size).unwrap_or(b"")) {
                    Ok(s) => s,
                    Err(e) => {
                        sink.reject(line, Reject::Size, "size", || e);
                        continue;
                    }
                };
                let id = id_col.map_or(NO_ID, |col| vendor_id(&[r.get(col).unwrap_or(b"")]));
                sink.trade(line, ts, inst, p, s, id);
            }
            Layout::Bars { ohlc, volume } => {
                let mut px = [Price::ZERO; 4];
                let mut ok = true;
                for (k, name) in ["open", "high", "low", "close"].into_iter().enumerate() {
                    if let Some(p) = price(sink, ohlc[k], name) {
                        px[k] = p;
                    } else {
                        ok = false;
                        break;
                    }
                }
                if !ok {
                    continue;
                }
                let vol = match volume.map(|v| parse_volume(r.get(v).unwrap_or(b""))) {
                    None => 0,
                    Some(Ok(v)) => v,
                    Some(Err(e)) => {
                        sink.reject(line, Reject::Size, "volume", || e);
                        continue;
                    }
                };
                sink.bar(
                    line,
                    BarRow::from_ohlc(ts, inst, px, vol, c.bar_interval.unwrap_or(0)),
                );
            }
        }
    }
    Ok(match layout {
        Layout::Trades { .. } => "CSV prints".into(),
        Layout::Bars { .. } => "CSV bars".into(),
    })
}
