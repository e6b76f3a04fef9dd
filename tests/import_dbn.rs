//! Importing Databento DBN written by Databento's own encoder (the `dbn` crate): versions 1–3,
//! zstd, trades, MBP-1, OHLCV, CME futures, truncated files, and the snapshot of the imported
//! replay against a fold of the vendor's records.

#[path = "fixtures/import/support.rs"]
mod support;

use std::ffi::c_char;
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};

use dbn::encode::{DbnEncoder, EncodeRecord};
use dbn::{
    Dataset, FlagSet, MappingInterval, Mbp1Msg, Metadata, OhlcvMsg, RecordHeader, SType, Schema,
    SymbolMapping, TradeMsg, rtype,
};
use support::*;
use tapedeck::import::{ImportError, Reject, Skip};
use tapedeck::price::Price;
use tapedeck::replay::manifest::{InstrumentKind, ProvenanceKind};

const IDS: [(&str, u32); 2] = [("NVDA", 11667), ("AMD", 523)];

fn id_of(symbol: &str) -> u32 {
    IDS.iter().find(|(s, _)| *s == symbol).unwrap().1
}

fn mappings(ids: &[(&str, u32)]) -> Vec<SymbolMapping> {
    let day = |d| time::Date::from_calendar_date(2025, time::Month::January, d).unwrap();
    ids.iter()
        .map(|(s, id)| SymbolMapping {
            raw_symbol: s.to_string(),
            intervals: vec![MappingInterval {
                start_date: day(20),
                end_date: day(29),
                symbol: id.to_string(),
            }],
        })
        .collect()
}

fn metadata(version: u8, schema: Schema, dataset: Dataset, ids: &[(&str, u32)]) -> Metadata {
    Metadata::builder()
        .version(version)
        .dataset(dataset)
        .schema(Some(schema))
        .start(ny("2025-01-24 00:00:00") as u64)
        .end(NonZeroU64::new(ny("2025-01-28 00:00:00") as u64))
        .stype_in(Some(SType::RawSymbol))
        .stype_out(SType::InstrumentId)
        .symbols(ids.iter().map(|(s, _)| s.to_string()).collect())
        .mappings(mappings(ids))
        .build()
}

/// Writes records with `DbnEncoder` (zstd-compressed when the name ends in `.zst`).
fn write_dbn<R: dbn::encode::DbnEncodable>(path: &Path, md: &Metadata, records: &[R]) {
    let file = std::fs::File::create(path).unwrap();
    if path.extension().is_some_and(|e| e == "zst") {
        let mut enc = DbnEncoder::with_zstd(file, md).unwrap();
        enc.encode_records(records).unwrap();
    } else {
        let mut enc = DbnEncoder::new(file, md).unwrap();
        enc.encode_records(records).unwrap();
    }
}

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn trade(symbol: &str, ts: i64, price: Price, size: u32, seq: u32) -> TradeMsg {
    TradeMsg {
        hd: RecordHeader::new::<TradeMsg>(rtype::MBP_0, 1, id_of(symbol), ts as u64),
        price: price.0,
        size,
        action: b'T' as c_char,
        side: b'A' as c_char,
        flags: FlagSet::default(),
        depth: 0,
        ts_recv: ts as u64 + 1_000,
        ts_in_delta: 0,
        sequence: seq,
    }
}

/// Prints on Fri 24 Jan (the prior day, including after-hours) and Mon 27 Jan 2025 (premarket
/// to after-hours), a few sub-penny, some at equal times, some out of order.
fn session() -> Vec<TradeMsg> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::new();
    let mut seq = 0;
    for (day, n) in [("2025-01-24", 60u64), ("2025-01-27", 400)] {
        for (symbol, base) in [("NVDA", 142_6200u64), ("AMD", 122_8400)] {
            let start = ny(&format!("{day} 04:00:00"));
            let span = ny(&format!("{day} 19:59:59")) - start;
            let mut level = base as i64; // 1e-4 units
            let mut times: Vec<i64> = (0..n)
                .map(|_| start + (rng.below(span as u64)) as i64)
                .collect();
            times.sort_unstable();
            for (k, ts) in times.into_iter().enumerate() {
                level += rng.below(201) as i64 - 100;
                // Mostly cents; every 7th NVDA print is sub-penny.
                let units = if symbol == "NVDA" && k % 7 == 3 {
                    level
                } else {
                    level / 100 * 100
                };
                seq += 1;
                out.push(trade(
                    symbol,
                    ts,
                    Price(units * 100_000),
                    1 + rng.below(500) as u32,
                    seq,
                ));
                if k % 50 == 10 {
                    // A second print at the same instant.
                    seq += 1;
                    out.push(trade(symbol, ts, Price((units + 100) * 100_000), 7, seq));
                }
            }
        }
    }
    // Vendor files are in receive order; event times may run backwards a little.
    for k in (5..out.len()).step_by(37) {
        out.swap(k, k - 1);
    }
    out
}

