//! `tapedeck synth --from-bars`: bar-only replays made by the real importer, turned into a
//! simulated tape by the binary, and checked bar by bar against the recorded bars.

#[path = "fixtures/import/support.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::*;
use tapedeck::price::Price;
use tapedeck::replay::manifest::ProvenanceKind;
use tapedeck::replay::{self, Replay};
use tapedeck::time::{NANOS_PER_SEC, UnixNanos};

const MIN: i64 = 60 * NANOS_PER_SEC;

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

fn tapedeck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tapedeck"))
        .args(args)
        .env("TAPEDECK_NO_CACHE", "1")
        .output()
        .unwrap()
}

/// Runs `synth --from-bars SRC --out OUT [--seed N]`, failing the test with its stderr.
fn synth(src: &Path, out: &Path, seed: Option<&str>) -> Replay {
    let mut args = vec![
        "synth",
        "--from-bars",
        src.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    if let Some(s) = seed {
        args.extend(["--seed", s]);
    }
    let o = tapedeck(&args);
    assert!(
        o.status.success(),
        "synth failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    replay::load_uncached(out).unwrap_or_else(|e| panic!("output does not load: {e}"))
}

/// Polygon minute aggregates: `(symbol, HH:MM, open, high, low, close, volume)` on 27 Jan 2025.
fn polygon_minutes(rows: &[(&str, &str, &str, &str, &str, &str, u64)]) -> String {
    let mut text = String::from("ticker,volume,open,close,high,low,window_start,transactions\n");
    for (sym, hhmm, o, h, l, c, v) in rows {
        let ts = ny(&format!("2025-01-27 {hhmm}:00"));
        text.push_str(&format!("{sym},{v},{o},{c},{h},{l},{ts},1\n"));
    }
    text
}

/// Bars that exercise every shape a bar can have: a plain one, open at the high, close at the
/// low, one that never moved, one whose volume is exactly its four figures, a minute missing
/// (09:34), a bar with zero volume, and a range of one tick.
fn varied_minutes() -> String {
    polygon_minutes(&[
        (
            "NVDA", "09:30", "124.80", "125.08", "124.68", "124.78", 1_496_396,
        ),
        (
            "NVDA", "09:31", "124.78", "124.78", "124.40", "124.50", 800_000,
        ),
        (
            "NVDA", "09:32", "124.50", "124.90", "124.45", "124.45", 5_000,
        ),
        ("NVDA", "09:33", "124.45", "124.45", "124.45", "124.45", 300),
        ("NVDA", "09:35", "124.50", "124.60", "124.40", "124.55", 4),
        ("NVDA", "09:36", "124.55", "124.55", "124.55", "124.55", 0),
        (
            "NVDA", "09:37", "124.55", "124.56", "124.55", "124.56", 90_000,
        ),
        (
            "AMD", "09:30", "118.00", "118.50", "117.90", "118.40", 90_000,
        ),
        (
            "AMD", "09:31", "118.40", "118.60", "118.10", "118.20", 70_000,
        ),
        (
            "AMD", "09:32", "118.20", "118.25", "118.15", "118.20", 1_000,
        ),
    ])
}

/// A recorded bar as the source replay holds it.
#[derive(Debug, Clone, Copy)]
struct SourceBar {
    start: UnixNanos,
    end: UnixNanos,
    ohlc: [Price; 4],
    volume: u64,
}

fn source_bars(r: &Replay, symbol: &str) -> Vec<SourceBar> {
    let s = r.store.series(r.store.symbol_index(symbol).unwrap());
    assert!(s.is_bars(), "{symbol} is bar-only in the source");
    (0..s.len())
        .map(|k| SourceBar {
            start: s.ts[k] - s.bar_interval,
            end: s.ts[k],
            ohlc: [s.bar_open[k], s.bar_high[k], s.bar_low[k], s.price[k]].map(Price),
            volume: u64::from(s.size[k]),
        })
        .collect()
}

/// Every print of `symbol` in `out` lies inside one of the source's bars, and the prints of each
/// bar start at its open, end at its close, reach its high and low and no further, add up to its
/// volume, and sit on the tick grid. Returns the number of prints.
fn assert_bars_reproduced(src: &Replay, out: &Replay, symbol: &str) -> usize {
    let bars = source_bars(src, symbol);
    let i = out.store.symbol_index(symbol).unwrap();
    let s = out.store.series(i);
    let tick = out.manifest.instruments[i].tick_size;
    assert!(!s.is_bars(), "{symbol} has prints now");
    let ts: Vec<UnixNanos> = (0..s.len()).map(|k| s.ts[k]).collect();
    assert!(
        ts.windows(2).all(|w| w[0] < w[1]),
        "{symbol}: times increase"
    );
    let mut inside = 0;
    for b in &bars {
        let (a, z) = (
            ts.partition_point(|&t| t < b.start),
            ts.partition_point(|&t| t < b.end),
        );
        inside += z - a;
        let prices: Vec<Price> = (a..z).map(|k| Price(s.price[k])).collect();
        let volume: u64 = (a..z).map(|k| u64::from(s.size[k])).sum();
        let what = format!("{symbol} bar at {}", b.start);
        if b.volume == 0 {
            assert!(prices.is_empty(), "{what}: no volume, no prints");
            continue;
        }
        let [open, high, low, close] = b.ohlc;
        assert_eq!(prices.first(), Some(&open), "{what}: open");
        assert_eq!(prices.last(), Some(&close), "{what}: close");
        assert_eq!(prices.iter().max(), Some(&high), "{what}: high");
        assert_eq!(prices.iter().min(), Some(&low), "{what}: low");
        assert_eq!(volume, b.volume, "{what}: volume");
        assert!(
            prices.iter().all(|p| p.is_multiple_of(tick)),
            "{what}: tick grid"
        );
        assert!((a..z).all(|k| s.size[k] > 0), "{what}: sizes");
    }
    assert_eq!(inside, s.len(), "{symbol}: no print outside a bar");
    s.len()
}

#[test]
fn every_bar_is_reproduced_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(&dir.path().join("minute.csv"), &varied_minutes());
    let (report, src) = import_ok(dir.path(), &[csv], |_| {});
    assert_eq!(report.bars, 10);
    let out = synth(&src.dir, &dir.path().join("synth"), None);
    let nvda = assert_bars_reproduced(&src, &out, "NVDA");
    let amd = assert_bars_reproduced(&src, &out, "AMD");
    // More than the bare figures: there is a tape between them.
    assert!(nvda > 30 && amd > 10, "{nvda} {amd}");
    // The bar with volume 4 holds exactly its four figures.
    let s = out.store.series(out.store.symbol_index("NVDA").unwrap());
    let t = ny("2025-01-27 09:35:00");
    let in_bar = (0..s.len())
        .filter(|&k| s.ts[k] >= t && s.ts[k] < t + MIN)
        .count();
    assert_eq!(in_bar, 4);
    assert!(out.manifest.files.bars.is_none(), "nothing left as bars");
}

#[test]
fn bars_of_an_hour_and_of_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("datetime,symbol,open,high,low,close,volume\n");
    let hours = [
        (
            "09:30:00", "124.80", "126.00", "123.10", "125.50", 40_000_000,
        ),
        (
            "10:30:00", "125.50", "125.90", "124.00", "124.20", 22_000_000,
        ),
        (
            "11:30:00", "124.20", "124.20", "122.00", "122.00", 18_000_000,
        ),
    ];
    for (t, o, h, l, c, v) in hours {
        text.push_str(&format!("2025-01-27 {t},NVDA,{o},{h},{l},{c},{v}\n"));
    }
    let seconds = [
        ("09:30:00", "118.00", "118.02", "117.99", "118.01", 900),
        ("09:30:01", "118.01", "118.01", "118.01", "118.01", 100),
        ("09:30:02", "118.00", "118.03", "117.98", "117.99", 4_000),
        ("09:30:04", "117.99", "118.00", "117.97", "118.00", 250),
    ];
    for (t, o, h, l, c, v) in seconds {
        text.push_str(&format!("2025-01-27 {t},AMD,{o},{h},{l},{c},{v}\n"));
    }
    let csv = write(&dir.path().join("bars.csv"), &text);
    let (_, src) = import_ok(dir.path(), &[csv], |_| {});
    let interval = |sym: &str| {
        src.store
            .series(src.store.symbol_index(sym).unwrap())
            .bar_interval
            / NANOS_PER_SEC
    };
    assert_eq!((interval("NVDA"), interval("AMD")), (3_600, 1));
    let out = synth(&src.dir, &dir.path().join("synth"), Some("11"));
    let nvda = assert_bars_reproduced(&src, &out, "NVDA");
    assert_bars_reproduced(&src, &out, "AMD");
    // An hour of bar holds an hour's worth of prints, not a minute's.
    assert!(nvda > 1_000, "{nvda}");
}

