//! Importing text formats: Databento CSV and JSON written by the `dbn` crate's own encoders,
//! Polygon flat files, generic CSV (epoch, text times, yfinance, Kibot), and headlines and
//! instrument metadata.

#[path = "fixtures/import/support.rs"]
mod support;

use std::ffi::c_char;
use std::io::Write;
use std::path::{Path, PathBuf};

use dbn::encode::{CsvEncoder, EncodeRecord, EncodeRecordTextExt, JsonEncoder};
use dbn::{FlagSet, RecordHeader, Schema, TradeMsg, rtype};
use support::*;
use tapedeck::import::{CsvColumns, Format, Skip, TsUnit};
use tapedeck::price::Price;
use tapedeck::replay::manifest::InstrumentKind;

fn trade(id: u32, ts: &str, price: &str, size: u32, seq: u32) -> TradeMsg {
    let ts = ny(ts) as u64;
    TradeMsg {
        hd: RecordHeader::new::<TradeMsg>(rtype::MBP_0, 2, id, ts),
        price: px(price).0,
        size,
        action: b'T' as c_char,
        side: b'B' as c_char,
        flags: FlagSet::default(),
        depth: 0,
        ts_recv: ts + 2_000,
        ts_in_delta: 0,
        sequence: seq,
    }
}

/// (instrument id, symbol, record)
fn records() -> Vec<(u32, &'static str, TradeMsg)> {
    vec![
        (
            11667,
            "NVDA",
            trade(11667, "2025-01-24 15:59:59", "142.62", 100, 1),
        ),
        (
            11667,
            "NVDA",
            trade(11667, "2025-01-27 09:30:00", "124.80", 1200, 2),
        ),
        (
            523,
            "AMD",
            trade(523, "2025-01-27 09:30:01", "118.4", 300, 3),
        ),
        (
            11667,
            "NVDA",
            trade(11667, "2025-01-27 09:30:02.5", "124.8012", 50, 4),
        ),
        (
            523,
            "AMD",
            trade(523, "2025-01-27 09:31:00", "118.10", 10, 5),
        ),
    ]
}

fn write(path: &Path, bytes: &[u8]) -> PathBuf {
    std::fs::write(path, bytes).unwrap();
    path.to_path_buf()
}

fn gzip(path: &Path, text: &str) -> PathBuf {
    let f = std::fs::File::create(path).unwrap();
    let mut enc = flate2::write::GzEncoder::new(f, flate2::Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap();
    path.to_path_buf()
}

fn last(replay: &tapedeck::replay::Replay, symbol: &str, at: &str) -> Option<Price> {
    let i = replay.store.symbol_index(symbol).unwrap();
    replay.store.snapshot(ny(at), 0).instruments[i].last
}

/// The same prints, whatever Databento text form they were written in.
fn assert_databento_prints(replay: &tapedeck::replay::Replay) {
    let m = &replay.manifest;
    assert_eq!(
        m.instruments
            .iter()
            .map(|i| i.symbol.as_str())
            .collect::<Vec<_>>(),
        ["AMD", "NVDA"]
    );
    assert_eq!(m.instruments[1].reference, px("142.62"));
    assert_eq!(m.instruments[1].print_increment, Some(px("0.0001")));
    assert_eq!(
        last(replay, "NVDA", "2025-01-27 10:00:00"),
        Some(px("124.8012"))
    );
    assert_eq!(
        last(replay, "AMD", "2025-01-27 09:30:30"),
        Some(px("118.40"))
    );
    assert_eq!(
        prints_text(&replay.dir),
        "ts_event,symbol,price,size\n\
         1737988200000000000,NVDA,124.80,1200\n\
         1737988201000000000,AMD,118.40,300\n\
         1737988202500000000,NVDA,124.8012,50\n\
         1737988260000000000,AMD,118.10,10\n"
    );
}

#[test]
fn databento_csv_in_every_form_the_encoder_writes() {
    for (pretty, with_symbol) in [(false, true), (true, true), (false, false), (true, false)] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trades.csv");
        {
            let f = std::fs::File::create(&path).unwrap();
            let mut enc = CsvEncoder::builder(f)
                .use_pretty_px(pretty)
                .use_pretty_ts(pretty)
                .schema(Some(Schema::Trades))
                .with_symbol(with_symbol)
                .build()
                .unwrap();
            for (_, sym, r) in records() {
                if with_symbol {
                    enc.encode_record_with_sym(&r, Some(sym)).unwrap();
                } else {
                    enc.encode_record(&r).unwrap();
                }
            }
        }
        if !with_symbol {
            // Databento ships symbology.json next to batch downloads.
            write(
                &dir.path().join("symbology.json"),
                br#"{"result": {"NVDA": [{"d0": "2025-01-20", "d1": "2025-01-29", "s": "11667"}],
                                 "AMD": [{"d0": "2025-01-20", "d1": "2025-01-29", "s": "523"}]},
                     "stype_in": "raw_symbol", "stype_out": "instrument_id"}"#,
            );
        }
        let (report, replay) = import_ok(dir.path(), &[path], |_| {});
        assert_eq!(
            report.rejected_total(),
            0,
            "pretty {pretty}, symbol {with_symbol}: {report}"
        );
        assert!(
            replay.manifest.provenance.sources[0]
                .what
                .starts_with("Databento CSV")
        );
        assert_databento_prints(&replay);
    }
}

