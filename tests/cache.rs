//! The binary cache: what it opens equals what text gives; it is rebuilt when stale or damaged.

mod common;

use std::path::Path;

use common::*;
use tapedeck::engine::Snapshot;
use tapedeck::replay::cache::{self, Miss, Source};
use tapedeck::replay::{self, CacheStatus};

fn source<'a>(manifest: &'a [u8], trades: &'a Path) -> Source<'a> {
    Source {
        manifest,
        files: [Some(trades), None],
    }
}

fn snapshots(store: &tapedeck::engine::Store) -> Vec<Snapshot> {
    (0..27 * 60)
        .step_by(7)
        .map(|m| store.snapshot(T0 + m * MIN, 20))
        .collect()
}

#[test]
fn a_cached_store_answers_exactly_like_the_text_one() {
    let f = write(&basic_rows());
    let dir = f.path();
    let text = replay::load_uncached(&dir).unwrap();
    let manifest = std::fs::read(dir.join("replay.json")).unwrap();
    let trades = dir.join("trades.csv");
    let cache_file = dir.join("c.tdc");
    cache::write(
        &cache_file,
        &source(&manifest, &trades),
        text.store.all_series(),
        false,
    )
    .unwrap();
    let series = cache::read(&cache_file, &source(&manifest, &trades), 3, None).unwrap();
    assert!(
        series
            .iter()
            .all(|s| format!("{:?}", s.ts).contains("mapped"))
    );
    for (s, t) in series.iter().zip(text.store.all_series()) {
        assert_eq!(&s.ts[..], &t.ts[..]);
        assert_eq!(&s.price[..], &t.price[..]);
        assert_eq!(&s.size[..], &t.size[..]);
    }
}

#[test]
fn stale_and_damaged_caches_are_refused() {
    let f = write(&basic_rows());
    let dir = f.path();
    let text = replay::load_uncached(&dir).unwrap();
    let manifest = std::fs::read(dir.join("replay.json")).unwrap();
    let trades = dir.join("trades.csv");
    let cache_file = dir.join("c.tdc");
    let write = || {
        cache::write(
            &cache_file,
            &source(&manifest, &trades),
            text.store.all_series(),
            false,
        )
        .unwrap();
    };
    let read = |m: &[u8]| cache::read(&cache_file, &source(m, &trades), 3, None).map(|_| ());

    write();
    assert_eq!(read(&manifest), Ok(()));
    // The manifest changed.
    let mut other = manifest.clone();
    other.extend_from_slice(b" ");
    assert_eq!(read(&other), Err(Miss::Stale("replay.json changed")));
    // A data file was touched but not changed: still good.
    let bytes = std::fs::read(&trades).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&trades, &bytes).unwrap();
    assert_eq!(read(&manifest), Ok(()));
    // A data file changed.
    std::fs::write(&trades, [bytes.as_slice(), b"\n"].concat()).unwrap();
    assert_eq!(read(&manifest), Err(Miss::Stale("a data file changed")));
    std::fs::write(&trades, &bytes).unwrap();
    write();
    // A flipped bit in the body, a truncated file, a foreign file.
    let good = std::fs::read(&cache_file).unwrap();
    let mut bad = good.clone();
    let n = bad.len();
    bad[n - 3] ^= 1;
    std::fs::write(&cache_file, &bad).unwrap();
    assert_eq!(read(&manifest), Err(Miss::Damaged("checksum mismatch")));
    std::fs::write(&cache_file, &good[..good.len() - 64]).unwrap();
    assert_eq!(read(&manifest), Err(Miss::Damaged("truncated")));
    std::fs::write(&cache_file, b"hello").unwrap();
    assert_eq!(read(&manifest), Err(Miss::Damaged("not a tapedeck cache")));
    std::fs::remove_file(&cache_file).unwrap();
    assert_eq!(read(&manifest), Err(Miss::Absent));
}

/// The bundled replay (over the caching threshold) is cached on first open and mapped on the
/// second, with identical answers.
#[test]
fn the_bundled_replay_is_cached_then_mapped() {
    let cache_dir = tempfile::tempdir().unwrap();
    // SAFETY: the only test in this binary that touches the environment.
    unsafe { std::env::set_var("TAPEDECK_CACHE_DIR", cache_dir.path()) };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("replays/deepseek-2025-01-27");
    let first = replay::load(&dir).unwrap();
    assert!(
        matches!(first.cache, CacheStatus::Written(..)),
        "{:?}",
        first.cache
    );
    let second = replay::load(&dir).unwrap();
    assert!(
        matches!(second.cache, CacheStatus::Hit(..)),
        "{:?}",
        second.cache
    );
    let (a, b) = (snapshots(&first.store), snapshots(&second.store));
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.instruments, y.instruments);
        assert_eq!(x.tape, y.tape);
        assert_eq!(x.sectors, y.sectors);
    }
    assert_eq!(first.store.gaps, second.store.gaps);
}

#[test]
fn a_binary_replay_caches_only_what_it_derives_and_maps_its_own_columns() {
    let f = write_columns(&basic_rows());
    let dir = f.path();
    let loaded = replay::load_uncached(&dir).unwrap();
    let manifest = std::fs::read(dir.join("replay.json")).unwrap();
    let prints = dir.join("trades.tdcol");
    let cache_file = dir.join("c.tdc");
    cache::write(
        &cache_file,
        &source(&manifest, &prints),
        loaded.store.all_series(),
        true,
    )
    .unwrap();
    // No prints in the cache: smaller than the prints file's columns alone.
    let cached = std::fs::metadata(&cache_file).unwrap().len();
    let columns = replay::columns::ColumnsFile::open(&prints).unwrap();
    let raw = || -> Vec<cache::RawColumns> {
        columns
            .instruments
            .iter()
            .map(|m| (m.ts.clone(), m.price.clone(), m.size.clone()))
            .collect()
    };
    let series = cache::read(&cache_file, &source(&manifest, &prints), 3, Some(raw())).unwrap();
    for (s, t) in series.iter().zip(loaded.store.all_series()) {
        assert_eq!(&s.ts[..], &t.ts[..]);
        assert_eq!(&s.price[..], &t.price[..]);
        assert_eq!(&s.size[..], &t.size[..]);
        assert!(format!("{:?}", s.ts).contains("mapped"));
    }
    let text = write(&basic_rows());
    let full = replay::load_uncached(&text.path()).unwrap();
    let full_file = text.path().join("c.tdc");
    cache::write(
        &full_file,
        &source(&manifest, &text.path().join("trades.csv")),
        full.store.all_series(),
        false,
    )
    .unwrap();
    assert!(cached < std::fs::metadata(&full_file).unwrap().len());
    // Without the prints file's columns (or with the wrong ones) the cache is not used.
    assert!(matches!(
        cache::read(&cache_file, &source(&manifest, &prints), 3, None),
        Err(Miss::Stale(_))
    ));
    let mut short = raw();
    short[0].0 = Vec::new().into();
    assert!(matches!(
        cache::read(&cache_file, &source(&manifest, &prints), 3, Some(short)),
        Err(Miss::Stale(_))
    ));
}
