//! Small replay folders written by tests: the text form a person or another program writes.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub const T0: i64 = 1_737_932_400_000_000_000; // 2025-01-26T18:00:00-05:00
pub const SEC: i64 = 1_000_000_000;
pub const MIN: i64 = 60 * SEC;

/// A two-stock, one-future replay from Sun 18:00 to Mon 20:00 New York time.
pub fn manifest(trades_file: &str) -> String {
    format!(
        r#"{{
  "format": "tapedeck-replay",
  "version": 1,
  "name": "fixture",
  "title": "Fixture replay",
  "trading_date": "2025-01-27",
  "time_zone": "America/New_York",
  "start": "2025-01-26T18:00:00-05:00",
  "end": "2025-01-27T20:00:00-05:00",
  "sessions": [
    {{"name": "overnight", "start": "2025-01-26T18:00:00-05:00", "end": "2025-01-27T04:00:00-05:00"}},
    {{"name": "premarket", "start": "2025-01-27T04:00:00-05:00", "end": "2025-01-27T09:30:00-05:00"}},
    {{"name": "regular", "start": "2025-01-27T09:30:00-05:00", "end": "2025-01-27T16:00:00-05:00"}},
    {{"name": "after-hours", "start": "2025-01-27T16:00:00-05:00", "end": "2025-01-27T20:00:00-05:00"}},
    {{"name": "globex", "start": "2025-01-26T18:00:00-05:00", "end": "2025-01-27T17:00:00-05:00", "phase": false}}
  ],
  "sectors": ["Chips", "Futures"],
  "instruments": [
    {{"symbol": "AAA", "name": "Alpha", "kind": "stock", "sector": "Chips", "tick_size": 0.01, "print_increment": 0.0001, "reference": 100.00, "day_session": "regular", "shares_outstanding": 1000000}},
    {{"symbol": "BBB", "name": "Beta", "kind": "stock", "sector": "Chips", "tick_size": 0.01, "reference": 50.00, "day_session": "regular", "shares_outstanding": 3000000}},
    {{"symbol": "NQ", "name": "Index future", "kind": "future", "sector": "Futures", "tick_size": 0.25, "reference": 21908.00, "day_session": "globex", "multiplier": 20}}
  ],
  "provenance": {{"kind": "recorded", "summary": "Hand-written test fixture."}},
  "files": {{"headlines": "headlines.json", "trades": "{trades_file}"}}
}}
"#
    )
}

pub const HEADLINES: &str = r#"[
  {"id": "h1", "ts": "2025-01-20T07:29:00-05:00", "source": "X", "text": "Background before the start", "tickers": ["AAA"], "importance": 1},
  {"id": "h2", "ts": "2025-01-27T09:00:00-05:00", "source": "Wire", "text": "Something happens", "tickers": ["AAA", "NQ"], "tags": ["x"], "importance": 3}
]
"#;

/// Regular-session time on Monday: `hh:mm` New York.
pub fn mon(h: i64, m: i64) -> i64 {
    // Monday 00:00 New York = Sunday 18:00 + 6 h.
    T0 + 6 * 60 * MIN + h * 60 * MIN + m * MIN
}

pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

/// Writes a replay folder with these trades rows (without header).
pub fn write(rows: &[String]) -> Fixture {
    write_with(rows, HEADLINES, "trades.csv")
}

pub fn write_with(rows: &[String], headlines: &str, trades_file: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    write_into(dir.path(), rows, headlines, trades_file);
    Fixture { dir }
}

pub fn write_into(dir: &Path, rows: &[String], headlines: &str, trades_file: &str) {
    std::fs::write(dir.join("replay.json"), manifest(trades_file)).unwrap();
    std::fs::write(dir.join("headlines.json"), headlines).unwrap();
    let mut text = String::from("ts_event,symbol,price,size\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(dir.join(trades_file), text).unwrap();
}

pub fn row(ts: i64, sym: &str, price: &str, size: u32) -> String {
    format!("{ts},{sym},{price},{size}")
}

/// A small valid day: AAA premarket, regular and after hours; NQ overnight.
pub fn basic_rows() -> Vec<String> {
    vec![
        row(T0 + MIN, "NQ", "21771.00", 3),
        row(mon(4, 6), "AAA", "93.10", 100),
        row(mon(4, 6), "NQ", "21241.00", 2),
        row(mon(9, 30), "AAA", "95.00", 500),
        row(mon(9, 30), "BBB", "49.00", 100),
        row(mon(10, 0), "AAA", "97.5000", 200),
        row(mon(12, 0), "AAA", "90.1234", 300),
        row(mon(15, 59), "AAA", "92.00", 1000),
        row(mon(16, 30), "AAA", "93.00", 50),
        row(mon(16, 59), "NQ", "21304.50", 7),
    ]
}

/// Writes a replay folder whose prints are the binary `trades.tdcol`, from rows as `row` writes
/// them (per instrument in the order given; the writer checks nothing, so bad rows stay bad).
pub fn write_columns(rows: &[String]) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("replay.json"), manifest("trades.tdcol")).unwrap();
    std::fs::write(dir.path().join("headlines.json"), HEADLINES).unwrap();
    write_columns_file(
        &dir.path().join("trades.tdcol"),
        &["AAA", "BBB", "NQ"],
        rows,
    );
    Fixture { dir }
}

/// The binary prints file of `rows` with the directory listing `symbols` in this order.
pub fn write_columns_file(path: &Path, symbols: &[&str], rows: &[String]) {
    use tapedeck::price::Price;
    let mut cols: Vec<(Vec<i64>, Vec<i64>, Vec<u32>)> = vec![Default::default(); symbols.len()];
    for r in rows {
        let f: Vec<&str> = r.split(',').collect();
        let i = symbols.iter().position(|s| *s == f[1]).unwrap();
        cols[i].0.push(f[0].parse().unwrap());
        cols[i].1.push(Price::parse(f[2]).unwrap().0);
        cols[i].2.push(f[3].parse().unwrap());
    }
    let prints: Vec<tapedeck::replay::columns::Prints> = symbols
        .iter()
        .zip(&cols)
        .map(|(s, c)| tapedeck::replay::columns::Prints {
            symbol: s,
            ts: &c.0,
            price: &c.1,
            size: &c.2,
        })
        .collect();
    tapedeck::replay::columns::write(path, &prints).unwrap();
}
