//! End-to-end checks of the generator. Every assertion folds the generated prints directly,
//! without the generator's own bookkeeping, and re-reads the anchor file's figures itself.

use std::path::Path;
use std::time::Instant;

use serde_json::json;

use super::anchors::{AnchorFile, ExtremeKind};
use super::{Synth, SynthError, generate, write_replay};
use crate::price::Price;
use crate::replay::manifest::{InstrumentKind, Manifest, ProvenanceKind};
use crate::replay::trades::{self, TradeRow};
use crate::time::{self, NANOS_PER_MIN, NANOS_PER_SEC, UnixNanos};

fn fixture_json() -> serde_json::Value {
    let bar = |start: &str, o: f64, h: f64, l: f64, c: f64, v: u64| {
        json!({"start": start, "minutes": 60, "open": o, "high": h, "low": l, "close": c,
               "volume": v, "source": "TEST-BARS"})
    };
    json!({
        "name": "fixture", "title": "Fixture day", "trading_date": "2025-01-27",
        "time_zone": "America/New_York",
        "start": "2025-01-26T18:00:00-05:00", "end": "2025-01-27T20:00:00-05:00",
        "seed": 7, "summary": "A test reconstruction.",
        "sessions": [
            {"name": "overnight", "start": "2025-01-26T18:00:00-05:00", "end": "2025-01-27T04:00:00-05:00"},
            {"name": "premarket", "start": "2025-01-27T04:00:00-05:00", "end": "2025-01-27T09:30:00-05:00"},
            {"name": "regular", "start": "2025-01-27T09:30:00-05:00", "end": "2025-01-27T16:00:00-05:00"},
            {"name": "after-hours", "start": "2025-01-27T16:00:00-05:00", "end": "2025-01-27T20:00:00-05:00"},
            {"name": "globex", "start": "2025-01-26T18:00:00-05:00", "end": "2025-01-27T17:00:00-05:00", "phase": false}
        ],
        "sectors": ["Index", "Chips", "Platforms"],
        "sources": [{"key": "TEST-BARS", "what": "made-up bars"}],
        "instruments": [
            {"symbol": "NQT", "name": "Index future", "kind": "future", "sector": "Index",
             "tick_size": 0.25, "reference": 21908.0, "reference_source": "test",
             "day_session": "globex", "multiplier": 20, "activity": 0.4,
             "bars": [
                bar("2025-01-26T18:00:00-05:00", 21771.0, 21771.0, 21633.0, 21665.75, 23177),
                bar("2025-01-26T19:00:00-05:00", 21665.5, 21673.25, 21567.5, 21584.25, 14340),
                bar("2025-01-27T05:00:00-05:00", 21164.25, 21170.0, 20763.75, 20886.75, 61632),
                bar("2025-01-27T09:00:00-05:00", 21158.5, 21341.0, 21103.0, 21334.25, 127889),
                bar("2025-01-27T10:00:00-05:00", 21334.0, 21418.5, 21228.0, 21311.5, 131674)
             ]},
            {"symbol": "EST", "name": "Other future", "kind": "future", "sector": "Index",
             "tick_size": 0.25, "reference": 6132.75, "reference_source": "test",
             "day_session": "globex", "beta": 0.7, "activity": 0.2,
             "bars": [
                bar("2025-01-26T18:00:00-05:00", 6102.25, 6105.25, 6099.0, 6103.25, 31747),
                bar("2025-01-27T05:00:00-05:00", 6010.75, 6011.5, 5948.0, 5973.5, 90101),
                bar("2025-01-27T09:00:00-05:00", 6007.5, 6037.75, 5995.75, 6037.0, 295093)
             ]},
            {"symbol": "AAA", "name": "Chip maker", "kind": "stock", "sector": "Chips",
             "tick_size": 0.01, "print_increment": 0.0001, "reference": 142.62,
             "reference_source": "test", "day_session": "regular", "beta": 2.0, "activity": 1.0,
             "daily": {"open": 124.8, "high": 128.4, "low": 116.7, "close": 118.42,
                       "volume": 820927045u64, "source": "TEST-DAILY"}},
            {"symbol": "BBB", "name": "Chip designer", "kind": "stock", "sector": "Chips",
             "tick_size": 0.01, "print_increment": 0.0001, "reference": 162.52,
             "reference_source": "test", "day_session": "regular", "beta": 1.9, "activity": 0.5,
             "daily": {"open": 148.9, "high": 152.27, "low": 142.3176, "close": 145.96,
                       "volume": 11715378, "source": "TEST-DAILY"}},
            {"symbol": "CCC", "name": "Server fund", "kind": "etf", "sector": "Platforms",
             "tick_size": 0.01, "print_increment": 0.001, "reference": 33.27,
             "reference_source": "test", "day_session": "regular", "activity": 0.4,
             "simulated_volume": 90000000u64,
             "daily": {"open": 30.345, "high": 31.945, "low": 28.42, "close": 29.12,
                       "volume": null, "source": "TEST-IEX"}}
        ],
        "levels": [
            {"symbol": "NQT", "at": "2025-01-27T04:06:00-05:00", "price": 21241.0, "source": "L1"},
            {"symbol": "NQT", "at": "2025-01-27T05:30:00-05:00", "change_pct": -4.0, "source": "L2"},
            {"symbol": "NQT", "at": "2025-01-27T09:30:00-05:00", "price": 21123.5, "source": "L3"},
            {"symbol": "NQT", "at": "2025-01-27T10:00:00-05:00", "price": 21334.25, "source": "L4"},
            {"symbol": "EST", "at": "2025-01-27T06:00:00-05:00", "price": 5973.5, "source": "L5"},
            {"symbol": "AAA", "at": "2025-01-27T04:06:00-05:00", "change_pct": -6.9, "source": "L6"},
            {"symbol": "AAA", "at": "2025-01-27T12:00:00-05:00", "price": 121.0, "source": "L7"},
            {"symbol": "AAA", "at": "2025-01-27T20:00:00-05:00", "price": 120.02, "source": "L8"},
            {"symbol": "BBB", "at": "2025-01-27T14:54:00-05:00", "change_pct": -10, "source": "L9"},
            {"symbol": "CCC", "at": "2025-01-27T16:00:00-05:00", "price": 29.12, "source": "L10"}
        ],
        "extremes": [
            {"symbol": "NQT", "which": "low", "from": "2025-01-27T05:45:00-05:00", "to": "2025-01-27T06:00:00-05:00", "source": "X1"},
            {"symbol": "EST", "which": "low", "from": "2025-01-27T05:50:00-05:00", "to": "2025-01-27T05:55:00-05:00", "source": "X2"},
            {"symbol": "NQT", "which": "high", "from": "2025-01-27T10:30:00-05:00", "to": "2025-01-27T10:45:00-05:00", "source": "X3"},
            {"symbol": "AAA", "which": "low", "from": "2025-01-27T14:45:00-05:00", "to": "2025-01-27T15:00:00-05:00", "source": "X4"},
            {"symbol": "BBB", "which": "high", "from": "2025-01-27T10:00:00-05:00", "to": "2025-01-27T10:15:00-05:00", "source": "X5"}
        ]
    })
}

