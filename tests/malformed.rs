//! Malformed replays: each gives a clear `file:line: field: what` error and a non-zero exit
//! from the real binary, never a panic.

mod common;

use std::process::Command;

use common::*;

fn tapedeck(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tapedeck"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `check` exits 1 and `snapshot` fails, both naming `expect`, neither panicking.
fn assert_rejected(f: &Fixture, expect: &[&str]) {
    let dir = f.path();
    let dir = dir.to_str().unwrap();
    let (code, _, err) = tapedeck(&["check", dir]);
    assert_eq!(code, 1, "check should exit 1:\n{err}");
    for e in expect {
        assert!(err.contains(e), "check output lacks {e:?}:\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    let (code, _, err) = tapedeck(&["snapshot", dir, "--at", "10:00"]);
    assert_ne!(code, 0);
    assert!(
        err.contains(expect[0]),
        "snapshot error lacks {:?}:\n{err}",
        expect[0]
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_clean_fixture_checks_ok() {
    let f = write(&basic_rows());
    let (code, out, err) = tapedeck(&["check", f.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ok"));
}

#[test]
fn truncated_trades_file() {
    let mut rows = basic_rows();
    rows.truncate(5);
    rows.push(format!("{},AAA", mon(10, 0))); // the last line cut short
    let f = write(&rows);
    assert_rejected(&f, &["trades.csv:7: expected 4 fields, found 2"]);
}

#[test]
fn truncated_gzip_trades_file() {
    use std::io::Write;
    let f = write_with(&basic_rows(), HEADLINES, "trades.csv.gz");
    let path = f.path().join("trades.csv.gz");
    let text = std::fs::read(&path).unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&text).unwrap();
    let gz = enc.finish().unwrap();
    std::fs::write(&path, &gz[..gz.len() / 2]).unwrap();
    assert_rejected(&f, &["trades.csv.gz:", "truncated or corrupt"]);
}

#[test]
fn bad_json_in_the_manifest() {
    let f = write(&basic_rows());
    let path = f.path().join("replay.json");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"version\": 1,", "\"version\": 1");
    std::fs::write(&path, text).unwrap();
    assert_rejected(&f, &["replay.json:4: expected `,` or `}`"]);
}

#[test]
fn nan_and_negative_prices() {
    let mut rows = basic_rows();
    rows[3] = row(mon(9, 30), "AAA", "NaN", 500);
    rows[5] = row(mon(10, 0), "AAA", "-97.50", 200);
    let f = write(&rows);
    assert_rejected(
        &f,
        &[
            "trades.csv:5: price: \"NaN\": not a finite number",
            "trades.csv:7: price: -97.50 is not a positive price",
        ],
    );
}

#[test]
fn unknown_symbol() {
    let mut rows = basic_rows();
    rows[4] = row(mon(9, 30), "ZZZ", "49.00", 100);
    let f = write(&rows);
    assert_rejected(&f, &["trades.csv:6: symbol: unknown symbol \"ZZZ\""]);
}

#[test]
fn out_of_order_times() {
    let mut rows = basic_rows();
    rows.swap(5, 6);
    let f = write(&rows);
    assert_rejected(&f, &["trades.csv:8: ts_event: out of order"]);
}

#[test]
fn zero_and_fractional_sizes_and_off_grid_prices() {
    let mut rows = basic_rows();
    rows[3] = row(mon(9, 30), "AAA", "95.00", 0);
    rows[4] = format!("{},BBB,49.00,1.5", mon(9, 30));
    rows[5] = row(mon(10, 0), "AAA", "97.00001", 200);
    let f = write(&rows);
    assert_rejected(
        &f,
        &[
            "trades.csv:5: size:",
            "trades.csv:6: size: \"1.5\"",
            "trades.csv:7: price: 97.00001 is not a multiple of 0.0001",
        ],
    );
}

#[test]
fn control_characters_in_a_headline() {
    let evil = HEADLINES.replace("Something happens", "Something\\u001b[2J happens");
    let f = write_with(&basic_rows(), &evil, "trades.csv");
    assert_rejected(
        &f,
        &["headlines.json:3: [1].text: contains a control character (U+001B"],
    );
}

#[test]
fn semantic_manifest_errors_point_at_their_line() {
    let f = write(&basic_rows());
    let path = f.path().join("replay.json");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"tick_size\": 0.25", "\"tick_size\": -0.25")
        .replace("\"America/New_York\"", "\"Mars/Olympus\"");
    std::fs::write(&path, text).unwrap();
    assert_rejected(
        &f,
        &[
            "replay.json:7: time_zone: unknown time zone \"Mars/Olympus\"",
            "replay.json:21: instruments[2].tick_size: must be positive",
        ],
    );
}

#[test]
fn a_missing_replay_is_named() {
    let (code, _, err) = tapedeck(&["info", "/nonexistent/replay"]);
    assert_ne!(code, 0);
    assert!(err.contains("/nonexistent/replay"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn a_binary_prints_file_answers_exactly_like_the_text_one() {
    let text = write(&basic_rows());
    let binary = write_columns(&basic_rows());
    let (code, out, err) = tapedeck(&["check", binary.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ok"));
    for at in ["2025-01-26 18:01", "04:06", "10:00", "16:30", "20:00"] {
        let snap = |f: &Fixture| {
            let (code, out, err) =
                tapedeck(&["snapshot", f.path().to_str().unwrap(), "--at", at, "--json"]);
            assert_eq!(code, 0, "{err}");
            out
        };
        assert_eq!(snap(&binary), snap(&text), "at {at}");
    }
}

#[test]
fn damaged_binary_prints_files() {
    let clean = write_columns(&basic_rows());
    let bytes = std::fs::read(clean.path().join("trades.tdcol")).unwrap();

    let f = write_columns(&basic_rows());
    let path = f.path().join("trades.tdcol");
    std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
    assert_rejected(&f, &["trades.tdcol: ", "truncated"]);

    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x10;
    std::fs::write(&path, &flipped).unwrap();
    assert_rejected(&f, &["trades.tdcol: checksum mismatch"]);

    std::fs::write(&path, b"ts_event,symbol,price,size\n").unwrap();
    assert_rejected(&f, &["trades.tdcol: not a tapedeck prints file"]);

    // The directory must list the manifest's instruments in its order.
    write_columns_file(&path, &["AAA", "NQ", "BBB"], &basic_rows());
    assert_rejected(
        &f,
        &["trades.tdcol: directory[1]: symbol \"NQ\", replay.json lists BBB there"],
    );
    write_columns_file(&path, &["AAA", "BBB"], &[]);
    assert_rejected(
        &f,
        &["trades.tdcol: directory: 2 instruments, replay.json lists 3"],
    );
}

#[test]
fn binary_prints_are_checked_like_text_rows() {
    let cases: [(Vec<String>, &str); 5] = [
        (
            vec![
                row(mon(10, 0), "AAA", "97.50", 1),
                row(mon(9, 59), "AAA", "97.40", 1),
            ],
            "trades.tdcol: AAA print 2: ts_event: out of order",
        ),
        (
            vec![row(mon(9, 30), "BBB", "49.005", 100)],
            "trades.tdcol: BBB print 1: price: 49.005 is not a positive multiple of 0.01",
        ),
        (
            vec![row(mon(9, 30), "AAA", "-1.00", 100)],
            "trades.tdcol: AAA print 1: price: -1.00 is not a positive multiple",
        ),
        (
            vec![row(mon(9, 30), "AAA", "95.00", 0)],
            "trades.tdcol: AAA print 1: size: 0 is not positive",
        ),
        (
            vec![row(mon(21, 0), "NQ", "21000.00", 1)],
            "trades.tdcol: NQ print 1: ts_event: ",
        ),
    ];
    for (rows, expect) in cases {
        let f = write_columns(&rows);
        assert_rejected(&f, &[expect]);
    }
}