fn as_prints(records: &[TradeMsg]) -> Vec<Print<'static>> {
    records
        .iter()
        .map(|r| Print {
            symbol: IDS
                .iter()
                .find(|(_, id)| *id == r.hd.instrument_id)
                .unwrap()
                .0,
            ts: r.hd.ts_event as i64,
            price: Price(r.price),
            size: r.size,
        })
        .collect()
}

/// The prior day's last regular-session print of `symbol`, folded from the vendor records.
fn prior_close(prints: &[Print], symbol: &str) -> Price {
    let (lo, hi) = (ny("2025-01-24 09:30:00"), ny("2025-01-24 16:00:00"));
    let mut mine: Vec<&Print> = prints
        .iter()
        .filter(|p| p.symbol == symbol && p.ts >= lo && p.ts < hi)
        .collect();
    mine.sort_by_key(|p| p.ts);
    mine.last().unwrap().price
}

fn trades_dbn(dir: &Path, name: &str, version: u8) -> PathBuf {
    let path = dir.join(name);
    write_dbn(
        &path,
        &metadata(version, Schema::Trades, Dataset::XnasItch, &IDS),
        &session(),
    );
    path
}

#[test]
fn snapshot_of_the_imported_replay_equals_folding_the_vendor_records() {
    let dir = tempfile::tempdir().unwrap();
    let file = trades_dbn(dir.path(), "xnas-trades.dbn", 3);
    let (report, replay) = import_ok(dir.path(), &[file], |_| {});

    let records = session();
    let prints = as_prints(&records);
    let day = date("2025-01-27");
    let on_day = |p: &&Print| p.ts >= ny("2025-01-27 04:00:00");
    assert_eq!(report.read, records.len() as u64);
    assert_eq!(report.trades, prints.iter().filter(on_day).count() as u64);
    assert_eq!(
        report.skipped_count(Skip::EarlierDay),
        prints.iter().filter(|p| !on_day(p)).count() as u64
    );
    assert_eq!(report.rejected_total(), 0);
    assert_eq!(report.date.as_deref(), Some("2025-01-27"));

    let m = &replay.manifest;
    assert_eq!(m.provenance.kind, ProvenanceKind::Recorded);
    assert_eq!(m.trading_date, "2025-01-27");
    assert_eq!(m.start, "2025-01-27T04:00:00-05:00");
    assert_eq!(m.end, "2025-01-27T20:00:00-05:00");
    assert_eq!(m.provenance.sources[0].key, "xnas-trades.dbn");
    assert!(
        m.provenance.sources[0].what.contains("DBN v3"),
        "{:?}",
        m.provenance.sources
    );
    let symbols: Vec<&str> = m.instruments.iter().map(|i| i.symbol.as_str()).collect();
    assert_eq!(symbols, ["AMD", "NVDA"]);
    let nvda = &m.instruments[1];
    assert_eq!(nvda.tick_size, px("0.01"));
    assert_eq!(
        nvda.print_increment,
        Some(px("0.0001")),
        "sub-penny prints validate"
    );
    assert_eq!(m.instruments[0].print_increment, None);
    assert_eq!(nvda.reference, prior_close(&prints, "NVDA"));
    assert!(
        nvda.reference_source
            .as_deref()
            .unwrap()
            .contains("Fri 24 Jan 2025")
    );

    for t in [
        "2025-01-27 04:00:00",
        "2025-01-27 09:29:59.999",
        "2025-01-27 09:30:00",
        "2025-01-27 11:17:03.5",
        "2025-01-27 15:59:59.999999999",
        "2025-01-27 16:00:00",
        "2025-01-27 19:00:00",
        "2025-01-27 20:00:00",
    ] {
        let t = ny(t);
        let snap = replay.store.snapshot(t, 0);
        for (symbol, _) in IDS {
            let i = replay.store.symbol_index(symbol).unwrap();
            let want = fold(&prints, symbol, t, day, prior_close(&prints, symbol));
            assert_same_state(&snap.instruments[i], &want, &format!("{symbol} at {t}"));
        }
    }
}