fn fixture() -> AnchorFile {
    serde_json::from_value(fixture_json()).unwrap()
}

fn fixture_with(change: impl FnOnce(&mut serde_json::Value)) -> AnchorFile {
    let mut v = fixture_json();
    change(&mut v);
    serde_json::from_value(v).unwrap()
}

struct Folded<'a> {
    file: &'a AnchorFile,
    synth: &'a Synth,
}

impl Folded<'_> {
    fn t(&self, text: &str) -> UnixNanos {
        let date = chrono::NaiveDate::parse_from_str(&self.file.trading_date, "%Y-%m-%d").unwrap();
        let tz: chrono_tz::Tz = self.file.time_zone.parse().unwrap();
        time::parse_user_time(text, date, tz).unwrap()
    }

    fn session(&self, name: &str) -> (UnixNanos, UnixNanos) {
        let s = self.file.sessions.iter().find(|s| s.name == name).unwrap();
        (self.t(&s.start), self.t(&s.end))
    }

    fn prints(&self, symbol: &str) -> Vec<TradeRow> {
        let i = self
            .file
            .instruments
            .iter()
            .position(|x| x.symbol == symbol)
            .unwrap();
        self.synth
            .trades
            .iter()
            .filter(|r| usize::from(r.instrument) == i)
            .copied()
            .collect()
    }

    /// Open, high, low, close and volume of the prints in [from, to).
    fn fold(
        prints: &[TradeRow],
        from: UnixNanos,
        to: UnixNanos,
    ) -> (Price, Price, Price, Price, u64) {
        let inside: Vec<&TradeRow> = prints
            .iter()
            .filter(|r| r.ts >= from && r.ts < to)
            .collect();
        assert!(!inside.is_empty(), "no prints in [{from}, {to})");
        (
            inside[0].price,
            inside.iter().map(|r| r.price).max().unwrap(),
            inside.iter().map(|r| r.price).min().unwrap(),
            inside[inside.len() - 1].price,
            inside.iter().map(|r| u64::from(r.size)).sum(),
        )
    }

    /// Asserts every figure of the anchor file and every rule on the prints.
    fn check_everything(&self) {
        let trades = &self.synth.trades;
        let (start, end) = (self.t(&self.file.start), self.t(&self.file.end));
        assert!(
            trades
                .windows(2)
                .all(|w| (w[0].ts, w[0].instrument) <= (w[1].ts, w[1].instrument))
        );
        assert!(
            trades
                .iter()
                .all(|r| r.ts >= start && r.ts < end && r.size > 0)
        );
        let regular = self.session("regular");
        let globex = self.session("globex");
        let stock_hours = (self.session("premarket").0, self.session("after-hours").1);
        for a in &self.file.instruments {
            let prints = self.prints(&a.symbol);
            let hours = if a.kind == InstrumentKind::Future {
                globex
            } else {
                stock_hours
            };
            assert!(
                prints.iter().all(|r| r.ts >= hours.0 && r.ts < hours.1),
                "{} prints outside its hours",
                a.symbol
            );
            // Sourced figures allowed off the tick, each of which must print exactly once.
            let mut sourced: Vec<Price> = self
                .file
                .levels
                .iter()
                .filter(|l| l.symbol == a.symbol)
                .filter_map(|l| l.price)
                .collect();
            if let Some(d) = &a.daily {
                sourced.extend([d.open, d.high, d.low, d.close]);
            }
            for r in &prints {
                if !r.price.is_multiple_of(a.tick_size) {
                    assert!(
                        sourced.contains(&r.price),
                        "{} off-tick print {}",
                        a.symbol,
                        r.price
                    );
                    let n = prints.iter().filter(|q| q.price == r.price).count();
                    assert_eq!(n, 1, "{} sub-penny {} printed {n} times", a.symbol, r.price);
                }
            }
            for b in &a.bars {
                let from = self.t(&b.start);
                let to = from + i64::from(b.minutes) * NANOS_PER_MIN;
                let got = Self::fold(&prints, from, to);
                assert_eq!(
                    got,
                    (b.open, b.high, b.low, b.close, b.volume),
                    "{} bar {}",
                    a.symbol,
                    b.start
                );
            }
            if let Some(d) = &a.daily {
                let volume = d.volume.or(a.simulated_volume).unwrap();
                let got = Self::fold(&prints, regular.0, regular.1);
                assert_eq!(
                    got,
                    (d.open, d.high, d.low, d.close, volume),
                    "{} daily",
                    a.symbol
                );
            }
        }
        for l in &self.file.levels {
            let a = self
                .file
                .instruments
                .iter()
                .find(|a| a.symbol == l.symbol)
                .unwrap();
            let at = self.t(&l.at);
            let prints = self.prints(&l.symbol);
            let last = prints
                .iter()
                .rev()
                .find(|r| r.ts <= at)
                .expect("a print before the level");
            assert!(
                at - last.ts <= 60 * NANOS_PER_SEC,
                "{} level at {} is stale",
                l.symbol,
                l.at
            );
            match (l.price, l.change_pct) {
                (Some(p), None) => assert_eq!(last.price, p, "{} level at {}", l.symbol, l.at),
                (None, Some(pct)) => {
                    let exact = a.reference.to_f64() * (1.0 + pct / 100.0);
                    assert!((last.price.to_f64() - exact).abs() <= 1.5 * a.tick_size.to_f64());
                    let shown = (last.price.to_f64() / a.reference.to_f64() - 1.0) * 100.0;
                    let d = super::plan::published_decimals(pct);
                    let scale = 10f64.powi(d);
                    assert_eq!(
                        (shown * scale).round(),
                        (pct * scale).round(),
                        "{} {pct}%",
                        l.symbol
                    );
                }
                _ => unreachable!("levels have a price or a change"),
            }
        }
        for x in &self.file.extremes {
            let a = self
                .file
                .instruments
                .iter()
                .find(|a| a.symbol == x.symbol)
                .unwrap();
            let (from, to) = (self.t(&x.from), self.t(&x.to));
            let (bar_from, bar_to, value) = a
                .bars
                .iter()
                .map(|b| {
                    let s = self.t(&b.start);
                    let v = if x.which == ExtremeKind::High {
                        b.high
                    } else {
                        b.low
                    };
                    (s, s + i64::from(b.minutes) * NANOS_PER_MIN, v)
                })
                .find(|&(s, e, _)| s <= from && to <= e)
                .or_else(|| {
                    a.daily.as_ref().map(|d| {
                        let v = if x.which == ExtremeKind::High {
                            d.high
                        } else {
                            d.low
                        };
                        (regular.0, regular.1, v)
                    })
                })
                .unwrap();
            let prints = self.prints(&x.symbol);
            let first = prints
                .iter()
                .find(|r| r.ts >= bar_from && r.ts < bar_to && r.price == value)
                .unwrap();
            assert!(
                first.ts >= from && first.ts < to,
                "{} {:?} not in its window",
                x.symbol,
                x.which
            );
        }
    }
}

