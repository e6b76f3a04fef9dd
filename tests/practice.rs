//! `tapedeck practice` on the bundled replay: a sell of NQ at 04:06 and a round trip in NVDA
//! fill at the first prints after their times (read here straight from the replay's store),
//! the P&L is that of those prices, and a bad orders file is `file:line: field: what`, exit 1.

use std::process::Command;

use tapedeck::replay;
use tapedeck::time::parse_user_time;

const ORDERS: &str = "ts,symbol,side,qty,type,price,stop_price
2025-01-27 04:06,NQH25,sell,1,market,,
09:31,NVDA,buy,100,market,,
10:00,NQH25,buy,1,market,,
15:00,NVDA,sell,100,market,,
15:00,AAPL,buy,50,stop,,500.00
";

fn practice(args: &[&str]) -> (Option<i32>, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_tapedeck"))
        .arg("practice")
        .args(args)
        .env("TAPEDECK_NO_CACHE", "1")
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn orders_fill_at_the_next_print_and_the_pnl_is_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orders.csv");
    std::fs::write(&file, ORDERS).unwrap();
    let (code, out, err) = practice(&["--orders", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, Some(0), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();

    let r = replay::load(&replay::resolve(None).unwrap()).unwrap();
    // The first print strictly after `at`, from the store itself.
    let next = |sym: &str, at: &str| -> f64 {
        let t = parse_user_time(at, r.date, r.tz).unwrap();
        let s = r.store.series(r.store.symbol_index(sym).unwrap());
        let k = s.ts.partition_point(|&x| x <= t);
        s.price[k] as f64 / 1e9
    };
    let fills = doc["fills"].as_array().unwrap();
    assert_eq!(fills.len(), 4, "the AAPL stop at 500 never triggers: {out}");
    let want = [
        ("NQH25", "sell", "2025-01-27 04:06"),
        ("NVDA", "buy", "09:31"),
        ("NQH25", "buy", "10:00"),
        ("NVDA", "sell", "15:00"),
    ];
    for (f, (sym, side, at)) in fills.iter().zip(want) {
        assert_eq!(f["symbol"], sym);
        assert_eq!(f["side"], side);
        assert_eq!(
            f["price"].as_f64().unwrap(),
            next(sym, at),
            "{sym} {side} at {at}"
        );
    }
    let price = |i: usize| fills[i]["price"].as_f64().unwrap();
    let realized = (price(0) - price(2)) * 20.0 + (price(3) - price(1)) * 100.0;
    assert!(
        (doc["realized_pnl"].as_f64().unwrap() - realized).abs() < 1e-6,
        "{out}"
    );
    assert_eq!(doc["unrealized_pnl"].as_f64(), Some(0.0));
    assert_eq!(doc["working"][0]["order"], 5);

    // A commission of $1 a share or contract: 202 units traded.
    let (_, out, _) = practice(&[
        "--orders",
        file.to_str().unwrap(),
        "--format",
        "json",
        "--commission",
        "1",
    ]);
    let with_fees: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!((with_fees["realized_pnl"].as_f64().unwrap() - (realized - 202.0)).abs() < 1e-6);
}

#[test]
fn a_bad_orders_file_names_its_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    for (text, want) in [
        (
            "ts,symbol,side,qty,type\n09:31,NVDA,buy,100,market\n09:32,NVDA,hold,1,market\n",
            "orders.csv:3: side: \"hold\": buy or sell",
        ),
        (
            "ts,symbol,side,qty,type\n09:31,ZZZZ,buy,1,market\n",
            "orders.csv:2: symbol: \"ZZZZ\" is not in this replay",
        ),
        (
            "ts,symbol,side,qty,type,price\n09:31,NVDA,buy,1,limit,\n",
            "orders.csv:2: price: missing",
        ),
        (
            "[\n {\"ts\": \"09:31\", \"symbol\": \"NVDA\", \"side\": \"buy\", \"qty\": 0, \"type\": \"market\"}\n]\n",
            "orders.csv:2: qty: \"0\" is not a positive whole number",
        ),
    ] {
        let file = dir.path().join("orders.csv");
        std::fs::write(&file, text).unwrap();
        let (code, _, err) = practice(&["--orders", file.to_str().unwrap()]);
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains(want), "want {want:?} in {err}");
    }
}
