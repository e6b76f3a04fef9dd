//! Every fuzz target (see `src/fuzz_targets.rs` and `fuzz/`) run under stable Rust for a few
//! seconds, from the targets' seed inputs and deterministic mutations of them: bit flips,
//! byte insertions and deletions, cuts, splices and interesting numbers. A panic names the
//! target and the input (hex) that broke it, so it can become a regression test.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use tapedeck::fuzz_targets::{self, TARGETS};

/// Time per target, and a cap on runs (debug builds are slow; CI stays short). A longer
/// campaign: `TAPEDECK_FUZZ_SECS=600 cargo test --release --test fuzz_harness`.
fn budget() -> (Duration, usize) {
    match std::env::var("TAPEDECK_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
    {
        Some(s) => (Duration::from_secs_f64(s), usize::MAX),
        None => (Duration::from_secs(2), 3000),
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INTERESTING: &[&[u8]] = &[
    b"0",
    b"-1",
    b"1e308",
    b"-1e308",
    b"NaN",
    b"inf",
    b"18446744073709551616",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"\"\"",
    b"null",
    b"[]",
    b"{}",
    b"\xff\xff\xff\xff",
    b"\x00\x00\x00\x00",
    b"\n",
    b",",
    b"\"",
    b"\x1b[31m",
    b"\xc3\x28",
];

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], input: &mut Vec<u8>) {
    for _ in 0..=rng.below(4) {
        let len = input.len();
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                input[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                input[i] = rng.next() as u8;
            }
            2 => {
                let i = rng.below(len + 1);
                let b = rng.next() as u8;
                input.insert(i, b);
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(16));
                input.drain(i..i + n);
            }
            4 if len > 0 => input.truncate(rng.below(len)),
            5 => {
                let i = rng.below(len + 1);
                let word = INTERESTING[rng.below(INTERESTING.len())];
                let cut = (i + rng.below(8)).min(len);
                input.splice(i..cut, word.iter().copied());
            }
            6 => {
                // Splice in a piece of another seed.
                let other = &seeds[rng.below(seeds.len())];
                if !other.is_empty() {
                    let a = rng.below(other.len());
                    let b = (a + 1 + rng.below(64)).min(other.len());
                    let at = rng.below(len + 1);
                    input.splice(at..at, other[a..b].iter().copied());
                }
            }
            _ if len > 1 => {
                // Duplicate a run (repeated lines, appended records).
                let a = rng.below(len);
                let b = (a + 1 + rng.below(128)).min(len);
                let piece = input[a..b].to_vec();
                let at = rng.below(len + 1);
                input.splice(at..at, piece);
            }
            _ => input.push(rng.next() as u8),
        }
    }
}

fn run(name: &str) {
    let target = TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .expect("a target");
    let seeds = fuzz_targets::seeds(name);
    assert!(
        seeds.iter().any(|s| !s.is_empty()),
        "{name} has no seed input"
    );
    let try_one = |input: &[u8]| {
        if catch_unwind(AssertUnwindSafe(|| target(input))).is_err() {
            let hex = input.iter().fold(String::new(), |mut s, b| {
                s.push_str(&format!("{b:02x}"));
                s
            });
            panic!("{name} panicked on input of {} bytes: {hex}", input.len());
        }
    };
    for s in &seeds {
        try_one(s);
    }
    try_one(b"");
    // Seeded by the target's name: each target its own, the same on every run.
    let mut rng = Rng(name.bytes().fold(0x9e37_79b9_7f4a_7c15, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x1000_0000_01b3)
    }));
    let (budget, max_runs) = budget();
    let start = Instant::now();
    let mut runs = 0;
    while runs < max_runs && start.elapsed() < budget {
        let mut input = seeds[rng.below(seeds.len())].clone();
        mutate(&mut rng, &seeds, &mut input);
        try_one(&input);
        runs += 1;
    }
    eprintln!(
        "{name}: {runs} runs in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}

#[test]
fn every_target_is_in_the_harness() {
    let here = include_str!("fuzz_harness.rs");
    for (name, _) in TARGETS {
        assert!(
            here.contains(&format!("\n    {name},\n")),
            "{name} has no test"
        );
    }
}

macro_rules! targets {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run(stringify!($name));
            }
        )*
    };
}