#[test]
fn databento_json_lines_plain_and_pretty() {
    for pretty in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trades.json");
        {
            let f = std::fs::File::create(&path).unwrap();
            let mut enc = JsonEncoder::builder(f)
                .use_pretty_px(pretty)
                .use_pretty_ts(pretty)
                .build();
            for (_, sym, r) in records() {
                enc.encode_record_with_sym(&r, Some(sym)).unwrap();
            }
        }
        let (report, replay) = import_ok(dir.path(), &[path], |_| {});
        assert_eq!(report.rejected_total(), 0, "{report}");
        assert!(
            replay.manifest.provenance.sources[0]
                .what
                .starts_with("Databento JSON")
        );
        assert_databento_prints(&replay);
    }
}

const POLYGON_HEADER: &str = "ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp\n";

#[test]
fn polygon_trades_flat_file() {
    let dir = tempfile::tempdir().unwrap();
    // Hand-checked: 09:30:00 ET on 27 Jan 2025 is 1737988200 s.
    let text = format!(
        "{POLYGON_HEADER}\
         NVDA,\"12,37\",0,4,1,1737988199999000000,124.8,101,1737988200000000000,100,3,,\n\
         NVDA,,0,11,2,1737988200400000000,124.7999,102,1737988200500000000,5,3,201,1737988200400100000\n\
         NVDA,,0,11,2,1737988200400000000,124.7999,102,1737988200500000000,5,3,201,1737988200400100000\n\
         NVDA,,0,11,3,1737988200400000000,124.7999,103,1737988200500000000,5,3,201,1737988200400100000\n\
         AMD,\"14,41\",0,12,9,1737988201000000000,118.42,55,1737988201000000100,30,3,,\n\
         AMD,14,0,12,10,1737988199000000000,118.43,54,1737988200900000000,20,3,,\n"
    );
    let path = gzip(&dir.path().join("2025-01-27.csv.gz"), &text);
    let (report, replay) = import_ok(dir.path(), &[path], |_| {});
    assert_eq!(report.read, 6);
    assert_eq!(report.trades, 5);
    assert_eq!(
        report.skipped_count(Skip::Duplicate),
        1,
        "same ids, same everything"
    );
    assert!(
        report.problems[0].ends_with(":4: row: exact duplicate of line 3 (skipped)"),
        "{:?}",
        report.problems
    );
    assert!(
        replay.manifest.provenance.sources[0]
            .what
            .contains("Polygon stocks trades flat file (gzip)")
    );
    assert_eq!(
        prints_text(&replay.dir),
        "ts_event,symbol,price,size\n\
         1737988200000000000,NVDA,124.80,100\n\
         1737988200500000000,NVDA,124.7999,5\n\
         1737988200500000000,NVDA,124.7999,5\n\
         1737988200900000000,AMD,118.43,20\n\
         1737988201000000100,AMD,118.42,30\n"
    );
}

