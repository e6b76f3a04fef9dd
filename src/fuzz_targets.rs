//! Fuzz targets: one function per parser, taking arbitrary bytes, each driving the parser
//! through its public entry point exactly as a user's file would (written into a replay
//! folder, an import input, a lesson or a keymap file). The property checked is the one users
//! rely on: bad input is refused with an error — no panic, no hang, no half-written replay —
//! and what is accepted holds together (a replay that loads passes `check`; an import that
//! succeeds wrote a replay that loads).
//!
//! The same functions run under libFuzzer (`fuzz/`, nightly) and as bounded tests in
//! `cargo test` (`tests/fuzz_harness.rs`); [`seeds`] gives each target valid inputs to start
//! from. Not part of the public API.

use std::ffi::c_char;
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::import::{Format, ImportOptions};
use crate::replay::{self, Replay};

/// A target: arbitrary bytes in, a panic if the parser broke its promise.
pub type Target = fn(&[u8]);

/// Every target, by name (as `cargo fuzz run NAME` and the harness know them).
pub const TARGETS: &[(&str, Target)] = &[
    ("replay_manifest", replay_manifest),
    ("replay_headlines", replay_headlines),
    ("replay_trades_text", replay_trades_text),
    ("replay_trades_binary", replay_trades_binary),
    ("replay_bars", replay_bars),
    ("cache_file", cache_file),
    ("import_dbn", import_dbn),
    ("import_databento_csv", import_databento_csv),
    ("import_databento_json", import_databento_json),
    ("import_polygon_trades", import_polygon_trades),
    ("import_polygon_aggs", import_polygon_aggs),
    ("import_csv", import_csv),
    ("import_parquet", import_parquet),
    ("import_headlines", import_headlines),
    ("import_instruments", import_instruments),
    ("lesson", lesson),
    ("keymap", keymap),
    ("recipe", recipe),
    ("practice_orders", practice_orders),
    ("classroom_request", classroom_request),
];

const T0: i64 = 1_737_932_400_000_000_000; // 2025-01-26T18:00:00-05:00
const MIN: i64 = 60_000_000_000;

fn mon(h: i64, m: i64) -> i64 {
    T0 + (6 * 60 + h * 60 + m) * MIN
}

fn manifest(trades: &str, bars: bool) -> String {
    let bars_file = if bars { r#", "bars": "bars.csv""# } else { "" };
    let bar_instrument = if bars {
        r#",
    {"symbol": "CCC", "name": "Gamma", "kind": "etf", "sector": "Chips", "tick_size": 0.01, "reference": 10.00, "day_session": "regular"}"#
    } else {
        ""
    };
    format!(
        r#"{{
  "format": "tapedeck-replay",
  "version": 1,
  "name": "fuzz",
  "title": "Fuzz replay",
  "trading_date": "2025-01-27",
  "time_zone": "America/New_York",
  "start": "2025-01-26T18:00:00-05:00",
  "end": "2025-01-27T20:00:00-05:00",
  "sessions": [
    {{"name": "overnight", "start": "2025-01-26T18:00:00-05:00", "end": "2025-01-27T04:00:00-05:00"}},
    {{"name": "premarket", "start": "2025-01-27T04:00:00-05:00", "end": "2025-01-27T09:30:00-05:00"}},
    {{"name": "regular", "start": "2025-01-27T09:30:00-05:00", "end": "2025-01-27T16:00:00-05:00"}},
    {{"name": "after-hours", "start": "2025-01-27T16:00:00-05:00", "end": "2025-01-27T20:00:00-05:00"}},
    {{"name": "globex", "start": "2025-01-26T18:00:00-05:00", "end": "2025-01-27T17:00:00-05:00", "phase": false}}
  ],
  "sectors": ["Chips", "Futures"],
  "instruments": [
    {{"symbol": "AAA", "name": "Alpha", "kind": "stock", "sector": "Chips", "tick_size": 0.01, "print_increment": 0.0001, "reference": 100.00, "day_session": "regular", "shares_outstanding": 1000000}},
    {{"symbol": "BBB", "name": "Beta", "kind": "stock", "sector": "Chips", "tick_size": 0.01, "reference": 50.00, "day_session": "regular", "shares_outstanding": 3000000}},
    {{"symbol": "NQ", "name": "Index future", "kind": "future", "sector": "Futures", "tick_size": 0.25, "reference": 21908.00, "day_session": "globex", "multiplier": 20}}{bar_instrument}
  ],
  "provenance": {{"kind": "recorded", "summary": "Fuzz fixture."}},
  "files": {{"headlines": "headlines.json", "trades": "{trades}"{bars_file}}}
}}
"#
    )
}

