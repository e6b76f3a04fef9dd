#![allow(clippy::type_complexity)] // table-driven tests read best as tuples
//! The engine against a reference: the state at t must equal folding every print at or
//! before t, whatever order the queries come in.

mod common;

use common::*;
use proptest::prelude::*;
use tapedeck::engine::{InstrumentState, Snapshot, Store};
use tapedeck::price::Price;
use tapedeck::replay;

fn load(rows: &[String]) -> replay::Replay {
    let f = write(rows);
    let r = replay::load(&f.path()).unwrap_or_else(|e| panic!("{e}"));
    drop(f);
    r
}

/// The reference: recompute an instrument's state by folding prints `<= t` one by one.
fn fold(store: &Store, rows: &[(i64, usize, i64, u32)], i: usize, t: i64) -> InstrumentState {
    let info = &store.instruments[i];
    let mut st = InstrumentState::default();
    let mut notional: i128 = 0;
    let mut last_day: Option<i64> = None;
    for &(ts, ins, price, size) in rows.iter().filter(|r| r.1 == i && r.0 <= t) {
        let _ = ins;
        st.last = Some(Price(price));
        st.last_ts = Some(ts);
        if ts >= info.day_start && ts < info.day_end {
            st.open.get_or_insert(Price(price));
            st.high = Some(st.high.map_or(Price(price), |h| h.max(Price(price))));
            st.low = Some(st.low.map_or(Price(price), |l| l.min(Price(price))));
            st.volume += u64::from(size);
            st.trades += 1;
            notional += i128::from(price) * i128::from(size);
            last_day = Some(price);
        }
    }
    if t >= info.day_end {
        st.close = last_day.map(Price);
    }
    if st.volume > 0 {
        let v = Price((notional / i128::from(st.volume)) as i64);
        st.vwap = Some(tapedeck::price::round_decimals(v, info.decimals));
    }
    st
}

fn same_core(a: &InstrumentState, b: &InstrumentState) -> bool {
    (
        a.last, a.last_ts, a.open, a.high, a.low, a.close, a.volume, a.trades, a.vwap,
    ) == (
        b.last, b.last_ts, b.open, b.high, b.low, b.close, b.volume, b.trades, b.vwap,
    )
}

#[test]
fn seek_edges_table() {
    let r = load(&basic_rows());
    let s = &r.store;
    let aaa = s.symbol_index("AAA").unwrap();
    let cases: [(i64, Option<&str>, Option<&str>, Option<&str>, u64); 7] = [
        // (t, last, open, close, volume)
        (T0, None, None, None, 0),                 // before the first print
        (mon(4, 6), Some("93.10"), None, None, 0), // on a premarket print
        (mon(9, 30) - 1, Some("93.10"), None, None, 0), // 1 ns before the open
        (mon(9, 30), Some("95.00"), Some("95.00"), None, 500), // on the opening print
        (mon(11, 0), Some("97.50"), Some("95.00"), None, 700), // between prints
        (
            mon(16, 0),
            Some("92.00"),
            Some("95.00"),
            Some("92.00"),
            2000,
        ), // at the close
        (
            mon(19, 59),
            Some("93.00"),
            Some("95.00"),
            Some("92.00"),
            2000,
        ), // after hours: close stays
    ];
    for (t, last, open, close, volume) in cases {
        let st = s.snapshot(t, 10).instruments[aaa];
        let p = |x: Option<&str>| x.map(|v| Price::parse(v).unwrap());
        assert_eq!(st.last, p(last), "last at {t}");
        assert_eq!(st.open, p(open), "open at {t}");
        assert_eq!(st.close, p(close), "close at {t}");
        assert_eq!(st.volume, volume, "volume at {t}");
    }
    // After the close, change is measured on the close, and the after-hours move separately.
    let st = s.snapshot(mon(17, 0), 0).instruments[aaa];
    assert_eq!(st.change, Some(Price::parse("-8").unwrap()));
    assert!((st.change_pct.unwrap() + 8.0).abs() < 1e-9);
    assert!((st.extended_change_pct.unwrap() - 100.0 / 92.0).abs() < 1e-9);
    assert_eq!(st.market_cap_change, Some(-8_000_000.0));
    assert_eq!(
        st.low,
        Some(Price::parse("90.1234").unwrap()),
        "sub-penny low kept"
    );
}

