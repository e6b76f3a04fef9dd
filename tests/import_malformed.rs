//! Malformed inputs give the documented result, never a panic: each bad row is rejected with
//! `file:line: field: what is wrong`, and the import fails (writing nothing) when nothing is
//! left or more than `--max-rejected-pct` of the rows are bad.

#[path = "fixtures/import/support.rs"]
mod support;

use std::path::{Path, PathBuf};

use support::*;
use tapedeck::import::{ImportError, ImportReport, Reject, Skip};

const HEADER: &str = "ts_event,symbol,price,size\n";
const T: i64 = 1_737_988_200_000_000_000; // 2025-01-27 09:30 ET

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// `n` good prints, one a millisecond, to dilute the bad rows under the 1% threshold.
#[allow(clippy::format_collect)]
fn good_rows(n: usize) -> String {
    (0..n)
        .map(|i| format!("{},NVDA,124.{:02},100\n", T + i as i64 * 1_000_000, i % 100))
        .collect()
}

fn import_with_bad_rows(dir: &Path, bad: &str) -> (ImportReport, tapedeck::replay::Replay, String) {
    let text = format!("{HEADER}{bad}{}", good_rows(1000));
    let file = write(dir, "in.csv", text.as_bytes());
    let (report, replay) = import_ok(dir, &[file], |_| {});
    (report, replay, dir.join("in.csv").display().to_string())
}

#[test]
fn each_bad_row_is_rejected_by_reason_with_file_line_and_field() {
    let bad = format!(
        "{T},NVDA,NaN,100\n\
         {T},NVDA,-1.5,100\n\
         {T},NVDA,0,100\n\
         {T},NVDA,124.50,0\n\
         {T},NVDA,124.50,2.5\n\
         yesterday,NVDA,124.50,1\n\
         {T},NVDA,124.50\n\
         {T},BAD SYMBOL,124.50,1\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let (report, replay, file) = import_with_bad_rows(dir.path(), &bad);
    assert_eq!(report.trades, 1000);
    assert_eq!(report.rejected_count(Reject::Price), 3);
    assert_eq!(report.rejected_count(Reject::Size), 2);
    assert_eq!(report.rejected_count(Reject::Timestamp), 1);
    assert_eq!(report.rejected_count(Reject::Columns), 1);
    assert_eq!(report.rejected_count(Reject::Symbol), 1);
    assert_eq!(
        report.problems,
        [
            format!("{file}:2: price: \"NaN\" is not a price (not a finite number)"),
            format!("{file}:3: price: -1.5 is not a positive price"),
            format!("{file}:4: price: 0 is not a positive price"),
            format!("{file}:5: size: \"0\" is not positive"),
            format!("{file}:6: size: \"2.5\" is fractional"),
            format!(
                "{file}:7: timestamp: \"yesterday\" is not an epoch number or a time in a known format (see --ts-unit, --ts-format)"
            ),
            format!("{file}:8: expected 4 fields, found 3"),
            format!(
                "{file}:9: symbol: \"BAD SYMBOL\" is not a symbol (1-32 of A-Z a-z 0-9 . - _ / ^ =)"
            ),
        ]
    );
    assert_eq!(replay.store.print_count(), 1000);
}

#[test]
fn non_utf8_rows_are_rejected() {
    let mut text = HEADER.as_bytes().to_vec();
    text.extend_from_slice(format!("{T},NV").as_bytes());
    text.extend_from_slice(&[0xff, 0xfe]);
    text.extend_from_slice(b",124.50,1\n");
    text.extend_from_slice(good_rows(200).as_bytes());
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "latin1.csv", &text);
    let (_, result) = run(dir.path(), &[file], |o| o.max_rejected_pct = 5.0);
    let report = result.unwrap();
    assert_eq!(report.rejected_count(Reject::Utf8), 1);
    assert!(
        report.problems[0].ends_with("latin1.csv:2: not UTF-8 text"),
        "{:?}",
        report.problems
    );
}