fn run(file: &AnchorFile, seed: u64) -> Synth {
    generate(file, "fixture/anchors.json", seed).unwrap()
}

#[test]
fn fixture_reproduces_every_anchor() {
    let file = fixture();
    let synth = run(&file, 7);
    Folded {
        file: &file,
        synth: &synth,
    }
    .check_everything();
    // Futures never print in the break or after their session.
    let f = Folded {
        file: &file,
        synth: &synth,
    };
    let (brk, ah_end) = (
        f.t("2025-01-27T17:00:00-05:00"),
        f.t("2025-01-27T20:00:00-05:00"),
    );
    for sym in ["NQT", "EST"] {
        assert!(f.prints(sym).iter().all(|r| r.ts < brk || r.ts >= ah_end));
    }
    // Stocks print before the open and after the close too, and the premarket runs into the
    // open without a jump.
    let prints = f.prints("AAA");
    let open = f.t("2025-01-27T09:30:00-05:00");
    let premarket: Vec<&TradeRow> = prints.iter().filter(|r| r.ts < open).collect();
    assert!(premarket.len() > 100);
    let last = premarket.last().unwrap().price.to_f64();
    assert!(
        (last / 124.8 - 1.0).abs() < 0.03,
        "premarket ends at {last}"
    );
    // A high equal to the open is made by the opening print.
    let nq = f.prints("NQT");
    let first_hour: Vec<&TradeRow> = nq
        .iter()
        .filter(|r| r.ts < f.t("2025-01-26T19:00:00-05:00"))
        .collect();
    let high = first_hour.iter().map(|r| r.price).max().unwrap();
    assert_eq!(first_hour.iter().position(|r| r.price == high), Some(0));
}

