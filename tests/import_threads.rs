//! An import leaves no thread behind, even one that fails while its reading threads are still
//! ahead of it, and a small one frees its staging without a thread. LeakSanitizer, under the fuzzer, reported the decompressing and CSV-splitting
//! threads' handles as leaks (48 + 32 + 13 bytes per input) when they outlived the import that
//! started them; they are joined now. Alone in its test binary, so no other test's threads
//! are counted.

use std::io::Write;

fn import_threads() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .map(|d| {
            d.flatten()
                .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
                .map(|c| c.trim().to_string())
                .filter(|c| {
                    ["td-decompress", "td-csv-split", "td-free"]
                        .iter()
                        .any(|n| c.starts_with(n))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_failed_import_has_joined_its_reading_threads_when_it_returns() {
    if !std::path::Path::new("/proc/self/task").is_dir() {
        eprintln!("SKIPPED: no /proc/self/task to list threads on this system");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A large gzip CSV whose header lacks a column the format needs: the import fails at the
    // header while both threads still have megabytes to read.
    let path = dir.path().join("trades.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::fast(),
    );
    writeln!(gz, "ticker,sip_timestamp,participant_timestamp,size").unwrap();
    for i in 0..400_000u64 {
        writeln!(
            gz,
            "NVDA,{},{},{}",
            1_737_988_200_000_000_000 + i,
            1_737_988_200_000_000_000 + i,
            i % 90 + 1
        )
        .unwrap();
    }
    gz.finish().unwrap();
    for round in 0..20 {
        let out = dir.path().join(format!("out{round}"));
        let opts = tapedeck::import::ImportOptions::new(&out);
        let err = tapedeck::import::import(std::slice::from_ref(&path), &opts)
            .expect_err("no price column");
        assert!(err.to_string().contains("price"), "{err}");
        assert_eq!(
            import_threads(),
            Vec::<String>::new(),
            "round {round}: threads left running"
        );
        assert!(!out.exists());
    }
    // A small import that succeeds frees its staging where it is: no thread is left to free it.
    let ok = dir.path().join("ok.csv");
    std::fs::write(
        &ok,
        "ts_event,symbol,price,size\n1737988200000000000,NVDA,124.80,100\n",
    )
    .unwrap();
    let out = dir.path().join("ok-out");
    tapedeck::import::import(&[ok], &tapedeck::import::ImportOptions::new(&out)).unwrap();
    assert_eq!(
        import_threads(),
        Vec::<String>::new(),
        "after a small import"
    );
}