#[test]
fn duplicates_and_unsorted_rows() {
    let dir = tempfile::tempdir().unwrap();
    // Generic CSV has no trade id: identical rows are two real prints unless --id-col names one.
    let rows = format!(
        "ts_event,symbol,price,size,tid\n\
         {b},AMD,118.10,5,7\n\
         {a},AMD,118.00,5,6\n\
         {b},AMD,118.10,5,7\n\
         {b},AMD,118.10,5,8\n",
        a = T,
        b = T + 1_000
    );
    let file = write(dir.path(), "dups.csv", rows.as_bytes());
    let (report, replay) = import_ok(dir.path(), std::slice::from_ref(&file), |_| {});
    assert_eq!(
        (report.trades, report.skipped_count(Skip::Duplicate)),
        (4, 0)
    );
    assert_eq!(
        &replay.store.series(0).ts[..],
        [T, T + 1_000, T + 1_000, T + 1_000],
        "sorted"
    );

    let sub = dir.path().join("with-id");
    std::fs::create_dir(&sub).unwrap();
    let (report, replay) = import_ok(&sub, &[file], |o| o.columns.id = Some("tid".into()));
    assert_eq!(
        (report.trades, report.skipped_count(Skip::Duplicate)),
        (3, 1)
    );
    assert!(
        report.problems[0].ends_with("dups.csv:4: row: exact duplicate of line 2 (skipped)"),
        "{:?}",
        report.problems
    );
    assert_eq!(&replay.store.series(0).size[..], [5, 5, 5]);
}

#[test]
fn an_empty_file_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("empty.csv", &b""[..]),
        ("header-only.csv", HEADER.as_bytes()),
    ] {
        let file = write(dir.path(), name, bytes);
        let (out, result) = run(dir.path(), &[file], |_| {});
        match result {
            Err(ImportError::Nothing(report)) => assert_eq!(report.read, 0, "{name}"),
            other => panic!("{name}: expected nothing imported, got {other:?}"),
        }
        assert!(!out.exists());
    }
}

#[test]
fn unrecognised_and_binary_files_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let png = write(dir.path(), "chart.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let (_, result) = run(dir.path(), &[png], |_| {});
    match result {
        Err(ImportError::Input(msg)) => assert!(msg.contains("format not recognised"), "{msg}"),
        other => panic!("expected an input error, got {other:?}"),
    }
    let missing = dir.path().join("nope.dbn");
    let (_, result) = run(dir.path(), &[missing], |_| {});
    assert!(matches!(result, Err(ImportError::Io { .. })), "{result:?}");
}

#[test]
fn too_many_rejected_rows_fail_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{HEADER}{T},NVDA,NaN,1\n{}", good_rows(50));
    let file = write(dir.path(), "bad.csv", text.as_bytes());
    let (out, result) = run(dir.path(), std::slice::from_ref(&file), |_| {});
    match result {
        Err(ImportError::TooManyRejected { report, pct, max }) => {
            assert_eq!(report.rejected_total(), 1);
            assert!(
                (pct - 100.0 / 51.0).abs() < 1e-9 && max == 1.0,
                "{pct} {max}"
            );
        }
        other => panic!("expected too many rejected, got {other:?}"),
    }
    assert!(!out.exists());
    let (_, result) = run(dir.path(), &[file], |o| o.max_rejected_pct = 5.0);
    assert_eq!(result.unwrap().trades, 50);
}

#[test]
fn truncated_gzip_keeps_what_was_readable() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(format!("{HEADER}{}", good_rows(5000)).as_bytes())
        .unwrap();
    let gz = enc.finish().unwrap();
    let file = write(dir.path(), "cut.csv.gz", &gz[..gz.len() / 2]);
    let (_, result) = run(dir.path(), &[file], |_| {});
    let report = result.unwrap();
    assert!(report.trades > 0 && report.trades < 5000, "{report}");
    assert_eq!(report.rejected_count(Reject::Corrupt), 1);
}

#[test]
fn a_folder_that_is_not_a_replay_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "p.csv",
        format!("{HEADER}{}", good_rows(3)).as_bytes(),
    );
    let precious = dir.path().join("out");
    std::fs::create_dir(&precious).unwrap();
    std::fs::write(precious.join("thesis.txt"), "years of work").unwrap();
    let (_, result) = run(dir.path(), std::slice::from_ref(&file), |_| {});
    match result {
        Err(ImportError::Usage(msg)) => assert!(msg.contains("not a replay folder"), "{msg}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(
        std::fs::read_to_string(precious.join("thesis.txt")).unwrap(),
        "years of work"
    );
    // An existing replay is replaced.
    std::fs::remove_dir_all(&precious).unwrap();
    run(dir.path(), std::slice::from_ref(&file), |_| {})
        .1
        .unwrap();
    run(dir.path(), &[file], |_| {}).1.unwrap();
}