#[test]
fn versions_1_and_2_upgrade_to_the_same_replay_and_zstd_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let mut trades = Vec::new();
    for (name, version) in [
        ("v1.dbn", 1),
        ("v2.dbn", 2),
        ("v3.dbn", 3),
        ("v3.dbn.zst", 3),
        ("v1.dbn.zst", 1),
    ] {
        let sub = dir.path().join(name.replace('.', "_"));
        std::fs::create_dir(&sub).unwrap();
        let file = trades_dbn(&sub, name, version);
        let (report, replay) = import_ok(&sub, &[file], |o| o.name = Some("same".into()));
        assert!(
            replay.manifest.provenance.sources[0]
                .what
                .contains(&format!("DBN v{version}")),
            "{name}"
        );
        if name.ends_with(".zst") {
            assert!(replay.manifest.provenance.sources[0].what.contains("zstd"));
        }
        assert_eq!(report.rejected_total(), 0, "{name}");
        trades.push((name, std::fs::read(sub.join("out/trades.tdcol")).unwrap()));
    }
    for (name, bytes) in &trades[1..] {
        assert!(bytes == &trades[0].1, "{name} differs from v1");
    }
}

#[test]
fn importing_the_same_input_twice_gives_byte_identical_folders() {
    let dir = tempfile::tempdir().unwrap();
    let file = trades_dbn(dir.path(), "t.dbn", 3);
    let (out, first) = run(dir.path(), std::slice::from_ref(&file), |_| {});
    first.unwrap();
    let a = folder_bytes(&out);
    let (out, second) = run(dir.path(), std::slice::from_ref(&file), |_| {});
    second.unwrap();
    assert_eq!(a, folder_bytes(&out));
    assert_eq!(
        a.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["headlines.json", "replay.json", "trades.tdcol"]
    );
    // The text form too.
    let (out, third) = run(dir.path(), std::slice::from_ref(&file), |o| o.text = true);
    third.unwrap();
    let t = folder_bytes(&out);
    let (out, fourth) = run(dir.path(), &[file], |o| o.text = true);
    fourth.unwrap();
    assert_eq!(t, folder_bytes(&out));
    assert_eq!(
        t.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["headlines.json", "replay.json", "trades.csv.gz"]
    );
    only_left(dir.path(), &["out", "t.dbn"]);
}

#[test]
fn mbp1_keeps_the_trades_and_skips_the_book() {
    let dir = tempfile::tempdir().unwrap();
    let md = metadata(3, Schema::Mbp1, Dataset::XnasItch, &IDS);
    let mk = |action: u8, ts: &str, price: &str, size: u32, seq: u32| Mbp1Msg {
        hd: RecordHeader::new::<Mbp1Msg>(rtype::MBP_1, 1, id_of("NVDA"), ny(ts) as u64),
        price: px(price).0,
        size,
        action: action as c_char,
        side: b'B' as c_char,
        ts_recv: ny(ts) as u64 + 500,
        sequence: seq,
        ..Default::default()
    };
    let records = vec![
        mk(b'A', "2025-01-27 09:30:00", "118.40", 100, 1),
        mk(b'T', "2025-01-27 09:30:00.1", "118.42", 300, 2),
        mk(b'C', "2025-01-27 09:30:00.2", "118.40", 100, 3),
        mk(b'T', "2025-01-27 09:30:01", "118.45", 200, 4),
        mk(b'M', "2025-01-27 09:30:02", "118.41", 100, 5),
    ];
    let file = dir.path().join("mbp1.dbn");
    write_dbn(&file, &md, &records);
    let (report, replay) = import_ok(dir.path(), &[file], |_| {});
    assert_eq!(report.trades, 2);
    assert_eq!(report.skipped_count(Skip::NotATrade), 3);
    let s = replay.store.snapshot(ny("2025-01-27 10:00:00"), 0);
    let st = &s.instruments[0];
    assert_eq!(
        (st.last, st.volume, st.trades),
        (Some(px("118.45")), 500, 2)
    );
    let m = &replay.manifest.instruments[0];
    assert_eq!(m.reference, px("118.42"), "no prior day: the first print");
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("NVDA: no reference price")),
        "{:?}",
        report.notes
    );
}

