//! Load errors say what they mean: the file, the line, the field and what is wrong, in plain
//! words, for values serde refuses as much as for those the loader checks.

mod common;

use std::process::Command;

use common::*;

fn check(f: &Fixture) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tapedeck"))
        .args(["check", f.path().to_str().unwrap()])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "check should exit 1:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// The fixture with `from` replaced by `to` in `file` (which must contain it).
fn edited(file: &str, from: &str, to: &str) -> Fixture {
    let f = write(&basic_rows());
    let path = f.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} lacks {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    f
}

fn assert_says(f: &Fixture, want: &str) {
    let err = check(f);
    assert!(err.contains(want), "lacks {want:?}:\n{err}");
}

#[test]
fn a_tick_size_out_of_range_names_its_field() {
    let f = edited("replay.json", "\"tick_size\": 0.25", "\"tick_size\": 1e308");
    let err = check(&f);
    assert!(
        err.contains(
            "replay.json:21: instruments[2].tick_size: 1e308 is out of range (a tick size must \
             be a positive number below 9223372036.854775807"
        ),
        "{err}"
    );
    assert!(!err.contains("(column"), "{err}");
}

#[test]
fn a_reference_with_too_many_decimals_names_its_field() {
    let f = edited(
        "replay.json",
        "\"reference\": 50.00",
        "\"reference\": \"50.0000000001\"",
    );
    assert_says(
        &f,
        "replay.json:20: instruments[1].reference: \"50.0000000001\" has more than 9 decimal \
         places (a reference price must be",
    );
}

#[test]
fn an_unknown_instrument_kind_lists_the_kinds() {
    let f = edited("replay.json", "\"kind\": \"future\"", "\"kind\": \"bond\"");
    assert_says(
        &f,
        "replay.json:21: instruments[2].kind: \"bond\" is not one of: stock, etf, future, index",
    );
}

#[test]
fn a_version_that_is_no_u32_says_what_would_do() {
    let f = edited("replay.json", "\"version\": 1,", "\"version\": 5000000000,");
    assert_says(
        &f,
        "replay.json:3: version: 5000000000 is out of range: expected a whole number from 0 to \
         4294967295",
    );
}

#[test]
fn a_misspelt_or_missing_field_is_named() {
    let f = edited("replay.json", "\"multiplier\": 20", "\"multiplyer\": 20");
    assert_says(
        &f,
        "replay.json:21: instruments[2].multiplyer: unknown field; the fields here are: symbol,",
    );
    let f = edited("replay.json", ", \"day_session\": \"globex\"", "");
    assert_says(
        &f,
        "replay.json:21: instruments[2].day_session: missing: this field is required",
    );
    let f = edited("replay.json", "\"phase\": false", "\"phase\": \"no\"");
    assert_says(
        &f,
        "replay.json:15: sessions[4].phase: expected true or false, found the text \"no\"",
    );
}

#[test]
fn a_headline_value_out_of_range_names_its_element() {
    let f = edited(
        "headlines.json",
        "\"importance\": 3",
        "\"importance\": 1000",
    );
    assert_says(
        &f,
        "headlines.json:3: [1].importance: 1000 is out of range: expected a whole number from 0 \
         to 255",
    );
}

#[test]
fn bytes_appended_to_a_binary_prints_file_are_not_called_truncation() {
    let f = write_columns(&basic_rows());
    let path = f.path().join("trades.tdcol");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, [bytes.as_slice(), &[0xAB; 13]].concat()).unwrap();
    let err = check(&f);
    let want = format!(
        "trades.tdcol: 13 bytes after the end of the data its header describes (the header says \
         {} bytes in all, the file has {}): bytes were appended to it, or it is damaged or was \
         written by another version",
        bytes.len(),
        bytes.len() + 13
    );
    assert!(err.contains(&want), "lacks {want:?}:\n{err}");
    assert!(!err.contains("truncated") && !err.contains('?'), "{err}");

    std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
    let err = check(&f);
    let want = format!(
        "trades.tdcol: 3 bytes missing at the end (the header says {} bytes in all, the file has \
         {}): the file is truncated",
        bytes.len(),
        bytes.len() - 3
    );
    assert!(err.contains(&want), "lacks {want:?}:\n{err}");
    assert!(!err.contains("truncated?"), "{err}");
}

#[test]
fn checked_values_say_what_was_found() {
    let f = edited("replay.json", "\"tick_size\": 0.25", "\"tick_size\": -0.25");
    assert_says(
        &f,
        "replay.json:21: instruments[2].tick_size: must be positive (found -0.25)",
    );
    let f = edited(
        "replay.json",
        "\"print_increment\": 0.0001",
        "\"print_increment\": 0.003",
    );
    assert_says(
        &f,
        "replay.json:19: instruments[0].print_increment: 0.003 must divide the tick size 0.01",
    );
    let f = edited(
        "replay.json",
        "\"print_increment\": 0.0001",
        "\"print_increment\": 0.0001, \"print_increment\": 0.01",
    );
    assert_says(
        &f,
        "replay.json:19: instruments[0].print_increment: given twice; give it once",
    );
}