#[test]
fn labelled_reconstructed_and_the_source_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(&dir.path().join("minute.csv"), &varied_minutes());
    let (_, src) = import_ok(dir.path(), &[csv], |_| {});
    let before = folder_bytes(&src.dir);
    let out_dir = dir.path().join("synth");
    let out = synth(&src.dir, &out_dir, Some("5"));
    assert_eq!(folder_bytes(&src.dir), before, "the source is unchanged");
    only_left(dir.path(), &["minute.csv", "out", "synth"]);

    let p = &out.manifest.provenance;
    assert_eq!(p.kind, ProvenanceKind::Reconstructed);
    assert!(
        p.summary.contains("SIMULATED") && p.summary.contains("AMD, NVDA"),
        "{}",
        p.summary
    );
    assert!(p.summary.contains(&src.manifest.name), "{}", p.summary);
    let g = p.generator.as_ref().expect("a generator entry");
    assert_eq!((g.name.as_str(), g.seed), ("tapedeck synth --from-bars", 5));
    assert!(g.anchor_file.ends_with("bars.csv.gz"), "{}", g.anchor_file);
    let volume = g
        .anchors
        .iter()
        .find(|a| a.symbol == "AMD" && a.what == "volume")
        .expect("AMD's volume is listed as pinned");
    assert_eq!(volume.value, 161_000.0);
    assert!(!out.manifest.title.contains("(recorded)"));
    for i in &out.manifest.instruments {
        let note = i.note.as_deref().unwrap_or("");
        assert!(note.contains("SIMULATED prints inside"), "{note}");
        assert!(!note.contains("bar by bar"), "{note}");
    }

    let info = tapedeck(&["info", out_dir.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(info.status.success());
    assert!(
        text.lines().next().unwrap().ends_with("[RECONSTRUCTED]"),
        "{text}"
    );
    assert!(text.contains("provenance  RECONSTRUCTED: The prints of AMD, NVDA are SIMULATED"));
    let info_src = tapedeck(&["info", src.dir.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&info_src.stdout).contains("[RECORDED]"));
}

#[test]
fn same_seed_same_bytes_another_seed_other_prints() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(&dir.path().join("minute.csv"), &varied_minutes());
    let (_, src) = import_ok(dir.path(), &[csv], |_| {});
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    synth(&src.dir, &a, Some("7"));
    synth(&src.dir, &b, Some("7"));
    assert_eq!(folder_bytes(&a), folder_bytes(&b));
    let other = synth(&src.dir, &c, Some("8"));
    let trades = |d: &Path| prints_text(d);
    assert_ne!(trades(&a), trades(&c));
    assert_bars_reproduced(&src, &other, "NVDA");
    assert_bars_reproduced(&src, &other, "AMD");
}