#[test]
fn ohlcv_bars_are_written_as_bars_and_never_as_prints() {
    let dir = tempfile::tempdir().unwrap();
    let md = metadata(3, Schema::Ohlcv1M, Dataset::XnasItch, &IDS);
    let bar = |ts: &str, o: &str, h: &str, l: &str, c: &str, v: u64| OhlcvMsg {
        hd: RecordHeader::new::<OhlcvMsg>(rtype::OHLCV_1M, 1, id_of("AMD"), ny(ts) as u64),
        open: px(o).0,
        high: px(h).0,
        low: px(l).0,
        close: px(c).0,
        volume: v,
    };
    let records = vec![
        bar(
            "2025-01-24 15:59:00",
            "122.80",
            "122.90",
            "122.70",
            "122.84",
            5000,
        ),
        bar(
            "2025-01-24 16:01:00",
            "122.84",
            "123.00",
            "122.80",
            "122.95",
            100,
        ),
        bar(
            "2025-01-27 09:30:00",
            "118.00",
            "118.50",
            "117.90",
            "118.40",
            90000,
        ),
        bar(
            "2025-01-27 09:31:00",
            "118.40",
            "118.60",
            "118.10",
            "118.20",
            70000,
        ),
        bar(
            "2025-01-27 09:32:00",
            "118.20",
            "118.10",
            "118.30",
            "118.25",
            1,
        ),
    ];
    let file = dir.path().join("ohlcv.dbn");
    write_dbn(&file, &md, &records);
    let (report, replay) = import_ok(dir.path(), &[file], |o| o.max_rejected_pct = 50.0);
    assert_eq!((report.trades, report.bars), (0, 2));
    assert_eq!(report.rejected_count(Reject::Bar), 1, "high below low");
    let m = &replay.manifest;
    assert_eq!(m.files.bars.as_deref(), Some("bars.csv.gz"));
    assert_eq!(
        m.instruments[0].reference,
        px("122.84"),
        "the prior regular-session bar close"
    );
    assert!(
        m.instruments[0]
            .note
            .as_deref()
            .unwrap()
            .contains("bars only")
    );
    assert_eq!(
        gunzip(&replay.dir.join("bars.csv.gz")),
        "ts_event,symbol,open,high,low,close,volume,interval_s\n\
         1737988200000000000,AMD,118.00,118.50,117.90,118.40,90000,60\n\
         1737988260000000000,AMD,118.40,118.60,118.10,118.20,70000,60\n"
    );
    assert_eq!(prints_text(&replay.dir), "ts_event,symbol,price,size\n");
}

#[test]
fn cme_futures_trade_on_the_globex_day() {
    let dir = tempfile::tempdir().unwrap();
    let ids = [("NQH5", 4_000_101u32)];
    let md = metadata(2, Schema::Trades, Dataset::GlbxMdp3, &ids);
    let t = |ts: &str, price: &str, seq| {
        let mut r = trade("NVDA", ny(ts), px(price), 2, seq);
        r.hd.instrument_id = ids[0].1;
        r
    };
    let records = vec![
        t("2025-01-24 16:59:00", "21908.00", 1),
        t("2025-01-26 18:00:00.5", "21771.00", 2),
        t("2025-01-27 09:30:00", "21304.50", 3),
        t("2025-01-27 16:59:59", "21210.25", 4),
        t("2025-01-27 18:00:01", "21215.00", 5),
    ];
    let file = dir.path().join("glbx.dbn");
    write_dbn(&file, &md, &records);
    // No --date: the 18:00 print opens the 28th's Globex day, but the 28th itself is not in
    // the data (a UTC-day file ends at 19:00 New York time), so the 27th is replayed.
    let (report, replay) = import_ok(dir.path(), std::slice::from_ref(&file), |_| {});
    assert_eq!(report.trades, 3);
    assert_eq!(
        report.skipped_count(Skip::LaterDay),
        1,
        "18:00 opens the next Globex day"
    );
    let sub = dir.path().join("dated");
    std::fs::create_dir(&sub).unwrap();
    let (dated, _) = import_ok(&sub, &[file], |o| o.date = Some(date("2025-01-27")));
    assert_eq!(dated, report);
    let m = &replay.manifest;
    let nq = &m.instruments[0];
    assert_eq!(nq.kind, InstrumentKind::Future);
    assert_eq!((nq.tick_size, nq.multiplier), (px("0.25"), Some(20)));
    assert_eq!(nq.day_session, "globex");
    assert_eq!(nq.reference, px("21908.00"));
    assert_eq!(m.start, "2025-01-26T18:00:00-05:00");
    let names: Vec<&str> = m.sessions.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["overnight", "premarket", "regular", "after-hours", "globex"]
    );
    let s = replay.store.snapshot(ny("2025-01-27 17:00:00"), 0);
    assert_eq!(s.instruments[0].open, Some(px("21771.00")));
    assert_eq!(s.instruments[0].close, Some(px("21210.25")));
}