targets!(
    replay_manifest,
    replay_headlines,
    replay_trades_text,
    replay_trades_binary,
    replay_bars,
    cache_file,
    import_dbn,
    import_databento_csv,
    import_databento_json,
    import_polygon_trades,
    import_polygon_aggs,
    import_csv,
    import_parquet,
    import_headlines,
    import_instruments,
    lesson,
    keymap,
    recipe,
    practice_orders,
    classroom_request,
);

// Regression tests: inputs the harness found that broke a parser.

/// A trades row with an empty symbol matched the symbol cache's empty start value and read
/// instrument 65535 (index out of bounds).
#[test]
fn an_empty_symbol_in_the_trades_file_is_refused_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    for seed in ["replay_manifest", "replay_headlines"] {
        assert!(!fuzz_targets::seeds(seed).is_empty());
    }
    fuzz_targets::replay_trades_text(
        b"ts_event,symbol,price,size\n1737932460000000000,,21771.00,3\n",
    );
    // And through the loader, with the problem named.
    let manifest = String::from_utf8(fuzz_targets::seeds("replay_manifest")[0].clone()).unwrap();
    std::fs::write(dir.path().join("replay.json"), manifest).unwrap();
    std::fs::write(
        dir.path().join("headlines.json"),
        &fuzz_targets::seeds("replay_headlines")[0],
    )
    .unwrap();
    std::fs::write(
        dir.path().join("trades.csv"),
        "ts_event,symbol,price,size\n1737932460000000000,,21771.00,3\n",
    )
    .unwrap();
    let Err(err) = tapedeck::replay::load_uncached(dir.path()) else {
        panic!("an empty symbol loaded");
    };
    let err = err.to_string();
    assert!(
        err.contains("trades.csv:2") && err.contains("symbol"),
        "{err}"
    );
}

/// A DBN record whose length is not a whole number of 8-byte words misaligned every record
/// after it inside the `dbn` decoder (a debug assertion there; undefined behaviour without it).
#[test]
fn a_dbn_record_of_a_bad_length_is_rejected_not_a_crash() {
    let mut file = fuzz_targets::seeds("import_dbn")[0].clone();
    let meta_len = u32::from_le_bytes([file[4], file[5], file[6], file[7]]) as usize;
    let first = 8 + meta_len;
    let second = first + file[first] as usize * 4;
    file[second] = 11; // 44 bytes: not a multiple of 8
    fuzz_targets::import_dbn(&file);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("t.dbn");
    std::fs::write(&input, &file).unwrap();
    let out = dir.path().join("out");
    let opts = tapedeck::import::ImportOptions::new(&out);
    match tapedeck::import::import(&[input], &opts) {
        Ok(report) => {
            assert_eq!(
                report.read, 1,
                "the record before the damage is kept: {report}"
            );
            assert!(
                report.problems.iter().any(|p| p.contains("8-byte words")),
                "{:?}",
                report.problems
            );
        }
        Err(e) => {
            let text = format!("{e} {:?}", e.report().map(|r| &r.problems));
            assert!(text.contains("8-byte words"), "{text}");
            assert!(!out.exists());
        }
    }
}

/// A DBN header stating a metadata length near 4 GiB: the decoder allocated that much before
/// reading it, so the fuzzer ran out of memory (a 4.1 GB allocation) on a 60-byte file.
#[test]
fn a_dbn_header_with_a_huge_metadata_length_is_refused_before_allocating() {
    let mut file = fuzz_targets::seeds("import_dbn")[0].clone();
    file[4..8].copy_from_slice(&0xF000_0000u32.to_le_bytes());
    fuzz_targets::import_dbn(&file);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("t.dbn");
    std::fs::write(&input, &file).unwrap();
    let out = dir.path().join("out");
    let opts = tapedeck::import::ImportOptions::new(&out);
    let err = tapedeck::import::import(&[input], &opts).expect_err("refused");
    let text = err.to_string();
    assert!(
        text.contains("t.dbn") && text.contains("4026531840 bytes"),
        "{text}"
    );
    assert!(!out.exists());
}