const HEADLINES: &str = r#"[
  {"id": "h1", "ts": "2025-01-20T07:29:00-05:00", "source": "X", "text": "Background before the start", "tickers": ["AAA"], "importance": 1},
  {"id": "h2", "ts": "2025-01-27T09:00:00-05:00", "source": "Wire", "text": "Something happens", "tickers": ["AAA", "NQ"], "tags": ["x"], "importance": 3}
]
"#;

/// (ts, symbol, price, size) of a small valid day.
fn rows() -> Vec<(i64, &'static str, &'static str, u32)> {
    vec![
        (T0 + MIN, "NQ", "21771.00", 3),
        (mon(4, 6), "AAA", "93.10", 100),
        (mon(4, 6), "NQ", "21241.00", 2),
        (mon(9, 30), "AAA", "95.00", 500),
        (mon(9, 30), "BBB", "49.00", 100),
        (mon(10, 0), "AAA", "97.5000", 200),
        (mon(12, 0), "AAA", "90.1234", 300),
        (mon(15, 59), "AAA", "92.00", 1000),
        (mon(16, 30), "AAA", "93.00", 50),
        (mon(16, 59), "NQ", "21304.50", 7),
    ]
}

fn trades_csv() -> String {
    let mut s = String::from("ts_event,symbol,price,size\n");
    for (ts, sym, px, size) in rows() {
        s.push_str(&format!("{ts},{sym},{px},{size}\n"));
    }
    s
}

fn bars_csv() -> String {
    format!(
        "ts_event,symbol,open,high,low,close,volume,interval_s\n\
         {},CCC,10.00,10.20,9.90,10.10,1000,60\n\
         {},CCC,10.10,10.15,9.80,9.85,700,60\n",
        mon(9, 30),
        mon(9, 31)
    )
}

fn trades_binary() -> Vec<u8> {
    use crate::price::Price;
    let symbols = ["AAA", "BBB", "NQ"];
    let mut cols: Vec<(Vec<i64>, Vec<i64>, Vec<u32>)> = vec![Default::default(); 3];
    for (ts, sym, px, size) in rows() {
        let i = symbols.iter().position(|s| *s == sym).unwrap_or(0);
        cols[i].0.push(ts);
        cols[i].1.push(Price::parse(px).map_or(0, |p| p.0));
        cols[i].2.push(size);
    }
    let prints: Vec<replay::columns::Prints> = symbols
        .iter()
        .zip(&cols)
        .map(|(s, c)| replay::columns::Prints {
            symbol: s,
            ts: &c.0,
            price: &c.1,
            size: &c.2,
        })
        .collect();
    let dir = scratch().join("seed-binary");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("trades.tdcol");
    replay::columns::write(&path, &prints).expect("write seed prints");
    std::fs::read(&path).unwrap_or_default()
}