#[test]
fn polygon_minute_aggregates() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir.path().join("minute.csv"),
        b"ticker,volume,open,close,high,low,window_start,transactions\n\
          NVDA,1496396,124.8,124.78,125.08,124.68,1737988200000000000,9000\n\
          NVDA,800000,124.78,124.5,124.9,124.4,1737988260000000000,7000\n",
    );
    let (report, replay) = import_ok(dir.path(), &[path], |_| {});
    assert_eq!((report.trades, report.bars), (0, 2));
    assert_eq!(
        gunzip(&replay.dir.join("bars.csv.gz")),
        "ts_event,symbol,open,high,low,close,volume,interval_s\n\
         1737988200000000000,NVDA,124.80,125.08,124.68,124.78,1496396,60\n\
         1737988260000000000,NVDA,124.78,124.90,124.40,124.50,800000,60\n"
    );
}

#[test]
fn generic_csv_with_epoch_millis_and_named_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir.path().join("prints.csv"),
        b"when,sym,px,qty\n1737988200000,nvda,124.80,100\n1737988200250,nvda,124.81,3\n",
    );
    let (report, replay) = import_ok(dir.path(), &[path], |o| {
        o.columns = CsvColumns {
            ts: Some("when".into()),
            symbol: Some("sym".into()),
            price: Some("px".into()),
            size: Some("4".into()),
            ..Default::default()
        }
    });
    assert_eq!(report.trades, 2);
    assert_eq!(replay.manifest.instruments[0].symbol, "nvda");
    assert_eq!(
        last(&replay, "NVDA", "2025-01-27 09:30:00.25"),
        Some(px("124.81"))
    );
}

#[test]
fn generic_csv_text_times_in_another_zone() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir.path().join("london.csv"),
        b"timestamp,symbol,price,size\n2025-01-27 14:30:00.5,AMD,118.40,10\n",
    );
    let (_, replay) = import_ok(dir.path(), &[path], |o| {
        o.tz = chrono_tz::Europe::London;
        o.columns.ts_unit = Some(TsUnit::Text);
    });
    assert_eq!(
        last(&replay, "AMD", "2025-01-27 09:30:00.5"),
        Some(px("118.40"))
    );
    assert_eq!(last(&replay, "AMD", "2025-01-27 09:30:00.4"), None);
}

#[test]
fn yfinance_multi_header_bars() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir.path().join("nvda.csv"),
        b"Price,Close,High,Low,Open,Volume\n\
          Ticker,NVDA,NVDA,NVDA,NVDA,NVDA\n\
          Datetime,,,,,\n\
          2025-01-27 14:30:00+00:00,124.80000305175781,125.08000183105469,124.68000030517578,124.80000305175781,1496396\n\
          2025-01-27 14:31:00+00:00,124.5,124.9000015258789,124.4000015258789,124.77999877929688,800000\n",
    );
    let (report, replay) = import_ok(dir.path(), &[path], |_| {});
    assert_eq!((report.bars, report.rejected_total()), (2, 0), "{report}");
    assert_eq!(
        gunzip(&replay.dir.join("bars.csv.gz")),
        "ts_event,symbol,open,high,low,close,volume,interval_s\n\
         1737988200000000000,NVDA,124.80,125.08,124.68,124.80,1496396,60\n\
         1737988260000000000,NVDA,124.78,124.90,124.40,124.50,800000,60\n"
    );
}

