//! Polygon.io (Massive) aggregates flat files: minute bars, or day bars in a file named
//! `day_aggs` (`ticker,volume,open,close,high,low,window_start,transactions`, nanosecond
//! window starts).

use std::io::BufRead;

use super::csv_rows::Rows;
use super::fields::{EpochUnit, parse_epoch, parse_price, parse_volume, shown};
use super::format::{Format, ImportFormat, Input, Sniff};
use super::report::Reject;
use super::sink::{Sink, Sym};
use crate::price::Price;
use crate::replay::bars::BarRow;

pub struct PolygonAggs;

impl Format {
    #[allow(non_upper_case_globals)]
    pub const PolygonMinute: Format = Format::of(&PolygonAggs);
}

impl ImportFormat for PolygonAggs {
    fn name(&self) -> &'static str {
        "polygon-minute"
    }

    fn detect(&self, sniff: &Sniff) -> bool {
        sniff.has_columns(&["ticker", "window_start", "open"])
    }

    fn read(&self, mut input: Input<'_>, sink: &mut Sink) -> Result<String, String> {
        let day_file = input.label.contains("day_aggs");
        read_minute(input.bytes()?, day_file, sink)
    }
}

pub fn read_minute(
    reader: Box<dyn BufRead + Send>,
    day_file: bool,
    sink: &mut Sink,
) -> Result<String, String> {
    let mut rows = Rows::new(reader, true, b',', 0)?;
    let [ticker, open, high, low, close, volume, start] = rows.columns([
        "ticker",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "window_start",
    ])?;
    let interval_s = if day_file { 86_400 } else { 60 };
    'rows: while let Some(line) = rows.next(sink) {
        let r = &rows.rec;
        let inst = match sink.symbol(&r[ticker], None) {
            Sym::Id(i) => i,
            other => {
                sink.bad_symbol(line, other, &r[ticker]);
                continue;
            }
        };
        let Some(ts) = parse_epoch(&r[start], Some(EpochUnit::Ns)) else {
            let v = shown(&r[start]);
            sink.reject(line, Reject::Timestamp, "window_start", || {
                format!("{v:?} is not nanoseconds since the epoch")
            });
            continue;
        };
        let mut px = [Price::ZERO; 4];
        for (p, (col, name)) in px.iter_mut().zip([
            (open, "open"),
            (high, "high"),
            (low, "low"),
            (close, "close"),
        ]) {
            match parse_price(&r[col]) {
                Ok(v) => *p = v,
                Err(e) => {
                    sink.reject(line, Reject::Price, name, || e);
                    continue 'rows;
                }
            }
        }
        let vol = match parse_volume(&r[volume]) {
            Ok(v) => v,
            Err(e) => {
                sink.reject(line, Reject::Size, "volume", || e);
                continue;
            }
        };
        sink.bar(line, BarRow::from_ohlc(ts, inst, px, vol, interval_s));
    }
    Ok(if day_file {
        "Polygon day aggregates flat file"
    } else {
        "Polygon minute aggregates flat file"
    }
    .into())
}
