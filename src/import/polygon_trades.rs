//! Polygon.io (Massive) stocks trades flat files (`ticker,conditions,correction,exchange,id,
//! participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp`,
//! nanosecond timestamps, quoted condition lists, usually `.csv.gz`). Every print is imported
//! whatever its conditions; a print's time is its SIP timestamp (the participant's when the SIP
//! one is missing). Duplicates are rows equal in ticker, time, price, size, exchange, trade id
//! and sequence number.

use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::asked_only::AskedOnly;
use super::csv_rows::Rows;
use super::fields::{EpochUnit, parse_epoch, parse_price, parse_size, shown};
use super::format::{Format, ImportFormat, Input, Sniff};
use super::report::{Reject, Skip};
use super::sink::{Sink, Sym, vendor_id};

pub struct PolygonTrades;

impl Format {
    #[allow(non_upper_case_globals)]
    pub const PolygonTrades: Format = Format::of(&PolygonTrades);
}

impl ImportFormat for PolygonTrades {
    fn name(&self) -> &'static str {
        "polygon-trades"
    }

    fn detect(&self, sniff: &Sniff) -> bool {
        sniff.has_columns(&["ticker", "sip_timestamp", "participant_timestamp"])
    }

    fn read(&self, mut input: Input<'_>, sink: &mut Sink) -> Result<String, String> {
        read_trades(input.bytes()?, sink)
    }
}

pub fn read_trades(reader: Box<dyn BufRead + Send>, sink: &mut Sink) -> Result<String, String> {
    // With --symbols, rows of other tickers (the ticker is the first column) are dropped before
    // they are split into fields: a day file holds every US ticker.
    let skipped = Arc::new(AtomicU64::new(0));
    let mut reader = reader;
    let ticker_first = reader.fill_buf().is_ok_and(|b| {
        b.trim_ascii_start()
            .to_ascii_lowercase()
            .starts_with(b"ticker,")
    });
    let reader: Box<dyn BufRead + Send> = match sink.asked() {
        Some(asked) if ticker_first => Box::new(AskedOnly::new(reader, asked, skipped.clone())),
        _ => reader,
    };
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
    ] = rows.columns([
        "ticker",
        "price",
        "size",
        "sip_timestamp",
        "participant_timestamp",
        "exchange",
        "id",
        "sequence_number",
    ])?;
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
    drop(rows);
    sink.skip_rows(Skip::NotAsked, skipped.load(Ordering::Relaxed));
    Ok("Polygon stocks trades flat file".into())
}