/// A folder of this process and thread (fuzzing runs one input at a time per thread).
fn scratch() -> PathBuf {
    thread_local! {
        static DIR: PathBuf = {
            let d = std::env::temp_dir().join(format!(
                "tapedeck-fuzz-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            let _ = std::fs::create_dir_all(&d);
            d
        };
    }
    DIR.with(Clone::clone)
}

/// A replay folder with one of its files replaced by `data`, loaded and checked: it loads
/// cleanly or is refused, and what loads has no problems for `check` either.
fn replay_with(name: &str, data: &[u8], trades: &str, bars: bool) {
    let dir = scratch().join("replay");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let files: [(&str, Vec<u8>); 4] = [
        ("replay.json", manifest(trades, bars).into_bytes()),
        ("headlines.json", HEADLINES.as_bytes().to_vec()),
        (
            trades,
            if trades.ends_with(".tdcol") {
                trades_binary()
            } else {
                trades_csv().into_bytes()
            },
        ),
        ("bars.csv", bars_csv().into_bytes()),
    ];
    for (file, bytes) in files {
        let bytes = if file == name { data.to_vec() } else { bytes };
        std::fs::write(dir.join(file), bytes).expect("scratch file");
    }
    if let Ok(r) = replay::load_uncached(&dir) {
        exercise(&r);
        let problems = replay::load::check(&dir);
        assert!(problems.is_empty(), "loads, but check finds: {problems:?}");
    }
}

/// Reads what a loaded replay answers, as the app would: snapshots across the day.
fn exercise(r: &Replay) {
    let store = &r.store;
    let span = (store.end - store.start).max(1);
    for k in 0..=8 {
        let t = store.start + span / 8 * k;
        let snap = store.snapshot(t, 5);
        assert!(snap.headlines_seen <= store.headlines.len());
    }
}

pub fn replay_manifest(data: &[u8]) {
    replay_with("replay.json", data, "trades.csv", false);
}

pub fn replay_headlines(data: &[u8]) {
    replay_with("headlines.json", data, "trades.csv", false);
}

pub fn replay_trades_text(data: &[u8]) {
    replay_with("trades.csv", data, "trades.csv", false);
}

pub fn replay_trades_binary(data: &[u8]) {
    replay_with("trades.tdcol", data, "trades.tdcol", false);
}

pub fn replay_bars(data: &[u8]) {
    replay_with("bars.csv", data, "trades.csv", true);
}

/// A damaged cache file is refused (the replay's own files are then read); one that is
/// accepted gives series that can be read end to end.
pub fn cache_file(data: &[u8]) {
    use replay::cache::{self, Source};
    let dir = scratch().join("cache");
    let trades = dir.join("trades.csv");
    let manifest_path = dir.join("replay.json");
    if !trades.exists() {
        let _ = std::fs::create_dir_all(&dir);
        std::fs::write(&manifest_path, manifest("trades.csv", false)).expect("scratch");
        std::fs::write(dir.join("headlines.json"), HEADLINES).expect("scratch");
        std::fs::write(&trades, trades_csv()).expect("scratch");
    }
    let manifest = std::fs::read(&manifest_path).unwrap_or_default();
    let path = dir.join("fuzz.tdc");
    std::fs::write(&path, data).expect("scratch");
    let source = Source {
        manifest: &manifest,
        files: [Some(&trades), None],
    };
    if let Ok(series) = cache::read(&path, &source, 3, None) {
        for s in &series {
            let n = s.ts.len();
            assert!(s.price.len() == n && s.size.len() == n);
            let _ = s.minute_bars_until(i64::MAX);
        }
    }
}

/// A valid cache file of the fuzz replay (the cache target's seed).
fn cache_seed() -> Vec<u8> {
    use replay::cache::{self, Source};
    cache_file(b"");
    let dir = scratch().join("cache");
    let trades = dir.join("trades.csv");
    let manifest = std::fs::read(dir.join("replay.json")).unwrap_or_default();
    let Ok(r) = replay::load_uncached(&dir) else {
        return Vec::new();
    };
    let path = dir.join("seed.tdc");
    let source = Source {
        manifest: &manifest,
        files: [Some(&trades), None],
    };
    if cache::write(&path, &source, r.store.all_series(), false).is_err() {
        return Vec::new();
    }
    std::fs::read(&path).unwrap_or_default()
}

/// Imports files (name, bytes) with `opts_fn` applied: a failed import leaves `--out` absent;
/// a successful one wrote a replay that loads and passes `check`.
fn import_files(inputs: &[(&str, &[u8])], format: &str, opts_fn: impl FnOnce(&mut ImportOptions)) {
    let dir = scratch().join("import");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let mut files = Vec::new();
    for (name, bytes) in inputs {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("scratch file");
        files.push(path);
    }
    let out = dir.join("out");
    let mut opts = ImportOptions::new(&out);
    opts.format = Format::parse(format).expect("a format name");
    opts.interrupt = Arc::new(std::sync::atomic::AtomicBool::new(false));
    opts_fn(&mut opts);
    // Only the first file is an input; the others are named by the options.
    match crate::import::import(&files[..1], &opts) {
        Ok(_) => {
            let r = replay::load_uncached(&out).expect("an imported replay loads");
            exercise(&r);
            let problems = replay::load::check(&out);
            assert!(
                problems.is_empty(),
                "imported, but check finds: {problems:?}"
            );
        }
        Err(_) => assert!(!out.exists(), "a failed import left {}", out.display()),
    }
    // Nothing half-written beside the output either.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(
                name == "out" || inputs.iter().any(|(n, _)| *n == name),
                "an import left {name} behind"
            );
        }
    }
}

