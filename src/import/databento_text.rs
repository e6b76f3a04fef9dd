//! Databento CSV and JSON (lines), as written by Databento's tools and the `dbn` crate's
//! encoders: integer or pretty (ISO 8601) timestamps, integer (1e-9) or pretty decimal prices,
//! with or without a `symbol` column. Without one, symbols come from the `symbology.json`
//! Databento ships next to batch downloads, else from `--symbol`. Records are dispatched on
//! `rtype` exactly as in DBN.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::BufRead;
use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;

use super::csv_rows::Rows;
use super::fields::{parse_dbn_price, parse_dbn_ts, parse_size, parse_u64, parse_volume, shown};
use super::report::{Reject, Skip};
use super::sink::{NO_ID, Sink, Sym, vendor_id};
use crate::price::Price;
use crate::replay::bars::BarRow;
use crate::time::to_utc;

/// The fields used, in the order [`Fields`] holds them.
const NAMES: [&str; 15] = [
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
const TS_EVENT: usize = 0;
const RTYPE: usize = 1;
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
type Fields<'a> = [&'a [u8]; NAMES.len()];

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

pub fn read_csv(
    reader: Box<dyn BufRead + Send>,
    ctx: &Ctx,
    sink: &mut Sink,
) -> Result<String, String> {
    let mut rows = Rows::new(reader, true, b',', 0)?;
    let cols: Vec<Option<usize>> = NAMES.iter().map(|n| rows.column(&[n])).collect();
    for required in [TS_EVENT, RTYPE] {
        if cols[required].is_none() {
            return Err(format!("no {:?} column in the header", NAMES[required]));
        }
    }
    while let Some(line) = rows.next(sink) {
        let rec = &rows.rec;
        let fields: Fields =
            std::array::from_fn(|i| cols[i].and_then(|c| rec.get(c)).unwrap_or(b""));
        record(&fields, line, ctx, sink);
    }
    Ok("Databento CSV".into())
}

pub fn read_json(
    mut reader: Box<dyn BufRead + Send>,
    ctx: &Ctx,
    sink: &mut Sink,
) -> Result<String, String> {
    let mut line_buf = Vec::new();
    let mut scratch: [String; NAMES.len()] = Default::default();
    let mut line = 0u64;
    loop {
        line_buf.clear();
        match reader.read_until(b'\n', &mut line_buf) {
            Ok(0) => break,
            Ok(_) => line += 1,
            Err(e) if e.to_string() == super::input::INTERRUPTED => break,
            Err(e) => {
                sink.reject(line + 1, Reject::Corrupt, "", || {
                    format!("cannot read further (truncated or corrupt file?): {e}")
                });
                break;
            }
        }
        let Ok(text) = std::str::from_utf8(&line_buf) else {
            sink.reject(line, Reject::Utf8, "", || "not UTF-8 text".into());
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        let rec: JsonRecord = match serde_json::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                let msg = crate::text::sanitize(&e.to_string());
                sink.reject(line, Reject::Corrupt, "", || {
                    format!("not a Databento JSON record: {msg}")
                });
                continue;
            }
        };
        let vals: [&Val; NAMES.len()] = [
            &rec.hd.ts_event,
            &rec.hd.rtype,
            &rec.hd.instrument_id,
            &rec.symbol,
            &rec.action,
            &rec.price,
            &rec.size,
            &rec.sequence,
            &rec.ts_recv,
            &rec.hd.publisher_id,
            &rec.open,
            &rec.high,
            &rec.low,
            &rec.close,
            &rec.volume,
        ];
        for (s, v) in scratch.iter_mut().zip(vals) {
            s.clear();
            let _ = match v {
                Val::Null => Ok(()),
                Val::Str(t) => s.write_str(t),
                Val::U(n) => write!(s, "{n}"),
                Val::I(n) => write!(s, "{n}"),
                Val::F(f) => write!(s, "{f}"),
            };
        }
        let fields: Fields = std::array::from_fn(|i| scratch[i].as_bytes());
        record(&fields, line, ctx, sink);
    }
    Ok("Databento JSON".into())
}

/// A JSON value as Databento writes it: 64-bit numbers quoted, others plain, `null` for
/// undefined.
#[derive(Debug, Default)]
enum Val<'a> {
    #[default]
    Null,
    Str(Cow<'a, str>),
    U(u64),
    I(i64),
    F(f64),
}

impl<'de: 'a, 'a> Deserialize<'de> for Val<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Val<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string, a number or null")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Val<'de>, E> {
                Ok(Val::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Val<'de>, E> {
                Ok(Val::Str(Cow::Owned(v.to_string())))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Val<'de>, E> {
                Ok(Val::U(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Val<'de>, E> {
                Ok(Val::I(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Val<'de>, E> {
                Ok(Val::F(v))
            }
            fn visit_unit<E>(self) -> Result<Val<'de>, E> {
                Ok(Val::Null)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
struct JsonHeader<'a> {
    #[serde(borrow, default)]
    ts_event: Val<'a>,
    #[serde(borrow, default)]
    rtype: Val<'a>,
    #[serde(borrow, default)]
    publisher_id: Val<'a>,
    #[serde(borrow, default)]
    instrument_id: Val<'a>,
}

#[derive(Deserialize)]
struct JsonRecord<'a> {
    #[serde(borrow)]
    hd: JsonHeader<'a>,
    #[serde(borrow, default)]
    ts_recv: Val<'a>,
    #[serde(borrow, default)]
    action: Val<'a>,
    #[serde(borrow, default)]
    price: Val<'a>,
    #[serde(borrow, default)]
    size: Val<'a>,
    #[serde(borrow, default)]
    sequence: Val<'a>,
    #[serde(borrow, default)]
    open: Val<'a>,
    #[serde(borrow, default)]
    high: Val<'a>,
    #[serde(borrow, default)]
    low: Val<'a>,
    #[serde(borrow, default)]
    close: Val<'a>,
    #[serde(borrow, default)]
    volume: Val<'a>,
    #[serde(borrow, default)]
    symbol: Val<'a>,
}

/// Handles one record, whichever text form it came from.
fn record(f: &Fields, line: u64, ctx: &Ctx, sink: &mut Sink) {
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
    let name: &[u8] = if !f[SYMBOL].is_empty() {
        f[SYMBOL]
    } else {
        let id = parse_u64(f[INSTRUMENT_ID]).and_then(|v| u32::try_from(v).ok());
        match id
            .and_then(|id| ctx.symbology.get(id, ts))
            .or(ctx.fixed_symbol)
        {
            Some(s) => s.as_bytes(),
            None => {
                let v = shown(f[INSTRUMENT_ID]);
                return sink.reject(line, Reject::Symbol, "symbol", || {
                    format!("no symbol column and no symbol for instrument {v} (give --symbol or put Databento's symbology.json beside the file)")
                });
            }
        }
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
