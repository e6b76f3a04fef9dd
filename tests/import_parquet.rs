//! Importing Parquet written in the test with the `parquet` crate's own writer: the documented
//! schema, other encodings of the same columns (DECIMAL prices, microsecond timestamps, nulls),
//! bars, and hive-partitioned folders of which only what is asked is read.

#[path = "fixtures/import/support.rs"]
mod support;

use std::path::Path;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use support::*;
use tapedeck::import::{ImportError, Reject};

/// One column's values: `defs` marks nulls of an optional column (1 = present).
enum Col<'a> {
    I64(&'a [i64], Option<&'a [i16]>),
    I32(&'a [i32], Option<&'a [i16]>),
    F64(&'a [f64]),
    Str(&'a [&'a str]),
}

fn write_parquet(path: &Path, schema: &str, cols: &[Col]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let schema = Arc::new(parse_message_type(schema).unwrap());
    let props = Arc::new(
        WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build(),
    );
    let file = std::fs::File::create(path).unwrap();
    let mut w = SerializedFileWriter::new(file, schema, props).unwrap();
    let mut rg = w.next_row_group().unwrap();
    let mut k = 0;
    while let Some(mut col) = rg.next_column().unwrap() {
        match &cols[k] {
            Col::I64(v, defs) => {
                col.typed::<Int64Type>()
                    .write_batch(v, *defs, None)
                    .unwrap();
            }
            Col::I32(v, defs) => {
                col.typed::<Int32Type>()
                    .write_batch(v, *defs, None)
                    .unwrap();
            }
            Col::F64(v) => {
                col.typed::<DoubleType>()
                    .write_batch(v, None, None)
                    .unwrap();
            }
            Col::Str(v) => {
                let v: Vec<ByteArray> = v.iter().map(|s| ByteArray::from(*s)).collect();
                col.typed::<ByteArrayType>()
                    .write_batch(&v, None, None)
                    .unwrap();
            }
        }
        col.close().unwrap();
        k += 1;
    }
    rg.close().unwrap();
    w.close().unwrap();
}

const SCHEMA: &str = "message trades {
    required int64 ts_event (TIMESTAMP(NANOS, true));
    required binary symbol (UTF8);
    required double price;
    required int64 size;
}";

#[test]
fn parquet_prints_with_the_documented_schema_replay_like_their_fold() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        ("NVDA", "2025-01-24 15:59:00", "142.62", 100),
        ("NVDA", "2025-01-27 09:30:00", "124.80", 1200),
        ("AMD", "2025-01-27 09:30:00", "118.42", 300),
        ("NVDA", "2025-01-27 09:29:00", "125.10", 10),
        ("NVDA", "2025-01-27 10:15:00.123456789", "123.9999", 40),
        ("AMD", "2025-01-27 16:30:00", "117.5", 5),
    ];
    let ts: Vec<i64> = rows.iter().map(|r| ny(r.1)).collect();
    let sym: Vec<&str> = rows.iter().map(|r| r.0).collect();
    let price: Vec<f64> = rows.iter().map(|r| r.2.parse().unwrap()).collect();
    let size: Vec<i64> = rows.iter().map(|r| r.3).collect();
    let file = dir.path().join("trades.parquet");
    write_parquet(
        &file,
        SCHEMA,
        &[
            Col::I64(&ts, None),
            Col::Str(&sym),
            Col::F64(&price),
            Col::I64(&size, None),
        ],
    );

    let (report, replay) = import_ok(dir.path(), &[file], |_| {});
    assert_eq!((report.read, report.trades), (6, 5));
    assert!(
        replay.manifest.provenance.sources[0]
            .what
            .starts_with("Parquet prints")
    );
    let prints: Vec<Print> = rows
        .iter()
        .map(|r| Print {
            symbol: r.0,
            ts: ny(r.1),
            price: px(r.2),
            size: r.3 as u32,
        })
        .collect();
    let day = date("2025-01-27");
    for t in [
        "2025-01-27 09:29:30",
        "2025-01-27 12:00:00",
        "2025-01-27 17:00:00",
    ] {
        let snap = replay.store.snapshot(ny(t), 0);
        let nvda = replay.store.symbol_index("NVDA").unwrap();
        let amd = replay.store.symbol_index("AMD").unwrap();
        assert_same_state(
            &snap.instruments[nvda],
            &fold(&prints, "NVDA", ny(t), day, px("142.62")),
            t,
        );
        assert_same_state(
            &snap.instruments[amd],
            &fold(&prints, "AMD", ny(t), day, px("118.42")),
            t,
        );
    }
}

