#![allow(clippy::type_complexity)] // table-driven tests read best as tuples
//! The bundled DeepSeek replay: a reconstruction that must pass exactly through every sourced
//! figure, written exactly as `tapedeck synth` writes it.

mod common;
#[path = "common/facts.rs"]
mod facts;

use std::path::{Path, PathBuf};
use std::process::Command;

use tapedeck::price::Price;
use tapedeck::replay::{self, Replay};
use tapedeck::synth::anchors::AnchorFile;
use tapedeck::time::{NANOS_PER_HOUR, parse_rfc3339, parse_user_time};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn bundled() -> Replay {
    replay::load(&root().join("replays/deepseek-2025-01-27")).unwrap_or_else(|e| panic!("{e}"))
}

fn at(r: &Replay, text: &str) -> i64 {
    parse_user_time(text, r.date, r.tz).unwrap()
}

fn p(s: &str) -> Price {
    Price::parse(s).unwrap()
}

fn anchors() -> AnchorFile {
    let text =
        std::fs::read_to_string(root().join("assets/deepseek-2025-01-27/anchors.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_sourced_daily_figure_is_reproduced_at_16_30() {
    let r = bundled();
    let s = &r.store;
    let snap = s.snapshot(at(&r, "2025-01-27 16:30"), 0);
    for (sym, prev, open, high, low, close, pct, volume) in facts::DAILY {
        let i = s
            .symbol_index(sym)
            .unwrap_or_else(|| panic!("{sym} missing"));
        let st = &snap.instruments[i];
        assert_eq!(s.instruments[i].reference, p(prev), "{sym} reference");
        assert_eq!(st.open, Some(p(open)), "{sym} open");
        assert_eq!(st.high, Some(p(high)), "{sym} high");
        assert_eq!(st.low, Some(p(low)), "{sym} low");
        assert_eq!(st.close, Some(p(close)), "{sym} close");
        let shown = (st.change_pct.unwrap() * 100.0).round() / 100.0;
        assert!(
            (shown - pct).abs() < 0.011,
            "{sym} change_pct {shown} vs {pct}"
        );
        if let Some(v) = volume {
            assert_eq!(st.volume, v, "{sym} volume");
        }
    }
}

#[test]
fn nvidia_at_the_close_through_the_cli_json() {
    let out = Command::new(env!("CARGO_BIN_EXE_tapedeck"))
        .args(["snapshot", "--at", "2025-01-27 16:30", "--json"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let nvda = v["instruments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["symbol"] == "NVDA")
        .unwrap();
    assert_eq!(nvda["close"].to_string(), "118.42");
    assert_eq!(nvda["reference"].to_string(), "142.62");
    assert_eq!(nvda["change_pct"].as_f64(), Some(-16.97));
    // Market value lost with 24,477 m shares: about $592 bn (reported $589-593 bn).
    let lost = nvda["market_cap_change"].as_f64().unwrap();
    assert!((-5.95e11..-5.85e11).contains(&lost), "{lost}");
    assert_eq!(v["at"], "2025-01-27T16:30:00-05:00");
    assert_eq!(v["session"], "after-hours");
    assert_eq!(v["provenance"], "reconstructed");
    let arm = v["instruments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["symbol"] == "ARM")
        .unwrap();
    assert_eq!(
        arm["low"].to_string(),
        "142.3176",
        "sub-penny low kept exactly"
    );
}

/// Price of the last print at or before `t`.
fn level(r: &Replay, sym: &str, t: &str) -> Price {
    let i = r.store.symbol_index(sym).unwrap();
    r.store.series(i).price_at(at(r, t)).unwrap()
}

fn within_a_tick(got: Price, want: &str) -> bool {
    (got.0 - p(want).0).abs() <= p("0.25").0
}

#[test]
fn futures_levels_at_the_sourced_times() {
    let r = bundled();
    for (sym, t, want) in [
        ("NQH25", "2025-01-27 04:06", "21241.00"), // −667 points (Reuters)
        ("NQH25", "2025-01-27 06:56", "20980.00"), // −928 points (Reuters)
        ("NQH25", "2025-01-27 16:00", "21258.00"), // −2.97% at 16:00
        ("NQH25", "2025-01-27 17:00", "21304.50"), // session last
        ("ESH25", "2025-01-27 04:06", "6012.50"),
        ("ESH25", "2025-01-27 06:56", "5981.00"),
        ("ESH25", "2025-01-27 16:00", "6046.75"),
        ("ESH25", "2025-01-27 17:00", "6050.25"),
    ] {
        let got = level(&r, sym, t);
        assert!(within_a_tick(got, want), "{sym} at {t}: {got} vs {want}");
    }
    // Overnight lows inside their sourced windows.
    for (sym, low, from, to) in [
        ("NQH25", "20763.75", "2025-01-27 05:45", "2025-01-27 06:00"),
        ("ESH25", "5948.00", "2025-01-27 05:50", "2025-01-27 05:55"),
    ] {
        let i = r.store.symbol_index(sym).unwrap();
        let s = r.store.series(i);
        let (lo_t, lo_p) =
            s.ts.iter()
                .zip(&s.price)
                .filter(|(t, _)| **t < at(&r, "2025-01-27 09:30"))
                .min_by_key(|(_, p)| **p)
                .unwrap();
        assert_eq!(Price(*lo_p), p(low), "{sym} overnight low");
        assert!(
            (at(&r, from)..at(&r, to)).contains(lo_t),
            "{sym} low at the wrong time"
        );
    }
}

/// Hourly OHLCV of a series from its prints, keyed by hour start.
fn hourly(r: &Replay, sym: &str) -> Vec<(i64, Price, Price, Price, Price, u64)> {
    let i = r.store.symbol_index(sym).unwrap();
    let s = r.store.series(i);
    let mut out: Vec<(i64, Price, Price, Price, Price, u64)> = Vec::new();
    for k in 0..s.len() {
        let h = s.ts[k].div_euclid(NANOS_PER_HOUR) * NANOS_PER_HOUR;
        let px = Price(s.price[k]);
        match out.last_mut() {
            Some(b) if b.0 == h => {
                b.2 = b.2.max(px);
                b.3 = b.3.min(px);
                b.4 = px;
                b.5 += u64::from(s.size[k]);
            }
            _ => out.push((h, px, px, px, px, u64::from(s.size[k]))),
        }
    }
    out
}

#[test]
fn futures_hourly_bars_match_the_anchor_file_exactly() {
    let r = bundled();
    let a = anchors();
    for ins in a.instruments.iter().filter(|i| !i.bars.is_empty()) {
        let got = hourly(&r, &ins.symbol);
        assert_eq!(got.len(), ins.bars.len(), "{} hours", ins.symbol);
        for (g, b) in got.iter().zip(&ins.bars) {
            let want = (
                parse_rfc3339(&b.start).unwrap(),
                b.open,
                b.high,
                b.low,
                b.close,
                b.volume,
            );
            assert_eq!(*g, want, "{} hour {}", ins.symbol, b.start);
        }
    }
}

#[test]
fn timed_levels_of_the_anchor_file_hold() {
    let r = bundled();
    for l in anchors().levels {
        let i = r.store.symbol_index(&l.symbol).unwrap();
        let t = parse_rfc3339(&l.at).unwrap();
        let s = r.store.series(i);
        let k = s.count_until(t);
        assert!(
            k > 0 && t - s.ts[k - 1] <= 60 * 1_000_000_000,
            "{} at {}: no live print",
            l.symbol,
            l.at
        );
        let got = Price(s.price[k - 1]);
        if let Some(want) = l.price {
            assert_eq!(got, want, "{} at {}", l.symbol, l.at);
        }
        if let Some(pct) = l.change_pct {
            let reference = r.store.instruments[i].reference;
            let shown = (got.0 - reference.0) as f64 / reference.0 as f64 * 100.0;
            let decimals = i32::from(pct.fract() != 0.0);
            let scale = 10f64.powi(decimals);
            assert_eq!(
                (shown * scale).round() / scale,
                pct,
                "{} at {}: {shown}%",
                l.symbol,
                l.at
            );
        }
    }
}

#[test]
fn provenance_says_reconstructed_everywhere() {
    let r = bundled();
    assert!(r.is_reconstructed());
    let g = r.manifest.provenance.generator.as_ref().unwrap();
    assert!(g.anchors.len() > 200, "{} anchors", g.anchors.len());
    assert!(g.anchors.iter().all(|a| !a.source.is_empty()));
    let out = Command::new(env!("CARGO_BIN_EXE_tapedeck"))
        .args(["info"])
        .current_dir(root())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("RECONSTRUCTED"), "{text}");
    assert!(!text.to_lowercase().contains("recorded prints"), "{text}");
}

#[test]
fn headlines_cover_the_week_in_order() {
    let r = bundled();
    let h = &r.store.headlines;
    assert!(h.len() >= 30, "{} headlines", h.len());
    assert!(h.windows(2).all(|w| w[0].ts <= w[1].ts));
    assert!(h.first().unwrap().ts <= parse_rfc3339("2025-01-20T23:59:59-05:00").unwrap());
    assert!(h.last().unwrap().ts <= r.store.end);
    assert!(
        h.iter().filter(|x| x.ts < r.store.start).count() >= 5,
        "background headlines"
    );
    assert!(
        h.iter()
            .all(|x| !x.source.is_empty() && x.text.len() <= 200)
    );
    // Background shows from the first moment.
    assert!(r.store.snapshot(r.store.start, 0).headlines_seen >= 5);
}

/// The bundled files are exactly what `tapedeck synth` writes, and it writes the same bytes
/// every time.
#[test]
fn synth_regenerates_the_bundled_replay_byte_for_byte() {
    let out = tempfile::tempdir().unwrap();
    let dest: PathBuf = out.path().join("deepseek");
    let status = Command::new(env!("CARGO_BIN_EXE_tapedeck"))
        .args(["synth", "--out", dest.to_str().unwrap()])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    for f in ["replay.json", "headlines.json", "trades.csv.gz"] {
        let a = std::fs::read(dest.join(f)).unwrap();
        let b = std::fs::read(root().join("replays/deepseek-2025-01-27").join(f)).unwrap();
        assert!(
            a == b,
            "{f} differs from the bundled file: regenerate with `cargo run --release -- synth`"
        );
    }
}

/// With the recorded bars beside the project (../shared/data), the reconstruction's hourly
/// futures bars equal the recorded ones aggregated to hours. Skipped on a clone without them.
#[test]
fn reconstruction_matches_the_recorded_futures_bars() {
    let data = root().join("../shared/data");
    if !data.is_dir() {
        eprintln!("skipped: {} not present", data.display());
        return;
    }
    let r = bundled();
    for (file, sym) in [
        ("nq-15m-2025-01-27-deadjusted.csv", "NQH25"),
        ("es-5m-2025-01-27.csv", "ESH25"),
    ] {
        let text = std::fs::read_to_string(data.join(file)).unwrap();
        let mut recorded: Vec<(i64, Price, Price, Price, Price, u64)> = Vec::new();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(';').collect();
            let (d, m, y) = (&f[0][0..2], &f[0][3..5], &f[0][6..10]);
            let local = chrono::NaiveDateTime::parse_from_str(
                &format!("{y}-{m}-{d} {}", f[1]),
                "%Y-%m-%d %H:%M:%S",
            )
            .unwrap();
            let t = tapedeck::time::local_to_nanos(chrono_tz::America::Chicago, local).unwrap();
            let h = t.div_euclid(NANOS_PER_HOUR) * NANOS_PER_HOUR;
            let (o, hi, lo, c, v) = (
                p(f[2]),
                p(f[3]),
                p(f[4]),
                p(f[5]),
                f[6].parse::<u64>().unwrap(),
            );
            match recorded.last_mut() {
                Some(b) if b.0 == h => {
                    b.2 = b.2.max(hi);
                    b.3 = b.3.min(lo);
                    b.4 = c;
                    b.5 += v;
                }
                _ => recorded.push((h, o, hi, lo, c, v)),
            }
        }
        assert_eq!(hourly(&r, sym), recorded, "{sym} vs {file}");
    }
}