pub fn import_dbn(data: &[u8]) {
    import_files(&[("trades.dbn", data)], "dbn", |_| {});
}

pub fn import_databento_csv(data: &[u8]) {
    import_files(&[("trades.csv", data)], "databento-csv", |_| {});
}

pub fn import_databento_json(data: &[u8]) {
    import_files(&[("trades.json", data)], "databento-json", |_| {});
}

pub fn import_polygon_trades(data: &[u8]) {
    import_files(&[("2025-01-27.csv", data)], "polygon-trades", |_| {});
}

pub fn import_polygon_aggs(data: &[u8]) {
    import_files(&[("minute.csv", data)], "polygon-minute", |_| {});
}

pub fn import_csv(data: &[u8]) {
    import_files(&[("prints.csv", data)], "csv", |_| {});
}

pub fn import_parquet(data: &[u8]) {
    import_files(&[("trades.parquet", data)], "parquet", |_| {});
}

const IMPORT_PRINTS: &[u8] = b"ts_event,symbol,price,size\n\
    1737988200000000000,NVDA,124.80,100\n\
    1737988200000000000,NQH5,21304.50,2\n\
    1737988260000000000,NVDA,124.50,30\n";

pub fn import_headlines(data: &[u8]) {
    let path = scratch().join("import").join("news.json");
    import_files(
        &[("p.csv", IMPORT_PRINTS), ("news.json", data)],
        "csv",
        |o| o.headlines = Some(path),
    );
}

pub fn import_instruments(data: &[u8]) {
    let path = scratch().join("import").join("instruments.csv");
    import_files(
        &[("p.csv", IMPORT_PRINTS), ("instruments.csv", data)],
        "csv",
        |o| o.instruments = Some(path),
    );
}

/// The bundled replay, loaded once (lessons are checked against it).
fn bundled() -> Option<&'static Replay> {
    static R: std::sync::OnceLock<Option<Replay>> = std::sync::OnceLock::new();
    R.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("replays/deepseek-2025-01-27");
        replay::load_uncached(&dir).ok()
    })
    .as_ref()
}

pub fn lesson(data: &[u8]) {
    let Some(r) = bundled() else { return };
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(l) = crate::lesson::Lesson::parse(text, Path::new("fuzz.json"), r) {
        // Every template renders at every stop's time.
        let snap = r.store.snapshot(r.store.end, 0);
        for s in &l.steps {
            for t in s.prompt.iter().chain(&s.reveal) {
                let _ = t.render(&r.store, &snap, r.tz);
            }
        }
    }
}

pub fn keymap(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(k) = crate::tui::keymap::Keymap::from_json(text, Path::new("keys.json")) {
        let _ = k.help_rows();
        let _ = k.status_items();
    }
}

/// A fetch recipe: read, and when it names no replay other than the bundled one (which the
/// plan loads), planned into the scratch folder.
pub fn recipe(data: &[u8]) {
    let dir = scratch().join("recipe");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("recipe.json");
    std::fs::write(&path, data).expect("scratch");
    let Ok(r) = crate::fetch::recipe::load(&path) else {
        return;
    };
    if r.metadata_from
        .as_deref()
        .is_none_or(|m| m == "deepseek-2025-01-27")
        && let Ok(plan) = crate::fetch::recipe::plan(&r, &path, &dir.join("plan"))
    {
        assert_eq!(plan.requests.len(), r.requests.len());
    }
}