#[test]
fn equal_timestamps_follow_instrument_order_on_the_tape() {
    let r = load(&basic_rows());
    let s = &r.store;
    let snap = s.snapshot(mon(9, 30), 3);
    let syms: Vec<&str> = snap
        .tape
        .iter()
        .map(|p| s.instruments[p.instrument as usize].symbol.as_str())
        .collect();
    // Newest first; at 09:30 AAA (index 0) printed before BBB (index 1).
    assert_eq!(syms, ["BBB", "AAA", "NQ"]);
    let forward: Vec<i64> = s
        .prints_between(T0, mon(20, 0), &|_| true)
        .map(|p| p.ts)
        .collect();
    assert!(forward.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(forward.len(), basic_rows().len());
}

#[test]
fn nothing_after_t_leaks_into_a_snapshot() {
    let mut rows = basic_rows();
    let t = mon(12, 0);
    let before = load(&rows).store.snapshot(t, 20);
    // A wild print one nanosecond after t, and a headline just after t.
    rows.insert(7, row(t + 1, "AAA", "500.00", 999_999));
    let r = load(&rows);
    let after = r.store.snapshot(t, 20);
    for (a, b) in before.instruments.iter().zip(&after.instruments) {
        assert_eq!(a, b);
    }
    assert_eq!(before.tape, after.tape);
    assert!(after.tape.iter().all(|p| p.ts <= t));
    let (bars, partial) = r.store.series(0).minute_bars_until(t);
    assert!(bars.iter().all(|b| b.start + 60 * SEC <= t + SEC));
    assert!(partial.is_none_or(|b| b.high.to_f64() < 500.0));
    assert_eq!(
        after.headlines_seen, 2,
        "h2 at 09:00 seen, nothing later exists"
    );
    assert_eq!(r.store.snapshot(mon(8, 59), 0).headlines_seen, 1);
}

#[test]
fn sectors_are_weighted_by_market_value() {
    let r = load(&basic_rows());
    let snap = r.store.snapshot(mon(10, 30), 0);
    // AAA 97.50 vs 100 on 1M shares (-2.5M); BBB 49 vs 50 on 3M shares (-3M).
    let chips = snap.sectors[0];
    assert!(chips.cap_weighted);
    assert_eq!(chips.market_cap_change, Some(-5_500_000.0));
    let expected = -5_500_000.0 / (100.0 * 1e6 + 50.0 * 3e6) * 100.0;
    assert!((chips.change_pct.unwrap() - expected).abs() < 1e-9);
    // Futures carry no shares: equal-weighted.
    assert!(!snap.sectors[1].cap_weighted);
}

fn random_rows() -> impl Strategy<Value = Vec<(i64, usize, i64, u32)>> {
    // Times over the whole replay, many equal timestamps, prices on each grid.
    prop::collection::vec((0i64..26 * 60, 0usize..3, 1i64..2000, 1u32..5000), 1..400).prop_map(
        |mut v| {
            v.sort_by_key(|r| r.0);
            v.into_iter()
                .map(|(m, i, p, s)| {
                    let step = if i == 2 { 250_000_000 } else { 10_000_000 };
                    (T0 + m * MIN, i, p * step, s)
                })
                .collect()
        },
    )
}

fn rows_text(rows: &[(i64, usize, i64, u32)]) -> Vec<String> {
    let syms = ["AAA", "BBB", "NQ"];
    rows.iter()
        .map(|&(t, i, p, s)| row(t, syms[i], &Price(p).to_string(), s))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn snapshot_equals_folding_every_print_up_to_t(
        rows in random_rows(),
        times in prop::collection::vec(-5i64..26 * 60 + 5, 1..25),
    ) {
        let r = load(&rows_text(&rows));
        let s = &r.store;
        // Visit times in the given (random) order, reusing one snapshot: backward seeks must
        // give the same answer as forward ones.
        let mut reused = Snapshot::default();
        for m in times {
            let t = T0 + m * MIN + 30 * SEC;
            s.snapshot_into(t, 25, &mut reused);
            let fresh = s.snapshot(t, 25);
            for i in 0..s.instruments.len() {
                let want = fold(s, &rows, i, t);
                prop_assert!(same_core(&reused.instruments[i], &want), "instrument {} at {}: {:?} vs {:?}", i, t, reused.instruments[i], want);
                prop_assert_eq!(reused.instruments[i], fresh.instruments[i]);
                // The chart's VWAP path asks the store directly, at any time.
                prop_assert_eq!(s.vwap_at(i, t), want.vwap, "vwap of {} at {}", i, t);
            }
            // The tape is the newest prints at or before t, newest first.
            let mut expect: Vec<(i64, usize)> = rows.iter().enumerate().filter(|(_, r)| r.0 <= t).map(|(k, r)| (r.0, k)).collect();
            expect.sort_unstable();
            let n = expect.len().min(25);
            prop_assert_eq!(reused.tape.len(), n);
            for (p, &(ts, k)) in reused.tape.iter().zip(expect.iter().rev()) {
                prop_assert_eq!(p.ts, ts);
                let _ = k;
            }
        }
    }

    #[test]
    fn playing_forward_agrees_with_jumping(rows in random_rows(), target in 0i64..26 * 60) {
        let r = load(&rows_text(&rows));
        let s = &r.store;
        let t = T0 + target * MIN;
        // Play forward minute by minute into one snapshot, then compare with a cold seek.
        let mut played = Snapshot::default();
        let mut m = 0;
        while T0 + m * MIN <= t {
            s.snapshot_into(T0 + m * MIN, 10, &mut played);
            m += 1;
        }
        let jumped = s.snapshot(t, 10);
        prop_assert_eq!(&played.instruments, &jumped.instruments);
        prop_assert_eq!(&played.sectors, &jumped.sectors);
        prop_assert_eq!(&played.tape, &jumped.tape);
    }
}

#[test]
fn stepping_between_prints_and_quiet_stretches() {
    let r = load(&basic_rows());
    let s = &r.store;
    // Step forward from before the first print, then across equal timestamps.
    assert_eq!(s.next_print_after(T0), Some(T0 + MIN));
    assert_eq!(s.next_print_after(mon(4, 6) - 1), Some(mon(4, 6)));
    assert_eq!(s.next_print_after(mon(4, 6)), Some(mon(9, 30)));
    assert_eq!(s.prev_print_before(mon(9, 30)), Some(mon(4, 6)));
    assert_eq!(s.prev_print_before(T0 + MIN), None);
    assert_eq!(s.next_print_after(mon(16, 59)), None);
    // The long quiet stretch overnight is offered to the clock, but not the minutes that hold
    // a print or a headline.
    let overnight = s
        .gaps
        .iter()
        .find(|g| g.0 <= T0 + 2 * MIN && T0 + 2 * MIN < g.1)
        .expect("gap");
    assert_eq!(overnight.0, T0 + 2 * MIN);
    assert_eq!(overnight.1, mon(4, 6));
    for g in &s.gaps {
        assert!(g.1 - g.0 >= tapedeck::engine::store::MIN_GAP);
        assert!(
            !(g.0..g.1).contains(&mon(9, 0)),
            "the 09:00 headline is not skipped"
        );
    }
    assert_eq!(s.phase_at(mon(9, 29)), "premarket");
    assert_eq!(s.phase_at(mon(9, 30)), "regular");
    assert_eq!(s.phase_at(mon(20, 0)), "closed");
}

#[test]
fn minute_bars_build_from_prints_up_to_t() {
    let r = load(&basic_rows());
    let s = r.store.series(r.store.symbol_index("AAA").unwrap());
    let (done, partial) = s.minute_bars_until(mon(10, 0) + 30 * SEC);
    assert_eq!(done.len(), 2, "04:06 and 09:30 bars are complete");
    assert_eq!(done[1].open, Price::parse("95").unwrap());
    let partial = partial.expect("the 10:00 bar is forming");
    assert_eq!((partial.start, partial.volume), (mon(10, 0), 200));
    let (done, partial) = s.minute_bars_until(mon(9, 30) - 1);
    assert_eq!(done.len(), 1);
    assert!(partial.is_none());
}

/// BBB known only from 5-minute bars; AAA and NQ from prints.
fn bar_fixture(extra_bar_rows: &[String]) -> common::Fixture {
    let mut rows = basic_rows();
    rows.retain(|r| !r.contains(",BBB,"));
    let f = write(&rows);
    let path = f.path().join("replay.json");
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "\"trades\": \"trades.csv\"",
        "\"trades\": \"trades.csv\", \"bars\": \"bars.csv\"",
    );
    std::fs::write(&path, text).unwrap();
    let mut bars = String::from("ts_event,symbol,open,high,low,close,volume,interval_s\n");
    for r in [
        format!("{},BBB,49.00,49.50,48.75,49.25,1000,300", mon(9, 30)),
        format!("{},BBB,49.25,49.90,49.10,49.80,3000,300", mon(9, 35)),
    ]
    .iter()
    .chain(extra_bar_rows)
    {
        bars.push_str(r);
        bars.push('\n');
    }
    std::fs::write(f.path().join("bars.csv"), bars).unwrap();
    f
}