#[test]
fn recorded_prints_are_copied_through() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = ny("2025-01-27 09:30:00");
    // Two prints at the same nanosecond: their order is recorded data too.
    let prints = [
        (t0, "MSFT", "430.10", 100),
        (t0 + 5, "MSFT", "430.12", 7),
        (t0 + 5, "MSFT", "430.0999", 300),
        (t0 + 90 * NANOS_PER_SEC, "MSFT", "429.50", 1_000),
    ];
    let mut text = String::from("ts_event,symbol,price,size\n");
    for (t, sym, p, s) in prints {
        text.push_str(&format!("{t},{sym},{p},{s}\n"));
    }
    let trades = write(&dir.path().join("trades.csv"), &text);
    let bars = write(
        &dir.path().join("minute.csv"),
        &polygon_minutes(&[
            (
                "AMD", "09:30", "118.00", "118.50", "117.90", "118.40", 90_000,
            ),
            (
                "AMD", "09:31", "118.40", "118.60", "118.10", "118.20", 70_000,
            ),
        ]),
    );
    let (_, src) = import_ok(dir.path(), &[trades, bars], |_| {});
    let out = synth(&src.dir, &dir.path().join("synth"), None);
    let series = |r: &Replay| {
        let s = r.store.series(r.store.symbol_index("MSFT").unwrap());
        (0..s.len())
            .map(|k| (s.ts[k], s.price[k], s.size[k]))
            .collect::<Vec<_>>()
    };
    let recorded = series(&src);
    assert_eq!(recorded.len(), 4);
    assert_eq!(series(&out), recorded);
    let msft = out.store.symbol_index("MSFT").unwrap();
    assert_eq!(
        out.manifest.instruments[msft].note, src.manifest.instruments[msft].note,
        "a recorded instrument's note is its own"
    );
    assert!(
        out.manifest
            .provenance
            .summary
            .contains("Recorded prints, copied unchanged: MSFT."),
        "{}",
        out.manifest.provenance.summary
    );
    assert_bars_reproduced(&src, &out, "AMD");
}