/// The orders file of `tapedeck practice`, as CSV or JSON, run on the bundled replay: what
/// loads fills only from prints after each order's time and at or before the clock.
pub fn practice_orders(data: &[u8]) {
    let Some(r) = bundled() else { return };
    let dir = scratch().join("orders");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(if data.first() == Some(&b'[') {
        "orders.json"
    } else {
        "orders.csv"
    });
    std::fs::write(&path, data).expect("scratch");
    let Ok(orders) = crate::practice::orders_file::load(&path, r) else {
        return;
    };
    let rules = crate::practice::fills::FillRules {
        partial_fills: data.len().is_multiple_of(2),
        ..Default::default()
    };
    let clock = r.store.start + (r.store.end - r.store.start) / 2;
    let out = crate::practice::simulate(&r.store, &orders, &rules, clock, 0);
    for f in &out.fills {
        let o = orders
            .iter()
            .find(|o| o.id == f.order)
            .expect("a fill's order");
        assert!(
            f.ts > o.ts && f.ts <= clock,
            "fill at {} of order at {}",
            f.ts,
            o.ts
        );
    }
    let _ = (out.realized(), out.unrealized(&r.store));
}

/// Classroom API request bodies, one per line: `j{json}` joins, `a{json}` answers as the
/// latest student, `q` asks the next stop (a number, a choice or a direction question), `r`
/// reveals it. Whatever arrives, names stay clean and capped, one answer per student per stop
/// counts, and the state, the tally and the results files can be built.
pub fn classroom_request(data: &[u8]) {
    use crate::classroom::room::{Room, Teacher};
    use crate::classroom::server::{answer_request, join_request};
    use crate::lesson::question::{self, Truth};
    let Some(r) = bundled() else { return };
    let questions: Vec<question::Question> = [
        r#"{"kind": "number", "answer": "NVDA.change_pct"}"#,
        r#"{"kind": "choice", "choices": ["NVDA", "AAPL", "sector:AI chips"], "answer": "lowest change_pct"}"#,
        r#"{"kind": "direction", "answer": "AAPL.change"}"#,
    ]
    .iter()
    .map(|q| question::parse(&serde_json::from_str(q).expect("json"), &r.store).expect("question"))
    .collect();
    let mut room = Room::new("ABCD23".into(), "teacher".into(), 8, "fuzz".into());
    let mut stop = 0;
    for (k, line) in data.split(|b| *b == b'\n').take(64).enumerate() {
        match line.split_first() {
            Some((b'j', body)) => {
                let _ = join_request(&mut room, body, format!("token{k}"));
            }
            Some((b'a', body)) if !room.students.is_empty() => {
                let student = room.students.len() - 1;
                let _ = answer_request(&mut room, student, body);
            }
            Some((b'q', _)) => {
                stop += 1;
                room.apply(Teacher::Ask {
                    stop,
                    prompt: "?".into(),
                    question: Some(questions[stop % questions.len()].clone()),
                    decimals: 2,
                });
            }
            Some((b'r', rest)) => room.apply(Teacher::Reveal {
                stop,
                truth: Some(if stop % questions.len() == 0 {
                    Truth::Number(rest.len() as f64 - 3.5)
                } else {
                    Truth::Choice(rest.len() % 2)
                }),
                text: String::from_utf8_lossy(rest).into_owned(),
            }),
            _ => {}
        }
    }
    for s in &room.students {
        assert!(
            !crate::text::has_control(&s.name),
            "control character in {:?}",
            s.name
        );
        assert!(
            s.name.chars().count() <= crate::classroom::room::NAME_MAX,
            "{:?}",
            s.name
        );
    }
    for st in room.stops.values() {
        assert!(st.answers.len() <= room.students.len());
    }
    for i in 0..room.students.len() {
        let _ = room.state_for(Some(i)).to_string();
    }
    let _ = room.tally();
    let _ = crate::classroom::files::results_json(&room, "l", "r").to_string();
    let _ = crate::classroom::files::results_csv(&room);
}