/// A Parquet footer whose column chunk has a negative offset or size: the `parquet` crate
/// asserts on it when the chunk is read.
#[test]
fn a_parquet_footer_with_a_negative_chunk_offset_is_an_error_not_a_crash() {
    refused_parquet(
        include_bytes!("fixtures/fuzz/parquet-negative-chunk-offset.parquet"),
        "damaged Parquet footer",
    );
}

/// Parquet page data whose lengths point past it: the `parquet` crate panics inside its
/// decoder; the import turns that into this file's error and writes nothing.
#[test]
fn parquet_page_data_that_makes_the_decoder_panic_fails_the_import_cleanly() {
    refused_parquet(
        include_bytes!("fixtures/fuzz/parquet-page-length-past-its-data.parquet"),
        "damaged Parquet data",
    );
}

/// A 658-byte footer whose schema group claims hundreds of millions of children: the
/// `parquet` crate reserved room for them (6.7 GB) before reading any and the process aborted
/// out of memory. The footer is now checked first, without allocating.
#[test]
fn a_parquet_footer_whose_counts_ask_for_gigabytes_is_refused_before_allocating() {
    refused_parquet(
        include_bytes!("fixtures/fuzz/parquet-schema-children-count-huge.parquet"),
        "damaged Parquet footer",
    );
}

/// Imports a damaged Parquet file: through the fuzz target, then as the CLI would, which must
/// refuse it with `message` and write nothing.
fn refused_parquet(file: &[u8], message: &str) {
    fuzz_targets::import_parquet(file);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("t.parquet");
    std::fs::write(&input, file).unwrap();
    let out = dir.path().join("out");
    let opts = tapedeck::import::ImportOptions::new(&out);
    let err = tapedeck::import::import(&[input], &opts).expect_err("refused");
    assert!(err.to_string().contains(message), "{err}");
    assert!(!out.exists());
}

/// The CLI on that file: the caught panic is the file's error, with the exit code of a bad
/// input, and no crash report (color-eyre's hook would print one for every panic, caught or not).
#[test]
fn the_cli_reports_a_parquet_decoder_panic_as_the_files_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("t.parquet");
    std::fs::write(
        &input,
        include_bytes!("fixtures/fuzz/parquet-page-length-past-its-data.parquet"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_tapedeck"))
        .arg("import")
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .env("TAPEDECK_NO_CACHE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("t.parquet: damaged Parquet data"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.exists());
}

/// A headlines file whose wrongly typed number sits right after an en dash: the error
/// message's "the number ..." lookup sliced the line inside the dash's UTF-8 bytes and
/// panicked (found by libFuzzer in `replay_headlines`). It is now the file's error.
#[test]
fn a_bad_number_after_a_multibyte_character_in_headlines_is_an_error_not_a_crash() {
    let file = include_bytes!("fixtures/fuzz/headlines-number-after-en-dash.json");
    fuzz_targets::replay_headlines(file);
    let dir = tempfile::tempdir().unwrap();
    let bundled =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("replays/deepseek-2025-01-27");
    for f in ["replay.json", "trades.csv.gz"] {
        std::fs::copy(bundled.join(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(dir.path().join("headlines.json"), file).unwrap();
    let err = tapedeck::replay::load_uncached(dir.path()).expect_err("refused");
    let text = err.to_string();
    assert!(text.contains("headlines.json:"), "{text}");
    assert!(text.contains("the number"), "{text}");
}

/// The same 24-character name joining twice: the " (2)" that tells them apart was added after
/// the cap, so the second name was 28 characters (found by libFuzzer in `classroom_request`).
#[test]
fn a_long_name_given_twice_stays_within_the_cap() {
    fuzz_targets::classroom_request(include_bytes!(
        "fixtures/fuzz/classroom-duplicate-long-name.txt"
    ));
    let mut room = tapedeck::classroom::room::Room::new("ABCD".into(), "t".into(), 5, "x".into());
    let long = "x".repeat(30);
    room.join("ABCD", &long, "1".into()).unwrap();
    let second = room.join("ABCD", &long, "2".into()).unwrap();
    let name = &room.students[second].name;
    assert_eq!(
        name.chars().count(),
        tapedeck::classroom::room::NAME_MAX,
        "{name}"
    );
    assert!(name.ends_with(" (2)"), "{name}");
}