#[test]
fn decimal_prices_micros_timestamps_and_nulls() {
    let dir = tempfile::tempdir().unwrap();
    let schema = "message t {
        required int64 timestamp (TIMESTAMP(MICROS, true));
        required binary ticker (UTF8);
        required int64 price (DECIMAL(18, 4));
        optional int32 size;
    }";
    let ts = [
        ny("2025-01-27 09:30:00") / 1000,
        ny("2025-01-27 09:30:01") / 1000,
        ny("2025-01-27 09:30:02") / 1000,
    ];
    let file = dir.path().join("duckdb.parquet");
    write_parquet(
        &file,
        schema,
        &[
            Col::I64(&ts, None),
            Col::Str(&["NVDA", "NVDA", "NVDA"]),
            Col::I64(&[1_248_012, 1_248_000, 1_247_900], None),
            Col::I32(&[100, 7], Some(&[1, 0, 1])),
        ],
    );
    let (_, result) = run(dir.path(), &[file], |o| o.max_rejected_pct = 50.0);
    let report = result.unwrap();
    assert_eq!(report.trades, 2);
    assert_eq!(report.rejected_count(Reject::Size), 1);
    assert!(
        report.problems[0].ends_with("duckdb.parquet:2: size: missing"),
        "{:?}",
        report.problems
    );
    assert_eq!(
        prints_text(&dir.path().join("out")),
        "ts_event,symbol,price,size\n\
         1737988200000000000,NVDA,124.8012,100\n\
         1737988202000000000,NVDA,124.79,7\n"
    );
}

#[test]
fn parquet_bars() {
    let dir = tempfile::tempdir().unwrap();
    let schema = "message bars {
        required int64 ts_event;
        required binary symbol (UTF8);
        required double open; required double high; required double low; required double close;
        required int64 volume;
    }";
    let file = dir.path().join("bars.parquet");
    let t0 = ny("2025-01-27 09:30:00");
    write_parquet(
        &file,
        schema,
        &[
            Col::I64(&[t0, t0 + 60_000_000_000], None),
            Col::Str(&["AMD", "AMD"]),
            Col::F64(&[118.0, 118.4]),
            Col::F64(&[118.5, 118.6]),
            Col::F64(&[117.9, 118.1]),
            Col::F64(&[118.4, 118.2]),
            Col::I64(&[90_000, 70_000], None),
        ],
    );
    let (report, replay) = import_ok(dir.path(), &[file], |_| {});
    assert_eq!(report.bars, 2);
    assert!(
        gunzip(&replay.dir.join("bars.csv.gz"))
            .contains("1737988200000000000,AMD,118.00,118.50,117.90,118.40,90000,60\n")
    );
}

#[test]
fn hive_partitions_are_read_only_where_asked() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("lake");
    let schema =
        "message t { required int64 ts_event; required double price; required int64 size; }";
    for (day, symbol, price) in [
        ("2025-01-24", "NVDA", 142.62),
        ("2025-01-24", "AMD", 122.84),
        ("2025-01-27", "NVDA", 124.80),
        ("2025-01-27", "AMD", 118.42),
        ("2025-01-28", "NVDA", 128.99),
    ] {
        let ts = ny(&format!("{day} 15:00:00"));
        let file = root.join(format!("date={day}/symbol={symbol}/part-0.parquet"));
        write_parquet(
            &file,
            schema,
            &[
                Col::I64(&[ts], None),
                Col::F64(&[price]),
                Col::I64(&[10], None),
            ],
        );
    }
    // A damaged partition that must never be opened.
    let bad = root.join("date=2025-01-21/symbol=NVDA/part-0.parquet");
    std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
    std::fs::write(&bad, b"PAR1 not really").unwrap();

    let (report, replay) = import_ok(dir.path(), std::slice::from_ref(&root), |o| {
        o.date = Some(date("2025-01-27"));
        o.symbols = vec!["NVDA".into()];
    });
    assert_eq!(report.read, 2, "only NVDA on the 24th and the 27th");
    let m = &replay.manifest;
    assert_eq!(m.instruments.len(), 1);
    assert_eq!(m.instruments[0].reference, px("142.62"));
    assert_eq!(
        m.provenance.sources[0].what,
        "Parquet dataset, 2 files read; 2 rows read"
    );

    // Without --date the latest date is taken, with the day before it.
    let sub = dir.path().join("latest");
    std::fs::create_dir(&sub).unwrap();
    let (_, replay) = import_ok(&sub, std::slice::from_ref(&root), |_| {});
    assert_eq!(replay.manifest.trading_date, "2025-01-28");
    assert_eq!(replay.manifest.instruments[0].reference, px("124.80"));

    // Asking for the damaged day reads it, and says what is wrong.
    let (_, result) = run(dir.path(), &[root], |o| o.date = Some(date("2025-01-21")));
    match result {
        Err(ImportError::Input(msg)) => assert!(
            msg.contains("part-0.parquet: not a readable Parquet file"),
            "{msg}"
        ),
        other => panic!("expected an input error, got {other:?}"),
    }
}