/// Valid inputs for `target` to start from: the fixtures the tests use, written by the
/// vendors' own encoders where there is one.
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    let s = |t: &str| t.as_bytes().to_vec();
    match target {
        "replay_manifest" => vec![
            s(&manifest("trades.csv", false)),
            std::fs::read(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("replays/deepseek-2025-01-27/replay.json"),
            )
            .unwrap_or_default(),
        ],
        "replay_headlines" => vec![
            s(HEADLINES),
            std::fs::read(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("replays/deepseek-2025-01-27/headlines.json"),
            )
            .unwrap_or_default(),
        ],
        "replay_trades_text" => vec![s(&trades_csv())],
        "replay_trades_binary" => vec![trades_binary()],
        "replay_bars" => vec![s(&bars_csv())],
        "cache_file" => vec![cache_seed()],
        "import_dbn" => vec![dbn_seed()],
        "import_databento_csv" => vec![databento_text_seed(false)],
        "import_databento_json" => vec![databento_text_seed(true)],
        "import_polygon_trades" => vec![s(
            "ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp\n\
             NVDA,\"12,37\",0,4,1,1737988199999000000,124.8,101,1737988200000000000,100,3,,\n\
             NVDA,,0,11,2,1737988200400000000,124.7999,102,1737988200500000000,5,3,201,1737988200400100000\n\
             AMD,\"14,41\",0,12,9,1737988201000000000,118.42,55,1737988201000000100,30,3,,\n",
        )],
        "import_polygon_aggs" => vec![s(
            "ticker,volume,open,close,high,low,window_start,transactions\n\
             NVDA,1496396,124.8,124.78,125.08,124.68,1737988200000000000,9000\n\
             NVDA,800000,124.78,124.5,124.9,124.4,1737988260000000000,7000\n",
        )],
        "import_csv" => vec![
            IMPORT_PRINTS.to_vec(),
            s(
                "Date,Time,Open,High,Low,Close,Volume\n01/27/2025,09:30,124.8,125.0,124.5,124.9,1000\n",
            ),
        ],
        "import_parquet" => vec![parquet_seed()],
        "import_headlines" => vec![s(
            r#"[{"ts": "2025-01-27T09:31:00-05:00", "text": "Nvidia falls", "source": "Reuters", "tickers": ["NVDA", "TSLA"], "importance": 3}]"#,
        )],
        "import_instruments" => vec![s("symbol,name,sector,reference,shares_outstanding,kind\n\
             NQH5,Nasdaq-100 futures,Futures,21908,,future\n\
             NVDA,Nvidia,AI chips,142.62,24477000000,stock\n")],
        "lesson" => {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/lessons");
            let mut v: Vec<Vec<u8>> = std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| std::fs::read(e.path()).ok())
                .collect();
            v.push(s(r#"{"title": "t", "steps": [{"seek": "09:30", "select": "NVDA"}, {"prompt": "NVDA is {NVDA.change_pct}"}, {"play_to": "10:00", "speed": 60}, {"reveal": "{total.market_cap_change}"}]}"#));
            v
        }
        "keymap" => vec![s(
            r#"{"quit": ["q", "x"], "play_pause": ["Space"], "step_forward": ["Ctrl+Right", "l"]}"#,
        )],
        "recipe" => {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/recipes");
            std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| std::fs::read(e.path()).ok())
                .collect()
        }
        "practice_orders" => vec![
            s("ts,symbol,side,qty,type,price,stop_price\n\
               04:06,NQH25,sell,1,market,,\n\
               09:31,NVDA,buy,100,limit,125.00,\n\
               10:00,NVDA,sell,100,stop,,118.50\n\
               10:05,AAPL,buy,10,stop_limit,240.00,239.50\n"),
            s(
                r#"[{"ts": "09:31", "symbol": "NVDA", "side": "buy", "qty": 100, "type": "market"},
 {"ts": "2025-01-27 11:00", "symbol": "NVDA", "side": "sell", "qty": "100", "type": "limit", "price": 121.5}]"#,
            ),
        ],
        "classroom_request" => vec![s(
            "j{\"code\": \"abcd23\", \"name\": \"Ana\"}\nq\na{\"stop\": 1, \"value\": -3.5}\nj{\"code\": \"ABCD23\", \"name\": \"=Ben\\u001b[2J\"}\na{\"stop\": 1, \"value\": \"-4 %\"}\nr\nq\na{\"stop\": 2, \"value\": \"AAPL\"}\nr1\n",
        )],
        _ => Vec::new(),
    }
}

fn dbn_records() -> Vec<dbn::TradeMsg> {
    use dbn::{FlagSet, RecordHeader, TradeMsg, rtype};
    let mut out = Vec::new();
    for (k, (id, price)) in [(11667u32, 124_800_000_000i64), (523, 118_420_000_000)]
        .into_iter()
        .cycle()
        .take(8)
        .enumerate()
    {
        let ts = (1_737_988_200_000_000_000 + k as i64 * 1_000_000_000) as u64;
        out.push(TradeMsg {
            hd: RecordHeader::new::<TradeMsg>(rtype::MBP_0, 1, id, ts),
            price: price + k as i64 * 10_000_000,
            size: 100 + k as u32,
            action: b'T' as c_char,
            side: b'A' as c_char,
            flags: FlagSet::default(),
            depth: 0,
            ts_recv: ts + 1_000,
            ts_in_delta: 0,
            sequence: k as u32,
        });
    }
    out
}

