//! What Databento's CSV and JSON (lines) forms share: the record fields used, the dispatch on
//! `rtype` (exactly as in DBN), and symbols from the `symbology.json` Databento ships next to
//! batch downloads when the records carry instrument ids only (else `--symbol`). Timestamps
//! are integer nanoseconds or pretty ISO 8601, prices integer (1e-9) or pretty decimals.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;

use super::fields::{parse_dbn_price, parse_dbn_ts, parse_size, parse_u64, parse_volume, shown};
use super::report::{Reject, Skip};
use super::sink::{NO_ID, Sink, Sym, vendor_id};
use crate::price::Price;
use crate::replay::bars::BarRow;
use crate::time::to_utc;

/// The fields used, in the order [`Fields`] holds them.
pub const NAMES: [&str; 15] = [
    "ts_event",
    "rtype",
    "instrument_id",
    "symbol",
    "action",
    "price",
    "size",
    "sequence",
    "ts_recv",
    "publisher_id",
    "open",
    "high",
    "low",
    "close",
    "volume",
];
pub const TS_EVENT: usize = 0;
pub const RTYPE: usize = 1;
const INSTRUMENT_ID: usize = 2;
const SYMBOL: usize = 3;
const ACTION: usize = 4;
const PRICE: usize = 5;
const SIZE: usize = 6;
const SEQUENCE: usize = 7;
const TS_RECV: usize = 8;
const PUBLISHER: usize = 9;
const OPEN: usize = 10;
const VOLUME: usize = 14;

/// One record's fields as bytes (empty when absent).
pub type Fields<'a> = [&'a [u8]; NAMES.len()];

/// Databento's `symbology.json`: instrument id → symbol per UTC date range.
#[derive(Debug, Default)]
pub struct Symbology(HashMap<u32, Vec<(NaiveDate, NaiveDate, String)>>);

impl Symbology {
    /// Reads `symbology.json` beside `file`, if there is one.
    pub fn beside(file: &Path) -> Result<Symbology, String> {
        let path = file.with_file_name("symbology.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(Symbology::default());
        };
        let bad = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(&e))?;
        let mut map: HashMap<u32, Vec<_>> = HashMap::new();
        let result = v.get("result").and_then(|r| r.as_object());
        for (symbol, spans) in result.into_iter().flatten() {
            for s in spans.as_array().into_iter().flatten() {
                let date = |k: &str| {
                    s.get(k)
                        .and_then(|d| d.as_str())
                        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                };
                let id = s
                    .get("s")
                    .and_then(|v| v.as_str())
                    .and_then(|v| v.parse().ok());
                if let (Some(d0), Some(d1), Some(id)) = (date("d0"), date("d1"), id) {
                    map.entry(id).or_default().push((d0, d1, symbol.clone()));
                }
            }
        }
        Ok(Symbology(map))
    }

    fn get(&self, id: u32, ts: i64) -> Option<&str> {
        let day = to_utc(ts).date_naive();
        self.0
            .get(&id)?
            .iter()
            .find(|(d0, d1, _)| *d0 <= day && day < *d1)
            .map(|(_, _, s)| s.as_str())
    }
}

/// What every record needs besides its fields.
pub struct Ctx<'a> {
    pub symbology: Symbology,
    pub fixed_symbol: Option<&'a str>,
}

/// Handles one record, whichever text form it came from.
pub fn record(f: &Fields, line: u64, ctx: &Ctx, sink: &mut Sink) {
    let Some(rt) = parse_u64(f[RTYPE]).and_then(|v| u8::try_from(v).ok()) else {
        let v = shown(f[RTYPE]);
        return sink.reject(line, Reject::Corrupt, "rtype", || {
            format!("{v:?} is not a record type")
        });
    };
    use dbn::rtype;
    let is_bar = matches!(
        rt,
        rtype::OHLCV_1S | rtype::OHLCV_1M | rtype::OHLCV_1H | rtype::OHLCV_1D | rtype::OHLCV_EOD
    );
    let is_trade = match rt {
        rtype::MBP_0 | rtype::TCBBO => true,
        rtype::MBP_1 | rtype::CMBP_1 => f[ACTION] == b"T",
        _ => false,
    };
    if !is_bar && !is_trade {
        return sink.skip(Skip::NotATrade);
    }
    let Some(ts) = parse_dbn_ts(f[TS_EVENT]) else {
        let v = shown(f[TS_EVENT]);
        return sink.reject(line, Reject::Timestamp, "ts_event", || {
            format!("{v:?} is not nanoseconds or an ISO 8601 time")
        });
    };
    let name: &[u8] = if f[SYMBOL].is_empty() {
        let id = parse_u64(f[INSTRUMENT_ID]).and_then(|v| u32::try_from(v).ok());
        if let Some(s) = id
            .and_then(|id| ctx.symbology.get(id, ts))
            .or(ctx.fixed_symbol)
        {
            s.as_bytes()
        } else {
            let v = shown(f[INSTRUMENT_ID]);
            return sink.reject(line, Reject::Symbol, "symbol", || {
                format!("no symbol column and no symbol for instrument {v} (give --symbol or put Databento's symbology.json beside the file)")
            });
        }
    } else {
        f[SYMBOL]
    };
    let inst = match sink.symbol(name, None) {
        Sym::Id(i) => i,
        other => return sink.bad_symbol(line, other, name),
    };
    let price = |sink: &mut Sink, i: usize| -> Option<Price> {
        match parse_dbn_price(f[i]) {
            Some(Ok(p)) => Some(p),
            Some(Err(e)) => {
                sink.reject(line, Reject::Price, NAMES[i], || e);
                None
            }
            None => {
                sink.reject(line, Reject::Price, NAMES[i], || {
                    "missing or undefined".into()
                });
                None
            }
        }
    };
    if is_bar {
        let mut px = [Price::ZERO; 4];
        for (k, p) in px.iter_mut().enumerate() {
            match price(sink, OPEN + k) {
                Some(v) => *p = v,
                None => return,
            }
        }
        let volume = match parse_volume(f[VOLUME]) {
            Ok(v) => v,
            Err(e) => return sink.reject(line, Reject::Size, "volume", || e),
        };
        let interval_s = match rt {
            rtype::OHLCV_1S => 1,
            rtype::OHLCV_1M => 60,
            rtype::OHLCV_1H => 3600,
            _ => 86_400,
        };
        return sink.bar(line, BarRow::from_ohlc(ts, inst, px, volume, interval_s));
    }
    let Some(p) = price(sink, PRICE) else { return };
    let size = match parse_size(f[SIZE]) {
        Ok(s) => s,
        Err(e) => return sink.reject(line, Reject::Size, "size", || e),
    };
    let id = if f[SEQUENCE].is_empty() && f[TS_RECV].is_empty() {
        NO_ID
    } else {
        vendor_id(&[f[SEQUENCE], f[TS_RECV], f[PUBLISHER]])
    };
    sink.trade(line, ts, inst, p, size, id);
}
