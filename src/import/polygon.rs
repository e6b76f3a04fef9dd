//! Polygon.io (Massive) flat files: stocks trades (`ticker,conditions,correction,exchange,id,
//! participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp`,
//! nanosecond timestamps, quoted condition lists, usually `.csv.gz`) and minute aggregates
//! (`ticker,volume,open,close,high,low,window_start,transactions`). Every print is imported
//! whatever its conditions; a print's time is its SIP timestamp (the participant's when the SIP
//! one is missing). Duplicates are rows equal in ticker, time, price, size, exchange, trade id
//! and sequence number.

use std::io::BufRead;

use super::csv_rows::Rows;
use super::fields::{EpochUnit, parse_epoch, parse_price, parse_size, parse_volume, shown};
use super::report::Reject;
use super::sink::{Sink, Sym, vendor_id};
use crate::price::Price;
use crate::replay::bars::BarRow;

fn columns<const N: usize>(rows: &Rows, names: [&str; N]) -> Result<[usize; N], String> {
    let mut out = [0; N];
    for (o, n) in out.iter_mut().zip(names) {
        *o = rows
            .column(&[n])
            .ok_or_else(|| format!("no {n:?} column in the header"))?;
    }
    Ok(out)
}

pub fn read_trades(reader: Box<dyn BufRead + Send>, sink: &mut Sink) -> Result<String, String> {
    let mut rows = Rows::new(reader, true, b',', 0)?;
    let [
        ticker,
        price,
        size,
        sip,
        participant,
        exchange,
        id,
        sequence,
    ] = columns(
        &rows,
        [
            "ticker",
            "price",
            "size",
            "sip_timestamp",
            "participant_timestamp",
            "exchange",
            "id",
            "sequence_number",
        ],
    )?;
    while let Some(line) = rows.next(sink) {
        let r = &rows.rec;
        let inst = match sink.symbol(&r[ticker], None) {
            Sym::Id(i) => i,
            other => {
                sink.bad_symbol(line, other, &r[ticker]);
                continue;
            }
        };
        let ts_field = if r[sip].is_empty() { participant } else { sip };
        let Some(ts) = parse_epoch(&r[ts_field], Some(EpochUnit::Ns)) else {
            let v = shown(&r[ts_field]);
            sink.reject(line, Reject::Timestamp, "sip_timestamp", || {
                format!("{v:?} is not nanoseconds since the epoch")
            });
            continue;
        };
        let p = match parse_price(&r[price]) {
            Ok(p) => p,
            Err(e) => {
                sink.reject(line, Reject::Price, "price", || e);
                continue;
            }
        };
        let s = match parse_size(&r[size]) {
            Ok(s) => s,
            Err(e) => {
                sink.reject(line, Reject::Size, "size", || e);
                continue;
            }
        };
        let vid = vendor_id(&[&r[exchange], &r[id], &r[sequence]]);
        sink.trade(line, ts, inst, p, s, vid);
    }
    Ok("Polygon stocks trades flat file".into())
}

pub fn read_minute(
    reader: Box<dyn BufRead + Send>,
    day_file: bool,
    sink: &mut Sink,
) -> Result<String, String> {
    let mut rows = Rows::new(reader, true, b',', 0)?;
    let [ticker, open, high, low, close, volume, start] = columns(
        &rows,
        [
            "ticker",
            "open",
            "high",
            "low",
            "close",
            "volume",
            "window_start",
        ],
    )?;
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