#[test]
fn a_truncated_dbn_file_keeps_the_records_before_the_cut() {
    let dir = tempfile::tempdir().unwrap();
    let full = trades_dbn(dir.path(), "full.dbn", 3);
    let bytes = std::fs::read(&full).unwrap();
    let cut = dir.path().join("cut.dbn");
    std::fs::write(&cut, &bytes[..bytes.len() - 20]).unwrap();
    let (report, _) = import_ok(dir.path(), &[cut], |_| {});
    let n = session().len() as u64;
    assert_eq!(report.read, n, "n-1 records and the cut one");
    assert_eq!(report.rejected_count(Reject::Corrupt), 1);
    assert!(
        report.problems[0].starts_with(&format!(
            "{}:{n}: record:",
            dir.path().join("cut.dbn").display()
        )),
        "{:?}",
        report.problems
    );

    // Cut inside the metadata: nothing to read at all.
    let sub = dir.path().join("head");
    std::fs::create_dir(&sub).unwrap();
    let head = sub.join("head.dbn");
    std::fs::write(&head, &bytes[..30]).unwrap();
    let (out, result) = run(&sub, &[head], |_| {});
    match result {
        Err(ImportError::Input(msg)) => assert!(msg.contains("cannot read DBN metadata"), "{msg}"),
        other => panic!("expected an input error, got {other:?}"),
    }
    assert!(!out.exists());
}

#[test]
fn without_symbology_the_symbol_comes_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let md = Metadata::builder()
        .dataset(Dataset::XnasItch)
        .schema(Some(Schema::Trades))
        .start(0)
        .stype_in(Some(SType::InstrumentId))
        .stype_out(SType::InstrumentId)
        .build();
    let records = vec![trade("NVDA", ny("2025-01-27 10:00:00"), px("120.00"), 5, 1)];
    let file = dir.path().join("ids.dbn");
    write_dbn(&file, &md, &records);
    let (out, result) = run(dir.path(), std::slice::from_ref(&file), |_| {});
    match result {
        Err(ImportError::Nothing(report)) => {
            assert_eq!(report.rejected_count(Reject::Symbol), 1);
            assert!(
                report.problems[0].contains("--symbol"),
                "{:?}",
                report.problems
            );
        }
        other => panic!("expected nothing imported, got {other:?}"),
    }
    assert!(!out.exists());
    let (_, replay) = import_ok(dir.path(), &[file], |o| o.symbol = Some("NVDA".into()));
    assert_eq!(replay.manifest.instruments[0].symbol, "NVDA");
}

#[test]
fn an_interrupted_import_leaves_no_replay_behind() {
    let dir = tempfile::tempdir().unwrap();
    let file = trades_dbn(dir.path(), "t.dbn", 3);
    let (out, result) = run(dir.path(), &[file], |o| {
        o.interrupt
            .store(true, std::sync::atomic::Ordering::Relaxed);
    });
    assert!(
        matches!(result, Err(ImportError::Interrupted { .. })),
        "{result:?}"
    );
    assert!(!out.exists());
    only_left(dir.path(), &["t.dbn"]);
}

#[test]
fn the_cli_imports_and_the_other_commands_open_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let file = trades_dbn(dir.path(), "t.dbn.zst", 2);
    let out = dir.path().join("real-2025-01-27");
    let bin = env!("CARGO_BIN_EXE_tapedeck");
    let run = |args: &[&str]| {
        let o = std::process::Command::new(bin)
            .args(args)
            .env("TAPEDECK_NO_CACHE", "1")
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).to_string(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let (code, stdout, stderr) = run(&[
        "import",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--set",
        "NVDA.name=Nvidia",
        "--set",
        "NVDA.sector=AI chips",
    ]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("imported") && stdout.contains("wrote"),
        "{stdout}"
    );
    let (code, info, _) = run(&["info", out.to_str().unwrap()]);
    assert_eq!(code, Some(0));
    assert!(
        info.contains("RECORDED") || info.contains("recorded"),
        "{info}"
    );
    assert!(info.contains("Nvidia"), "{info}");
    let (code, snap, err) = run(&["snapshot", out.to_str().unwrap(), "--at", "12:00", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&snap).unwrap();
    assert!(
        v["instruments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["symbol"] == "NVDA")
    );
    let (code, tape, err) = run(&[
        "tape",
        out.to_str().unwrap(),
        "--from",
        "09:30",
        "--to",
        "09:45",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(tape.contains("NVDA") || tape.contains("AMD"), "{tape}");

    // Nothing to import: non-zero exit and no folder.
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let none = dir.path().join("none");
    let (code, _, err) = run(&[
        "import",
        empty.to_str().unwrap(),
        "--out",
        none.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("nothing could be imported"), "{err}");
    assert!(!none.exists());
}