#[test]
fn manifest_carries_provenance() {
    let file = fixture();
    let m = run(&file, 11).manifest;
    assert_eq!(m.format, "tapedeck-replay");
    assert_eq!(m.instruments.len(), 5);
    assert_eq!(m.files.trades, "trades.csv.gz");
    let g = m.provenance.generator.as_ref().unwrap();
    assert_eq!(m.provenance.kind, ProvenanceKind::Reconstructed);
    assert_eq!(
        (g.seed, g.anchor_file.as_str()),
        (11, "fixture/anchors.json")
    );
    // 8 bars and 3 daily bars × 5 figures, 10 levels, 5 extremes.
    assert_eq!(g.anchors.len(), 8 * 5 + 3 * 5 + 10 + 5);
    let low = g
        .anchors
        .iter()
        .find(|r| r.symbol == "BBB" && r.what == "low")
        .unwrap();
    assert_eq!((low.value, low.source.as_str()), (142.3176, "TEST-DAILY"));
    let sim = g
        .anchors
        .iter()
        .find(|r| r.symbol == "CCC" && r.what.starts_with("volume"))
        .unwrap();
    assert_eq!(sim.source, "simulated");
    assert!(
        m.instruments[4]
            .note
            .as_deref()
            .unwrap()
            .contains("simulated")
    );
    let level = g
        .anchors
        .iter()
        .find(|r| r.symbol == "AAA" && r.what.contains("-6.9%"))
        .unwrap();
    assert_eq!(level.value, 132.78);
}

