//! A small deterministic replay for the TUI tests: two sectors of stocks and a future, with
//! prints from Sunday 18:00 to Monday 20:00 New York time and five headlines. CHIP ends the
//! day down 17%, PHON up 3%.
#![allow(dead_code)]

use std::fmt::Write;
use std::path::Path;
use std::sync::OnceLock;

use tapedeck::replay::{self, Replay};

pub const SEC: i64 = 1_000_000_000;
pub const MIN: i64 = 60 * SEC;
/// 2025-01-26T18:00:00-05:00.
pub const SUN_18: i64 = 1_737_932_400 * SEC;

/// Monday `h:m` New York time.
pub fn mon(h: i64, m: i64) -> i64 {
    SUN_18 + (6 + h) * 60 * MIN + m * MIN
}

const MANIFEST: &str = r#"{
  "format": "tapedeck-replay",
  "version": 1,
  "name": "tui-fixture",
  "title": "TUI fixture: a small sell-off",
  "trading_date": "2025-01-27",
  "time_zone": "America/New_York",
  "start": "2025-01-26T18:00:00-05:00",
  "end": "2025-01-27T20:00:00-05:00",
  "sessions": [
    {"name": "overnight", "start": "2025-01-26T18:00:00-05:00", "end": "2025-01-27T04:00:00-05:00"},
    {"name": "premarket", "start": "2025-01-27T04:00:00-05:00", "end": "2025-01-27T09:30:00-05:00"},
    {"name": "regular", "start": "2025-01-27T09:30:00-05:00", "end": "2025-01-27T16:00:00-05:00"},
    {"name": "after-hours", "start": "2025-01-27T16:00:00-05:00", "end": "2025-01-27T20:00:00-05:00"},
    {"name": "globex", "start": "2025-01-26T18:00:00-05:00", "end": "2025-01-27T17:00:00-05:00", "phase": false}
  ],
  "sectors": ["Chips", "Platforms", "Index"],
  "instruments": [
    {"symbol": "CHIP", "name": "Chip Co", "kind": "stock", "sector": "Chips", "tick_size": 0.01, "reference": 100.00, "day_session": "regular", "shares_outstanding": 20000000000},
    {"symbol": "FAB", "name": "Fab Co", "kind": "stock", "sector": "Chips", "tick_size": 0.01, "reference": 50.00, "day_session": "regular", "shares_outstanding": 2000000000},
    {"symbol": "SOFT", "name": "Soft Co", "kind": "stock", "sector": "Platforms", "tick_size": 0.01, "reference": 400.00, "day_session": "regular", "shares_outstanding": 7000000000},
    {"symbol": "PHON", "name": "Phone Co", "kind": "stock", "sector": "Platforms", "tick_size": 0.01, "reference": 220.00, "day_session": "regular", "shares_outstanding": 15000000000},
    {"symbol": "IDX", "name": "Index ETF", "kind": "etf", "sector": "Index", "tick_size": 0.01, "reference": 500.00, "day_session": "regular"},
    {"symbol": "NQ", "name": "Index future", "kind": "future", "sector": "Index", "tick_size": 0.25, "reference": 21908.00, "day_session": "globex", "multiplier": 20}
  ],
  "provenance": {"kind": "reconstructed", "summary": "A made-up test session; not market data."},
  "files": {"headlines": "headlines.json", "trades": "trades.csv"}
}
"#;

const HEADLINES: &str = r#"[
  {"id": "h1", "ts": "2025-01-24T16:00:00-05:00", "source": "Desk", "text": "Friday close: nothing to see.", "tickers": ["CHIP"], "importance": 1},
  {"id": "h2", "ts": "2025-01-26T21:00:00-05:00", "source": "Wire", "text": "Futures slide in Asia.", "tickers": ["NQ"], "importance": 2},
  {"id": "h3", "ts": "2025-01-27T06:56:00-05:00", "source": "Wire", "text": "Chip Co down sharply before the bell.", "tickers": ["CHIP", "FAB"], "importance": 2},
  {"id": "h4", "ts": "2025-01-27T09:30:00-05:00", "source": "Exchange", "text": "Chip Co opens 12% lower.", "tickers": ["CHIP"], "importance": 3},
  {"id": "h5", "ts": "2025-01-27T14:54:00-05:00", "source": "Wire", "text": "Afternoon: Phone Co at the highs.", "tickers": ["PHON"], "importance": 2}
]
"#;

/// (symbol, reference cents, close cents, first print, last print, step between prints).
const PATHS: [(&str, i64, i64, i64, i64, i64); 6] = [
    ("CHIP", 10_000, 8_300, 10, 26, 30),
    ("FAB", 5_000, 4_600, 10, 26, 30),
    ("SOFT", 40_000, 39_200, 10, 26, 30),
    ("PHON", 22_000, 22_660, 10, 26, 30),
    ("IDX", 50_000, 48_500, 10, 26, 30),
    ("NQ", 2_190_800, 2_125_800, 0, 23, 60),
];

/// Writes the fixture replay into `dir`.
pub fn write(dir: &Path) {
    std::fs::write(dir.join("replay.json"), MANIFEST).unwrap();
    std::fs::write(dir.join("headlines.json"), HEADLINES).unwrap();
    let mut rows: Vec<(i64, usize, i64, u32)> = Vec::new();
    for (i, &(sym, from, to, h0, h1, step_s)) in PATHS.iter().enumerate() {
        let (start, end) = (SUN_18 + h0 * 60 * MIN, SUN_18 + h1 * 60 * MIN);
        // Stocks fall to their close by 16:00 and hold; the future by 17:00.
        let arrive = if sym == "NQ" {
            mon(16, 59)
        } else {
            mon(15, 59)
        };
        let tick = if sym == "NQ" { 25 } else { 1 };
        let mut k: i64 = 0;
        let mut ts = start + i as i64 * SEC / 10;
        while ts < end {
            let f = ((ts - start) as f64 / (arrive - start) as f64).min(1.0);
            let wiggle = ((k * 7) % 9 - 4) * tick;
            let cents = if ts >= arrive {
                to
            } else {
                from + ((to - from) as f64 * f) as i64 / tick * tick + wiggle
            };
            let size = if k % 50 == 49 {
                50_000
            } else {
                100 + ((k * 37) % 900) as u32
            };
            rows.push((
                ts,
                i,
                cents,
                if sym == "NQ" { size / 100 + 1 } else { size },
            ));
            k += 1;
            ts += step_s * SEC;
        }
    }
    rows.sort_by_key(|r| (r.0, r.1));
    let mut text = String::from("ts_event,symbol,price,size\n");
    for (ts, i, cents, size) in rows {
        let _ = writeln!(
            text,
            "{ts},{},{}.{:02},{size}",
            PATHS[i].0,
            cents / 100,
            cents % 100
        );
    }
    std::fs::write(dir.join("trades.csv"), text).unwrap();
}

/// The fixture, loaded once per test binary.
pub fn replay() -> &'static Replay {
    static R: OnceLock<Replay> = OnceLock::new();
    R.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path());
        replay::load(dir.path()).unwrap_or_else(|e| panic!("fixture does not load:\n{e}"))
    })
}