#[test]
fn kibot_bars_without_a_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir.path().join("AMD.txt"),
        b"01/27/2025,09:30,118.00,118.50,117.90,118.40,90000\n01/27/2025,09:35,118.40,118.60,118.10,118.20,70000\n",
    );
    let (report, replay) = import_ok(dir.path(), &[path], |o| {
        o.format = Format::Csv;
        o.symbol = Some("AMD".into());
        o.columns = CsvColumns {
            no_header: true,
            ts: Some("1+2".into()),
            ts_format: Some("%m/%d/%Y %H:%M".into()),
            open: Some("3".into()),
            high: Some("4".into()),
            low: Some("5".into()),
            close: Some("6".into()),
            volume: Some("7".into()),
            ..Default::default()
        };
    });
    assert_eq!(report.bars, 2);
    let bars = gunzip(&replay.dir.join("bars.csv.gz"));
    assert!(
        bars.ends_with(",300\n"),
        "interval from the bars' spacing: {bars}"
    );
}

#[test]
fn headlines_and_instrument_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let prints = write(
        &dir.path().join("p.csv"),
        b"ts_event,symbol,price,size\n1737988200000000000,NVDA,124.80,100\n1737988200000000000,NQH5,21304.50,2\n",
    );
    let meta = write(
        &dir.path().join("instruments.csv"),
        b"symbol,name,sector,reference,shares_outstanding,kind\n\
          NQH5,Nasdaq-100 futures,Futures,21908,,future\n\
          NVDA,Nvidia,AI chips,142.62,24477000000,stock\n",
    );
    let headlines = write(
        &dir.path().join("news.json"),
        br#"[{"ts": "2025-01-27T09:31:00-05:00", "text": "Nvidia falls", "source": "Reuters", "tickers": ["NVDA", "TSLA"], "importance": 3}]"#,
    );
    let (report, replay) = import_ok(dir.path(), &[prints], |o| {
        o.instruments = Some(meta);
        o.headlines = Some(headlines);
        o.set = vec!["NVDA.shares_source=10-K".into()];
        o.title = Some("DeepSeek Monday, real prints".into());
    });
    let m = &replay.manifest;
    assert_eq!(m.title, "DeepSeek Monday, real prints");
    assert_eq!(m.sectors, ["Futures", "AI chips"]);
    assert_eq!(m.instruments[0].symbol, "NQH5", "metadata order");
    assert_eq!(m.instruments[0].kind, InstrumentKind::Future);
    assert_eq!(m.instruments[1].name, "Nvidia");
    assert_eq!(m.instruments[1].shares_outstanding, Some(24_477_000_000));
    assert_eq!(m.instruments[1].shares_source.as_deref(), Some("10-K"));
    assert_eq!(
        m.instruments[1].reference_source.as_deref(),
        Some("instrument metadata")
    );
    assert_eq!(replay.store.headlines.len(), 1);
    assert!(
        report.notes.iter().any(|n| n.contains("\"TSLA\" dropped")),
        "{:?}",
        report.notes
    );
}

