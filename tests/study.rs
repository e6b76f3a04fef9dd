//! Reaction study numbers against values worked out by hand on the fixture.

mod common;

use std::process::Command;

use common::*;
use tapedeck::engine::study::{Gap, Window};
use tapedeck::price::Price;
use tapedeck::replay;

fn p(s: &str) -> Price {
    Price::parse(s).unwrap()
}

#[test]
fn moves_after_a_headline_match_hand_computed_values() {
    let f = write(&basic_rows());
    let r = replay::load(&f.path()).unwrap();
    let s = &r.store;
    let aaa = s.symbol_index("AAA").unwrap();
    let h = mon(9, 0); // headline h2

    // 09:00 -> 10:00: from the 04:06 print 93.10 to the 10:00 print 97.50; it only rose.
    let m = s.reaction(aaa, h, Window::Minutes(60)).outcome.unwrap();
    assert_eq!((m.from_price, m.to_price), (p("93.10"), p("97.50")));
    assert!((m.change_pct - (97.50 - 93.10) / 93.10 * 100.0).abs() < 1e-9);
    assert_eq!((m.max_adverse_pct, m.max_adverse_ts), (0.0, None));
    assert_eq!((m.volume, m.volume_before), (700, 0));

    // 09:00 -> close (16:00): to the 15:59 print 92.00, a fall; the largest move against it was
    // the rise to 97.50 at 10:00.
    let m = s.reaction(aaa, h, Window::Close).outcome.unwrap();
    assert_eq!(m.to_price, p("92.00"));
    assert!((m.change_pct - (92.00 - 93.10) / 93.10 * 100.0).abs() < 1e-9);
    assert!((m.max_adverse_pct - (97.50 - 93.10) / 93.10 * 100.0).abs() < 1e-9);
    assert_eq!(m.max_adverse_ts, Some(mon(10, 0)));
    assert_eq!(m.volume, 500 + 200 + 300 + 1000);

    // 10:30 -> 12:00 falls to the sub-penny 90.1234. Windows are half-open, (t, t + L]: the
    // 90 minutes before, (09:00, 10:30], hold the 09:30 and 10:00 prints.
    let m = s
        .reaction(aaa, mon(10, 30), Window::Minutes(90))
        .outcome
        .unwrap();
    assert_eq!(m.to_price, p("90.1234"));
    assert_eq!((m.volume, m.volume_before), (300, 500 + 200));

    // Prices agree with snapshots at both ends.
    let re = s.reaction(aaa, h, Window::Minutes(15));
    let m = re.outcome.unwrap();
    assert_eq!(
        Some(m.from_price),
        s.snapshot(re.from_ts, 0).instruments[aaa].last
    );
    assert_eq!(
        Some(m.to_price),
        s.snapshot(re.to_ts, 0).instruments[aaa].last
    );
}

#[test]
fn windows_past_the_data_say_so() {
    let f = write(&basic_rows());
    let r = replay::load(&f.path()).unwrap();
    let s = &r.store;
    let (aaa, bbb, nq) = (
        s.symbol_index("AAA").unwrap(),
        s.symbol_index("BBB").unwrap(),
        s.symbol_index("NQ").unwrap(),
    );
    // Past the end of the replay (20:00).
    assert_eq!(
        s.reaction(aaa, mon(19, 30), Window::Minutes(60)).outcome,
        Err(Gap::PastEndOfData)
    );
    // The future stops at its 17:00 close: 16:30 + 60 minutes would be invented.
    assert_eq!(
        s.reaction(nq, mon(16, 30), Window::Minutes(60)).outcome,
        Err(Gap::PastEndOfData)
    );
    assert!(
        s.reaction(nq, mon(16, 0), Window::Minutes(60))
            .outcome
            .is_ok()
    );
    // No price yet, and a close window after the close.
    assert_eq!(
        s.reaction(bbb, mon(9, 0), Window::Minutes(5)).outcome,
        Err(Gap::NoPriceAtHeadline)
    );
    assert_eq!(
        s.reaction(aaa, mon(17, 0), Window::Close).outcome,
        Err(Gap::AfterClose)
    );
}

#[test]
fn study_json_has_the_documented_flat_rows() {
    let f = write(&basic_rows());
    let out = Command::new(env!("CARGO_BIN_EXE_tapedeck"))
        .args([
            "study",
            f.path().to_str().unwrap(),
            "--headline",
            "h2",
            "--windows",
            "1h,12h",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let aaa_1h = rows
        .iter()
        .find(|r| r["symbol"] == "AAA" && r["window"] == "1h")
        .unwrap();
    assert_eq!(aaa_1h["headline_id"], "h2");
    assert_eq!(aaa_1h["headline_ts"], "2025-01-27T09:00:00-05:00");
    assert_eq!(aaa_1h["from_price"].to_string(), "93.1");
    assert_eq!(aaa_1h["to_price"].to_string(), "97.5");
    assert_eq!(aaa_1h["change_pct"].as_f64(), Some(4.73));
    assert_eq!(aaa_1h["max_adverse_pct"].as_f64(), Some(0.0));
    assert!(aaa_1h["max_adverse_ts"].is_null());
    let aaa_12h = rows
        .iter()
        .find(|r| r["symbol"] == "AAA" && r["window"] == "12h")
        .unwrap();
    assert!(aaa_12h["change_pct"].is_null());
    assert_eq!(aaa_12h["note"], "window runs past the end of the data");
    assert!(rows.iter().any(|r| r["symbol"] == "sector:Chips"));
    for field in [
        "headline_id",
        "headline_ts",
        "symbol",
        "window",
        "from_price",
        "to_price",
        "change_pct",
        "max_adverse_pct",
        "max_adverse_ts",
    ] {
        assert!(rows.iter().all(|r| r.get(field).is_some()), "{field}");
    }
}