fn dbn_metadata() -> dbn::Metadata {
    use dbn::{MappingInterval, Metadata, SType, Schema, SymbolMapping};
    let day = |d| ::time::Date::from_calendar_date(2025, ::time::Month::January, d).ok();
    let mappings = [("NVDA", 11667), ("AMD", 523)]
        .iter()
        .filter_map(|(s, id)| {
            Some(SymbolMapping {
                raw_symbol: s.to_string(),
                intervals: vec![MappingInterval {
                    start_date: day(20)?,
                    end_date: day(29)?,
                    symbol: id.to_string(),
                }],
            })
        })
        .collect();
    Metadata::builder()
        .version(dbn::DBN_VERSION)
        .dataset(dbn::Dataset::XnasItch)
        .schema(Some(Schema::Trades))
        .start(1_737_694_800_000_000_000)
        .end(NonZeroU64::new(1_738_040_400_000_000_000))
        .stype_in(Some(SType::RawSymbol))
        .stype_out(SType::InstrumentId)
        .symbols(vec!["NVDA".into(), "AMD".into()])
        .mappings(mappings)
        .build()
}

fn dbn_seed() -> Vec<u8> {
    use dbn::encode::{DbnEncoder, EncodeRecord};
    let mut buf = Vec::new();
    if let Ok(mut enc) = DbnEncoder::new(&mut buf, &dbn_metadata()) {
        for r in dbn_records() {
            let _ = enc.encode_record(&r);
        }
    }
    buf
}

fn databento_text_seed(json: bool) -> Vec<u8> {
    use dbn::Schema;
    use dbn::encode::{CsvEncoder, EncodeRecordTextExt, JsonEncoder};
    let mut buf = Vec::new();
    let syms = ["NVDA", "AMD"];
    if json {
        let mut enc = JsonEncoder::builder(&mut buf).build();
        for (k, r) in dbn_records().iter().enumerate() {
            let _ = enc.encode_record_with_sym(r, Some(syms[k % 2]));
        }
    } else if let Ok(mut enc) = CsvEncoder::builder(&mut buf)
        .schema(Some(Schema::Trades))
        .with_symbol(true)
        .build()
    {
        for (k, r) in dbn_records().iter().enumerate() {
            let _ = enc.encode_record_with_sym(r, Some(syms[k % 2]));
        }
    }
    buf
}

fn parquet_seed() -> Vec<u8> {
    use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    let Ok(schema) = parse_message_type(
        "message trades {
            required int64 ts_event (TIMESTAMP(NANOS, true));
            required binary symbol (UTF8);
            required double price;
            required int64 size;
        }",
    ) else {
        return Vec::new();
    };
    let ts = [1_737_988_200_000_000_000i64, 1_737_988_201_000_000_000];
    let sym = [ByteArray::from("NVDA"), ByteArray::from("AMD")];
    let price = [124.8f64, 118.42];
    let size = [100i64, 30];
    let mut buf = Vec::new();
    let props = Arc::new(WriterProperties::builder().build());
    let write = || -> Result<(), parquet::errors::ParquetError> {
        let mut w = SerializedFileWriter::new(&mut buf, Arc::new(schema), props)?;
        let mut rg = w.next_row_group()?;
        let mut k = 0;
        while let Some(mut col) = rg.next_column()? {
            match k {
                0 => col.typed::<Int64Type>().write_batch(&ts, None, None)?,
                1 => col.typed::<ByteArrayType>().write_batch(&sym, None, None)?,
                2 => col.typed::<DoubleType>().write_batch(&price, None, None)?,
                _ => col.typed::<Int64Type>().write_batch(&size, None, None)?,
            };
            col.close()?;
            k += 1;
        }
        rg.close()?;
        w.close()?;
        Ok(())
    };
    let _ = write();
    buf
}