#[test]
fn the_binary_and_the_text_prints_file_hold_the_same_replay() {
    // Out of order, sub-penny, a duplicate, two instruments: everything the writer must keep.
    let text = format!(
        "{POLYGON_HEADER}\
         NVDA,,0,11,2,1737988200400000000,124.7999,102,1737988200500000000,5,3,,\n\
         NVDA,,0,11,2,1737988200400000000,124.7999,102,1737988200500000000,5,3,,\n\
         AMD,,0,12,9,1737988201000000000,118.42,55,1737988201000000100,30,3,,\n\
         NVDA,,0,4,1,1737988199999000000,124.8,101,1737988200000000000,100,3,,\n\
         AMD,,0,12,10,1737988199000000000,118.43,54,1737988200900000000,20,3,,\n\
         NVDA,,0,4,7,1737990000000000000,123.01,140,1737990000000000000,900,3,,\n"
    );
    let mut replays = Vec::new();
    for as_text in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir.path().join("t.csv"), text.as_bytes());
        let (report, replay) = import_ok(dir.path(), &[path], |o| o.text = as_text);
        assert_eq!(report.trades, 5);
        let expected = if as_text {
            "trades.csv.gz"
        } else {
            "trades.tdcol"
        };
        assert_eq!(replay.manifest.files.trades, expected);
        replays.push((prints_text(&replay.dir), replay, dir));
    }
    let (binary, text) = (&replays[0], &replays[1]);
    assert_eq!(binary.0, text.0);
    assert_eq!(
        binary.0,
        "ts_event,symbol,price,size\n\
         1737988200000000000,NVDA,124.80,100\n\
         1737988200500000000,NVDA,124.7999,5\n\
         1737988200900000000,AMD,118.43,20\n\
         1737988201000000100,AMD,118.42,30\n\
         1737990000000000000,NVDA,123.01,900\n"
    );
    assert_eq!(binary.1.manifest.instruments, text.1.manifest.instruments);
    for at in [
        "2025-01-27 09:30:00.5",
        "2025-01-27 09:30:01",
        "2025-01-27 10:00:00",
    ] {
        let (a, b) = (
            binary.1.store.snapshot(ny(at), 10),
            text.1.store.snapshot(ny(at), 10),
        );
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "at {at}");
    }
}

#[test]
fn prints_and_bars_in_one_binary_replay_survive_the_cache() {
    use tapedeck::replay::cache;
    let dir = tempfile::tempdir().unwrap();
    let prints = write(
        &dir.path().join("t.csv"),
        format!(
            "{POLYGON_HEADER}\
             NVDA,,0,4,1,1737988200000000000,124.8,101,1737988200000000000,100,3,,\n\
             NVDA,,0,4,2,1737988230000000000,124.5,102,1737988230000000000,300,3,,\n"
        )
        .as_bytes(),
    );
    let bars = write(
        &dir.path().join("minute.csv"),
        b"ticker,volume,open,close,high,low,window_start,transactions\n\
          AMD,90000,118,118.4,118.5,117.9,1737988200000000000,900\n",
    );
    let (report, replay) = import_ok(dir.path(), &[prints, bars], |_| {});
    assert_eq!((report.trades, report.bars), (2, 1));
    assert_eq!(replay.manifest.files.trades, "trades.tdcol");
    let manifest = std::fs::read(replay.dir.join("replay.json")).unwrap();
    let (tp, bp) = (
        replay.dir.join("trades.tdcol"),
        replay.dir.join("bars.csv.gz"),
    );
    let source = cache::Source {
        manifest: &manifest,
        files: [Some(&tp), Some(&bp)],
    };
    let cache_file = dir.path().join("c.tdc");
    cache::write(&cache_file, &source, replay.store.all_series(), true).unwrap();
    let f = tapedeck::replay::columns::ColumnsFile::open(&tp).unwrap();
    let raw: Vec<cache::RawColumns> = f
        .instruments
        .iter()
        .map(|m| (m.ts.clone(), m.price.clone(), m.size.clone()))
        .collect();
    let n = replay.store.instruments.len();
    let series = cache::read(&cache_file, &source, n, Some(raw)).unwrap();
    for (i, (s, t)) in series.iter().zip(replay.store.all_series()).enumerate() {
        let sym = &replay.store.instruments[i].symbol;
        assert_eq!(s.is_bars(), t.is_bars(), "{sym}");
        assert_eq!(&s.ts[..], &t.ts[..], "{sym}");
        assert_eq!(&s.price[..], &t.price[..], "{sym}");
        assert_eq!(&s.size[..], &t.size[..], "{sym}");
        assert_eq!(&s.bar_high[..], &t.bar_high[..], "{sym}");
    }
    let amd = replay.store.symbol_index("AMD").unwrap();
    assert!(series[amd].is_bars() && series[amd].len() == 1);
}