#[test]
fn same_seed_same_prints_other_seed_other_prints() {
    let file = fixture();
    let (a, b, c) = (run(&file, 5), run(&file, 5), run(&file, 6));
    assert!(a.trades == b.trades);
    assert!(a.manifest == b.manifest);
    assert!(a.trades != c.trades);
    Folded {
        file: &file,
        synth: &c,
    }
    .check_everything();
}

#[test]
fn adding_an_instrument_leaves_the_others_alone() {
    let file = fixture();
    let more = fixture_with(|v| {
        let mut extra = v["instruments"][3].clone();
        extra["symbol"] = json!("DDD");
        v["instruments"].as_array_mut().unwrap().push(extra);
    });
    let (a, b) = (run(&file, 5), run(&more, 5));
    let aaa = |s: &Synth| -> Vec<TradeRow> {
        s.trades
            .iter()
            .filter(|r| r.instrument == 2)
            .copied()
            .collect()
    };
    assert!(aaa(&a) == aaa(&b));
}

fn error_of(change: impl FnOnce(&mut serde_json::Value)) -> String {
    match generate(&fixture_with(change), "x", 1) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("expected an error"),
    }
}

#[test]
fn inconsistent_anchors_are_errors_that_name_the_figure() {
    type Change = Box<dyn FnOnce(&mut serde_json::Value)>;
    let cases: Vec<(Change, &[&str])> = vec![
        (
            Box::new(|v| v["instruments"][2]["daily"]["open"] = json!(130.0)),
            &["AAA", "daily.open", "130"],
        ),
        (
            Box::new(|v| v["instruments"][0]["bars"][2]["low"] = json!(21200.0)),
            &["NQT", "bars[2].low"],
        ),
        (
            Box::new(|v| v["levels"][6]["price"] = json!(130.0)),
            &["AAA", "levels[6]", "130", "range"],
        ),
        (
            Box::new(|v| v["levels"][1]["change_pct"] = json!(-0.5)),
            &["NQT", "levels[1]", "range"],
        ),
        (
            Box::new(|v| v["levels"][3]["price"] = json!(21335.0)),
            &["NQT", "levels[3]", "close"],
        ),
        (
            Box::new(|v| v["levels"][0]["symbol"] = json!("ZZZ")),
            &["ZZZ", "levels[0]"],
        ),
        (
            Box::new(|v| v["levels"][0]["at"] = json!("Monday 04:06")),
            &["NQT", "levels[0].at", "Monday"],
        ),
        (
            Box::new(|v| v["levels"][0]["at"] = json!("2025-01-27T17:30:00-05:00")),
            &["NQT", "levels[0]", "trading hours"],
        ),
        (
            Box::new(|v| {
                v["sessions"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|s| s["name"] != "globex");
            }),
            &["NQT", "day_session", "globex"],
        ),
        (
            Box::new(|v| {
                v["sessions"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|s| s["name"] != "regular");
            }),
            &["AAA", "day_session", "regular"],
        ),
        (
            Box::new(|v| v["sessions"][2]["start"] = json!("half past nine")),
            &["sessions[2]", "start"],
        ),
        (
            Box::new(|v| v["extremes"][0]["from"] = json!("2025-01-27T07:00:00-05:00")),
            &["NQT", "extremes[0]"],
        ),
        (
            Box::new(|v| v["instruments"][4]["simulated_volume"] = json!(null)),
            &["CCC", "daily.volume"],
        ),
        (
            Box::new(|v| v["instruments"][3]["daily"]["low"] = json!(142.31765)),
            &["BBB", "daily.low", "print increment"],
        ),
        (
            Box::new(|v| {
                v["instruments"][0]["bars"][4]["start"] = json!("2025-01-27T17:00:00-05:00");
            }),
            &["NQT", "bars[4]", "trading hours"],
        ),
        (
            Box::new(|v| v["levels"][0]["at"] = json!("2025-01-26T18:00:00-05:00")),
            &["NQT", "levels[0]", "no print can carry it"],
        ),
        (
            Box::new(|v| v["time_zone"] = json!("Mars/Olympus")),
            &["time_zone", "Mars"],
        ),
        (
            Box::new(|v| v["levels"][9]["price"] = json!(29.13)),
            &["CCC", "levels[9]", "close", "29.12"],
        ),
        (
            Box::new(|v| v["levels"][1]["change_pct"] = json!(-4.00123)),
            &["NQT", "levels[1]", "change_pct -4.00123", "cannot be met"],
        ),
        (
            Box::new(|v| {
                let mut twin = v["levels"][6].clone();
                twin["price"] = json!(121.5);
                v["levels"].as_array_mut().unwrap().push(twin);
            }),
            &["AAA", "levels[10]", "same time"],
        ),
        (
            Box::new(|v| v["instruments"][2]["bars"] = v["instruments"][0]["bars"].clone()),
            &["AAA", "daily", "not both"],
        ),
        (
            Box::new(|v| {
                v["extremes"][4]["from"] = json!("2025-01-27T09:30:00-05:00");
                v["extremes"][4]["to"] = json!("2025-01-27T09:30:00.000000001-05:00");
            }),
            &["BBB", "no room", "extreme"],
        ),
    ];
    for (change, words) in cases {
        let message = error_of(change);
        for w in words {
            assert!(message.contains(w), "{message:?} should mention {w:?}");
        }
    }
}