#[test]
fn an_instrument_without_volume_stays_bar_by_bar() {
    // An index from yfinance: prices, no volume. Its bars cannot become prints.
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        &dir.path().join("minute.csv"),
        &polygon_minutes(&[
            (
                "SPX", "09:30", "6010.00", "6012.00", "6001.00", "6002.00", 0,
            ),
            (
                "SPX", "09:31", "6002.00", "6004.00", "5990.00", "5991.00", 0,
            ),
            (
                "AMD", "09:30", "118.00", "118.50", "117.90", "118.40", 90_000,
            ),
        ]),
    );
    let (_, src) = import_ok(dir.path(), &[csv], |_| {});
    // Without --out the result goes beside the source.
    let o = tapedeck(&["synth", "--from-bars", src.dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("SPX stays bar by bar"));
    let out = replay::load_uncached(&dir.path().join("out-synth")).unwrap();
    let spx = out.store.symbol_index("SPX").unwrap();
    let s = out.store.series(spx);
    assert!(
        s.is_bars() && s.len() == 2,
        "SPX still replays its two bars"
    );
    assert!(
        out.manifest.instruments[spx]
            .note
            .as_deref()
            .unwrap_or("")
            .contains("zero volume"),
    );
    assert!(
        out.manifest
            .provenance
            .summary
            .contains("Not reconstructed, still bar by bar: SPX."),
        "{}",
        out.manifest.provenance.summary
    );
    assert_eq!(out.manifest.provenance.kind, ProvenanceKind::Reconstructed);
    assert_bars_reproduced(&src, &out, "AMD");
}

#[test]
fn a_replay_without_bars_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = ny("2025-01-27 09:30:00");
    let trades = write(
        &dir.path().join("trades.csv"),
        &format!("ts_event,symbol,price,size\n{t0},MSFT,430.10,100\n"),
    );
    let (_, src) = import_ok(dir.path(), &[trades], |_| {});
    let out = dir.path().join("synth");
    let o = tapedeck(&[
        "synth",
        "--from-bars",
        src.dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("no bar-only instruments"), "{err}");
    assert!(!out.exists());
    only_left(dir.path(), &["out", "trades.csv"]);
}

#[test]
fn the_source_is_never_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(&dir.path().join("minute.csv"), &varied_minutes());
    let (_, src) = import_ok(dir.path(), &[csv], |_| {});
    let before = folder_bytes(&src.dir);
    for out in [src.dir.clone(), src.dir.join("inside")] {
        let o = tapedeck(&[
            "synth",
            "--from-bars",
            src.dir.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&o.stderr).contains("source replay"));
    }
    assert_eq!(folder_bytes(&src.dir), before);
    // --from-bars and --anchors are two different inputs.
    let o = tapedeck(&[
        "synth",
        "--from-bars",
        src.dir.to_str().unwrap(),
        "--anchors",
        "x.json",
    ]);
    assert_eq!(o.status.code(), Some(2), "a usage error");
}
