//! The VWAP is an average, not a price on the tick grid: the CLI writes it with at least four
//! decimals, computed from the prints.

mod common;

use std::process::Command;

use common::*;

fn tapedeck(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tapedeck"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn instrument<'a>(v: &'a serde_json::Value, sym: &str) -> &'a serde_json::Value {
    v["instruments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["symbol"] == sym)
        .unwrap()
}

/// By hand from `basic_rows`: AAA's regular-session prints are 95.00×500, 97.50×200,
/// 90.1234×300 and 92.00×1000, so its VWAP is 186037.02 / 2000 = 93.01851 (93.02 on the cent
/// grid). NQ's Globex prints are 21771.00×3, 21241.00×2 and 21304.50×7: 256926.5 / 12 =
/// 21410.541666… (21410.54 on the grid). BBB printed once, at 49.00.
#[test]
fn snapshot_json_keeps_four_decimals_of_the_vwap() {
    let f = write(&basic_rows());
    let dir = f.path();
    let out = tapedeck(&["snapshot", dir.to_str().unwrap(), "--at", "17:30", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(instrument(&v, "AAA")["vwap"].to_string(), "93.0185");
    assert_eq!(instrument(&v, "NQ")["vwap"].to_string(), "21410.5417");
    assert_eq!(instrument(&v, "BBB")["vwap"].as_f64(), Some(49.0));
    // The prices themselves stay on their grid.
    assert_eq!(instrument(&v, "AAA")["close"].to_string(), "92.0");
}

#[test]
fn snapshot_table_writes_the_vwap_with_four_decimals() {
    let f = write(&basic_rows());
    let out = tapedeck(&["snapshot", f.path().to_str().unwrap(), "--at", "17:30"]);
    let line = |sym: &str| {
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(sym))
            .unwrap_or_else(|| panic!("no {sym} row in:\n{out}"))
            .to_string()
    };
    let aaa = line("AAA");
    assert!(aaa.contains(" 93.0185 "), "{aaa}");
    assert!(line("NQ").contains(" 21410.5417 "), "{out}");
    assert!(line("BBB").contains(" 49.0000 "), "{out}");
}

/// The same from the library: the engine's exact VWAP, and the format the CLI writes it in.
#[test]
fn the_engine_keeps_the_exact_vwap() {
    let f = write(&basic_rows());
    let r = tapedeck::replay::load_uncached(&f.path()).unwrap();
    let i = r.store.symbol_index("AAA").unwrap();
    let t = mon(17, 30);
    let st = r.store.snapshot(t, 0).instruments[i];
    let p = |s: &str| tapedeck::price::Price::parse(s).unwrap();
    assert_eq!(st.vwap_exact, Some(p("93.01851")));
    assert_eq!(
        st.vwap,
        Some(p("93.02")),
        "the board's VWAP, on the tick's digits"
    );
    assert_eq!(tapedeck::format::vwap_text(p("93.01851"), 2), "93.0185");
    let json = tapedeck::cli::snapshot::snapshot_json(&r, &r.store.snapshot(t, 0));
    assert_eq!(json["instruments"][i]["vwap"].to_string(), "93.0185");
}