#[test]
fn write_replay_is_complete_and_replaces_atomically() {
    let file = fixture();
    let synth = run(&file, 3);
    let dir = tempfile::tempdir().unwrap();
    let headlines = dir.path().join("h.json");
    std::fs::write(&headlines, "[]\n").unwrap();
    let out = dir.path().join("replays").join("fixture");
    write_replay(&synth, &headlines, &out).unwrap();
    write_replay(&synth, &headlines, &out).unwrap();
    let text = std::fs::read_to_string(out.join("replay.json")).unwrap();
    assert!(text.ends_with("}\n"));
    let back: Manifest = serde_json::from_str(&text).unwrap();
    assert!(back == synth.manifest);
    assert_eq!(std::fs::read(out.join("headlines.json")).unwrap(), b"[]\n");
    let mut csv = String::new();
    std::io::Read::read_to_string(
        &mut trades::open(&out.join("trades.csv.gz")).unwrap(),
        &mut csv,
    )
    .unwrap();
    assert_eq!(csv.lines().count(), synth.trades.len() + 1);
    assert!(csv.contains(",BBB,142.3176,"));
    // The project's own loader accepts what was written.
    let problems: Vec<String> = crate::replay::check(&out)
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    assert!(problems.is_empty(), "{problems:?}");
    let siblings: Vec<_> = std::fs::read_dir(out.parent().unwrap()).unwrap().collect();
    assert_eq!(siblings.len(), 1, "temp folders left behind");
    // A missing headlines file fails without touching the existing replay.
    let missing = dir.path().join("nope.json");
    assert!(matches!(
        write_replay(&synth, &missing, &out),
        Err(SynthError::Io { .. })
    ));
    assert!(out.join("trades.csv.gz").exists());
    assert_eq!(std::fs::read_dir(out.parent().unwrap()).unwrap().count(), 1);
}

#[test]
fn deepseek_anchor_file() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/deepseek-2025-01-27/anchors.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} not found", path.display());
        return;
    };
    let file: AnchorFile = serde_json::from_str(&text).unwrap();
    let started = Instant::now();
    let synth = generate(&file, "assets/deepseek-2025-01-27/anchors.json", file.seed).unwrap();
    let took = started.elapsed();
    Folded {
        file: &file,
        synth: &synth,
    }
    .check_everything();
    let n = synth.trades.len();
    let mut counts = vec![0usize; file.instruments.len()];
    for r in &synth.trades {
        counts[usize::from(r.instrument)] += 1;
    }
    let summary: Vec<String> = file
        .instruments
        .iter()
        .zip(&counts)
        .map(|(a, c)| format!("{} {c}", a.symbol))
        .collect();
    eprintln!("deepseek: {n} prints in {took:?}: {}", summary.join(", "));
    assert!((250_000..=400_000).contains(&n), "{n} prints");
    let busiest_stock = file
        .instruments
        .iter()
        .zip(&counts)
        .filter(|(a, _)| a.kind != InstrumentKind::Future)
        .max_by_key(|(_, c)| **c)
        .unwrap();
    assert_eq!(busiest_stock.0.symbol, "NVDA");
    // Generous for unoptimised test builds; the aim is well under 2 s at opt-level 1.
    assert!(took.as_secs_f64() < 10.0, "took {took:?}");
}