#[test]
fn a_bar_is_known_only_once_it_is_complete() {
    let f = bar_fixture(&[]);
    let r = replay::load(&f.path()).unwrap_or_else(|e| panic!("{e}"));
    let s = &r.store;
    let bbb = s.symbol_index("BBB").unwrap();
    assert!(s.series(bbb).is_bars());
    let st = |t| s.snapshot(t, 10).instruments[bbb];
    // Inside the first bar nothing of it is visible.
    assert_eq!(st(mon(9, 34) + 59 * SEC).last, None);
    assert_eq!(st(mon(9, 34) + 59 * SEC).open, None);
    // When it completes: open from the bar's open, range from its high and low.
    let at = st(mon(9, 35));
    assert_eq!(at.open, Some(Price::parse("49.00").unwrap()));
    assert_eq!(at.last, Some(Price::parse("49.25").unwrap()));
    assert_eq!(
        (at.high, at.low),
        (
            Some(Price::parse("49.50").unwrap()),
            Some(Price::parse("48.75").unwrap())
        )
    );
    assert_eq!(at.volume, 1000);
    let later = st(mon(9, 40));
    assert_eq!(later.high, Some(Price::parse("49.90").unwrap()));
    assert_eq!(later.volume, 4000);
    // The chart gets whole bars only, and the tape marks them as bars.
    let (bars, partial) = s.series(bbb).minute_bars_until(mon(9, 39));
    assert_eq!((bars.len(), partial), (1, None));
    assert_eq!(bars[0].start, mon(9, 30));
    let snap = s.snapshot(mon(9, 40), 10);
    let tape_bbb: Vec<_> = snap
        .tape
        .iter()
        .filter(|p| p.instrument as usize == bbb)
        .collect();
    assert_eq!(tape_bbb.len(), 2);
    assert!(tape_bbb.iter().all(|p| p.bar));
    assert!(
        snap.tape
            .iter()
            .filter(|p| p.instrument as usize != bbb)
            .all(|p| !p.bar)
    );
}

#[test]
fn bars_are_validated_like_prints() {
    let f = bar_fixture(&[
        format!("{},AAA,95.00,95.00,95.00,95.00,10,60", mon(9, 40)),
        format!("{},BBB,49.00,48.00,48.50,49.00,10,300", mon(9, 40)),
        format!("{},BBB,49.00,49.00,49.00,49.00,10,60", mon(9, 45)),
    ]);
    let err = replay::load(&f.path()).unwrap_err().to_string();
    assert!(
        err.contains("bars.csv:4: symbol: AAA has prints in the trades file too"),
        "{err}"
    );
    assert!(
        err.contains("bars.csv:5: high/low: the bar's range 48.5..48 does not hold"),
        "{err}"
    );
    assert!(
        err.contains("bars.csv:6: interval_s: BBB mixes 300s and 60s bars"),
        "{err}"
    );
}
